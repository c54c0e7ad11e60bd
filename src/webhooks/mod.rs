//! Webhooks: an App's delivery settings, and checking that a delivery really comes from
//! Hopae.
//!
//! | call | method and path |
//! |---|---|
//! | [`AppHandle::webhook_config`](crate::apps::AppHandle::webhook_config) | `GET /apps/{client_id}/webhook-config` |
//! | [`AppHandle::update_webhook_config`](crate::apps::AppHandle::update_webhook_config) | `PATCH /apps/{client_id}/webhook-config` |
//! | [`AppHandle::rotate_webhook_secret`](crate::apps::AppHandle::rotate_webhook_secret) | `POST /apps/{client_id}/webhook-config/rotate-secret` |
//!
//! # Signatures
//!
//! Hopae POSTs a JSON event to the App's webhook URL with the header
//! `X-Hopae-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`. The HMAC key is the App's
//! webhook secret exactly as the API returned it (`whsec_...`, prefix included), and the
//! signed message is `<t>.<raw body bytes>`. [`Verifier`] checks such a header against
//! the bytes received, refuses a timestamp more than 300 seconds from the receiver's
//! clock (a replayed delivery), and hands back the body as a [`WebhookEvent`].
//!
//! Nothing here talks to the API: a receiver needs the secret and the request, not a
//! [`HopaeClient`](crate::HopaeClient). `examples/webhook_receiver.rs` is a complete
//! receiver on `std::net` alone.
//!
//! # Example
//!
//! ```
//! use hopae::webhooks::Verifier;
//!
//! let verifier = Verifier::new("whsec_test"); // the App's webhook secret
//! # let body = br#"{"event":"verification.completed"}"#;
//! # let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
//! # let header = hopae::webhooks::sign("whsec_test", now.as_secs(), body);
//! // `header` is the X-Hopae-Signature value, `body` the raw bytes of the request body.
//! match verifier.verify(&header, body) {
//!     Ok(event) => assert_eq!(event.event_type.as_deref(), Some("verification.completed")),
//!     Err(e) => panic!("answer {}: {e}", e.status()),
//! }
//! ```

mod config;
mod events;
mod signature;

pub use config::{WebhookConfig, WebhookConfigUpdate};
pub use events::{EVENTS, LEGACY_EVENTS, is_documented_event};
pub use signature::*;
