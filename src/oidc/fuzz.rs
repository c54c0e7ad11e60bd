//! The entry point of the `id_token` fuzz target (`fuzz/`), and its bounded in-suite
//! property test: whatever the token and the JWKS, verification answers and never
//! panics. Not part of the API.

use std::time::{Duration, Instant};

use super::cache::{IssuerCache, Policy};
use super::claims::Expected;
use super::jose::KeySet;

/// Verifies `data` as `token`, or as `jwks` + `0xff` + `token`, against fixed
/// expectations; `true` when it verifies. Never panics, whatever `data` holds.
#[doc(hidden)]
pub fn verify_id_token(data: &[u8]) -> bool {
    let (jwks, token) = match data.iter().position(|&b| b == 0xff) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"{\"keys\":[]}"[..], data),
    };
    let token = String::from_utf8_lossy(token);
    let keys = KeySet::parse(jwks).unwrap_or_default();
    let expected = Expected {
        issuer: "https://idp.example",
        client_id: "client1",
        nonce: Some("n-1"),
        min_loa: Some(2),
        leeway: Duration::from_secs(60),
        now: 1_700_000_000,
    };
    let policy = Policy {
        max_age: Duration::from_secs(3600),
        refresh_interval: Duration::from_secs(60),
    };
    IssuerCache::default()
        .verify(&token, &expected, policy, Instant::now(), &mut || {
            Ok(keys.clone())
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::cache::tests::{jwks, sign};
    use crate::oidc::jose::b64url_encode;

    /// A small seeded generator (xorshift), so that a failure replays.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    fn input(jwks: &[u8], token: &str) -> Vec<u8> {
        let mut data = jwks.to_vec();
        data.push(0xff);
        data.extend_from_slice(token.as_bytes());
        data
    }

    #[test]
    fn the_seed_token_verifies() {
        let claims = serde_json::json!({"iss": "https://idp.example", "sub": "s",
            "aud": "client1", "exp": 1_700_000_100, "iat": 1_700_000_000, "nonce": "n-1",
            "hopae_loa": 2});
        assert!(verify_id_token(&input(
            &jwks(&[0]),
            &sign(0, "k0", &claims)
        )));
        assert!(
            !verify_id_token(sign(0, "k0", &claims).as_bytes()),
            "no keys"
        );
    }

    #[test]
    fn malformed_tokens_never_panic() {
        let claims = serde_json::json!({"iss": "https://idp.example", "sub": "s",
            "aud": ["client1", "x"], "azp": "client1", "exp": 1_700_000_100,
            "iat": 1_700_000_000, "nonce": "n-1", "acr": "urn:hopae:loa:2",
            "amr": {"pin": true}});
        let keys = jwks(&[0, 1]);
        let good = sign(0, "k0", &claims);
        assert!(verify_id_token(&input(&keys, &good)));
        let pieces = [
            "",
            ".",
            "..",
            "...",
            "=",
            "eyJ",
            "e30",
            "bnVsbA",
            "W10",
            "IiI",
            "AAAA",
            "eyJhbGciOiJSUzI1NiJ9",
            "eyJhbGciOiJub25lIn0",
            "\u{0}",
            "é",
            "%",
        ];
        let headers = [
            r#"{"alg":"RS256","kid":"k0","crit":[]}"#,
            r#"{"alg":"RS256","kid":null}"#,
            r#"{"alg":"RS256","kid":["k0"]}"#,
            r#"{"alg":["RS256"]}"#,
            r#"{"alg":"RS256","kid":"k0","alg":"none"}"#,
            r#"{"alg":"RS256","kid":"k0"}garbage"#,
        ];
        let mut rng = Rng(0x5eed_1d70_4e11);
        let mut verified = 0;
        for round in 0..3000 {
            let mut token: Vec<u8> = good.as_bytes().to_vec();
            for _ in 0..1 + rng.below(4) {
                match rng.below(7) {
                    0 => {
                        let i = rng.below(token.len());
                        token[i] = (rng.next() & 0xff) as u8;
                    }
                    1 => token.truncate(rng.below(token.len() + 1)),
                    2 => {
                        let i = rng.below(token.len() + 1);
                        let piece = pieces[rng.below(pieces.len())];
                        token.splice(i..i, piece.bytes());
                    }
                    3 => {
                        let i = rng.below(token.len());
                        token.remove(i);
                    }
                    4 => {
                        let header = b64url_encode(headers[rng.below(headers.len())].as_bytes());
                        let text = String::from_utf8_lossy(&token).into_owned();
                        let rest = text.split_once('.').map_or("", |(_, r)| r);
                        token = format!("{header}.{rest}").into_bytes();
                    }
                    5 => token.extend(std::iter::repeat_n(b'A', rng.below(40_000))),
                    _ => {
                        let i = rng.below(token.len());
                        token.insert(i, b'.');
                    }
                }
                if token.is_empty() {
                    break;
                }
            }
            let keys: &[u8] = if round % 10 == 0 {
                b"{\"keys\":[{\"kty\":\"RSA\",\"n\":\"\",\"e\":\"\"}]}"
            } else {
                &keys
            };
            let mut data = keys.to_vec();
            data.push(0xff);
            data.extend_from_slice(&token);
            if verify_id_token(&data) {
                verified += 1;
            }
        }
        // A mutation that leaves the token valid (a byte set to itself) may verify;
        // nearly all must not.
        assert!(verified < 100, "{verified} mutated tokens verified");
    }
}
