//! `Transport::start_tls_client` / `start_tls_server` (asyncio's
//! `loop.start_tls`): a protocol-driven connection upgraded in place, on
//! both ends, with no byte lost or misread on either side of the switch.

mod tls_support;

use hive::net::{Protocol, Transport};
use hive::sync::Queue;
use std::sync::Arc;
use std::time::Duration;
use tls_support::{run, Pki};

/// Hands every `data_received` chunk and the transport to the test.
struct Relay {
    chunks: Arc<Queue<Vec<u8>>>,
    transports: Arc<Queue<Transport>>,
    /// Pause reading when this line arrives (the server's STARTTLS):
    /// the peer's handshake may follow the answer before the upgrade task runs.
    pause_on: Option<&'static [u8]>,
    transport: Option<Transport>,
}

/// What the test reads from a [`Relay`]: its data and its transport.
type Taps = (Arc<Queue<Vec<u8>>>, Arc<Queue<Transport>>);

impl Relay {
    fn new(pause_on: Option<&'static [u8]>) -> (Relay, Taps) {
        let chunks = Arc::new(Queue::new(0));
        let transports = Arc::new(Queue::new(0));
        let relay = Relay {
            chunks: chunks.clone(),
            transports: transports.clone(),
            pause_on,
            transport: None,
        };
        (relay, (chunks, transports))
    }
}

impl Protocol for Relay {
    fn connection_made(&mut self, t: Transport) {
        self.transport = Some(t.clone());
        let _ = self.transports.put_nowait(t);
    }
    fn data_received(&mut self, data: &[u8]) {
        if let (Some(line), Some(t)) = (self.pause_on, &self.transport) {
            if data.ends_with(line) {
                t.pause_reading();
            }
        }
        let _ = self.chunks.put_nowait(data.to_vec());
    }
}

/// Reads chunks until `want` arrived whole; fails on anything else.
async fn expect(chunks: &Queue<Vec<u8>>, want: &[u8]) {
    let mut got = Vec::new();
    while got.len() < want.len() {
        let chunk = hive::timeout(Duration::from_secs(10), chunks.get())
            .await
            .expect("data in time")
            .unwrap();
        got.extend_from_slice(&chunk);
    }
    assert_eq!(got, want);
}

#[test]
fn protocols_upgrade_a_live_connection_on_both_ends() {
    let pki = Pki::new(&["localhost"]);
    run(2, async move {
        let (server_relay, (server_chunks, server_transports)) = Relay::new(Some(b"STARTTLS\n"));
        let server_relay = Once(std::sync::Mutex::new(Some(server_relay)));
        let server = hive::net::create_server(move || server_relay.take(), "127.0.0.1:0")
            .await
            .unwrap();
        let port = server.local_addrs()[0].as_inet().unwrap().port();

        let (client_relay, (client_chunks, _)) = Relay::new(None);
        let (client, task) =
            hive::net::create_connection(move || client_relay, ("127.0.0.1", port))
                .await
                .unwrap();
        let server_side = server_transports.get().await.unwrap();

        // Plaintext first, then the client asks to upgrade.
        server_side.write(b"220 ready\n");
        expect(&client_chunks, b"220 ready\n").await;
        client.write(b"STARTTLS\n");
        expect(&server_chunks, b"STARTTLS\n").await;
        assert!(!server_side.is_reading(), "the protocol paused on STARTTLS");

        // The server answers and upgrades; the client upgrades on the answer.
        let acceptor = pki.acceptor();
        server_side.write(b"220 go ahead\n");
        let upgrade = hive::spawn(async move { server_side.start_tls_server(&acceptor).await });
        expect(&client_chunks, b"220 go ahead\n").await;
        let client_tls = client
            .start_tls_client(&pki.connector(), "localhost")
            .await
            .unwrap();
        let server_tls = upgrade.await.unwrap().unwrap();
        assert!(client_tls.tls_info().is_some() && server_tls.tls_info().is_some());
        assert!(
            client.tls_info().is_none(),
            "the old transport stays plaintext"
        );

        // Both directions now go through TLS, into the same protocols.
        client_tls.write(b"secret from client\n");
        expect(&server_chunks, b"secret from client\n").await;
        server_tls.write(b"secret from server\n");
        expect(&client_chunks, b"secret from server\n").await;

        // A second upgrade is misuse, and says so.
        let err = client_tls
            .start_tls_client(&pki.connector(), "localhost")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);

        client_tls.close();
        hive::timeout(Duration::from_secs(10), task)
            .await
            .unwrap()
            .unwrap();
        server.close();
        hive::timeout(Duration::from_secs(10), server.wait_closed())
            .await
            .unwrap();
    });
}

#[test]
fn a_failed_upgrade_is_a_typed_error_and_reading_resumes() {
    let pki = Pki::new(&["localhost"]);
    run(2, async move {
        // A server that answers the ClientHello with plaintext.
        let server = hive::net::start_server(
            |mut r, w| async move {
                let _ = r.read(1).await;
                w.write(b"this is not TLS\n");
                let _ = w.drain().await;
                let _ = r.read_to_end().await;
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let port = server.local_addrs()[0].as_inet().unwrap().port();
        let (relay, _taps) = Relay::new(None);
        let (client, _task) = hive::net::create_connection(move || relay, ("127.0.0.1", port))
            .await
            .unwrap();
        let err = client
            .start_tls_client(&pki.connector(), "localhost")
            .await
            .unwrap_err();
        assert!(
            hive::net::tls::TlsError::from_io(&err).is_some(),
            "a TlsError inside: {err}"
        );
        assert!(
            client.is_reading(),
            "reading is as it was before the attempt"
        );
        client.abort();
        server.close();
    });
}

/// A factory for `create_server` that hands out one prepared protocol
/// (this test serves exactly one connection).
struct Once(std::sync::Mutex<Option<Relay>>);

impl Once {
    fn take(&self) -> Relay {
        self.0.lock().unwrap().take().expect("one connection only")
    }
}
