//! `hopae verify` and `hopae verifications ...`: the App API, with an App's client
//! credentials (`HOPAE_CLIENT_ID`, `HOPAE_CLIENT_SECRET`, and `HOPAE_ENVIRONMENT` or
//! `HOPAE_BASE_URL`).

use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hopae::verifications::{
    Evidence, FlowType, MAX_LOA, MIN_LOA, NewVerification, NextAction, Provider,
    ProviderConfiguration, UserDataField, UserInfo, Verification, VerificationStatus,
};
use hopae::wait::WaitOptions;
use hopae::{AppClient, Error};
use serde_json::{Map, Value};

use crate::emit::{emit, emit_bytes};
use crate::failure::{EXIT_WAIT, Failure};
use crate::options::{DurationArg, Global};
use crate::output::{clean, fields, format_duration, json_text, table, timestamp_or};
use crate::raw::{self, Bodies, Keep};

/// The exit status after Ctrl-C: 128 + SIGINT, as a shell reports it.
const EXIT_INTERRUPTED: i32 = 130;

/// The arguments of `hopae verify`.
#[derive(clap::Args, Debug)]
pub(crate) struct Verify {
    /// The provider, such as smartid (see `hopae verifications providers`)
    #[arg(long, value_name = "ID")]
    provider: String,

    /// User data the provider needs, as FIELD=VALUE; repeat it for several (see `hopae
    /// verifications requirements PROVIDER`)
    #[arg(long = "user-data", value_name = "FIELD=VALUE", value_parser = field_value)]
    user_data: Vec<(String, String)>,

    /// The lowest level of assurance to accept, 1 to 5
    #[arg(long, value_name = "N", value_parser = loa, allow_negative_numbers = true)]
    loa: Option<u8>,

    /// The claims to ask for, comma-separated (given_name,family_name,birthdate)
    #[arg(long, value_name = "CLAIMS", value_delimiter = ',')]
    claims: Vec<String>,

    /// The flow: qr, push or redirect [default: the provider's first]
    #[arg(long, value_name = "FLOW")]
    flow: Option<String>,

    /// Open the URL the person must visit in the default browser
    #[arg(long)]
    open: bool,

    /// Where the provider sends the browser back to, for redirect flows
    #[arg(long, value_name = "URL")]
    redirect_uri: Option<String>,

    /// Your reference for the session (referenceId)
    #[arg(long, value_name = "TEXT")]
    reference: Option<String>,

    /// Poll every DURATION when the API recommends no interval [default: 2s, at least 500ms]
    #[arg(long, value_name = "DURATION")]
    interval: Option<DurationArg>,

    /// Give up after DURATION (the session is cancelled) [default: when the session
    /// expires, at most 10m]
    #[arg(long, value_name = "DURATION")]
    timeout: Option<DurationArg>,
}

pub(crate) const VERIFY_NOTES: &str = "\
Creates a verification session with the App's client credentials (HOPAE_CLIENT_ID,
HOPAE_CLIENT_SECRET, and HOPAE_ENVIRONMENT=sandbox|production or HOPAE_BASE_URL), shows
what the person must do on stderr (a QR code to scan, redrawn when it changes; a URL to
open; or a code to compare in their app), waits until the session ends, then prints the
verified claims on stdout. Before creating the session, the user data is checked against
the provider's requirements.

With --json: the userinfo body as the API sent it, except that its provenance (which
holds the upstream tokens) reads \"[redacted]\" unless --show-secrets is given.

Ctrl-C cancels the session, then exits with 130. Exit codes: 0 when the person is
verified, 5 when the session failed, expired or was cancelled, or --timeout passed (the
session is then cancelled); as for every command otherwise.";

/// The arguments of `hopae verifications`.
#[derive(clap::Args, Debug)]
pub(crate) struct Group {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Show a verification session: its status, flow and outcome
    Get(IdArg),
    /// Cancel a verification session that has not ended (with --json, prints nothing: the
    /// API answers with no body)
    Cancel(IdArg),
    /// Show the verified person's claims of a completed session
    Userinfo(IdArg),
    /// Show which upstream tokens a completed session holds (their names; the tokens
    /// only with --show-secrets)
    Evidence(IdArg),
    /// List the providers the App may use (the App API's catalog)
    Providers(ProvidersArgs),
    /// Show the user data a provider needs (--user-data of `hopae verify`)
    Requirements(ProviderArg),
}

#[derive(clap::Args, Debug)]
struct IdArg {
    /// The verification id (ver_...)
    id: String,
}

#[derive(clap::Args, Debug)]
struct ProviderArg {
    /// The provider id, such as smartid
    provider: String,
}

#[derive(clap::Args, Debug)]
struct ProvidersArgs {
    /// Only providers with this status, passed to the API as given (activated,
    /// deactivated, action_required)
    #[arg(long, value_name = "STATUS")]
    status: Option<String>,
}

fn field_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((field, value)) if !field.trim().is_empty() => {
            Ok((field.trim().to_owned(), value.to_owned()))
        }
        _ => Err("expected FIELD=VALUE, such as registrationId=PNOEE-38001085718".to_owned()),
    }
}

fn loa(s: &str) -> Result<u8, String> {
    match s.parse::<u8>() {
        Ok(n) if (MIN_LOA..=MAX_LOA).contains(&n) => Ok(n),
        _ => Err(format!("expected a level from {MIN_LOA} to {MAX_LOA}")),
    }
}

/// An App API client, and the 2xx bodies it received for `--json`.
struct AppApi {
    client: Arc<AppClient>,
    bodies: Bodies,
}

/// Builds the App client from the environment (`AppClient::from_env`'s variables), with
/// the global options.
fn connect(global: &Global, keep: Keep) -> Result<AppApi, Failure> {
    let (client, bodies) = crate::connect::connect_app(global, keep)?;
    Ok(AppApi {
        client: Arc::new(client),
        bodies,
    })
}

/// Runs `hopae verifications ...`.
pub(crate) fn run_group(group: Group, global: &Global) -> Result<(), Failure> {
    match group.command {
        Command::Get(a) => {
            let api = connect(global, Keep::Last)?;
            let v = api.client.verification(&a.id).get()?;
            print(global, &api, || verification_text(&v))
        }
        Command::Cancel(a) => {
            let api = connect(global, Keep::Nothing)?;
            api.client.verification(&a.id).cancel()?;
            if global.json {
                // The API answers 204 with no body: nothing to print as sent.
                return Ok(());
            }
            emit(&format!("cancelled {}\n", clean(&a.id)))
        }
        Command::Userinfo(a) => {
            let api = connect(global, Keep::Last)?;
            let info = api.client.verification(&a.id).userinfo()?;
            print(global, &api, || userinfo_text(&a.id, &info))
        }
        Command::Evidence(a) => {
            let api = connect(global, Keep::Last)?;
            let evidence = api.client.verification(&a.id).evidence()?;
            print(global, &api, || {
                evidence_text(&a.id, &evidence, global.show_secrets)
            })
        }
        Command::Providers(a) => {
            let api = connect(global, Keep::Last)?;
            let catalog = api.client.providers();
            let list = match &a.status {
                Some(status) => catalog.list_with_status(status)?,
                None => catalog.list()?,
            };
            print(global, &api, || providers_table(&list))
        }
        Command::Requirements(a) => {
            let api = connect(global, Keep::Last)?;
            let config = api.client.providers().configuration(&a.provider)?;
            print(global, &api, || requirements_text(&config))
        }
    }
}

/// Prints the last 2xx body (`--json`) or `text`.
fn print(global: &Global, api: &AppApi, text: impl FnOnce() -> String) -> Result<(), Failure> {
    if global.json {
        return emit_bytes(&raw::document(api.bodies.last()?));
    }
    emit(&text())
}

fn providers_table(list: &[Provider]) -> String {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|p| {
            let flows: Vec<&str> = p.flow_types.iter().map(FlowType::as_str).collect();
            let levels: Vec<String> = p.loa.iter().map(u8::to_string).collect();
            vec![
                clean(&p.id),
                clean(p.name.as_deref().unwrap_or("-")),
                match p.is_active {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => "-".into(),
                },
                clean(&flows.join(", ")),
                or_dash(levels.join(", ")),
                or_dash(clean(&p.countries.join(", "))),
            ]
        })
        .collect();
    table(
        &["PROVIDER", "NAME", "ACTIVE", "FLOWS", "LEVELS", "COUNTRIES"],
        &rows,
    )
}

fn or_dash(s: String) -> String {
    if s.is_empty() { "-".into() } else { s }
}

/// One user-data field: `registrationId (text, pattern ^PNO...): label; description`.
fn field_text(f: &UserDataField) -> String {
    let mut kind = f
        .kind
        .as_ref()
        .map_or_else(|| "text".to_owned(), |k| k.as_str().to_owned());
    if let Some(pattern) = &f.pattern {
        kind.push_str(&format!(", pattern {pattern}"));
    }
    let mut line = format!("{} ({kind})", f.field);
    let about: Vec<&str> = [f.label.as_deref(), f.description.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    if !about.is_empty() {
        line.push_str(&format!(": {}", about.join(". ")));
    }
    if !f.options.is_empty() {
        let options: Vec<String> = f
            .options
            .iter()
            .map(|o| match &o.label {
                Some(label) => format!("{} ({label})", o.value),
                None => o.value.clone(),
            })
            .collect();
        line.push_str(&format!("; one of {}", options.join(", ")));
    }
    clean(&line)
}

fn requirements_text(c: &ProviderConfiguration) -> String {
    let list = |fields: &[UserDataField]| {
        if fields.is_empty() {
            "-".to_owned()
        } else {
            fields.iter().map(field_text).collect::<Vec<_>>().join("\n")
        }
    };
    let flows: Vec<&str> = c.flow_types.iter().map(FlowType::as_str).collect();
    fields(&[
        ("provider", clean(&c.provider_id)),
        ("flows", or_dash(clean(&flows.join(", ")))),
        ("required", list(&c.required_user_data)),
        ("optional", list(&c.optional_user_data)),
    ])
}

fn verification_text(v: &Verification) -> String {
    let mut pairs = vec![
        ("verification", clean(&v.id)),
        ("status", clean(v.status.as_str())),
        ("provider", clean(v.provider_id.as_deref().unwrap_or("-"))),
        (
            "flow",
            v.flow_type
                .as_ref()
                .map_or_else(|| "-".to_owned(), |f| clean(f.as_str())),
        ),
        ("created", timestamp_or(v.created_at, "-")),
        ("expires", timestamp_or(v.expires_at, "-")),
    ];
    if let Some(level) = v.loa {
        pairs.push(("level", level.to_string()));
    }
    if let Some(reference) = &v.reference_id {
        pairs.push(("reference", clean(reference)));
    }
    if let Some(error) = &v.error {
        pairs.push((
            "error",
            clean(&error_text(error.code.as_deref(), error.message.as_deref())),
        ));
    }
    match v.next_action() {
        NextAction::ShowQr { data } => pairs.push(("qr data", clean(data))),
        NextAction::OpenUrl { url } => pairs.push(("open", clean(url))),
        NextAction::ConfirmCode { code } => pairs.push(("code", clean(code))),
        _ => {}
    }
    fields(&pairs)
}

fn error_text(code: Option<&str>, message: Option<&str>) -> String {
    match (code, message) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(text), None) | (None, Some(text)) => text.to_owned(),
        (None, None) => "no reason given".to_owned(),
    }
}

/// What an evidence answer holds: the names of its tokens, and with `show_secrets`
/// (`--show-secrets`) the tokens themselves.
fn evidence_text(id: &str, evidence: &Evidence, show_secrets: bool) -> String {
    let names: Vec<String> = evidence.names().into_iter().map(clean).collect();
    let holds = if names.is_empty() {
        "-".to_owned()
    } else {
        names.join(", ")
    };
    let mut pairs = vec![
        ("verification".to_owned(), clean(id)),
        ("holds".to_owned(), holds),
    ];
    if show_secrets {
        match evidence.token.expose() {
            Value::Object(map) => {
                for (name, value) in map {
                    pairs.push((clean(name), json_text(value)));
                }
            }
            other => pairs.push(("token".to_owned(), json_text(other))),
        }
    }
    let borrowed: Vec<(&str, String)> =
        pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    fields(&borrowed)
}

/// The claims of a userinfo answer as key-value lines.
fn userinfo_text(id: &str, info: &UserInfo) -> String {
    let mut pairs: Vec<(String, String)> = vec![("verification".into(), clean(id))];
    if let Some(provider) = &info.provider_id {
        pairs.push(("provider".into(), clean(provider)));
    }
    if let Some(level) = info.loa() {
        let label = info
            .hopae_loa_label
            .as_deref()
            .map_or(String::new(), |l| format!(" ({})", clean(l)));
        pairs.push(("level".into(), format!("{level}{label}")));
    }
    pairs.push(("subject".into(), clean(&info.sub)));
    let claims = info
        .user
        .as_ref()
        .and_then(|u| serde_json::to_value(u).ok())
        .and_then(|v| match v {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .unwrap_or_default();
    for (name, value) in &claims {
        pairs.push((clean(name), json_text(value)));
    }
    if !info.missing_claims.is_empty() {
        pairs.push(("missing".into(), clean(&info.missing_claims.join(", "))));
    }
    let borrowed: Vec<(&str, String)> =
        pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    fields(&borrowed)
}

/// Checks `--user-data` against the provider's configuration: every required field
/// given, a select's value among its options, the flow among the provider's.
fn check_against(
    config: &ProviderConfiguration,
    user_data: &Map<String, Value>,
    flow: Option<&FlowType>,
) -> Result<(), Failure> {
    let missing = config.missing_user_data(user_data);
    if !missing.is_empty() {
        let names: Vec<String> = missing
            .iter()
            .map(|f| format!("--user-data {}=...", f.field))
            .collect();
        let about: Vec<String> = missing
            .iter()
            .map(|f| {
                let about = f.description.as_deref().or(f.label.as_deref());
                format!("{}: {}", f.field, about.unwrap_or("no description"))
            })
            .collect();
        return Err(Failure::usage(clean(&format!(
            "{} needs {} ({}); see `hopae verifications requirements {}`",
            config.provider_id,
            names.join(" and "),
            about.join("; "),
            config.provider_id
        ))));
    }
    for f in config
        .required_user_data
        .iter()
        .chain(&config.optional_user_data)
    {
        let Some(Value::String(given)) = user_data.get(&f.field) else {
            continue;
        };
        if !f.options.is_empty() && !f.options.iter().any(|o| &o.value == given) {
            let values: Vec<&str> = f.options.iter().map(|o| o.value.as_str()).collect();
            return Err(Failure::usage(clean(&format!(
                "--user-data {}={given}: {} takes one of {}",
                f.field,
                config.provider_id,
                values.join(", ")
            ))));
        }
    }
    if let Some(flow) = flow
        && !config.flow_types.is_empty()
        && !config.flow_types.contains(flow)
    {
        let flows: Vec<&str> = config.flow_types.iter().map(FlowType::as_str).collect();
        return Err(Failure::usage(clean(&format!(
            "--flow {flow}: {} offers {}",
            config.provider_id,
            flows.join(", ")
        ))));
    }
    Ok(())
}

/// What is on screen (stderr) while the session runs: the last action shown and the
/// lines it took, and the status line on a terminal.
struct Screen {
    terminal: bool,
    provider: String,
    open: bool,
    started: Instant,
    /// The action last shown, as text, to notice a change.
    shown: Option<String>,
    /// Lines drawn since the action was shown, the status line excluded.
    lines: usize,
    /// Whether a status line is on screen (a terminal only).
    status: bool,
    /// Whether the browser was opened already.
    opened: bool,
}

impl Screen {
    fn new(provider: &str, open: bool) -> Screen {
        Screen {
            terminal: io::stderr().is_terminal(),
            provider: provider.to_owned(),
            open,
            started: Instant::now(),
            shown: None,
            lines: 0,
            status: false,
            opened: false,
        }
    }

    /// Shows the session's next action when it changed, then the status line.
    fn update(&mut self, v: &Verification) {
        self.update_on(&mut io::stderr().lock(), v);
    }

    /// [`Screen::update`] on `out`.
    fn update_on(&mut self, out: &mut impl Write, v: &Verification) {
        let action = v.next_action();
        let key = match action {
            NextAction::ShowQr { data } => format!("qr {data}"),
            NextAction::OpenUrl { url } => format!("url {url}"),
            NextAction::ConfirmCode { code } => format!("code {code}"),
            _ => String::new(),
        };
        if !key.is_empty() && self.shown.as_deref() != Some(key.as_str()) {
            let lines = self.action_lines(action);
            if self.terminal && (self.lines > 0 || self.status) {
                // Back to where the last action started, and clear below.
                let up = self.lines;
                let _ = write!(out, "\r");
                if up > 0 {
                    let _ = write!(out, "\x1b[{up}A");
                }
                let _ = write!(out, "\x1b[J");
            } else if self.status {
                let _ = writeln!(out);
            }
            self.status = false;
            for line in &lines {
                let _ = writeln!(out, "{line}");
            }
            self.lines = lines.len();
            self.shown = Some(key);
            if let NextAction::OpenUrl { url } = action
                && self.open
                && !self.opened
            {
                self.opened = true;
                if let Err(why) = crate::browser::open_browser(url) {
                    let _ = writeln!(out, "could not open a browser: {why}");
                    self.lines += 1;
                }
            }
        }
        if self.terminal {
            let mut line = format!(
                "{} · {}",
                clean(v.status.as_str()),
                format_duration(self.started.elapsed())
            );
            if let Some(expires) = v.expires_at {
                let left = expires - time::OffsetDateTime::now_utc();
                if let Ok(left) = Duration::try_from(left) {
                    line.push_str(&format!(" · expires in {}", format_duration(left)));
                }
            }
            let _ = write!(out, "\r\x1b[K{line}");
            self.status = true;
        }
        let _ = out.flush();
    }

    /// The lines that show an action.
    fn action_lines(&self, action: NextAction<'_>) -> Vec<String> {
        let provider = clean(&self.provider);
        match action {
            NextAction::ShowQr { data } => {
                let mut lines = vec![format!("Scan this QR code with the {provider} app:")];
                match crate::qr::lines(data, self.terminal) {
                    Some(qr) => lines.extend(qr),
                    None => lines.push(clean(data)),
                }
                lines
            }
            NextAction::OpenUrl { url } => {
                let hint = if self.open { "" } else { " (--open opens it)" };
                vec![format!("Open this URL to continue{hint}:"), clean(url)]
            }
            NextAction::ConfirmCode { code } => vec![format!(
                "Check that the {provider} app shows the code {}, then confirm there.",
                clean(code)
            )],
            _ => Vec::new(),
        }
    }

    /// Ends the status line so that what follows starts on a fresh one.
    fn end(&mut self) {
        self.end_on(&mut io::stderr().lock());
    }

    /// [`Screen::end`] on `out`.
    fn end_on(&mut self, out: &mut impl Write) {
        if std::mem::take(&mut self.status) {
            let _ = writeln!(out);
        }
    }
}

/// Runs `hopae verify`.
pub(crate) fn run_verify(a: &Verify, global: &Global) -> Result<(), Failure> {
    let mut user_data = Map::new();
    for (field, value) in &a.user_data {
        if user_data
            .insert(field.clone(), Value::String(value.clone()))
            .is_some()
        {
            return Err(Failure::usage(format!(
                "--user-data {field}= given more than once"
            )));
        }
    }
    let flow = a.flow.as_deref().map(FlowType::from);
    if let Some(interval) = &a.interval
        && interval.value < hopae::verifications::MIN_POLL_INTERVAL
    {
        return Err(Failure::usage(format!(
            "--interval must be at least {}ms, got `{interval}`",
            hopae::verifications::MIN_POLL_INTERVAL.as_millis()
        )));
    }
    let api = connect(global, Keep::Last)?;
    let app = Arc::clone(&api.client);
    let config = app.providers().configuration(&a.provider)?;
    check_against(&config, &user_data, flow.as_ref())?;

    let mut new = NewVerification::new(&a.provider).user_data_all(user_data);
    if let Some(level) = a.loa {
        new = new.requested_loa(level);
    }
    if !a.claims.is_empty() {
        new = new.requested_claims(a.claims.iter().map(|c| c.trim()).filter(|c| !c.is_empty()));
    }
    if let Some(flow) = flow {
        new = new.flow_type(flow);
    }
    if let Some(uri) = &a.redirect_uri {
        new = new.redirect_uri(uri);
    }
    if let Some(reference) = &a.reference {
        new = new.reference_id(reference);
    }
    let screen = Arc::new(Mutex::new(Screen::new(&a.provider, a.open)));
    let session = Arc::new(Mutex::new(Session::Creating));
    {
        // Ctrl-C: cancel the session (best effort), end the status line, exit 130. While
        // the create is under way, the main thread cancels once it answers.
        let (app, session, screen) = (Arc::clone(&app), Arc::clone(&session), Arc::clone(&screen));
        let _ = ctrlc::set_handler(move || {
            let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
            let Session::Created(id) = &*session else {
                *session = Session::Interrupted;
                return;
            };
            if let Ok(mut screen) = screen.try_lock() {
                screen.end();
            }
            interrupted(&app, id);
        });
    }
    let created = app.verifications().create(&new);
    let created = {
        let mut state = session.lock().unwrap_or_else(|e| e.into_inner());
        if let Ok(created) = &created {
            if *state == Session::Interrupted {
                interrupted(&app, &created.id);
            }
            *state = Session::Created(created.id.clone());
        } else if *state == Session::Interrupted {
            std::process::exit(EXIT_INTERRUPTED);
        }
        created?
    };
    let id = created.id.clone();
    let _ = writeln!(
        io::stderr().lock(),
        "verification {} created ({}, {})",
        clean(&id),
        clean(&a.provider),
        created
            .flow_type
            .as_ref()
            .map_or("no flow type", FlowType::as_str)
    );
    lock(&screen).update(&created);

    let mut options = WaitOptions::new();
    if let Some(interval) = &a.interval {
        options = options.interval(interval.value);
    }
    if let Some(timeout) = &a.timeout {
        options = options.timeout(timeout.value);
    }
    let handle = app.verification_from(&created);
    let waited = handle.wait_with(&options, |v| lock(&screen).update(v));
    lock(&screen).end();
    let done = match waited {
        Ok(done) => done,
        Err(e @ Error::Wait(_)) => {
            // Timed out: the session must not stay open behind us.
            let _ = handle.cancel();
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    if done.status != VerificationStatus::Completed {
        let why = done
            .error
            .as_ref()
            .map(|e| format!(": {}", error_text(e.code.as_deref(), e.message.as_deref())))
            .unwrap_or_default();
        return Err(Failure {
            code: EXIT_WAIT,
            ..Failure::usage(clean(&format!(
                "verification {id} ended {}{why}",
                done.status
            )))
        });
    }
    let info = app.verification(&id).userinfo()?;
    print(global, &api, || userinfo_text(&id, &info))
}

/// Where `hopae verify` stands, for its Ctrl-C handler.
#[derive(Debug, PartialEq)]
enum Session {
    /// The create is under way.
    Creating,
    /// Ctrl-C came during the create: cancel what it made, then exit.
    Interrupted,
    /// The session exists.
    Created(String),
}

/// Cancels the session `id` after Ctrl-C (best effort), says so, and exits with 130.
fn interrupted(app: &AppClient, id: &str) -> ! {
    let cancelled = app.verification(id).cancel();
    let mut err = io::stderr().lock();
    let _ = match cancelled {
        Ok(()) => writeln!(err, "interrupted: verification {} cancelled", clean(id)),
        Err(e) => writeln!(err, "interrupted: could not cancel {}: {e}", clean(id)),
    };
    std::process::exit(EXIT_INTERRUPTED);
}

fn lock(screen: &Mutex<Screen>) -> std::sync::MutexGuard<'_, Screen> {
    screen.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(status: &str, qr: &str) -> Verification {
        serde_json::from_value(serde_json::json!({
            "verificationId": "ver_1", "status": status, "flowType": "qr",
            "flowDetails": {"qrData": qr},
        }))
        .unwrap()
    }

    fn screen(terminal: bool) -> Screen {
        Screen {
            terminal,
            ..Screen::new("bankidse", false)
        }
    }

    #[test]
    fn a_terminal_redraws_a_changed_qr_code_in_place() {
        let mut screen = screen(true);
        let mut out = Vec::new();
        screen.update_on(&mut out, &session("initiated", "bankidse:///?t=1"));
        let first = String::from_utf8(std::mem::take(&mut out)).unwrap();
        let drawn = crate::qr::lines("bankidse:///?t=1", true).unwrap();
        assert!(
            first.starts_with("Scan this QR code with the bankidse app:\n"),
            "{first}"
        );
        assert!(first.contains(&drawn.join("\n")));
        assert!(first.contains("\r\x1b[Kinitiated · "), "{first:?}");
        // The same payload: only the status line changes.
        screen.update_on(
            &mut out,
            &session("awaiting_user_action", "bankidse:///?t=1"),
        );
        let same = String::from_utf8(std::mem::take(&mut out)).unwrap();
        assert!(
            same.starts_with("\r\x1b[Kawaiting_user_action · "),
            "{same:?}"
        );
        assert!(!same.contains('\n'), "{same:?}");
        // Another payload: back up over the code and its heading, clear, draw again.
        screen.update_on(
            &mut out,
            &session("awaiting_user_action", "bankidse:///?t=2"),
        );
        let again = String::from_utf8(std::mem::take(&mut out)).unwrap();
        let up = format!("\r\x1b[{}A\x1b[J", drawn.len() + 1);
        assert!(again.starts_with(&up), "{again:?}");
        assert!(
            again.contains(
                &crate::qr::lines("bankidse:///?t=2", true)
                    .unwrap()
                    .join("\n")
            )
        );
        screen.end_on(&mut out);
        screen.end_on(&mut out);
        assert_eq!(out, b"\n", "one newline ends the status line");
    }

    #[test]
    fn elsewhere_each_new_qr_code_is_printed_without_escapes() {
        let mut screen = screen(false);
        let mut out = Vec::new();
        screen.update_on(&mut out, &session("initiated", "bankidse:///?t=1"));
        screen.update_on(
            &mut out,
            &session("awaiting_user_action", "bankidse:///?t=1"),
        );
        screen.update_on(
            &mut out,
            &session("awaiting_user_action", "bankidse:///?t=2"),
        );
        screen.end_on(&mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\x1b') && !text.contains('\r'), "{text:?}");
        assert_eq!(text.matches("Scan this QR code").count(), 2);
        let lines = crate::qr::lines("bankidse:///?t=2", false).unwrap();
        assert!(text.ends_with(&format!("{}\n", lines.join("\n"))));
    }

    #[test]
    fn user_data_and_levels_parse() {
        assert_eq!(
            field_value("registrationId=PNOEE-1=2"),
            Ok(("registrationId".into(), "PNOEE-1=2".into()))
        );
        assert!(field_value("=x").is_err() && field_value("x").is_err());
        assert_eq!(field_value("email="), Ok(("email".into(), String::new())));
        assert_eq!(loa("3"), Ok(3));
        for bad in ["0", "6", "-1", "x"] {
            assert!(loa(bad).is_err(), "{bad}");
        }
    }
}
