//! A TLS echo client: sends a few lines, checks each echo, prints what the
//! handshake agreed, exits.
//!
//! ```text
//! cargo run --example tls_echo_client -- [ADDR [CA.pem]]
//! ```
//! ADDR defaults to localhost:8443; the host part is the name checked in
//! the server's certificate (and sent as SNI). CA.pem, the certificates to
//! trust, defaults to the one `tls_echo_server` writes when it makes its
//! own (`<tmp>/hive-tls-echo-cert.pem`).

use hive::net::open_connection;
use hive::net::tls::TlsConnector;

/// The ALPN protocol `tls_echo_server` offers.
const ALPN: &str = "hive-echo";

#[hive::main]
async fn main() {
    if let Err(err) = talk().await {
        eprintln!("tls_echo_client: {err}");
        std::process::exit(1);
    }
}

/// Connects, checks the echoes and prints the session's parameters.
async fn talk() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = args.first().map_or("localhost:8443", String::as_str);
    let ca = args.get(1).map_or_else(
        || std::env::temp_dir().join("hive-tls-echo-cert.pem"),
        Into::into,
    );
    let connector = TlsConnector::from_root_pem_file(&ca)?.with_alpn([ALPN]);

    let (mut reader, writer) = open_connection(addr).ssl(connector).await?;
    for i in 0..3 {
        let line = format!("hello over TLS {i}\n");
        writer.write(line.as_bytes());
        writer.drain().await?;
        let echoed = reader.readline().await.map_err(std::io::Error::other)?;
        assert_eq!(echoed, line.as_bytes(), "the echo differs");
        print!("echoed: {}", String::from_utf8_lossy(&echoed));
    }

    let info = writer.tls_info().expect("a TLS connection");
    println!("version: {:?}", info.protocol_version());
    println!("cipher:  {:?}", info.cipher_suite().map(|s| s.suite()));
    println!(
        "ALPN:    {}",
        info.alpn_protocol()
            .map_or("(none)".into(), String::from_utf8_lossy)
    );
    writer.close();
    writer.wait_closed().await?;
    Ok(())
}
