//! `hopae providers`: the providers on an app and their activation (list, steps,
//! enable, disable, submit-form, upload, delete-document, activate).

use std::io::Read as _;
use std::path::Path;

use hopae::providers::{
    ActivationForm, ActivationFormReceipt, ActivationOutcome, ActivationSteps, AppProvider,
    BulkActivation, BulkActivationResult, Document, MAX_DOCUMENT_BYTES, MAX_DOCUMENTS,
    UploadedDocument,
};
use hopae::{Error, HopaeClient};
use serde_json::Value;

use crate::confirm::{Typed, confirm};
use crate::failure::Failure;
use crate::options::{AppArg, Global, check_id, read_input};
use crate::output::{clean, fields, json_text, plural, shorten, table, timestamp};
use crate::raw;
use crate::show::{show, show_deleted};

/// The arguments of `hopae providers`.
#[derive(clap::Args, Debug)]
pub(crate) struct Group {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// List the providers on an app and how far their activation has come
    List(AppArg),
    /// Show a provider's activation steps: what to fill in, what to upload
    Steps(ProviderArg),
    /// Enable a provider on an app
    Enable(ProviderArg),
    /// Disable a provider on an app
    Disable(ProviderArg),
    /// Submit a provider's activation form
    #[command(after_help = FORM_NOTES)]
    SubmitForm(SubmitForm),
    /// Upload documents for a provider's activation (e.g. a signed agreement)
    #[command(after_help = UPLOAD_NOTES)]
    Upload(Upload),
    /// Delete an uploaded document that was not processed yet
    #[command(after_help = DELETE_NOTES)]
    DeleteDocument(DeleteDocument),
    /// Activate one or more providers at once
    #[command(after_help = ACTIVATE_NOTES)]
    Activate(Activate),
}

const FORM_NOTES: &str = "\
The names are those of the form step's fields (`hopae providers steps APP PROVIDER` lists
them); values are sent as strings. A provider takes one form, unless it was rejected.

A secret value (an API key, a client secret) need not sit in the process list or the
shell history: --field-file NAME=PATH reads it from a file, or from stdin for PATH -
(one trailing newline removed, at most 64 KiB). Values are never printed.";

const UPLOAD_NOTES: &str = "\
Each FILE is sent with its file name and a content type guessed from its extension (pdf,
png, jpg/jpeg, gif, txt, json, zip, docx, xlsx; anything else as
application/octet-stream), unless --content-type is given. At most 10 files of at most
10 MiB each. Only providers with an upload step take documents (e.g. ftn, spid-ig, idin).";

const DELETE_NOTES: &str = "\
A document can be deleted until Hopae has processed it.

This cannot be undone. On a terminal the command asks you to type the document id to
confirm; elsewhere (a script, a CI job) it needs --yes.";

const ACTIVATE_NOTES: &str = "\
--field mitid.companyName=Shop sets the field companyName of provider mitid; the values
true and false are sent as booleans, anything else as a string. --field-file
mitid.apiKey=PATH reads a value from a file, or from stdin for PATH - (one trailing
newline removed, at most 64 KiB, sent as a string), so that a secret need not sit in the
process list or the shell history. --provider adds a provider without fields. Each provider gets its own outcome: one that Hopae refuses
(e.g. contract_activation_required) is listed with its reason, and the command still
exits 0; --json prints every outcome as sent.";

#[derive(clap::Args, Debug)]
struct ProviderArg {
    /// The app's client id
    app: String,
    /// The provider's id (e.g. mitid)
    provider: String,
}

#[derive(clap::Args, Debug)]
struct SubmitForm {
    /// The app's client id
    app: String,
    /// The provider's id (e.g. mitid)
    provider: String,

    /// A field of the form; repeat for each field
    #[arg(long = "field", value_name = "NAME=VALUE", value_parser = name_value, required_unless_present = "field_files")]
    fields: Vec<(String, String)>,

    /// A field whose value is read from a file, or stdin for -; repeat for each field
    #[arg(long = "field-file", value_name = "NAME=PATH", value_parser = name_value)]
    field_files: Vec<(String, String)>,

    /// Also keep the values as the workspace's company information
    #[arg(long)]
    save_to_company_info: bool,
}

#[derive(clap::Args, Debug)]
struct Upload {
    /// The app's client id
    app: String,
    /// The provider's id (e.g. ftn)
    provider: String,
    /// The files to upload
    #[arg(value_name = "FILE", required = true)]
    files: Vec<String>,

    /// Send every file with this content type [default: guessed from the extension]
    #[arg(long, value_name = "TYPE")]
    content_type: Option<String>,
}

#[derive(clap::Args, Debug)]
struct DeleteDocument {
    /// The app's client id
    app: String,
    /// The provider's id (e.g. ftn)
    provider: String,
    /// The document's id, as `upload` or `steps` printed it
    document: String,

    /// Confirm without being asked (required when there is no terminal)
    #[arg(long)]
    yes: bool,
}

#[derive(clap::Args, Debug)]
struct Activate {
    /// The app's client id
    app: String,

    /// A field of a provider; repeat for each field
    #[arg(long = "field", value_name = "PROVIDER.NAME=VALUE", value_parser = provider_field)]
    fields: Vec<(String, String, Value)>,

    /// A field of a provider read from a file, or stdin for -; repeat for each field
    #[arg(long = "field-file", value_name = "PROVIDER.NAME=PATH", value_parser = provider_field_file)]
    field_files: Vec<(String, String, String)>,

    /// A provider to activate without fields; repeat for several
    #[arg(long = "provider", value_name = "ID")]
    providers: Vec<String>,
}

/// Parses `--field NAME=VALUE`.
fn name_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.to_owned(), value.to_owned())),
        Some(_) => Err("the name before `=` must not be empty".to_owned()),
        None => Err("expected NAME=VALUE, like companyName=Shop".to_owned()),
    }
}

/// Parses `--field-file PROVIDER.NAME=PATH`.
fn provider_field_file(s: &str) -> Result<(String, String, String), String> {
    const EXPECTED: &str = "expected PROVIDER.NAME=PATH, like mitid.apiKey=key.txt";
    let (key, path) = s.split_once('=').ok_or(EXPECTED)?;
    let (provider, name) = key.split_once('.').ok_or(EXPECTED)?;
    if provider.trim().is_empty() || name.trim().is_empty() || path.is_empty() {
        return Err(EXPECTED.to_owned());
    }
    Ok((provider.to_owned(), name.to_owned(), path.to_owned()))
}

/// The largest value `--field-file` reads.
const MAX_FIELD_FILE: u64 = 64 * 1024;

/// Reads the values of `--field-file` options: each file, or stdin for `-` (once),
/// without one trailing newline. The paths come in `paths`; the values are returned in
/// the same order.
fn read_field_files<'a>(paths: impl Iterator<Item = &'a str>) -> Result<Vec<String>, Failure> {
    let mut stdin_used = false;
    let mut values = Vec::new();
    for path in paths {
        let mut bytes = Vec::new();
        let read = if path == "-" {
            if std::mem::replace(&mut stdin_used, true) {
                return Err(Failure::usage("only one --field-file may read stdin (-)"));
            }
            std::io::stdin()
                .lock()
                .take(MAX_FIELD_FILE + 1)
                .read_to_end(&mut bytes)
        } else {
            std::fs::File::open(path)
                .and_then(|f| f.take(MAX_FIELD_FILE + 1).read_to_end(&mut bytes))
        };
        let shown = if path == "-" {
            "stdin".to_owned()
        } else {
            clean(path)
        };
        read.map_err(|e| Failure::usage(format!("--field-file: could not read {shown}: {e}")))?;
        if bytes.len() as u64 > MAX_FIELD_FILE {
            return Err(Failure::usage(format!(
                "--field-file: {shown} is larger than 64 KiB"
            )));
        }
        let mut value = String::from_utf8(bytes)
            .map_err(|_| Failure::usage(format!("--field-file: {shown} is not UTF-8 text")))?;
        if value.ends_with('\n') {
            value.pop();
            if value.ends_with('\r') {
                value.pop();
            }
        }
        values.push(value);
    }
    Ok(values)
}

/// Parses `--field PROVIDER.NAME=VALUE`; `true` and `false` become booleans.
fn provider_field(s: &str) -> Result<(String, String, Value), String> {
    const EXPECTED: &str = "expected PROVIDER.NAME=VALUE, like mitid.companyName=Shop";
    let (key, value) = s.split_once('=').ok_or(EXPECTED)?;
    let (provider, name) = key.split_once('.').ok_or(EXPECTED)?;
    if provider.trim().is_empty() || name.trim().is_empty() {
        return Err(EXPECTED.to_owned());
    }
    let value = match value {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        other => Value::String(other.to_owned()),
    };
    Ok((provider.to_owned(), name.to_owned(), value))
}

/// Runs a `providers` command. With `--json`, the output is the API's body as sent.
pub(crate) fn run(group: Group, global: &Global) -> Result<(), Failure> {
    match group.command {
        Command::List(a) => {
            check_id("<APP>", &a.app)?;
            let call = |c: &HopaeClient| c.app(&a.app).providers().list();
            show(global, call, |providers| list_text(&a.app, providers))
        }
        Command::Steps(a) => {
            a.check()?;
            let call = |c: &HopaeClient| c.app(&a.app).provider(&a.provider).activation_steps();
            show(global, call, |steps| steps_text(&a.app, steps))
        }
        Command::Enable(a) => toggle(&a, true, global),
        Command::Disable(a) => toggle(&a, false, global),
        Command::SubmitForm(a) => {
            let form = a.form()?;
            let call = |c: &HopaeClient| {
                c.app(&a.app)
                    .provider(&a.provider)
                    .submit_activation_form(&form)
            };
            show(global, call, |receipt| receipt_text(&form, receipt))
        }
        Command::Upload(a) => {
            let documents = a.documents()?;
            let call = |c: &HopaeClient| {
                c.app(&a.app)
                    .provider(&a.provider)
                    .upload_documents(&documents)
                    .map_err(|e| name_the_file(e, &a.files))
            };
            show(global, call, |uploaded| uploaded_text(uploaded))
        }
        Command::DeleteDocument(a) => {
            check_id("<APP>", &a.app)?;
            check_id("<PROVIDER>", &a.provider)?;
            check_id("<DOCUMENT>", &a.document)?;
            let what = format!(
                "document {} of provider {} on app {}",
                clean(&a.document),
                clean(&a.provider),
                clean(&a.app)
            );
            let ask = || {
                confirm(
                    a.yes,
                    &format!("delete {what}"),
                    "the file is removed from the activation",
                    Typed {
                        noun: "document id",
                        id: &a.document,
                    },
                )
            };
            let call = |c: &HopaeClient| {
                c.app(&a.app)
                    .provider(&a.provider)
                    .delete_document(&a.document)
            };
            let done = format!("deleted {what}\n");
            show_deleted(global, ask, call, raw::document, &done)
        }
        Command::Activate(a) => {
            let activation = a.activation()?;
            let call = |c: &HopaeClient| c.app(&a.app).providers().activate(&activation);
            show(global, call, activation_text)
        }
    }
}

impl ProviderArg {
    fn check(&self) -> Result<(), Failure> {
        check_id("<APP>", &self.app)?;
        check_id("<PROVIDER>", &self.provider)
    }
}

fn toggle(a: &ProviderArg, enabled: bool, global: &Global) -> Result<(), Failure> {
    a.check()?;
    let call = |c: &HopaeClient| c.app(&a.app).provider(&a.provider).set_enabled(enabled);
    show(global, call, |toggled| {
        let mut line = format!(
            "{} provider {} on app {}",
            if toggled.enabled {
                "enabled"
            } else {
                "disabled"
            },
            clean(&toggled.provider_id),
            clean(&a.app)
        );
        if let Some(step) = &toggled.current_step {
            line.push_str(&format!("; current step: {}", json_text(step)));
        }
        line.push('\n');
        line
    })
}

/// `submit-form`: the receipt, and the names of the fields sent.
fn receipt_text(form: &ActivationForm, receipt: &ActivationFormReceipt) -> String {
    let mut names: Vec<&str> = form.data.keys().map(String::as_str).collect();
    names.sort_unstable();
    fields(&[
        ("form", clean(&receipt.form_id)),
        ("app", clean(&receipt.client_id)),
        ("provider", clean(&receipt.provider_id)),
        ("status", clean(receipt.status.as_str())),
        ("fields", clean(&names.join(", "))),
        (
            "submitted",
            format!("{} UTC", timestamp(receipt.created_at)),
        ),
    ])
}

impl SubmitForm {
    fn form(&self) -> Result<ActivationForm, Failure> {
        check_id("<APP>", &self.app)?;
        check_id("<PROVIDER>", &self.provider)?;
        let mut form = ActivationForm::new();
        let from_files = read_field_files(self.field_files.iter().map(|(_, p)| p.as_str()))?;
        let names = self.fields.iter().map(|(n, _)| n);
        let file_names = self.field_files.iter().map(|(n, _)| n);
        let values = self.fields.iter().map(|(_, v)| v).chain(&from_files);
        for (name, value) in names.chain(file_names).zip(values) {
            if form.data.contains_key(name) {
                return Err(Failure::usage(format!(
                    "--field {} given more than once",
                    clean(name)
                )));
            }
            form = form.field(name, value.as_str());
        }
        if self.save_to_company_info {
            form = form.save_to_company_info(true);
        }
        Ok(form)
    }
}

impl Activate {
    fn activation(&self) -> Result<BulkActivation, Failure> {
        check_id("<APP>", &self.app)?;
        if self.fields.is_empty() && self.field_files.is_empty() && self.providers.is_empty() {
            return Err(Failure::usage(
                "nothing to activate: give --field PROVIDER.NAME=VALUE, --field-file \
                 PROVIDER.NAME=PATH or --provider ID",
            ));
        }
        let mut activation = BulkActivation::new();
        for id in &self.providers {
            if id.trim().is_empty() {
                return Err(Failure::usage("--provider must not be empty"));
            }
            activation = activation.provider(id);
        }
        let from_files = read_field_files(self.field_files.iter().map(|(_, _, p)| p.as_str()))?;
        let read = self
            .field_files
            .iter()
            .zip(from_files)
            .map(|((provider, name, _), value)| {
                (provider.clone(), name.clone(), Value::from(value))
            });
        let fields: Vec<(String, String, Value)> =
            self.fields.iter().cloned().chain(read).collect();
        for (provider, name, value) in &fields {
            if activation
                .providers
                .get(provider)
                .is_some_and(|f| f.contains_key(name))
            {
                return Err(Failure::usage(format!(
                    "--field {}.{} given more than once",
                    clean(provider),
                    clean(name)
                )));
            }
            activation = activation.field(provider, name, value.clone());
        }
        Ok(activation)
    }
}

/// The content type of a file, from its extension.
fn content_type(path: &str) -> &'static str {
    let extension = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("pdf") => "application/pdf",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("txt") => "text/plain",
        Some("json") => "application/json",
        Some("zip") => "application/zip",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

impl Upload {
    /// The documents to send: each file read, named and typed; errors name the file.
    fn documents(&self) -> Result<Vec<Document>, Failure> {
        check_id("<APP>", &self.app)?;
        check_id("<PROVIDER>", &self.provider)?;
        if self.files.len() > MAX_DOCUMENTS {
            return Err(Failure::usage(format!(
                "an upload takes at most {MAX_DOCUMENTS} files, got {}",
                self.files.len()
            )));
        }
        if let Some(t) = &self.content_type
            && t.trim().is_empty()
        {
            return Err(Failure::usage("--content-type must not be empty"));
        }
        let mut documents = Vec::with_capacity(self.files.len());
        for path in &self.files {
            let shown = clean(path);
            if path == "-" {
                return Err(Failure::usage(
                    "upload reads files, not stdin: name each FILE (its name is sent)",
                ));
            }
            let Some(name) = Path::new(path).file_name() else {
                return Err(Failure::usage(format!("file {shown} has no file name")));
            };
            let bytes = read_input("file", path, MAX_DOCUMENT_BYTES as u64)?;
            if bytes.is_empty() {
                return Err(Failure::usage(format!("file {shown} is empty")));
            }
            let content_type = self
                .content_type
                .clone()
                .unwrap_or_else(|| content_type(path).to_owned());
            documents.push(Document::new(name.to_string_lossy(), content_type, bytes));
        }
        Ok(documents)
    }
}

/// The library's checks name a document by index (`documents[1]`): name the file the
/// user gave instead.
fn name_the_file(e: Error, files: &[String]) -> Failure {
    if let Error::InvalidInput(m) = &e
        && let Some(index) = m
            .field()
            .and_then(|f| f.strip_prefix("documents["))
            .and_then(|rest| rest.split(']').next())
            .and_then(|n| n.parse::<usize>().ok())
        && let Some(path) = files.get(index)
    {
        return Failure::usage(format!("file {}: {}", clean(path), m.reason()));
    }
    e.into()
}

fn or_dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "-".to_owned())
}

fn list_text(app: &str, providers: &[AppProvider]) -> String {
    if providers.is_empty() {
        return format!("no providers on app {}\n", clean(app));
    }
    let rows: Vec<Vec<String>> = providers
        .iter()
        .map(|p| {
            let step = match (&p.current_step, p.current_step_index, p.step_count) {
                (Some(step), Some(i), Some(n)) => {
                    format!("{} of {n}: {}", i.saturating_add(1), json_text(step))
                }
                (Some(step), _, _) => json_text(step),
                (None, _, _) => "-".to_owned(),
            };
            vec![
                clean(&p.provider_id),
                or_dash(p.name.as_deref().map(|n| shorten(&clean(n), 30))),
                or_dash(p.enabled.map(|e| if e { "yes" } else { "no" }.to_owned())),
                or_dash(
                    p.state
                        .as_ref()
                        .map(|s| clean(s.as_str()))
                        .or_else(|| p.status.as_deref().map(clean)),
                ),
                step,
            ]
        })
        .collect();
    // The API often sends no name: a column of dashes says nothing.
    if providers.iter().all(|p| p.name.is_none()) {
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|mut r| {
                r.remove(1);
                r
            })
            .collect();
        return table(&["PROVIDER", "ENABLED", "STATE", "STEP"], &rows);
    }
    table(&["PROVIDER", "NAME", "ENABLED", "STATE", "STEP"], &rows)
}

/// A provider's activation: where it stands, the steps, then what each step asks for.
fn steps_text(app: &str, s: &ActivationSteps) -> String {
    let current = s.current_step_index as usize;
    let completed = s.state.as_str() == "completed";
    let at = s.steps.get(current).map_or(String::new(), |step| {
        format!(": {}", clean(step.step_type.as_str()))
    });
    let mut out = fields(&[
        ("provider", clean(&s.provider_id)),
        ("state", clean(s.state.as_str())),
        ("step", format!("{} of {}{at}", current + 1, s.steps.len())),
    ]);
    if s.steps.is_empty() {
        return out;
    }
    let rows: Vec<Vec<String>> = s
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let progress = if completed || i < current {
                "done"
            } else if i == current {
                "current"
            } else {
                ""
            };
            vec![
                (i + 1).to_string(),
                clean(step.step_type.as_str()),
                shorten(&clean(&step.title), 40),
                progress.to_owned(),
            ]
        })
        .collect();
    out.push('\n');
    out.push_str(&table(&["#", "TYPE", "TITLE", ""], &rows));
    for (i, step) in s.steps.iter().enumerate() {
        if !step.required_fields.is_empty() {
            let rows: Vec<Vec<String>> = step
                .required_fields
                .iter()
                .map(|f| {
                    vec![
                        clean(&f.name),
                        shorten(&clean(&f.label), 40),
                        f.value.as_ref().map_or("-".to_owned(), json_text),
                        f.example.as_ref().map_or("-".to_owned(), json_text),
                    ]
                })
                .collect();
            out.push_str(&format!(
                "\nstep {}, fields (hopae providers submit-form {} {} --field NAME=VALUE ...):\n",
                i + 1,
                clean(app),
                clean(&s.provider_id)
            ));
            out.push_str(&table(&["NAME", "LABEL", "VALUE", "EXAMPLE"], &rows));
        }
        if !step.documents.is_empty() {
            let rows: Vec<Vec<String>> = step
                .documents
                .iter()
                .map(|d| {
                    vec![
                        shorten(&clean(&d.label), 40),
                        if d.optional == Some(true) {
                            "yes"
                        } else {
                            "no"
                        }
                        .to_owned(),
                        or_dash(d.template_url.as_deref().map(clean)),
                    ]
                })
                .collect();
            out.push_str(&format!(
                "\nstep {}, documents (hopae providers upload {} {} FILE ...):\n",
                i + 1,
                clean(app),
                clean(&s.provider_id)
            ));
            out.push_str(&table(&["DOCUMENT", "OPTIONAL", "TEMPLATE"], &rows));
        }
        if !step.uploaded.is_empty() {
            let text = |v: &Value, key: &str| v.get(key).map_or("-".to_owned(), json_text);
            let rows: Vec<Vec<String>> = step
                .uploaded
                .iter()
                .map(|d| vec![text(d, "documentId"), text(d, "fileName"), text(d, "state")])
                .collect();
            out.push_str(&format!("\nstep {}, uploaded:\n", i + 1));
            out.push_str(&table(&["DOCUMENT", "FILE", "STATE"], &rows));
        }
    }
    out
}

fn uploaded_text(documents: &[UploadedDocument]) -> String {
    let rows: Vec<Vec<String>> = documents
        .iter()
        .map(|d| {
            vec![
                clean(&d.document_id),
                clean(&d.file_name),
                d.file_size.to_string(),
                clean(&d.content_type),
                clean(d.state.as_str()),
            ]
        })
        .collect();
    format!(
        "{}\n{} uploaded\n",
        table(&["DOCUMENT", "FILE", "BYTES", "TYPE", "STATE"], &rows),
        plural(documents.len(), "document", "documents")
    )
}

fn activation_text(result: &BulkActivationResult) -> String {
    let mut rows = Vec::new();
    for (id, outcome) in &result.results {
        rows.push(match outcome {
            ActivationOutcome::Accepted(r) => vec![
                clean(id),
                clean(r.status.as_str()),
                clean(&r.id),
                "-".to_owned(),
            ],
            ActivationOutcome::Refused(r) => {
                let mut why = r.message.as_deref().map_or(String::new(), clean);
                if let Some(contact) = &r.contact {
                    if !why.is_empty() {
                        why.push(' ');
                    }
                    why.push_str(&format!("(contact: {})", json_text(contact)));
                }
                vec![
                    clean(id),
                    format!("refused: {}", clean(&r.error)),
                    "-".to_owned(),
                    if why.is_empty() { "-".to_owned() } else { why },
                ]
            }
            // An outcome a later library version knows: its id only.
            _ => vec![clean(id), "-".to_owned(), "-".to_owned(), "-".to_owned()],
        });
    }
    let accepted = result.accepted().count();
    let refused = result.refused().count();
    format!(
        "{}\n{accepted} accepted, {refused} refused\n",
        table(&["PROVIDER", "RESULT", "ACTIVATION", "DETAILS"], &rows)
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::options::size_text;

    /// How many fields each provider of an activation has.
    fn field_counts(a: &BulkActivation) -> BTreeMap<&str, usize> {
        a.providers
            .iter()
            .map(|(k, v)| (k.as_str(), v.len()))
            .collect()
    }

    #[test]
    fn field_options_parse_and_name_the_expected_form() {
        assert_eq!(
            name_value("companyName=Shop=AB"),
            Ok(("companyName".into(), "Shop=AB".into()))
        );
        assert_eq!(name_value("a="), Ok(("a".into(), String::new())));
        assert!(name_value("a").unwrap_err().contains("NAME=VALUE"));
        assert!(name_value("=x").is_err());
        assert_eq!(
            provider_field("mitid.acceptTerms=true"),
            Ok(("mitid".into(), "acceptTerms".into(), Value::Bool(true)))
        );
        assert_eq!(
            provider_field("mitid.companyName=Shop.dk"),
            Ok(("mitid".into(), "companyName".into(), Value::from("Shop.dk")))
        );
        assert_eq!(
            provider_field("mitid.x=False"),
            Ok(("mitid".into(), "x".into(), Value::from("False")))
        );
        for bad in ["mitid=x", "mitid.=x", ".x=y", "mitid.x"] {
            assert_eq!(
                provider_field(bad).unwrap_err(),
                "expected PROVIDER.NAME=VALUE, like mitid.companyName=Shop",
                "{bad}"
            );
        }
    }

    #[test]
    fn activate_builds_the_map_per_provider() {
        let a = Activate {
            app: "A".into(),
            fields: vec![
                provider_field("mitid.companyName=Shop").unwrap(),
                provider_field("mitid.acceptTerms=true").unwrap(),
                provider_field("ftn.contact=x").unwrap(),
            ],
            field_files: Vec::new(),
            providers: vec!["passport".into()],
        };
        let activation = a.activation().unwrap();
        assert_eq!(
            field_counts(&activation),
            BTreeMap::from([("ftn", 1), ("mitid", 2), ("passport", 0)])
        );
        assert_eq!(
            serde_json::to_string(&activation).unwrap(),
            r#"{"providers":{"ftn":{"contact":"x"},"mitid":{"acceptTerms":true,"companyName":"Shop"},"passport":{}}}"#
        );
        let twice = Activate {
            fields: vec![
                provider_field("mitid.a=1").unwrap(),
                provider_field("mitid.a=2").unwrap(),
            ],
            providers: Vec::new(),
            ..a
        };
        assert_eq!(
            twice.activation().unwrap_err().message,
            "--field mitid.a given more than once"
        );
    }

    #[test]
    fn content_types_follow_the_extension() {
        for (path, expected) in [
            ("a.pdf", "application/pdf"),
            ("dir/A.PDF", "application/pdf"),
            ("x.png", "image/png"),
            ("x.jpg", "image/jpeg"),
            ("x.jpeg", "image/jpeg"),
            ("x.gif", "image/gif"),
            ("x.txt", "text/plain"),
            ("x.json", "application/json"),
            ("x.zip", "application/zip"),
            (
                "x.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            (
                "x.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            ("x.tar.gz", "application/octet-stream"),
            ("README", "application/octet-stream"),
        ] {
            assert_eq!(content_type(path), expected, "{path}");
        }
    }

    #[test]
    fn library_document_errors_name_the_file() {
        let client = hopae::HopaeClient::new("sk_workspace_test_x").unwrap();
        let docs = [
            Document::new("a.pdf", "application/pdf", b"x".to_vec()),
            Document::new("b.pdf", "application/\"pdf\"", b"x".to_vec()),
        ];
        // Refused before sending: nothing leaves the machine.
        let e = client
            .app("A")
            .provider("ftn")
            .upload_documents(&docs)
            .unwrap_err();
        let f = name_the_file(e, &["dir/a.pdf".into(), "dir/b.pdf".into()]);
        assert_eq!(f.code, 2);
        assert!(
            f.message
                .starts_with("file dir/b.pdf: the content type must"),
            "{}",
            f.message
        );
        assert_eq!(size_text(MAX_DOCUMENT_BYTES as u64), "10 MiB");
    }
}
