//! Wait: exactly one of `Seconds`, `Timestamp`, `SecondsPath` and `TimestampPath`, a number
//! of seconds in range, and a literal timestamp the service parses.

use super::fields::{check_int, MAX_SECONDS};
use super::{is_jsonata, Checker, StateCx};
use crate::asl::State;
use crate::timestamp::Timestamp;

/// Checks a Wait state's duration.
pub(super) fn check_state(cx: &mut Checker, st: &StateCx<'_>) {
    let State::Wait(w) = st.state else { return };
    let given: Vec<&str> = [
        ("Seconds", w.seconds.is_some()),
        ("Timestamp", w.timestamp.is_some()),
        ("SecondsPath", w.seconds_path.is_some()),
        ("TimestampPath", w.timestamp_path.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, present)| present.then_some(name))
    .collect();
    match given.len() {
        0 => cx.error(
            &st.pointer,
            "a Wait state needs one of `Seconds`, `Timestamp`, `SecondsPath` or `TimestampPath`",
        ),
        1 => {}
        _ => cx.error(
            st.at(given[1]),
            format!(
                "a Wait state has exactly one of `Seconds`, `Timestamp`, `SecondsPath` and `TimestampPath`; this one has {}",
                given.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(" and ")
            ),
        ),
    }
    check_int(cx, st, "Seconds", w.seconds.as_ref(), 0, MAX_SECONDS as i64);
    if let Some(t) = &w.timestamp {
        let expression = st.jsonata() && is_jsonata(t);
        if !expression && Timestamp::parse(t).is_none() {
            let or = if st.jsonata() {
                " or a JSONata expression `{% ... %}`"
            } else {
                ""
            };
            cx.error(
                st.at("Timestamp"),
                format!("`Timestamp` must be an ISO-8601 date-time such as `2030-01-01T00:00:00Z`{or}, not {t:?}"),
            );
        }
    }
}
