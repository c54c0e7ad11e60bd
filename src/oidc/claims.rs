//! The ID token's claims and the rules of app-api section 7 that check them.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::json::{At, Bad};

use crate::error::{IdTokenError, IdTokenErrorKind};
use crate::secret::ct_eq;
use crate::verifications::loa_from_acr;

use super::jose::{self, KeySet};

/// The claims of a verified ID token.
///
/// Hopae's ID tokens carry no personal data: the person's attributes come from
/// [`OidcClient::userinfo`](super::OidcClient::userinfo). Claims this struct does not
/// name are kept in [`IdTokenClaims::extra`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// The issuer, as the token states it.
    pub iss: String,
    /// The subject: the person's identifier for this client (pairwise).
    pub sub: String,
    /// The audiences; sent as a string or an array, always an array here.
    pub aud: Vec<String>,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: i64,
    /// Issue time, in seconds since the Unix epoch.
    pub iat: i64,
    /// When the person authenticated, in seconds since the Unix epoch.
    pub auth_time: Option<i64>,
    /// The nonce of the authorization request.
    pub nonce: Option<String>,
    /// The authentication context class, such as `urn:hopae:loa:3`.
    pub acr: Option<String>,
    /// The authentication methods, as sent: an array of strings, a string or an object
    /// (see [`IdTokenClaims::amr_values`]).
    pub amr: Option<serde_json::Value>,
    /// The authorized party, sent when there are several audiences.
    pub azp: Option<String>,
    /// Hopae's level of assurance as a number; see [`IdTokenClaims::loa`].
    pub hopae_loa: Option<u8>,
    /// The level's label; labels differ between API versions, never derive the level
    /// from it.
    pub hopae_loa_label: Option<String>,
    /// Every other claim, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

crate::json::from_json!(IdTokenClaims {
    iss: req("iss"),
    sub: req("sub"),
    aud: req_with("aud", one_or_many),
    exp: req_with("exp", numeric_date),
    iat: req_with("iat", numeric_date),
    auth_time: def_with("auth_time", optional_numeric_date),
    nonce: opt("nonce"),
    acr: opt("acr"),
    amr: opt("amr"),
    azp: opt("azp"),
    hopae_loa: def_with("hopae_loa", lenient_level),
    hopae_loa_label: opt("hopae_loa_label"),
    extra: rest(),
});

impl IdTokenClaims {
    /// The level of assurance: `hopae_loa` when present, else the level in `acr`
    /// (`urn:hopae:loa:3`, `urn:hopae:loa3` and `loa:3` all read as 3).
    ///
    /// # Example
    ///
    /// ```
    /// let claims: hopae::oidc::IdTokenClaims = hopae::serde_json::from_str(
    ///     r#"{"iss":"i","sub":"s","aud":"c","exp":2,"iat":1,"acr":"urn:hopae:loa3"}"#,
    /// )?;
    /// assert_eq!(claims.loa(), Some(3));
    /// # Ok::<(), hopae::serde_json::Error>(())
    /// ```
    pub fn loa(&self) -> Option<u8> {
        self.hopae_loa
            .or_else(|| self.acr.as_deref().and_then(loa_from_acr))
    }

    /// The authentication methods of `amr`, whichever shape it was sent in: the strings
    /// of an array, the one string, or the keys of an object.
    pub fn amr_values(&self) -> Vec<&str> {
        match &self.amr {
            Some(serde_json::Value::String(s)) => vec![s.as_str()],
            Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str()).collect(),
            Some(serde_json::Value::Object(o)) => o.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

fn one_or_many(v: Value, at: At<'_>) -> Result<Vec<String>, Bad> {
    let bad = || Bad::new(at, "`aud` must be a string or an array of strings");
    match v {
        Value::String(s) => Ok(vec![s]),
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(bad()),
            })
            .collect(),
        _ => Err(bad()),
    }
}

/// A NumericDate: seconds, as an integer or a number with a fraction (truncated).
fn numeric_date(v: Value, at: At<'_>) -> Result<i64, Bad> {
    let Value::Number(n) = &v else {
        return Err(Bad::invalid_type(&v, "a JSON number", at));
    };
    n.as_i64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 1e15)
                .map(|f| f as i64)
        })
        .ok_or_else(|| Bad::new(at, "a time out of range"))
}

fn optional_numeric_date(v: Value, at: At<'_>) -> Result<Option<i64>, Bad> {
    match v {
        Value::Null => Ok(None),
        v => numeric_date(v, at).map(Some),
    }
}

/// A level sent as a number or a numeric string; anything else counts as no level
/// (which fails a minimum, never passes one).
fn lenient_level(v: Value, _: At<'_>) -> Result<Option<u8>, Bad> {
    Ok(match v {
        Value::Number(n) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    })
}

/// What a token must match, besides its signature.
pub(crate) struct Expected<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) client_id: &'a str,
    /// `None` only for a token checked outside a flow (`hopae oidc verify-token`).
    pub(crate) nonce: Option<&'a str>,
    pub(crate) min_loa: Option<u8>,
    pub(crate) leeway: Duration,
    /// Seconds since the Unix epoch.
    pub(crate) now: i64,
}

fn fail(kind: IdTokenErrorKind, message: impl Into<String>) -> IdTokenError {
    IdTokenError::new(kind, message)
}

/// Whether two issuers are the same, one trailing slash ignored on each.
pub(crate) fn same_issuer(a: &str, b: &str) -> bool {
    a.strip_suffix('/').unwrap_or(a) == b.strip_suffix('/').unwrap_or(b)
}

/// The whole check of a token against a key set: parse, RS256 signature by the key the
/// token names, then the claims. `Err(None)` means the key set has no key for the
/// token's `kid` (the caller may fetch the JWKS again and retry).
pub(crate) fn verify(
    token: &str,
    keys: &KeySet,
    expected: &Expected<'_>,
) -> Result<IdTokenClaims, Option<IdTokenError>> {
    let jws = jose::parse_rs256(token).map_err(Some)?;
    let Some(key) = keys.find(jws.kid.as_deref()) else {
        return Err(None);
    };
    if !key.verifies(jws.signing_input, &jws.signature) {
        return Err(Some(fail(
            IdTokenErrorKind::BadSignature,
            format!(
                "the signature does not verify with the provider's key {:?}",
                jws.kid.as_deref().unwrap_or("(the only key)")
            ),
        )));
    }
    let claims: IdTokenClaims = crate::json::object(&jws.payload).map_err(|(_, e)| {
        Some(fail(
            IdTokenErrorKind::Malformed,
            format!("the claims are not what an ID token holds: {e}"),
        ))
    })?;
    check_claims(&claims, expected).map_err(Some)?;
    Ok(claims)
}

/// The error for a token whose `kid` no key of the (refreshed) JWKS has.
pub(crate) fn unknown_key(token: &str) -> IdTokenError {
    let kid = jose::parse_rs256(token).ok().and_then(|j| j.kid);
    fail(
        IdTokenErrorKind::UnknownKey,
        match kid {
            Some(kid) => format!("the provider's JWKS has no key {kid:?}"),
            None => "the token names no key (`kid`) and the provider's JWKS has several".into(),
        },
    )
}

/// The claim rules of section 7, in the order a person would fix them.
pub(crate) fn check_claims(c: &IdTokenClaims, x: &Expected<'_>) -> Result<(), IdTokenError> {
    use IdTokenErrorKind::*;
    if !same_issuer(&c.iss, x.issuer) {
        return Err(fail(
            WrongIssuer,
            format!("issued by {:?}, expected {:?}", c.iss, x.issuer),
        ));
    }
    if !c.aud.iter().any(|a| a == x.client_id) {
        return Err(fail(
            WrongAudience,
            format!(
                "the audience {:?} does not include the client id {:?}",
                c.aud, x.client_id
            ),
        ));
    }
    match c.azp.as_deref() {
        Some(azp) if azp != x.client_id => {
            return Err(fail(
                WrongAudience,
                format!(
                    "the authorized party (azp) is {azp:?}, not the client id {:?}",
                    x.client_id
                ),
            ));
        }
        None if c.aud.len() > 1 => {
            return Err(fail(
                WrongAudience,
                "the token has several audiences and no authorized party (azp)",
            ));
        }
        _ => {}
    }
    let leeway = i64::try_from(x.leeway.as_secs()).unwrap_or(i64::MAX);
    if c.exp.saturating_add(leeway) <= x.now {
        return Err(fail(
            Expired,
            format!(
                "expired {}s ago (leeway {leeway}s); check the clock if the token is fresh",
                x.now.saturating_sub(c.exp)
            ),
        ));
    }
    let nbf = c.extra.get("nbf").and_then(serde_json::Value::as_i64);
    for (name, at) in [("iat", Some(c.iat)), ("nbf", nbf)] {
        if let Some(at) = at
            && at > x.now.saturating_add(leeway)
        {
            return Err(fail(
                NotYetValid,
                format!(
                    "`{name}` is {}s in the future (leeway {leeway}s); check the clock",
                    at.saturating_sub(x.now)
                ),
            ));
        }
    }
    if let Some(nonce) = x.nonce {
        match c.nonce.as_deref() {
            None => {
                return Err(fail(
                    NonceMismatch,
                    "the token has no nonce, but the authorization sent one",
                ));
            }
            Some(got) if !ct_eq(got.as_bytes(), nonce.as_bytes()) => {
                return Err(fail(
                    NonceMismatch,
                    "the token's nonce is not the one this authorization sent (a replayed \
                     or another session's token)",
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(min) = x.min_loa {
        match c.loa() {
            Some(level) if level >= min => {}
            level => {
                return Err(fail(
                    LoaTooLow,
                    match level {
                        Some(level) => {
                            format!("level of assurance {level}, at least {min} was asked")
                        }
                        None => format!(
                            "the token states no level of assurance, at least {min} was asked"
                        ),
                    },
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: serde_json::Value) -> IdTokenClaims {
        serde_json::from_value(v).unwrap()
    }

    fn good() -> serde_json::Value {
        json!({"iss": "https://idp.example", "sub": "s1", "aud": "client1", "exp": 1300,
               "iat": 1000, "nonce": "n-1", "acr": "urn:hopae:loa:3"})
    }

    fn expected() -> Expected<'static> {
        Expected {
            issuer: "https://idp.example",
            client_id: "client1",
            nonce: Some("n-1"),
            min_loa: None,
            leeway: Duration::from_secs(60),
            now: 1100,
        }
    }

    fn kind_of(v: serde_json::Value, x: &Expected<'_>) -> Option<IdTokenErrorKind> {
        check_claims(&claims(v), x).err().map(|e| e.kind())
    }

    fn with(key: &str, value: serde_json::Value) -> serde_json::Value {
        let mut v = good();
        v[key] = value;
        v
    }

    #[test]
    fn a_good_token_passes() {
        assert_eq!(kind_of(good(), &expected()), None);
    }

    #[test]
    fn issuer_must_match_one_trailing_slash_aside() {
        use IdTokenErrorKind::WrongIssuer;
        assert_eq!(
            kind_of(with("iss", json!("https://idp.example/")), &expected()),
            None
        );
        let slash = Expected {
            issuer: "https://idp.example/",
            ..expected()
        };
        assert_eq!(kind_of(good(), &slash), None);
        for iss in [
            "https://idp.example//",
            "https://evil.example",
            "http://idp.example",
        ] {
            assert_eq!(
                kind_of(with("iss", json!(iss)), &expected()),
                Some(WrongIssuer),
                "{iss}"
            );
        }
    }

    #[test]
    fn audience_must_contain_the_client_and_azp_must_name_it() {
        use IdTokenErrorKind::WrongAudience;
        assert_eq!(
            kind_of(with("aud", json!("other")), &expected()),
            Some(WrongAudience)
        );
        assert_eq!(kind_of(with("aud", json!(["client1"])), &expected()), None);
        let many = with("aud", json!(["other", "client1"]));
        assert_eq!(
            kind_of(many.clone(), &expected()),
            Some(WrongAudience),
            "several, no azp"
        );
        let mut ok = many.clone();
        ok["azp"] = json!("client1");
        assert_eq!(kind_of(ok, &expected()), None);
        let mut bad = many;
        bad["azp"] = json!("other");
        assert_eq!(kind_of(bad, &expected()), Some(WrongAudience));
        assert_eq!(
            kind_of(with("azp", json!("other")), &expected()),
            Some(WrongAudience)
        );
    }

    #[test]
    fn times_are_checked_with_the_leeway() {
        use IdTokenErrorKind::{Expired, NotYetValid};
        let at = |now| Expected { now, ..expected() };
        assert_eq!(kind_of(good(), &at(1300 + 59)), None, "within the leeway");
        assert_eq!(kind_of(good(), &at(1300 + 60)), Some(Expired));
        let strict = Expected {
            leeway: Duration::ZERO,
            now: 1300,
            ..expected()
        };
        assert_eq!(kind_of(good(), &strict), Some(Expired));
        assert_eq!(
            kind_of(good(), &at(1000 - 60)),
            None,
            "iat within the leeway"
        );
        assert_eq!(kind_of(good(), &at(1000 - 61)), Some(NotYetValid));
        assert_eq!(
            kind_of(with("nbf", json!(1200)), &at(1100)),
            Some(NotYetValid)
        );
        let huge = Expected {
            leeway: Duration::MAX,
            now: i64::MAX - 1,
            ..expected()
        };
        assert_eq!(
            kind_of(with("exp", json!(i64::MAX)), &huge),
            None,
            "no overflow"
        );
    }

    #[test]
    fn nonce_is_required_and_equal() {
        use IdTokenErrorKind::NonceMismatch;
        assert_eq!(
            kind_of(with("nonce", json!("n-2")), &expected()),
            Some(NonceMismatch)
        );
        let mut none = good();
        none.as_object_mut().unwrap().remove("nonce");
        assert_eq!(kind_of(none.clone(), &expected()), Some(NonceMismatch));
        let unbound = Expected {
            nonce: None,
            ..expected()
        };
        assert_eq!(kind_of(none, &unbound), None);
    }

    #[test]
    fn minimum_level_is_checked_against_hopae_loa_then_acr() {
        use IdTokenErrorKind::LoaTooLow;
        let min = |n| Expected {
            min_loa: Some(n),
            ..expected()
        };
        assert_eq!(kind_of(good(), &min(3)), None);
        assert_eq!(kind_of(good(), &min(4)), Some(LoaTooLow));
        assert_eq!(
            kind_of(with("hopae_loa", json!(4)), &min(4)),
            None,
            "hopae_loa first"
        );
        let mut none = good();
        none.as_object_mut().unwrap().remove("acr");
        assert_eq!(kind_of(none, &min(1)), Some(LoaTooLow));
        assert_eq!(
            kind_of(with("hopae_loa", json!("x")), &min(4)),
            Some(LoaTooLow)
        );
    }

    #[test]
    fn acr_forms_and_claim_shapes() {
        let c = claims(
            json!({"iss": "i", "sub": "s", "aud": ["a", "b"], "exp": 2.5,
            "iat": 1, "amr": "pin", "hopae_loa": "2", "custom": true}),
        );
        assert_eq!(c.exp, 2);
        assert_eq!(c.amr_values(), ["pin"]);
        assert_eq!(c.loa(), Some(2));
        assert_eq!(c.extra["custom"], true);
        let c = claims(
            json!({"iss": "i", "sub": "s", "aud": "a", "exp": 2, "iat": 1,
            "amr": {"pin": true}}),
        );
        assert_eq!(c.amr_values(), ["pin"]);
        for missing in ["iss", "sub", "aud", "exp", "iat"] {
            let mut v = good();
            v.as_object_mut().unwrap().remove(missing);
            assert!(
                serde_json::from_value::<IdTokenClaims>(v).is_err(),
                "{missing}"
            );
        }
    }
}
