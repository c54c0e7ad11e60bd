//! Production tests: the list (which schedules due requests), create and the report.

use crate::production_tests::NewProductionTest;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::mock::state::{App, Challenge, State, TestRequest, catalog, ts};

use super::{
    Ctx, Fail, Reply, app_index, body, boolean, created, integer, invalid, not_found, ok, required,
    string, strings,
};

pub(super) fn list_tests(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
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
        max_claims: payload["maxStampClaims"].as_u64().unwrap_or(3),
        providers: payload["providerIds"].as_array().map(|ids| {
            ids.iter()
                .filter_map(|id| id.as_str().map(str::to_owned))
                .collect()
        }),
    });
}

pub(super) fn create_test(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let obj = body(ctx)?;
    let title = required(&obj, "title", "")?;
    if title.chars().count() > NewProductionTest::MAX_TITLE_CHARS {
        return Err(invalid(
            "title",
            format!(
                "must be at most {} characters",
                NewProductionTest::MAX_TITLE_CHARS
            ),
        ));
    }
    let description = string(&obj, "description", "")?;
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > NewProductionTest::MAX_DESCRIPTION_CHARS)
    {
        return Err(invalid(
            "description",
            format!(
                "must be at most {} characters",
                NewProductionTest::MAX_DESCRIPTION_CHARS
            ),
        ));
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

pub(super) fn report(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let challenge = s.apps[i]
        .challenges
        .iter()
        .find(|c| c.json["id"] == ctx.params[1].as_str())
        .ok_or_else(|| not_found("Challenge"))?;
    ok(json!({"challenge": challenge.json, "stats": challenge.stats}))
}
