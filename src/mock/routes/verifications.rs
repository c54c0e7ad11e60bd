//! The App API: Basic authentication against the Apps the fake holds, the provider
//! catalog and its user-data requirements, and verification sessions (create, get,
//! cancel, userinfo, evidence, dc-request), answering errors in the shapes the App API
//! documents: RFC 7807 problems (B), lowercase codes (C) and the 422 of an unreachable
//! level (D).

use serde_json::{Map, Value, json};

use crate::mock::sessions::{APP_CATALOG, LOA_RANGE, SESSION_LIFETIME, Session, app_provider};
use crate::mock::state::{State, ts};

use super::{Ctx, Fail, Reply, ok};

/// Whether a path under the base path belongs to the App API (Basic credentials)
/// rather than the Workspace API (a Bearer key).
pub(super) fn is_app_api(path: &str) -> bool {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    matches!(first, "providers" | "verifications")
}

/// Shape B: an RFC 7807 problem.
fn problem(status: u16, code: &'static str, detail: impl Into<String>, context: Value) -> Fail {
    let body = json!({
        "title": code, "status": status, "detail": detail.into(),
        "timestamp": ts(time::OffsetDateTime::now_utc()), "context": context,
    });
    raw(status, code, "application/problem+json", body)
}

/// Shape C: `{"error": {"code", "message", "details"}}` with a lowercase code and no
/// request id.
fn lowercase(code: &'static str, message: &str, s: &Session) -> Fail {
    let body = json!({"error": {
        "code": code, "message": message,
        "details": {"status": s.status, "verificationId": s.id},
    }});
    raw(400, code, "application/json", body)
}

fn raw(status: u16, code: &'static str, content_type: &'static str, body: Value) -> Fail {
    let mut fail = Fail::new(status, code, "");
    fail.raw = Some(Box::new((content_type, body)));
    fail
}

fn missing(parameter: &str) -> Fail {
    problem(
        400,
        "VALIDATION_MISSING_PARAMETER",
        format!("`{parameter}` is required"),
        json!({ "parameter": parameter }),
    )
}

fn invalid(parameter: &str, why: impl std::fmt::Display) -> Fail {
    problem(
        400,
        "VALIDATION_INVALID_PARAMETER",
        format!("`{parameter}` {why}"),
        json!({ "parameter": parameter }),
    )
}

fn session_not_found(id: &str) -> Fail {
    problem(
        404,
        "SESSION_NOT_FOUND",
        "Verification session not found",
        json!({ "verificationId": id }),
    )
}

fn provider_not_found(id: &str) -> Fail {
    problem(
        404,
        "PROVIDER_NOT_FOUND",
        format!("No provider `{id}` exists"),
        json!({ "providerId": id }),
    )
}

/// Checks `Authorization: Basic base64(clientId:clientSecret)` against the Apps held:
/// the client id of the App on success.
pub(super) fn authenticate(s: &State, header: Option<&str>) -> Result<String, Fail> {
    let refuse = |why: &str| problem(401, "AUTH_INVALID_CREDENTIALS", why, json!({}));
    let Some(header) = header else {
        return Err(refuse(
            "Missing Authorization header: send Basic base64(clientId:clientSecret)",
        ));
    };
    let (scheme, encoded) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(refuse(
            "The App API takes an App's client credentials (Basic), not a workspace key",
        ));
    }
    let decoded = base64_decode(encoded.trim()).and_then(|b| String::from_utf8(b).ok());
    let Some((id, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
        return Err(refuse("Malformed Basic credentials"));
    };
    match s.app(id) {
        Some(app) if crate::secret::ct_eq(app.client_secret.as_bytes(), secret.as_bytes()) => {
            Ok(app.client_id.clone())
        }
        _ => Err(refuse("Invalid client credentials")),
    }
}

/// Standard base64 with padding; `None` for anything else.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// Standard base64 with padding.
fn base64_encode(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The authenticated App's client id.
fn client<'c>(ctx: &'c Ctx<'_>) -> &'c str {
    ctx.app.as_deref().unwrap_or("")
}

/// Whether the provider is enabled on the App (through the Workspace API).
fn enabled(s: &State, client_id: &str, provider_id: &str) -> bool {
    s.app(client_id)
        .and_then(|a| a.providers.get(provider_id))
        .is_some_and(|p| p.enabled)
}

/// The body as a JSON object, refused in shape B.
fn body(ctx: &Ctx<'_>) -> Result<Map<String, Value>, Fail> {
    super::body_or(ctx, invalid)
}

fn string<'v>(obj: &'v Map<String, Value>, key: &str) -> Result<Option<&'v str>, Fail> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(key, "must be a string")),
    }
}

fn object<'v>(
    obj: &'v Map<String, Value>,
    key: &str,
) -> Result<Option<&'v Map<String, Value>>, Fail> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(invalid(key, "must be an object")),
    }
}

pub(super) fn list_providers(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let client_id = client(ctx);
    let status = ctx
        .query
        .iter()
        .find(|(k, _)| k == "status")
        .map(|(_, v)| v.as_str());
    let keep: fn(bool) -> bool = match status {
        None | Some("") => |_| true,
        Some("activated" | "enabled") => |active| active,
        Some("deactivated" | "disabled" | "action_required") => |active| !active,
        Some(_) => {
            return Err(invalid(
                "status",
                "must be activated, deactivated, action_required, enabled or disabled",
            ));
        }
    };
    let providers: Vec<Value> = APP_CATALOG
        .iter()
        .filter_map(|p| {
            let active = enabled(s, client_id, p.id);
            keep(active).then(|| {
                json!({
                    "id": p.id, "name": p.name,
                    "logoUrl": format!("https://assets.mock.invalid/providers/{}.svg", p.id),
                    "countries": p.countries, "isActive": active, "needAction": !active,
                    "flowTypes": p.flow_types, "scopes": ["openid", "idv", "profile"],
                    "loa": p.loa,
                })
            })
        })
        .collect();
    ok(json!(providers))
}

pub(super) fn provider_configuration(_: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let id = &ctx.params[0];
    let p = app_provider(id).ok_or_else(|| provider_not_found(id))?;
    let fields = |required: bool| -> Vec<Value> {
        p.user_data
            .iter()
            .filter(|f| f.required == required)
            .map(|f| f.json())
            .collect()
    };
    ok(json!({
        "providerId": p.id,
        "requiredUserData": fields(true),
        "optionalUserData": fields(false),
        "flowTypes": p.flow_types,
        "lastUpdated": "2026-03-01T00:00:00.000Z",
    }))
}

pub(super) fn create_verification(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let client_id = client(ctx).to_owned();
    let obj = body(ctx)?;
    let provider_id = string(&obj, "providerId")?
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| missing("providerId"))?;
    let provider = app_provider(provider_id).ok_or_else(|| provider_not_found(provider_id))?;
    if !enabled(s, &client_id, provider.id) {
        return Err(problem(
            403,
            "PROVIDER_NOT_ENABLED",
            format!(
                "{} is not enabled on this App: enable it with PATCH /apps/{client_id}/providers/{}/activation",
                provider.name, provider.id
            ),
            json!({ "providerId": provider.id }),
        ));
    }
    let flow_type = match string(&obj, "flowType")? {
        None => provider.flow_types[0],
        Some(flow) => provider
            .flow_types
            .iter()
            .find(|f| **f == flow)
            .copied()
            .ok_or_else(|| {
                let mut fail = invalid(
                    "flowType",
                    format!(
                        "must be one of {} for {}",
                        provider.flow_types.join(", "),
                        provider.id
                    ),
                );
                if let Some((_, body)) = fail.raw.as_deref_mut() {
                    body["context"]["value"] = json!(flow);
                    body["context"]["allowed"] = json!(provider.flow_types);
                }
                fail
            })?,
    };
    let requested_loa = match obj.get("requestedLoa") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64().filter(|n| LOA_RANGE.contains(n)) {
            Some(n) => Some(n as u8),
            None => {
                return Err(invalid(
                    "requestedLoa",
                    format!(
                        "must be a whole number from {} to {}",
                        LOA_RANGE.start(),
                        LOA_RANGE.end()
                    ),
                ));
            }
        },
    };
    if let Some(loa) = requested_loa.filter(|l| *l > provider.max_loa()) {
        // Shape D.
        let body = json!({
            "code": "VALIDATION_UNPROCESSABLE",
            "detail": format!(
                "{} reaches at most level {}; level {loa} was requested",
                provider.name,
                provider.max_loa()
            ),
            "context": {"parameter": "requestedLoa", "value": loa, "providerId": provider.id},
        });
        return Err(raw(
            422,
            "VALIDATION_UNPROCESSABLE",
            "application/json",
            body,
        ));
    }
    let user_data = object(&obj, "userData")?.cloned().unwrap_or_default();
    bounded(&user_data)?;
    check_user_data(provider, &user_data)?;
    let requested_claims = match obj.get("requestedClaims") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(c) => Ok(c.clone()),
                    _ => Err(invalid(
                        &format!("requestedClaims[{i}]"),
                        "must be a string",
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err(invalid("requestedClaims", "must be an array of strings")),
    };
    if requested_claims
        .as_ref()
        .is_some_and(|c| c.len() > MAX_ENTRIES)
    {
        return Err(invalid(
            "requestedClaims",
            format!("must have at most {MAX_ENTRIES} claims"),
        ));
    }
    if let Some(uri) = string(&obj, "redirectUri")?
        && !(uri.starts_with("https://") || uri.starts_with("http://"))
    {
        return Err(invalid("redirectUri", "must be an absolute http(s) URL"));
    }
    for key in ["matchData", "metadata"] {
        object(&obj, key)?;
    }
    let reference_id = string(&obj, "referenceId")?.map(str::to_owned);
    if reference_id
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_VALUE_CHARS)
    {
        return Err(invalid(
            "referenceId",
            format!("must be at most {MAX_VALUE_CHARS} characters"),
        ));
    }
    let now = ctx.now;
    let code: String = s
        .alnum(4)
        .bytes()
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    let session = Session {
        id: format!("ver_{}", s.alnum(24)),
        client_id,
        provider,
        flow_type: flow_type.to_owned(),
        status: "initiated",
        polls: 0,
        requested_loa,
        requested_claims,
        user_data,
        reference_id,
        token: s.alnum(32),
        code,
        created_at: now,
        expires_at: now + SESSION_LIFETIME,
        ended_at: None,
        outcome: None,
    };
    let body = session.json(Some(&s.sessions));
    s.sessions.push(session);
    Ok(Reply {
        status: 201,
        body,
        headers: Vec::new(),
    })
}

/// The most `userData` keys and `requestedClaims` a session keeps (the fake's bound).
const MAX_ENTRIES: usize = 64;
/// The longest `userData` value and `referenceId` the fake keeps.
const MAX_VALUE_CHARS: usize = 1024;

/// At most [`MAX_ENTRIES`] keys, each value a string of at most [`MAX_VALUE_CHARS`]
/// characters or a small scalar: the fake keeps every session in memory.
fn bounded(data: &Map<String, Value>) -> Result<(), Fail> {
    if data.len() > MAX_ENTRIES {
        return Err(invalid(
            "userData",
            format!("must have at most {MAX_ENTRIES} keys"),
        ));
    }
    for (key, value) in data {
        let fits = match value {
            Value::String(v) => v.chars().count() <= MAX_VALUE_CHARS && key.len() <= 256,
            Value::Array(_) | Value::Object(_) => false,
            _ => key.len() <= 256,
        };
        if !fits {
            return Err(problem(
                400,
                "VALIDATION_INVALID_USER_DATA",
                format!(
                    "userData.{} must be a string of at most {MAX_VALUE_CHARS} characters",
                    shorten(key)
                ),
                json!({"parameter": format!("userData.{}", shorten(key))}),
            ));
        }
    }
    Ok(())
}

/// A key as echoed in a message: at most 64 characters.
fn shorten(key: &str) -> String {
    key.chars().take(64).collect()
}

/// Every required field present and not blank, every known field a valid string.
fn check_user_data(
    provider: &crate::mock::sessions::AppProvider,
    data: &Map<String, Value>,
) -> Result<(), Fail> {
    let missing: Vec<&str> = provider
        .user_data
        .iter()
        .filter(|f| f.required)
        .filter(|f| match data.get(f.field) {
            None | Some(Value::Null) => true,
            Some(Value::String(v)) => v.trim().is_empty(),
            Some(_) => false,
        })
        .map(|f| f.field)
        .collect();
    if !missing.is_empty() {
        return Err(problem(
            400,
            "VALIDATION_MISSING_USER_DATA",
            format!(
                "{} needs userData.{}",
                provider.name,
                missing.join(", userData.")
            ),
            json!({
                "parameter": format!("userData.{}", missing[0]),
                "providerId": provider.id, "missingFields": missing,
            }),
        ));
    }
    for field in provider.user_data {
        let valid = match data.get(field.field) {
            None | Some(Value::Null) => true,
            Some(Value::String(v)) => (field.check)(v),
            Some(_) => false,
        };
        if !valid {
            let expected = match (field.pattern, field.options.is_empty()) {
                (Some(pattern), _) => format!("must match {pattern}"),
                (None, false) => format!(
                    "must be one of {}",
                    field
                        .options
                        .iter()
                        .map(|o| o.0)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                (None, true) => "must be a string".to_owned(),
            };
            return Err(problem(
                400,
                "VALIDATION_INVALID_USER_DATA",
                format!("userData.{} {expected}", field.field),
                json!({"parameter": format!("userData.{}", field.field), "providerId": provider.id}),
            ));
        }
    }
    Ok(())
}

/// The route's session, of the authenticated App, its expiry applied.
fn session<'s>(s: &'s mut State, ctx: &Ctx<'_>) -> Result<&'s mut Session, Fail> {
    let id = &ctx.params[0];
    let session = s
        .sessions
        .get_mut(id, Some(client(ctx)))
        .ok_or_else(|| session_not_found(id))?;
    session.tick(ctx.now);
    Ok(session)
}

pub(super) fn get_verification(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let complete_after = s.sessions.complete_after;
    let session = session(s, ctx)?;
    session.poll(ctx.now, complete_after);
    ok(session.json(None))
}

pub(super) fn cancel_verification(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let session = session(s, ctx)?;
    if session.is_terminal() {
        return Err(problem(
            400,
            "SESSION_INVALID_STATUS_TRANSITION",
            format!("The verification has ended already ({})", session.status),
            json!({"verificationId": session.id, "status": session.status}),
        ));
    }
    session.end("cancelled", ctx.now);
    Ok(Reply {
        status: 204,
        body: Value::Null,
        headers: Vec::new(),
    })
}

pub(super) fn userinfo(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let session = session(s, ctx)?;
    match session.userinfo() {
        Some(body) => ok(body),
        None => Err(lowercase(
            "verification_not_completed",
            "The verification is not completed",
            session,
        )),
    }
}

pub(super) fn evidence(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let session = session(s, ctx)?;
    match session.evidence() {
        Some(body) => ok(body),
        None => Err(lowercase(
            "evidence_not_available",
            "No evidence is available for this verification",
            session,
        )),
    }
}

pub(super) fn dc_request(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let obj = body(ctx)?;
    let id = string(&obj, "verificationId")?
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("verificationId"))?
        .to_owned();
    let user_data = obj.get("userData").cloned().unwrap_or(Value::Null);
    let dc_session = format!("dcs_{}", s.alnum(24));
    let session = s
        .sessions
        .get_mut(&id, Some(client(ctx)))
        .ok_or_else(|| session_not_found(&id))?;
    session.tick(ctx.now);
    if session.flow_type != "dc" {
        return Err(invalid(
            "verificationId",
            format!("is a {} flow, not a dc flow", session.flow_type),
        ));
    }
    if session.is_terminal() {
        return Err(problem(
            400,
            "SESSION_INVALID_STATUS_TRANSITION",
            format!("The verification has ended already ({})", session.status),
            json!({"verificationId": session.id, "status": session.status}),
        ));
    }
    let request = json!({
        "protocol": "openid4vp", "verificationId": session.id, "dcSessionId": dc_session,
        "request": user_data,
    });
    ok(json!({
        "requestBase64": base64_encode(&serde_json::to_vec(&request).unwrap_or_default()),
        "dcSessionId": dc_session,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for text in [
            "",
            "f",
            "fo",
            "foo",
            "foob",
            "fooba",
            "foobar",
            "FK5b0KSM:6f1c",
        ] {
            let encoded = base64_encode(text.as_bytes());
            if !text.is_empty() {
                assert_eq!(
                    base64_decode(&encoded).as_deref(),
                    Some(text.as_bytes()),
                    "{encoded}"
                );
            }
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_decode("Zm8="), Some(b"fo".to_vec()));
        for bad in ["Zm8", "Z===", "Zm=8", "Zm8=Zm8=", "Zm 8", "Zm8*"] {
            assert_eq!(base64_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn app_api_paths_are_told_apart() {
        assert!(is_app_api("/verifications/ver_1/userinfo"));
        assert!(is_app_api("/providers"));
        assert!(!is_app_api("/apps/FK5b0KSM/providers"));
        assert!(!is_app_api("/workspace"));
    }
}
