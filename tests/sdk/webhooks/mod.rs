//! Webhooks: an App's webhook settings (`config`), signatures (`signatures`) and the
//! secrets' rules (`secrets`).

mod config;
mod secrets;
mod signatures;
