//! The dependency footprint: no async runtime or async HTTP stack among the normal
//! dependencies of the library or of the CLI (package hopae-cli), and no more
//! normal-dependency crates in the library than the budget.
//!
//! The checks read `cargo tree -p <package> -e normal --prefix none` for the host target
//! (the tree a user's build compiles; dev-dependencies such as mockito are excluded). The lockfile
//! is committed and `--locked` keeps the check from rewriting it. `cargo tree` needs the
//! locked crates on disk: `cargo test` has fetched them by the time this runs; if it
//! cannot (no network on a fresh machine), the test fails saying so.

use std::collections::BTreeSet;
use std::process::Command;

/// Crates that mean an async runtime or an async HTTP stack entered the tree. The first
/// nine are the list; the rest are their usual companions.
const FORBIDDEN: &[&str] = &[
    "tokio",
    "hyper",
    "async-std",
    "smol",
    "futures",
    "futures-util",
    "futures-core",
    "async-io",
    "mio",
    "futures-lite",
    "futures-channel",
    "futures-executor",
    "async-executor",
    "async-global-executor",
    "async-task",
    "hyper-util",
    "h2",
    "tokio-util",
    "reqwest",
];

/// The most normal-dependency crates (distinct name and version, `hopae` excluded) the
/// library's tree may have: 37 when this budget was set, plus a margin of 3 for a split or a
/// duplicate version during an upgrade. Raise it only on purpose, in the same commit as
/// the dependency that needs it, and update README's "Footprint" section.
const MAX_NORMAL_CRATES: usize = 40;

/// The normal dependency tree of one package of the workspace.
fn cargo_tree(package: &str) -> String {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "-e", "normal", "--prefix", "none"])
        .args(["--manifest-path", manifest, "--package", package])
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .unwrap_or_else(|e| {
            panic!("could not run `{} tree`: {e}", env!("CARGO"));
        });
    assert!(
        output.status.success(),
        "`cargo tree -e normal` failed ({}), so the footprint could not be checked; it \
         needs the crates pinned in Cargo.lock (run `cargo fetch` with access to \
         crates.io, and keep Cargo.lock in sync with Cargo.toml):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("cargo tree prints UTF-8")
}

/// The distinct `(name, version)` pairs of a `--prefix none` tree, the workspace's own
/// packages excluded.
/// Lines look like `ureq v3.5.2`, `serde_derive v1.0.229 (proc-macro)` or
/// `log v0.4.35 (*)`.
fn crates(tree: &str) -> BTreeSet<(&str, &str)> {
    tree.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .filter(|&(name, _)| !matches!(name, "hopae" | "hopae-cli"))
        .collect()
}

fn forbidden<'a>(crates: &BTreeSet<(&'a str, &'a str)>) -> Vec<&'a str> {
    crates
        .iter()
        .map(|&(name, _)| name)
        .filter(|name| FORBIDDEN.contains(name))
        .collect()
}

/// Asserts that a package's normal tree has ureq (so it was read) and no async crate.
fn assert_no_async(package: &str) {
    let tree = cargo_tree(package);
    let crates = crates(&tree);
    assert!(
        crates.iter().any(|&(name, _)| name == "ureq"),
        "the tree of {package} looks wrong (no ureq in it):\n{tree}"
    );
    let found = forbidden(&crates);
    assert!(
        found.is_empty(),
        "async crates in the normal dependency tree of {package}: {found:?}; `cargo tree \
         -p {package} -e normal -i {}` shows who pulls them in",
        found[0]
    );
}

#[test]
fn normal_dependencies_have_no_async_runtime_or_async_http_stack() {
    assert_no_async("hopae");
}

#[test]
fn cli_normal_dependencies_have_no_async_runtime_or_async_http_stack() {
    assert_no_async("hopae-cli");
}

#[test]
fn normal_dependency_count_stays_within_budget() {
    let tree = cargo_tree("hopae");
    assert!(
        !tree.contains("clap"),
        "the library's tree has the CLI's dependencies in it:\n{tree}"
    );
    let count = crates(&tree).len();
    assert!(count > 0, "no crates parsed from:\n{tree}");
    assert!(
        count <= MAX_NORMAL_CRATES,
        "{count} normal-dependency crates, over the budget of {MAX_NORMAL_CRATES} (see \
         MAX_NORMAL_CRATES in tests/footprint.rs):\n{tree}"
    );
}

#[test]
fn tree_parser_finds_forbidden_crates_by_exact_name() {
    let tree = "hopae-cli v0.1.0 (/src/hopae/cli)\n\
                hopae v0.1.0 (/src/hopae)\n\
                ureq v3.5.2\n\
                tokio v1.40.0\n\
                tokio-rustls v0.26.0\n\
                serde_derive v1.0.229 (proc-macro)\n\
                futures-util v0.3.31 (*)\n\
                log v0.4.35 (*)\n\
                log v0.4.35\n\
                \n";
    let crates = crates(tree);
    assert_eq!(crates.len(), 6, "{crates:?}");
    assert!(
        !crates
            .iter()
            .any(|&(name, _)| name == "hopae" || name == "hopae-cli")
    );
    assert_eq!(forbidden(&crates), ["futures-util", "tokio"]);
}

/// The package declares `MIT OR Apache-2.0`: both licence texts must ship in it.
#[test]
fn the_package_ships_both_licence_files() {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args([
            "package",
            "--list",
            "--allow-dirty",
            "--offline",
            "-p",
            "hopae",
        ])
        .args(["--manifest-path", manifest])
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .unwrap_or_else(|e| panic!("could not run `{} package`: {e}", env!("CARGO")));
    assert!(
        output.status.success(),
        "`cargo package --list` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let files = String::from_utf8_lossy(&output.stdout);
    for licence in ["LICENSE-MIT", "LICENSE-APACHE"] {
        assert!(
            files.lines().any(|f| f == licence),
            "{licence} missing from:\n{files}"
        );
    }
    let manifest_text = std::fs::read_to_string(manifest).unwrap();
    assert!(manifest_text.contains("license = \"MIT OR Apache-2.0\""));
}
