//! `#[task]` and `#[workflow]` procedural macros (thin shims).
