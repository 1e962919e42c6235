//! Embeds `schemas/` and `features/` in the binary, so `kona-conformance` certifies a target
//! from any directory and the contract it reports is exactly the one it was built with.

use std::env;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, extensions, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e))
        {
            out.push(path);
        }
    }
}

fn write_table(name: &str, root: &Path, extensions: &[&str], file: &mut fs::File) {
    let mut paths = Vec::new();
    collect(root, extensions, &mut paths);
    paths.sort();
    writeln!(file, "pub static {name}: &[(&str, &str)] = &[").unwrap();
    for path in paths {
        let relative = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        writeln!(
            file,
            "    ({relative:?}, include_str!({:?})),",
            path.canonicalize().unwrap()
        )
        .unwrap();
    }
    writeln!(file, "];").unwrap();
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("embedded.rs");
    let mut file = fs::File::create(out).unwrap();
    write_table(
        "SCHEMA_FILES",
        &manifest.join("schemas"),
        &["json"],
        &mut file,
    );
    write_table(
        "FEATURE_FILES",
        &manifest.join("features"),
        &["feature"],
        &mut file,
    );
    println!("cargo:rerun-if-changed=schemas");
    println!("cargo:rerun-if-changed=features");
}
