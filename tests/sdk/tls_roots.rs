//! Which roots the client trusts, end to end against a local HTTPS server whose
//! certificate a test CA signed (a corporate TLS-inspecting proxy, as a user meets it).

use crate::tls_support;

use std::error::Error as _;
use std::time::Duration;

use hopae::{ConfigErrorKind, Error, HopaeClient, TransportErrorKind};
use tls_support::{WORKSPACE, ca_file, ca_pem, serve};

const KEY: &str = "sk_workspace_test_S3CR3T0123456789abcdef";

fn builder(base_url: &str) -> hopae::ClientBuilder {
    HopaeClient::builder(KEY)
        .base_url(base_url)
        .timeout(Duration::from_secs(20))
        .max_retries(0)
}

// Caught on the old code: the message was `tls failure: GET ...` with the cause
// `invalid peer certificate: UnknownIssuer` and no way out.
#[test]
fn the_default_roots_refuse_a_private_ca_and_say_how_to_trust_it() {
    let server = serve(WORKSPACE);
    let e = builder(&server.base_url())
        .build()
        .unwrap()
        .workspace()
        .unwrap_err();
    let Error::Transport(t) = &e else {
        panic!("expected a transport error, got {e:?}");
    };
    assert_eq!(t.kind(), TransportErrorKind::Tls, "{e}");
    let shown = e.to_string();
    assert!(
        shown.starts_with("tls failure: GET https://127.0.0.1:"),
        "{shown}"
    );
    assert!(shown.contains("unknown issuer"), "{shown}");
    for fix in [
        "--ca-file",
        "root_certificates_file",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "platform-verifier",
    ] {
        assert!(shown.contains(fix), "{fix} missing: {shown}");
    }
    assert!(!shown.contains("via proxy"), "{shown}");
    assert!(e.source().is_some(), "the rustls error stays the source");
    assert_eq!(server.answered(), 0);
}

#[test]
fn pem_roots_given_as_bytes_are_trusted() {
    let server = serve(WORKSPACE);
    let ws = builder(&server.base_url())
        .root_certificates_pem(ca_pem())
        .build()
        .unwrap()
        .workspace()
        .unwrap();
    assert_eq!(ws.id, "org_tls");
    assert_eq!(server.answered(), 1);
}

#[test]
fn a_pem_file_is_trusted_and_replaces_the_mozilla_roots() {
    let server = serve(WORKSPACE);
    let client = builder(&server.base_url())
        .root_certificates_file(ca_file())
        .build()
        .unwrap();
    assert_eq!(client.workspace().unwrap().apps_count, 2);
    // The file replaces the compiled-in roots: the builder's Debug says which it uses.
    let b = builder(&server.base_url()).root_certificates_file(ca_file());
    assert!(format!("{b:?}").contains("ca.pem"), "{b:?}");
}

#[test]
fn unusable_roots_are_refused_at_build() {
    let kind = |b: hopae::ClientBuilder| match b.build() {
        Err(Error::Config(c)) => (c.kind(), c.message().to_owned()),
        other => panic!("expected a config error, got {other:?}"),
    };
    let (k, m) = kind(builder("https://127.0.0.1:1").root_certificates_pem(b"hello"));
    assert_eq!(k, ConfigErrorKind::RootCertificates);
    assert!(m.contains("no PEM certificate"), "{m}");
    let (k, m) = kind(builder("https://127.0.0.1:1").root_certificates_file("/nonexistent/ca.pem"));
    assert_eq!(k, ConfigErrorKind::RootCertificates);
    assert!(m.contains("/nonexistent/ca.pem"), "{m}");
    // A private key alone is no certificate.
    let key = std::fs::read(ca_file().with_file_name("server.key")).unwrap();
    let (_, m) = kind(builder("https://127.0.0.1:1").root_certificates_pem(key));
    assert!(m.contains("no PEM certificate"), "{m}");
}

// Runs with `cargo test --features platform-verifier --test tls_roots`: the operating
// system's store does not hold the test CA, and the refusal is recognised the same way.
#[cfg(feature = "platform-verifier")]
#[test]
fn the_platform_verifier_refuses_a_ca_the_system_does_not_trust() {
    let server = serve(WORKSPACE);
    let e = builder(&server.base_url())
        .platform_verifier()
        .build()
        .unwrap()
        .workspace()
        .unwrap_err();
    assert!(e.to_string().contains("unknown issuer"), "{e}");
    assert_eq!(server.answered(), 0);
}
