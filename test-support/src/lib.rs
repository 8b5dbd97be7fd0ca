//! For the workspace's tests only: where the material beside the project is (`../shared`:
//! the conformance cases, asl-lint, the origin's state machines, the bench workloads).
//!
//! A user's fresh clone has no `../shared`, so a test that needs it skips, and says so on
//! stderr; under CI (`CI=true`) its absence is a failure. One rule for every such test, here.

use std::path::{Path, PathBuf};

/// The environment variable that names the shared folder when it is not beside the workspace.
pub const SHARED_VAR: &str = "WORKFLOW_SHARED";

/// `shared/<part>` (a file or a folder), or `None` when it is absent: the test that asked
/// skips, and this says so on stderr. Under `CI=true` an absent part panics instead.
///
/// Looked for in `$WORKFLOW_SHARED` when it is set, else in a folder `shared` beside the
/// workspace or beside one of its ancestors (a git worktree sits deeper than the checkout).
pub fn shared(part: &str) -> Option<PathBuf> {
    let found = find(part, std::env::var_os(SHARED_VAR).map(PathBuf::from));
    if found.is_none() {
        let what = format!("../shared/{part}");
        assert!(
            !under_ci(),
            "{what} is absent, and CI=true requires it (or set {SHARED_VAR})"
        );
        eprintln!("skipped: {what} is absent (a fresh clone has no ../shared)");
    }
    found
}

/// Whether the tests run under CI (`CI=true`), where nothing may be skipped.
pub fn under_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// The workspace's root: this crate's parent folder.
fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("test-support sits inside the workspace")
}

fn find(part: &str, named: Option<PathBuf>) -> Option<PathBuf> {
    match named {
        Some(dir) => Some(dir.join(part)).filter(|p| p.exists()),
        None => workspace()
            .ancestors()
            .skip(1)
            .map(|dir| dir.join("shared").join(part))
            .find(|p| p.exists()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_folder_is_used_as_it_is_and_must_hold_the_part() {
        let dir = std::env::temp_dir().join(format!("test-support-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("conformance")).unwrap();
        assert_eq!(
            find("conformance", Some(dir.clone())),
            Some(dir.join("conformance"))
        );
        assert_eq!(find("origin", Some(dir.clone())), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_part_beside_no_ancestor_is_absent() {
        assert_eq!(find("no-such-part-of-shared", None), None);
    }
}
