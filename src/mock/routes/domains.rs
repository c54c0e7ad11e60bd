//! Custom domains: get, set, delete and verify.

use crate::domains::{MAX_HOST_CHARS, MAX_LABEL_CHARS};
use crate::mock::state::{Domain, State, base_domain};

use super::{Ctx, Fail, Reply, app_index, body, invalid, ok, required};

pub(super) fn get_domain(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let app = &s.apps[app_index(s, ctx)?];
    ok(Domain::json(app.domain.as_ref(), &app.client_id))
}

/// A bare host name: letters, digits, `-` and `.`, at least two labels, not an IPv4
/// address.
fn check_host(host: &str, parameter: &str) -> Result<(), Fail> {
    let labels: Vec<&str> = host.split('.').collect();
    let valid = host.len() <= MAX_HOST_CHARS
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= MAX_LABEL_CHARS
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if labels
        .last()
        .is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(invalid(parameter, "must be a host name, not an IP address"));
    }
    if valid {
        Ok(())
    } else {
        Err(invalid(
            parameter,
            "must be a bare host name such as login.example.com (no scheme, port or path)",
        ))
    }
}

pub(super) fn put_domain(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let obj = body(ctx)?;
    let web = required(&obj, "webDomain", "")?.to_ascii_lowercase();
    let oidc = required(&obj, "oidcDomain", "")?.to_ascii_lowercase();
    check_host(&web, "webDomain")?;
    check_host(&oidc, "oidcDomain")?;
    if web == oidc {
        return Err(invalid("oidcDomain", "must differ from webDomain"));
    }
    if base_domain(&web) != base_domain(&oidc) {
        return Err(invalid(
            "oidcDomain",
            "must have the same base domain as webDomain",
        ));
    }
    let app = &mut s.apps[i];
    if app.domain.is_some() {
        return Err(invalid(
            "webDomain",
            "cannot be set: a custom domain is already configured (delete it first)",
        ));
    }
    app.domain = Some(Domain {
        web,
        oidc,
        status: "awaiting_dns",
        last_checked: None,
    });
    ok(Domain::json(app.domain.as_ref(), &app.client_id))
}

pub(super) fn delete_domain(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let app = &mut s.apps[i];
    app.domain = None;
    ok(Domain::json(None, &app.client_id))
}

pub(super) fn verify_domain(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let app = &mut s.apps[i];
    let Some(domain) = app.domain.as_mut() else {
        return Err(Fail::new(
            400,
            "VALIDATION_STEP_NOT_APPLICABLE",
            "No custom domain is configured: PUT one first",
        ));
    };
    domain.status = match domain.status {
        "awaiting_dns" => "verifying",
        _ => "active",
    };
    domain.last_checked = Some(ctx.now);
    ok(Domain::json(app.domain.as_ref(), &app.client_id))
}
