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
