//! Human output: aligned tables and key-value blocks, with text from the API cleaned of
//! control characters.

use std::time::Duration;

use hopae::ProductionTestItem;
use hopae::apps::App;
use hopae::production_tests::{Challenge, ChallengeRequest, ProductionTestReport};
use hopae::webhooks::WebhookConfig;
use hopae::workspace::Workspace;
use time::{OffsetDateTime, UtcOffset};

/// Text from the API or a peer, escaped by the library's one rule
/// ([`hopae::escape_untrusted`]): control characters (terminal escape sequences
/// included), line and paragraph separators and bidi overrides are written as `\u{..}`
/// escapes, so such text can neither rewrite the user's terminal, nor split a line, nor
/// reorder what follows it.
pub(crate) fn clean(s: &str) -> String {
    hopae::escape_untrusted(s)
}

/// Shortens text to `max` characters, marking the cut with `…`.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// `2026-04-08T10:00:00Z`: RFC 3339 in UTC, to the second.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `2026-04-08 10:00`, in UTC.
pub(crate) fn timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

pub(crate) fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    match (secs / 3600, secs / 60 % 60, secs % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, _) => format!("{h}h {m:02}m"),
    }
}

/// Left-aligned columns separated by two spaces, without trailing whitespace.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (cell, w) in row.iter().zip(&widths) {
            line.push_str(cell);
            let pad = w - cell.chars().count();
            line.extend(std::iter::repeat_n(' ', pad + 2));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn challenge_state(c: &Challenge) -> &'static str {
    if c.completed_at.is_some() {
        "completed"
    } else if c.is_active {
        "active"
    } else {
        "inactive"
    }
}

pub(crate) fn list_table(client_id: &str, items: &[ProductionTestItem]) -> String {
    if items.is_empty() {
        return format!("no production tests for app {}\n", clean(client_id));
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| match item {
            ProductionTestItem::Challenge(c) => vec![
                "challenge".to_owned(),
                clean(&c.id),
                challenge_state(c).to_owned(),
                shorten(&clean(&c.title), 40),
                timestamp(c.created_at),
                timestamp(c.expires_at),
            ],
            ProductionTestItem::Request(r) => vec![
                "request".to_owned(),
                clean(&r.id),
                // A scheduled request names the challenge it became.
                match &r.challenge_id {
                    Some(ch) => format!("{} -> {}", clean(r.status.as_str()), clean(ch)),
                    None => clean(r.status.as_str()),
                },
                shorten(&clean(&r.payload.title), 40),
                timestamp(r.created_at),
                "-".to_owned(),
            ],
        })
        .collect();
    table(
        &[
            "TYPE",
            "ID",
            "STATUS",
            "TITLE",
            "CREATED (UTC)",
            "EXPIRES (UTC)",
        ],
        &rows,
    )
}

/// Key-value lines with the values aligned; a value of several lines continues under
/// its first.
pub(crate) fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in pairs {
        for (i, line) in v.split('\n').enumerate() {
            let key = if i == 0 { k } else { "" };
            out.push_str(format!("{key:width$}  {line}").trim_end());
            out.push('\n');
        }
    }
    out
}

pub(crate) fn created_text(client_id: &str, r: &ChallengeRequest) -> String {
    format!(
        "{}\nnext: hopae production-tests wait {} {}\n",
        request_fields(r),
        clean(client_id),
        clean(&r.id)
    )
}

/// A request as aligned key-value lines: id, status, what was asked for, when.
pub(crate) fn request_fields(r: &ChallengeRequest) -> String {
    let p = &r.payload;
    let providers = match &p.provider_ids {
        Some(ids) if !ids.is_empty() => clean(&ids.join(", ")),
        _ => "all eligible".to_owned(),
    };
    let mut pairs = vec![
        ("request", clean(&r.id)),
        ("status", clean(r.status.as_str())),
        ("title", clean(&p.title)),
        ("providers", providers),
        (
            "platform",
            p.target_platform
                .as_ref()
                .map_or("any".to_owned(), |t| clean(t.as_str())),
        ),
        (
            "max stamps",
            p.max_stamp_claims
                .map_or("API default".to_owned(), |n| n.to_string()),
        ),
        ("created", format!("{} UTC", timestamp(r.created_at))),
    ];
    if let Some(ch) = &r.challenge_id {
        pairs.push(("challenge", clean(ch)));
    }
    fields(&pairs)
}

pub(crate) fn report_text(report: &ProductionTestReport) -> String {
    let c = &report.challenge;
    let s = &report.stats;
    let status = match c.completed_at {
        Some(t) => format!("completed {} UTC", timestamp(t)),
        None => challenge_state(c).to_owned(),
    };
    let mut out = fields(&[
        ("challenge", clean(&c.id)),
        ("title", clean(&c.title)),
        ("status", status),
        ("created", format!("{} UTC", timestamp(c.created_at))),
        ("expires", format!("{} UTC", timestamp(c.expires_at))),
        ("participations", s.total_participations.to_string()),
        ("claims", s.total_claims.to_string()),
    ]);
    out.push('\n');
    if s.provider_breakdown.is_empty() {
        out.push_str("no claims by provider yet\n");
    } else {
        let rows: Vec<Vec<String>> = s
            .provider_breakdown
            .iter()
            .map(|p| {
                vec![
                    clean(&p.provider_id),
                    clean(&p.provider_name),
                    p.claim_count.to_string(),
                ]
            })
            .collect();
        out.push_str(&table(&["PROVIDER", "NAME", "CLAIMS"], &rows));
    }
    out
}

pub(crate) fn workspace_text(w: &Workspace) -> String {
    fields(&[
        ("workspace", clean(&w.id)),
        ("apps", w.apps_count.to_string()),
        ("created", format!("{} UTC", timestamp(w.created_at))),
    ])
}

/// The enabled providers of an app, by id: `bankidse, mitid`, or `-`.
fn enabled_providers(app: &App) -> String {
    let ids: Vec<&str> = app
        .providers
        .iter()
        .filter(|(_, p)| p.enabled)
        .map(|(id, _)| id.as_str())
        .collect();
    if ids.is_empty() {
        "-".to_owned()
    } else {
        clean(&ids.join(", "))
    }
}

/// Apps as a table. The client secret is never part of it.
pub(crate) fn apps_table(apps: &[App]) -> String {
    let rows: Vec<Vec<String>> = apps
        .iter()
        .map(|a| {
            vec![
                clean(&a.client_id),
                shorten(&clean(&a.name), 40),
                shorten(&enabled_providers(a), 40),
                a.redirect_uris.len().to_string(),
                timestamp(a.created_at),
            ]
        })
        .collect();
    table(
        &[
            "CLIENT ID",
            "NAME",
            "PROVIDERS",
            "REDIRECT URIS",
            "CREATED (UTC)",
        ],
        &rows,
    )
}

/// One value per line, or `none`.
fn lines_or_none(values: &[String]) -> String {
    if values.is_empty() {
        "none".to_owned()
    } else {
        values
            .iter()
            .map(|v| clean(v))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// An app as aligned key-value lines. The client secret is never part of it.
pub(crate) fn app_text(app: &App) -> String {
    let mut pairs = vec![("app", clean(&app.client_id)), ("name", clean(&app.name))];
    pairs.push(("workspace", clean(&app.organization_id)));
    pairs.push(("redirect uris", lines_or_none(&app.redirect_uris)));
    if let Some(uri) = &app.default_success_redirect_uri {
        pairs.push(("success redirect", clean(uri)));
    }
    if let Some(uri) = &app.default_failure_redirect_uri {
        pairs.push(("failure redirect", clean(uri)));
    }
    let disabled: Vec<&str> = app
        .providers
        .iter()
        .filter(|(_, p)| !p.enabled)
        .map(|(id, _)| id.as_str())
        .collect();
    let mut providers = match enabled_providers(app).as_str() {
        "-" => "none enabled".to_owned(),
        enabled => enabled.to_owned(),
    };
    if !disabled.is_empty() {
        providers.push_str(&format!(" (disabled: {})", clean(&disabled.join(", "))));
    }
    pairs.push(("providers", providers));
    let workflows = format!(
        "{}, the default's id: {}",
        app.workflows.len(),
        clean(&app.default_workflow_id)
    );
    pairs.push(("workflows", workflows));
    let webhook = match &app.webhook_config {
        Some(WebhookConfig {
            url: Some(url),
            enabled,
            ..
        }) => format!(
            "{}, {}",
            clean(url),
            if *enabled { "enabled" } else { "disabled" }
        ),
        _ => "no URL set".to_owned(),
    };
    pairs.push(("webhook", webhook));
    pairs.push(("created", format!("{} UTC", timestamp(app.created_at))));
    pairs.push(("updated", format!("{} UTC", timestamp(app.updated_at))));
    fields(&pairs)
}

/// What `apps create` prints: the app, and where its client secret went.
/// `apps create`: the app, then its new client secret (the one output that shows it).
pub(crate) fn created_app_text(app: &App) -> String {
    match app.client_secret.as_ref().map(hopae::Secret::expose) {
        Some(secret) => format!(
            "{}\n{}",
            app_text(app),
            fields(&[("client secret", clean(secret))])
        ),
        None => app_text(app),
    }
}

/// At most the last four characters of a secret or of its preview, after `****`: enough
/// to tell secrets apart, never enough to use one.
pub(crate) fn secret_hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("****{}", clean(&tail))
}

pub(crate) fn webhook_config_text(app: &str, c: &WebhookConfig) -> String {
    let events = if c.events.is_empty() {
        "none listed: no delivery is sent until events are added".to_owned()
    } else {
        clean(&c.events.join(", "))
    };
    fields(&[
        ("app", clean(app)),
        ("url", c.url.as_deref().map_or("not set".to_owned(), clean)),
        ("enabled", if c.enabled { "yes" } else { "no" }.to_owned()),
        ("events", events),
        ("retry attempts", c.retry_attempts.to_string()),
        ("timeout", format!("{}s", c.timeout_seconds)),
        (
            "secret",
            c.secret
                .as_ref()
                .map_or("not set".to_owned(), |s| secret_hint(s.expose())),
        ),
    ])
}

/// The one output that shows a secret: right after it was rotated.
pub(crate) fn rotated_text(app: &str, label: &str, secret: &str, note: &str) -> String {
    format!(
        "{}\nShown once: store it now. {note}\n",
        fields(&[("app", clean(app)), (label, clean(secret))])
    )
}

/// A JSON value as one line of text: a string as itself, anything else as compact JSON,
/// `-` for null or an empty string; control characters replaced.
pub(crate) fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "-".to_owned(),
        serde_json::Value::String(s) if s.is_empty() => "-".to_owned(),
        serde_json::Value::String(s) => clean(s),
        other => clean(&other.to_string()),
    }
}

/// An optional timestamp as `2026-04-08 10:00 UTC`, or `fallback`.
pub(crate) fn timestamp_or(t: Option<OffsetDateTime>, fallback: &str) -> String {
    t.map_or(fallback.to_owned(), |t| format!("{} UTC", timestamp(t)))
}

/// `1 workflow`, `2 workflows`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_the_api_cannot_drive_the_terminal() {
        assert_eq!(
            clean("ok\x1b[2Jtitle\r\n\u{202e}\u{2028}"),
            r"ok\u{1b}[2Jtitle\r\n\u{202e}\u{2028}"
        );
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }

    #[test]
    fn fields_continue_multi_line_values_under_the_first_line() {
        let f = fields(&[
            ("a", "1".into()),
            ("long key", "x\ny".into()),
            ("b", "".into()),
        ]);
        assert_eq!(f, "a         1\nlong key  x\n          y\nb\n");
    }

    #[test]
    fn secret_hint_shows_at_most_four_characters() {
        assert_eq!(secret_hint("whsec_****abc1"), "****abc1");
        assert_eq!(secret_hint("whsec_0123456789"), "****6789");
        assert_eq!(secret_hint("ab"), "****ab");
        assert_eq!(secret_hint("x\x1b[2J"), r"****\u{1b}[2J");
    }

    #[test]
    fn rfc3339_is_utc_to_the_second() {
        let t = OffsetDateTime::from_unix_timestamp(1_765_000_000).unwrap();
        assert_eq!(rfc3339(t), "2025-12-06T05:46:40Z");
    }

    #[test]
    fn json_text_is_one_clean_line() {
        use serde_json::json;
        assert_eq!(json_text(&json!(null)), "-");
        assert_eq!(json_text(&json!("")), "-");
        assert_eq!(json_text(&json!("a\nb")), r"a\nb");
        assert_eq!(json_text(&json!({"a": [1, true]})), r#"{"a":[1,true]}"#);
        assert_eq!(plural(1, "node", "nodes"), "1 node");
        assert_eq!(plural(0, "node", "nodes"), "0 nodes");
    }

    #[test]
    fn table_aligns_columns_without_trailing_spaces() {
        let t = table(
            &["A", "BB"],
            &[vec!["xyz".into(), "1".into()], vec!["é".into(), "".into()]],
        );
        assert_eq!(t, "A    BB\nxyz  1\né\n");
    }
}
