//! Webhooks: an App's delivery settings ([`WebhookConfig`], read and changed through
//! [`AppHandle::webhook_config`](crate::apps::AppHandle::webhook_config) and
//! [`AppHandle::update_webhook_config`](crate::apps::AppHandle::update_webhook_config)).
//!
//! | call | method and path |
//! |---|---|
//! | [`AppHandle::webhook_config`](crate::apps::AppHandle::webhook_config) | `GET /apps/{client_id}/webhook-config` |
//! | [`AppHandle::update_webhook_config`](crate::apps::AppHandle::update_webhook_config) | `PATCH /apps/{client_id}/webhook-config` |
//! | [`AppHandle::rotate_webhook_secret`](crate::apps::AppHandle::rotate_webhook_secret) | `POST /apps/{client_id}/webhook-config/rotate-secret` |

mod config;

pub use config::{WebhookConfig, WebhookConfigUpdate};
