//! The provider's discovery document, the token response, and where credentials may go.

use std::time::Duration;

use crate::error::{ConfigErrorKind, Error};
use crate::secret::Secret;

use super::claims::same_issuer;

/// The issuer of Hopae's sandbox OpenID Connect provider.
pub const SANDBOX_ISSUER: &str = "https://sandbox.connect.hopae.com";
/// The issuer of Hopae's production OpenID Connect provider.
pub const PRODUCTION_ISSUER: &str = "https://connect.hopae.com";

/// The provider's OpenID Connect discovery document
/// (`{issuer}/.well-known/openid-configuration`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Discovery {
    /// The issuer; ID tokens must name it in `iss`.
    pub issuer: String,
    /// Where the person's browser is sent (`/auth`).
    pub authorization_endpoint: String,
    /// Where the code is exchanged (`/token`).
    pub token_endpoint: String,
    /// Where the person's attributes are read (`/userinfo`).
    pub userinfo_endpoint: Option<String>,
    /// The provider's signing keys (`/jwks`).
    pub jwks_uri: String,
    /// The scopes the provider lists.
    pub scopes_supported: Vec<String>,
    /// The response types (`code`).
    pub response_types_supported: Vec<String>,
    /// The PKCE methods (`S256`).
    pub code_challenge_methods_supported: Vec<String>,
    /// The subject types (`pairwise`).
    pub subject_types_supported: Vec<String>,
    /// The ID-token signing algorithms (`RS256`).
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// Every other field, as sent.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

crate::json::from_json!(Discovery {
    issuer: req("issuer"),
    authorization_endpoint: req("authorization_endpoint"),
    token_endpoint: req("token_endpoint"),
    userinfo_endpoint: opt("userinfo_endpoint"),
    jwks_uri: req("jwks_uri"),
    scopes_supported: def("scopes_supported"),
    response_types_supported: def("response_types_supported"),
    code_challenge_methods_supported: def("code_challenge_methods_supported"),
    subject_types_supported: def("subject_types_supported"),
    id_token_signing_alg_values_supported: def("id_token_signing_alg_values_supported"),
    extra: rest(),
});

/// What the code exchange returns. The tokens are [`Secret`]s: they never show in
/// `Debug`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Tokens {
    /// The ID token (a JWT); verify it with
    /// [`OidcClient::verify_id_token`](super::OidcClient::verify_id_token) before trusting
    /// anything in it.
    pub id_token: Secret,
    /// The access token for [`OidcClient::userinfo`](super::OidcClient::userinfo).
    pub access_token: Option<Secret>,
    /// The access token's type (`Bearer`).
    pub token_type: Option<String>,
    /// How long the access token is valid.
    pub expires_in: Option<Duration>,
    /// The scope granted, when the provider says.
    pub scope: Option<String>,
}

crate::json::from_json!(Tokens {
    id_token: req("id_token"),
    access_token: opt("access_token"),
    token_type: opt("token_type"),
    expires_in: def_with("expires_in", seconds),
    scope: opt("scope"),
});

fn seconds(
    v: serde_json::Value,
    _: crate::json::At<'_>,
) -> Result<Option<Duration>, crate::json::Bad> {
    Ok(match v {
        serde_json::Value::Number(n) => n.as_u64().map(Duration::from_secs),
        serde_json::Value::String(s) => s.parse().ok().map(Duration::from_secs),
        _ => None,
    })
}

/// The scheme and authority of an absolute http(s) URL, lowercased, with the default
/// port made explicit; `None` for anything else.
pub(crate) fn origin(url: &str) -> Option<(bool, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let https = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => return None,
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let has_port = match authority.rfind(']') {
        Some(end) => authority[end..].contains(':'),
        None => authority.contains(':'),
    };
    Some(if has_port {
        (https, authority)
    } else {
        (
            https,
            format!("{authority}:{}", if https { 443 } else { 80 }),
        )
    })
}

/// Whether an authority (`host:port`) is on the loopback interface.
fn loopback(authority: &str) -> bool {
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host);
    host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Discovery {
    /// Checks the document against the issuer it was fetched from: the same issuer (one
    /// trailing slash aside), and every endpoint https (plain http only on loopback);
    /// the token and userinfo endpoints, which receive credentials, on the issuer's own
    /// origin.
    pub(crate) fn check(&self, issuer: &str) -> Result<(), Error> {
        let refuse = |message: String| Err(Error::config(ConfigErrorKind::BaseUrl, message));
        if !same_issuer(&self.issuer, issuer) {
            return refuse(format!(
                "the discovery document of {issuer:?} names another issuer, {:?}",
                self.issuer
            ));
        }
        let Some(home) = origin(issuer) else {
            return refuse(format!("the issuer {issuer:?} is not an http(s) URL"));
        };
        let endpoints = [
            (
                "authorization_endpoint",
                Some(&self.authorization_endpoint),
                false,
            ),
            ("jwks_uri", Some(&self.jwks_uri), false),
            ("token_endpoint", Some(&self.token_endpoint), true),
            ("userinfo_endpoint", self.userinfo_endpoint.as_ref(), true),
        ];
        for (name, url, credentials) in endpoints {
            let Some(url) = url else { continue };
            let Some((https, authority)) = origin(url) else {
                return refuse(format!(
                    "the provider's {name} {url:?} is not an http(s) URL"
                ));
            };
            if !https && !loopback(&authority) {
                return refuse(format!(
                    "the provider's {name} {url:?} is plain http (https is required, except \
                     on loopback)"
                ));
            }
            if credentials && (https, authority) != home {
                return refuse(format!(
                    "the provider's {name} {url:?} is not on the issuer's origin; credentials \
                     are not sent there"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(issuer: &str, token: &str) -> Discovery {
        serde_json::from_value(serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/auth"),
            "token_endpoint": token,
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "jwks_uri": format!("{issuer}/jwks"),
            "future_field": 1
        }))
        .unwrap()
    }

    #[test]
    fn origins_normalize_case_and_default_ports() {
        assert_eq!(
            origin("https://A.example/x"),
            Some((true, "a.example:443".into()))
        );
        assert_eq!(
            origin("https://a.example:443"),
            Some((true, "a.example:443".into()))
        );
        assert_eq!(
            origin("http://127.0.0.1:8080?x"),
            Some((false, "127.0.0.1:8080".into()))
        );
        assert_eq!(origin("http://[::1]/"), Some((false, "[::1]:80".into())));
        assert_eq!(origin("ftp://a"), None);
        assert_eq!(origin("https://user@a"), None);
        assert_eq!(origin("a.example"), None);
    }

    #[test]
    fn credentials_go_only_to_the_issuers_origin_over_https() {
        let i = "https://idp.example";
        assert!(doc(i, "https://idp.example/token").check(i).is_ok());
        assert!(
            doc(i, "https://idp.example:443/token")
                .check("https://idp.example/")
                .is_ok()
        );
        assert_eq!(doc(i, "https://x/t").extra["future_field"], 1);
        for token in [
            "https://evil.example/token",
            "http://idp.example/token",
            "https://idp.example:8443/token",
            "javascript:alert(1)",
        ] {
            let e = doc(i, token).check(i).unwrap_err();
            assert!(matches!(e, Error::Config(_)), "{token}: {e}");
        }
        let l = "http://127.0.0.1:9000/oidc";
        assert!(doc(l, "http://127.0.0.1:9000/oidc/token").check(l).is_ok());
        assert!(doc(l, "http://127.0.0.1:9001/token").check(l).is_err());
        assert!(
            doc("https://other.example", "https://other.example/t")
                .check(i)
                .is_err()
        );
        let mut d = doc(i, "https://idp.example/token");
        d.jwks_uri = "http://keys.example/jwks".into();
        assert!(d.check(i).is_err(), "plain http JWKS off loopback");
    }

    #[test]
    fn tokens_keep_secrets_out_of_debug() {
        let t: Tokens = serde_json::from_str(
            r#"{"id_token":"eyJ.a.b","access_token":"at_1","token_type":"Bearer","expires_in":3600}"#,
        )
        .unwrap();
        assert_eq!(t.expires_in, Some(Duration::from_secs(3600)));
        assert_eq!(t.id_token.expose(), "eyJ.a.b");
        let shown = format!("{t:?}");
        assert!(!shown.contains("eyJ") && !shown.contains("at_1"), "{shown}");
        assert!(serde_json::from_str::<Tokens>(r#"{"access_token":"a"}"#).is_err());
    }
}
