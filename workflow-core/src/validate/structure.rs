//! Structure of each scope: `StartAt`, transition targets, `Next`/`End`, reachability and
//! terminal states. A Parallel branch and a Map processor are scopes of their own: their states
//! can only go to states of the same scope.

use super::{Checker, Scope, StateCx};
use crate::asl::State;
use crate::source::push_token;
use std::collections::{HashSet, VecDeque};

/// Checks the scope as a whole: `StartAt`, at least one state, reachability, a way out.
pub(super) fn check_scope(cx: &mut Checker, scope: &Scope<'_>) {
    let states_at = format!("{}/States", scope.pointer);
    if scope.states.is_empty() {
        cx.error(&states_at, "`States` must contain at least one state");
        return;
    }
    if !scope.states.contains_key(scope.start_at) {
        let message = format!(
            "`StartAt` names `{}`, which is not a state of {}",
            scope.start_at,
            scope.kind.describe()
        );
        cx.error(format!("{}/StartAt", scope.pointer), message);
        // Without a start, every state would be reported unreachable: one mistake, one error.
        return;
    }
    let reached = reachable(scope);
    for name in scope.states.keys() {
        if !reached.contains(name.as_str()) {
            let mut pointer = states_at.clone();
            push_token(&mut pointer, name);
            cx.error(
                pointer,
                format!(
                    "state `{name}` is never reached from `StartAt` `{}`",
                    scope.start_at
                ),
            );
        }
    }
    // A missing target or a state without `Next`/`End` is reported on its own; either would
    // also make this check cascade.
    let transitions_complete = scope.states.values().all(|state| {
        state
            .transition()
            .is_none_or(|(next, end)| next.is_some() || end == Some(true))
    });
    let targets_exist = scope.states.iter().all(|(name, state)| {
        let st = StateCx {
            pointer: String::new(),
            name,
            state,
            language: scope.language,
        };
        targets(&st)
            .iter()
            .all(|(_, t)| scope.states.contains_key(*t))
    });
    if transitions_complete && targets_exist && !scope.states.values().any(is_terminal) {
        cx.error(
            &states_at,
            format!(
                "{} has no terminal state (`End: true`, Succeed or Fail), so it can never finish",
                scope.kind.describe()
            ),
        );
    }
}

/// Checks the transitions of one state: Next/End, and that every target exists in the scope.
pub(super) fn check_state(cx: &mut Checker, scope: &Scope<'_>, st: &StateCx<'_>) {
    if let Some((next, end)) = st.state.transition() {
        match (next.is_some(), end == Some(true)) {
            (true, true) => cx.error(
                st.at("End"),
                format!(
                    "a {} state has either `Next` or `End: true`, not both",
                    st.state.type_name()
                ),
            ),
            (false, false) => cx.error(
                &st.pointer,
                format!(
                    "a {} state must have `Next` or `End: true`",
                    st.state.type_name()
                ),
            ),
            _ => {}
        }
    }
    for (pointer, target) in targets(st) {
        check_target(cx, scope, pointer, target);
    }
}

fn check_target(cx: &mut Checker, scope: &Scope<'_>, pointer: String, target: &str) {
    if scope.states.contains_key(target) {
        return;
    }
    let message = if scope.outer.contains(&target) {
        format!(
            "`{target}` is outside {}; a state can only go to states of its own scope",
            scope.kind.describe()
        )
    } else {
        format!("`{target}` is not a state of {}", scope.kind.describe())
    };
    cx.error(pointer, message);
}

/// Every transition target of a state with the pointer of the field that names it.
fn targets<'a>(st: &StateCx<'a>) -> Vec<(String, &'a str)> {
    let mut out = Vec::new();
    if let Some((Some(next), _)) = st.state.transition() {
        out.push((st.at("Next"), next));
    }
    if let State::Choice(c) = st.state {
        for (i, rule) in c.choices.iter().enumerate() {
            if let Some(next) = &rule.next {
                out.push((st.at(&format!("Choices/{i}/Next")), next.as_str()));
            }
        }
        if let Some(default) = &c.default {
            out.push((st.at("Default"), default.as_str()));
        }
    }
    for (i, catcher) in st.state.retry_catch().1.iter().enumerate() {
        out.push((st.at(&format!("Catch/{i}/Next")), catcher.next.as_str()));
    }
    out
}

/// The names of the states reachable from `StartAt`.
fn reachable<'a>(scope: &Scope<'a>) -> HashSet<&'a str> {
    let mut seen = HashSet::new();
    let mut queue = VecDeque::from([scope.start_at]);
    while let Some(name) = queue.pop_front() {
        let Some((name, state)) = scope.states.get_key_value(name) else {
            continue;
        };
        if !seen.insert(name.as_str()) {
            continue;
        }
        let st = StateCx {
            pointer: String::new(),
            name,
            state,
            language: scope.language,
        };
        queue.extend(targets(&st).into_iter().map(|(_, t)| t));
    }
    seen
}

fn is_terminal(state: &State) -> bool {
    match state {
        State::Succeed(_) | State::Fail(_) => true,
        State::Choice(_) => false,
        _ => matches!(state.transition(), Some((None, Some(true)))),
    }
}
