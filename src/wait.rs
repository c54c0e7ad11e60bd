//! Waiting: [`WaitOptions`] and [`WaitProgress`], shared by every wait of the crate
//! (production tests, custom domains, verifications), and the one poll loop they all run.
//!
//! Each wait documents its own default interval: 15 s for
//! [`wait_for_challenge`](crate::production_tests::ProductionTests::wait_for_challenge)
//! and [`wait_for_custom_domain`](crate::apps::AppHandle::wait_for_custom_domain).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, InputErrorKind, WaitError};

type ProgressFn = dyn Fn(&WaitProgress) + Send + Sync;

/// How a wait polls: the pause between polls, the overall timeout, and an optional
/// progress callback. One type for every wait of the crate.
///
/// By default the interval is unset, so each wait uses its own documented default, the
/// timeout is 10 minutes, and nothing is reported. The builder methods set the values;
/// the two public fields read them (a getter cannot share a name with its builder
/// method, and `get_` prefixes are not Rust's style).
///
/// # Example
///
/// ```
/// use std::time::Duration;
///
/// use hopae::wait::WaitOptions;
///
/// let options = WaitOptions::new()
///     .interval(Duration::from_secs(5))
///     .timeout(Duration::from_secs(120))
///     .on_poll(|p| eprintln!("{:?} elapsed, status {:?}", p.elapsed, p.status));
/// assert_eq!(options.interval, Some(Duration::from_secs(5)));
/// assert_eq!(WaitOptions::default().interval, None);
/// assert_eq!(WaitOptions::default().timeout, Duration::from_secs(600));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct WaitOptions {
    /// The pause between two polls; `None` (the default) uses the wait's own default.
    /// It must be greater than zero.
    pub interval: Option<Duration>,
    /// How long to wait in total (default 10 min); zero means "check once".
    pub timeout: Duration,
    on_poll: Option<Arc<ProgressFn>>,
}

impl WaitOptions {
    /// The default overall timeout: 10 minutes.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

    /// Options with the defaults: the wait's own interval, a 10 min timeout, no callback.
    pub fn new() -> Self {
        WaitOptions {
            interval: None,
            timeout: Self::DEFAULT_TIMEOUT,
            on_poll: None,
        }
    }

    /// Sets the pause between two polls. It must be greater than zero.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// Sets how long to wait in total before giving up with [`WaitError::TimedOut`].
    /// Zero means "check once".
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Calls `f` after every poll that did not end the wait, with what that poll saw.
    ///
    /// The library itself never prints; this is how a command-line tool shows progress.
    pub fn on_poll(mut self, f: impl Fn(&WaitProgress) + Send + Sync + 'static) -> Self {
        self.on_poll = Some(Arc::new(f));
        self
    }
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions::new()
    }
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .field("on_poll", &self.on_poll.as_ref().map(|_| "Fn"))
            .finish()
    }
}

/// What one poll of a wait saw, passed to the [`WaitOptions::on_poll`] callback.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WaitProgress {
    /// How many polls have been made so far (1 after the first).
    pub polls: u32,
    /// Time since the wait started.
    pub elapsed: Duration,
    /// The status in this poll, as sent (redacted): the request's (`pending`, ...) for a
    /// production-test wait, the domain's (`verifying`, ...) for a custom-domain wait,
    /// the session's (`awaiting_user_action`, ...) for a verification wait; `None` when
    /// the request is no longer listed.
    pub status: Option<String>,
    /// What is particular to this kind of wait.
    pub detail: WaitDetail,
}

/// What a poll saw that is particular to one kind of wait.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WaitDetail {
    /// A production-test request waiting to be scheduled.
    ProductionTest {
        /// The request's `challengeId` in this poll, if set (its challenge is not listed
        /// yet).
        challenge_id: Option<String>,
    },
    /// A custom domain being verified: the status says it all.
    CustomDomain,
    /// A verification session: the status (`initiated`, `awaiting_user_action`, ...)
    /// says it all; [`VerificationHandle::wait_with`](crate::verifications::VerificationHandle::wait_with)
    /// hands the whole session to its callback.
    Verification,
}

/// What one poll of a wait decided.
pub(crate) enum Poll<T> {
    /// The wait is over.
    Done(T),
    /// Poll again; what this poll saw (as sent, redacted), and the pause before the
    /// next poll when this poll decides it (a server's recommendation), else `None`.
    Pending {
        status: Option<String>,
        detail: WaitDetail,
        interval: Option<Duration>,
    },
}

/// How far past the wait's timeout its last poll may run: each poll must end by the
/// deadline plus this (and by the client's own timeout), so a slow or silent server
/// cannot stretch the wait.
const LAST_POLL_GRACE: Duration = Duration::from_secs(2);

/// The loop every wait shares. `poll` is called at once, then every
/// [`WaitOptions::interval`] (else `default_interval`, or what a poll asked for), but
/// never past the timeout: the last poll happens at the
/// deadline. Each poll gets the instant it must end by (the deadline plus 2 s), and a
/// poll cut short by it ends the wait as timed out. `timed_out(waited, last_status,
/// polls)` builds the error of a wait whose timeout passed.
pub(crate) fn poll_until<T>(
    options: &WaitOptions,
    default_interval: Duration,
    mut poll: impl FnMut(Option<Instant>) -> Result<Poll<T>, Error>,
    timed_out: impl Fn(Duration, Option<String>, u32) -> WaitError,
) -> Result<T, Error> {
    let interval = options.interval.unwrap_or(default_interval);
    if interval.is_zero() {
        return Err(Error::input(
            InputErrorKind::Options,
            "the wait interval must be greater than zero",
        ));
    }
    let start = Instant::now();
    // A timeout too large for `Instant` is treated as "no deadline".
    let deadline = start.checked_add(options.timeout);
    let mut polls: u32 = 0;
    let mut last_status = None;
    let fail = |e: WaitError| Err(Error::Wait(Box::new(e)));
    loop {
        let poll_deadline = deadline.map(|d| d.checked_add(LAST_POLL_GRACE).unwrap_or(d));
        let outcome = match poll(poll_deadline) {
            // A poll cut short by the wait's own deadline is the wait timing out.
            Err(e) if e.is_timeout() && deadline.is_some_and(|d| Instant::now() >= d) => {
                return fail(timed_out(start.elapsed(), last_status, polls));
            }
            result => result?,
        };
        polls = polls.saturating_add(1);
        let (status, detail, next) = match outcome {
            Poll::Done(value) => return Ok(value),
            Poll::Pending {
                status,
                detail,
                interval: next,
            } => (status, detail, next.unwrap_or(interval)),
        };
        let now = Instant::now();
        let remaining = match deadline {
            Some(d) if now >= d => return fail(timed_out(now - start, status, polls)),
            Some(d) => d - now,
            None => Duration::MAX,
        };
        last_status.clone_from(&status);
        if let Some(f) = &options.on_poll {
            f(&WaitProgress {
                polls,
                elapsed: now - start,
                status,
                detail,
            });
        }
        std::thread::sleep(next.min(remaining));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_options_defaults_and_debug() {
        let o = WaitOptions::default();
        assert_eq!(o.interval, None);
        assert_eq!(o.timeout, Duration::from_secs(600));
        assert!(format!("{o:?}").contains("on_poll: None"));
        let o = o.on_poll(|_| {});
        assert!(format!("{o:?}").contains("on_poll: Some(\"Fn\")"));
    }

    #[test]
    fn a_poll_can_set_the_next_pause_and_the_default_applies_otherwise() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let options = WaitOptions::new()
            .timeout(Duration::from_secs(5))
            .on_poll(move |p| log.lock().unwrap().push((p.polls, p.status.clone())));
        let mut n = 0;
        let started = Instant::now();
        let done = poll_until(
            &options,
            Duration::from_secs(3600),
            |_| {
                n += 1;
                Ok(if n < 3 {
                    Poll::Pending {
                        status: Some(format!("s{n}")),
                        detail: WaitDetail::CustomDomain,
                        interval: Some(Duration::from_millis(1)),
                    }
                } else {
                    Poll::Done(n)
                })
            },
            |waited, last_status, _| WaitError::DomainTimedOut {
                waited,
                last_status,
            },
        )
        .unwrap();
        assert_eq!(done, 3);
        // The hour-long default never ran: each poll asked for 1 ms.
        assert!(started.elapsed() < Duration::from_secs(60));
        assert_eq!(
            *seen.lock().unwrap(),
            [(1, Some("s1".to_owned())), (2, Some("s2".to_owned()))]
        );
    }

    #[test]
    fn a_zero_interval_is_refused() {
        let options = WaitOptions::new().interval(Duration::ZERO);
        let err = poll_until(
            &options,
            Duration::from_secs(1),
            |_| Ok(Poll::Done(())),
            |waited, last_status, _| WaitError::DomainTimedOut {
                waited,
                last_status,
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("interval"), "{err}");
    }
}
