//! Webhook secrets that cannot verify anything are refused, unreadable `v1` values are
//! skipped, and a verified delivery names its event id (issue 17, item 3).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hopae::webhooks::{SECRET_PREFIX, SignatureError, Verifier, check_secret, sign};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const T: u64 = 1_765_000_000;
const BODY: &[u8] = br#"{"id":"evt_1","event":"verification.completed","data":{}}"#;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn invalid(secret: &str) -> &'static str {
    match Verifier::try_new(secret) {
        Err(SignatureError::InvalidSecret { reason }) => reason,
        other => panic!("{secret:?}: expected InvalidSecret, got {other:?}"),
    }
}

#[test]
fn a_blank_key_part_is_refused_even_though_anyone_can_sign_with_it() {
    for secret in ["whsec_", " ", "\t", "whsec_   ", "whsec_\n"] {
        assert!(invalid(secret).contains("empty or blank"), "{secret:?}");
        // `new` accepts it, and every verification fails, signed or not.
        let header = sign(secret, T, BODY);
        let err = Verifier::new(secret)
            .verify_at(&header, BODY, at(T))
            .unwrap_err();
        assert!(
            matches!(err, SignatureError::InvalidSecret { .. }),
            "{secret:?}"
        );
        assert_eq!(err.status(), 500);
    }
    assert_eq!(check_secret(""), Err(SignatureError::EmptySecret));
}

#[test]
fn the_preview_is_refused_and_the_message_says_how_to_get_the_secret() {
    let reason = invalid("whsec_****abc1");
    assert!(reason.contains("preview"), "{reason}");
    assert!(reason.contains("rotate"), "{reason}");
    let shown = Verifier::new("whsec_****abc1")
        .verify_at(&sign("whsec_****abc1", T, BODY), BODY, at(T))
        .unwrap_err()
        .to_string();
    assert!(!shown.contains("abc1"), "{shown}");
}

#[test]
fn a_trailing_newline_is_a_clear_error_not_a_mismatch() {
    let with_newline = format!("{SECRET}\n");
    assert!(invalid(&with_newline).contains("newline"));
    assert!(invalid(&format!("{SECRET}\r\n")).contains("newline"));
    assert!(invalid(&format!(" {SECRET}")).contains("whitespace"));
    let header = sign(SECRET, T, BODY);
    let err = Verifier::new(with_newline)
        .verify_at(&header, BODY, at(T))
        .unwrap_err();
    assert_ne!(err, SignatureError::Mismatch);
    assert!(err.to_string().contains("newline"), "{err}");
    assert!(!err.to_string().contains("MfKQ"), "{err}");
}

#[test]
fn real_secrets_and_the_prefix_constant() {
    assert_eq!(SECRET_PREFIX, "whsec_");
    assert_eq!(check_secret(SECRET), Ok(()));
    // The library uses the secret as given; the prefix is the CLI's rule.
    assert_eq!(check_secret("test"), Ok(()));
    assert!(Verifier::try_new(SECRET).is_ok());
}

#[test]
fn an_unreadable_v1_beside_a_valid_one_does_not_reject_the_delivery() {
    let good = sign(SECRET, T, BODY);
    let v1 = good.split_once(',').unwrap().1;
    let verifier = Verifier::new(SECRET);
    for header in [
        format!("t={T},v1=zz,{v1}"),
        format!("t={T},{v1},v1=not-hex"),
        format!("t={T},v1=,{v1},v1={}", "0".repeat(63)),
    ] {
        let event = verifier.verify_at(&header, BODY, at(T));
        assert!(event.is_ok(), "{header}: {event:?}");
    }
    // Readable but wrong, beside an unreadable one: a mismatch, not malformed.
    let other = format!("t={T},v1={},v1=zz", "ab".repeat(32));
    assert_eq!(
        verifier.verify_at(&other, BODY, at(T)),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn the_event_id_is_the_top_level_id_or_event_id() {
    let verifier = Verifier::new(SECRET);
    let verified = |body: &[u8]| {
        verifier
            .verify_at(&sign(SECRET, T, body), body, at(T))
            .unwrap()
    };
    assert_eq!(verified(BODY).event_id.as_deref(), Some("evt_1"));
    let event_id = br#"{"eventId":"evt_2","event":"x"}"#;
    assert_eq!(verified(event_id).event_id.as_deref(), Some("evt_2"));
    let both = br#"{"eventId":"evt_3","id":"evt_4"}"#;
    assert_eq!(verified(both).event_id.as_deref(), Some("evt_4"));
    let number = br#"{"id":7,"eventId":"evt_5"}"#;
    assert_eq!(verified(number).event_id.as_deref(), Some("evt_5"));
    let nested = br#"{"data":{"id":"v_1"}}"#;
    assert_eq!(verified(nested).event_id, None);
    // A replay within the window carries the same id: that is what to deduplicate on.
    let replay = verifier
        .verify_at(&sign(SECRET, T, BODY), BODY, at(T + 200))
        .unwrap();
    assert_eq!(replay.event_id, verified(BODY).event_id);
}
