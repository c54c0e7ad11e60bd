//! Webhook signatures: `hopae::webhooks::{Verifier, sign}` against signatures made by
//! another implementation (Python's `hmac`), every refusal, and what errors may show.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hopae::webhooks::{SignatureError, Verifier, WebhookEvent, sign};

const SECRET: &str = "whsec_test";
const T: u64 = 1_765_000_000;
const BODY: &[u8] = br#"{"event":"verification.completed"}"#;
/// `python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_test",
/// b"1765000000.{\"event\":\"verification.completed\"}", hashlib.sha256).hexdigest())'`
const BODY_HEX: &str = "5f95d5d9fc8c1b209385a72099ed502b99e86b7f46a58a6dde3d3698ab4114d0";
const TYPE_BODY: &[u8] = br#"{"type":"verification.failed","data":{"id":"v_1"}}"#;
/// The same for `1765000000.{"type":"verification.failed","data":{"id":"v_1"}}`.
const TYPE_BODY_HEX: &str = "7c69f75fcc4f3b9961ad084edccc597e78d09aec276204c03e0a261fe1d5f09a";
/// A well-formed signature that matches nothing here.
const OTHER_HEX: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn header() -> String {
    format!("t={T},v1={BODY_HEX}")
}

fn verify(header: &str, body: &[u8]) -> Result<WebhookEvent, SignatureError> {
    Verifier::new(SECRET).verify_at(header, body, at(T))
}

fn reason(result: Result<WebhookEvent, SignatureError>) -> &'static str {
    match result {
        Err(SignatureError::Malformed { reason }) => reason,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn verify_accepts_a_signature_computed_by_python() {
    let event = verify(&header(), BODY).unwrap();
    assert_eq!(event.event_type.as_deref(), Some("verification.completed"));
    assert_eq!(event.timestamp, T);
    assert_eq!(
        event.payload,
        serde_json::json!({"event": "verification.completed"})
    );
}

#[test]
fn sign_produces_the_same_hex_as_python() {
    assert_eq!(sign(SECRET, T, BODY), header());
    assert_eq!(
        sign(SECRET, T, TYPE_BODY),
        format!("t={T},v1={TYPE_BODY_HEX}")
    );
}

#[test]
fn verify_takes_the_event_name_from_type_when_event_is_absent() {
    let event = verify(&format!("t={T},v1={TYPE_BODY_HEX}"), TYPE_BODY).unwrap();
    assert_eq!(event.event_type.as_deref(), Some("verification.failed"));
    assert_eq!(event.payload["data"]["id"], "v_1");
}

#[test]
fn verify_event_name_is_the_first_string_of_event_and_type() {
    let name = |body: &[u8]| verify(&sign(SECRET, T, body), body).unwrap().event_type;
    assert_eq!(name(br#"{"type":"b","event":"a"}"#).as_deref(), Some("a"));
    assert_eq!(
        name(br#"{"event":{"x":1},"type":"b"}"#).as_deref(),
        Some("b")
    );
    assert_eq!(name(br#"{"event":null}"#), None);
    assert_eq!(name(b"{}"), None);
}

#[test]
fn verify_refuses_a_body_changed_by_one_byte() {
    let mut body = BODY.to_vec();
    for i in [0, 10, body.len() - 1] {
        body[i] ^= 0x01;
        assert_eq!(
            verify(&header(), &body),
            Err(SignatureError::Mismatch),
            "byte {i}"
        );
        body[i] ^= 0x01;
    }
    assert!(verify(&header(), &body).is_ok());
    // Same JSON, other bytes: the signature covers bytes, not values.
    let spaced = br#"{"event": "verification.completed"}"#;
    assert_eq!(verify(&header(), spaced), Err(SignatureError::Mismatch));
    let extra = [BODY, b"\n"].concat();
    assert_eq!(verify(&header(), &extra), Err(SignatureError::Mismatch));
}

#[test]
fn verify_refuses_another_secret_and_the_secret_without_its_prefix() {
    for secret in ["whsec_other", "test", "whsec_tes"] {
        let result = Verifier::new(secret).verify_at(&header(), BODY, at(T));
        assert_eq!(result, Err(SignatureError::Mismatch), "{secret:?}");
    }
}

#[test]
fn verify_refuses_a_changed_timestamp() {
    let moved = format!("t={},v1={BODY_HEX}", T + 1);
    assert_eq!(verify(&moved, BODY), Err(SignatureError::Mismatch));
}

#[test]
fn verify_accepts_exactly_the_tolerance_in_the_past_and_future() {
    let verifier = Verifier::new(SECRET);
    assert!(verifier.verify_at(&header(), BODY, at(T + 300)).is_ok());
    assert!(verifier.verify_at(&header(), BODY, at(T - 300)).is_ok());
    // The clock is truncated to whole seconds, like `t`.
    let late = at(T + 300) + Duration::from_millis(999);
    assert!(verifier.verify_at(&header(), BODY, late).is_ok());
}

#[test]
fn verify_refuses_one_second_past_the_tolerance_either_way() {
    let verifier = Verifier::new(SECRET);
    let past = verifier
        .verify_at(&header(), BODY, at(T + 301))
        .unwrap_err();
    assert_eq!(
        past,
        SignatureError::TimestampOutsideTolerance {
            timestamp: T,
            difference: Duration::from_secs(301),
            in_future: false,
            tolerance: Duration::from_secs(300),
        }
    );
    assert_eq!(
        past.to_string(),
        "timestamp is 301s in the past, tolerance 300s"
    );
    assert_eq!(past.status(), 401);

    let future = verifier
        .verify_at(&header(), BODY, at(T - 301))
        .unwrap_err();
    assert!(matches!(
        future,
        SignatureError::TimestampOutsideTolerance {
            in_future: true,
            ..
        }
    ));
    assert_eq!(
        future.to_string(),
        "timestamp is 301s in the future, tolerance 300s"
    );
}

#[test]
fn tolerance_sets_the_window() {
    let verifier = Verifier::new(SECRET).tolerance(Duration::from_secs(60));
    assert!(verifier.verify_at(&header(), BODY, at(T + 60)).is_ok());
    assert!(verifier.verify_at(&header(), BODY, at(T - 60)).is_ok());
    let err = verifier.verify_at(&header(), BODY, at(T + 61)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "timestamp is 61s in the past, tolerance 60s"
    );
    let exact = Verifier::new(SECRET).tolerance(Duration::ZERO);
    assert!(exact.verify_at(&header(), BODY, at(T)).is_ok());
    assert!(exact.verify_at(&header(), BODY, at(T + 1)).is_err());
}

#[test]
fn verify_checks_the_timestamp_before_the_signature() {
    let forged_and_stale = format!("t={T},v1={OTHER_HEX}");
    let err = Verifier::new(SECRET)
        .verify_at(&forged_and_stale, BODY, at(T + 1000))
        .unwrap_err();
    assert!(matches!(
        err,
        SignatureError::TimestampOutsideTolerance { .. }
    ));
}

#[test]
fn verify_handles_extreme_clocks_and_timestamps() {
    let verifier = Verifier::new(SECRET);
    let before_epoch = UNIX_EPOCH - Duration::from_secs(10);
    let err = verifier
        .verify_at(&header(), BODY, before_epoch)
        .unwrap_err();
    assert!(matches!(
        err,
        SignatureError::TimestampOutsideTolerance {
            difference,
            in_future: true,
            ..
        } if difference == Duration::from_secs(T + 10)
    ));
    let far_future = format!("t={},v1={BODY_HEX}", u64::MAX);
    let err = verifier.verify_at(&far_future, BODY, at(T)).unwrap_err();
    assert!(matches!(
        err,
        SignatureError::TimestampOutsideTolerance {
            in_future: true,
            ..
        }
    ));
    let epoch = format!("t=0,v1={BODY_HEX}");
    assert!(matches!(
        verifier.verify_at(&epoch, BODY, at(T)),
        Err(SignatureError::TimestampOutsideTolerance {
            in_future: false,
            ..
        })
    ));
}

#[test]
fn verify_uses_the_system_clock() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let verifier = Verifier::new(SECRET);
    assert!(verifier.verify(&sign(SECRET, now, BODY), BODY).is_ok());
    let stale = sign(SECRET, now - 3600, BODY);
    assert!(matches!(
        verifier.verify(&stale, BODY),
        Err(SignatureError::TimestampOutsideTolerance {
            in_future: false,
            ..
        })
    ));
}

#[test]
fn verify_accepts_any_matching_v1_among_several() {
    let last = format!("t={T},v1={OTHER_HEX},v1={TYPE_BODY_HEX},v1={BODY_HEX}");
    assert!(verify(&last, BODY).is_ok());
    let first = format!("t={T},v1={BODY_HEX},v1={OTHER_HEX}");
    assert!(verify(&first, BODY).is_ok());
    let none = format!("t={T},v1={OTHER_HEX},v1={TYPE_BODY_HEX}");
    assert_eq!(verify(&none, BODY), Err(SignatureError::Mismatch));
}

#[test]
fn verify_checks_at_most_sixteen_v1_values() {
    let fifteen_others = vec![format!("v1={OTHER_HEX}"); 15].join(",");
    let sixteenth = format!("t={T},{fifteen_others},v1={BODY_HEX}");
    assert!(verify(&sixteenth, BODY).is_ok());
    let seventeenth = format!("t={T},{fifteen_others},v1={OTHER_HEX},v1={BODY_HEX}");
    assert_eq!(reason(verify(&seventeenth, BODY)), "more than 16 v1 values");
}

#[test]
fn verify_ignores_v0_and_other_unknown_fields() {
    let with_v0 = format!("t={T},v0=not-hex-at-all,v1={BODY_HEX},v2=future,x");
    assert!(verify(&with_v0, BODY).is_ok());
    // A right signature under v0 counts for nothing.
    let only_v0 = format!("t={T},v0={BODY_HEX},v1={OTHER_HEX}");
    assert_eq!(verify(&only_v0, BODY), Err(SignatureError::Mismatch));
    assert_eq!(
        reason(verify(&format!("t={T},v0={BODY_HEX}"), BODY)),
        "missing v1"
    );
}

#[test]
fn verify_accepts_spaces_reordered_fields_and_uppercase_hex() {
    let headers = [
        format!("t={T}, v1={BODY_HEX}"),
        format!("  t={T} ,   v1={BODY_HEX}  "),
        format!("v1={BODY_HEX},t={T}"),
        format!("v0=x, v1={BODY_HEX}, t={T}"),
        format!("t={T},v1={}", BODY_HEX.to_uppercase()),
        format!(
            "t={T},v1={}{}",
            &BODY_HEX[..32],
            BODY_HEX[32..].to_uppercase()
        ),
    ];
    for header in headers {
        let event = verify(&header, BODY).unwrap_or_else(|e| panic!("{header:?}: {e}"));
        assert_eq!(event.timestamp, T);
    }
}

#[test]
fn verify_refuses_malformed_headers() {
    let cases = [
        (String::new(), "missing t"),
        (format!("v1={BODY_HEX}"), "missing t"),
        (format!("T={T},v1={BODY_HEX}"), "missing t"),
        (format!("t={T}"), "missing v1"),
        (format!("t={T},V1={BODY_HEX}"), "missing v1"),
        (format!("t={T},t={T},v1={BODY_HEX}"), "more than one t"),
        (
            format!("t=soon,v1={BODY_HEX}"),
            "t is not a number of seconds",
        ),
        (format!("t=,v1={BODY_HEX}"), "t is not a number of seconds"),
        (
            format!("t=-1,v1={BODY_HEX}"),
            "t is not a number of seconds",
        ),
        (
            format!("t={T}.5,v1={BODY_HEX}"),
            "t is not a number of seconds",
        ),
        (
            format!("t=1{},v1={BODY_HEX}", u64::MAX),
            "t is out of range",
        ),
        (format!("t={T},v1=xyz"), "v1 is not 64 hex digits"),
        (
            format!("t={T},v1={}", &BODY_HEX[..63]),
            "v1 is not 64 hex digits",
        ),
        (
            format!("t={T},v1={}g", &BODY_HEX[..63]),
            "v1 is not 64 hex digits",
        ),
        (format!("t={T},v1=zz,v1="), "v1 is not 64 hex digits"),
    ];
    for (header, expected) in cases {
        let err = verify(&header, BODY).unwrap_err();
        assert_eq!(
            err,
            SignatureError::Malformed { reason: expected },
            "{header:?}"
        );
        assert_eq!(err.status(), 400);
        assert_eq!(
            err.to_string(),
            format!("malformed signature header: {expected}")
        );
    }
}

#[test]
fn verify_refuses_headers_over_8_kib_before_reading_them() {
    let padding = "a".repeat(8 * 1024);
    let long = format!("t={T},v1={BODY_HEX},v0={padding}");
    assert_eq!(reason(verify(&long, BODY)), "longer than 8 KiB");
}

#[test]
fn verify_refuses_a_signed_body_that_is_not_a_json_object() {
    let cases: [(&[u8], &str); 7] = [
        (b"not json", "invalid JSON"),
        (b"", "invalid JSON"),
        (br#"{"event":"x"} trailing"#, "invalid JSON"),
        (br#"[{"event":"x"}]"#, "an array"),
        (br#""verification.completed""#, "a string"),
        (b"42", "a number"),
        (b"null", "null"),
    ];
    for (body, found) in cases {
        let err = verify(&sign(SECRET, T, body), body).unwrap_err();
        assert_eq!(err, SignatureError::NotJsonObject { found });
        assert_eq!(err.status(), 400);
    }
    assert_eq!(
        verify(&sign(SECRET, T, b"true"), b"true")
            .unwrap_err()
            .to_string(),
        "signed body is not a JSON object: a boolean"
    );
}

#[test]
fn verify_checks_the_signature_before_the_body() {
    let unsigned_garbage = format!("t={T},v1={OTHER_HEX}");
    assert_eq!(
        verify(&unsigned_garbage, b"not json"),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn an_empty_secret_refuses_every_delivery() {
    let verifier = Verifier::new("");
    let signed_with_empty_key = sign("", T, BODY);
    let err = verifier
        .verify_at(&signed_with_empty_key, BODY, at(T))
        .unwrap_err();
    assert_eq!(err, SignatureError::EmptySecret);
    assert_eq!(err.status(), 500);
    assert_eq!(err.to_string(), "the webhook secret is empty");
    assert_eq!(
        verifier.verify_at("", BODY, at(T)),
        Err(SignatureError::EmptySecret)
    );
}

#[test]
fn errors_never_show_the_secret_the_expected_signature_or_the_body() {
    let secret = "whsec_s3cr3t_value";
    let body = br#"{"event":"verification.completed","name":"Jane Q. Citizen"}"#;
    let good = sign(secret, T, body);
    let expected_hex = good.split_once("v1=").unwrap().1.to_owned();
    let verifier = Verifier::new(secret);
    let errors = [
        verifier.verify_at(&format!("t={T},v1={OTHER_HEX}"), body, at(T)),
        verifier.verify_at(&good, body, at(T + 301)),
        verifier.verify_at(&good, body, at(T - 301)),
        verifier.verify_at(&format!("t={T}"), body, at(T)),
        verifier.verify_at(&format!("t=x,{good}"), body, at(T)),
        verifier.verify_at(&good, &body[1..], at(T)),
    ]
    .map(Result::unwrap_err);
    let not_json = br#"["Jane Q. Citizen"]"#;
    let not_json = verifier
        .verify_at(&sign(secret, T, not_json), not_json, at(T))
        .unwrap_err();
    for err in errors.iter().chain([&not_json]) {
        for shown in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
            for hidden in [
                secret,
                "s3cr3t",
                &expected_hex,
                &expected_hex.to_uppercase(),
                "Jane",
                "verification.completed",
            ] {
                assert!(!shown.contains(hidden), "{shown:?} shows {hidden:?}");
            }
        }
        let display = err.to_string();
        assert!(
            !display.contains('\n') && !display.ends_with('.'),
            "{display:?}"
        );
        assert!(
            display.starts_with(|c: char| c.is_ascii_lowercase()),
            "{display:?}"
        );
    }
}

#[test]
fn verifier_debug_redacts_the_secret() {
    let verifier = Verifier::new("whsec_s3cr3t_value").tolerance(Duration::from_secs(60));
    let shown = format!("{verifier:?}");
    assert!(shown.contains(r#"secret: "[redacted]""#), "{shown}");
    assert!(shown.contains("tolerance: 60s"), "{shown}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
    let pretty = format!("{:#?}", verifier.clone());
    assert!(pretty.contains("[redacted]") && !pretty.contains("s3cr3t"));
}

#[test]
fn webhook_types_implement_the_promised_traits() {
    fn verifier<T: Clone + Send + Sync + std::fmt::Debug>() {}
    verifier::<Verifier>();
    fn event<T: Clone + PartialEq + Send + Sync + std::fmt::Debug>() {}
    event::<WebhookEvent>();
    fn error<T: std::error::Error + Clone + PartialEq + Send + Sync + 'static>() {}
    error::<SignatureError>();
}
