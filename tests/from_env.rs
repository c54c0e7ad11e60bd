//! `HopaeClient::from_env`. Environment variables are process-global, so this binary
//! holds exactly one test, which changes them one step at a time.

use hopae::{Environment, Error, HopaeClient};

const KEY_VAR: &str = "HOPAE_API_KEY";
const URL_VAR: &str = "HOPAE_BASE_URL";

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

fn config_error(what: &str) -> String {
    match HopaeClient::from_env() {
        Err(Error::Config(e)) => {
            let msg = e.message().to_owned();
            assert!(!msg.contains("SECRET"), "{what}: {msg}");
            msg
        }
        other => panic!("{what}: expected Error::Config, got {other:?}"),
    }
}

#[test]
fn from_env_reads_key_and_optional_base_url() {
    set(KEY_VAR, None);
    set(URL_VAR, None);
    assert_eq!(config_error("unset key"), "HOPAE_API_KEY is not set");

    set(KEY_VAR, Some(""));
    assert_eq!(config_error("empty key"), "HOPAE_API_KEY is not set");

    set(KEY_VAR, Some("sk_workspace_test_SECRET"));
    let c = HopaeClient::from_env().unwrap();
    assert_eq!(c.base_url(), Environment::Sandbox.base_url());
    assert!(!format!("{c:?}").contains("SECRET"));

    set(URL_VAR, Some(""));
    let c = HopaeClient::from_env().unwrap();
    assert_eq!(
        c.base_url(),
        Environment::Sandbox.base_url(),
        "empty URL is ignored"
    );

    set(KEY_VAR, Some("sk_workspace_prod_SECRET"));
    let c = HopaeClient::from_env().unwrap();
    assert_eq!(c.base_url(), Environment::Production.base_url());

    set(URL_VAR, Some("http://127.0.0.1:8080/connect/v1/"));
    let c = HopaeClient::from_env().unwrap();
    assert_eq!(c.base_url(), "http://127.0.0.1:8080/connect/v1");

    set(URL_VAR, Some("https://sandbox.api.hopae.com/connect/v1"));
    let msg = config_error("prod key on sandbox host");
    assert!(msg.contains("production key"), "{msg}");

    set(URL_VAR, Some("http://example.com/connect/v1"));
    let msg = config_error("plain http to a public host");
    assert!(msg.contains("must use https"), "{msg}");

    set(KEY_VAR, Some("custom_SECRET"));
    set(URL_VAR, None);
    let msg = config_error("unknown prefix, no URL");
    assert!(msg.contains("no known environment prefix"), "{msg}");
    set(URL_VAR, Some("https://hopae.internal.example/connect/v1"));
    let c = HopaeClient::from_env().unwrap();
    assert_eq!(c.base_url(), "https://hopae.internal.example/connect/v1");

    set(KEY_VAR, Some("sk_workspace_test_SECRET with space"));
    let msg = config_error("key with whitespace");
    assert!(msg.contains("is not one"), "{msg}");

    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        let not_unicode = std::ffi::OsString::from_vec(b"sk_workspace_test_\xff".to_vec());
        // SAFETY: as in `set`.
        unsafe { std::env::set_var(KEY_VAR, not_unicode) };
        assert_eq!(
            config_error("non-Unicode key"),
            "HOPAE_API_KEY is not valid Unicode"
        );
    }

    set(KEY_VAR, None);
    set(URL_VAR, None);
}
