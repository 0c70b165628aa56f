//! Which signal: a thin, documented wrapper over a raw signal number.

use std::fmt;

/// A Unix signal hive can deliver to tasks and loop handlers.
///
/// ```
/// let kind = hive::signal::SignalKind::terminate();
/// assert_eq!(kind.as_raw(), libc::SIGTERM);
/// assert_eq!(kind.to_string(), "SIGTERM");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SignalKind(pub(crate) i32);

impl SignalKind {
    /// `SIGINT` (Ctrl-C).
    ///
    /// ```
    /// assert_eq!(hive::signal::SignalKind::interrupt().as_raw(), libc::SIGINT);
    /// ```
    pub fn interrupt() -> Self {
        SignalKind(libc::SIGINT)
    }
    /// `SIGTERM` (polite termination, e.g. from a service manager).
    ///
    /// ```
    /// assert_eq!(hive::signal::SignalKind::terminate().as_raw(), libc::SIGTERM);
    /// ```
    pub fn terminate() -> Self {
        SignalKind(libc::SIGTERM)
    }
    /// `SIGHUP` (terminal hang-up; often "reload configuration").
    ///
    /// ```
    /// assert_eq!(hive::signal::SignalKind::hangup().as_raw(), libc::SIGHUP);
    /// ```
    pub fn hangup() -> Self {
        SignalKind(libc::SIGHUP)
    }
    /// `SIGQUIT`.
    ///
    /// ```
    /// assert_eq!(hive::signal::SignalKind::quit().as_raw(), libc::SIGQUIT);
    /// ```
    pub fn quit() -> Self {
        SignalKind(libc::SIGQUIT)
    }
    /// `SIGUSR1`.
    ///
    /// ```
    /// assert_eq!(hive::signal::SignalKind::user_defined1().as_raw(), libc::SIGUSR1);
    /// ```
    pub fn user_defined1() -> Self {
        SignalKind(libc::SIGUSR1)
    }
    /// `SIGUSR2`.
    ///
    /// ```
    /// assert_eq!(hive::signal::SignalKind::user_defined2().as_raw(), libc::SIGUSR2);
    /// ```
    pub fn user_defined2() -> Self {
        SignalKind(libc::SIGUSR2)
    }
    /// `SIGWINCH` (terminal resized).
    ///
    /// ```
    /// assert_eq!(hive::signal::SignalKind::window_change().as_raw(), libc::SIGWINCH);
    /// ```
    pub fn window_change() -> Self {
        SignalKind(libc::SIGWINCH)
    }
    /// Any signal by number; [`signal`](crate::signal::signal) refuses the
    /// ones that cannot be handled (`SIGKILL`, `SIGSTOP`, `SIGSEGV`, ...).
    ///
    /// ```
    /// let kind = hive::signal::SignalKind::from_raw(libc::SIGALRM);
    /// assert_eq!(kind.as_raw(), libc::SIGALRM);
    /// ```
    pub fn from_raw(signal: i32) -> Self {
        SignalKind(signal)
    }
    /// The raw signal number.
    ///
    /// ```
    /// assert_eq!(hive::signal::SignalKind::hangup().as_raw(), 1);
    /// ```
    pub fn as_raw(self) -> i32 {
        self.0
    }
}

impl fmt::Display for SignalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match signal_hook::low_level::signal_name(self.0) {
            Some(name) => f.write_str(name),
            None => write!(f, "signal {}", self.0),
        }
    }
}
