//! What the library keeps out of `Debug` and messages (issue 17, item 2): activation
//! values, and the one list of secret field names the CLI shares.

use hopae::providers::{ActivationForm, BulkActivation};
use hopae::{SECRET_FIELDS, escape_untrusted, is_secret_field};

const KEY: &str = "prov_live_9f8e7d6c5b4a";

#[test]
fn activation_form_debug_shows_names_not_values() {
    let form = ActivationForm::new()
        .field("apiKey", KEY)
        .field("companyName", "Shop AB");
    let shown = format!("{form:?} {form:#?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(!shown.contains("Shop AB"), "{shown}");
    assert!(
        shown.contains("apiKey") && shown.contains("[redacted]"),
        "{shown}"
    );
    // The body sent is unchanged.
    assert_eq!(
        hopae::serde_json::to_string(&form).unwrap(),
        format!(r#"{{"data":{{"apiKey":"{KEY}","companyName":"Shop AB"}}}}"#)
    );
    assert_eq!(form.data["apiKey"].expose(), KEY);
}

#[test]
fn bulk_activation_debug_shows_ids_not_values() {
    let bulk = BulkActivation::new()
        .field("mitid", "clientSecret", KEY)
        .field("mitid", "acceptTerms", true);
    let shown = format!("{bulk:?} {bulk:#?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(
        shown.contains("mitid") && shown.contains("clientSecret"),
        "{shown}"
    );
    assert_eq!(
        hopae::serde_json::to_string(&bulk).unwrap(),
        format!(r#"{{"providers":{{"mitid":{{"acceptTerms":true,"clientSecret":"{KEY}"}}}}}}"#)
    );
    let back: BulkActivation =
        hopae::serde_json::from_str(&hopae::serde_json::to_string(&bulk).unwrap()).unwrap();
    assert_eq!(back, bulk);
    assert!(bulk.validate().is_ok());
    assert!(BulkActivation::new().field("m", "n", 3).validate().is_err());
}

#[test]
fn the_secret_field_list_covers_the_app_api_and_oidc() {
    for name in [
        "clientSecret",
        "secret",
        "access_token",
        "id_token",
        "code",
        "code_verifier",
        "token",
        "provenance",
        "hopae_provenance",
    ] {
        assert!(SECRET_FIELDS.contains(&name), "{name}");
        assert!(is_secret_field(None, name), "{name}");
    }
    assert!(!is_secret_field(Some("error"), "code"));
    assert!(is_secret_field(Some("error"), "secret"));
    assert!(!is_secret_field(None, "clientId"));
}

#[test]
fn untrusted_text_is_escaped_like_the_errors_escape_it() {
    assert_eq!(
        escape_untrusted("a\u{202e}b\u{2028}c\x1b[2J\r\n\td"),
        "a\\u{202e}b\\u{2028}c\\u{1b}[2J\\r\\n\\td"
    );
    assert_eq!(
        escape_untrusted("plain 'quoted' \"text\" é"),
        "plain 'quoted' \"text\" é"
    );
}
