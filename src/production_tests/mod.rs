//! Production tests: challenges in which real users verify with each provider, so a
//! company can prove its integration works in production.
//!
//! | call | method and path |
//! |---|---|
//! | [`ProductionTests::list`] | `GET /apps/{client_id}/production-tests` |
//! | [`ProductionTests::create`] | `POST /apps/{client_id}/production-tests` |
//! | [`ProductionTests::report`] | `GET /apps/{client_id}/production-tests/{challenge_id}/report` |
//! | [`ProductionTests::wait_for_challenge`] | polls the list until a request is scheduled |
//!
//! Responses derive `Deserialize` except [`ProductionTestItem`], whose hand-written
//! decoder checks that `type` agrees with which of `challenge` / `request` is set. A
//! decode error names the failing item and field: ``item 1: at `challenge.isActive`:
//! invalid type: string "yes", expected a boolean at line 1 column 563``.

mod wait;

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::decode::{DecodeResult, obj, ts};
use crate::error::Error;
use crate::http::AppHandle;
use crate::http::{Call, Idempotent, segment};
use crate::open_enum::open_enum;

/// The wait options and progress of every wait, also reachable here for code written
/// before they moved to [`crate::wait`].
pub use crate::wait::{WaitOptions, WaitProgress};
pub use wait::DEFAULT_WAIT_INTERVAL;

open_enum! {
    /// How a challenge is run (`challengeMode`). Hopae documents only `"stamp"`.
    ChallengeMode {
        /// Each completed verification is a stamp claim, capped by `maxStamps`.
        Stamp = "stamp",
    }
}

open_enum! {
    /// Where a production-test request stands (`status`).
    RequestStatus {
        /// Stored, not yet scheduled into a challenge.
        Pending = "pending",
        /// Scheduled: `challengeId` names the challenge.
        Scheduled = "scheduled",
        /// Hopae could not schedule it.
        Failed = "failed",
    }
}

open_enum! {
    /// The mobile platform a production test targets (`targetPlatform`).
    Platform {
        /// Apple iOS.
        Ios = "ios",
        /// Google Android.
        Android = "android",
    }
}

/// A scheduled production test: a "stamp"-mode challenge that real users complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Challenge {
    /// The challenge id (`ch_...`): the `challenge_id` of
    /// [`ProductionTests::report`].
    pub id: String,
    /// The title given at creation.
    pub title: String,
    /// The description given at creation, if any.
    pub description: Option<String>,
    /// When the challenge stops accepting claims.
    #[serde(with = "ts")]
    pub expires_at: OffsetDateTime,
    /// When the challenge was created.
    #[serde(with = "ts")]
    pub created_at: OffsetDateTime,
    /// When the challenge completed; `None` while it runs.
    #[serde(default, with = "ts::option")]
    pub completed_at: Option<OffsetDateTime>,
    /// Whether the challenge still accepts claims.
    pub is_active: bool,
    /// How the challenge is run; `stamp` is the only documented mode.
    pub challenge_mode: ChallengeMode,
    /// The sponsor, kept as raw JSON: its shape is undocumented.
    pub sponsor: Option<serde_json::Value>,
    /// Sources, as sent: their meaning is undocumented.
    pub sources: Option<Vec<String>>,
}

/// A production-test request: what was asked for, before (and after) Hopae schedules it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChallengeRequest {
    /// The request id (`req_...`). It is **not** a challenge id: the report endpoint needs
    /// [`ChallengeRequest::challenge_id`] once the request is scheduled.
    pub id: String,
    /// The App (client id) the test belongs to.
    pub client_id: String,
    /// `pending` until scheduled, then `scheduled` (or `failed`).
    pub status: RequestStatus,
    /// What was asked for at creation.
    #[serde(deserialize_with = "obj::required")]
    pub payload: RequestPayload,
    /// The challenge this request became, once scheduled.
    pub challenge_id: Option<String>,
    /// When the request was created.
    #[serde(with = "ts")]
    pub created_at: OffsetDateTime,
}

/// The parameters a production-test request was created with, as Hopae stored them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RequestPayload {
    /// The requested title.
    pub title: String,
    /// The requested description, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The requested providers; `None` means every eligible provider.
    pub provider_ids: Option<Vec<String>>,
    /// The stamp cap (`maxStamps` at creation).
    pub max_stamp_claims: Option<u32>,
    /// The requested platform; `None` means any.
    pub target_platform: Option<Platform>,
    /// Whether one person may claim more than once, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_duplicate_participation: Option<bool>,
}

/// One entry of the production-test list: a scheduled challenge or a pending request.
///
/// On the wire an item is `{"type": "challenge" | "request", "challenge": {...} | null,
/// "request": {...} | null}`. Decoding accepts exactly the consistent shapes: `type` is
/// `"challenge"`, `challenge` is an object and `request` is null or absent, or the mirror
/// image for `"request"`. Anything else is an error naming what is wrong: a missing,
/// null, non-string or unknown `type`; the field `type` names being null or absent; the
/// other field being set as well; duplicate keys; an item that is not an object; or an
/// invalid field inside the challenge or request (with its path, e.g.
/// `challenge.expiresAt`). Unknown keys are ignored everywhere.
///
/// Serializing produces the same wire shape, with the inapplicable field `null`.
///
/// # Example
///
/// ```
/// use hopae::ProductionTestItem;
///
/// let json = r#"{"type": "request", "challenge": null, "request": {
///     "id": "req_1", "clientId": "FK5b0KSM", "status": "pending",
///     "payload": {"title": "MitID test", "providerIds": ["mitid"], "maxStampClaims": 3,
///                 "targetPlatform": null},
///     "challengeId": null, "createdAt": "2026-04-08T10:00:00.000Z"}}"#;
/// let item: ProductionTestItem = serde_json::from_str(json)?;
/// assert_eq!(item.as_request().map(|r| r.id.as_str()), Some("req_1"));
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// # Example: an inconsistent item is rejected
///
/// ```
/// use hopae::ProductionTestItem;
///
/// let json = r#"{"type": "challenge", "challenge": null, "request": null}"#;
/// let err = serde_json::from_str::<ProductionTestItem>(json).unwrap_err();
/// assert!(err.to_string().starts_with("`challenge` is null or missing but `type` is \"challenge\""));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ProductionTestItem {
    /// A scheduled challenge (`"type": "challenge"`): it has a report.
    Challenge(Challenge),
    /// A request not yet turned into a challenge (`"type": "request"`): no report yet.
    Request(ChallengeRequest),
}

impl ProductionTestItem {
    /// The wire discriminator: `"challenge"` or `"request"`.
    pub fn kind(&self) -> &'static str {
        match self {
            ProductionTestItem::Challenge(_) => "challenge",
            ProductionTestItem::Request(_) => "request",
        }
    }

    /// The challenge, if this item is one.
    pub fn as_challenge(&self) -> Option<&Challenge> {
        match self {
            ProductionTestItem::Challenge(c) => Some(c),
            ProductionTestItem::Request(_) => None,
        }
    }

    /// The request, if this item is one.
    pub fn as_request(&self) -> Option<&ChallengeRequest> {
        match self {
            ProductionTestItem::Request(r) => Some(r),
            ProductionTestItem::Challenge(_) => None,
        }
    }
}

impl Serialize for ProductionTestItem {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("type", self.kind())?;
        map.serialize_entry("challenge", &self.as_challenge())?;
        map.serialize_entry("request", &self.as_request())?;
        map.end()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Challenge,
    Request,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Challenge => "challenge",
            Kind::Request => "request",
        }
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Kind;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the string \"challenge\" or \"request\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
                match v {
                    "challenge" => Ok(Kind::Challenge),
                    "request" => Ok(Kind::Request),
                    // A long value is not quoted at all: it could be anything the
                    // server echoed back (even the API key), and a prefix would leak it.
                    other if other.chars().nth(40).is_some() => Err(E::invalid_value(
                        de::Unexpected::Other(&format!(
                            "a string of {} characters",
                            other.chars().count()
                        )),
                        &self,
                    )),
                    other => Err(E::unknown_variant(other, &["challenge", "request"])),
                }
            }
        }
        d.deserialize_str(V)
    }
}

/// The item as derive reads it: derive brings duplicate-key detection, null-vs-missing
/// handling and skipping of unknown keys; the consistency rules follow in one `match`.
#[derive(Deserialize)]
struct RawItem {
    #[serde(rename = "type")]
    kind: Kind,
    #[serde(default, deserialize_with = "obj::option")]
    challenge: Option<Challenge>,
    #[serde(default, deserialize_with = "obj::option")]
    request: Option<ChallengeRequest>,
}

impl<'de> Deserialize<'de> for ProductionTestItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ProductionTestItem;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a production test item (an object with `type`, `challenge` and `request`)",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let raw = RawItem::deserialize(de::value::MapAccessDeserializer::new(map))?;
                match (raw.kind, raw.challenge, raw.request) {
                    (Kind::Challenge, Some(c), None) => Ok(ProductionTestItem::Challenge(c)),
                    (Kind::Request, None, Some(r)) => Ok(ProductionTestItem::Request(r)),
                    (kind, challenge, request) => Err(de::Error::custom(inconsistency(
                        kind,
                        challenge.is_some(),
                        request.is_some(),
                    ))),
                }
            }
        }
        d.deserialize_map(V)
    }
}

#[cold]
fn inconsistency(kind: Kind, has_challenge: bool, has_request: bool) -> String {
    let (own, has_own, other) = match kind {
        Kind::Challenge => ("challenge", has_challenge, "request"),
        Kind::Request => ("request", has_request, "challenge"),
    };
    let t = kind.as_str();
    if !has_own {
        format!("`{own}` is null or missing but `type` is \"{t}\"")
    } else {
        format!(
            "`{other}` must be null when `type` is \"{t}\" (both `challenge` and `request` are set)"
        )
    }
}

/// The participation report of a scheduled challenge: a point-in-time snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProductionTestReport {
    /// The challenge the report is about.
    #[serde(deserialize_with = "obj::required")]
    pub challenge: Challenge,
    /// Participation and claim counts.
    #[serde(deserialize_with = "obj::required")]
    pub stats: ReportStats,
}

impl ProductionTestReport {
    /// Whether the test is over by the challenge's own signals: it is no longer active,
    /// has `completedAt`, or `now` is past `expiresAt`.
    ///
    /// The report has no "complete" flag. A test also counts as done when
    /// [`ReportStats::total_claims`] reaches the request's
    /// [`RequestPayload::max_stamp_claims`], which the report does not carry.
    ///
    /// # Example
    ///
    /// `hopae::time` is the `time` crate the models use: no dependency of your own needed.
    ///
    /// ```
    /// use hopae::production_tests::ProductionTestReport;
    /// use hopae::time::{Duration, OffsetDateTime};
    ///
    /// let report: ProductionTestReport = serde_json::from_str(r#"{
    ///   "challenge": {"id": "ch_1", "title": "MitID test", "expiresAt": "2026-04-15T23:59:59.000Z",
    ///                 "createdAt": "2026-04-08T09:00:00.000Z", "isActive": true, "challengeMode": "stamp"},
    ///   "stats": {"totalParticipations": 1, "totalClaims": 1, "providerBreakdown": []}}"#)?;
    /// let expires = report.challenge.expires_at;
    /// assert!(!report.is_finished_at(expires - Duration::hours(1)));
    /// assert!(report.is_finished_at(expires));
    /// assert!(!report.is_finished_at(OffsetDateTime::UNIX_EPOCH));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn is_finished_at(&self, now: OffsetDateTime) -> bool {
        let c = &self.challenge;
        !c.is_active || c.completed_at.is_some() || now >= c.expires_at
    }
}

/// Participation and claim counts of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReportStats {
    /// How many verifications were started.
    pub total_participations: u64,
    /// How many stamps were claimed.
    pub total_claims: u64,
    /// Claims per provider.
    #[serde(deserialize_with = "obj::vec")]
    pub provider_breakdown: Vec<ProviderClaims>,
}

/// The claims made through one eID provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProviderClaims {
    /// The provider id, e.g. `"bankidse"`.
    pub provider_id: String,
    /// The provider's display name, e.g. `"BankID SE"`.
    pub provider_name: String,
    /// Stamps claimed through this provider.
    pub claim_count: u64,
}

/// The body of [`ProductionTests::create`].
///
/// Built with [`NewProductionTest::new`] and chained setters; unset options are omitted
/// from the request body, so the API applies its defaults (all eligible providers, any
/// platform, 3 stamps, no duplicate participation). The client checks the documented
/// limits before sending (title 1 to 200 characters, description at most 1000, at
/// least 1 stamp, a non-empty list of non-empty provider ids, `ios` or `android` as the
/// platform) and refuses a violating value with
/// [`Error::InvalidInput`].
///
/// # Example
///
/// ```
/// let test = hopae::production_tests::NewProductionTest::new("MitID test")
///     .provider_ids(["mitid"])
///     .target_platform(hopae::production_tests::Platform::Ios)
///     .max_stamps(3);
/// assert_eq!(
///     serde_json::to_string(&test)?,
///     r#"{"title":"MitID test","providerIds":["mitid"],"targetPlatform":"ios","maxStamps":3}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// # Example: loaded from a configuration file
///
/// It deserializes from the same shape, so a tool can keep its tests in JSON (check it
/// with [`NewProductionTest::validate`] before sending, or let the create call do it):
///
/// ```
/// use hopae::production_tests::NewProductionTest;
///
/// let test: NewProductionTest = serde_json::from_str(r#"{"title": "Nightly", "maxStamps": 2}"#)?;
/// assert_eq!(test, NewProductionTest::new("Nightly").max_stamps(2));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewProductionTest {
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_platform: Option<Platform>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_stamps: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_duplicate_participation: Option<bool>,
}

impl NewProductionTest {
    /// Maximum title length in characters, as documented.
    pub const MAX_TITLE_CHARS: usize = 200;
    /// Maximum description length in characters, as documented.
    pub const MAX_DESCRIPTION_CHARS: usize = 1000;

    /// A production test with this title and the API's defaults for everything else.
    pub fn new(title: impl Into<String>) -> Self {
        NewProductionTest {
            title: title.into(),
            description: None,
            provider_ids: None,
            target_platform: None,
            max_stamps: None,
            allow_duplicate_participation: None,
        }
    }

    /// Sets the description (at most 1000 characters).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Restricts the test to these providers (each must be enabled on the App).
    pub fn provider_ids<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.provider_ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// Restricts the test to one mobile platform.
    pub fn target_platform(mut self, platform: Platform) -> Self {
        self.target_platform = Some(platform);
        self
    }

    /// Caps the number of stamp claims (at least 1; the API's default is 3).
    pub fn max_stamps(mut self, max_stamps: u32) -> Self {
        self.max_stamps = Some(max_stamps);
        self
    }

    /// Allows one person to claim more than once (the API's default is `false`).
    pub fn allow_duplicate_participation(mut self, allow: bool) -> Self {
        self.allow_duplicate_participation = Some(allow);
        self
    }

    /// Checks the documented limits without sending anything.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the first field that
    /// breaks a limit: an empty or over-long title, an over-long description, an empty
    /// provider list or provider id, a platform other than `ios` or `android`, or
    /// `max_stamps(0)`.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid = |msg: String| Err(Error::invalid_input(msg));
        let title_chars = self.title.chars().count();
        if self.title.trim().is_empty() {
            return invalid("`title` must not be empty".into());
        }
        if title_chars > Self::MAX_TITLE_CHARS {
            return invalid(format!(
                "`title` has {title_chars} characters, at most {} are allowed",
                Self::MAX_TITLE_CHARS
            ));
        }
        if let Some(d) = &self.description {
            let n = d.chars().count();
            if n > Self::MAX_DESCRIPTION_CHARS {
                return invalid(format!(
                    "`description` has {n} characters, at most {} are allowed",
                    Self::MAX_DESCRIPTION_CHARS
                ));
            }
        }
        if let Some(ids) = &self.provider_ids {
            if ids.is_empty() {
                return invalid(
                    "`providerIds` must not be empty (leave it unset for every eligible provider)"
                        .into(),
                );
            }
            if let Some(i) = ids.iter().position(|id| id.trim().is_empty()) {
                return invalid(format!("`providerIds[{i}]` must not be empty"));
            }
        }
        if let Some(Platform::Other(p)) = &self.target_platform {
            return invalid(format!(
                "`targetPlatform` must be ios or android, not {p:?}"
            ));
        }
        if self.max_stamps == Some(0) {
            return invalid("`maxStamps` must be at least 1".into());
        }
        Ok(())
    }
}

/// An App's production tests, from [`AppHandle::production_tests`].
#[derive(Debug, Clone)]
pub struct ProductionTests<'a> {
    app: AppHandle<'a>,
}

impl<'a> AppHandle<'a> {
    /// The App's production tests: list, create, report, wait.
    pub fn production_tests(&self) -> ProductionTests<'a> {
        ProductionTests { app: self.clone() }
    }
}

impl<'a> ProductionTests<'a> {
    /// The production-test create with the caller's idempotency key: see [`Idempotent`].
    pub fn with_idempotency_key(&self, key: &str) -> Idempotent<ProductionTests<'a>> {
        Idempotent::new(self.clone(), key)
    }

    /// Lists the App's production tests: scheduled challenges and pending requests, in
    /// the order the API returned them.
    ///
    /// A request item has no report yet; once Hopae schedules it, the list shows a
    /// [`ProductionTestItem::Challenge`] whose `id` is what [`ProductionTests::report`]
    /// takes.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when the client id is empty, `.`, `..` or over 1,024
    ///   bytes;
    /// - [`Error::Api`] for a non-2xx status (401 invalid key, 404 unknown App);
    /// - [`Error::Decode`] when an item is malformed or inconsistent
    ///   ([`DecodeError::index`](crate::DecodeError::index) names it);
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let items = client.app("FK5b0KSM").production_tests().list()?;
    /// let active = items.iter().filter_map(|i| i.as_challenge()).filter(|c| c.is_active).count();
    /// println!("{active} active production tests");
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn list(&self) -> Result<Vec<ProductionTestItem>, Error> {
        self.list_until(None)
    }

    /// [`ProductionTests::list`] ending by `deadline`, retries included.
    pub(crate) fn list_until(
        &self,
        deadline: Option<std::time::Instant>,
    ) -> Result<Vec<ProductionTestItem>, Error> {
        let call = Call::get("list production tests", self.app.path("/production-tests")?);
        self.app
            .transport
            .execute(call.deadline(deadline), decode_list)
    }

    /// Requests a new production test. Hopae stores it as a pending
    /// [`ChallengeRequest`] and schedules it into a challenge later.
    ///
    /// The call carries a freshly generated `Idempotency-Key`; retries of this call send
    /// the same key and the same bytes, so a retried create never creates twice.
    /// [`ProductionTests::with_idempotency_key`] sends yours (for example to make a
    /// whole script re-runnable).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when the client id cannot be a path segment, or `test`
    ///   breaks a documented limit ([`NewProductionTest::validate`]);
    /// - [`Error::Api`] for a non-2xx status: 400 `VALIDATION_*`, 401, 404 unknown App,
    ///   409 `IDEMPOTENCY_KEY_CONFLICT`;
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::production_tests::{NewProductionTest, RequestStatus};
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let test = NewProductionTest::new("MitID test").provider_ids(["mitid"]).max_stamps(3);
    /// let request = client.app("FK5b0KSM").production_tests().create(&test)?;
    /// assert_eq!(request.status, RequestStatus::Pending);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn create(&self, test: &NewProductionTest) -> Result<ChallengeRequest, Error> {
        self.send_create(test, None)
    }

    fn send_create(
        &self,
        test: &NewProductionTest,
        key: Option<&str>,
    ) -> Result<ChallengeRequest, Error> {
        let path = self.app.path("/production-tests")?;
        test.validate()?;
        let call = Call::post("create production test", path).json(test)?;
        self.app.transport.send_streamed(call.keyed(key))
    }

    /// Fetches the participation report of a scheduled challenge: a point-in-time
    /// snapshot of participations and claims, per provider.
    ///
    /// `challenge_id` is a challenge's `id` (`ch_...`), never a request's `id`.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when an id cannot be a path segment;
    /// - [`Error::Api`] for a non-2xx status (404 unknown App or challenge, including a
    ///   request id passed by mistake);
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let report = client.app("FK5b0KSM").production_tests().report("ch_9a1b2c3d")?;
    /// for p in &report.stats.provider_breakdown {
    ///     println!("{}: {} claims", p.provider_name, p.claim_count);
    /// }
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn report(&self, challenge_id: &str) -> Result<ProductionTestReport, Error> {
        let path = self.app.path(&format!(
            "/production-tests/{}/report",
            segment("challenge_id", challenge_id)?
        ))?;
        self.app
            .transport
            .send_streamed(Call::get("production test report", path))
    }
}

/// Decodes a list body through the crate's one indexed list decoder.
pub(crate) fn decode_list(body: &[u8]) -> DecodeResult<Vec<ProductionTestItem>> {
    crate::decode::indexed(body)
}

impl Idempotent<ProductionTests<'_>> {
    /// [`ProductionTests::create`] with this key. Hopae remembers a key for 24 hours
    /// per workspace: the same key with the same body replays the original response;
    /// the same key with another body fails with 409 `IDEMPOTENCY_KEY_CONFLICT`.
    ///
    /// # Errors
    ///
    /// As [`ProductionTests::create`], plus [`Error::InvalidInput`] when the key is
    /// empty, longer than 255 characters, or not visible ASCII.
    pub fn create(self, test: &NewProductionTest) -> Result<ChallengeRequest, Error> {
        self.handle.send_create(test, Some(self.key()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::with_path;
    use serde_json::json;
    use time::format_description::well_known::Rfc3339;

    /// An instant written as RFC 3339.
    fn at(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &Rfc3339).unwrap()
    }

    const RFC: &str = "expected an RFC 3339 timestamp";

    /// A valid challenge with every field, as the reference sends it.
    fn challenge() -> serde_json::Value {
        json!({
            "id": "ch_9a1b2c3d", "title": "BankID SE Production Test",
            "description": "Testing BankID SE integration in production",
            "expiresAt": "2026-04-15T23:59:59.000Z", "createdAt": "2026-04-08T09:00:00.000Z",
            "completedAt": null, "isActive": true, "challengeMode": "stamp",
            "sponsor": null, "sources": null
        })
    }

    /// A valid pending request with every field, as the reference sends it.
    fn request() -> serde_json::Value {
        json!({
            "id": "req_7f3a9c1e", "clientId": "FK5b0KSM", "status": "pending",
            "payload": { "title": "MitID Production Test", "providerIds": ["mitid"],
                         "maxStampClaims": 3, "targetPlatform": null },
            "challengeId": null, "createdAt": "2026-04-08T10:00:00.000Z"
        })
    }

    /// `value` with `key` removed (`remove`) or replaced, at a dotted path.
    fn with(
        mut value: serde_json::Value,
        path: &str,
        new: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let mut parts: Vec<&str> = path.split('.').collect();
        let last = parts.pop().unwrap();
        let mut obj = &mut value;
        for p in parts {
            obj = obj.get_mut(p).unwrap();
        }
        let map = obj.as_object_mut().unwrap();
        match new {
            Some(v) => {
                map.insert(last.to_owned(), v);
            }
            None => {
                map.remove(last);
            }
        }
        value
    }

    /// Decodes one item as a response body is decoded: on failure, the message names
    /// the field path.
    fn decode(json: &str) -> Result<ProductionTestItem, String> {
        serde_json::from_str(json).map_err(|e| with_path(json.as_bytes(), e, None))
    }

    /// The message of a report body that fails to decode, as the client builds it.
    fn report_err(v: serde_json::Value) -> String {
        crate::decode::streamed::<ProductionTestReport>(v.to_string().as_bytes())
            .unwrap_err()
            .1
    }

    fn decode_err(json: &str) -> String {
        match decode(json) {
            Ok(item) => panic!("accepted {json}: {item:?}"),
            Err(e) => e,
        }
    }

    /// serde_json's position suffix: ` at line L column C`, with L >= 1.
    fn has_position(msg: &str) -> bool {
        let Some(i) = msg.rfind(" at line ") else {
            return false;
        };
        let tail = &msg[i + " at line ".len()..];
        tail.split_once(" column ").is_some_and(|(l, c)| {
            l.parse::<u32>().is_ok_and(|l| l >= 1) && c.parse::<u32>().is_ok()
        })
    }

    #[test]
    fn item_accepts_consistent_shapes() {
        let c = challenge().to_string();
        let r = request().to_string();
        let cases: Vec<(&str, String, &str)> = vec![
            (
                "challenge, request null",
                format!(r#"{{"type":"challenge","challenge":{c},"request":null}}"#),
                "challenge",
            ),
            (
                "challenge, request absent",
                format!(r#"{{"type":"challenge","challenge":{c}}}"#),
                "challenge",
            ),
            (
                "request, challenge null",
                format!(r#"{{"type":"request","challenge":null,"request":{r}}}"#),
                "request",
            ),
            (
                "request, challenge absent",
                format!(r#"{{"type":"request","request":{r}}}"#),
                "request",
            ),
            (
                "request before type",
                format!(r#"{{"request":{r},"challenge":null,"type":"request"}}"#),
                "request",
            ),
            (
                "challenge before type",
                format!(r#"{{"challenge":{c},"type":"challenge"}}"#),
                "challenge",
            ),
            (
                "null before type",
                format!(r#"{{"request":null,"challenge":{c},"type":"challenge"}}"#),
                "challenge",
            ),
            (
                "unknown item keys",
                format!(r#"{{"v":2,"type":"request","extra":{{"a":[1]}},"request":{r},"z":null}}"#),
                "request",
            ),
            (
                "whitespace and newlines",
                format!("{{\n  \"type\" : \"challenge\",\n  \"challenge\" : {c}\n}}"),
                "challenge",
            ),
        ];
        for (name, json, kind) in cases {
            let item = decode(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(item.kind(), kind, "{name}");
            match &item {
                ProductionTestItem::Challenge(c) => assert_eq!(c.id, "ch_9a1b2c3d", "{name}"),
                ProductionTestItem::Request(r) => assert_eq!(r.id, "req_7f3a9c1e", "{name}"),
            }
        }
    }

    #[test]
    fn item_decodes_every_challenge_field() {
        let json = json!({"type": "challenge", "challenge": challenge(), "request": null});
        let item: ProductionTestItem = serde_json::from_value(json).unwrap();
        let c = item.as_challenge().unwrap();
        assert!(item.as_request().is_none());
        assert_eq!(c.title, "BankID SE Production Test");
        assert_eq!(
            c.description.as_deref(),
            Some("Testing BankID SE integration in production")
        );
        assert_eq!(c.expires_at, at("2026-04-15T23:59:59Z"));
        assert_eq!(c.created_at, at("2026-04-08T09:00:00Z"));
        assert_eq!(c.completed_at, None);
        assert!(c.is_active);
        assert_eq!(c.challenge_mode, ChallengeMode::Stamp);
        assert_eq!(c.sponsor, None);
        assert_eq!(c.sources, None);
    }

    #[test]
    fn item_decodes_every_request_field() {
        let mut r = request();
        r["status"] = json!("scheduled");
        r["challengeId"] = json!("ch_1");
        r["payload"]["targetPlatform"] = json!("android");
        r["payload"]["description"] = json!("d");
        r["payload"]["allowDuplicateParticipation"] = json!(true);
        let item: ProductionTestItem =
            serde_json::from_value(json!({"type": "request", "request": r})).unwrap();
        let r = item.as_request().unwrap();
        assert!(item.as_challenge().is_none());
        assert_eq!(r.client_id, "FK5b0KSM");
        assert_eq!(r.status, RequestStatus::Scheduled);
        assert_eq!(r.challenge_id.as_deref(), Some("ch_1"));
        assert_eq!(r.created_at, at("2026-04-08T10:00:00Z"));
        let p = &r.payload;
        assert_eq!(p.title, "MitID Production Test");
        assert_eq!(p.description.as_deref(), Some("d"));
        assert_eq!(p.provider_ids.as_deref(), Some(&["mitid".to_owned()][..]));
        assert_eq!(p.max_stamp_claims, Some(3));
        assert_eq!(p.target_platform, Some(Platform::Android));
        assert_eq!(p.allow_duplicate_participation, Some(true));
    }

    #[test]
    fn item_ignores_unknown_keys_at_every_level() {
        let mut c = challenge();
        c["newField"] = json!({"deep": [1, 2]});
        c["sponsor"] = json!({"name": "Acme", "logo": null});
        let mut r = request();
        r["priority"] = json!(5);
        r["payload"]["region"] = json!("eu");
        let item: ProductionTestItem =
            serde_json::from_value(json!({"type": "challenge", "challenge": c, "x": 1})).unwrap();
        assert_eq!(
            item.as_challenge().unwrap().sponsor,
            Some(json!({"name": "Acme", "logo": null}))
        );
        let item: ProductionTestItem =
            serde_json::from_value(json!({"type": "request", "request": r, "x": 1})).unwrap();
        assert_eq!(
            item.as_request().unwrap().payload.title,
            "MitID Production Test"
        );

        let mut report: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/report.json")).unwrap();
        report["generatedAt"] = json!("now");
        report["stats"]["uniqueUsers"] = json!(3);
        report["stats"]["providerBreakdown"][0]["country"] = json!("SE");
        report["challenge"]["z"] = json!(null);
        let report: ProductionTestReport = serde_json::from_value(report).unwrap();
        assert_eq!(report.stats.total_claims, 2);
        assert_eq!(report.stats.provider_breakdown[0].provider_id, "bankidse");
    }

    #[test]
    fn item_accepts_optional_fields_null_or_absent() {
        let challenge_optional = ["description", "completedAt", "sponsor", "sources"];
        let request_optional = [
            "challengeId",
            "payload.targetPlatform",
            "payload.providerIds",
            "payload.maxStampClaims",
            "payload.description",
            "payload.allowDuplicateParticipation",
        ];
        for field in challenge_optional {
            for new in [None, Some(json!(null))] {
                let c = with(challenge(), field, new.clone());
                let item: ProductionTestItem =
                    serde_json::from_value(json!({"type": "challenge", "challenge": c}))
                        .unwrap_or_else(|e| panic!("{field} {new:?}: {e}"));
                let c = item.as_challenge().unwrap();
                match field {
                    "description" => assert_eq!(c.description, None),
                    "completedAt" => assert_eq!(c.completed_at, None),
                    "sponsor" => assert_eq!(c.sponsor, None),
                    _ => assert_eq!(c.sources, None),
                }
            }
        }
        for field in request_optional {
            for new in [None, Some(json!(null))] {
                let r = with(request(), field, new.clone());
                let item: ProductionTestItem =
                    serde_json::from_value(json!({"type": "request", "request": r}))
                        .unwrap_or_else(|e| panic!("{field} {new:?}: {e}"));
                let r = item.as_request().unwrap();
                let p = &r.payload;
                match field {
                    "challengeId" => assert_eq!(r.challenge_id, None),
                    "payload.targetPlatform" => assert_eq!(p.target_platform, None),
                    "payload.providerIds" => assert_eq!(p.provider_ids, None),
                    "payload.maxStampClaims" => assert_eq!(p.max_stamp_claims, None),
                    "payload.description" => assert_eq!(p.description, None),
                    _ => assert_eq!(p.allow_duplicate_participation, None),
                }
            }
        }
    }

    #[test]
    fn item_keeps_unknown_values_of_open_sets() {
        let mut r = request();
        r["status"] = json!("archived");
        r["payload"]["targetPlatform"] = json!("web");
        let item: ProductionTestItem =
            serde_json::from_value(json!({"type": "request", "request": r})).unwrap();
        let r = item.as_request().unwrap();
        assert_eq!(r.status, RequestStatus::Other("archived".into()));
        assert_eq!(r.status.to_string(), "archived");
        assert_eq!(
            r.payload.target_platform,
            Some(Platform::Other("web".into()))
        );

        let c = with(challenge(), "challengeMode", Some(json!("quiz")));
        let item: ProductionTestItem =
            serde_json::from_value(json!({"type": "challenge", "challenge": c})).unwrap();
        let mode = &item.as_challenge().unwrap().challenge_mode;
        assert_eq!(*mode, ChallengeMode::Other("quiz".into()));
        assert_eq!(mode.as_str(), "quiz");

        for (wire, status) in [
            ("pending", RequestStatus::Pending),
            ("scheduled", RequestStatus::Scheduled),
            ("failed", RequestStatus::Failed),
            ("Pending", RequestStatus::Other("Pending".into())),
        ] {
            assert_eq!(
                serde_json::from_value::<RequestStatus>(json!(wire)).unwrap(),
                status
            );
            assert_eq!(serde_json::to_value(&status).unwrap(), json!(wire));
        }
    }

    #[test]
    fn item_rejects_bad_type_discriminator() {
        let c = challenge().to_string();
        let cases: Vec<(&str, String, &[&str])> = vec![
            (
                "missing",
                format!(r#"{{"challenge":{c},"request":null}}"#),
                &["missing field `type`"],
            ),
            (
                "null",
                format!(r#"{{"type":null,"challenge":{c}}}"#),
                &["at `type`", "invalid type: null"],
            ),
            (
                "number",
                format!(r#"{{"type":1,"challenge":{c}}}"#),
                &["at `type`", "invalid type: integer `1`"],
            ),
            (
                "object",
                format!(r#"{{"type":{{"x":1}},"challenge":{c}}}"#),
                &["at `type`", "invalid type: map"],
            ),
            (
                "array",
                format!(r#"{{"type":["challenge"],"challenge":{c}}}"#),
                &["at `type`", "invalid type: sequence"],
            ),
            (
                "capitalised",
                format!(r#"{{"type":"Challenge","challenge":{c}}}"#),
                &[
                    "at `type`",
                    "unknown variant `Challenge`",
                    "expected `challenge` or `request`",
                ],
            ),
            (
                "plural",
                format!(r#"{{"type":"challenges","challenge":{c}}}"#),
                &["at `type`", "unknown variant `challenges`"],
            ),
            (
                "empty",
                format!(r#"{{"type":"","challenge":{c}}}"#),
                &["at `type`", "unknown variant ``"],
            ),
            (
                "padded",
                format!(r#"{{"type":" request","challenge":{c}}}"#),
                &["at `type`", "unknown variant ` request`"],
            ),
        ];
        for (name, json, wanted) in cases {
            let msg = decode_err(&json);
            for w in wanted {
                assert!(msg.contains(w), "{name}: {msg:?} lacks {w:?}");
            }
            assert!(has_position(&msg), "{name}: {msg:?}");
        }
    }

    #[test]
    fn item_does_not_quote_a_long_unknown_type() {
        let c = challenge().to_string();
        let long = format!("sk_workspace_test_{}", "é".repeat(5000));
        let msg = decode_err(&format!(r#"{{"type":"{long}","challenge":{c}}}"#));
        assert!(
            msg.starts_with(
                "at `type`: invalid value: a string of 5018 characters, expected the string \"challenge\" or \"request\""
            ),
            "{msg}"
        );
        assert!(!msg.contains("sk_workspace"), "{msg}");
        // Up to 40 characters are quoted, as serde does.
        let msg = decode_err(&format!(
            r#"{{"type":"{}","challenge":{c}}}"#,
            "x".repeat(40)
        ));
        assert!(
            msg.contains(&format!("unknown variant `{}`", "x".repeat(40))),
            "{msg}"
        );
    }

    #[test]
    fn item_rejects_inconsistent_type_and_fields() {
        let c = challenge().to_string();
        let r = request().to_string();
        let own_missing_challenge = "`challenge` is null or missing but `type` is \"challenge\"";
        let own_missing_request = "`request` is null or missing but `type` is \"request\"";
        let both_for_challenge = "`request` must be null when `type` is \"challenge\"";
        let both_for_request = "`challenge` must be null when `type` is \"request\"";
        let cases: Vec<(&str, String, &str)> = vec![
            (
                "challenge absent",
                r#"{"type":"challenge","request":null}"#.into(),
                own_missing_challenge,
            ),
            (
                "challenge null",
                r#"{"type":"challenge","challenge":null,"request":null}"#.into(),
                own_missing_challenge,
            ),
            (
                "challenge absent, request set",
                format!(r#"{{"type":"challenge","request":{r}}}"#),
                own_missing_challenge,
            ),
            (
                "request absent",
                r#"{"type":"request"}"#.into(),
                own_missing_request,
            ),
            (
                "request null",
                r#"{"type":"request","challenge":null,"request":null}"#.into(),
                own_missing_request,
            ),
            (
                "request null, challenge set",
                format!(r#"{{"type":"request","challenge":{c},"request":null}}"#),
                own_missing_request,
            ),
            (
                "both set, type challenge",
                format!(r#"{{"type":"challenge","challenge":{c},"request":{r}}}"#),
                both_for_challenge,
            ),
            (
                "both set, type request",
                format!(r#"{{"type":"request","challenge":{c},"request":{r}}}"#),
                both_for_request,
            ),
            (
                "both set, type last",
                format!(r#"{{"challenge":{c},"request":{r},"type":"request"}}"#),
                both_for_request,
            ),
        ];
        for (name, json, wanted) in cases {
            let msg = decode_err(&json);
            assert!(msg.starts_with(wanted), "{name}: {msg:?}");
            assert!(has_position(&msg), "{name}: {msg:?}");
        }
    }

    #[test]
    fn item_rejects_duplicate_keys() {
        let c = challenge().to_string();
        let r = request().to_string();
        let cases: Vec<(String, &str)> = vec![
            (
                format!(r#"{{"type":"request","type":"request","request":{r}}}"#),
                "duplicate field `type`",
            ),
            (
                format!(r#"{{"type":"challenge","type":"request","request":{r}}}"#),
                "duplicate field `type`",
            ),
            (
                format!(r#"{{"type":"challenge","challenge":{c},"challenge":{c}}}"#),
                "duplicate field `challenge`",
            ),
            (
                format!(r#"{{"type":"challenge","challenge":null,"challenge":{c}}}"#),
                "duplicate field `challenge`",
            ),
            (
                format!(r#"{{"type":"request","request":{r},"request":null}}"#),
                "duplicate field `request`",
            ),
        ];
        for (json, wanted) in cases {
            let msg = decode_err(&json);
            assert!(msg.contains(wanted), "{json}: {msg:?}");
            assert!(has_position(&msg), "{msg:?}");
        }
    }

    #[test]
    fn item_rejects_non_objects() {
        for json in [
            r#"[{"type":"challenge"}]"#,
            r#""challenge""#,
            "null",
            "42",
            "true",
        ] {
            let msg = decode_err(json);
            assert!(msg.starts_with("invalid type: "), "{json}: {msg:?}");
            assert!(
                msg.contains("expected a production test item"),
                "{json}: {msg:?}"
            );
        }
    }

    #[test]
    fn item_rejects_invalid_fields_inside_challenge_and_request() {
        let c = |path: &str, new: Option<serde_json::Value>| json!({"type": "challenge", "challenge": with(challenge(), path, new), "request": null});
        let r = |path: &str, new: Option<serde_json::Value>| json!({"type": "request", "challenge": null, "request": with(request(), path, new)});
        let cases: Vec<(serde_json::Value, &[&str])> = vec![
            (c("id", None), &["at `challenge`: missing field `id`"]),
            (
                c("id", Some(json!(null))),
                &["at `challenge.id`: invalid type: null, expected a string"],
            ),
            (
                c("title", Some(json!(5))),
                &["at `challenge.title`: invalid type: integer `5`, expected a string"],
            ),
            (
                c("title", Some(json!(["t"]))),
                &["at `challenge.title`: invalid type: sequence"],
            ),
            (
                c("expiresAt", Some(json!("2026-04-08"))),
                &[
                    "at `challenge.expiresAt`: invalid value: string \"2026-04-08\"",
                    RFC,
                ],
            ),
            (
                c("expiresAt", Some(json!("yesterday"))),
                &[
                    "at `challenge.expiresAt`: invalid value: string \"yesterday\"",
                    RFC,
                ],
            ),
            (
                c("expiresAt", Some(json!(12345))),
                &[
                    "at `challenge.expiresAt`: invalid type: integer `12345`",
                    RFC,
                ],
            ),
            (
                c("expiresAt", None),
                &["at `challenge`: missing field `expiresAt`"],
            ),
            (
                c("createdAt", Some(json!("2026-04-08 09:00:00"))),
                &["at `challenge.createdAt`: invalid value", RFC],
            ),
            (
                c("completedAt", Some(json!("soon"))),
                &[
                    "at `challenge.completedAt`: invalid value: string \"soon\"",
                    RFC,
                ],
            ),
            (
                c("isActive", Some(json!("yes"))),
                &["at `challenge.isActive`: invalid type: string \"yes\", expected a boolean"],
            ),
            (
                c("isActive", None),
                &["at `challenge`: missing field `isActive`"],
            ),
            (
                c("challengeMode", Some(json!(1))),
                &["at `challenge.challengeMode`: invalid type: integer `1`"],
            ),
            (
                c("sources", Some(json!([1]))),
                &["at `challenge.sources[0]`: invalid type: integer `1`"],
            ),
            (r("id", None), &["at `request`: missing field `id`"]),
            (
                r("clientId", Some(json!(7))),
                &["at `request.clientId`: invalid type: integer `7`"],
            ),
            (
                r("status", Some(json!(null))),
                &["at `request.status`: invalid type: null"],
            ),
            (
                r("createdAt", Some(json!("2026-04-08"))),
                &[
                    "at `request.createdAt`: invalid value: string \"2026-04-08\"",
                    RFC,
                ],
            ),
            (
                r("payload", None),
                &["at `request`: missing field `payload`"],
            ),
            (
                r("payload", Some(json!(null))),
                &["at `request.payload`: invalid type: null"],
            ),
            (
                r("payload.title", None),
                &["at `request.payload`: missing field `title`"],
            ),
            (
                r("payload.maxStampClaims", Some(json!(-1))),
                &["at `request.payload.maxStampClaims`: invalid value: integer `-1`"],
            ),
            (
                r("payload.providerIds", Some(json!("mitid"))),
                &["at `request.payload.providerIds`: invalid type: string \"mitid\""],
            ),
            (
                r("payload.targetPlatform", Some(json!(7))),
                &["at `request.payload.targetPlatform`: invalid type: integer `7`"],
            ),
        ];
        for (value, wanted) in cases {
            let json = value.to_string();
            let msg = decode_err(&json);
            for w in wanted {
                assert!(msg.contains(w), "{json}\n{msg:?} lacks {w:?}");
            }
            assert!(has_position(&msg), "{msg:?}");
            assert_eq!(
                msg.matches(" at line ").count(),
                1,
                "position once: {msg:?}"
            );
        }
    }

    #[test]
    fn item_error_position_points_at_the_bad_field() {
        let json = "{\n  \"type\": \"challenge\",\n  \"challenge\": {\n    \"id\": \"ch_1\",\n    \"title\": \"t\",\n    \"expiresAt\": \"yesterday\",\n    \"createdAt\": \"2026-04-08T09:00:00.000Z\",\n    \"isActive\": true, \"challengeMode\": \"stamp\"\n  }\n}";
        let msg = decode_err(json);
        assert!(msg.starts_with("at `challenge.expiresAt`: "), "{msg}");
        assert!(msg.ends_with(" at line 6 column 28"), "{msg}");
    }

    #[test]
    fn report_rejects_invalid_fields_with_their_path() {
        let report: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/report.json")).unwrap();
        let cases: Vec<(serde_json::Value, &str)> = vec![
            (
                with(report.clone(), "stats.totalClaims", Some(json!("2"))),
                "at `stats.totalClaims`: invalid type: string \"2\"",
            ),
            (
                with(report.clone(), "stats.totalParticipations", None),
                "at `stats`: missing field `totalParticipations`",
            ),
            (
                with(report.clone(), "challenge.isActive", Some(json!(1))),
                "at `challenge.isActive`: invalid type: integer `1`",
            ),
            (
                with(report.clone(), "challenge", Some(json!(null))),
                "at `challenge`: invalid type: null",
            ),
            (with(report.clone(), "stats", None), "missing field `stats`"),
            (
                json!({"challenge": report["challenge"], "stats": {"totalParticipations": 1, "totalClaims": 1, "providerBreakdown": [{"providerId": "x", "providerName": "X"}]}}),
                "at `stats.providerBreakdown[0]`: missing field `claimCount`",
            ),
        ];
        for (value, wanted) in cases {
            let msg = report_err(value);
            assert!(msg.contains(wanted), "{msg:?} lacks {wanted:?}");
            assert!(has_position(&msg), "{msg:?}");
        }
    }

    #[test]
    fn nested_objects_given_as_positional_arrays_are_rejected() {
        // Derive alone would accept a struct as an array of its fields in order.
        let positional = |v: serde_json::Value| -> serde_json::Value {
            serde_json::Value::Array(v.as_object().unwrap().values().cloned().collect())
        };
        let c = challenge();
        let r = request();
        let cases = [
            (
                json!({"type": "challenge", "challenge": positional(c.clone())}),
                "at `challenge`: invalid type: sequence, expected a JSON object",
            ),
            (
                json!({"type": "request", "request": positional(r.clone())}),
                "at `request`: invalid type: sequence, expected a JSON object",
            ),
            (
                json!({"type": "request", "request": with(r.clone(), "payload", Some(positional(r["payload"].clone())))}),
                "at `request.payload`: invalid type: sequence, expected a JSON object",
            ),
        ];
        for (item, wanted) in cases {
            let msg = decode_err(&item.to_string());
            assert!(msg.contains(wanted), "{msg:?} lacks {wanted:?}");
        }
        let report: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/report.json")).unwrap();
        for (field, wanted) in [
            ("challenge", "at `challenge`: invalid type: sequence"),
            ("stats", "at `stats`: invalid type: sequence"),
        ] {
            let bad = with(
                report.clone(),
                field,
                Some(positional(report[field].clone())),
            );
            let msg = report_err(bad);
            assert!(msg.contains(wanted), "{msg:?} lacks {wanted:?}");
        }
        let mut stats = report["stats"].clone();
        stats["providerBreakdown"] = json!([["bankidse", "BankID SE", 2]]);
        let msg = report_err(with(report, "stats", Some(stats)));
        assert!(
            msg.contains("at `stats.providerBreakdown[0]`: invalid type: sequence"),
            "{msg}"
        );
    }

    fn list_body(items: &[serde_json::Value]) -> String {
        serde_json::to_string(items).unwrap()
    }

    #[test]
    fn decode_list_decodes_fixture_and_empty_array() {
        let items = decode_list(include_bytes!("../../tests/fixtures/list.json")).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].kind(), "challenge");
        assert_eq!(items[1].kind(), "request");
        assert_eq!(decode_list(b" [ ] ").unwrap(), vec![]);
    }

    #[test]
    fn decode_list_reports_failing_item_index() {
        let good_c = json!({"type": "challenge", "challenge": challenge()});
        let good_r = json!({"type": "request", "request": request()});
        let bad_type = json!({"type": "x", "challenge": challenge()});
        let bad_field =
            json!({"type": "request", "request": with(request(), "createdAt", Some(json!(1)))});
        let cases: Vec<(Vec<serde_json::Value>, usize, &str)> = vec![
            (vec![bad_type.clone()], 0, "at `type`: unknown variant `x`"),
            (
                vec![good_c.clone(), good_r.clone(), bad_field.clone()],
                2,
                "at `request.createdAt`",
            ),
            (
                vec![good_c.clone(), bad_type, good_r.clone()],
                1,
                "at `type`",
            ),
            (
                vec![good_r.clone(), json!(null), good_c.clone()],
                1,
                "invalid type: null",
            ),
            (
                vec![
                    good_c.clone(),
                    json!({"type": "request", "challenge": challenge()}),
                ],
                1,
                "`request` is null or missing",
            ),
        ];
        for (items, index, wanted) in cases {
            let (i, e) = decode_list(list_body(&items).as_bytes()).unwrap_err();
            assert_eq!(i, Some(index), "{e}");
            assert!(e.to_string().contains(wanted), "{e}");
        }
        // A syntax error inside an item blames that item.
        let body = format!("[{good_c}, {{\"type\": \"request\", ");
        let (i, e) = decode_list(body.as_bytes()).unwrap_err();
        assert_eq!(i, Some(1), "{e}");
        assert!(e.starts_with("EOF while parsing"), "{e}");
    }

    #[test]
    fn decode_list_does_not_blame_a_valid_item_for_a_later_syntax_error() {
        let good = json!({"type": "challenge", "challenge": challenge()}).to_string();
        let cases = [
            (format!("[{good}"), "EOF while parsing a list"),
            (format!("[{good},"), "EOF while parsing a value"),
            (format!("[{good},]"), "trailing comma"),
            (format!("[{good} {good}]"), "expected `,` or `]`"),
            (format!("[{good}] x"), "trailing characters"),
            (format!("[{good}][]"), "trailing characters"),
        ];
        for (body, wanted) in cases {
            let (i, e) = decode_list(body.as_bytes()).unwrap_err();
            assert_eq!(i, None, "{body}: {e}");
            assert!(e.to_string().contains(wanted), "{e}");
            assert!(has_position(&e.to_string()), "{e}");
        }
    }

    #[test]
    fn decode_list_rejects_non_array_without_index() {
        for body in [&b"{}"[..], b"null", b"", b"\"[]\"", b"{\"data\": []}"] {
            let (i, e) = decode_list(body).unwrap_err();
            assert_eq!(i, None, "{e}");
        }
        let (_, e) = decode_list(b"{\"data\": []}").unwrap_err();
        assert!(e.to_string().contains("expected a JSON array"), "{e}");
    }

    #[test]
    fn item_serializes_to_wire_shape_and_back() {
        let c = ProductionTestItem::Challenge(serde_json::from_value(challenge()).unwrap());
        let value = serde_json::to_value(&c).unwrap();
        assert_eq!(
            value,
            json!({"type": "challenge", "challenge": challenge(), "request": null})
        );
        assert_eq!(
            serde_json::from_value::<ProductionTestItem>(value).unwrap(),
            c
        );

        let r = ProductionTestItem::Request(serde_json::from_value(request()).unwrap());
        let value = serde_json::to_value(&r).unwrap();
        assert_eq!(
            value,
            json!({"type": "request", "challenge": null, "request": request()})
        );
        assert_eq!(
            serde_json::from_value::<ProductionTestItem>(value).unwrap(),
            r
        );

        // The fixture round-trips byte for byte in meaning, key order included.
        let list = decode_list(include_bytes!("../../tests/fixtures/list.json")).unwrap();
        let text = serde_json::to_string(&list).unwrap();
        assert!(
            text.starts_with(r#"[{"type":"challenge","challenge":{"id":"#),
            "{text}"
        );
        assert!(
            text.contains(r#""request":null},{"type":"request","challenge":null,"request":{"#),
            "{text}"
        );
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/list.json")).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            fixture
        );
        assert_eq!(decode_list(text.as_bytes()).unwrap(), list);
    }

    #[test]
    fn timestamps_serialize_like_the_api() {
        let mut c: Challenge = serde_json::from_value(challenge()).unwrap();
        c.completed_at = Some(at("2026-04-09T08:07:06.5Z"));
        c.expires_at = at("2026-04-15T23:59:59.123Z");
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["completedAt"], json!("2026-04-09T08:07:06.500Z"));
        assert_eq!(v["expiresAt"], json!("2026-04-15T23:59:59.123Z"));
        assert_eq!(v["createdAt"], json!("2026-04-08T09:00:00.000Z"));
        assert_eq!(serde_json::from_value::<Challenge>(v).unwrap(), c);

        // Finer than milliseconds or not UTC: still RFC 3339, still the same instant.
        c.expires_at = at("2026-04-15T23:59:59.123456+02:00");
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["expiresAt"], json!("2026-04-15T23:59:59.123456+02:00"));
        assert_eq!(serde_json::from_value::<Challenge>(v).unwrap(), c);
    }

    #[test]
    fn report_and_request_round_trip() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/report.json")).unwrap();
        let report: ProductionTestReport = serde_json::from_value(fixture.clone()).unwrap();
        let value = serde_json::to_value(&report).unwrap();
        assert_eq!(value, fixture);
        assert_eq!(
            value["stats"]["providerBreakdown"][0]["providerName"],
            "BankID SE"
        );
        assert_eq!(
            serde_json::from_value::<ProductionTestReport>(value).unwrap(),
            report
        );

        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/created.json")).unwrap();
        let request: ChallengeRequest = serde_json::from_value(fixture.clone()).unwrap();
        assert_eq!(request.status, RequestStatus::Pending);
        let value = serde_json::to_value(&request).unwrap();
        assert_eq!(value, fixture);
        assert_eq!(value["payload"]["targetPlatform"], json!(null));
        assert_eq!(
            serde_json::from_value::<ChallengeRequest>(value).unwrap(),
            request
        );
    }

    #[test]
    fn new_production_test_serializes_only_set_fields() {
        assert_eq!(
            serde_json::to_value(NewProductionTest::new("t")).unwrap(),
            json!({"title": "t"})
        );
        let full = NewProductionTest::new("MitID test")
            .description("d")
            .provider_ids(["mitid", "bankidse"])
            .target_platform(Platform::Android)
            .max_stamps(5)
            .allow_duplicate_participation(false);
        assert_eq!(
            serde_json::to_value(&full).unwrap(),
            json!({"title": "MitID test", "description": "d",
                   "providerIds": ["mitid", "bankidse"], "targetPlatform": "android",
                   "maxStamps": 5, "allowDuplicateParticipation": false})
        );
        let some = NewProductionTest::new("t").max_stamps(1);
        let text = serde_json::to_string(&some).unwrap();
        assert_eq!(text, r#"{"title":"t","maxStamps":1}"#);
        assert!(!text.contains("null"));
        let empty_ids = NewProductionTest::new("t").provider_ids(Vec::<String>::new());
        assert_eq!(
            serde_json::to_value(&empty_ids).unwrap(),
            json!({"title": "t", "providerIds": []})
        );
    }

    #[test]
    fn new_production_test_validate_enforces_documented_limits() {
        let ok = [
            NewProductionTest::new("t"),
            NewProductionTest::new("x".repeat(200)),
            NewProductionTest::new("é".repeat(200)),
            NewProductionTest::new("🇸🇪".repeat(100)),
            NewProductionTest::new("t").description("d".repeat(1000)),
            NewProductionTest::new("t").description(""),
            NewProductionTest::new("t")
                .provider_ids(["mitid"])
                .max_stamps(1),
        ];
        for t in ok {
            t.validate().unwrap_or_else(|e| panic!("{t:?}: {e}"));
        }
        let bad: Vec<(NewProductionTest, &str)> = vec![
            (NewProductionTest::new(""), "`title` must not be empty"),
            (NewProductionTest::new(" \t\n"), "`title` must not be empty"),
            (
                NewProductionTest::new("x".repeat(201)),
                "`title` has 201 characters, at most 200",
            ),
            (
                NewProductionTest::new("é".repeat(201)),
                "`title` has 201 characters, at most 200",
            ),
            (
                NewProductionTest::new("t").description("d".repeat(1001)),
                "`description` has 1001 characters, at most 1000",
            ),
            (
                NewProductionTest::new("t").description("ß".repeat(1001)),
                "`description` has 1001 characters",
            ),
            (
                NewProductionTest::new("t").provider_ids(["mitid", ""]),
                "`providerIds[1]` must not be empty",
            ),
            (
                NewProductionTest::new("t").provider_ids([" "]),
                "`providerIds[0]` must not be empty",
            ),
            (
                NewProductionTest::new("t").max_stamps(0),
                "`maxStamps` must be at least 1",
            ),
            (
                NewProductionTest::new("t").provider_ids(Vec::<String>::new()),
                "`providerIds` must not be empty (leave it unset",
            ),
            (
                NewProductionTest::new("t").target_platform(Platform::Other("web".into())),
                "`targetPlatform` must be ios or android, not \"web\"",
            ),
        ];
        for (t, wanted) in bad {
            let e = t.validate().unwrap_err();
            let Error::InvalidInput(input) = &e else {
                panic!("{e:?}")
            };
            // The field a program can map back to its own input: the first `name` quoted.
            let field = wanted.trim_start_matches('`').split('`').next();
            assert_eq!(input.field(), field, "{e}");
            assert_eq!(input.kind(), crate::InputErrorKind::Field);
            assert!(e.to_string().starts_with("invalid input: "), "{e}");
            assert!(e.to_string().contains(wanted), "{e} lacks {wanted}");
            assert_eq!(e.attempts(), 0);
        }
    }
}
