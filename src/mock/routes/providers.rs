//! Providers and their activation: the list, the steps, enable/disable, the form, the
//! documents and bulk activation.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::mock::http;
use crate::mock::state::{CatalogEntry, Document, FORM_FIELDS, Provider, State, catalog, ts};
use crate::providers::{MAX_DOCUMENT_BYTES, MAX_DOCUMENTS};

use super::{
    Ctx, Fail, Reply, app_index, body, boolean, conflict, created, invalid, missing, not_found, ok,
    required,
};

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

pub(super) fn list_providers(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let providers: Vec<Value> = s.apps[i]
        .providers
        .iter()
        .filter(|(_, p)| p.listed)
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

pub(super) fn activation_steps(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
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

pub(super) fn set_activation(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
    let i = app_index(s, ctx)?;
    let entry = provider_entry(ctx)?;
    let obj = body(ctx)?;
    let enabled = boolean(&obj, "enabled", "")?.ok_or_else(|| missing("enabled"))?;
    let app = &mut s.apps[i];
    let provider = app.providers.entry(entry.id.to_owned()).or_default();
    provider.set_enabled(enabled);
    let (_, index) = progress(entry, Some(provider));
    app.updated_at = ctx.now;
    ok(json!({"providerId": entry.id, "enabled": enabled, "currentStep": step_types(entry)[index]}))
}

pub(super) fn submit_form(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
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

pub(super) fn upload_documents(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
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
    if files.len() > MAX_DOCUMENTS {
        return Err(invalid(
            "files",
            format!("must be at most {MAX_DOCUMENTS} files, got {}", files.len()),
        ));
    }
    if let Some(k) = files.iter().position(|f| f.data.len() > MAX_DOCUMENT_BYTES) {
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

pub(super) fn delete_document(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
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

pub(super) fn bulk_activation(s: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Fail> {
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
                provider.set_enabled(true);
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
