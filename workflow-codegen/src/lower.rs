//! Lowering a [`Workflow`] to an ASL state machine: JSONPath mode here, JSONata mode in
//! `lower/jsonata.rs` (see its scheme there; [`Workflow::query_language`] picks the mode).
//!
//! # The data-flow scheme
//! The execution's JSON document is the workflow's *environment*:
//! - the workflow's input binding is the document root `$` (so the input must be a JSON object
//!   as soon as anything is bound, and a binding must not share a name with an input field);
//! - `let x = task(a.b);` is a Task state with `InputPath: "$.a.b"` and `ResultPath: "$.x"`:
//!   the result is stored next to the input and every later state can read it again;
//! - a struct literal argument `task(Req { id: a.id, retry: false })` becomes
//!   `Parameters: {"id.$": "$.a.id", "retry": false}`;
//! - `let y = x.field;` stores nothing: `y` is another name for `$.x.field`;
//! - a statement whose result is unused (`notify(x);`) has `ResultPath: null`;
//! - the value a workflow returns ends it: a call in tail position is the last state
//!   (`End: true`, its result is the output), a binding path is a Succeed state with
//!   `OutputPath`, and a struct literal is a Pass state with `Parameters` and `End: true`;
//! - `let (a, b) = join!(f(x), g(y));` stores the Parallel result array at `$.a_b`, and `a` is
//!   `$.a_b[0]`;
//! - a Catch stores the error object at `$.caught_error`, where its handler reads it.
//!
//! A nested workflow call is inlined as a one-branch Parallel state, so the callee's root is
//! the Parallel's input and its bindings cannot touch the caller's.

use crate::ir::*;
use crate::schema::{JsonKind, TypeSchema};
use serde_json::{json, Map, Value};
use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;
use workflow_core::asl::{self, QueryLanguage, State, StateMachine, States};

mod jsonata;

/// Where a Catch stores the error object for its handler.
pub const CAUGHT_ERROR: &str = "caught_error";

/// Settings of the lowering.
#[derive(Debug, Clone)]
pub struct LowerOptions {
    /// Region of the Lambda ARNs built from bare function names.
    pub region: String,
    /// Account of the Lambda ARNs built from bare function names.
    pub account: String,
}

impl Default for LowerOptions {
    fn default() -> Self {
        LowerOptions {
            region: "us-east-1".into(),
            account: "123456789012".into(),
        }
    }
}

impl LowerOptions {
    /// The `Resource` of a task: `resource` itself when it is an ARN, else the ARN of the
    /// Lambda function of that name.
    pub fn resource_arn(&self, resource: &str) -> String {
        if resource.starts_with("arn:") {
            resource.to_owned()
        } else {
            format!(
                "arn:aws:lambda:{}:{}:function:{}",
                self.region, self.account, resource
            )
        }
    }
}

/// Why a workflow cannot be lowered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LowerError {
    /// Two states share a name.
    #[error("workflow `{workflow}`: two states are named `{name}`; state names must be unique in the whole machine")]
    DuplicateState {
        /// The workflow.
        workflow: String,
        /// The name.
        name: String,
    },
    /// A field the data's JSON Schema does not have (often a `#[serde(rename)]`: workflow
    /// field names are JSON names).
    #[error("workflow `{workflow}`: `{path}` reads the field `{field}`, which `{ty}` does not have in JSON; if serde renames it, the workflow must not read it by its Rust name")]
    UnknownField {
        /// The workflow.
        workflow: String,
        /// The path as written (`checked.total_length`).
        path: String,
        /// The missing field.
        field: String,
        /// The type's schema title.
        ty: String,
    },
    /// A struct literal handed to a call sets a field its input type does not have in JSON.
    #[error("workflow `{workflow}`, state `{state}`: the input sets the field `{field}`, which `{ty}` does not have in JSON; if serde renames it, build the input in a task")]
    UnknownInputField {
        /// The workflow.
        workflow: String,
        /// The calling state.
        state: String,
        /// The field.
        field: String,
        /// The input type's schema title.
        ty: String,
    },
    /// A binding that was never defined.
    #[error("workflow `{workflow}`: `{name}` is not a binding in scope")]
    UnknownBinding {
        /// The workflow.
        workflow: String,
        /// The name.
        name: String,
    },
    /// A binding would overwrite an input field (the input is the environment root).
    #[error("workflow `{workflow}`: the binding `{name}` would overwrite the input field `{name}` (bindings are stored at `$.{name}` next to the input's fields); rename the binding")]
    BindingShadowsInput {
        /// The workflow.
        workflow: String,
        /// The name.
        name: String,
    },
    /// Bindings need an object input to be stored in.
    #[error("workflow `{workflow}`: its input `{ty}` is not a JSON object, so `let` bindings have nowhere to be stored; take a struct as input")]
    InputNotObject {
        /// The workflow.
        workflow: String,
        /// The input type.
        ty: String,
    },
    /// A comparison ASL cannot make.
    #[error("workflow `{workflow}`, state `{state}`: {message}")]
    Condition {
        /// The workflow.
        workflow: String,
        /// The Choice state.
        state: String,
        /// What is wrong.
        message: String,
    },
    /// A loop whose body has no state.
    #[error("workflow `{workflow}`: a `loop` body must contain at least one state")]
    EmptyLoop {
        /// The workflow.
        workflow: String,
    },
    /// `break` outside a loop.
    #[error("workflow `{workflow}`: `break` outside a `loop`")]
    BreakOutsideLoop {
        /// The workflow.
        workflow: String,
    },
    /// A binding whose name cannot be a JSONata variable.
    #[error("workflow `{workflow}`: `{name}` cannot be a JSONata variable: {why}")]
    VariableName {
        /// The workflow.
        workflow: String,
        /// The variable (or path) as it would be written.
        name: String,
        /// Why not.
        why: String,
    },
    /// A tuple pattern bound to data that is not a list.
    #[error("workflow `{workflow}`: `({names})` destructures a value that is not a list; bind it to one name")]
    TupleNotList {
        /// The workflow.
        workflow: String,
        /// The names of the pattern.
        names: String,
    },
    /// A workflow without any state.
    #[error("workflow `{workflow}` has no states; a state machine needs at least one")]
    Empty {
        /// The workflow.
        workflow: String,
    },
}

impl Workflow {
    /// The ASL state machine of this workflow, with default options.
    pub fn to_asl(&self) -> Result<StateMachine, LowerError> {
        self.to_asl_with(&LowerOptions::default())
    }

    /// The ASL state machine of this workflow, in its [query language](Workflow::query_language)
    /// (a nested workflow is lowered in its caller's).
    pub fn to_asl_with(&self, opts: &LowerOptions) -> Result<StateMachine, LowerError> {
        let mut names = HashSet::new();
        let (start_at, states) = match self.query_language {
            QueryLanguage::JSONPath => lower_workflow(self, opts, &mut names)?,
            QueryLanguage::JSONata => jsonata::lower_workflow(self, opts, &mut names, "")?,
        };
        Ok(StateMachine {
            comment: self.comment.clone(),
            query_language: (self.query_language == QueryLanguage::JSONata)
                .then_some(QueryLanguage::JSONata),
            version: None,
            timeout_seconds: None,
            start_at,
            states,
        })
    }
}

/// Where control goes after a state.
#[derive(Debug, Clone, PartialEq)]
enum Cont {
    Next(String),
    End,
}

/// Where a step's value goes.
#[derive(Debug, Clone)]
enum Dest {
    /// Dropped (`ResultPath: null`).
    Discard,
    /// Stored at `path`; `alias` allows a plain path to be renamed instead of copied.
    Bind { path: String, alias: bool },
    /// The scope's output: the state ends the scope.
    Return,
}

#[derive(Debug, Clone)]
struct Flow {
    cont: Cont,
    brk: Option<Cont>,
}

/// A binding: where its value lives, and the schema to ask about its fields.
#[derive(Debug, Clone)]
struct Bound {
    path: String,
    schema: Option<(Rc<TypeSchema>, Vec<String>)>,
}

/// The bindings in scope, innermost last (a later binding of a name hides an earlier one).
/// Each query language's lowering has its own kind of binding `B`.
#[derive(Debug, Clone)]
struct Env<B = Bound> {
    vars: Vec<(String, B)>,
}

impl<B> Default for Env<B> {
    fn default() -> Self {
        Env { vars: Vec::new() }
    }
}

impl<B> Env<B> {
    fn get(&self, name: &str) -> Option<&B> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b)
    }
    fn set(&mut self, name: &str, b: B) {
        self.vars.push((name.to_owned(), b));
    }
}

struct Lowerer<'a> {
    wf: &'a Workflow,
    opts: &'a LowerOptions,
    names: &'a mut HashSet<String>,
    input_props: Vec<String>,
    input_is_object: Option<bool>,
    /// Where the input binding lives: `$`, or `$.<param>` once copied there.
    param_path: String,
    /// A binding has been stored next to the input (so `$` is no longer the bare input).
    stored: Cell<bool>,
    /// Depth of `loop`s being lowered (a later iteration sees earlier bindings).
    loops: usize,
    /// The whole input was read where `$` may hold bindings too.
    needs_copy: Cell<bool>,
}

fn lower_workflow(
    wf: &Workflow,
    opts: &LowerOptions,
    names: &mut HashSet<String>,
) -> Result<(String, States), LowerError> {
    let before = names.clone();
    let first = lower_workflow_with(wf, opts, names, false)?;
    if !first.2 {
        return Ok((first.0, first.1));
    }
    // The whole input is read after bindings were stored next to it: lower again with a
    // first Pass state that keeps a clean copy of the input at `$.<param>`.
    *names = before;
    let (start, states, _) = lower_workflow_with(wf, opts, names, true)?;
    Ok((start, states))
}

/// Lowers `wf`; the flag says whether the input must be copied (see [`lower_workflow`]).
fn lower_workflow_with(
    wf: &Workflow,
    opts: &LowerOptions,
    names: &mut HashSet<String>,
    copy_input: bool,
) -> Result<(String, States, bool), LowerError> {
    let mut l = Lowerer {
        wf,
        opts,
        names,
        input_props: wf
            .input
            .properties()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        input_is_object: wf.input.is_object(),
        param_path: "$".into(),
        stored: Cell::new(false),
        loops: 0,
        needs_copy: Cell::new(false),
    };
    let mut states = States::new();
    let mut copy_state = None;
    if copy_input {
        l.param_path = l.store_path(&wf.param)?;
        let name = format!("{}Input", pascal(&wf.name));
        l.claim(&name)?;
        states.insert(name.clone(), State::Succeed(Default::default()));
        copy_state = Some(name);
    }
    let mut env = Env::default();
    env.set(
        &wf.param,
        Bound {
            path: l.param_path.clone(),
            schema: Some((Rc::new(wf.input.clone()), Vec::new())),
        },
    );
    let flow = Flow {
        cont: Cont::End,
        brk: None,
    };
    let entry = block_entry(&wf.name, &wf.body, &flow, &Dest::Return)?;
    l.lower_block(&mut states, &mut env, &wf.body, &flow, &Dest::Return)?;
    let Cont::Next(start) = entry else {
        return Err(LowerError::Empty {
            workflow: wf.name.clone(),
        });
    };
    let needs_copy = l.needs_copy.get() && l.stored.get();
    match copy_state {
        Some(name) => {
            let pass = asl::PassState {
                comment: Some(format!(
                    "keeps the input `{}` apart from the bindings stored next to it",
                    wf.param
                )),
                result_path: Some(Some(l.param_path.clone())),
                next: Some(start),
                ..Default::default()
            };
            states.insert(name.clone(), State::Pass(pass));
            Ok((name, states, false))
        }
        None => Ok((start, states, needs_copy)),
    }
}

fn field_path(base: &str, fields: &[String]) -> String {
    let mut p = base.to_owned();
    for f in fields {
        if !f.is_empty() && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            p.push('.');
            p.push_str(f);
        } else {
            p.push_str(&format!("['{}']", f.replace('\'', "\\'")));
        }
    }
    p
}

/// What both query languages' lowerings share: the workflow being lowered, the state names
/// its state machine has taken so far (each name once), and the check of a call's input.
trait Lowering {
    /// The workflow being lowered.
    fn workflow(&self) -> &Workflow;
    /// The state names taken so far.
    fn names(&mut self) -> &mut HashSet<String>;

    /// The workflow's name, as errors name it.
    fn wf_name(&self) -> String {
        self.workflow().name.clone()
    }

    /// Takes `name` for a state, or [`LowerError::DuplicateState`] when it is taken.
    fn claim(&mut self, name: &str) -> Result<(), LowerError> {
        if self.names().insert(name.to_owned()) {
            Ok(())
        } else {
            Err(LowerError::DuplicateState {
                workflow: self.wf_name(),
                name: name.to_owned(),
            })
        }
    }

    /// Adds `state` under `name`, which must not be taken.
    fn insert(&mut self, states: &mut States, name: &str, state: State) -> Result<(), LowerError> {
        self.claim(name)?;
        states.insert(name.to_owned(), state);
        Ok(())
    }

    /// [`LowerError::UnknownInputField`] when a struct literal handed to `call` sets a field
    /// that its input type does not have in JSON.
    fn check_input_fields(&self, call: &Call) -> Result<(), LowerError> {
        let input_schema = match &call.callee {
            Callee::Task(t) => &t.input,
            Callee::Workflow(w) => &w.input,
        };
        if let Data::Object(fields) = &call.input {
            let props = input_schema.properties();
            if !props.is_empty() {
                if let Some((k, _)) = fields.iter().find(|(k, _)| !props.contains(&k.as_str())) {
                    return Err(LowerError::UnknownInputField {
                        workflow: self.wf_name(),
                        state: call.state.clone(),
                        field: k.clone(),
                        ty: input_schema.title().unwrap_or("the input").to_owned(),
                    });
                }
            }
        }
        Ok(())
    }
}

impl Lowering for Lowerer<'_> {
    fn workflow(&self) -> &Workflow {
        self.wf
    }
    fn names(&mut self) -> &mut HashSet<String> {
        self.names
    }
}

impl Lowerer<'_> {
    /// The state a jump must name: `Cont::End` needs a Succeed state to jump to.
    fn target(&mut self, states: &mut States, cont: &Cont) -> Result<String, LowerError> {
        Ok(target(self.names, states, cont))
    }

    fn resolve(&self, env: &Env, v: &Var) -> Result<(String, Bound), LowerError> {
        let b = env.get(&v.root).ok_or_else(|| LowerError::UnknownBinding {
            workflow: self.wf_name(),
            name: v.root.clone(),
        })?;
        if v.root == self.wf.param
            && v.fields.is_empty()
            && b.path == "$"
            && (self.stored.get() || self.loops > 0)
        {
            self.needs_copy.set(true);
        }
        let path = field_path(&b.path, &v.fields);
        let schema = b.schema.as_ref().map(|(s, pre)| {
            let mut f = pre.clone();
            f.extend(v.fields.iter().cloned());
            (s.clone(), f)
        });
        if let Some((s, fields)) = &schema {
            if let Some(field) = s.missing_field(fields) {
                return Err(LowerError::UnknownField {
                    workflow: self.wf_name(),
                    path: std::iter::once(v.root.as_str())
                        .chain(v.fields.iter().map(String::as_str))
                        .collect::<Vec<_>>()
                        .join("."),
                    field: field.to_owned(),
                    ty: s.title().unwrap_or("the value").to_owned(),
                });
            }
        }
        Ok((path.clone(), Bound { path, schema }))
    }

    /// `$.name` for a new binding, after checking it cannot overwrite the input.
    fn store_path(&self, name: &str) -> Result<String, LowerError> {
        if self.input_props.iter().any(|p| p == name) {
            return Err(LowerError::BindingShadowsInput {
                workflow: self.wf_name(),
                name: name.to_owned(),
            });
        }
        if self.input_is_object == Some(false) {
            return Err(LowerError::InputNotObject {
                workflow: self.wf_name(),
                ty: self.wf.input.title().unwrap_or("?").to_owned(),
            });
        }
        Ok(field_path("$", &[name.to_owned()]))
    }

    // ----- lowering -----

    fn lower_block(
        &mut self,
        states: &mut States,
        env: &mut Env,
        block: &Block,
        flow: &Flow,
        dest: &Dest,
    ) -> Result<(), LowerError> {
        let n = block.stmts.len();
        for i in 0..n {
            let next = Flow {
                cont: stmts_entry(
                    &self.wf.name,
                    &block.stmts[i + 1..],
                    block.value.as_ref(),
                    flow,
                    dest,
                )?,
                brk: flow.brk.clone(),
            };
            self.lower_stmt(states, env, &block.stmts[i], &next)?;
        }
        if let Some(v) = &block.value {
            self.lower_step(states, env, v, dest, &flow.cont)?;
        }
        Ok(())
    }

    fn lower_stmt(
        &mut self,
        states: &mut States,
        env: &mut Env,
        stmt: &Stmt,
        flow: &Flow,
    ) -> Result<(), LowerError> {
        match stmt {
            Stmt::Let { pattern, step } => match pattern {
                Pattern::Name(name) => {
                    let path = self.store_path(name)?;
                    let bound = self.lower_step(
                        states,
                        env,
                        step,
                        &Dest::Bind { path, alias: true },
                        &flow.cont,
                    )?;
                    self.stored.set(true);
                    if let Some(b) = bound {
                        env.set(name, b);
                    }
                }
                Pattern::Tuple(names) => {
                    let path = self.store_path(&names.join("_"))?;
                    let schemas = match step {
                        Step::Parallel(p) => p.branches.iter().map(callee_output).collect(),
                        _ => Vec::new(),
                    };
                    self.lower_step(
                        states,
                        env,
                        step,
                        &Dest::Bind {
                            path: path.clone(),
                            alias: false,
                        },
                        &flow.cont,
                    )?;
                    self.stored.set(true);
                    for (i, name) in names.iter().enumerate() {
                        let schema = schemas
                            .get(i)
                            .cloned()
                            .map(|s: TypeSchema| (Rc::new(s), Vec::new()));
                        env.set(
                            name,
                            Bound {
                                path: format!("{path}[{i}]"),
                                schema,
                            },
                        );
                    }
                }
            },
            Stmt::Run(step) => {
                self.lower_step(states, env, step, &Dest::Discard, &flow.cont)?;
            }
            Stmt::Return(step) => {
                self.lower_step(states, env, step, &Dest::Return, &Cont::End)?;
            }
            Stmt::Fail(f) => {
                let s = asl::FailState {
                    comment: f.comment.clone(),
                    error: Some(f.error.clone()),
                    cause: f.cause.clone(),
                    ..Default::default()
                };
                self.insert(states, &f.state, State::Fail(s))?;
            }
            Stmt::Choice(c) => {
                self.lower_choice(states, env, c, flow, &Dest::Discard)?;
            }
            Stmt::Loop(l) => {
                let entry =
                    stmt_entry(&self.wf.name, stmt, flow)?.expect("a loop always has an entry");
                let inner = Flow {
                    cont: entry,
                    brk: Some(flow.cont.clone()),
                };
                let mut scoped = env.clone();
                self.loops += 1;
                let r = self.lower_block(states, &mut scoped, &l.body, &inner, &Dest::Discard);
                self.loops -= 1;
                r?;
            }
            Stmt::Break => {}
            Stmt::Wait(w) => {
                let mut s = asl::WaitState {
                    comment: w.comment.clone(),
                    ..Default::default()
                };
                match &w.until {
                    WaitFor::Seconds(n) => s.seconds = Some(asl::IntOrExpr::Int(*n as i64)),
                    WaitFor::SecondsFrom(v) => s.seconds_path = Some(self.resolve(env, v)?.0),
                    WaitFor::Timestamp(t) => s.timestamp = Some(t.clone()),
                    WaitFor::TimestampFrom(v) => s.timestamp_path = Some(self.resolve(env, v)?.0),
                }
                let (next, end) = transition(&flow.cont);
                s.next = next;
                s.end = end;
                self.insert(states, &w.state, State::Wait(s))?;
            }
        }
        Ok(())
    }

    /// Lowers a step; returns where its value now lives when `dest` binds it.
    fn lower_step(
        &mut self,
        states: &mut States,
        env: &mut Env,
        step: &Step,
        dest: &Dest,
        cont: &Cont,
    ) -> Result<Option<Bound>, LowerError> {
        let (next, end) = match dest {
            Dest::Return => (None, Some(true)),
            _ => transition(cont),
        };
        let result_path = match dest {
            Dest::Discard => Some(None),
            Dest::Bind { path, .. } => Some(Some(path.clone())),
            Dest::Return => None,
        };
        let stored = |schema: Option<TypeSchema>, suffix: &str| match dest {
            Dest::Bind { path, .. } => Some(Bound {
                path: format!("{path}{suffix}"),
                schema: schema.map(|s| (Rc::new(s), Vec::new())),
            }),
            _ => None,
        };
        match step {
            Step::Data { state, data } => match (data, dest) {
                (Data::Var(v), Dest::Bind { alias: true, .. }) => Ok(Some(self.resolve(env, v)?.1)),
                (Data::Var(_), Dest::Discard) => Ok(None),
                (Data::Var(v), Dest::Return) => {
                    let (path, _) = self.resolve(env, v)?;
                    let s = asl::SucceedState {
                        output_path: (path != "$").then_some(Some(path)),
                        ..Default::default()
                    };
                    self.insert(states, state, State::Succeed(s))?;
                    Ok(None)
                }
                _ => {
                    let mut s = asl::PassState {
                        next,
                        end,
                        result_path,
                        ..Default::default()
                    };
                    match data {
                        Data::Var(v) => {
                            let (p, b) = self.resolve(env, v)?;
                            s.input_path = (p != "$").then_some(Some(p));
                            self.insert(states, state, State::Pass(s))?;
                            Ok(match dest {
                                Dest::Bind { path, .. } => Some(Bound {
                                    path: path.clone(),
                                    schema: b.schema,
                                }),
                                _ => None,
                            })
                        }
                        Data::Literal(v) => {
                            s.result = Some(v.clone());
                            self.insert(states, state, State::Pass(s))?;
                            Ok(stored(None, ""))
                        }
                        Data::Object(_) => {
                            s.parameters = Some(self.template(env, data)?);
                            self.insert(states, state, State::Pass(s))?;
                            Ok(stored(None, ""))
                        }
                    }
                }
            },
            Step::Call(call) => {
                let out = callee_output(call);
                let suffix = self.lower_call(states, env, call, dest, cont)?;
                Ok(stored(Some(out), suffix))
            }
            Step::Map(m) => {
                let (items, _) = self.resolve(env, &m.items)?;
                let mut inner = States::new();
                let mut item_env = Env::default();
                item_env.set(
                    "\0item",
                    Bound {
                        path: "$".into(),
                        schema: None,
                    },
                );
                let mut call = m.call.clone();
                call.input = Data::Var(var("\0item"));
                self.lower_call(&mut inner, &mut item_env, &call, &Dest::Return, &Cont::End)?;
                let s = asl::MapState {
                    comment: m.comment.clone(),
                    items_path: (items != "$").then_some(items),
                    item_processor: Some(asl::ItemProcessor {
                        comment: None,
                        query_language: None,
                        processor_config: None,
                        start_at: call.state.clone(),
                        states: inner,
                    }),
                    max_concurrency: m.max_concurrency.map(|n| asl::IntOrExpr::Int(n as i64)),
                    result_path,
                    next,
                    end,
                    ..Default::default()
                };
                self.insert(states, &m.state, State::Map(s))?;
                Ok(stored(None, ""))
            }
            Step::Parallel(p) => {
                let mut branches = Vec::new();
                for call in &p.branches {
                    let mut inner = States::new();
                    let mut benv = env.clone();
                    self.lower_call(&mut inner, &mut benv, call, &Dest::Return, &Cont::End)?;
                    branches.push(asl::Branch {
                        comment: None,
                        query_language: None,
                        start_at: call.state.clone(),
                        states: inner,
                    });
                }
                let s = asl::ParallelState {
                    comment: p.comment.clone(),
                    branches,
                    result_path,
                    next,
                    end,
                    ..Default::default()
                };
                self.insert(states, &p.state, State::Parallel(s))?;
                Ok(stored(None, ""))
            }
            Step::Choice(c) => {
                let flow = Flow {
                    cont: cont.clone(),
                    brk: None,
                };
                let arm_dest = match dest {
                    Dest::Bind { path, .. } => Dest::Bind {
                        path: path.clone(),
                        alias: false,
                    },
                    d => d.clone(),
                };
                self.lower_choice(states, env, c, &flow, &arm_dest)?;
                Ok(stored(None, ""))
            }
        }
    }

    /// Lowers a call into `states`; returns the suffix of its value under the result path
    /// (`[0]` for a nested workflow's one-branch Parallel).
    fn lower_call(
        &mut self,
        states: &mut States,
        env: &mut Env,
        call: &Call,
        dest: &Dest,
        cont: &Cont,
    ) -> Result<&'static str, LowerError> {
        let (next, end) = match dest {
            Dest::Return => (None, Some(true)),
            _ => transition(cont),
        };
        let result_path = match dest {
            Dest::Discard => Some(None),
            Dest::Bind { path, .. } => Some(Some(path.clone())),
            Dest::Return => None,
        };
        self.check_input_fields(call)?;
        let (input_path, parameters) = match &call.input {
            Data::Var(v) => {
                let (p, _) = self.resolve(env, v)?;
                ((p != "$").then_some(Some(p)), None)
            }
            other => (None, Some(self.template(env, other)?)),
        };
        // Catchers first: each needs its handler state, which continues like the call.
        let mut catchers = Vec::new();
        for c in &call.catch {
            catchers.push(asl::Catcher {
                error_equals: c.errors.clone(),
                next: c.state.clone(),
                result_path: Some(Some(self.store_path(CAUGHT_ERROR)?)),
                ..Default::default()
            });
        }
        if !call.catch.is_empty() {
            self.stored.set(true);
        }
        let suffix = match &call.callee {
            Callee::Task(t) => {
                let mut retry: Vec<asl::Retrier> = call.retry.iter().map(retrier).collect();
                retry.extend(t.retry.iter().map(retrier));
                let s = asl::TaskState {
                    comment: call.comment.clone().or_else(|| t.comment.clone()),
                    resource: self.opts.resource_arn(&t.resource),
                    input_path,
                    parameters,
                    result_path,
                    timeout_seconds: t.timeout_seconds.map(|n| asl::IntOrExpr::Int(n as i64)),
                    heartbeat_seconds: t.heartbeat_seconds.map(|n| asl::IntOrExpr::Int(n as i64)),
                    retry: (!retry.is_empty()).then_some(retry),
                    catch: (!catchers.is_empty()).then_some(catchers),
                    next,
                    end,
                    ..Default::default()
                };
                self.insert(states, &call.state, State::Task(s))?;
                ""
            }
            Callee::Workflow(w) => {
                let mut w = (**w).clone();
                w.body.prefix_states(&pascal(&w.name));
                let (start_at, inner) = lower_workflow(&w, self.opts, self.names)?;
                let s = asl::ParallelState {
                    comment: call
                        .comment
                        .clone()
                        .or_else(|| Some(format!("workflow `{}`", w.name))),
                    input_path,
                    parameters,
                    branches: vec![asl::Branch {
                        comment: w.comment.clone(),
                        query_language: None,
                        start_at,
                        states: inner,
                    }],
                    result_path,
                    output_path: matches!(dest, Dest::Return).then(|| Some("$[0]".to_owned())),
                    retry: (!call.retry.is_empty())
                        .then(|| call.retry.iter().map(retrier).collect()),
                    catch: (!catchers.is_empty()).then_some(catchers),
                    next,
                    end,
                    ..Default::default()
                };
                self.insert(states, &call.state, State::Parallel(s))?;
                "[0]"
            }
        };
        for c in &call.catch {
            let handler = Call::new(
                c.state.clone(),
                c.handler.clone(),
                Data::Var(var("\0caught")),
            );
            let mut henv = env.clone();
            henv.set(
                "\0caught",
                Bound {
                    path: self.store_path(CAUGHT_ERROR)?,
                    schema: None,
                },
            );
            self.lower_call(states, &mut henv, &handler, dest, cont)?;
        }
        Ok(suffix)
    }

    fn lower_choice(
        &mut self,
        states: &mut States,
        env: &mut Env,
        c: &Choice,
        flow: &Flow,
        dest: &Dest,
    ) -> Result<(), LowerError> {
        self.claim(&c.state)?;
        // Reserve the Choice's position so the document reads top-down.
        states.insert(c.state.clone(), State::Succeed(Default::default()));
        let mut rules = Vec::new();
        for (cond, block) in &c.arms {
            let entry = block_entry(&self.wf.name, block, flow, dest)?;
            let target = self.target(states, &entry)?;
            let mut rule = self.rule(env, &c.state, cond)?;
            rule.next = Some(target);
            rules.push(rule);
        }
        let default = match &c.default {
            Some(b) => {
                let e = block_entry(&self.wf.name, b, flow, dest)?;
                Some(self.target(states, &e)?)
            }
            None if matches!(dest, Dest::Discard) => Some(self.target(states, &flow.cont)?),
            None => None,
        };
        states.insert(
            c.state.clone(),
            State::Choice(asl::ChoiceState {
                comment: c.comment.clone(),
                choices: rules,
                default,
                ..Default::default()
            }),
        );
        for (_, block) in &c.arms {
            let mut scoped = env.clone();
            self.lower_block(states, &mut scoped, block, flow, dest)?;
        }
        if let Some(b) = &c.default {
            let mut scoped = env.clone();
            self.lower_block(states, &mut scoped, b, flow, dest)?;
        }
        Ok(())
    }

    fn cond_error(&self, state: &str, message: String) -> LowerError {
        LowerError::Condition {
            workflow: self.wf_name(),
            state: state.to_owned(),
            message,
        }
    }

    fn rule(
        &self,
        env: &Env,
        state: &str,
        cond: &Condition,
    ) -> Result<asl::ChoiceRule, LowerError> {
        let value = match cond {
            Condition::Compare(v, op, operand) => {
                let (path, bound) = self.resolve(env, v)?;
                let (operand_value, suffix) = match operand {
                    Operand::Literal(lit) => (lit.clone(), ""),
                    Operand::Var(other) => (Value::String(self.resolve(env, other)?.0), "Path"),
                };
                let against = match operand {
                    Operand::Literal(lit) => Ok(lit),
                    Operand::Var(_) => Err(operand_value.as_str().unwrap_or_default()),
                };
                let family = compare_family(&path, bound.schema.as_ref(), against, *op)
                    .map_err(|m| self.cond_error(state, m))?;
                let base = match (family, op) {
                    ("Null", CmpOp::Eq) => json!({"Variable": path, "IsNull": true}),
                    ("Null", _) => json!({"Variable": path, "IsNull": false}),
                    ("Boolean", _) => {
                        json!({"Variable": path, format!("BooleanEquals{suffix}"): operand_value})
                    }
                    (f, op) => {
                        json!({"Variable": path, format!("{f}{}{suffix}", op_name(*op)): operand_value})
                    }
                };
                if *op == CmpOp::Ne && family != "Null" {
                    json!({ "Not": base })
                } else {
                    base
                }
            }
            Condition::IsTrue(v) => {
                json!({"Variable": self.resolve(env, v)?.0, "BooleanEquals": true})
            }
            Condition::IsSome(v, some) => {
                let p = self.resolve(env, v)?.0;
                let present = json!({"And": [
                    {"Variable": p, "IsPresent": true},
                    {"Variable": p, "IsNull": false}
                ]});
                if *some {
                    present
                } else {
                    json!({ "Not": present })
                }
            }
            Condition::Matches(v, glob) => {
                json!({"Variable": self.resolve(env, v)?.0, "StringMatches": glob})
            }
            Condition::And(list) | Condition::Or(list) => {
                let key = if matches!(cond, Condition::And(_)) {
                    "And"
                } else {
                    "Or"
                };
                let rules = list
                    .iter()
                    .map(|c| self.rule(env, state, c))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut m = Map::new();
                m.insert(
                    key.into(),
                    serde_json::to_value(rules).expect("rules serialize"),
                );
                Value::Object(m)
            }
            Condition::Not(c) => {
                let inner = self.rule(env, state, c)?;
                json!({ "Not": inner })
            }
        };
        Ok(serde_json::from_value(value).expect("a rule built from known fields"))
    }

    /// A payload template (`Parameters`) for data built from bindings and literals.
    fn template(&self, env: &Env, data: &Data) -> Result<Value, LowerError> {
        match data {
            Data::Object(fields) => {
                let mut m = Map::new();
                for (k, v) in fields {
                    match v {
                        Data::Var(var) => {
                            m.insert(format!("{k}.$"), Value::String(self.resolve(env, var)?.0));
                        }
                        Data::Literal(l) => {
                            m.insert(k.clone(), l.clone());
                        }
                        Data::Object(_) => {
                            m.insert(k.clone(), self.template(env, v)?);
                        }
                    }
                }
                Ok(Value::Object(m))
            }
            Data::Literal(l) => Ok(l.clone()),
            Data::Var(v) => Ok(json!({ "value.$": self.resolve(env, v)?.0 })),
        }
    }
}

// ----- entries: the first state a piece of code runs -----

fn block_entry(wf: &str, block: &Block, flow: &Flow, dest: &Dest) -> Result<Cont, LowerError> {
    stmts_entry(wf, &block.stmts, block.value.as_ref(), flow, dest)
}

fn stmts_entry(
    wf: &str,
    stmts: &[Stmt],
    value: Option<&Step>,
    flow: &Flow,
    dest: &Dest,
) -> Result<Cont, LowerError> {
    for s in stmts {
        if let Some(c) = stmt_entry(wf, s, flow)? {
            return Ok(c);
        }
    }
    if let Some(v) = value {
        if let Some(name) = step_entry(v, dest) {
            return Ok(Cont::Next(name));
        }
    }
    Ok(flow.cont.clone())
}

fn stmt_entry(wf: &str, s: &Stmt, flow: &Flow) -> Result<Option<Cont>, LowerError> {
    let named = |n: &str| Ok(Some(Cont::Next(n.to_owned())));
    match s {
        Stmt::Let { step, .. } => Ok(step_entry(
            step,
            &Dest::Bind {
                path: String::new(),
                alias: true,
            },
        )
        .map(Cont::Next)),
        Stmt::Run(step) => Ok(step_entry(step, &Dest::Discard).map(Cont::Next)),
        Stmt::Return(step) => Ok(step_entry(step, &Dest::Return).map(Cont::Next)),
        Stmt::Fail(f) => named(&f.state),
        Stmt::Choice(c) => named(&c.state),
        Stmt::Wait(w) => named(&w.state),
        Stmt::Break => match &flow.brk {
            Some(b) => Ok(Some(b.clone())),
            None => Err(LowerError::BreakOutsideLoop {
                workflow: wf.to_owned(),
            }),
        },
        Stmt::Loop(l) => {
            let sentinel = Cont::Next("\0loop".into());
            let inner = Flow {
                cont: sentinel.clone(),
                brk: Some(flow.cont.clone()),
            };
            let e = block_entry(wf, &l.body, &inner, &Dest::Discard)?;
            if e == sentinel {
                return Err(LowerError::EmptyLoop {
                    workflow: wf.to_owned(),
                });
            }
            Ok(Some(e))
        }
    }
}

/// The state a jump to `cont` names: `Cont::End` needs a Succeed state to jump to, added to
/// `states` (as `Done`, `Done2`, ...) unless this scope has one already.
fn target(names: &mut HashSet<String>, states: &mut States, cont: &Cont) -> String {
    match cont {
        Cont::Next(n) => n.clone(),
        Cont::End => {
            let mut name = "Done".to_owned();
            let mut i = 2;
            while names.contains(&name) && !states.contains_key(&name) {
                name = format!("Done{i}");
                i += 1;
            }
            if !states.contains_key(&name) {
                names.insert(name.clone());
                states.insert(name.clone(), State::Succeed(Default::default()));
            }
            name
        }
    }
}

/// The operator family (`String`, `Timestamp`, `Numeric`, `Boolean` or `Null`) of a
/// comparison of `path`, whose schema is `schema`, with a literal (`Ok`) or another path
/// (`Err(other)`); or why a Choice cannot make it.
fn compare_family(
    path: &str,
    schema: Option<&(Rc<TypeSchema>, Vec<String>)>,
    operand: Result<&Value, &str>,
    op: CmpOp,
) -> Result<&'static str, String> {
    // A string field whose schema says `format: date-time` compares as a timestamp.
    let timestamp = schema.is_some_and(|(s, f)| s.format_at(f) == Some("date-time"));
    let string_family = if timestamp { "Timestamp" } else { "String" };
    let family = match operand {
        Ok(lit) => match lit {
            Value::String(_) => string_family,
            Value::Number(_) => "Numeric",
            Value::Bool(_) => "Boolean",
            Value::Null => "Null",
            _ => return Err(format!("`{path}` is compared with {lit}, but a Choice compares only strings, numbers, booleans and null")),
        },
        Err(other) => match schema.and_then(|(s, f)| s.kind_at(f)) {
            Some(JsonKind::String) => string_family,
            Some(JsonKind::Number) => "Numeric",
            Some(JsonKind::Boolean) => "Boolean",
            _ => return Err(format!("cannot tell from the schemas whether `{path}` is a string, a number or a boolean, so it cannot be compared with `{other}`")),
        },
    };
    if matches!(family, "Null" | "Boolean") && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
        return Err(format!(
            "`{path}` is a {} and cannot be ordered; a Choice orders only numbers, strings and timestamps",
            family.to_lowercase()
        ));
    }
    Ok(family)
}

/// The name part of a comparison operator (`StringLessThan` = `String` + this).
fn op_name(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq | CmpOp::Ne => "Equals",
        CmpOp::Lt => "LessThan",
        CmpOp::Le => "LessThanEquals",
        CmpOp::Gt => "GreaterThan",
        CmpOp::Ge => "GreaterThanEquals",
    }
}

/// The first state a step creates, if it creates one.
fn step_entry(step: &Step, dest: &Dest) -> Option<String> {
    match step {
        Step::Data {
            data: Data::Var(_), ..
        } if matches!(dest, Dest::Discard | Dest::Bind { alias: true, .. }) => None,
        Step::Data { state, .. } => Some(state.clone()),
        Step::Call(c) => Some(c.state.clone()),
        Step::Map(m) => Some(m.state.clone()),
        Step::Parallel(p) => Some(p.state.clone()),
        Step::Choice(c) => Some(c.state.clone()),
    }
}

fn callee_output(call: &Call) -> TypeSchema {
    match &call.callee {
        Callee::Task(t) => t.output.clone(),
        Callee::Workflow(w) => w.output.clone(),
    }
}

/// `snake_case` -> `PascalCase`.
fn pascal(name: &str) -> String {
    name.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

fn transition(cont: &Cont) -> (Option<String>, Option<bool>) {
    match cont {
        Cont::Next(n) => (Some(n.clone()), None),
        Cont::End => (None, Some(true)),
    }
}

fn retrier(r: &Retry) -> asl::Retrier {
    asl::Retrier {
        comment: None,
        error_equals: r.errors.clone(),
        interval_seconds: r.interval_seconds,
        max_attempts: r.max_attempts,
        backoff_rate: r.backoff_rate,
        max_delay_seconds: r.max_delay_seconds,
        jitter_strategy: r.jitter.then_some(asl::JitterStrategy::Full),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lambda(name: &str) -> TaskDef {
        TaskDef::new(name, name)
    }

    fn asl(wf: &Workflow) -> Value {
        serde_json::to_value(wf.to_asl().unwrap()).unwrap()
    }

    #[test]
    fn token_flow_lowers_to_the_origin_shape() {
        let wf = Workflow::new("token_flow", "request").body(
            Block::new()
                .bind(
                    "checked",
                    Call::task("InitialTask", lambda("InitialFunction"), var("request")),
                )
                .stmt(Stmt::Choice(
                    Choice::new("ChoiceState")
                        .when(
                            Condition::Compare(
                                var("checked").field("status"),
                                CmpOp::Eq,
                                Operand::Literal(json!("success")),
                            ),
                            Block::new().ret(Step::data("SuccessState", var("checked"))),
                        )
                        .when(
                            Condition::Compare(
                                var("checked").field("status"),
                                CmpOp::Eq,
                                Operand::Literal(json!("failure")),
                            ),
                            Block::new().stmt(Stmt::Fail(Fail {
                                state: "FailState".into(),
                                comment: None,
                                error: "TaskFailed".into(),
                                cause: Some("The task has failed".into()),
                            })),
                        )
                        .otherwise(Block::new().ret(Call::task(
                            "DefaultTask",
                            lambda("DefaultFunction"),
                            var("checked"),
                        ))),
                )),
        );
        assert_eq!(
            asl(&wf),
            json!({
              "StartAt": "InitialTask",
              "States": {
                "InitialTask": {"Type": "Task",
                  "Resource": "arn:aws:lambda:us-east-1:123456789012:function:InitialFunction",
                  "ResultPath": "$.checked", "Next": "ChoiceState"},
                "ChoiceState": {"Type": "Choice", "Choices": [
                    {"Variable": "$.checked.status", "StringEquals": "success", "Next": "SuccessState"},
                    {"Variable": "$.checked.status", "StringEquals": "failure", "Next": "FailState"}],
                  "Default": "DefaultTask"},
                "SuccessState": {"Type": "Succeed", "OutputPath": "$.checked"},
                "FailState": {"Type": "Fail", "Error": "TaskFailed", "Cause": "The task has failed"},
                "DefaultTask": {"Type": "Task",
                  "Resource": "arn:aws:lambda:us-east-1:123456789012:function:DefaultFunction",
                  "InputPath": "$.checked", "End": true}
              }
            })
        );
    }

    #[test]
    fn statements_join_after_a_choice_and_loops_go_back() {
        let poll = lambda("poll");
        let wf = Workflow::new("w", "job").body(
            Block::new()
                .stmt(Stmt::Loop(Loop {
                    body: Block::new()
                        .bind("status", Call::task("Poll", poll, var("job")))
                        .stmt(Stmt::Choice(Choice::new("IfDone").when(
                            Condition::IsTrue(var("status").field("done")),
                            Block::new().stmt(Stmt::Break),
                        )))
                        .stmt(Stmt::Wait(Wait {
                            state: "Sleep".into(),
                            comment: None,
                            until: WaitFor::Seconds(5),
                        })),
                }))
                .value(Step::data("Result", var("job"))),
        );
        let v = asl(&wf);
        // `job` is read whole in a loop that stores `status` next to it: a Pass keeps a copy.
        assert_eq!(v["StartAt"], "WInput");
        assert_eq!(v["States"]["WInput"]["ResultPath"], "$.job");
        assert_eq!(v["States"]["WInput"]["Next"], "Poll");
        assert_eq!(v["States"]["Poll"]["InputPath"], "$.job");
        assert_eq!(v["States"]["Poll"]["Next"], "IfDone");
        assert_eq!(v["States"]["IfDone"]["Choices"][0]["Next"], "Result");
        assert_eq!(v["States"]["IfDone"]["Default"], "Sleep");
        assert_eq!(v["States"]["Sleep"]["Next"], "Poll");
        assert_eq!(
            v["States"]["Result"],
            json!({"Type": "Succeed", "OutputPath": "$.job"})
        );
    }

    #[test]
    fn parallel_tuple_bindings_read_array_elements() {
        let wf = Workflow::new("w", "input").body(
            Block::new()
                .bind_tuple(
                    ["a", "b"],
                    ParallelStep::new(
                        "Both",
                        vec![
                            Call::task("A", lambda("fa"), var("input").field("x")),
                            Call::task("B", lambda("fb"), var("input").field("y")),
                        ],
                    ),
                )
                .value(Call::task(
                    "C",
                    lambda("fc"),
                    Data::object([
                        ("first", Data::Var(var("a"))),
                        ("second", Data::Var(var("b").field("n"))),
                        ("fixed", Data::Literal(json!(1))),
                    ]),
                )),
        );
        let v = asl(&wf);
        assert_eq!(v["States"]["Both"]["ResultPath"], "$.a_b");
        assert_eq!(
            v["States"]["Both"]["Branches"][0]["States"]["A"]["InputPath"],
            "$.x"
        );
        assert_eq!(
            v["States"]["C"]["Parameters"],
            json!({"first.$": "$.a_b[0]", "second.$": "$.a_b[1].n", "fixed": 1})
        );
    }

    #[test]
    fn catch_hands_the_error_to_the_handler_and_continues() {
        let call = Call::task("Charge", lambda("charge"), var("o"))
            .retry(Retry::on(["Timeout"]).max_attempts(2))
            .catch(Catch {
                errors: vec!["States.ALL".into()],
                state: "Refund".into(),
                handler: Callee::Task(Box::new(lambda("refund"))),
            });
        let wf = Workflow::new("w", "o").body(
            Block::new()
                .bind("receipt", call)
                .value(Step::data("Done", var("receipt"))),
        );
        let v = asl(&wf);
        let charge = &v["States"]["Charge"];
        assert_eq!(
            charge["Retry"],
            json!([{"ErrorEquals": ["Timeout"], "MaxAttempts": 2}])
        );
        assert_eq!(
            charge["Catch"],
            json!([{"ErrorEquals": ["States.ALL"], "Next": "Refund", "ResultPath": "$.caught_error"}])
        );
        assert_eq!(v["States"]["Refund"]["InputPath"], "$.caught_error");
        assert_eq!(v["States"]["Refund"]["ResultPath"], "$.receipt");
        assert_eq!(v["States"]["Refund"]["Next"], "Done");
    }

    #[test]
    fn duplicate_state_names_are_refused_in_either_query_language() {
        for language in [QueryLanguage::JSONPath, QueryLanguage::JSONata] {
            let wf = Workflow::new("w", "i").query_language(language).body(
                Block::new()
                    .run(Call::task("T", lambda("f"), var("i")))
                    .value(Call::task("T", lambda("f"), var("i"))),
            );
            assert_eq!(
                wf.to_asl().unwrap_err().to_string(),
                "workflow `w`: two states are named `T`; state names must be unique in the whole machine",
                "{language:?}"
            );
        }
    }

    #[test]
    fn an_input_field_its_type_does_not_have_is_refused_in_either_query_language() {
        #[allow(dead_code)]
        #[derive(schemars::JsonSchema)]
        #[serde(rename_all = "camelCase")]
        struct Word {
            word_text: String,
        }
        let t = TaskDef::new("t", "t").input::<Word>();
        for language in [QueryLanguage::JSONPath, QueryLanguage::JSONata] {
            let input = Data::object([("word_text", Data::Var(var("i")))]);
            let wf = Workflow::new("w", "i")
                .query_language(language)
                .body(Block::new().value(Call::task("T", t.clone(), input)));
            assert_eq!(
                wf.to_asl().unwrap_err(),
                LowerError::UnknownInputField {
                    workflow: "w".into(),
                    state: "T".into(),
                    field: "word_text".into(),
                    ty: "Word".into(),
                },
                "{language:?}"
            );
        }
    }

    #[test]
    fn a_binding_may_not_overwrite_an_input_field() {
        #[allow(dead_code)]
        #[derive(schemars::JsonSchema)]
        struct In {
            data: u32,
        }
        let wf = Workflow::new("w", "i").input::<In>().body(
            Block::new()
                .bind("data", Call::task("T", lambda("f"), var("i")))
                .value(Step::data("R", var("data"))),
        );
        assert!(matches!(
            wf.to_asl(),
            Err(LowerError::BindingShadowsInput { name, .. }) if name == "data"
        ));
    }

    #[test]
    fn a_field_the_json_does_not_have_is_refused() {
        #[allow(dead_code)]
        #[derive(schemars::JsonSchema)]
        #[serde(rename_all = "camelCase")]
        struct Total {
            total_length: u64,
        }
        let t = TaskDef::new("t", "t").output::<Total>();
        let wf = Workflow::new("w", "i").body(
            Block::new()
                .bind("total", Call::task("T", t, var("i")))
                .value(Step::data("R", var("total").field("total_length"))),
        );
        assert_eq!(
            wf.to_asl().unwrap_err().to_string(),
            "workflow `w`: `total.total_length` reads the field `total_length`, which `Total` does not have in JSON; if serde renames it, the workflow must not read it by its Rust name"
        );
    }

    #[test]
    fn timestamp_fields_compare_as_timestamps() {
        #[allow(dead_code)]
        #[derive(schemars::JsonSchema)]
        struct Order {
            due: crate::dsl::Timestamp,
            name: String,
        }
        let cmp = |field: &str| {
            Condition::Compare(
                var("o").field(field),
                CmpOp::Lt,
                Operand::Literal(json!("2030-01-01T00:00:00Z")),
            )
        };
        let wf = Workflow::new("w", "o").input::<Order>().body(
            Block::new().stmt(Stmt::Choice(
                Choice::new("C")
                    .when(cmp("due"), Block::new().ret(Step::data("A", var("o"))))
                    .when(cmp("name"), Block::new().ret(Step::data("B", var("o")))),
            )),
        );
        let v = asl(&wf);
        let rules = &v["States"]["C"]["Choices"];
        assert_eq!(rules[0]["TimestampLessThan"], "2030-01-01T00:00:00Z");
        assert_eq!(rules[1]["StringLessThan"], "2030-01-01T00:00:00Z");
    }

    #[test]
    fn ordering_a_boolean_is_refused() {
        let wf =
            Workflow::new("w", "i").body(Block::new().stmt(Stmt::Choice(Choice::new("C").when(
                Condition::Compare(
                    var("i").field("b"),
                    CmpOp::Lt,
                    Operand::Literal(json!(true)),
                ),
                Block::new().ret(Step::data("S", var("i"))),
            ))));
        let e = wf.to_asl().unwrap_err().to_string();
        assert!(e.contains("is a boolean and cannot be ordered"), "{e}");
    }

    #[test]
    fn nested_workflow_is_a_one_branch_parallel() {
        let inner = Workflow::new("inner", "x").body(Block::new().value(Call::task(
            "Inner",
            lambda("g"),
            var("x"),
        )));
        let wf = Workflow::new("outer", "i").body(Block::new().value(Call::new(
            "CallInner",
            Callee::Workflow(Box::new(inner)),
            var("i").field("sub"),
        )));
        let v = asl(&wf);
        let p = &v["States"]["CallInner"];
        assert_eq!(p["Type"], "Parallel");
        assert_eq!(p["InputPath"], "$.sub");
        assert_eq!(p["OutputPath"], "$[0]");
        assert_eq!(p["Branches"][0]["StartAt"], "InnerInner");
    }
}
