//! Retry and Catch: `ErrorEquals` is non-empty, `States.ALL` appears alone and in the last
//! retrier or catcher, retry numbers are in range, and a catcher's data-flow field belongs to
//! the state's query language.

use super::fields::{check_assign, MAX_SECONDS};
use super::{Checker, StateCx};
use crate::error::names;

/// Checks the `Retry` and `Catch` lists of a state.
pub(super) fn check_state(cx: &mut Checker, st: &StateCx<'_>) {
    let (retriers, catchers) = st.state.retry_catch();
    for (i, r) in retriers.iter().enumerate() {
        let at = format!("Retry/{i}");
        check_error_equals(cx, st, &at, &r.error_equals, i + 1 == retriers.len());
        if let Some(n) = r.interval_seconds {
            if n == 0 || n > MAX_SECONDS {
                cx.error(
                    st.at(&format!("{at}/IntervalSeconds")),
                    format!("`IntervalSeconds` must be between 1 and {MAX_SECONDS}, not {n}"),
                );
            }
        }
        if let Some(n) = r.max_attempts {
            if n > MAX_SECONDS {
                cx.error(
                    st.at(&format!("{at}/MaxAttempts")),
                    format!("`MaxAttempts` must be between 0 and {MAX_SECONDS}, not {n}"),
                );
            }
        }
        if let Some(rate) = r.backoff_rate {
            if rate < 1.0 || !rate.is_finite() {
                cx.error(
                    st.at(&format!("{at}/BackoffRate")),
                    format!("`BackoffRate` must be at least 1.0, not {rate}"),
                );
            }
        }
        if let Some(n) = r.max_delay_seconds {
            if n == 0 || n > MAX_SECONDS {
                cx.error(
                    st.at(&format!("{at}/MaxDelaySeconds")),
                    format!("`MaxDelaySeconds` must be between 1 and {MAX_SECONDS}, not {n}"),
                );
            }
        }
    }
    for (i, c) in catchers.iter().enumerate() {
        let at = format!("Catch/{i}");
        check_error_equals(cx, st, &at, &c.error_equals, i + 1 == catchers.len());
        let (field, present, other) = if st.jsonata() {
            ("ResultPath", c.result_path.is_some(), "JSONPath")
        } else {
            ("Output", c.output.is_some(), "JSONata")
        };
        if present {
            let own = if st.jsonata() { "JSONata" } else { "JSONPath" };
            cx.error(
                st.at(&format!("{at}/{field}")),
                format!("`{field}` is a {other} field; it is not allowed in a {own} state"),
            );
        }
        check_assign(cx, st, &format!("{at}/Assign"), c.assign.as_ref());
    }
}

fn check_error_equals(cx: &mut Checker, st: &StateCx<'_>, at: &str, errors: &[String], last: bool) {
    let pointer = st.at(&format!("{at}/ErrorEquals"));
    if errors.is_empty() {
        cx.error(pointer, "`ErrorEquals` must name at least one error");
        return;
    }
    if !errors.iter().any(|e| e == names::ALL) {
        return;
    }
    let list = if at.starts_with("Retry") {
        "Retry"
    } else {
        "Catch"
    };
    if errors.len() > 1 {
        cx.error(
            &pointer,
            format!("`{}` must appear alone in `ErrorEquals`", names::ALL),
        );
    }
    if !last {
        cx.error(
            pointer,
            format!(
                "the element of `{list}` that matches `{}` must be the last one",
                names::ALL
            ),
        );
    }
}
