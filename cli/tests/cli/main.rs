//! The `hopae` binary's integration tests, one binary sorted by topic: general usage,
//! exit codes and the production-test commands (`basics`), a module per command group,
//! secrets, field files, `webhooks listen`, and every command against the library's fake
//! (`against_fake`). Each test runs the binary as a child process; `common` holds the
//! helpers.
//!
//! A new topic is a new file here plus one `mod` line below.

mod common;
#[path = "../../../tests/tls_support/mod.rs"]
mod tls_support;

mod against_fake;
mod api;
mod apps;
mod basics;
mod domains;
mod field_files;
mod list_editing;
mod listen;
mod messages;
mod mock_controls;
mod mock_stop;
mod oidc;
mod providers;
mod secrets;
mod tls;
mod trace;
mod verify;
mod webhooks;
mod workflows;
