//! The wait for a production-test request to be scheduled into a challenge, on the
//! crate's one poll loop ([`crate::wait`]).

use std::collections::HashSet;
use std::time::Duration;

use super::{Challenge, ChallengeRequest, ProductionTestItem, ProductionTests, RequestStatus};
use crate::error::{Error, InputErrorKind, WaitError};
use crate::wait::{Poll, WaitDetail, WaitOptions, poll_until};

/// The default pause between two polls of
/// [`ProductionTests::wait_for_challenge`]: 15 seconds (scheduling takes minutes).
pub const DEFAULT_WAIT_INTERVAL: Duration = Duration::from_secs(15);

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
            detail: WaitDetail::ProductionTest {
                challenge_id: r.challenge_id.clone(),
            },
            interval: None,
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
            detail: WaitDetail::ProductionTest { challenge_id: None },
            interval: None,
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
    /// after that the wait sleeps [`WaitOptions::interval`] (default
    /// [`DEFAULT_WAIT_INTERVAL`], 15 s) between polls, but never past
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
    /// use hopae::production_tests::NewProductionTest;
    /// use hopae::wait::WaitOptions;
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
        let transport = self.app.transport;
        let mut tracker = Tracker::default();
        poll_until(
            options,
            DEFAULT_WAIT_INTERVAL,
            |deadline| {
                let items = self.list_until(deadline)?;
                match resolve(items, request_id, &mut tracker) {
                    Ok(Poll::Pending {
                        status,
                        detail,
                        interval,
                    }) => Ok(Poll::Pending {
                        status: status.map(|s| transport.redact(&s)),
                        detail: match detail {
                            WaitDetail::ProductionTest { challenge_id } => {
                                WaitDetail::ProductionTest {
                                    challenge_id: challenge_id.map(|c| transport.redact(&c)),
                                }
                            }
                            other => other,
                        },
                        interval,
                    }),
                    Ok(done) => Ok(done),
                    Err(WaitError::Ambiguous {
                        request_id,
                        candidates,
                    }) => Err(Error::Wait(Box::new(WaitError::Ambiguous {
                        request_id,
                        candidates: candidates.iter().map(|c| transport.redact(c)).collect(),
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
