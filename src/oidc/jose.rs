//! The JOSE pieces the flow needs, on `ring` alone: base64url, the compact JWS parser,
//! RS256 verification against a JWKS, and HS256 signing (for `match_request`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::{hmac, signature};

use crate::error::{IdTokenError, IdTokenErrorKind};

/// The longest ID token accepted, in bytes: Hopae's carry no personal data and weigh
/// about 1 KiB; past this the input is not a token.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// The most keys of a JWKS that are kept (the rest are ignored).
const MAX_KEYS: usize = 64;

/// base64url without padding (RFC 7515 appendix C).
pub(crate) fn b64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict base64url without padding: any other character, padding, an impossible
/// length or non-zero trailing bits is `None` (one token has one encoding).
pub(crate) fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// The protected header fields the verifier reads; others are ignored.
struct Header {
    alg: String,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

crate::json::from_json!(Header {
    alg: req("alg"),
    kid: opt("kid"),
    crit: opt("crit"),
});

/// A compact JWS split and decoded, not yet verified.
pub(crate) struct Jws<'a> {
    pub(crate) kid: Option<String>,
    /// `header.payload`, the bytes the signature covers.
    pub(crate) signing_input: &'a [u8],
    pub(crate) payload: Vec<u8>,
    pub(crate) signature: Vec<u8>,
}

fn malformed(message: impl Into<String>) -> IdTokenError {
    IdTokenError::new(IdTokenErrorKind::Malformed, message)
}

/// Splits and decodes a compact JWS whose header says RS256. Any input, of any size,
/// is an `Ok` or a [`IdTokenErrorKind::Malformed`] or
/// [`IdTokenErrorKind::UnsupportedAlgorithm`] error, never a panic.
pub(crate) fn parse_rs256(token: &str) -> Result<Jws<'_>, IdTokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(malformed(format!(
            "the token has {} bytes, at most {MAX_TOKEN_BYTES} are accepted",
            token.len()
        )));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(
            "not a compact JWS (three base64url parts separated by `.`)",
        ));
    };
    let header_bytes =
        b64url_decode(header).ok_or_else(|| malformed("the header is not base64url"))?;
    let header: Header = crate::json::object(&header_bytes)
        .map_err(|(_, e)| malformed(format!("the header is not a JSON object with `alg`: {e}")))?;
    if header.alg != "RS256" {
        return Err(IdTokenError::new(
            IdTokenErrorKind::UnsupportedAlgorithm,
            format!(
                "the header names the algorithm {:?}; only RS256 is accepted",
                header.alg
            ),
        ));
    }
    if header.crit.is_some() {
        return Err(IdTokenError::new(
            IdTokenErrorKind::UnsupportedAlgorithm,
            "the header marks extensions critical (`crit`), which this client does not implement",
        ));
    }
    let payload =
        b64url_decode(payload).ok_or_else(|| malformed("the claims part is not base64url"))?;
    let signature =
        b64url_decode(signature).ok_or_else(|| malformed("the signature is not base64url"))?;
    Ok(Jws {
        kid: header.kid,
        signing_input: &token.as_bytes()[..token.rfind('.').unwrap_or(0)],
        payload,
        signature,
    })
}

/// One RSA signing key of a JWKS.
#[derive(Clone)]
pub(crate) struct Jwk {
    pub(crate) kid: Option<String>,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl Jwk {
    /// Whether `signature` is this key's RS256 signature of `message`.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        signature::RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        }
        .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, signature)
        .is_ok()
    }
}

/// The RS256 signing keys of a JWKS document.
#[derive(Clone, Default)]
pub(crate) struct KeySet {
    pub(crate) keys: Vec<Jwk>,
}

struct JwksDoc {
    keys: Vec<serde_json::Value>,
}

crate::json::from_json!(JwksDoc { keys: req("keys") });

struct RawJwk {
    kty: String,
    kid: Option<String>,
    use_: Option<String>,
    alg: Option<String>,
    n: String,
    e: String,
}

crate::json::from_json!(RawJwk {
    kty: req("kty"),
    kid: opt("kid"),
    use_: opt("use"),
    alg: opt("alg"),
    n: req("n"),
    e: req("e"),
});

impl KeySet {
    /// Reads `{"keys": [...]}`, keeping the RSA keys usable for RS256 signatures (no
    /// `use` other than `sig`, no `alg` other than `RS256`); other entries are skipped,
    /// as a JWKS may hold keys for other purposes.
    pub(crate) fn parse(body: &[u8]) -> Result<KeySet, String> {
        let doc: JwksDoc = crate::json::object(body).map_err(|(_, e)| e)?;
        let keys = doc
            .keys
            .into_iter()
            .filter_map(|v| {
                <RawJwk as crate::json::FromJson>::from_json(v, crate::json::At::Root).ok()
            })
            .filter(|k| {
                k.kty == "RSA"
                    && k.use_.as_deref().is_none_or(|u| u == "sig")
                    && k.alg.as_deref().is_none_or(|a| a == "RS256")
            })
            .filter_map(|k| {
                Some(Jwk {
                    kid: k.kid,
                    n: unsigned(b64url_decode(k.n.trim_end_matches('='))?),
                    e: unsigned(b64url_decode(k.e.trim_end_matches('='))?),
                })
            })
            .take(MAX_KEYS)
            .collect();
        Ok(KeySet { keys })
    }

    /// The key a token names: by `kid`; a token without `kid` uses the only key of a
    /// one-key set.
    pub(crate) fn find(&self, kid: Option<&str>) -> Option<&Jwk> {
        match kid {
            Some(kid) => self.keys.iter().find(|k| k.kid.as_deref() == Some(kid)),
            None if self.keys.len() == 1 => self.keys.first(),
            None => None,
        }
    }
}

/// A big-endian integer without leading zero bytes (some encoders add one; ring wants
/// none).
fn unsigned(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.drain(..zeros);
    bytes
}

/// A compact JWS of `claims` signed HS256 with `secret`.
pub(crate) fn sign_hs256(claims: &serde_json::Value, secret: &[u8]) -> String {
    let mut token = b64url_encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    token.push('.');
    token.push_str(&b64url_encode(claims.to_string().as_bytes()));
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), token.as_bytes());
    token.push('.');
    token.push_str(&b64url_encode(tag.as_ref()));
    token
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_and_is_strict() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let text = b64url_encode(&bytes);
            assert!(!text.contains(['=', '+', '/']));
            assert_eq!(b64url_decode(&text).as_deref(), Some(&bytes[..]), "{len}");
        }
        assert_eq!(b64url_encode(b"\xfb\xff"), "-_8");
        assert_eq!(b64url_decode("eyI"), Some(b"{\"".to_vec()));
        // Padding, the standard alphabet, a dangling character, non-zero trailing bits.
        for bad in ["eyJ=", "a+b/", "abcde", "eyK", "A", "é"] {
            assert_eq!(b64url_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn parser_refuses_what_is_not_an_rs256_jws() {
        let h = |json: &str| b64url_encode(json.as_bytes());
        let rs = h(r#"{"alg":"RS256","kid":"k"}"#);
        let kind = |t: &str| parse_rs256(t).err().map(|e| e.kind());
        assert_eq!(kind(&format!("{rs}.e30.c2ln")), None);
        let token = format!("{rs}.e30.c2ln");
        let jws = parse_rs256(&token).unwrap();
        assert_eq!(jws.kid.as_deref(), Some("k"));
        assert_eq!(jws.signing_input, format!("{rs}.e30").as_bytes());
        assert_eq!(jws.payload, b"{}");
        assert_eq!(jws.signature, b"sig");
        use IdTokenErrorKind::*;
        for (token, want) in [
            ("", Malformed),
            ("a.b", Malformed),
            ("a.b.c.d", Malformed),
            (&format!("{rs}.e30.c2ln.x"), Malformed),
            ("!!.e30.c2ln", Malformed),
            (&format!("{}.e30.c2ln", h("[1]")), Malformed),
            (&format!("{}.e30.c2ln", h(r#"{"alg":1}"#)), Malformed),
            (
                &format!("{}.e30.", h(r#"{"alg":"none"}"#)),
                UnsupportedAlgorithm,
            ),
            (
                &format!("{}.e30.c2ln", h(r#"{"alg":"HS256"}"#)),
                UnsupportedAlgorithm,
            ),
            (
                &format!("{}.e30.c2ln", h(r#"{"alg":"rs256"}"#)),
                UnsupportedAlgorithm,
            ),
            (
                &format!("{}.e30.c2ln", h(r#"{"alg":"RS256","crit":["b64"]}"#)),
                UnsupportedAlgorithm,
            ),
            (&format!("{rs}.e30=.c2ln"), Malformed),
            (&format!("{rs}.e30.c2ln="), Malformed),
        ] {
            assert_eq!(kind(token), Some(want), "{token}");
        }
        let huge = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(kind(&huge), Some(Malformed));
    }

    #[test]
    fn jwks_keeps_rsa_signing_keys_only() {
        let body = br#"{"keys":[
            {"kty":"RSA","kid":"a","use":"sig","alg":"RS256","n":"AQAB","e":"AQAB"},
            {"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"},
            {"kty":"RSA","kid":"ps","alg":"PS256","n":"AQAB","e":"AQAB"},
            {"kty":"EC","kid":"ec","crv":"P-256","x":"AQAB","y":"AQAB"},
            {"kty":"RSA","kid":"bad","n":"!!","e":"AQAB"},
            "junk",
            {"kty":"RSA","kid":"b","n":"AAEC","e":"AQAB=="}
        ]}"#;
        let set = KeySet::parse(body).unwrap();
        let kids: Vec<_> = set.keys.iter().map(|k| k.kid.as_deref()).collect();
        assert_eq!(kids, [Some("a"), Some("b")]);
        assert_eq!(set.keys[1].n, [1, 2], "leading zero dropped");
        assert!(set.find(Some("b")).is_some());
        assert!(set.find(Some("c")).is_none());
        assert!(set.find(None).is_none(), "two keys: a token must name one");
        assert!(KeySet::parse(b"{}").is_err());
        assert!(KeySet::parse(b"[]").is_err());
    }

    #[test]
    fn hs256_matches_rfc_7515_style_construction() {
        let token = sign_hs256(&serde_json::json!({"a": 1}), b"secret");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            b64url_decode(parts[0]).unwrap(),
            br#"{"alg":"HS256","typ":"JWT"}"#
        );
        assert_eq!(b64url_decode(parts[1]).unwrap(), br#"{"a":1}"#);
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"secret");
        let input = &token[..token.rfind('.').unwrap()];
        assert!(hmac::verify(&key, input.as_bytes(), &b64url_decode(parts[2]).unwrap()).is_ok());
    }
}
