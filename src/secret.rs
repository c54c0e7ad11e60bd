//! [`Secret`]: a value that must never be printed, and the one constant-time comparison
//! of the crate.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret the API returned or the caller passed: a client secret, a webhook secret, a
/// token, evidence.
///
/// `Debug` prints `Secret([redacted])` whatever the value; `Display` is not implemented,
/// so a secret cannot reach a log line or a terminal by accident. [`Secret::expose`]
/// returns the value for the one place that needs it. Equality compares in constant
/// time. Serde is transparent: a `Secret<String>` reads and writes as a JSON string, a
/// `Secret<serde_json::Value>` as any JSON value.
///
/// # Example
///
/// ```
/// use hopae::Secret;
///
/// let secret = Secret::new("6f1c0a9e".to_owned());
/// assert_eq!(format!("{secret:?}"), "Secret([redacted])");
/// assert_eq!(secret.expose(), "6f1c0a9e");
/// assert_eq!(secret, Secret::from("6f1c0a9e"));
///
/// let json: Secret = hopae::serde_json::from_str("\"whsec_abc\"").unwrap();
/// assert_eq!(json.expose(), "whsec_abc");
/// ```
#[derive(Clone, Default)]
pub struct Secret<T = String>(T);

impl<T> Secret<T> {
    /// Wraps `value`.
    pub const fn new(value: T) -> Secret<T> {
        Secret(value)
    }

    /// The secret value. Call it only where the value must be used (a header, a file the
    /// user asked for), never to print it.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// The secret value, consuming the wrapper.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_owned())
    }
}

impl From<serde_json::Value> for Secret<serde_json::Value> {
    fn from(value: serde_json::Value) -> Secret<serde_json::Value> {
        Secret(value)
    }
}

impl Secret {
    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for Secret {}

impl PartialEq for Secret<Vec<u8>> {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(&self.0, &other.0)
    }
}

impl Eq for Secret<Vec<u8>> {}

impl PartialEq for Secret<serde_json::Value> {
    fn eq(&self, other: &Self) -> bool {
        // Compared as their compact JSON text, in constant time for equal lengths.
        let (a, b) = (self.0.to_string(), other.0.to_string());
        ct_eq(a.as_bytes(), b.as_bytes())
    }
}

impl<T: Serialize> Serialize for Secret<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Secret)
    }
}

/// The names of the JSON fields whose values are secrets, at any depth: client secrets,
/// webhook secrets, OAuth and OIDC tokens and codes, evidence and provenance (which hold
/// upstream tokens). The one list: the library scrubs these from error messages and
/// excerpts, the CLI replaces them with `"[redacted]"` in its `--json` output unless
/// `--show-secrets` is given. Everything inside such a field is secret too. See
/// [`is_secret_field`] for the one exception.
pub const SECRET_FIELDS: &[&str] = &[
    "clientSecret",
    "client_secret",
    "secret",
    "access_token",
    "refresh_token",
    "id_token",
    "code",
    "code_verifier",
    "token",
    "vp_token",
    "authorizationCode",
    "evidence",
    "provenance",
    "hopae_provenance",
    "vp_token",
    "authorizationCode",
];

/// Whether the JSON member `name` holds a secret: a name of [`SECRET_FIELDS`], except
/// `code` in an object that is the value of an `error` member (`parent`): the API's
/// error code (`{"error": {"code": "RESOURCE_NOT_FOUND"}}`) is no secret. `parent` is the
/// name of the member whose value is the object holding `name`, `None` at the top level
/// and in arrays.
///
/// # Example
///
/// ```
/// assert!(hopae::is_secret_field(None, "clientSecret"));
/// assert!(hopae::is_secret_field(Some("oauth"), "code"));
/// assert!(!hopae::is_secret_field(Some("error"), "code"));
/// assert!(!hopae::is_secret_field(None, "name"));
/// ```
pub fn is_secret_field(parent: Option<&str>, name: &str) -> bool {
    SECRET_FIELDS.contains(&name) && !(name == "code" && parent == Some("error"))
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths: every byte
/// is compared whatever the first difference. The crate's one constant-time comparison
/// (secrets, webhook signatures, OAuth `state`).
#[inline(never)]
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // `black_box` keeps the optimizer from turning the fold into an early exit.
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::from("sk_very_secret");
        assert_eq!(format!("{s:?}"), "Secret([redacted])");
        assert_eq!(format!("{:?}", Some(&s)), "Some(Secret([redacted]))");
        let r: Result<Secret, ()> = Ok(s);
        assert!(!format!("{r:?}").contains("very"));
        let j = Secret::new(serde_json::json!({"id_token": "eyJ"}));
        assert_eq!(format!("{j:?}"), "Secret([redacted])");
    }

    #[test]
    fn serde_is_transparent() {
        let s: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(s.expose(), "abc");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"abc\"");
        let j: Secret<serde_json::Value> = serde_json::from_str(r#"{"a":[1]}"#).unwrap();
        assert_eq!(j.expose()["a"][0], 1);
        assert_eq!(serde_json::to_string(&j).unwrap(), r#"{"a":[1]}"#);
    }

    #[test]
    fn equality_compares_every_byte() {
        assert!(ct_eq(b"", b""));
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"xbc"));
        assert!(!ct_eq(b"abc", b"abcd"));
        assert_eq!(Secret::from("x"), Secret::from("x"));
        assert_ne!(Secret::from("x"), Secret::from("y"));
        assert_eq!(
            Secret::new(serde_json::json!({"a": 1})),
            Secret::new(serde_json::json!({"a": 1}))
        );
    }
}
