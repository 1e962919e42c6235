//! `.github/workflows/conformance.yml` adopts cleanly: without a configured target the target
//! job is skipped (its condition reads the check job's answer) and the check job says why in
//! its job summary. The workflow is read with PyYAML (python3-yaml) and the check step's own
//! script is run with bash, as the runner would.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const WORKFLOW: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/.github/workflows/conformance.yml"
);

fn workflow() -> Value {
    let out = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
            WORKFLOW,
        ])
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed to read the workflow: {e}"));
    assert!(
        out.status.success(),
        "python3 with PyYAML (apt install python3-yaml) could not read the workflow: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the workflow as JSON")
}

/// Run the check step's script the way a runner does; returns (step outputs, job summary).
fn check(base_url: &str, dir: &Path) -> (String, String) {
    let wf = workflow();
    let step = wf["jobs"]["target-configured"]["steps"]
        .as_array()
        .expect("the target-configured job has steps")
        .iter()
        .find(|s| s["id"] == "check")
        .expect("a step with id check")
        .clone();
    let script = step["run"].as_str().expect("the check step runs a script");
    let output = dir.join("output");
    let summary = dir.join("summary");
    std::fs::write(&output, "").unwrap();
    std::fs::write(&summary, "").unwrap();
    let status = Command::new("bash")
        .args(["-e", "-c", script])
        .env("KONA_BASE_URL", base_url)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .status()
        .unwrap();
    assert!(status.success(), "the check step itself never fails");
    (
        std::fs::read_to_string(output).unwrap(),
        std::fs::read_to_string(summary).unwrap(),
    )
}

#[test]
fn the_target_job_runs_only_when_the_check_says_a_target_is_configured() {
    let wf = workflow();
    let jobs = &wf["jobs"];
    let check = &jobs["target-configured"];
    assert_eq!(
        check["outputs"]["configured"],
        "${{ steps.check.outputs.configured }}"
    );
    assert!(
        check["steps"][0]["env"]["KONA_BASE_URL"]
            .as_str()
            .is_some_and(|v| v.contains("vars.KONA_BASE_URL") && v.contains("inputs.base-url")),
        "the check reads the variable and the input: {check}"
    );
    let target = &jobs["target"];
    assert_eq!(target["needs"], "target-configured");
    assert_eq!(
        target["if"],
        "needs.target-configured.outputs.configured == 'true'"
    );
    // The pull-request job needs no target and no check.
    assert!(jobs["embedded-sandbox"]["needs"].is_null());
}

#[test]
fn no_target_skips_with_a_note_in_the_job_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (outputs, summary) = check("", dir.path());
    assert_eq!(outputs.trim(), "configured=false");
    assert!(summary.contains("target skipped"), "{summary}");
    assert!(summary.contains("KONA_BASE_URL"), "{summary}");
}

#[test]
fn a_configured_target_is_certified_and_the_summary_left_to_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let (outputs, summary) = check("https://partner.example/open-api", dir.path());
    assert_eq!(outputs.trim(), "configured=true");
    assert_eq!(summary, "");
}
