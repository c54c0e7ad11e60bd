//! A transport error names the proxy only when the call went through it: a host that
//! `NO_PROXY` exempts is reached directly, and the error says so. Alone in its own test
//! binary because environment variables are process-wide.

use std::time::Duration;

use hopae::{Error, HopaeClient};

// Caught on the old code: "connection failed: GET https://... via proxy 127.0.0.1:N"
// for a call that never went near the proxy.
#[test]
fn no_proxy_hosts_are_reached_directly_and_the_error_says_so() {
    // A proxy that refuses every connection.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    // SAFETY: this is the only test in this binary and no other thread runs yet.
    unsafe {
        for var in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
            std::env::set_var(var, format!("http://127.0.0.1:{port}"));
        }
        std::env::set_var("NO_PROXY", "unreachable.invalid");
        std::env::remove_var("no_proxy");
    }
    let fail = |url: &str| {
        let e = HopaeClient::builder("sk_workspace_test_k")
            .base_url(url)
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(5))
            .max_retries(0)
            .build()
            .unwrap()
            .workspace()
            .unwrap_err();
        assert!(matches!(e, Error::Transport(_)), "{e:?}");
        e.to_string()
    };
    // Exempt: reached directly (the name does not resolve), and the proxy is not blamed.
    let direct = fail("https://unreachable.invalid/connect/v1");
    assert!(!direct.contains("via proxy"), "{direct}");
    assert!(
        direct.contains(&format!(
            "directly (NO_PROXY exempts the host from proxy 127.0.0.1:{port})"
        )),
        "{direct}"
    );
    // Not exempt: through the (dead) proxy, which the error names.
    let proxied = fail("https://other.invalid/connect/v1");
    assert!(
        proxied.contains(&format!("via proxy 127.0.0.1:{port}")),
        "{proxied}"
    );
}
