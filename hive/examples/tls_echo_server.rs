//! A line echo server over TLS: `start_server(..).ssl(acceptor)`.
//!
//! ```text
//! cargo run --example tls_echo_server -- [ADDR [CERT.pem KEY.pem]]
//! ```
//! ADDR defaults to 127.0.0.1:8443. Without CERT.pem and KEY.pem it makes a
//! self-signed certificate for `localhost` and `127.0.0.1` (rcgen) and
//! writes it to `<tmp>/hive-tls-echo-cert.pem` (the path is printed), for
//! clients to trust:
//!
//! ```text
//! cargo run --example tls_echo_client
//! openssl s_client -connect 127.0.0.1:8443 -CAfile /tmp/hive-tls-echo-cert.pem -servername localhost
//! ```
//! It offers the ALPN protocol `hive-echo` (clients need not ask for it)
//! and serves until Ctrl-C.

use hive::net::tls::TlsAcceptor;
use hive::net::{start_server, StreamReader, StreamWriter};
use std::path::PathBuf;

/// The ALPN protocol this server offers.
const ALPN: &str = "hive-echo";

/// Where the self-signed certificate goes when none is given.
fn default_cert_path() -> PathBuf {
    std::env::temp_dir().join("hive-tls-echo-cert.pem")
}

/// Echoes every line back until the client closes.
async fn echo_lines(mut reader: StreamReader, writer: StreamWriter) {
    if let (Some(info), Ok(peer)) = (writer.tls_info(), writer.peer_addr()) {
        println!(
            "{peer}: {:?}, {:?}, SNI {:?}",
            info.protocol_version(),
            info.cipher_suite().map(|s| s.suite()),
            info.sni().unwrap_or("-"),
        );
    }
    while let Ok(line) = reader.readline().await {
        if line.is_empty() {
            break; // EOF
        }
        writer.write(&line);
        if writer.drain().await.is_err() {
            return;
        }
    }
    writer.close();
    let _ = writer.wait_closed().await;
}

/// A certificate for `localhost` and `127.0.0.1`, signed by its own key;
/// its PEM is written to [`default_cert_path`].
fn self_signed() -> std::io::Result<TlsAcceptor> {
    let key = rcgen::KeyPair::generate().map_err(std::io::Error::other)?;
    let cert = rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
        .and_then(|params| params.self_signed(&key))
        .map_err(std::io::Error::other)?;
    let path = default_cert_path();
    std::fs::write(&path, cert.pem())?;
    println!(
        "self-signed certificate for localhost written to {}",
        path.display()
    );
    Ok(TlsAcceptor::from_pem(
        cert.pem().as_bytes(),
        key.serialize_pem().as_bytes(),
    )?)
}

#[hive::main]
async fn main() {
    if let Err(err) = serve().await {
        eprintln!("tls_echo_server: {err}");
        std::process::exit(1);
    }
}

/// Parses the arguments, starts the server and serves until Ctrl-C.
async fn serve() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = args.first().map_or("127.0.0.1:8443", String::as_str);
    let acceptor = match (args.get(1), args.get(2)) {
        (Some(cert), Some(key)) => TlsAcceptor::from_pem_files(cert, key)?,
        (None, None) => self_signed()?,
        _ => {
            eprintln!("usage: tls_echo_server [ADDR [CERT.pem KEY.pem]]");
            std::process::exit(2);
        }
    };
    let server = start_server(echo_lines, addr)
        .ssl(acceptor.with_alpn([ALPN]))
        .await?;
    println!(
        "TLS echo server listening on {}; Ctrl-C stops it",
        server.local_addrs()[0]
    );
    server.serve_forever().await;
    Ok(())
}
