//! The credential a client sends and the one redaction rule every server-sourced string
//! passes: whatever the credential is (a workspace API key, an App's client id and
//! secret), each of its secret forms is replaced by `[redacted]` before a string reaches
//! an error, a log line or a hook.

use std::fmt;

use base64::Engine;

use crate::secret::Secret;

/// What replaces a secret in every message.
pub(crate) const REDACTED: &str = "[redacted]";

/// How a client authenticates, and what of it must never be shown.
#[derive(Clone)]
pub(crate) struct Credential {
    /// The `Authorization` header value (`Bearer <key>` or `Basic <base64>`).
    authorization: Secret,
    /// Every form of the credential that must never be shown: the key; or the client
    /// secret and the Basic token. Each is made of characters that survive `{:?}`
    /// quoting, JSON and HTML escaping unchanged (the builders check the alphabet), so
    /// matching the plain form catches every escaped echo too.
    hidden: Vec<Secret>,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Credential {
    /// A workspace API key, sent as `Authorization: Bearer <key>`.
    pub(crate) fn api_key(key: &str) -> Credential {
        Credential {
            authorization: Secret::new(format!("Bearer {key}")),
            hidden: non_empty([key.to_owned()]),
        }
    }

    /// An App's client id and secret, sent as HTTP Basic.
    pub(crate) fn basic(client_id: &str, client_secret: &str) -> Credential {
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{client_id}:{client_secret}"));
        Credential {
            authorization: Secret::new(format!("Basic {token}")),
            hidden: non_empty([client_secret.to_owned(), token]),
        }
    }

    /// The `Authorization` header value.
    pub(crate) fn authorization(&self) -> &str {
        self.authorization.expose()
    }

    /// `text` with every secret form of the credential replaced by `[redacted]`.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut out = None::<String>;
        for secret in &self.hidden {
            let current = out.as_deref().unwrap_or(text);
            if current.contains(secret.expose().as_str()) {
                out = Some(current.replace(secret.expose().as_str(), REDACTED));
            }
        }
        out.unwrap_or_else(|| text.to_owned())
    }

    /// Whether `text` holds a secret form of the credential.
    pub(crate) fn appears_in(&self, text: &str) -> bool {
        self.hidden
            .iter()
            .any(|s| text.contains(s.expose().as_str()))
    }

    /// Whether a string (or key) anywhere in `value` holds a secret form.
    pub(crate) fn held_by(&self, value: &serde_json::Value) -> bool {
        use serde_json::Value;
        match value {
            Value::String(s) => self.appears_in(s),
            Value::Array(items) => items.iter().any(|v| self.held_by(v)),
            Value::Object(map) => map
                .iter()
                .any(|(k, v)| self.appears_in(k) || self.held_by(v)),
            _ => false,
        }
    }

    /// Every string (and key) of a JSON value, redacted.
    pub(crate) fn redact_value(&self, value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::String(s) => Value::String(self.redact(&s)),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.redact_value(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (self.redact(&k), self.redact_value(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    /// Whether there is anything to redact.
    pub(crate) fn is_empty(&self) -> bool {
        self.hidden.is_empty()
    }
}

fn non_empty<const N: usize>(forms: [String; N]) -> Vec<Secret> {
    forms
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(Secret::new)
        .collect()
}

/// A URL as an error may show it: the credential redacted first, then user info, query
/// and fragment dropped (where a key or token may sit), then cut to 100 characters.
pub(crate) fn shown_url(raw: &str, credential: &Credential) -> String {
    let raw = credential.redact(raw);
    let cut = raw.find(['?', '#']).unwrap_or(raw.len());
    let url = &raw[..cut];
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let authority_end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    let mut shown = match url[after_scheme..authority_end].rfind('@') {
        Some(at) => format!(
            "{}{REDACTED}@{}",
            &url[..after_scheme],
            &url[after_scheme + at + 1..]
        ),
        None => url.to_owned(),
    };
    if cut < raw.len() {
        shown.push_str("[…]");
    }
    match shown.char_indices().nth(100) {
        Some((i, _)) => format!("{}…", &shown[..i]),
        None => shown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_key_is_sent_as_bearer_and_redacted() {
        let c = Credential::api_key("sk_workspace_test_abc123");
        assert_eq!(c.authorization(), "Bearer sk_workspace_test_abc123");
        assert_eq!(c.redact("key sk_workspace_test_abc123!"), "key [redacted]!");
        assert_eq!(format!("{c:?}"), "[redacted]");
    }

    #[test]
    fn basic_credentials_hide_the_secret_and_the_token() {
        let c = Credential::basic("FK5b0KSM", "6f1c0a9e6f1c0a9e");
        // base64("FK5b0KSM:6f1c0a9e6f1c0a9e")
        let token = "Rks1YjBLU006NmYxYzBhOWU2ZjFjMGE5ZQ==";
        assert_eq!(c.authorization(), format!("Basic {token}"));
        assert_eq!(
            c.redact(&format!("a {token} b 6f1c0a9e6f1c0a9e c FK5b0KSM")),
            "a [redacted] b [redacted] c FK5b0KSM"
        );
        assert!(c.held_by(&serde_json::json!({"x": ["6f1c0a9e6f1c0a9e"]})));
        assert_eq!(
            c.redact_value(serde_json::json!({"6f1c0a9e6f1c0a9e": [token]})),
            serde_json::json!({"[redacted]": ["[redacted]"]})
        );
    }

    #[test]
    fn shown_urls_drop_credentials_query_and_the_key() {
        let c = Credential::api_key("sk_workspace_test_abc123");
        assert_eq!(
            shown_url("https://u:p@h.example/x?k=sk_workspace_test_abc123", &c),
            "https://[redacted]@h.example/x[…]"
        );
        assert_eq!(
            shown_url("https://h.example/sk_workspace_test_abc123", &c),
            "https://h.example/[redacted]"
        );
    }
}
