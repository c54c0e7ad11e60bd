//! The API on top of the tiny server: what every request goes through (faults, auth,
//! routing, idempotency, latency, the log), the routing table, and one handler per
//! operation.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::http::{self, Request, Response};
use super::state::{
    App, CatalogEntry, Challenge, Document, Domain, FORM_FIELDS, Idempotent, Provider, State,
    Stored, TestRequest, Workflow, base_domain, catalog, ts,
};
use super::{BASE_PATH, LoggedRequest};

/// What the server threads share.
pub(super) struct Shared {
    pub(super) state: Mutex<State>,
    pub(super) latency: Duration,
    pub(super) production: bool,
    pub(super) retry_after: u64,
}

/// A failed call: the status and the envelope's `error`.
pub(super) struct Fail {
    status: u16,
    code: &'static str,
    message: String,
    details: Value,
}

impl Fail {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Fail {
        Fail {
            status,
            code,
            message: message.into(),
            details: json!({}),
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
        "VALIDATION_MISSING_PARAMETER",
        format!("`{parameter}` is required"),
    )
    .parameter(parameter)
}

fn invalid(parameter: &str, why: impl std::fmt::Display) -> Fail {
    Fail::new(
        400,
        "VALIDATION_INVALID_PARAMETER",
        format!("`{parameter}` {why}"),
    )
    .parameter(parameter)
}

fn not_found(what: &str) -> Fail {
    Fail::new(404, "RESOURCE_NOT_FOUND", format!("{what} not found"))
}

fn conflict(message: impl Into<String>) -> Fail {
    Fail::new(409, "RESOURCE_CONFLICT", message)
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
}

type Handler = fn(&mut State, &Ctx<'_>) -> Result<Reply, Fail>;

/// Every operation: method, path under [`BASE_PATH`] (`{}` is a parameter), handler.
/// The first match wins, so literal segments come before parameters.
#[rustfmt::skip]
const ROUTES: &[(&str, &str, Handler)] = &[
    ("GET",     "/workspace",                                      get_workspace),
    ("GET",     "/apps",                                           list_apps),
    ("POST",    "/apps",                                           create_app),
    ("POST",    "/apps/batch",                                     batch_create),
    ("GET",     "/apps/{}",                                        get_app),
    ("PATCH",   "/apps/{}",                                        update_app),
    ("DELETE",  "/apps/{}",                                        delete_app),
    ("POST",    "/apps/{}/rotate-client-secret",                   rotate_client_secret),
    ("GET",     "/apps/{}/redirect-uris",                          get_redirect_uris),
    ("PUT",     "/apps/{}/redirect-uris",                          put_redirect_uris),
    ("GET",     "/apps/{}/webhook-config",                         get_webhook_config),
    ("PATCH",   "/apps/{}/webhook-config",                         patch_webhook_config),
    ("POST",    "/apps/{}/webhook-config/rotate-secret",           rotate_webhook_secret),
    ("GET",     "/apps/{}/production-tests",                       list_tests),
    ("POST",    "/apps/{}/production-tests",                       create_test),
    ("GET",     "/apps/{}/production-tests/{}/report",             report),
    ("GET",     "/apps/{}/workflows/node-types",                   node_types),
    ("GET",     "/apps/{}/workflows",                              list_workflows),
    ("POST",    "/apps/{}/workflows",                              create_workflow),
    ("GET",     "/apps/{}/workflows/{}",                           get_workflow),
    ("PATCH",   "/apps/{}/workflows/{}",                           update_workflow),
    ("DELETE",  "/apps/{}/workflows/{}",                           delete_workflow),
    ("POST",    "/apps/{}/workflows/{}/set-default",               set_default_workflow),
    ("GET",     "/apps/{}/providers",                              list_providers),
    ("GET",     "/apps/{}/providers/{}/activation/steps",          activation_steps),
    ("PATCH",   "/apps/{}/providers/{}/activation",                set_activation),
    ("POST",    "/apps/{}/providers/{}/activation/form",           submit_form),
    ("POST",    "/apps/{}/providers/{}/activation/documents",      upload_documents),
    ("DELETE",  "/apps/{}/providers/{}/activation/documents/{}",   delete_document),
    ("POST",    "/apps/{}/activation",                             bulk_activation),
    ("GET",     "/apps/{}/custom-domain",                          get_domain),
    ("PUT",     "/apps/{}/custom-domain",                          put_domain),
    ("DELETE",  "/apps/{}/custom-domain",                          delete_domain),
    ("POST",    "/apps/{}/custom-domain/verify",                   verify_domain),
];

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
        if let Err(fail) = self.authenticate(request.header("authorization")) {
            sleep();
            return Err(fail);
        }
        let segments: Option<Vec<String>> = path
            .strip_prefix(BASE_PATH)
            .filter(|p| p.starts_with('/'))
            .map(|p| p[1..].split('/').map(decode).collect());
        let routed = match segments {
            Some(segments) => find_route(&request.method, &segments),
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
            if key.is_empty() || key.len() > 255 {
                sleep();
                return Err(invalid("Idempotency-Key", "must have 1 to 255 characters"));
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
                        "IDEMPOTENCY_KEY_CONFLICT",
                        "This Idempotency-Key was used with another request",
                    ));
                }
                Some(Idempotent::InProgress) => {
                    drop(state);
                    sleep();
                    return Err(Fail::new(
                        409,
                        "IDEMPOTENCY_REQUEST_IN_PROGRESS",
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
        };
        let mut state = self.lock();
        let response = match handler(&mut state, &ctx) {
            Ok(reply) => {
                let mut headers = reply.headers;
                headers.push(("Content-Type", "application/json".into()));
                Response {
                    status: reply.status,
                    headers,
                    body: serde_json::to_vec(&reply.body).unwrap_or_default(),
                }
            }
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

    /// A Bearer workspace key of this fake's environment.
    fn authenticate(&self, header: Option<&str>) -> Result<(), Fail> {
        let refuse = |why: &str| Err(Fail::new(401, "AUTH_INVALID_CREDENTIALS", why));
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
fn find_route(method: &str, segments: &[String]) -> Result<(Handler, Vec<String>), Fail> {
    let mut allowed = Vec::new();
    for &(route_method, pattern, handler) in ROUTES {
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

/// The error envelope.
fn envelope(fail: &Fail, request_id: &str) -> Response {
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

/// A redirect or webhook URI as stored: checked (absolute, https or http on localhost,
/// a host, no fragment, at most 2,048 characters), scheme and host lowercased.
fn check_uri(uri: &str, parameter: &str) -> Result<String, Fail> {
    if uri.chars().count() > 2048 {
        return Err(invalid(parameter, "must be at most 2048 characters"));
    }
    if uri.contains('#') {
        return Err(invalid(parameter, "must not have a fragment"));
    }
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Err(invalid(parameter, "must be an absolute URL"));
    };
    let scheme = scheme.to_ascii_lowercase();
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, host_port) = authority.split_at(authority.rfind('@').map_or(0, |i| i + 1));
    let host_len = if host_port.starts_with('[') {
        host_port.find(']').map_or(host_port.len(), |i| i + 1)
    } else {
        host_port.find(':').unwrap_or(host_port.len())
    };
    let host = host_port[..host_len].to_ascii_lowercase();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(invalid(parameter, "must have a host"));
    }
    let local = matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]");
    if !(scheme == "https" || scheme == "http" && local) {
        return Err(invalid(
            parameter,
            "must use https (http only for localhost)",
        ));
    }
    Ok(format!(
        "{scheme}://{userinfo}{host}{}{tail}",
        &host_port[host_len..]
    ))
}

/// A full list of redirect URIs: checked, at most 20, duplicates removed.
fn redirect_uris(value: &Value, parameter: &str) -> Result<Vec<String>, Fail> {
    let Value::Array(items) = value else {
        return Err(invalid(parameter, "must be an array of strings"));
    };
    if items.len() > 20 {
        return Err(invalid(
            parameter,
            format!("must have at most 20 URIs, got {}", items.len()),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let param = format!("{parameter}[{i}]");
        let Value::String(uri) = item else {
            return Err(invalid(&param, "must be a string"));
        };
        let uri = check_uri(uri, &param)?;
        if !out.contains(&uri) {
            out.push(uri);
        }
    }
    Ok(out)
}

/// Merges a webhook settings object into `webhook` (nothing changes on error).
fn merge_webhook(
    webhook: &mut super::state::Webhook,
    value: &Value,
    prefix: &str,
) -> Result<(), Fail> {
    let Value::Object(obj) = value else {
        return Err(invalid(prefix, "must be an object"));
    };
    if obj.contains_key("secret") {
        return Err(invalid(
            &joined(prefix, "secret"),
            "cannot be set: rotate it with POST /apps/{client_id}/webhook-config/rotate-secret",
        ));
    }
    let mut next = webhook.clone();
    match obj.get("url") {
        None => {}
        Some(Value::Null) => next.url = None,
        Some(Value::String(url)) => next.url = Some(check_uri(url, &joined(prefix, "url"))?),
        Some(_) => return Err(invalid(&joined(prefix, "url"), "must be a string")),
    }
    if let Some(enabled) = boolean(obj, "enabled", prefix)? {
        next.enabled = enabled;
    }
    if let Some(n) = integer(obj, "retryAttempts", prefix, 0)? {
        next.retry_attempts = n;
    }
    if let Some(n) = integer(obj, "timeoutSeconds", prefix, 1)? {
        next.timeout_seconds = n;
    }
    if let Some(events) = strings(obj, "events", prefix)? {
        next.events = events;
    }
    *webhook = next;
    Ok(())
}

// ---- workspace and Apps ----

fn get_workspace(s: &mut State, _: &Ctx<'_>) -> Result<Reply, Fail> {
    ok(s.workspace_json())
}

/// The index of the App of the route's first parameter.
fn app_index(s: &State, ctx: &Ctx<'_>) -> Result<usize, Fail> {
    s.apps
        .iter()
        .position(|a| a.client_id == ctx.params[0])
        .ok_or_else(|| not_found("App"))
}

fn list_apps(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let limit = query_number(ctx, "limit", 20, 1, 100)?;
    let offset = query_number(ctx, "offset", 0, 0, u64::MAX)?;
    let data: Vec<Value> = s
        .apps
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(limit as usize)
        .map(|a| s.app_json(a))
        .collect();
    ok(json!({"data": data, "total": s.apps.len(), "limit": limit, "offset": offset}))
}

fn create_app(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let obj = body(ctx)?;
    let name = required(&obj, "name", "")?;
    let app = s.new_app(name, ctx.now);
    let location = format!("/v1/apps/{}", app.client_id);
    let body = s.app_json(&app);
    s.apps.push(app);
    let mut reply = created(body)?;
    reply.headers.push(("Location", location));
    Ok(reply)
}

fn batch_create(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let obj = body(ctx)?;
    let items = match obj.get("items") {
        None | Some(Value::Null) => return Err(missing("items")),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid("items", "must be an array")),
    };
    if items.is_empty() || items.len() > 100 {
        return Err(invalid(
            "items",
            format!("must have 1 to 100 items, got {}", items.len()),
        ));
    }
    let continue_on_error = boolean(&obj, "continueOnError", "")?.unwrap_or(false);
    let (mut results, mut successes, mut errors) = (Vec::new(), 0, 0);
    for (i, item) in items.iter().enumerate() {
        match batch_item(s, ctx, i, item) {
            Ok(result) => {
                results.push(result);
                successes += 1;
            }
            Err(fail) => {
                results.push(fail.error());
                errors += 1;
                if !continue_on_error {
                    break;
                }
            }
        }
    }
    created(json!({"results": results, "successCount": successes, "errorCount": errors}))
}

fn batch_item(s: &mut State, ctx: &Ctx<'_>, i: usize, item: &Value) -> Result<Value, Fail> {
    let prefix = format!("items[{i}]");
    let Value::Object(obj) = item else {
        return Err(invalid(&prefix, "must be an object"));
    };
    let name = required(obj, "name", &prefix)?;
    let uris = match obj.get("redirectUris") {
        None | Some(Value::Null) => None,
        Some(v) => Some(redirect_uris(v, &joined(&prefix, "redirectUris"))?),
    };
    let key = string(obj, "idempotencyKey", &prefix)?;
    if let Some(key) = &key {
        if key.is_empty() || key.len() > 255 {
            return Err(invalid(
                &joined(&prefix, "idempotencyKey"),
                "must have 1 to 255 characters",
            ));
        }
        if let Some((sent, client_id)) = s.batch_keys.get(key) {
            if sent != item {
                return Err(Fail::new(
                    409,
                    "IDEMPOTENCY_KEY_CONFLICT",
                    "This idempotencyKey was used with another item",
                )
                .parameter(&joined(&prefix, "idempotencyKey")));
            }
            if let Some(app) = s.app(client_id) {
                return Ok(json!({"app": s.app_json(app), "idempotencyKey": key}));
            }
        }
    }
    let mut app = s.new_app(name, ctx.now);
    if let Some(webhook) = obj.get("webhookConfig").filter(|v| !v.is_null()) {
        merge_webhook(&mut app.webhook, webhook, &joined(&prefix, "webhookConfig"))?;
    }
    if let Some(uris) = uris {
        app.redirect_uris = uris;
    }
    let json = s.app_json(&app);
    if let Some(key) = &key {
        s.batch_keys
            .insert(key.clone(), (item.clone(), app.client_id.clone()));
    }
    s.apps.push(app);
    Ok(json!({"app": json, "idempotencyKey": key}))
}

fn get_app(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    ok(s.app_json(&s.apps[i]))
}

fn update_app(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let obj = body(ctx)?;
    for key in ["clientId", "clientSecret"] {
        if obj.contains_key(key) {
            return Err(invalid(
                key,
                "cannot be changed (rotate the secret with POST /apps/{client_id}/rotate-client-secret)",
            ));
        }
    }
    let app = &s.apps[i];
    let name = match string(&obj, "name", "")? {
        Some(n) if n.trim().is_empty() => return Err(invalid("name", "must not be empty")),
        other => other,
    };
    let logo = match string(&obj, "logo", "")? {
        Some(l) if l.is_empty() => Some(None),
        Some(l) if l.starts_with("data:") => Some(Some(l)),
        Some(_) => {
            return Err(invalid(
                "logo",
                "must be a base64 data URL (data:image/png;base64,...), or \"\" to remove it",
            ));
        }
        None => None,
    };
    let uris = match obj.get("redirectUris") {
        None | Some(Value::Null) => None,
        Some(v) => Some(redirect_uris(v, "redirectUris")?),
    };
    let mut webhook = app.webhook.clone();
    if let Some(v) = obj.get("webhookConfig").filter(|v| !v.is_null()) {
        merge_webhook(&mut webhook, v, "webhookConfig")?;
    }
    let landing = |key: &str, current: &Option<String>| match obj.get(key) {
        None => Ok(current.clone()),
        Some(Value::Null) => Ok(None),
        Some(Value::String(uri)) => check_uri(uri, key).map(Some),
        Some(_) => Err(invalid(key, "must be a string")),
    };
    let success = landing("defaultSuccessRedirectUri", &app.success_uri)?;
    let failure = landing("defaultFailureRedirectUri", &app.failure_uri)?;
    let app = &mut s.apps[i];
    if let Some(name) = name {
        app.name = name;
    }
    if let Some(logo) = logo {
        app.logo = logo;
    }
    if let Some(uris) = uris {
        app.redirect_uris = uris;
    }
    app.webhook = webhook;
    app.success_uri = success;
    app.failure_uri = failure;
    app.updated_at = ctx.now;
    ok(s.app_json(&s.apps[i]))
}

fn delete_app(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    s.apps.remove(i);
    ok(json!({"message": "App deleted successfully"}))
}

fn rotate_client_secret(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let secret = s.alnum(40);
    s.apps[i].client_secret = secret.clone();
    s.apps[i].updated_at = ctx.now;
    created(json!({ "clientSecret": secret }))
}

fn get_redirect_uris(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    ok(json!({ "redirectUris": s.apps[i].redirect_uris }))
}

fn put_redirect_uris(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let obj = body(ctx)?;
    let uris = match obj.get("redirectUris") {
        None | Some(Value::Null) => return Err(missing("redirectUris")),
        Some(v) => redirect_uris(v, "redirectUris")?,
    };
    s.apps[i].redirect_uris = uris;
    s.apps[i].updated_at = ctx.now;
    ok(s.app_json(&s.apps[i]))
}

fn get_webhook_config(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    ok(s.apps[i].webhook.json())
}

fn patch_webhook_config(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let obj = body(ctx)?;
    merge_webhook(&mut s.apps[i].webhook, &Value::Object(obj), "")?;
    s.apps[i].updated_at = ctx.now;
    ok(s.apps[i].webhook.json())
}

fn rotate_webhook_secret(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let secret = s.webhook_secret();
    s.apps[i].webhook.secret = secret.clone();
    ok(json!({ "secret": secret }))
}

// ---- production tests ----

fn list_tests(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let after = s.schedule_after.max(1);
    let mut due = Vec::new();
    for (j, request) in s.apps[i].requests.iter_mut().enumerate() {
        if request.status == "pending" && request.schedulable {
            request.polls += 1;
            if request.polls >= after {
                due.push(j);
            }
        }
    }
    for j in due {
        let challenge_id = format!("ch_{}", s.uuid());
        schedule(&mut s.apps[i], j, challenge_id, ctx.now);
    }
    let app = &s.apps[i];
    let challenges = app
        .challenges
        .iter()
        .map(|c| json!({"type": "challenge", "challenge": c.json, "request": null}));
    let requests = app
        .requests
        .iter()
        .map(|r| json!({"type": "request", "challenge": null, "request": r.json(&app.client_id)}));
    ok(Value::Array(challenges.chain(requests).collect()))
}

/// Hopae schedules request `j`: it gets its challenge, which starts at zero claims.
fn schedule(app: &mut App, j: usize, challenge_id: String, now: OffsetDateTime) {
    let request = &mut app.requests[j];
    request.status = "scheduled";
    request.challenge_id = Some(challenge_id.clone());
    let payload = &request.payload;
    app.challenges.push(Challenge {
        json: json!({
            "id": challenge_id,
            "title": payload["title"],
            "description": payload.get("description").cloned().unwrap_or(Value::Null),
            "expiresAt": ts(now + time::Duration::days(7)),
            "createdAt": ts(now),
            "completedAt": null, "isActive": true, "challengeMode": "stamp",
            "sponsor": null, "sources": null,
        }),
        stats: json!({"totalParticipations": 0, "totalClaims": 0, "providerBreakdown": []}),
    });
}

fn create_test(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let obj = body(ctx)?;
    let title = required(&obj, "title", "")?;
    if title.chars().count() > 200 {
        return Err(invalid("title", "must be at most 200 characters"));
    }
    let description = string(&obj, "description", "")?;
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 1000)
    {
        return Err(invalid("description", "must be at most 1000 characters"));
    }
    let app = &s.apps[i];
    let eligible = |id: &str| {
        app.providers.get(id).is_some_and(|p| p.enabled)
            && !catalog(id).is_some_and(|e| e.chip_reader)
    };
    let provider_ids = strings(&obj, "providerIds", "")?;
    match &provider_ids {
        Some(ids) if ids.is_empty() => {
            return Err(invalid(
                "providerIds",
                "must not be empty (omit it for every eligible provider)",
            ));
        }
        Some(ids) => {
            for (k, id) in ids.iter().enumerate() {
                let param = format!("providerIds[{k}]");
                if catalog(id).is_some_and(|e| e.chip_reader) {
                    return Err(invalid(
                        &param,
                        format!(
                            "names `{id}`, a chip-reader provider, which production tests cannot use"
                        ),
                    ));
                }
                if !eligible(id) {
                    return Err(invalid(
                        &param,
                        format!("names `{id}`, which is not enabled on this App"),
                    ));
                }
            }
        }
        None => {
            if !app.providers.keys().any(|id| eligible(id)) {
                return Err(invalid(
                    "providerIds",
                    "is omitted, but no eligible provider is enabled on this App",
                ));
            }
        }
    }
    let platform = match string(&obj, "targetPlatform", "")?.as_deref() {
        None => Value::Null,
        Some(p @ ("ios" | "android")) => json!(p),
        Some(_) => return Err(invalid("targetPlatform", "must be ios or android")),
    };
    let max_stamps = integer(&obj, "maxStamps", "", 1)?.unwrap_or(3);
    let duplicates = boolean(&obj, "allowDuplicateParticipation", "")?;
    let mut payload = json!({
        "title": title, "providerIds": provider_ids, "maxStampClaims": max_stamps,
        "targetPlatform": platform,
    });
    if let Some(d) = description {
        payload["description"] = json!(d);
    }
    if let Some(d) = duplicates {
        payload["allowDuplicateParticipation"] = json!(d);
    }
    let request = TestRequest {
        id: format!("req_{}", s.uuid()),
        payload,
        status: "pending",
        challenge_id: None,
        created_at: ctx.now,
        polls: 0,
        schedulable: true,
    };
    let app = &mut s.apps[i];
    let body = request.json(&app.client_id);
    let location = format!("/v1/apps/{}/production-tests/{}", app.client_id, request.id);
    app.requests.push(request);
    let mut reply = created(body)?;
    reply.headers.push(("Location", location));
    Ok(reply)
}

fn report(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let challenge = s.apps[i]
        .challenges
        .iter()
        .find(|c| c.json["id"] == ctx.params[1].as_str())
        .ok_or_else(|| not_found("Challenge"))?;
    ok(json!({"challenge": challenge.json, "stats": challenge.stats}))
}

// ---- workflows ----

fn list_workflows(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    ok(s.apps[i].workflows.iter().map(Workflow::json).collect())
}

fn workflow_index(app: &App, id: &str) -> Result<usize, Fail> {
    app.workflows
        .iter()
        .position(|w| w.id == id)
        .ok_or_else(|| not_found("Workflow"))
}

fn get_workflow(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let app = &s.apps[app_index(s, ctx)?];
    ok(app.workflows[workflow_index(app, &ctx.params[1])?].json())
}

/// The nodes of a workflow, checked: objects with a unique `id` and a `type`; `config`
/// an object of depth at most 5 with at most 50 keys per level; verification nodes name
/// only providers of the App; `entry` names one of them.
fn check_nodes(app: &App, nodes: &Value, entry: &str) -> Result<Vec<Value>, Fail> {
    let Value::Array(nodes) = nodes else {
        return Err(invalid("nodes", "must be an array of nodes"));
    };
    if nodes.is_empty() {
        return Err(invalid("nodes", "must have at least one node"));
    }
    let mut ids: Vec<String> = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let prefix = format!("nodes[{i}]");
        let Value::Object(obj) = node else {
            return Err(invalid(&prefix, "must be an object"));
        };
        let id = required(obj, "id", &prefix)?;
        let kind = required(obj, "type", &prefix)?;
        if ids.contains(&id) {
            return Err(invalid(
                &joined(&prefix, "id"),
                format!("repeats the node id `{id}`"),
            ));
        }
        ids.push(id);
        match obj.get("config") {
            None | Some(Value::Null) => {}
            Some(config @ Value::Object(_)) => {
                check_config(config, 1, &joined(&prefix, "config"))?;
                if kind == "verification" {
                    for provider in named_providers(config) {
                        if !app.providers.contains_key(provider) {
                            return Err(invalid(
                                &joined(&prefix, "config"),
                                format!(
                                    "names the provider `{provider}`, which is not on this App"
                                ),
                            ));
                        }
                    }
                }
            }
            Some(_) => return Err(invalid(&joined(&prefix, "config"), "must be an object")),
        }
    }
    if !ids.iter().any(|id| id == entry) {
        return Err(invalid(
            "entryNodeId",
            format!("names no node of `nodes` (`{entry}`)"),
        ));
    }
    Ok(nodes.clone())
}

fn check_config(value: &Value, depth: usize, parameter: &str) -> Result<(), Fail> {
    let children: Box<dyn Iterator<Item = &Value>> = match value {
        Value::Object(map) => {
            if map.len() > 50 {
                return Err(invalid(parameter, "has more than 50 keys on one level"));
            }
            Box::new(map.values())
        }
        Value::Array(items) => Box::new(items.iter()),
        _ => return Ok(()),
    };
    if depth > 5 {
        return Err(invalid(parameter, "is nested deeper than 5 levels"));
    }
    for child in children {
        check_config(child, depth + 1, parameter)?;
    }
    Ok(())
}

/// The providers a verification node's config names (`providers`, `providerIds`,
/// `provider` or `providerId`).
fn named_providers(config: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    for key in ["providers", "providerIds"] {
        if let Some(items) = config[key].as_array() {
            out.extend(items.iter().filter_map(Value::as_str));
        }
    }
    for key in ["provider", "providerId"] {
        if let Some(id) = config[key].as_str() {
            out.push(id);
        }
    }
    out
}

/// A workflow id derived from a name: lowercase letters and digits, dashes between.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "workflow".into()
    } else {
        out.into()
    }
}

fn create_workflow(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let obj = body(ctx)?;
    let name = required(&obj, "name", "")?;
    let entry = required(&obj, "entryNodeId", "")?;
    let nodes = obj.get("nodes").ok_or_else(|| missing("nodes"))?;
    let app = &s.apps[i];
    let nodes = check_nodes(app, nodes, &entry)?;
    let id = match string(&obj, "workflowId", "")? {
        Some(id) => {
            let valid = !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid || id == "node-types" {
                return Err(invalid(
                    "workflowId",
                    "must be 1 to 64 letters, digits, `-` or `_` (and not `node-types`)",
                ));
            }
            id
        }
        None => slug(&name),
    };
    if app.workflows.iter().any(|w| w.id == id) {
        return Err(
            conflict(format!("A workflow with the id `{id}` already exists"))
                .parameter("workflowId"),
        );
    }
    if app.workflows.len() >= 100 {
        return Err(invalid("workflows", "an App has at most 100 workflows"));
    }
    let workflow = Workflow {
        id,
        name,
        entry_node_id: entry,
        nodes,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    let body = workflow.json();
    s.apps[i].workflows.push(workflow);
    created(body)
}

fn update_workflow(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let obj = body(ctx)?;
    let app = &s.apps[i];
    let w = workflow_index(app, &ctx.params[1])?;
    let current = &app.workflows[w];
    let name = match string(&obj, "name", "")? {
        Some(n) if n.trim().is_empty() => return Err(invalid("name", "must not be empty")),
        other => other,
    };
    let entry = string(&obj, "entryNodeId", "")?.unwrap_or_else(|| current.entry_node_id.clone());
    let nodes = match obj.get("nodes") {
        Some(nodes) if !nodes.is_null() => nodes.clone(),
        _ => Value::Array(current.nodes.clone()),
    };
    let nodes = check_nodes(app, &nodes, &entry)?;
    let workflow = &mut s.apps[i].workflows[w];
    if let Some(name) = name {
        workflow.name = name;
    }
    workflow.entry_node_id = entry;
    workflow.nodes = nodes;
    workflow.updated_at = ctx.now;
    ok(workflow.json())
}

fn delete_workflow(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let app = &mut s.apps[i];
    let w = workflow_index(app, &ctx.params[1])?;
    if app.workflows[w].id == app.default_workflow_id {
        return Err(invalid(
            "workflowId",
            "names the default workflow, which cannot be deleted (set another default first)",
        ));
    }
    app.workflows.remove(w);
    ok(json!({ "deleted": true }))
}

fn set_default_workflow(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let app = &mut s.apps[i];
    let w = workflow_index(app, &ctx.params[1])?;
    app.default_workflow_id = app.workflows[w].id.clone();
    app.updated_at = ctx.now;
    ok(json!({ "success": true }))
}

fn node_types(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    app_index(s, ctx)?;
    let field = |name: &str, kind: &str, required: bool, description: &str| json!({"name": name, "type": kind, "required": required, "description": description});
    let condition = [
        field(
            "field",
            "string",
            true,
            "The input to test: input.<dot.path>",
        ),
        json!({"name": "operator", "type": "enum", "required": true,
               "description": "How to compare",
               "enumValues": ["eq", "neq", "gt", "gte", "lt", "lte", "exists", "not_exists"]}),
        field("value", "string", false, "The value to compare with"),
    ];
    ok(json!([
        {"type": "request", "label": "Request", "description": "Where a verification starts",
         "fields": []},
        {"type": "verification", "label": "Verification",
         "description": "Verifies the user with one of the providers",
         "fields": [field("providers", "string[]", true, "The provider ids offered")]},
        {"type": "check-min-loa", "label": "Minimum LoA",
         "description": "Requires a level of assurance",
         "fields": [json!({"name": "minLoa", "type": "enum", "required": true,
                           "description": "The lowest level accepted",
                           "enumValues": ["low", "substantial", "high"]})]},
        {"type": "check-claim", "label": "Check claim", "description": "Requires a claim",
         "fields": [field("claim", "string", true, "The claim that must be present")]},
        {"type": "evaluate", "label": "Evaluate", "description": "Evaluates a condition",
         "fields": condition},
        {"type": "if", "label": "If", "description": "Routes on conditions",
         "fields": [field("routes", "object", true, "Conditions and the node each leads to")]},
        {"type": "response", "label": "Response", "description": "Ends the workflow",
         "fields": [field("claims", "string[]", false, "The claims returned")]},
    ]))
}

// ---- providers and activation ----

/// The route's provider (second parameter) in the catalog.
fn provider_entry(ctx: &Ctx<'_>) -> Result<&'static CatalogEntry, Fail> {
    catalog(&ctx.params[1]).ok_or_else(|| not_found("Provider"))
}

/// The activation step types of a provider.
fn step_types(entry: &CatalogEntry) -> Vec<&'static str> {
    let mut steps = vec!["enable", "activation-form"];
    if entry.upload {
        steps.push("upload");
    }
    steps.push("activated");
    steps
}

/// `(state, current step index)` of a provider on an App.
fn progress(entry: &CatalogEntry, provider: Option<&Provider>) -> (&'static str, usize) {
    let last = step_types(entry).len() - 1;
    let index = match provider {
        None => 0,
        Some(p) if !p.enabled => 0,
        Some(p) if p.activated => last,
        Some(p) if p.form.is_none() => 1,
        Some(p) if entry.upload && p.documents.is_empty() => 2,
        Some(_) => last,
    };
    let state = match (provider, index) {
        (None, _) => "not_started",
        (_, i) if i == last => "completed",
        _ => "in_progress",
    };
    (state, index)
}

fn list_providers(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let providers: Vec<Value> = s.apps[i]
        .providers
        .iter()
        .filter_map(|(id, p)| {
            let entry = catalog(id)?;
            let (state, index) = progress(entry, Some(p));
            let steps = step_types(entry);
            Some(json!({
                "providerId": id, "enabled": p.enabled, "state": state,
                "currentStep": steps[index], "currentStepIndex": index,
                "stepCount": steps.len(),
            }))
        })
        .collect();
    ok(json!({"total": providers.len(), "providers": providers}))
}

fn activation_steps(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let entry = provider_entry(ctx)?;
    let provider = s.apps[i].providers.get(entry.id);
    let (state, index) = progress(entry, provider);
    let form_data = provider.and_then(|p| p.form.as_ref()).map(|f| &f["data"]);
    let fields: Vec<Value> = FORM_FIELDS
        .iter()
        .map(|(name, label, example)| {
            let value = form_data.and_then(|d| d[name].as_str()).unwrap_or("");
            json!({"label": label, "name": name, "value": value, "type": "text",
                   "example": example})
        })
        .collect();
    let mut steps = vec![
        json!({"type": "enable", "title": format!("Enable {}", entry.name),
               "description": "Turn the provider on for this App"}),
        json!({"type": "activation-form", "title": "Company details",
               "description": "Tell the provider who operates the service",
               "requiredFields": fields}),
    ];
    if entry.upload {
        let uploaded: Vec<Value> = provider
            .map(|p| p.documents.iter().map(Document::json).collect())
            .unwrap_or_default();
        steps.push(json!({
            "type": "upload", "title": "Documents",
            "description": "Upload the signed agreement",
            "documents": [{"label": "Signed agreement",
                           "templateUrl": format!("https://example.com/templates/{}-agreement.pdf", entry.id)}],
            "uploaded": uploaded,
        }));
    }
    steps.push(json!({"type": "activated", "title": "Activated",
                      "description": format!("{} is ready to use", entry.name)}));
    ok(json!({"providerId": entry.id, "state": state, "currentStepIndex": index, "steps": steps}))
}

fn set_activation(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let entry = provider_entry(ctx)?;
    let obj = body(ctx)?;
    let enabled = boolean(&obj, "enabled", "")?.ok_or_else(|| missing("enabled"))?;
    let app = &mut s.apps[i];
    let provider = app.providers.entry(entry.id.to_owned()).or_default();
    provider.enabled = enabled;
    let (_, index) = progress(entry, Some(provider));
    app.updated_at = ctx.now;
    ok(json!({"providerId": entry.id, "enabled": enabled, "currentStep": step_types(entry)[index]}))
}

fn submit_form(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let entry = provider_entry(ctx)?;
    let obj = body(ctx)?;
    let data = match obj.get("data") {
        None | Some(Value::Null) => return Err(missing("data")),
        Some(Value::Object(data)) => data,
        Some(_) => return Err(invalid("data", "must be an object")),
    };
    for (field, _, _) in FORM_FIELDS {
        required(data, field, "data")?;
    }
    boolean(&obj, "saveToCompanyInfo", "")?;
    if s.apps[i]
        .providers
        .get(entry.id)
        .is_some_and(|p| p.form.is_some())
    {
        return Err(conflict(format!(
            "An activation form was already submitted for {}",
            entry.name
        )));
    }
    let form = json!({
        "formId": format!("form_{}", s.uuid()), "clientId": ctx.params[0],
        "providerId": entry.id, "data": data, "status": "submitted",
        "createdAt": ts(ctx.now),
    });
    let provider = s.apps[i].providers.entry(entry.id.to_owned()).or_default();
    provider.form = Some(form.clone());
    created(form)
}

fn upload_documents(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    const MAX_FILE: usize = 10 * 1024 * 1024;
    let i = app_index(s, ctx)?;
    let entry = provider_entry(ctx)?;
    if !entry.upload {
        return Err(Fail::new(
            400,
            "VALIDATION_STEP_NOT_APPLICABLE",
            format!("{} has no document upload step", entry.name),
        )
        .parameter("providerId"));
    }
    let parts = http::multipart(ctx.content_type.unwrap_or(""), ctx.body)
        .map_err(|why| invalid("files", why))?;
    let files: Vec<_> = parts.iter().filter(|p| p.name == "files").collect();
    if files.is_empty() {
        return Err(missing("files"));
    }
    if files.len() > 10 {
        return Err(invalid(
            "files",
            format!("must be at most 10 files, got {}", files.len()),
        ));
    }
    if let Some(k) = files.iter().position(|f| f.data.len() > MAX_FILE) {
        return Err(invalid(&format!("files[{k}]"), "is larger than 10 MB"));
    }
    let mut documents = Vec::new();
    for file in files {
        documents.push(Document {
            id: format!("doc_{}", s.uuid()),
            file_name: file.filename.clone().unwrap_or_else(|| "file".into()),
            size: file.data.len(),
            content_type: file
                .content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into()),
            uploaded_at: ctx.now,
            state: "pending",
        });
    }
    let body: Vec<Value> = documents.iter().map(Document::json).collect();
    let provider = s.apps[i].providers.entry(entry.id.to_owned()).or_default();
    provider.documents.extend(documents);
    created(json!({ "documents": body }))
}

fn delete_document(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let entry = provider_entry(ctx)?;
    let documents = s.apps[i]
        .providers
        .get_mut(entry.id)
        .map(|p| &mut p.documents)
        .ok_or_else(|| not_found("Document"))?;
    let k = documents
        .iter()
        .position(|d| d.id == ctx.params[2])
        .ok_or_else(|| not_found("Document"))?;
    if documents[k].state == "processed" {
        return Err(conflict(
            "The document was processed and can no longer be deleted",
        ));
    }
    documents.remove(k);
    ok(json!({ "deleted": true }))
}

fn bulk_activation(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let obj = body(ctx)?;
    let requested = match obj.get("providers") {
        None | Some(Value::Null) => return Err(missing("providers")),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(invalid("providers", "must be an object")),
    };
    for (id, fields) in requested {
        let Value::Object(fields) = fields else {
            return Err(invalid(&format!("providers.{id}"), "must be an object"));
        };
        if let Some((field, _)) = fields
            .iter()
            .find(|(_, v)| !(v.is_string() || v.is_boolean()))
        {
            return Err(invalid(
                &format!("providers.{id}.{field}"),
                "must be a string or a boolean",
            ));
        }
    }
    let mut out = BTreeMap::new();
    for id in requested.keys() {
        let result = match catalog(id) {
            None => json!({"error": "provider_not_found",
                           "message": format!("No provider `{id}` exists")}),
            Some(entry) if entry.contract => json!({
                "error": "contract_activation_required",
                "message": format!("{} needs a contract with Hopae before activation", entry.name),
                "contact": "your Hopae account manager",
            }),
            Some(entry) => {
                let activation_id = format!("act_{}", s.alnum(20));
                let provider = s.apps[i].providers.entry(id.clone()).or_default();
                provider.enabled = true;
                let status = if entry.upload {
                    for document in &mut provider.documents {
                        document.state = "processed";
                    }
                    "activation_requested"
                } else {
                    provider.activated = true;
                    "activated"
                };
                let result =
                    json!({"id": activation_id, "status": status, "updatedAt": ts(ctx.now)});
                provider.activation = Some(result.clone());
                result
            }
        };
        out.insert(id.clone(), result);
    }
    s.apps[i].updated_at = ctx.now;
    ok(json!(out))
}

// ---- custom domains ----

fn get_domain(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let app = &s.apps[app_index(s, ctx)?];
    ok(Domain::json(app.domain.as_ref(), &app.client_id))
}

/// A bare host name: letters, digits, `-` and `.`, at least two labels.
fn check_host(host: &str, parameter: &str) -> Result<(), Fail> {
    let labels: Vec<&str> = host.split('.').collect();
    let valid = host.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if valid {
        Ok(())
    } else {
        Err(invalid(
            parameter,
            "must be a bare host name such as login.example.com (no scheme, port or path)",
        ))
    }
}

fn put_domain(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
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

fn delete_domain(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let app = &mut s.apps[i];
    app.domain = None;
    ok(Domain::json(None, &app.client_id))
}

fn verify_domain(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_checked_and_normalized() {
        assert_eq!(
            check_uri("HTTPS://Shop.EXAMPLE:8443/Cb?x=1", "u")
                .ok()
                .as_deref(),
            Some("https://shop.example:8443/Cb?x=1")
        );
        assert!(check_uri("http://localhost:3000/cb", "u").is_ok());
        for bad in [
            "http://shop.example/cb",
            "https://shop.example/cb#x",
            "shop.example/cb",
            "https:///cb",
        ] {
            assert!(check_uri(bad, "u").is_err(), "{bad}");
        }
        let uris = redirect_uris(
            &json!(["https://A.example/cb", "https://a.example/cb"]),
            "redirectUris",
        )
        .ok();
        assert_eq!(uris, Some(vec!["https://a.example/cb".to_owned()]));
    }

    #[test]
    fn routes_answer_404_and_405() {
        let path = |p: &str| p[1..].split('/').map(str::to_owned).collect::<Vec<_>>();
        assert!(find_route("GET", &path("/apps/x/workflows/node-types")).is_ok());
        let fail = find_route("PUT", &path("/apps/x")).err().map(|f| f.status);
        assert_eq!(fail, Some(405));
        let fail = find_route("GET", &path("/nope")).err().map(|f| f.status);
        assert_eq!(fail, Some(404));
        assert!(find_route("GET", &path("/apps/")).is_err());
    }

    #[test]
    fn helpers() {
        assert_eq!(slug("My  Flow!"), "my-flow");
        assert_eq!(slug("!!"), "workflow");
        assert_eq!(decode("a%2Fb%zz"), "a/b%zz");
        assert_eq!(
            parse_query("limit=5&x=a+b"),
            [("limit".into(), "5".into()), ("x".into(), "a b".into())]
        );
        let deep = json!({"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}});
        assert!(check_config(&deep, 1, "config").is_err());
        assert!(check_config(&deep["a"], 1, "config").is_ok());
    }
}
