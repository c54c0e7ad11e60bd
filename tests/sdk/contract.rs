//! The public contracts of issues 2 and 11, written exactly as specified: if a name or
//! signature drifts, this file stops compiling. The calls that need the real API are
//! compiled, not run; the rest runs against a local mock.

#![allow(dead_code, unused_variables, clippy::single_match)]

fn contract(api_key: String) -> Result<(), hopae::Error> {
    let client = hopae::HopaeClient::new("sk_workspace_test_...")?; // environment from the key prefix
    let client = hopae::HopaeClient::from_env()?; // HOPAE_API_KEY, optional HOPAE_BASE_URL
    let client = hopae::HopaeClient::builder(api_key) // -> hopae::ClientBuilder
        .base_url("https://sandbox.api.hopae.com/connect/v1") // endpoint paths are appended to it
        .timeout(std::time::Duration::from_secs(30)) // deadline for one attempt, body included
        .build()?;
    let items: Vec<hopae::ProductionTestItem> = client.app("FK5b0KSM").production_tests().list()?;
    let req: hopae::production_tests::ChallengeRequest =
        client.app("FK5b0KSM").production_tests().create(
            &hopae::production_tests::NewProductionTest::new("MitID test")
                .provider_ids(["mitid"])
                .max_stamps(3),
        )?;
    let report: hopae::production_tests::ProductionTestReport =
        client.app("FK5b0KSM").production_tests().report("ch_...")?;
    Ok(())
}

fn shapes(
    item: hopae::ProductionTestItem,
    report: hopae::production_tests::ProductionTestReport,
    err: hopae::Error,
) {
    match item {
        hopae::ProductionTestItem::Challenge(c) => {
            let hopae::production_tests::Challenge {
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
                ..
            } = c;
        }
        hopae::ProductionTestItem::Request(r) => {
            let hopae::production_tests::ChallengeRequest {
                id,
                client_id,
                status,
                payload,
                challenge_id,
                created_at,
                ..
            } = r;
        }
    }
    let challenge: hopae::production_tests::Challenge = report.challenge;
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
    model::<hopae::production_tests::Challenge>();
    model::<hopae::production_tests::ChallengeRequest>();
    model::<hopae::production_tests::ProductionTestReport>();
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
        .with_body(include_str!("../fixtures/list.json"))
        .create();
    let client = hopae::HopaeClient::builder("sk_workspace_test_contract")
        .base_url(server.url())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    let items: Vec<hopae::ProductionTestItem> =
        client.app("FK5b0KSM").production_tests().list().unwrap();
    assert!(matches!(items[0], hopae::ProductionTestItem::Challenge(_)));
    assert!(matches!(items[1], hopae::ProductionTestItem::Request(_)));
    list.assert();
}

/// The contract of issue 9 (resource handles), verbatim.
mod handles_contract {
    #![allow(dead_code, unused_variables)]

    use hopae::apps::{App, AppUpdate, BatchCreate, BatchItem, ListApps, NewApp};
    use hopae::production_tests::{
        Challenge, ChallengeRequest, NewProductionTest, ProductionTestItem, ProductionTestReport,
        WaitOptions,
    };
    use hopae::webhooks::{WebhookConfig, WebhookConfigUpdate};
    use hopae::workspace::Workspace;
    use hopae::{Error, HopaeClient, Page};
    use std::time::Duration;

    fn contract(client: &HopaeClient) -> Result<(), Error> {
        let ws: Workspace = client.workspace()?; // GET /workspace
        let (_, _): (&str, u64) = (&ws.id, ws.apps_count);

        let page: Page<App> = client.apps().list(&ListApps::new().limit(50).offset(100))?;
        let (_, _, _, _): (&Vec<App>, u64, u64, u64) =
            (&page.data, page.total, page.limit, page.offset);
        for app in client.apps().iter() {
            // every App, page by page
            let app: App = app?;
            let (_, _, _): (&str, &str, &Vec<String>) =
                (&app.client_id, &app.name, &app.redirect_uris);
            let _: &Option<hopae::Secret> = &app.client_secret; // issue 16: a Secret
        }
        let created: App = client.apps().create(&NewApp::new("Shop"))?;
        let created: App = client // issue 16: `with_idempotency_key` replaces `create_with_key`
            .apps()
            .with_idempotency_key("shop-app-1")
            .create(&NewApp::new("Shop"))?;
        let batch = client.apps().batch_create(
            &BatchCreate::new([
                BatchItem::new("A"),
                BatchItem::new("B").redirect_uris(["https://b.example/cb"]),
            ])
            .continue_on_error(true),
        )?;
        let (_, _): (u64, u64) = (batch.success_count, batch.error_count);

        let app = client.app("FK5b0KSM"); // a handle: no request yet
        let got: App = app.get()?;
        let updated: App = app.update(
            &AppUpdate::new()
                .name("Shop 2")
                .redirect_uris(["https://shop.example/cb"]),
        )?;
        let secret: hopae::Secret = app.rotate_client_secret()?; // issue 16: a Secret
        let uris: Vec<String> = app.redirect_uris()?;
        let uris: Vec<String> = app.set_redirect_uris(["https://shop.example/cb"])?;
        let cfg: WebhookConfig = app.webhook_config()?;
        let cfg: WebhookConfig = app.update_webhook_config(
            &WebhookConfigUpdate::new()
                .url("https://shop.example/hooks")
                .events(["verification.completed"])
                .enabled(true),
        )?;
        let (_, _, _): (&Option<String>, bool, &Vec<String>) = (&cfg.url, cfg.enabled, &cfg.events);
        let secret: hopae::Secret = app.rotate_webhook_secret()?; // issue 16: a Secret
        app.delete()?;

        let tests = app.production_tests(); // the three endpoints of today
        let items: Vec<ProductionTestItem> = tests.list()?;
        let req: ChallengeRequest = tests.create(
            &NewProductionTest::new("MitID test")
                .provider_ids(["mitid"])
                .max_stamps(3),
        )?;
        let req: ChallengeRequest = tests // issue 16: `with_idempotency_key`
            .with_idempotency_key("nightly-1")
            .create(&NewProductionTest::new("MitID test"))?;
        let report: ProductionTestReport = tests.report("ch_1")?;
        let ch: Challenge = tests.wait_for_challenge(
            &req.id,
            &WaitOptions::new()
                .interval(Duration::from_secs(15))
                .timeout(Duration::from_secs(600)),
        )?;
        Ok(())
    }

    #[test]
    fn root_reexports_stay() {
        let _: Option<hopae::ProductionTestItem> = None;
    }
}

/// The contract of issue 10 (workflows, providers and activation, custom domains),
/// verbatim.
mod part2_contract {
    #![allow(dead_code, unused_variables)]

    use hopae::domains::{CustomDomain, DomainStatus};
    use hopae::production_tests::WaitOptions;
    use hopae::providers::{
        ActivationForm, ActivationSteps, AppProvider, Document, UploadedDocument,
    };
    use hopae::workflows::{NewWorkflow, Node, NodeType, Workflow, WorkflowUpdate};
    use hopae::{Error, HopaeClient};
    use std::time::Duration;

    fn contract(client: &HopaeClient) -> Result<(), Error> {
        let app = client.app("FK5b0KSM");

        let flows = app.workflows();
        let all: Vec<Workflow> = flows.list()?;
        let one: Workflow = flows.get("wf_6ec9b183")?;
        let (_, _, _): (&str, &str, &Vec<Node>) =
            (&one.workflow_id, &one.entry_node_id, &one.nodes);
        let made: Workflow = flows.create(&NewWorkflow::new(
            "KYC",
            "start",
            [
                Node::new("start", "request").next("verify"),
                Node::new("verify", "verification")
                    .config(serde_json::json!({"providers": ["mitid"]}))
                    .next("done"),
                Node::new("done", "response"),
            ],
        ))?;
        let renamed: Workflow =
            flows.update("wf_6ec9b183", &WorkflowUpdate::new().name("KYC v2"))?;
        flows.set_default("wf_6ec9b183")?;
        flows.delete("wf_6ec9b183")?;
        let kinds: Vec<NodeType> = flows.node_types()?;

        let providers: Vec<AppProvider> = app.providers().list()?;
        let _: &str = &providers[0].provider_id;
        let mitid = app.provider("mitid");
        let steps: ActivationSteps = mitid.activation_steps()?;
        mitid.set_enabled(true)?;
        mitid.submit_activation_form(
            &ActivationForm::new()
                .field("companyName", "Shop AB")
                .save_to_company_info(true),
        )?;
        let docs: Vec<UploadedDocument> = mitid.upload_documents(&[Document::new(
            "contract.pdf",
            "application/pdf",
            std::fs::read("contract.pdf").unwrap_or_default(),
        )])?;
        mitid.delete_document(&docs[0].document_id)?;

        let d: CustomDomain = app.set_custom_domain("login.shop.example", "oidc.shop.example")?;
        let d: CustomDomain = app.custom_domain()?;
        let d: CustomDomain = app.verify_custom_domain()?;
        let d: CustomDomain = app.wait_for_custom_domain(
            &WaitOptions::new()
                .interval(Duration::from_secs(30))
                .timeout(Duration::from_secs(3600)),
        )?;
        let _: bool = d.status == DomainStatus::Active;
        let d: CustomDomain = app.delete_custom_domain()?;
        Ok(())
    }

    #[test]
    fn part2_models_implement_the_promised_traits() {
        fn model<
            T: std::fmt::Debug + Clone + PartialEq + serde::Serialize + serde::de::DeserializeOwned,
        >() {
        }
        model::<Workflow>();
        model::<NodeType>();
        model::<AppProvider>();
        model::<ActivationSteps>();
        model::<UploadedDocument>();
        model::<CustomDomain>();
        model::<hopae::providers::BulkActivationResult>();
    }
}

/// The contract of issue 16 (one way down: `Secret`, `hopae::wait`, one idempotency
/// story), verbatim.
mod issue16 {
    #![allow(dead_code, unused_variables, clippy::single_match)]

    use hopae::wait::{WaitOptions, WaitProgress};
    use hopae::{HopaeClient, Secret};
    use std::time::Duration;

    fn house_contract(client: &HopaeClient) -> Result<(), hopae::Error> {
        let s: Secret = client.app("FK5b0KSM").rotate_client_secret()?;
        let _: &str = s.expose();
        let _: String = format!("{s:?}"); // Secret([redacted])
        let w: Secret = client
            .app("FK5b0KSM")
            .with_idempotency_key("rotate-1")
            .rotate_webhook_secret()?;
        let app = client
            .apps()
            .with_idempotency_key("create-1")
            .create(&hopae::apps::NewApp::new("Shop"))?;
        let _: Option<&Secret> = app.client_secret.as_ref();
        let o = WaitOptions::new()
            .interval(Duration::from_secs(2))
            .timeout(Duration::from_secs(60))
            .on_poll(|p: &WaitProgress| {
                let _: u32 = p.polls;
                let _: Duration = p.elapsed;
            });
        let _ = client
            .app("FK5b0KSM")
            .production_tests()
            .wait_for_challenge("req_1", &o)?;
        let _ = client.app("FK5b0KSM").wait_for_custom_domain(&o)?;
        Ok(())
    }
}

/// Issue 19: the App API (`AppClient`, providers, verifications, userinfo, evidence).
mod issue19 {
    use hopae::verifications::{
        DcRequest, Evidence, FlowType, NewVerification, NextAction, Provider,
        ProviderConfiguration, UserInfo, Verification, VerificationStatus,
    };
    use hopae::wait::{WaitOptions, WaitProgress};
    use hopae::{AppClient, Environment, Error};
    use std::time::Duration;

    fn app_api_contract() -> Result<(), Error> {
        let app: AppClient = AppClient::builder("FK5b0KSM", "6f1c0a9e") // client id, client secret
            .environment(Environment::Sandbox) // required: App credentials carry no environment
            .timeout(Duration::from_secs(10))
            .build()?;
        let app: AppClient = AppClient::from_env()?;
        let local: AppClient = AppClient::builder("FK5b0KSM", "6f1c0a9e")
            .base_url("http://127.0.0.1:8080/connect/v1") // instead of an environment
            .max_retries(2)
            .build()?;
        let _: &str = app.client_id();

        let providers: Vec<Provider> = app.providers().list()?;
        for p in &providers {
            let _: (&str, &[FlowType], &[u8]) = (&p.id, &p.flow_types, &p.loa);
        }
        let config: ProviderConfiguration = app.providers().configuration("idin")?;
        for f in &config.required_user_data {
            let _: (&str, bool, Option<&str>) = (&f.field, f.required, f.pattern.as_deref());
        }

        let new = NewVerification::new("smartid")
            .user_data("registrationId", "PNOEE-38001085718")
            .requested_loa(3)
            .requested_claims(["given_name", "family_name", "birthdate"])
            .redirect_uri("https://shop.example/callback")
            .flow_type(FlowType::Push)
            .reference_id("ORDER-1");
        let _ = [
            FlowType::Qr,
            FlowType::Redirect,
            FlowType::Push,
            FlowType::Dc,
        ];
        let _ = [
            VerificationStatus::Initiated,
            VerificationStatus::AwaitingUserAction,
            VerificationStatus::Authenticating,
            VerificationStatus::Processing,
            VerificationStatus::Completed,
            VerificationStatus::Failed,
            VerificationStatus::Expired,
            VerificationStatus::Cancelled,
        ];
        let v: Verification = app.verifications().create(&new)?;
        let _: (&str, &VerificationStatus, bool) = (&v.id, &v.status, v.status.is_terminal());
        let _: Option<time::OffsetDateTime> = v.expires_at;
        match v.next_action() {
            NextAction::ShowQr { data } => {
                let _: &str = data;
            }
            NextAction::OpenUrl { url } => {
                let _: &str = url;
            }
            NextAction::ConfirmCode { code } => {
                let _: &str = code;
            }
            NextAction::Wait => {}
            _ => {}
        }

        let handle = app.verification(&v.id);
        let seeded = app.verification_from(&v); // starts from the create response's polling hint
        let now: Verification = handle.get()?;
        let options = WaitOptions::new()
            .timeout(Duration::from_secs(300))
            .on_poll(|p: &WaitProgress| {});
        let done: Verification = handle.wait(&options)?;
        let done: Verification = handle.wait_with(&options, |seen: &Verification| {
            let _ = seen.next_action();
        })?;
        if done.status == VerificationStatus::Completed {
            let info: UserInfo = handle.userinfo()?;
            let _: (&str, Option<u8>, &[String]) = (&info.sub, info.loa(), &info.missing_claims);
            let _: Option<&str> = info.user.as_ref().and_then(|u| u.given_name.as_deref());
            let evidence: Evidence = handle.evidence()?;
            let _: Vec<&str> = evidence.names();
        }
        handle.cancel()?;
        let dc: DcRequest = app.verifications().dc_request(
            &v.id,
            &serde_json::json!({"docType": "org.iso.18013.5.1.mDL"}),
        )?;
        let _: (&str, &str) = (&dc.request_base64, &dc.dc_session_id);
        Ok(())
    }
}

/// The contract of issue 20 (OpenID Connect), verbatim.
mod issue20 {
    #![allow(dead_code, unused_variables, clippy::single_match)]

    use hopae::oidc::{
        Authorization, AuthorizationRequest, Callback, IdTokenClaims, IdTokenErrorKind, OidcClient,
        Tokens,
    };
    use hopae::{AppClient, Error, Secret};
    use std::time::Duration;

    fn oidc_contract(app: &AppClient, saved: &str, jwt: &str) -> Result<(), Error> {
        let oidc: OidcClient = app.oidc().leeway(Duration::from_secs(30));
        let other: OidcClient = app.oidc().issuer("https://sandbox.connect.hopae.com"); // explicit issuer
        let issuer: String = oidc.discovery()?.issuer.clone();
        let request = AuthorizationRequest::new("https://shop.example/callback")
            .scope("openid idv")
            .min_loa(3)
            .prompt("login")
            .workflow_id("wf_1")
            .match_data(serde_json::json!({"fullName": "Test User"}));
        let auth: Authorization = oidc.authorization_url(&request)?;
        let _: &str = auth.url();
        let kept: String = serde_json::to_string(&auth).expect("serializes");
        let auth: Authorization = serde_json::from_str(saved).expect("deserializes");
        let callback: Callback =
            auth.parse_callback("https://shop.example/callback?code=abc&state=xyz")?;
        let tokens: Tokens = oidc.exchange_code(&auth, &callback)?;
        let _: (&Secret, Option<&Secret>, Option<Duration>) = (
            &tokens.id_token,
            tokens.access_token.as_ref(),
            tokens.expires_in,
        );
        let claims: IdTokenClaims = oidc.verify_id_token(tokens.id_token.expose(), &auth)?;
        let _: (&str, Option<u8>, &[String]) = (&claims.sub, claims.loa(), &claims.aud);
        if let Some(access) = tokens.access_token.as_ref() {
            let _: hopae::verifications::UserInfo = oidc.userinfo(access)?;
        }
        match oidc.verify_id_token(jwt, &auth) {
            Err(Error::IdToken(e)) => match e.kind() {
                IdTokenErrorKind::Malformed
                | IdTokenErrorKind::UnsupportedAlgorithm
                | IdTokenErrorKind::UnknownKey
                | IdTokenErrorKind::BadSignature
                | IdTokenErrorKind::WrongIssuer
                | IdTokenErrorKind::WrongAudience
                | IdTokenErrorKind::Expired
                | IdTokenErrorKind::NotYetValid
                | IdTokenErrorKind::NonceMismatch
                | IdTokenErrorKind::LoaTooLow => {}
                _ => {}
            },
            _ => {}
        }
        Ok(())
    }
}
