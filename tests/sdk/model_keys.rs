//! One name per field (issue 18): a model's JSON key is written twice, in the serde
//! attributes its `Serialize` derive uses (`rename_all`, `rename`) and in the
//! `from_json!` line the library reads it with. This reads both out of the sources and
//! fails on any field whose two names differ, so renaming one side alone cannot go
//! unnoticed (the fake-driven tests only catch the fields the fake happens to set).

use std::path::{Path, PathBuf};

/// A model's fields and the JSON key of each (none for a flattened field).
type Keys = Vec<(String, Option<String>)>;

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `"x"` in `name = "x"` inside `attr`.
fn quoted(attr: &str, name: &str) -> Option<String> {
    let at = attr.find(&format!("{name} = \""))? + name.len() + 4;
    Some(attr[at..].split('"').next()?.to_owned())
}

fn camel(field: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The keys `Serialize` writes for the struct `name` in `text`, by field, when the
/// struct derives `Serialize`; flattened fields have none.
fn written_keys(text: &str, name: &str) -> Option<Keys> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| {
        let l = l.trim_start();
        let l = l
            .strip_prefix("pub ")
            .or(l.strip_prefix("pub(crate) "))
            .unwrap_or(l);
        l == format!("struct {name} {{")
    })?;
    // The attributes above the struct.
    let mut head = Vec::new();
    for line in lines[..start].iter().rev() {
        let t = line.trim();
        if t.starts_with("#[") || t.starts_with("///") || t.starts_with(")]") || t.ends_with(',') {
            head.push(t);
        } else {
            break;
        }
    }
    let derives = head
        .iter()
        .any(|l| l.starts_with("#[derive(") && l.contains("Serialize"));
    if !derives {
        return None;
    }
    let rename_all = head.iter().find_map(|l| quoted(l, "rename_all"));
    let mut keys = Vec::new();
    let mut attrs = String::new();
    for line in &lines[start + 1..] {
        let t = line.trim();
        if t == "}" {
            break;
        }
        if t.starts_with("///") {
            continue;
        }
        if t.starts_with('#') || !attrs.is_empty() && !attrs.ends_with(")]") {
            attrs.push_str(t);
            continue;
        }
        let field = t
            .strip_prefix("pub ")
            .unwrap_or(t)
            .split(':')
            .next()
            .unwrap()
            .trim();
        let key = if attrs.contains("flatten") {
            None
        } else if let Some(renamed) = quoted(&attrs, "rename") {
            Some(renamed)
        } else if rename_all.as_deref() == Some("camelCase") {
            Some(camel(field))
        } else {
            assert!(rename_all.is_none(), "{name}: rename_all {rename_all:?}");
            Some(field.trim_start_matches("r#").to_owned())
        };
        keys.push((field.to_owned(), key));
        attrs.clear();
    }
    Some(keys)
}

/// The `from_json!` blocks of `text`: the model and, by field, the key it reads (the
/// first name for an alias list, none for `rest()`).
fn read_keys(text: &str) -> Vec<(String, Keys)> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::json::from_json!(") {
        let call = &text[i + "crate::json::from_json!(".len()..];
        let call = &call[..call.find("});").unwrap()];
        let (name, body) = call.split_once('{').unwrap();
        // One line, as rustfmt may wrap a long reader over several.
        let body: String = body.lines().map(str::trim).collect();
        let fields = body
            .split("),")
            .filter(|entry| entry.contains(':'))
            .map(|entry| {
                let (field, reader) = entry.split_once(':').unwrap();
                let key = reader.split('"').nth(1).map(str::to_owned);
                (field.trim().to_owned(), key)
            })
            .collect();
        out.push((name.trim().to_owned(), fields));
    }
    out
}

#[test]
fn every_model_reads_the_keys_it_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut compared = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (model, read) in read_keys(&text) {
            let Some(written) = written_keys(&text, &model) else {
                continue; // read only: no `Serialize` to agree with
            };
            assert_eq!(
                read,
                written,
                "{}: `{model}` reads other keys than it writes",
                file.display()
            );
            compared += 1;
        }
    }
    // The models with both sides (App, Verification, UserClaims, ...): the check ran.
    assert!(compared >= 50, "only {compared} models compared");
}
