//! The App API's handles: the provider catalog, the verification collection, and one
//! verification with its wait.

use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::model::{
    DEFAULT_POLL_INTERVAL, DcRequest, MIN_POLL_INTERVAL, NewVerification, Provider,
    ProviderConfiguration, Verification, VerificationStatus,
};
use super::userinfo::{Evidence, UserInfo};
use crate::error::{Error, InputErrorKind, WaitError};
use crate::http::{Call, Idempotent, Transport, segment};
use crate::wait::{Poll, WaitDetail, WaitOptions, poll_until};

/// How long past `expiresAt` a wait keeps polling: the server may need a moment to
/// report `expired`.
pub const EXPIRY_GRACE: Duration = Duration::from_secs(5);

/// The App's provider catalog, from [`AppClient::providers`](crate::AppClient::providers).
/// Making it sends nothing.
#[derive(Debug, Clone, Copy)]
pub struct ProviderCatalog<'a> {
    pub(crate) transport: &'a Transport,
}

impl ProviderCatalog<'_> {
    /// The providers the App may use (`GET /providers`).
    ///
    /// # Errors
    ///
    /// [`Error::Api`] for a non-2xx status (401 `AUTH_INVALID_CREDENTIALS` for wrong or
    /// wrong-environment credentials), [`Error::Decode`] when an item has no `id`, and
    /// the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let app = hopae::AppClient::from_env()?;
    /// for p in app.providers().list()? {
    ///     println!("{} {:?} {:?}", p.id, p.flow_types, p.loa);
    /// }
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn list(&self) -> Result<Vec<Provider>, Error> {
        self.transport
            .send_list(Call::get("list providers", "/providers".to_owned()))
    }

    /// The providers with this `status`, passed through as given (the API documents
    /// `activated`, `deactivated`, `action_required` in one place and `enabled`,
    /// `disabled` in another) (`GET /providers?status=`).
    ///
    /// # Errors
    ///
    /// As [`ProviderCatalog::list`].
    pub fn list_with_status(&self, status: &str) -> Result<Vec<Provider>, Error> {
        self.transport
            .send_list(Call::get("list providers", "/providers".to_owned()).query("status", status))
    }

    /// What `provider_id` needs to start a verification: the required and optional
    /// `userData` fields and its flows (`GET /providers/{providerId}/configuration`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `provider_id` cannot be a path segment;
    /// [`Error::Api`] for a non-2xx status (404 `PROVIDER_NOT_FOUND`); and the errors
    /// every call can meet (see [`Error`]).
    pub fn configuration(&self, provider_id: &str) -> Result<ProviderConfiguration, Error> {
        let id = segment("providerId", provider_id)?;
        self.transport.send(Call::get(
            "get provider configuration",
            format!("/providers/{id}/configuration"),
        ))
    }
}

/// The verification collection, from
/// [`AppClient::verifications`](crate::AppClient::verifications): create a session, or
/// ask for a Digital Credentials request. Making it sends nothing.
#[derive(Debug, Clone, Copy)]
pub struct Verifications<'a> {
    pub(crate) transport: &'a Transport,
}

impl<'a> Verifications<'a> {
    /// The verification POSTs (create, dc-request) with the caller's idempotency key:
    /// see [`Idempotent`]. The App API does not document the header; a server that
    /// ignores it is harmless, and the key lets a create that failed on the network be
    /// sent again without prompting the person twice where the server honours it.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::verifications::NewVerification;
    ///
    /// let app = hopae::AppClient::from_env()?;
    /// let new = NewVerification::new("bankidse");
    /// let v = app.verifications().with_idempotency_key("order-1-verify").create(&new)?;
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn with_idempotency_key(&self, key: &str) -> Idempotent<Verifications<'a>> {
        Idempotent::new(*self, key)
    }

    /// Creates a verification session (`POST /verifications`, answered 201): the
    /// provider starts at once (a push flow prompts the person's phone).
    ///
    /// Nothing is sent when [`NewVerification::validate`] fails. The POST carries a
    /// generated `Idempotency-Key` and is retried only when it provably never left; the
    /// key is readable from a network error ([`Error::idempotency_key`]) to send the
    /// create again with [`Verifications::with_idempotency_key`].
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when the request breaks a rule the SDK checks
    ///   (`requestedLoa` outside 1-5, an empty provider id);
    /// - [`Error::Api`] for a non-2xx status: 400 `VALIDATION_MISSING_USER_DATA` (the
    ///   provider's configuration lists what it needs), 422 `VALIDATION_UNPROCESSABLE`
    ///   when the provider cannot reach `requestedLoa`, 403 `PROVIDER_NOT_ENABLED`;
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::verifications::{NewVerification, NextAction};
    ///
    /// let app = hopae::AppClient::from_env()?;
    /// let v = app.verifications().create(
    ///     &NewVerification::new("smartid").user_data("registrationId", "PNOEE-38001085718"),
    /// )?;
    /// if let NextAction::ConfirmCode { code } = v.next_action() {
    ///     println!("check that your phone shows {code}");
    /// }
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn create(&self, new: &NewVerification) -> Result<Verification, Error> {
        create(self.transport, new, None)
    }

    /// Asks for the W3C Digital Credentials request of session `verification_id`
    /// (`POST /verifications/dc-request`); `user_data` is sent as `userData`. For a
    /// browser or a wallet to pass to `navigator.credentials.get`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `verification_id` is empty; [`Error::Api`] for a
    /// non-2xx status; and the errors every call can meet (see [`Error`]).
    pub fn dc_request(
        &self,
        verification_id: &str,
        user_data: &serde_json::Value,
    ) -> Result<DcRequest, Error> {
        dc_request(self.transport, verification_id, user_data, None)
    }
}

impl Idempotent<Verifications<'_>> {
    /// [`Verifications::create`] with this key.
    ///
    /// # Errors
    ///
    /// As [`Verifications::create`], plus [`Error::InvalidInput`] for an invalid key.
    pub fn create(self, new: &NewVerification) -> Result<Verification, Error> {
        create(self.handle.transport, new, Some(self.key()?))
    }

    /// [`Verifications::dc_request`] with this key.
    ///
    /// # Errors
    ///
    /// As [`Verifications::dc_request`], plus [`Error::InvalidInput`] for an invalid key.
    pub fn dc_request(
        self,
        verification_id: &str,
        user_data: &serde_json::Value,
    ) -> Result<DcRequest, Error> {
        dc_request(
            self.handle.transport,
            verification_id,
            user_data,
            Some(self.key()?),
        )
    }
}

fn create(
    transport: &Transport,
    new: &NewVerification,
    key: Option<&str>,
) -> Result<Verification, Error> {
    new.validate()?;
    let call = Call::post("create verification", "/verifications".to_owned())
        .json(new)?
        // A duplicate create prompts the person a second time, and the App API does not
        // document idempotency keys: sent again only when it provably never left.
        .at_most_once();
    transport.send(call.keyed(key))
}

fn dc_request(
    transport: &Transport,
    verification_id: &str,
    user_data: &serde_json::Value,
    key: Option<&str>,
) -> Result<DcRequest, Error> {
    if verification_id.trim().is_empty() {
        return Err(Error::input(
            InputErrorKind::Field,
            "`verificationId` must not be empty",
        ));
    }
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Body<'a> {
        verification_id: &'a str,
        user_data: &'a serde_json::Value,
    }
    let call = Call::post(
        "create digital credentials request",
        "/verifications/dc-request".to_owned(),
    )
    .json(&Body {
        verification_id,
        user_data,
    })?
    .at_most_once();
    transport.send(call.keyed(key))
}

/// One verification session, by id, from
/// [`AppClient::verification`](crate::AppClient::verification) or
/// [`AppClient::verification_from`](crate::AppClient::verification_from). Making it
/// sends nothing.
#[derive(Debug, Clone)]
pub struct VerificationHandle<'a> {
    transport: &'a Transport,
    id: String,
    /// `/verifications/{id}`, encoded once; or why the id cannot be a path segment.
    base: Result<String, String>,
    /// The server's polling hint, from the response the handle was made from.
    hint: Option<Duration>,
    /// When the session expires, from the response the handle was made from.
    expires_at: Option<OffsetDateTime>,
    /// Whether the session is known to exist (the handle was made from a response).
    seen: bool,
}

impl<'a> VerificationHandle<'a> {
    pub(crate) fn new(transport: &'a Transport, id: &str) -> VerificationHandle<'a> {
        let base = match segment("verificationId", id) {
            Ok(id) => Ok(format!("/verifications/{id}")),
            Err(Error::InvalidInput(m)) => Err(m.message().to_owned()),
            Err(other) => Err(other.to_string()),
        };
        VerificationHandle {
            transport,
            id: id.to_owned(),
            base,
            hint: None,
            expires_at: None,
            seen: false,
        }
    }

    pub(crate) fn from_verification(
        transport: &'a Transport,
        v: &Verification,
    ) -> VerificationHandle<'a> {
        VerificationHandle {
            hint: v.recommended_interval(),
            expires_at: v.expires_at,
            seen: true,
            ..VerificationHandle::new(transport, &v.id)
        }
    }

    /// The verification id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn path(&self, suffix: &str) -> Result<String, Error> {
        match &self.base {
            Ok(base) => Ok(format!("{base}{suffix}")),
            Err(m) => Err(Error::input(InputErrorKind::PathParameter, m.clone())),
        }
    }

    /// The session as it stands (`GET /verifications/{id}`; no personal data).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the id cannot be a path segment; [`Error::Api`] for
    /// a non-2xx status (404 `SESSION_NOT_FOUND`, also after a cancel); and the errors
    /// every call can meet (see [`Error`]).
    pub fn get(&self) -> Result<Verification, Error> {
        self.get_until(None)
    }

    fn get_until(&self, deadline: Option<Instant>) -> Result<Verification, Error> {
        self.transport
            .send(Call::get("get verification", self.path("")?).deadline(deadline))
    }

    /// Cancels the session (`DELETE /verifications/{id}`, answered 204). The API
    /// cancels and deletes: a later [`get`](VerificationHandle::get) may answer 404 or
    /// status `cancelled`, and both mean cancelled.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the id cannot be a path segment; [`Error::Api`] with
    /// status 400 when the session is already terminal, 404 when it is unknown (or was
    /// cancelled and deleted before); and the errors every call can meet (see
    /// [`Error`]).
    pub fn cancel(&self) -> Result<(), Error> {
        self.transport
            .send_unless_refused(Call::delete("cancel verification", self.path("")?))
    }

    /// The verified claims of a completed session
    /// (`GET /verifications/{id}/userinfo`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the id cannot be a path segment; [`Error::Api`] with
    /// code `verification_not_completed` (status 400, details carrying the session's
    /// `status`) when the session is not completed; and the errors every call can meet
    /// (see [`Error`]).
    pub fn userinfo(&self) -> Result<UserInfo, Error> {
        self.transport.send(Call::get(
            "get verification userinfo",
            self.path("/userinfo")?,
        ))
    }

    /// The upstream evidence of a completed session
    /// (`GET /verifications/{id}/evidence`): its token is a [`Secret`](crate::Secret).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the id cannot be a path segment; [`Error::Api`] with
    /// code `evidence_not_available` (status 400) when there is none; and the errors
    /// every call can meet (see [`Error`]).
    pub fn evidence(&self) -> Result<Evidence, Error> {
        self.transport.send(Call::get(
            "get verification evidence",
            self.path("/evidence")?,
        ))
    }

    /// Polls the session until its status is terminal, and returns it: `completed`,
    /// `failed`, `expired` and `cancelled` are results, not errors.
    /// [`wait_with`](VerificationHandle::wait_with) also hands each poll's session to a
    /// callback.
    ///
    /// The pause between polls is the server's `polling.recommendedInterval` when a
    /// response carried one (the create response does: make the handle with
    /// [`AppClient::verification_from`](crate::AppClient::verification_from) to start
    /// from it), else [`WaitOptions::interval`], else 2 s
    /// ([`DEFAULT_POLL_INTERVAL`]); never less than 500 ms
    /// ([`MIN_POLL_INTERVAL`]). The first poll happens at once.
    ///
    /// The wait stops at the first of: a terminal status; `expiresAt` plus 5 s
    /// ([`EXPIRY_GRACE`]), after which it polls once more and, when that poll is not
    /// terminal either, fails with [`WaitError::VerificationTimedOut`] (`expired`
    /// true); the options' timeout, which fails the same way (`expired` false). A
    /// session that answers 404 after the wait (or the response the handle was made
    /// from) has seen it was cancelled and deleted: it is returned with status
    /// `cancelled`.
    ///
    /// # Errors
    ///
    /// - [`Error::Wait`] with [`WaitError::VerificationTimedOut`] as above;
    /// - [`Error::InvalidInput`] when the id cannot be a path segment or the interval is
    ///   zero;
    /// - any error of a poll ([`VerificationHandle::get`]), as it is.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use hopae::verifications::{NewVerification, VerificationStatus};
    /// use hopae::wait::WaitOptions;
    ///
    /// let app = hopae::AppClient::from_env()?;
    /// let v = app.verifications().create(&NewVerification::new("frejaid"))?;
    /// let done = app
    ///     .verification_from(&v)
    ///     .wait(&WaitOptions::new().timeout(Duration::from_secs(300)))?;
    /// if done.status == VerificationStatus::Completed {
    ///     println!("{:?}", app.verification(&v.id).userinfo()?.user);
    /// }
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn wait(&self, options: &WaitOptions) -> Result<Verification, Error> {
        self.wait_with(options, |_| {})
    }

    /// [`wait`](VerificationHandle::wait), handing every poll's session to
    /// `on_each_poll` (the terminal one included) before deciding: a caller redraws a QR
    /// code whose payload changed, or shows a new [`next_action`](Verification::next_action).
    ///
    /// # Errors
    ///
    /// As [`VerificationHandle::wait`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::verifications::NextAction;
    /// use hopae::wait::WaitOptions;
    ///
    /// let app = hopae::AppClient::from_env()?;
    /// let mut shown = String::new();
    /// let done = app.verification("ver_2hJ8").wait_with(&WaitOptions::new(), |v| {
    ///     if let NextAction::ShowQr { data } = v.next_action()
    ///         && data != shown
    ///     {
    ///         shown = data.to_owned(); // draw it again
    ///     }
    /// })?;
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn wait_with(
        &self,
        options: &WaitOptions,
        mut on_each_poll: impl FnMut(&Verification),
    ) -> Result<Verification, Error> {
        self.path("")?;
        let transport = self.transport;
        let chosen = options.interval.unwrap_or(DEFAULT_POLL_INTERVAL);
        let start = Instant::now();
        let mut hint = self.hint;
        let mut expiry = self.expires_at.and_then(expiry_instant);
        let mut seen = self.seen;
        let mut last: Option<Verification> = None;
        let mut polls: u32 = 0;
        let timed_out = |waited, last_status, polls, expired| WaitError::VerificationTimedOut {
            verification_id: transport.redact(&self.id),
            waited,
            last_status,
            polls,
            expired,
        };
        poll_until(
            options,
            DEFAULT_POLL_INTERVAL,
            |deadline| {
                let v = match self.get_until(deadline) {
                    Ok(v) => v,
                    // Cancelled and deleted: the rule is that 404 then means cancelled.
                    Err(e) if seen && e.status() == Some(404) => cancelled(&self.id, last.take()),
                    Err(e) => return Err(e),
                };
                seen = true;
                polls = polls.saturating_add(1);
                on_each_poll(&v);
                if v.status.is_terminal() {
                    return Ok(Poll::Done(v));
                }
                let status = transport.redact(v.status.as_str());
                if let Some(h) = v.recommended_interval() {
                    hint = Some(h);
                }
                if let Some(at) = v.expires_at {
                    expiry = expiry_instant(at);
                }
                let now = Instant::now();
                let mut next = hint.unwrap_or(chosen).max(MIN_POLL_INTERVAL);
                if let Some(e) = expiry {
                    if now >= e {
                        return Err(Error::Wait(Box::new(timed_out(
                            now - start,
                            Some(status),
                            polls,
                            true,
                        ))));
                    }
                    // The one more poll happens once expiresAt plus the grace has passed.
                    next = next.min(e - now).max(MIN_POLL_INTERVAL);
                }
                last = Some(v);
                Ok(Poll::Pending {
                    status: Some(status),
                    detail: WaitDetail::Verification,
                    interval: Some(next),
                })
            },
            |waited, last_status, polls| timed_out(waited, last_status, polls, false),
        )
    }
}

/// The instant `expires_at` plus [`EXPIRY_GRACE`] is reached, on this machine's clock
/// (now when it has passed); `None` when it lies too far ahead to represent, which no
/// wait reaches.
fn expiry_instant(expires_at: OffsetDateTime) -> Option<Instant> {
    let grace = time::Duration::try_from(EXPIRY_GRACE).ok()?;
    let left = expires_at.checked_add(grace)? - OffsetDateTime::now_utc();
    let now = Instant::now();
    match Duration::try_from(left) {
        Ok(left) => now.checked_add(left),
        // Negative: already past.
        Err(_) => Some(now),
    }
}

/// The session a 404 reports after it was seen: cancelled (and deleted).
fn cancelled(id: &str, last: Option<Verification>) -> Verification {
    let mut v = last.unwrap_or_else(|| Verification::bare(id, VerificationStatus::Cancelled));
    v.status = VerificationStatus::Cancelled;
    v
}
