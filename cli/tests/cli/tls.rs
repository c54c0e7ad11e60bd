//! `--ca-file` and `SSL_CERT_FILE`, end to end against a local HTTPS server whose
//! certificate a test CA signed (a TLS-inspecting proxy, as a user meets it).

use crate::common;
use crate::tls_support;

use common::{KEY, run_with};
use tls_support::{WORKSPACE, ca_file, serve};

// Caught on the old code: `tls failure ... invalid peer certificate: UnknownIssuer` and no
// option to trust another root.
#[test]
fn the_built_in_roots_refuse_a_private_ca_and_the_error_names_the_fixes() {
    let server = serve(WORKSPACE);
    let url = server.base_url();
    let r = run_with(
        Some(KEY),
        &[],
        &["workspace", "--base-url", &url, "--retries", "0"],
    );
    r.assert_error(3, "unknown issuer");
    for fix in [
        "--ca-file",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "platform-verifier",
    ] {
        assert!(r.stderr.contains(fix), "{fix}: {}", r.stderr);
    }
    assert!(!r.stderr.contains("via proxy"), "{}", r.stderr);
    assert_eq!(server.answered(), 0);
}

#[test]
fn ca_file_trusts_the_private_ca() {
    let server = serve(WORKSPACE);
    let url = server.base_url();
    let ca = ca_file();
    let r = run_with(
        Some(KEY),
        &[],
        &[
            "workspace",
            "--base-url",
            &url,
            "--ca-file",
            ca.to_str().unwrap(),
            "--json",
        ],
    );
    r.assert_ok();
    assert_eq!(r.json()["id"], "org_tls");
}

#[test]
fn ssl_cert_file_and_dir_are_read_like_ca_file() {
    let server = serve(WORKSPACE);
    let url = server.base_url();
    let ca = ca_file();
    let r = run_with(
        Some(KEY),
        &[("SSL_CERT_FILE", ca.to_str().unwrap())],
        &["workspace", "--base-url", &url, "--json"],
    );
    r.assert_ok();
    assert_eq!(r.json()["apps_count"], 2);
    let dir = ca.parent().unwrap();
    let r = run_with(
        Some(KEY),
        &[("SSL_CERT_DIR", dir.to_str().unwrap())],
        &["workspace", "--base-url", &url, "--json"],
    );
    r.assert_ok();
}

#[test]
fn an_unreadable_ca_file_is_a_usage_error_naming_it() {
    let r = run_with(
        Some(KEY),
        &[],
        &[
            "workspace",
            "--base-url",
            "https://127.0.0.1:1/connect/v1",
            "--ca-file",
            "/nonexistent/ca.pem",
        ],
    );
    r.assert_error(2, "/nonexistent/ca.pem");
}
