//! The emitted ASL passes the third-party validators of `../shared/tools/asl-lint`.

use std::path::Path;
use std::process::Command;

#[test]
fn emitted_asl_passes_asl_lint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let Some(lint) = workflow_test_support::shared("tools/asl-lint/asl-lint") else {
        return;
    };
    let files: Vec<_> = examples::all()
        .iter()
        .map(|wf| root.join(format!("examples/asl/{}.asl.json", wf.name)))
        .collect();
    let out = Command::new(&lint)
        .args(&files)
        .output()
        .expect("asl-lint runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "asl-lint failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("ok ")).count(),
        files.len(),
        "{text}"
    );
}
