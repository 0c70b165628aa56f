//! hive-net's typed errors, named after asyncio's.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// The stream ended before `expected` bytes arrived (asyncio's
/// `IncompleteReadError`); `partial` holds what did arrive.
///
/// ```
/// # hive::run(async {
/// let (a, b) = hive::net::UnixStream::pair().unwrap();
/// let (mut reader, _w) = hive::net::StreamReader::from_unix(a);
/// b.write_all(b"abc").await.unwrap();
/// drop(b);
/// let err = reader.read_exact(10).await.unwrap_err();
/// let hive::net::ReadError::Incomplete(inc) = err else { panic!() };
/// assert_eq!((&inc.partial[..], inc.expected), (&b"abc"[..], Some(10)));
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.IncompleteReadError")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncompleteRead {
    /// The bytes read before the end of the stream.
    pub partial: Vec<u8>,
    /// How many bytes were asked for (`None` for `read_until`, which
    /// wanted "up to a separator").
    pub expected: Option<usize>,
}

impl fmt::Display for IncompleteRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Some(n) => write!(
                f,
                "the stream ended after {} of {n} expected bytes; the peer closed early (the bytes read are in `partial`)",
                self.partial.len()
            ),
            None => write!(
                f,
                "the stream ended after {} bytes without the separator; the peer closed early (the bytes read are in `partial`)",
                self.partial.len()
            ),
        }
    }
}

impl std::error::Error for IncompleteRead {}

/// No separator within the reader's limit (asyncio's `LimitOverrunError`).
/// The data stays in the buffer: read it with `read(n)` or raise the limit.
///
/// ```
/// # hive::run(async {
/// let (a, b) = hive::net::UnixStream::pair().unwrap();
/// let (reader, _w) = hive::net::StreamReader::from_unix(a);
/// let mut reader = reader.with_limit(4);
/// b.write_all(b"too long\n").await.unwrap();
/// assert!(matches!(reader.readline().await, Err(hive::net::ReadError::LimitOverrun(_))));
/// assert_eq!(reader.read(100).await.unwrap(), b"too long\n");
/// # }).unwrap();
/// ```
#[doc(alias = "asyncio.LimitOverrunError")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitOverrun {
    /// Bytes in the buffer that may be consumed without the separator.
    pub consumed: usize,
    /// The limit that was hit.
    pub limit: usize,
}

impl fmt::Display for LimitOverrun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no separator within the reader's {}-byte limit ({} bytes buffered, still readable); read them with `read(n)` or raise the limit with `with_limit`",
            self.limit, self.consumed
        )
    }
}

impl std::error::Error for LimitOverrun {}

/// What a `StreamReader` read can fail with.
///
/// ```
/// let err = hive::net::ReadError::from(std::io::Error::other("boom"));
/// assert!(err.to_string().contains("boom"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// The stream ended too early.
    Incomplete(IncompleteRead),
    /// The separator was not found within the limit.
    LimitOverrun(LimitOverrun),
    /// The socket failed (reset by the peer, ...).
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Incomplete(e) => e.fmt(f),
            ReadError::LimitOverrun(e) => e.fmt(f),
            ReadError::Io(e) => write!(f, "reading the stream failed: {e}"),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Incomplete(e) => Some(e),
            ReadError::LimitOverrun(e) => Some(e),
            ReadError::Io(e) => Some(e),
        }
    }
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

impl From<ReadError> for io::Error {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Io(e) => e,
            ReadError::Incomplete(e) => io::Error::new(io::ErrorKind::UnexpectedEof, e),
            ReadError::LimitOverrun(e) => io::Error::new(io::ErrorKind::InvalidData, e),
        }
    }
}

/// `TcpStream::connect` could not connect to any resolved address.
///
/// ```
/// # hive::run(async {
/// let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let addr = closed.local_addr().unwrap();
/// drop(closed);
/// let err = hive::net::TcpStream::connect(addr).await.unwrap_err();
/// assert!(err.to_string().contains(&addr.to_string()));
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct ConnectError {
    /// Each address tried, with why it failed (`TimedOut` for attempts cut
    /// short by the connect timeout).
    pub attempts: Vec<(SocketAddr, io::Error)>,
    /// Set when name resolution itself failed, or found no address.
    pub resolve: Option<io::Error>,
    /// Set when the overall connect timeout expired.
    pub timed_out: Option<Duration>,
}

impl ConnectError {
    /// The most telling `io::ErrorKind` (that of the last attempt).
    ///
    /// ```
    /// let err = hive::net::ConnectError { attempts: vec![], resolve: None, timed_out: None };
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// ```
    pub fn kind(&self) -> io::ErrorKind {
        if self.timed_out.is_some() {
            return io::ErrorKind::TimedOut;
        }
        if let Some(e) = &self.resolve {
            return e.kind();
        }
        self.attempts
            .last()
            .map_or(io::ErrorKind::NotFound, |(_, e)| e.kind())
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(e) = &self.resolve {
            return write!(f, "could not resolve the address: {e}; check the host name");
        }
        if self.attempts.is_empty() && self.timed_out.is_none() {
            return write!(f, "the address resolved to nothing; check the host name");
        }
        write!(f, "could not connect")?;
        if let Some(d) = self.timed_out {
            write!(f, " within the {d:?} connect timeout")?;
        }
        write!(f, "; tried:")?;
        for (i, (addr, e)) in self.attempts.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            write!(f, "{sep}{addr} ({e})")?;
        }
        write!(
            f,
            "; check that the server is running and reachable, or raise the timeout"
        )
    }
}

impl std::error::Error for ConnectError {}

impl From<ConnectError> for io::Error {
    fn from(e: ConnectError) -> Self {
        io::Error::new(e.kind(), e)
    }
}

pub(crate) fn closed_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "the writer is closed (close or write_eof was called); open a new connection to send more",
    )
}
