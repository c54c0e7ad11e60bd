//! A blocking SDK for the [Hopae Connect](https://hopae.com) Workspace API.
//!
//! Hopae Connect lets a company accept national eIDs (BankID, MitID, Smart-ID, ...)
//! through one integration. Its Workspace API manages the workspace's Apps (OIDC
//! clients), their webhooks, workflows, providers and custom domains, and runs
//! **production tests**: challenges in which real users verify with each provider, so
//! the company can prove its integration works in production.
//!
//! Endpoints hang off handles that cost nothing to make and send nothing themselves:
//! [`HopaeClient::apps`] for the App collection, [`HopaeClient::app`] for one App and
//! everything under it.
//!
//! | call | method and path |
//! |---|---|
//! | [`HopaeClient::workspace`] | `GET /workspace` |
//! | [`client.apps().list(..)`](apps::Apps::list) | `GET /apps?limit=&offset=` |
//! | [`client.apps().iter()`](apps::Apps::iter) | every page of `GET /apps` |
//! | [`client.apps().create(..)`](apps::Apps::create) | `POST /apps` |
//! | [`client.apps().batch_create(..)`](apps::Apps::batch_create) | `POST /apps/batch` |
//! | [`app.get()`](apps::AppHandle::get) | `GET /apps/{client_id}` |
//! | [`app.update(..)`](apps::AppHandle::update) | `PATCH /apps/{client_id}` |
//! | [`app.delete()`](apps::AppHandle::delete) | `DELETE /apps/{client_id}` |
//! | [`app.rotate_client_secret()`](apps::AppHandle::rotate_client_secret) | `POST /apps/{client_id}/rotate-client-secret` |
//! | [`app.redirect_uris()`](apps::AppHandle::redirect_uris) | `GET /apps/{client_id}/redirect-uris` |
//! | [`app.set_redirect_uris(..)`](apps::AppHandle::set_redirect_uris) | `PUT /apps/{client_id}/redirect-uris` |
//! | [`app.webhook_config()`](apps::AppHandle::webhook_config) | `GET /apps/{client_id}/webhook-config` |
//! | [`app.update_webhook_config(..)`](apps::AppHandle::update_webhook_config) | `PATCH /apps/{client_id}/webhook-config` |
//! | [`app.rotate_webhook_secret()`](apps::AppHandle::rotate_webhook_secret) | `POST /apps/{client_id}/webhook-config/rotate-secret` |
//! | [`app.workflows().list()`](workflows::Workflows::list) | `GET /apps/{client_id}/workflows` |
//! | [`app.workflows().get(..)`](workflows::Workflows::get) | `GET /apps/{client_id}/workflows/{workflow_id}` |
//! | [`app.workflows().create(..)`](workflows::Workflows::create) | `POST /apps/{client_id}/workflows` |
//! | [`app.workflows().update(..)`](workflows::Workflows::update) | `PATCH /apps/{client_id}/workflows/{workflow_id}` |
//! | [`app.workflows().delete(..)`](workflows::Workflows::delete) | `DELETE /apps/{client_id}/workflows/{workflow_id}` |
//! | [`app.workflows().set_default(..)`](workflows::Workflows::set_default) | `POST /apps/{client_id}/workflows/{workflow_id}/set-default` |
//! | [`app.workflows().node_types()`](workflows::Workflows::node_types) | `GET /apps/{client_id}/workflows/node-types` |
//! | [`app.providers().list()`](providers::Providers::list) | `GET /apps/{client_id}/providers` |
//! | [`app.providers().activate(..)`](providers::Providers::activate) | `POST /apps/{client_id}/activation` |
//! | [`app.provider(id).activation_steps()`](providers::ProviderHandle::activation_steps) | `GET /apps/{client_id}/providers/{provider_id}/activation/steps` |
//! | [`app.provider(id).set_enabled(..)`](providers::ProviderHandle::set_enabled) | `PATCH /apps/{client_id}/providers/{provider_id}/activation` |
//! | [`app.provider(id).submit_activation_form(..)`](providers::ProviderHandle::submit_activation_form) | `POST /apps/{client_id}/providers/{provider_id}/activation/form` |
//! | [`app.provider(id).upload_documents(..)`](providers::ProviderHandle::upload_documents) | `POST /apps/{client_id}/providers/{provider_id}/activation/documents` (multipart) |
//! | [`app.provider(id).delete_document(..)`](providers::ProviderHandle::delete_document) | `DELETE /apps/{client_id}/providers/{provider_id}/activation/documents/{document_id}` |
//! | [`app.custom_domain()`](apps::AppHandle::custom_domain) | `GET /apps/{client_id}/custom-domain` |
//! | [`app.set_custom_domain(..)`](apps::AppHandle::set_custom_domain) | `PUT /apps/{client_id}/custom-domain` |
//! | [`app.delete_custom_domain()`](apps::AppHandle::delete_custom_domain) | `DELETE /apps/{client_id}/custom-domain` |
//! | [`app.verify_custom_domain()`](apps::AppHandle::verify_custom_domain) | `POST /apps/{client_id}/custom-domain/verify` |
//! | [`app.production_tests().list()`](production_tests::ProductionTests::list) | `GET /apps/{client_id}/production-tests` |
//! | [`app.production_tests().create(..)`](production_tests::ProductionTests::create) | `POST /apps/{client_id}/production-tests` |
//! | [`app.production_tests().report(..)`](production_tests::ProductionTests::report) | `GET /apps/{client_id}/production-tests/{challenge_id}/report` |
//!
//! [`ProductionTests::wait_for_challenge`](production_tests::ProductionTests::wait_for_challenge)
//! polls the list until a pending request has been scheduled into a challenge
//! ([`WaitOptions`](production_tests::WaitOptions) sets the interval and the timeout);
//! [`AppHandle::wait_for_custom_domain`](apps::AppHandle::wait_for_custom_domain) repeats
//! the custom domain's verify call until it is `active`, with the same options.
//!
//! The types named most are also at the root: `use hopae::{App, AppUpdate, NewApp,
//! WebhookConfigUpdate, Workflow, CustomDomain, Result};` works as well as the module
//! paths. [`codes`] holds the documented `error.code` values, and
//! [`webhooks::EVENTS`] the documented webhook event names.
//!
//! A delete answered `{"deleted": false}` or a set-default answered `{"success": false}`
//! is an [`Error::Api`] carrying that 2xx status, never `Ok`.
//!
//! [`AppClient::oidc`] signs people in with Hopae's OpenID Connect provider
//! ([`oidc`]): the authorization URL with PKCE, `state` and `nonce`
//! ([`OidcClient::authorization_url`](oidc::OidcClient::authorization_url)), the code
//! exchange (`POST {token_endpoint}`, [`exchange_code`](oidc::OidcClient::exchange_code)),
//! ID-token verification against the provider's JWKS
//! ([`verify_id_token`](oidc::OidcClient::verify_id_token)) and
//! [`userinfo`](oidc::OidcClient::userinfo) (`GET {userinfo_endpoint}`); endpoints come
//! from `GET {issuer}/.well-known/openid-configuration`.
//!
//! [`webhooks::Verifier`] checks the signature of a webhook delivery that Hopae POSTs to
//! an App's URL; it needs the webhook secret, not a client.
//!
//! # The App API: verify a person
//!
//! An [`AppClient`] holds an App's client id and client secret (sent as HTTP Basic) and
//! an explicit [`Environment`] or base URL: App credentials carry no environment
//! marker. Its handles are [`verifications`]' ([`AppClient::providers`],
//! [`AppClient::verifications`], [`AppClient::verification`]):
//!
//! | call | method and path |
//! |---|---|
//! | [`app.providers().list()`](verifications::ProviderCatalog::list) | `GET /providers` |
//! | [`app.providers().list_with_status(..)`](verifications::ProviderCatalog::list_with_status) | `GET /providers?status=` |
//! | [`app.providers().configuration(..)`](verifications::ProviderCatalog::configuration) | `GET /providers/{providerId}/configuration` |
//! | [`app.verifications().create(..)`](verifications::Verifications::create) | `POST /verifications` |
//! | [`app.verifications().dc_request(..)`](verifications::Verifications::dc_request) | `POST /verifications/dc-request` |
//! | [`app.verification(id).get()`](verifications::VerificationHandle::get) | `GET /verifications/{id}` |
//! | [`app.verification(id).cancel()`](verifications::VerificationHandle::cancel) | `DELETE /verifications/{id}` |
//! | [`app.verification(id).userinfo()`](verifications::VerificationHandle::userinfo) | `GET /verifications/{id}/userinfo` |
//! | [`app.verification(id).evidence()`](verifications::VerificationHandle::evidence) | `GET /verifications/{id}/evidence` |
//! | [`app.verification(id).wait(..)`](verifications::VerificationHandle::wait) | polls `GET /verifications/{id}` until a terminal status |
//!
//! [`Verification::next_action`](verifications::Verification::next_action) says what to
//! show the person (a QR code, a URL, a code to compare). The models decode both schema
//! generations the vendor documents, and every documented error body shape (the
//! Workspace envelope, RFC 7807 problem details, the lowercase `{"error": {...}}` and the
//! 422 `{"code", "detail", "context"}`) becomes one [`ApiError`] with its code, message,
//! details and request id.
//!
//! # Blocking
//!
//! Every call blocks the current thread until the response has been read; there is no
//! async runtime anywhere in the dependency tree (HTTP is [ureq](https://docs.rs/ureq)). Do not call the
//! client from inside an async runtime's worker threads: wrap calls in the runtime's
//! `spawn_blocking` instead.
//!
//! # Example
//!
//! ```no_run
//! use hopae::production_tests::NewProductionTest;
//! use hopae::{HopaeClient, ProductionTestItem};
//!
//! // The key's prefix picks the environment: sk_workspace_test_ is the sandbox.
//! let client = HopaeClient::from_env()?; // HOPAE_API_KEY, optional HOPAE_BASE_URL
//!
//! for app in client.apps().iter() {
//!     let app = app?;
//!     println!("{} {}", app.client_id, app.name);
//! }
//!
//! let tests = client.app("FK5b0KSM").production_tests();
//! let request = tests.create(&NewProductionTest::new("MitID test").provider_ids(["mitid"]).max_stamps(3))?;
//! println!("requested {} ({})", request.id, request.status);
//!
//! for item in tests.list()? {
//!     if let ProductionTestItem::Challenge(challenge) = item {
//!         let report = tests.report(&challenge.id)?;
//!         println!("{}: {} claims", challenge.title, report.stats.total_claims);
//!     }
//! }
//! # Ok::<(), hopae::Error>(())
//! ```
//!
//! # Errors
//!
//! Every fallible call returns [`Error`]. Match on its variant, or use its accessors:
//! [`Error::status`], [`Error::code`] (the API's stable `error.code`),
//! [`Error::request_id`] (for Hopae support), [`Error::is_timeout`],
//! [`Error::attempts`] and [`Error::retry_after`]. No error, `Debug` output or log line
//! ever contains the API key.
//!
//! # Testing
//!
//! The `mock` cargo feature (off by default) adds `hopae::mock`: a stateful fake of the
//! whole Workspace API that a test starts in-process on 127.0.0.1
//! (`let server = hopae::mock::Server::start()?;`) and points a client at with
//! `HopaeClient::builder(hopae::mock::TEST_KEY).base_url(server.url())`. It keeps what
//! calls create, schedules production tests after a few polls, takes the stamp claims a
//! test adds (`server.claim(..)`), answers with the documented errors, replays
//! idempotency keys, and can inject 503s and latency. Enable
//! it for tests only, under `[dev-dependencies]`: the crate is not on crates.io, so
//! depend on a checkout or a git repository,
//! `hopae = { path = "../hopae", features = ["mock"] }`.
//!
//! # Resilience
//!
//! Each attempt has a deadline covering connect to last body byte; failures before a
//! response and 429/500/502/503/504 are retried with jittered exponential backoff that
//! honours `Retry-After`; every POST carries an `Idempotency-Key` that its retries reuse;
//! bodies are read up to a size cap; redirects are never followed. See [`ClientBuilder`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(rust_2018_idioms, unreachable_pub)]
#![warn(clippy::missing_errors_doc, clippy::missing_panics_doc)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod apps;
mod client;
pub mod codes;
mod config;
mod decode;
pub mod domains;
mod error;
mod http;
mod json;
mod mapping;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock;
pub mod oidc;
mod open_enum;
pub mod production_tests;
pub mod providers;
mod redact;
pub mod request;
mod resolve;
mod retry;
mod secret;
mod tls;
mod trace;
pub mod verifications;
pub mod wait;
pub mod webhooks;
pub mod workflows;
pub mod workspace;

pub use apps::Page;
// The types a caller names most, reachable from the root (`use hopae::App`).
pub use apps::{App, AppUpdate, BatchCreate, BatchItem, BatchResult, ListApps, NewApp};
pub use client::{AppClient, ClientBuilder, HopaeClient};
pub use config::{Environment, MAX_RETRIES, MAX_SETTING, ResponseEvent};
pub use config::{MAX_JSON_BODY_BYTES, MAX_MULTIPART_BODY_BYTES};
pub use domains::CustomDomain;
pub use error::{
    ApiError, ConfigError, ConfigErrorKind, DecodeError, Error, IdTokenError, IdTokenErrorKind,
    InputError, InputErrorKind, PagingError, PagingErrorKind, TransportError, TransportErrorKind,
    WaitError, escape_untrusted,
};
pub use http::{Idempotent, MAX_IDEMPOTENCY_KEY_LEN, validate_idempotency_key};
pub use production_tests::ProductionTestItem;
pub use production_tests::{NewProductionTest, ProductionTestReport};
pub use providers::{ActivationForm, AppProvider};
pub use secret::{SECRET_FIELDS, Secret, is_secret_field};
pub use webhooks::{Verifier, WebhookConfig, WebhookConfigUpdate, WebhookEvent};
pub use workflows::{NewWorkflow, Node, Workflow, WorkflowUpdate};

/// The result of every fallible call of this crate: `Result<T>` is
/// `std::result::Result<T, hopae::Error>`.
///
/// # Example
///
/// ```
/// fn app_name(client: &hopae::HopaeClient, id: &str) -> hopae::Result<String> {
///     Ok(client.app(id).get()?.name)
/// }
/// # let _ = app_name;
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The `serde_json` this crate is built with: raw JSON fields (`serde_json::Value`) in
/// the models are its types.
pub use serde_json;
/// The `time` this crate is built with: timestamps in the models are
/// [`time::OffsetDateTime`].
pub use time;

/// Compiles the README's code blocks as doc tests, so the README cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
