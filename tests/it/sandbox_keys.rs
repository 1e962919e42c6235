//! The sandbox's test keys travel with the binary: `sandbox --write-keys DIR` writes them
//! wherever it runs, the banner names that folder, and never the folder the binary was
//! built in.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use kona_conformance::sandbox::test_keys::TEST_KEY_FILES;

const BIN: &str = env!("CARGO_BIN_EXE_kona-conformance");
const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// Start the sandbox in `cwd` with `args`, read its banner, stop it.
fn banner(cwd: &std::path::Path, args: &[&str]) -> String {
    let mut child = Command::new(BIN)
        .current_dir(cwd)
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut printed = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    // The clean stop on Ctrl-C is tests/sandbox_cli.rs' business; here it only has to end.
    child.kill().unwrap();
    child.wait().unwrap();
    printed
}

fn keys_line(banner: &str) -> String {
    banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("test keys"))
        .unwrap_or_else(|| panic!("no test keys line in {banner}"))
        .trim()
        .to_owned()
}

#[test]
fn write_keys_puts_the_embedded_keys_where_asked_and_the_banner_says_where() {
    let tmp = tempfile::tempdir().unwrap();
    // A relative folder, from a working directory far from the source tree.
    let printed = banner(tmp.path(), &["--write-keys", "my-keys"]);
    let dir = tmp.path().join("my-keys");
    assert_eq!(keys_line(&printed), dir.display().to_string(), "{printed}");
    for key in TEST_KEY_FILES {
        assert_eq!(
            std::fs::read_to_string(dir.join(key.name)).unwrap(),
            std::fs::read_to_string(format!("{REPO}/test-keys/{}", key.name)).unwrap(),
            "{} is the committed key",
            key.name
        );
    }
    assert!(!printed.contains(REPO), "a build-time path in {printed}");
}

#[test]
fn without_write_keys_the_banner_says_how_to_get_them_not_a_build_path() {
    let tmp = tempfile::tempdir().unwrap();
    let printed = banner(tmp.path(), &[]);
    let line = keys_line(&printed);
    assert!(line.contains("--write-keys DIR"), "{line}");
    assert!(!printed.contains(REPO), "a build-time path in {printed}");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn an_unwritable_keys_folder_is_a_usage_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-folder");
    std::fs::write(&file, "").unwrap();
    let out = Command::new(BIN)
        .args(["sandbox", "--listen", "127.0.0.1:0", "--write-keys"])
        .arg(file.join("keys"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot write the test keys") && err.contains("not-a-folder"),
        "{err}"
    );
}

#[test]
fn help_lists_write_keys() {
    let out = Command::new(BIN)
        .args(["sandbox", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("--write-keys <DIR>"));
}
