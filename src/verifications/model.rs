//! The App API's models: the provider catalog, a new verification, the verification in
//! both schema generations, and what to show the person next.

use std::time::Duration;

use serde::de;
use serde::{Serialize, Serializer};
use time::OffsetDateTime;

use crate::decode::ts;
use crate::error::{Error, InputErrorKind};
use crate::json::{At, Bad};
use crate::open_enum::open_enum;
use crate::secret::Secret;
use serde_json::Value;

/// A JSON object whose keys are kept as sent: unknown fields, user data, metadata.
pub type JsonMap = serde_json::Map<String, serde_json::Value>;

/// The lowest level of assurance a verification can request (`requestedLoa`).
pub const MIN_LOA: u8 = 1;
/// The highest level of assurance a verification can request (`requestedLoa`).
pub const MAX_LOA: u8 = 5;
/// The shortest pause between two polls of a verification, whatever the server
/// recommends or the caller asks for.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_millis(500);
/// The pause between two polls of a verification when no response recommended one and
/// the caller set none.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(2);

open_enum! {
    /// How the person verifies (`flowType`).
    FlowType {
        /// The person scans a QR code with their eID app (`flowDetails.qrData`).
        Qr = "qr",
        /// The browser is sent to the provider (`flowDetails.authorizationUrl`).
        Redirect = "redirect",
        /// The provider pushes a prompt to the person's phone; they compare
        /// `flowDetails.verificationCode`.
        Push = "push",
        /// The W3C Digital Credentials flow, in a browser or a wallet only
        /// ([`Verifications::dc_request`](super::Verifications::dc_request)).
        Dc = "dc",
    }
}

open_enum! {
    /// Where a verification session stands (`status`). The set is open: `pending` (the
    /// older generation's) and values this crate does not know are not terminal.
    VerificationStatus {
        /// Created; nothing has happened yet.
        Initiated = "initiated",
        /// Waiting for the person (scan the QR code, confirm in the app, ...).
        AwaitingUserAction = "awaiting_user_action",
        /// The person is authenticating with the provider.
        Authenticating = "authenticating",
        /// The provider answered; Hopae is processing the result.
        Processing = "processing",
        /// Terminal: the person is verified; read the claims with
        /// [`VerificationHandle::userinfo`](super::VerificationHandle::userinfo).
        Completed = "completed",
        /// Terminal: the verification failed (also when the level reached is below
        /// `requestedLoa`). Start a new one.
        Failed = "failed",
        /// Terminal: the session ran past `expiresAt`. Start a new one.
        Expired = "expired",
        /// Terminal: the session was cancelled.
        Cancelled = "cancelled",
        /// The older generation's status for a session under way (not terminal).
        Pending = "pending",
    }
}

impl VerificationStatus {
    /// Whether the session is over: `completed`, `failed`, `expired` or `cancelled`.
    ///
    /// # Example
    ///
    /// ```
    /// use hopae::verifications::VerificationStatus;
    ///
    /// assert!(VerificationStatus::Expired.is_terminal());
    /// assert!(!VerificationStatus::from("pending").is_terminal());
    /// assert!(!VerificationStatus::from("on_hold").is_terminal());
    /// ```
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            VerificationStatus::Completed
                | VerificationStatus::Failed
                | VerificationStatus::Expired
                | VerificationStatus::Cancelled
        )
    }
}

open_enum! {
    /// What an [`Action`] asks for (`action.type`).
    ActionType {
        /// Send the browser to `url`.
        Redirect = "redirect",
        /// Show `url` as a QR code.
        Qr = "qr",
        /// The person confirms a prompt on their phone.
        Push = "push",
        /// Open `url` as a deep link into an app.
        Deeplink = "deeplink",
    }
}

open_enum! {
    /// Whether a verification discloses claims or matches submitted data
    /// (`verification_model`).
    VerificationModel {
        /// The provider discloses the person's claims.
        Disclosure = "disclosure",
        /// The provider matches the `matchData` the App submitted.
        Match = "match",
    }
}

open_enum! {
    /// How strictly `requestedLoa` is enforced (`loaStrategy`; the API's default is `lax`).
    LoaStrategy {
        /// The level reached must be at least `requestedLoa`.
        Min = "min",
        /// The API's default.
        Lax = "lax",
        /// Any level is accepted.
        Allow = "allow",
    }
}

open_enum! {
    /// How a QR or app flow starts (`initiationMethod`).
    InitiationMethod {
        /// The provider decides.
        Auto = "auto",
        /// Only a QR code.
        QrOnly = "qrOnly",
        /// Only the app on the same device.
        AppOnly = "appOnly",
    }
}

open_enum! {
    /// The type of a provider's user-data field (`type`).
    FieldType {
        /// Free text, optionally checked against `pattern`.
        Text = "text",
        /// One of `options`.
        Select = "select",
    }
}

/// A provider the App may use, as `GET /providers` lists it.
///
/// Only `id` is required; the pages and both OpenAPI schemas list different fields, so
/// every other one is optional and unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Provider {
    /// The provider id (`smartid`, `bankidse`, ...), as [`NewVerification::new`] takes it.
    pub id: String,
    /// The display name.
    pub name: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// The logo's URL.
    pub logo_url: Option<String>,
    /// ISO 3166 alpha-2 country codes, as sent (lowercase here).
    pub countries: Vec<String>,
    /// Whether the provider is active for the App.
    pub is_active: Option<bool>,
    /// Whether the App must act before using the provider.
    pub need_action: Option<bool>,
    /// The flows the provider offers.
    pub flow_types: Vec<FlowType>,
    /// The claims (scopes) the provider can disclose.
    pub scopes: Vec<String>,
    /// The levels of assurance the provider reaches.
    pub loa: Vec<u8>,
    /// The provider's level when none is requested.
    pub default_loa: Option<u8>,
    /// The status as sent (`activated`, `deactivated`, `action_required`, ...).
    pub status: Option<String>,
    /// The kind of provider: 1 centralized IdP, 2 chip-based, 3 wallet.
    #[serde(rename = "type")]
    pub kind: Option<serde_json::Value>,
    /// The environments the provider supports.
    pub supported_environments: Vec<String>,
    /// The status to display.
    pub display_status: Option<String>,
    /// A message to display.
    pub display_message: Option<String>,
    /// Fields this version of the crate does not know, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

crate::json::from_json!(Provider {
    id: req("id"),
    name: opt("name"),
    description: opt("description"),
    logo_url: opt("logoUrl"),
    countries: def_with("countries", crate::json::null_as_empty),
    is_active: opt("isActive"),
    need_action: opt("needAction"),
    flow_types: def_with("flowTypes", crate::json::null_as_empty),
    scopes: def_with("scopes", crate::json::null_as_empty),
    loa: def_with("loa", loa_list),
    default_loa: def_with("defaultLoa", loa_option),
    status: opt("status"),
    kind: opt("type"),
    supported_environments: def_with("supportedEnvironments", crate::json::null_as_empty),
    display_status: opt("displayStatus"),
    display_message: opt("displayMessage"),
    extra: rest(),
});

/// What a provider needs from the App to start a verification
/// (`GET /providers/{providerId}/configuration`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProviderConfiguration {
    /// The provider id.
    pub provider_id: String,
    /// The `userData` keys a verification must carry.
    pub required_user_data: Vec<UserDataField>,
    /// The `userData` keys a verification may carry.
    pub optional_user_data: Vec<UserDataField>,
    /// The flows the provider offers.
    pub flow_types: Vec<FlowType>,
    /// When the configuration last changed.
    #[serde(with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<OffsetDateTime>,
    /// Fields this version of the crate does not know, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

crate::json::from_json!(ProviderConfiguration {
    provider_id: req("providerId"),
    required_user_data: def_with("requiredUserData", crate::json::null_as_empty),
    optional_user_data: def_with("optionalUserData", crate::json::null_as_empty),
    flow_types: def_with("flowTypes", crate::json::null_as_empty),
    last_updated: opt("lastUpdated"),
    extra: rest(),
});

impl ProviderConfiguration {
    /// The required fields that `user_data` lacks (a missing key or an empty string),
    /// in the configuration's order: what to ask the person for before creating.
    ///
    /// # Example
    ///
    /// ```
    /// use hopae::verifications::ProviderConfiguration;
    ///
    /// let config: ProviderConfiguration = hopae::serde_json::from_str(
    ///     r#"{"providerId":"skmobileid","flowTypes":["push"],"requiredUserData":[
    ///         {"field":"phoneNumber","type":"text","required":true,"label":"Phone"},
    ///         {"field":"nationalIdentityNumber","type":"text","required":true,"label":"ID"}]}"#,
    /// )?;
    /// let given = hopae::serde_json::json!({"phoneNumber": "+37200000766"});
    /// let missing: Vec<&str> = config
    ///     .missing_user_data(given.as_object().unwrap())
    ///     .iter()
    ///     .map(|f| f.field.as_str())
    ///     .collect();
    /// assert_eq!(missing, ["nationalIdentityNumber"]);
    /// # Ok::<(), hopae::serde_json::Error>(())
    /// ```
    pub fn missing_user_data(&self, user_data: &JsonMap) -> Vec<&UserDataField> {
        self.required_user_data
            .iter()
            .filter(|f| match user_data.get(&f.field) {
                None | Some(serde_json::Value::Null) => true,
                Some(serde_json::Value::String(s)) => s.trim().is_empty(),
                Some(_) => false,
            })
            .collect()
    }
}

/// One `userData` key a provider takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserDataField {
    /// The key in `userData` (`registrationId`, `phoneNumber`, ...).
    pub field: String,
    /// `text` or `select`.
    #[serde(rename = "type")]
    pub kind: Option<FieldType>,
    /// Whether the key must be given.
    pub required: bool,
    /// A label for a form.
    pub label: Option<String>,
    /// A description for a form.
    pub description: Option<String>,
    /// The values a `select` field takes.
    pub options: Vec<FieldOption>,
    /// A regular expression a `text` value must match, as sent.
    pub pattern: Option<String>,
    /// Fields this version of the crate does not know, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

crate::json::from_json!(UserDataField {
    field: req("field"),
    kind: opt("type"),
    required: def("required"),
    label: opt("label"),
    description: opt("description"),
    options: def_with("options", crate::json::null_as_empty),
    pattern: opt("pattern"),
    extra: rest(),
});

/// One value of a `select` field.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FieldOption {
    /// The value to send.
    pub value: String,
    /// The label to show.
    pub label: Option<String>,
}

crate::json::from_json!(FieldOption {
    value: req("value"),
    label: opt("label"),
});

/// Where to send the person back, echoed to the App (`returnContext`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]

pub struct ReturnContext {
    /// The App's opaque state.
    pub state: String,
}

crate::json::from_json!(ReturnContext {
    state: req("state"),
});

/// The look of Hopae's pages for one verification (`uiCustomization`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UiCustomization {
    /// The colour scheme, as the API takes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_scheme: Option<String>,
    /// A logo to show.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// `light` or `dark`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
}

crate::json::from_json!(UiCustomization {
    color_scheme: opt("colorScheme"),
    logo_url: opt("logoUrl"),
    theme: opt("theme"),
});

impl UiCustomization {
    /// No customization; set the fields that matter.
    pub fn new() -> Self {
        UiCustomization::default()
    }

    /// Sets the colour scheme.
    pub fn color_scheme(mut self, scheme: impl Into<String>) -> Self {
        self.color_scheme = Some(scheme.into());
        self
    }

    /// Sets the logo URL.
    pub fn logo_url(mut self, url: impl Into<String>) -> Self {
        self.logo_url = Some(url.into());
        self
    }

    /// Sets the theme (`light` or `dark`).
    pub fn theme(mut self, theme: impl Into<String>) -> Self {
        self.theme = Some(theme.into());
        self
    }
}

/// The body of `POST /verifications`: a provider id and only the fields the caller set.
///
/// Nothing is sent that was not set (`purpose` included). `requestedLoa` outside 1-5 is
/// refused before anything is sent ([`NewVerification::validate`]).
///
/// # Example
///
/// ```
/// use hopae::verifications::{FlowType, NewVerification};
///
/// let new = NewVerification::new("smartid")
///     .user_data("registrationId", "PNOEE-38001085718")
///     .requested_loa(3)
///     .requested_claims(["given_name", "family_name"])
///     .flow_type(FlowType::Push);
/// assert_eq!(
///     hopae::serde_json::to_string(&new)?,
///     r#"{"providerId":"smartid","userData":{"registrationId":"PNOEE-38001085718"},"requestedLoa":3,"requestedClaims":["given_name","family_name"],"flowType":"push"}"#
/// );
/// assert!(NewVerification::new("smartid").requested_loa(6).validate().is_err());
/// # Ok::<(), hopae::serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewVerification {
    provider_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_data: Option<JsonMap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requested_loa: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requested_claims: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    match_data: Option<JsonMap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purpose: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    loa_strategy: Option<LoaStrategy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<JsonMap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flow_type: Option<FlowType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    initiation_method: Option<InitiationMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    return_context: Option<ReturnContext>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ui_customization: Option<UiCustomization>,
    #[serde(skip_serializing_if = "Option::is_none")]
    private_mode: Option<bool>,
}

crate::json::from_json!(NewVerification {
    provider_id: req("providerId"),
    user_data: opt("userData"),
    redirect_uri: opt("redirectUri"),
    requested_loa: opt("requestedLoa"),
    requested_claims: opt("requestedClaims"),
    match_data: opt("matchData"),
    purpose: opt("purpose"),
    webhook_url: opt("webhookUrl"),
    loa_strategy: opt("loaStrategy"),
    reference_id: opt("referenceId"),
    locale: opt("locale"),
    metadata: opt("metadata"),
    flow_type: opt("flowType"),
    initiation_method: opt("initiationMethod"),
    return_context: opt("returnContext"),
    ui_customization: opt("uiCustomization"),
    private_mode: opt("privateMode"),
});

impl NewVerification {
    /// A verification with `provider_id` (`smartid`, `frejaid`, `bankidse`, `mitid`, ...)
    /// and nothing else set.
    pub fn new(provider_id: impl Into<String>) -> Self {
        NewVerification {
            provider_id: provider_id.into(),
            user_data: None,
            redirect_uri: None,
            requested_loa: None,
            requested_claims: None,
            match_data: None,
            purpose: None,
            webhook_url: None,
            loa_strategy: None,
            reference_id: None,
            locale: None,
            metadata: None,
            flow_type: None,
            initiation_method: None,
            return_context: None,
            ui_customization: None,
            private_mode: None,
        }
    }

    /// The provider id.
    pub fn provider_id(&self) -> &str {
        &self.provider_id
    }

    /// The `userData` set so far (`None` when none was set).
    pub fn user_data_map(&self) -> Option<&JsonMap> {
        self.user_data.as_ref()
    }

    /// The `requestedLoa`, when set.
    pub fn requested_loa_value(&self) -> Option<u8> {
        self.requested_loa
    }

    /// Adds one `userData` key (`registrationId`, `phoneNumber`, ...): the provider's
    /// configuration lists which it needs.
    pub fn user_data(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.user_data
            .get_or_insert_with(JsonMap::new)
            .insert(key.into(), value.into());
        self
    }

    /// Replaces the whole `userData` object.
    pub fn user_data_all(mut self, user_data: JsonMap) -> Self {
        self.user_data = Some(user_data);
        self
    }

    /// Where the provider sends the browser back (redirect flows).
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// The level of assurance required, 1 to 5 (checked before sending). A provider that
    /// cannot reach it answers 422 `VALIDATION_UNPROCESSABLE`.
    pub fn requested_loa(mut self, loa: u8) -> Self {
        self.requested_loa = Some(loa);
        self
    }

    /// The claims to disclose, overriding the App's default scopes; claims the provider
    /// cannot give come back in [`UserInfo::missing_claims`](super::UserInfo::missing_claims).
    pub fn requested_claims<I, S>(mut self, claims: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.requested_claims = Some(claims.into_iter().map(Into::into).collect());
        self
    }

    /// Adds one `matchData` key, for match providers.
    pub fn match_data(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.match_data
            .get_or_insert_with(JsonMap::new)
            .insert(key.into(), value.into());
        self
    }

    /// The purpose shown to the person.
    pub fn purpose(mut self, purpose: impl Into<String>) -> Self {
        self.purpose = Some(purpose.into());
        self
    }

    /// A webhook URL for this session only.
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = Some(url.into());
        self
    }

    /// How strictly `requestedLoa` is enforced.
    pub fn loa_strategy(mut self, strategy: LoaStrategy) -> Self {
        self.loa_strategy = Some(strategy);
        self
    }

    /// The App's own reference, echoed in the verification (`referenceId`).
    pub fn reference_id(mut self, reference: impl Into<String>) -> Self {
        self.reference_id = Some(reference.into());
        self
    }

    /// The locale of Hopae's pages (`en`, `sv`, ...).
    pub fn locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = Some(locale.into());
        self
    }

    /// Adds one `metadata` key.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.metadata
            .get_or_insert_with(JsonMap::new)
            .insert(key.into(), value.into());
        self
    }

    /// The flow to use (`qr`, `redirect`, `push`, `dc`).
    pub fn flow_type(mut self, flow: FlowType) -> Self {
        self.flow_type = Some(flow);
        self
    }

    /// How a QR or app flow starts.
    pub fn initiation_method(mut self, method: InitiationMethod) -> Self {
        self.initiation_method = Some(method);
        self
    }

    /// The App's opaque state, echoed back (`returnContext.state`).
    pub fn return_state(mut self, state: impl Into<String>) -> Self {
        self.return_context = Some(ReturnContext {
            state: state.into(),
        });
        self
    }

    /// The look of Hopae's pages.
    pub fn ui_customization(mut self, ui: UiCustomization) -> Self {
        self.ui_customization = Some(ui);
        self
    }

    /// Private mode (`privateMode`).
    pub fn private_mode(mut self, private: bool) -> Self {
        self.private_mode = Some(private);
        self
    }

    /// Checks what the API documents and the SDK can check before sending: a non-empty
    /// provider id, `requestedLoa` from 1 to 5, no empty claim name.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (kind [`InputErrorKind::Field`], naming the field) for
    /// the first rule broken.
    pub fn validate(&self) -> Result<(), Error> {
        if self.provider_id.trim().is_empty() {
            return Err(Error::input(
                InputErrorKind::Field,
                "`providerId` must not be empty",
            ));
        }
        if let Some(loa) = self.requested_loa
            && !(MIN_LOA..=MAX_LOA).contains(&loa)
        {
            return Err(Error::input(
                InputErrorKind::Field,
                format!("`requestedLoa` must be from {MIN_LOA} to {MAX_LOA}, not {loa}"),
            ));
        }
        if let Some(claims) = &self.requested_claims
            && claims.iter().any(|c| c.trim().is_empty())
        {
            return Err(Error::input(
                InputErrorKind::Field,
                "`requestedClaims` must not hold an empty claim name",
            ));
        }
        Ok(())
    }
}

/// A verification session, as `POST /verifications` and `GET /verifications/{id}`
/// answer in either schema generation.
///
/// Only `verificationId` and `status` are required; unknown fields are kept in `extra`
/// and unknown values in the open enums. [`Verification::next_action`] says what to show
/// the person.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Verification {
    /// The session id (`ver_2hJ8...` or 32 hex characters).
    #[serde(rename = "verificationId")]
    pub id: String,
    /// Where the session stands.
    pub status: VerificationStatus,
    /// The provider.
    pub provider_id: Option<String>,
    /// The workflow the session runs.
    pub workflow_id: Option<String>,
    /// The flow.
    pub flow_type: Option<FlowType>,
    /// What to show for the flow (QR data, URL, code).
    pub flow_details: Option<FlowDetails>,
    /// How often to poll (create response only).
    pub polling: Option<Polling>,
    /// When the session expires.
    #[serde(with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<OffsetDateTime>,
    /// When the session was created.
    #[serde(with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub created_at: Option<OffsetDateTime>,
    /// When the person was verified.
    #[serde(with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<OffsetDateTime>,
    /// When the session failed.
    #[serde(with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub failed_at: Option<OffsetDateTime>,
    /// When the session was cancelled.
    #[serde(with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<OffsetDateTime>,
    /// The App's own reference.
    pub reference_id: Option<String>,
    /// Why the session failed.
    pub error: Option<VerificationError>,
    /// The level reached, as an `acr` value (`urn:hopae:loa:3`).
    pub acr: Option<String>,
    /// The level reached, 1 to 5 (`hopae_loa`).
    #[serde(rename = "hopae_loa")]
    pub loa: Option<u8>,
    /// The level's label (`hopae_loa_label`); labels differ between API versions, so
    /// never derive the level from it.
    #[serde(rename = "hopae_loa_label")]
    pub loa_label: Option<String>,
    /// A step the person must take now (a liveness check, ...); it takes precedence
    /// over `flowDetails`.
    pub action: Option<Action>,
    /// How the browser is sent on in a redirect flow.
    pub redirect_behavior: Option<serde_json::Value>,
    /// `links`, as sent (never shown in an example).
    pub links: Option<serde_json::Value>,
    /// `disclosure` or `match` (create response only).
    #[serde(rename = "verification_model")]
    pub verification_model: Option<VerificationModel>,
    /// The older generation's authorization code: a secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_code: Option<Secret>,
    /// The older generation's verified attributes, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified_attributes: Option<serde_json::Value>,
    /// Fields this version of the crate does not know, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

crate::json::from_json!(Verification {
    id: req("verificationId"),
    status: req("status"),
    provider_id: opt("providerId"),
    workflow_id: opt("workflowId"),
    flow_type: opt("flowType"),
    flow_details: opt("flowDetails"),
    polling: opt("polling"),
    expires_at: opt("expiresAt"),
    created_at: opt("createdAt"),
    verified_at: opt("verifiedAt"),
    failed_at: opt("failedAt"),
    cancelled_at: opt("cancelledAt"),
    reference_id: opt("referenceId"),
    error: opt("error"),
    acr: opt("acr"),
    loa: def_with("hopae_loa", loa_option),
    loa_label: opt("hopae_loa_label"),
    action: opt("action"),
    redirect_behavior: opt("redirectBehavior"),
    links: opt("links"),
    verification_model: opt("verification_model"),
    authorization_code: opt("authorizationCode"),
    verified_attributes: opt("verifiedAttributes"),
    extra: rest(),
});

/// What to show the person for the session's flow (`flowDetails`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FlowDetails {
    /// QR flow: the payload to render as a QR code (it may change between polls).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_data: Option<String>,
    /// QR flow: a link for the same device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_data: Option<String>,
    /// QR flow: a deep link into the eID app.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deeplink: Option<String>,
    /// QR flow: the app's auto-start token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_start_token: Option<String>,
    /// Redirect flow: where to send the browser.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
    /// Redirect flow: the OAuth state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Push flow: the code the person compares in their app.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_code: Option<String>,
    /// Push flow: a description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Push flow: the message shown in the app.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_displayed: Option<String>,
    /// Push flow: the person's identifier, masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masked_identifier: Option<String>,
    /// Push flow: instructions to show, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_instructions: Option<serde_json::Value>,
    /// Fields this version of the crate does not know, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

crate::json::from_json!(FlowDetails {
    qr_data: opt("qrData"),
    link_data: opt("linkData"),
    deeplink: opt("deeplink"),
    auto_start_token: opt("autoStartToken"),
    authorization_url: opt("authorizationUrl"),
    state: opt("state"),
    verification_code: opt("verificationCode"),
    description: opt("description"),
    message_displayed: opt("messageDisplayed"),
    masked_identifier: opt("maskedIdentifier"),
    display_instructions: opt("displayInstructions"),
    extra: rest(),
});

/// The server's polling hint (`polling`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Polling {
    /// The recommended pause between two polls (sent in milliseconds).
    #[serde(with = "millis")]
    pub recommended_interval: Option<Duration>,
    /// How long polling may last in total (sent in milliseconds).
    #[serde(with = "millis")]
    pub max_duration: Option<Duration>,
}

crate::json::from_json!(Polling {
    recommended_interval: def_with("recommendedInterval", millis_value),
    max_duration: def_with("maxDuration", millis_value),
});

/// Why a session failed (`error`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VerificationError {
    /// The kind of failure.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The failure's code.
    pub code: Option<String>,
    /// The message.
    pub message: Option<String>,
    /// Details, as sent.
    pub details: Option<serde_json::Value>,
    /// When it happened.
    #[serde(with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<OffsetDateTime>,
    /// The provider's own error, as sent.
    pub provider_error: Option<serde_json::Value>,
}

crate::json::from_json!(VerificationError {
    kind: opt("type"),
    code: opt("code"),
    message: opt("message"),
    details: opt("details"),
    occurred_at: opt("occurredAt"),
    provider_error: opt("providerError"),
});

/// A step the person must take (`action`), such as opening a URL for a liveness check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Action {
    /// What kind of step.
    #[serde(rename = "type")]
    pub kind: ActionType,
    /// The URL to open or render.
    pub url: Option<String>,
    /// A message for the person.
    pub message: Option<String>,
    /// Anything else, as sent.
    pub metadata: Option<serde_json::Value>,
}

crate::json::from_json!(Action {
    kind: req("type"),
    url: opt("url"),
    message: opt("message"),
    metadata: opt("metadata"),
});

/// What to show the person now, from [`Verification::next_action`].
///
/// The enum is `#[non_exhaustive]` (new flows may come); its variants are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NextAction<'a> {
    /// Render `data` as a QR code for the person to scan; re-render whenever a poll
    /// returns a different payload (some codes rotate every second).
    ShowQr {
        /// The QR payload (a deep link such as `bankidse:///?token=...`).
        data: &'a str,
    },
    /// Send the person (their browser, or the eID app) to `url`.
    OpenUrl {
        /// The URL.
        url: &'a str,
    },
    /// Show `code`: the person checks that their app shows the same one and confirms.
    ConfirmCode {
        /// The code to compare.
        code: &'a str,
    },
    /// Nothing to show: keep polling.
    Wait,
    /// The session is over (a terminal status): nothing to show, nothing to wait for.
    Done,
}

impl Verification {
    /// What to show the person now, from `action` (which takes precedence), `flowType`
    /// and `flowDetails`.
    ///
    /// - a terminal status: [`NextAction::Done`];
    /// - an `action` of type `qr` with a URL: [`NextAction::ShowQr`]; of type `push`
    ///   with a verification code: [`NextAction::ConfirmCode`]; any other `action` with
    ///   a URL: [`NextAction::OpenUrl`];
    /// - flow `qr`: `qrData` to show, else `linkData` or `deeplink` to open;
    /// - flow `redirect`: `authorizationUrl` to open;
    /// - flow `push`: `verificationCode` to confirm;
    /// - no flow or an unknown one: whichever of those fields is set, in that order;
    /// - flow `dc` (browser or wallet only) and anything else: [`NextAction::Wait`].
    ///
    /// Empty strings count as absent.
    ///
    /// # Example
    ///
    /// ```
    /// use hopae::verifications::{NextAction, Verification};
    ///
    /// let v: Verification = hopae::serde_json::from_str(
    ///     r#"{"verificationId":"ver_1","status":"awaiting_user_action","flowType":"qr",
    ///         "flowDetails":{"qrData":"bankidse:///?token=abc"}}"#,
    /// )?;
    /// assert_eq!(v.next_action(), NextAction::ShowQr { data: "bankidse:///?token=abc" });
    /// # Ok::<(), hopae::serde_json::Error>(())
    /// ```
    pub fn next_action(&self) -> NextAction<'_> {
        if self.status.is_terminal() {
            return NextAction::Done;
        }
        let details = self.flow_details.as_ref();
        let field = |get: fn(&FlowDetails) -> &Option<String>| {
            details
                .and_then(|d| get(d).as_deref())
                .filter(|s| !s.trim().is_empty())
        };
        let qr = field(|d| &d.qr_data);
        let link = field(|d| &d.link_data).or_else(|| field(|d| &d.deeplink));
        let url = field(|d| &d.authorization_url);
        let code = field(|d| &d.verification_code);
        if let Some(action) = &self.action {
            let action_url = action.url.as_deref().filter(|s| !s.trim().is_empty());
            match (&action.kind, action_url) {
                (ActionType::Qr, Some(data)) => return NextAction::ShowQr { data },
                (ActionType::Push, _) if code.is_some() => {
                    return NextAction::ConfirmCode {
                        code: code.unwrap_or_default(),
                    };
                }
                (_, Some(url)) => return NextAction::OpenUrl { url },
                _ => {}
            }
        }
        let show = |data| NextAction::ShowQr { data };
        let open = |url| NextAction::OpenUrl { url };
        let confirm = |code| NextAction::ConfirmCode { code };
        let found = match &self.flow_type {
            Some(FlowType::Qr) => qr.map(show).or_else(|| link.map(open)),
            Some(FlowType::Redirect) => url.map(open),
            Some(FlowType::Push) => code.map(confirm),
            Some(FlowType::Dc) => None,
            _ => qr
                .map(show)
                .or_else(|| url.map(open))
                .or_else(|| code.map(confirm))
                .or_else(|| link.map(open)),
        };
        found.unwrap_or(NextAction::Wait)
    }

    /// A session with only an id and a status.
    pub(crate) fn bare(id: &str, status: VerificationStatus) -> Verification {
        Verification {
            id: id.to_owned(),
            status,
            provider_id: None,
            workflow_id: None,
            flow_type: None,
            flow_details: None,
            polling: None,
            expires_at: None,
            created_at: None,
            verified_at: None,
            failed_at: None,
            cancelled_at: None,
            reference_id: None,
            error: None,
            acr: None,
            loa: None,
            loa_label: None,
            action: None,
            redirect_behavior: None,
            links: None,
            verification_model: None,
            authorization_code: None,
            verified_attributes: None,
            extra: JsonMap::new(),
        }
    }

    /// The pause the server recommends between polls (`polling.recommendedInterval`),
    /// when this response carries one.
    pub fn recommended_interval(&self) -> Option<Duration> {
        self.polling.as_ref()?.recommended_interval
    }
}

/// The answer of `POST /verifications/dc-request`: what a browser or wallet needs for
/// the W3C Digital Credentials flow.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DcRequest {
    /// The request, base64-encoded, for `navigator.credentials.get`.
    pub request_base64: String,
    /// The Digital Credentials session id.
    pub dc_session_id: String,
    /// Fields this version of the crate does not know, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

crate::json::from_json!(DcRequest {
    request_base64: req("requestBase64"),
    dc_session_id: req("dcSessionId"),
    extra: rest(),
});

/// A level of assurance: an integer 1-255 sent as a number (`3`, `3.0`) or a string of
/// digits (`"3"`).
pub(crate) fn loa_value(v: &Value) -> Result<u8, String> {
    let n = match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    n.and_then(|n| u8::try_from(n).ok()).ok_or_else(|| {
        <serde_json::Error as de::Error>::invalid_value(
            de::Unexpected::Other(&v.to_string()),
            &"a level of assurance such as 3",
        )
        .to_string()
    })
}

/// An optional level of assurance (`null` or absent is `None`).
pub(crate) fn loa_option(v: Value, at: At<'_>) -> Result<Option<u8>, Bad> {
    match v {
        Value::Null => Ok(None),
        v => loa_value(&v).map(Some).map_err(|m| Bad::new(at, m)),
    }
}

/// A list of levels (`null` is empty).
fn loa_list(v: Value, at: At<'_>) -> Result<Vec<u8>, Bad> {
    match &v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|item| loa_value(item).map_err(|m| Bad::new(at, m)))
            .collect(),
        _ => Err(Bad::unexpected(&v, "a sequence", at)),
    }
}

/// Durations sent as whole milliseconds (`null` or absent is `None`).
mod millis {
    use super::*;

    pub(super) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            None => s.serialize_none(),
        }
    }
}

/// Durations sent as whole milliseconds (`null` or absent is `None`).
fn millis_value(v: Value, at: At<'_>) -> Result<Option<Duration>, Bad> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_u64() {
            Some(ms) => Ok(Some(Duration::from_millis(ms))),
            None => n
                .as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && *f < 1e15)
                .map(|f| Some(Duration::from_millis(f as u64)))
                .ok_or_else(|| {
                    Bad::new(
                        at,
                        "invalid value: a negative or huge number, expected milliseconds",
                    )
                }),
        },
        other => Err(Bad::new(
            at,
            format!("invalid type: {other}, expected milliseconds as a number"),
        )),
    }
}
