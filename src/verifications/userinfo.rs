//! What a completed verification discloses: [`UserInfo`] (REST `/userinfo` and OIDC
//! `/userinfo` alike) and [`Evidence`].

use serde::Serialize;
use serde_json::Value;

use crate::json::{At, Bad};

use super::model::{JsonMap, VerificationModel, loa_option};
use crate::open_enum::open_enum;
use crate::secret::Secret;

/// The verified claims of a completed verification: the REST
/// `GET /verifications/{id}/userinfo` and the OIDC provider's `/userinfo` answer alike.
///
/// Both generations decode: `missing_claims` also reads the older `missingAttributes`,
/// `provenance` the older `hopae_provenance`, and `amr` is accepted as an array of
/// strings, one string or an object. [`UserInfo::loa`] gives the level from
/// `hopae_loa` or any of the three `acr` spellings. Unknown claims are kept in `extra`.
///
/// `provenance` holds upstream tokens: it is a [`Secret`], redacted in `Debug`.
///
/// # Example
///
/// ```
/// use hopae::verifications::UserInfo;
///
/// let info: UserInfo = hopae::serde_json::from_str(
///     r#"{"sub":"a1b2","acr":"urn:hopae:loa3","amr":"bankid","missingAttributes":["email"],
///         "user":{"given_name":"Anna","family_name":"Svensson","ssn":"19900101-1234"},
///         "hopae_provenance":{"credentials":[{"evidence":{"id_token":"eyJ"}}]}}"#,
/// )?;
/// assert_eq!(info.loa(), Some(3));
/// assert_eq!(info.amr, ["bankid"]);
/// assert_eq!(info.missing_claims, ["email"]);
/// let user = info.user.as_ref().unwrap();
/// assert_eq!(user.given_name.as_deref(), Some("Anna"));
/// assert_eq!(user.extra["ssn"], "19900101-1234");
/// assert!(!format!("{info:?}").contains("eyJ"));
/// # Ok::<(), hopae::serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// The subject: the person's identifier (pairwise per App).
    pub sub: String,
    /// The level reached, as an `acr` value (`urn:hopae:loa:3`, `urn:hopae:loa3` or
    /// `loa:3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// The level reached, 1 to 5 (`hopae_loa`); see [`UserInfo::loa`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hopae_loa: Option<u8>,
    /// The level's label; labels differ between API versions, never derive the level
    /// from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hopae_loa_label: Option<String>,
    /// The authentication methods (`amr`), as strings: an array as sent, a single
    /// string as one element, an object as its string values (or its keys whose value
    /// is `true`).
    pub amr: Vec<String>,
    /// The requested claims the provider could not give (`missing_claims`, older
    /// `missingAttributes`).
    pub missing_claims: Vec<String>,
    /// The provider that verified the person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// `disclosure` or `match`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_model: Option<VerificationModel>,
    /// The person's claims; `None` for a pure match flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserClaims>,
    /// Where the claims came from, with the upstream credentials and tokens
    /// (`provenance`, older `hopae_provenance`): a secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Secret<serde_json::Value>>,
    /// The result of a match flow (`match`).
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    pub match_result: Option<MatchResult>,
    /// Claims this version of the crate does not know, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

impl UserInfo {
    /// The level of assurance reached: `hopae_loa` when sent, else parsed from `acr`
    /// ([`loa_from_acr`]). Never derived from the label.
    pub fn loa(&self) -> Option<u8> {
        self.hopae_loa
            .or_else(|| self.acr.as_deref().and_then(loa_from_acr))
    }
}

/// The level in an `acr` value: `urn:hopae:loa:3`, `urn:hopae:loa3` and `loa:3` (any
/// case) all give 3; anything else gives `None`.
///
/// # Example
///
/// ```
/// use hopae::verifications::loa_from_acr;
///
/// assert_eq!(loa_from_acr("urn:hopae:loa:3"), Some(3));
/// assert_eq!(loa_from_acr("urn:hopae:loa3"), Some(3));
/// assert_eq!(loa_from_acr("loa:2"), Some(2));
/// assert_eq!(loa_from_acr("urn:other:loa:3"), None);
/// ```
pub fn loa_from_acr(acr: &str) -> Option<u8> {
    let acr = acr.trim().to_ascii_lowercase();
    let rest = acr
        .strip_prefix("urn:hopae:loa:")
        .or_else(|| acr.strip_prefix("urn:hopae:loa"))
        .or_else(|| acr.strip_prefix("loa:"))?;
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok()
}

/// The person's claims (`user`): the OpenID Connect standard claims, plus
/// provider claims (`ssn`, `dk_ssn`, `ssn_issuing_country`, ...) kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct UserClaims {
    /// Full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Given name(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Middle name(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Casual name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Preferred user name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// Profile page URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Picture URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Web site URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Gender, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Birth date, as sent (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    /// Time zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zoneinfo: Option<String>,
    /// Locale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// E-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the e-mail address was verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Whether the phone number was verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number_verified: Option<bool>,
    /// Postal address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// When the claims were last updated (Unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    /// Nationality, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// Provider claims and any other claim, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

crate::json::from_json!(UserClaims {
    name: opt("name"),
    given_name: opt("given_name"),
    family_name: opt("family_name"),
    middle_name: opt("middle_name"),
    nickname: opt("nickname"),
    preferred_username: opt("preferred_username"),
    profile: opt("profile"),
    picture: opt("picture"),
    website: opt("website"),
    gender: opt("gender"),
    birthdate: opt("birthdate"),
    zoneinfo: opt("zoneinfo"),
    locale: opt("locale"),
    email: opt("email"),
    email_verified: opt("email_verified"),
    phone_number: opt("phone_number"),
    phone_number_verified: opt("phone_number_verified"),
    address: opt("address"),
    updated_at: opt("updated_at"),
    nationality: opt("nationality"),
    extra: rest(),
});

/// A postal address claim.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Address {
    /// The full address, formatted for display.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// Street and number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// Region or state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Anything else, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

crate::json::from_json!(Address {
    formatted: opt("formatted"),
    street_address: opt("street_address"),
    locality: opt("locality"),
    region: opt("region"),
    postal_code: opt("postal_code"),
    country: opt("country"),
    extra: rest(),
});

open_enum! {
    /// How a match flow reports (`match.granularity`).
    MatchGranularity {
        /// One result for all fields.
        Aggregate = "aggregate",
        /// One result per field in `details`.
        PerField = "per_field",
    }
}

/// The result of a match flow (`match`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct MatchResult {
    /// Whether the submitted data matched.
    pub matched: bool,
    /// How the result is reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granularity: Option<MatchGranularity>,
    /// The fields submitted.
    pub submitted_fields: Vec<String>,
    /// Per field: whether it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<std::collections::BTreeMap<String, FieldMatch>>,
}

crate::json::from_json!(MatchResult {
    matched: req("matched"),
    granularity: opt("granularity"),
    submitted_fields: def_with("submitted_fields", crate::json::null_as_empty),
    details: opt("details"),
});

/// How one submitted field matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FieldMatch {
    /// Whether it matched.
    pub matched: bool,
    /// The value submitted, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_value: Option<serde_json::Value>,
    /// How similar, 0 to 100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
}

crate::json::from_json!(FieldMatch {
    matched: req("matched"),
    submitted_value: opt("submitted_value"),
    similarity: opt("similarity"),
});

/// The wire form of [`UserInfo`], both generations' names side by side.
struct RawUserInfo {
    sub: String,
    acr: Option<String>,
    hopae_loa: Option<u8>,
    hopae_loa_label: Option<String>,
    amr: Option<serde_json::Value>,
    missing_claims: Option<Vec<String>>,
    missing_attributes: Option<Vec<String>>,
    provider_id: Option<String>,
    verification_model: Option<VerificationModel>,
    user: Option<UserClaims>,
    provenance: Option<serde_json::Value>,
    hopae_provenance: Option<serde_json::Value>,
    match_result: Option<MatchResult>,
    extra: JsonMap,
}

crate::json::from_json!(RawUserInfo {
    sub: req("sub"),
    acr: opt("acr"),
    hopae_loa: def_with("hopae_loa", loa_option),
    hopae_loa_label: opt("hopae_loa_label"),
    amr: opt("amr"),
    missing_claims: opt("missing_claims"),
    missing_attributes: opt("missingAttributes"),
    provider_id: opt("provider_id"),
    verification_model: opt("verification_model"),
    user: opt("user"),
    provenance: opt("provenance"),
    hopae_provenance: opt("hopae_provenance"),
    match_result: opt("match"),
    extra: rest(),
});

crate::json::from_json_via!(UserInfo, RawUserInfo);

impl From<RawUserInfo> for UserInfo {
    fn from(raw: RawUserInfo) -> UserInfo {
        let not_null = |v: Option<serde_json::Value>| v.filter(|v| !v.is_null());
        UserInfo {
            sub: raw.sub,
            acr: raw.acr,
            hopae_loa: raw.hopae_loa,
            hopae_loa_label: raw.hopae_loa_label,
            amr: raw.amr.map(amr_strings).unwrap_or_default(),
            missing_claims: raw
                .missing_claims
                .or(raw.missing_attributes)
                .unwrap_or_default(),
            provider_id: raw.provider_id,
            verification_model: raw.verification_model,
            user: raw.user,
            provenance: not_null(raw.provenance)
                .or_else(|| not_null(raw.hopae_provenance))
                .map(Secret::new),
            match_result: raw.match_result,
            extra: raw.extra,
        }
    }
}

/// `amr` in any of its shapes, as strings.
fn amr_strings(amr: serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let scalar = |v: Value| match v {
        Value::String(s) => Some(s),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
        other => Some(other.to_string()),
    };
    match amr {
        Value::Array(items) => items.into_iter().filter_map(scalar).collect(),
        Value::Object(map) => map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some(s),
                Value::Bool(true) => Some(k),
                _ => None,
            })
            .collect(),
        other => scalar(other).into_iter().collect(),
    }
}

/// The evidence of a completed verification (`GET /verifications/{id}/evidence`): the
/// upstream credential's tokens, whose keys vary by credential.
///
/// `token` holds upstream tokens (`id_token`, `access_token`, ...): a [`Secret`],
/// redacted in `Debug`. [`Evidence::names`] lists what it holds without exposing it.
///
/// # Example
///
/// ```
/// use hopae::verifications::Evidence;
///
/// let e: Evidence =
///     hopae::serde_json::from_str(r#"{"token":{"id_token":"eyJhbGci"},"names":"id_token;vp"}"#)?;
/// assert_eq!(e.names(), ["id_token", "vp"]);
/// assert_eq!(e.token.expose()["id_token"], "eyJhbGci");
/// assert!(!format!("{e:?}").contains("eyJ"));
/// # Ok::<(), hopae::serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Evidence {
    /// The upstream tokens, as sent: a secret.
    pub token: Secret<serde_json::Value>,
    /// The names of what `token` holds, `;`-separated as sent (`"id_token;vp_token"`).
    pub names: Option<String>,
    /// Fields this version of the crate does not know, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

crate::json::from_json!(Evidence {
    token: req("token"),
    names: def_with("names", names_text),
    extra: rest(),
});

impl Evidence {
    /// The names of what the token holds: `names` split at `;` (empty parts dropped),
    /// or, when `names` was not sent, the token's keys.
    pub fn names(&self) -> Vec<&str> {
        match &self.names {
            Some(names) => names
                .split(';')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect(),
            None => match self.token.expose() {
                serde_json::Value::Object(map) => map.keys().map(String::as_str).collect(),
                _ => Vec::new(),
            },
        }
    }
}

/// `names` as a `;`-separated string; an array of strings is joined with `;`.
fn names_text(v: Value, at: At<'_>) -> Result<Option<String>, Bad> {
    Ok(match v {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(";"),
        ),
        other => {
            let kind = match other {
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                _ => "an object",
            };
            return Err(Bad::new(
                at,
                <serde_json::Error as serde::de::Error>::invalid_type(
                    serde::de::Unexpected::Other(kind),
                    &"a `;`-separated string",
                )
                .to_string(),
            ));
        }
    })
}
