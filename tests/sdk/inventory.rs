//! One endpoint inventory (issue 16): the operation tables of the crate docs and of the
//! README, and the routes the fake serves, name the same REST operations. A table that
//! lacks an operation the fake serves, or lists one it does not, fails here.

use std::collections::BTreeSet;

/// `METHOD /path` with every `{name}` as `{}`, the query and notes dropped.
fn normalize(method: &str, path: &str) -> String {
    let path = path.split(['?', ' ']).next().unwrap_or_default();
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            c => out.push(c),
        }
    }
    format!("{method} {out}")
}

/// The `METHOD /path` cells of the markdown tables in `text` (lines starting with
/// `prefix`).
fn table_operations(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut ops = BTreeSet::new();
    for line in text.lines() {
        let Some(row) = line.strip_prefix(prefix) else {
            continue;
        };
        for cell in row.split('|') {
            let cell = cell.trim().trim_start_matches('`');
            for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
                if let Some(rest) = cell.strip_prefix(method).and_then(|r| r.strip_prefix(' '))
                    && rest.starts_with('/')
                {
                    let path = rest.split('`').next().unwrap_or_default();
                    ops.insert(normalize(method, path));
                }
            }
        }
    }
    ops
}

fn fake_operations() -> BTreeSet<String> {
    hopae::mock::operations()
        .map(|(method, path)| normalize(method, path))
        .collect()
}

fn compare(what: &str, listed: &BTreeSet<String>) {
    let served = fake_operations();
    let missing: Vec<_> = served.difference(listed).collect();
    let extra: Vec<_> = listed.difference(&served).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: lacks {missing:?}; lists what the fake does not serve: {extra:?}"
    );
}

#[test]
fn the_crate_docs_table_names_every_operation_the_fake_serves() {
    let lib = include_str!("../../src/lib.rs");
    compare(
        "the crate docs (src/lib.rs)",
        &table_operations(lib, "//! |"),
    );
}

#[test]
fn the_readme_table_names_every_operation_the_fake_serves() {
    let readme = include_str!("../../README.md");
    compare("README.md", &table_operations(readme, "|"));
}

#[test]
fn the_fake_serves_the_workspace_and_the_app_api() {
    let served = fake_operations();
    // 34 Workspace API operations and 8 App API operations.
    assert_eq!(served.len(), 42, "{served:#?}");
    assert!(served.contains("GET /apps/{}/production-tests/{}/report"));
    assert!(served.contains("DELETE /verifications/{}"));
}

#[test]
fn normalizing_drops_parameter_names_queries_and_notes() {
    assert_eq!(
        normalize("GET", "/apps/{client_id}/providers/{provider_id}"),
        "GET /apps/{}/providers/{}"
    );
    assert_eq!(normalize("GET", "/apps?limit=&offset="), "GET /apps");
    assert_eq!(
        table_operations("| `x` | `POST /apps/{id}/documents` (multipart) |", "|"),
        BTreeSet::from(["POST /apps/{}/documents".to_owned()])
    );
}
