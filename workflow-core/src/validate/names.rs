//! State names: at most 80 characters, and unique in the whole machine (the execution history
//! names states without their scope, so a name used twice would be ambiguous).

use super::{Checker, StateCx};
use crate::asl::{State, StateMachine, States};
use crate::source::push_token;
use std::collections::HashMap;

/// The longest state name the service accepts, in characters.
pub(super) const MAX_NAME: usize = 80;

/// Checks the name of one state.
pub(super) fn check_state(cx: &mut Checker, st: &StateCx<'_>) {
    let length = st.name.chars().count();
    if length == 0 {
        cx.error(&st.pointer, "a state name cannot be empty");
    } else if length > MAX_NAME {
        cx.error(
            &st.pointer,
            format!("state name is {length} characters long; at most {MAX_NAME} are allowed"),
        );
    }
    if st.name.chars().any(char::is_control) {
        cx.error(
            &st.pointer,
            "a state name cannot contain control characters",
        );
    }
}

/// Reports a name used by states of two different scopes (one scope cannot hold a name twice
/// once parsed; the loader reports repeated keys from the text).
pub(super) fn check_unique(cx: &mut Checker, machine: &StateMachine) {
    let mut seen: HashMap<&str, String> = HashMap::new();
    collect(cx, &machine.states, "", &mut seen);
}

fn collect<'a>(
    cx: &mut Checker,
    states: &'a States,
    scope: &str,
    seen: &mut HashMap<&'a str, String>,
) {
    for (name, state) in states {
        let mut pointer = format!("{scope}/States");
        push_token(&mut pointer, name);
        if let Some(first) = seen.get(name.as_str()) {
            cx.error(
                &pointer,
                format!("state name `{name}` is already used at {first}; state names must be unique in the whole state machine"),
            );
        } else {
            seen.insert(name, pointer.clone());
        }
        match state {
            State::Parallel(p) => {
                for (i, b) in p.branches.iter().enumerate() {
                    collect(cx, &b.states, &format!("{pointer}/Branches/{i}"), seen);
                }
            }
            State::Map(m) => {
                if let Some(p) = &m.item_processor {
                    collect(cx, &p.states, &format!("{pointer}/ItemProcessor"), seen);
                }
                if let Some(p) = &m.iterator {
                    collect(cx, &p.states, &format!("{pointer}/Iterator"), seen);
                }
            }
            _ => {}
        }
    }
}
