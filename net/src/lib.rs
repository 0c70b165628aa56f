//! # hive-net
//!
//! asyncio's networking on hive's loops: sockets on each loop's reactor,
//! the streams API (`open_connection`, `start_server`, `StreamReader`,
//! `StreamWriter`), transports and protocols, with servers that keep every
//! core doing I/O, and pipes ([`pipe`], [`PipeReader`], [`PipeWriter`];
//! `StreamReader::from_pipe` / `StreamWriter::from_pipe` are asyncio's
//! `connect_read_pipe` / `connect_write_pipe`). Use it as `hive::net`.
//!
//! ```
//! # hive::run(async {
//! let server = hive::net::start_server(|mut reader, writer| async move {
//!     while let Ok(line) = reader.readline().await {
//!         if line.is_empty() { break; }
//!         writer.write(&line);
//!         if writer.drain().await.is_err() { break; }
//!     }
//! }, "127.0.0.1:0").await.unwrap();
//! let addr = server.local_addrs()[0].as_inet().unwrap();
//!
//! let (mut reader, writer) = hive::net::open_connection(addr).await.unwrap();
//! writer.write(b"hello\n");
//! writer.drain().await.unwrap();
//! assert_eq!(reader.readline().await.unwrap(), b"hello\n");
//! # }).unwrap();
//! ```
//!
//! ## Where connections run
//!
//! Each loop has its own reactor, and a socket's readiness wakes tasks on
//! the loop it is registered with. A server with one listener therefore
//! registers accepted connections round-robin over every loop's reactor and
//! starts each handler (a stealable task) on that loop; with
//! [`StartServer::per_loop`] there is one `SO_REUSEPORT` listener per loop
//! and each connection's task is pinned where it was accepted; with
//! [`StartServer::spread_connections`]`(false)` every connection stays on
//! the listener's loop's reactor and only the tasks move. Sockets
//! made directly (`TcpStream::connect`, `accept`) register with the
//! current loop.
//!
//! A loop that stops polling its reactor for a fraction of a millisecond
//! (descheduled by the OS when threads outnumber cores, or stuck in a long
//! task) does not hold its connections hostage: an awake sibling takes the
//! ready events and runs the woken stealable tasks itself (pinned ones, as
//! with `per_loop`, still wait for their loop). `LoopMetrics::rescued_events`
//! counts it.
//!
//! ## Differences from asyncio
//!
//! * `StreamReader` reads on demand rather than ahead in the background;
//!   `readline` keeps the data on a limit overrun (asyncio drops it).
//! * `StreamWriter::close` shuts both directions down at once; the
//!   descriptor is freed when the reader and the writer are dropped.
//! * Protocol callbacks `pause_writing`/`resume_writing` run right after the
//!   callback whose `write` crossed the mark, not inside `write`.

mod accept;
mod addr;
mod buffered_protocol;
mod conn;
mod connect;
mod datagram_protocol;
mod dial;
mod error;
mod loom;
#[cfg(test)]
mod memory_tests;
mod name_info;
mod pipe;
mod protocol;
mod read_uninit;
mod sendfile;
mod separators;
mod server;
mod server_life;
mod split;
mod start;
mod stream_io;
mod stream_reader;
mod stream_writer;
mod tcp_listener;
mod tcp_stream;
#[cfg(feature = "tls")]
pub mod tls;
mod udp;
mod unix_datagram;
mod unix_stream;
mod write_buffer;
mod write_core;

pub use addr::{lookup_host, ToSocketAddrs};
pub use buffered_protocol::{Buffered, BufferedProtocol};
pub use conn::Addr;
pub use connect::{ConnectOptions, HAPPY_EYEBALLS_DELAY};
pub use datagram_protocol::{create_datagram_endpoint, DatagramProtocol, DatagramTransport};
pub use dial::{CreateConnection, OpenConnection};
pub use error::{ConnectError, IncompleteRead, LimitOverrun, ReadError};
pub use name_info::lookup_name;
pub use pipe::{pipe, PipeReader, PipeWriter};
pub use protocol::{
    create_connection, create_server, create_unix_connection, create_unix_server, AnyProtocol,
    Protocol, Transport,
};
pub use read_uninit::AsyncReadUninit;
pub use sendfile::sendfile;
pub use separators::{SeparatorList, Separators};
pub use server::Server;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use start::{
    open_connection, open_unix_connection, start_server, start_unix_server, StartServer,
};
pub use stream_io::SocketStream;
pub use stream_reader::{StreamReader, DEFAULT_LIMIT};
pub use stream_writer::StreamWriter;
pub use tcp_listener::{TcpListener, TcpSocket, DEFAULT_BACKLOG};
pub use tcp_stream::TcpStream;
pub use udp::UdpSocket;
pub use unix_datagram::UnixDatagram;
pub use unix_stream::{UnixListener, UnixStream};
pub use write_buffer::DEFAULT_HIGH_WATER;

/// socket2, re-exported: [`TcpStream::socket_ref`] and friends give its
/// `SockRef` for options hive does not wrap.
pub use socket2;

/// futures-io, re-exported: every stream here implements its `AsyncRead`
/// and `AsyncWrite` (and `StreamReader` its `AsyncBufRead`).
pub use futures_io;
