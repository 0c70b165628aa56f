//! `communicate`: stdin fed while stdout and stderr drain, so outputs far
//! larger than a pipe's buffer never deadlock.

mod process_support;

use hive::process::{Command, Stdio};
use process_support::bounded;

const TEN_MIB: usize = 10 << 20;

#[test]
fn ten_mib_in_and_out_through_cat() {
    hive::run(async {
        let input: Vec<u8> = (0..TEN_MIB).map(|i| (i * 7 % 253) as u8).collect();
        let mut cat = Command::new("cat")
            .stdin(Stdio::Piped)
            .stdout(Stdio::Piped)
            .stderr(Stdio::Piped)
            .spawn()
            .unwrap();
        let out = bounded("communicate", cat.communicate(Some(&input)))
            .await
            .unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout.len(), input.len());
        assert!(out.stdout == input, "cat changed the data");
        assert!(out.stderr.is_empty());
        assert_eq!(cat.returncode(), Some(0));
        assert!(cat.stdin.is_none() && cat.stdout.is_none());
    })
    .unwrap();
}

#[test]
fn ten_mib_on_stdout_and_on_stderr_at_once() {
    hive::run(async {
        // Each stream alone overflows its pipe many times: reading one to
        // the end before the other would deadlock.
        let script = "head -c 10485760 /dev/zero; head -c 10485760 /dev/zero >&2; \
                      head -c 1024 /dev/zero; exit 9";
        let out = Command::new("sh")
            .args(["-c", script])
            .stdout(Stdio::Piped)
            .stderr(Stdio::Piped)
            .output();
        let out = bounded("output", out).await.unwrap();
        assert_eq!(out.status.code(), Some(9));
        assert_eq!(out.stdout.len(), TEN_MIB + 1024);
        assert_eq!(out.stderr.len(), TEN_MIB);
    })
    .unwrap();
}

#[test]
fn a_child_that_ignores_its_input_is_not_an_error() {
    hive::run(async {
        let mut p = Command::new("true").stdin(Stdio::Piped).spawn().unwrap();
        let out = bounded("communicate", p.communicate(Some(&vec![1; 4 << 20])))
            .await
            .unwrap();
        assert!(out.status.success());
        assert!(out.stdout.is_empty());
    })
    .unwrap();
}

#[test]
fn input_without_a_piped_stdin_is_refused_with_a_reason() {
    hive::run(async {
        let mut p = Command::new("true").stdout(Stdio::Piped).spawn().unwrap();
        let err = p.communicate(Some(b"lost")).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("Stdio::Piped"), "{err}");
        // Nothing was taken: communicate without input still works.
        let out = bounded("communicate", p.communicate(None)).await.unwrap();
        assert!(out.status.success());
    })
    .unwrap();
}

#[test]
fn communicate_with_nothing_piped_just_waits() {
    hive::run(async {
        let mut p = Command::new("sh").args(["-c", "exit 2"]).spawn().unwrap();
        let out = bounded("communicate", p.communicate(None)).await.unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty() && out.stderr.is_empty());
    })
    .unwrap();
}
