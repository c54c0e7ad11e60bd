//! The library's surface: the types a caller names most at the root, `hopae::Result`,
//! the documented error codes and webhook events as constants.

use hopae::{
    ActivationForm, App, AppProvider, AppUpdate, BatchCreate, BatchItem, BatchResult, CustomDomain,
    ListApps, NewApp, NewProductionTest, NewWorkflow, Node, ProductionTestReport, Verifier,
    WebhookConfig, WebhookConfigUpdate, WebhookEvent, Workflow, WorkflowUpdate, codes,
};

/// Every root name is the module's type, not a copy.
#[test]
fn the_most_named_types_are_at_the_root() {
    fn same<T>(_: Option<T>, _: Option<T>) {}
    same::<App>(None, None::<hopae::apps::App>);
    same::<AppUpdate>(None, None::<hopae::apps::AppUpdate>);
    same::<NewApp>(None, None::<hopae::apps::NewApp>);
    same::<ListApps>(None, None::<hopae::apps::ListApps>);
    same::<BatchCreate>(None, None::<hopae::apps::BatchCreate>);
    same::<BatchItem>(None, None::<hopae::apps::BatchItem>);
    same::<BatchResult>(None, None::<hopae::apps::BatchResult>);
    same::<WebhookConfig>(None, None::<hopae::webhooks::WebhookConfig>);
    same::<WebhookConfigUpdate>(None, None::<hopae::webhooks::WebhookConfigUpdate>);
    same::<Verifier>(None, None::<hopae::webhooks::Verifier>);
    same::<WebhookEvent>(None, None::<hopae::webhooks::WebhookEvent>);
    same::<Workflow>(None, None::<hopae::workflows::Workflow>);
    same::<NewWorkflow>(None, None::<hopae::workflows::NewWorkflow>);
    same::<WorkflowUpdate>(None, None::<hopae::workflows::WorkflowUpdate>);
    same::<Node>(None, None::<hopae::workflows::Node>);
    same::<CustomDomain>(None, None::<hopae::domains::CustomDomain>);
    same::<AppProvider>(None, None::<hopae::providers::AppProvider>);
    same::<ActivationForm>(None, None::<hopae::providers::ActivationForm>);
    same::<NewProductionTest>(None, None::<hopae::production_tests::NewProductionTest>);
    same::<ProductionTestReport>(None, None::<hopae::production_tests::ProductionTestReport>);
}

#[test]
fn result_defaults_its_error_to_hopae_error() {
    fn fails() -> hopae::Result<u8> {
        Err(hopae::HopaeClient::new("").unwrap_err())
    }
    let other: hopae::Result<u8, std::fmt::Error> = Err(std::fmt::Error);
    assert!(fails().is_err() && other.is_err());
}

#[test]
fn error_codes_match_the_api_and_the_fake() {
    let server = hopae::mock::Server::start().unwrap();
    let client = hopae::HopaeClient::builder(hopae::mock::TEST_KEY)
        .base_url(server.url())
        .build()
        .unwrap();
    let e = client.app("NoSuchAp").get().unwrap_err();
    assert_eq!(e.code(), Some(codes::RESOURCE_NOT_FOUND));
    let e = hopae::HopaeClient::builder("sk_workspace_test_other_env")
        .base_url(server.url())
        .build()
        .unwrap();
    server.revoke_key("sk_workspace_test_other_env");
    assert_eq!(
        e.workspace().unwrap_err().code(),
        Some(codes::AUTH_INVALID_CREDENTIALS)
    );
    for (code, name) in [
        (codes::VALIDATION_UNPROCESSABLE, "VALIDATION_UNPROCESSABLE"),
        (codes::PROVIDER_NOT_ENABLED, "PROVIDER_NOT_ENABLED"),
        (codes::EVIDENCE_NOT_AVAILABLE, "evidence_not_available"),
    ] {
        assert_eq!(code, name);
    }
}

#[test]
fn clearing_sends_null_and_null_reads_back_as_a_clear() {
    let update = AppUpdate::new()
        .clear_default_success_redirect_uri()
        .default_failure_redirect_uri("https://shop.example/ko")
        .clear_logo();
    let json = serde_json::to_string(&update).unwrap();
    assert_eq!(
        json,
        r#"{"logo":"","defaultSuccessRedirectUri":null,"defaultFailureRedirectUri":"https://shop.example/ko"}"#
    );
    let back: AppUpdate = serde_json::from_str(&json).unwrap();
    assert_eq!(back, update);
    let hook = WebhookConfigUpdate::new().clear_url();
    let back: WebhookConfigUpdate =
        serde_json::from_str(&serde_json::to_string(&hook).unwrap()).unwrap();
    assert_eq!(back, hook);
    assert!(!hook.is_empty());
}

#[test]
fn the_documented_events_are_one_list_of_each_generation() {
    assert_eq!(hopae::webhooks::EVENTS.len(), 5);
    assert_eq!(hopae::webhooks::LEGACY_EVENTS.len(), 4);
    assert!(hopae::webhooks::EVENTS.contains(&"verification.session.timed_out"));
    assert!(hopae::webhooks::LEGACY_EVENTS.contains(&"verification.awaiting_user_action"));
}
