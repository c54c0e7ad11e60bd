//! Configuration: environments, the settings a client builder collects, and the rules
//! they must meet (API key, base URL, timeouts), checked once when a client is built.
//! The limits are `pub const`s where a number is part of the contract.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{ConfigErrorKind, Error};
use crate::redact::{Credential, shown_url};

pub(crate) const USER_AGENT: &str = concat!("hopae/", env!("CARGO_PKG_VERSION"), " (rust; ureq)");
pub(crate) const TEST_KEY_PREFIX: &str = "sk_workspace_test_";
pub(crate) const PROD_KEY_PREFIX: &str = "sk_workspace_prod_";
pub(crate) const SANDBOX_HOST: &str = "sandbox.api.hopae.com";
pub(crate) const PRODUCTION_HOST: &str = "api.hopae.com";
/// The longest timeout, backoff or server-requested wait the builder accepts: every wait
/// stays finite, and deadline arithmetic cannot overflow.
pub const MAX_SETTING: Duration = Duration::from_secs(24 * 60 * 60);
/// The most retries the builder accepts: with the capped backoff, a call stays bounded.
pub const MAX_RETRIES: u32 = 10;
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

    /// The environment named `sandbox` or `production` (any case), as `HOPAE_ENVIRONMENT`
    /// gives it; `None` for any other name.
    ///
    /// # Example
    ///
    /// ```
    /// use hopae::Environment;
    /// assert_eq!(Environment::from_name("Sandbox"), Some(Environment::Sandbox));
    /// assert_eq!(Environment::from_name("prod"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Environment> {
        if name.eq_ignore_ascii_case("sandbox") {
            Some(Environment::Sandbox)
        } else if name.eq_ignore_ascii_case("production") {
            Some(Environment::Production)
        } else {
            None
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

/// What a client builder collects besides the credential: checked and applied when the
/// client is built.
#[derive(Clone, Default)]
pub(crate) struct Options {
    pub(crate) base_url: Option<String>,
    pub(crate) settings: Settings,
    pub(crate) user_agent_prefix: Option<String>,
    pub(crate) on_response: Option<Arc<ResponseHook>>,
    /// Which certificate authorities the client trusts.
    pub(crate) roots: crate::tls::Roots,
    /// Whether calls are traced, and where.
    pub(crate) trace: TraceSetting,
}

/// Where the HTTP trace's text goes.
pub(crate) type TraceSink = Arc<dyn Fn(&str) + Send + Sync>;

/// What a builder said about the HTTP trace.
#[derive(Clone, Default)]
pub(crate) enum TraceSetting {
    /// As `HOPAE_DEBUG` says when the client is built.
    #[default]
    FromEnv,
    /// Off, whatever the environment says.
    Off,
    /// On, to this sink.
    On(TraceSink),
}

impl fmt::Debug for TraceSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TraceSetting::FromEnv => "FromEnv",
            TraceSetting::Off => "Off",
            TraceSetting::On(_) => "On",
        })
    }
}

impl Options {
    /// `Debug` fields of a builder, with the base URL shown as errors show it.
    pub(crate) fn debug_fields(&self, d: &mut fmt::DebugStruct<'_, '_>, credential: &Credential) {
        d.field(
            "base_url",
            &self.base_url.as_deref().map(|u| shown_url(u, credential)),
        )
        .field("settings", &self.settings)
        .field("user_agent_prefix", &self.user_agent_prefix)
        .field("on_response", &self.on_response.as_ref().map(|_| "Fn"))
        .field("roots", &self.roots);
    }

    /// The `User-Agent` header: the caller's prefix, then the crate's own.
    pub(crate) fn user_agent(&self) -> Result<String, Error> {
        match &self.user_agent_prefix {
            None => Ok(USER_AGENT.to_owned()),
            Some(p)
                if !p.trim().is_empty()
                    && p.len() <= 200
                    && p.bytes().all(|b| b.is_ascii_graphic() || b == b' ') =>
            {
                Ok(format!("{} {USER_AGENT}", p.trim()))
            }
            Some(_) => Err(Error::config(
                ConfigErrorKind::Setting,
                "the user agent prefix must be 1 to 200 visible ASCII characters or spaces",
            )),
        }
    }
}

/// The callback of [`ClientBuilder::on_response`](crate::ClientBuilder::on_response).
pub(crate) type ResponseHook = dyn Fn(&ResponseEvent<'_>) + Send + Sync;

/// One HTTP response the client received, as [`ClientBuilder::on_response`](crate::ClientBuilder::on_response) sees it.
///
/// Its headers have credentials replaced (`Authorization: Bearer [redacted]`,
/// `Set-Cookie: [redacted]`, the key wherever a value echoes it), so they never hold the
/// API key or the App's secret; the body is the server's, as received (it may hold
/// personal data or, for a create or rotate call, a secret: treat it accordingly).
/// `Debug` shows the body's length only, so that logging the event with `{:?}` logs no
/// secret.
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
    /// The headers the client set on the request (`authorization`, `content-type`,
    /// `idempotency-key`, `user-agent`, `accept`), names lowercase, credentials
    /// replaced.
    pub request_headers: &'a [(String, String)],
    /// The response's headers, names lowercase, credentials replaced, values cut to 200
    /// characters.
    pub response_headers: &'a [(String, String)],
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
            .field("request_headers", &self.request_headers)
            .field("response_headers", &self.response_headers)
            .finish()
    }
}

/// The path every Hopae host serves the REST API under.
const REST_PATH: &str = "/connect/v1";

/// Refuses a base URL on a Hopae host (`hopae.com` or a name under it) whose path is
/// not `/connect/v1`: those hosts answer "No route" elsewhere, which reads like a
/// missing App. The message gives the fix.
pub(crate) fn check_hopae_path(url: &BaseUrl, shown: &str) -> Result<(), Error> {
    let hopae = url.host == "hopae.com" || url.host.ends_with(".hopae.com");
    if hopae && url.path() != REST_PATH {
        return Err(Error::config(
            ConfigErrorKind::BaseUrl,
            format!(
                "base URL {shown:?} must end in {REST_PATH} on a Hopae host: use https://{}{REST_PATH}",
                url.host
            ),
        ));
    }
    Ok(())
}

/// The error of a key with no workspace prefix where a workspace key is needed: it
/// blames the key (showing at most its leading lowercase `word_word_` prefix, never its
/// secret part), not the base URL.
pub(crate) fn unknown_key_prefix(key: &str) -> Error {
    let mut end = 0;
    for (i, c) in key.char_indices().take(24) {
        if c == '_' {
            end = i + 1;
            if key[..end].matches('_').count() == 2 {
                break;
            }
        } else if !c.is_ascii_lowercase() {
            break;
        }
    }
    let starts = match &key[..end] {
        "" => String::new(),
        prefix => format!(": it starts with {prefix}"),
    };
    Error::config(
        ConfigErrorKind::UnknownKeyPrefix,
        format!(
            "the API key is not a Hopae workspace key (no known environment prefix{starts}; \
             workspace keys start with {TEST_KEY_PREFIX} or {PROD_KEY_PREFIX})"
        ),
    )
}

/// How calls to `base_url` reach it when a proxy is configured, for error messages:
/// through the proxy, or directly because `NO_PROXY` exempts the host.
pub(crate) fn route(proxy: &ureq::Proxy, base_url: &str) -> String {
    let exempt = ureq::http::Uri::try_from(base_url).is_ok_and(|uri| proxy.is_no_proxy(&uri));
    if exempt {
        format!(
            "directly (NO_PROXY exempts the host from proxy {}:{})",
            proxy.host(),
            proxy.port()
        )
    } else {
        format!("via proxy {}:{}", proxy.host(), proxy.port())
    }
}

/// Refuses settings that would make a call wait forever or overflow deadline arithmetic.
pub(crate) fn check_settings(s: &Settings) -> Result<(), Error> {
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
pub(crate) fn validate_api_key(key: &str) -> Result<(), Error> {
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
    for (at, whitespace) in [
        ("starts", key.starts_with(char::is_whitespace)),
        ("ends", key.ends_with(char::is_whitespace)),
    ] {
        if whitespace {
            return Err(Error::config(
                ConfigErrorKind::ApiKeyInvalid,
                format!("the API key {at} with whitespace: copy it again without it"),
            ));
        }
    }
    for prefix in [TEST_KEY_PREFIX, PROD_KEY_PREFIX] {
        if key == prefix {
            return Err(Error::config(
                ConfigErrorKind::ApiKeyInvalid,
                format!("the API key is only its prefix {prefix}, with nothing after it"),
            ));
        }
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

impl BaseUrl {
    /// The path after the authority, without a trailing `/` (empty for none).
    pub(crate) fn path(&self) -> &str {
        let after_scheme = self.normalized.find("://").map_or(0, |i| i + 3);
        let rest = &self.normalized[after_scheme..];
        rest.find('/').map_or("", |i| &rest[i..])
    }
}

/// Checks a base URL without a URL crate: scheme, authority and path only. Errors show
/// the URL as [`shown_url`] does: the key redacted first, then cut.
pub(crate) fn parse_base_url(raw: &str, credential: &Credential) -> Result<BaseUrl, String> {
    let bad = |why: &str| Err(format!("base URL {:?} {why}", shown_url(raw, credential)));
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

    fn key() -> Credential {
        Credential::api_key(KEY)
    }

    #[test]
    fn base_url_rules() {
        let ok = |u: &str| parse_base_url(u, &key()).unwrap();
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
            assert!(parse_base_url(bad, &key()).is_err(), "{bad}");
        }
    }
}
