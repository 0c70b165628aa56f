//! UDP sockets on the reactor.

use hive::net::UdpSocket;

#[test]
fn udp_round_trip_between_two_sockets() {
    hive::run(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b_addr = b.local_addr().unwrap();
        let echo = hive::spawn(async move {
            let mut buf = [0u8; 1500];
            for _ in 0..10 {
                let (n, from) = b.recv_from(&mut buf).await.unwrap();
                b.send_to(&buf[..n], from).await.unwrap();
            }
        });
        a.connect(b_addr).await.unwrap();
        for i in 0..10u8 {
            let msg = vec![i; 100 + i as usize];
            a.send(&msg).await.unwrap();
            let mut buf = [0u8; 1500];
            let n = a.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &msg[..]);
        }
        echo.await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), b_addr);
    })
    .unwrap();
}
