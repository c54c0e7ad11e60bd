//! `X-Hopae-Signature`: reading the header, checking it against a body, and making one.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::hmac;

/// The tolerance a new [`Verifier`] starts with: the replay window of the API reference.
const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);
/// The longest header value read, in bytes. A real one is about 80.
const MAX_HEADER_LEN: usize = 8 * 1024;
/// The most `v1` values one header may carry (each costs one HMAC of the body).
const MAX_SIGNATURES: usize = 16;
/// The length of an HMAC-SHA256 tag in bytes.
const TAG_LEN: usize = 32;

/// The prefix of every webhook secret Hopae issues (`whsec_...`). It is part of the HMAC
/// key: pass the secret whole, prefix included.
pub const SECRET_PREFIX: &str = "whsec_";

/// Checks Hopae's `X-Hopae-Signature` header against the raw body of a delivery.
///
/// Made once from the App's webhook secret, exactly as the API returned it (`whsec_...`,
/// prefix included), then used for every delivery; it is cheap to clone and can be
/// shared between threads.
///
/// [`verify_at`](Verifier::verify_at) works in this order, and stops at the first
/// failure (a verifier made with an unusable secret fails before all of them, with
/// [`SignatureError::EmptySecret`] or [`SignatureError::InvalidSecret`]):
///
/// 1. read the header: one `t=<unix seconds>`, one to 16 `v1=<hex HMAC-SHA256>`, fields
///    in any order, spaces around them allowed, unknown fields such as `v0=` ignored,
///    8 KiB at most ([`SignatureError::Malformed`]). A `v1` that is not 64 hex digits is
///    skipped, as Stripe and Svix do, so that a new signature scheme or a secret
///    rotation cannot break deliveries; the header is malformed only when no `v1`
///    can be read;
/// 2. compare `t` with the clock: at most the tolerance (300 s unless set with
///    [`tolerance`](Verifier::tolerance)) in the past or in the future
///    ([`SignatureError::TimestampOutsideTolerance`]). This cheap check comes before the
///    HMAC, so a stale timestamp is reported whether or not its signature is valid;
/// 3. compute the HMAC-SHA256 of `<t>.<body>` once, and compare it in constant time with
///    each `v1`; one match is enough ([`SignatureError::Mismatch`]);
/// 4. parse the body as a JSON object ([`SignatureError::NotJsonObject`]).
///
/// Pass the body exactly as received: the signature covers those bytes, and JSON that
/// was parsed and serialized again does not verify.
///
/// `Debug` shows the secret as `[redacted]`.
///
/// # Replays and duplicates
///
/// A delivery replayed within the tolerance verifies again, and Hopae retries a delivery
/// that was not answered with a 2xx (signed anew, with a new `t`). Make handling
/// idempotent: keep the [`WebhookEvent::event_id`] of each delivery handled (a table with
/// a unique key, kept at least as long as the tolerance plus Hopae's retry period) and
/// answer 2xx without handling again an id already seen. When a payload carries no id,
/// key on the identifiers inside it (such as `data.verificationId` and the event name),
/// or on a SHA-256 of the body.
///
/// # Example
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use hopae::webhooks::{SignatureError, Verifier, sign};
///
/// let body = br#"{"event":"verification.completed","data":{"id":"v_1"}}"#;
/// let header = sign("whsec_test", 1_765_000_000, body); // what Hopae sends
/// let now = UNIX_EPOCH + Duration::from_secs(1_765_000_100); // 100 s later
///
/// let verifier = Verifier::new("whsec_test");
/// let event = verifier.verify_at(&header, body, now)?;
/// assert_eq!(event.event_type.as_deref(), Some("verification.completed"));
/// assert_eq!(event.payload["data"]["id"], "v_1");
///
/// // Another body under the same header is refused.
/// let forged = br#"{"event":"verification.completed","data":{"id":"v_2"}}"#;
/// let err = verifier.verify_at(&header, forged, now).unwrap_err();
/// assert_eq!(err, SignatureError::Mismatch);
/// assert_eq!(err.status(), 401);
/// # Ok::<(), hopae::webhooks::SignatureError>(())
/// ```
///
/// # Example: the replay window
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use hopae::webhooks::{Verifier, sign};
///
/// let header = sign("whsec_test", 1_765_000_000, b"{}");
/// let verifier = Verifier::new("whsec_test").tolerance(Duration::from_secs(60));
///
/// let just_in_time = UNIX_EPOCH + Duration::from_secs(1_765_000_060);
/// assert!(verifier.verify_at(&header, b"{}", just_in_time).is_ok());
///
/// let too_late = UNIX_EPOCH + Duration::from_secs(1_765_000_061);
/// let err = verifier.verify_at(&header, b"{}", too_late).unwrap_err();
/// assert_eq!(err.to_string(), "timestamp is 61s in the past, tolerance 60s");
/// ```
#[derive(Clone)]
pub struct Verifier {
    /// The key, or why the secret cannot be one: such a verifier refuses every delivery.
    key: Result<hmac::Key, SignatureError>,
    tolerance: Duration,
}

impl Verifier {
    /// A verifier for the webhook secret `secret`, with a tolerance of 300 seconds.
    ///
    /// The secret is used exactly as given: pass it as the API returned it, `whsec_`
    /// prefix included. A secret [`check_secret`] refuses (empty, blank, a preview,
    /// surrounded by whitespace) is accepted here, but every verification with it fails
    /// with that error: anyone could sign with an empty key. Use
    /// [`try_new`](Verifier::try_new) to learn it at start-up.
    pub fn new(secret: impl Into<String>) -> Self {
        let secret: String = secret.into();
        let key =
            check_secret(&secret).map(|()| hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()));
        Verifier {
            key,
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// [`Verifier::new`], refusing at once a secret that cannot verify anything.
    ///
    /// # Errors
    ///
    /// As [`check_secret`]: [`SignatureError::EmptySecret`] or
    /// [`SignatureError::InvalidSecret`].
    ///
    /// # Example
    ///
    /// ```
    /// use hopae::webhooks::{SignatureError, Verifier};
    ///
    /// assert!(Verifier::try_new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
    /// // The preview the webhook settings show is not the secret.
    /// let err = Verifier::try_new("whsec_****abc1").unwrap_err();
    /// assert!(matches!(err, SignatureError::InvalidSecret { .. }));
    /// assert_eq!(Verifier::try_new("").unwrap_err(), SignatureError::EmptySecret);
    /// ```
    pub fn try_new(secret: impl Into<String>) -> Result<Self, SignatureError> {
        let verifier = Verifier::new(secret);
        match &verifier.key {
            Ok(_) => Ok(verifier),
            Err(e) => Err(e.clone()),
        }
    }

    /// Sets how far the signed timestamp may be from the clock, in either direction
    /// (default 300 seconds).
    ///
    /// A difference equal to the tolerance is accepted. Timestamps have whole-second
    /// precision, and so does the comparison: the clock is truncated to whole seconds.
    /// A shorter window narrows replays; a longer one forgives clock drift.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Verifies a delivery against the system clock: the `X-Hopae-Signature` value
    /// `header` and the raw request body `body`.
    ///
    /// The same as [`verify_at`](Verifier::verify_at) with `SystemTime::now()`.
    ///
    /// # Errors
    ///
    /// As [`verify_at`](Verifier::verify_at).
    pub fn verify(&self, header: &str, body: &[u8]) -> Result<WebhookEvent, SignatureError> {
        self.verify_at(header, body, SystemTime::now())
    }

    /// Verifies a delivery as of the instant `now`: the `X-Hopae-Signature` value
    /// `header` and the raw request body `body`.
    ///
    /// On success, returns the body as a [`WebhookEvent`]. The checks and their order
    /// are described on [`Verifier`].
    ///
    /// # Errors
    ///
    /// - [`SignatureError::EmptySecret`] or [`SignatureError::InvalidSecret`] if the
    ///   verifier was made with a secret [`check_secret`] refuses.
    /// - [`SignatureError::Malformed`] if the header is longer than 8 KiB, lacks `t` or
    ///   a readable `v1`, has more than one `t` or more than 16 `v1`, or `t` is not a
    ///   whole number of seconds since the epoch that fits a `u64`.
    /// - [`SignatureError::TimestampOutsideTolerance`] if `t` is further than the
    ///   tolerance from `now`, in the past or in the future.
    /// - [`SignatureError::Mismatch`] if no `v1` is the HMAC-SHA256 of `<t>.<body>` under
    ///   the secret: another secret (a rotated one?), or a changed body or timestamp.
    /// - [`SignatureError::NotJsonObject`] if the signature matches but the body is not
    ///   a JSON object.
    pub fn verify_at(
        &self,
        header: &str,
        body: &[u8],
        now: SystemTime,
    ) -> Result<WebhookEvent, SignatureError> {
        let key = self.key.as_ref().map_err(Clone::clone)?;
        let header = Header::parse(header)?;
        self.check_timestamp(header.timestamp, now)?;
        // One HMAC of the body, whatever the number of `v1`, each compared in constant
        // time and all of them compared (no early exit on a match).
        let expected = tag(key, header.timestamp_text, body);
        let matches = header.signatures.iter().fold(false, |found, candidate| {
            crate::secret::ct_eq(expected.as_ref(), candidate) | found
        });
        if !matches {
            return Err(SignatureError::Mismatch);
        }
        WebhookEvent::from_body(header.timestamp, body)
    }

    fn check_timestamp(&self, timestamp: u64, now: SystemTime) -> Result<(), SignatureError> {
        let now = match now.duration_since(UNIX_EPOCH) {
            Ok(since) => i128::from(since.as_secs()),
            Err(before) => -i128::from(before.duration().as_secs()),
        };
        // Positive: the timestamp is in the past.
        let age = now - i128::from(timestamp);
        let difference = Duration::from_secs(u64::try_from(age.unsigned_abs()).unwrap_or(u64::MAX));
        if difference > self.tolerance {
            return Err(SignatureError::TimestampOutsideTolerance {
                timestamp,
                difference,
                in_future: age < 0,
                tolerance: self.tolerance,
            });
        }
        Ok(())
    }
}

/// Checks a webhook secret before it is used as an HMAC key: the checks behind
/// [`Verifier::try_new`], for a configuration check at start-up.
///
/// The `whsec_` prefix ([`SECRET_PREFIX`]) is not required here (the key is the secret
/// as given); the CLI requires it.
///
/// # Errors
///
/// - [`SignatureError::EmptySecret`] for an empty secret.
/// - [`SignatureError::InvalidSecret`] when the key after `whsec_` is empty or blank (a
///   templated configuration whose value is missing), when the secret is the preview
///   `whsec_****abc1` that [`WebhookConfig::secret`](super::WebhookConfig::secret)
///   holds, or when it starts or ends with whitespace (a newline read from a file).
pub fn check_secret(secret: &str) -> Result<(), SignatureError> {
    let invalid = |reason| Err(SignatureError::InvalidSecret { reason });
    if secret.is_empty() {
        return Err(SignatureError::EmptySecret);
    }
    let key = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    if key.trim().is_empty() {
        return invalid("its key part (after whsec_) is empty or blank");
    }
    if key.starts_with("****") {
        return invalid(
            "it is the preview (whsec_****...) the webhook settings show, not the secret: \
             rotate the webhook secret to get the real one, shown once",
        );
    }
    if secret.ends_with(['\n', '\r']) {
        return invalid("it ends with a newline: remove it (read from a file?)");
    }
    if secret.trim() != secret {
        return invalid("it starts or ends with whitespace: remove it");
    }
    Ok(())
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secret", &"[redacted]")
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

/// A delivery whose signature was verified.
///
/// Hopae documents an event's name and little else of its body, so the body is kept
/// whole as JSON next to the name and the event id. To handle each delivery once, key
/// on [`event_id`](WebhookEvent::event_id) (see "Replays and duplicates" on
/// [`Verifier`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The event's name, such as `"verification.completed"`: the body's `event` field,
    /// or its `type` field when `event` is absent or not a string; `None` when neither
    /// is a string. The set of names is open.
    pub event_type: Option<String>,
    /// The delivery's event id, for deduplication: the body's top-level `id` field, or
    /// its `eventId` field when `id` is absent or not a string; `None` when neither is a
    /// string. A replayed or retried delivery carries the same id.
    pub event_id: Option<String>,
    /// The header's `t`: when Hopae signed the delivery, in seconds since the Unix
    /// epoch. A retried delivery is signed again, with a new `t`.
    pub timestamp: u64,
    /// The whole body, always a JSON object.
    pub payload: serde_json::Value,
}

impl WebhookEvent {
    fn from_body(timestamp: u64, body: &[u8]) -> Result<Self, SignatureError> {
        let not_object = |found| SignatureError::NotJsonObject { found };
        let payload: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| not_object("invalid JSON"))?;
        let object = match &payload {
            serde_json::Value::Object(object) => object,
            serde_json::Value::Array(_) => return Err(not_object("an array")),
            serde_json::Value::String(_) => return Err(not_object("a string")),
            serde_json::Value::Number(_) => return Err(not_object("a number")),
            serde_json::Value::Bool(_) => return Err(not_object("a boolean")),
            serde_json::Value::Null => return Err(not_object("null")),
        };
        let event_type = ["event", "type"]
            .into_iter()
            .find_map(|name| object.get(name)?.as_str())
            .map(str::to_owned);
        let event_id = ["id", "eventId"]
            .into_iter()
            .find_map(|name| object.get(name)?.as_str())
            .map(str::to_owned);
        Ok(WebhookEvent {
            event_type,
            event_id,
            timestamp,
            payload,
        })
    }
}

/// Why a webhook delivery was refused.
///
/// Each variant maps to one HTTP status for the receiver's answer, given by
/// [`status`](SignatureError::status). `Display` is one lowercase line; neither it nor
/// `Debug` ever contains the secret, the expected signature or the body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureError {
    /// The `X-Hopae-Signature` value cannot be read: too long, no `t`, a repeated `t`,
    /// too many `v1`, a `t` that is not a `u64` of seconds, or no `v1` that is 64 hex
    /// digits.
    Malformed {
        /// What is wrong, such as `"missing t"` or `"v1 is not 64 hex digits"`.
        reason: &'static str,
    },
    /// The signed timestamp is further from the clock than the tolerance: a replayed or
    /// much delayed delivery, or a clock that is off. Checked before the signature, so
    /// this says nothing about whether the signature was valid.
    TimestampOutsideTolerance {
        /// The header's `t`, in seconds since the Unix epoch.
        timestamp: u64,
        /// How far `t` is from the clock, in whole seconds.
        difference: Duration,
        /// `true` when `t` is ahead of the clock, `false` when behind it.
        in_future: bool,
        /// The tolerance that was exceeded.
        tolerance: Duration,
    },
    /// No `v1` value is the signature of this body under this secret: the delivery was
    /// signed with another secret (rotated since?) or the body or timestamp changed.
    Mismatch,
    /// The signature matched, but the body is not a JSON object.
    NotJsonObject {
        /// What the body is instead: `"invalid JSON"`, `"an array"`, `"a string"`,
        /// `"a number"`, `"a boolean"` or `"null"`.
        found: &'static str,
    },
    /// The [`Verifier`] was made with an empty secret, and refuses everything: a
    /// configuration error of the receiver (an unset variable?), not of the delivery.
    EmptySecret,
    /// The [`Verifier`] was made with a secret that cannot be the App's (see
    /// [`check_secret`]), and refuses everything: a configuration error of the receiver,
    /// not of the delivery.
    InvalidSecret {
        /// Why, such as `"its key part (after whsec_) is empty or blank"`. Never the
        /// secret.
        reason: &'static str,
    },
}

impl SignatureError {
    /// The HTTP status a receiver answers with.
    ///
    /// | variant | status |
    /// |---|---|
    /// | [`Malformed`](SignatureError::Malformed), [`NotJsonObject`](SignatureError::NotJsonObject) | 400 Bad Request |
    /// | [`TimestampOutsideTolerance`](SignatureError::TimestampOutsideTolerance), [`Mismatch`](SignatureError::Mismatch) | 401 Unauthorized |
    /// | [`EmptySecret`](SignatureError::EmptySecret), [`InvalidSecret`](SignatureError::InvalidSecret) | 500 Internal Server Error |
    pub fn status(&self) -> u16 {
        match self {
            SignatureError::Malformed { .. } | SignatureError::NotJsonObject { .. } => 400,
            SignatureError::TimestampOutsideTolerance { .. } | SignatureError::Mismatch => 401,
            SignatureError::EmptySecret | SignatureError::InvalidSecret { .. } => 500,
        }
    }
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureError::Malformed { reason } => {
                write!(f, "malformed signature header: {reason}")
            }
            SignatureError::TimestampOutsideTolerance {
                difference,
                in_future,
                tolerance,
                ..
            } => {
                let side = if *in_future { "future" } else { "past" };
                write!(
                    f,
                    "timestamp is {difference:?} in the {side}, tolerance {tolerance:?}"
                )
            }
            SignatureError::Mismatch => {
                f.write_str("signature mismatch: no v1 value matches the body and the secret")
            }
            SignatureError::NotJsonObject { found } => {
                write!(f, "signed body is not a JSON object: {found}")
            }
            SignatureError::EmptySecret => f.write_str("the webhook secret is empty"),
            SignatureError::InvalidSecret { reason } => {
                write!(f, "the webhook secret is unusable: {reason}")
            }
        }
    }
}

impl std::error::Error for SignatureError {}

/// Signs `body` as Hopae does, and returns the `X-Hopae-Signature` value:
/// `t=<timestamp>,v1=<lowercase hex HMAC-SHA256>`.
///
/// The HMAC key is `secret` as given (`whsec_...`, prefix included) and the message is
/// `<timestamp>.<body>`. For tests of a receiver, and for forwarding a verified delivery
/// to another of your own services; Hopae signs real deliveries itself.
///
/// # Example
///
/// ```
/// let header = hopae::webhooks::sign("whsec_test", 1_765_000_000, br#"{"event":"verification.completed"}"#);
/// assert_eq!(
///     header,
///     "t=1765000000,v1=5f95d5d9fc8c1b209385a72099ed502b99e86b7f46a58a6dde3d3698ab4114d0"
/// );
/// ```
pub fn sign(secret: &str, timestamp: u64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let timestamp = timestamp.to_string();
    let tag = tag(&key, &timestamp, body);
    format!("t={timestamp},v1={}", encode_hex(tag.as_ref()))
}

/// The HMAC of `<timestamp>.<body>`, the bytes the signature covers (`timestamp` as
/// written in the header), without copying the body.
fn tag(key: &hmac::Key, timestamp: &str, body: &[u8]) -> hmac::Tag {
    #[cfg(test)]
    tests::HMACS.with(|n| n.set(n.get() + 1));
    let mut context = hmac::Context::with_key(key);
    context.update(timestamp.as_bytes());
    context.update(b".");
    context.update(body);
    context.sign()
}

/// The fields of an `X-Hopae-Signature` value that matter.
#[derive(Debug, PartialEq)]
struct Header<'a> {
    /// `t` as a number.
    timestamp: u64,
    /// `t` as written (trimmed): the signed message starts with it.
    timestamp_text: &'a str,
    /// The decoded `v1` values, in header order; those that are not 64 hex digits are
    /// left out.
    signatures: Vec<[u8; TAG_LEN]>,
}

impl<'a> Header<'a> {
    fn parse(value: &'a str) -> Result<Self, SignatureError> {
        let malformed = |reason| SignatureError::Malformed { reason };
        if value.len() > MAX_HEADER_LEN {
            return Err(malformed("longer than 8 KiB"));
        }
        let mut timestamp = None;
        let mut signatures = Vec::new();
        // Every `v1` counts towards the limit, readable or not.
        let mut v1_count = 0;
        for field in value.split(',') {
            // Fields that are not `name=value` are as unknown as `v0=...`: ignored.
            let Some((name, field_value)) = field.split_once('=') else {
                continue;
            };
            let field_value = field_value.trim();
            match name.trim() {
                "t" => {
                    if timestamp.is_some() {
                        return Err(malformed("more than one t"));
                    }
                    timestamp = Some((parse_timestamp(field_value)?, field_value));
                }
                "v1" => {
                    if v1_count == MAX_SIGNATURES {
                        return Err(malformed("more than 16 v1 values"));
                    }
                    v1_count += 1;
                    // Skipped when unreadable: another `v1` may still match.
                    signatures.extend(decode_hex(field_value));
                }
                _ => {}
            }
        }
        let (timestamp, timestamp_text) = timestamp.ok_or(malformed("missing t"))?;
        if v1_count == 0 {
            return Err(malformed("missing v1"));
        }
        if signatures.is_empty() {
            return Err(malformed("v1 is not 64 hex digits"));
        }
        Ok(Header {
            timestamp,
            timestamp_text,
            signatures,
        })
    }
}

/// `t`: decimal digits only (no sign, so no time before the epoch), fitting a `u64`.
fn parse_timestamp(text: &str) -> Result<u64, SignatureError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::Malformed {
            reason: "t is not a number of seconds",
        });
    }
    text.parse().map_err(|_| SignatureError::Malformed {
        reason: "t is out of range",
    })
}

/// Decodes 64 hex digits, either case, into a tag.
fn decode_hex(text: &str) -> Option<[u8; TAG_LEN]> {
    let digits = text.as_bytes();
    if digits.len() != 2 * TAG_LEN {
        return None;
    }
    let mut tag = [0; TAG_LEN];
    for (byte, pair) in tag.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
    }
    Some(tag)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Lowercase hex.
fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(2 * bytes.len());
    for byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAG_HEX: &str = "5f95d5d9fc8c1b209385a72099ed502b99e86b7f46a58a6dde3d3698ab4114d0";

    thread_local! {
        /// HMACs computed on this thread.
        pub(super) static HMACS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    #[test]
    fn one_hmac_per_check_whatever_the_number_of_v1() {
        let body = br#"{"event":"verification.completed"}"#;
        let good = sign("whsec_test", 1_765_000_000, body);
        let others = vec![format!("v1={}", "ab".repeat(TAG_LEN)); 15].join(",");
        let now = UNIX_EPOCH + Duration::from_secs(1_765_000_000);
        let verifier = Verifier::new("whsec_test");
        for header in [format!("{others},{good}"), format!("{good},{others}")] {
            HMACS.with(|n| n.set(0));
            assert!(verifier.verify_at(&header, body, now).is_ok());
            assert_eq!(HMACS.with(std::cell::Cell::get), 1, "{header}");
        }
        HMACS.with(|n| n.set(0));
        let wrong = format!("t=1765000000,{others}");
        assert_eq!(
            verifier.verify_at(&wrong, body, now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(HMACS.with(std::cell::Cell::get), 1);
    }

    fn malformed(value: &str) -> &'static str {
        match Header::parse(value) {
            Err(SignatureError::Malformed { reason }) => reason,
            other => panic!("{value:?}: expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn hex_round_trips_and_accepts_either_case() {
        let tag = decode_hex(TAG_HEX).unwrap();
        assert_eq!(encode_hex(&tag), TAG_HEX);
        assert_eq!(decode_hex(&TAG_HEX.to_uppercase()), Some(tag));
        assert_eq!(tag[0], 0x5f);
        assert_eq!(tag[31], 0xd0);
    }

    #[test]
    fn hex_rejects_wrong_length_and_non_hex_digits() {
        assert_eq!(decode_hex(""), None);
        assert_eq!(decode_hex(&TAG_HEX[..62]), None);
        assert_eq!(decode_hex(&format!("{TAG_HEX}00")), None);
        assert_eq!(decode_hex(&TAG_HEX.replace('f', "g")), None);
        assert_eq!(decode_hex(&format!("+{}", &TAG_HEX[1..])), None);
        // 64 bytes but not 64 ASCII digits: a multi-byte character.
        assert_eq!(decode_hex(&format!("é{}", &TAG_HEX[2..])), None);
    }

    #[test]
    fn header_parses_timestamp_and_signatures_in_order() {
        let other = "00".repeat(32);
        let value = format!("v1={other}, v0=legacy,t=1765000000 ,  v1={TAG_HEX},extra");
        let header = Header::parse(&value).unwrap();
        assert_eq!(header.timestamp, 1_765_000_000);
        assert_eq!(header.timestamp_text, "1765000000");
        assert_eq!(
            header.signatures,
            vec![[0; TAG_LEN], decode_hex(TAG_HEX).unwrap()]
        );
    }

    #[test]
    fn header_keeps_the_timestamp_as_written() {
        let value = format!("t=0042,v1={TAG_HEX}");
        let header = Header::parse(&value).unwrap();
        assert_eq!((header.timestamp, header.timestamp_text), (42, "0042"));
    }

    #[test]
    fn header_refuses_each_malformation_with_its_reason() {
        let v1 = format!("v1={TAG_HEX}");
        assert_eq!(malformed(""), "missing t");
        assert_eq!(malformed(&v1), "missing t");
        assert_eq!(malformed("t=1765000000"), "missing v1");
        assert_eq!(malformed("t=1765000000,v0=abc"), "missing v1");
        assert_eq!(malformed(&format!("t=1,t=1,{v1}")), "more than one t");
        for t in ["", "abc", "-1", "+1", "1.5", "1e9", "0x10"] {
            assert_eq!(
                malformed(&format!("t={t},{v1}")),
                "t is not a number of seconds",
                "t={t}"
            );
        }
        assert_eq!(
            malformed(&format!("t=18446744073709551616,{v1}")),
            "t is out of range"
        );
        assert_eq!(
            Header::parse(&format!("t=18446744073709551615,{v1}"))
                .unwrap()
                .timestamp,
            u64::MAX
        );
        assert_eq!(malformed("t=1,v1=abc"), "v1 is not 64 hex digits");
        assert_eq!(malformed("t=1,v1="), "v1 is not 64 hex digits");
    }

    #[test]
    fn header_skips_unreadable_v1_values_and_counts_them_towards_the_limit() {
        let value = format!("t=1,v1=zz,v1={TAG_HEX},v1=,v1={}", &TAG_HEX[1..]);
        let header = Header::parse(&value).unwrap();
        assert_eq!(header.signatures, vec![decode_hex(TAG_HEX).unwrap()]);
        let fifteen_bad = vec!["v1=x"; 16].join(",");
        assert_eq!(
            malformed(&format!("t=1,{fifteen_bad},v1={TAG_HEX}")),
            "more than 16 v1 values"
        );
        assert_eq!(malformed("t=1,v1=x,v1=y"), "v1 is not 64 hex digits");
    }

    #[test]
    fn header_caps_length_and_signature_count() {
        let sixteen = vec![format!("v1={TAG_HEX}"); 16].join(",");
        assert_eq!(
            Header::parse(&format!("t=1,{sixteen}"))
                .unwrap()
                .signatures
                .len(),
            16
        );
        assert_eq!(
            malformed(&format!("t=1,{sixteen},v1={TAG_HEX}")),
            "more than 16 v1 values"
        );
        let padded = format!("t=1,v1={TAG_HEX},v0={}", "a".repeat(MAX_HEADER_LEN));
        assert_eq!(malformed(&padded), "longer than 8 KiB");
        let at_limit = format!("t=1,v1={TAG_HEX},v0=");
        let at_limit = format!("{at_limit}{}", "a".repeat(MAX_HEADER_LEN - at_limit.len()));
        assert!(Header::parse(&at_limit).is_ok());
    }

    #[test]
    fn signature_error_display_is_one_lowercase_line() {
        let errors = [
            SignatureError::Malformed {
                reason: "missing t",
            },
            SignatureError::TimestampOutsideTolerance {
                timestamp: 1,
                difference: Duration::from_secs(301),
                in_future: false,
                tolerance: Duration::from_secs(300),
            },
            SignatureError::Mismatch,
            SignatureError::NotJsonObject { found: "an array" },
            SignatureError::EmptySecret,
            SignatureError::InvalidSecret {
                reason: "it ends with a newline: remove it (read from a file?)",
            },
        ];
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "malformed signature header: missing t",
                "timestamp is 301s in the past, tolerance 300s",
                "signature mismatch: no v1 value matches the body and the secret",
                "signed body is not a JSON object: an array",
                "the webhook secret is empty",
                "the webhook secret is unusable: it ends with a newline: remove it (read from a file?)",
            ]
        );
        assert_eq!(
            errors
                .iter()
                .map(SignatureError::status)
                .collect::<Vec<_>>(),
            [400, 401, 401, 400, 500, 500]
        );
    }

    #[test]
    fn sub_second_tolerance_is_shown_as_set() {
        let err = SignatureError::TimestampOutsideTolerance {
            timestamp: 1,
            difference: Duration::from_secs(2),
            in_future: true,
            tolerance: Duration::from_millis(1500),
        };
        assert_eq!(
            err.to_string(),
            "timestamp is 2s in the future, tolerance 1.5s"
        );
    }
}
