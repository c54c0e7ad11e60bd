//! A stateful fake of the whole Workspace API and of the App API, served in-process on
//! 127.0.0.1, for testing code built on this crate (or on any HTTP client) without
//! calling Hopae.
//!
//! Enabled by the `mock` cargo feature (off by default: builds without it compile none
//! of this). It uses only the standard library and this crate's own dependencies. A
//! crate that tests against it enables the feature for its tests only (the crate is not
//! on crates.io: depend on a checkout, as here, or on a git repository):
//!
//! ```toml
//! [dev-dependencies]
//! hopae = { path = "../hopae", features = ["mock"] }
//! ```
//!
//! # What it models
//!
//! [`Server::start`] serves one workspace, held in memory, on a loopback port. Every
//! Workspace API operation is answered with the documented shapes, status codes and
//! error envelope (`{"error": {"code", "message", "details"}, "request_id"}`), and what
//! one call changes, the next one sees:
//!
//! - **Apps**: create (an 8-character client id, a client secret, a default workflow
//!   with the `passport` provider), list (paged, `limit` at most 100), get, update
//!   (`redirectUris` replaced, `webhookConfig` merged, `logo: ""` removes the logo;
//!   sending `clientId` or `clientSecret` is a 400), delete (then 404), batch create
//!   (at most 100 items, `continueOnError`), client-secret rotation, redirect URIs
//!   (duplicates removed, hosts lowercased; https only, except for localhost; no
//!   fragment; at most 2,048 characters and 20 URIs).
//! - **Webhook settings**: read (the secret only as a preview such as `whsec_****abc1`),
//!   merge, secret rotation.
//! - **Production tests**: a created request is `pending`; the n-th list call after its
//!   creation (see [`Builder::schedule_after`], default 2) schedules it: it gets a
//!   `challengeId` and the status `scheduled`, and a stamp-mode `challenge` item appears
//!   (expiring a week later) whose report starts at zero claims and grows with
//!   [`Server::claim`], until the claims reach `maxStamps` and the challenge completes.
//!   `providerIds` must name providers enabled on the App and not chip readers
//!   (`passport`); omitted, the App needs at least one such provider.
//! - **Workflows** (list, get, create with 409 on an existing id and a 400 past 100,
//!   update, delete with a 400 for the default, set-default, node types; node ids are
//!   unique, and `entryNodeId` and every `next` name a node), **providers** (the list,
//!   in the OpenAPI shape `{providers, total}`, of the providers ever enabled on the
//!   App; activation steps, enable/disable, the activation form once per provider,
//!   multipart uploads of at most 10 documents for `ftn`, `spid-ig` and `idin` only,
//!   document deletion, bulk activation), **custom domains** (two different bare host
//!   names under one base domain; each verify call moves the status `awaiting_dns` ->
//!   `verifying` -> `active`), and `GET /workspace`.
//! - **Checks**: a Bearer key with a workspace prefix (a test key on the default
//!   sandbox fake, a prod key on a [`Builder::production`] one; anything else is a 401
//!   `AUTH_INVALID_CREDENTIALS`); required fields and documented limits (400
//!   `VALIDATION_*` with `details.parameter`); unknown routes (404) and methods (405).
//! - **OpenID Connect**: an OIDC provider under [`OIDC_PATH`] ([`Server::oidc_issuer`]):
//!   discovery, `/auth` (checks the client id, the registered redirect URI exactly, PKCE
//!   S256 and an `openid` scope, then redirects at once with a single-use code for its
//!   one test person, or with `error=access_denied` after
//!   [`Server::deny_next_authorizations`]), `/token` (Basic or body credentials, form
//!   only, PKCE verified, redirect URI matched; RFC 6749 errors), `/userinfo` (Bearer),
//!   `/jwks`. ID tokens are signed RS256 by one of two fixed, test-only keys kept in the
//!   source; [`Server::rotate_oidc_key`] switches keys, [`Server::set_oidc_loa`] sets the
//!   level, and [`Server::sign_id_token`] signs any claims (to test a relying party's
//!   checks).
//! - **Idempotency**: every POST's `Idempotency-Key` is remembered, workspace-wide; the
//!   same key, path and body replay the first answer with `Idempotency-Replayed: true`,
//!   the same key with another path or body is a 409 `IDEMPOTENCY_KEY_CONFLICT`, and a
//!   key whose first request is still running (see [`Builder::latency`]) a 409
//!   `IDEMPOTENCY_REQUEST_IN_PROGRESS`.
//! - **The App API** (`/providers`, `/verifications`), authenticated with HTTP Basic
//!   `clientId:clientSecret` of any App the fake holds (one created through the
//!   Workspace API works at once; a rotated secret replaces the old one; the seed App's
//!   secret is [`SEED_CLIENT_SECRET`]). The provider catalog lists `smartid`, `frejaid`,
//!   `bankidse`, `mitid`, `idin`, `skmobileid`, `audkenni` and `passport` with their
//!   flow types, levels and user-data requirements (`GET /providers/{id}/configuration`;
//!   `isActive` when enabled on the App through the Workspace API). A create checks the
//!   provider (404 `PROVIDER_NOT_FOUND`, 403 `PROVIDER_NOT_ENABLED`), the flow type, the
//!   user data (400 `VALIDATION_MISSING_USER_DATA` naming the fields,
//!   `VALIDATION_INVALID_USER_DATA`; at most 64 keys of at most 1,024 characters, as
//!   the fake keeps every session in memory, at most the last 10,000), and `requestedLoa` (1 to 5, else 400; above what
//!   the provider reaches, the documented 422). A session is `initiated`; each `GET` is a
//!   poll: the first answers `awaiting_user_action`, the n-th completes it as a default
//!   person ([`Builder::complete_after`], default 3; 0 never). A QR flow's `qrData`
//!   changes on every poll. A session expires 5 minutes after its creation. `DELETE`
//!   cancels (204; then `cancelled`; 400 once ended), userinfo and evidence answer 400
//!   `verification_not_completed` / `evidence_not_available` until completed, and
//!   `dc-request` serves `dc` flows. Errors come in the App API's shapes: RFC 7807
//!   problems (`title`, `status`, `detail`, `context`), lowercase codes
//!   (`{"error": {"code", "message", "details"}}`), and the 422 `{"code", "detail",
//!   "context"}`. Test controls play the person:
//!   [`Server::complete_verification`] (with chosen claims and level, see
//!   [`Completion`]), [`Server::fail_verification`], [`Server::expire_verification`],
//!   [`Server::cancel_verification`]; [`Server::verifications`] lists the sessions.
//! - **Webhook deliveries**: [`Server::emit`] POSTs a documented event to the App's
//!   webhook URL when its settings are enabled and list the event, signed with its
//!   `whsec_` secret ([`crate::webhooks::sign`], header `X-Hopae-Signature`), body
//!   `{"id": "evt_...", "event", "createdAt", "clientId", "data"}`, retried as its
//!   `retryAttempts` and `timeoutSeconds` say ([`Builder::delivery_backoff`]);
//!   [`Server::deliveries`] lists them.
//! - **Revoked keys**: [`Server::revoke_key`] makes a key answer 401 from then on.
//! - **Test controls** over HTTP, for a fake in another process (`hopae mock`), under
//!   `/_mock/` and without a key: `POST /_mock/emit` `{app, event, data?}`,
//!   `GET /_mock/deliveries`, `POST /_mock/claims` `{challengeId, providerId}`,
//!   `POST /_mock/challenges/{id}/complete`, `POST /_mock/production-tests/{id}/fail`,
//!   `POST /_mock/keys/revoke` `{key}`. The `hopae mock` subcommands call them.
//! - **Request ids**: every answer has an `X-Request-Id` (UUID-like), also in the error
//!   envelope.
//! - **Faults**, to test a caller's resilience: a seeded failure rate of 503s with
//!   `Retry-After` ([`Builder::fail_rate`], [`Builder::seed`],
//!   [`Builder::retry_after`]), added latency ([`Builder::latency`]), and
//!   [`Server::fail_next`]. [`Server::requests`] logs every call.
//!
//! The server speaks plain HTTP/1.1 on 127.0.0.1 with keep-alive and `Content-Length`
//! bodies (chunked uploads are refused with 411). Any HTTP client can use it, not only
//! [`HopaeClient`](crate::HopaeClient), and no local client can exhaust it:
//!
//! - request heads up to 16 KiB (431 beyond); bodies up to the API's own limits,
//!   [`MAX_JSON_BODY_BYTES`](crate::MAX_JSON_BODY_BYTES) (1 MiB), or
//!   [`MAX_MULTIPART_BODY_BYTES`](crate::MAX_MULTIPART_BODY_BYTES) (101 MiB) for
//!   `multipart/form-data` (413 beyond), and at most 256 MiB of bodies buffered across
//!   all connections (503 with `Retry-After: 1` beyond; uploads may use all but 16 MiB
//!   of it, which stays for JSON calls);
//! - a connection may stay silent 10 seconds between requests; a request must arrive
//!   whole within 30 seconds of its first byte, however it trickles (408, then closed);
//! - one thread per connection, at most 64 connections: when all are taken, the one
//!   that has waited longest for or on its request is closed to make room, so slow or
//!   idle connections cannot keep real requests out (a 503 only when all 64 are being
//!   answered at that moment);
//! - only requests whose `Host` names the fake on loopback (`127.0.0.1:PORT`,
//!   `localhost:PORT` or `[::1]:PORT`) are answered, 421 otherwise: a web page cannot
//!   drive it through DNS rebinding;
//! - dropping the [`Server`] returns within about a second, even with a slow request in
//!   flight;
//! - what it remembers is bounded: the request log (see [`Server::requests`]),
//!   idempotency keys (10,000 and 64 MiB of stored answers) and the keys of batch items
//!   (10,000; a fingerprint of each item, not the item).
//!
//! Unless [`Builder::empty`] is used, the workspace starts with the API reference's
//! example App [`SEED_APP`] (`bankidse`, `mitid` and `smartid` enabled), its BankID SE
//! challenge [`SEED_CHALLENGE`] with a report of 2 claims (of 3: one more `bankidse`
//! claim completes it), and its MitID request [`SEED_REQUEST`], which stays pending (so
//! a list always shows both kinds of item).
//!
//! # What it does not model
//!
//! - **Verifications and claims**: no person ever verifies (a session completes by
//!   itself as one default person, or through the test controls), so no stamp claim
//!   arrives by itself; a test adds them with [`Server::claim`]. A challenge completes only when
//!   its claims reach the test's `maxStamps` (never by passing `expiresAt`) or a test
//!   completes it (`POST /_mock/challenges/{id}/complete`), and a request turns `failed`
//!   only when a test says so (`POST /_mock/production-tests/{id}/fail`).
//! - **E-mail**: none is sent.
//! - **Webhook deliveries by themselves**: no verification happens, so events are sent
//!   only when a test asks ([`Server::emit`], `POST /_mock/emit`), and only to `http://`
//!   loopback receivers (no TLS).
//! - **DNS and TLS**: a custom domain's verify call advances the status without looking
//!   anything up or issuing a certificate (so a domain never turns `invalid`), and the
//!   fake itself speaks plain `http://127.0.0.1`.
//! - **Real ids and secrets**: they come from a seeded generator and mean nothing to
//!   Hopae; evidence and provenance tokens only look like tokens, and a redirect flow's
//!   `authorizationUrl` points at a host that does not exist.
//! - **The rest**: rate limiting (429), the 24-hour expiry of idempotency keys, and
//!   persistence (the state lives as long as the [`Server`]).
//!
//! Facts the API documents loosely are filled in by the fake's own choices (the provider
//! catalog, the activation form's fields, the DNS record values); do not test for them.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//!
//! use hopae::HopaeClient;
//! use hopae::production_tests::NewProductionTest;
//! use hopae::wait::WaitOptions;
//!
//! let server = hopae::mock::Server::builder().schedule_after(1).start()?;
//! let client = HopaeClient::builder(hopae::mock::TEST_KEY)
//!     .base_url(server.url())
//!     .build()?;
//!
//! // Request a production test and wait until the fake schedules it.
//! let tests = client.app(hopae::mock::SEED_APP).production_tests();
//! let request = tests.create(&NewProductionTest::new("MitID test").provider_ids(["mitid"]))?;
//! let options = WaitOptions::new()
//!     .interval(Duration::from_millis(50))
//!     .timeout(Duration::from_secs(5));
//! let challenge = tests.wait_for_challenge(&request.id, &options)?;
//! assert_eq!(tests.report(&challenge.id)?.stats.total_claims, 0);
//!
//! // Errors are the API's.
//! let err = client.app("NoSuchAp").get().unwrap_err();
//! assert_eq!(err.status(), Some(404));
//! assert_eq!(err.code(), Some("RESOURCE_NOT_FOUND"));
//!
//! // Every call was logged.
//! assert_eq!(server.requests().last().map(|r| r.status), Some(404));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod deliveries;
mod http;
mod oidc;
mod routes;
mod sessions;
mod state;

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

pub use deliveries::Delivery;
/// Every REST operation the fake serves under its base URL, as method and path pattern
/// (`{}` stands for a path parameter): the Workspace API and the App API, in routing
/// order. The OIDC provider's endpoints, under [`OIDC_PATH`], are not listed (their
/// paths come from discovery). A test can hold the SDK's own list of operations
/// against it.
///
/// # Example
///
/// ```
/// let ops: Vec<_> = hopae::mock::operations().collect();
/// assert!(ops.contains(&("GET", "/workspace")));
/// assert!(ops.contains(&("POST", "/verifications")));
/// ```
pub fn operations() -> impl Iterator<Item = (&'static str, &'static str)> {
    routes::operations()
}

pub use oidc::{ID_TOKEN_LIFETIME, OIDC_KEY_IDS, OIDC_PATH};
pub use sessions::{Completion, ControlError, VerificationSummary};
pub use state::{SEED_APP, SEED_CHALLENGE, SEED_CLIENT_SECRET, SEED_REQUEST};

/// A sandbox key the default fake accepts (any `sk_workspace_test_` key does, until
/// [`Server::revoke_key`] revokes it).
pub const TEST_KEY: &str = "sk_workspace_test_mock";
/// A production key a [`Builder::production`] fake accepts (any `sk_workspace_prod_`
/// key does).
pub const PROD_KEY: &str = "sk_workspace_prod_mock";
/// The path every route is under, as on the real hosts; [`Server::url`] ends with it.
pub const BASE_PATH: &str = "/connect/v1";

/// A running fake of the Workspace API and the App API. It stops, and frees its port, when dropped.
///
/// See the [module documentation](self) for what it models.
pub struct Server {
    url: String,
    shared: Arc<routes::Shared>,
    running: http::Running,
}

impl Server {
    /// Starts a sandbox fake with the seed data on a free loopback port.
    ///
    /// # Errors
    ///
    /// An I/O error when no port can be bound or no thread started.
    pub fn start() -> io::Result<Server> {
        Server::builder().start()
    }

    /// A builder for a fake with other settings.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The base URL to give [`ClientBuilder::base_url`](crate::ClientBuilder::base_url):
    /// `http://127.0.0.1:<port>/connect/v1`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.running.addr()
    }

    /// A key this fake accepts: [`TEST_KEY`], or [`PROD_KEY`] for a production fake.
    pub fn api_key(&self) -> &'static str {
        if self.shared.production {
            PROD_KEY
        } else {
            TEST_KEY
        }
    }

    /// Makes the next `n` calls fail with a 503 (`Retry-After` as configured), whatever
    /// they ask; added to any count not used up yet.
    pub fn fail_next(&self, n: u64) {
        let mut state = self.shared.lock();
        state.fail_next = state.fail_next.saturating_add(n);
    }

    /// Adds one stamp claim, made through `provider_id`, to the challenge `challenge_id`
    /// (of any App): what a real user who completes a verification does, which the fake
    /// cannot do by itself.
    ///
    /// The claim counts in the challenge's report: `totalParticipations`, `totalClaims`
    /// and the provider's `claimCount` each grow by one. The claim that brings
    /// `totalClaims` to the `maxStamps` of the test completes the challenge, in the list
    /// and in the report: `completedAt` is set and `isActive` turns false.
    ///
    /// Returns the challenge's claim count after the claim, or `None` (and nothing
    /// changes) when no challenge has this id, the challenge has completed, or the test
    /// was limited (`providerIds`) to other providers. A challenge exists once its
    /// request was scheduled: see [`Builder::schedule_after`].
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use hopae::HopaeClient;
    /// use hopae::production_tests::NewProductionTest;
    /// use hopae::wait::WaitOptions;
    ///
    /// let server = hopae::mock::Server::builder().schedule_after(1).start()?;
    /// let client = HopaeClient::builder(hopae::mock::TEST_KEY).base_url(server.url()).build()?;
    /// let tests = client.app(hopae::mock::SEED_APP).production_tests();
    /// let request = tests.create(&NewProductionTest::new("MitID").provider_ids(["mitid"]).max_stamps(2))?;
    /// let options = WaitOptions::new().interval(Duration::from_millis(10));
    /// let challenge = tests.wait_for_challenge(&request.id, &options)?;
    ///
    /// assert_eq!(server.claim(&challenge.id, "mitid"), Some(1));
    /// assert_eq!(server.claim(&challenge.id, "bankidse"), None); // not a provider of the test
    /// assert_eq!(server.claim(&challenge.id, "mitid"), Some(2)); // the second of 2 completes it
    /// let report = tests.report(&challenge.id)?;
    /// assert!(!report.challenge.is_active && report.challenge.completed_at.is_some());
    /// assert_eq!(server.claim(&challenge.id, "mitid"), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn claim(&self, challenge_id: &str, provider_id: &str) -> Option<u64> {
        let now = time::OffsetDateTime::now_utc();
        self.shared.lock().claim(challenge_id, provider_id, now)
    }

    /// Emits the documented webhook `event` (see [`crate::webhooks::EVENTS`]) for the App
    /// `client_id`, with `data` as the body's `data`: when the App's webhook settings are
    /// enabled, have a URL (an `http://` loopback receiver, such as a test server or
    /// `hopae webhooks listen`) and list the event, the fake POSTs the signed delivery
    /// from a thread of its own, retrying as the settings say. See [`Server::deliveries`].
    ///
    /// Returns the event id (`evt_...`, the body's top-level `id`), or `None` (nothing
    /// sent) when the App does not exist or its settings send no such delivery.
    ///
    /// # Example
    ///
    /// ```
    /// use std::io::{BufRead, BufReader, Read, Write};
    /// use std::net::TcpListener;
    ///
    /// use hopae::{HopaeClient, WebhookConfigUpdate};
    ///
    /// let receiver = TcpListener::bind("127.0.0.1:0")?;
    /// let server = hopae::mock::Server::start()?;
    /// let client = HopaeClient::builder(hopae::mock::TEST_KEY).base_url(server.url()).build()?;
    /// let app = client.app(hopae::mock::SEED_APP);
    /// let url = format!("http://{}/hooks", receiver.local_addr()?);
    /// app.update_webhook_config(&WebhookConfigUpdate::new().url(url).events(["verification.completed"]))?;
    /// let secret = app.rotate_webhook_secret()?;
    ///
    /// let id = server.emit(hopae::mock::SEED_APP, "verification.completed", serde_json::json!({}));
    /// let (conn, _) = receiver.accept()?;
    /// let mut reader = BufReader::new(conn);
    /// let (mut signature, mut length) = (String::new(), 0);
    /// loop {
    ///     let mut line = String::new();
    ///     reader.read_line(&mut line)?;
    ///     match line.trim_end().split_once(": ") {
    ///         Some(("X-Hopae-Signature", v)) => signature = v.to_owned(),
    ///         Some(("Content-Length", v)) => length = v.parse()?,
    ///         _ if line.trim_end().is_empty() => break,
    ///         _ => {}
    ///     }
    /// }
    /// let mut body = vec![0; length];
    /// reader.read_exact(&mut body)?;
    /// reader.get_mut().write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")?;
    ///
    /// let event = hopae::Verifier::new(secret.expose().as_str()).verify(&signature, &body)?;
    /// assert_eq!(event.payload["id"].as_str(), id.as_deref());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn emit(&self, client_id: &str, event: &str, data: serde_json::Value) -> Option<String> {
        self.shared.lock().deliver(client_id, event, data).ok()
    }

    /// The webhook deliveries made or under way, oldest first (at least the last 900).
    pub fn deliveries(&self) -> Vec<Delivery> {
        let log = std::sync::Arc::clone(&self.shared.lock().deliveries);
        deliveries::list(&log)
    }

    /// Revokes `key`: every call with it is answered 401 `AUTH_INVALID_CREDENTIALS`
    /// ("This API key has been revoked") from then on. Any other well-formed key of
    /// the fake's environment still works.
    ///
    /// # Example
    ///
    /// ```
    /// let server = hopae::mock::Server::start()?;
    /// let key = "sk_workspace_test_revokeme";
    /// let client = hopae::HopaeClient::builder(key).base_url(server.url()).build()?;
    /// assert!(client.workspace().is_ok());
    /// server.revoke_key(key);
    /// assert_eq!(client.workspace().unwrap_err().status(), Some(401));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn revoke_key(&self, key: &str) {
        self.shared.lock().revoked.insert(key.to_owned());
    }

    /// The calls answered so far, oldest first: the last 10,000, or fewer when their
    /// paths are long (the log keeps at most 8 MiB of methods, paths and queries).
    /// Requests too malformed to be read are not logged.
    ///
    /// This copies the whole log; to follow it as it grows, use
    /// [`Server::requests_since`], which copies only the new calls.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.lock().log.iter().cloned().collect()
    }

    /// The calls answered since `cursor` last moved, oldest first, and moves it past
    /// them: following the log this way copies only what is new. Calls the log dropped
    /// before they were read (see [`Server::requests`]) are skipped; their number is
    /// the cursor's move minus the calls returned.
    ///
    /// # Example
    ///
    /// ```
    /// use hopae::mock::{LogCursor, Server};
    ///
    /// let server = Server::start()?;
    /// let client = hopae::HopaeClient::builder(server.api_key()).base_url(server.url()).build()?;
    /// let mut cursor = LogCursor::new();
    /// client.workspace()?;
    /// let new = server.requests_since(&mut cursor);
    /// assert_eq!((new.len(), new[0].path.as_str()), (1, "/workspace"));
    /// assert!(server.requests_since(&mut cursor).is_empty());
    /// assert_eq!(cursor.position(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn requests_since(&self, cursor: &mut LogCursor) -> Vec<LoggedRequest> {
        let state = self.shared.lock();
        let new = state.logged_since(cursor.next).cloned().collect();
        cursor.next = state.logged;
        new
    }

    /// How many calls the fake has answered, including those its log has dropped.
    pub fn request_count(&self) -> u64 {
        self.shared.lock().logged
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("url", &self.url)
            .field("production", &self.shared.production)
            .finish_non_exhaustive()
    }
}

/// A place in the request log of a [`Server`]: see [`Server::requests_since`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogCursor {
    /// The number of the next call to return (the first call answered is number 0).
    next: u64,
}

impl LogCursor {
    /// A cursor at the start: its first read returns every call still logged.
    pub fn new() -> LogCursor {
        LogCursor::default()
    }

    /// How many calls the fake had answered when the cursor last moved.
    pub fn position(&self) -> u64 {
        self.next
    }
}

/// One call the fake answered, from [`Server::requests`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The path after [`BASE_PATH`] (e.g. `/apps/FK5b0KSM`), without the query; the
    /// whole target when it is not under it.
    pub path: String,
    /// The query string, without `?`, when there is one.
    pub query: Option<String>,
    /// The status answered.
    pub status: u16,
    /// The `X-Request-Id` answered.
    pub request_id: String,
    /// Whether the answer was an idempotent replay.
    pub replayed: bool,
}

/// Settings of a [`Server`], from [`Server::builder`].
///
/// # Example
///
/// ```
/// use std::time::Duration;
///
/// let server = hopae::mock::Server::builder()
///     .empty()
///     .schedule_after(1)
///     .fail_rate(0.1)
///     .seed(42)
///     .latency(Duration::from_millis(5))
///     .start()?;
/// assert!(server.url().starts_with("http://127.0.0.1:"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    seeded: bool,
    schedule_after: u32,
    fail_rate: f64,
    seed: u64,
    latency: Duration,
    production: bool,
    port: u16,
    retry_after: u64,
    complete_after: u32,
    poll_interval: Duration,
    delivery_backoff: Duration,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder {
            seeded: true,
            schedule_after: 2,
            fail_rate: 0.0,
            seed: 0x0068_6f70_6165,
            latency: Duration::ZERO,
            production: false,
            port: 0,
            retry_after: 0,
            complete_after: sessions::DEFAULT_COMPLETE_AFTER,
            poll_interval: sessions::DEFAULT_POLL_INTERVAL,
            delivery_backoff: Duration::from_secs(1),
        }
    }
}

impl Builder {
    /// Starts without the seed data: a workspace with no Apps.
    pub fn empty(mut self) -> Builder {
        self.seeded = false;
        self
    }

    /// Schedules a production-test request on the `n`-th list call of its App after
    /// its creation (0 and 1 both mean the first). The default is 2.
    pub fn schedule_after(mut self, n: u32) -> Builder {
        self.schedule_after = n;
        self
    }

    /// Fails this share of calls (0.0 to 1.0; clamped, NaN means 0) with a 503, drawn
    /// from a generator seeded by [`Builder::seed`]: the same seed fails the same calls.
    pub fn fail_rate(mut self, rate: f64) -> Builder {
        self.fail_rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        self
    }

    /// Seeds the generator of failures, ids and secrets (a fixed seed by default).
    pub fn seed(mut self, seed: u64) -> Builder {
        self.seed = seed;
        self
    }

    /// The `Retry-After` of injected 503s, in seconds. The default, 0, lets a client
    /// retry at once, which keeps tests fast.
    pub fn retry_after(mut self, seconds: u64) -> Builder {
        self.retry_after = seconds;
        self
    }

    /// Delays every answer by `latency`.
    pub fn latency(mut self, latency: Duration) -> Builder {
        self.latency = latency;
        self
    }

    /// Plays the production API: `sk_workspace_prod_` keys are accepted and
    /// `sk_workspace_test_` keys refused (the default is the reverse).
    pub fn production(mut self) -> Builder {
        self.production = true;
        self
    }

    /// The delay before a failed webhook delivery's first retry; the second and third
    /// wait 5 and 30 times as long, as Hopae's documented 1 s, 5 s, 30 s (the default,
    /// 1 s). A shorter one keeps a test of retries fast.
    pub fn delivery_backoff(mut self, delay: Duration) -> Builder {
        self.delivery_backoff = delay;
        self
    }

    /// Listens on this port of 127.0.0.1 (the default, 0, picks a free one).
    pub fn bind(mut self, port: u16) -> Builder {
        self.port = port;
        self
    }

    /// Starts the server.
    ///
    /// # Errors
    ///
    /// An I/O error when the port cannot be bound (for instance it is taken) or no
    /// thread can be started.
    pub fn start(self) -> io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", self.port))?;
        let issuer = format!("http://{}{}", listener.local_addr()?, oidc::OIDC_PATH);
        let mut state = state::State::new(self.seeded, self.schedule_after, self.seed);
        state.fail_rate = self.fail_rate;
        state.sessions.complete_after = self.complete_after;
        state.sessions.poll_interval = self.poll_interval;
        state.delivery_backoff = self.delivery_backoff;
        let shared = Arc::new(routes::Shared {
            state: Mutex::new(state),
            latency: self.latency,
            production: self.production,
            retry_after: self.retry_after,
            oidc: Mutex::new(oidc::Provider::new(issuer)),
        });
        let running = http::serve(listener, Arc::clone(&shared))?;
        Ok(Server {
            url: format!("http://{}{BASE_PATH}", running.addr()),
            shared,
            running,
        })
    }
}

impl routes::Shared {
    fn lock(&self) -> MutexGuard<'_, state::State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn oidc(&self) -> MutexGuard<'_, oidc::Provider> {
        self.oidc.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
