//! Certificates made on the spot for the TLS tests (rcgen): a private CA
//! and leaves it signs, or a self-signed leaf.

#![allow(dead_code)]

use hive::net::tls::{TlsAcceptor, TlsConnector};

/// A CA and one server certificate it signed.
pub struct Pki {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl Pki {
    /// A CA plus a leaf for `names` (DNS names or IP addresses).
    pub fn new(names: &[&str]) -> Pki {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "hive test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);

        let key = rcgen::KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let params = rcgen::CertificateParams::new(names).unwrap();
        let cert = params.signed_by(&key, &issuer).unwrap();
        Pki {
            ca_pem: ca.pem(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }

    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from_pem(self.cert_pem.as_bytes(), self.key_pem.as_bytes()).unwrap()
    }

    pub fn connector(&self) -> TlsConnector {
        TlsConnector::from_root_pem(self.ca_pem.as_bytes()).unwrap()
    }
}

/// Runs `f` in a runtime of `loops` loops.
pub fn run<F: std::future::Future<Output = ()> + Send + 'static>(loops: usize, f: F) {
    let rt = hive::Builder::new().loops(loops).build().unwrap();
    rt.run(f).unwrap();
}

impl Pki {
    /// Writes `ca.pem`, `cert.pem` and `key.pem` into `dir`, for programs
    /// that read certificates from files (openssl, curl).
    pub fn write_to(&self, dir: &TempDir) {
        std::fs::write(dir.path("ca.pem"), &self.ca_pem).unwrap();
        std::fs::write(dir.path("cert.pem"), &self.cert_pem).unwrap();
        std::fs::write(dir.path("key.pem"), &self.key_pem).unwrap();
    }
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    /// `<tmp>/hive-<tag>-<pid>-<n>`, made empty.
    pub fn new(tag: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("hive-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// `name` inside the directory.
    pub fn path(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether `program` is an executable file on `PATH` (`command -v`).
pub fn have_program(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(program))
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    })
}

/// The process's open file descriptors (the directory listing's own
/// descriptor included, as in every call).
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Serializes the tests of one binary that count process-wide things
/// (descriptors) or must not overlap; a failed test does not poison it.
pub fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Warnings and errors logged through `tracing` by any thread of this
/// test binary, one line each ("message error=..."), kept from the first
/// call of [`capture_logs`] on.
pub mod logs {
    use std::sync::Mutex;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Level, Metadata, Subscriber};

    static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

    struct Capture;

    struct Line(String);

    impl Visit for Line {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if !self.0.is_empty() {
                self.0.push(' ');
            }
            if field.name() == "message" {
                self.0.push_str(&format!("{value:?}"));
            } else {
                self.0.push_str(&format!("{}={value:?}", field.name()));
            }
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            metadata.is_event() && *metadata.level() <= Level::WARN
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut line = Line(String::new());
            event.record(&mut line);
            LINES.lock().unwrap_or_else(|p| p.into_inner()).push(line.0);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    /// Installs the capturing subscriber as the global default (once).
    pub fn capture_logs() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            tracing::subscriber::set_global_default(Capture)
                .expect("no other global tracing subscriber in this test binary");
        });
    }

    /// How many lines are captured so far: pass it to [`lines_since`].
    pub fn mark() -> usize {
        LINES.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// The lines captured after `mark` that contain `needle`.
    pub fn lines_since(mark: usize, needle: &str) -> Vec<String> {
        LINES
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .skip(mark)
            .filter(|l| l.contains(needle))
            .cloned()
            .collect()
    }
}
