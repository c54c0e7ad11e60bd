//! The library's integration tests, one binary sorted by topic: a module per resource
//! (apps, workspace, production tests, workflows, providers, domains, webhooks), per
//! concern (transport, errors, security, redaction, hooks, footprint), the fake
//! (`mock`) and the verbatim contracts of the issues (`contract`).
//!
//! Shared helpers: `support` (clients pointed at a mockito server, fixtures, the error
//! checks every error must pass) and `fault_server` (a std TCP server for peers mockito
//! cannot imitate). Tests that change process-wide state (environment variables, the
//! global logger) or run example binaries stay in binaries of their own:
//! `tests/from_env.rs`, `tests/app_from_env.rs`, `tests/oidc_env.rs`,
//! `tests/proxy_env.rs`, `tests/no_proxy_env.rs`, `tests/dns_proxy.rs`,
//! `tests/tls_env.rs`, `tests/logging.rs`, `tests/webhook_receiver.rs`. `tls_support`
//! (the local HTTPS server) is shared with `tests/tls_env.rs` and the CLI's tests.
//!
//! A new topic is a new file here plus one `mod` line below.

mod fault_server;
mod support;
#[path = "../tls_support/mod.rs"]
mod tls_support;

mod app_api;
mod apps;
mod apps_iter_deletes;
mod contract;
mod dns;
mod domains;
mod errors;
mod footprint;
mod hooks;
mod http_trace;
mod inventory;
mod mock;
mod model_keys;
mod oidc;
mod oidc_provider;
mod production_tests;
mod providers;
mod raw_request;
mod redaction;
mod security;
mod small_truths;
mod surface;
mod tls_roots;
mod transport;
mod verify_fake;
mod webhooks;
mod workflows;
mod workspace;
