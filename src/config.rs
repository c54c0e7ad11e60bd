//! Configuration: environments, [`ClientBuilder`] and its checks (API key, base URL,
//! timeouts), applied once in [`ClientBuilder::build`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::client::{HopaeClient, Inner};
use crate::error::{ConfigErrorKind, Error};

const USER_AGENT: &str = concat!("hopae/", env!("CARGO_PKG_VERSION"), " (rust; ureq)");
pub(crate) const TEST_KEY_PREFIX: &str = "sk_workspace_test_";
pub(crate) const PROD_KEY_PREFIX: &str = "sk_workspace_prod_";
const SANDBOX_HOST: &str = "sandbox.api.hopae.com";
const PRODUCTION_HOST: &str = "api.hopae.com";
/// The longest timeout, backoff or server-requested wait the builder accepts: every wait
/// stays finite, and deadline arithmetic cannot overflow.
const MAX_SETTING: Duration = Duration::from_secs(24 * 60 * 60);
/// The most retries the builder accepts: with the capped backoff, a call stays bounded.
pub(crate) const MAX_RETRIES: u32 = 10;
/// The longest API key accepted: far above any real key, low enough to bound every
/// header and redaction.
pub(crate) const MAX_KEY_LEN: usize = 512;

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
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(hopae::Environment::Production.base_url(), "https://api.hopae.com/connect/v1");
    /// ```
    pub fn base_url(self) -> &'static str {
        match self {
            Environment::Sandbox => "https://sandbox.api.hopae.com/connect/v1",
            Environment::Production => "https://api.hopae.com/connect/v1",
        }
    }

    /// The environment a key belongs to, read from its prefix (`sk_workspace_test_` or
    /// `sk_workspace_prod_`); `None` for any other key.
    ///
    /// # Example
    ///
    /// ```
    /// use hopae::Environment;
    /// assert_eq!(Environment::from_api_key("sk_workspace_test_abc"), Some(Environment::Sandbox));
    /// assert_eq!(Environment::from_api_key("abc"), None);
    /// ```
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

/// The transport settings of a client; all finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Settings {
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_retry_wait: Duration,
    pub(crate) max_response_size: u64,
    pub(crate) max_idle_connections: usize,
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
            max_idle_connections: 16,
        }
    }
}

/// Configures and builds a [`HopaeClient`].
///
/// Every setting has a finite default: 30 s per attempt, 10 s to connect, 2 retries with
/// backoff from 0.5 s up to 8 s, server-requested waits up to 30 s, bodies up to 10 MiB,
/// 16 idle connections kept for reuse.
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
    user_agent_prefix: Option<String>,
    on_response: Option<Arc<ResponseHook>>,
    dns: crate::resolve::DnsOptions,
}

/// The callback of [`ClientBuilder::on_response`].
pub(crate) type ResponseHook = dyn Fn(&ResponseEvent<'_>) + Send + Sync;

/// One HTTP response the client received, as [`ClientBuilder::on_response`] sees it.
///
/// It carries no request header, so it never holds the API key; the body is the
/// server's, as received (it may hold personal data or, for a create or rotate call,
/// a secret: treat it accordingly). `Debug` shows the body's length only, so that
/// logging the event with `{:?}` logs no secret.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct ResponseEvent<'a> {
    /// What the call does, e.g. `"list apps"`.
    pub operation: &'a str,
    /// The HTTP method.
    pub method: &'a str,
    /// The path after the base URL, with its query, e.g. `/apps?limit=20&offset=0`.
    pub path: &'a str,
    /// The status code.
    pub status: u16,
    /// The `X-Request-Id` header, when sent (with the key redacted).
    pub request_id: Option<&'a str>,
    /// Which attempt of the call this was (1 for the first).
    pub attempt: u32,
    /// Time from sending the request to the end of the body.
    pub elapsed: Duration,
    /// The body as received (up to the size cap); empty when it could not be read.
    pub body: &'a [u8],
}

impl fmt::Debug for ResponseEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseEvent")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("attempt", &self.attempt)
            .field("elapsed", &self.elapsed)
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .finish()
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field(
                "base_url",
                &self
                    .base_url
                    .as_deref()
                    .map(|u| shown_url(u, &self.api_key)),
            )
            .field("api_key", &"[redacted]")
            .field("settings", &self.settings)
            .field("user_agent_prefix", &self.user_agent_prefix)
            .field("on_response", &self.on_response.as_ref().map(|_| "Fn"))
            .finish()
    }
}

impl ClientBuilder {
    /// A builder with the default settings for this key.
    pub(crate) fn new(api_key: String) -> ClientBuilder {
        ClientBuilder {
            api_key,
            base_url: None,
            settings: Settings::default(),
            user_agent_prefix: None,
            on_response: None,
            dns: crate::resolve::DnsOptions::default(),
        }
    }

    /// Resolves host names with `lookup` instead of the system resolver, for tests and
    /// benchmarks that count or slow down lookups. Not part of the stable API.
    ///
    /// `lookup` gets a host name (never an IP literal) and a port; the client caches
    /// what it returns as it caches the system resolver's answers.
    #[doc(hidden)]
    pub fn dns_lookup(
        mut self,
        lookup: impl Fn(&str, u16) -> std::io::Result<Vec<std::net::SocketAddr>> + Send + Sync + 'static,
    ) -> Self {
        self.dns.lookup = Some(Arc::new(lookup));
        self
    }

    /// How long looked-up addresses are reused (30 s by default), for tests of their
    /// expiry. Not part of the stable API.
    #[doc(hidden)]
    pub fn dns_ttl(mut self, ttl: Duration) -> Self {
        self.dns.ttl = ttl;
        self
    }

    /// Puts your program's name before the crate's own in the `User-Agent` header:
    /// `my-tool/1.2 hopae/0.1.0 (rust; ureq)`. It must be 1 to 200 visible ASCII
    /// characters or spaces.
    pub fn user_agent_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.user_agent_prefix = Some(prefix.into());
        self
    }

    /// Calls `f` with every HTTP response the client receives (each attempt of a
    /// retried call, error statuses included): method, path, status, request id,
    /// attempt, timing and the body as received.
    ///
    /// For logging, metrics, or keeping the exact bytes the API sent (a command-line
    /// tool's `--json`). `f` runs on the calling thread, inside the call: keep it short.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::builder("sk_workspace_test_...")
    ///     .on_response(|r| eprintln!("{} {} -> {} in {:?}", r.method, r.path, r.status, r.elapsed))
    ///     .build()?;
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn on_response(mut self, f: impl Fn(&ResponseEvent<'_>) + Send + Sync + 'static) -> Self {
        self.on_response = Some(Arc::new(f));
        self
    }

    /// Sets the REST base URL (e.g. `https://sandbox.api.hopae.com/connect/v1`);
    /// endpoint paths are appended to it. A trailing `/` is ignored.
    ///
    /// It must be `https`, except for loopback hosts that cannot resolve anywhere else
    /// (`localhost`, an IPv4 address in `127.0.0.0/8`, `[::1]`), which may use `http`
    /// for tests and local tools; it may not carry credentials, a query or a fragment,
    /// and its host may not end in a dot. [`ClientBuilder::build`] enforces this.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Uses the base URL of an environment, for keys whose prefix names none.
    pub fn environment(self, environment: Environment) -> Self {
        self.base_url(environment.base_url())
    }

    /// The deadline for one attempt, from connecting to the last byte of the body
    /// (default 30 s, at most 24 h). A server that trickles bytes cannot hold a call
    /// past it.
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
    /// most 10, or [`ClientBuilder::build`] fails). `0` disables retries.
    ///
    /// Retried, every method (a POST with the same `Idempotency-Key` and body):
    /// - the connection could not be opened: refused, or no connection within
    ///   [`ClientBuilder::connect_timeout`] (nothing was sent);
    /// - statuses 429, 500, 502, 503, 504, and 409 `IDEMPOTENCY_REQUEST_IN_PROGRESS`
    ///   (a complete answer: the server says whether it acted). A `Retry-After`
    ///   replaces the backoff, up to [`ClientBuilder::max_retry_wait`].
    ///
    /// Retried for GET, PUT, PATCH and DELETE, never for POST: the connection was closed
    /// or reset after the request was sent and before a complete status line and
    /// headers arrived. ureq reports a close before the first byte of the answer and
    /// one in its middle the same way, so for a POST the outcome is unknown: the call
    /// fails with [`Error::Transport`] after that attempt, and the caller may retry it
    /// with the same idempotency key ([`ProductionTests::create_with_key`]) to be sure
    /// it is not created twice. A pooled keep-alive connection the server has closed is
    /// not used: ureq checks a pooled connection before sending on it, and opens a new
    /// one.
    ///
    /// Never retried: other statuses (3xx included), a timeout after the connection was
    /// opened (the server may still be working), a host that does not resolve, TLS
    /// and HTTP protocol failures, a body cut short or over
    /// [`ClientBuilder::max_response_size`], a body that does not decode.
    ///
    /// [`ProductionTests::create_with_key`]: crate::production_tests::ProductionTests::create_with_key
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.settings.max_retries = max_retries;
        self
    }

    /// The exponential backoff between retries: the n-th retry waits between half and
    /// all of `initial * 2^(n-1)`, capped at `max` (defaults 500 ms and 8 s, each at most
    /// 24 h). A `Retry-After` header replaces the backoff.
    pub fn retry_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.settings.initial_backoff = initial;
        self.settings.max_backoff = max;
        self
    }

    /// The longest `Retry-After` wait the client sleeps (default 30 s, at most 24 h).
    /// When the server asks for longer, the call fails at once and
    /// [`Error::retry_after`] tells the caller how long the server asked to wait.
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

    /// How many idle connections the client keeps open for reuse (default 16).
    ///
    /// A connection is returned to the pool when its call ends; when more calls end at
    /// once than the pool holds, the surplus connections are closed, and the next calls
    /// open new ones (against the real API: a new TLS handshake each). Set it to at least
    /// the number of threads that share one client. `0` disables reuse.
    pub fn max_idle_connections(mut self, n: usize) -> Self {
        self.settings.max_idle_connections = n;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when:
    /// - the API key is empty, longer than 512 characters, or has a character other than
    ///   an ASCII letter, digit, `_` or `-` (the message gives its position, never the key);
    /// - no base URL was set and the key has no known prefix;
    /// - the base URL is not a valid `https` URL (or `http` on a loopback host), carries
    ///   credentials, a query or a fragment, or its host has an empty label (ends in a
    ///   dot), a character other than letters, digits, `-` and `.`, or more characters
    ///   than DNS allows;
    /// - a sandbox key is used with the production host, or a production key with the
    ///   sandbox host;
    /// - the timeout is zero, a timeout, backoff or `max_retry_wait` is over 24 hours, or
    ///   `max_retries` is over 10.
    pub fn build(self) -> Result<HopaeClient, Error> {
        validate_api_key(&self.api_key)?;
        let key_env = Environment::from_api_key(&self.api_key);
        let raw_url = match (&self.base_url, key_env) {
            (Some(url), _) => url.as_str(),
            (None, Some(env)) => env.base_url(),
            (None, None) => {
                return Err(Error::config(
                    ConfigErrorKind::UnknownKeyPrefix,
                    format!(
                        "the API key has no known environment prefix ({TEST_KEY_PREFIX} or \
                     {PROD_KEY_PREFIX}): set a base URL or an environment"
                    ),
                ));
            }
        };
        let url = parse_base_url(raw_url, &self.api_key)
            .map_err(|m| Error::config(ConfigErrorKind::BaseUrl, m))?;
        match (key_env, url.host.as_str()) {
            (Some(Environment::Sandbox), PRODUCTION_HOST) => {
                return Err(Error::config(
                    ConfigErrorKind::EnvironmentMismatch,
                    "a sandbox key (sk_workspace_test_) only works on the sandbox host, not on api.hopae.com",
                ));
            }
            (Some(Environment::Production), SANDBOX_HOST) => {
                return Err(Error::config(
                    ConfigErrorKind::EnvironmentMismatch,
                    "a production key (sk_workspace_prod_) only works on api.hopae.com, not on the sandbox host",
                ));
            }
            _ => {}
        }
        let s = self.settings;
        check_settings(&s)?;
        let user_agent = match &self.user_agent_prefix {
            None => USER_AGENT.to_owned(),
            Some(p)
                if !p.trim().is_empty()
                    && p.len() <= 200
                    && p.bytes().all(|b| b.is_ascii_graphic() || b == b' ') =>
            {
                format!("{} {USER_AGENT}", p.trim())
            }
            Some(_) => {
                return Err(Error::config(
                    ConfigErrorKind::Setting,
                    "the user agent prefix must be 1 to 200 visible ASCII characters or spaces",
                ));
            }
        };
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .https_only(url.https)
            .timeout_global(Some(s.timeout))
            .timeout_connect(Some(s.connect_timeout.min(s.timeout)))
            .max_idle_connections(s.max_idle_connections)
            .max_idle_connections_per_host(s.max_idle_connections)
            .user_agent(&user_agent)
            .accept("application/json");
        let proxy = if url.loopback {
            // Never route a loopback call (plain http) through a proxy from the environment.
            config = config.proxy(None);
            None
        } else {
            ureq::Proxy::try_from_env().map(|p| format!("{}:{}", p.host(), p.port()))
        };
        let api_key = self.api_key;
        Ok(HopaeClient {
            inner: Arc::new(Inner {
                // Names are resolved once per host, not per call: src/resolve.rs.
                agent: crate::resolve::agent(config.build(), self.dns),
                authorization: format!("Bearer {api_key}"),
                api_key,
                base_url: url.normalized,
                proxy,
                settings: s,
                on_response: self.on_response,
            }),
        })
    }
}

/// Refuses settings that would make a call wait forever or overflow deadline arithmetic.
fn check_settings(s: &Settings) -> Result<(), Error> {
    if s.timeout.is_zero() {
        return Err(Error::config(
            ConfigErrorKind::Setting,
            "the timeout must be greater than zero",
        ));
    }
    if s.max_retries > MAX_RETRIES {
        return Err(Error::config(
            ConfigErrorKind::Setting,
            format!(
                "max_retries must be at most {MAX_RETRIES}, got {}",
                s.max_retries
            ),
        ));
    }
    for (name, value) in [
        ("timeout", s.timeout),
        ("connect timeout", s.connect_timeout),
        ("retry backoff", s.initial_backoff),
        ("maximum retry backoff", s.max_backoff),
        ("maximum retry wait", s.max_retry_wait),
    ] {
        if value > MAX_SETTING {
            return Err(Error::config(
                ConfigErrorKind::Setting,
                format!(
                    "the {name} must be at most 24h, got {}s: every wait in this client is finite",
                    value.as_secs()
                ),
            ));
        }
    }
    Ok(())
}

/// Workspace keys are a prefix and then letters, digits, `_` and `-`. Refusing anything
/// else keeps the key out of every escaped form (`{:?}`, JSON, HTML) that redaction
/// would not recognise, and out of header injection.
fn validate_api_key(key: &str) -> Result<(), Error> {
    if key.is_empty() {
        return Err(Error::config(
            ConfigErrorKind::ApiKeyMissing,
            "the API key is empty",
        ));
    }
    if key.len() > MAX_KEY_LEN {
        return Err(Error::config(
            ConfigErrorKind::ApiKeyInvalid,
            format!("the API key is longer than {MAX_KEY_LEN} characters"),
        ));
    }
    if let Some(i) = key
        .chars()
        .position(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    {
        return Err(Error::config(
            ConfigErrorKind::ApiKeyInvalid,
            format!(
                "the API key may only contain ASCII letters, digits, `_` and `-`; character {} is not one",
                i + 1
            ),
        ));
    }
    Ok(())
}

/// A checked base URL.
#[derive(Debug, PartialEq)]
pub(crate) struct BaseUrl {
    pub(crate) normalized: String,
    pub(crate) host: String,
    pub(crate) https: bool,
    pub(crate) loopback: bool,
}

/// Checks a base URL without a URL crate: scheme, authority and path only. Errors show
/// the URL as [`shown_url`] does: the key redacted first, then cut.
pub(crate) fn parse_base_url(raw: &str, api_key: &str) -> Result<BaseUrl, String> {
    let bad = |why: &str| Err(format!("base URL {:?} {why}", shown_url(raw, api_key)));
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
        if h.is_empty()
            || !h
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        {
            return bad("has no valid host (letters, digits, `-` and `.` only)");
        }
        (h, p)
    };
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.parse::<u16>().is_err())
    {
        return bad("has an invalid port");
    }
    // `localhost.` or `api.hopae.com.` would be resolved through DNS as written, which
    // the loopback and host checks below cannot vouch for.
    if host.ends_with('.') || host.starts_with('.') || host.contains("..") {
        return bad("must not have a host with an empty label (such as a trailing dot)");
    }
    // DNS limits: a name that cannot resolve is a typo or a pasted blob, not a host.
    if host.len() > 253 || host.split('.').any(|label| label.len() > 63) {
        return bad("has a host name longer than DNS allows (63 per label, 253 in all)");
    }
    let host = host.to_ascii_lowercase();
    let loopback = is_loopback(&host);
    if !https && !loopback {
        return bad(
            "must use https (plain http is allowed only for localhost, 127.0.0.0/8 and [::1])",
        );
    }
    if path.split('/').any(|s| s == "." || s == "..") {
        return bad("must not contain `.` or `..` segments");
    }
    let trimmed = raw.trim_end_matches('/');
    // The HTTP layer must accept every URL built on it.
    if ureq::http::Uri::try_from(format!("{trimmed}/apps")).is_err() {
        return bad("is not a URL the HTTP layer accepts");
    }
    Ok(BaseUrl {
        normalized: trimmed.to_owned(),
        host,
        https,
        loopback,
    })
}

/// A base URL as an error may show it: the key redacted first, then credentials, query
/// and fragment dropped (where a key or token may sit), then cut to 100 characters.
pub(crate) fn shown_url(raw: &str, api_key: &str) -> String {
    let raw = crate::mapping::redact(raw, api_key);
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

/// Hosts that resolve to this machine only, whatever the resolver says: `localhost`
/// (resolved by the OS, never by DNS, per RFC 6761), IPv4 literals in 127/8, and `::1`.
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
        || host
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk_workspace_test_SECRETKEY1234567890";

    #[test]
    fn config_errors_carry_a_kind_a_program_can_match() {
        let kind = |b: ClientBuilder| match b.build() {
            Err(Error::Config(e)) => e.kind(),
            other => panic!("{other:?}"),
        };
        use ConfigErrorKind as K;
        assert_eq!(kind(HopaeClient::builder("")), K::ApiKeyMissing);
        assert_eq!(
            kind(HopaeClient::builder("sk_workspace_test_a b")),
            K::ApiKeyInvalid
        );
        assert_eq!(
            kind(HopaeClient::builder("sk_other_x")),
            K::UnknownKeyPrefix
        );
        assert_eq!(
            kind(HopaeClient::builder("sk_workspace_test_x").environment(Environment::Production)),
            K::EnvironmentMismatch
        );
        assert_eq!(
            kind(HopaeClient::builder("sk_workspace_test_x").base_url("http://example.com")),
            K::BaseUrl
        );
        assert_eq!(
            kind(HopaeClient::builder("sk_workspace_test_x").max_retries(11)),
            K::Setting
        );
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
    fn a_trailing_dot_host_is_refused() {
        for url in [
            "https://api.hopae.com./connect/v1",
            "http://localhost.:8080",
            "http://LOCALHOST.:8080",
            "http://127.0.0.1.:8080",
            "https://a..b/x",
        ] {
            let e = HopaeClient::builder("sk_workspace_test_x")
                .base_url(url)
                .build()
                .unwrap_err();
            assert!(matches!(e, Error::Config(_)), "{url}");
            assert!(e.to_string().contains("empty label"), "{url}: {e}");
        }
    }

    #[test]
    fn unbounded_timeouts_and_backoffs_are_refused() {
        let base = || HopaeClient::builder("sk_workspace_test_x");
        for builder in [
            base().timeout(Duration::MAX),
            base().connect_timeout(Duration::from_secs(86_401)),
            base().retry_backoff(Duration::MAX, Duration::MAX),
            base().max_retry_wait(Duration::MAX),
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
        assert!(
            base()
                .timeout(day)
                .retry_backoff(day, day)
                .max_retry_wait(day)
                .build()
                .is_ok()
        );
    }

    #[test]
    fn api_key_charset_is_letters_digits_underscore_dash() {
        for (bad, position) in [
            ("sk_workspace_test_a b", 20),
            ("sk_workspace_test_a\r\nX: y", 20),
            ("sk_workspace_test_é", 19),
            ("sk_workspace_test_\t", 19),
            ("sk_workspace_test_a\"b", 20),
            ("sk_workspace_test_a\\b", 20),
            ("sk_workspace_test_a<b", 20),
            ("sk_workspace_test_a&b", 20),
        ] {
            let e = HopaeClient::new(bad).unwrap_err();
            assert!(matches!(e, Error::Config(_)), "{bad:?}");
            let shown = e.to_string();
            assert!(!shown.contains("sk_workspace"), "{shown}");
            assert!(
                shown.ends_with(&format!("character {position} is not one")),
                "{shown}"
            );
        }
        assert!(HopaeClient::new("").is_err());
        assert!(HopaeClient::new("sk_workspace_test_".to_owned() + &"a".repeat(600)).is_err());
        assert!(HopaeClient::new("sk_workspace_test_Ab-9_z").is_ok());
    }

    #[test]
    fn base_url_rules() {
        let ok = |u: &str| parse_base_url(u, KEY).unwrap();
        assert_eq!(
            ok("https://h.example/connect/v1/").normalized,
            "https://h.example/connect/v1"
        );
        assert!(ok("http://localhost:8080").loopback);
        assert!(ok("http://LocalHost:8080").loopback);
        assert!(ok("http://127.0.0.1:1/x").loopback);
        assert!(ok("http://127.9.9.9").loopback);
        assert!(ok("http://[::1]:3000/").loopback);
        assert!(ok("HTTPS://API.HOPAE.COM/connect/v1").https);
        assert!(!ok(&format!("https://{}.example/", "a".repeat(63))).loopback);
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "http://localhost.example.com",
            "http://localhost.",
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
            "https://api.hopae.com%2e/connect/v1",
            "https://h_x.example/",
            "api.hopae.com",
            // Caught on the old code: accepted, and only failed at the first call.
            &format!("https://{}.example/", "a".repeat(64)),
            &format!("https://{}example/", "a.".repeat(127)),
        ] {
            assert!(parse_base_url(bad, KEY).is_err(), "{bad}");
        }
    }

    #[test]
    fn base_url_errors_never_show_credentials_query_or_the_key() {
        for url in [
            format!("https://u:{KEY}@127.0.0.1/connect/v1"),
            format!("http://example.com/connect/v1?key={KEY}"),
            format!("https://h.example/v1#{KEY}"),
            format!("ftp://{KEY}.example/"),
            // The key straddles the 100-character cut: redaction must come first.
            format!("ftp://{}/{KEY}", "a".repeat(80)),
            format!("ftp://{}/{KEY}", "a".repeat(90)),
        ] {
            let e = HopaeClient::builder(KEY)
                .base_url(&url)
                .build()
                .unwrap_err();
            let shown = e.to_string();
            assert!(
                shown.starts_with("invalid configuration: base URL"),
                "{shown}"
            );
            assert!(!shown.contains("SECRET"), "{shown}");
            assert!(!format!("{e:?}").contains("SECRET"), "{e:?}");
        }
        assert_eq!(
            shown_url("https://u:p@h.example:1/a?b#c", KEY),
            "https://[redacted]@h.example:1/a[…]"
        );
        assert_eq!(
            shown_url("https://h.example/a@b", KEY),
            "https://h.example/a@b"
        );
        assert_eq!(shown_url(&"x".repeat(300), KEY).chars().count(), 101);
    }

    #[test]
    fn debug_redacts_the_key() {
        let b = HopaeClient::builder(KEY).base_url(format!("https://h.example/{KEY}"));
        assert!(format!("{b:?}").contains("[redacted]"));
        assert!(!format!("{b:?}").contains("SECRET"), "{b:?}");
        let c = HopaeClient::builder(KEY).build().unwrap();
        assert!(format!("{c:?}").contains("api_key: \"[redacted]\""));
        assert!(!format!("{c:?}").contains("SECRET"));
    }
}
