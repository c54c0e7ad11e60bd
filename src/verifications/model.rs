//! The App API's models: the provider catalog, a new verification, the verification in
//! both schema generations, and what to show the person next.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use time::OffsetDateTime;

use crate::decode::{null_as_empty, obj, ts};
use crate::error::{Error, InputErrorKind};
use crate::open_enum::open_enum;
use crate::secret::Secret;

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Provider {
    /// The provider id (`smartid`, `bankidse`, ...), as [`NewVerification::new`] takes it.
    pub id: String,
    /// The display name.
    #[serde(default)]
    pub name: Option<String>,
    /// A description.
    #[serde(default)]
    pub description: Option<String>,
    /// The logo's URL.
    #[serde(default)]
    pub logo_url: Option<String>,
    /// ISO 3166 alpha-2 country codes, as sent (lowercase here).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub countries: Vec<String>,
    /// Whether the provider is active for the App.
    #[serde(default)]
    pub is_active: Option<bool>,
    /// Whether the App must act before using the provider.
    #[serde(default)]
    pub need_action: Option<bool>,
    /// The flows the provider offers.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub flow_types: Vec<FlowType>,
    /// The claims (scopes) the provider can disclose.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub scopes: Vec<String>,
    /// The levels of assurance the provider reaches.
    #[serde(default, deserialize_with = "loa_list")]
    pub loa: Vec<u8>,
    /// The provider's level when none is requested.
    #[serde(default, deserialize_with = "loa_option")]
    pub default_loa: Option<u8>,
    /// The status as sent (`activated`, `deactivated`, `action_required`, ...).
    #[serde(default)]
    pub status: Option<String>,
    /// The kind of provider: 1 centralized IdP, 2 chip-based, 3 wallet.
    #[serde(default, rename = "type")]
    pub kind: Option<serde_json::Value>,
    /// The environments the provider supports.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub supported_environments: Vec<String>,
    /// The status to display.
    #[serde(default)]
    pub display_status: Option<String>,
    /// A message to display.
    #[serde(default)]
    pub display_message: Option<String>,
    /// Fields this version of the crate does not know, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

/// What a provider needs from the App to start a verification
/// (`GET /providers/{providerId}/configuration`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProviderConfiguration {
    /// The provider id.
    pub provider_id: String,
    /// The `userData` keys a verification must carry.
    #[serde(default, deserialize_with = "fields")]
    pub required_user_data: Vec<UserDataField>,
    /// The `userData` keys a verification may carry.
    #[serde(default, deserialize_with = "fields")]
    pub optional_user_data: Vec<UserDataField>,
    /// The flows the provider offers.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub flow_types: Vec<FlowType>,
    /// When the configuration last changed.
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<OffsetDateTime>,
    /// Fields this version of the crate does not know, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserDataField {
    /// The key in `userData` (`registrationId`, `phoneNumber`, ...).
    pub field: String,
    /// `text` or `select`.
    #[serde(default, rename = "type")]
    pub kind: Option<FieldType>,
    /// Whether the key must be given.
    #[serde(default)]
    pub required: bool,
    /// A label for a form.
    #[serde(default)]
    pub label: Option<String>,
    /// A description for a form.
    #[serde(default)]
    pub description: Option<String>,
    /// The values a `select` field takes.
    #[serde(default, deserialize_with = "obj_vec_or_null")]
    pub options: Vec<FieldOption>,
    /// A regular expression a `text` value must match, as sent.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Fields this version of the crate does not know, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

/// One value of a `select` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FieldOption {
    /// The value to send.
    pub value: String,
    /// The label to show.
    #[serde(default)]
    pub label: Option<String>,
}

/// Where to send the person back, echoed to the App (`returnContext`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnContext {
    /// The App's opaque state.
    pub state: String,
}

/// The look of Hopae's pages for one verification (`uiCustomization`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UiCustomization {
    /// The colour scheme, as the API takes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_scheme: Option<String>,
    /// A logo to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// `light` or `dark`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
}

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewVerification {
    provider_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_data: Option<JsonMap>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requested_loa: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requested_claims: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    match_data: Option<JsonMap>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    webhook_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    loa_strategy: Option<LoaStrategy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reference_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    metadata: Option<JsonMap>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    flow_type: Option<FlowType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    initiation_method: Option<InitiationMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    return_context: Option<ReturnContext>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ui_customization: Option<UiCustomization>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    private_mode: Option<bool>,
}

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Verification {
    /// The session id (`ver_2hJ8...` or 32 hex characters).
    #[serde(rename = "verificationId")]
    pub id: String,
    /// Where the session stands.
    pub status: VerificationStatus,
    /// The provider.
    #[serde(default)]
    pub provider_id: Option<String>,
    /// The workflow the session runs.
    #[serde(default)]
    pub workflow_id: Option<String>,
    /// The flow.
    #[serde(default)]
    pub flow_type: Option<FlowType>,
    /// What to show for the flow (QR data, URL, code).
    #[serde(default, deserialize_with = "obj::option")]
    pub flow_details: Option<FlowDetails>,
    /// How often to poll (create response only).
    #[serde(default, deserialize_with = "obj::option")]
    pub polling: Option<Polling>,
    /// When the session expires.
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<OffsetDateTime>,
    /// When the session was created.
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub created_at: Option<OffsetDateTime>,
    /// When the person was verified.
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<OffsetDateTime>,
    /// When the session failed.
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub failed_at: Option<OffsetDateTime>,
    /// When the session was cancelled.
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<OffsetDateTime>,
    /// The App's own reference.
    #[serde(default)]
    pub reference_id: Option<String>,
    /// Why the session failed.
    #[serde(default, deserialize_with = "obj::option")]
    pub error: Option<VerificationError>,
    /// The level reached, as an `acr` value (`urn:hopae:loa:3`).
    #[serde(default)]
    pub acr: Option<String>,
    /// The level reached, 1 to 5 (`hopae_loa`).
    #[serde(default, rename = "hopae_loa", deserialize_with = "loa_option")]
    pub loa: Option<u8>,
    /// The level's label (`hopae_loa_label`); labels differ between API versions, so
    /// never derive the level from it.
    #[serde(default, rename = "hopae_loa_label")]
    pub loa_label: Option<String>,
    /// A step the person must take now (a liveness check, ...); it takes precedence
    /// over `flowDetails`.
    #[serde(default, deserialize_with = "obj::option")]
    pub action: Option<Action>,
    /// How the browser is sent on in a redirect flow.
    #[serde(default)]
    pub redirect_behavior: Option<serde_json::Value>,
    /// `links`, as sent (never shown in an example).
    #[serde(default)]
    pub links: Option<serde_json::Value>,
    /// `disclosure` or `match` (create response only).
    #[serde(default, rename = "verification_model")]
    pub verification_model: Option<VerificationModel>,
    /// The older generation's authorization code: a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_code: Option<Secret>,
    /// The older generation's verified attributes, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_attributes: Option<serde_json::Value>,
    /// Fields this version of the crate does not know, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

/// What to show the person for the session's flow (`flowDetails`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FlowDetails {
    /// QR flow: the payload to render as a QR code (it may change between polls).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_data: Option<String>,
    /// QR flow: a link for the same device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_data: Option<String>,
    /// QR flow: a deep link into the eID app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deeplink: Option<String>,
    /// QR flow: the app's auto-start token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_start_token: Option<String>,
    /// Redirect flow: where to send the browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
    /// Redirect flow: the OAuth state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Push flow: the code the person compares in their app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_code: Option<String>,
    /// Push flow: a description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Push flow: the message shown in the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_displayed: Option<String>,
    /// Push flow: the person's identifier, masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked_identifier: Option<String>,
    /// Push flow: instructions to show, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_instructions: Option<serde_json::Value>,
    /// Fields this version of the crate does not know, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

/// The server's polling hint (`polling`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Polling {
    /// The recommended pause between two polls (sent in milliseconds).
    #[serde(default, with = "millis")]
    pub recommended_interval: Option<Duration>,
    /// How long polling may last in total (sent in milliseconds).
    #[serde(default, with = "millis")]
    pub max_duration: Option<Duration>,
}

/// Why a session failed (`error`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VerificationError {
    /// The kind of failure.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The failure's code.
    #[serde(default)]
    pub code: Option<String>,
    /// The message.
    #[serde(default)]
    pub message: Option<String>,
    /// Details, as sent.
    #[serde(default)]
    pub details: Option<serde_json::Value>,
    /// When it happened.
    #[serde(default, with = "ts::option", skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<OffsetDateTime>,
    /// The provider's own error, as sent.
    #[serde(default)]
    pub provider_error: Option<serde_json::Value>,
}

/// A step the person must take (`action`), such as opening a URL for a liveness check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Action {
    /// What kind of step.
    #[serde(rename = "type")]
    pub kind: ActionType,
    /// The URL to open or render.
    #[serde(default)]
    pub url: Option<String>,
    /// A message for the person.
    #[serde(default)]
    pub message: Option<String>,
    /// Anything else, as sent.
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
}

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// A level of assurance: an integer 1-255 sent as a number (`3`, `3.0`) or a string of
/// digits (`"3"`).
pub(crate) fn loa_value<E: de::Error>(v: &serde_json::Value) -> Result<u8, E> {
    use serde_json::Value;
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
        E::invalid_value(
            de::Unexpected::Other(&v.to_string()),
            &"a level of assurance such as 3",
        )
    })
}

/// An optional level of assurance (`null` or absent is `None`).
pub(crate) fn loa_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    crate::decode::checked(d, |v| match v {
        serde_json::Value::Null => Ok(None),
        v => loa_value::<serde_json::Error>(&v)
            .map(Some)
            .map_err(|e| e.to_string()),
    })
}

/// A list of levels (`null` is empty).
fn loa_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    crate::decode::checked(d, |v| {
        Option::<Vec<serde_json::Value>>::deserialize(v)
            .and_then(|items| {
                items
                    .unwrap_or_default()
                    .iter()
                    .map(loa_value::<serde_json::Error>)
                    .collect()
            })
            .map_err(|e| e.to_string())
    })
}

/// A list of user-data fields, each a JSON object (`null` is empty).
fn fields<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<UserDataField>, D::Error> {
    obj_vec_or_null(d)
}

/// A list of JSON objects where `null` means empty.
fn obj_vec_or_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("null or an array of JSON objects")
        }
        fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
            obj::vec(d)
        }
    }
    d.deserialize_option(V(std::marker::PhantomData))
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

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        use serde_json::Value;
        crate::decode::checked(d, |v| match v {
            Value::Null => Ok(None),
            Value::Number(n) => match n.as_u64() {
                Some(ms) => Ok(Some(Duration::from_millis(ms))),
                None => n
                    .as_f64()
                    .filter(|f| f.is_finite() && *f >= 0.0 && *f < 1e15)
                    .map(|f| Some(Duration::from_millis(f as u64)))
                    .ok_or_else(|| {
                        "invalid value: a negative or huge number, expected milliseconds".to_owned()
                    }),
            },
            other => Err(format!(
                "invalid type: {other}, expected milliseconds as a number"
            )),
        })
    }
}
