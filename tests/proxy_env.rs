//! Proxy settings from the environment never apply to loopback base URLs: a plain-http
//! call (and its API key) must not be handed to a proxy. Alone in its own test binary
//! because environment variables are process-wide.

#[test]
fn loopback_calls_ignore_proxy_environment_variables() {
    // A proxy that refuses every connection: if the client used it, the call would fail.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_proxy = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        // SAFETY: this is the only test in this binary and no other thread runs yet.
        unsafe { std::env::set_var(var, &dead_proxy) };
    }

    let mut server = mockito::Server::new();
    let m = server
        .mock("GET", "/apps/FK5b0KSM/production-tests")
        .with_status(200)
        .with_body("[]")
        .create();
    let client = hopae::HopaeClient::builder("sk_workspace_test_proxy")
        .base_url(server.url())
        .max_retries(0)
        .build()
        .unwrap();
    assert!(
        client
            .app("FK5b0KSM")
            .production_tests()
            .list()
            .unwrap()
            .is_empty()
    );
    m.assert();
}
