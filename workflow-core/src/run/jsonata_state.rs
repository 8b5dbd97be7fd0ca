//! The data flow of JSONata states: `Arguments` into the task, `Output` and `Assign` from
//! `$states.input`, `$states.result`, `$states.errorOutput` and `$states.context`, all
//! assignments of a state evaluated against the variables as they were before it.

use super::exec::{
    batched, next_step, no_choice_matched, Iterations, Shared, StateRun, Step, Tolerance,
};
use super::inputs::Inputs;
use super::items::read_items;
use super::jsonata_template::{query_error, type_name, Env, Jt};
use super::program::{
    Assign, Catcher, Concurrency, Expr, IntField, Kind, Percent, Selector, Test, Wait,
};
use super::vars::Frame;
use crate::error::StatesError;
use crate::privacy::{Payload, PayloadText};
use crate::timestamp::Timestamp;
use crate::value::{Object, Val};
use futures::FutureExt;
use serde_json::{Map, Value};
use std::time::Duration;

/// Variables a state assigns, applied after its Output is computed.
type Assigned = Object;

/// The `$states` object; `result` and `error_output` only where the service defines them.
fn states(
    input: &Value,
    context: Option<Value>,
    result: Option<&Value>,
    error: Option<&Value>,
) -> Value {
    let mut m = Map::new();
    m.insert("input".into(), input.clone());
    if let Some(c) = context {
        m.insert("context".into(), c);
    }
    if let Some(r) = result {
        m.insert("result".into(), r.clone());
    }
    if let Some(e) = error {
        m.insert("errorOutput".into(), e.clone());
    }
    Value::Object(m)
}

/// Evaluates a JSONata `Assign` (an object of variable names) without applying it.
fn assignments(a: Option<&Assign>, env: &Env<'_>) -> Result<Option<Assigned>, StatesError> {
    match a {
        None => Ok(None),
        Some(Assign::Jsonata(j)) => match j.evaluate(env)? {
            m @ Value::Object(_) => Ok(Val::from(m).into_object()),
            other => Err(query_error(format!(
                "The Assign field must be an object, but was {}",
                type_name(&other)
            ))),
        },
        Some(Assign::Path(_)) => unreachable!("a JSONata state's Assign is JSONata"),
    }
}

fn integer(v: &Value, field: &str, jt: &Jt) -> Result<u64, StatesError> {
    match v.as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= i32::MAX as f64 => Ok(n as u64),
        _ => {
            let (expr, _) = jt.text().unwrap_or(("", field));
            Err(query_error(format!(
                "The JSONata expression '{expr}' specified for the field '{field}' returned an unexpected result type. Expected 'integer', but was '{}' for value: {}",
                type_name(v),
                Payload(v)
            )))
        }
    }
}

impl Shared {
    /// `$states` for a state: its input, context object, result and error output, as
    /// JSONata's values (a conversion at this edge).
    fn states_for(
        &self,
        run: &StateRun<'_>,
        input: &Val,
        result: Option<&Val>,
        error: Option<&Val>,
    ) -> Value {
        let ctx = run
            .node
            .uses_context
            .then(|| self.context(run, None).to_json());
        states(
            &input.to_json(),
            ctx,
            result.map(Val::to_json).as_ref(),
            error.map(Val::to_json).as_ref(),
        )
    }

    /// Output (default: `default`) and Assign of a JSONata state, assigned after both are
    /// evaluated.
    fn finish(
        &self,
        output: Option<&Jt>,
        assign: Option<&Assign>,
        env: &Env<'_>,
        default: Val,
    ) -> Result<(Val, Option<Assigned>), StatesError> {
        let assigned = assignments(assign, env)?;
        let out = match output {
            Some(o) => Val::from(o.evaluate(env)?),
            None => default,
        };
        Ok((out, assigned))
    }

    /// Choice, Succeed, Fail and Wait in JSONata mode.
    pub(crate) async fn jsonata_state(
        &self,
        run: &mut StateRun<'_>,
        input: Val,
        frame: &mut Frame,
    ) -> Result<Step, StatesError> {
        let node = run.node;
        let io = node.jsonata.as_deref().expect("a JSONata state");
        let states = self.states_for(run, &input, None, None);
        match &node.kind {
            Kind::Choice { branches, default } => {
                let (chosen, assigned, output) = {
                    let env = Env {
                        states,
                        frame: &*frame,
                    };
                    let mut chosen = None;
                    for b in branches {
                        let Test::Condition(c) = &b.test else {
                            continue;
                        };
                        match c.evaluate(&env)? {
                            Value::Bool(true) => {
                                chosen = Some(b);
                                break;
                            }
                            Value::Bool(false) => {}
                            other => {
                                let (expr, field) = c.text().unwrap_or(("", "Condition"));
                                return Err(query_error(format!(
                                    "The JSONata expression '{expr}' specified for the field '{field}' returned an unexpected result type. Expected 'boolean', but was '{}' for value: {}",
                                    type_name(&other),
                                    Payload(&other)
                                )));
                            }
                        }
                    }
                    let (target, rule_assign, rule_output) = match (chosen, default) {
                        (Some(b), _) => (b.next, b.assign.as_ref(), b.output.as_ref()),
                        (None, Some(d)) => (*d, None, None),
                        (None, None) => return Err(no_choice_matched(run)),
                    };
                    let mut assigned = assignments(node.assign.as_ref(), &env)?.unwrap_or_default();
                    if let Some(m) = assignments(rule_assign, &env)? {
                        assigned.extend(m.into_members());
                    }
                    let output = match rule_output.or(io.output.as_ref()) {
                        Some(o) => Val::from(o.evaluate(&env)?),
                        None => input.clone(),
                    };
                    (target, assigned, output)
                };
                self.assign_variables(frame, assigned, &node.name)?;
                Ok(Step::Next(output, chosen))
            }
            Kind::Succeed => {
                let env = Env {
                    states,
                    frame: &*frame,
                };
                let out = match &io.output {
                    Some(o) => Val::from(o.evaluate(&env)?),
                    None => input,
                };
                Ok(Step::End(out))
            }
            Kind::Fail { error, cause } => {
                let env = Env {
                    states,
                    frame: &*frame,
                };
                let text = |e: &Option<Expr>, field: &str| -> Result<String, StatesError> {
                    Ok(match e {
                        None => String::new(),
                        Some(Expr::Literal(s)) => s.to_string(),
                        Some(Expr::Jsonata(j)) => match j.evaluate(&env)? {
                            Value::String(s) => s,
                            other => {
                                return Err(query_error(format!(
                                    "The {field} field must be a string, but was {}",
                                    type_name(&other)
                                )))
                            }
                        },
                        Some(Expr::Path(_) | Expr::Call(_)) => {
                            unreachable!("a JSONata Fail has no ErrorPath/CausePath")
                        }
                    })
                };
                Err(StatesError::new(
                    text(error, "Error")?,
                    text(cause, "Cause")?,
                ))
            }
            Kind::Wait(wait) => {
                let (delay, output, assigned) = {
                    let env = Env {
                        states,
                        frame: &*frame,
                    };
                    let seconds: i128 = match wait {
                        Wait::Seconds(s) => *s as i128,
                        Wait::Timestamp(t) => self.until(t),
                        Wait::SecondsExpr(j) => integer(&j.evaluate(&env)?, "Seconds", j)? as i128,
                        Wait::TimestampExpr(j) => {
                            let v = j.evaluate(&env)?;
                            let t = v.as_str().and_then(Timestamp::parse).ok_or_else(|| {
                                query_error(format!(
                                    "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {}",
                                    PayloadText(&v)
                                ))
                            })?;
                            self.until(&t)
                        }
                        Wait::SecondsPath(_) | Wait::TimestampPath(_) => {
                            unreachable!("a JSONata Wait has no SecondsPath/TimestampPath")
                        }
                    };
                    if seconds > i32::MAX as i128 {
                        return Err(StatesError::runtime("Wait state delay is too long."));
                    }
                    let (output, assigned) = self.finish(
                        io.output.as_ref(),
                        node.assign.as_ref(),
                        &env,
                        input.clone(),
                    )?;
                    (Duration::from_secs(seconds.max(0) as u64), output, assigned)
                };
                if let Some(m) = assigned {
                    self.assign_variables(frame, m, &node.name)?;
                }
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                Ok(next_step(node, output))
            }
            _ => unreachable!("Pass, Task, Parallel and Map run in jsonata_attempt"),
        }
    }

    /// One attempt at a JSONata Pass, Task, Parallel or Map.
    pub(crate) async fn jsonata_attempt(
        &self,
        run: &StateRun<'_>,
        input: &Val,
        frame: &mut Frame,
        prev: &mut u64,
    ) -> Result<Step, StatesError> {
        let node = run.node;
        let io = node.jsonata.as_deref().expect("a JSONata state");
        let states_in = self.states_for(run, input, None, None);
        let result: Val = match &node.kind {
            Kind::Pass { result } => match result {
                Some(r) => r.clone(),
                None => input.clone(),
            },
            Kind::Task(task) => {
                let (args, limits) = {
                    let env = Env {
                        states: states_in,
                        frame: &*frame,
                    };
                    let args = match &io.arguments {
                        Some(a) => Val::from(a.evaluate(&env)?),
                        None => input.clone(),
                    };
                    let seconds =
                        |s: &Option<IntField>, field: &str| -> Result<Option<u64>, StatesError> {
                            match s {
                                None => Ok(None),
                                Some(IntField::Literal(n)) => Ok(Some(*n)),
                                Some(IntField::Jsonata(j)) => {
                                    Ok(Some(integer(&j.evaluate(&env)?, field, j)?))
                                }
                                Some(IntField::Path(_)) => {
                                    unreachable!("a JSONata Task has no ...Path")
                                }
                            }
                        };
                    let limits = (
                        seconds(&task.timeout, "TimeoutSeconds")?,
                        seconds(&task.heartbeat, "HeartbeatSeconds")?,
                    );
                    (args, limits)
                };
                self.invoke(run, task, args, limits, prev).await?.0
            }
            Kind::Parallel { branches } => {
                let args = {
                    let env = Env {
                        states: states_in,
                        frame: &*frame,
                    };
                    match &io.arguments {
                        Some(a) => Val::from(a.evaluate(&env)?),
                        None => input.clone(),
                    }
                };
                self.parallel(run, branches, args, frame, prev)
                    .boxed()
                    .await?
            }
            Kind::Map(m) => {
                let iterations = {
                    let env = Env {
                        states: states_in,
                        frame: &*frame,
                    };
                    let items = match (&m.reader, &m.items) {
                        (Some(r), _) => {
                            let params = match &r.params {
                                Some(Selector::Jsonata(j)) => Val::from(j.evaluate(&env)?),
                                Some(Selector::Path(_)) => {
                                    unreachable!("a JSONata ItemReader has Arguments")
                                }
                                None => Val::object(Object::new()),
                            };
                            read_items(
                                self.item_source.as_deref(),
                                &r.resource,
                                &params,
                                r.config.as_ref(),
                            )?
                        }
                        (None, Some(j)) => match j.evaluate(&env)? {
                            Value::Array(a) => a.into_iter().map(Val::from).collect(),
                            other => {
                                let (expr, field) = j.text().unwrap_or(("", "Items"));
                                return Err(query_error(format!(
                                    "The JSONata expression '{expr}' specified for the field '{field}' returned an unexpected result type. Expected 'array', but was '{}' for value: {}",
                                    type_name(&other),
                                    Payload(&other)
                                )));
                            }
                        },
                        (None, None) => match input {
                            Val::Array(a) => a.to_vec(),
                            other => {
                                return Err(query_error(format!(
                                    "Map state input must be an array but was: {other}"
                                )))
                            }
                        },
                    };
                    let limit = match &m.max_concurrency {
                        Concurrency::Literal(n) => *n,
                        Concurrency::Jsonata(j) => {
                            integer(&j.evaluate(&env)?, "MaxConcurrency", j)?
                        }
                        Concurrency::Path(_) => {
                            unreachable!("a JSONata Map has no MaxConcurrencyPath")
                        }
                    };
                    let mut inputs = Vec::with_capacity(items.len());
                    let input_json = m.item_selector.is_some().then(|| input.to_json());
                    for (index, item) in items.into_iter().enumerate() {
                        let value = match (&m.item_selector, &input_json) {
                            (Some(Selector::Jsonata(sel)), Some(input_json)) => {
                                let ctx = self.context(run, Some((index, &item))).to_json();
                                let env = Env {
                                    states: states(input_json, Some(ctx), None, None),
                                    frame: &*frame,
                                };
                                Val::from(sel.evaluate(&env)?)
                            }
                            (Some(_), _) => {
                                unreachable!("a JSONata Map's ItemSelector is JSONata")
                            }
                            (None, _) => item,
                        };
                        inputs.push(value);
                    }
                    if let Some(b) = &m.batcher {
                        let int = |f: &Option<IntField>,
                                   field: &str|
                         -> Result<Option<u64>, StatesError> {
                            match f {
                                None => Ok(None),
                                Some(IntField::Literal(n)) => Ok(Some(*n)),
                                Some(IntField::Jsonata(j)) => {
                                    Ok(Some(integer(&j.evaluate(&env)?, field, j)?))
                                }
                                Some(IntField::Path(_)) => {
                                    unreachable!("a JSONata batcher has no ...Path")
                                }
                            }
                        };
                        let max_items = int(&b.max_items, "MaxItemsPerBatch")?;
                        let max_bytes = int(&b.max_bytes, "MaxInputBytesPerBatch")?;
                        inputs = batched(inputs, max_items, max_bytes, b.batch_input.as_ref());
                    }
                    let count = match &m.tolerated_failure_count {
                        None => None,
                        Some(IntField::Literal(n)) => Some(*n),
                        Some(IntField::Jsonata(j)) => {
                            Some(integer(&j.evaluate(&env)?, "ToleratedFailureCount", j)?)
                        }
                        Some(IntField::Path(_)) => unreachable!("a JSONata Map has no ...Path"),
                    };
                    let percentage = match &m.tolerated_failure_percentage {
                        None => None,
                        Some(Percent::Literal(p)) => Some(*p),
                        Some(Percent::Jsonata(j)) => j.evaluate(&env)?.as_f64(),
                        Some(Percent::Path(_)) => unreachable!("a JSONata Map has no ...Path"),
                    };
                    let writer = m
                        .writer
                        .as_ref()
                        .map(|w| {
                            w.plan(
                                |selector| match selector {
                                    Selector::Jsonata(j) => j.evaluate(&env),
                                    Selector::Path(_) => {
                                        unreachable!("a JSONata ResultWriter has Arguments")
                                    }
                                },
                                |j| j.evaluate(&env),
                            )
                        })
                        .transpose()?;
                    Iterations {
                        inputs: Inputs::Made(inputs),
                        limit,
                        tolerance: Tolerance { count, percentage },
                        writer,
                    }
                };
                self.map_iterations(run, m, iterations, frame, prev)
                    .boxed()
                    .await?
                    .0
            }
            _ => unreachable!("Choice, Succeed, Fail and Wait run in jsonata_state"),
        };
        let (output, assigned) = {
            let env = Env {
                states: self.states_for(run, input, Some(&result), None),
                frame: &*frame,
            };
            let default = match node.kind {
                Kind::Pass { result: None } => input.clone(),
                _ => result.clone(),
            };
            self.finish(io.output.as_ref(), node.assign.as_ref(), &env, default)?
        };
        if let Some(m) = assigned {
            self.assign_variables(frame, m, &node.name)?;
        }
        Ok(next_step(node, output))
    }

    /// A JSONata Catch: Output (default: the error output) and Assign from
    /// `$states.errorOutput`.
    pub(crate) fn jsonata_caught(
        &self,
        run: &StateRun<'_>,
        c: &Catcher,
        input: &Val,
        error_output: Val,
        frame: &mut Frame,
    ) -> Result<Step, StatesError> {
        let (output, assigned) = {
            let env = Env {
                states: self.states_for(run, input, None, Some(&error_output)),
                frame: &*frame,
            };
            let default = error_output.clone();
            self.finish(c.output.as_ref(), c.assign.as_ref(), &env, default)?
        };
        if let Some(m) = assigned {
            self.assign_variables(frame, m, &run.node.name)?;
        }
        Ok(Step::Next(output, c.next))
    }
}
