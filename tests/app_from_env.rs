//! `AppClient::from_env`. Environment variables are process-global, so this binary holds
//! exactly one test, which changes them one step at a time.

use hopae::{AppClient, ConfigErrorKind, Environment, Error};

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

fn config_error(what: &str) -> (ConfigErrorKind, String) {
    match AppClient::from_env() {
        Err(Error::Config(e)) => {
            let msg = e.message().to_owned();
            assert!(!msg.contains("S3CR3T"), "{what}: {msg}");
            (e.kind(), msg)
        }
        other => panic!("{what}: expected Error::Config, got {other:?}"),
    }
}

#[test]
fn from_env_reads_the_credentials_and_an_environment_or_a_base_url() {
    for name in [
        "HOPAE_CLIENT_ID",
        "HOPAE_CLIENT_SECRET",
        "HOPAE_ENVIRONMENT",
        "HOPAE_BASE_URL",
    ] {
        set(name, None);
    }
    let (kind, msg) = config_error("nothing set");
    assert_eq!(kind, ConfigErrorKind::ClientCredentialsMissing);
    assert!(msg.contains("HOPAE_CLIENT_ID"), "{msg}");

    set("HOPAE_CLIENT_ID", Some("FK5b0KSM"));
    let (kind, msg) = config_error("no secret");
    assert_eq!(kind, ConfigErrorKind::ClientCredentialsMissing);
    assert!(msg.contains("HOPAE_CLIENT_SECRET"), "{msg}");

    set("HOPAE_CLIENT_SECRET", Some("S3CR3T0123456789abcdef"));
    let (kind, _) = config_error("no environment");
    assert_eq!(kind, ConfigErrorKind::EnvironmentMissing);

    set("HOPAE_ENVIRONMENT", Some("staging"));
    let (kind, msg) = config_error("unknown environment");
    assert_eq!(kind, ConfigErrorKind::EnvironmentMissing);
    assert!(msg.contains("HOPAE_ENVIRONMENT"), "{msg}");

    set("HOPAE_ENVIRONMENT", Some("sandbox"));
    let app = AppClient::from_env().unwrap();
    assert_eq!(app.client_id(), "FK5b0KSM");
    assert_eq!(app.base_url(), Environment::Sandbox.base_url());
    assert!(!format!("{app:?}").contains("S3CR3T"), "{app:?}");

    set("HOPAE_ENVIRONMENT", None);
    set("HOPAE_BASE_URL", Some("http://127.0.0.1:8080/connect/v1/"));
    let app = AppClient::from_env().unwrap();
    assert_eq!(app.base_url(), "http://127.0.0.1:8080/connect/v1");
}
