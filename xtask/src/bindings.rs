//! The UI's TypeScript bindings (`ui/src/bindings`, written by ts-rs when the Rust tests run) must
//! be the ones committed: `cargo xtask test` takes the committed files out, lets the tests write
//! them anew, and fails on any file that changed, appeared or was not written again.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::root;

fn dir() -> PathBuf {
    root().join("ui").join("src").join("bindings")
}

/// The `.ts` files there, by name, with their contents.
fn read() -> Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let dir = dir();
    if !dir.is_dir() {
        return Ok(files);
    }
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "ts") {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.insert(name, std::fs::read(&path)?);
        }
    }
    Ok(files)
}

/// The `.ts` files there now, by name, with their contents; the folder is left empty for the
/// tests to fill.
pub fn take() -> Result<BTreeMap<String, Vec<u8>>> {
    let files = read()?;
    for name in files.keys() {
        let path = dir().join(name);
        std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    }
    Ok(files)
}

/// Writes back the files a broken run did not write again.
pub fn restore_missing(before: &BTreeMap<String, Vec<u8>>) {
    for (name, contents) in before {
        let path = dir().join(name);
        if !path.exists()
            && let Err(e) = std::fs::write(&path, contents)
        {
            eprintln!("xtask: could not restore {}: {e}", path.display());
        }
    }
}

/// Fails, naming each file, when what the tests wrote differs from what was there before.
pub fn compare(before: &BTreeMap<String, Vec<u8>>) -> Result<()> {
    let now = read()?;
    let mut problems = Vec::new();
    for (name, contents) in before {
        match now.get(name) {
            None => problems.push(format!(
                "{name}: no Rust type writes it any more (delete it)"
            )),
            Some(fresh) if fresh != contents => problems.push(format!(
                "{name}: differs from the Rust type (commit the new one)"
            )),
            Some(_) => {}
        }
    }
    for name in now.keys().filter(|n| !before.contains_key(*n)) {
        problems.push(format!("{name}: new (commit it)"));
    }
    for (name, contents) in &now {
        let text = String::from_utf8_lossy(contents);
        for field in snake_case_fields(&text) {
            problems.push(format!(
                "{name}: field `{field}` is not camelCase (add #[serde(rename_all = \"camelCase\")])"
            ));
        }
    }
    if problems.is_empty() {
        println!(
            "{} binding files, all as committed, all camelCase",
            now.len()
        );
        return Ok(());
    }
    for p in &problems {
        println!("  ui/src/bindings/{p}");
    }
    bail!(
        "the committed TypeScript bindings were stale; they are regenerated now: review and commit them"
    )
}

/// Field names with an underscore in a TypeScript type (comments left out): the wire has one
/// casing, camelCase, nested types included (ARCHITECTURE.md).
fn snake_case_fields(ts: &str) -> Vec<String> {
    let mut code = String::with_capacity(ts.len());
    let mut rest = ts;
    while let Some(start) = rest.find("/*") {
        code.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    code.push_str(rest);
    let mut found = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut j = i;
            if chars.get(j) == Some(&'?') {
                j += 1;
            }
            let before = chars[..start].iter().rev().find(|c| !c.is_whitespace());
            let is_field = chars.get(j) == Some(&':') && matches!(before, Some('{' | ','));
            if is_field && word.contains('_') && word != word.to_uppercase() {
                found.push(word);
            }
        } else {
            i += 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::snake_case_fields;

    #[test]
    fn finds_snake_case_fields_and_nothing_else() {
        let ts = r#"/** a_b: in a comment */ export type X = { accountId: string, last_detail: string | null, kind: "needs_person", /** doc */ page_count?: number, };"#;
        assert_eq!(snake_case_fields(ts), vec!["last_detail", "page_count"]);
        assert!(
            snake_case_fields(r#"export type S = { "stage": "done", accountId: string };"#)
                .is_empty()
        );
    }
}
