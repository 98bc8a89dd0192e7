//! The stages form a directed acyclic graph: no top-level module of `src/` reaches itself
//! through the `crate::` paths of its files, the leaves (`asn1`, `cache`, `verdict`) depend
//! on nothing, and the reader depends on neither the verdict vocabulary nor the stages above
//! it.
//!
//! Read from the source: every `crate::NAME` (and `crate::{A, B, …}`) in a file under
//! `src/NAME/` or in `src/NAME.rs` is an edge from that file's top-level module to NAME; a
//! name the crate root re-exports (`crate::Verifier`) counts as the module it comes from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Files that are not a stage: the crate root, the internals' declarations, the binary, and
/// the fuzz entry points (which call every stage and that nothing calls).
const NOT_STAGES: [&str; 4] = ["lib", "internals", "main", "fuzz_targets"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The identifiers named at the top level of a `{…}` group (nested groups are paths inside
/// the first name's module and do not name other modules).
fn group_heads(group: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut item = String::new();
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            item.push(c);
        }
    }
    out.push(item);
    out.iter()
        .filter_map(|i| {
            let head: String = i
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!head.is_empty()).then_some(head)
        })
        .collect()
}

/// Every name a `crate::` path starts with in `text`.
fn crate_names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(p) = rest.find("crate::") {
        rest = &rest[p + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(group.len(), |(i, _)| i);
            out.extend(group_heads(&group[..end]));
        } else {
            let head: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(head);
        }
    }
    out
}

/// The names the crate root re-exports, with the module each comes from.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stmt in lib.split(';') {
        let stmt = stmt.trim();
        let Some(path) = stmt
            .rsplit("pub use ")
            .next()
            .filter(|_| stmt.contains("pub use "))
        else {
            continue;
        };
        let Some((module, names)) = path.split_once("::") else {
            continue;
        };
        let names = names.trim();
        let names: Vec<String> = match names.strip_prefix('{') {
            Some(g) => group_heads(g.trim_end_matches('}')),
            None => vec![names.to_string()],
        };
        for n in names {
            out.insert(n, module.trim().to_string());
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let reexports = root_reexports(&lib);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let module_of = |p: &Path| -> String {
        let rel = p.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        first.trim_end_matches(".rs").to_string()
    };
    let modules: BTreeSet<String> = files
        .iter()
        .map(|p| module_of(p))
        .filter(|m| !NOT_STAGES.contains(&m.as_str()) && m != "bin")
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let from = module_of(f);
        if !modules.contains(&from) {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        let set = edges.entry(from.clone()).or_default();
        for name in crate_names(&text) {
            let to = reexports.get(&name).cloned().unwrap_or(name);
            if to != from && modules.contains(&to) {
                set.insert(to);
            }
        }
    }
    edges
}

/// A cycle through `node`, if any, found by depth-first search.
fn cycle(
    edges: &BTreeMap<String, BTreeSet<String>>,
    node: &str,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(i) = path.iter().position(|p| p == node) {
        let mut c = path[i..].to_vec();
        c.push(node.to_string());
        return Some(c);
    }
    if done.contains(node) {
        return None;
    }
    path.push(node.to_string());
    for next in edges.get(node).into_iter().flatten() {
        if let Some(c) = cycle(edges, next, path, done) {
            return Some(c);
        }
    }
    path.pop();
    done.insert(node.to_string());
    None
}

#[test]
fn no_cycle_between_top_level_modules() {
    let edges = graph();
    let listing: Vec<String> = edges
        .iter()
        .map(|(m, to)| {
            format!(
                "{m} -> {}",
                to.iter().cloned().collect::<Vec<_>>().join(" ")
            )
        })
        .collect();
    eprintln!("{}", listing.join("\n"));
    assert!(edges.len() >= 15, "the stages were found: {listing:?}");
    let mut done = BTreeSet::new();
    for m in edges.keys() {
        if let Some(c) = cycle(&edges, m, &mut Vec::new(), &mut done) {
            panic!("a cycle: {}\n{}", c.join(" -> "), listing.join("\n"));
        }
    }
}

#[test]
fn leaves_stay_leaves_and_the_reader_only_reads() {
    let edges = graph();
    for leaf in ["asn1", "cache", "verdict"] {
        assert_eq!(edges.get(leaf), Some(&BTreeSet::new()), "{leaf} is a leaf");
    }
    let pdf = &edges["pdf"];
    for above in [
        "verdict",
        "forensics",
        "validate",
        "report",
        "cms",
        "engine",
    ] {
        assert!(
            !pdf.contains(above),
            "the reader depends on {above}: {pdf:?}"
        );
    }
    let forensics = &edges["forensics"];
    assert!(
        !forensics.contains("verdict") && !forensics.contains("validate"),
        "forensics judges changes, not signatures: {forensics:?}"
    );
    assert!(
        edges["validate"].contains("forensics"),
        "validate calls forensics"
    );
}

/// The parser sees through groups, nested groups and re-exports (a check that the test above
/// could fail).
#[test]
fn crate_paths_are_read_with_their_groups() {
    assert_eq!(
        crate_names("use crate::{a, b::{c, d}, e::F};\nlet x = crate::g::h();"),
        ["a", "b", "e", "g"]
    );
    let r = root_reexports("pub use validate::{Verifier, Policy};\npub use cache::CacheStats;");
    assert_eq!(r["Verifier"], "validate");
    assert_eq!(r["CacheStats"], "cache");
    let mut edges = BTreeMap::new();
    edges.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    edges.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert!(cycle(&edges, "a", &mut Vec::new(), &mut BTreeSet::new()).is_some());
}
