//! The App API side of the fake: its provider catalog (with each provider's user-data
//! requirements), the verification sessions and their life, the JSON they are answered
//! as, and the test controls of [`Server`] that play the person.
//!
//! This works on raw JSON (`serde_json::Value`), never on the library's models, so that
//! the fake stays an independent oracle of what the library decodes.

use std::collections::VecDeque;
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::{Builder, Server};

/// A timestamp as the API writes them: RFC 3339, UTC, milliseconds.
fn ts(t: OffsetDateTime) -> String {
    crate::decode::ts::api_form(t)
}

/// The most sessions kept; past it, the oldest is forgotten (its id then answers 404).
const SESSIONS_CAPACITY: usize = 10_000;
/// How long a session lives before it expires, unless a test control ends it first.
pub(super) const SESSION_LIFETIME: Duration = Duration::from_secs(300);
/// The levels of assurance `requestedLoa` may ask for: the library's limits.
pub(super) const LOA_RANGE: std::ops::RangeInclusive<u64> =
    crate::verifications::MIN_LOA as u64..=crate::verifications::MAX_LOA as u64;

/// One field of a provider's `userData`, as its configuration lists it.
pub(super) struct UserField {
    pub(super) field: &'static str,
    /// `text` or `select`.
    pub(super) kind: &'static str,
    pub(super) required: bool,
    pub(super) label: &'static str,
    pub(super) description: &'static str,
    /// Shown to clients; the fake checks values with `check`, its hand-written twin.
    pub(super) pattern: Option<&'static str>,
    /// The values of a `select`: `(value, label)`.
    pub(super) options: &'static [(&'static str, &'static str)],
    pub(super) check: fn(&str) -> bool,
}

impl UserField {
    pub(super) fn json(&self) -> Value {
        let mut field = json!({
            "field": self.field, "type": self.kind, "required": self.required,
            "label": self.label, "description": self.description,
        });
        if let Some(pattern) = self.pattern {
            field["pattern"] = json!(pattern);
        }
        if !self.options.is_empty() {
            let options: Vec<Value> = self
                .options
                .iter()
                .map(|(value, label)| json!({"value": value, "label": label}))
                .collect();
            field["options"] = json!(options);
        }
        field
    }
}

/// A provider of the App API catalog.
pub(super) struct AppProvider {
    pub(super) id: &'static str,
    pub(super) name: &'static str,
    pub(super) countries: &'static [&'static str],
    /// The first is the default when a create names none.
    pub(super) flow_types: &'static [&'static str],
    /// The levels it reaches; the last is the highest.
    pub(super) loa: &'static [u8],
    pub(super) user_data: &'static [UserField],
}

impl AppProvider {
    pub(super) fn max_loa(&self) -> u8 {
        self.loa.last().copied().unwrap_or(1)
    }
}

fn any(_: &str) -> bool {
    true
}

/// `^PNO[A-Z]{2}-[0-9A-Za-z-]{2,}$`: at least 8 characters.
fn smartid_registration(v: &str) -> bool {
    let b = v.as_bytes();
    v.len() >= 8
        && v.starts_with("PNO")
        && b[3].is_ascii_uppercase()
        && b[4].is_ascii_uppercase()
        && b[5] == b'-'
        && b[6..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// `^[^@\s]+@[^@\s]+$`.
fn email(v: &str) -> bool {
    match v.split_once('@') {
        Some((a, b)) => {
            let ok = |s: &str| !s.is_empty() && !s.contains(['@', ' ', '\t', '\n', '\r']);
            ok(a) && ok(b)
        }
        None => false,
    }
}

/// `^\+[1-9][0-9]{6,14}$`: E.164.
fn e164(v: &str) -> bool {
    let digits = v.strip_prefix('+').unwrap_or("");
    (7..=15).contains(&digits.len())
        && !digits.starts_with('0')
        && digits.bytes().all(|c| c.is_ascii_digit())
}

/// `^[0-9]{11}$`.
fn eleven_digits(v: &str) -> bool {
    v.len() == 11 && v.bytes().all(|c| c.is_ascii_digit())
}

/// `^[0-9]{6}-?[0-9]{4}$`.
fn kennitala(v: &str) -> bool {
    let digits: String = v.chars().filter(|c| *c != '-').collect();
    let hyphen_ok = match v.find('-') {
        None => true,
        Some(i) => i == 6 && v.matches('-').count() == 1,
    };
    hyphen_ok && digits.len() == 10 && digits.bytes().all(|c| c.is_ascii_digit())
}

const BANKS: &[(&str, &str)] = &[
    ("ABNANL2A", "ABN AMRO"),
    ("ASNBNL21", "ASN Bank"),
    ("INGBNL2A", "ING"),
    ("RABONL2U", "Rabobank"),
    ("SNSBNL2A", "SNS"),
    ("TRIONL2U", "Triodos Bank"),
];

fn preset_bank(v: &str) -> bool {
    BANKS.iter().any(|(value, _)| *value == v)
}

const fn text(
    field: &'static str,
    required: bool,
    label: &'static str,
    description: &'static str,
    pattern: Option<&'static str>,
    check: fn(&str) -> bool,
) -> UserField {
    UserField {
        field,
        kind: "text",
        required,
        label,
        description,
        pattern,
        options: &[],
        check,
    }
}

/// The App API's providers. The user-data requirements are the documented ones
/// (`smartid`, `audkenni`, `skmobileid`, `idin`); the rest (countries, flow types,
/// levels, `frejaid`'s optional e-mail) is the fake's own choice.
pub(super) const APP_CATALOG: &[AppProvider] = &[
    AppProvider {
        id: "smartid",
        name: "Smart-ID",
        countries: &["ee", "lv", "lt"],
        flow_types: &["push", "qr"],
        loa: &[2, 3],
        user_data: &[text(
            "registrationId",
            true,
            "Registration ID",
            "The person's Smart-ID identifier, such as PNOEE-38001085718",
            Some("^PNO[A-Z]{2}-[0-9A-Za-z-]{2,}$"),
            smartid_registration,
        )],
    },
    AppProvider {
        id: "frejaid",
        name: "Freja eID",
        countries: &["se", "no", "fi", "dk"],
        flow_types: &["qr", "push"],
        loa: &[2, 3],
        user_data: &[text(
            "email",
            false,
            "E-mail",
            "Sends the request to the Freja eID app registered with this address",
            Some("^[^@\\s]+@[^@\\s]+$"),
            email,
        )],
    },
    AppProvider {
        id: "bankidse",
        name: "BankID SE",
        countries: &["se"],
        flow_types: &["qr"],
        loa: &[3],
        user_data: &[],
    },
    AppProvider {
        id: "mitid",
        name: "MitID",
        countries: &["dk"],
        flow_types: &["redirect"],
        loa: &[2, 3],
        user_data: &[],
    },
    AppProvider {
        id: "idin",
        name: "iDIN",
        countries: &["nl"],
        flow_types: &["redirect"],
        loa: &[2, 3],
        user_data: &[UserField {
            field: "presetBank",
            kind: "select",
            required: true,
            label: "Bank",
            description: "The bank the person signs in with",
            pattern: None,
            options: BANKS,
            check: preset_bank,
        }],
    },
    AppProvider {
        id: "skmobileid",
        name: "Mobile-ID",
        countries: &["ee", "lt"],
        flow_types: &["push"],
        loa: &[3],
        user_data: &[
            text(
                "phoneNumber",
                true,
                "Phone number",
                "The Mobile-ID phone number, in E.164 form",
                Some("^\\+[1-9][0-9]{6,14}$"),
                e164,
            ),
            text(
                "nationalIdentityNumber",
                true,
                "Personal code",
                "The person's national identity number",
                Some("^[0-9]{11}$"),
                eleven_digits,
            ),
        ],
    },
    AppProvider {
        id: "audkenni",
        name: "Auðkenni",
        countries: &["is"],
        flow_types: &["push"],
        loa: &[3],
        user_data: &[text(
            "registrationId",
            true,
            "Kennitala",
            "The person's kennitala: ten digits, an optional hyphen after the sixth",
            Some("^[0-9]{6}-?[0-9]{4}$"),
            kennitala,
        )],
    },
    AppProvider {
        id: "passport",
        name: "Passport (NFC)",
        countries: &[],
        flow_types: &["qr", "dc"],
        loa: &[2, 3],
        user_data: &[text(
            "documentNumber",
            false,
            "Document number",
            "Checked against the chip when given",
            None,
            any,
        )],
    },
];

pub(super) fn app_provider(id: &str) -> Option<&'static AppProvider> {
    APP_CATALOG.iter().find(|p| p.id == id)
}

/// The claims of the person every session verifies, unless a test completes it with
/// others.
fn default_person() -> Map<String, Value> {
    let person = json!({
        "given_name": "Jaak-Kristjan",
        "family_name": "Jõeorg",
        "name": "Jaak-Kristjan Jõeorg",
        "birthdate": "1980-01-08",
        "nationality": "EE",
    });
    match person {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The label of a level (the fake's choice: pages disagree).
fn loa_label(level: u8) -> &'static str {
    match level {
        1 => "none",
        2 => "low",
        3 => "substantial",
        4 => "high",
        _ => "very_high",
    }
}

/// The sessions and their settings.
pub(super) struct Sessions {
    list: VecDeque<Session>,
    /// The poll that completes a session by itself; 0: never.
    pub(super) complete_after: u32,
    /// The create response's `polling.recommendedInterval`.
    pub(super) poll_interval: Duration,
}

impl Default for Sessions {
    fn default() -> Sessions {
        Sessions {
            list: VecDeque::new(),
            complete_after: DEFAULT_COMPLETE_AFTER,
            poll_interval: DEFAULT_POLL_INTERVAL,
        }
    }
}

pub(super) const DEFAULT_COMPLETE_AFTER: u32 = 3;
pub(super) const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

impl Sessions {
    pub(super) fn push(&mut self, session: Session) {
        if self.list.len() == SESSIONS_CAPACITY {
            self.list.pop_front();
        }
        self.list.push_back(session);
    }

    /// The session `id`, of the App `client_id` when one is given.
    pub(super) fn get_mut(&mut self, id: &str, client_id: Option<&str>) -> Option<&mut Session> {
        self.list
            .iter_mut()
            .find(|s| s.id == id && client_id.is_none_or(|c| c == s.client_id))
    }
}

/// How a session ended, for the person's data.
pub(super) enum Outcome {
    Completed { loa: u8, claims: Map<String, Value> },
    Failed(Value),
}

/// One verification session.
pub(super) struct Session {
    pub(super) id: String,
    pub(super) client_id: String,
    pub(super) provider: &'static AppProvider,
    pub(super) flow_type: String,
    pub(super) status: &'static str,
    /// GETs of the session so far.
    pub(super) polls: u32,
    pub(super) requested_loa: Option<u8>,
    pub(super) requested_claims: Option<Vec<String>>,
    pub(super) user_data: Map<String, Value>,
    pub(super) reference_id: Option<String>,
    /// Behind the QR payload and the redirect `state`.
    pub(super) token: String,
    /// What a push flow shows on both screens.
    pub(super) code: String,
    pub(super) created_at: OffsetDateTime,
    pub(super) expires_at: OffsetDateTime,
    pub(super) ended_at: Option<OffsetDateTime>,
    pub(super) outcome: Option<Outcome>,
}

fn is_terminal(status: &str) -> bool {
    matches!(status, "completed" | "failed" | "expired" | "cancelled")
}

/// RFC 3339 without fractional seconds: the API writes timestamps both ways.
fn ts_seconds(t: OffsetDateTime) -> String {
    let text = ts(t);
    match text.split_once('.') {
        Some((head, _)) => format!("{head}Z"),
        None => text,
    }
}

impl Session {
    pub(super) fn is_terminal(&self) -> bool {
        is_terminal(self.status)
    }

    /// Expires the session when its time is up.
    pub(super) fn tick(&mut self, now: OffsetDateTime) {
        if !self.is_terminal() && now >= self.expires_at {
            self.status = "expired";
            self.ended_at = Some(self.expires_at);
        }
    }

    /// One poll: the first moves it to `awaiting_user_action`, the `complete_after`-th
    /// (when not 0) completes it as the default person.
    pub(super) fn poll(&mut self, now: OffsetDateTime, complete_after: u32) {
        self.tick(now);
        if self.is_terminal() {
            return;
        }
        self.polls = self.polls.saturating_add(1);
        if complete_after > 0 && self.polls >= complete_after {
            self.complete(&Completion::new(), now);
        } else {
            self.status = "awaiting_user_action";
        }
    }

    /// Ends a live session as `completion` says: completed, or failed when the level
    /// reached is below the one requested.
    pub(super) fn complete(&mut self, completion: &Completion, now: OffsetDateTime) {
        let loa = completion
            .loa
            .or(self.requested_loa)
            .unwrap_or_else(|| self.provider.max_loa());
        if let Some(requested) = self.requested_loa.filter(|r| loa < *r) {
            let message = format!(
                "The level of assurance reached ({loa}) is below the requested level ({requested})"
            );
            self.fail("LOA_NOT_MET", &message, now);
            return;
        }
        let mut claims = default_person();
        for (name, value) in &completion.claims {
            if value.is_null() {
                claims.remove(name);
            } else {
                claims.insert(name.clone(), value.clone());
            }
        }
        self.status = "completed";
        self.ended_at = Some(now);
        self.outcome = Some(Outcome::Completed { loa, claims });
    }

    pub(super) fn fail(&mut self, code: &str, message: &str, now: OffsetDateTime) {
        self.status = "failed";
        self.ended_at = Some(now);
        self.outcome = Some(Outcome::Failed(json!({
            "type": "verification_error", "code": code, "message": message,
            "occurredAt": ts(now), "providerError": null,
        })));
    }

    pub(super) fn end(&mut self, status: &'static str, now: OffsetDateTime) {
        self.status = status;
        self.ended_at = Some(now);
    }

    /// What the person is shown, by flow type.
    fn flow_details(&self) -> Value {
        let provider = self.provider.id;
        match self.flow_type.as_str() {
            "qr" => {
                // Rotates on every poll, like BankID's animated codes.
                let link = format!("{provider}:///?token={}&seq={}", self.token, self.polls);
                json!({
                    "qrData": link, "linkData": link,
                    "deeplink": format!("{provider}:///?autostarttoken={}", self.token),
                    "autoStartToken": self.token,
                })
            }
            "redirect" => json!({
                "authorizationUrl": format!(
                    "https://verify.mock.invalid/{provider}/authorize?session={}&state={}",
                    self.id, self.token
                ),
                "state": self.token,
            }),
            "push" => {
                let who = self
                    .provider
                    .user_data
                    .iter()
                    .find(|f| f.required)
                    .and_then(|f| self.user_data.get(f.field))
                    .and_then(Value::as_str)
                    .map(mask);
                json!({
                    "verificationCode": self.code,
                    "description": format!("Confirm in the {} app that the code matches", self.provider.name),
                    "messageDisplayed": "Log in to the demo service",
                    "maskedIdentifier": who,
                    "displayInstructions": "Check that the code in the app is the same, then enter your PIN",
                })
            }
            _ => json!({}),
        }
    }

    /// The session as GET (or, with `polling`, as the create) answers it.
    pub(super) fn json(&self, polling: Option<&Sessions>) -> Value {
        let mut v = json!({
            "verificationId": self.id,
            "status": self.status,
            "providerId": self.provider.id,
            "workflowId": "default",
            "flowType": self.flow_type,
            "expiresAt": ts(self.expires_at),
            "createdAt": ts(self.created_at),
            "referenceId": self.reference_id,
        });
        if !self.is_terminal() {
            v["flowDetails"] = self.flow_details();
        }
        if let Some(sessions) = polling {
            v["polling"] = json!({
                "recommendedInterval": u64::try_from(sessions.poll_interval.as_millis()).unwrap_or(u64::MAX),
                "maxDuration": SESSION_LIFETIME.as_millis() as u64,
            });
            v["verification_model"] = json!("disclosure");
        }
        let ended = self.ended_at.map(ts_seconds);
        match (self.status, &self.outcome) {
            ("completed", Some(Outcome::Completed { loa, .. })) => {
                v["verifiedAt"] = json!(ended);
                v["acr"] = json!(format!("urn:hopae:loa:{loa}"));
                v["hopae_loa"] = json!(loa);
                v["hopae_loa_label"] = json!(loa_label(*loa));
            }
            ("failed", outcome) => {
                v["failedAt"] = json!(ended);
                if let Some(Outcome::Failed(error)) = outcome {
                    v["error"] = error.clone();
                }
            }
            ("cancelled", _) => v["cancelledAt"] = json!(ended),
            _ => {}
        }
        v
    }

    /// The userinfo body of a completed session.
    pub(super) fn userinfo(&self) -> Option<Value> {
        let Some(Outcome::Completed { loa, claims }) = &self.outcome else {
            return None;
        };
        let (user, missing): (Map<String, Value>, Vec<String>) = match &self.requested_claims {
            None => (claims.clone(), Vec::new()),
            Some(requested) => {
                let user = requested
                    .iter()
                    .filter_map(|c| claims.get(c).map(|v| (c.clone(), v.clone())))
                    .collect();
                let missing = requested
                    .iter()
                    .filter(|c| !claims.contains_key(*c))
                    .cloned()
                    .collect();
                (user, missing)
            }
        };
        let verified_at = self.ended_at.map(ts);
        Some(json!({
            "sub": self.subject(),
            "acr": format!("urn:hopae:loa:{loa}"),
            "hopae_loa": loa,
            "hopae_loa_label": loa_label(*loa),
            "amr": [self.provider.id],
            "missing_claims": missing,
            "provider_id": self.provider.id,
            "verification_model": "disclosure",
            "user": user,
            "provenance": {
                "presentation": {"channel": {"type": self.flow_type, "transport": "https"}},
                "credentials": [{
                    "type": "oidc",
                    "issuer": format!("https://{}.mock.invalid", self.provider.id),
                    "claims": user.keys().collect::<Vec<_>>(),
                    "evidence": {"id_token": self.upstream_token("idt")},
                }],
                "_metadata": {"verification_id": self.id, "verified_at": verified_at},
            },
        }))
    }

    /// The evidence body of a completed session.
    pub(super) fn evidence(&self) -> Option<Value> {
        matches!(self.outcome, Some(Outcome::Completed { .. })).then(|| {
            json!({
                "token": {
                    "id_token": self.upstream_token("idt"),
                    "access_token": self.upstream_token("at"),
                },
                "names": "id_token;access_token",
            })
        })
    }

    /// Pairwise: the same person has another `sub` in each App.
    fn subject(&self) -> String {
        let mut h = DefaultHasher::new();
        (&self.client_id, self.provider.id, "person").hash(&mut h);
        format!("{:016x}", h.finish())
    }

    /// A token-looking value of the upstream provider (a secret to the caller).
    fn upstream_token(&self, kind: &str) -> String {
        let mut h = DefaultHasher::new();
        (&self.id, kind).hash(&mut h);
        format!("eyJhbGciOiJub25lIn0.{kind}.{:016x}", h.finish())
    }
}

/// `PNOEE-380*****718`: the first 9 and last 3 characters.
fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 12 {
        return "*".repeat(chars.len());
    }
    let stars = "*".repeat(chars.len() - 12);
    let head: String = chars[..9].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}{stars}{tail}")
}

/// How [`Server::complete_verification`] completes a session: the person's claims and
/// the level of assurance reached.
///
/// # Example
///
/// ```
/// let completion = hopae::mock::Completion::new()
///     .claim("given_name", "Mari")
///     .claim("nationality", serde_json::Value::Null) // removes a default claim
///     .loa(3);
/// # let _ = completion;
/// ```
#[derive(Debug, Clone, Default)]
pub struct Completion {
    claims: Map<String, Value>,
    loa: Option<u8>,
}

impl Completion {
    /// The default person (`Jaak-Kristjan Jõeorg`, born `1980-01-08`, of `EE`) at the
    /// requested level, or the provider's highest when none was requested.
    pub fn new() -> Completion {
        Completion::default()
    }

    /// Sets one claim over the default person's; `null` removes it.
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Completion {
        self.claims.insert(name.to_owned(), value.into());
        self
    }

    /// The level of assurance reached, 1 to 5. Below the session's `requestedLoa`,
    /// the session fails, as the API's do.
    pub fn loa(mut self, level: u8) -> Completion {
        self.loa = Some(level);
        self
    }
}

/// Why a test control of the fake did nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ControlError {
    /// No session has this id.
    NotFound,
    /// The session has ended already, with this status.
    Ended(String),
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlError::NotFound => f.write_str("no verification session has this id"),
            ControlError::Ended(status) => {
                write!(f, "the verification session has ended already ({status})")
            }
        }
    }
}

impl std::error::Error for ControlError {}

/// One verification session of the fake, from [`Server::verifications`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerificationSummary {
    /// The `verificationId`.
    pub id: String,
    /// The App that created it.
    pub client_id: String,
    /// The provider.
    pub provider_id: String,
    /// The flow type: `qr`, `push`, `redirect` or `dc`.
    pub flow_type: String,
    /// The status now, such as `awaiting_user_action`.
    pub status: String,
    /// The GETs of the session so far.
    pub polls: u32,
}

impl Server {
    /// Completes the verification session `id` as the person would: its status turns
    /// `completed`, and userinfo and evidence answer with the claims and level of
    /// `completion`. When that level is below the session's `requestedLoa`, the session
    /// turns `failed` instead, as on the API.
    ///
    /// # Errors
    ///
    /// [`ControlError::NotFound`] for an unknown id, [`ControlError::Ended`] when the
    /// session has ended already (nothing changes).
    ///
    /// # Example
    ///
    /// ```
    /// use hopae::mock::{Completion, ControlError, Server};
    ///
    /// let server = Server::builder().complete_after(0).start()?;
    /// assert_eq!(server.complete_verification("ver_none", &Completion::new()), Err(ControlError::NotFound));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn complete_verification(
        &self,
        id: &str,
        completion: &Completion,
    ) -> Result<(), ControlError> {
        self.shared.lock().complete_verification(id, completion)
    }

    /// Fails the verification session `id` with this error `code` and `message` (as a
    /// provider refusal would): its status turns `failed` and its `error` says why.
    ///
    /// # Errors
    ///
    /// As [`Server::complete_verification`].
    pub fn fail_verification(
        &self,
        id: &str,
        code: &str,
        message: &str,
    ) -> Result<(), ControlError> {
        self.shared.lock().fail_verification(id, code, message)
    }

    /// Expires the verification session `id` now, as if its `expiresAt` had passed.
    ///
    /// # Errors
    ///
    /// As [`Server::complete_verification`].
    pub fn expire_verification(&self, id: &str) -> Result<(), ControlError> {
        self.shared.lock().end_verification(id, "expired")
    }

    /// Cancels the verification session `id`, as the person declining in their app
    /// would.
    ///
    /// # Errors
    ///
    /// As [`Server::complete_verification`].
    pub fn cancel_verification(&self, id: &str) -> Result<(), ControlError> {
        self.shared.lock().end_verification(id, "cancelled")
    }

    /// The verification sessions the fake holds, oldest first (at most the last
    /// 10,000).
    pub fn verifications(&self) -> Vec<VerificationSummary> {
        let now = OffsetDateTime::now_utc();
        let mut state = self.shared.lock();
        state
            .sessions
            .list
            .iter_mut()
            .map(|s| {
                s.tick(now);
                VerificationSummary {
                    id: s.id.clone(),
                    client_id: s.client_id.clone(),
                    provider_id: s.provider.id.to_owned(),
                    flow_type: s.flow_type.clone(),
                    status: s.status.to_owned(),
                    polls: s.polls,
                }
            })
            .collect()
    }

    /// The client secret of the App `client_id` now (after any rotation), for the App
    /// API's Basic credentials; `None` for an unknown App.
    pub fn client_secret(&self, client_id: &str) -> Option<String> {
        self.shared
            .lock()
            .app(client_id)
            .map(|a| a.client_secret.clone())
    }
}

impl Builder {
    /// Completes a verification session by itself on its `n`-th poll (`GET
    /// /verifications/{id}`), as the default person at the requested level; before
    /// that, polls answer `awaiting_user_action`. 0 means never: only a test control
    /// ([`Server::complete_verification`] and the others) or the expiry ends a session.
    /// The default is 3.
    pub fn complete_after(mut self, n: u32) -> Builder {
        self.complete_after = n;
        self
    }

    /// The `polling.recommendedInterval` of a created session (default 1 s).
    pub fn poll_interval(mut self, interval: Duration) -> Builder {
        self.poll_interval = interval;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_data_checks_follow_their_patterns() {
        assert!(smartid_registration("PNOEE-38001085718"));
        assert!(smartid_registration("PNOLV-12"));
        for bad in [
            "PNOEE-3",
            "PNOee-38001085718",
            "XNOEE-38001085718",
            "PNOEE_38001",
        ] {
            assert!(!smartid_registration(bad), "{bad}");
        }
        assert!(email("a@b.example") && !email("a@") && !email("a b@c"));
        assert!(e164("+37200000766") && !e164("37200000766") && !e164("+0123456"));
        assert!(kennitala("120174-3399") && kennitala("1201743399"));
        assert!(!kennitala("12017-43399") && !kennitala("120174339"));
        assert!(preset_bank("INGBNL2A") && !preset_bank("ING"));
        assert_eq!(mask("PNOEE-38001085718"), "PNOEE-380*****718");
        assert_eq!(mask("short"), "*****");
    }

    #[test]
    fn every_provider_has_a_flow_and_a_level() {
        for p in APP_CATALOG {
            assert!(!p.flow_types.is_empty() && !p.loa.is_empty(), "{}", p.id);
            assert!(p.loa.windows(2).all(|w| w[0] < w[1]), "{}", p.id);
            assert!(LOA_RANGE.contains(&u64::from(p.max_loa())));
        }
        for id in ["smartid", "frejaid", "bankidse", "mitid", "idin"] {
            assert!(app_provider(id).is_some(), "{id}");
        }
    }
}
