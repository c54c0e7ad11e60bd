//! A blocking SDK for the [Hopae Connect](https://hopae.com) Workspace API.
//!
//! Hopae Connect lets a company accept national eIDs (BankID, MitID, Smart-ID, ...)
//! through one integration. Its Workspace API runs **production tests**: challenges in
//! which real users verify with each provider, so the company can prove its integration
//! works in production. This crate covers the three production-test endpoints:
//!
//! | call | endpoint |
//! |---|---|
//! | [`HopaeClient::list_production_tests`] | `GET /apps/{client_id}/production-tests` |
//! | [`HopaeClient::create_production_test`] | `POST /apps/{client_id}/production-tests` |
//! | [`HopaeClient::production_test_report`] | `GET /apps/{client_id}/production-tests/{challenge_id}/report` |
//!
//! [`HopaeClient::wait_for_challenge`] polls the list until a pending request has been
//! scheduled into a challenge ([`WaitOptions`] sets the interval and the timeout).
//!
//! [`webhooks::Verifier`] checks the signature of a webhook delivery that Hopae POSTs to
//! an App's URL; it needs the webhook secret, not a client.
//!
//! # Blocking
//!
//! Every call blocks the current thread until the response has been read; there is no
//! async runtime anywhere in the dependency tree (HTTP is [`ureq`]). Do not call the
//! client from inside an async runtime's worker threads: wrap calls in the runtime's
//! `spawn_blocking` instead.
//!
//! # Example
//!
//! ```no_run
//! use hopae::{HopaeClient, NewProductionTest, ProductionTestItem};
//!
//! // The key's prefix picks the environment: sk_workspace_test_ is the sandbox.
//! let client = HopaeClient::from_env()?; // HOPAE_API_KEY, optional HOPAE_BASE_URL
//!
//! let request = client.create_production_test(
//!     "FK5b0KSM",
//!     &NewProductionTest::new("MitID test").provider_ids(["mitid"]).max_stamps(3),
//! )?;
//! println!("requested {} ({})", request.id, request.status);
//!
//! for item in client.list_production_tests("FK5b0KSM")? {
//!     if let ProductionTestItem::Challenge(challenge) = item {
//!         let report = client.production_test_report("FK5b0KSM", &challenge.id)?;
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
//! # Resilience
//!
//! Each attempt has a deadline covering connect to last body byte; failures before a
//! response and 429/500/502/503/504 are retried with jittered exponential backoff that
//! honours `Retry-After`; every POST carries an `Idempotency-Key` that its retries reuse;
//! bodies are read up to a size cap; redirects are never followed. See [`ClientBuilder`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(rust_2018_idioms, unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod error;
mod models;
mod retry;
mod wait;
pub mod webhooks;

pub use client::{ClientBuilder, Environment, HopaeClient};
pub use error::{ApiError, DecodeError, Error, TransportError, TransportErrorKind};
pub use models::{
    Challenge, ChallengeMode, ChallengeRequest, NewProductionTest, Platform, ProductionTestItem,
    ProductionTestReport, ProviderClaims, ReportStats, RequestPayload, RequestStatus,
};
pub use wait::{WaitError, WaitOptions, WaitProgress};

/// Compiles the README's code blocks as doc tests, so the README cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
