//! `HopaeClient`, its builder, the private request funnel and one short method per
//! endpoint.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use time::OffsetDateTime;

use crate::error::{ApiError, DecodeError, Error, TransportError, TransportErrorKind};
use crate::models::{
    self, ChallengeRequest, NewProductionTest, ProductionTestItem, ProductionTestReport,
};
use crate::retry;

const USER_AGENT: &str = concat!("hopae/", env!("CARGO_PKG_VERSION"), " (rust; ureq)");
const TEST_KEY_PREFIX: &str = "sk_workspace_test_";
const PROD_KEY_PREFIX: &str = "sk_workspace_prod_";
const SANDBOX_HOST: &str = "sandbox.api.hopae.com";
const PRODUCTION_HOST: &str = "api.hopae.com";
/// The longest timeout or backoff the builder accepts: every wait stays finite, and
/// deadline arithmetic cannot overflow.
const MAX_SETTING: Duration = Duration::from_secs(24 * 60 * 60);
/// The most a response's `Content-Length` can make the client reserve before any byte of
/// the body has arrived.
const PRESIZE_MAX: u64 = 64 * 1024 * 1024;
/// The most retries the builder accepts: with the capped backoff, a call stays bounded.
const MAX_RETRIES: u32 = 10;

/// A Hopae environment, each with its own host and its own kind of Workspace API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// `https://sandbox.api.hopae.com/connect/v1`, for `sk_workspace_test_` keys.
    Sandbox,
    /// `https://api.hopae.com/connect/v1`, for `sk_workspace_prod_` keys.
    Production,
}

impl Environment {
    /// The REST base URL of this environment; endpoint paths are appended to it.
    pub fn base_url(self) -> &'static str {
        match self {
            Environment::Sandbox => "https://sandbox.api.hopae.com/connect/v1",
            Environment::Production => "https://api.hopae.com/connect/v1",
        }
    }

    /// The environment a key belongs to, read from its prefix (`sk_workspace_test_` or
    /// `sk_workspace_prod_`); `None` for any other key.
    pub fn from_api_key(api_key: &str) -> Option<Environment> {
        if api_key.starts_with(TEST_KEY_PREFIX) {
            Some(Environment::Sandbox)
        } else if api_key.starts_with(PROD_KEY_PREFIX) {
            Some(Environment::Production)
        } else {
            None
        }
    }
}

/// A blocking client for the Hopae Connect Workspace API.
///
/// Cloning is cheap: clones share one configuration and one connection pool, so build
/// one client and pass clones to threads. Every call blocks the calling thread until the
/// response is read or the call fails; never call it from inside an async runtime's
/// worker thread (use `spawn_blocking` there).
///
/// # Example
///
/// ```no_run
/// let client = hopae::HopaeClient::new("sk_workspace_test_...")?;
/// for item in client.list_production_tests("FK5b0KSM")? {
///     match item {
///         hopae::ProductionTestItem::Challenge(c) => println!("{} active={}", c.id, c.is_active),
///         hopae::ProductionTestItem::Request(r) => println!("{} {}", r.id, r.status),
///     }
/// }
/// # Ok::<(), hopae::Error>(())
/// ```
#[derive(Clone)]
pub struct HopaeClient {
    inner: Arc<Inner>,
}

struct Inner {
    agent: ureq::Agent,
    base_url: String,
    authorization: String,
    settings: Settings,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Settings {
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_wait: Duration,
    max_response_size: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_wait: Duration::from_secs(30),
            max_response_size: 10 * 1024 * 1024,
        }
    }
}

impl fmt::Debug for HopaeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HopaeClient")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &"[redacted]")
            .field("settings", &self.inner.settings)
            .finish()
    }
}

/// Configures and builds a [`HopaeClient`].
///
/// Every setting has a finite default: 30 s per attempt, 10 s to connect, 2 retries with
/// backoff from 0.5 s up to 8 s, server-requested waits up to 30 s, bodies up to 10 MiB.
///
/// # Example
///
/// ```no_run
/// use std::time::Duration;
///
/// let client = hopae::HopaeClient::builder("sk_workspace_test_...")
///     .timeout(Duration::from_secs(10))
///     .max_retries(4)
///     .build()?;
/// # Ok::<(), hopae::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    api_key: String,
    base_url: Option<String>,
    settings: Settings,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_key", &"[redacted]")
            .field("settings", &self.settings)
            .finish()
    }
}

impl ClientBuilder {
    /// Sets the REST base URL (e.g. `https://sandbox.api.hopae.com/connect/v1`);
    /// endpoint paths are appended to it. A trailing `/` is ignored.
    ///
    /// It must be `https`, except for loopback hosts (`localhost`, `127.0.0.0/8`,
    /// `[::1]`), which may use `http` for tests and local tools; it may not carry
    /// credentials, a query or a fragment. [`ClientBuilder::build`] enforces this.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Uses the base URL of an environment, for keys whose prefix names none.
    pub fn environment(self, environment: Environment) -> Self {
        self.base_url(environment.base_url())
    }

    /// The deadline for one attempt, from connecting to the last byte of the body
    /// (default 30 s). A server that trickles bytes cannot hold a call past it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// The deadline for opening the connection, TLS handshake included (default 10 s;
    /// never longer than [`ClientBuilder::timeout`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// How many times a failed call is retried (default 2, so at most 3 attempts; at
    /// most 10, or [`ClientBuilder::build`] fails).
    ///
    /// Retried: connection failures before any response byte (refused, reset, closed,
    /// connect timeout), 429, 500, 502, 503, 504 and 409 `IDEMPOTENCY_REQUEST_IN_PROGRESS`.
    /// Never retried: other statuses, a timeout after the request was sent (the deadline
    /// is the caller's; the server may still be working), decode errors, oversized bodies.
    /// `0` disables retries.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.settings.max_retries = max_retries;
        self
    }

    /// The exponential backoff between retries: the n-th retry waits between half and
    /// all of `initial * 2^(n-1)`, capped at `max` (defaults 500 ms and 8 s). A
    /// `Retry-After` header replaces the backoff.
    pub fn retry_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.settings.initial_backoff = initial;
        self.settings.max_backoff = max;
        self
    }

    /// The longest `Retry-After` wait the client sleeps (default 30 s). When the server
    /// asks for longer, the call fails at once and [`Error::retry_after`] tells the
    /// caller how long the server asked to wait.
    pub fn max_retry_wait(mut self, max: Duration) -> Self {
        self.settings.max_retry_wait = max;
        self
    }

    /// The largest response body read, in bytes (default 10 MiB). A larger body fails
    /// the call with [`Error::ResponseTooLarge`] without buffering the rest.
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.settings.max_response_size = bytes;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when:
    /// - the API key is empty or contains whitespace or control characters;
    /// - no base URL was set and the key has no known prefix;
    /// - the base URL is not a valid `https` URL (or `http` on a loopback host), or
    ///   carries credentials, a query or a fragment;
    /// - a sandbox key is used with the production host, or a production key with the
    ///   sandbox host;
    /// - the timeout is zero, a timeout or backoff is over 24 hours, or `max_retries` is
    ///   over 10.
    pub fn build(self) -> Result<HopaeClient, Error> {
        validate_api_key(&self.api_key)?;
        let key_env = Environment::from_api_key(&self.api_key);
        let raw_url = match (&self.base_url, key_env) {
            (Some(url), _) => url.as_str(),
            (None, Some(env)) => env.base_url(),
            (None, None) => {
                return Err(Error::Config(format!(
                    "the API key has no known environment prefix ({TEST_KEY_PREFIX} or \
                     {PROD_KEY_PREFIX}): set a base URL or an environment"
                )));
            }
        };
        let url =
            parse_base_url(raw_url).map_err(|msg| Error::Config(redact(&msg, &self.api_key)))?;
        match (key_env, url.host.as_str()) {
            (Some(Environment::Sandbox), PRODUCTION_HOST) => {
                return Err(Error::Config(
                    "a sandbox key (sk_workspace_test_) only works on the sandbox host, not on api.hopae.com".into(),
                ));
            }
            (Some(Environment::Production), SANDBOX_HOST) => {
                return Err(Error::Config(
                    "a production key (sk_workspace_prod_) only works on api.hopae.com, not on the sandbox host".into(),
                ));
            }
            _ => {}
        }
        let s = self.settings;
        if s.timeout.is_zero() {
            return Err(Error::Config(
                "the timeout must be greater than zero".into(),
            ));
        }
        if s.max_retries > MAX_RETRIES {
            return Err(Error::Config(format!(
                "max_retries must be at most {MAX_RETRIES}, got {}",
                s.max_retries
            )));
        }
        for (name, value) in [
            ("timeout", s.timeout),
            ("connect timeout", s.connect_timeout),
            ("retry backoff", s.initial_backoff),
            ("maximum retry backoff", s.max_backoff),
        ] {
            if value > MAX_SETTING {
                return Err(Error::Config(format!(
                    "the {name} must be at most 24h, got {}s: every wait in this client is finite",
                    value.as_secs()
                )));
            }
        }
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .https_only(url.https)
            .timeout_global(Some(s.timeout))
            .timeout_connect(Some(s.connect_timeout.min(s.timeout)))
            .user_agent(USER_AGENT)
            .accept("application/json");
        if url.loopback {
            // Never route a loopback call (plain http) through a proxy from the environment.
            config = config.proxy(None);
        }
        Ok(HopaeClient {
            inner: Arc::new(Inner {
                agent: ureq::Agent::new_with_config(config.build()),
                base_url: url.normalized,
                authorization: format!("Bearer {}", self.api_key),
                settings: s,
            }),
        })
    }
}

fn validate_api_key(key: &str) -> Result<(), Error> {
    if key.is_empty() {
        return Err(Error::Config("the API key is empty".into()));
    }
    if let Some(i) = key.bytes().position(|b| !b.is_ascii_graphic()) {
        return Err(Error::Config(format!(
            "the API key contains whitespace, a control or a non-ASCII character at byte {i}"
        )));
    }
    Ok(())
}

#[derive(Debug, PartialEq)]
struct BaseUrl {
    normalized: String,
    host: String,
    https: bool,
    loopback: bool,
}

/// Checks a base URL without a URL crate: scheme, authority and path only.
fn parse_base_url(raw: &str) -> Result<BaseUrl, String> {
    let shown = shown_url(raw);
    let bad = |why: &str| Err(format!("base URL {shown:?} {why}"));
    if raw.bytes().any(|b| !b.is_ascii_graphic()) {
        return bad("contains whitespace, control or non-ASCII characters");
    }
    if raw.contains(['?', '#']) {
        return bad("must not have a query or a fragment");
    }
    let Some((scheme, rest)) = raw.split_once("://") else {
        return bad("is not an absolute http(s) URL");
    };
    let https = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => return bad("must use https"),
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.contains('@') {
        return bad("must not contain credentials");
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let Some((host, after)) = v6.split_once(']') else {
            return bad("has an unterminated IPv6 host");
        };
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return bad("has an invalid IPv6 host");
        }
        if !after.is_empty() && !after.starts_with(':') {
            return bad("has no valid host");
        }
        (host, after.strip_prefix(':'))
    } else {
        let (h, p) = match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        if h.is_empty() || h.contains([':', '[', ']']) {
            return bad("has no valid host");
        }
        (h, p)
    };
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.parse::<u16>().is_err())
    {
        return bad("has an invalid port");
    }
    // A fully qualified name may end in a dot: `api.hopae.com.` is `api.hopae.com`.
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host).to_owned();
    let loopback = is_loopback(&host);
    if !https && !loopback {
        return bad(
            "must use https (plain http is allowed only for localhost and loopback addresses)",
        );
    }
    if path.split('/').any(|s| s == "." || s == "..") {
        return bad("must not contain `.` or `..` segments");
    }
    let trimmed = raw.trim_end_matches('/');
    Ok(BaseUrl {
        normalized: trimmed.to_owned(),
        host,
        https,
        loopback,
    })
}

/// A base URL as an error may show it: without credentials, query or fragment (where a
/// key or token may sit), and at most 100 characters.
fn shown_url(raw: &str) -> String {
    let cut = raw.find(['?', '#']).unwrap_or(raw.len());
    let url = &raw[..cut];
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let authority_end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    let mut shown = match url[after_scheme..authority_end].rfind('@') {
        Some(at) => format!(
            "{}[redacted]@{}",
            &url[..after_scheme],
            &url[after_scheme + at + 1..]
        ),
        None => url.to_owned(),
    };
    if cut < raw.len() {
        shown.push_str("[…]");
    }
    match shown.char_indices().nth(100) {
        Some((i, _)) => format!("{}…", &shown[..i]),
        None => shown,
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
        || host
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Percent-encodes a path parameter as exactly one segment. Only RFC 3986 unreserved
/// characters pass unencoded, so `/`, `?`, `#` and `%` can never change the path; `.`
/// and `..` (which servers resolve even when encoded) and the empty string are refused.
fn segment(name: &str, value: &str) -> Result<String, Error> {
    if value.is_empty() {
        return Err(Error::InvalidInput(format!("`{name}` must not be empty")));
    }
    if value == "." || value == ".." {
        return Err(Error::InvalidInput(format!(
            "`{name}` must not be `.` or `..`"
        )));
    }
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(out)
}

fn validate_idempotency_key(key: &str) -> Result<(), Error> {
    // Characters first: for an ASCII key, bytes and characters agree in the length check.
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::InvalidInput(
            "an idempotency key may only contain visible ASCII characters".into(),
        ));
    }
    if key.is_empty() || key.len() > 255 {
        return Err(Error::InvalidInput(format!(
            "an idempotency key must have 1 to 255 characters, this one has {}",
            key.len()
        )));
    }
    Ok(())
}

/// One logical call: everything that must stay identical across retries.
struct Call<'a> {
    operation: &'static str,
    path: String,
    /// For POST: the body and its idempotency key.
    post: Option<(&'a [u8], &'a str)>,
    /// A deadline for the whole call, retries included (used by the wait): attempts are
    /// cut short to end by it, and no retry starts after it.
    deadline: Option<Instant>,
}

/// A response read to the end (or to the size cap).
struct Received {
    status: u16,
    body: Result<Vec<u8>, ureq::Error>,
    retry_after: Option<String>,
    request_id: Option<String>,
}

type DecodeResult<T> = Result<T, (Option<usize>, serde_json::Error)>;

/// Decodes a response body that must be one JSON object.
fn decode_object<T: serde::de::DeserializeOwned>(body: &[u8]) -> DecodeResult<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    models::Obj::into_inner(&mut de)
        .and_then(|value| de.end().map(|()| value))
        .map_err(|e| (None, e))
}

impl HopaeClient {
    /// A client for the environment the key belongs to, with default settings.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the key is empty, malformed, or has neither the
    /// `sk_workspace_test_` nor the `sk_workspace_prod_` prefix (use
    /// [`HopaeClient::builder`] with a base URL for other keys).
    ///
    /// # Example
    ///
    /// ```
    /// let client = hopae::HopaeClient::new("sk_workspace_test_abc123")?;
    /// assert_eq!(client.base_url(), "https://sandbox.api.hopae.com/connect/v1");
    /// assert!(!format!("{client:?}").contains("abc123"));
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn new(api_key: impl Into<String>) -> Result<HopaeClient, Error> {
        HopaeClient::builder(api_key).build()
    }

    /// A client configured from the environment: the key from `HOPAE_API_KEY`, the base
    /// URL from `HOPAE_BASE_URL` when it is set and not empty, else from the key's prefix.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `HOPAE_API_KEY` is unset, empty or not valid Unicode, and
    /// for every reason [`ClientBuilder::build`] gives.
    pub fn from_env() -> Result<HopaeClient, Error> {
        use std::env::{VarError, var};
        let key = match var("HOPAE_API_KEY") {
            Ok(key) if !key.is_empty() => key,
            Ok(_) | Err(VarError::NotPresent) => {
                return Err(Error::Config("HOPAE_API_KEY is not set".into()));
            }
            Err(VarError::NotUnicode(_)) => {
                return Err(Error::Config("HOPAE_API_KEY is not valid Unicode".into()));
            }
        };
        let mut builder = HopaeClient::builder(key);
        match var("HOPAE_BASE_URL") {
            Ok(url) if !url.is_empty() => builder = builder.base_url(url),
            Ok(_) | Err(VarError::NotPresent) => {}
            Err(VarError::NotUnicode(_)) => {
                return Err(Error::Config("HOPAE_BASE_URL is not valid Unicode".into()));
            }
        }
        builder.build()
    }

    /// A builder for a client with non-default settings.
    pub fn builder(api_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            api_key: api_key.into(),
            base_url: None,
            settings: Settings::default(),
        }
    }

    /// The API key, for redacting it from anything the server sends back.
    fn api_key(&self) -> &str {
        let auth = &self.inner.authorization;
        auth.strip_prefix("Bearer ").unwrap_or(auth)
    }

    /// The base URL endpoint paths are appended to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Lists an App's production tests: scheduled challenges and pending requests, in
    /// the order the API returned them.
    ///
    /// A request item has no report yet; once Hopae schedules it, the list shows a
    /// [`ProductionTestItem::Challenge`] whose `id` is what
    /// [`HopaeClient::production_test_report`] takes.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when `client_id` is empty, `.` or `..`;
    /// - [`Error::Api`] for a non-2xx status (401 invalid key, 404 unknown App);
    /// - [`Error::Transport`] when no complete response arrived (after retries);
    /// - [`Error::Decode`] when an item is malformed or inconsistent
    ///   ([`DecodeError::index`](crate::DecodeError::index) names it);
    /// - [`Error::ResponseTooLarge`] when the body exceeds the size cap.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let items = client.list_production_tests("FK5b0KSM")?;
    /// let active = items.iter().filter_map(|i| i.as_challenge()).filter(|c| c.is_active).count();
    /// println!("{active} active production tests");
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn list_production_tests(&self, client_id: &str) -> Result<Vec<ProductionTestItem>, Error> {
        self.list(client_id, None)
    }

    /// [`HopaeClient::list_production_tests`] ending by `deadline`, retries included.
    pub(crate) fn list_production_tests_until(
        &self,
        client_id: &str,
        deadline: Instant,
    ) -> Result<Vec<ProductionTestItem>, Error> {
        self.list(client_id, Some(deadline))
    }

    fn list(
        &self,
        client_id: &str,
        deadline: Option<Instant>,
    ) -> Result<Vec<ProductionTestItem>, Error> {
        let path = format!(
            "/apps/{}/production-tests",
            segment("client_id", client_id)?
        );
        self.execute(
            Call {
                operation: "list production tests",
                path,
                post: None,
                deadline,
            },
            models::decode_list,
        )
    }

    /// Requests a new production test. Hopae stores it as a pending
    /// [`ChallengeRequest`] and schedules it into a challenge later.
    ///
    /// The call carries a freshly generated `Idempotency-Key`; retries of this call send
    /// the same key and the same bytes, so a retried create never creates twice. Use
    /// [`HopaeClient::create_production_test_with_key`] to choose the key yourself (for
    /// example to make a whole script re-runnable).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when `client_id` is empty, `.` or `..`, or `test`
    ///   breaks a documented limit ([`NewProductionTest::validate`]);
    /// - [`Error::Api`] for a non-2xx status: 400 `VALIDATION_*`, 401, 404 unknown App,
    ///   409 `IDEMPOTENCY_KEY_CONFLICT`;
    /// - [`Error::Transport`], [`Error::Decode`], [`Error::ResponseTooLarge`] as for
    ///   [`HopaeClient::list_production_tests`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let test = hopae::NewProductionTest::new("MitID test").provider_ids(["mitid"]).max_stamps(3);
    /// let request = client.create_production_test("FK5b0KSM", &test)?;
    /// assert_eq!(request.status, hopae::RequestStatus::Pending);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn create_production_test(
        &self,
        client_id: &str,
        test: &NewProductionTest,
    ) -> Result<ChallengeRequest, Error> {
        self.create_production_test_with_key(client_id, test, &retry::idempotency_key())
    }

    /// Like [`HopaeClient::create_production_test`], with the caller's `Idempotency-Key`.
    ///
    /// Hopae remembers a key for 24 hours per workspace: the same key with the same body
    /// replays the original response; the same key with another body fails with 409
    /// `IDEMPOTENCY_KEY_CONFLICT`.
    ///
    /// # Errors
    ///
    /// As [`HopaeClient::create_production_test`], plus [`Error::InvalidInput`] when the
    /// key is empty, longer than 255 characters, or not visible ASCII.
    pub fn create_production_test_with_key(
        &self,
        client_id: &str,
        test: &NewProductionTest,
        idempotency_key: &str,
    ) -> Result<ChallengeRequest, Error> {
        let path = format!(
            "/apps/{}/production-tests",
            segment("client_id", client_id)?
        );
        test.validate()?;
        validate_idempotency_key(idempotency_key)?;
        let body = serde_json::to_vec(test)
            .map_err(|e| Error::InvalidInput(format!("could not encode the body: {e}")))?;
        self.execute(
            Call {
                operation: "create production test",
                path,
                post: Some((&body, idempotency_key)),
                deadline: None,
            },
            decode_object,
        )
    }

    /// Fetches the participation report of a scheduled challenge: a point-in-time
    /// snapshot of participations and claims, per provider.
    ///
    /// `challenge_id` is a challenge's `id` (`ch_...`), never a request's `id`.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when an id is empty, `.` or `..`;
    /// - [`Error::Api`] for a non-2xx status (404 unknown App or challenge, including a
    ///   request id passed by mistake);
    /// - [`Error::Transport`], [`Error::Decode`], [`Error::ResponseTooLarge`] as for
    ///   [`HopaeClient::list_production_tests`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let report = client.production_test_report("FK5b0KSM", "ch_9a1b2c3d")?;
    /// for p in &report.stats.provider_breakdown {
    ///     println!("{}: {} claims", p.provider_name, p.claim_count);
    /// }
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn production_test_report(
        &self,
        client_id: &str,
        challenge_id: &str,
    ) -> Result<ProductionTestReport, Error> {
        let path = format!(
            "/apps/{}/production-tests/{}/report",
            segment("client_id", client_id)?,
            segment("challenge_id", challenge_id)?
        );
        self.execute(
            Call {
                operation: "production test report",
                path,
                post: None,
                deadline: None,
            },
            decode_object,
        )
    }

    /// The one funnel every call goes through: attempts, retries, status handling,
    /// decoding.
    fn execute<T>(
        &self,
        call: Call<'_>,
        decode: impl Fn(&[u8]) -> DecodeResult<T>,
    ) -> Result<T, Error> {
        let s = &self.inner.settings;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let can_retry = attempt <= s.max_retries;
            let timeout = match call.deadline {
                Some(deadline) => s
                    .timeout
                    .min(deadline.saturating_duration_since(Instant::now())),
                None => s.timeout,
            };
            let wait = match self.attempt(&call, timeout) {
                Ok(received) => match self.handle(&call, received, attempt, timeout, &decode) {
                    Ok(value) => return Ok(value),
                    Err(Failure::Final(e)) => return Err(e),
                    Err(Failure::Retryable(e, retry_after)) => {
                        let wait = match retry_after {
                            Some(w) if w > s.max_retry_wait => return Err(e),
                            Some(w) => w,
                            None => retry::backoff(attempt, s.initial_backoff, s.max_backoff),
                        };
                        if !can_retry || past(call.deadline, wait) {
                            return Err(e);
                        }
                        wait
                    }
                },
                Err(e) => {
                    let (kind, retryable) = classify(&e);
                    let wait = retry::backoff(attempt, s.initial_backoff, s.max_backoff);
                    if !(retryable && can_retry) || past(call.deadline, wait) {
                        return Err(Error::Transport(Box::new(TransportError {
                            kind,
                            message: transport_message(&call, &e, timeout, s),
                            attempts: attempt,
                        })));
                    }
                    wait
                }
            };
            std::thread::sleep(wait);
        }
    }

    /// Sends one attempt and reads the body up to the cap.
    fn attempt(&self, call: &Call<'_>, timeout: Duration) -> Result<Received, ureq::Error> {
        let inner = &*self.inner;
        let url = format!("{}{}", inner.base_url, call.path);
        // The agent carries the configured deadlines; a call with its own deadline
        // shortens them for this attempt.
        let shorter = timeout < inner.settings.timeout;
        let connect = inner.settings.connect_timeout.min(timeout);
        let mut response = match call.post {
            None => {
                let request = inner
                    .agent
                    .get(&url)
                    .header("Authorization", &inner.authorization);
                if shorter {
                    request
                        .config()
                        .timeout_global(Some(timeout))
                        .timeout_connect(Some(connect))
                        .build()
                        .call()?
                } else {
                    request.call()?
                }
            }
            Some((body, key)) => inner
                .agent
                .post(&url)
                .header("Authorization", &inner.authorization)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .send(body)?,
        };
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header("retry-after");
        let request_id = header("x-request-id");
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
        })
    }

    /// Turns a received response into the decoded value or a classified failure.
    fn handle<T>(
        &self,
        call: &Call<'_>,
        r: Received,
        attempts: u32,
        timeout: Duration,
        decode: &impl Fn(&[u8]) -> DecodeResult<T>,
    ) -> Result<T, Failure> {
        let limit = self.inner.settings.max_response_size;
        if (200..300).contains(&r.status) {
            let body = match r.body {
                Ok(body) => body,
                Err(ureq::Error::BodyExceedsLimit(_)) => {
                    return Err(Failure::Final(Error::ResponseTooLarge {
                        status: r.status,
                        limit,
                        attempts,
                    }));
                }
                Err(e) => {
                    let (kind, _) = classify(&e);
                    return Err(Failure::Final(Error::Transport(Box::new(TransportError {
                        kind,
                        message: transport_message(call, &e, timeout, &self.inner.settings),
                        attempts,
                    }))));
                }
            };
            return decode(&body).map_err(|(index, e)| {
                Failure::Final(Error::Decode(Box::new(DecodeError {
                    operation: call.operation,
                    status: r.status,
                    index,
                    message: redact(&e.to_string(), self.api_key()),
                    request_id: r.request_id,
                    attempts,
                })))
            });
        }
        let api = api_error(r, attempts, self.api_key());
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

enum Failure {
    Final(Error),
    Retryable(Error, Option<Duration>),
}

#[derive(Deserialize)]
struct Envelope {
    error: EnvelopeError,
    #[serde(default)]
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct EnvelopeError {
    code: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    details: Option<serde_json::Value>,
}

/// Builds the error of a non-2xx response: the envelope's fields when the body is one,
/// else a short sanitized excerpt. A body that could not be read still reports the status.
/// A server that echoes the API key (in a message, a detail or a proxy page) has it
/// replaced by `[redacted]` before anything is kept.
fn api_error(r: Received, attempts: u32, api_key: &str) -> ApiError {
    let retry_after = r
        .retry_after
        .as_deref()
        .and_then(|v| retry::parse_retry_after(v, OffsetDateTime::now_utc()));
    let mut err = ApiError {
        status: r.status,
        code: None,
        message: None,
        details: None,
        request_id: r.request_id,
        excerpt: None,
        retry_after,
        attempts,
    };
    if let Ok(body) = r.body {
        // Redact after decoding: JSON escapes (`\u0073k_...`) would hide the key from a
        // search in the raw bytes.
        match serde_json::from_slice::<Envelope>(&body) {
            Ok(env) => {
                err.code = Some(redact(&env.error.code, api_key));
                err.message = env.error.message.map(|m| redact(&m, api_key));
                err.details = env
                    .error
                    .details
                    .filter(|d| !d.is_null())
                    .map(|d| redact_value(d, api_key));
                err.request_id = env.request_id.or(err.request_id);
            }
            Err(_) => {
                err.excerpt = excerpt(redact(&String::from_utf8_lossy(&body), api_key).as_bytes())
            }
        }
    }
    err.request_id = err.request_id.map(|id| redact(&id, api_key));
    err
}

/// `text` with every occurrence of the API key replaced by `[redacted]`.
fn redact(text: &str, api_key: &str) -> String {
    if api_key.is_empty() {
        return text.to_owned();
    }
    text.replace(api_key, "[redacted]")
}

/// Every string (and key) of a JSON value, redacted.
fn redact_value(value: serde_json::Value, api_key: &str) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(redact(&s, api_key)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| redact_value(v, api_key))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (redact(&k, api_key), redact_value(v, api_key)))
                .collect(),
        ),
        other => other,
    }
}

const EXCERPT_CHARS: usize = 120;

/// A short, single-line view of a body that is not the error envelope: HTML tags are
/// dropped, whitespace and control characters collapse to one space, and the result is
/// cut to 120 characters.
fn excerpt(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let html = text.trim_start().starts_with('<');
    let mut out = String::new();
    let mut in_tag = false;
    let mut space = false;
    let mut count = 0;
    for c in text.chars() {
        if html && c == '<' {
            in_tag = true;
            space = true;
            continue;
        }
        if in_tag {
            in_tag = c != '>';
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        space = false;
        if count >= EXCERPT_CHARS {
            out.push('…');
            break;
        }
        out.push(c);
        count += 1;
    }
    (!out.is_empty()).then_some(out)
}

/// The kind of a transport failure, and whether retrying it is safe: only failures
/// before any response byte arrived, where the request was not (or not visibly) handled.
fn classify(e: &ureq::Error) -> (TransportErrorKind, bool) {
    use TransportErrorKind as K;
    use std::io::ErrorKind as Io;
    match e {
        ureq::Error::Timeout(t) => (
            K::Timeout,
            matches!(t, ureq::Timeout::Connect | ureq::Timeout::Resolve),
        ),
        ureq::Error::ConnectionFailed => (K::Connect, true),
        ureq::Error::HostNotFound => (K::Connect, false),
        ureq::Error::Io(io) => match io.kind() {
            Io::ConnectionRefused => (K::Connect, true),
            Io::ConnectionReset | Io::ConnectionAborted | Io::UnexpectedEof | Io::BrokenPipe => {
                (K::ConnectionClosed, true)
            }
            Io::TimedOut | Io::WouldBlock => (K::Timeout, false),
            _ => (K::Io, false),
        },
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => (K::Protocol, false),
        ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::Pem(_)
        | ureq::Error::TlsRequired => (K::Tls, false),
        _ => (K::Io, false),
    }
}

fn transport_message(call: &Call<'_>, e: &ureq::Error, timeout: Duration, s: &Settings) -> String {
    let method = if call.post.is_some() { "POST" } else { "GET" };
    let what = match e {
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
            format!(
                "could not connect within {:?}",
                s.connect_timeout.min(timeout)
            )
        }
        ureq::Error::Timeout(_) => format!("no complete response within {timeout:?}"),
        ureq::Error::Io(io) => lowercase_first(&io.to_string()),
        other => lowercase_first(&other.to_string()),
    };
    format!("{method} {}: {what}", call.path)
}

/// Whether waiting `wait` now would end after the call's deadline.
fn past(deadline: Option<Instant>, wait: Duration) -> bool {
    deadline.is_some_and(|d| Instant::now() + wait >= d)
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_clone_send_sync() {
        fn assert<T: Clone + Send + Sync + 'static>() {}
        assert::<HopaeClient>();
        assert::<ClientBuilder>();
    }

    #[test]
    fn environment_from_key_prefix() {
        let c = HopaeClient::new("sk_workspace_test_abc").unwrap();
        assert_eq!(c.base_url(), Environment::Sandbox.base_url());
        let c = HopaeClient::new("sk_workspace_prod_abc").unwrap();
        assert_eq!(c.base_url(), Environment::Production.base_url());
        let e = HopaeClient::new("sk_other_abc").unwrap_err();
        assert!(e.to_string().contains("no known environment prefix"), "{e}");
        let c = HopaeClient::builder("sk_other_abc")
            .environment(Environment::Production)
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "https://api.hopae.com/connect/v1");
    }

    #[test]
    fn key_and_host_must_match() {
        let e = HopaeClient::builder("sk_workspace_test_x")
            .environment(Environment::Production)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("sandbox key"), "{e}");
        let e = HopaeClient::builder("sk_workspace_prod_x")
            .base_url("https://SANDBOX.api.hopae.com/connect/v1/")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("production key"), "{e}");
    }

    #[test]
    fn key_and_host_check_sees_through_a_trailing_dot() {
        let e = HopaeClient::builder("sk_workspace_test_x")
            .base_url("https://api.hopae.com./connect/v1")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("sandbox key"), "{e}");
        assert!(parse_base_url("http://localhost.:8080").unwrap().loopback);
    }

    #[test]
    fn unbounded_timeouts_and_backoffs_are_refused() {
        let base = || HopaeClient::builder("sk_workspace_test_x");
        for builder in [
            base().timeout(Duration::MAX),
            base().connect_timeout(Duration::from_secs(86_401)),
            base().retry_backoff(Duration::MAX, Duration::MAX),
        ] {
            let e = builder.build().unwrap_err();
            assert!(e.to_string().contains("must be at most 24h"), "{e}");
        }
        let e = base().max_retries(11).build().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid configuration: max_retries must be at most 10, got 11"
        );
        assert!(base().max_retries(10).build().is_ok());
        let day = Duration::from_secs(86_400);
        assert!(base().timeout(day).retry_backoff(day, day).build().is_ok());
    }

    #[test]
    fn api_key_must_be_visible_ascii() {
        for bad in [
            "",
            "sk_workspace_test_a b",
            "sk_workspace_test_a\r\nX: y",
            "sk_workspace_test_é",
            "sk_workspace_test_\t",
        ] {
            let e = HopaeClient::new(bad).unwrap_err();
            assert!(matches!(e, Error::Config(_)), "{bad:?}");
            assert!(!e.to_string().contains("sk_workspace"), "{e}");
        }
    }

    #[test]
    fn base_url_rules() {
        let ok = |u: &str| parse_base_url(u).unwrap();
        assert_eq!(
            ok("https://h.example/connect/v1/").normalized,
            "https://h.example/connect/v1"
        );
        assert!(ok("http://localhost:8080").loopback);
        assert!(ok("http://127.0.0.1:1/x").loopback);
        assert!(ok("http://127.9.9.9").loopback);
        assert!(ok("http://[::1]:3000/").loopback);
        assert!(ok("HTTPS://API.HOPAE.COM/connect/v1").https);
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "http://localhost.example.com",
            "ftp://localhost",
            "https://user:pw@h.example",
            "https://h.example/v1?x=1",
            "https://h.example/v1#f",
            "https://h.example/a/../b",
            "https:///path",
            "https://h.example:99999",
            "https://h.example:+443",
            "https://h.example:",
            "https://[::1",
            "https://h .example",
            "api.hopae.com",
        ] {
            assert!(parse_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base_url_errors_never_show_credentials_query_or_the_key() {
        let key = "sk_workspace_test_SECRET";
        for url in [
            format!("https://u:{key}@127.0.0.1/connect/v1"),
            format!("http://example.com/connect/v1?key={key}"),
            format!("https://h.example/v1#{key}"),
            format!("ftp://{key}.example/"),
        ] {
            let e = HopaeClient::builder(key)
                .base_url(&url)
                .build()
                .unwrap_err();
            let shown = e.to_string();
            assert!(
                shown.starts_with("invalid configuration: base URL"),
                "{shown}"
            );
            assert!(!shown.contains("SECRET"), "{shown}");
        }
        assert_eq!(
            shown_url("https://u:p@h.example:1/a?b#c"),
            "https://[redacted]@h.example:1/a[…]"
        );
        assert_eq!(shown_url("https://h.example/a@b"), "https://h.example/a@b");
        assert_eq!(shown_url(&"x".repeat(300)).chars().count(), 101);
    }

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
    fn idempotency_key_rules() {
        assert!(validate_idempotency_key("k").is_ok());
        assert!(validate_idempotency_key(&"k".repeat(255)).is_ok());
        assert!(validate_idempotency_key(&"k".repeat(256)).is_err());
        assert!(validate_idempotency_key("").is_err());
        assert!(validate_idempotency_key("a b").is_err());
        assert!(validate_idempotency_key("a\nb").is_err());
    }

    #[test]
    fn excerpt_is_short_single_line_and_strips_html() {
        assert_eq!(
            excerpt(
                b"<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>"
            )
            .as_deref(),
            Some("502 Bad Gateway nginx")
        );
        assert_eq!(
            excerpt(b"  upstream\r\n\tdown \x07 ").as_deref(),
            Some("upstream down")
        );
        assert_eq!(excerpt(b"").as_deref(), None);
        assert_eq!(excerpt(b" \n ").as_deref(), None);
        let long = excerpt("x".repeat(1000).as_bytes()).unwrap();
        assert_eq!(long.chars().count(), EXCERPT_CHARS + 1);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn debug_redacts_the_key() {
        let b = HopaeClient::builder("sk_workspace_test_SECRET");
        assert!(format!("{b:?}").contains("[redacted]"));
        assert!(!format!("{b:?}").contains("SECRET"));
        let c = b.build().unwrap();
        assert!(format!("{c:?}").contains("api_key: \"[redacted]\""));
        assert!(!format!("{c:?}").contains("SECRET"));
    }
}
