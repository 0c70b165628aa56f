//! Addresses: what `connect`/`bind` accept, and `lookup_host` on the
//! blocking pool.

use crate::conn::Addr;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Something that names one or more socket addresses: a `SocketAddr`, an
/// `(ip, port)` pair, a `"host:port"` string, `(host, port)`, or a slice of
/// `SocketAddr`s. Literal addresses resolve at once; host names resolve on
/// the blocking pool (asyncio's `getaddrinfo` in the default executor).
///
/// An [`Addr`] (what [`Server::local_addrs`](crate::Server::local_addrs)
/// and `peer_addr` return) is one too, TCP or Unix: `open_connection` and
/// `create_connection` connect to a Unix one by its path, so connecting to
/// a server just started needs no conversion. Calls that need an IP
/// address (binding, UDP, `lookup_host`) refuse a Unix one with
/// `InvalidInput`.
///
/// ```
/// # hive::run(async {
/// let addrs = hive::net::lookup_host("127.0.0.1:80").await.unwrap();
/// assert_eq!(addrs, vec!["127.0.0.1:80".parse().unwrap()]);
/// # }).unwrap();
/// ```
pub trait ToSocketAddrs: sealed::Sealed {}

pub(crate) mod sealed {
    use super::*;

    /// What an address argument becomes: resolved, or a name to resolve.
    pub enum Target {
        Resolved(Vec<SocketAddr>),
        Name(String, Option<u16>),
        /// A Unix socket address ([`Addr::Unix`]): only the stream
        /// connectors accept it (as a path); IP-only calls refuse it.
        Unix(std::os::unix::net::SocketAddr),
    }

    /// Converts the argument (private: keeps the trait's shape ours).
    pub trait Sealed {
        /// The resolved addresses or the name to resolve.
        fn target(self) -> Target;
    }
}
pub(crate) use sealed::{Sealed, Target};

macro_rules! resolved {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {$(
        impl ToSocketAddrs for $t {}
        impl Sealed for $t {
            fn target(self) -> Target {
                let $v = self;
                Target::Resolved($e)
            }
        }
    )*};
}

resolved! {
    SocketAddr => |a| vec![a],
    SocketAddrV4 => |a| vec![a.into()],
    SocketAddrV6 => |a| vec![a.into()],
    (IpAddr, u16) => |a| vec![a.into()],
    (Ipv4Addr, u16) => |a| vec![a.into()],
    (Ipv6Addr, u16) => |a| vec![a.into()],
    &[SocketAddr] => |a| a.to_vec(),
    Vec<SocketAddr> => |a| a,
}

impl<const N: usize> ToSocketAddrs for [SocketAddr; N] {}
impl<const N: usize> Sealed for [SocketAddr; N] {
    fn target(self) -> Target {
        Target::Resolved(self.to_vec())
    }
}

impl<T: ToSocketAddrs + Copy> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + Copy> Sealed for &T {
    fn target(self) -> Target {
        (*self).target()
    }
}

impl ToSocketAddrs for &str {}
impl Sealed for &str {
    fn target(self) -> Target {
        match self.parse::<SocketAddr>() {
            Ok(a) => Target::Resolved(vec![a]),
            Err(_) => Target::Name(self.to_owned(), None),
        }
    }
}

/// An address already converted (the builders keep one until awaited).
impl ToSocketAddrs for Target {}
impl Sealed for Target {
    fn target(self) -> Target {
        self
    }
}

impl ToSocketAddrs for Addr {}
impl Sealed for Addr {
    fn target(self) -> Target {
        match self {
            Addr::Inet(a) => Target::Resolved(vec![a]),
            Addr::Unix(a) => Target::Unix(a),
        }
    }
}

impl ToSocketAddrs for &Addr {}
impl Sealed for &Addr {
    fn target(self) -> Target {
        self.clone().target()
    }
}

impl ToSocketAddrs for String {}
impl Sealed for String {
    fn target(self) -> Target {
        self.as_str().target()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl Sealed for (&str, u16) {
    fn target(self) -> Target {
        match self.0.parse::<IpAddr>() {
            Ok(ip) => Target::Resolved(vec![SocketAddr::new(ip, self.1)]),
            Err(_) => Target::Name(self.0.to_owned(), Some(self.1)),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Sealed for (String, u16) {
    fn target(self) -> Target {
        (self.0.as_str(), self.1).target()
    }
}

/// Resolves `addr` to socket addresses, running `getaddrinfo` on the
/// blocking pool so the loop never stalls on DNS (asyncio's
/// `loop.getaddrinfo`). Literal addresses skip the pool.
///
/// # Errors
/// The resolver's error; `NotFound`-like errors when the name is unknown.
///
/// ```
/// # hive::run(async {
/// let addrs = hive::net::lookup_host(("localhost", 8080)).await.unwrap();
/// assert!(addrs.iter().all(|a| a.port() == 8080 && a.ip().is_loopback()));
/// # }).unwrap();
/// ```
#[doc(alias = "getaddrinfo")]
#[doc(alias = "loop.getaddrinfo")]
pub async fn lookup_host(addr: impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    resolve(addr.target()).await
}

pub(crate) async fn resolve(target: Target) -> io::Result<Vec<SocketAddr>> {
    match target {
        Target::Resolved(v) => Ok(v),
        Target::Name(name, port) => {
            let found = hive_runtime::to_thread(move || -> io::Result<Vec<SocketAddr>> {
                use std::net::ToSocketAddrs as _;
                Ok(match port {
                    Some(p) => (name.as_str(), p).to_socket_addrs()?.collect(),
                    None => name.as_str().to_socket_addrs()?.collect(),
                })
            })
            .await
            .map_err(|e| io::Error::other(format!("name resolution did not finish: {e}")))??;
            Ok(found)
        }
        Target::Unix(addr) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            match addr.as_pathname() {
                Some(path) => format!(
                    "{} is a Unix socket address, but this call needs an IP address: \
                     connect to it with open_connection / create_connection (or UnixStream::connect)",
                    path.display()
                ),
                None => "an unnamed Unix socket address names nothing to connect to: \
                         use the path the server listens on"
                    .to_owned(),
            },
        )),
    }
}
