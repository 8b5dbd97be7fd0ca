//! The evaluator: JSONata's sequence semantics over borrowed JSON.
//!
//! Paths map each step over the items of the previous step's result and flatten the results
//! into a *sequence*; a sequence of one item collapses to the item and an empty one to
//! undefined (`Val::Undef`), unless `[]` asks to keep it as an array.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::rc::Rc;

use indexmap::IndexMap;
use serde_json::Value;

use super::ast::{BinOp, Kind, Node, SortTerm};
use super::functions::{self, quoted_value};
use super::value::{deep_equal, Arr, Func, Type, Val};
use super::JsonataError;

/// Nested evaluations allowed before failing with "stack overflow" (U1001).
const MAX_DEPTH: usize = 5000;

/// Runs `f` on a stack with room for one more level of recursion: when less than
/// `RED_ZONE` bytes are left, a new segment is allocated, so that deep expressions and
/// recursive lambdas cannot overflow the thread's stack, whatever its size.
pub(crate) fn with_stack<T>(f: impl FnOnce() -> T) -> T {
    const RED_ZONE: usize = 128 * 1024;
    const SEGMENT: usize = 2 * 1024 * 1024;
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}

/// A scope of variables: a block, a lambda call or the top level.
pub(crate) struct Frame<'a> {
    vars: RefCell<Vec<(String, Val<'a>)>>,
    parent: Option<Rc<Frame<'a>>>,
}

impl<'a> Frame<'a> {
    pub fn root() -> Rc<Frame<'a>> {
        Rc::new(Frame {
            vars: RefCell::new(Vec::new()),
            parent: None,
        })
    }

    pub fn child(parent: &Rc<Frame<'a>>) -> Rc<Frame<'a>> {
        Rc::new(Frame {
            vars: RefCell::new(Vec::new()),
            parent: Some(parent.clone()),
        })
    }

    pub fn bind(&self, name: &str, value: Val<'a>) {
        let mut vars = self.vars.borrow_mut();
        match vars.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => vars.push((name.to_string(), value)),
        }
    }

    fn lookup(&self, name: &str) -> Option<Val<'a>> {
        if let Some((_, v)) = self.vars.borrow().iter().find(|(n, _)| n == name) {
            return Some(v.clone());
        }
        self.parent.as_ref().and_then(|p| p.lookup(name))
    }
}

/// State shared by one evaluation.
pub(crate) struct Evaluator<'a> {
    /// Variables supplied by the caller (`states`, user variables), fetched once.
    globals: &'a [(&'a str, &'a Value)],
    /// `$$`: the input as given.
    root: Val<'a>,
    depth: Cell<usize>,
    /// `$now()`/`$millis()` return the same instant throughout one evaluation.
    pub now_millis: i64,
    /// State of the generator behind `$random()`, `$shuffle` and `$uuid()`.
    pub rng: Cell<u64>,
}

type R<'a> = Result<Val<'a>, JsonataError>;

impl<'a> Evaluator<'a> {
    pub fn new(
        globals: &'a [(&'a str, &'a Value)],
        root: Val<'a>,
        now_millis: i64,
        seed: u64,
    ) -> Self {
        Evaluator {
            globals,
            root,
            depth: Cell::new(0),
            now_millis,
            rng: Cell::new(seed),
        }
    }

    pub fn eval(&self, node: &'a Node, input: &Val<'a>, env: &Rc<Frame<'a>>) -> R<'a> {
        let depth = self.depth.get() + 1;
        if depth > MAX_DEPTH {
            return Err(JsonataError::new(
                "U1001",
                "stack overflow: the expression recurses too deeply",
                node.pos,
            ));
        }
        self.depth.set(depth);
        let result = with_stack(|| self.eval_node(node, input, env));
        self.depth.set(depth - 1);
        result
    }

    fn eval_node(&self, node: &'a Node, input: &Val<'a>, env: &Rc<Frame<'a>>) -> R<'a> {
        let mut result = self.eval_kind(node, input, env)?;
        for predicate in &node.predicates {
            result = self.filter(predicate, result, env)?;
        }
        if let (Some(pairs), false) = (&node.group, matches!(node.kind, Kind::Path { .. })) {
            result = self.group(pairs, result, env, node.pos)?;
        }
        Ok(collapse(result, node.keep_array))
    }

    fn eval_kind(&self, node: &'a Node, input: &Val<'a>, env: &Rc<Frame<'a>>) -> R<'a> {
        let pos = node.pos;
        Ok(match &node.kind {
            Kind::Path {
                steps,
                keep_singleton,
            } => {
                let mut result = self.path(steps, input, env)?;
                if *keep_singleton {
                    if let Val::Arr(arr) = &result {
                        if arr.cons && !arr.seq {
                            result = Val::seq(vec![result]);
                        }
                    }
                    if let Val::Arr(arr) = &mut result {
                        Rc::make_mut(arr).keep = true;
                    }
                }
                if let Some(pairs) = &node.group {
                    result = self.group(pairs, result, env, pos)?;
                }
                result
            }
            Kind::Name(name) => lookup(input, name),
            Kind::Str(s) => Val::string(s.as_str()),
            Kind::Num(n) => Val::Num(*n),
            Kind::Bool(b) => Val::Bool(*b),
            Kind::Null => Val::Null,
            Kind::Regex(re) => Val::func(Func::Regex(re)),
            Kind::Var(name) => self.variable(name, input, env),
            Kind::Wildcard => wildcard(input),
            Kind::Descendants => {
                let mut out = Vec::new();
                if !input.is_undef() {
                    descendants(input, &mut out);
                }
                if out.len() == 1 {
                    out.pop().expect("one item")
                } else {
                    Val::seq(out)
                }
            }
            Kind::Neg(operand) => match self.eval(operand, input, env)? {
                Val::Undef => Val::Undef,
                v => match v.as_num() {
                    Some(n) => Val::Num(-n),
                    None => {
                        return Err(JsonataError::new(
                            "D1002",
                            "cannot negate a non-numeric value",
                            pos,
                        ))
                    }
                },
            },
            Kind::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    let value = self.eval(item, input, env)?;
                    if value.is_undef() {
                        continue;
                    }
                    if matches!(item.kind, Kind::Array(_)) || !value.is_array() {
                        out.push(value);
                    } else {
                        out.extend(value.items());
                    }
                }
                Val::Arr(Rc::new(Arr {
                    items: out,
                    cons: node.cons_array,
                    ..Arr::default()
                }))
            }
            Kind::Object(pairs) => self.group(pairs, input.clone(), env, pos)?,
            Kind::Binary(op, lhs, rhs) => self.binary(*op, lhs, rhs, input, env, pos)?,
            Kind::Condition {
                condition,
                then,
                otherwise,
            } => {
                if self.eval(condition, input, env)?.truthy() == Some(true) {
                    self.eval(then, input, env)?
                } else if let Some(otherwise) = otherwise {
                    self.eval(otherwise, input, env)?
                } else {
                    Val::Undef
                }
            }
            Kind::Block(items) => {
                let frame = Frame::child(env);
                let mut result = Val::Undef;
                for item in items {
                    result = self.eval(item, input, &frame)?;
                }
                result
            }
            Kind::Bind(name, value) => {
                let value = self.eval(value, input, env)?;
                env.bind(name, value.clone());
                value
            }
            Kind::Call {
                procedure,
                args,
                partial,
            } => self.call(procedure, args, *partial, input, env, None, pos)?,
            Kind::Placeholder => {
                return Err(JsonataError::new(
                    "S0215",
                    "`?` is only allowed as an argument of a function call",
                    pos,
                ))
            }
            Kind::Lambda(def) => Val::func(Func::Lambda {
                def,
                env: env.clone(),
                input: input.clone(),
            }),
            Kind::Apply(lhs, rhs) => self.apply_chain(lhs, rhs, input, env, pos)?,
            Kind::Sort(terms) => self.sort(terms, input.clone(), env, pos)?,
            Kind::Transform {
                pattern,
                update,
                delete,
            } => Val::func(Func::Transform {
                pattern,
                update,
                delete: delete.as_deref(),
                env: env.clone(),
            }),
        })
    }

    fn variable(&self, name: &str, input: &Val<'a>, env: &Rc<Frame<'a>>) -> Val<'a> {
        if name.is_empty() {
            return match input {
                Val::Arr(a) if a.outer => a.items.first().cloned().unwrap_or(Val::Undef),
                other => other.clone(),
            };
        }
        if name == "$" {
            return self.root.clone();
        }
        if let Some(v) = env.lookup(name) {
            return v;
        }
        if let Some((_, v)) = self.globals.iter().find(|(n, _)| *n == name) {
            return Val::Json(v);
        }
        match functions::lookup(name) {
            Some(b) => Val::func(Func::Builtin(b)),
            None => Val::Undef,
        }
    }

    fn path(&self, steps: &'a [Node], input: &Val<'a>, env: &Rc<Frame<'a>>) -> R<'a> {
        let first_is_var = matches!(steps.first().map(|s| &s.kind), Some(Kind::Var(_)));
        let mut current = if input.is_array() && !first_is_var {
            input.clone()
        } else {
            Val::seq(vec![input.clone()])
        };
        let mut result = Val::Undef;
        for (i, step) in steps.iter().enumerate() {
            result = if i == 0 && step.cons_array {
                self.eval(step, &current, env)?
            } else {
                self.step(step, &current, env, i == steps.len() - 1)?
            };
            if result.is_undef() || (result.is_array() && result.len() == 0) {
                break;
            }
            current = result.clone();
        }
        Ok(result)
    }

    fn step(&self, step: &'a Node, input: &Val<'a>, env: &Rc<Frame<'a>>, last: bool) -> R<'a> {
        if let Kind::Sort(terms) = &step.kind {
            let mut result = self.sort(terms, input.clone(), env, step.pos)?;
            for stage in &step.stages {
                result = self.filter(stage, result, env)?;
            }
            return Ok(result);
        }
        let mut results = Vec::new();
        for item in input.items() {
            let mut res = self.eval(step, &item, env)?;
            for stage in &step.stages {
                res = self.filter(stage, res, env)?;
            }
            if !res.is_undef() {
                results.push(res);
            }
        }
        if last && results.len() == 1 && results[0].is_array() && !results[0].is_seq() {
            return Ok(results.pop().expect("one result"));
        }
        let mut out = Vec::with_capacity(results.len());
        for res in results {
            match &res {
                Val::Arr(a) if !a.cons => out.extend(a.items.iter().cloned()),
                Val::Json(Value::Array(a)) => out.extend(a.iter().map(Val::Json)),
                _ => out.push(res),
            }
            // Checked as it grows: past the limit by one result's items at most.
            functions::check_items(out.len(), "a path step", step.pos)?;
        }
        Ok(Val::seq(out))
    }

    fn filter(&self, predicate: &'a Node, input: Val<'a>, env: &Rc<Frame<'a>>) -> R<'a> {
        let items: Vec<Val<'a>> = if input.is_array() {
            input.to_items()
        } else if input.is_undef() {
            vec![Val::Undef]
        } else {
            vec![input]
        };
        let index_of = |n: f64, len: usize| -> Option<usize> {
            let i = n.floor();
            let i = if i < 0.0 { len as f64 + i } else { i };
            (i >= 0.0 && i < len as f64).then_some(i as usize)
        };
        if let Kind::Num(n) = predicate.kind {
            if predicate.predicates.is_empty() && predicate.group.is_none() {
                return Ok(match index_of(n, items.len()).map(|i| &items[i]) {
                    Some(item) if item.is_array() => item.clone(),
                    Some(item) if !item.is_undef() => Val::seq(vec![item.clone()]),
                    _ => Val::seq(Vec::new()),
                });
            }
        }
        let mut out = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let res = self.eval(predicate, item, env)?;
            let numbers: Option<Vec<f64>> = match res.ty() {
                Type::Num => res.as_num().map(|n| vec![n]),
                Type::Arr if res.len() > 0 => res.items().map(|v| v.as_num()).collect(),
                _ => None,
            };
            let keep = match numbers {
                Some(ns) => ns.iter().any(|&n| index_of(n, items.len()) == Some(index)),
                None => res.truthy() == Some(true),
            };
            if keep && !item.is_undef() {
                out.push(item.clone());
            }
        }
        Ok(Val::seq(out))
    }

    /// An object constructor applied to `input` (grouping the items of a sequence by key).
    fn group(
        &self,
        pairs: &'a [(Node, Node)],
        input: Val<'a>,
        env: &Rc<Frame<'a>>,
        pos: usize,
    ) -> R<'a> {
        let mut items: Vec<Val<'a>> = if input.is_array() {
            input.to_items()
        } else {
            vec![input]
        };
        if items.is_empty() {
            items.push(Val::Undef);
        }
        let mut groups: IndexMap<String, (Val<'a>, usize)> = IndexMap::new();
        for item in &items {
            for (index, (key_node, _)) in pairs.iter().enumerate() {
                let key = self.eval(key_node, item, env)?;
                if key.is_undef() {
                    continue;
                }
                let Some(key) = key.as_str() else {
                    return Err(JsonataError::new(
                        "T1003",
                        format!("object keys must be strings, got {}", quoted_value(&key)),
                        key_node.pos,
                    ));
                };
                match groups.get_mut(key) {
                    Some((data, existing)) => {
                        if *existing != index {
                            return Err(JsonataError::new(
                                "D1009",
                                format!(
                                    "multiple key expressions evaluate to the same key `{key}`"
                                ),
                                pos,
                            ));
                        }
                        *data = append(data.clone(), item.clone());
                    }
                    None => {
                        groups.insert(key.to_string(), (item.clone(), index));
                    }
                }
            }
        }
        let mut out = IndexMap::with_capacity(groups.len());
        for (key, (data, index)) in groups {
            let value = self.eval(&pairs[index].1, &data, env)?;
            if !value.is_undef() {
                out.insert(key, value);
            }
        }
        Ok(Val::Obj(Rc::new(out)))
    }

    fn binary(
        &self,
        op: BinOp,
        lhs: &'a Node,
        rhs: &'a Node,
        input: &Val<'a>,
        env: &Rc<Frame<'a>>,
        pos: usize,
    ) -> R<'a> {
        let left = self.eval(lhs, input, env)?;
        if matches!(op, BinOp::And | BinOp::Or) {
            let l = left.truthy() == Some(true);
            let short = if op == BinOp::And { !l } else { l };
            if short {
                return Ok(Val::Bool(l));
            }
            return Ok(Val::Bool(
                self.eval(rhs, input, env)?.truthy() == Some(true),
            ));
        }
        let right = self.eval(rhs, input, env)?;
        let sym = op.symbol();
        match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
                let l = numeric_operand(&left, "left", sym, pos)?;
                let r = numeric_operand(&right, "right", sym, pos)?;
                let (Some(l), Some(r)) = (l, r) else {
                    return Ok(Val::Undef);
                };
                let n = match op {
                    BinOp::Add => l + r,
                    BinOp::Sub => l - r,
                    BinOp::Mul => l * r,
                    BinOp::Div => l / r,
                    _ => l % r,
                };
                if !n.is_finite() {
                    return Err(JsonataError::new(
                        "D1001",
                        format!("the result of `{sym}` is out of range"),
                        pos,
                    ));
                }
                Ok(Val::Num(n))
            }
            BinOp::Eq | BinOp::Ne => {
                if left.is_undef() || right.is_undef() {
                    return Ok(Val::Bool(false));
                }
                let eq = deep_equal(&left, &right);
                Ok(Val::Bool(if op == BinOp::Eq { eq } else { !eq }))
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let comparable =
                    |v: &Val<'_>| matches!(v.ty(), Type::Undef | Type::Str | Type::Num);
                if !comparable(&left) || !comparable(&right) {
                    return Err(JsonataError::new(
                        "T2010",
                        format!("the expressions either side of `{sym}` must evaluate to numbers or strings"),
                        pos,
                    ));
                }
                if left.is_undef() || right.is_undef() {
                    return Ok(Val::Undef);
                }
                let ord = match (left.as_num(), right.as_num(), left.as_str(), right.as_str()) {
                    (Some(a), Some(b), _, _) => a.partial_cmp(&b),
                    (_, _, Some(a), Some(b)) => Some(a.cmp(b)),
                    _ => {
                        return Err(JsonataError::new(
                            "T2009",
                            format!(
                            "the values {} and {} either side of `{sym}` must be of the same type",
                            quoted_value(&left),
                            quoted_value(&right)
                        ),
                            pos,
                        ))
                    }
                };
                let Some(ord) = ord else {
                    return Ok(Val::Bool(false));
                };
                Ok(Val::Bool(match op {
                    BinOp::Lt => ord == Ordering::Less,
                    BinOp::Le => ord != Ordering::Greater,
                    BinOp::Gt => ord == Ordering::Greater,
                    _ => ord != Ordering::Less,
                }))
            }
            BinOp::Concat => {
                let (l, r) = (concat_part(&left, pos)?, concat_part(&right, pos)?);
                functions::check_string_len(l.len().saturating_add(r.len()), "`&`", pos)?;
                let mut s = String::with_capacity(l.len() + r.len());
                s.push_str(&l);
                s.push_str(&r);
                Ok(Val::string(s))
            }
            BinOp::In => {
                if left.is_undef() || right.is_undef() {
                    return Ok(Val::Bool(false));
                }
                Ok(Val::Bool(
                    right.items().any(|item| strict_equal(&item, &left)),
                ))
            }
            BinOp::Range => {
                let int = |v: &Val<'_>,
                           side: &str,
                           code: &str|
                 -> Result<Option<f64>, JsonataError> {
                    match v {
                        Val::Undef => Ok(None),
                        v => match v.as_num() {
                            Some(n) if n.fract() == 0.0 => Ok(Some(n)),
                            _ => Err(JsonataError::new(code, format!("the {side} side of the range operator (..) must evaluate to an integer"), pos)),
                        },
                    }
                };
                let l = int(&left, "left", "T2003")?;
                let r = int(&right, "right", "T2004")?;
                let (Some(l), Some(r)) = (l, r) else {
                    return Ok(Val::Undef);
                };
                if l > r {
                    return Ok(Val::Undef);
                }
                let size = r - l + 1.0;
                if size > functions::MAX_ITEMS as f64 {
                    return Err(JsonataError::new("D2014", format!("the range operator (..) cannot allocate more than 1e7 items, asked for {size}"), pos));
                }
                let (l, r) = (l as i64, r as i64);
                Ok(Val::array((l..=r).map(|i| Val::Num(i as f64)).collect()))
            }
            BinOp::And | BinOp::Or => unreachable!("handled above"),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn call(
        &self,
        procedure: &'a Node,
        args: &'a [Node],
        partial: bool,
        input: &Val<'a>,
        env: &Rc<Frame<'a>>,
        applied_to: Option<Val<'a>>,
        pos: usize,
    ) -> R<'a> {
        let proc = self.eval(procedure, input, env)?;
        let name = procedure_name(procedure);
        if proc.is_undef() {
            if let Kind::Path { steps, .. } = &procedure.kind {
                if let Some(Kind::Name(n)) = steps.first().map(|s| &s.kind) {
                    if env.lookup(n).is_some() || functions::lookup(n).is_some() {
                        return Err(JsonataError::new(
                            "T1005",
                            format!("attempted to invoke a non-function; did you mean `${n}`?"),
                            pos,
                        ));
                    }
                }
            }
        }
        if partial {
            if !proc.is_func() {
                return Err(JsonataError::new(
                    "T1008",
                    format!("attempted to partially apply a non-function `{name}`"),
                    pos,
                ));
            }
            let mut bound = Vec::with_capacity(args.len() + 1);
            if let Some(first) = applied_to {
                bound.push(Some(first));
            }
            for arg in args {
                bound.push(match arg.kind {
                    Kind::Placeholder => None,
                    _ => Some(self.eval(arg, input, env)?),
                });
            }
            return Ok(Val::func(Func::Partial {
                func: proc,
                args: bound,
            }));
        }
        let mut values = Vec::with_capacity(args.len() + 1);
        if let Some(first) = applied_to {
            values.push(first);
        }
        for arg in args {
            values.push(self.eval(arg, input, env)?);
        }
        self.apply(&proc, values, input, pos, &name)
    }

    /// Applies a function value to arguments; `input` is the context for `-` parameters.
    pub fn apply(
        &self,
        proc: &Val<'a>,
        args: Vec<Val<'a>>,
        input: &Val<'a>,
        pos: usize,
        name: &str,
    ) -> R<'a> {
        let Val::Func(func) = proc else {
            return Err(JsonataError::new(
                "T1006",
                format!("attempted to invoke a non-function `{name}`"),
                pos,
            ));
        };
        let depth = self.depth.get() + 1;
        if depth > MAX_DEPTH {
            return Err(JsonataError::new(
                "U1001",
                "stack overflow: the expression recurses too deeply",
                pos,
            ));
        }
        self.depth.set(depth);
        let result = with_stack(|| self.apply_func(func, args, input, pos, name));
        self.depth.set(depth - 1);
        result
    }

    fn apply_func(
        &self,
        func: &Func<'a>,
        args: Vec<Val<'a>>,
        input: &Val<'a>,
        pos: usize,
        name: &str,
    ) -> R<'a> {
        match func {
            Func::Lambda {
                def,
                env,
                input: captured,
            } => {
                let args = match &def.signature {
                    Some(sig) => sig.validate(name, args, input, pos)?,
                    None => args,
                };
                let frame = Frame::child(env);
                let mut args = args.into_iter();
                for param in &def.params {
                    frame.bind(param, args.next().unwrap_or(Val::Undef));
                }
                self.eval(&def.body, captured, &frame)
            }
            Func::Builtin(builtin) => {
                let args = builtin
                    .signature()
                    .validate(builtin.name, args, input, pos)?;
                let result = (builtin.f)(self, args, pos)?;
                functions::checked_result(builtin.name, result, pos)
            }
            Func::Partial { func, args: bound } => {
                let mut supplied = args.into_iter();
                let filled = bound
                    .iter()
                    .map(|b| {
                        b.clone()
                            .unwrap_or_else(|| supplied.next().unwrap_or(Val::Undef))
                    })
                    .collect();
                self.apply(func, filled, input, pos, name)
            }
            Func::Chain(first, second) => {
                let mid = self.apply(first, args, input, pos, name)?;
                self.apply(second, vec![mid], input, pos, name)
            }
            Func::Regex(re) => {
                let Some(text) = args.first().and_then(|a| a.as_str().map(str::to_string)) else {
                    return Ok(Val::Undef);
                };
                Ok(functions::regex_match_object(re, &text, 0))
            }
            Func::Transform {
                pattern,
                update,
                delete,
                env,
            } => {
                let target = args.into_iter().next().unwrap_or(Val::Undef);
                self.transform(target, pattern, update, *delete, env, pos)
            }
        }
    }

    /// Number of parameters a function takes (how many of value, index, array it receives).
    pub fn arity(&self, f: &Val<'a>) -> usize {
        match f {
            Val::Func(func) => match &**func {
                Func::Lambda { def, .. } => def.params.len(),
                Func::Builtin(b) => b.signature().required(),
                Func::Partial { args, .. } => args.iter().filter(|a| a.is_none()).count(),
                Func::Chain(first, _) => self.arity(first),
                Func::Regex(_) | Func::Transform { .. } => 1,
            },
            _ => 0,
        }
    }

    fn apply_chain(
        &self,
        lhs: &'a Node,
        rhs: &'a Node,
        input: &Val<'a>,
        env: &Rc<Frame<'a>>,
        pos: usize,
    ) -> R<'a> {
        let left = self.eval(lhs, input, env)?;
        if let Kind::Call {
            procedure,
            args,
            partial: false,
        } = &rhs.kind
        {
            // `lhs ~> f(args)` calls `f(lhs, args)`; the call keeps its own filters and `[]`
            let mut result = self.call(procedure, args, false, input, env, Some(left), rhs.pos)?;
            for predicate in &rhs.predicates {
                result = self.filter(predicate, result, env)?;
            }
            return Ok(collapse(result, rhs.keep_array));
        }
        let func = self.eval(rhs, input, env)?;
        if !func.is_func() {
            return Err(JsonataError::new(
                "T2006",
                "the right side of `~>` must be a function",
                pos,
            ));
        }
        if left.is_func() {
            return Ok(Val::func(Func::Chain(left, func)));
        }
        self.apply(&func, vec![left], &Val::Undef, pos, "~>")
    }

    fn sort(
        &self,
        terms: &'a [SortTerm],
        input: Val<'a>,
        env: &Rc<Frame<'a>>,
        pos: usize,
    ) -> R<'a> {
        let items: Vec<Val<'a>> = input.to_items();
        let mut keyed = Vec::with_capacity(items.len());
        for item in items {
            let mut keys = Vec::with_capacity(terms.len());
            for term in terms {
                keys.push(self.eval(&term.expr, &item, env)?);
            }
            keyed.push((keys, item));
        }
        if keyed.len() > 1 {
            for (t, _) in terms.iter().enumerate() {
                let (mut strings, mut numbers) = (false, false);
                for (keys, _) in &keyed {
                    match keys[t].ty() {
                        Type::Undef => {}
                        Type::Str => strings = true,
                        Type::Num => numbers = true,
                        _ => {
                            return Err(JsonataError::new("T2008", "the expressions of an order-by clause must evaluate to numbers or strings", pos))
                        }
                    }
                }
                if strings && numbers {
                    return Err(JsonataError::new(
                        "T2007",
                        "the values of an order-by clause must all be of the same type",
                        pos,
                    ));
                }
            }
        }
        keyed.sort_by(|(a, _), (b, _)| {
            for (t, term) in terms.iter().enumerate() {
                let ord = match (a[t].is_undef(), b[t].is_undef()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => return Ordering::Greater,
                    (false, true) => return Ordering::Less,
                    _ => compare_sortable(&a[t], &b[t]),
                };
                let ord = if term.descending { ord.reverse() } else { ord };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            Ordering::Equal
        });
        Ok(Val::seq(keyed.into_iter().map(|(_, item)| item).collect()))
    }

    /// `| pattern | update, delete |` applied to a copy of `target`.
    fn transform(
        &self,
        target: Val<'a>,
        pattern: &'a Node,
        update: &'a Node,
        delete: Option<&'a Node>,
        env: &Rc<Frame<'a>>,
        pos: usize,
    ) -> R<'a> {
        if target.is_undef() {
            return Ok(Val::Undef);
        }
        if !matches!(target.ty(), Type::Obj | Type::Arr) {
            return Err(JsonataError::new(
                "T0410",
                "the transform operator applies to objects and arrays",
                pos,
            ));
        }
        // own the copy so that matches can be recognised by identity
        let copy = own(&target);
        let matches = self.eval(pattern, &copy, env)?;
        let mut edits: Vec<Edit<'a>> = Vec::new();
        for m in matches.items() {
            let Val::Obj(obj) = &m else { continue };
            let mut sets = Vec::new();
            let upd = self.eval(update, &m, env)?;
            match upd.ty() {
                Type::Undef => {}
                Type::Obj => sets = upd.entries(),
                _ => {
                    return Err(JsonataError::new(
                        "T2011",
                        "the update clause of a transform must evaluate to an object",
                        pos,
                    ))
                }
            }
            let mut removes = Vec::new();
            if let Some(delete) = delete {
                let del = self.eval(delete, &m, env)?;
                if !del.is_undef() {
                    for d in del.items() {
                        match d.as_str() {
                            Some(s) => removes.push(s.to_string()),
                            None => {
                                return Err(JsonataError::new(
                                    "T2012",
                                    "the delete clause of a transform must evaluate to strings",
                                    pos,
                                ))
                            }
                        }
                    }
                }
            }
            edits.push((Rc::as_ptr(obj), sets, removes));
        }
        Ok(rebuild(&copy, &edits))
    }
}

type Edit<'a> = (
    *const IndexMap<String, Val<'a>>,
    Vec<(String, Val<'a>)>,
    Vec<String>,
);

/// Copies the objects matched by a transform with their edits applied.
fn rebuild<'a>(value: &Val<'a>, edits: &[Edit<'a>]) -> Val<'a> {
    match value {
        Val::Obj(obj) => {
            let mut map: IndexMap<String, Val<'a>> = obj
                .iter()
                .map(|(k, v)| (k.clone(), rebuild(v, edits)))
                .collect();
            for (ptr, sets, removes) in edits {
                if std::ptr::eq(*ptr, Rc::as_ptr(obj)) {
                    for (k, v) in sets {
                        map.insert(k.clone(), v.clone());
                    }
                    for k in removes {
                        map.shift_remove(k);
                    }
                }
            }
            Val::Obj(Rc::new(map))
        }
        Val::Arr(arr) => Val::Arr(Rc::new(Arr {
            items: arr.items.iter().map(|v| rebuild(v, edits)).collect(),
            ..(**arr).clone()
        })),
        other => other.clone(),
    }
}

/// A deep copy made of owned objects and arrays.
fn own<'a>(value: &Val<'a>) -> Val<'a> {
    match value.ty() {
        Type::Obj => Val::Obj(Rc::new(
            value
                .entries()
                .into_iter()
                .map(|(k, v)| (k, own(&v)))
                .collect(),
        )),
        Type::Arr => Val::array(value.items().map(|v| own(&v)).collect()),
        _ => value.clone(),
    }
}

fn compare_sortable(a: &Val<'_>, b: &Val<'_>) -> Ordering {
    match (a.as_num(), b.as_num()) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.as_str().cmp(&b.as_str()),
    }
}

/// A sequence of one collapses to its item, an empty one to undefined.
pub(crate) fn collapse(value: Val<'_>, keep_array: bool) -> Val<'_> {
    let Val::Arr(mut arr) = value else {
        return value;
    };
    if !arr.seq {
        return Val::Arr(arr);
    }
    if keep_array && !arr.keep {
        Rc::make_mut(&mut arr).keep = true;
    }
    match arr.items.len() {
        0 => Val::Undef,
        1 if !arr.keep => arr.items[0].clone(),
        _ => Val::Arr(arr),
    }
}

/// `name` looked up in an object, or in every object of an array (flattening one level).
fn lookup<'a>(input: &Val<'a>, key: &str) -> Val<'a> {
    if !input.is_array() {
        return input.field(key);
    }
    let mut out = Vec::new();
    for item in input.items() {
        let res = lookup(&item, key);
        if res.is_array() {
            out.extend(res.items());
        } else if !res.is_undef() {
            out.push(res);
        }
    }
    Val::seq(out)
}

fn wildcard<'a>(input: &Val<'a>) -> Val<'a> {
    let input = match input {
        Val::Arr(a) if a.outer && !a.items.is_empty() => a.items[0].clone(),
        other => other.clone(),
    };
    let mut out = Vec::new();
    let values: Vec<Val<'a>> = match input.ty() {
        Type::Obj => input.entries().into_iter().map(|(_, v)| v).collect(),
        Type::Arr => input.to_items(),
        _ => Vec::new(),
    };
    for v in values {
        if v.is_array() {
            flatten_into(&v, &mut out);
        } else {
            out.push(v);
        }
    }
    Val::seq(out)
}

fn flatten_into<'a>(v: &Val<'a>, out: &mut Vec<Val<'a>>) {
    if v.is_array() {
        for item in v.items() {
            flatten_into(&item, out);
        }
    } else {
        out.push(v.clone());
    }
}

fn descendants<'a>(v: &Val<'a>, out: &mut Vec<Val<'a>>) {
    match v.ty() {
        Type::Arr => {
            for item in v.items() {
                descendants(&item, out);
            }
        }
        Type::Obj => {
            out.push(v.clone());
            for (_, item) in v.entries() {
                descendants(&item, out);
            }
        }
        _ => out.push(v.clone()),
    }
}

/// `fn.append`: concatenates, treating single values as one-item arrays.
pub(crate) fn append<'a>(a: Val<'a>, b: Val<'a>) -> Val<'a> {
    if a.is_undef() {
        return b;
    }
    if b.is_undef() {
        return a;
    }
    let mut items = a.to_items();
    items.extend(b.items());
    Val::array(items)
}

/// `===` in JavaScript: values for primitives, identity for objects and arrays.
fn strict_equal<'a>(a: &Val<'a>, b: &Val<'a>) -> bool {
    match a.ty() {
        Type::Obj | Type::Arr | Type::Func => false,
        _ => deep_equal(a, b),
    }
}

fn numeric_operand(
    v: &Val<'_>,
    side: &str,
    op: &str,
    pos: usize,
) -> Result<Option<f64>, JsonataError> {
    match v {
        Val::Undef => Ok(None),
        v => match v.as_num() {
            Some(n) => Ok(Some(n)),
            None => Err(JsonataError::new(
                if side == "left" { "T2001" } else { "T2002" },
                format!(
                    "the {side} side of the `{op}` operator must evaluate to a number, got {}",
                    quoted_value(v)
                ),
                pos,
            )),
        },
    }
}

fn procedure_name(node: &Node) -> String {
    match &node.kind {
        Kind::Var(name) => format!("${name}"),
        Kind::Path { steps, .. } => match steps.first().map(|s| &s.kind) {
            Some(Kind::Name(n)) => n.clone(),
            Some(Kind::Var(n)) => format!("${n}"),
            _ => "function".into(),
        },
        _ => "function".into(),
    }
}

/// One side of `&` as text: a string read in place (so that the result's length is checked
/// before anything is copied), nothing for an undefined side, `$string` of anything else.
fn concat_part<'v>(v: &'v Val<'_>, pos: usize) -> Result<Cow<'v, str>, JsonataError> {
    if v.is_undef() {
        return Ok(Cow::Borrowed(""));
    }
    match v.as_str() {
        Some(s) => Ok(Cow::Borrowed(s)),
        None => functions::to_string(v, pos).map(Cow::Owned),
    }
}
