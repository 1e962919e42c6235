//! The house rules, enforced (as rust-analyzer's tidy test does): data flows one way through
//! the layers ARCHITECTURE.md names, and no two source files import each other, directly or
//! round a loop. A test, not a lint, so `cargo test` fails on the import that breaks them and
//! names it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules, lowest layer first. A module may use its own layer and the ones
/// below it, never one above (ARCHITECTURE.md says what each layer is for).
const LAYERS: &[&[&str]] = &[
    &["secret", "crypto"],
    &["contract"],
    &["client"],
    &["capture", "exit", "fixtures", "redact"],
    &["judge"],
    &["sandbox"],
    &["steps"],
    &["runner"],
    &["gate"],
    &["report"],
    &[
        "mutants", "variants", "openapi", "derive", "compare", "verify", "proxy",
    ],
    &["cli"],
];

/// A source path as the repository names it (`src/report/model.rs`).
fn shown(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .display()
        .to_string()
        .trim_start_matches('/')
        .to_owned()
}

fn layer_of(module: &str) -> Option<usize> {
    let top = module.split("::").next()?;
    LAYERS.iter().position(|layer| layer.contains(&top))
}

/// Every source file as (module path, path), `lib.rs` and `main.rs` left out.
fn modules(root: &Path) -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .with_extension("")
                .to_string_lossy()
                .replace('\\', "/");
            if relative == "lib" || relative == "main" || relative == "tidy" {
                continue;
            }
            let module = relative
                .strip_suffix("/mod")
                .unwrap_or(&relative)
                .replace('/', "::");
            out.insert(module, path);
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The code of a file that is built outside tests: comment lines dropped, and everything
/// from its `#[cfg(test)]` module on (a `#[cfg(test)]` item elsewhere is kept: its imports
/// are few and would only make the check stricter).
fn production_code(text: &str) -> Vec<(usize, &str)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let test_module = trimmed.starts_with("#[cfg(test)]")
            && lines
                .get(i + 1)
                .is_some_and(|next| next.trim_start().starts_with("mod "));
        if test_module {
            break;
        }
        if !trimmed.starts_with("//") {
            out.push((i + 1, *line));
        }
    }
    out
}

/// The module a path like `crate::a::b::Item` names: its longest prefix that is a module.
fn resolve<'m>(path: &str, modules: &'m BTreeMap<String, PathBuf>) -> Option<&'m str> {
    let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    while !parts.is_empty() {
        let candidate = parts.join("::");
        if let Some((name, _)) = modules.get_key_value(&candidate) {
            return Some(name.as_str());
        }
        parts.pop();
    }
    None
}

/// (importing module, imported module, line) for every `crate::` and `super::` path.
fn imports(modules: &BTreeMap<String, PathBuf>) -> Vec<(String, String, usize)> {
    let path_re = regex::Regex::new(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
        .expect("a valid pattern");
    let braced_re =
        regex::Regex::new(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^}]*)\}")
            .expect("a valid pattern");
    let mut out = Vec::new();
    for (module, path) in modules {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        // `super` of module `a::b` is `a`, whether it lives in `a/b.rs` or `a/b/mod.rs`.
        let parent = module.rsplit_once("::").map(|(p, _)| p.to_owned());
        let absolute = |anchor: &str, rest: &str| -> String {
            match anchor {
                "crate" => rest.trim_start_matches("::").to_owned(),
                _ => match &parent {
                    Some(p) => format!("{p}{rest}"),
                    None => rest.trim_start_matches("::").to_owned(),
                },
            }
        };
        for (line, code) in production_code(&text) {
            let mut targets = Vec::new();
            for c in braced_re.captures_iter(code) {
                let base = absolute(&c[1], &c[2]);
                for item in c[3].split(',') {
                    let item = item.trim().split(" as ").next().unwrap_or_default().trim();
                    if !item.is_empty() && item != "self" {
                        targets.push(format!("{base}::{item}"));
                    }
                }
                targets.push(base);
            }
            for c in path_re.captures_iter(code) {
                targets.push(absolute(&c[1], &c[2]));
            }
            for target in targets {
                if let Some(to) = resolve(&target, modules)
                    && to != module
                    && !module.starts_with(&format!("{to}::"))
                {
                    out.push((module.clone(), to.to_owned(), line));
                }
            }
        }
    }
    out
}

/// Every set of files that import each other round a loop.
fn cycles(edges: &BTreeMap<&str, BTreeSet<&str>>) -> Vec<Vec<String>> {
    // Tarjan's strongly connected components, iterative enough for a source tree.
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(v: &'a str, edges: &BTreeMap<&'a str, BTreeSet<&'a str>>, s: &mut State<'a>) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for &w in edges.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(w, edges, s);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for &v in edges.keys() {
        if !state.index.contains_key(v) {
            visit(v, edges, &mut state);
        }
    }
    state.found
}

#[test]
fn every_module_has_a_layer_and_uses_none_above_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&root);
    let unplaced: BTreeSet<&str> = modules
        .keys()
        .filter(|m| layer_of(m).is_none())
        .map(|m| m.split("::").next().unwrap_or_default())
        .collect();
    assert!(
        unplaced.is_empty(),
        "top-level modules in no layer of src/tidy.rs (and ARCHITECTURE.md): {unplaced:?}"
    );
    let upward: Vec<String> = imports(&modules)
        .into_iter()
        .filter(|(from, to, _)| layer_of(to) > layer_of(from))
        .map(|(from, to, line)| {
            format!(
                "{} line {line}: {from} uses {to}, a layer above it",
                shown(&modules[&from])
            )
        })
        .collect();
    assert!(
        upward.is_empty(),
        "imports against the layers:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_source_files_import_each_other_round_a_loop() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&root);
    let found = imports(&modules);
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (from, to, _) in &found {
        edges.entry(from).or_default().insert(to);
    }
    let loops = cycles(&edges);
    let described: Vec<String> = loops
        .iter()
        .map(|c| {
            let lines: Vec<String> = found
                .iter()
                .filter(|(f, t, _)| c.contains(f) && c.contains(t))
                .map(|(f, t, l)| format!("    {} line {l}: {f} -> {t}", shown(&modules[f])))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            format!("  {}\n{}", c.join(" <-> "), lines.join("\n"))
        })
        .collect();
    assert!(
        loops.is_empty(),
        "{} import cycle(s):\n{}",
        loops.len(),
        described.join("\n")
    );
}

#[test]
fn the_checker_sees_a_cycle_and_an_upward_import() {
    let edges: BTreeMap<&str, BTreeSet<&str>> = [
        ("a", BTreeSet::from(["b"])),
        ("b", BTreeSet::from(["c"])),
        ("c", BTreeSet::from(["a"])),
        ("d", BTreeSet::from(["a"])),
    ]
    .into_iter()
    .collect();
    assert_eq!(cycles(&edges), vec![vec!["a", "b", "c"]]);
    assert!(layer_of("cli::run") > layer_of("report::model"));
    assert!(layer_of("steps::world") < layer_of("runner::plan"));
}
