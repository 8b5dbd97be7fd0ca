//! Lowering a [`Workflow`] to an ASL state machine in JSONata mode.
//!
//! # The data-flow scheme
//! Bindings are the service's variables, so the execution's JSON document carries nothing:
//! - each `let x = task(a.b);` is a Task state with `Arguments: "{% $a.b %}"` and
//!   `Assign: {"x": "{% $states.result %}"}`; later states read `$x`;
//! - a struct literal argument `task(Req { id: a.id, retry: false })` becomes
//!   `Arguments: {"id": "{% $a.id %}", "retry": false}`;
//! - `let y = x.field;` assigns nothing: `y` is another name for `$x.field`;
//! - `let (a, b) = join!(f(x), g(y));` assigns `a` and `b` from the Parallel's result array;
//! - the input binding is `$states.input` in the state that runs first; when a later state
//!   reads it too, that first state also assigns it (`"order": "{% $states.input %}"`), or a
//!   Pass state `<Workflow>Input` does when the first state is the start of a `loop`;
//! - Choice rules are `Condition` expressions, a Map's list is `Items`, a Wait reads
//!   `Seconds`/`Timestamp` expressions, a Fail has constant `Error` and `Cause`;
//! - the value a workflow returns is the last state's output: a call's result (`End: true`),
//!   a Succeed state's `Output: "{% $x %}"`, or a Pass state's `Output` object;
//! - a caught error is the handler's state input (a Catch's default output).
//!
//! A nested workflow call is inlined as a one-branch Parallel state whose `Arguments` are the
//! callee's input; the callee's variables are prefixed with its name (`sub_x`), as its states
//! are, so an inner scope never assigns a name the caller uses.
//!
//! Every expression is a string field or a field of an object template, and constants that
//! are not objects are written as expressions (`"{% [1, 2] %}"`), so the output avoids the
//! forms the third-party validators reject though the service accepts them (a non-object
//! constant `Output`, `Condition: true`, constant lists in `Assign`).

use super::{
    block_entry, callee_output, compare_family, pascal, retrier, stmt_entry, target, transition,
    Cont, Dest, Flow, LowerError, LowerOptions, Lowering,
};
use crate::ir::*;
use crate::schema::TypeSchema;
use serde_json::{Map, Value};
use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;
use workflow_core::asl::{self, State, States};

/// The state input of the state being built.
const STATE_INPUT: &str = "$states.input";

/// Where a binding's value is read from.
#[derive(Debug, Clone)]
enum Base {
    /// The workflow's input binding: `$states.input` in the first state, a variable after.
    Param,
    /// `$states.input` of the state being built (a Map item, a caught error).
    StateInput,
    /// A variable (its full name, prefix included).
    Var(String),
}

/// A binding: where its value is read, and the schema to ask about its fields.
#[derive(Debug, Clone)]
struct Bound {
    base: Base,
    fields: Vec<String>,
    schema: Option<(Rc<TypeSchema>, Vec<String>)>,
}

type Env = super::Env<Bound>;

/// Where a step's value goes.
#[derive(Debug, Clone)]
enum To {
    /// Dropped.
    Discard,
    /// Assigned to the binding `name`; `alias` lets a plain path be renamed instead.
    Var { name: String, alias: bool },
    /// Element `i` of the (array) value assigned to the `i`-th name.
    Tuple(Vec<String>),
    /// The scope's output: the state ends the scope.
    Return,
}

impl To {
    /// The same destination as the JSONPath lowering's entry computation sees it.
    fn dest(&self) -> Dest {
        match self {
            To::Discard => Dest::Discard,
            To::Var { alias, .. } => Dest::Bind {
                path: String::new(),
                alias: *alias,
            },
            To::Tuple(_) => Dest::Bind {
                path: String::new(),
                alias: false,
            },
            To::Return => Dest::Return,
        }
    }
}

/// Where the state being built runs, for the input binding.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Here {
    /// The workflow's first state: its `$states.input` is the workflow input.
    Entry,
    /// A branch of a first Parallel state: its input is the workflow input too.
    EntryBranch,
    /// Anywhere else: the input binding is a variable.
    Other,
}

/// An assigned value: an expression, or a template (object or constant).
enum Src {
    Expr(String),
    Template(Value),
}

struct Lowerer<'a> {
    wf: &'a Workflow,
    opts: &'a LowerOptions,
    names: &'a mut HashSet<String>,
    /// Prefix of this workflow's variable names (`sub_` for a nested workflow).
    prefix: String,
    /// The first state, when it runs once (not the start of a `loop`).
    entry: Option<String>,
    here: Here,
    /// Branches of a Parallel being lowered run where the Parallel runs.
    in_entry_branch: bool,
    /// This pass assigns the input binding in the first state (a later state reads it).
    assign_param: bool,
    /// A state other than the first read the input binding.
    param_read_later: Cell<bool>,
}

/// Lowers `wf` in JSONata mode; `prefix` starts its variable names.
pub(super) fn lower_workflow(
    wf: &Workflow,
    opts: &LowerOptions,
    names: &mut HashSet<String>,
    prefix: &str,
) -> Result<(String, States), LowerError> {
    let before = names.clone();
    let (start, states, read_later) = lower_pass(wf, opts, names, prefix, false)?;
    if !read_later {
        return Ok((start, states));
    }
    // A later state reads the input binding: lower again, assigning it in the first state.
    *names = before;
    let (start, states, _) = lower_pass(wf, opts, names, prefix, true)?;
    Ok((start, states))
}

fn lower_pass(
    wf: &Workflow,
    opts: &LowerOptions,
    names: &mut HashSet<String>,
    prefix: &str,
    assign_param: bool,
) -> Result<(String, States, bool), LowerError> {
    let flow = Flow {
        cont: Cont::End,
        brk: None,
    };
    let Cont::Next(start) = block_entry(&wf.name, &wf.body, &flow, &Dest::Return)? else {
        return Err(LowerError::Empty {
            workflow: wf.name.clone(),
        });
    };
    let reentered = starts_with_loop(&wf.name, &wf.body, &flow)?;
    let mut l = Lowerer {
        wf,
        opts,
        names,
        prefix: prefix.to_owned(),
        entry: (!reentered).then(|| start.clone()),
        here: Here::Other,
        in_entry_branch: false,
        assign_param,
        param_read_later: Cell::new(false),
    };
    let param = l.variable(&wf.param)?;
    let mut states = States::new();
    // The first state is entered again by its loop: a Pass state assigns the input first.
    let input_state = if assign_param && reentered {
        let name = format!("{}Input", pascal(&wf.name));
        l.claim(&name)?;
        states.insert(name.clone(), State::Succeed(Default::default()));
        Some(name)
    } else {
        None
    };
    let mut env = Env::default();
    env.set(
        &wf.param,
        Bound {
            base: Base::Param,
            fields: Vec::new(),
            schema: Some((Rc::new(wf.input.clone()), Vec::new())),
        },
    );
    l.lower_block(&mut states, &mut env, &wf.body, &flow, &To::Return)?;
    let read_later = l.param_read_later.get();
    match input_state {
        Some(name) => {
            let mut assign = Map::new();
            assign.insert(param, expr(STATE_INPUT));
            let pass = asl::PassState {
                comment: Some(format!(
                    "keeps the input `{}` for the states that read it",
                    wf.param
                )),
                assign: Some(Value::Object(assign)),
                next: Some(start),
                ..Default::default()
            };
            states.insert(name.clone(), State::Pass(pass));
            Ok((name, states, false))
        }
        None => Ok((start, states, read_later)),
    }
}

/// Whether the first state of `block` is the start of a `loop` (so it runs more than once).
fn starts_with_loop(wf: &str, block: &Block, flow: &Flow) -> Result<bool, LowerError> {
    for s in &block.stmts {
        if stmt_entry(wf, s, flow)?.is_some() {
            return Ok(matches!(s, Stmt::Loop(_)));
        }
    }
    Ok(false)
}

/// `"{% e %}"`.
fn expr(e: &str) -> Value {
    Value::String(format!("{{% {e} %}}"))
}

/// A JSON constant as JSONata source (JSON literals are JSONata literals).
fn literal_source(v: &Value) -> String {
    serde_json::to_string(v).expect("JSON values serialize")
}

/// A string field that must stay the constant `s`: an expression when `s` would read as one.
fn const_string(s: &str) -> String {
    if s.trim_start().starts_with("{%") && s.trim_end().ends_with("%}") {
        format!("{{% {} %}}", literal_source(&Value::String(s.to_owned())))
    } else {
        s.to_owned()
    }
}

/// A constant inside an object template: objects stay templates, lists become expressions
/// (the validators reject constant lists), and strings that would read as expressions are
/// quoted.
fn const_field(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), const_field(v))).collect())
        }
        Value::Array(_) => expr(&literal_source(v)),
        Value::String(s) => Value::String(const_string(s)),
        other => other.clone(),
    }
}

/// A constant as a whole field (`Output`, `Arguments`): anything but an object is an
/// expression.
fn const_whole(v: &Value) -> Value {
    match v {
        Value::Object(_) => const_field(v),
        other => expr(&literal_source(other)),
    }
}

/// JSONata words that cannot be field names without backticks.
const RESERVED: &[&str] = &["and", "or", "in", "true", "false", "null", "function"];

fn field_step(f: &str) -> Result<String, String> {
    let plain = f
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && f.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !RESERVED.contains(&f);
    if plain {
        Ok(f.to_owned())
    } else if f.contains('`') {
        Err(f.to_owned())
    } else {
        Ok(format!("`{f}`"))
    }
}

/// A glob of `StringMatches` (`*` any text, `\*` and `\\` literal) as a JSONata regex.
fn glob_regex(glob: &str) -> String {
    let mut out = String::from("/^");
    let literal = |out: &mut String, c: char| {
        if ".^$|?*+()[]{}\\/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    };
    let mut chars = glob.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => literal(&mut out, chars.next().unwrap_or('\\')),
            '*' => out.push_str(".*"),
            c => literal(&mut out, c),
        }
    }
    out.push_str("$/");
    out
}

fn cmp_source(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::Ne => "!=",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
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
    /// Starts building the state `name`: decides how the input binding reads in it.
    fn enter(&mut self, name: &str) -> Here {
        self.here = if self.entry.as_deref() == Some(name) {
            Here::Entry
        } else if self.in_entry_branch {
            Here::EntryBranch
        } else {
            Here::Other
        };
        self.here
    }

    /// The variable a binding is assigned to, checked against the service's rules.
    fn variable(&self, binding: &str) -> Result<String, LowerError> {
        let name = format!("{}{}", self.prefix, binding);
        let why = if name == "states" {
            Some("`$states` is reserved by the service; rename the binding")
        } else if name.chars().count() > 80 {
            Some("variable names are at most 80 characters")
        } else if !(name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
        {
            Some("a variable name is a letter or `_`, then letters, digits or `_`")
        } else {
            None
        };
        match why {
            Some(why) => Err(LowerError::VariableName {
                workflow: self.wf_name(),
                name,
                why: why.to_owned(),
            }),
            None => Ok(name),
        }
    }

    /// The JSONata expression reading `v`, and its binding (for its schema).
    fn resolve(&self, env: &Env, v: &Var) -> Result<(String, Bound), LowerError> {
        let b = env.get(&v.root).ok_or_else(|| LowerError::UnknownBinding {
            workflow: self.wf_name(),
            name: v.root.clone(),
        })?;
        let mut fields = b.fields.clone();
        fields.extend(v.fields.iter().cloned());
        let schema = b.schema.as_ref().map(|(s, pre)| {
            let mut f = pre.clone();
            f.extend(v.fields.iter().cloned());
            (s.clone(), f)
        });
        let written = || {
            std::iter::once(v.root.as_str())
                .chain(v.fields.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(".")
        };
        if let Some((s, f)) = &schema {
            if let Some(field) = s.missing_field(f) {
                return Err(LowerError::UnknownField {
                    workflow: self.wf_name(),
                    path: written(),
                    field: field.to_owned(),
                    ty: s.title().unwrap_or("the value").to_owned(),
                });
            }
        }
        let mut text = match &b.base {
            Base::StateInput => STATE_INPUT.to_owned(),
            Base::Param if self.here != Here::Other => STATE_INPUT.to_owned(),
            Base::Param => {
                self.param_read_later.set(true);
                format!("${}", self.variable(&self.wf.param)?)
            }
            Base::Var(name) => format!("${name}"),
        };
        for f in &fields {
            let step = field_step(f).map_err(|field| LowerError::VariableName {
                workflow: self.wf_name(),
                name: written(),
                why: format!(
                    "the field name `{field}` contains a backtick, which JSONata cannot quote"
                ),
            })?;
            text.push('.');
            text.push_str(&step);
        }
        Ok((
            text,
            Bound {
                base: b.base.clone(),
                fields,
                schema,
            },
        ))
    }

    /// Data as a template: an expression string, or an object with expression fields.
    fn template(&self, env: &Env, data: &Data) -> Result<Value, LowerError> {
        match data {
            Data::Var(v) => Ok(expr(&self.resolve(env, v)?.0)),
            Data::Literal(l) => Ok(const_whole(l)),
            Data::Object(fields) => {
                let mut m = Map::new();
                for (k, v) in fields {
                    let value = match v {
                        Data::Literal(l) => const_field(l),
                        other => self.template(env, other)?,
                    };
                    m.insert(k.clone(), value);
                }
                Ok(Value::Object(m))
            }
        }
    }

    /// `Arguments` handing `data` to a state, or none when it is the state's own input.
    fn arguments(&self, env: &Env, data: &Data) -> Result<Option<Value>, LowerError> {
        if let Data::Var(v) = data {
            let (text, _) = self.resolve(env, v)?;
            if text == STATE_INPUT {
                return Ok(None);
            }
            return Ok(Some(expr(&text)));
        }
        self.template(env, data).map(Some)
    }

    /// The input binding's assignment, when the state built where `here` says needs it.
    fn param_assign(&self, here: Here, out: &mut Map<String, Value>) -> Result<(), LowerError> {
        if self.assign_param && here == Here::Entry {
            out.insert(self.variable(&self.wf.param)?, expr(STATE_INPUT));
        }
        Ok(())
    }

    /// The `Assign` of a state that assigns no binding: the input binding's, if it needs one.
    fn param_only(&self, here: Here) -> Result<Option<Value>, LowerError> {
        self.assign(here, &To::Discard, Src::Template(Value::Null))
    }

    /// The `Assign` of a state built where `here` says, sending `src` to `to`.
    fn assign(&self, here: Here, to: &To, src: Src) -> Result<Option<Value>, LowerError> {
        let mut m = Map::new();
        self.param_assign(here, &mut m)?;
        match (to, src) {
            (To::Var { name, .. }, Src::Expr(e)) => {
                m.insert(self.variable(name)?, expr(&e));
            }
            (To::Var { name, .. }, Src::Template(t)) => {
                m.insert(self.variable(name)?, t);
            }
            (To::Tuple(names), Src::Expr(e)) => {
                for (i, name) in names.iter().enumerate() {
                    m.insert(self.variable(name)?, expr(&format!("{e}[{i}]")));
                }
            }
            (To::Tuple(names), Src::Template(_)) => {
                return Err(LowerError::TupleNotList {
                    workflow: self.wf_name(),
                    names: names.join(", "),
                })
            }
            (To::Discard | To::Return, _) => {}
        }
        Ok((!m.is_empty()).then_some(Value::Object(m)))
    }

    // ----- lowering -----

    fn lower_block(
        &mut self,
        states: &mut States,
        env: &mut Env,
        block: &Block,
        flow: &Flow,
        to: &To,
    ) -> Result<(), LowerError> {
        for (i, stmt) in block.stmts.iter().enumerate() {
            let next = Flow {
                cont: super::stmts_entry(
                    &self.wf.name,
                    &block.stmts[i + 1..],
                    block.value.as_ref(),
                    flow,
                    &to.dest(),
                )?,
                brk: flow.brk.clone(),
            };
            self.lower_stmt(states, env, stmt, &next)?;
        }
        if let Some(v) = &block.value {
            self.lower_step(states, env, v, to, &flow.cont)?;
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
                    if let Step::Data {
                        data: Data::Var(v), ..
                    } = step
                    {
                        // Another name for a path: nothing to assign.
                        let (_, bound) = self.resolve(env, v)?;
                        env.set(name, bound);
                        return Ok(());
                    }
                    let variable = self.variable(name)?;
                    let schema = match step {
                        Step::Call(c) => Some((Rc::new(callee_output(c)), Vec::new())),
                        _ => None,
                    };
                    let to = To::Var {
                        name: name.clone(),
                        alias: true,
                    };
                    self.lower_step(states, env, step, &to, &flow.cont)?;
                    env.set(
                        name,
                        Bound {
                            base: Base::Var(variable),
                            fields: Vec::new(),
                            schema,
                        },
                    );
                }
                Pattern::Tuple(names) => {
                    let schemas: Vec<TypeSchema> = match step {
                        Step::Parallel(p) => p.branches.iter().map(callee_output).collect(),
                        _ => Vec::new(),
                    };
                    self.lower_step(states, env, step, &To::Tuple(names.clone()), &flow.cont)?;
                    for (i, name) in names.iter().enumerate() {
                        let bound = Bound {
                            base: Base::Var(self.variable(name)?),
                            fields: Vec::new(),
                            schema: schemas.get(i).map(|s| (Rc::new(s.clone()), Vec::new())),
                        };
                        env.set(name, bound);
                    }
                }
            },
            Stmt::Run(step) => self.lower_step(states, env, step, &To::Discard, &flow.cont)?,
            Stmt::Return(step) => self.lower_step(states, env, step, &To::Return, &Cont::End)?,
            Stmt::Fail(f) => {
                self.enter(&f.state);
                let s = asl::FailState {
                    comment: f.comment.clone(),
                    error: Some(const_string(&f.error)),
                    cause: f.cause.as_deref().map(const_string),
                    ..Default::default()
                };
                self.insert(states, &f.state, State::Fail(s))?;
            }
            Stmt::Choice(c) => self.lower_choice(states, env, c, flow, &To::Discard)?,
            Stmt::Loop(l) => {
                let entry =
                    stmt_entry(&self.wf.name, stmt, flow)?.expect("a loop always has an entry");
                let inner = Flow {
                    cont: entry,
                    brk: Some(flow.cont.clone()),
                };
                let mut scoped = env.clone();
                self.lower_block(states, &mut scoped, &l.body, &inner, &To::Discard)?;
            }
            Stmt::Break => {}
            Stmt::Wait(w) => {
                let here = self.enter(&w.state);
                let mut s = asl::WaitState {
                    comment: w.comment.clone(),
                    ..Default::default()
                };
                match &w.until {
                    WaitFor::Seconds(n) => s.seconds = Some(asl::IntOrExpr::Int(*n as i64)),
                    WaitFor::SecondsFrom(v) => {
                        let (text, _) = self.resolve(env, v)?;
                        s.seconds = Some(asl::IntOrExpr::Expr(format!("{{% {text} %}}")));
                    }
                    WaitFor::Timestamp(t) => s.timestamp = Some(const_string(t)),
                    WaitFor::TimestampFrom(v) => {
                        let (text, _) = self.resolve(env, v)?;
                        s.timestamp = Some(format!("{{% {text} %}}"));
                    }
                }
                s.assign = self.param_only(here)?;
                (s.next, s.end) = transition(&flow.cont);
                self.insert(states, &w.state, State::Wait(s))?;
            }
        }
        Ok(())
    }

    fn lower_step(
        &mut self,
        states: &mut States,
        env: &mut Env,
        step: &Step,
        to: &To,
        cont: &Cont,
    ) -> Result<(), LowerError> {
        let (next, end) = match to {
            To::Return => (None, Some(true)),
            _ => transition(cont),
        };
        match step {
            Step::Data { state, data } => match (data, to) {
                (Data::Var(_), To::Discard | To::Var { alias: true, .. }) => Ok(()),
                (Data::Var(v), To::Return) => {
                    self.enter(state);
                    let (text, _) = self.resolve(env, v)?;
                    let s = asl::SucceedState {
                        output: (text != STATE_INPUT).then(|| expr(&text)),
                        ..Default::default()
                    };
                    self.insert(states, state, State::Succeed(s))
                }
                _ => {
                    let here = self.enter(state);
                    let src = match data {
                        Data::Var(v) => Src::Expr(self.resolve(env, v)?.0),
                        // `Assign` takes scalar constants as they are; `Output` does not.
                        Data::Literal(l) if !matches!(to, To::Return) => {
                            Src::Template(const_field(l))
                        }
                        _ => Src::Template(self.template(env, data)?),
                    };
                    let mut s = asl::PassState {
                        next,
                        end,
                        ..Default::default()
                    };
                    if let To::Return = to {
                        s.output = Some(match src {
                            Src::Expr(e) => expr(&e),
                            Src::Template(t) => t,
                        });
                        s.assign = self.param_only(here)?;
                    } else {
                        s.assign = self.assign(here, to, src)?;
                    }
                    self.insert(states, state, State::Pass(s))
                }
            },
            Step::Call(call) => self.lower_call(states, env, call, to, cont),
            Step::Map(m) => {
                let here = self.enter(&m.state);
                let (items, _) = self.resolve(env, &m.items)?;
                let assign = self.assign(here, to, Src::Expr("$states.result".into()))?;
                let mut inner = States::new();
                let mut item_env = Env::default();
                item_env.set(
                    "\0item",
                    Bound {
                        base: Base::StateInput,
                        fields: Vec::new(),
                        schema: None,
                    },
                );
                let mut call = m.call.clone();
                call.input = Data::Var(var("\0item"));
                let outer = std::mem::replace(&mut self.in_entry_branch, false);
                let r = self.lower_call(&mut inner, &mut item_env, &call, &To::Return, &Cont::End);
                self.in_entry_branch = outer;
                r?;
                let s = asl::MapState {
                    comment: m.comment.clone(),
                    items: Some(expr(&items)),
                    item_processor: Some(asl::ItemProcessor {
                        comment: None,
                        query_language: None,
                        processor_config: None,
                        start_at: call.state.clone(),
                        states: inner,
                    }),
                    max_concurrency: m.max_concurrency.map(|n| asl::IntOrExpr::Int(n as i64)),
                    assign,
                    next,
                    end,
                    ..Default::default()
                };
                self.insert(states, &m.state, State::Map(s))
            }
            Step::Parallel(p) => {
                let here = self.enter(&p.state);
                let assign = self.assign(here, to, Src::Expr("$states.result".into()))?;
                // Each branch's input is the Parallel's input, so a first Parallel's branches
                // read the workflow input as `$states.input` too.
                let outer = std::mem::replace(&mut self.in_entry_branch, here != Here::Other);
                let mut branches = Vec::new();
                for call in &p.branches {
                    let mut inner = States::new();
                    let mut benv = env.clone();
                    let r = self.lower_call(&mut inner, &mut benv, call, &To::Return, &Cont::End);
                    if let Err(e) = r {
                        self.in_entry_branch = outer;
                        return Err(e);
                    }
                    branches.push(asl::Branch {
                        comment: None,
                        query_language: None,
                        start_at: call.state.clone(),
                        states: inner,
                    });
                }
                self.in_entry_branch = outer;
                let s = asl::ParallelState {
                    comment: p.comment.clone(),
                    branches,
                    assign,
                    next,
                    end,
                    ..Default::default()
                };
                self.insert(states, &p.state, State::Parallel(s))
            }
            Step::Choice(c) => {
                let flow = Flow {
                    cont: cont.clone(),
                    brk: None,
                };
                let arm_to = match to {
                    To::Var { name, .. } => To::Var {
                        name: name.clone(),
                        alias: false,
                    },
                    other => other.clone(),
                };
                self.lower_choice(states, env, c, &flow, &arm_to)
            }
        }
    }

    fn lower_call(
        &mut self,
        states: &mut States,
        env: &mut Env,
        call: &Call,
        to: &To,
        cont: &Cont,
    ) -> Result<(), LowerError> {
        let here = self.enter(&call.state);
        let (next, end) = match to {
            To::Return => (None, Some(true)),
            _ => transition(cont),
        };
        self.check_input_fields(call)?;
        let arguments = self.arguments(env, &call.input)?;
        // A handler runs after this state failed, so its own Assign did not happen: where this
        // state reads the input as `$states.input`, the catcher assigns it.
        let mut catcher_assign = Map::new();
        if here != Here::Other {
            self.param_assign(Here::Entry, &mut catcher_assign)?;
        }
        let catchers: Vec<asl::Catcher> = call
            .catch
            .iter()
            .map(|c| asl::Catcher {
                error_equals: c.errors.clone(),
                next: c.state.clone(),
                assign: (!catcher_assign.is_empty()).then(|| Value::Object(catcher_assign.clone())),
                ..Default::default()
            })
            .collect();
        let catch = (!catchers.is_empty()).then_some(catchers);
        match &call.callee {
            Callee::Task(t) => {
                let mut retry: Vec<asl::Retrier> = call.retry.iter().map(retrier).collect();
                retry.extend(t.retry.iter().map(retrier));
                let s = asl::TaskState {
                    comment: call.comment.clone().or_else(|| t.comment.clone()),
                    resource: self.opts.resource_arn(&t.resource),
                    arguments,
                    assign: self.assign(here, to, Src::Expr("$states.result".into()))?,
                    timeout_seconds: t.timeout_seconds.map(|n| asl::IntOrExpr::Int(n as i64)),
                    heartbeat_seconds: t.heartbeat_seconds.map(|n| asl::IntOrExpr::Int(n as i64)),
                    retry: (!retry.is_empty()).then_some(retry),
                    catch,
                    next,
                    end,
                    ..Default::default()
                };
                self.insert(states, &call.state, State::Task(s))?;
            }
            Callee::Workflow(w) => {
                let mut w = (**w).clone();
                w.body.prefix_states(&pascal(&w.name));
                let prefix = format!("{}{}_", self.prefix, w.name);
                let (start_at, inner) = lower_workflow(&w, self.opts, self.names, &prefix)?;
                let s = asl::ParallelState {
                    comment: call
                        .comment
                        .clone()
                        .or_else(|| Some(format!("workflow `{}`", w.name))),
                    arguments,
                    branches: vec![asl::Branch {
                        comment: w.comment.clone(),
                        query_language: None,
                        start_at,
                        states: inner,
                    }],
                    assign: self.assign(here, to, Src::Expr("$states.result[0]".into()))?,
                    output: matches!(to, To::Return).then(|| expr("$states.result[0]")),
                    retry: (!call.retry.is_empty())
                        .then(|| call.retry.iter().map(retrier).collect()),
                    catch,
                    next,
                    end,
                    ..Default::default()
                };
                self.insert(states, &call.state, State::Parallel(s))?;
            }
        }
        // Each handler gets the error as its state input and continues like the call.
        let outer = std::mem::replace(&mut self.in_entry_branch, false);
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
                    base: Base::StateInput,
                    fields: Vec::new(),
                    schema: None,
                },
            );
            if let Err(e) = self.lower_call(states, &mut henv, &handler, to, cont) {
                self.in_entry_branch = outer;
                return Err(e);
            }
        }
        self.in_entry_branch = outer;
        Ok(())
    }

    fn lower_choice(
        &mut self,
        states: &mut States,
        env: &mut Env,
        c: &Choice,
        flow: &Flow,
        to: &To,
    ) -> Result<(), LowerError> {
        self.claim(&c.state)?;
        // Reserve the Choice's position so the document reads top-down.
        states.insert(c.state.clone(), State::Succeed(Default::default()));
        let here = self.enter(&c.state);
        let dest = to.dest();
        let mut rules = Vec::new();
        for (cond, block) in &c.arms {
            let entry = block_entry(&self.wf.name, block, flow, &dest)?;
            let next = target(self.names, states, &entry);
            rules.push(asl::ChoiceRule {
                condition: Some(expr(&self.condition(env, &c.state, cond)?)),
                next: Some(next),
                ..Default::default()
            });
        }
        let default = match &c.default {
            Some(b) => {
                let e = block_entry(&self.wf.name, b, flow, &dest)?;
                Some(target(self.names, states, &e))
            }
            None if matches!(to, To::Discard) => Some(target(self.names, states, &flow.cont)),
            None => None,
        };
        let assign = self.param_only(here)?;
        states.insert(
            c.state.clone(),
            State::Choice(asl::ChoiceState {
                comment: c.comment.clone(),
                choices: rules,
                default,
                assign,
                ..Default::default()
            }),
        );
        for (_, block) in &c.arms {
            let mut scoped = env.clone();
            self.lower_block(states, &mut scoped, block, flow, to)?;
        }
        if let Some(b) = &c.default {
            let mut scoped = env.clone();
            self.lower_block(states, &mut scoped, b, flow, to)?;
        }
        Ok(())
    }

    /// A Choice rule's test as a JSONata boolean expression.
    fn condition(&self, env: &Env, state: &str, cond: &Condition) -> Result<String, LowerError> {
        let cond_error = |message: String| LowerError::Condition {
            workflow: self.wf_name(),
            state: state.to_owned(),
            message,
        };
        Ok(match cond {
            Condition::Compare(v, op, operand) => {
                let (left, bound) = self.resolve(env, v)?;
                let right = match operand {
                    Operand::Literal(lit) => literal_source(lit),
                    Operand::Var(other) => self.resolve(env, other)?.0,
                };
                let against = match operand {
                    Operand::Literal(lit) => Ok(lit),
                    Operand::Var(_) => Err(right.as_str()),
                };
                let family = compare_family(&left, bound.schema.as_ref(), against, *op)
                    .map_err(cond_error)?;
                let op = cmp_source(*op);
                if family == "Timestamp" {
                    format!("$toMillis({left}) {op} $toMillis({right})")
                } else {
                    format!("{left} {op} {right}")
                }
            }
            Condition::IsTrue(v) => format!("{} = true", self.resolve(env, v)?.0),
            Condition::IsSome(v, some) => {
                let e = self.resolve(env, v)?.0;
                let present = format!("$exists({e}) and {e} != null");
                if *some {
                    present
                } else {
                    format!("$not({present})")
                }
            }
            Condition::Matches(v, glob) => {
                format!(
                    "$contains({}, {})",
                    self.resolve(env, v)?.0,
                    glob_regex(glob)
                )
            }
            Condition::And(list) | Condition::Or(list) => {
                let (op, empty) = if matches!(cond, Condition::And(_)) {
                    (" and ", "true")
                } else {
                    (" or ", "false")
                };
                if list.is_empty() {
                    return Ok(empty.to_owned());
                }
                list.iter()
                    .map(|c| Ok(format!("({})", self.condition(env, state, c)?)))
                    .collect::<Result<Vec<_>, LowerError>>()?
                    .join(op)
            }
            Condition::Not(c) => format!("$not({})", self.condition(env, state, c)?),
        })
    }
}

#[cfg(test)]
mod tests;
