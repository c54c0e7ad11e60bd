//! An App's webhook delivery settings and the three calls that read and change them.

use serde::Serialize;

use crate::decode::{self, DecodeResult};
use crate::error::Error;
use crate::http::{AppHandle, Call, Idempotent};
use crate::secret::Secret;

/// Where and how Hopae delivers an App's webhook events.
///
/// `secret` is a [`Secret`]: `Debug` shows `Secret([redacted])`. On read, Hopae sends only a redacted preview
/// of the secret (`whsec_****abc1`); the full secret is returned once, by
/// [`AppHandle::rotate_webhook_secret`].
///
/// # Example
///
/// ```
/// let config: hopae::webhooks::WebhookConfig = serde_json::from_str(r#"{
///     "url": "https://shop.example/hooks", "enabled": true, "retryAttempts": 3,
///     "timeoutSeconds": 10, "secret": "whsec_****abc1", "events": ["verification.completed"]
/// }"#)?;
/// assert_eq!(config.secret.as_ref().map(|s| s.expose().as_str()), Some("whsec_****abc1"));
/// let shown = format!("{config:?}");
/// assert!(shown.contains("secret: Some(Secret([redacted]))") && !shown.contains("abc1"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookConfig {
    /// The receiver's URL, when one is set.
    pub url: Option<String>,
    /// Whether deliveries are sent.
    pub enabled: bool,
    /// How many times a failed delivery is retried.
    pub retry_attempts: u32,
    /// How long Hopae waits for the receiver, in seconds.
    pub timeout_seconds: u32,
    /// The signing secret's preview, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<Secret>,
    /// The event names delivered (e.g. `verification.completed`); an open set.
    pub events: Vec<String>,
}

crate::json::from_json!(WebhookConfig {
    url: opt("url"),
    enabled: req("enabled"),
    retry_attempts: req("retryAttempts"),
    timeout_seconds: req("timeoutSeconds"),
    secret: opt("secret"),
    events: req("events"),
});

/// The body of [`AppHandle::update_webhook_config`]: only the fields set are sent, and
/// merged into the current settings. The secret cannot be set (rotate it instead).
///
/// # Example
///
/// ```
/// use hopae::webhooks::WebhookConfigUpdate;
///
/// let update = WebhookConfigUpdate::new().url("https://shop.example/hooks").enabled(true);
/// assert_eq!(
///     serde_json::to_string(&update)?,
///     r#"{"url":"https://shop.example/hooks","enabled":true}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookConfigUpdate {
    /// The receiver's URL; `Some(None)` clears it (sent as `null`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Option<String>>,
    /// Whether deliveries are sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// How many times a failed delivery is retried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_attempts: Option<u32>,
    /// How long Hopae waits for the receiver, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    /// The complete list of event names to deliver.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
}

crate::json::from_json!(WebhookConfigUpdate {
    url: def_with("url", crate::json::nullable),
    enabled: opt("enabled"),
    retry_attempts: opt("retryAttempts"),
    timeout_seconds: opt("timeoutSeconds"),
    events: opt("events"),
});

impl WebhookConfigUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> WebhookConfigUpdate {
        WebhookConfigUpdate::default()
    }

    /// Sets the receiver's URL.
    pub fn url(mut self, url: impl Into<String>) -> WebhookConfigUpdate {
        self.url = Some(Some(url.into()));
        self
    }

    /// Clears the receiver's URL: sends `null`, so no delivery has anywhere to go.
    ///
    /// # Example
    ///
    /// ```
    /// let update = hopae::WebhookConfigUpdate::new().clear_url();
    /// assert_eq!(serde_json::to_string(&update)?, r#"{"url":null}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn clear_url(mut self) -> WebhookConfigUpdate {
        self.url = Some(None);
        self
    }

    /// Turns deliveries on or off.
    pub fn enabled(mut self, enabled: bool) -> WebhookConfigUpdate {
        self.enabled = Some(enabled);
        self
    }

    /// Sets how many times a failed delivery is retried.
    pub fn retry_attempts(mut self, n: u32) -> WebhookConfigUpdate {
        self.retry_attempts = Some(n);
        self
    }

    /// Sets how long Hopae waits for the receiver, in seconds.
    pub fn timeout_seconds(mut self, seconds: u32) -> WebhookConfigUpdate {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// Sets the complete list of event names to deliver.
    pub fn events<I, S>(mut self, events: I) -> WebhookConfigUpdate
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.events = Some(events.into_iter().map(Into::into).collect());
        self
    }

    /// Whether the update sets nothing.
    ///
    /// # Example
    ///
    /// ```
    /// use hopae::webhooks::WebhookConfigUpdate;
    ///
    /// assert!(WebhookConfigUpdate::new().is_empty());
    /// // An empty list is a change: it stops every delivery.
    /// assert!(!WebhookConfigUpdate::new().events(Vec::<String>::new()).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        *self == WebhookConfigUpdate::default()
    }
}

impl AppHandle<'_> {
    /// The App's webhook delivery settings.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when the client id cannot be a path segment;
    /// - [`Error::Api`] for a non-2xx status (404 unknown App);
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let config = client.app("FK5b0KSM").webhook_config()?;
    /// println!("{:?} enabled={} events={:?}", config.url, config.enabled, config.events);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn webhook_config(&self) -> Result<WebhookConfig, Error> {
        let call = Call::get("get webhook config", self.path("/webhook-config")?);
        self.transport.execute(call, decode::object)
    }

    /// Merges `update` into the App's webhook settings and returns them as stored.
    ///
    /// Hopae answers either the settings or the whole App; both are accepted, and the
    /// settings are returned.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when the update sets nothing, or the URL is empty;
    /// - otherwise as [`AppHandle::webhook_config`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::webhooks::WebhookConfigUpdate;
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let update = WebhookConfigUpdate::new()
    ///     .url("https://shop.example/hooks")
    ///     .events(["verification.completed"]);
    /// let config = client.app("FK5b0KSM").update_webhook_config(&update)?;
    /// assert_eq!(config.url.as_deref(), Some("https://shop.example/hooks"));
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn update_webhook_config(
        &self,
        update: &WebhookConfigUpdate,
    ) -> Result<WebhookConfig, Error> {
        if update.is_empty() {
            return Err(Error::invalid_input(
                "the webhook config update sets nothing",
            ));
        }
        if update
            .url
            .as_ref()
            .and_then(Option::as_deref)
            .is_some_and(|u| u.trim().is_empty())
        {
            return Err(Error::invalid_input("`url` must not be empty"));
        }
        let call =
            Call::patch("update webhook config", self.path("/webhook-config")?).json(update)?;
        self.transport.execute(call, decode_config_or_app)
    }

    /// Replaces the webhook signing secret and returns the new one (`whsec_...`):
    /// signatures made with the old secret fail from then on. Retries of this call reuse
    /// one idempotency key, so the API replays the same new secret.
    ///
    /// # Errors
    ///
    /// As [`AppHandle::webhook_config`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let secret = client.app("FK5b0KSM").rotate_webhook_secret()?;
    /// assert!(secret.expose().starts_with("whsec_"));
    /// // Hand it to the receiver: `hopae::webhooks::Verifier::new(secret.expose())`.
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn rotate_webhook_secret(&self) -> Result<Secret, Error> {
        self.rotate_webhook_secret_keyed(None)
    }

    fn rotate_webhook_secret_keyed(&self, key: Option<&str>) -> Result<Secret, Error> {
        struct Rotated {
            secret: Secret,
        }

        crate::json::from_json!(Rotated {
            secret: req("secret"),
        });
        let call = Call::post(
            "rotate webhook secret",
            self.path("/webhook-config/rotate-secret")?,
        );
        let rotated: Rotated = self.transport.send(call.keyed(key))?;
        Ok(rotated.secret)
    }
}

impl Idempotent<AppHandle<'_>> {
    /// [`AppHandle::rotate_webhook_secret`] with this key: a rotation retried with the
    /// same key answers the same new secret instead of rotating twice.
    ///
    /// # Errors
    ///
    /// As [`AppHandle::rotate_webhook_secret`], plus [`Error::InvalidInput`] for an
    /// invalid key.
    pub fn rotate_webhook_secret(self) -> Result<Secret, Error> {
        self.handle.rotate_webhook_secret_keyed(Some(self.key()?))
    }
}

/// A WebhookConfig, or an App whose `webhookConfig` is returned (told apart by the App's
/// required `clientId`).
fn decode_config_or_app(body: &[u8]) -> DecodeResult<WebhookConfig> {
    struct MaybeApp {
        client_id: Option<serde_json::Value>,
        webhook_config: Option<WebhookConfig>,
    }

    crate::json::from_json!(MaybeApp {
        client_id: opt("clientId"),
        webhook_config: opt("webhookConfig"),
    });
    let shape: MaybeApp = decode::object(body)?;
    match (shape.client_id, shape.webhook_config) {
        (Some(_), Some(config)) => Ok(config),
        (Some(_), None) => Err((
            None,
            "the answer is an App without `webhookConfig`".to_owned(),
        )),
        (None, _) => decode::object(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{"url":"https://a/h","enabled":true,"retryAttempts":3,"timeoutSeconds":10,"secret":"whsec_****abc1","events":[]}"#;

    #[test]
    fn update_answer_in_both_shapes() {
        let direct = decode_config_or_app(CONFIG.as_bytes()).unwrap();
        let app = format!(r#"{{"clientId":"FK5b0KSM","name":"x","webhookConfig":{CONFIG}}}"#);
        assert_eq!(decode_config_or_app(app.as_bytes()).unwrap(), direct);
        assert_eq!(direct.retry_attempts, 3);
        let (_, msg) = decode_config_or_app(br#"{"clientId":"x"}"#).unwrap_err();
        assert!(msg.contains("without `webhookConfig`"), "{msg}");
    }

    #[test]
    fn debug_redacts_the_secret() {
        let c = decode_config_or_app(CONFIG.as_bytes()).unwrap();
        let shown = format!("{c:?}");
        assert!(
            shown.contains("secret: Some(Secret([redacted]))"),
            "{shown}"
        );
        assert!(!shown.contains("abc1"), "{shown}");
    }
}
