//! Transports and protocols: callback order, flow control, reading pause,
//! buffered protocols, datagram endpoints.

use hive::net::{
    create_connection, create_datagram_endpoint, create_server, open_connection, start_server,
};
use hive::net::{
    Buffered, BufferedProtocol, DatagramProtocol, DatagramTransport, Protocol, Transport,
};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Waits until the recorded events satisfy `cond`; the deadline only turns
/// a hang into a failure naming `what`.
async fn wait_for(events: &Mutex<Vec<String>>, what: &str, cond: impl Fn(&[String]) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !cond(&events.lock().unwrap()) {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} never came: {:?}",
            events.lock().unwrap()
        );
        hive::sleep(Duration::from_millis(5)).await;
    }
}

#[derive(Default)]
struct Recorder {
    events: Arc<Mutex<Vec<String>>>,
    transport: Option<Transport>,
    echo: bool,
}

impl Protocol for Recorder {
    fn connection_made(&mut self, t: Transport) {
        self.events.lock().unwrap().push("made".into());
        self.transport = Some(t);
    }
    fn data_received(&mut self, data: &[u8]) {
        self.events
            .lock()
            .unwrap()
            .push(format!("data:{}", String::from_utf8_lossy(data)));
        if self.echo {
            self.transport.as_ref().unwrap().write(data);
        }
    }
    fn eof_received(&mut self) -> bool {
        self.events.lock().unwrap().push("eof".into());
        false
    }
    fn connection_lost(&mut self, error: Option<std::io::Error>) {
        self.events
            .lock()
            .unwrap()
            .push(format!("lost:{}", error.is_some()));
    }
    fn pause_writing(&mut self) {
        self.events.lock().unwrap().push("pause".into());
    }
    fn resume_writing(&mut self) {
        self.events.lock().unwrap().push("resume".into());
    }
}

#[test]
fn server_protocol_callbacks_run_in_asyncio_order() {
    hive::run(async {
        let events = Arc::new(Mutex::new(Vec::new()));
        let ev = events.clone();
        let server = create_server(
            move || Recorder {
                events: ev.clone(),
                echo: true,
                ..Recorder::default()
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let (mut r, w) = open_connection(server.local_addrs()[0].as_inet().unwrap())
            .await
            .unwrap();
        w.write(b"hi");
        assert_eq!(r.read_exact(2).await.unwrap(), b"hi");
        w.write_eof();
        assert_eq!(
            r.read_to_end().await.unwrap(),
            b"",
            "eof_received -> false closes"
        );
        server.close();
        hive::timeout(Duration::from_secs(10), server.wait_closed())
            .await
            .unwrap();
        let got = events.lock().unwrap().clone();
        assert_eq!(got, ["made", "data:hi", "eof", "lost:false"]);
    })
    .unwrap();
}

#[test]
fn client_protocol_sees_pause_and_resume_writing_around_the_high_water_mark() {
    hive::run(async {
        // The peer reads nothing until told, so the client's buffer fills.
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let go_rx = Arc::new(Mutex::new(Some(go_rx)));
        let server = start_server(
            move |mut r, _w| {
                let rx = go_rx.lock().unwrap().take();
                async move {
                    if let Some(rx) = rx {
                        hive::to_thread(move || rx.recv()).await.unwrap().unwrap();
                    }
                    let _ = r.read_to_end().await;
                }
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let ev = events.clone();
        let (t, done) = create_connection(
            move || Recorder {
                events: ev,
                ..Recorder::default()
            },
            server.local_addrs()[0].as_inet().unwrap(),
        )
        .await
        .unwrap();
        t.set_write_buffer_limits(64 * 1024, None);
        let chunk = vec![1u8; 256 * 1024];
        for _ in 0..16 {
            t.write(&chunk);
        }
        assert!(t.get_write_buffer_size() > 64 * 1024);
        // The connection task reports the pause.
        wait_for(&events, "pause_writing", |e| e.iter().any(|e| e == "pause")).await;
        go_tx.send(()).unwrap();
        wait_for(&events, "resume_writing", |e| {
            e.iter().any(|e| e == "resume")
        })
        .await;
        t.close();
        hive::timeout(Duration::from_secs(20), done)
            .await
            .unwrap()
            .unwrap();
        let got = events.lock().unwrap().clone();
        assert_eq!(got, ["made", "pause", "resume", "lost:false"]);
    })
    .unwrap();
}

#[test]
fn pause_reading_stops_data_received_until_resumed() {
    hive::run(async {
        // The server sends "two" only once the client paused: how fast the
        // client reacts to "one" cannot let "two" in before the pause.
        let paused = Arc::new(hive::sync::Event::new());
        let p = paused.clone();
        let server = start_server(
            move |_r, w| {
                let paused = p.clone();
                async move {
                    w.write(b"one");
                    w.drain().await.unwrap();
                    paused.wait().await;
                    w.write(b"two");
                    w.drain().await.unwrap();
                    hive::sleep(Duration::from_millis(30)).await;
                    w.close();
                }
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let ev = events.clone();
        let (t, done) = create_connection(
            move || Recorder {
                events: ev,
                ..Recorder::default()
            },
            server.local_addrs()[0].as_inet().unwrap(),
        )
        .await
        .unwrap();
        wait_for(&events, "data:one", |e| e.len() >= 2).await;
        t.pause_reading();
        assert!(!t.is_reading());
        paused.set();
        // Long enough for "two" to arrive were reading not paused; a slower
        // machine only makes this check weaker, never wrong.
        hive::sleep(Duration::from_millis(120)).await;
        assert_eq!(
            events.lock().unwrap().clone(),
            ["made", "data:one"],
            "nothing read while paused"
        );
        t.resume_reading();
        hive::timeout(Duration::from_secs(10), done)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            events.lock().unwrap().clone(),
            ["made", "data:one", "data:two", "eof", "lost:false"]
        );
    })
    .unwrap();
}

struct DgramEcho {
    transport: Option<DatagramTransport>,
    log: Arc<Mutex<Vec<String>>>,
}

impl DatagramProtocol for DgramEcho {
    fn connection_made(&mut self, t: DatagramTransport) {
        self.log.lock().unwrap().push("made".into());
        self.transport = Some(t);
    }
    fn datagram_received(&mut self, data: &[u8], addr: SocketAddr) {
        self.log
            .lock()
            .unwrap()
            .push(format!("dgram:{}", data.len()));
        self.transport.as_ref().unwrap().sendto(data, Some(addr));
    }
    fn connection_lost(&mut self, _: Option<std::io::Error>) {
        self.log.lock().unwrap().push("lost".into());
    }
}

#[test]
fn datagram_endpoint_echoes_and_closes_once() {
    hive::run(async {
        let log = Arc::new(Mutex::new(Vec::new()));
        let l = log.clone();
        let (t, done) = create_datagram_endpoint(
            move || DgramEcho {
                transport: None,
                log: l,
            },
            Some("127.0.0.1:0".parse().unwrap()),
            None,
        )
        .await
        .unwrap();
        let client = hive::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        client.connect(t.local_addr().unwrap()).await.unwrap();
        for n in [1usize, 100, 1400] {
            client.send(&vec![9u8; n]).await.unwrap();
            let mut buf = [0u8; 2000];
            assert_eq!(client.recv(&mut buf).await.unwrap(), n);
        }
        t.close();
        hive::timeout(Duration::from_secs(10), done)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            log.lock().unwrap().clone(),
            ["made", "dgram:1", "dgram:100", "dgram:1400", "lost"]
        );
    })
    .unwrap();
}

/// A `BufferedProtocol` that echoes through a small buffer of its own and
/// records its callbacks; `no_room` makes `get_buffer` return nothing.
struct SmallEcho {
    buf: [u8; 8],
    events: Arc<Mutex<Vec<String>>>,
    transport: Option<Transport>,
    no_room: bool,
}

impl SmallEcho {
    fn new(events: &Arc<Mutex<Vec<String>>>, no_room: bool) -> SmallEcho {
        SmallEcho {
            buf: [0; 8],
            events: events.clone(),
            transport: None,
            no_room,
        }
    }
}

impl BufferedProtocol for SmallEcho {
    fn connection_made(&mut self, t: Transport) {
        self.events.lock().unwrap().push("made".into());
        self.transport = Some(t);
    }
    fn get_buffer(&mut self, size_hint: usize) -> &mut [u8] {
        assert_eq!(size_hint, 64 * 1024, "the transport's read size");
        if self.no_room {
            return &mut [];
        }
        &mut self.buf
    }
    fn buffer_updated(&mut self, nbytes: usize) {
        assert!((1..=8).contains(&nbytes), "{nbytes} bytes into 8");
        self.events
            .lock()
            .unwrap()
            .push(format!("updated:{nbytes}"));
        self.transport.as_ref().unwrap().write(&self.buf[..nbytes]);
    }
    fn eof_received(&mut self) -> bool {
        self.events.lock().unwrap().push("eof".into());
        false
    }
    fn connection_lost(&mut self, error: Option<std::io::Error>) {
        let what = match error {
            None => "lost:clean".to_string(),
            Some(e) => format!("lost:{:?}", e.kind()),
        };
        self.events.lock().unwrap().push(what);
    }
}

#[test]
fn buffered_protocol_reads_into_its_own_buffer_in_asyncio_order() {
    hive::run(async {
        let events = Arc::new(Mutex::new(Vec::new()));
        let ev = events.clone();
        let server = create_server(move || Buffered(SmallEcho::new(&ev, false)), "127.0.0.1:0")
            .await
            .unwrap();
        let (mut r, w) = open_connection(&server.local_addrs()[0]).await.unwrap();
        let message: Vec<u8> = (0..100u8).collect();
        w.write(&message);
        assert_eq!(r.read_exact(100).await.unwrap(), message, "echoed intact");
        w.write_eof();
        assert_eq!(r.read_to_end().await.unwrap(), b"");
        server.close();
        hive::timeout(Duration::from_secs(10), server.wait_closed())
            .await
            .unwrap();
        let got = events.lock().unwrap().clone();
        // 100 bytes through an 8-byte buffer: at least 13 reads, in order.
        let updates: Vec<_> = got[1..got.len() - 2].to_vec();
        assert!(updates.len() >= 13, "{got:?}");
        assert!(updates.iter().all(|e| e.starts_with("updated:")), "{got:?}");
        assert_eq!(got.first().map(String::as_str), Some("made"));
        assert_eq!(&got[got.len() - 2..], ["eof", "lost:clean"]);
    })
    .unwrap();
}

#[test]
fn a_buffered_protocol_with_no_room_loses_its_connection_and_the_server_serves_on() {
    hive::run(async {
        let events = Arc::new(Mutex::new(Vec::new()));
        let ev = events.clone();
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let server = create_server(
            move || {
                // The first connection's protocol gives no buffer; later ones echo.
                let first = connections.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
                Buffered(SmallEcho::new(&ev, first))
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let addr = server.local_addrs()[0].clone();
        let (mut r, w) = open_connection(&addr).await.unwrap();
        w.write(b"lost");
        // The server aborts this connection: EOF or a reset, never an echo.
        match r.read(16).await {
            Ok(data) => assert!(data.is_empty(), "echoed {data:?}"),
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
        }
        wait_for(&events, "the first connection's loss", |e| {
            e.contains(&"lost:InvalidInput".to_string())
        })
        .await;
        let (mut r, w) = open_connection(&addr).await.unwrap();
        w.write(b"served");
        assert_eq!(r.read_exact(6).await.unwrap(), b"served");
        server.close();
    })
    .unwrap();
}
