//! `AppClient::from_env` and the OIDC issuer: `HOPAE_OIDC_ISSUER` wins over the
//! environment's issuer. Environment variables are process-global, so this binary holds
//! exactly one test.

use hopae::AppClient;

fn set(name: &str, value: Option<&str>) {
    // SAFETY: this test binary has a single test and starts no other thread, so nothing
    // reads the environment while it is being changed.
    unsafe {
        match value {
            Some(v) => std::env::set_var(name, v),
            None => std::env::remove_var(name),
        }
    }
}

#[test]
fn the_oidc_issuer_comes_from_hopae_oidc_issuer_else_the_environment() {
    set("HOPAE_CLIENT_ID", Some("FK5b0KSM"));
    set("HOPAE_CLIENT_SECRET", Some("s3cret"));
    set("HOPAE_BASE_URL", None);
    set("HOPAE_ENVIRONMENT", Some("production"));
    set("HOPAE_OIDC_ISSUER", None);
    let shown = format!("{:?}", AppClient::from_env().unwrap().oidc());
    assert!(shown.contains("\"https://connect.hopae.com\""), "{shown}");

    set("HOPAE_OIDC_ISSUER", Some("http://127.0.0.1:9/oidc/"));
    let shown = format!("{:?}", AppClient::from_env().unwrap().oidc());
    assert!(shown.contains("\"http://127.0.0.1:9/oidc\""), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");

    set("HOPAE_OIDC_ISSUER", Some("http://idp.example"));
    let e = AppClient::from_env()
        .unwrap()
        .oidc()
        .discovery()
        .unwrap_err();
    assert!(matches!(e, hopae::Error::Config(_)), "{e}");
    assert!(e.to_string().contains("OIDC issuer"), "{e}");
}
