//! The platform's `sendfile(2)`: one call, at most `want` bytes of the file
//! from `offset` to the socket. Each kernel spells it differently:
//!
//! * Linux (and Android): `sendfile(out, in, &mut off, count)`, returning
//!   the count; it also writes to pipes.
//! * macOS: `sendfile(file, sock, off, &mut len, hdtr, 0)`, stream sockets
//!   only (`ENOTSOCK` on pipes, `ENOTSUP` for what it does not support).
//! * FreeBSD: `sendfile(file, sock, off, nbytes, hdtr, &mut sbytes, 0)`,
//!   stream sockets only.
//!
//! On the BSDs a non-blocking socket that fills up mid-call fails with
//! `EAGAIN` (or `EINTR`) *after* sending part of the range, and reports
//! that part in the length argument. Those bytes are on the wire, so they
//! are returned as a short write, never as the error: the caller retries
//! from the new offset once the socket is writable again.

use std::io;
use std::os::fd::RawFd;

/// Sends up to `want` bytes of `file` from `offset` to `sock`; `Ok(0)` at
/// the end of the file.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn sendfile(sock: RawFd, file: RawFd, offset: i64, want: usize) -> io::Result<usize> {
    let mut off = offset;
    // SAFETY: the caller keeps both fds open for the call (the writer and
    // the file are borrowed), and `off` is a valid i64 the kernel updates.
    let n = unsafe { libc::sendfile(sock, file, &mut off, want) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Sends up to `want` bytes of `file` from `offset` to `sock`; `Ok(0)` at
/// the end of the file.
#[cfg(any(target_os = "macos", target_os = "ios"))]
pub(super) fn sendfile(sock: RawFd, file: RawFd, offset: i64, want: usize) -> io::Result<usize> {
    // In: how many to send (0 would mean "to the end", so never pass 0;
    // the caller does not). Out: how many were sent, also on error.
    let mut len = libc::off_t::try_from(want).unwrap_or(libc::off_t::MAX);
    // SAFETY: the caller keeps both fds open for the call; `len` is a
    // valid off_t the kernel updates, and a null header/trailer is allowed.
    let rc = unsafe { libc::sendfile(file, sock, offset, &mut len, std::ptr::null_mut(), 0) };
    partial(rc, len)
}

/// Sends up to `want` bytes of `file` from `offset` to `sock`; `Ok(0)` at
/// the end of the file.
#[cfg(any(target_os = "freebsd", target_os = "dragonfly"))]
pub(super) fn sendfile(sock: RawFd, file: RawFd, offset: i64, want: usize) -> io::Result<usize> {
    let mut sent: libc::off_t = 0;
    // SAFETY: the caller keeps both fds open for the call; `sent` is a
    // valid off_t the kernel writes, and a null header/trailer is allowed.
    // `want` is never 0 here (0 would mean "to the end of the file").
    let rc =
        unsafe { libc::sendfile(file, sock, offset, want, std::ptr::null_mut(), &mut sent, 0) };
    partial(rc, sent)
}

/// The BSD result: bytes sent count even when the call failed after them
/// (`EAGAIN`, `EINTR` on a socket that filled up or a signal).
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "dragonfly"
))]
fn partial(rc: libc::c_int, sent: libc::off_t) -> io::Result<usize> {
    partial_or(rc, sent, io::Error::last_os_error)
}

/// `partial`, with the error taken from `err` (so it is testable on Linux).
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "dragonfly",
    test
))]
fn partial_or(
    rc: libc::c_int,
    sent: libc::off_t,
    err: impl FnOnce() -> io::Error,
) -> io::Result<usize> {
    if rc == 0 || sent > 0 {
        Ok(usize::try_from(sent).unwrap_or(0))
    } else {
        Err(err())
    }
}

/// Elsewhere (no `sendfile(2)` hive knows how to call): every send takes
/// the read-and-write fallback.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "dragonfly"
)))]
pub(super) fn sendfile(
    _sock: RawFd,
    _file: RawFd,
    _offset: i64,
    _want: usize,
) -> io::Result<usize> {
    Err(io::Error::from_raw_os_error(libc::ENOSYS))
}

/// Whether `err` from the first call means "not for this pair of
/// descriptors" (a file system, socket type or pipe the kernel will not
/// `sendfile`), so the read-and-write fallback should send it instead.
// FreeBSD's ENOTSUP and EOPNOTSUPP are one number; macOS's are two.
#[cfg_attr(
    not(any(target_os = "linux", target_os = "android")),
    allow(unreachable_patterns)
)]
pub(super) fn unsupported(err: &io::Error) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    return matches!(err.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS));
    // The BSDs refuse pipes (ENOTSOCK), which Linux accepts, and say
    // ENOTSUP/EOPNOTSUPP for descriptors their sendfile does not support.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    return matches!(
        err.raw_os_error(),
        Some(libc::EINVAL | libc::ENOSYS | libc::ENOTSUP | libc::EOPNOTSUPP | libc::ENOTSOCK)
    );
}

#[cfg(test)]
mod tests {
    use super::partial_or;
    use std::io;

    fn eagain() -> io::Error {
        io::Error::from_raw_os_error(libc::EAGAIN)
    }

    #[test]
    fn bytes_sent_before_eagain_are_a_short_write_not_an_error() {
        assert_eq!(partial_or(-1, 4096, eagain).unwrap(), 4096);
        assert_eq!(partial_or(0, 10, eagain).unwrap(), 10);
        // Success with nothing sent: the end of the file.
        assert_eq!(partial_or(0, 0, eagain).unwrap(), 0);
        let err = partial_or(-1, 0, eagain).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    }
}
