//! The test controls, served under `/_mock/` (outside the API's base path, without a
//! key): what a test or `hopae mock ...` asks the fake to do that no API call does.
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `POST /_mock/emit` | `{app*, event*, data?}` | 202 `{id, event, app, url}`: a signed delivery is on its way |
//! | `GET /_mock/deliveries` | - | 200 `{data: [{id, app, event, url, attempts, status, error, delivered, done}]}` |
//! | `POST /_mock/claims` | `{challengeId*, providerId*}` | 200 `{challengeId, claims}` |
//! | `POST /_mock/challenges/{id}/complete` | - | 200 the challenge |
//! | `POST /_mock/production-tests/{id}/fail` | - | 200 the request, `failed` |
//! | `POST /_mock/keys/revoke` | `{key*}` | 200 `{revoked: true}`: the key gets 401 from then on |

use serde_json::{Value, json};

use crate::mock::deliveries::{self, Skipped};
use crate::mock::state::{State, ts};
use crate::webhooks::is_documented_event;

use super::{Ctx, Fail, Handler, Reply, body, conflict, invalid, not_found, ok, required};

/// The path every control is under.
pub(super) const PREFIX: &str = "/_mock";

/// Every control: method, path under [`PREFIX`], handler.
#[rustfmt::skip]
pub(super) const ROUTES: &[(&str, &str, Handler)] = &[
    ("POST", "/emit",                            emit),
    ("GET",  "/deliveries",                      list_deliveries),
    ("POST", "/claims",                          claim),
    ("POST", "/challenges/{}/complete",          complete_challenge),
    ("POST", "/production-tests/{}/fail",        fail_request),
    ("POST", "/keys/revoke",                     revoke_key),
];

fn emit(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let obj = body(ctx)?;
    let app = required(&obj, "app", "")?;
    let event = required(&obj, "event", "")?;
    if !is_documented_event(&event) {
        return Err(invalid(
            "event",
            "is not a documented webhook event (see `hopae webhooks events`)",
        ));
    }
    let data = obj.get("data").cloned().unwrap_or_else(|| json!({}));
    if !data.is_object() {
        return Err(invalid("data", "must be an object"));
    }
    match s.deliver(&app, &event, data) {
        Ok(id) => {
            let url = s.app(&app).and_then(|a| a.webhook.url.clone());
            Ok(Reply {
                status: 202,
                body: json!({"id": id, "event": event, "app": app, "url": url}),
                headers: Vec::new(),
            })
        }
        Err(Skipped::NoApp) => Err(not_found("App")),
        Err(why) => Err(conflict(format!("No delivery: {}", why.reason()))),
    }
}

fn list_deliveries(s: &mut State, _: &Ctx<'_>) -> Result<Reply, Fail> {
    let data: Vec<Value> = deliveries::list(&s.deliveries)
        .into_iter()
        .map(|d| {
            json!({
                "id": d.event_id, "app": d.client_id, "event": d.event, "url": d.url,
                "attempts": d.attempts, "status": d.status, "error": d.error,
                "delivered": d.delivered, "done": d.done,
            })
        })
        .collect();
    ok(json!({ "data": data }))
}

fn claim(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let obj = body(ctx)?;
    let challenge = required(&obj, "challengeId", "")?;
    let provider = required(&obj, "providerId", "")?;
    match s.claim(&challenge, &provider, ctx.now) {
        Some(claims) => ok(json!({"challengeId": challenge, "claims": claims})),
        None => Err(conflict(
            "No claim: no open challenge has this id, or its test does not take this provider",
        )),
    }
}

fn complete_challenge(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let challenge = s
        .apps
        .iter_mut()
        .flat_map(|a| a.challenges.iter_mut())
        .find(|c| c.json["id"] == ctx.params[0].as_str())
        .ok_or_else(|| not_found("Challenge"))?;
    if !challenge.json["completedAt"].is_null() {
        return Err(conflict("The challenge has completed already"));
    }
    challenge.json["completedAt"] = json!(ts(ctx.now));
    challenge.json["isActive"] = json!(false);
    ok(challenge.json.clone())
}

fn fail_request(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let app = s
        .apps
        .iter_mut()
        .find(|a| a.requests.iter().any(|r| r.id == ctx.params[0]))
        .ok_or_else(|| not_found("Production test request"))?;
    let client_id = app.client_id.clone();
    let request = app
        .requests
        .iter_mut()
        .find(|r| r.id == ctx.params[0])
        .ok_or_else(|| not_found("Production test request"))?;
    if request.status != "pending" {
        return Err(conflict(format!(
            "Only a pending request can fail; this one is {}",
            request.status
        )));
    }
    request.status = "failed";
    ok(request.json(&client_id))
}

fn revoke_key(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let obj = body(ctx)?;
    let key = required(&obj, "key", "")?;
    s.revoked.insert(key);
    ok(json!({ "revoked": true }))
}
