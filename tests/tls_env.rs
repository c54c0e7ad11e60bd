//! `SSL_CERT_FILE` and `SSL_CERT_DIR` replace the compiled-in roots in `from_env()`.
//! Environment variables are process-global, so this binary holds exactly one test,
//! which changes them one step at a time (before any server thread starts).

mod tls_support;

use std::time::Duration;

use hopae::{ClientBuilder, ConfigErrorKind, Error, HopaeClient};
use tls_support::{WORKSPACE, ca_file, serve};

fn set(name: &str, value: Option<&std::path::Path>) {
    // SAFETY: this test binary has a single test; every change happens while no other
    // thread of it reads the environment (the servers' threads never do).
    unsafe {
        match value {
            Some(v) => std::env::set_var(name, v),
            None => std::env::remove_var(name),
        }
    }
}

fn from_env(base_url: &str) -> Result<HopaeClient, Error> {
    ClientBuilder::from_env()?
        .base_url(base_url)
        .timeout(Duration::from_secs(20))
        .max_retries(0)
        .build()
}

#[test]
fn ssl_cert_file_and_dir_replace_the_default_roots_in_from_env() {
    // SAFETY: as in `set`.
    unsafe { std::env::set_var("HOPAE_API_KEY", "sk_workspace_test_S3CR3T0123456789") };
    set("SSL_CERT_FILE", None);
    set("SSL_CERT_DIR", None);
    let server = serve(WORKSPACE);
    let url = server.base_url();

    // Neither set: the Mozilla roots, which refuse the test CA.
    let e = from_env(&url).unwrap().workspace().unwrap_err();
    assert!(e.to_string().contains("unknown issuer"), "{e}");

    // Caught on the old code: SSL_CERT_FILE was ignored.
    set("SSL_CERT_FILE", Some(&ca_file()));
    assert_eq!(from_env(&url).unwrap().workspace().unwrap().id, "org_tls");

    // A builder made without from_env() keeps the compiled-in roots.
    let plain = HopaeClient::builder("sk_workspace_test_S3CR3T0123456789")
        .base_url(&url)
        .max_retries(0)
        .build()
        .unwrap();
    assert!(plain.workspace().is_err());
    // ... unless asked to read the variables.
    let asked = HopaeClient::builder("sk_workspace_test_S3CR3T0123456789")
        .base_url(&url)
        .root_certificates_from_env()
        .build()
        .unwrap();
    assert_eq!(asked.workspace().unwrap().apps_count, 2);

    // SSL_CERT_DIR: every file of the directory is read; files without a certificate
    // are skipped.
    set("SSL_CERT_FILE", None);
    let dir = std::env::temp_dir().join(format!("hopae-tls-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("README"), "not a certificate").unwrap();
    // A certificate no verifier can use, as system directories may hold: skipped.
    std::fs::write(
        dir.join("0000legacy.0"),
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    std::fs::copy(ca_file(), dir.join("5a3f0c1e.0")).unwrap();
    set("SSL_CERT_DIR", Some(&dir));
    assert_eq!(from_env(&url).unwrap().workspace().unwrap().id, "org_tls");

    // A variable that names nothing usable is a configuration error, not a silent
    // fallback to other roots.
    set("SSL_CERT_DIR", Some(&dir.join("missing")));
    match from_env(&url) {
        Err(Error::Config(c)) => {
            assert_eq!(c.kind(), ConfigErrorKind::RootCertificates);
            assert!(c.message().contains("SSL_CERT_DIR"), "{}", c.message());
        }
        other => panic!("expected a config error, got {other:?}"),
    }
    set("SSL_CERT_DIR", None);
    let _ = std::fs::remove_dir_all(&dir);
}
