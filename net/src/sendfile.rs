//! `sendfile`: a file to a stream writer through the kernel
//! (`sendfile(2)`, zero-copy), or by reading it when the kernel cannot.

use crate::StreamWriter;
use std::fs::File;
use std::future::poll_fn;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;

mod sys;

const CHUNK: usize = 1 << 20;

/// Sends `count` bytes of `file` (to its end with `None`) from `offset`
/// to the writer's connection, and returns how many were sent (asyncio's
/// `loop.sendfile(transport, file, offset, count)`).
///
/// The writer's buffer is flushed first; then `sendfile(2)` moves the bytes
/// inside the kernel. Where the kernel refuses (`EINVAL`, `ENOSYS`: a file
/// system without support), it falls back to reading chunks on the
/// blocking pool and writing them. Do not write to the writer meanwhile.
///
/// Each platform's own `sendfile(2)` is used: Linux's (sockets and pipes),
/// macOS's and FreeBSD's (stream sockets only: pipes, and sockets those
/// kernels refuse with `ENOTSUP`/`EOPNOTSUPP`/`ENOTSOCK`, take the same
/// fallback).
///
/// # Errors
/// The connection's error, or the file's.
///
/// ```
/// use std::io::Write;
/// # hive::run(async {
/// let path = std::env::temp_dir().join(format!("hive-doc-sf-{}", std::process::id()));
/// std::fs::File::create(&path).unwrap().write_all(b"file body").unwrap();
/// let (a, b) = hive::net::UnixStream::pair().unwrap();
/// let (_r, w) = hive::net::StreamReader::from_unix(a);
/// let file = std::fs::File::open(&path).unwrap();
/// assert_eq!(hive::net::sendfile(&file, &w, 0, None).await.unwrap(), 9);
/// w.close();
/// assert_eq!(hive::net::StreamReader::new(b).read_to_end().await.unwrap(), b"file body");
/// std::fs::remove_file(&path).unwrap();
/// # }).unwrap();
/// ```
#[doc(alias = "loop.sendfile")]
#[doc(alias = "loop.sock_sendfile")]
pub async fn sendfile(
    file: &File,
    writer: &StreamWriter,
    offset: u64,
    count: Option<u64>,
) -> io::Result<u64> {
    let core = writer.core();
    poll_fn(|cx| core.poll_flushed(cx)).await?;
    let end = match count {
        Some(c) => offset.saturating_add(c),
        None => file.metadata()?.len(),
    };
    let mut pos = offset;
    let file_fd = file.as_raw_fd();
    while pos < end {
        let want = usize::try_from(end - pos).unwrap_or(usize::MAX).min(CHUNK);
        let off = i64::try_from(pos)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset too large"))?;
        // The writer and `file` are borrowed for the whole call, so both
        // fds stay open while the kernel uses them.
        let sent = poll_fn(|cx| {
            core.conn
                .poll_write_fd(cx, &mut |sock| sys::sendfile(sock, file_fd, off, want))
        })
        .await;
        match sent {
            Ok(0) => break, // the file is shorter than expected
            Ok(n) => pos += n as u64,
            Err(e) if sys::unsupported(&e) && pos == offset => {
                return fallback(file, writer, offset, end).await;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(pos - offset)
}

/// Reads the file on the blocking pool, a chunk at a time, and writes it.
async fn fallback(file: &File, writer: &StreamWriter, offset: u64, end: u64) -> io::Result<u64> {
    let file = file.try_clone()?;
    let mut pos = offset;
    while pos < end {
        let want = usize::try_from(end - pos).unwrap_or(usize::MAX).min(CHUNK);
        let f = file.try_clone()?;
        let chunk = hive_runtime::to_thread(move || {
            let mut buf = vec![0u8; want];
            let n = f.read_at(&mut buf, pos)?;
            buf.truncate(n);
            Ok::<_, io::Error>(buf)
        })
        .await
        .map_err(|e| io::Error::other(e.to_string()))??;
        if chunk.is_empty() {
            break;
        }
        pos += chunk.len() as u64;
        writer.write(&chunk);
        writer.drain().await?;
    }
    Ok(pos - offset)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fallback_path_sends_the_same_bytes() {
        use std::io::Write;
        hive::run(async {
            let path =
                std::env::temp_dir().join(format!("hive-net-fallback-{}", std::process::id()));
            let body: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
            std::fs::File::create(&path)
                .unwrap()
                .write_all(&body)
                .unwrap();
            let (a, b) = crate::UnixStream::pair().unwrap();
            let (_r, w) = crate::StreamReader::from_unix(a);
            let file = std::fs::File::open(&path).unwrap();
            let reader =
                hive::spawn(
                    async move { crate::StreamReader::new(b).read_to_end().await.unwrap() },
                );
            let n = super::fallback(&file, &w, 10, body.len() as u64)
                .await
                .unwrap();
            assert_eq!(n, body.len() as u64 - 10);
            w.close();
            assert_eq!(reader.await.unwrap(), &body[10..]);
            std::fs::remove_file(&path).unwrap();
        })
        .unwrap();
    }
}
