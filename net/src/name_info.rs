//! Reverse lookup: a socket address to a host and service name
//! (asyncio's `loop.getnameinfo`), on the blocking pool.

use std::ffi::{c_char, CStr};
use std::io;
use std::net::SocketAddr;

/// Room for a host name: `NI_MAXHOST` in glibc and the BSDs.
const HOST_LEN: usize = 1025;
/// Room for a service name: `NI_MAXSERV`.
const SERVICE_LEN: usize = 32;

/// The host name and service name of `addr`, as `getnameinfo(3)` finds
/// them (hosts file, DNS, the services database), run on the blocking
/// pool so the loop never waits on a resolver (asyncio's
/// `loop.getnameinfo(sockaddr)`, flags 0). A host or service with no
/// name comes back in numeric form (its address, its port number).
///
/// # Errors
/// The resolver's failure (`EAI_*`, or the OS error behind
/// `EAI_SYSTEM`), naming the address; `NotFound` for `EAI_NONAME`.
///
/// ```
/// # hive::run(async {
/// let (host, service) = hive::net::lookup_name("127.0.0.1:80".parse().unwrap()).await.unwrap();
/// assert!(host.starts_with("localhost")); // from /etc/hosts
/// assert!(service == "http" || service == "80"); // "80" without /etc/services
/// # }).unwrap();
/// ```
#[doc(alias = "getnameinfo")]
#[doc(alias = "loop.getnameinfo")]
pub async fn lookup_name(addr: SocketAddr) -> io::Result<(String, String)> {
    hive_runtime::to_thread(move || name_info(addr))
        .await
        .map_err(|e| io::Error::other(format!("reverse lookup did not finish: {e}")))?
}

/// `getnameinfo(3)` itself, blocking.
fn name_info(addr: SocketAddr) -> io::Result<(String, String)> {
    let sockaddr = socket2::SockAddr::from(addr);
    let mut host = [0 as c_char; HOST_LEN];
    let mut service = [0 as c_char; SERVICE_LEN];
    // SAFETY: `sockaddr` is a valid socket address of the length given;
    // `host` and `service` are writable for the lengths given, and
    // getnameinfo NUL-terminates what it writes within them.
    let code = unsafe {
        libc::getnameinfo(
            sockaddr.as_ptr().cast(),
            sockaddr.len(),
            host.as_mut_ptr(),
            HOST_LEN as _,
            service.as_mut_ptr(),
            SERVICE_LEN as _,
            0,
        )
    };
    if code != 0 {
        return Err(lookup_error(addr, code));
    }
    // SAFETY: on success both buffers hold NUL-terminated strings.
    let (host, service) = unsafe {
        (
            CStr::from_ptr(host.as_ptr()),
            CStr::from_ptr(service.as_ptr()),
        )
    };
    Ok((
        host.to_string_lossy().into_owned(),
        service.to_string_lossy().into_owned(),
    ))
}

/// An `EAI_*` code as an error that names the address.
fn lookup_error(addr: SocketAddr, code: i32) -> io::Error {
    if code == libc::EAI_SYSTEM {
        let os = io::Error::last_os_error();
        return io::Error::new(os.kind(), format!("getnameinfo({addr}): {os}"));
    }
    // SAFETY: gai_strerror returns a pointer to a static NUL-terminated
    // message for any code.
    let message = unsafe { CStr::from_ptr(libc::gai_strerror(code)) }.to_string_lossy();
    let kind = if code == libc::EAI_NONAME {
        io::ErrorKind::NotFound
    } else {
        io::ErrorKind::Other
    };
    io::Error::new(kind, format!("getnameinfo({addr}): {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_has_a_name_and_a_port_its_service() {
        let (host, service) = name_info("127.0.0.1:80".parse().unwrap()).unwrap();
        assert!(host.starts_with("localhost"), "{host}");
        assert!(service == "http" || service == "80", "{service}");
        // A port no service database names comes back as its number.
        let (_, service) = name_info("127.0.0.1:47811".parse().unwrap()).unwrap();
        assert_eq!(service, "47811");
    }

    #[test]
    fn a_resolver_error_names_the_address() {
        let e = lookup_error("192.0.2.1:1".parse().unwrap(), libc::EAI_NONAME);
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(
            e.to_string().starts_with("getnameinfo(192.0.2.1:1): "),
            "{e}"
        );
    }
}
