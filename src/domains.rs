//! Custom domains: one pair of host names per App (the hosted web pages and the OIDC
//! issuer), set and verified through methods of [`AppHandle`].
//!
//! | call | method and path |
//! |---|---|
//! | [`AppHandle::custom_domain`] | `GET /apps/{client_id}/custom-domain` |
//! | [`AppHandle::set_custom_domain`] | `PUT /apps/{client_id}/custom-domain` |
//! | [`AppHandle::delete_custom_domain`] | `DELETE /apps/{client_id}/custom-domain` |
//! | [`AppHandle::verify_custom_domain`] | `POST /apps/{client_id}/custom-domain/verify` |
//! | [`AppHandle::wait_for_custom_domain`] | the verify call, repeated until `active` |
//!
//! The flow: set the pair, create the DNS records the answer lists
//! ([`CustomDomain::dns_records`]), then verify. Hopae neither polls DNS nor sends a
//! webhook for domains: only a verify call advances the status, which is what
//! [`AppHandle::wait_for_custom_domain`] repeats.

use serde::Serialize;
use time::OffsetDateTime;

use crate::decode::ts;
use crate::error::{Error, WaitError};
use crate::http::{AppHandle, Call, Idempotent};
use crate::open_enum::open_enum;
use crate::wait::{Poll, WaitDetail, WaitOptions, poll_until};

/// The default pause between two verifies of
/// [`AppHandle::wait_for_custom_domain`]: 15 seconds (DNS changes take minutes).
pub const DEFAULT_WAIT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(15);

/// The longest host name DNS allows, in characters (a custom domain's limit).
pub const MAX_HOST_CHARS: usize = 253;
/// The longest DNS label, in characters.
pub const MAX_LABEL_CHARS: usize = 63;

open_enum! {
    /// Where a custom domain stands (`status`).
    DomainStatus {
        /// No domain is set.
        Unconfigured = "unconfigured",
        /// The DNS records are not (all) in place yet.
        AwaitingDns = "awaiting_dns",
        /// Hopae is checking the records and the certificate.
        Verifying = "verifying",
        /// The domain serves the App.
        Active = "active",
        /// Verification failed; see `requiredAction` and `statusMessage`.
        Invalid = "invalid",
    }
}

open_enum! {
    /// What the App's owner has to do next (`requiredAction`).
    RequiredAction {
        /// Nothing.
        None = "none",
        /// Create the CNAME records of [`CustomDomain::dns_records`].
        AddCname = "add_cname",
        /// Wait, then verify again.
        Waiting = "waiting",
        /// Call verify.
        Verify = "verify",
        /// Contact Hopae support.
        ContactSupport = "contact_support",
        /// Fix what `statusMessage` says, then verify again.
        Retry = "retry",
    }
}

/// The custom domain pair of an App and its verification state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomDomain {
    /// The host of the hosted web pages, when set.
    pub web_domain: Option<String>,
    /// The host of the OIDC issuer, when set.
    pub oidc_domain: Option<String>,
    /// Where the domain stands.
    pub status: DomainStatus,
    /// What to do next.
    pub required_action: RequiredAction,
    /// A human-readable explanation of the status, when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// The DNS records to create.
    pub dns_records: Vec<DnsRecord>,
    /// When Hopae last checked the records, if it has.
    #[serde(with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub last_checked_at: Option<OffsetDateTime>,
}

crate::json::from_json!(CustomDomain {
    web_domain: opt("webDomain"),
    oidc_domain: opt("oidcDomain"),
    status: req("status"),
    required_action: req("requiredAction"),
    status_message: opt("statusMessage"),
    dns_records: def_with("dnsRecords", crate::json::null_as_empty),
    last_checked_at: opt("lastCheckedAt"),
});

/// One DNS record a custom domain needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DnsRecord {
    /// The record's id.
    pub id: String,
    /// The record type, as sent (`CNAME`, `TXT`, ...).
    #[serde(rename = "type")]
    pub record_type: String,
    /// The host the record belongs to.
    pub host: String,
    /// The record's name.
    pub name: String,
    /// The record's value.
    pub value: String,
    /// Whether the record is required.
    pub required: bool,
    /// What the record is for, when sent.
    pub description: Option<String>,
}

crate::json::from_json!(DnsRecord {
    id: req("id"),
    record_type: req("type"),
    host: req("host"),
    name: req("name"),
    value: req("value"),
    required: req("required"),
    description: opt("description"),
});

/// Checks the documented rules of a custom-domain pair: bare host names (letters,
/// digits, `-` and `.`; no scheme, path, port or trailing dot; labels of 1 to 63
/// characters not starting or ending with `-`; at most 253 characters; not an IPv4
/// address), different from each other (ignoring case), under one base domain. The base
/// domain is taken to be the last two labels: `login.shop.example` and
/// `oidc.shop.example` share `shop.example`. That rule knows no public suffixes, so
/// `a.co.uk` and `b.co.uk` pass here and are left to the server.
fn validate_pair(web: &str, oidc: &str) -> Result<(), Error> {
    validate_host("webDomain", web)?;
    validate_host("oidcDomain", oidc)?;
    if web.eq_ignore_ascii_case(oidc) {
        return Err(Error::invalid_input(format!(
            "`webDomain` and `oidcDomain` must differ, both are `{web}`"
        )));
    }
    let (a, b) = (base_domain(web), base_domain(oidc));
    if !a.eq_ignore_ascii_case(b) {
        return Err(Error::invalid_input(format!(
            "`oidcDomain` must be under the web domain's base domain `{a}`, got `{b}`"
        )));
    }
    Ok(())
}

/// The last two labels of a checked host.
fn base_domain(host: &str) -> &str {
    match host.rmatch_indices('.').nth(1) {
        Some((i, _)) => &host[i + 1..],
        None => host,
    }
}

fn validate_host(field: &str, host: &str) -> Result<(), Error> {
    let bad = |why: &str| Err(Error::invalid_input(format!("`{field}` {why}")));
    if host.is_empty() {
        return bad("must not be empty");
    }
    // Name the common mistakes before the generic character rule. The host itself is
    // not echoed: it may be anything, of any length.
    if host.contains("://") {
        return bad("must be a bare host name, without a scheme");
    }
    if host.contains(['/', '?', '#']) {
        return bad("must be a bare host name, without a path");
    }
    if host.contains(':') {
        return bad("must be a bare host name, without a port");
    }
    if host.chars().count() > MAX_HOST_CHARS {
        return bad("is longer than 253 characters");
    }
    if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return bad(
            "may only contain ASCII letters, digits, `-` and `.` (write international names as `xn--` punycode)",
        );
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return bad("must have at least two labels, like `login.shop.example`");
    }
    for label in &labels {
        if label.is_empty() {
            return bad("has an empty label (leading, trailing or doubled `.`)");
        }
        if label.len() > MAX_LABEL_CHARS {
            return bad("has a label longer than 63 characters");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad("has a label that starts or ends with `-`");
        }
    }
    if labels
        .last()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        return bad("must be a host name, not an IP address");
    }
    Ok(())
}

impl AppHandle<'_> {
    /// The App's custom domain pair and its state (`unconfigured` when none is set).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when the client id cannot be a path segment;
    /// - [`Error::Api`] for a non-2xx status (404 unknown App);
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let domain = client.app("FK5b0KSM").custom_domain()?;
    /// println!("{:?}: {:?}, {:?}", domain.web_domain, domain.status, domain.required_action);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn custom_domain(&self) -> Result<CustomDomain, Error> {
        let call = Call::get("get custom domain", self.path("/custom-domain")?);
        self.transport.send(call)
    }

    /// Sets the App's custom domain pair and returns it with the DNS records to create.
    /// An App has one pair: the server answers 400 when one is configured (delete it
    /// first).
    ///
    /// `web_domain` and `oidc_domain` must be bare host names (no scheme, path or port),
    /// different from each other, under one base domain, taken to be the last two labels
    /// (`login.shop.example` and `oidc.shop.example` share `shop.example`).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when a host breaks those rules (nothing is sent);
    /// - otherwise as [`AppHandle::custom_domain`] (400 when a pair is configured).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let domain = client.app("FK5b0KSM").set_custom_domain("login.shop.example", "oidc.shop.example")?;
    /// for r in &domain.dns_records {
    ///     println!("{} {} -> {}", r.record_type, r.name, r.value);
    /// }
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn set_custom_domain(
        &self,
        web_domain: &str,
        oidc_domain: &str,
    ) -> Result<CustomDomain, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'b> {
            web_domain: &'b str,
            oidc_domain: &'b str,
        }
        validate_pair(web_domain, oidc_domain)?;
        let call = Call::put("set custom domain", self.path("/custom-domain")?).json(&Body {
            web_domain,
            oidc_domain,
        })?;
        self.transport.send(call)
    }

    /// Removes the App's custom domain pair and returns the domain as it now stands
    /// (`unconfigured`).
    ///
    /// # Errors
    ///
    /// As [`AppHandle::custom_domain`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let domain = client.app("FK5b0KSM").delete_custom_domain()?;
    /// println!("now {:?}", domain.status);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn delete_custom_domain(&self) -> Result<CustomDomain, Error> {
        let call = Call::delete("delete custom domain", self.path("/custom-domain")?);
        self.transport.send(call)
    }

    /// Asks Hopae to check the DNS records now and returns the resulting state: the only
    /// way the status advances.
    ///
    /// # Errors
    ///
    /// As [`AppHandle::custom_domain`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let domain = client.app("FK5b0KSM").verify_custom_domain()?;
    /// println!("{:?}: {:?}", domain.status, domain.required_action);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn verify_custom_domain(&self) -> Result<CustomDomain, Error> {
        self.verify_custom_domain_until(None, None)
    }

    /// [`AppHandle::verify_custom_domain`] ending by `deadline`, retries included. The
    /// wait passes no key: each poll is a new operation with a fresh generated key.
    fn verify_custom_domain_until(
        &self,
        deadline: Option<std::time::Instant>,
        key: Option<&str>,
    ) -> Result<CustomDomain, Error> {
        let call = Call::post("verify custom domain", self.path("/custom-domain/verify")?);
        self.transport.send(call.deadline(deadline).keyed(key))
    }

    /// Verifies the custom domain every [`WaitOptions::interval`] (default
    /// [`DEFAULT_WAIT_INTERVAL`], 15 s) until it is `active`,
    /// and returns it.
    ///
    /// Each poll is one [`AppHandle::verify_custom_domain`] call. Timing is that of
    /// [`ProductionTests::wait_for_challenge`](crate::production_tests::ProductionTests::wait_for_challenge):
    /// the first verify happens at once, no pause runs past the timeout, the last verify
    /// happens at the deadline, each verify (its retries included) must end by the
    /// deadline plus 2 seconds, and [`WaitOptions::on_poll`] hears every verify that did
    /// not end the wait (with the domain's status).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when the interval is zero;
    /// - [`Error::Wait`] with [`WaitError::DomainInvalid`] (carrying the domain's
    ///   `requiredAction` and `statusMessage`) when a verify answers `invalid`, and
    ///   [`WaitError::DomainTimedOut`] when the timeout passed first;
    /// - any error of a verify call, as it is.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use hopae::wait::WaitOptions;
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let options = WaitOptions::new()
    ///     .interval(Duration::from_secs(30))
    ///     .timeout(Duration::from_secs(3600));
    /// let domain = client.app("FK5b0KSM").wait_for_custom_domain(&options)?;
    /// println!("{:?} is live", domain.web_domain);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn wait_for_custom_domain(&self, options: &WaitOptions) -> Result<CustomDomain, Error> {
        let transport = self.transport;
        poll_until(
            options,
            DEFAULT_WAIT_INTERVAL,
            |deadline| {
                let domain = self.verify_custom_domain_until(deadline, None)?;
                match domain.status {
                    DomainStatus::Active => Ok(Poll::Done(domain)),
                    DomainStatus::Invalid => Err(Error::Wait(Box::new(WaitError::DomainInvalid {
                        required_action: transport.redact(domain.required_action.as_str()),
                        status_message: domain.status_message.map(|m| transport.redact(&m)),
                    }))),
                    status => Ok(Poll::Pending {
                        status: Some(transport.redact(status.as_str())),
                        detail: WaitDetail::CustomDomain,
                        interval: None,
                    }),
                }
            },
            |waited, last_status, _polls| WaitError::DomainTimedOut {
                waited,
                last_status,
            },
        )
    }
}

impl Idempotent<AppHandle<'_>> {
    /// [`AppHandle::verify_custom_domain`] with this key.
    ///
    /// # Errors
    ///
    /// As [`AppHandle::verify_custom_domain`], plus [`Error::InvalidInput`] for an
    /// invalid key.
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let domain = client
    ///     .app("FK5b0KSM")
    ///     .with_idempotency_key("verify-shop-1")
    ///     .verify_custom_domain()?;
    /// println!("{:?}", domain.status);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn verify_custom_domain(self) -> Result<CustomDomain, Error> {
        self.handle
            .verify_custom_domain_until(None, Some(self.key()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(web: &str, oidc: &str) -> String {
        validate_pair(web, oidc).unwrap_err().to_string()
    }

    #[test]
    fn pairs_of_bare_hosts_under_one_base_domain_pass() {
        assert!(validate_pair("login.shop.example", "oidc.shop.example").is_ok());
        assert!(validate_pair("Login.Shop.example", "a.b.shop.EXAMPLE").is_ok());
        assert!(validate_pair("shop.example", "oidc.shop.example").is_ok());
        assert_eq!(base_domain("a.b.shop.example"), "shop.example");
        assert_eq!(base_domain("shop.example"), "shop.example");
    }

    #[test]
    fn host_rules_name_the_field_and_the_mistake() {
        let ok = "oidc.shop.example";
        for (web, why) in [
            ("", "must not be empty"),
            ("https://login.shop.example", "without a scheme"),
            ("login.shop.example/cb", "without a path"),
            ("login.shop.example:8443", "without a port"),
            ("login shop.example", "may only contain ASCII letters"),
            ("lögin.shop.example", "punycode"),
            ("login\r\n.shop.example", "may only contain"),
            ("localhost", "at least two labels"),
            ("login..shop.example", "empty label"),
            ("login.shop.example.", "empty label"),
            ("-login.shop.example", "starts or ends with `-`"),
            ("10.0.0.1", "not an IP address"),
        ] {
            let m = msg(web, ok);
            assert!(m.starts_with("invalid input: `webDomain` "), "{m}");
            assert!(m.contains(why), "{web:?}: {m}");
        }
        let long = format!("{}.shop.example", "a".repeat(64));
        assert!(msg(&long, ok).contains("longer than 63"));
        let huge = format!("{}shop.example", "a.".repeat(200));
        assert!(msg(&huge, ok).contains("longer than 253"));
        assert!(msg(ok, "oidc.shop.example:1").starts_with("invalid input: `oidcDomain`"));
    }

    #[test]
    fn pairs_must_differ_and_share_the_base_domain() {
        assert_eq!(
            msg("login.shop.example", "LOGIN.shop.example"),
            "invalid input: `webDomain` and `oidcDomain` must differ, both are `login.shop.example`"
        );
        assert_eq!(
            msg("login.shop.example", "oidc.other.example"),
            "invalid input: `oidcDomain` must be under the web domain's base domain `shop.example`, got `other.example`"
        );
    }
}
