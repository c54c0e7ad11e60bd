//! The transport and the one funnel every call goes through.
//!
//! A [`Transport`] owns what every clone of a client shares: the agent (connection
//! pool), the base URL, the credential and the settings. A [`Call`] describes one
//! request (method, path, query, body, idempotency key, deadline);
//! [`Transport::execute`] sends it with retries, reads the body up to the cap, and maps
//! every failure to an [`Error`]. [`AppHandle`] is the scope every App-level endpoint
//! hangs off, whatever resource module defines the endpoint.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::{self, Options, ResponseEvent, ResponseHook, Settings};
use crate::decode::{self, DecodeResult};
use crate::error::{ApiError, ConfigErrorKind, DecodeError, Error, InputErrorKind};
use crate::json::FromJson;
use crate::mapping::{self, Received, Target};
use crate::redact::{Credential, shown_url};
use crate::retry;

/// The most a response's `Content-Length` can make the client reserve before any byte of
/// the body has arrived.
const PRESIZE_MAX: u64 = 64 * 1024 * 1024;
/// The longest path parameter accepted, in bytes: far above any real id, low enough that
/// a URL built from it stays well within what servers and proxies accept.
const MAX_SEGMENT_BYTES: usize = 1024;

/// An HTTP method the Workspace API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// The method named `name` (any case), if the client sends it.
    pub(crate) fn parse(name: &str) -> Option<Method> {
        [
            Method::Get,
            Method::Post,
            Method::Put,
            Method::Patch,
            Method::Delete,
        ]
        .into_iter()
        .find(|m| m.as_str().eq_ignore_ascii_case(name))
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One logical call: everything that must stay identical across retries.
pub(crate) struct Call {
    /// What the call does, for error messages ("list apps").
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    /// The path after the base URL, its parameters already encoded with [`segment`].
    pub(crate) path: String,
    /// Query parameters, encoded when the URL is built.
    pub(crate) query: Vec<(&'static str, String)>,
    /// The body and its content type; `None` sends no body (`Content-Length: 0` on the
    /// methods that take one).
    pub(crate) body: Option<(Cow<'static, str>, Vec<u8>)>,
    /// For POST: the `Idempotency-Key` every attempt sends (generated when not given).
    pub(crate) idempotency_key: Option<String>,
    /// A deadline for the whole call, retries included (used by the waits): attempts
    /// are cut short to end by it, and no retry starts after it.
    pub(crate) deadline: Option<Instant>,
    /// An absolute URL that replaces the base URL and `path` (OIDC endpoints from
    /// discovery); the caller has checked where it points.
    pub(crate) url: Option<String>,
    /// What the `Authorization` header carries.
    pub(crate) auth: Auth,
    /// Whether an answered attempt (429, 5xx) may be retried. `false` for calls that
    /// must reach the server at most once (an OAuth code is single use): only a
    /// request that provably never left is sent again.
    pub(crate) retry_answered: bool,
}

/// What a call authenticates with.
#[allow(dead_code)] // `Bearer` and `None` are for the OIDC client, which lands next.
#[derive(Clone, Debug, Default)]
pub(crate) enum Auth {
    /// The client's own credential (the workspace key, or the App's Basic credentials).
    #[default]
    Client,
    /// A bearer token (an OIDC access token), redacted like the credential.
    Bearer(crate::secret::Secret),
    /// No `Authorization` header (discovery, JWKS).
    None,
}

impl Call {
    /// A call without query, body or deadline.
    pub(crate) fn new(method: Method, operation: &'static str, path: String) -> Call {
        Call {
            operation,
            method,
            path,
            query: Vec::new(),
            body: None,
            idempotency_key: None,
            deadline: None,
            url: None,
            auth: Auth::Client,
            retry_answered: true,
        }
    }

    /// A GET of `path`.
    pub(crate) fn get(operation: &'static str, path: String) -> Call {
        Call::new(Method::Get, operation, path)
    }

    /// A POST of `path`.
    pub(crate) fn post(operation: &'static str, path: String) -> Call {
        Call::new(Method::Post, operation, path)
    }

    /// A PUT of `path`.
    pub(crate) fn put(operation: &'static str, path: String) -> Call {
        Call::new(Method::Put, operation, path)
    }

    /// A PATCH of `path`.
    pub(crate) fn patch(operation: &'static str, path: String) -> Call {
        Call::new(Method::Patch, operation, path)
    }

    /// A DELETE of `path`.
    pub(crate) fn delete(operation: &'static str, path: String) -> Call {
        Call::new(Method::Delete, operation, path)
    }

    /// Adds a query parameter.
    pub(crate) fn query(mut self, name: &'static str, value: impl ToString) -> Call {
        self.query.push((name, value.to_string()));
        self
    }

    /// Sets a JSON body.
    pub(crate) fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Call, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid_input(format!("could not encode the body: {e}")))?;
        self.body = Some((Cow::Borrowed("application/json"), bytes));
        Ok(self)
    }

    /// Sets a body of another content type (multipart, whose type names its boundary).
    /// The bytes are built once, here: every attempt sends exactly them.
    pub(crate) fn body(
        mut self,
        content_type: impl Into<Cow<'static, str>>,
        bytes: Vec<u8>,
    ) -> Call {
        self.body = Some((content_type.into(), bytes));
        self
    }

    /// Sets the caller's idempotency key, already checked ([`Idempotent::key`]); `None`
    /// leaves the funnel to generate one for a POST.
    pub(crate) fn keyed(mut self, key: Option<&str>) -> Call {
        self.idempotency_key = key.map(str::to_owned);
        self
    }

    // `absolute`, `auth` and `at_most_once` are for the OIDC client, which lands next.
    #[allow(dead_code)]
    /// Sends the call to `url`, an absolute URL checked by the caller, instead of the
    /// base URL followed by the path.
    pub(crate) fn absolute(mut self, url: String) -> Call {
        self.url = Some(url);
        self
    }

    /// Sets what the `Authorization` header carries.
    #[allow(dead_code)]
    pub(crate) fn auth(mut self, auth: Auth) -> Call {
        self.auth = auth;
        self
    }

    /// Never retries once the server may have seen the request.
    #[allow(dead_code)]
    pub(crate) fn at_most_once(mut self) -> Call {
        self.retry_answered = false;
        self
    }

    /// Ends the call, retries included, by `deadline`.
    pub(crate) fn deadline(mut self, deadline: Option<Instant>) -> Call {
        self.deadline = deadline;
        self
    }
}

/// Percent-encodes a path parameter as exactly one segment. Only RFC 3986 unreserved
/// characters pass unencoded, so `/`, `?`, `#` and `%` can never change the path; `.`
/// and `..` (which servers resolve even when encoded), the empty string and values over
/// 1,024 bytes are refused. `name` is the parameter as the documentation calls it.
pub(crate) fn segment(name: &str, value: &str) -> Result<String, Error> {
    if value.is_empty() {
        return Err(Error::input(
            InputErrorKind::PathParameter,
            format!("`{name}` must not be empty"),
        ));
    }
    if value == "." || value == ".." {
        return Err(Error::input(
            InputErrorKind::PathParameter,
            format!("`{name}` must not be `.` or `..`"),
        ));
    }
    if value.len() > MAX_SEGMENT_BYTES {
        return Err(Error::input(
            InputErrorKind::PathParameter,
            format!(
                "`{name}` has {} bytes, at most {MAX_SEGMENT_BYTES} are allowed",
                value.len()
            ),
        ));
    }
    let mut out = String::with_capacity(value.len());
    encode_into(&mut out, value);
    Ok(out)
}

/// Appends `value` percent-encoded: everything but RFC 3986 unreserved characters.
pub(crate) fn encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// The longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// Checks an `Idempotency-Key` as every `with_idempotency_key` does: 1 to 255 visible
/// ASCII characters.
///
/// # Errors
///
/// [`Error::InvalidInput`] of kind [`InputErrorKind::IdempotencyKey`] otherwise.
///
/// # Example
///
/// ```
/// assert!(hopae::validate_idempotency_key("nightly-2026-12-06").is_ok());
/// assert!(hopae::validate_idempotency_key("has space").is_err());
/// ```
pub fn validate_idempotency_key(key: &str) -> Result<(), Error> {
    // Characters first: for an ASCII key, bytes and characters agree in the length check.
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::input(
            InputErrorKind::IdempotencyKey,
            "`Idempotency-Key` may only contain visible ASCII characters (no spaces)",
        ));
    }
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN {
        return Err(Error::input(
            InputErrorKind::IdempotencyKey,
            format!(
                "`Idempotency-Key` must have 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters, got {}",
                key.len()
            ),
        ));
    }
    Ok(())
}

/// What every clone of a client shares: one agent (connection pool), one configuration,
/// one credential. Cloning is cheap.
#[derive(Clone)]
pub(crate) struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    agent: ureq::Agent,
    base_url: String,
    credential: Credential,
    /// How calls reach the host when a proxy is configured, for error messages:
    /// `via proxy host:port`, or `directly (NO_PROXY exempts ...)`.
    proxy: Option<String>,
    settings: Settings,
    /// The builder's `on_response` callback.
    on_response: Option<Arc<ResponseHook>>,
    /// The HTTP trace, when on.
    trace: Option<crate::trace::Trace>,
    /// The `User-Agent` header the agent sends (for the trace).
    user_agent: String,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Transport")
            .field("base_url", &shown_url(&inner.base_url, &inner.credential))
            .field("credential", &inner.credential)
            .field("settings", &inner.settings)
            .finish()
    }
}

impl Transport {
    /// Checks `options` and builds the agent. The caller has checked the credential
    /// and resolved the base URL into `options.base_url`.
    pub(crate) fn new(options: Options, credential: Credential) -> Result<Transport, Error> {
        let raw_url = options.base_url.as_deref().unwrap_or_default();
        let url = config::parse_base_url(raw_url, &credential)
            .map_err(|m| Error::config(ConfigErrorKind::BaseUrl, m))?;
        config::check_hopae_path(&url, &shown_url(raw_url, &credential))?;
        let s = options.settings;
        config::check_settings(&s)?;
        let user_agent = options.user_agent()?;
        let mut agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .https_only(url.https)
            .timeout_global(Some(s.timeout))
            .timeout_connect(Some(s.connect_timeout.min(s.timeout)))
            .max_idle_connections(s.max_idle_connections)
            .max_idle_connections_per_host(s.max_idle_connections)
            .user_agent(&user_agent)
            .accept("application/json")
            .tls_config(options.roots.tls_config()?);
        let proxy = if url.loopback {
            // Never route a loopback call (plain http) through a proxy from the environment.
            agent_config = agent_config.proxy(None);
            None
        } else {
            // The proxy the agent uses is the one errors name: read once, here.
            let proxy = ureq::Proxy::try_from_env();
            agent_config = agent_config.proxy(proxy.clone());
            proxy.map(|p| config::route(&p, &url.normalized))
        };
        Ok(Transport {
            inner: Arc::new(Inner {
                // Names are resolved once per host, not per call: src/resolve.rs.
                agent: crate::resolve::agent(agent_config.build(), options.dns),
                base_url: url.normalized,
                credential,
                proxy,
                settings: s,
                on_response: options.on_response,
                trace: crate::trace::Trace::resolve(&options.trace),
                user_agent,
            }),
        })
    }

    /// The base URL endpoint paths are appended to, without a trailing `/`.
    pub(crate) fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// `text` with the credential replaced by `[redacted]`: for server-sourced strings
    /// that reach an error's `Display` from a successfully decoded body.
    pub(crate) fn redact(&self, text: &str) -> String {
        self.inner.credential.redact(text)
    }
}

/// One App, by client id, from [`HopaeClient::app`](crate::HopaeClient::app): its own
/// endpoints and the handles of what lives under it. Making it sends nothing.
///
/// # Example
///
/// ```no_run
/// let client = hopae::HopaeClient::from_env()?;
/// let app = client.app("FK5b0KSM"); // sends nothing
/// let uris = app.redirect_uris()?;
/// let hooks = app.webhook_config()?;
/// println!("{uris:?} {:?}", hooks.url);
/// # Ok::<(), hopae::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AppHandle<'a> {
    pub(crate) transport: &'a Transport,
    /// `/apps/{client_id}`, encoded once; or why the id cannot be a path segment.
    base: Result<String, String>,
}

impl<'a> AppHandle<'a> {
    /// This App's POST calls with the caller's idempotency key: see [`Idempotent`].
    pub fn with_idempotency_key(&self, key: &str) -> Idempotent<AppHandle<'a>> {
        Idempotent::new(self.clone(), key)
    }

    pub(crate) fn new(transport: &'a Transport, client_id: &str) -> AppHandle<'a> {
        let base = match segment("client_id", client_id) {
            Ok(id) => Ok(format!("/apps/{id}")),
            Err(Error::InvalidInput(m)) => Err(m.message().to_owned()),
            Err(other) => Err(other.to_string()),
        };
        AppHandle { transport, base }
    }

    /// `/apps/{client_id}` followed by `suffix`.
    pub(crate) fn path(&self, suffix: &str) -> Result<String, Error> {
        match &self.base {
            Ok(base) => Ok(format!("{base}{suffix}")),
            Err(m) => Err(Error::input(InputErrorKind::PathParameter, m.clone())),
        }
    }
}

/// A handle whose POST calls send the caller's `Idempotency-Key`, from
/// `with_idempotency_key` on the handle or collection that makes the call
/// ([`Apps`](crate::apps::Apps), [`AppHandle`], production tests, workflows, providers).
///
/// One key is for one operation: the POST methods take `self`, and the value offers no
/// GET, sub-handle or wait. Sending the same key with the same body again replays the
/// first answer (Hopae remembers a key for 24 hours per workspace), so a script that
/// failed halfway can run again without creating anything twice; the same key with
/// another body fails with 409 `IDEMPOTENCY_KEY_CONFLICT`. A key must be 1 to 255
/// visible ASCII characters ([`validate_idempotency_key`](crate::validate_idempotency_key)):
/// an invalid one fails the call with [`Error::InvalidInput`] before anything is sent.
///
/// Without a key, every POST carries a generated one that its retries reuse;
/// [`Error::idempotency_key`] tells it after a failure.
///
/// # Example
///
/// ```no_run
/// use hopae::apps::NewApp;
///
/// let client = hopae::HopaeClient::from_env()?;
/// // Running this twice creates one App: the second call replays the first answer.
/// let app = client
///     .apps()
///     .with_idempotency_key("provision-shop-1")
///     .create(&NewApp::new("Shop"))?;
/// println!("{}", app.client_id);
/// # Ok::<(), hopae::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Idempotent<H> {
    pub(crate) handle: H,
    /// The key, or why it is refused.
    key: Result<String, String>,
}

impl<H> Idempotent<H> {
    pub(crate) fn new(handle: H, key: &str) -> Idempotent<H> {
        let key = match validate_idempotency_key(key) {
            Ok(()) => Ok(key.to_owned()),
            Err(Error::InvalidInput(e)) => Err(e.message().to_owned()),
            Err(other) => Err(other.to_string()),
        };
        Idempotent { handle, key }
    }

    /// The checked key.
    pub(crate) fn key(&self) -> Result<&str, Error> {
        match &self.key {
            Ok(key) => Ok(key),
            Err(m) => Err(Error::input(InputErrorKind::IdempotencyKey, m.clone())),
        }
    }
}

/// A decoded 2xx answer and what came with it.
struct Answer<T> {
    value: T,
    status: u16,
    /// The `X-Request-Id` header, redacted.
    request_id: Option<String>,
    attempts: u32,
    /// The raw body (for the excerpt of an answer that reports failure).
    body: Vec<u8>,
}

enum Failure {
    Final(Error),
    Retryable(Error, Option<Duration>),
}

impl Transport {
    /// Sends `call` and decodes a JSON object body as `T`.
    pub(crate) fn send<T: FromJson>(&self, call: Call) -> Result<T, Error> {
        self.execute(call, decode::object)
    }

    /// Sends `call` and decodes a JSON object body with `T`'s derived, streaming decoder.
    pub(crate) fn send_streamed<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        self.execute(call, decode::streamed)
    }

    /// Sends `call` and decodes a JSON array body as `Vec<T>`.
    pub(crate) fn send_list<T: FromJson>(&self, call: Call) -> Result<Vec<T>, Error> {
        self.execute(call, decode::array)
    }

    /// Sends `call`, whose 2xx answer is a JSON object with the boolean `field`
    /// (`{"deleted": true}`, `{"success": true}`). A 2xx answer whose `field` is `false`
    /// did not do what was asked: it is an [`Error::Api`] with that 2xx status, no code,
    /// the request id, and an excerpt of the body, never `Ok`.
    pub(crate) fn send_confirmed(&self, call: Call, field: &'static str) -> Result<(), Error> {
        let answer = self.execute_answer(call, |body| decode::confirmation(body, field))?;
        if answer.value {
            return Ok(());
        }
        Err(self.refusal(answer, field))
    }

    /// Sends `call`, whose 2xx body is undocumented (deleting an App): `Ok` whatever it
    /// holds, unless it is a JSON object whose `deleted` or `success` is `false`, which is
    /// an [`Error::Api`] like [`Transport::send_confirmed`]'s.
    pub(crate) fn send_unless_refused(&self, call: Call) -> Result<(), Error> {
        let answer = self.execute_answer(call, |body| Ok(decode::refusal(body)))?;
        match answer.value {
            None => Ok(()),
            Some(field) => Err(self.refusal(answer, field)),
        }
    }

    /// Sends `call` and returns the 2xx answer undecoded: status, request id (redacted)
    /// and body as received.
    pub(crate) fn send_raw(&self, call: Call) -> Result<(u16, Option<String>, Vec<u8>), Error> {
        let answer = self.execute_answer(call, |_| Ok(()))?;
        Ok((answer.status, answer.request_id, answer.body))
    }

    /// The error of a 2xx answer that reports failure in `field`.
    fn refusal<T>(&self, answer: Answer<T>, field: &str) -> Error {
        Error::Api(Box::new(ApiError {
            status: answer.status,
            code: None,
            message: None,
            details: None,
            request_id: answer.request_id,
            excerpt: mapping::excerpt(&answer.body, &self.inner.credential)
                .or_else(|| Some(format!("{{\"{field}\":false}}"))),
            retry_after: None,
            attempts: answer.attempts,
        }))
    }

    /// The one funnel every call goes through: attempts, retries, status handling,
    /// decoding.
    pub(crate) fn execute<T>(
        &self,
        call: Call,
        decode: impl Fn(&[u8]) -> DecodeResult<T>,
    ) -> Result<T, Error> {
        self.execute_answer(call, decode).map(|a| a.value)
    }

    /// [`Transport::execute`], returning what the 2xx answer was besides its value.
    ///
    /// Only the decoding is generic: everything else is [`Transport::fetch`], compiled
    /// once rather than once per model.
    fn execute_answer<T>(
        &self,
        mut call: Call,
        decode: impl Fn(&[u8]) -> DecodeResult<T>,
    ) -> Result<Answer<T>, Error> {
        let got = self.fetch(&mut call)?;
        match decode(&got.body) {
            Ok(value) => Ok(Answer {
                value,
                status: got.status,
                request_id: got.request_id,
                attempts: got.attempts,
                body: got.body,
            }),
            Err((index, message)) => Err(self.decode_error(&call, got, index, message)),
        }
    }

    /// The error of a 2xx body that did not decode.
    #[cold]
    fn decode_error(
        &self,
        call: &Call,
        got: Answer<()>,
        index: Option<usize>,
        message: String,
    ) -> Error {
        Error::Decode(Box::new(DecodeError {
            operation: call.operation,
            status: got.status,
            index,
            // Every decode error passes the secret scrubber (the body of a create or
            // rotate call holds one) and then the credential's.
            message: self
                .inner
                .credential
                .redact(&mapping::scrub_secrets(&got.body, message)),
            request_id: got.request_id,
            attempts: got.attempts,
        }))
    }

    /// Sends `call` with retries and returns its 2xx answer, body undecoded: attempts,
    /// retries, status handling.
    fn fetch(&self, call: &mut Call) -> Result<Answer<()>, Error> {
        refuse_raw_dumps()?;
        if call.method == Method::Post && call.idempotency_key.is_none() {
            call.idempotency_key = Some(retry::idempotency_key());
        }
        let inner = &*self.inner;
        let s = &inner.settings;
        let (mut url, shown_from) = match &call.url {
            Some(absolute) => (absolute.clone(), 0),
            None => (
                format!("{}{}", inner.base_url, call.path),
                inner.base_url.len(),
            ),
        };
        let target_url_len = url.len();
        for (i, (name, value)) in call.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(name);
            url.push('=');
            encode_into(&mut url, value);
        }
        let target = Target {
            method: call.method.as_str(),
            url: &url[..target_url_len],
            proxy: inner.proxy.as_deref(),
        };
        // Headers are collected only for a trace or a hook: the common path copies none.
        let observe = inner.on_response.is_some() || inner.trace.is_some();
        let request_headers = if observe {
            self.request_headers(call)
        } else {
            Vec::new()
        };
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let can_retry = attempt <= s.max_retries;
            let timeout = match call.deadline {
                Some(deadline) => s
                    .timeout
                    .min(deadline.saturating_duration_since(Instant::now())),
                None => s.timeout,
            };
            if let Some(trace) = &inner.trace {
                let body = call.body.as_ref().map(|(t, b)| (t.as_ref(), b.len()));
                let method = call.method.as_str();
                trace.request(
                    method,
                    &url,
                    attempt,
                    &request_headers,
                    body,
                    &inner.credential,
                );
            }
            let sent = Instant::now();
            let wait = match self.attempt(call, &url, timeout, observe) {
                Ok(received) => {
                    if observe {
                        let event = ResponseEvent {
                            operation: call.operation,
                            method: call.method.as_str(),
                            path: &url[shown_from..],
                            status: received.status,
                            request_id: received.request_id.as_deref(),
                            attempt,
                            elapsed: sent.elapsed(),
                            body: received.body.as_deref().unwrap_or_default(),
                            request_headers: &request_headers,
                            response_headers: &received.headers,
                        };
                        if let Some(trace) = &inner.trace {
                            trace.response(&event, &inner.credential);
                        }
                        if let Some(hook) = &inner.on_response {
                            hook(&event);
                        }
                    }
                    match self.handle(call, &target, received, attempt, timeout) {
                        Ok(value) => return Ok(value),
                        Err(Failure::Final(e)) => return Err(e),
                        Err(Failure::Retryable(e, retry_after)) => {
                            let wait = match retry_after {
                                Some(w) if w > s.max_retry_wait => return Err(e),
                                Some(w) => w,
                                None => retry::backoff(attempt, s.initial_backoff, s.max_backoff),
                            };
                            if !(can_retry && call.retry_answered) || past(call.deadline, wait) {
                                return Err(e);
                            }
                            wait
                        }
                    }
                }
                Err(e) => {
                    if let Some(trace) = &inner.trace {
                        trace.failure(&e, sent.elapsed(), &inner.credential);
                    }
                    let class = mapping::classify(&e, target.https());
                    // A POST is not idempotent without the server's help: once the
                    // request may have been written, the outcome is unknown, and
                    // the caller decides (retrying with the same idempotency key).
                    let retryable = class.retryable
                        && ((call.method != Method::Post && call.retry_answered) || class.unsent);
                    let wait = retry::backoff(attempt, s.initial_backoff, s.max_backoff);
                    if !(retryable && can_retry) || past(call.deadline, wait) {
                        let mut t = mapping::transport_error(
                            &target,
                            e,
                            class.kind,
                            timeout,
                            s,
                            attempt,
                            &inner.credential,
                        );
                        t.idempotency_key.clone_from(&call.idempotency_key);
                        return Err(Error::Transport(Box::new(t)));
                    }
                    wait
                }
            };
            std::thread::sleep(wait);
        }
    }

    /// The headers the client sets on `call`'s requests, as the trace and
    /// [`ResponseEvent::request_headers`] show them (credentials replaced).
    fn request_headers(&self, call: &Call) -> Vec<(String, String)> {
        use crate::trace::shown_header;
        let inner = &*self.inner;
        let credential = &inner.credential;
        let mut headers = Vec::with_capacity(5);
        let authorization = match &call.auth {
            Auth::Client => Some(credential.authorization().to_owned()),
            Auth::Bearer(token) => Some(format!("Bearer {}", token.expose())),
            Auth::None => None,
        };
        if let Some(value) = authorization {
            headers.push(shown_header("authorization", value.as_bytes(), credential));
        }
        if let Some((content_type, _)) = &call.body {
            headers.push(shown_header(
                "content-type",
                content_type.as_bytes(),
                credential,
            ));
        }
        if let Some(key) = &call.idempotency_key {
            headers.push(shown_header("idempotency-key", key.as_bytes(), credential));
        }
        headers.push(shown_header(
            "user-agent",
            inner.user_agent.as_bytes(),
            credential,
        ));
        headers.push(shown_header("accept", b"application/json", credential));
        headers
    }

    /// Sends one attempt and reads the body up to the cap; with `observe`, keeps every
    /// response header (credentials replaced).
    fn attempt(
        &self,
        call: &Call,
        url: &str,
        timeout: Duration,
        observe: bool,
    ) -> Result<Received, ureq::Error> {
        let inner = &*self.inner;
        let mut request = ureq::http::Request::builder()
            .method(call.method.as_str())
            .uri(url);
        request = match &call.auth {
            Auth::Client => request.header("Authorization", inner.credential.authorization()),
            Auth::Bearer(token) => {
                request.header("Authorization", format!("Bearer {}", token.expose()))
            }
            Auth::None => request,
        };
        if let Some((content_type, _)) = &call.body {
            request = request.header("Content-Type", content_type.as_ref());
        }
        if let Some(key) = &call.idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        // The agent carries the configured deadlines; a call with its own deadline
        // shortens them for this attempt.
        let shorter = (timeout < inner.settings.timeout)
            .then(|| (timeout, inner.settings.connect_timeout.min(timeout)));
        let mut response = match (&call.body, call.method) {
            (Some((_, bytes)), _) => self.run(request.body(bytes.as_slice())?, shorter)?,
            // POST, PUT and PATCH without a body still say `Content-Length: 0`.
            (None, Method::Post | Method::Put | Method::Patch) => {
                self.run(request.body(&[][..])?, shorter)?
            }
            (None, Method::Get | Method::Delete) => self.run(request.body(())?, shorter)?,
        };
        let credential = &inner.credential;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| credential.redact(v))
        };
        let retry_after = header("retry-after");
        let request_id = header("x-request-id");
        let headers = if observe {
            response
                .headers()
                .iter()
                .map(|(name, value)| {
                    crate::trace::shown_header(name.as_str(), value.as_bytes(), credential)
                })
                .collect()
        } else {
            Vec::new()
        };
        let status = response.status().as_u16();
        // Reserve what Content-Length announces, so a typical body is read without
        // regrowing the buffer (ureq's `read_to_vec` starts empty and doubles, leaving up
        // to 2x the body allocated while it is decoded). The peer chooses that number:
        // never reserve more than the cap or PRESIZE_MAX up front, and never fail on it
        // (`try_reserve_exact`); a larger body grows the buffer as it actually arrives.
        let limit = inner.settings.max_response_size;
        let announced = response
            .body()
            .content_length()
            .unwrap_or(0)
            .min(limit)
            .min(PRESIZE_MAX);
        let mut buf = Vec::new();
        let _ = buf.try_reserve_exact(usize::try_from(announced).unwrap_or(0));
        let body = std::io::Read::read_to_end(
            &mut response.body_mut().with_config().limit(limit).reader(),
            &mut buf,
        )
        .map(|_| buf)
        .map_err(ureq::Error::from);
        Ok(Received {
            status,
            body,
            retry_after,
            request_id,
            headers,
        })
    }

    /// Runs one request on the agent, with shorter deadlines when given.
    fn run<B: ureq::AsSendBody>(
        &self,
        request: ureq::http::Request<B>,
        shorter: Option<(Duration, Duration)>,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let agent = &self.inner.agent;
        match shorter {
            Some((timeout, connect)) => agent.run(
                agent
                    .configure_request(request)
                    .timeout_global(Some(timeout))
                    .timeout_connect(Some(connect))
                    .build(),
            ),
            None => agent.run(request),
        }
    }

    /// Turns a received response into its 2xx answer or a classified failure.
    fn handle(
        &self,
        call: &Call,
        target: &Target<'_>,
        r: Received,
        attempts: u32,
        timeout: Duration,
    ) -> Result<Answer<()>, Failure> {
        let inner = &*self.inner;
        let limit = inner.settings.max_response_size;
        if (200..300).contains(&r.status) {
            return match r.body {
                Ok(body) => Ok(Answer {
                    value: (),
                    status: r.status,
                    request_id: r.request_id,
                    attempts,
                    body,
                }),
                Err(ureq::Error::BodyExceedsLimit(_)) => {
                    Err(Failure::Final(Error::ResponseTooLarge {
                        status: r.status,
                        limit,
                        attempts,
                    }))
                }
                Err(e) => {
                    let kind = mapping::classify(&e, target.https()).kind;
                    let mut t = mapping::transport_error(
                        target,
                        e,
                        kind,
                        timeout,
                        &inner.settings,
                        attempts,
                        &inner.credential,
                    );
                    t.idempotency_key.clone_from(&call.idempotency_key);
                    Err(Failure::Final(Error::Transport(Box::new(t))))
                }
            };
        }
        let api = mapping::api_error(r, attempts, &inner.credential);
        let retry_after = api.retry_after;
        let retryable = retry::is_retryable_status(api.status, api.code());
        let err = Error::Api(Box::new(api));
        Err(if retryable {
            Failure::Retryable(err, retry_after)
        } else {
            Failure::Final(err)
        })
    }
}

/// The `log` target under which the HTTP layer (`ureq-proto`) hex-dumps every raw request
/// and response at TRACE level: the `Authorization` header, and so the API key, included.
pub(crate) const RAW_DUMP_TARGET: &str = "ureq_proto::util";

/// Refuses to send anything while the installed logger would record the HTTP layer's raw
/// dumps: the key would be in the log. The check is one atomic load when TRACE is off.
fn refuse_raw_dumps() -> Result<(), Error> {
    if log::log_enabled!(target: RAW_DUMP_TARGET, log::Level::Trace) {
        return Err(Error::config(
            ConfigErrorKind::KeyWouldBeLogged,
            "refusing to send the API key: the logger records TRACE output of `ureq_proto`, \
             which dumps raw requests (headers included); filter it out, e.g. \
             RUST_LOG=trace,ureq_proto=debug",
        ));
    }
    Ok(())
}

/// Whether waiting `wait` now would end after the call's deadline. A wait too long to
/// add to `Instant` certainly does.
fn past(deadline: Option<Instant>, wait: Duration) -> bool {
    deadline.is_some_and(|d| Instant::now().checked_add(wait).is_none_or(|end| end >= d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_and_cannot_escape() {
        assert_eq!(segment("id", "FK5b0KSM").unwrap(), "FK5b0KSM");
        assert_eq!(
            segment("id", "a/b?c#d%e f").unwrap(),
            "a%2Fb%3Fc%23d%25e%20f"
        );
        assert_eq!(segment("id", "ch_1-2.3~").unwrap(), "ch_1-2.3~");
        assert_eq!(segment("id", "é").unwrap(), "%C3%A9");
        assert_eq!(segment("id", "...").unwrap(), "...");
        for bad in ["", ".", ".."] {
            let e = segment("client_id", bad).unwrap_err();
            assert!(
                e.to_string().starts_with("invalid input: `client_id`"),
                "{e}"
            );
        }
    }

    #[test]
    fn over_long_segments_are_refused_with_a_short_message() {
        assert!(segment("client_id", &"a".repeat(1024)).is_ok());
        let e = segment("client_id", &"a".repeat(30_000)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid input: `client_id` has 30000 bytes, at most 1024 are allowed"
        );
    }

    #[test]
    fn idempotency_key_rules() {
        assert!(validate_idempotency_key("k").is_ok());
        assert!(validate_idempotency_key(&"k".repeat(255)).is_ok());
        assert!(validate_idempotency_key(&"k".repeat(256)).is_err());
        assert!(validate_idempotency_key("").is_err());
        assert!(validate_idempotency_key("a b").is_err());
        assert!(validate_idempotency_key("a\nb").is_err());
    }

    #[test]
    fn a_wait_past_any_instant_is_past_the_deadline() {
        let soon = Some(Instant::now() + Duration::from_secs(60));
        assert!(past(soon, Duration::MAX));
        assert!(!past(soon, Duration::from_millis(1)));
        assert!(!past(None, Duration::MAX));
    }
}
