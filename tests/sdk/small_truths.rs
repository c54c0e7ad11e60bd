//! What a user is told when the base URL or the key is subtly wrong.

use hopae::{ConfigErrorKind, Error, HopaeClient};

fn config_error(b: hopae::ClientBuilder) -> (ConfigErrorKind, String) {
    match b.build() {
        Err(Error::Config(c)) => (c.kind(), c.message().to_owned()),
        other => panic!("expected a config error, got {other:?}"),
    }
}

// Caught on the old code: `https://api.hopae.com` was accepted and every call answered
// "No route", which reads like a missing App.
#[test]
fn a_hopae_host_without_the_rest_path_is_refused_with_the_fix() {
    for (url, fix) in [
        (
            "https://api.hopae.com",
            "use https://api.hopae.com/connect/v1",
        ),
        (
            "https://api.hopae.com/",
            "use https://api.hopae.com/connect/v1",
        ),
        (
            "https://API.hopae.com/v1",
            "use https://api.hopae.com/connect/v1",
        ),
        (
            "https://sandbox.api.hopae.com/connect",
            "use https://sandbox.api.hopae.com/connect/v1",
        ),
        (
            "https://sandbox.api.hopae.com/connect/v1/apps",
            "use https://sandbox.api.hopae.com/connect/v1",
        ),
        (
            "https://hopae.com/connect/v2",
            "use https://hopae.com/connect/v1",
        ),
    ] {
        let (kind, msg) = config_error(HopaeClient::builder("sk_workspace_test_k").base_url(url));
        assert_eq!(kind, ConfigErrorKind::BaseUrl, "{url}");
        assert!(msg.contains("must end in /connect/v1"), "{url}: {msg}");
        assert!(msg.ends_with(fix), "{url}: {msg}");
    }
    for url in [
        "https://sandbox.api.hopae.com/connect/v1",
        "https://sandbox.api.hopae.com/connect/v1/",
        // Not Hopae's hosts: any path.
        "https://hopae.com.example/gateway",
        "https://gateway.example/hopae",
        "http://127.0.0.1:8080",
    ] {
        if let Err(e) = HopaeClient::builder("sk_workspace_test_k")
            .base_url(url)
            .build()
        {
            panic!("{url}: {e}");
        }
    }
}

// Caught on the old code: "... no known environment prefix: set a base URL or an
// environment", which sends the user after the base URL when the key is wrong.
#[test]
fn a_key_with_an_unknown_prefix_is_blamed_on_the_key() {
    let (kind, msg) = config_error(HopaeClient::builder("sk_live_51HxSECRETpart"));
    assert_eq!(kind, ConfigErrorKind::UnknownKeyPrefix);
    assert!(
        msg.starts_with("the API key is not a Hopae workspace key"),
        "{msg}"
    );
    assert!(msg.contains("it starts with sk_live_;"), "{msg}");
    assert!(
        msg.contains("sk_workspace_test_ or sk_workspace_prod_"),
        "{msg}"
    );
    assert!(!msg.contains("base URL"), "{msg}");
    assert!(!msg.contains("SECRET"), "{msg}");
    // A key without a recognisable prefix shows none of itself.
    let (_, msg) = config_error(HopaeClient::builder("SECRETSECRETSECRET"));
    assert!(!msg.contains("SECRET"), "{msg}");
    assert!(!msg.contains("starts with S"), "{msg}");
}
