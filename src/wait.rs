//! Waiting for a production-test request to be scheduled into a challenge.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::client::HopaeClient;
use crate::error::{Error, write_one_line};
use crate::models::{Challenge, ChallengeRequest, ProductionTestItem, RequestStatus};

type ProgressFn = dyn Fn(&WaitProgress) + Send + Sync;

/// How [`HopaeClient::wait_for_challenge`] polls: the pause between polls, the overall
/// timeout, and an optional progress callback.
///
/// The defaults poll every 15 seconds for at most 10 minutes and report nothing.
///
/// # Example
///
/// ```
/// use std::time::Duration;
///
/// let options = hopae::WaitOptions::new()
///     .interval(Duration::from_secs(5))
///     .timeout(Duration::from_secs(120))
///     .on_poll(|p| eprintln!("{:?} elapsed, status {:?}", p.elapsed, p.status));
/// assert_eq!(options.get_interval(), Duration::from_secs(5));
/// assert_eq!(hopae::WaitOptions::default().get_timeout(), Duration::from_secs(600));
/// ```
#[derive(Clone)]
pub struct WaitOptions {
    interval: Duration,
    timeout: Duration,
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

    /// The pause between two polls.
    pub fn get_interval(&self) -> Duration {
        self.interval
    }

    /// The overall timeout.
    pub fn get_timeout(&self) -> Duration {
        self.timeout
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

/// What one poll of [`HopaeClient::wait_for_challenge`] saw, passed to the
/// [`WaitOptions::on_poll`] callback.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WaitProgress {
    /// How many polls have been made so far (1 after the first).
    pub polls: u32,
    /// Time since the wait started.
    pub elapsed: Duration,
    /// The request's status in this poll; `None` when it is no longer listed.
    pub status: Option<RequestStatus>,
    /// The request's `challengeId` in this poll, if set (its challenge is not listed yet).
    pub challenge_id: Option<String>,
}

/// Why [`HopaeClient::wait_for_challenge`] ended without a challenge.
///
/// Carried by [`Error::Wait`]. `Display` is one lowercase line naming the request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WaitError {
    /// The request's status is `failed`: Hopae could not schedule it.
    RequestFailed {
        /// The request id (`req_...`).
        request_id: String,
    },
    /// The first poll did not list the request: the id is wrong, belongs to another App,
    /// or the request was scheduled and dropped from the list before the wait started.
    UnknownRequest {
        /// The request id (`req_...`).
        request_id: String,
    },
    /// The request is no longer listed and more than one challenge matches it by title
    /// and creation time, so the challenge cannot be told apart.
    Ambiguous {
        /// The request id (`req_...`).
        request_id: String,
        /// The ids of the matching challenges, in list order.
        candidates: Vec<String>,
    },
    /// The timeout passed before the request resolved.
    TimedOut {
        /// The request id (`req_...`).
        request_id: String,
        /// How long the wait lasted.
        waited: Duration,
        /// The request's status in the last poll; `None` when it was no longer listed.
        last_status: Option<RequestStatus>,
    },
}

impl WaitError {
    /// The production-test request id (`req_...`) the wait was for.
    pub fn request_id(&self) -> &str {
        match self {
            WaitError::RequestFailed { request_id }
            | WaitError::UnknownRequest { request_id }
            | WaitError::Ambiguous { request_id, .. }
            | WaitError::TimedOut { request_id, .. } => request_id,
        }
    }
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("production test request ")?;
        write_one_line(f, self.request_id())?;
        match self {
            WaitError::RequestFailed { .. } => f.write_str(" failed: hopae could not schedule it"),
            WaitError::UnknownRequest { .. } => f.write_str(" is not listed for this app"),
            WaitError::Ambiguous { candidates, .. } => {
                write!(
                    f,
                    " is no longer listed and {} challenges match its title and creation time: ",
                    candidates.len()
                )?;
                for (i, id) in candidates.iter().take(SHOWN_CANDIDATES).enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_one_line(f, id)?;
                }
                if candidates.len() > SHOWN_CANDIDATES {
                    write!(f, " and {} more", candidates.len() - SHOWN_CANDIDATES)?;
                }
                Ok(())
            }
            WaitError::TimedOut {
                waited,
                last_status,
                ..
            } => {
                write!(f, " was not scheduled within {}", format_duration(*waited))?;
                match last_status {
                    Some(status) => {
                        f.write_str(" (last status ")?;
                        write_one_line(f, status.as_str())?;
                        f.write_str(")")
                    }
                    None => f.write_str(" (no longer listed)"),
                }
            }
        }
    }
}

/// How many ambiguous candidates `Display` names; [`WaitError::Ambiguous`] keeps all.
const SHOWN_CANDIDATES: usize = 5;

impl std::error::Error for WaitError {}

/// A short human form: `500ms`, `45s`, `1m 30s`, `10m`, `1h 5m`.
pub(crate) fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let parts: Vec<String> = [(h, "h"), (m, "m"), (s, "s")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    parts.join(" ")
}

/// What one poll decided.
enum Poll {
    Done(Challenge),
    Pending {
        status: Option<RequestStatus>,
        challenge_id: Option<String>,
    },
}

/// What the wait remembers between polls.
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
) -> Result<Poll, WaitError> {
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
                request_id: r.id.clone(),
            });
        }
        if let Some(id) = &r.challenge_id
            && let Some(i) = challenges.iter().position(|c| &c.id == id)
        {
            return Ok(Poll::Done(challenges.swap_remove(i)));
        }
        let poll = Poll::Pending {
            status: Some(r.status.clone()),
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

/// How far past the wait's timeout its last poll may run: each poll must end by the
/// deadline plus this (and by the client's own timeout), so a slow or silent server
/// cannot stretch the wait.
const LAST_POLL_GRACE: Duration = Duration::from_secs(2);

impl HopaeClient {
    /// Polls the production-test list until the pending request `request_id` has been
    /// scheduled, and returns its challenge (whose `id` the report endpoint takes).
    ///
    /// Each poll is one [`HopaeClient::list_production_tests`] call. The first poll
    /// happens at once; after that the wait sleeps [`WaitOptions::interval`] between
    /// polls, but never past the timeout: the last poll happens exactly at the deadline,
    /// and the wait returns [`WaitError::TimedOut`] only if that poll did not resolve.
    /// Every poll (its retries included) must also end by the deadline plus 2 seconds,
    /// whatever the client's own timeout: a silent server cannot stretch the wait, and
    /// a poll cut short that way ends the wait with [`WaitError::TimedOut`].
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
    /// - any error of [`HopaeClient::list_production_tests`], as it is, when a poll
    ///   fails (a poll is retried by the client's own retry policy, not by the wait).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let test = hopae::NewProductionTest::new("MitID test").provider_ids(["mitid"]);
    /// let request = client.create_production_test("FK5b0KSM", &test)?;
    /// let options = hopae::WaitOptions::new().timeout(Duration::from_secs(30 * 60));
    /// let challenge = client.wait_for_challenge("FK5b0KSM", &request.id, &options)?;
    /// let report = client.production_test_report("FK5b0KSM", &challenge.id)?;
    /// assert_eq!(report.challenge.id, challenge.id);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn wait_for_challenge(
        &self,
        client_id: &str,
        request_id: &str,
        options: &WaitOptions,
    ) -> Result<Challenge, Error> {
        if request_id.is_empty() {
            return Err(Error::InvalidInput("`request_id` must not be empty".into()));
        }
        if options.interval.is_zero() {
            return Err(Error::InvalidInput(
                "the wait interval must be greater than zero".into(),
            ));
        }
        let start = Instant::now();
        let deadline = start.checked_add(options.timeout);
        let mut tracker = Tracker::default();
        let mut polls: u32 = 0;
        let mut last_status = None;
        let wait_error = |e: WaitError| Error::Wait(Box::new(e));
        loop {
            let items = match deadline {
                Some(d) => match self.list_production_tests_until(
                    client_id,
                    d.checked_add(LAST_POLL_GRACE).unwrap_or(d),
                ) {
                    // A poll cut short by the wait's own deadline is the wait timing out.
                    Err(e) if e.is_timeout() && Instant::now() >= d => {
                        return Err(wait_error(WaitError::TimedOut {
                            request_id: request_id.to_owned(),
                            waited: start.elapsed(),
                            last_status,
                        }));
                    }
                    result => result?,
                },
                None => self.list_production_tests(client_id)?,
            };
            polls = polls.saturating_add(1);
            let (status, challenge_id) = match resolve(items, request_id, &mut tracker) {
                Ok(Poll::Done(challenge)) => return Ok(challenge),
                Ok(Poll::Pending {
                    status,
                    challenge_id,
                }) => (status, challenge_id),
                Err(e) => return Err(wait_error(e)),
            };
            let now = Instant::now();
            // A timeout too large for `Instant` is treated as "no deadline".
            let remaining = match deadline {
                Some(d) if now >= d => {
                    return Err(wait_error(WaitError::TimedOut {
                        request_id: request_id.to_owned(),
                        waited: now - start,
                        last_status: status,
                    }));
                }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_format_short() {
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_secs(45)), "45s");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m 30s");
        assert_eq!(format_duration(Duration::from_secs(600)), "10m");
        assert_eq!(format_duration(Duration::from_secs(3900)), "1h 5m");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1s");
    }

    #[test]
    fn wait_error_display() {
        let id = || "req_1".to_owned();
        assert_eq!(
            WaitError::RequestFailed { request_id: id() }.to_string(),
            "production test request req_1 failed: hopae could not schedule it"
        );
        assert_eq!(
            WaitError::UnknownRequest { request_id: id() }.to_string(),
            "production test request req_1 is not listed for this app"
        );
        assert_eq!(
            WaitError::Ambiguous {
                request_id: id(),
                candidates: vec!["ch_a".into(), "ch_b".into()]
            }
            .to_string(),
            "production test request req_1 is no longer listed and 2 challenges match its \
             title and creation time: ch_a, ch_b"
        );
        let timed_out = WaitError::TimedOut {
            request_id: id(),
            waited: Duration::from_secs(600),
            last_status: Some(RequestStatus::Pending),
        };
        assert_eq!(
            timed_out.to_string(),
            "production test request req_1 was not scheduled within 10m (last status pending)"
        );
        assert_eq!(timed_out.request_id(), "req_1");
        let gone = WaitError::TimedOut {
            request_id: id(),
            waited: Duration::from_millis(50),
            last_status: None,
        };
        assert_eq!(
            Error::Wait(Box::new(gone)).to_string(),
            "production test request req_1 was not scheduled within 50ms (no longer listed)"
        );
    }

    #[test]
    fn wait_options_defaults_and_debug() {
        let o = WaitOptions::default();
        assert_eq!(o.get_interval(), Duration::from_secs(15));
        assert_eq!(o.get_timeout(), Duration::from_secs(600));
        assert!(format!("{o:?}").contains("on_poll: None"));
        let o = o.on_poll(|_| {});
        assert!(format!("{o:?}").contains("on_poll: Some(\"Fn\")"));
    }
}
