//! Mocked task responses in the Step Functions Local mock configuration format.
//!
//! ```json
//! {"StateMachines": {"Machine": {"TestCases": {"HappyPath": {"TaskState": "Ok"}}}},
//!  "MockedResponses": {"Ok": {"0": {"Return": {"x": 1}},
//!                             "1-2": {"Throw": {"Error": "E", "Cause": "C"}}}}}
//! ```
//! A test case maps state names to a mocked response; each response maps invocation numbers of
//! that state (0 = first call, ranges like `1-2`) to a `Return` value or a `Throw` error. Calls
//! past the last number repeat the last response.

use crate::error::StatesError;
use crate::value::Val;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// A parsed mock configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct MockConfig {
    #[serde(default)]
    state_machines: BTreeMap<String, MockMachine>,
    #[serde(default)]
    mocked_responses: BTreeMap<String, BTreeMap<String, MockResponse>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MockMachine {
    test_cases: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
enum MockResponse {
    Return(Val),
    Throw(MockThrow),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MockThrow {
    error: String,
    #[serde(default)]
    cause: String,
}

/// A problem with a mock configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MockError {
    /// The file is not a mock configuration.
    #[error("invalid mock configuration: {0}")]
    Invalid(String),
    /// The state machine is not in the file (or several are and none was named).
    #[error("{0}")]
    NoSuchStateMachine(String),
    /// The test case is not in the state machine's TestCases.
    #[error("test case `{case}` is not defined for state machine `{machine}`")]
    NoSuchTestCase {
        /// The machine searched.
        machine: String,
        /// The missing case.
        case: String,
    },
    /// A test case names a response that MockedResponses lacks, or a bad invocation range.
    #[error("{0}")]
    BadResponse(String),
}

/// A response for the invocations numbered `first..=last` of a state.
#[derive(Debug, Clone)]
struct Ranged {
    first: u32,
    last: u32,
    response: MockResponse,
}

/// The responses of one test case, per state name.
#[derive(Debug, Clone, Default)]
pub struct MockCase {
    states: HashMap<String, Arc<Vec<Ranged>>>,
}

impl MockConfig {
    /// Parses the JSON text of a mock configuration.
    pub fn from_json(text: &str) -> Result<Self, MockError> {
        serde_json::from_str(text).map_err(|e| MockError::Invalid(e.to_string()))
    }

    /// The test case `case` of `machine` (which may be omitted when the file has one machine).
    pub fn test_case(&self, machine: Option<&str>, case: &str) -> Result<MockCase, MockError> {
        let (machine_name, m) = match machine {
            Some(name) => self.state_machines.get_key_value(name).ok_or_else(|| {
                MockError::NoSuchStateMachine(format!(
                    "state machine `{name}` is not in the mock configuration"
                ))
            })?,
            None if self.state_machines.len() == 1 => {
                self.state_machines.iter().next().expect("one machine")
            }
            None => {
                return Err(MockError::NoSuchStateMachine(format!(
                    "the mock configuration has {} state machines; name one ({})",
                    self.state_machines.len(),
                    self.state_machines
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        };
        let states = m
            .test_cases
            .get(case)
            .ok_or_else(|| MockError::NoSuchTestCase {
                machine: machine_name.clone(),
                case: case.to_owned(),
            })?;
        let mut out = MockCase::default();
        for (state, response_name) in states {
            let responses = self.mocked_responses.get(response_name).ok_or_else(|| {
                MockError::BadResponse(format!(
                    "state `{state}` uses mocked response `{response_name}`, which MockedResponses does not define"
                ))
            })?;
            let mut list = Vec::new();
            for (range, r) in responses {
                let (a, b) = parse_range(range).ok_or_else(|| {
                    MockError::BadResponse(format!(
                        "mocked response `{response_name}`: `{range}` is not an invocation number or range like `1-2`"
                    ))
                })?;
                list.push(Ranged {
                    first: a,
                    last: b,
                    response: r.clone(),
                });
            }
            list.sort_by_key(|r| r.first);
            out.states.insert(state.clone(), Arc::new(list));
        }
        Ok(out)
    }
}

impl MockCase {
    /// Whether the test case answers the Task state named `state`.
    pub fn mocks(&self, state: &str) -> bool {
        self.states.contains_key(state)
    }
}

fn parse_range(s: &str) -> Option<(u32, u32)> {
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            (a <= b).then_some((a, b))
        }
        None => {
            let n = s.trim().parse().ok()?;
            Some((n, n))
        }
    }
}

/// The mocks of one execution: counts each state's invocations.
#[derive(Debug)]
pub(crate) struct MockSession {
    case: MockCase,
    calls: Mutex<HashMap<String, u32>>,
}

impl MockSession {
    pub(crate) fn new(case: MockCase) -> Self {
        MockSession {
            case,
            calls: Mutex::new(HashMap::new()),
        }
    }

    /// The mocked outcome of the next call of `state`, if the test case mocks it.
    pub(crate) fn respond(&self, state: &str) -> Option<Result<Val, StatesError>> {
        let list = self.case.states.get(state)?;
        let n = {
            let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
            let c = calls.entry(state.to_owned()).or_insert(0);
            let n = *c;
            *c += 1;
            n
        };
        let r = list
            .iter()
            .find(|r| (r.first..=r.last).contains(&n))
            .or_else(|| list.last())
            .map(|r| &r.response)?;
        Some(match r {
            MockResponse::Return(v) => Ok(v.clone()),
            MockResponse::Throw(t) => Err(StatesError::new(&t.error, &t.cause)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{
      "StateMachines": {"M": {"TestCases": {"Flaky": {"Work": "FailTwice"}}}},
      "MockedResponses": {"FailTwice": {
        "0-1": {"Throw": {"Error": "Boom", "Cause": "try again"}},
        "2": {"Return": {"ok": true}}}}
    }"#;

    #[test]
    fn responses_follow_invocation_ranges_and_repeat_the_last() {
        let case = MockConfig::from_json(CONFIG)
            .unwrap()
            .test_case(None, "Flaky")
            .unwrap();
        let s = MockSession::new(case);
        assert_eq!(s.respond("Work").unwrap().unwrap_err().error, "Boom");
        assert_eq!(s.respond("Work").unwrap().unwrap_err().cause, "try again");
        assert_eq!(
            s.respond("Work").unwrap().unwrap(),
            crate::val!({"ok": true})
        );
        assert_eq!(
            s.respond("Work").unwrap().unwrap(),
            crate::val!({"ok": true})
        );
        assert!(s.respond("Other").is_none());
    }

    #[test]
    fn a_case_says_which_states_it_mocks() {
        let case = MockConfig::from_json(CONFIG)
            .unwrap()
            .test_case(None, "Flaky")
            .unwrap();
        assert!(case.mocks("Work"));
        assert!(!case.mocks("Other"));
    }

    #[test]
    fn unknown_cases_and_responses_are_named() {
        let c = MockConfig::from_json(CONFIG).unwrap();
        assert!(matches!(
            c.test_case(Some("M"), "Nope"),
            Err(MockError::NoSuchTestCase { .. })
        ));
        assert!(matches!(
            c.test_case(Some("X"), "Flaky"),
            Err(MockError::NoSuchStateMachine(_))
        ));
        let bad = r#"{"StateMachines": {"M": {"TestCases": {"T": {"S": "Missing"}}}}, "MockedResponses": {}}"#;
        assert!(matches!(
            MockConfig::from_json(bad).unwrap().test_case(None, "T"),
            Err(MockError::BadResponse(_))
        ));
    }
}
