//! The shape of the test tree itself (issue 26): one integration-test binary, every file of it
//! compiled, nothing in it that one test could do to another in the same process.

use std::path::{Path, PathBuf};

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn rust_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".rs"))
        .collect();
    names.sort();
    names
}

/// Each `tests/*.rs` is a binary of its own that links the whole crate again; only the
/// cucumber suite (`harness = false`) needs to be one.
#[test]
fn the_only_test_binaries_are_it_and_the_cucumber_suite() {
    assert_eq!(
        rust_files(&tests_dir()),
        ["suite.rs"],
        "a new integration test goes in tests/it/ with a `mod` line in tests/it/main.rs"
    );
}

/// A file in tests/it/ without its `mod` line would never be compiled, its tests silently
/// never run.
#[test]
fn every_file_in_it_is_a_module_of_the_binary() {
    for (dir, root) in [("it", "main.rs"), ("it/support", "mod.rs")] {
        let dir = tests_dir().join(dir);
        let root_text = std::fs::read_to_string(dir.join(root)).unwrap();
        for file in rust_files(&dir) {
            if file == root {
                continue;
            }
            let module = file.trim_end_matches(".rs");
            assert!(
                root_text
                    .lines()
                    .any(|l| l.trim_start_matches("pub ") == format!("mod {module};")),
                "{} has no `mod {module};`: its tests would never run",
                dir.join(root).display()
            );
        }
    }
}

/// Tests run as threads of one process: what one sets for the process, every other sees.
#[test]
fn no_test_changes_the_process_environment_or_directory() {
    let forbidden = [
        ["set", "_var("].concat(),
        ["remove", "_var("].concat(),
        ["set_current", "_dir("].concat(),
    ];
    for dir in ["it", "it/support"] {
        let dir = tests_dir().join(dir);
        for file in rust_files(&dir) {
            let text = std::fs::read_to_string(dir.join(&file)).unwrap();
            for call in &forbidden {
                assert!(
                    !text.contains(call.as_str()),
                    "{}: {call}...) would change it for every test in the binary; give a child process its own with Command::env / Command::current_dir",
                    dir.join(&file).display()
                );
            }
        }
    }
}
