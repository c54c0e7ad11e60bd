//! Human output: aligned tables and key-value blocks, with text from the API cleaned of
//! control characters.

use std::time::Duration;

use hopae::ProductionTestItem;
use hopae::production_tests::{Challenge, ChallengeRequest, ProductionTestReport};
use time::{OffsetDateTime, UtcOffset};

/// Replaces control characters (terminal escape sequences included) so that text from the
/// API cannot rewrite the user's terminal.
pub(crate) fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Shortens text to `max` characters, marking the cut with `…`.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// `2026-04-08 10:00`, in UTC.
fn timestamp(t: OffsetDateTime) -> String {
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
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
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
                clean(r.status.as_str()),
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

/// Key-value lines with the values aligned.
fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    pairs
        .iter()
        .map(|(k, v)| format!("{k:width$}  {v}\n"))
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_the_api_cannot_drive_the_terminal() {
        assert_eq!(clean("ok\x1b[2Jtitle\r\n"), "ok?[2Jtitle??");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
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
