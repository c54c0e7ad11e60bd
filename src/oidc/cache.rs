//! What every `app.oidc()` of an `AppClient` shares, per issuer: the discovery document
//! and the JWKS, with the JWKS refresh rules.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::Error;

use super::claims::{self, Expected, IdTokenClaims};
use super::discovery::Discovery;
use super::jose::KeySet;

/// The most issuers one client keeps; past it the cache starts afresh.
const MAX_ISSUERS: usize = 16;

/// The per-issuer caches of one `AppClient` and its clones.
#[derive(Default)]
pub(crate) struct Cache {
    issuers: Mutex<HashMap<String, Arc<IssuerCache>>>,
}

impl Cache {
    /// The cache of `issuer`, made on first use.
    pub(super) fn issuer(&self, issuer: &str) -> Arc<IssuerCache> {
        let mut map = self.issuers.lock().unwrap_or_else(PoisonError::into_inner);
        if !map.contains_key(issuer) && map.len() >= MAX_ISSUERS {
            map.clear();
        }
        Arc::clone(map.entry(issuer.to_owned()).or_default())
    }
}

/// One issuer's discovery document and JWKS.
#[derive(Default)]
pub(super) struct IssuerCache {
    pub(super) discovery: Mutex<Option<Arc<Discovery>>>,
    jwks: Mutex<Jwks>,
}

#[derive(Default)]
struct Jwks {
    /// The key set and when it was fetched.
    keys: Option<(Arc<KeySet>, Instant)>,
    /// When the JWKS was last fetched because a token named an unknown key.
    refetched_for_unknown_kid: Option<Instant>,
}

/// How long the JWKS may be kept, and how often an unknown `kid` may fetch it again.
#[derive(Debug, Clone, Copy)]
pub(super) struct Policy {
    pub(super) max_age: Duration,
    pub(super) refresh_interval: Duration,
}

impl IssuerCache {
    fn jwks(&self) -> std::sync::MutexGuard<'_, Jwks> {
        self.jwks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Verifies `token` with the cached JWKS, fetching it (with `fetch`) when there is
    /// none or it is older than `policy.max_age`, and once more when the token names a
    /// key it does not hold, unless that was done less than `policy.refresh_interval`
    /// ago. The lock is not held while fetching.
    pub(super) fn verify(
        &self,
        token: &str,
        expected: &Expected<'_>,
        policy: Policy,
        now: Instant,
        fetch: &mut dyn FnMut() -> Result<KeySet, Error>,
    ) -> Result<IdTokenClaims, Error> {
        let cached = self.jwks().keys.clone();
        let (keys, fresh) = match cached {
            Some((keys, at)) if now.saturating_duration_since(at) < policy.max_age => (keys, false),
            _ => (self.store(fetch()?, now), true),
        };
        match claims::verify(token, &keys, expected) {
            Ok(claims) => return Ok(claims),
            Err(Some(e)) => return Err(e.into()),
            Err(None) if fresh => return Err(claims::unknown_key(token).into()),
            Err(None) => {}
        }
        {
            let mut jwks = self.jwks();
            let recent = jwks
                .refetched_for_unknown_kid
                .is_some_and(|at| now.saturating_duration_since(at) < policy.refresh_interval);
            if recent {
                return Err(claims::unknown_key(token).into());
            }
            // Claimed before fetching, so that concurrent forged kids fetch once.
            jwks.refetched_for_unknown_kid = Some(now);
        }
        let keys = self.store(fetch()?, now);
        claims::verify(token, &keys, expected)
            .map_err(|e| e.unwrap_or_else(|| claims::unknown_key(token)).into())
    }

    fn store(&self, keys: KeySet, now: Instant) -> Arc<KeySet> {
        let keys = Arc::new(keys);
        self.jwks().keys = Some((Arc::clone(&keys), now));
        keys
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::error::IdTokenErrorKind;
    use crate::oidc::jose::b64url_encode;
    use ring::rand::SystemRandom;
    use ring::signature::{self, RsaKeyPair};
    use serde_json::json;

    const KEYS: [&[u8]; 2] = [
        include_bytes!("../mock/oidc_keys/test_key_1.pk8"),
        include_bytes!("../mock/oidc_keys/test_key_2.pk8"),
    ];

    /// An RS256 token of `claims` signed with test key `index`, naming `kid`.
    pub(crate) fn sign(index: usize, kid: &str, claims: &serde_json::Value) -> String {
        let header = json!({"alg": "RS256", "kid": kid});
        let mut token = b64url_encode(header.to_string().as_bytes());
        token.push('.');
        token.push_str(&b64url_encode(claims.to_string().as_bytes()));
        let pair = RsaKeyPair::from_pkcs8(KEYS[index]).unwrap();
        let mut sig = vec![0; pair.public().modulus_len()];
        pair.sign(
            &signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            token.as_bytes(),
            &mut sig,
        )
        .unwrap();
        token.push('.');
        token.push_str(&b64url_encode(&sig));
        token
    }

    /// The JWKS document of test keys `indexes`, named `k<index>`.
    pub(crate) fn jwks(indexes: &[usize]) -> Vec<u8> {
        let keys: Vec<_> = indexes
            .iter()
            .map(|&i| {
                let pair = RsaKeyPair::from_pkcs8(KEYS[i]).unwrap();
                let public = signature::RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
                json!({"kty": "RSA", "kid": format!("k{i}"), "use": "sig", "alg": "RS256",
                       "n": b64url_encode(&public.n), "e": b64url_encode(&public.e)})
            })
            .collect();
        json!({ "keys": keys }).to_string().into_bytes()
    }

    fn claims_now() -> serde_json::Value {
        json!({"iss": "https://idp.example", "sub": "s", "aud": "c", "exp": 2000,
               "iat": 1000, "nonce": "n"})
    }

    fn expected() -> Expected<'static> {
        Expected {
            issuer: "https://idp.example",
            client_id: "c",
            nonce: Some("n"),
            min_loa: None,
            leeway: Duration::from_secs(60),
            now: 1500,
        }
    }

    const POLICY: Policy = Policy {
        max_age: Duration::from_secs(3600),
        refresh_interval: Duration::from_secs(60),
    };

    /// A fetcher that serves `served` (changeable) and counts its calls.
    struct Provider {
        served: Vec<usize>,
        fetches: u32,
    }

    impl Provider {
        fn fetch(&mut self) -> Result<KeySet, Error> {
            self.fetches += 1;
            Ok(KeySet::parse(&jwks(&self.served)).unwrap())
        }
    }

    fn kind(r: Result<IdTokenClaims, Error>) -> Option<IdTokenErrorKind> {
        match r {
            Ok(_) => None,
            Err(Error::IdToken(e)) => Some(e.kind()),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_signed_token_verifies_and_a_tampered_one_does_not() {
        let cache = IssuerCache::default();
        let mut p = Provider {
            served: vec![0],
            fetches: 0,
        };
        let t0 = Instant::now();
        let token = sign(0, "k0", &claims_now());
        let verify = |token: &str, p: &mut Provider| {
            kind(cache.verify(token, &expected(), POLICY, t0, &mut || p.fetch()))
        };
        assert_eq!(verify(&token, &mut p), None);
        // Another claim under the same signature.
        let (head, rest) = token.split_once('.').unwrap();
        let sig = rest.split_once('.').unwrap().1;
        let mut other = claims_now();
        other["sub"] = json!("someone else");
        let forged = format!(
            "{head}.{}.{sig}",
            b64url_encode(other.to_string().as_bytes())
        );
        assert_eq!(
            verify(&forged, &mut p),
            Some(IdTokenErrorKind::BadSignature)
        );
        // Signed by key 1 but naming key 0.
        let wrong_key = sign(1, "k0", &claims_now());
        assert_eq!(
            verify(&wrong_key, &mut p),
            Some(IdTokenErrorKind::BadSignature)
        );
        assert_eq!(p.fetches, 1, "the JWKS is cached");
    }

    #[test]
    fn alg_confusion_and_none_are_refused_before_any_key_is_used() {
        let cache = IssuerCache::default();
        let mut p = Provider {
            served: vec![0],
            fetches: 0,
        };
        let t0 = Instant::now();
        let body = b64url_encode(claims_now().to_string().as_bytes());
        let pair = RsaKeyPair::from_pkcs8(KEYS[0]).unwrap();
        let n = signature::RsaPublicKeyComponents::<Vec<u8>>::from(pair.public()).n;
        // HS256 keyed with the public modulus: what a confused verifier would accept.
        let head = b64url_encode(br#"{"alg":"HS256","kid":"k0"}"#);
        let input = format!("{head}.{body}");
        let tag = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &n),
            input.as_bytes(),
        );
        let hs = format!("{input}.{}", b64url_encode(tag.as_ref()));
        let none = format!("{}.{body}.", b64url_encode(br#"{"alg":"none"}"#));
        for token in [hs, none] {
            assert_eq!(
                kind(cache.verify(&token, &expected(), POLICY, t0, &mut || p.fetch())),
                Some(IdTokenErrorKind::UnsupportedAlgorithm)
            );
        }
    }

    #[test]
    fn an_unknown_kid_fetches_the_jwks_again_once_per_interval() {
        let cache = IssuerCache::default();
        let mut p = Provider {
            served: vec![0],
            fetches: 0,
        };
        let t0 = Instant::now();
        let old = sign(0, "k0", &claims_now());
        assert_eq!(
            kind(cache.verify(&old, &expected(), POLICY, t0, &mut || p.fetch())),
            None
        );
        // The provider rotates to key 1: the first token naming it fetches again.
        p.served = vec![1, 0];
        let new = sign(1, "k1", &claims_now());
        let t1 = t0 + Duration::from_secs(5);
        assert_eq!(
            kind(cache.verify(&new, &expected(), POLICY, t1, &mut || p.fetch())),
            None
        );
        assert_eq!(p.fetches, 2);
        // A stream of forged kids: one fetch, then none within the interval.
        let forged = |i: u32| sign(0, &format!("forged-{i}"), &claims_now());
        let soon = t1 + Duration::from_secs(1);
        assert_eq!(
            kind(cache.verify(&forged(0), &expected(), POLICY, soon, &mut || p.fetch())),
            Some(IdTokenErrorKind::UnknownKey)
        );
        assert_eq!(p.fetches, 2, "within the interval of the rotation's fetch");
        let t2 = t1 + POLICY.refresh_interval;
        for i in 0..5 {
            assert_eq!(
                kind(cache.verify(&forged(i), &expected(), POLICY, t2, &mut || p.fetch())),
                Some(IdTokenErrorKind::UnknownKey)
            );
        }
        assert_eq!(p.fetches, 3, "one fetch for the forged stream");
        // The interval is measured from the last forced fetch.
        let t3 = t2 + POLICY.refresh_interval;
        assert_eq!(
            kind(cache.verify(&forged(9), &expected(), POLICY, t3, &mut || p.fetch())),
            Some(IdTokenErrorKind::UnknownKey)
        );
        assert_eq!(p.fetches, 4);
    }

    #[test]
    fn a_jwks_older_than_the_max_age_is_fetched_again() {
        let cache = IssuerCache::default();
        let mut p = Provider {
            served: vec![0],
            fetches: 0,
        };
        let t0 = Instant::now();
        let token = sign(0, "k0", &claims_now());
        let at = |t: Instant, p: &mut Provider| {
            kind(cache.verify(&token, &expected(), POLICY, t, &mut || p.fetch()))
        };
        assert_eq!(at(t0, &mut p), None);
        assert_eq!(
            at(t0 + POLICY.max_age - Duration::from_secs(1), &mut p),
            None
        );
        assert_eq!(p.fetches, 1);
        // The provider retired key 0 an hour later: the cached copy is not trusted.
        p.served = vec![1];
        assert_eq!(
            at(t0 + POLICY.max_age, &mut p),
            Some(IdTokenErrorKind::UnknownKey)
        );
        assert_eq!(
            p.fetches, 2,
            "refetched because of age, not again for the kid"
        );
    }

    #[test]
    fn a_token_without_kid_uses_the_only_key() {
        let cache = IssuerCache::default();
        let mut p = Provider {
            served: vec![0],
            fetches: 0,
        };
        let header = b64url_encode(br#"{"alg":"RS256"}"#);
        let signed = sign(0, "k0", &claims_now());
        let (_, rest) = signed.split_once('.').unwrap();
        // Header changed, so the signature no longer covers it: BadSignature, proving
        // the only key was tried.
        let token = format!("{header}.{rest}");
        assert_eq!(
            kind(
                cache.verify(&token, &expected(), POLICY, Instant::now(), &mut || p
                    .fetch())
            ),
            Some(IdTokenErrorKind::BadSignature)
        );
    }
}
