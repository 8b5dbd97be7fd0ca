//! Paths, intrinsic functions and JSONata expressions in the fields that hold them.

use super::{Checker, StateCx};
use crate::asl::State;

/// Checks the paths of a state.
pub(super) fn check_state(cx: &mut Checker, st: &StateCx<'_>) {
    for (field, path) in result_paths(st.state) {
        if path.starts_with("$$") {
            cx.error(
                st.at(&field),
                format!("`ResultPath` cannot point into the context object (`$$`): {path:?}"),
            );
        }
    }
}

/// Every `ResultPath` of a state (its own and its catchers'), with its field pointer.
fn result_paths(state: &State) -> Vec<(String, &str)> {
    let own = match state {
        State::Pass(s) => &s.result_path,
        State::Task(s) => &s.result_path,
        State::Parallel(s) => &s.result_path,
        State::Map(s) => &s.result_path,
        _ => &None,
    };
    let mut out = Vec::new();
    if let Some(Some(p)) = own {
        out.push(("ResultPath".to_owned(), p.as_str()));
    }
    for (i, c) in state.retry_catch().1.iter().enumerate() {
        if let Some(Some(p)) = &c.result_path {
            out.push((format!("Catch/{i}/ResultPath"), p.as_str()));
        }
    }
    out
}
