//! The API on top of the tiny server: what every request goes through (faults, auth,
//! routing, idempotency, latency, the log), the routing table, and the helpers that read
//! request bodies. The handlers, one per operation, live in one module per resource.

mod apps;
mod control;
mod domains;
mod production_tests;
mod providers;
mod verifications;
mod workflows;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::http::{self, Request, Response};
use super::state::{Idempotent, State, Stored};
use super::{BASE_PATH, LoggedRequest};
use crate::codes;

/// What the server threads share.
pub(super) struct Shared {
    pub(super) state: Mutex<State>,
    pub(super) latency: Duration,
    pub(super) production: bool,
    pub(super) retry_after: u64,
    /// The OpenID Connect provider's state (locked after `state` when both are).
    pub(super) oidc: Mutex<super::oidc::Provider>,
}

/// A failed call: the status and the envelope's `error`.
pub(super) struct Fail {
    status: u16,
    code: &'static str,
    message: String,
    details: Value,
    /// A whole body (and its content type) to answer instead of the envelope: the App
    /// API's other error shapes.
    raw: Option<Box<(&'static str, Value)>>,
}

impl Fail {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Fail {
        Fail {
            status,
            code,
            message: message.into(),
            details: json!({}),
            raw: None,
        }
    }

    fn parameter(mut self, parameter: &str) -> Fail {
        self.details = json!({ "parameter": parameter });
        self
    }

    /// The envelope's `error` object (also a failed batch item).
    fn error(&self) -> Value {
        json!({"code": self.code, "message": self.message, "details": self.details})
    }
}

fn missing(parameter: &str) -> Fail {
    Fail::new(
        400,
        codes::VALIDATION_MISSING_PARAMETER,
        format!("`{parameter}` is required"),
    )
    .parameter(parameter)
}

fn invalid(parameter: &str, why: impl std::fmt::Display) -> Fail {
    Fail::new(
        400,
        codes::VALIDATION_INVALID_PARAMETER,
        format!("`{parameter}` {why}"),
    )
    .parameter(parameter)
}

fn not_found(what: &str) -> Fail {
    Fail::new(404, codes::RESOURCE_NOT_FOUND, format!("{what} not found"))
}

fn conflict(message: impl Into<String>) -> Fail {
    Fail::new(409, codes::RESOURCE_CONFLICT, message)
}

/// A successful answer.
struct Reply {
    status: u16,
    body: Value,
    headers: Vec<(&'static str, String)>,
}

fn ok(body: Value) -> Result<Reply, Fail> {
    Ok(Reply {
        status: 200,
        body,
        headers: Vec::new(),
    })
}

fn created(body: Value) -> Result<Reply, Fail> {
    Ok(Reply {
        status: 201,
        body,
        headers: Vec::new(),
    })
}

/// What a handler gets besides the state.
struct Ctx<'a> {
    /// The `{}` segments of the route, percent-decoded.
    params: Vec<String>,
    query: Vec<(String, String)>,
    body: &'a [u8],
    content_type: Option<&'a str>,
    now: OffsetDateTime,
    /// The client id of the App authenticated by Basic credentials (App API routes).
    app: Option<String>,
}

type Handler = fn(&mut State, &Ctx<'_>) -> Result<Reply, Fail>;

/// Every operation: method, path under [`BASE_PATH`] (`{}` is a parameter), handler.
/// The first match wins, so literal segments come before parameters.
#[rustfmt::skip]
const ROUTES: &[(&str, &str, Handler)] = &[
    ("GET",    "/workspace",                                      apps::get_workspace),
    ("GET",    "/apps",                                           apps::list_apps),
    ("POST",   "/apps",                                           apps::create_app),
    ("POST",   "/apps/batch",                                     apps::batch_create),
    ("GET",    "/apps/{}",                                        apps::get_app),
    ("PATCH",  "/apps/{}",                                        apps::update_app),
    ("DELETE", "/apps/{}",                                        apps::delete_app),
    ("POST",   "/apps/{}/rotate-client-secret",                   apps::rotate_client_secret),
    ("GET",    "/apps/{}/redirect-uris",                          apps::get_redirect_uris),
    ("PUT",    "/apps/{}/redirect-uris",                          apps::put_redirect_uris),
    ("GET",    "/apps/{}/webhook-config",                         apps::get_webhook_config),
    ("PATCH",  "/apps/{}/webhook-config",                         apps::patch_webhook_config),
    ("POST",   "/apps/{}/webhook-config/rotate-secret",           apps::rotate_webhook_secret),
    ("GET",    "/apps/{}/production-tests",                       production_tests::list_tests),
    ("POST",   "/apps/{}/production-tests",                       production_tests::create_test),
    ("GET",    "/apps/{}/production-tests/{}/report",             production_tests::report),
    ("GET",    "/apps/{}/workflows/node-types",                   workflows::node_types),
    ("GET",    "/apps/{}/workflows",                              workflows::list_workflows),
    ("POST",   "/apps/{}/workflows",                              workflows::create_workflow),
    ("GET",    "/apps/{}/workflows/{}",                           workflows::get_workflow),
    ("PATCH",  "/apps/{}/workflows/{}",                           workflows::update_workflow),
    ("DELETE", "/apps/{}/workflows/{}",                           workflows::delete_workflow),
    ("POST",   "/apps/{}/workflows/{}/set-default",               workflows::set_default_workflow),
    ("GET",    "/apps/{}/providers",                              providers::list_providers),
    ("GET",    "/apps/{}/providers/{}/activation/steps",          providers::activation_steps),
    ("PATCH",  "/apps/{}/providers/{}/activation",                providers::set_activation),
    ("POST",   "/apps/{}/providers/{}/activation/form",           providers::submit_form),
    ("POST",   "/apps/{}/providers/{}/activation/documents",      providers::upload_documents),
    ("DELETE", "/apps/{}/providers/{}/activation/documents/{}",   providers::delete_document),
    ("POST",   "/apps/{}/activation",                             providers::bulk_activation),
    ("GET",    "/apps/{}/custom-domain",                          domains::get_domain),
    ("PUT",    "/apps/{}/custom-domain",                          domains::put_domain),
    ("DELETE", "/apps/{}/custom-domain",                          domains::delete_domain),
    ("POST",   "/apps/{}/custom-domain/verify",                   domains::verify_domain),
    // The App API (Basic credentials of an App).
    ("GET",    "/providers",                                      verifications::list_providers),
    ("GET",    "/providers/{}/configuration",                     verifications::provider_configuration),
    ("POST",   "/verifications",                                  verifications::create_verification),
    ("POST",   "/verifications/dc-request",                       verifications::dc_request),
    ("GET",    "/verifications/{}",                               verifications::get_verification),
    ("DELETE", "/verifications/{}",                               verifications::cancel_verification),
    ("GET",    "/verifications/{}/userinfo",                      verifications::userinfo),
    ("GET",    "/verifications/{}/evidence",                      verifications::evidence),
];

/// Every operation the fake serves under the base URL: method and path pattern (`{}`
/// stands for a parameter), in routing order.
pub(crate) fn operations() -> impl Iterator<Item = (&'static str, &'static str)> {
    ROUTES.iter().map(|&(method, path, _)| (method, path))
}

impl http::Service for Shared {
    fn handle(&self, request: Request) -> Response {
        let (path, query) = match request.target.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (request.target.clone(), None),
        };
        let (request_id, fault) = {
            let mut state = self.lock();
            (state.uuid(), state.take_fault())
        };
        let mut response = if fault {
            std::thread::sleep(self.latency);
            let fail = Fail::new(
                503,
                "SERVICE_UNAVAILABLE",
                "The service is temporarily unavailable (a fault injected by the mock)",
            );
            let mut response = envelope(&fail, &request_id);
            response
                .headers
                .push(("Retry-After", self.retry_after.to_string()));
            response
        } else {
            self.respond(&request, &path, query.as_deref(), &request_id)
                .unwrap_or_else(|fail| envelope(&fail, &request_id))
        };
        let replayed = response
            .headers
            .iter()
            .any(|(n, _)| *n == "Idempotency-Replayed");
        response.headers.push(("X-Request-Id", request_id.clone()));
        let logged_path = path
            .strip_prefix(BASE_PATH)
            .filter(|p| p.starts_with('/'))
            .unwrap_or(&path)
            .to_owned();
        self.lock().log(LoggedRequest {
            method: request.method,
            path: logged_path,
            query,
            status: response.status,
            request_id,
            replayed,
        });
        response
    }

    fn reject(&self, status: u16, message: &str) -> Response {
        let code = match status {
            408 => "REQUEST_TIMEOUT",
            413 => "PAYLOAD_TOO_LARGE",
            503 => "SERVICE_UNAVAILABLE",
            _ => "VALIDATION_INVALID_PARAMETER",
        };
        let request_id = self.lock().uuid();
        let mut response = envelope(&Fail::new(status, code, message), &request_id);
        response.headers.push(("X-Request-Id", request_id));
        response
    }
}

impl Shared {
    /// Auth, routing, idempotency, latency and the handler.
    fn respond(
        &self,
        request: &Request,
        path: &str,
        query: Option<&str>,
        request_id: &str,
    ) -> Result<Response, Fail> {
        let sleep = || std::thread::sleep(self.latency);
        if let Some(rest) = path
            .strip_prefix(control::PREFIX)
            .filter(|p| p.starts_with('/'))
        {
            return self.control(request, rest, query, request_id);
        }
        if let Some(rest) = path
            .strip_prefix(super::oidc::OIDC_PATH)
            .filter(|rest| rest.starts_with('/'))
        {
            sleep();
            let state = self.lock();
            return Ok(super::oidc::respond(
                &mut self.oidc(),
                &state,
                request,
                rest,
                query,
            ));
        }
        let under_base = path.strip_prefix(BASE_PATH).unwrap_or("");
        let app = if verifications::is_app_api(under_base) {
            let found = verifications::authenticate(&self.lock(), request.header("authorization"));
            match found {
                Ok(client_id) => Some(client_id),
                Err(fail) => {
                    sleep();
                    return Err(fail);
                }
            }
        } else {
            if let Err(fail) = self.authenticate(request.header("authorization")) {
                sleep();
                return Err(fail);
            }
            None
        };
        let segments: Option<Vec<String>> = path
            .strip_prefix(BASE_PATH)
            .filter(|p| p.starts_with('/'))
            .map(|p| p[1..].split('/').map(decode).collect());
        let routed = match segments {
            Some(segments) => find_route(ROUTES, &request.method, &segments),
            None => Err(Fail::new(
                404,
                "RESOURCE_NOT_FOUND",
                format!("No route for {} {path}", request.method),
            )),
        };
        let (handler, params) = match routed {
            Ok(found) => found,
            Err(fail) => {
                sleep();
                return Err(fail);
            }
        };
        let key = match request.header("idempotency-key") {
            Some(key) if request.method == "POST" => Some(key),
            _ => None,
        };
        let fingerprint = {
            let mut h = DefaultHasher::new();
            (path, &request.body).hash(&mut h);
            h.finish()
        };
        if let Some(key) = key {
            if key.is_empty() || key.len() > crate::MAX_IDEMPOTENCY_KEY_LEN {
                sleep();
                return Err(invalid(
                    "Idempotency-Key",
                    format!(
                        "must have 1 to {} characters",
                        crate::MAX_IDEMPOTENCY_KEY_LEN
                    ),
                ));
            }
            let mut state = self.lock();
            match state.idempotency.get(key) {
                Some(Idempotent::Done(seen, stored)) if *seen == fingerprint => {
                    let mut response = Response {
                        status: stored.status,
                        headers: stored.headers.clone(),
                        body: stored.body.clone(),
                    };
                    drop(state);
                    sleep();
                    response
                        .headers
                        .push(("Idempotency-Replayed", "true".into()));
                    return Ok(response);
                }
                Some(Idempotent::Done(..)) => {
                    drop(state);
                    sleep();
                    return Err(Fail::new(
                        409,
                        codes::IDEMPOTENCY_KEY_CONFLICT,
                        "This Idempotency-Key was used with another request",
                    ));
                }
                Some(Idempotent::InProgress) => {
                    drop(state);
                    sleep();
                    return Err(Fail::new(
                        409,
                        codes::IDEMPOTENCY_REQUEST_IN_PROGRESS,
                        "A request with this Idempotency-Key is still in progress",
                    ));
                }
                None => {
                    state.remember(key, Idempotent::InProgress);
                }
            }
        }
        sleep();
        let ctx = Ctx {
            params,
            query: query.map(parse_query).unwrap_or_default(),
            body: &request.body,
            content_type: request.header("content-type"),
            now: OffsetDateTime::now_utc(),
            app,
        };
        let mut state = self.lock();
        let response = match handler(&mut state, &ctx) {
            Ok(reply) if reply.status == 204 => Response {
                status: 204,
                headers: reply.headers,
                body: Vec::new(),
            },
            Ok(reply) => json_response(reply),
            Err(fail) => envelope(&fail, request_id),
        };
        if let Some(key) = key {
            let stored = Stored {
                status: response.status,
                headers: response.headers.clone(),
                body: response.body.clone(),
            };
            state.remember(key, Idempotent::Done(fingerprint, stored));
        }
        Ok(response)
    }

    /// A test control under `/_mock/`: no key, no idempotency, no latency.
    fn control(
        &self,
        request: &Request,
        rest: &str,
        query: Option<&str>,
        request_id: &str,
    ) -> Result<Response, Fail> {
        let segments: Vec<String> = rest[1..].split('/').map(decode).collect();
        let (handler, params) = find_route(control::ROUTES, &request.method, &segments)?;
        let ctx = Ctx {
            params,
            query: query.map(parse_query).unwrap_or_default(),
            body: &request.body,
            content_type: request.header("content-type"),
            now: OffsetDateTime::now_utc(),
            app: None,
        };
        let mut state = self.lock();
        Ok(match handler(&mut state, &ctx) {
            Ok(reply) => json_response(reply),
            Err(fail) => envelope(&fail, request_id),
        })
    }

    /// A Bearer workspace key of this fake's environment.
    fn authenticate(&self, header: Option<&str>) -> Result<(), Fail> {
        let refuse = |why: &str| Err(Fail::new(401, codes::AUTH_INVALID_CREDENTIALS, why));
        let Some(header) = header else {
            return refuse("Missing Authorization header: send `Bearer sk_workspace_...`");
        };
        let (scheme, key) = header.split_once(' ').unwrap_or((header, ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return refuse(
                "The Workspace API takes a Bearer workspace key, not App client credentials",
            );
        }
        let key = key.trim();
        let (own, other) = if self.production {
            ("sk_workspace_prod_", "sk_workspace_test_")
        } else {
            ("sk_workspace_test_", "sk_workspace_prod_")
        };
        let well_formed = |rest: &str| {
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        };
        match (key.strip_prefix(own), key.strip_prefix(other)) {
            (Some(_), _) if self.lock().revoked.contains(key) => {
                refuse("This API key has been revoked")
            }
            (Some(rest), _) if well_formed(rest) => Ok(()),
            (_, Some(_)) if self.production => {
                refuse("A test key (sk_workspace_test_) does not work on the production API")
            }
            (_, Some(_)) => {
                refuse("A production key (sk_workspace_prod_) does not work on the sandbox API")
            }
            _ => refuse("Invalid API key"),
        }
    }
}

/// The handler and parameters of a route, or 404 (no path matches) / 405 (another
/// method does).
fn find_route(
    routes: &[(&str, &str, Handler)],
    method: &str,
    segments: &[String],
) -> Result<(Handler, Vec<String>), Fail> {
    let mut allowed = Vec::new();
    for &(route_method, pattern, handler) in routes {
        let pattern: Vec<&str> = pattern[1..].split('/').collect();
        if pattern.len() != segments.len() {
            continue;
        }
        let mut params = Vec::new();
        let matched = pattern.iter().zip(segments).all(|(p, s)| {
            if *p == "{}" {
                params.push(s.clone());
                !s.is_empty()
            } else {
                p == s
            }
        });
        if !matched {
            continue;
        }
        if route_method == method {
            return Ok((handler, params));
        }
        if !allowed.contains(&route_method) {
            allowed.push(route_method);
        }
    }
    let path = format!("/{}", segments.join("/"));
    if allowed.is_empty() {
        return Err(Fail::new(
            404,
            "RESOURCE_NOT_FOUND",
            format!("No route for {method} {path}"),
        ));
    }
    let mut fail = Fail::new(
        405,
        "METHOD_NOT_ALLOWED",
        format!(
            "{method} is not allowed on {path} (allowed: {})",
            allowed.join(", ")
        ),
    );
    fail.details = json!({ "allowed": allowed });
    Err(fail)
}

/// A handler's reply as a JSON response (API routes and test controls alike).
fn json_response(reply: Reply) -> Response {
    let mut headers = reply.headers;
    headers.push(("Content-Type", "application/json".into()));
    Response {
        status: reply.status,
        headers,
        body: serde_json::to_vec(&reply.body).unwrap_or_default(),
    }
}

/// The error envelope.
fn envelope(fail: &Fail, request_id: &str) -> Response {
    if let Some((content_type, body)) = fail.raw.as_deref() {
        return Response {
            status: fail.status,
            headers: vec![("Content-Type", (*content_type).to_owned())],
            body: serde_json::to_vec(body).unwrap_or_default(),
        };
    }
    let body = json!({"error": fail.error(), "request_id": request_id});
    let mut headers = vec![("Content-Type", "application/json".to_owned())];
    if fail.status == 405
        && let Some(allowed) = fail.details["allowed"].as_array()
    {
        let allowed: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
        headers.push(("Allow", allowed.join(", ")));
    }
    Response {
        status: fail.status,
        headers,
        body: serde_json::to_vec(&body).unwrap_or_default(),
    }
}

/// Percent-decodes a path segment or query component (`+` stays `+` in paths; the
/// query parser turns it into a space first).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(&k.replace('+', " ")), decode(&v.replace('+', " ")))
        })
        .collect()
}

// ---- request bodies ----

/// The body as a JSON object; an empty body is an empty object.
fn body(ctx: &Ctx<'_>) -> Result<Map<String, Value>, Fail> {
    body_or(ctx, invalid)
}

/// [`body`], refused with `invalid` (the App API answers in its own error shape).
fn body_or(
    ctx: &Ctx<'_>,
    invalid: fn(&str, &'static str) -> Fail,
) -> Result<Map<String, Value>, Fail> {
    if ctx.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(ctx.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid("body", "must be a JSON object")),
        Err(_) => Err(invalid("body", "is not valid JSON")),
    }
}

/// `prefix.key`, or `key` without a prefix.
fn joined(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn string(obj: &Map<String, Value>, key: &str, prefix: &str) -> Result<Option<String>, Fail> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(&joined(prefix, key), "must be a string")),
    }
}

/// A string that must be present and not blank.
fn required(obj: &Map<String, Value>, key: &str, prefix: &str) -> Result<String, Fail> {
    string(obj, key, prefix)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing(&joined(prefix, key)))
}

fn boolean(obj: &Map<String, Value>, key: &str, prefix: &str) -> Result<Option<bool>, Fail> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(invalid(&joined(prefix, key), "must be a boolean")),
    }
}

fn integer(
    obj: &Map<String, Value>,
    key: &str,
    prefix: &str,
    min: u64,
) -> Result<Option<u64>, Fail> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if n >= min && n <= u64::from(u32::MAX) => Ok(Some(n)),
            _ => Err(invalid(
                &joined(prefix, key),
                format!("must be a whole number of at least {min}"),
            )),
        },
    }
}

fn strings(obj: &Map<String, Value>, key: &str, prefix: &str) -> Result<Option<Vec<String>>, Fail> {
    let param = joined(prefix, key);
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                _ => Err(invalid(&format!("{param}[{i}]"), "must be a string")),
            })
            .collect::<Result<_, _>>()
            .map(Some),
        Some(_) => Err(invalid(&param, "must be an array of strings")),
    }
}

fn query_number(ctx: &Ctx<'_>, key: &str, default: u64, min: u64, max: u64) -> Result<u64, Fail> {
    match ctx.query.iter().find(|(k, _)| k == key) {
        None => Ok(default),
        Some((_, v)) => match v.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ if max == u64::MAX => Err(invalid(
                key,
                format!("must be a whole number of at least {min}"),
            )),
            _ => Err(invalid(
                key,
                format!("must be a whole number from {min} to {max}"),
            )),
        },
    }
}

/// The index of the App of the route's first parameter.
fn app_index(s: &State, ctx: &Ctx<'_>) -> Result<usize, Fail> {
    s.apps
        .iter()
        .position(|a| a.client_id == ctx.params[0])
        .ok_or_else(|| not_found("App"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_answer_404_and_405() {
        let path = |p: &str| p[1..].split('/').map(str::to_owned).collect::<Vec<_>>();
        assert!(find_route(ROUTES, "GET", &path("/apps/x/workflows/node-types")).is_ok());
        let fail = find_route(ROUTES, "PUT", &path("/apps/x"))
            .err()
            .map(|f| f.status);
        assert_eq!(fail, Some(405));
        let fail = find_route(ROUTES, "GET", &path("/nope"))
            .err()
            .map(|f| f.status);
        assert_eq!(fail, Some(404));
        assert!(find_route(ROUTES, "GET", &path("/apps/")).is_err());
    }

    #[test]
    fn paths_and_queries_are_percent_decoded() {
        assert_eq!(decode("a%2Fb%zz"), "a/b%zz");
        assert_eq!(
            parse_query("limit=5&x=a+b"),
            [("limit".into(), "5".into()), ("x".into(), "a b".into())]
        );
    }
}
