//! Compile-time errors of `#[task]` and `#[workflow]`, pinned as trybuild UI tests.
//!
//! The `.stderr` files were made with rustc 1.95.0 (59807616e 2026-04-14); regenerate them
//! on purpose with `TRYBUILD=overwrite cargo test -p workflow-macros --test ui` and review the
//! diff like code.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/*/pass/*.rs");
    t.compile_fail("tests/ui/*/fail/*.rs");
}
