//! Providers on an App and their activation: the list ([`Providers`], from
//! [`AppHandle::providers`]), one provider's activation steps, form and documents
//! ([`ProviderHandle`], from [`AppHandle::provider`]), and bulk activation.
//!
//! | call | method and path |
//! |---|---|
//! | [`Providers::list`] | `GET /apps/{client_id}/providers` |
//! | [`Providers::activate`] | `POST /apps/{client_id}/activation` |
//! | [`ProviderHandle::activation_steps`] | `GET /apps/{client_id}/providers/{provider_id}/activation/steps` |
//! | [`ProviderHandle::set_enabled`] | `PATCH /apps/{client_id}/providers/{provider_id}/activation` |
//! | [`ProviderHandle::submit_activation_form`] | `POST /apps/{client_id}/providers/{provider_id}/activation/form` |
//! | [`ProviderHandle::upload_documents`] | `POST /apps/{client_id}/providers/{provider_id}/activation/documents` |
//! | [`ProviderHandle::delete_document`] | `DELETE /apps/{client_id}/providers/{provider_id}/activation/documents/{document_id}` |
//!
//! Hopae documents two answers for the provider list (the OpenAPI document's
//! `{providers, total}` of activation states, and a newer bare array of catalog
//! entries); [`AppProvider`] reads both, so every field but the id is optional.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use time::OffsetDateTime;

use crate::decode::{self, DecodeResult, ts};
use crate::error::{Error, InputErrorKind};
use crate::http::{AppHandle, Call, Idempotent, segment};
use crate::open_enum::open_enum;
use crate::retry;
use crate::secret::Secret;

/// The most documents one upload takes, as documented.
pub const MAX_DOCUMENTS: usize = 10;
/// The largest document one upload takes, in bytes: 10 MB, read as 10 × 1024 × 1024.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
/// The longest file name sent, in bytes.
const MAX_FILE_NAME_BYTES: usize = 255;

open_enum! {
    /// How far a provider's activation has come (`state`).
    ActivationState {
        /// Nothing done yet.
        NotStarted = "not_started",
        /// Some steps done.
        InProgress = "in_progress",
        /// Activated.
        Completed = "completed",
    }
}

open_enum! {
    /// The kind of an activation step (`type`).
    StepType {
        /// Enable the provider on the App.
        Enable = "enable",
        /// Fill in the activation form.
        ActivationForm = "activation-form",
        /// Upload documents.
        Upload = "upload",
        /// Enter the provider's API key.
        ApiKey = "api-key",
        /// Done.
        Activated = "activated",
    }
}

open_enum! {
    /// Where an uploaded document stands (`state`).
    DocumentState {
        /// Not reviewed yet (it can still be deleted).
        Pending = "pending",
        /// Refused by the review.
        Rejected = "rejected",
        /// Accepted (it can no longer be deleted).
        Processed = "processed",
    }
}

open_enum! {
    /// Where a submitted activation form stands (`status`).
    FormStatus {
        /// Received, not reviewed yet.
        Submitted = "submitted",
        /// Refused: the form can be submitted again.
        Rejected = "rejected",
    }
}

open_enum! {
    /// The outcome of one provider of a bulk activation (`status`).
    ActivationStatus {
        /// The provider is active.
        Activated = "activated",
        /// Activation was requested and awaits Hopae.
        ActivationRequested = "activation_requested",
    }
}

/// One provider of an App, from [`Providers::list`].
///
/// The list has two documented shapes: entries of `{providers: [...], total}` carry the
/// activation fields (`enabled`, `state`, `currentStep`, ...), the newer bare array's
/// catalog entries carry the description fields (`name`, `countries`, `scopes`, ...).
/// So every field but [`AppProvider::provider_id`] is optional. The id is read from
/// `providerId` or from `id`; it is what production tests take in `providerIds`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AppProvider {
    /// The provider id (`mitid`, `bankid-se`, ...): `providerId`, or `id` in the catalog
    /// shape (an entry with both is refused as a duplicate field).
    pub provider_id: String,
    /// Whether the provider is enabled on the App.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// How far its activation has come.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<ActivationState>,
    /// The current activation step, as sent (its shape is undocumented).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_step: Option<serde_json::Value>,
    /// The index of the current activation step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_step_index: Option<u32>,
    /// How many activation steps there are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_count: Option<u32>,
    /// The display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The logo's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// The countries the provider covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub countries: Option<Vec<String>>,
    /// The flow types it supports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_types: Option<Vec<String>>,
    /// The scopes it can return.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Its level of assurance, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loa: Option<serde_json::Value>,
    /// Its default level of assurance, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_loa: Option<serde_json::Value>,
    /// The provider's kind (`type`), as sent.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub provider_type: Option<String>,
    /// Its verification model, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_model: Option<String>,
    /// Whether the provider is active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// Whether the App's owner has something to do for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub need_action: Option<bool>,
    /// Its activation status (with `?include=activation`), as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Its activation record (with `?include=activation`), as sent: `{status, id,
    /// requirements, requestedAt, activatedAt}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation: Option<serde_json::Value>,
}

crate::json::from_json!(AppProvider {
    provider_id: req_any(&["providerId", "id"]),
    enabled: opt("enabled"),
    state: opt("state"),
    current_step: opt("currentStep"),
    current_step_index: opt("currentStepIndex"),
    step_count: opt("stepCount"),
    name: opt("name"),
    description: opt("description"),
    logo_url: opt("logoUrl"),
    countries: opt("countries"),
    flow_types: opt("flowTypes"),
    scopes: opt("scopes"),
    loa: opt("loa"),
    default_loa: opt("defaultLoa"),
    provider_type: opt("type"),
    verification_model: opt("verificationModel"),
    is_active: opt("isActive"),
    need_action: opt("needAction"),
    status: opt("status"),
    activation: opt("activation"),
});

/// The provider list in either documented shape: a bare array, or `{providers, total}`.
fn decode_providers(body: &[u8]) -> DecodeResult<Vec<AppProvider>> {
    struct Wrapped {
        providers: Vec<AppProvider>,
    }

    crate::json::from_json!(Wrapped {
        providers: req("providers"),
    });
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => decode::array(body),
        _ => decode::object::<Wrapped>(body).map(|w| w.providers),
    }
}

/// A provider's activation steps, from [`ProviderHandle::activation_steps`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ActivationSteps {
    /// The provider id.
    pub provider_id: String,
    /// How far the activation has come.
    pub state: ActivationState,
    /// The index in `steps` of the current step.
    pub current_step_index: u32,
    /// The steps, in order.
    pub steps: Vec<ActivationStep>,
}

crate::json::from_json!(ActivationSteps {
    provider_id: req("providerId"),
    state: req("state"),
    current_step_index: req("currentStepIndex"),
    steps: req("steps"),
});

/// One step of a provider's activation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ActivationStep {
    /// What kind of step it is.
    #[serde(rename = "type")]
    pub step_type: StepType,
    /// The step's title.
    pub title: String,
    /// What the step asks for.
    pub description: Option<String>,
    /// The fields an `activation-form` step asks for: the keys of
    /// [`ActivationForm::field`].
    pub required_fields: Vec<RequiredField>,
    /// The documents an `upload` step asks for.
    pub documents: Vec<DocumentTemplate>,
    /// What has been uploaded for the step so far, as sent.
    pub uploaded: Vec<serde_json::Value>,
}

crate::json::from_json!(ActivationStep {
    step_type: req("type"),
    title: req("title"),
    description: opt("description"),
    required_fields: def_with("requiredFields", crate::json::null_as_empty),
    documents: def_with("documents", crate::json::null_as_empty),
    uploaded: def_with("uploaded", crate::json::null_as_empty),
});

/// One field of an activation form step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RequiredField {
    /// A display label.
    pub label: String,
    /// The key to send in the form's `data`.
    pub name: String,
    /// The current (or prefilled) value, as sent.
    pub value: Option<serde_json::Value>,
    /// The input type, as sent.
    #[serde(rename = "type")]
    pub field_type: Option<String>,
    /// An example value, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<serde_json::Value>,
    /// Help for filling it in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help_text: Option<String>,
    /// The allowed values, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<serde_json::Value>,
}

crate::json::from_json!(RequiredField {
    label: req("label"),
    name: req("name"),
    value: opt("value"),
    field_type: opt("type"),
    example: opt("example"),
    help_text: opt("helpText"),
    options: opt("options"),
});

/// A document an upload step asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DocumentTemplate {
    /// What the document is.
    pub label: String,
    /// Where to download the template to fill in, when there is one.
    pub template_url: Option<String>,
    /// Whether the document may be left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

crate::json::from_json!(DocumentTemplate {
    label: req("label"),
    template_url: opt("templateUrl"),
    optional: opt("optional"),
});

/// The answer of [`ProviderHandle::set_enabled`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ActivationToggle {
    /// The provider id.
    pub provider_id: String,
    /// Whether the provider is now enabled.
    pub enabled: bool,
    /// The current activation step, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_step: Option<serde_json::Value>,
}

crate::json::from_json!(ActivationToggle {
    provider_id: req("providerId"),
    enabled: req("enabled"),
    current_step: opt("currentStep"),
});

/// The body of [`ProviderHandle::submit_activation_form`]: the values of the step's
/// [`RequiredField`]s, by name.
///
/// # Example
///
/// ```
/// use hopae::providers::ActivationForm;
///
/// let form = ActivationForm::new().field("companyName", "Shop AB").save_to_company_info(true);
/// assert_eq!(
///     serde_json::to_string(&form)?,
///     r#"{"data":{"companyName":"Shop AB"},"saveToCompanyInfo":true}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ActivationForm {
    /// The values, by field name. Each is a [`Secret`]: a form may carry a provider's API
    /// key or client secret, so `Debug` shows the names and `[redacted]` for the values.
    pub data: BTreeMap<String, Secret<serde_json::Value>>,
    /// Whether to keep the values as the workspace's company information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub save_to_company_info: Option<bool>,
}

crate::json::from_json!(ActivationForm {
    data: req("data"),
    save_to_company_info: opt("saveToCompanyInfo"),
});

impl ActivationForm {
    /// A form without values yet.
    pub fn new() -> ActivationForm {
        ActivationForm::default()
    }

    /// Sets the value of the field `name` (a [`RequiredField::name`]).
    pub fn field(mut self, name: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.data.insert(name.into(), Secret::new(value.into()));
        self
    }

    /// Whether to keep the values as the workspace's company information.
    pub fn save_to_company_info(mut self, save: bool) -> Self {
        self.save_to_company_info = Some(save);
        self
    }

    /// Checks the form without sending anything.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the form has no field or a field with an empty name.
    pub fn validate(&self) -> Result<(), Error> {
        if self.data.is_empty() {
            return Err(Error::invalid_input(
                "an activation form must have at least one field",
            ));
        }
        if self.data.keys().any(|k| k.trim().is_empty()) {
            return Err(Error::invalid_input(
                "an activation form field name must not be empty",
            ));
        }
        Ok(())
    }
}

/// The answer of [`ProviderHandle::submit_activation_form`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ActivationFormReceipt {
    /// The form's id.
    pub form_id: String,
    /// The App's client id.
    pub client_id: String,
    /// The provider id.
    pub provider_id: String,
    /// The values as stored: the submitted values echoed, so a [`Secret`] (`Debug`
    /// shows `[redacted]`).
    pub data: Secret<serde_json::Value>,
    /// Where the form stands (`submitted`).
    pub status: FormStatus,
    /// When it was submitted.
    #[serde(with = "ts")]
    pub created_at: OffsetDateTime,
}

crate::json::from_json!(ActivationFormReceipt {
    form_id: req("formId"),
    client_id: req("clientId"),
    provider_id: req("providerId"),
    data: req("data"),
    status: req("status"),
    created_at: req("createdAt"),
});

/// One file for [`ProviderHandle::upload_documents`]: its name, content type and bytes.
///
/// `Debug` shows the size, not the bytes.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Document {
    /// The file name sent (`contract.pdf`).
    pub file_name: String,
    /// The content type sent (`application/pdf`).
    pub content_type: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

impl Document {
    /// A document with this file name, content type and content.
    pub fn new(
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> Document {
        Document {
            file_name: file_name.into(),
            content_type: content_type.into(),
            bytes: bytes.into(),
        }
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("bytes", &format_args!("[{} bytes]", self.bytes.len()))
            .finish()
    }
}

/// A document as stored, from [`ProviderHandle::upload_documents`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UploadedDocument {
    /// The id [`ProviderHandle::delete_document`] takes.
    pub document_id: String,
    /// The file name.
    pub file_name: String,
    /// The size in bytes.
    pub file_size: u64,
    /// The content type.
    pub content_type: String,
    /// When it was uploaded.
    #[serde(with = "ts")]
    pub uploaded_at: OffsetDateTime,
    /// Where its review stands.
    pub state: DocumentState,
}

crate::json::from_json!(UploadedDocument {
    document_id: req("documentId"),
    file_name: req("fileName"),
    file_size: req("fileSize"),
    content_type: req("contentType"),
    uploaded_at: req("uploadedAt"),
    state: req("state"),
});

/// Whether `b` may appear in an HTTP token (RFC 9110 `tchar`).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The upload rules: 1 to 10 documents, each 1 byte to 10 MB, with a file name and a
/// content type that cannot break out of their header lines.
fn validate_documents(documents: &[Document]) -> Result<(), Error> {
    if documents.is_empty() || documents.len() > MAX_DOCUMENTS {
        return Err(Error::invalid_input(format!(
            "an upload takes 1 to {MAX_DOCUMENTS} documents, got {}",
            documents.len()
        )));
    }
    for (i, d) in documents.iter().enumerate() {
        let bad = |why: String| Err(Error::invalid_input(format!("`documents[{i}]`: {why}")));
        if d.file_name.trim().is_empty() {
            return bad("the file name must not be empty".into());
        }
        if d.file_name.len() > MAX_FILE_NAME_BYTES {
            return bad(format!(
                "the file name has {} bytes, at most {MAX_FILE_NAME_BYTES} are allowed",
                d.file_name.len()
            ));
        }
        // Refused rather than escaped: servers disagree on how to unescape a file name,
        // and `"`, `\` or a line break could end the header or the quoted string early.
        if d.file_name
            .chars()
            .any(|c| c.is_control() || c == '"' || c == '\\')
        {
            return bad(
                "the file name must not contain `\"`, `\\`, line breaks or other control characters"
                    .into(),
            );
        }
        let (essence, params) = match d.content_type.split_once(';') {
            Some((e, p)) => (e.trim(), Some(p)),
            None => (d.content_type.as_str(), None),
        };
        let token = |s: &str| !s.is_empty() && s.bytes().all(is_tchar);
        let valid_type = essence
            .split_once('/')
            .is_some_and(|(t, s)| token(t) && token(s))
            && params.is_none_or(|p| {
                p.bytes()
                    .all(|b| is_tchar(b) || b == b';' || b == b'=' || b == b' ')
            });
        if !valid_type {
            return bad(
                "the content type must look like `application/pdf` (a type and subtype of token characters, no quotes or line breaks)"
                    .into(),
            );
        }
        if d.bytes.is_empty() {
            return bad("the file is empty".into());
        }
        if d.bytes.len() > MAX_DOCUMENT_BYTES {
            return bad(format!(
                "the file has {} bytes, at most {MAX_DOCUMENT_BYTES} (10 MB) are allowed",
                d.bytes.len()
            ));
        }
    }
    Ok(())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The `multipart/form-data` body of an upload, one `files` part per document, and its
/// content type. The boundary is random and checked to occur in no part (a new one is
/// drawn when it does).
fn multipart(documents: &[Document]) -> Result<(String, Vec<u8>), Error> {
    for _ in 0..8 {
        let boundary = retry::multipart_boundary();
        let b = boundary.as_bytes();
        if documents.iter().any(|d| {
            contains(&d.bytes, b)
                || contains(d.file_name.as_bytes(), b)
                || contains(d.content_type.as_bytes(), b)
        }) {
            continue;
        }
        let size: usize = documents
            .iter()
            .map(|d| d.bytes.len() + d.file_name.len() + d.content_type.len() + 200)
            .sum();
        // `size` is at least the body's length: over the API's limit, nothing is built.
        if size > crate::MAX_MULTIPART_BODY_BYTES {
            return Err(Error::invalid_input(format!(
                "the upload would be a body of about {size} bytes; the API takes at most {} (MAX_MULTIPART_BODY_BYTES)",
                crate::MAX_MULTIPART_BODY_BYTES
            )));
        }
        let mut body = Vec::with_capacity(size);
        for d in documents {
            body.extend_from_slice(b"--");
            body.extend_from_slice(b);
            body.extend_from_slice(
                format!(
                    "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                    d.file_name, d.content_type
                )
                .as_bytes(),
            );
            body.extend_from_slice(&d.bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--");
        body.extend_from_slice(b);
        body.extend_from_slice(b"--\r\n");
        return Ok((format!("multipart/form-data; boundary={boundary}"), body));
    }
    Err(Error::invalid_input(
        "no multipart boundary was found that occurs in none of the documents",
    ))
}

/// The body of [`Providers::activate`]: for each provider, the values of its activation
/// fields (strings or booleans).
///
/// # Example
///
/// ```
/// use hopae::providers::BulkActivation;
///
/// let bulk = BulkActivation::new()
///     .field("mitid", "companyName", "Shop AB")
///     .field("mitid", "acceptTerms", true)
///     .provider("passport");
/// assert_eq!(
///     serde_json::to_string(&bulk)?,
///     r#"{"providers":{"mitid":{"acceptTerms":true,"companyName":"Shop AB"},"passport":{}}}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct BulkActivation {
    /// The fields of each provider to activate, by provider id. Each value is a
    /// [`Secret`]: `Debug` shows provider and field ids, and `[redacted]` for the values.
    pub providers: BTreeMap<String, BTreeMap<String, Secret<serde_json::Value>>>,
}

crate::json::from_json!(BulkActivation {
    providers: req("providers"),
});

impl BulkActivation {
    /// An activation of no provider yet.
    pub fn new() -> BulkActivation {
        BulkActivation::default()
    }

    /// Adds a provider (without fields, unless [`BulkActivation::field`] adds some).
    pub fn provider(mut self, provider_id: impl Into<String>) -> Self {
        self.providers.entry(provider_id.into()).or_default();
        self
    }

    /// Sets one field of one provider (a string or a boolean).
    pub fn field(
        mut self,
        provider_id: impl Into<String>,
        field_id: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.providers
            .entry(provider_id.into())
            .or_default()
            .insert(field_id.into(), Secret::new(value.into()));
        self
    }

    /// Checks the body without sending anything.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for no provider, an empty provider id or field id, or a
    /// value that is neither a string nor a boolean.
    pub fn validate(&self) -> Result<(), Error> {
        if self.providers.is_empty() {
            return Err(Error::invalid_input(
                "a bulk activation must name at least one provider",
            ));
        }
        for (provider, fields) in &self.providers {
            if provider.trim().is_empty() {
                return Err(Error::invalid_input(
                    "a bulk activation's provider id must not be empty",
                ));
            }
            for (field, value) in fields {
                if field.trim().is_empty() {
                    return Err(Error::input_at(
                        format!("providers.{provider}"),
                        format!("provider `{provider}`: a field id must not be empty"),
                    ));
                }
                if !(value.expose().is_string() || value.expose().is_boolean()) {
                    return Err(Error::input_at(
                        format!("providers.{provider}.{field}"),
                        format!(
                            "provider `{provider}`: field `{field}` must be a string or a boolean"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The answer of [`Providers::activate`]: one outcome per provider. Partial success is
/// normal: a provider Hopae refused is an [`ActivationOutcome::Refused`] here, not an
/// error of the call.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
#[non_exhaustive]
pub struct BulkActivationResult {
    /// The outcome of each provider, by provider id.
    pub results: BTreeMap<String, ActivationOutcome>,
}

impl TryFrom<BTreeMap<String, ActivationOutcome>> for BulkActivationResult {
    type Error = String;
    fn try_from(results: BTreeMap<String, ActivationOutcome>) -> Result<Self, String> {
        Ok(BulkActivationResult { results })
    }
}

crate::json::from_json_via!(BulkActivationResult, BTreeMap<String, ActivationOutcome>);

impl BulkActivationResult {
    /// The providers activated or whose activation was requested.
    pub fn accepted(&self) -> impl Iterator<Item = (&str, &ActivationRecord)> {
        self.results.iter().filter_map(|(id, o)| match o {
            ActivationOutcome::Accepted(r) => Some((id.as_str(), r)),
            ActivationOutcome::Refused(_) => None,
        })
    }

    /// The providers Hopae refused, with why.
    pub fn refused(&self) -> impl Iterator<Item = (&str, &ActivationRefusal)> {
        self.results.iter().filter_map(|(id, o)| match o {
            ActivationOutcome::Refused(r) => Some((id.as_str(), r)),
            ActivationOutcome::Accepted(_) => None,
        })
    }
}

/// What happened to one provider of a bulk activation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ActivationOutcome {
    /// Activated, or activation requested (`{id, status, updatedAt}`).
    Accepted(ActivationRecord),
    /// Refused (`{error, message, contact}`), e.g. `contract_activation_required`.
    Refused(ActivationRefusal),
}

/// An accepted provider of a bulk activation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ActivationRecord {
    /// The activation's id (`act_...`).
    pub id: String,
    /// `activated` or `activation_requested`.
    pub status: ActivationStatus,
    /// When it last changed, if sent.
    #[serde(with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<OffsetDateTime>,
}

crate::json::from_json!(ActivationRecord {
    id: req("id"),
    status: req("status"),
    updated_at: opt("updatedAt"),
});

/// A refused provider of a bulk activation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ActivationRefusal {
    /// Why, as a code (`contract_activation_required`).
    pub error: String,
    /// A human-readable explanation, when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Whom to contact, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<serde_json::Value>,
}

crate::json::from_json!(ActivationRefusal {
    error: req("error"),
    message: opt("message"),
    contact: opt("contact"),
});

/// Either outcome's fields; which are set decides the outcome.
struct RawOutcome {
    id: Option<String>,
    status: Option<ActivationStatus>,
    updated_at: Option<OffsetDateTime>,
    error: Option<String>,
    message: Option<String>,
    contact: Option<serde_json::Value>,
}

crate::json::from_json!(RawOutcome {
    id: opt("id"),
    status: opt("status"),
    updated_at: opt("updatedAt"),
    error: opt("error"),
    message: opt("message"),
    contact: opt("contact"),
});

crate::json::from_json_via!(ActivationOutcome, RawOutcome);

impl TryFrom<RawOutcome> for ActivationOutcome {
    type Error = String;
    fn try_from(raw: RawOutcome) -> Result<Self, String> {
        match (raw.error, raw.id, raw.status) {
            (Some(error), _, _) => Ok(ActivationOutcome::Refused(ActivationRefusal {
                error,
                message: raw.message,
                contact: raw.contact,
            })),
            (None, Some(id), Some(status)) => Ok(ActivationOutcome::Accepted(ActivationRecord {
                id,
                status,
                updated_at: raw.updated_at,
            })),
            _ => Err("a provider's result has neither `error` nor `id` and `status`".into()),
        }
    }
}

/// The providers of one App, from [`AppHandle::providers`]. Making it sends nothing.
#[derive(Debug, Clone)]
pub struct Providers<'a> {
    app: AppHandle<'a>,
}

/// One provider of one App, from [`AppHandle::provider`]: its activation. Making it
/// sends nothing; a provider id that cannot be a path segment fails each call with
/// [`Error::InvalidInput`].
#[derive(Debug, Clone)]
pub struct ProviderHandle<'a> {
    app: AppHandle<'a>,
    /// `/providers/{provider_id}`, encoded once; or why the id cannot be a path segment.
    base: Result<String, String>,
}

impl<'a> AppHandle<'a> {
    /// The App's providers: list them, activate several at once.
    pub fn providers(&self) -> Providers<'a> {
        Providers { app: self.clone() }
    }

    /// One provider of the App, by id (e.g. `"mitid"`): its activation steps, form and
    /// documents.
    pub fn provider(&self, provider_id: &str) -> ProviderHandle<'a> {
        let base = match segment("provider_id", provider_id) {
            Ok(id) => Ok(format!("/providers/{id}")),
            Err(Error::InvalidInput(m)) => Err(m.message().to_owned()),
            Err(other) => Err(other.to_string()),
        };
        ProviderHandle {
            app: self.clone(),
            base,
        }
    }
}

impl<'a> Providers<'a> {
    /// The bulk activation with the caller's idempotency key: see [`Idempotent`].
    pub fn with_idempotency_key(&self, key: &str) -> Idempotent<Providers<'a>> {
        Idempotent::new(self.clone(), key)
    }

    /// Lists the App's providers, in either documented shape (see [`AppProvider`]).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when the client id cannot be a path segment;
    /// - [`Error::Api`] for a non-2xx status (404 unknown App);
    /// - [`Error::Decode`] when the body is neither shape, or an entry has neither
    ///   `providerId` nor `id`;
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// for p in client.app("FK5b0KSM").providers().list()? {
    ///     println!("{} enabled: {:?}, state: {:?}", p.provider_id, p.enabled, p.state);
    /// }
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn list(&self) -> Result<Vec<AppProvider>, Error> {
        let call = Call::get("list providers", self.app.path("/providers")?);
        self.app.transport.execute(call, decode_providers)
    }

    /// Activates several providers at once. Each provider gets its own outcome: a
    /// provider Hopae refuses (`contract_activation_required`) is a value in the
    /// result, not an error of the call.
    ///
    /// This endpoint is documented by Hopae's reference pages only (not by its OpenAPI
    /// document).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when [`BulkActivation::validate`] fails (nothing is
    ///   sent);
    /// - otherwise as [`Providers::list`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::providers::BulkActivation;
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let result = client
    ///     .app("FK5b0KSM")
    ///     .providers()
    ///     .activate(&BulkActivation::new().provider("passport").field("mitid", "companyName", "Shop AB"))?;
    /// for (id, refusal) in result.refused() {
    ///     println!("{id}: {}", refusal.error);
    /// }
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn activate(&self, activation: &BulkActivation) -> Result<BulkActivationResult, Error> {
        self.activate_keyed(activation, None)
    }

    fn activate_keyed(
        &self,
        activation: &BulkActivation,
        key: Option<&str>,
    ) -> Result<BulkActivationResult, Error> {
        activation.validate()?;
        let call =
            Call::post("activate providers", self.app.path("/activation")?).json(activation)?;
        self.app.transport.send(call.keyed(key))
    }
}

impl<'a> ProviderHandle<'a> {
    /// This provider's POSTs (activation form, document upload) with the caller's
    /// idempotency key: see [`Idempotent`].
    pub fn with_idempotency_key(&self, key: &str) -> Idempotent<ProviderHandle<'a>> {
        Idempotent::new(self.clone(), key)
    }

    /// `/apps/{client_id}/providers/{provider_id}` followed by `suffix`.
    fn path(&self, suffix: &str) -> Result<String, Error> {
        match &self.base {
            Ok(base) => self.app.path(&format!("{base}{suffix}")),
            Err(m) => Err(Error::input(InputErrorKind::PathParameter, m.clone())),
        }
    }

    /// The provider's activation steps and where the activation stands.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when the client id or provider id cannot be a path
    ///   segment;
    /// - [`Error::Api`] for a non-2xx status (404 unknown App or provider);
    /// - the errors every call can meet (see [`Error`]).
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let steps = client.app("FK5b0KSM").provider("mitid").activation_steps()?;
    /// println!("{:?}, step {} of {}", steps.state, steps.current_step_index + 1, steps.steps.len());
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn activation_steps(&self) -> Result<ActivationSteps, Error> {
        let call = Call::get("get activation steps", self.path("/activation/steps")?);
        self.app.transport.send(call)
    }

    /// Enables or disables the provider on the App.
    ///
    /// # Errors
    ///
    /// As [`ProviderHandle::activation_steps`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// let toggle = client.app("FK5b0KSM").provider("mitid").set_enabled(false)?;
    /// assert!(!toggle.enabled);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn set_enabled(&self, enabled: bool) -> Result<ActivationToggle, Error> {
        #[derive(Serialize)]
        struct Body {
            enabled: bool,
        }
        let call = Call::patch("set provider enabled", self.path("/activation")?)
            .json(&Body { enabled })?;
        self.app.transport.send(call)
    }

    /// Submits the activation form. A provider takes one form, unless it was rejected.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when [`ActivationForm::validate`] fails (nothing is
    ///   sent);
    /// - [`Error::Api`] with 400 `VALIDATION_MISSING_PARAMETER` when a required field is
    ///   missing;
    /// - otherwise as [`ProviderHandle::activation_steps`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::providers::ActivationForm;
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let form = ActivationForm::new().field("companyName", "Shop AB");
    /// let receipt = client.app("FK5b0KSM").provider("mitid").submit_activation_form(&form)?;
    /// println!("form {} is {:?}", receipt.form_id, receipt.status);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn submit_activation_form(
        &self,
        form: &ActivationForm,
    ) -> Result<ActivationFormReceipt, Error> {
        self.submit_activation_form_keyed(form, None)
    }

    fn submit_activation_form_keyed(
        &self,
        form: &ActivationForm,
        key: Option<&str>,
    ) -> Result<ActivationFormReceipt, Error> {
        form.validate()?;
        let call =
            Call::post("submit activation form", self.path("/activation/form")?).json(form)?;
        self.app.transport.send(call.keyed(key))
    }

    /// Uploads documents for the provider's upload step, as one `multipart/form-data`
    /// request with a `files` part per document.
    ///
    /// The body is built once, before the first attempt: a retried upload sends the same
    /// bytes (and the same `Idempotency-Key`). It holds a copy of every document, so the
    /// upload needs about twice the documents' size in memory.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] (nothing is sent) for no document or more than 10, an
    ///   empty document or one over 10 MB ([`MAX_DOCUMENT_BYTES`]), an empty file name,
    ///   one over 255 bytes or containing `"`, `\`, a line break or another control
    ///   character, or a content type that is not `type/subtype` of token characters
    ///   (optionally with `;` parameters without quotes);
    /// - [`Error::Api`] with 400 `VALIDATION_STEP_NOT_APPLICABLE` for a provider without
    ///   an upload step;
    /// - otherwise as [`ProviderHandle::activation_steps`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::providers::Document;
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let pdf = std::fs::read("contract.pdf").expect("the contract is readable");
    /// let docs = client
    ///     .app("FK5b0KSM")
    ///     .provider("ftn")
    ///     .upload_documents(&[Document::new("contract.pdf", "application/pdf", pdf)])?;
    /// println!("{} is {}", docs[0].document_id, docs[0].state);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn upload_documents(&self, documents: &[Document]) -> Result<Vec<UploadedDocument>, Error> {
        self.upload_documents_keyed(documents, None)
    }

    fn upload_documents_keyed(
        &self,
        documents: &[Document],
        key: Option<&str>,
    ) -> Result<Vec<UploadedDocument>, Error> {
        struct Uploaded {
            documents: Vec<UploadedDocument>,
        }

        crate::json::from_json!(Uploaded {
            documents: req("documents"),
        });
        validate_documents(documents)?;
        let path = self.path("/activation/documents")?;
        let (content_type, body) = multipart(documents)?;
        let call = Call::post("upload activation documents", path).body(content_type, body);
        Ok(self
            .app
            .transport
            .send::<Uploaded>(call.keyed(key))?
            .documents)
    }

    /// Deletes an uploaded document that is not `processed` yet.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidInput`] when `document_id` cannot be a path segment;
    /// - [`Error::Api`] with 404 for an unknown document, 409 `RESOURCE_CONFLICT` once it
    ///   is `processed`, and with the 2xx status when the answer is `{"deleted": false}`;
    /// - otherwise as [`ProviderHandle::activation_steps`].
    ///
    /// # Example
    ///
    /// ```no_run
    /// let client = hopae::HopaeClient::from_env()?;
    /// client.app("FK5b0KSM").provider("ftn").delete_document("doc_1")?;
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn delete_document(&self, document_id: &str) -> Result<(), Error> {
        let id = segment("document_id", document_id)?;
        let call = Call::delete(
            "delete activation document",
            self.path(&format!("/activation/documents/{id}"))?,
        );
        self.app.transport.send_confirmed(call, "deleted")
    }
}

impl Idempotent<Providers<'_>> {
    /// [`Providers::activate`] with this key.
    ///
    /// # Errors
    ///
    /// As [`Providers::activate`], plus [`Error::InvalidInput`] for an invalid key.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::providers::BulkActivation;
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let result = client
    ///     .app("FK5b0KSM")
    ///     .providers()
    ///     .with_idempotency_key("activate-passport-1")
    ///     .activate(&BulkActivation::new().provider("passport"))?;
    /// println!("{} refused", result.refused().count());
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn activate(self, activation: &BulkActivation) -> Result<BulkActivationResult, Error> {
        self.handle.activate_keyed(activation, Some(self.key()?))
    }
}

impl Idempotent<ProviderHandle<'_>> {
    /// [`ProviderHandle::submit_activation_form`] with this key.
    ///
    /// # Errors
    ///
    /// As [`ProviderHandle::submit_activation_form`], plus [`Error::InvalidInput`] for an
    /// invalid key.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::providers::ActivationForm;
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let receipt = client
    ///     .app("FK5b0KSM")
    ///     .provider("mitid")
    ///     .with_idempotency_key("mitid-form-1")
    ///     .submit_activation_form(&ActivationForm::new().field("companyName", "Shop AB"))?;
    /// println!("form {}", receipt.form_id);
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn submit_activation_form(
        self,
        form: &ActivationForm,
    ) -> Result<ActivationFormReceipt, Error> {
        self.handle
            .submit_activation_form_keyed(form, Some(self.key()?))
    }

    /// [`ProviderHandle::upload_documents`] with this key: the body is built once, so a
    /// resend with the same key sends the same bytes.
    ///
    /// # Errors
    ///
    /// As [`ProviderHandle::upload_documents`], plus [`Error::InvalidInput`] for an
    /// invalid key.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use hopae::providers::Document;
    ///
    /// let client = hopae::HopaeClient::from_env()?;
    /// let pdf = std::fs::read("contract.pdf").expect("the contract is readable");
    /// let docs = client
    ///     .app("FK5b0KSM")
    ///     .provider("ftn")
    ///     .with_idempotency_key("ftn-contract-1")
    ///     .upload_documents(&[Document::new("contract.pdf", "application/pdf", pdf)])?;
    /// println!("{} uploaded", docs.len());
    /// # Ok::<(), hopae::Error>(())
    /// ```
    pub fn upload_documents(self, documents: &[Document]) -> Result<Vec<UploadedDocument>, Error> {
        self.handle
            .upload_documents_keyed(documents, Some(self.key()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str, ct: &str, bytes: &[u8]) -> Document {
        Document::new(name, ct, bytes.to_vec())
    }

    fn refused(docs: &[Document]) -> String {
        validate_documents(docs).unwrap_err().to_string()
    }

    #[test]
    fn providers_decode_in_both_shapes() {
        let wrapped = br#"{"providers":[{"providerId":"mitid","enabled":true,"state":"in_progress","currentStep":"activation-form","currentStepIndex":1,"stepCount":3}],"total":1}"#;
        let bare =
            br#" [{"id":"mitid","name":"MitID","countries":["DK"],"type":"eid","isActive":true}]"#;
        let a = decode_providers(wrapped).unwrap();
        let b = decode_providers(bare).unwrap();
        assert_eq!(a[0].provider_id, "mitid");
        assert_eq!(a[0].state, Some(ActivationState::InProgress));
        assert_eq!(b[0].provider_id, "mitid");
        assert_eq!(b[0].provider_type.as_deref(), Some("eid"));
        // Serialized, a provider reads back the same.
        let json = serde_json::to_string(&b[0]).unwrap();
        assert!(json.starts_with(r#"{"providerId":"mitid""#), "{json}");
        assert_eq!(serde_json::from_str::<AppProvider>(&json).unwrap(), b[0]);
        // Two ids cannot be told apart: refused, not guessed.
        let (_, m) = decode_providers(br#"[{"providerId":"mitid","id":"row_1"}]"#).unwrap_err();
        assert!(m.contains("duplicate field `providerId`"), "{m}");
        let (_, m) = decode_providers(br#"[{"name":"x"}]"#).unwrap_err();
        assert!(m.contains("missing field `providerId`"), "{m}");
        assert!(decode_providers(br#"{"total":0}"#).is_err());
    }

    #[test]
    fn document_checks_name_the_document() {
        let ok = doc("contract.pdf", "application/pdf", b"%PDF");
        assert!(validate_documents(std::slice::from_ref(&ok)).is_ok());
        assert!(
            validate_documents(&[doc("a.pdf", "application/pdf; charset=binary", b"x")]).is_ok()
        );
        assert_eq!(
            refused(&[]),
            "invalid input: an upload takes 1 to 10 documents, got 0"
        );
        assert!(refused(&vec![ok.clone(); 11]).contains("got 11"));
        for (d, why) in [
            (
                doc("", "application/pdf", b"x"),
                "file name must not be empty",
            ),
            (doc("a\".pdf", "application/pdf", b"x"), "must not contain"),
            (
                doc("a\r\nX: y", "application/pdf", b"x"),
                "must not contain",
            ),
            (doc("a\\", "application/pdf", b"x"), "must not contain"),
            (
                doc("a.pdf", "application/pdf\r\nX: y", b"x"),
                "content type",
            ),
            (doc("a.pdf", "application/\"pdf\"", b"x"), "content type"),
            (doc("a.pdf", "pdf", b"x"), "content type"),
            (doc("a.pdf", "application/pdf", b""), "the file is empty"),
        ] {
            let m = refused(&[ok.clone(), d]);
            assert!(m.starts_with("invalid input: `documents[1]`: "), "{m}");
            assert!(m.contains(why), "{m}");
        }
        let big = Document::new(
            "big.bin",
            "application/octet-stream",
            vec![0; MAX_DOCUMENT_BYTES + 1],
        );
        assert!(refused(&[big]).contains("has 10485761 bytes"));
        let long = doc(&"a".repeat(256), "application/pdf", b"x");
        assert!(refused(&[long]).contains("256 bytes"));
    }

    #[test]
    fn multipart_body_has_one_files_part_per_document() {
        let docs = [
            doc("a.pdf", "application/pdf", b"%PDF-1\r\n--x"),
            doc("b.png", "image/png", b"\x89PNG"),
        ];
        let (ct, body) = multipart(&docs).unwrap();
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        let text = String::from_utf8_lossy(&body);
        assert_eq!(text.matches(boundary).count(), 3);
        assert!(text.starts_with(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1\r\n--x\r\n--{boundary}\r\n"
        )));
        assert!(body.ends_with(format!("\r\n--{boundary}--\r\n").as_bytes()));
    }

    #[test]
    fn bulk_outcomes_keep_refusals_as_values() {
        let body = br#"{"mitid":{"id":"act_1","status":"activated","updatedAt":"2026-04-08T10:00:00.000Z"},"ftn":{"error":"contract_activation_required","message":"Sign the contract","contact":"sales@hopae.com"},"x":{"id":"act_2","status":"paused"}}"#;
        let r: BulkActivationResult = decode::object(body).unwrap();
        assert_eq!(r.accepted().count(), 2);
        let (id, refusal) = r.refused().next().unwrap();
        assert_eq!(
            (id, refusal.error.as_str()),
            ("ftn", "contract_activation_required")
        );
        assert_eq!(
            r.results["x"],
            ActivationOutcome::Accepted(ActivationRecord {
                id: "act_2".into(),
                status: ActivationStatus::Other("paused".into()),
                updated_at: None
            })
        );
        let (_, m) =
            decode::object::<BulkActivationResult>(br#"{"a":{"status":"activated"}}"#).unwrap_err();
        assert!(m.contains("neither `error` nor `id` and `status`"), "{m}");
        let e = BulkActivation::new()
            .field("mitid", "n", 3)
            .validate()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid input: provider `mitid`: field `n` must be a string or a boolean"
        );
        assert!(BulkActivation::new().validate().is_err());
    }
}
