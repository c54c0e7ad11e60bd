//! The public contracts of issues 2 and 11, written exactly as specified: if a name or
//! signature drifts, this file stops compiling. The calls that need the real API are
//! compiled, not run; the rest runs against a local mock.

#![allow(dead_code, unused_variables)]

fn contract(api_key: String) -> Result<(), hopae::Error> {
    let client = hopae::HopaeClient::new("sk_workspace_test_...")?; // environment from the key prefix
    let client = hopae::HopaeClient::from_env()?; // HOPAE_API_KEY, optional HOPAE_BASE_URL
    let client = hopae::HopaeClient::builder(api_key) // -> hopae::ClientBuilder
        .base_url("https://sandbox.api.hopae.com/connect/v1") // endpoint paths are appended to it
        .timeout(std::time::Duration::from_secs(30)) // deadline for one attempt, body included
        .build()?;
    let items: Vec<hopae::ProductionTestItem> = client.list_production_tests("FK5b0KSM")?;
    let req: hopae::ChallengeRequest = client.create_production_test(
        "FK5b0KSM",
        &hopae::NewProductionTest::new("MitID test")
            .provider_ids(["mitid"])
            .max_stamps(3),
    )?;
    let report: hopae::ProductionTestReport =
        client.production_test_report("FK5b0KSM", "ch_...")?;
    Ok(())
}

fn shapes(item: hopae::ProductionTestItem, report: hopae::ProductionTestReport, err: hopae::Error) {
    match item {
        hopae::ProductionTestItem::Challenge(c) => {
            let hopae::Challenge {
                id,
                title,
                description,
                expires_at,
                created_at,
                completed_at,
                is_active,
                challenge_mode,
                sponsor,
                sources,
            } = c;
        }
        hopae::ProductionTestItem::Request(r) => {
            let hopae::ChallengeRequest {
                id,
                client_id,
                status,
                payload,
                challenge_id,
                created_at,
            } = r;
        }
    }
    let challenge: hopae::Challenge = report.challenge;
    let total: u64 = report.stats.total_participations + report.stats.total_claims;
    for p in report.stats.provider_breakdown {
        let (_, _, _): (String, String, u64) = (p.provider_id, p.provider_name, p.claim_count);
    }
    let _: Option<u16> = err.status();
    let _: Option<&str> = err.code();
    let _: Option<&str> = err.request_id();
    let _: bool = err.is_timeout();
}

/// Issue 11's contract for webhook signatures, verbatim (in a module of its own, so its
/// imports and its `contract` stay as written).
mod webhook_contract {
    use hopae::webhooks::{SignatureError, Verifier, WebhookEvent};
    use std::time::{Duration, SystemTime};

    fn contract(secret: &str, header: &str, body: &[u8]) -> Result<(), SignatureError> {
        let verifier = Verifier::new(secret);
        let event: WebhookEvent = verifier.verify(header, body)?; // clock: now
        let event: WebhookEvent = verifier.verify_at(header, body, SystemTime::now())?;
        let (_, _): (&Option<String>, &serde_json::Value) = (&event.event_type, &event.payload);
        let verifier = verifier.tolerance(Duration::from_secs(60)); // default 300 s
        let header: String = hopae::webhooks::sign(secret, 1_765_000_000, body); // "t=1765000000,v1=<hex>"
        Ok(())
    }
}

#[test]
fn models_and_errors_implement_the_promised_traits() {
    fn model<
        T: std::fmt::Debug + Clone + PartialEq + serde::Serialize + serde::de::DeserializeOwned,
    >() {
    }
    model::<hopae::ProductionTestItem>();
    model::<hopae::Challenge>();
    model::<hopae::ChallengeRequest>();
    model::<hopae::ProductionTestReport>();
    fn error<T: std::error::Error + Send + Sync + 'static>() {}
    error::<hopae::Error>();
    fn client<T: Clone + Send + Sync + std::fmt::Debug>() {}
    client::<hopae::HopaeClient>();
}

#[test]
fn contract_calls_run_against_a_local_server() {
    let mut server = mockito::Server::new();
    let list = server
        .mock("GET", "/apps/FK5b0KSM/production-tests")
        .with_body(include_str!("fixtures/list.json"))
        .create();
    let client = hopae::HopaeClient::builder("sk_workspace_test_contract")
        .base_url(server.url())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    let items: Vec<hopae::ProductionTestItem> = client.list_production_tests("FK5b0KSM").unwrap();
    assert!(matches!(items[0], hopae::ProductionTestItem::Challenge(_)));
    assert!(matches!(items[1], hopae::ProductionTestItem::Request(_)));
    list.assert();
}
