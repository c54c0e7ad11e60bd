//! Decoding tables for the App API's models, in both schema generations.

use std::time::Duration;

use super::*;
use crate::decode;

fn verification(body: &str) -> Verification {
    decode::object(body.as_bytes()).unwrap_or_else(|(_, e)| panic!("{e}: {body}"))
}

const CURRENT_CREATE: &str = r#"{
  "verificationId": "ver_2hJ8xKq",
  "status": "initiated",
  "providerId": "bankidse",
  "workflowId": "wf_default",
  "flowType": "qr",
  "flowDetails": {"qrData": "bankidse:///?token=abc", "linkData": "https://app.bankid.com/?autostarttoken=t1",
                  "autoStartToken": "t1", "futureHint": true},
  "polling": {"recommendedInterval": 1000, "maxDuration": 300000},
  "expiresAt": "2026-04-08T10:05:00Z",
  "createdAt": "2026-04-08T10:00:00.123Z",
  "verification_model": "disclosure",
  "links": "https://sandbox.api.hopae.com/connect/v1/verifications/ver_2hJ8xKq",
  "brandNew": {"x": 1}
}"#;

const LEGACY_GET: &str = r#"{
  "verificationId": "0123456789abcdef0123456789abcdef",
  "status": "pending",
  "flowType": "redirect",
  "authorizationCode": "code_secret_12345",
  "verifiedAttributes": {"given_name": "Anna"}
}"#;

#[test]
fn current_generation_decodes_every_field() {
    let v = verification(CURRENT_CREATE);
    assert_eq!(v.id, "ver_2hJ8xKq");
    assert_eq!(v.status, VerificationStatus::Initiated);
    assert_eq!(v.flow_type, Some(FlowType::Qr));
    assert_eq!(v.provider_id.as_deref(), Some("bankidse"));
    assert_eq!(v.recommended_interval(), Some(Duration::from_secs(1)));
    assert_eq!(
        v.polling.as_ref().unwrap().max_duration,
        Some(Duration::from_secs(300))
    );
    assert_eq!(v.expires_at.unwrap().unix_timestamp(), 1_775_642_700);
    assert_eq!(v.created_at.unwrap().millisecond(), 123);
    assert_eq!(v.verification_model, Some(VerificationModel::Disclosure));
    assert!(v.links.as_ref().unwrap().is_string());
    assert_eq!(v.extra["brandNew"]["x"], 1);
    assert_eq!(v.flow_details.as_ref().unwrap().extra["futureHint"], true);
    assert_eq!(
        v.next_action(),
        NextAction::ShowQr {
            data: "bankidse:///?token=abc"
        }
    );
}

#[test]
fn legacy_generation_decodes_and_hides_the_authorization_code() {
    let v = verification(LEGACY_GET);
    assert_eq!(v.status, VerificationStatus::Pending);
    assert!(!v.status.is_terminal());
    assert_eq!(v.flow_type, Some(FlowType::Redirect));
    assert_eq!(
        v.authorization_code.as_ref().unwrap().expose(),
        "code_secret_12345"
    );
    assert_eq!(
        v.verified_attributes.as_ref().unwrap()["given_name"],
        "Anna"
    );
    assert!(!format!("{v:?}").contains("code_secret"));
    assert_eq!(v.next_action(), NextAction::Wait);
}

#[test]
fn only_id_and_status_are_required() {
    let v = verification(r#"{"verificationId":"v","status":"on_hold"}"#);
    assert_eq!(v.status, VerificationStatus::Other("on_hold".into()));
    assert!(!v.status.is_terminal());
    assert_eq!(v.next_action(), NextAction::Wait);
    let (_, e) = decode::object::<Verification>(br#"{"status":"initiated"}"#).unwrap_err();
    assert!(e.contains("verificationId"), "{e}");
    let (_, e) = decode::object::<Verification>(br#"{"verificationId":"v"}"#).unwrap_err();
    assert!(e.contains("status"), "{e}");
    // null is absent for every optional field.
    let v = verification(
        r#"{"verificationId":"v","status":"completed","flowDetails":null,"polling":null,
            "expiresAt":null,"error":null,"hopae_loa":null,"action":null}"#,
    );
    assert_eq!(v.next_action(), NextAction::Done);
}

#[test]
fn statuses_terminal_or_not() {
    for (wire, terminal) in [
        ("initiated", false),
        ("awaiting_user_action", false),
        ("authenticating", false),
        ("processing", false),
        ("pending", false),
        ("something_new", false),
        ("completed", true),
        ("failed", true),
        ("expired", true),
        ("cancelled", true),
    ] {
        let s = VerificationStatus::from(wire);
        assert_eq!(s.is_terminal(), terminal, "{wire}");
        assert_eq!(s.as_str(), wire);
    }
}

#[test]
fn failed_session_keeps_its_error_and_level() {
    let v = verification(
        r#"{"verificationId":"v","status":"failed","failedAt":"2026-04-08T10:01:00.000Z",
            "error":{"type":"provider","code":"LOA_TOO_LOW","message":"level 2 below 3",
                     "occurredAt":"2026-04-08T10:01:00Z","providerError":{"x":1}},
            "acr":"urn:hopae:loa:2","hopae_loa":2.0,"hopae_loa_label":"low"}"#,
    );
    let e = v.error.as_ref().unwrap();
    assert_eq!(e.code.as_deref(), Some("LOA_TOO_LOW"));
    assert_eq!(e.kind.as_deref(), Some("provider"));
    assert!(e.occurred_at.is_some());
    assert_eq!(v.loa, Some(2));
    assert_eq!(v.next_action(), NextAction::Done);
}

#[test]
fn next_action_per_flow_and_action_precedence() {
    let case = |body: &str| verification(body);
    let v = case(
        r#"{"verificationId":"v","status":"awaiting_user_action","flowType":"redirect",
            "flowDetails":{"authorizationUrl":"https://idp.example/auth?x=1","state":"s"}}"#,
    );
    assert_eq!(
        v.next_action(),
        NextAction::OpenUrl {
            url: "https://idp.example/auth?x=1"
        }
    );
    let v = case(
        r#"{"verificationId":"v","status":"awaiting_user_action","flowType":"push",
            "flowDetails":{"verificationCode":"4711","maskedIdentifier":"PNOEE-***"}}"#,
    );
    assert_eq!(v.next_action(), NextAction::ConfirmCode { code: "4711" });
    let v = case(r#"{"verificationId":"v","status":"initiated","flowType":"dc"}"#);
    assert_eq!(v.next_action(), NextAction::Wait);
    // A QR flow without qrData offers its link.
    let v = case(
        r#"{"verificationId":"v","status":"initiated","flowType":"qr",
            "flowDetails":{"qrData":"","deeplink":"bankid:///?t=1"}}"#,
    );
    assert_eq!(
        v.next_action(),
        NextAction::OpenUrl {
            url: "bankid:///?t=1"
        }
    );
    // An action takes precedence over the flow's details.
    let v = case(
        r#"{"verificationId":"v","status":"awaiting_user_action","flowType":"push",
            "flowDetails":{"verificationCode":"4711"},
            "action":{"type":"redirect","url":"https://liveness.example/x","message":"look"}}"#,
    );
    assert_eq!(
        v.next_action(),
        NextAction::OpenUrl {
            url: "https://liveness.example/x"
        }
    );
    let v = case(
        r#"{"verificationId":"v","status":"awaiting_user_action",
            "action":{"type":"qr","url":"otpauth://x"}}"#,
    );
    assert_eq!(
        v.next_action(),
        NextAction::ShowQr {
            data: "otpauth://x"
        }
    );
    let v = case(
        r#"{"verificationId":"v","status":"awaiting_user_action","flowDetails":{"verificationCode":"12"},
            "action":{"type":"push"}}"#,
    );
    assert_eq!(v.next_action(), NextAction::ConfirmCode { code: "12" });
    // An unknown action type with a URL is a URL to open; without one it is ignored.
    let v = case(
        r#"{"verificationId":"v","status":"initiated","flowType":"qr","flowDetails":{"qrData":"Q"},
            "action":{"type":"biometric"}}"#,
    );
    assert_eq!(v.next_action(), NextAction::ShowQr { data: "Q" });
    // No flow type: whichever field is there.
    let v = case(
        r#"{"verificationId":"v","status":"initiated","flowDetails":{"authorizationUrl":"https://a"}}"#,
    );
    assert_eq!(v.next_action(), NextAction::OpenUrl { url: "https://a" });
    // Terminal: nothing to show, whatever the details say.
    let v = case(
        r#"{"verificationId":"v","status":"expired","flowType":"qr","flowDetails":{"qrData":"Q"}}"#,
    );
    assert_eq!(v.next_action(), NextAction::Done);
}

#[test]
fn polling_hint_in_milliseconds() {
    let v = verification(
        r#"{"verificationId":"v","status":"initiated","polling":{"recommendedInterval":1500.0}}"#,
    );
    assert_eq!(v.recommended_interval(), Some(Duration::from_millis(1500)));
    let v = verification(r#"{"verificationId":"v","status":"initiated","polling":{}}"#);
    assert_eq!(v.recommended_interval(), None);
    let (_, e) = decode::object::<Verification>(
        br#"{"verificationId":"v","status":"initiated","polling":{"recommendedInterval":-1}}"#,
    )
    .unwrap_err();
    assert!(e.contains("polling.recommendedInterval"), "{e}");
}

#[test]
fn providers_decode_page_and_openapi_shapes() {
    let body = br#"[
      {"id":"bankidse","name":"BankID","logoUrl":"https://x/l.png","countries":["se"],"isActive":true,
       "needAction":false,"flowTypes":["qr","push"],"scopes":["given_name"],"loa":[2,3]},
      {"id":"mitid","name":"MitID","description":"Denmark","countries":["dk"],"status":"activated"},
      {"id":"frejaid","defaultLoa":3,"type":1,"supportedEnvironments":["sandbox"],"displayStatus":"ok",
       "displayMessage":null,"flowTypes":null,"loa":null,"newThing":[1]}
    ]"#;
    let list: Vec<Provider> = decode::array(body).unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].flow_types, [FlowType::Qr, FlowType::Push]);
    assert_eq!(list[0].loa, [2, 3]);
    assert_eq!(list[1].status.as_deref(), Some("activated"));
    assert_eq!(list[2].default_loa, Some(3));
    assert_eq!(list[2].kind, Some(serde_json::json!(1)));
    assert!(list[2].flow_types.is_empty() && list[2].loa.is_empty());
    assert_eq!(list[2].extra["newThing"][0], 1);
    let (_, e) = decode::array::<Provider>(br#"[{"name":"x"}]"#).unwrap_err();
    assert!(e.contains("missing field `id`"), "{e}");
}

#[test]
fn configuration_decodes_fields_and_lists_what_is_missing() {
    let body = br#"{"providerId":"idin","flowTypes":["redirect"],"lastUpdated":"2026-01-02T03:04:05Z",
      "requiredUserData":[{"field":"presetBank","type":"select","required":true,"label":"Bank",
         "options":[{"value":"ABNANL2A","label":"ABN AMRO"},{"value":"INGBNL2A"}]}],
      "optionalUserData":[{"field":"email","type":"text","required":false,"label":"E-mail","pattern":"^.+@.+$"}]}"#;
    let c: ProviderConfiguration = decode::object(body).unwrap();
    assert_eq!(c.provider_id, "idin");
    let f = &c.required_user_data[0];
    assert_eq!(
        (f.field.as_str(), f.required, f.kind.clone()),
        ("presetBank", true, Some(FieldType::Select))
    );
    assert_eq!(f.options[1].value, "INGBNL2A");
    assert_eq!(c.optional_user_data[0].pattern.as_deref(), Some("^.+@.+$"));
    let given = serde_json::json!({"presetBank": " "});
    assert_eq!(c.missing_user_data(given.as_object().unwrap()).len(), 1);
    let given = serde_json::json!({"presetBank": "ABNANL2A"});
    assert!(c.missing_user_data(given.as_object().unwrap()).is_empty());
}

#[test]
fn new_verification_sends_only_what_was_set() {
    let json = |n: &NewVerification| serde_json::to_value(n).unwrap();
    assert_eq!(
        json(&NewVerification::new("mitid")),
        serde_json::json!({"providerId": "mitid"})
    );
    let full = NewVerification::new("smartid")
        .user_data("registrationId", "PNOEE-38001085718")
        .redirect_uri("https://shop.example/cb")
        .requested_loa(3)
        .requested_claims(["given_name"])
        .match_data("family_name", "Svensson")
        .purpose("age check")
        .webhook_url("https://shop.example/hook")
        .loa_strategy(LoaStrategy::Min)
        .reference_id("ORDER-1")
        .locale("et")
        .metadata("cart", 12)
        .flow_type(FlowType::Push)
        .initiation_method(InitiationMethod::QrOnly)
        .return_state("st")
        .ui_customization(UiCustomization::new().theme("dark"))
        .private_mode(true);
    assert_eq!(
        json(&full),
        serde_json::json!({
            "providerId": "smartid",
            "userData": {"registrationId": "PNOEE-38001085718"},
            "redirectUri": "https://shop.example/cb",
            "requestedLoa": 3,
            "requestedClaims": ["given_name"],
            "matchData": {"family_name": "Svensson"},
            "purpose": "age check",
            "webhookUrl": "https://shop.example/hook",
            "loaStrategy": "min",
            "referenceId": "ORDER-1",
            "locale": "et",
            "metadata": {"cart": 12},
            "flowType": "push",
            "initiationMethod": "qrOnly",
            "returnContext": {"state": "st"},
            "uiCustomization": {"theme": "dark"},
            "privateMode": true
        })
    );
    assert!(full.validate().is_ok());
}

#[test]
fn new_verification_validation() {
    for loa in [1, 5] {
        assert!(
            NewVerification::new("x")
                .requested_loa(loa)
                .validate()
                .is_ok()
        );
    }
    for loa in [0, 6, 255] {
        let e = NewVerification::new("x")
            .requested_loa(loa)
            .validate()
            .unwrap_err();
        let crate::Error::InvalidInput(input) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(input.field(), Some("requestedLoa"));
        assert_eq!(
            e.to_string(),
            format!("invalid input: `requestedLoa` must be from 1 to 5, not {loa}")
        );
    }
    assert!(NewVerification::new(" ").validate().is_err());
    assert!(
        NewVerification::new("x")
            .requested_claims([""])
            .validate()
            .is_err()
    );
}

#[test]
fn userinfo_current_generation() {
    let body = br#"{"sub":"pw_9f8e","acr":"urn:hopae:loa:3","hopae_loa":3,"hopae_loa_label":"medium",
      "amr":["bankidse"],"missing_claims":["email"],"provider_id":"bankidse","verification_model":"disclosure",
      "user":{"name":"Anna Svensson","given_name":"Anna","family_name":"Svensson","birthdate":"1990-01-01",
        "email_verified":true,"address":{"country":"SE","street_address":"Gatan 1"},"updated_at":1775642700,
        "nationality":"SE","ssn":"199001011234","ssn_issuing_country":"SE"},
      "provenance":{"presentation":{"channel":{"type":"oidc","transport":"https"}},
        "credentials":[{"type":"id_token","issuer":"https://bankid","evidence":{"id_token":"eyJSECRETTOKEN"}}],
        "_metadata":{"verification_id":"ver_1","verified_at":"2026-04-08T10:00:00Z"}},
      "match":{"matched":true,"granularity":"per_field","submitted_fields":["family_name"],
        "details":{"family_name":{"matched":true,"submitted_value":"Svensson","similarity":100}}},
      "custom_claim":"kept"}"#;
    let info: UserInfo = decode::object(body).unwrap();
    assert_eq!(info.sub, "pw_9f8e");
    assert_eq!(info.loa(), Some(3));
    assert_eq!(info.amr, ["bankidse"]);
    assert_eq!(info.missing_claims, ["email"]);
    let user = info.user.as_ref().unwrap();
    assert_eq!(user.family_name.as_deref(), Some("Svensson"));
    assert_eq!(user.email_verified, Some(true));
    assert_eq!(
        user.address.as_ref().unwrap().street_address.as_deref(),
        Some("Gatan 1")
    );
    assert_eq!(user.extra["ssn_issuing_country"], "SE");
    assert_eq!(
        info.provenance.as_ref().unwrap().expose()["_metadata"]["verification_id"],
        "ver_1"
    );
    let m = info.match_result.as_ref().unwrap();
    assert!(m.matched && m.details.as_ref().unwrap()["family_name"].matched);
    assert_eq!(m.granularity, Some(MatchGranularity::PerField));
    assert_eq!(info.extra["custom_claim"], "kept");
    assert!(!format!("{info:?}").contains("SECRETTOKEN"));
}

#[test]
fn userinfo_older_generation_and_every_amr_and_acr_shape() {
    let info: UserInfo = decode::object(
        br#"{"sub":"s","acr":"loa:4","amr":{"method":"pin"},"missingAttributes":["phone_number"],
            "hopae_provenance":{"credentials":[{"evidence":"raw-token-abcdefgh"}]},"user":null}"#,
    )
    .unwrap();
    assert_eq!(info.loa(), Some(4));
    assert_eq!(info.amr, ["pin"]);
    assert_eq!(info.missing_claims, ["phone_number"]);
    assert!(info.provenance.is_some() && info.user.is_none());
    assert!(!format!("{info:?}").contains("raw-token"));
    for (acr, loa) in [
        ("urn:hopae:loa:3", Some(3)),
        ("urn:hopae:loa3", Some(3)),
        ("loa:2", Some(2)),
        ("URN:HOPAE:LOA:5", Some(5)),
        ("urn:hopae:loa:", None),
        ("urn:hopae:loa:x", None),
        ("http://eidas.europa.eu/LoA/high", None),
    ] {
        assert_eq!(loa_from_acr(acr), loa, "{acr}");
    }
    // hopae_loa wins over acr; the label is never read.
    let info: UserInfo =
        decode::object(br#"{"sub":"s","acr":"loa:2","hopae_loa":"3","hopae_loa_label":"high"}"#)
            .unwrap();
    assert_eq!(info.loa(), Some(3));
    let info: UserInfo = decode::object(br#"{"sub":"s","hopae_loa_label":"high"}"#).unwrap();
    assert_eq!(info.loa(), None);
    for (amr, expected) in [
        (r#""pin""#, vec!["pin"]),
        (r#"["pin","otp"]"#, vec!["pin", "otp"]),
        (r#"{"pwd":true,"hwk":false}"#, vec!["pwd"]),
        ("null", vec![]),
    ] {
        let info: UserInfo =
            decode::object(format!(r#"{{"sub":"s","amr":{amr}}}"#).as_bytes()).unwrap();
        assert_eq!(info.amr, expected, "{amr}");
    }
}

#[test]
fn evidence_token_is_secret_and_names_split() {
    let e: Evidence = decode::object(
        br#"{"token":{"id_token":"eyJhbGciOiJSUzI1NiJ9.secret","access_token":"at_secret_1"},"names":"id_token;access_token;"}"#,
    )
    .unwrap();
    assert_eq!(e.names(), ["id_token", "access_token"]);
    let shown = format!("{e:?}");
    assert!(
        !shown.contains("secret") && !shown.contains("eyJ"),
        "{shown}"
    );
    let e: Evidence = decode::object(br#"{"token":{"vp_token":"x"}}"#).unwrap();
    assert_eq!(e.names(), ["vp_token"]);
    let e: Evidence = decode::object(br#"{"token":{},"names":["a","b"]}"#).unwrap();
    assert_eq!(e.names(), ["a", "b"]);
    let (_, msg) = decode::object::<Evidence>(br#"{"names":"a"}"#).unwrap_err();
    assert!(msg.contains("token"), "{msg}");
}

#[test]
fn dc_request_decodes() {
    let dc: DcRequest =
        decode::object(br#"{"requestBase64":"eyJyZXEiOjF9","dcSessionId":"dc_1"}"#).unwrap();
    assert_eq!(
        (dc.request_base64.as_str(), dc.dc_session_id.as_str()),
        ("eyJyZXEiOjF9", "dc_1")
    );
}

#[test]
fn extreme_timestamps_decode_without_panicking() {
    for at in ["9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z"] {
        let v = verification(&format!(
            r#"{{"verificationId":"v","status":"initiated","expiresAt":"{at}"}}"#
        ));
        assert!(v.expires_at.is_some());
    }
}

#[test]
fn models_round_trip_through_their_serialized_form() {
    let v = verification(CURRENT_CREATE);
    let again: Verification = serde_json::from_value(serde_json::to_value(&v).unwrap()).unwrap();
    assert_eq!(again, v);
    let info: UserInfo = decode::object(
        br#"{"sub":"s","acr":"loa:2","amr":{"m":"pin"},"missingAttributes":["email"],
            "hopae_provenance":{"x":1},"match":{"matched":false,"submitted_fields":[]},"k":true}"#,
    )
    .unwrap();
    let json = serde_json::to_value(&info).unwrap();
    // The current generation's names are written.
    assert_eq!(json["missing_claims"][0], "email");
    assert_eq!(json["provenance"]["x"], 1);
    assert_eq!(json["amr"][0], "pin");
    let again: UserInfo = serde_json::from_value(json).unwrap();
    assert_eq!(again, info);
}
