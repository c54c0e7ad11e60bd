//! `-v -v` and `HOPAE_DEBUG=http`: the HTTP trace on stderr, without the key.

use crate::common;

use common::*;

#[test]
fn two_verbose_flags_or_hopae_debug_print_the_http_trace_without_the_key() {
    let mut server = mockito::Server::new();
    let body = r#"{"id":"org_1","apps_count":3,"createdAt":"2026-01-15T08:30:00.000Z","created_at":1768465800}"#;
    let m = get_n(&mut server, "/workspace", 200, body, 3);
    let url = server.url();
    // Caught on the old code: `-v -v` was refused (one -v only) and HOPAE_DEBUG ignored.
    for (env, args) in [
        (vec![], vec!["-v", "-v", "workspace", "--base-url", &url]),
        (
            vec![("HOPAE_DEBUG", "http")],
            vec!["workspace", "--base-url", &url],
        ),
        (
            vec![("HOPAE_DEBUG", "other,http")],
            vec!["workspace", "--base-url", &url],
        ),
    ] {
        let r = run_with(Some(KEY), &env, &args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.contains("org_1"), "{}", r.stdout);
        for expected in [
            "hopae: > GET ",
            "/workspace (attempt 1)",
            "hopae: > authorization: Bearer [redacted]",
            "hopae: > user-agent: hopae-cli/",
            "hopae: < 200 OK in ",
            "hopae: < content-length: ",
            r#""apps_count":3"#,
        ] {
            assert!(r.stderr.contains(expected), "{expected}: {}", r.stderr);
        }
        assert!(!r.stderr.contains(KEY), "{}", r.stderr);
    }
    m.assert();
    // One -v is not a trace.
    let m = get(&mut server, "/workspace", 200, body);
    let r = run_with(Some(KEY), &[], &["-v", "workspace", "--base-url", &url]);
    assert!(!r.stderr.contains("hopae: >"), "{}", r.stderr);
    m.assert();
}
