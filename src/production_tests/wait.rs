//! Waiting: the poll loop every wait shares ([`poll_until`]), its options, and the wait
//! for a production-test request to be scheduled into a challenge.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Challenge, ChallengeRequest, ProductionTestItem, ProductionTests, RequestStatus};
use crate::error::{Error, InputErrorKind, WaitError};

type ProgressFn = dyn Fn(&WaitProgress) + Send + Sync;

/// How [`ProductionTests::wait_for_challenge`] and
/// [`AppHandle::wait_for_custom_domain`](crate::apps::AppHandle::wait_for_custom_domain)
/// poll: the pause between polls, the overall timeout, and an optional progress callback.
///
/// The defaults poll every 15 seconds for at most 10 minutes and report nothing. The
/// builder methods set the values; the two public fields read them (a getter cannot share
/// a name with its builder method, and `get_` prefixes are not Rust's style).
///
/// # Example
///
/// ```
/// use std::time::Duration;
///
/// let options = hopae::production_tests::WaitOptions::new()
///     .interval(Duration::from_secs(5))
///     .timeout(Duration::from_secs(120))
///     .on_poll(|p| eprintln!("{:?} elapsed, status {:?}", p.elapsed, p.status));
/// assert_eq!(options.interval, Duration::from_secs(5));
/// assert_eq!(hopae::production_tests::WaitOptions::default().timeout, Duration::from_secs(600));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct WaitOptions {
    /// The pause between two polls (default 15 s); it must be greater than zero.
    pub interval: Duration,
    /// How long to wait in total (default 10 min); zero means "check once".
    pub timeout: Duration,
    on_poll: Option<Arc<ProgressFn>>,
}

impl WaitOptions {
    /// The default pause between two polls: 15 seconds.
    pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15);
    /// The default overall timeout: 10 minutes.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

    /// Options with the defaults: a 15 s interval, a 10 min timeout, no callback.
    pub fn new() -> Self {
        WaitOptions {
            interval: Self::DEFAULT_INTERVAL,
            timeout: Self::DEFAULT_TIMEOUT,
            on_poll: None,
        }
    }

    /// Sets the pause between two polls. It must be greater than zero.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
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
    /// The status in this poll, as sent: the request's (`pending`, ...) for a
    /// production-test wait, the domain's (`verifying`, ...) for a custom-domain wait;
    /// `None` when the request is no longer listed.
    pub status: Option<String>,
    /// The request's `challengeId` in this poll, if set (its challenge is not listed
    /// yet); always `None` for a custom-domain wait.
    pub challenge_id: Option<String>,
}

/// What one poll of a wait decided.
pub(crate) enum Poll<T> {
    /// The wait is over.
    Done(T),
    /// Poll again; what this poll saw (status and challenge id as sent, redacted).
    Pending {
        status: Option<String>,
        challenge_id: Option<String>,
    },
}

/// How far past the wait's timeout its last poll may run: each poll must end by the
/// deadline plus this (and by the client's own timeout), so a slow or silent server
/// cannot stretch the wait.
const LAST_POLL_GRACE: Duration = Duration::from_secs(2);

/// The loop every wait shares. `poll` is called at once, then every
/// [`WaitOptions::interval`], but never past the timeout: the last poll happens at the
/// deadline. Each poll gets the instant it must end by (the deadline plus 2 s), and a
/// poll cut short by it ends the wait as timed out. `timed_out(waited, last_status,
/// polls)` builds the error of a wait whose timeout passed.
pub(crate) fn poll_until<T>(
    options: &WaitOptions,
    mut poll: impl FnMut(Option<Instant>) -> Result<Poll<T>, Error>,
    timed_out: impl Fn(Duration, Option<String>, u32) -> WaitError,
) -> Result<T, Error> {
    if options.interval.is_zero() {
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
        let (status, challenge_id) = match outcome {
            Poll::Done(value) => return Ok(value),
            Poll::Pending {
                status,
                challenge_id,
            } => (status, challenge_id),
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
                challenge_id,
            });
        }
        std::thread::sleep(options.interval.min(remaining));
    }
}

/// What the production-test wait remembers between polls.
#[derive(Default)]
struct Tracker {
    /// The request as last listed, kept for the fallback once it disappears.
    seen: Option<ChallengeRequest>,
    /// Challenges listed while the request was still listed unresolved: none of them
    /// can be the request's challenge.
    known: HashSet<String>,
}

/// Applies the resolution rule to one list response.
fn resolve(
    items: Vec<ProductionTestItem>,
    request_id: &str,
    tracker: &mut Tracker,
) -> Result<Poll<Challenge>, WaitError> {
    let mut challenges = Vec::new();
    let mut request = None;
    // Challenges that other requests name as theirs.
    let mut claimed = HashSet::new();
    for item in items {
        match item {
            ProductionTestItem::Challenge(c) => challenges.push(c),
            ProductionTestItem::Request(r) if r.id == request_id && request.is_none() => {
                request = Some(r)
            }
            ProductionTestItem::Request(r) => claimed.extend(r.challenge_id),
        }
    }
    if let Some(r) = request {
        if r.status == RequestStatus::Failed {
            return Err(WaitError::RequestFailed {
                request_id: request_id.to_owned(),
            });
        }
        if let Some(id) = &r.challenge_id
            && let Some(i) = challenges.iter().position(|c| &c.id == id)
        {
            return Ok(Poll::Done(challenges.swap_remove(i)));
        }
        let poll = Poll::Pending {
            status: Some(r.status.as_str().to_owned()),
            challenge_id: r.challenge_id.clone(),
        };
        tracker.known.extend(challenges.into_iter().map(|c| c.id));
        tracker.seen = Some(r);
        return Ok(poll);
    }
    let Some(r) = tracker.seen.as_ref() else {
        return Err(WaitError::UnknownRequest {
            request_id: request_id.to_owned(),
        });
    };
    // The request disappeared: if it named its challenge before, that id decides.
    if let Some(id) = &r.challenge_id
        && let Some(i) = challenges.iter().position(|c| &c.id == id)
    {
        return Ok(Poll::Done(challenges.swap_remove(i)));
    }
    let mut matching: Vec<Challenge> = challenges
        .into_iter()
        .filter(|c| {
            c.title == r.payload.title
                && c.created_at >= r.created_at
                && !tracker.known.contains(&c.id)
                && !claimed.contains(&c.id)
        })
        .collect();
    match matching.len() {
        0 => Ok(Poll::Pending {
            status: None,
            challenge_id: None,
        }),
        1 => Ok(Poll::Done(matching.remove(0))),
        _ => Err(WaitError::Ambiguous {
            request_id: request_id.to_owned(),
            candidates: matching.into_iter().map(|c| c.id).collect(),
        }),
    }
}

impl ProductionTests<'_> {
    /// Polls the production-test list until the pending request `request_id` has been
    /// scheduled, and returns its challenge (whose `id` the report endpoint takes).
    ///
    /// Each poll is one [`ProductionTests::list`] call. The first poll happens at once;
    /// after that the wait sleeps [`WaitOptions::interval`] between polls, but never past
    /// the timeout: the last poll happens exactly at the deadline, and the wait returns
    /// [`WaitError::TimedOut`] only if that poll did not resolve. Every poll (its
    /// retries included) must also end by the deadline plus 2 seconds, whatever the
    /// client's own timeout: a silent server cannot stretch the wait, and a poll cut
    /// short that way ends the wait with [`WaitError::TimedOut`].
    ///
    /// # Resolution rule
    ///
    /// For every poll, in this order:
    ///
    /// 1. The request is listed with status `failed`: the wait ends with
    ///    [`WaitError::RequestFailed`].
    /// 2. The request is listed and its `challengeId` names a listed challenge: that
    ///    challenge is returned.
    /// 3. The request is listed otherwise (`pending`, `scheduled` with a `challengeId`
    ///    whose challenge is not listed yet, a status this crate does not know): poll
    ///    again.
    /// 4. The request is not listed in the **first** poll: [`WaitError::UnknownRequest`].
    /// 5. The request was listed before but has disappeared: if it last carried a
    ///    `challengeId` that is now listed, that challenge is returned. Otherwise the
    ///    challenges created at or after the request's `createdAt` whose `title` equals
    ///    the request's `payload.title` are candidates, except those already listed
    ///    while the request was still listed unscheduled and those another listed
    ///    request names in its `challengeId`: exactly one is returned; more than one
    ///    ends with [`WaitError::Ambiguous`]; none means poll again.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when `request_id` is empty or the interval is zero;
    /// - [`Error::Wait`] when the request failed, is unknown, matches several challenges,
    ///   or the timeout passed ([`WaitError`]);
    /// - any error of [`ProductionTests::list`], as it is, when a poll fails (a poll is
    ///   retried by the client's own retry policy, not by the wait).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use hopae::production_tests::{NewProductionTest, WaitOptions};
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let tests = client.app("FK5b0KSM").production_tests();
    /// let request = tests.create(&NewProductionTest::new("MitID test").provider_ids(["mitid"]))?;
    /// let options = WaitOptions::new().timeout(Duration::from_secs(30 * 60));
    /// let challenge = tests.wait_for_challenge(&request.id, &options)?;
    /// let report = tests.report(&challenge.id)?;
    /// assert_eq!(report.challenge.id, challenge.id);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn wait_for_challenge(
        &self,
        request_id: &str,
        options: &WaitOptions,
    ) -> Result<Challenge, Error> {
        if request_id.is_empty() {
            return Err(Error::input(
                InputErrorKind::Options,
                "`request_id` must not be empty",
            ));
        }
        let client = self.app.client;
        let mut tracker = Tracker::default();
        poll_until(
            options,
            |deadline| {
                let items = self.list_until(deadline)?;
                match resolve(items, request_id, &mut tracker) {
                    Ok(Poll::Pending {
                        status,
                        challenge_id,
                    }) => Ok(Poll::Pending {
                        status: status.map(|s| client.redact(&s)),
                        challenge_id: challenge_id.map(|c| client.redact(&c)),
                    }),
                    Ok(done) => Ok(done),
                    Err(WaitError::Ambiguous {
                        request_id,
                        candidates,
                    }) => Err(Error::Wait(Box::new(WaitError::Ambiguous {
                        request_id,
                        candidates: candidates.iter().map(|c| client.redact(c)).collect(),
                    }))),
                    Err(e) => Err(Error::Wait(Box::new(e))),
                }
            },
            |waited, last_status, polls| WaitError::TimedOut {
                request_id: request_id.to_owned(),
                waited,
                last_status,
                polls,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_options_defaults_and_debug() {
        let o = WaitOptions::default();
        assert_eq!(o.interval, Duration::from_secs(15));
        assert_eq!(o.timeout, Duration::from_secs(600));
        assert!(format!("{o:?}").contains("on_poll: None"));
        let o = o.on_poll(|_| {});
        assert!(format!("{o:?}").contains("on_poll: Some(\"Fn\")"));
    }
}
