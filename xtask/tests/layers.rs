//! The layer table of ARCHITECTURE.md, enforced: which workspace crate may depend on which,
//! read from `cargo metadata` (normal dependencies only — tests and benchmarks may use more).
//! A new crate must be added to the table; an edge the table does not allow fails here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Each workspace package and the workspace packages it may depend on (normal dependencies).
/// Architecture Invariant: this table and ARCHITECTURE.md's say the same.
const LAYERS: &[(&str, &[&str])] = &[
    ("esimdesk-core", &[]),
    ("esimdesk-providers", &["esimdesk-core"]),
    ("esimdesk-store", &["esimdesk-core"]),
    (
        "esimdesk-app",
        &["esimdesk-core", "esimdesk-store", "esimdesk-providers"],
    ),
    // Generated data only (ICCIDs, activation codes, countries).
    ("esimdesk-sandbox", &["esimdesk-core"]),
    ("esimdesk-cli", &["esimdesk-app"]),
    // The sandbox for demo mode only.
    ("esim-desk", &["esimdesk-app", "esimdesk-sandbox"]),
    // The end-to-end tests and desk benchmarks set up desks and sandboxes the way a user would.
    (
        "esimdesk-e2e",
        &[
            "esimdesk-app",
            "esimdesk-core",
            "esimdesk-store",
            "esimdesk-sandbox",
        ],
    ),
    ("xtask", &[]),
];

/// Workspace package → the workspace packages it depends on (normal dependencies).
fn workspace_edges() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let ours: BTreeSet<String> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                // `kind` is null for normal dependencies, "dev" or "build" otherwise.
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .filter(|name| ours.contains(name))
                .collect();
            (p["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

/// What breaks the table: edges it does not allow, and packages it does not name.
fn violations(
    edges: &BTreeMap<String, BTreeSet<String>>,
    table: &[(&str, &[&str])],
) -> Vec<String> {
    let allowed: BTreeMap<&str, BTreeSet<&str>> = table
        .iter()
        .map(|(p, deps)| (*p, deps.iter().copied().collect()))
        .collect();
    let mut out = Vec::new();
    for (package, deps) in edges {
        let Some(may) = allowed.get(package.as_str()) else {
            out.push(format!(
                "{package} is not in the layer table (ARCHITECTURE.md)"
            ));
            continue;
        };
        for dep in deps {
            if !may.contains(dep.as_str()) {
                out.push(format!(
                    "{package} depends on {dep}, which its layer may not"
                ));
            }
        }
    }
    out
}

#[test]
fn the_workspace_keeps_its_layers() {
    let found = violations(&workspace_edges(), LAYERS);
    assert!(found.is_empty(), "layer violations:\n{}", found.join("\n"));
}

#[test]
fn the_check_catches_a_face_reaching_past_app() {
    // The import this table forbids, as the shell and the CLI once had it.
    let mut edges = workspace_edges();
    edges
        .entry("esimdesk-cli".into())
        .or_default()
        .insert("esimdesk-store".into());
    edges
        .entry("esim-desk".into())
        .or_default()
        .insert("esimdesk-providers".into());
    edges.insert("esimdesk-new".into(), BTreeSet::new());
    let found = violations(&edges, LAYERS);
    assert!(
        found.contains(&"esimdesk-cli depends on esimdesk-store, which its layer may not".into()),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|v| v.starts_with("esim-desk depends on esimdesk-providers"))
    );
    assert!(
        found
            .iter()
            .any(|v| v.starts_with("esimdesk-new is not in the layer table"))
    );
}

#[test]
fn the_table_names_only_workspace_packages() {
    let edges = workspace_edges();
    for (package, deps) in LAYERS {
        assert!(
            edges.contains_key(*package),
            "{package} is not in the workspace"
        );
        for dep in *deps {
            assert!(edges.contains_key(*dep), "{dep} is not in the workspace");
        }
    }
}
