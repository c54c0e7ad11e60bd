//! The fake's App API over the wire (raw HTTP through ureq, not the SDK): Basic auth
//! against the Apps it holds, the provider catalog and its requirements, the checks of a
//! create, the life of a session, the test controls, and the three error shapes.

use super::support as mock_support;

use hopae::mock::{
    Completion, ControlError, SEED_APP, SEED_CLIENT_SECRET, Server, VerificationSummary,
};
use mock_support::{Raw, raw, send};
use serde_json::{Value, json};

fn base64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for k in 0..4 {
            out.push(if k <= chunk.len() {
                char::from(A[(n >> (18 - 6 * k) & 63) as usize])
            } else {
                '='
            });
        }
    }
    out
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", base64(format!("{id}:{secret}").as_bytes()))
}

/// An App API call with the given credentials.
fn app_call(server: &Server, auth: &str, method: &str, path: &str, body: Option<Value>) -> Raw {
    let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
    send(server, method, path, &[("Authorization", auth)], body)
}

/// An App API call as the seed App.
fn seed(server: &Server, method: &str, path: &str, body: Option<Value>) -> Raw {
    app_call(
        server,
        &basic(SEED_APP, SEED_CLIENT_SECRET),
        method,
        path,
        body,
    )
}

/// `(status, title, context)` of an RFC 7807 problem.
fn problem(r: &Raw) -> (u16, &str, &Value) {
    assert_eq!(
        r.body["status"].as_u64(),
        Some(u64::from(r.status)),
        "{}",
        r.body
    );
    assert!(
        r.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{}",
        r.body
    );
    assert!(r.body.get("error").is_none(), "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    (
        r.status,
        r.body["title"].as_str().unwrap_or(""),
        &r.body["context"],
    )
}

fn create(server: &Server, body: Value) -> Raw {
    seed(server, "POST", "/verifications", Some(body))
}

fn smartid() -> Value {
    json!({"providerId": "smartid", "userData": {"registrationId": "PNOEE-38001085718"}})
}

fn summary(server: &Server, id: &str) -> VerificationSummary {
    server
        .verifications()
        .into_iter()
        .find(|v| v.id == id)
        .expect("the fake holds the session")
}

#[test]
fn basic_credentials_of_any_app_the_fake_holds_are_checked() {
    let server = Server::start().unwrap();
    assert_eq!(
        server.client_secret(SEED_APP).as_deref(),
        Some(SEED_CLIENT_SECRET)
    );
    assert_eq!(seed(&server, "GET", "/providers", None).status, 200);

    for auth in [
        basic(SEED_APP, "wrong"),
        basic("NoSuchAp", SEED_CLIENT_SECRET),
        format!("Bearer {}", server.api_key()),
        "Basic !!!".to_owned(),
        format!("Basic {}", base64(b"no-colon")),
    ] {
        let r = app_call(&server, &auth, "GET", "/verifications/ver_x", None);
        assert_eq!(problem(&r).0, 401, "{auth}");
        assert_eq!(problem(&r).1, "AUTH_INVALID_CREDENTIALS", "{auth}");
    }
    let r = send(&server, "GET", "/providers", &[], None);
    assert_eq!(problem(&r).1, "AUTH_INVALID_CREDENTIALS");
    // App credentials do not open the Workspace API.
    let r = app_call(
        &server,
        &basic(SEED_APP, SEED_CLIENT_SECRET),
        "GET",
        "/apps",
        None,
    );
    assert_eq!((r.status, r.error().0), (401, "AUTH_INVALID_CREDENTIALS"));

    // An App created through the Workspace API works at once; a rotation replaces its
    // secret.
    let app = raw(&server, "POST", "/apps", Some(json!({"name": "Kiosk"}))).body;
    let (id, secret) = (
        app["clientId"].as_str().unwrap(),
        app["clientSecret"].as_str().unwrap(),
    );
    assert_eq!(server.client_secret(id).as_deref(), Some(secret));
    let r = app_call(&server, &basic(id, secret), "GET", "/providers", None);
    assert_eq!(r.status, 200);
    let rotated = raw(
        &server,
        "POST",
        &format!("/apps/{id}/rotate-client-secret"),
        None,
    )
    .body;
    let new_secret = rotated["clientSecret"].as_str().unwrap();
    assert_eq!(
        app_call(&server, &basic(id, secret), "GET", "/providers", None).status,
        401
    );
    assert_eq!(
        app_call(&server, &basic(id, new_secret), "GET", "/providers", None).status,
        200
    );
    raw(&server, "DELETE", &format!("/apps/{id}"), None);
    assert_eq!(
        app_call(&server, &basic(id, new_secret), "GET", "/providers", None).status,
        401
    );
}

#[test]
fn the_catalog_lists_providers_and_their_user_data_requirements() {
    let server = Server::start().unwrap();
    let list = seed(&server, "GET", "/providers", None).body;
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    for id in ["smartid", "frejaid", "bankidse", "mitid", "idin"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    let smartid = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "smartid")
        .unwrap();
    assert_eq!(smartid["isActive"], true);
    assert_eq!(smartid["countries"], json!(["ee", "lv", "lt"]));
    assert!(
        smartid["flowTypes"]
            .as_array()
            .unwrap()
            .contains(&json!("push"))
    );
    assert!(smartid["loa"].as_array().unwrap().iter().all(Value::is_u64));
    let active = seed(&server, "GET", "/providers?status=activated", None).body;
    let active: Vec<&str> = active
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(active, ["smartid", "bankidse", "mitid", "passport"]);
    let inactive = seed(&server, "GET", "/providers?status=deactivated", None).body;
    assert!(
        inactive
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["isActive"] == false)
    );
    let r = seed(&server, "GET", "/providers?status=bogus", None);
    assert_eq!(problem(&r).1, "VALIDATION_INVALID_PARAMETER");

    let config = seed(&server, "GET", "/providers/smartid/configuration", None).body;
    assert_eq!(config["providerId"], "smartid");
    let field = &config["requiredUserData"][0];
    assert_eq!(
        (
            field["field"].as_str(),
            field["type"].as_str(),
            &field["required"]
        ),
        (Some("registrationId"), Some("text"), &json!(true))
    );
    assert!(field["pattern"].as_str().unwrap().starts_with("^PNO"));
    assert!(field["label"].is_string());
    let idin = seed(&server, "GET", "/providers/idin/configuration", None).body;
    let bank = &idin["requiredUserData"][0];
    assert_eq!(
        (bank["field"].as_str(), bank["type"].as_str()),
        (Some("presetBank"), Some("select"))
    );
    assert!(
        bank["options"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["value"] == "INGBNL2A" && o["label"] == "ING")
    );
    let freja = seed(&server, "GET", "/providers/frejaid/configuration", None).body;
    assert_eq!(freja["requiredUserData"], json!([]));
    assert_eq!(freja["optionalUserData"][0]["required"], false);
    let sk = seed(&server, "GET", "/providers/skmobileid/configuration", None).body;
    assert_eq!(sk["requiredUserData"].as_array().unwrap().len(), 2);

    let r = seed(&server, "GET", "/providers/nope/configuration", None);
    assert_eq!(problem(&r).0, 404);
    assert_eq!(problem(&r).1, "PROVIDER_NOT_FOUND");
}

#[test]
fn a_create_is_checked_in_the_documented_shapes() {
    let server = Server::start().unwrap();
    let r = create(&server, json!({}));
    assert_eq!(
        (problem(&r).0, problem(&r).1),
        (400, "VALIDATION_MISSING_PARAMETER")
    );
    assert_eq!(problem(&r).2["parameter"], "providerId");

    let r = create(&server, json!({"providerId": "smartid"}));
    let (status, code, context) = problem(&r);
    assert_eq!((status, code), (400, "VALIDATION_MISSING_USER_DATA"));
    assert_eq!(context["parameter"], "userData.registrationId");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("registrationId")
    );

    let r = create(
        &server,
        json!({"providerId": "smartid", "userData": {"registrationId": "PNOEE-1"}}),
    );
    assert_eq!(problem(&r).1, "VALIDATION_INVALID_USER_DATA");

    // Shape D: a level the provider does not reach.
    let r = create(
        &server,
        json!({"providerId": "smartid", "requestedLoa": 4,
                                   "userData": {"registrationId": "PNOEE-38001085718"}}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.body["code"], "VALIDATION_UNPROCESSABLE");
    assert!(r.body["detail"].is_string());
    assert_eq!(
        r.body["context"],
        json!({"parameter": "requestedLoa", "value": 4, "providerId": "smartid"})
    );

    for loa in [json!(0), json!(6), json!("3"), json!(2.5)] {
        let r = create(
            &server,
            json!({"providerId": "smartid", "requestedLoa": loa,
                                       "userData": {"registrationId": "PNOEE-38001085718"}}),
        );
        assert_eq!(
            (r.status, problem(&r).1),
            (400, "VALIDATION_INVALID_PARAMETER"),
            "{loa}"
        );
    }
    let r = create(
        &server,
        json!({"providerId": "smartid", "flowType": "redirect",
                                   "userData": {"registrationId": "PNOEE-38001085718"}}),
    );
    assert_eq!(problem(&r).1, "VALIDATION_INVALID_PARAMETER");
    assert_eq!(problem(&r).2["parameter"], "flowType");
    // The fake keeps sessions in memory: user data and claims are bounded.
    let many: serde_json::Map<String, Value> =
        (0..65).map(|i| (format!("k{i}"), json!("v"))).collect();
    let mut body = smartid();
    body["userData"] = Value::Object(many);
    assert_eq!(problem(&create(&server, body)).2["parameter"], "userData");
    let mut body = smartid();
    body["userData"]["note"] = json!("x".repeat(1025));
    assert_eq!(
        problem(&create(&server, body)).1,
        "VALIDATION_INVALID_USER_DATA"
    );
    let mut body = smartid();
    body["requestedClaims"] = json!(vec!["c"; 65]);
    assert_eq!(
        problem(&create(&server, body)).2["parameter"],
        "requestedClaims"
    );
    let r = create(&server, json!({"providerId": "nope"}));
    assert_eq!((problem(&r).0, problem(&r).1), (404, "PROVIDER_NOT_FOUND"));
    let r = create(
        &server,
        json!({"providerId": "idin", "userData": {"presetBank": "INGBNL2A"}}),
    );
    assert_eq!(
        (problem(&r).0, problem(&r).1),
        (403, "PROVIDER_NOT_ENABLED")
    );
    // Enabled through the Workspace API, it works.
    raw(
        &server,
        "PATCH",
        &format!("/apps/{SEED_APP}/providers/idin/activation"),
        Some(json!({"enabled": true})),
    );
    let r = create(
        &server,
        json!({"providerId": "idin", "userData": {"presetBank": "ING"}}),
    );
    assert_eq!(problem(&r).1, "VALIDATION_INVALID_USER_DATA");
    let r = create(
        &server,
        json!({"providerId": "idin", "userData": {"presetBank": "INGBNL2A"}}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["flowType"], "redirect");
    assert!(
        r.body["flowDetails"]["authorizationUrl"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert!(
        server
            .verifications()
            .iter()
            .all(|v| v.provider_id == "idin"),
        "refused creates leave nothing"
    );
}

#[test]
fn a_session_moves_from_initiated_to_completed_after_the_configured_polls() {
    let server = Server::builder().complete_after(3).start().unwrap();
    let mut body = smartid();
    body["requestedClaims"] = json!(["given_name", "family_name", "email"]);
    body["requestedLoa"] = json!(3);
    body["referenceId"] = json!("ORDER-1");
    let r = create(&server, body);
    assert_eq!(r.status, 201, "{}", r.body);
    let created = r.body;
    let id = created["verificationId"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ver_"), "{id}");
    assert_eq!(created["status"], "initiated");
    assert_eq!(created["flowType"], "push");
    assert_eq!(created["referenceId"], "ORDER-1");
    assert_eq!(created["polling"]["recommendedInterval"], 1000);
    assert!(created["expiresAt"].as_str().unwrap().ends_with('Z'));
    let details = &created["flowDetails"];
    assert_eq!(details["verificationCode"].as_str().map(str::len), Some(4));
    assert_eq!(details["maskedIdentifier"], "PNOEE-380*****718");

    let path = format!("/verifications/{id}");
    let userinfo = format!("{path}/userinfo");
    // Shape C until it completes.
    let r = seed(&server, "GET", &userinfo, None);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body,
        json!({"error": {"code": "verification_not_completed",
        "message": "The verification is not completed",
        "details": {"status": "initiated", "verificationId": id}}})
    );
    let r = seed(&server, "GET", &format!("{path}/evidence"), None);
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (400, Some("evidence_not_available"))
    );

    for _ in 0..2 {
        let polled = seed(&server, "GET", &path, None).body;
        assert_eq!(polled["status"], "awaiting_user_action");
        assert!(
            polled.get("polling").is_none(),
            "only the create answers a polling hint"
        );
        assert!(polled.get("hopae_loa").is_none());
    }
    let done = seed(&server, "GET", &path, None).body;
    assert_eq!(done["status"], "completed");
    assert_eq!(
        (done["hopae_loa"].as_u64(), done["acr"].as_str()),
        (Some(3), Some("urn:hopae:loa:3"))
    );
    assert!(done["verifiedAt"].is_string());
    assert!(done.get("flowDetails").is_none());
    assert_eq!(summary(&server, &id).polls, 3);

    let info = seed(&server, "GET", &userinfo, None).body;
    assert_eq!(
        info["user"],
        json!({"given_name": "Jaak-Kristjan", "family_name": "Jõeorg"})
    );
    assert_eq!(info["missing_claims"], json!(["email"]));
    assert_eq!(
        (info["hopae_loa"].as_u64(), info["provider_id"].as_str()),
        (Some(3), Some("smartid"))
    );
    assert_eq!(info["amr"], json!(["smartid"]));
    assert!(info["sub"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(info["provenance"]["credentials"][0]["evidence"]["id_token"].is_string());
    let evidence = seed(&server, "GET", &format!("{path}/evidence"), None).body;
    assert_eq!(evidence["names"], "id_token;access_token");
    assert!(evidence["token"]["access_token"].is_string());
    // Still completed on later polls.
    assert_eq!(
        seed(&server, "GET", &path, None).body["status"],
        "completed"
    );
}

#[test]
fn a_qr_flow_rotates_its_payload_on_every_poll() {
    let server = Server::builder().complete_after(0).start().unwrap();
    let created = create(&server, json!({"providerId": "bankidse"})).body;
    assert_eq!(created["flowType"], "qr");
    let id = created["verificationId"].as_str().unwrap();
    let mut seen = vec![
        created["flowDetails"]["qrData"]
            .as_str()
            .unwrap()
            .to_owned(),
    ];
    assert!(seen[0].starts_with("bankidse:///?token="), "{}", seen[0]);
    for _ in 0..3 {
        let polled = seed(&server, "GET", &format!("/verifications/{id}"), None).body;
        assert_eq!(polled["status"], "awaiting_user_action");
        let qr = polled["flowDetails"]["qrData"].as_str().unwrap().to_owned();
        assert!(!seen.contains(&qr), "{qr} repeats");
        seen.push(qr);
    }
    assert_eq!(summary(&server, id).status, "awaiting_user_action");
}

#[test]
fn test_controls_complete_fail_expire_and_cancel() {
    let server = Server::builder().complete_after(0).start().unwrap();
    let new = |body: Value| {
        create(&server, body).body["verificationId"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    // Chosen claims and level.
    let a =
        new(json!({"providerId": "smartid", "userData": {"registrationId": "PNOEE-38001085718"}}));
    let completion = Completion::new()
        .claim("given_name", "Mari")
        .claim("email", "mari@example.com")
        .claim("nationality", Value::Null)
        .loa(2);
    assert_eq!(server.complete_verification(&a, &completion), Ok(()));
    let done = seed(&server, "GET", &format!("/verifications/{a}"), None).body;
    assert_eq!(
        (done["status"].as_str(), done["hopae_loa"].as_u64()),
        (Some("completed"), Some(2))
    );
    let user = seed(
        &server,
        "GET",
        &format!("/verifications/{a}/userinfo"),
        None,
    )
    .body["user"]
        .clone();
    assert_eq!(
        (user["given_name"].as_str(), user["email"].as_str()),
        (Some("Mari"), Some("mari@example.com"))
    );
    assert!(user.get("nationality").is_none() && user["family_name"] == "Jõeorg");
    assert_eq!(
        server.complete_verification(&a, &Completion::new()),
        Err(ControlError::Ended("completed".into()))
    );
    assert_eq!(
        server.cancel_verification(&a),
        Err(ControlError::Ended("completed".into()))
    );

    // A level below the requested one fails the session.
    let b = new(
        json!({"providerId": "smartid", "requestedLoa": 3, "userData": {"registrationId": "PNOEE-38001085718"}}),
    );
    server
        .complete_verification(&b, &Completion::new().loa(2))
        .unwrap();
    let failed = seed(&server, "GET", &format!("/verifications/{b}"), None).body;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"]["code"], "LOA_NOT_MET");
    let r = seed(
        &server,
        "GET",
        &format!("/verifications/{b}/userinfo"),
        None,
    );
    assert_eq!(r.body["error"]["details"]["status"], "failed");

    let c = new(json!({"providerId": "bankidse"}));
    server
        .fail_verification(&c, "USER_DECLINED", "The person declined")
        .unwrap();
    let failed = seed(&server, "GET", &format!("/verifications/{c}"), None).body;
    assert_eq!(
        (
            failed["status"].as_str(),
            failed["error"]["message"].as_str()
        ),
        (Some("failed"), Some("The person declined"))
    );
    assert!(failed["failedAt"].is_string());

    let d = new(json!({"providerId": "bankidse"}));
    server.expire_verification(&d).unwrap();
    assert_eq!(
        seed(&server, "GET", &format!("/verifications/{d}"), None).body["status"],
        "expired"
    );

    let e = new(json!({"providerId": "mitid"}));
    server.cancel_verification(&e).unwrap();
    let cancelled = seed(&server, "GET", &format!("/verifications/{e}"), None).body;
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled["cancelledAt"].is_string());

    assert_eq!(
        server.expire_verification("ver_none"),
        Err(ControlError::NotFound)
    );
    let statuses: Vec<String> = server
        .verifications()
        .into_iter()
        .map(|v| v.status)
        .collect();
    assert_eq!(
        statuses,
        ["completed", "failed", "failed", "expired", "cancelled"]
    );
}

#[test]
fn delete_cancels_once_and_sessions_belong_to_their_app() {
    let server = Server::builder().complete_after(0).start().unwrap();
    let id = create(&server, smartid()).body["verificationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/verifications/{id}");
    let r = seed(&server, "DELETE", &path, None);
    assert_eq!(r.status, 204);
    assert_eq!(r.body, json!(""), "no body");
    assert_eq!(
        seed(&server, "GET", &path, None).body["status"],
        "cancelled"
    );
    let r = seed(&server, "DELETE", &path, None);
    assert_eq!(
        (problem(&r).0, problem(&r).1),
        (400, "SESSION_INVALID_STATUS_TRANSITION")
    );

    // Another App sees a 404.
    let app = raw(&server, "POST", "/apps", Some(json!({"name": "Other"}))).body;
    let other = basic(
        app["clientId"].as_str().unwrap(),
        app["clientSecret"].as_str().unwrap(),
    );
    let r = app_call(&server, &other, "GET", &path, None);
    assert_eq!((problem(&r).0, problem(&r).1), (404, "SESSION_NOT_FOUND"));
    let r = seed(&server, "GET", "/verifications/ver_unknown/userinfo", None);
    assert_eq!(problem(&r).1, "SESSION_NOT_FOUND");

    // A new App has `passport` enabled: its dc flow serves dc-request.
    let dc = app_call(
        &server,
        &other,
        "POST",
        "/verifications",
        Some(json!({"providerId": "passport", "flowType": "dc"})),
    );
    assert_eq!(dc.status, 201, "{}", dc.body);
    let dc_id = dc.body["verificationId"].as_str().unwrap();
    let r = app_call(
        &server,
        &other,
        "POST",
        "/verifications/dc-request",
        Some(json!({"verificationId": dc_id, "userData": {"docType": "org.iso.18013.5.1.mDL"}})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body["requestBase64"]
            .as_str()
            .is_some_and(|b| !b.is_empty())
    );
    assert!(r.body["dcSessionId"].as_str().unwrap().starts_with("dcs_"));
    let r = seed(
        &server,
        "POST",
        "/verifications/dc-request",
        Some(json!({"verificationId": id})),
    );
    assert_eq!(problem(&r).0, 400, "not a dc flow (and cancelled)");
    let r = seed(
        &server,
        "POST",
        "/verifications/dc-request",
        Some(json!({})),
    );
    assert_eq!(problem(&r).1, "VALIDATION_MISSING_PARAMETER");
}

#[test]
fn a_create_replayed_with_its_idempotency_key_makes_one_session() {
    let server = Server::builder().complete_after(0).start().unwrap();
    let auth = basic(SEED_APP, SEED_CLIENT_SECRET);
    let body = smartid().to_string().into_bytes();
    let post = |key: &str, body: Vec<u8>| {
        send(
            &server,
            "POST",
            "/verifications",
            &[("Authorization", &auth), ("Idempotency-Key", key)],
            Some(("application/json", body)),
        )
    };
    let first = post("key-1", body.clone());
    let again = post("key-1", body.clone());
    assert_eq!((first.status, again.status), (201, 201));
    assert_eq!(first.body["verificationId"], again.body["verificationId"]);
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    assert_eq!(
        server.verifications().len(),
        1,
        "one prompt to the person's phone"
    );
    let other = post(
        "key-1",
        json!({"providerId": "bankidse"}).to_string().into_bytes(),
    );
    assert_eq!(other.status, 409);
    assert_eq!(post("key-2", body).status, 201);
    assert_eq!(server.verifications().len(), 2);
}
