//! The facade: [`HopaeClient`] (Workspace API, workspace key) and [`AppClient`] (App
//! API, an App's client id and secret), their [`ClientBuilder`], and the handles every
//! endpoint hangs off.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use crate::apps::Apps;
use crate::config::{
    Environment, Options, PRODUCTION_HOST, ResponseEvent, SANDBOX_HOST, TraceSetting,
    validate_api_key,
};
use crate::error::{ConfigErrorKind, Error};
use crate::http::{AppHandle, Transport};
use crate::redact::Credential;
use crate::request::Request;
use crate::secret::Secret;
use crate::workspace::{self, Workspace};

/// A blocking client for the Hopae Connect Workspace API.
///
/// Cloning is cheap: clones share one configuration and one connection pool, so build
/// one client and pass clones (or references) to threads. Every call blocks the calling
/// thread until the response is read or the call fails; never call it from inside an
/// async runtime's worker thread (use `spawn_blocking` there).
///
/// Endpoints hang off handles that cost nothing to make: [`HopaeClient::apps`] for the
/// App collection, [`HopaeClient::app`] for one App and everything under it
/// (production tests, webhook settings, workflows, providers, custom domain), and
/// [`HopaeClient::workspace`].
///
/// # Example
///
/// ```no_run
/// use hopae::ProductionTestItem;
///
/// let client = hopae::HopaeClient::new("sk_workspace_test_...")?;
/// for item in client.app("FK5b0KSM").production_tests().list()? {
///     match item {
///         ProductionTestItem::Challenge(c) => println!("{} active={}", c.id, c.is_active),
///         ProductionTestItem::Request(r) => println!("{} {}", r.id, r.status),
///     }
/// }
/// # Ok::<(), hopae::Error>(())
/// ```
#[derive(Clone)]
pub struct HopaeClient {
    transport: Transport,
}

impl fmt::Debug for HopaeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HopaeClient").field(&self.transport).finish()
    }
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
    /// Same as `ClientBuilder::from_env()?.build()`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `HOPAE_API_KEY` is unset, empty or not valid Unicode, and
    /// for every reason [`ClientBuilder::build`] gives.
    pub fn from_env() -> Result<HopaeClient, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// A builder for a client with non-default settings.
    pub fn builder(api_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder::with(Input::ApiKey(api_key.into()))
    }

    /// The base URL endpoint paths are appended to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        self.transport.base_url()
    }

    /// The App collection: list, page through, create and batch-create Apps.
    pub fn apps(&self) -> Apps<'_> {
        Apps {
            transport: &self.transport,
        }
    }

    /// One App, by its client id (e.g. `"FK5b0KSM"`), and everything under it. Making the
    /// handle sends nothing; an id that cannot be a path segment (empty, `.`, `..`, over
    /// 1,024 bytes) fails each call with [`Error::InvalidInput`].
    pub fn app(&self, client_id: &str) -> AppHandle<'_> {
        AppHandle::new(&self.transport, client_id)
    }

    /// A request to any endpoint under the base URL, for one this crate does not cover:
    /// the same funnel as every other call (the key, retries, an idempotency key on
    /// POST, deadlines, redaction and errors). `method` is GET, POST, PUT, PATCH or
    /// DELETE (any case); `path` starts with `/` and is appended to the base URL, so
    /// `"/apps"` is `{base_url}/apps`. Absolute URLs and `//...` are refused with
    /// [`Error::InvalidInput`] when sent: the key never leaves for another origin.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::new("sk_workspace_test_...")?;
    /// let workspace = client.request("GET", "/workspace").send_json()?;
    /// println!("{}", workspace["id"]);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn request(&self, method: &str, path: &str) -> Request<'_> {
        Request::new(&self.transport, method, path)
    }

    /// The workspace the API key belongs to (`GET /workspace`).
    ///
    /// # Errors
    ///
    /// [`Error::Api`] for a non-2xx status (401 invalid key), and the errors every call
    /// can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let ws = client.workspace()?;
    /// println!("{} has {} apps", ws.id, ws.apps_count);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn workspace(&self) -> Result<Workspace, Error> {
        workspace::get(&self.transport)
    }
}

/// A blocking client for the Hopae Connect App API: what an App uses, with its own
/// client id and secret (HTTP Basic), to verify a person.
///
/// App credentials carry no environment marker, so the builder needs an explicit
/// [`Environment`] or base URL. Cloning is cheap: clones share one configuration and one
/// connection pool. The client secret never appears in `Debug`, errors or logs.
///
/// # Example
///
/// ```
/// use hopae::{AppClient, Environment};
///
/// let app = AppClient::builder("FK5b0KSM", "6f1c0a9e")
///     .environment(Environment::Sandbox)
///     .build()?;
/// assert_eq!(app.client_id(), "FK5b0KSM");
/// assert_eq!(app.base_url(), "https://sandbox.api.hopae.com/connect/v1");
/// assert!(!format!("{app:?}").contains("6f1c0a9e"));
/// # Ok::<(), hopae::Error>(())
/// ```
#[derive(Clone)]
pub struct AppClient {
    pub(crate) transport: Transport,
    client_id: String,
    /// The environment it was built for, when one was named (the OIDC issuer follows it).
    environment: Option<Environment>,
}

impl fmt::Debug for AppClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppClient")
            .field("client_id", &self.client_id)
            .field("transport", &self.transport)
            .finish()
    }
}

impl AppClient {
    /// A builder for an App client: the App's client id and client secret. Set an
    /// environment or a base URL before [`ClientBuilder::build`].
    pub fn builder(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> ClientBuilder<AppClient> {
        ClientBuilder::with(Input::App {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            environment: None,
        })
    }

    /// A client configured from the environment: `HOPAE_CLIENT_ID`,
    /// `HOPAE_CLIENT_SECRET`, and `HOPAE_BASE_URL` when set and not empty, else
    /// `HOPAE_ENVIRONMENT` (`sandbox` or `production`). Same as
    /// `AppClient::builder_from_env()?.build()`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when a variable is unset, empty or not valid Unicode,
    /// `HOPAE_ENVIRONMENT` names no environment, and for every reason
    /// [`ClientBuilder::build`] gives.
    pub fn from_env() -> Result<AppClient, Error> {
        AppClient::builder_from_env()?.build()
    }

    /// A builder configured from the environment as [`AppClient::from_env`] reads it,
    /// whose other settings can then be changed before [`ClientBuilder::build`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `HOPAE_CLIENT_ID` or `HOPAE_CLIENT_SECRET` is unset, empty
    /// or not valid Unicode, or `HOPAE_ENVIRONMENT` is neither `sandbox` nor
    /// `production`.
    pub fn builder_from_env() -> Result<ClientBuilder<AppClient>, Error> {
        ClientBuilder::<AppClient>::app_from_env()
    }

    /// The App's client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The base URL endpoint paths are appended to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        self.transport.base_url()
    }

    /// The environment named when the client was built (`None` when it was built with a
    /// base URL only).
    pub fn environment(&self) -> Option<Environment> {
        self.environment
    }

    /// A request to any App API endpoint under the base URL, with the App's Basic
    /// credentials: as [`HopaeClient::request`].
    pub fn request(&self, method: &str, path: &str) -> Request<'_> {
        Request::new(&self.transport, method, path)
    }
}

/// What a builder authenticates with.
#[derive(Clone)]
enum Input {
    ApiKey(String),
    App {
        client_id: String,
        client_secret: Secret,
        environment: Option<Environment>,
    },
}

/// Configures and builds a [`HopaeClient`] (the default) or an [`AppClient`].
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
pub struct ClientBuilder<C = HopaeClient> {
    input: Input,
    options: Options,
    client: PhantomData<fn() -> C>,
}

impl<C> Clone for ClientBuilder<C> {
    fn clone(&self) -> Self {
        ClientBuilder {
            input: self.input.clone(),
            options: self.options.clone(),
            client: PhantomData,
        }
    }
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ClientBuilder");
        let credential = match &self.input {
            Input::ApiKey(key) => {
                d.field("api_key", &"[redacted]");
                Credential::api_key(key)
            }
            Input::App {
                client_id,
                client_secret,
                ..
            } => {
                d.field("client_id", client_id)
                    .field("client_secret", client_secret);
                Credential::basic(client_id, client_secret.expose())
            }
        };
        self.options.debug_fields(&mut d, &credential);
        d.finish()
    }
}

impl<C> ClientBuilder<C> {
    fn with(input: Input) -> ClientBuilder<C> {
        ClientBuilder {
            input,
            options: Options::default(),
            client: PhantomData,
        }
    }

    /// Trusts the root certificates in `pem` (one or more `-----BEGIN CERTIFICATE-----`
    /// blocks) **instead of** the Mozilla roots compiled into the crate, as curl's
    /// `--cacert` does. For a corporate TLS-inspecting proxy, pass a bundle that holds
    /// the public roots too (such as the system's `ca-certificates.crt`) if the client
    /// must also reach hosts the proxy does not inspect.
    ///
    /// The PEM is checked at `build()`: it must hold at least one certificate, each a
    /// valid X.509 certificate; other sections (a private key) are skipped.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let pem = std::fs::read("corporate-root.pem")?;
    /// let client = hopae::HopaeClient::builder("sk_workspace_test_...")
    ///     .root_certificates_pem(pem)
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.options.roots = crate::tls::Roots::Pem(Arc::from(pem.as_ref()));
        self
    }

    /// [`ClientBuilder::root_certificates_pem`] with the certificates of a PEM file,
    /// read at `build()` (at most 16 MiB).
    pub fn root_certificates_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.options.roots = crate::tls::Roots::File(path.into());
        self
    }

    /// Trusts the certificates of the files `SSL_CERT_FILE` and `SSL_CERT_DIR` name
    /// (OpenSSL's variables: a PEM file, and directories separated like `PATH` whose
    /// files are read as PEM), **instead of** the Mozilla roots, when either is set and
    /// not empty; otherwise keeps the roots as they are.
    ///
    /// `from_env()` calls this ([`ClientBuilder::from_env`], [`HopaeClient::from_env`],
    /// [`AppClient::from_env`]); a builder made with `builder()` reads no environment
    /// variable for its roots unless asked to, so a program's trust does not change
    /// with its environment by surprise. The files are read at `build()`.
    pub fn root_certificates_from_env(mut self) -> Self {
        if let Some(roots) = crate::tls::Roots::from_env() {
            self.options.roots = roots;
        }
        self
    }

    /// Verifies server certificates with the operating system's verifier and trust
    /// store (the roots an administrator installed included) instead of the Mozilla
    /// roots: `rustls-platform-verifier`, through ureq. Needs the cargo feature
    /// `platform-verifier` (on Linux it adds 3 crates, on macOS 6, on Windows 4).
    #[cfg(feature = "platform-verifier")]
    #[cfg_attr(docsrs, doc(cfg(feature = "platform-verifier")))]
    pub fn platform_verifier(mut self) -> Self {
        self.options.roots = crate::tls::Roots::Platform;
        self
    }

    /// Prints an HTTP trace on stderr when `on` (every attempt's request line and
    /// headers, then its status, headers, timing and a body excerpt of at most 1,000
    /// characters, or its failure), or none when `off`, whatever `HOPAE_DEBUG` says.
    ///
    /// By default the trace is on when the environment variable `HOPAE_DEBUG` holds
    /// `http` (a comma-separated list) as the client is built, so a program's user can
    /// turn it on without code. Credentials never appear in it: `Authorization` and
    /// cookie headers are replaced, the key is redacted wherever a value echoes it,
    /// response excerpts have [`crate::SECRET_FIELDS`] and the key scrubbed, and request
    /// bodies (which can hold webhook secrets or provider keys) are shown by size and
    /// content type only.
    pub fn http_trace(mut self, on: bool) -> Self {
        self.options.trace = if on {
            TraceSetting::On(crate::trace::stderr_sink())
        } else {
            TraceSetting::Off
        };
        self
    }

    /// [`ClientBuilder::http_trace`] to `f` instead of stderr, one line at a time
    /// (each starting with `hopae: `), e.g. into a logger.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::builder("sk_workspace_test_...")
    ///     .http_trace_to(|line| eprintln!("[http] {line}"))
    ///     .build()?;
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn http_trace_to(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.options.trace = TraceSetting::On(crate::trace::lines_sink(f));
        self
    }

    /// Puts your program's name before the crate's own in the `User-Agent` header:
    /// `my-tool/1.2 hopae/0.1.0 (rust; ureq)`. It must be 1 to 200 visible ASCII
    /// characters or spaces.
    pub fn user_agent_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.options.user_agent_prefix = Some(prefix.into());
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
        self.options.on_response = Some(Arc::new(f));
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
        self.options.base_url = Some(base_url.into());
        self
    }

    /// Uses the base URL of an environment: for workspace keys whose prefix names none,
    /// and required (or [`ClientBuilder::base_url`]) for App credentials, which carry no
    /// environment marker.
    pub fn environment(self, environment: Environment) -> Self {
        self.base_url(environment.base_url())
    }

    /// The deadline for one attempt, from connecting to the last byte of the body
    /// (default 30 s, at most 24 h). A server that trickles bytes cannot hold a call
    /// past it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.settings.timeout = timeout;
        self
    }

    /// The deadline for opening the connection, TLS handshake included (default 10 s;
    /// never longer than [`ClientBuilder::timeout`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.options.settings.connect_timeout = timeout;
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
    /// with the same idempotency key (`with_idempotency_key`, see [`ProductionTests::create`]) to be sure
    /// it is not created twice. A pooled keep-alive connection the server has closed is
    /// not used: ureq checks a pooled connection before sending on it, and opens a new
    /// one.
    ///
    /// Never retried: other statuses (3xx included), a timeout after the connection was
    /// opened (the server may still be working), a host that does not resolve, TLS
    /// and HTTP protocol failures, a body cut short or over
    /// [`ClientBuilder::max_response_size`], a body that does not decode.
    ///
    /// [`ProductionTests::create`]: crate::production_tests::ProductionTests::create
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.options.settings.max_retries = max_retries;
        self
    }

    /// The exponential backoff between retries: the n-th retry waits between half and
    /// all of `initial * 2^(n-1)`, capped at `max` (defaults 500 ms and 8 s, each at most
    /// 24 h). A `Retry-After` header replaces the backoff.
    pub fn retry_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.options.settings.initial_backoff = initial;
        self.options.settings.max_backoff = max;
        self
    }

    /// The longest `Retry-After` wait the client sleeps (default 30 s, at most 24 h).
    /// When the server asks for longer, the call fails at once and
    /// [`Error::retry_after`] tells the caller how long the server asked to wait.
    pub fn max_retry_wait(mut self, max: Duration) -> Self {
        self.options.settings.max_retry_wait = max;
        self
    }

    /// The largest response body read, in bytes (default 10 MiB). A larger body fails
    /// the call with [`Error::ResponseTooLarge`] without buffering the rest.
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.options.settings.max_response_size = bytes;
        self
    }

    /// How many idle connections the client keeps open for reuse (default 16).
    ///
    /// A connection is returned to the pool when its call ends; when more calls end at
    /// once than the pool holds, the surplus connections are closed, and the next calls
    /// open new ones (against the real API: a new TLS handshake each). Set it to at least
    /// the number of threads that share one client. `0` disables reuse.
    pub fn max_idle_connections(mut self, n: usize) -> Self {
        self.options.settings.max_idle_connections = n;
        self
    }
}

impl ClientBuilder {
    /// A builder configured from the environment: the key from `HOPAE_API_KEY`, the base
    /// URL from `HOPAE_BASE_URL` when it is set and not empty, the trusted roots from
    /// `SSL_CERT_FILE`/`SSL_CERT_DIR` when either is set and not empty
    /// ([`ClientBuilder::root_certificates_from_env`]). Other settings can then be
    /// changed before [`ClientBuilder::build`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `HOPAE_API_KEY` is unset, empty or not valid Unicode, or
    /// `HOPAE_BASE_URL` is not valid Unicode.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::ClientBuilder::from_env()?
    ///     .timeout(std::time::Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn from_env() -> Result<ClientBuilder, Error> {
        let Some(key) = env_var("HOPAE_API_KEY", ConfigErrorKind::ApiKeyInvalid)? else {
            return Err(Error::config(
                ConfigErrorKind::ApiKeyMissing,
                "HOPAE_API_KEY is not set",
            ));
        };
        let mut builder = HopaeClient::builder(key).root_certificates_from_env();
        if let Some(url) = env_var("HOPAE_BASE_URL", ConfigErrorKind::BaseUrl)? {
            builder = builder.base_url(url);
        }
        Ok(builder)
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
    ///   `max_retries` is over 10;
    /// - the host is Hopae's (`*.hopae.com`) and the path is not `/connect/v1`;
    /// - root certificates were set ([`ClientBuilder::root_certificates_pem`],
    ///   [`ClientBuilder::root_certificates_file`], `SSL_CERT_FILE`/`SSL_CERT_DIR`) and
    ///   cannot be read, are malformed, or hold no certificate.
    pub fn build(self) -> Result<HopaeClient, Error> {
        let Input::ApiKey(api_key) = &self.input else {
            unreachable!("a ClientBuilder<HopaeClient> is made from an API key only")
        };
        validate_api_key(api_key)?;
        let key_env = Environment::from_api_key(api_key);
        let mut options = self.options;
        if options.base_url.is_none() {
            let Some(env) = key_env else {
                // The key is at fault, not the missing base URL.
                return Err(crate::config::unknown_key_prefix(api_key));
            };
            options.base_url = Some(env.base_url().to_owned());
        }
        let transport = Transport::new(options, Credential::api_key(api_key))?;
        let host = host_of(transport.base_url());
        match (key_env, host.as_str()) {
            (Some(Environment::Sandbox), PRODUCTION_HOST) => Err(Error::config(
                ConfigErrorKind::EnvironmentMismatch,
                "a sandbox key (sk_workspace_test_) only works on the sandbox host, not on api.hopae.com",
            )),
            (Some(Environment::Production), SANDBOX_HOST) => Err(Error::config(
                ConfigErrorKind::EnvironmentMismatch,
                "a production key (sk_workspace_prod_) only works on api.hopae.com, not on the sandbox host",
            )),
            _ => Ok(HopaeClient { transport }),
        }
    }
}

/// The longest App client id or client secret accepted: far above real ones (8 and 64
/// characters), low enough to bound every header and redaction.
pub(crate) const MAX_CLIENT_CREDENTIAL_LEN: usize = 512;

impl ClientBuilder<AppClient> {
    /// [`AppClient::builder_from_env`].
    fn app_from_env() -> Result<ClientBuilder<AppClient>, Error> {
        let missing = |name: &str| {
            Error::config(
                ConfigErrorKind::ClientCredentialsMissing,
                format!("{name} is not set"),
            )
        };
        let id = env_var("HOPAE_CLIENT_ID", ConfigErrorKind::ClientCredentialsInvalid)?
            .ok_or_else(|| missing("HOPAE_CLIENT_ID"))?;
        let secret = env_var(
            "HOPAE_CLIENT_SECRET",
            ConfigErrorKind::ClientCredentialsInvalid,
        )?
        .ok_or_else(|| missing("HOPAE_CLIENT_SECRET"))?;
        let mut builder = AppClient::builder(id, secret).root_certificates_from_env();
        if let Some(url) = env_var("HOPAE_BASE_URL", ConfigErrorKind::BaseUrl)? {
            builder = builder.base_url(url);
        }
        match env_var("HOPAE_ENVIRONMENT", ConfigErrorKind::EnvironmentMissing)?.as_deref() {
            None => {}
            Some(name) => match Environment::from_name(name) {
                Some(env) => builder = builder.with_environment(env),
                None => {
                    return Err(Error::config(
                        ConfigErrorKind::EnvironmentMissing,
                        "HOPAE_ENVIRONMENT must be `sandbox` or `production`",
                    ));
                }
            },
        }
        Ok(builder)
    }

    /// Records `env` as the App's environment (the OIDC issuer follows it) without
    /// replacing a base URL already set.
    fn with_environment(mut self, env: Environment) -> Self {
        if let Input::App { environment, .. } = &mut self.input {
            *environment = Some(env);
        }
        if self.options.base_url.is_none() {
            self.options.base_url = Some(env.base_url().to_owned());
        }
        self
    }

    /// Builds the App client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when:
    /// - the client id or secret is empty, longer than 512 characters, or has a character
    ///   other than an ASCII letter, digit, `_` or `-` (the message gives its position,
    ///   never the secret);
    /// - neither an environment nor a base URL was set (App credentials carry no
    ///   environment marker);
    /// - the base URL or a setting breaks a rule of [`ClientBuilder::build`] for
    ///   workspace clients.
    pub fn build(self) -> Result<AppClient, Error> {
        let Input::App {
            client_id,
            client_secret,
            mut environment,
        } = self.input
        else {
            unreachable!("a ClientBuilder<AppClient> is made from App credentials only")
        };
        check_client_credential("client id", &client_id)?;
        check_client_credential("client secret", client_secret.expose())?;
        let Some(base_url) = self.options.base_url.as_deref() else {
            return Err(Error::config(
                ConfigErrorKind::EnvironmentMissing,
                "App credentials carry no environment: call .environment(Environment::Sandbox)                  (or Production) or .base_url(..), or set HOPAE_ENVIRONMENT or HOPAE_BASE_URL",
            ));
        };
        if environment.is_none() {
            environment = [Environment::Sandbox, Environment::Production]
                .into_iter()
                .find(|e| e.base_url() == base_url.trim_end_matches('/'));
        }
        let credential = Credential::basic(&client_id, client_secret.expose());
        Ok(AppClient {
            transport: Transport::new(self.options, credential)?,
            client_id,
            environment,
        })
    }
}

/// App client ids and secrets: 1 to 512 ASCII letters, digits, `_` and `-`, so that no
/// escaped echo of them escapes redaction and no header can be injected.
fn check_client_credential(what: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::config(
            ConfigErrorKind::ClientCredentialsMissing,
            format!("the {what} is empty"),
        ));
    }
    if value.len() > MAX_CLIENT_CREDENTIAL_LEN {
        return Err(Error::config(
            ConfigErrorKind::ClientCredentialsInvalid,
            format!("the {what} is longer than {MAX_CLIENT_CREDENTIAL_LEN} characters"),
        ));
    }
    if let Some(i) = value
        .chars()
        .position(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    {
        return Err(Error::config(
            ConfigErrorKind::ClientCredentialsInvalid,
            format!(
                "the {what} may only contain ASCII letters, digits, `_` and `-`; character {} is not one",
                i + 1
            ),
        ));
    }
    Ok(())
}

/// An environment variable that is set and not empty; `kind` for one that is not
/// valid Unicode.
fn env_var(name: &str, kind: ConfigErrorKind) -> Result<Option<String>, Error> {
    use std::env::{VarError, var};
    match var(name) {
        Ok(v) if !v.is_empty() => Ok(Some(v)),
        Ok(_) | Err(VarError::NotPresent) => Ok(None),
        Err(VarError::NotUnicode(_)) => {
            Err(Error::config(kind, format!("{name} is not valid Unicode")))
        }
    }
}

/// The lowercased host of a checked base URL.
fn host_of(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::shown_url;

    const KEY: &str = "sk_workspace_test_SECRETKEY1234567890";

    #[test]
    fn clients_are_clone_send_sync() {
        fn assert<T: Clone + Send + Sync + 'static>() {}
        assert::<HopaeClient>();
        assert::<ClientBuilder>();
        assert::<AppClient>();
        assert::<ClientBuilder<AppClient>>();
    }

    #[test]
    fn an_app_client_needs_an_environment_or_a_base_url() {
        let e = AppClient::builder("FK5b0KSM", "6f1c0a9e")
            .build()
            .unwrap_err();
        match &e {
            Error::Config(c) => assert_eq!(c.kind(), ConfigErrorKind::EnvironmentMissing),
            other => panic!("{other:?}"),
        }
        let shown = e.to_string();
        assert!(
            shown.contains(".environment(") && shown.contains(".base_url("),
            "{shown}"
        );
        let app = AppClient::builder("FK5b0KSM", "6f1c0a9e")
            .base_url("http://127.0.0.1:9/connect/v1")
            .build()
            .unwrap();
        assert_eq!(app.environment(), None);
        let app = AppClient::builder("FK5b0KSM", "6f1c0a9e")
            .environment(Environment::Production)
            .build()
            .unwrap();
        assert_eq!(app.environment(), Some(Environment::Production));
    }

    #[test]
    fn app_credentials_are_checked_and_never_shown() {
        let kind = |id: &str, secret: &str| match AppClient::builder(id, secret)
            .environment(Environment::Sandbox)
            .build()
        {
            Err(Error::Config(c)) => (c.kind(), c.message().to_owned()),
            other => panic!("{other:?}"),
        };
        assert_eq!(kind("", "s").0, ConfigErrorKind::ClientCredentialsMissing);
        assert_eq!(kind("id", "").0, ConfigErrorKind::ClientCredentialsMissing);
        let (k, m) = kind(
            "id",
            "SECRETabc
X: y",
        );
        assert_eq!(k, ConfigErrorKind::ClientCredentialsInvalid);
        assert!(!m.contains("SECRET") && m.contains("character 10"), "{m}");
        let b = AppClient::builder("FK5b0KSM", "SECRETabc").base_url("https://h.example/SECRETabc");
        assert!(!format!("{b:?}").contains("SECRETabc"), "{b:?}");
        let app = b.build().unwrap();
        assert!(!format!("{app:?}").contains("SECRETabc"), "{app:?}");
    }

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
        for (bad, message) in [
            (" sk_workspace_test_a", "the API key starts with whitespace"),
            ("sk_workspace_test_a\n", "the API key ends with whitespace"),
            ("sk_workspace_test_\t", "the API key ends with whitespace"),
            (
                "sk_workspace_test_",
                "the API key is only its prefix sk_workspace_test_",
            ),
            (
                "sk_workspace_prod_",
                "the API key is only its prefix sk_workspace_prod_",
            ),
        ] {
            let shown = HopaeClient::new(bad).unwrap_err().to_string();
            assert!(shown.contains(message), "{bad:?}: {shown}");
        }
        assert!(HopaeClient::new("").is_err());
        assert!(HopaeClient::new("sk_workspace_test_".to_owned() + &"a".repeat(600)).is_err());
        assert!(HopaeClient::new("sk_workspace_test_Ab-9_z").is_ok());
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
            shown_url("https://u:p@h.example:1/a?b#c", &Credential::api_key(KEY)),
            "https://[redacted]@h.example:1/a[…]"
        );
        assert_eq!(
            shown_url("https://h.example/a@b", &Credential::api_key(KEY)),
            "https://h.example/a@b"
        );
        assert_eq!(
            shown_url(&"x".repeat(300), &Credential::api_key(KEY))
                .chars()
                .count(),
            101
        );
    }

    #[test]
    fn debug_redacts_the_key() {
        let b = HopaeClient::builder(KEY).base_url(format!("https://h.example/{KEY}"));
        assert!(format!("{b:?}").contains("[redacted]"));
        assert!(!format!("{b:?}").contains("SECRET"), "{b:?}");
        let c = HopaeClient::builder(KEY).build().unwrap();
        assert!(format!("{c:?}").contains("[redacted]"));
        assert!(!format!("{c:?}").contains("SECRET"));
    }
}
