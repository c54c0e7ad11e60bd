//! The workspace and the Apps: the App collection, one App, its redirect URIs and its
//! webhook settings.

use crate::MAX_IDEMPOTENCY_KEY_LEN;
use crate::apps::{MAX_BATCH_ITEMS, MAX_PAGE_SIZE, MAX_REDIRECT_URI_CHARS, MAX_REDIRECT_URIS};
use serde_json::{Value, json};

use crate::mock::state::{State, Webhook};

use super::{
    Ctx, Fail, Reply, app_index, body, boolean, created, integer, invalid, joined, missing, ok,
    query_number, required, string, strings,
};

/// A redirect or webhook URI as stored: checked (absolute, https or http on localhost,
/// a host, no fragment, at most 2,048 characters), scheme and host lowercased.
fn check_uri(uri: &str, parameter: &str) -> Result<String, Fail> {
    if uri.chars().count() > MAX_REDIRECT_URI_CHARS {
        return Err(invalid(
            parameter,
            format!("must be at most {MAX_REDIRECT_URI_CHARS} characters"),
        ));
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
    if items.len() > MAX_REDIRECT_URIS {
        return Err(invalid(
            parameter,
            format!(
                "must have at most {MAX_REDIRECT_URIS} URIs, got {}",
                items.len()
            ),
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
fn merge_webhook(webhook: &mut Webhook, value: &Value, prefix: &str) -> Result<(), Fail> {
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
        Some(Value::String(url)) if url.is_empty() => next.url = None,
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

pub(super) fn get_workspace(s: &mut State, _: &Ctx<'_>) -> Result<Reply, Fail> {
    ok(s.workspace_json())
}

pub(super) fn list_apps(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let limit = query_number(ctx, "limit", 20, 1, u64::from(MAX_PAGE_SIZE))?;
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

pub(super) fn create_app(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
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

pub(super) fn batch_create(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let obj = body(ctx)?;
    let items = match obj.get("items") {
        None | Some(Value::Null) => return Err(missing("items")),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid("items", "must be an array")),
    };
    if items.is_empty() || items.len() > MAX_BATCH_ITEMS {
        return Err(invalid(
            "items",
            format!(
                "must have 1 to {MAX_BATCH_ITEMS} items, got {}",
                items.len()
            ),
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
        if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN {
            return Err(invalid(
                &joined(&prefix, "idempotencyKey"),
                format!("must have 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters"),
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

pub(super) fn get_app(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    ok(s.app_json(&s.apps[i]))
}

pub(super) fn update_app(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
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
        Some(Value::String(uri)) if uri.is_empty() => Ok(None),
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

pub(super) fn delete_app(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    s.apps.remove(i);
    ok(json!({"message": "App deleted successfully"}))
}

pub(super) fn rotate_client_secret(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let secret = s.alnum(40);
    s.apps[i].client_secret = secret.clone();
    s.apps[i].updated_at = ctx.now;
    created(json!({ "clientSecret": secret }))
}

pub(super) fn get_redirect_uris(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    ok(json!({ "redirectUris": s.apps[i].redirect_uris }))
}

pub(super) fn put_redirect_uris(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
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

pub(super) fn get_webhook_config(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    ok(s.apps[i].webhook.json())
}

pub(super) fn patch_webhook_config(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let obj = body(ctx)?;
    merge_webhook(&mut s.apps[i].webhook, &Value::Object(obj), "")?;
    s.apps[i].updated_at = ctx.now;
    ok(s.apps[i].webhook.json())
}

pub(super) fn rotate_webhook_secret(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let secret = s.webhook_secret();
    s.apps[i].webhook.secret = secret.clone();
    ok(json!({ "secret": secret }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

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
}
