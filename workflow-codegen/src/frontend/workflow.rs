//! `#[workflow]`: reads a fn body written in a subset of Rust and produces, for each construct,
//! two things side by side:
//! - its IR, as the data `definition()` reads (see [`crate::body_data`]): JSON, with slots for
//!   the callees and constants that only compiled code can give;
//! - the *shadow* of the construct: the same Rust, with each task call routed through its
//!   companion's types, re-emitted in a never-called fn so rustc checks every binding, field,
//!   argument, `match` and return type at the user's own tokens.
//!
//! Everything ASL cannot express is reported here, all errors at once, at the offending tokens.

use super::attrs::{doc_comment, pascal, ErrorRef, RetrySpec};
use super::errors::Ctxt;
use super::task::result_parts;
use crate::ir::{CmpOp, Pattern, Var, WaitFor};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use serde_json::{json, Value};
use std::collections::HashMap;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, FnArg, Ident, ItemFn, Pat, ReturnType, Stmt, Token, Type, UnOp};

/// Expands `#[workflow(attr)] item`.
pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            return syn::Error::new_spanned(
                item,
                "`#[workflow]` goes on a function: `#[workflow] fn checkout(order: Order) -> Receipt { .. }`",
            )
            .to_compile_error()
        }
    };
    let cx = Ctxt::new();
    let settings = parse_settings(&cx, attr);
    let out = Parser::run(&cx, &item);
    match cx.check() {
        Ok(()) => generate(&item, out.expect("no errors means a result"), settings),
        Err(e) => {
            let mut t = e.to_compile_error();
            t.extend(fallback(&item));
            t
        }
    }
}

/// The settings of `#[workflow(..)]`.
#[derive(Default)]
struct Settings {
    /// `query_language = "JSONata"`: the query language to lower to, when set (`JSONPath` or
    /// `JSONata`, as ASL spells them).
    language: Option<Ident>,
    /// `sample_input = r#"{..}"#`: JSON the default `emit-asl` run executes the workflow on
    /// (checked to be JSON here, at the literal).
    sample_input: Option<syn::LitStr>,
}

/// Reads `#[workflow(query_language = "JSONata", sample_input = "{..}")]`.
fn parse_settings(cx: &Ctxt, attr: TokenStream) -> Settings {
    let mut settings = Settings::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("query_language") {
            let s: syn::LitStr = meta.value()?.parse()?;
            match s.value().as_str() {
                "JSONPath" | "JSONata" => {
                    settings.language = Some(Ident::new(&s.value(), s.span()))
                }
                _ => {
                    return Err(syn::Error::new_spanned(
                        s,
                        "`query_language` is \"JSONPath\" (the default) or \"JSONata\"",
                    ))
                }
            }
        } else if meta.path.is_ident("sample_input") {
            let s: syn::LitStr = meta.value()?.parse()?;
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&s.value()) {
                return Err(syn::Error::new_spanned(
                    s,
                    format!("`sample_input` must be JSON text (`sample_input = r#\"{{\"id\": 1}}\"#`): {e}"),
                ));
            }
            settings.sample_input = Some(s);
        } else {
            return Err(meta.error(
                "unknown `#[workflow]` setting; expected `query_language = \"JSONata\"` or `sample_input = \"<JSON>\"`",
            ));
        }
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, attr) {
        cx.syn_error(e);
    }
    settings
}

/// What parsing a workflow fn yields.
struct Parsed {
    param: Ident,
    param_pat: Pat,
    input: Type,
    output: TokenStream,
    error: Option<Type>,
    body_ir: Value,
    shadow: TokenStream,
    checks: Vec<TokenStream>,
    callees: Vec<TokenStream>,
    values: Vec<TokenStream>,
}

/// A parsed piece of the body: its IR and its shadow.
struct Node {
    ir: Value,
    shadow: TokenStream,
}

/// How control leaves a piece of code.
#[derive(Default, Clone, Copy)]
struct Exits {
    /// Never falls through to what follows.
    diverges: bool,
    /// Contains a `break` of the enclosing loop.
    breaks: bool,
    /// Contains a `return` (or a Fail).
    returns: bool,
}

/// Settings on a statement: `#[state("Name")]`, `#[retry(..)]`, `#[catch(..)]`, `///`.
#[derive(Default)]
struct StmtAttrs {
    state: Option<(String, Span)>,
    retry: Vec<RetrySpec>,
    catch: Vec<CatchSpec>,
    doc: Option<String>,
    span: Option<Span>,
}

struct CatchSpec {
    errors: Vec<ErrorRef>,
    handler: syn::Path,
}

/// What a block's value is for.
#[derive(Clone, Copy, PartialEq)]
enum ValueUse {
    /// The workflow's result (`Ok(..)` unwrapped, `Err(..)` is a Fail state).
    Return,
    /// A plain value (a `let x = match ..` arm, a statement).
    Plain,
}

struct Parser<'a> {
    cx: &'a Ctxt,
    wf: &'a Ident,
    result_workflow: bool,
    scopes: Vec<Vec<String>>,
    /// State names taken so far; `Some(span)` for names from the user's own identifiers.
    names: HashMap<String, Option<Span>>,
    loop_depth: usize,
    /// Checks that need no workflow value (`#[retry]`/`#[catch]` error names and handlers),
    /// emitted at the top of the shadow fn.
    checks: Vec<TokenStream>,
    /// The companions whose `callee()` the IR's callee slots index.
    callees: Vec<TokenStream>,
    /// The slot of each companion in `callees`, by its path's text.
    callee_slots: HashMap<String, usize>,
    /// The expressions (each a `serde_json::Value`) the IR's constant slots index.
    values: Vec<TokenStream>,
}

fn wf() -> TokenStream {
    quote!(::workflow_codegen::__private)
}

impl<'a> Parser<'a> {
    fn run(cx: &'a Ctxt, item: &'a ItemFn) -> Option<Parsed> {
        let sig = &item.sig;
        if !sig.generics.params.is_empty() {
            cx.error_spanned_by(
                &sig.generics,
                "a workflow cannot be generic: its state machine has one input and one output type",
            );
        }
        let mut param = None;
        match sig.inputs.len() {
            1 => match &sig.inputs[0] {
                FnArg::Typed(t) => match &*t.pat {
                    Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                        param = Some((&pi.ident, &*t.pat, &*t.ty))
                    }
                    other => cx.error_spanned_by(other, "name the workflow input with a plain identifier: `fn flow(order: Order)`"),
                },
                FnArg::Receiver(r) => cx.error_spanned_by(r, "a workflow cannot take `self`; take the workflow input as the only argument"),
            },
            _ => cx.error_spanned_by(&sig.inputs, "a workflow takes exactly one argument, its input; put several values in one struct"),
        }
        let (output, error) = match &sig.output {
            ReturnType::Default => (quote!(()), None),
            ReturnType::Type(_, ty) => match result_parts(ty) {
                Some((o, e)) => (o.to_token_stream(), Some(e)),
                None => (ty.to_token_stream(), None),
            },
        };
        let (param, param_pat, input) = param?;
        let mut p = Parser {
            cx,
            wf: &sig.ident,
            result_workflow: error.is_some(),
            scopes: vec![vec![param.to_string()]],
            names: HashMap::new(),
            loop_depth: 0,
            checks: Vec::new(),
            callees: Vec::new(),
            callee_slots: HashMap::new(),
            values: Vec::new(),
        };
        let (body, exits) = p.block(&item.block.stmts, ValueUse::Return);
        let _ = exits;
        Some(Parsed {
            param: param.clone(),
            param_pat: param_pat.clone(),
            input: input.clone(),
            output,
            error: error.cloned(),
            body_ir: body.ir,
            shadow: body.shadow,
            checks: p.checks,
            callees: p.callees,
            values: p.values,
        })
    }

    // ----- slots -----

    /// The callee slot of `companion`'s `callee()`.
    fn callee_slot(&mut self, companion: &TokenStream) -> usize {
        let next = self.callees.len();
        let slot = *self
            .callee_slots
            .entry(companion.to_string())
            .or_insert(next);
        if slot == next {
            self.callees.push(companion.clone());
        }
        slot
    }

    /// A slot for the value of `value` (an expression of type `serde_json::Value`).
    fn value_slot(&mut self, value: TokenStream) -> usize {
        self.values.push(value);
        self.values.len() - 1
    }

    /// A slot for the JSON of the constant `e` (any `Serialize` expression).
    fn constant_slot(&mut self, e: &TokenStream) -> usize {
        let w = wf();
        self.value_slot(quote!(#w::literal(&(#e))))
    }

    /// `var op constant`.
    fn compare_constant(&mut self, var: &Var, op: CmpOp, constant: &TokenStream) -> Value {
        let slot = self.constant_slot(constant);
        json!({"Compare": [var, op, {"Literal": slot}]})
    }

    // ----- names and scopes -----

    fn in_scope(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.iter().any(|n| n == name))
    }

    fn bind(&mut self, ident: &Ident) {
        let name = ident.to_string();
        if self.in_scope(&name) {
            self.cx.error_spanned_by(ident, format!("`{name}` is already bound in this workflow; each binding is stored at `$.{name}`, so rebinding it would overwrite the first value: use a new name"));
        }
        self.scopes.last_mut().expect("a scope").push(name);
    }

    /// Claims a state name taken from the user's identifiers: a duplicate is an error here.
    fn claim_user(&mut self, name: String, span: Span) -> String {
        if let Some(prev) = self.names.get(&name) {
            let what = if prev.is_some() {
                "another state"
            } else {
                "a generated state"
            };
            self.cx.error_at(span, format!("state name `{name}` is already used by {what}; ASL state names must be unique: name this state with `#[state(\"...\")]` on the statement"));
        } else {
            self.names.insert(name.clone(), Some(span));
        }
        name
    }

    /// Claims a generated state name, numbering it when taken.
    fn claim_generic(&mut self, base: &str) -> String {
        let mut name = base.to_owned();
        let mut i = 2;
        while self.names.contains_key(&name) {
            name = format!("{base}{i}");
            i += 1;
        }
        self.names.insert(name.clone(), None);
        name
    }

    fn state_name(
        &mut self,
        attrs: &StmtAttrs,
        derived: Option<(String, Span)>,
        generic: &str,
    ) -> String {
        if let Some((n, span)) = &attrs.state {
            return self.claim_user(n.clone(), *span);
        }
        match derived {
            Some((n, span)) => self.claim_user(n, span),
            None => self.claim_generic(generic),
        }
    }

    // ----- attributes -----

    fn stmt_attrs(&mut self, attrs: &[syn::Attribute]) -> StmtAttrs {
        let mut out = StmtAttrs {
            doc: doc_comment(attrs),
            ..Default::default()
        };
        for a in attrs {
            let path = a.path();
            if path.is_ident("doc") {
                continue;
            }
            out.span = Some(a.span());
            let result = if path.is_ident("state") {
                a.parse_args::<syn::LitStr>().map(|s| {
                    if s.value().is_empty() || s.value().chars().count() > 80 {
                        self.cx
                            .error_spanned_by(&s, "a state name has 1 to 80 characters");
                    }
                    out.state = Some((s.value(), s.span()));
                })
            } else if path.is_ident("retry") {
                parse_retry_attr(a).map(|r| out.retry.push(r))
            } else if path.is_ident("catch") {
                parse_catch_attr(a).map(|c| out.catch.push(c))
            } else {
                Err(syn::Error::new_spanned(a, "a workflow statement takes only `#[state(\"Name\")]`, `#[retry(..)]`, `#[catch(..)]` and doc comments"))
            };
            if let Err(e) = result {
                self.cx.syn_error(e);
            }
        }
        out
    }

    fn no_call_attrs(&self, attrs: &StmtAttrs, what: &str) {
        if !attrs.retry.is_empty() || !attrs.catch.is_empty() {
            self.cx.error_at(
                attrs.span.unwrap_or_else(Span::call_site),
                format!(
                    "`#[retry]` and `#[catch]` apply to a task or workflow call, not to {what}"
                ),
            );
        }
    }

    // ----- blocks and statements -----

    fn block(&mut self, stmts: &[Stmt], use_: ValueUse) -> (Node, Exits) {
        self.scopes.push(Vec::new());
        let mut irs = Vec::new();
        let mut shadows = Vec::new();
        let mut value_ir = Value::Null;
        let mut exits = Exits::default();
        let mut reported_unreachable = false;
        for (i, stmt) in stmts.iter().enumerate() {
            if exits.diverges && !reported_unreachable {
                self.cx.error_spanned_by(stmt, "unreachable state: this comes after a `return`, `break` or failure, so no state can lead to it; remove it");
                reported_unreachable = true;
            }
            let last = i + 1 == stmts.len();
            let (ir, shadow, ex, is_value) = match stmt {
                Stmt::Local(local) => {
                    let (ir, shadow, ex) = self.local(local);
                    (ir, shadow, ex, false)
                }
                Stmt::Expr(e, semi) => {
                    let as_value = last && semi.is_none() && !is_statement_expr(e);
                    if as_value {
                        let (ir, shadow, ex) = self.value(e, &[], use_);
                        (ir, shadow, ex, true)
                    } else {
                        let (ir, mut shadow, ex) = self.expr_stmt(e, &[]);
                        if let Some(semi) = semi {
                            shadow.extend(semi.to_token_stream());
                        }
                        (ir, shadow, ex, false)
                    }
                }
                Stmt::Macro(m) => {
                    let e = Expr::Macro(syn::ExprMacro {
                        attrs: Vec::new(),
                        mac: m.mac.clone(),
                    });
                    let (ir, mut shadow, ex) = self.expr_stmt(&e, &m.attrs);
                    shadow.extend(quote!(;));
                    (ir, shadow, ex, false)
                }
                Stmt::Item(item) => {
                    self.cx.error_spanned_by(item, "items (fns, structs, `use`, ...) cannot be declared inside a workflow body; declare them outside the fn");
                    (Value::Null, TokenStream::new(), Exits::default(), false)
                }
            };
            exits.breaks |= ex.breaks;
            exits.returns |= ex.returns;
            exits.diverges |= ex.diverges;
            shadows.push(shadow);
            if is_value && use_ == ValueUse::Plain {
                value_ir = ir;
            } else if !ir.is_null() {
                irs.push(ir);
            }
        }
        self.scopes.pop();
        (
            Node {
                ir: json!({"stmts": irs, "value": value_ir}),
                shadow: quote!({ #(#shadows)* }),
            },
            exits,
        )
    }

    fn local(&mut self, local: &syn::Local) -> (Value, TokenStream, Exits) {
        let attrs = self.stmt_attrs(&local.attrs);
        let Some(init) = &local.init else {
            self.cx.error_spanned_by(
                local,
                "a workflow binding needs a value: `let x = task(input);`",
            );
            return (Value::Null, TokenStream::new(), Exits::default());
        };
        if let Some((_, diverge)) = &init.diverge {
            self.cx.error_spanned_by(
                diverge,
                "`let .. else` is not supported in a workflow; use `match` or `if let`",
            );
        }
        let pat = &local.pat;
        let inner = match pat {
            Pat::Type(t) => &*t.pat,
            p => p,
        };
        let names: Vec<&Ident> = match inner {
            Pat::Ident(pi) => {
                if let Some(m) = &pi.mutability {
                    self.cx.error_spanned_by(m, "workflow bindings are immutable (ASL data never changes in place); remove `mut` and bind a new name instead");
                }
                if pi.by_ref.is_some() || pi.subpat.is_some() {
                    self.cx.error_spanned_by(pi, "bind a plain name: `let x = ...`");
                }
                vec![&pi.ident]
            }
            Pat::Tuple(t) => t
                .elems
                .iter()
                .filter_map(|p| match p {
                    Pat::Ident(pi) if pi.mutability.is_none() && pi.by_ref.is_none() && pi.subpat.is_none() => Some(&pi.ident),
                    other => {
                        self.cx.error_spanned_by(other, "bind each element of a tuple to a plain name: `let (a, b) = join!(..)`");
                        None
                    }
                })
                .collect(),
            other => {
                self.cx.error_spanned_by(other, "a workflow `let` binds a name or a tuple of names");
                Vec::new()
            }
        };
        let tuple = matches!(inner, Pat::Tuple(_));
        let hint = if tuple {
            let parts: Vec<String> = names.iter().map(|n| pascal(&n.to_string())).collect();
            Some((parts.join("And"), inner.span()))
        } else {
            names.first().map(|n| (pascal(&n.to_string()), n.span()))
        };
        let (step_ir, value_shadow, ex) = self.step(&init.expr, &attrs, hint, ValueUse::Plain);
        for n in &names {
            self.bind(n);
        }
        let strs: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let pattern = if tuple {
            Pattern::Tuple(strs)
        } else {
            Pattern::Name(strs.first().cloned().unwrap_or_default())
        };
        (
            json!({"Let": {"pattern": pattern, "step": step_ir}}),
            quote!(let #pat = #value_shadow;),
            ex,
        )
    }

    /// An expression in statement position.
    fn expr_stmt(
        &mut self,
        e: &Expr,
        outer_attrs: &[syn::Attribute],
    ) -> (Value, TokenStream, Exits) {
        let mut all_attrs = outer_attrs.to_vec();
        all_attrs.extend(expr_attrs(e).iter().cloned());
        let attrs = self.stmt_attrs(&all_attrs);
        let e = strip_await(e);
        match e {
            Expr::Return(r) => {
                let Some(value) = &r.expr else {
                    self.cx
                        .error_spanned_by(r, "a workflow `return` needs a value");
                    return (Value::Null, TokenStream::new(), Exits::default());
                };
                let (ir, shadow, mut ex) = self.value(value, &all_attrs, ValueUse::Return);
                ex.diverges = true;
                ex.returns = true;
                (ir, quote!(return #shadow), ex)
            }
            Expr::Break(b) => {
                self.no_call_attrs(&attrs, "`break`");
                if let Some(l) = &b.label {
                    self.cx.error_spanned_by(
                        l,
                        "loop labels are not supported; `break` leaves the innermost `loop`",
                    );
                }
                if let Some(v) = &b.expr {
                    self.cx.error_spanned_by(v, "`break` cannot carry a value in a workflow; bind the value before the `break`");
                }
                if self.loop_depth == 0 {
                    self.cx.error_spanned_by(b, "`break` outside a `loop`");
                }
                (
                    json!("Break"),
                    quote!(break),
                    Exits {
                        diverges: true,
                        breaks: true,
                        returns: false,
                    },
                )
            }
            Expr::Continue(c) => {
                self.cx.error_spanned_by(
                    c,
                    "`continue` is not supported; let the `loop` body reach its end instead",
                );
                (Value::Null, TokenStream::new(), Exits::default())
            }
            Expr::Loop(l) => {
                self.no_call_attrs(&attrs, "a `loop`");
                if let Some(label) = &l.label {
                    self.cx
                        .error_spanned_by(label, "loop labels are not supported");
                }
                self.loop_depth += 1;
                let (body, ex) = self.block(&l.body.stmts, ValueUse::Plain);
                self.loop_depth -= 1;
                if !ex.breaks && !ex.returns {
                    self.cx.error_spanned_by(l.loop_token, "this `loop` never exits: it has no `break` or `return`, so the execution would run until it times out; add an exit (`if done { break }`)");
                }
                let body_ir = body.ir;
                let body_shadow = rebrace(body.shadow, &l.body.brace_token);
                (
                    json!({"Loop": {"body": body_ir}}),
                    quote!(loop #body_shadow),
                    Exits {
                        diverges: !ex.breaks,
                        breaks: false,
                        returns: ex.returns,
                    },
                )
            }
            Expr::While(x) => {
                self.cx.error_spanned_by(x.while_token, "`while` loops are not supported; write `loop { if !cond { break } .. }`, which lowers to a Choice state");
                (Value::Null, TokenStream::new(), Exits::default())
            }
            Expr::ForLoop(x) => {
                self.cx.error_spanned_by(x.for_token, "`for` loops are not supported; iterate with `items.map(task)`, which is a Map state");
                (Value::Null, TokenStream::new(), Exits::default())
            }
            Expr::If(_) | Expr::Match(_) => {
                self.no_call_attrs(&attrs, "a branch");
                let (choice, shadow, ex) = self.choice(e, &attrs, ValueUse::Plain);
                (json!({"Choice": choice}), shadow, ex)
            }
            Expr::Call(c) if is_sleep(c) => {
                self.no_call_attrs(&attrs, "a sleep");
                let (ir, shadow) = self.sleep(c, &attrs);
                (ir, shadow, Exits::default())
            }
            _ => {
                let (ir, shadow, ex) = self.step(e, &attrs, None, ValueUse::Plain);
                if !ir.is_null() && is_data(e) {
                    self.cx.error_spanned_by(
                        e,
                        "this statement has no effect; bind it with `let` or return it",
                    );
                }
                (json!({"Run": ir}), shadow, ex)
            }
        }
    }

    /// A value in tail or `return` position: a `Stmt` (Return or Fail) for the workflow's
    /// result, a `Step` for a plain value.
    fn value(
        &mut self,
        e: &Expr,
        outer_attrs: &[syn::Attribute],
        use_: ValueUse,
    ) -> (Value, TokenStream, Exits) {
        let mut all_attrs = outer_attrs.to_vec();
        all_attrs.extend(expr_attrs(strip_paren(e)).iter().cloned());
        let attrs = self.stmt_attrs(&all_attrs);
        let e = strip_paren(e);
        if use_ == ValueUse::Return && self.result_workflow {
            if let Expr::Call(c) = e {
                match call_name(c).as_deref() {
                    Some("Ok") if c.args.len() == 1 => {
                        let (ir, shadow, ex) = self.step(&c.args[0], &attrs, None, use_);
                        let func = &c.func;
                        return (json!({"Return": ir}), quote!(#func(#shadow)), ex);
                    }
                    Some("Err") if c.args.len() == 1 => {
                        let (ir, shadow) = self.fail(&c.args[0], &attrs);
                        let func = &c.func;
                        return (
                            ir,
                            quote!(#func(#shadow)),
                            Exits {
                                diverges: true,
                                returns: true,
                                breaks: false,
                            },
                        );
                    }
                    _ => {}
                }
            }
            if !matches!(e, Expr::If(_) | Expr::Match(_) | Expr::Block(_)) {
                self.cx.error_spanned_by(e, "this workflow returns a `Result`: return `Ok(value)`, or `Err(error)` for a Fail state");
            }
        }
        if use_ == ValueUse::Return && !self.result_workflow {
            if let Expr::Call(c) = e {
                if matches!(call_name(c).as_deref(), Some("Ok" | "Err")) {
                    self.cx.error_spanned_by(&c.func, "this workflow does not return a `Result`; declare `-> Result<T, E>` to fail with `Err(..)`");
                }
            }
        }
        let (ir, shadow, ex) = self.step(e, &attrs, None, use_);
        let wrapped = if use_ == ValueUse::Return {
            json!({"Return": ir})
        } else {
            ir
        };
        (wrapped, shadow, ex)
    }

    /// `Err(e)`: a Fail state named after the error variant, with the error's `Display` as Cause.
    fn fail(&mut self, e: &Expr, attrs: &StmtAttrs) -> (Value, TokenStream) {
        let w = wf();
        let variant = match strip_paren(e) {
            Expr::Path(p) if p.path.segments.len() >= 2 => {
                p.path.segments.last().map(|s| s.ident.clone())
            }
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) if p.path.segments.len() >= 2 => {
                    p.path.segments.last().map(|s| s.ident.clone())
                }
                _ => None,
            },
            Expr::Struct(s) if s.path.segments.len() >= 2 => {
                s.path.segments.last().map(|s| s.ident.clone())
            }
            _ => None,
        };
        let Some(variant) = variant else {
            self.cx.error_spanned_by(e, "return an error enum variant, such as `Err(MyError::Rejected)`: its name becomes the Fail state's Error and its `Display` text the Cause");
            return (Value::Null, TokenStream::new());
        };
        for ident in idents_in(e) {
            if self.in_scope(&ident.to_string()) {
                self.cx.error_spanned_by(&ident, format!("a Fail state's Error and Cause are fixed text, so the error cannot contain the workflow value `{ident}`; pass it to a task that fails instead"));
            }
        }
        let error = variant.to_string();
        let state = self.state_name(attrs, None, &error);
        let cause = self.value_slot(
            quote!(#w::serde_json::Value::String(::std::string::ToString::to_string(&(#e)))),
        );
        (
            json!({"Fail": {"state": state, "comment": attrs.doc, "error": error, "cause": cause}}),
            e.to_token_stream(),
        )
    }

    /// Something that produces a value: a call, a Map, a join, a branch, or data.
    fn step(
        &mut self,
        e: &Expr,
        attrs: &StmtAttrs,
        hint: Option<(String, Span)>,
        use_: ValueUse,
    ) -> (Value, TokenStream, Exits) {
        let e = strip_paren(strip_await(e));
        match e {
            Expr::Call(c) if is_sleep(c) => {
                self.cx.error_spanned_by(
                    c,
                    "a sleep has no value; write it as a statement: `sleep(10);`",
                );
                (Value::Null, TokenStream::new(), Exits::default())
            }
            Expr::Call(c)
                if !matches!(call_name(c).as_deref(), Some("Some" | "Ok" | "Err"))
                    && !is_constructor(c) =>
            {
                let (call_ir, shadow) = self.call(c, attrs, "Call");
                (json!({"Call": call_ir}), shadow, Exits::default())
            }
            Expr::MethodCall(m) if m.method == "map" || m.method == "max_concurrency" => {
                let (ir, shadow) = self.map(m, attrs, hint);
                (ir, shadow, Exits::default())
            }
            Expr::Macro(m)
                if m.mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "join") =>
            {
                let (ir, shadow) = self.join(m, attrs, hint);
                (ir, shadow, Exits::default())
            }
            Expr::If(_) | Expr::Match(_) => {
                self.no_call_attrs(attrs, "a branch");
                let (choice, shadow, ex) = self.choice(e, attrs, use_);
                (json!({"Choice": choice}), shadow, ex)
            }
            Expr::Block(b) if b.label.is_none() && use_ == ValueUse::Return => {
                self.cx.error_spanned_by(
                    b,
                    "a bare block cannot be a workflow value; write its statements in the body",
                );
                (Value::Null, TokenStream::new(), Exits::default())
            }
            _ => {
                self.no_call_attrs(attrs, "data");
                let Some(data) = self.data(e) else {
                    return (Value::Null, TokenStream::new(), Exits::default());
                };
                let default_name = match (use_, var_name(e)) {
                    (ValueUse::Return, Some(v)) => format!("Return{}", pascal(&v)),
                    (ValueUse::Return, None) => match e {
                        Expr::Struct(st) => format!(
                            "Return{}",
                            st.path
                                .segments
                                .last()
                                .map(|x| x.ident.to_string())
                                .unwrap_or_default()
                        ),
                        _ => "Return".to_owned(),
                    },
                    _ => "Value".to_owned(),
                };
                let state = self.state_name(attrs, hint, &default_name);
                (
                    json!({"Data": {"state": state, "data": data.ir}}),
                    data.shadow,
                    Exits::default(),
                )
            }
        }
    }

    /// A call of a task or workflow: the Task (or nested workflow) state and its shadow.
    fn call(
        &mut self,
        c: &syn::ExprCall,
        attrs: &StmtAttrs,
        generic: &str,
    ) -> (Value, TokenStream) {
        let Some((func, companion)) = self.callee_path(&c.func) else {
            return (Value::Null, TokenStream::new());
        };
        let input = if c.args.len() == 1 {
            self.data(&c.args[0])
        } else {
            self.cx.error_spanned_by(&c.args, format!("a task takes exactly one input, but this call passes {}; put the values in one struct", c.args.len()));
            None
        };
        let Some(input) = input else {
            return (Value::Null, TokenStream::new());
        };
        // Named only once the call is well-formed, so a bad argument is a single error.
        let derived = call_name_span(c).map(|(n, s)| (pascal(&n), s));
        let state = self.state_name(attrs, derived, generic);
        let retries: Vec<crate::ir::Retry> = attrs.retry.iter().map(RetrySpec::to_retry).collect();
        let mut checks = Vec::new();
        for r in &attrs.retry {
            checks.push(raises_check(&func, &companion, &r.errors));
        }
        let mut catches = Vec::new();
        for cs in &attrs.catch {
            let Some((hfunc, hcomp)) = self.callee_path(&syn::Expr::Path(syn::ExprPath {
                attrs: Vec::new(),
                qself: None,
                path: cs.handler.clone(),
            })) else {
                continue;
            };
            let hname = cs
                .handler
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            let hstate = self.claim_user(pascal(&hname), cs.handler.span());
            let mut names: Vec<String> = cs.errors.iter().map(ErrorRef::asl_name).collect();
            if names.is_empty() {
                names.push(workflow_core::error::names::ALL.to_owned());
            }
            let handler = self.callee_slot(&hcomp);
            catches.push(json!({"errors": names, "state": hstate, "handler": handler}));
            checks.push(raises_check(&func, &companion, &cs.errors));
            let span = cs.handler.span();
            checks.push(quote_spanned!(span=> let _ = #hfunc; ::workflow_codegen::__private::catch_with(#companion, #hcomp);));
        }
        let input_shadow = input.shadow;
        let callee = self.callee_slot(&companion);
        (
            json!({
                "state": state,
                "comment": attrs.doc,
                "callee": callee,
                "input": input.ir,
                "retry": retries,
                "catch": catches,
            }),
            {
                // `TaskCall { f, task: __task_f, input }.output()`: naming `f` first makes a
                // typo read "cannot find value `f`"; a wrong input is "expected `X`, found `Y`"
                // at the argument; the braces and `.output()` carry the span of the user's
                // parentheses, so the expression spans the whole call.
                self.checks.extend(checks);
                let parens = c.paren_token.span.join();
                let mut fields = proc_macro2::Group::new(
                    proc_macro2::Delimiter::Brace,
                    quote!(f: #func, task: #companion, input: #input_shadow),
                );
                fields.set_span(parens);
                let output = quote_spanned!(parens=> .output());
                let head = quote_spanned!(c.func.span()=> ::workflow_codegen::__private::TaskCall);
                quote!(#head #fields #output)
            },
        )
    }

    /// `f` -> (`f`, `__task_f`), `m::f` -> (`m::f`, `m::__task_f`).
    fn callee_path(&mut self, func: &Expr) -> Option<(TokenStream, TokenStream)> {
        let Expr::Path(p) = func else {
            self.cx
                .error_spanned_by(func, "call a `#[task]` or `#[workflow]` fn by name");
            return None;
        };
        if p.qself.is_some() || p.path.segments.iter().any(|s| !s.arguments.is_empty()) {
            self.cx
                .error_spanned_by(p, "call a `#[task]` or `#[workflow]` fn by its plain path");
            return None;
        }
        let last = p.path.segments.last()?;
        if last.ident == *self.wf {
            self.cx.error_spanned_by(
                &last.ident,
                "a workflow cannot call itself: ASL has no recursion; use a `loop`",
            );
            return None;
        }
        let mut comp = p.path.clone();
        let seg = comp.segments.last_mut().expect("a segment");
        seg.ident = format_ident!("__task_{}", seg.ident, span = seg.ident.span());
        Some((p.to_token_stream(), comp.to_token_stream()))
    }

    /// `items.map(task).max_concurrency(n)`: a Map state.
    fn map(
        &mut self,
        m: &syn::ExprMethodCall,
        attrs: &StmtAttrs,
        hint: Option<(String, Span)>,
    ) -> (Value, TokenStream) {
        let w = wf();
        let (map_call, limit) = if m.method == "max_concurrency" {
            let limit = match (m.args.len(), m.args.first()) {
                (
                    1,
                    Some(Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Int(n),
                        ..
                    })),
                ) => match n.base10_parse::<u64>() {
                    Ok(v) => Some(v),
                    Err(e) => {
                        self.cx.syn_error(e);
                        None
                    }
                },
                _ => {
                    self.cx.error_spanned_by(
                        &m.args,
                        "`max_concurrency` takes an integer literal (0 = no limit)",
                    );
                    None
                }
            };
            match strip_await(&m.receiver) {
                Expr::MethodCall(inner) if inner.method == "map" => (inner, limit),
                other => {
                    self.cx.error_spanned_by(
                        other,
                        "`max_concurrency` follows a Map: `items.map(task).max_concurrency(2)`",
                    );
                    return (Value::Null, TokenStream::new());
                }
            }
        } else {
            (m, None)
        };
        if map_call.args.len() != 1 {
            self.cx.error_spanned_by(
                &map_call.args,
                "`.map(..)` takes the task to run for each item: `items.map(task)`",
            );
            return (Value::Null, TokenStream::new());
        }
        let f = &map_call.args[0];
        if let Expr::Closure(c) = f {
            self.cx.error_spanned_by(
                c,
                "closures cannot become states; pass a `#[task]` by name: `items.map(task)`",
            );
            return (Value::Null, TokenStream::new());
        }
        let items = self.data(&map_call.receiver);
        let callee = self.callee_path(f);
        let (Some(items), Some((func, companion))) = (items, callee) else {
            return (Value::Null, TokenStream::new());
        };
        let Some(items_var) = items.var.clone() else {
            self.cx.error_spanned_by(
                &map_call.receiver,
                "a Map iterates over a list field or binding, such as `order.items`",
            );
            return (Value::Null, TokenStream::new());
        };
        let fname = match f {
            Expr::Path(p) => p
                .path
                .segments
                .last()
                .map(|s| (s.ident.to_string(), s.ident.span())),
            _ => None,
        };
        let map_state = self.state_name(attrs, hint, "Map");
        let item_state = match fname {
            Some((n, span)) => self.claim_user(pascal(&n), span),
            None => self.claim_generic("Item"),
        };
        let callee = self.callee_slot(&companion);
        // The item call's input is unused (each item is the input): a null constant.
        let input = self.value_slot(quote!(#w::serde_json::Value::Null));
        let items_shadow = items.shadow;
        let span = map_call.receiver.span();
        (
            json!({"Map": {
                "state": map_state,
                "comment": attrs.doc,
                "items": items_var,
                "call": {
                    "state": item_state,
                    "comment": null,
                    "callee": callee,
                    "input": {"Literal": input},
                    "retry": [],
                    "catch": [],
                },
                "max_concurrency": limit,
            }}),
            {
                // `<Id<_> as MapItems<_>>::items(list)`, spanning the user's list from its `<`
                // to its parentheses, so either error about it underlines the whole list.
                let receiver = map_call.receiver.to_token_stream();
                let list = spanning(quote!(_), &receiver);
                let last = receiver.into_iter().last().map_or(span, |t| t.span());
                let mut arg =
                    proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, items_shadow);
                arg.set_span(last);
                let lt = quote_spanned!(span=> <);
                quote_spanned!(span=> ::workflow_codegen::__private::TaskMap {
                    f: #func,
                    task: #companion,
                    items: #lt #list as ::workflow_codegen::__private::MapItems<_>>::items #arg,
                }.output())
            },
        )
    }

    /// `join!(a(x), b(y))`: a Parallel state.
    fn join(
        &mut self,
        m: &syn::ExprMacro,
        attrs: &StmtAttrs,
        hint: Option<(String, Span)>,
    ) -> (Value, TokenStream) {
        let calls = match m
            .mac
            .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        {
            Ok(c) => c,
            Err(e) => {
                self.cx.syn_error(e);
                return (Value::Null, TokenStream::new());
            }
        };
        if calls.len() < 2 {
            self.cx.error_spanned_by(
                m,
                "`join!` runs two or more calls in parallel: `join!(a(x), b(y))`",
            );
        }
        let state = self.state_name(attrs, hint, "Parallel");
        let mut irs = Vec::new();
        let mut shadows = Vec::new();
        let none = StmtAttrs::default();
        for c in &calls {
            match strip_await(c) {
                Expr::Call(call) if !is_sleep(call) => {
                    let (ir, shadow) = self.call(call, &none, "Branch");
                    irs.push(ir);
                    shadows.push(shadow);
                }
                other => self.cx.error_spanned_by(
                    other,
                    "each branch of `join!` is a call of a `#[task]` or `#[workflow]`",
                ),
            }
        }
        (
            json!({"Parallel": {"state": state, "comment": attrs.doc, "branches": irs}}),
            quote!((#(#shadows),*)),
        )
    }

    /// `sleep(..)` / `sleep_until(..)`: a Wait state.
    fn sleep(&mut self, c: &syn::ExprCall, attrs: &StmtAttrs) -> (Value, TokenStream) {
        let until = call_name(c).as_deref() == Some("sleep_until");
        if c.args.len() != 1 {
            self.cx.error_spanned_by(&c.args, "a sleep takes one argument: seconds for `sleep`, an RFC 3339 timestamp for `sleep_until`");
            return (Value::Null, TokenStream::new());
        }
        let arg = &c.args[0];
        let Some(data) = self.data(arg) else {
            return (Value::Null, TokenStream::new());
        };
        let how = match (&data.var, strip_paren(arg), until) {
            (Some(v), _, false) => WaitFor::SecondsFrom(v.clone()),
            (Some(v), _, true) => WaitFor::TimestampFrom(v.clone()),
            (
                None,
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(n),
                    ..
                }),
                false,
            ) => match n.base10_parse::<u64>() {
                Ok(n) => WaitFor::Seconds(n),
                Err(e) => {
                    self.cx.syn_error(e);
                    return (Value::Null, TokenStream::new());
                }
            },
            (
                None,
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }),
                true,
            ) => WaitFor::Timestamp(s.value()),
            _ => {
                self.cx.error_spanned_by(
                    arg,
                    if until {
                        "`sleep_until` takes a timestamp string literal or a field"
                    } else {
                        "`sleep` takes a number of seconds (an integer literal) or a field"
                    },
                );
                return (Value::Null, TokenStream::new());
            }
        };
        let state = self.state_name(attrs, None, "Wait");
        let func = &c.func;
        let shadow = data.shadow;
        (
            json!({"Wait": {"state": state, "comment": attrs.doc, "until": how}}),
            quote!(#func(#shadow);),
        )
    }

    // ----- branches -----

    /// `if`/`match`: the `Choice` IR and its shadow.
    fn choice(
        &mut self,
        e: &Expr,
        attrs: &StmtAttrs,
        use_: ValueUse,
    ) -> (Value, TokenStream, Exits) {
        match e {
            Expr::If(i) => self.if_chain(i, attrs, use_),
            Expr::Match(m) => self.match_(m, attrs, use_),
            _ => unreachable!("choice is called on if/match"),
        }
    }

    fn if_chain(
        &mut self,
        first: &syn::ExprIf,
        attrs: &StmtAttrs,
        use_: ValueUse,
    ) -> (Value, TokenStream, Exits) {
        let base = format!(
            "If{}",
            pascal(&first_var_name(&first.cond).unwrap_or_default())
        );
        let state = self.state_name(attrs, None, &base);
        let mut arms = Vec::new();
        let mut shadow = TokenStream::new();
        let mut exits = Exits {
            diverges: true,
            ..Default::default()
        };
        let mut default = Value::Null;
        let mut has_else = false;
        let mut cur = first;
        loop {
            // `if let Some(v) = x.opt` binds `v` to `x.opt` in the branch.
            let (cond, cond_shadow, alias) = match &*cur.cond {
                Expr::Let(l) => self.if_let(l),
                c => {
                    let (ir, sh) = self.cond(c).unwrap_or_default();
                    (ir, sh, None)
                }
            };
            self.scopes.push(Vec::new());
            let alias_ir = alias.map(|(ident, var)| {
                self.bind(&ident);
                alias_stmt(&ident, &var)
            });
            let (block, ex) = self.block(&cur.then_branch.stmts, use_);
            self.scopes.pop();
            merge(&mut exits, ex);
            let block_ir = prepend(block.ir, alias_ir);
            arms.push(json!([cond, block_ir]));
            let then_shadow = rebrace(block.shadow, &cur.then_branch.brace_token);
            shadow.extend(quote!(if #cond_shadow #then_shadow));
            match &cur.else_branch {
                Some((else_token, next)) => match &**next {
                    Expr::If(i) => {
                        shadow.extend(quote!(#else_token));
                        cur = i;
                    }
                    Expr::Block(b) => {
                        let (block, ex) = self.block(&b.block.stmts, use_);
                        merge(&mut exits, ex);
                        default = block.ir;
                        let sh = rebrace(block.shadow, &b.block.brace_token);
                        shadow.extend(quote!(#else_token #sh));
                        has_else = true;
                        break;
                    }
                    other => {
                        self.cx
                            .error_spanned_by(other, "expected a block after `else`");
                        break;
                    }
                },
                None => break,
            }
        }
        if !has_else {
            exits.diverges = false;
        }
        (choice_ir(state, attrs, arms, default), shadow, exits)
    }

    /// `if let Some(v) = x` -> (is_some(x), shadow, alias v = x).
    fn if_let(&mut self, l: &syn::ExprLet) -> (Value, TokenStream, Option<(Ident, Var)>) {
        let data = self.data(&l.expr);
        let pat = &*l.pat;
        let inner = match pat {
            Pat::TupleStruct(ts) if ts.path.is_ident("Some") && ts.elems.len() == 1 => {
                match &ts.elems[0] {
                    Pat::Ident(pi) if pi.subpat.is_none() && pi.mutability.is_none() => {
                        Some(pi.ident.clone())
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let Some(data) = data else {
            return Default::default();
        };
        let (Some(ident), Some(var)) = (inner, data.var.clone()) else {
            self.cx.error_spanned_by(
                l,
                "`if let` tests an Option field: `if let Some(v) = order.coupon { .. }`",
            );
            return Default::default();
        };
        let scrut = data.shadow;
        (
            json!({"IsSome": [var, true]}),
            quote!(let #pat = #scrut),
            Some((ident, var)),
        )
    }

    fn match_(
        &mut self,
        m: &syn::ExprMatch,
        attrs: &StmtAttrs,
        use_: ValueUse,
    ) -> (Value, TokenStream, Exits) {
        let Some(scrut) = self.data(&m.expr) else {
            return Default::default();
        };
        let Some(var) = scrut.var.clone() else {
            self.cx.error_spanned_by(
                &m.expr,
                "a Choice state tests a field or binding: `match order.status { .. }`",
            );
            return Default::default();
        };
        let base = format!("Match{}", pascal(&var_name(&m.expr).unwrap_or_default()));
        let state = self.state_name(attrs, None, &base);
        let mut arms = Vec::new();
        let mut default = Value::Null;
        let mut arm_shadows = Vec::new();
        let mut exits = Exits {
            diverges: true,
            ..Default::default()
        };
        let mut saw_default = false;
        let n = m.arms.len();
        for (i, arm) in m.arms.iter().enumerate() {
            if saw_default {
                self.cx.error_spanned_by(&arm.pat, "unreachable state: an earlier arm matches everything, so this arm can never run");
                continue;
            }
            if let Some(a) = arm.attrs.first() {
                self.cx.error_spanned_by(a, "attributes on match arms are not supported; put `#[state]` or a doc comment on the statement inside the arm");
            }
            let (cond, alias) = self.pattern(&arm.pat, &var);
            let guard = arm.guard.as_ref().and_then(|(_, g)| self.cond(g));
            let guard_sh = guard.as_ref().map(|(_, sh)| sh.clone());
            self.scopes.push(Vec::new());
            let alias_ir = alias.map(|ident| {
                self.bind(&ident);
                alias_stmt(&ident, &var)
            });
            let body_stmts: Vec<Stmt> = match &*arm.body {
                Expr::Block(b) if b.label.is_none() && b.attrs.is_empty() => b.block.stmts.clone(),
                other => vec![Stmt::Expr(other.clone(), None)],
            };
            let (block, ex) = self.block(&body_stmts, use_);
            self.scopes.pop();
            merge(&mut exits, ex);
            let block_ir = prepend(block.ir, alias_ir);
            let is_last = i + 1 == n;
            let cond = match (cond, guard) {
                (Some(c), Some((g, _))) => Some(json!({"And": [c, g]})),
                (None, Some((g, _))) => Some(g),
                (c, None) => c,
            };
            match cond {
                Some(c) if !(is_last && arm.guard.is_none()) => arms.push(json!([c, block_ir])),
                // A catch-all arm, or the last arm of a match rustc proved exhaustive.
                _ => {
                    default = block_ir;
                    saw_default = true;
                }
            }
            let pat = &arm.pat;
            let guard_shadow = arm.guard.as_ref().map(|(if_token, _)| {
                let sh = guard_sh.clone().unwrap_or_default();
                quote!(#if_token #sh)
            });
            let body_shadow = match &*arm.body {
                Expr::Block(b) => rebrace(block.shadow, &b.block.brace_token),
                // A single expression: its shadow without the block's braces.
                _ => unbrace(block.shadow),
            };
            let comma = arm.comma;
            arm_shadows.push(quote!(#pat #guard_shadow => #body_shadow #comma));
        }
        if !saw_default {
            exits.diverges = false;
        }
        let scrut_shadow = scrut.shadow;
        (
            choice_ir(state, attrs, arms, default),
            quote!(match #scrut_shadow { #(#arm_shadows)* }),
            exits,
        )
    }

    /// A match pattern as a condition on `var` (`None` = matches everything) and the name it
    /// binds, if any.
    fn pattern(&mut self, pat: &Pat, var: &Var) -> (Option<Value>, Option<Ident>) {
        match pat {
            Pat::Wild(_) => (None, None),
            Pat::Ident(pi) if pi.subpat.is_none() && is_constant_name(&pi.ident) => {
                if pi.ident == "None" {
                    (Some(json!({"IsSome": [var, false]})), None)
                } else {
                    let id = pi.ident.to_token_stream();
                    (Some(self.compare_constant(var, CmpOp::Eq, &id)), None)
                }
            }
            Pat::Ident(pi)
                if pi.subpat.is_none() && pi.by_ref.is_none() && pi.mutability.is_none() =>
            {
                (None, Some(pi.ident.clone()))
            }
            Pat::Lit(l) => (
                Some(self.compare_constant(var, CmpOp::Eq, &l.to_token_stream())),
                None,
            ),
            Pat::Path(p) => {
                if p.path.is_ident("None") {
                    (Some(json!({"IsSome": [var, false]})), None)
                } else {
                    let path = p.to_token_stream();
                    (Some(self.compare_constant(var, CmpOp::Eq, &path)), None)
                }
            }
            Pat::Or(o) => {
                let mut conds = Vec::new();
                for c in &o.cases {
                    match self.pattern(c, var) {
                        (Some(c), None) => conds.push(c),
                        _ => self.cx.error_spanned_by(
                            c,
                            "each alternative of `|` must be a constant, a unit variant or `None`",
                        ),
                    }
                }
                (Some(json!({ "Or": conds })), None)
            }
            Pat::Range(r) => {
                let mut conds = Vec::new();
                if let Some(lo) = &r.start {
                    conds.push(self.compare_constant(var, CmpOp::Ge, &lo.to_token_stream()));
                }
                if let Some(hi) = &r.end {
                    let op = match r.limits {
                        syn::RangeLimits::Closed(_) => CmpOp::Le,
                        syn::RangeLimits::HalfOpen(_) => CmpOp::Lt,
                    };
                    conds.push(self.compare_constant(var, op, &hi.to_token_stream()));
                }
                (Some(json!({ "And": conds })), None)
            }
            Pat::TupleStruct(ts) if ts.path.is_ident("Some") && ts.elems.len() == 1 => {
                match &ts.elems[0] {
                    Pat::Ident(pi) if pi.subpat.is_none() && pi.mutability.is_none() => {
                        (Some(json!({"IsSome": [var, true]})), Some(pi.ident.clone()))
                    }
                    Pat::Wild(_) => (Some(json!({"IsSome": [var, true]})), None),
                    other => {
                        self.cx.error_spanned_by(other, "inside `Some(..)` bind a name or use `_`; test the value in a nested `match`");
                        (None, None)
                    }
                }
            }
            other => {
                self.cx.error_spanned_by(other, "a Choice state cannot test this pattern; match literals, ranges, unit enum variants, `Some(x)`/`None` or `_`");
                (None, None)
            }
        }
    }

    /// A condition: the IR and a shadow that also checks the comparison's types.
    fn cond(&mut self, e: &Expr) -> Option<(Value, TokenStream)> {
        match e {
            Expr::Paren(p) => {
                let (ir, sh) = self.cond(&p.expr)?;
                Some((ir, quote!((#sh))))
            }
            Expr::Unary(u) if matches!(u.op, UnOp::Not(_)) => {
                let (ir, sh) = self.cond(&u.expr)?;
                let op = &u.op;
                Some((json!({ "Not": ir }), quote!(#op #sh)))
            }
            Expr::Binary(b) if matches!(b.op, BinOp::And(_) | BinOp::Or(_)) => {
                let l = self.cond(&b.left);
                let r = self.cond(&b.right);
                let ((li, ls), (ri, rs)) = (l?, r?);
                let op = &b.op;
                let ctor = if matches!(b.op, BinOp::And(_)) {
                    "And"
                } else {
                    "Or"
                };
                Some((json!({ ctor: [li, ri] }), quote!(#ls #op #rs)))
            }
            Expr::Binary(b) if is_comparison(&b.op) => {
                let l = self.data(&b.left);
                let r = self.data(&b.right);
                let (l, r) = (l?, r?);
                let (var, operand, op) = match (&l.var, &r.var) {
                    (Some(lv), Some(rv)) => {
                        (lv.clone(), json!({ "Var": rv }), cmp_op(&b.op, false))
                    }
                    (Some(lv), None) => {
                        let slot = self.constant_slot(&b.right.to_token_stream());
                        (lv.clone(), json!({ "Literal": slot }), cmp_op(&b.op, false))
                    }
                    (None, Some(rv)) => {
                        let slot = self.constant_slot(&b.left.to_token_stream());
                        (rv.clone(), json!({ "Literal": slot }), cmp_op(&b.op, true))
                    }
                    (None, None) => {
                        self.cx.error_spanned_by(b, "this compares two constants; a Choice state compares a field or binding with a value");
                        return None;
                    }
                };
                let check = if matches!(b.op, BinOp::Eq(_) | BinOp::Ne(_)) {
                    quote!(Equatable)
                } else {
                    quote!(Ordered)
                };
                let (ls, rs, opt) = (&l.shadow, &r.shadow, &b.op);
                let checked_side = if l.var.is_some() { ls } else { rs };
                let span = if l.var.is_some() {
                    b.left.span()
                } else {
                    b.right.span()
                };
                let user_side = if l.var.is_some() { &b.left } else { &b.right };
                let ty = spanning(quote!(_), &user_side.to_token_stream());
                let check = quote_spanned!(span=> <#ty as ::workflow_codegen::__private::#check>::check(&#checked_side));
                Some((
                    json!({"Compare": [var, op, operand]}),
                    quote!({ #check; #ls #opt #rs }),
                ))
            }
            Expr::MethodCall(mc)
                if mc.args.is_empty() && (mc.method == "is_some" || mc.method == "is_none") =>
            {
                let d = self.data(&mc.receiver)?;
                let Some(var) = d.var.clone() else {
                    self.cx
                        .error_spanned_by(&mc.receiver, "test an Option field or binding");
                    return None;
                };
                let some = mc.method == "is_some";
                let (sh, m) = (d.shadow, &mc.method);
                Some((json!({"IsSome": [var, some]}), quote!(#sh.#m())))
            }
            Expr::MethodCall(mc) if mc.method == "starts_with" || mc.method == "ends_with" => {
                let d = self.data(&mc.receiver)?;
                let lit = match (mc.args.len(), mc.args.first()) {
                    (
                        1,
                        Some(Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        })),
                    ) => s.clone(),
                    _ => {
                        self.cx.error_spanned_by(
                            &mc.args,
                            format!("`{}` in a Choice takes a string literal", mc.method),
                        );
                        return None;
                    }
                };
                let Some(var) = d.var.clone() else {
                    self.cx
                        .error_spanned_by(&mc.receiver, "test a string field or binding");
                    return None;
                };
                let escaped = lit.value().replace('\\', "\\\\").replace('*', "\\*");
                let glob = if mc.method == "starts_with" {
                    format!("{escaped}*")
                } else {
                    format!("*{escaped}")
                };
                let (sh, m) = (d.shadow, &mc.method);
                Some((json!({"Matches": [var, glob]}), quote!(#sh.#m(#lit))))
            }
            Expr::Path(_) | Expr::Field(_) => {
                let d = self.data(e)?;
                let Some(var) = d.var.clone() else {
                    self.cx
                        .error_spanned_by(e, "a condition tests a field or binding");
                    return None;
                };
                Some((json!({ "IsTrue": var }), d.shadow))
            }
            Expr::Lit(l) => {
                self.cx.error_spanned_by(
                    l,
                    "a constant condition: the branch would always (or never) run; remove the `if`",
                );
                None
            }
            other => {
                self.cx.error_spanned_by(other, format!("{} cannot be a Choice condition; compare a field with `==`, `!=`, `<`, `<=`, `>`, `>=`, or use `is_some()`, `is_none()`, `starts_with`, `ends_with`, `&&`, `||`, `!`", describe(other)));
                None
            }
        }
    }

    // ----- data -----

    /// Data: a binding path, a constant, or a struct literal of those.
    fn data(&mut self, e: &Expr) -> Option<Data> {
        match e {
            Expr::Paren(p) => {
                let mut d = self.data(&p.expr)?;
                let s = d.shadow;
                d.shadow = quote!((#s));
                Some(d)
            }
            Expr::Path(p)
                if p.qself.is_none()
                    && p.path
                        .get_ident()
                        .is_some_and(|i| self.in_scope(&i.to_string())) =>
            {
                let ident = p.path.get_ident().expect("checked");
                let var = crate::ir::var(ident.to_string());
                let span = ident.span();
                let reuse = quote_spanned!(span=> #ident.__wf_v());
                Some(Data {
                    ir: json!({ "Var": var }),
                    shadow: reuse,
                    var: Some(var),
                })
            }
            Expr::Path(_) | Expr::Lit(_) => Some(self.literal(e)),
            Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) && matches!(&*u.expr, Expr::Lit(_)) => {
                Some(self.literal(e))
            }
            Expr::Field(f) => {
                let base = self.data(&f.base)?;
                let member = &f.member;
                let syn::Member::Named(name) = member else {
                    self.cx.error_spanned_by(member, "tuple fields (`.0`) are not supported; bind the elements with `let (a, b) = ..`");
                    return None;
                };
                let Some(var) = base.var else {
                    self.cx.error_spanned_by(
                        &f.base,
                        "read fields of a workflow binding, such as `order.total`",
                    );
                    return None;
                };
                let key = name.to_string();
                let key = key.strip_prefix("r#").unwrap_or(&key).to_owned();
                let var = var.field(key);
                let base_shadow = base.shadow;
                let dot = f.dot_token;
                Some(Data {
                    ir: json!({ "Var": var }),
                    shadow: quote!(#base_shadow #dot #member),
                    var: Some(var),
                })
            }
            Expr::Struct(s) => {
                if let Some(rest) = &s.rest {
                    self.cx.error_spanned_by(
                        rest,
                        "`..base` in a struct literal is not supported; list every field",
                    );
                    return None;
                }
                let mut fields = Vec::new();
                let mut shadows = Vec::new();
                let mut ok = true;
                for fv in &s.fields {
                    let syn::Member::Named(name) = &fv.member else {
                        self.cx.error_spanned_by(
                            &fv.member,
                            "tuple structs cannot be built in a workflow; use named fields",
                        );
                        ok = false;
                        continue;
                    };
                    match self.data(&fv.expr) {
                        Some(d) => {
                            fields.push(json!([name.to_string(), d.ir]));
                            let sh = d.shadow;
                            shadows.push(quote!(#name: #sh));
                        }
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                let path = &s.path;
                Some(Data {
                    ir: json!({ "Object": fields }),
                    shadow: quote!(#path { #(#shadows),* }),
                    var: None,
                })
            }
            Expr::Call(c) if call_name(c).as_deref() == Some("Some") && c.args.len() == 1 => {
                let mut d = self.data(&c.args[0])?;
                let (func, s) = (&c.func, &d.shadow);
                d.shadow = quote!(#func(#s));
                Some(d)
            }
            Expr::Call(c) if is_constructor(c) => {
                for ident in idents_in(e) {
                    if self.in_scope(&ident.to_string()) {
                        self.cx.error_spanned_by(&ident, "a constant built with a constructor cannot contain workflow values; use a struct literal with named fields");
                        return None;
                    }
                }
                Some(self.literal(e))
            }
            Expr::MethodCall(mc) if mc.method == "clone" && mc.args.is_empty() => {
                self.data(&mc.receiver)
            }
            Expr::Try(t) => {
                self.cx.error_spanned_by(t, "remove the `?`: a task's errors are ASL errors that fail the workflow unless a `#[catch(..)]` handles them, so the call's value is its output");
                None
            }
            Expr::Macro(m) if is_placeholder_macro(m) => {
                // rustc's help for a non-exhaustive `match` suggests `Variant => todo!()`.
                let name = m.mac.path.to_token_stream().to_string();
                self.cx.error_spanned_by(m, format!("`{name}!()` cannot become a state: a workflow runs as ASL, where there is no panic; handle this case with a task call, a `return`, or `Err(..)` (a Fail state), or send the remaining cases to the Choice's Default with a `_ => ..` arm"));
                None
            }
            other => {
                self.cx.error_spanned_by(other, format!("{} cannot be expressed as ASL data (JSONPath mode passes fields, constants and struct literals); compute it inside a `#[task]`", describe(other)));
                None
            }
        }
    }
}

/// Data: IR (`Data`), shadow, and the binding path when it is one.
struct Data {
    ir: Value,
    shadow: TokenStream,
    var: Option<Var>,
}

impl Parser<'_> {
    /// A constant: its value is a slot, the JSON of the user's expression.
    fn literal(&mut self, e: &Expr) -> Data {
        let shadow = e.to_token_stream();
        let slot = self.constant_slot(&shadow);
        Data {
            ir: json!({ "Literal": slot }),
            shadow,
            var: None,
        }
    }
}

/// A Choice state: its arms (`[condition, block]` pairs, tested in order) and its default block
/// (`null` when there is none).
fn choice_ir(state: String, attrs: &StmtAttrs, arms: Vec<Value>, default: Value) -> Value {
    json!({"state": state, "comment": attrs.doc, "arms": arms, "default": default})
}

/// `let name = var;` (no state: a binding path renamed).
fn alias_stmt(name: &Ident, var: &Var) -> Value {
    json!({"Let": {
        "pattern": Pattern::Name(name.to_string()),
        "step": {"Data": {"state": "", "data": {"Var": var}}},
    }})
}

/// Replaces the generated braces of a block's shadow with the user's, so rustc's notes and
/// suggestions about the block point into the user's code.
fn rebrace(shadow: TokenStream, brace: &syn::token::Brace) -> TokenStream {
    let inner = unbrace(shadow);
    let mut out = TokenStream::new();
    brace.surround(&mut out, |t| t.extend(inner));
    out
}

/// The tokens inside a block shadow's braces.
fn unbrace(shadow: TokenStream) -> TokenStream {
    let mut it = shadow.clone().into_iter();
    match (it.next(), it.next()) {
        (Some(proc_macro2::TokenTree::Group(g)), None)
            if g.delimiter() == proc_macro2::Delimiter::Brace =>
        {
            g.stream()
        }
        _ => shadow,
    }
}

fn merge(into: &mut Exits, ex: Exits) {
    into.diverges &= ex.diverges;
    into.breaks |= ex.breaks;
    into.returns |= ex.returns;
}

/// Puts `let alias = var;` in front of a block's statements.
fn prepend(mut block_ir: Value, alias: Option<Value>) -> Value {
    if let (Some(a), Some(Value::Array(stmts))) = (alias, block_ir.get_mut("stmts")) {
        stmts.insert(0, a);
    }
    block_ir
}

fn strip_await(e: &Expr) -> &Expr {
    match e {
        Expr::Await(a) => strip_await(&a.base),
        e => e,
    }
}

fn strip_paren(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_paren(&p.expr),
        e => e,
    }
}

fn expr_attrs(e: &Expr) -> &[syn::Attribute] {
    match e {
        Expr::Call(x) => &x.attrs,
        Expr::MethodCall(x) => &x.attrs,
        Expr::If(x) => &x.attrs,
        Expr::Match(x) => &x.attrs,
        Expr::Loop(x) => &x.attrs,
        Expr::Return(x) => &x.attrs,
        Expr::Macro(x) => &x.attrs,
        Expr::Await(x) => &x.attrs,
        _ => &[],
    }
}

/// Expressions that are statements even without a semicolon at the end of a block.
fn is_statement_expr(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Return(_)
            | Expr::Break(_)
            | Expr::Continue(_)
            | Expr::Loop(_)
            | Expr::While(_)
            | Expr::ForLoop(_)
    )
}

fn is_data(e: &Expr) -> bool {
    matches!(
        strip_paren(e),
        Expr::Path(_) | Expr::Field(_) | Expr::Lit(_) | Expr::Struct(_)
    )
}

fn call_name(c: &syn::ExprCall) -> Option<String> {
    call_name_span(c).map(|(n, _)| n)
}

fn call_name_span(c: &syn::ExprCall) -> Option<(String, Span)> {
    match &*c.func {
        Expr::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| (s.ident.to_string(), s.ident.span())),
        _ => None,
    }
}

fn is_sleep(c: &syn::ExprCall) -> bool {
    matches!(call_name(c).as_deref(), Some("sleep" | "sleep_until"))
}

/// `Type::Variant(..)` or `Type(..)`: a constructor (capitalised last segment), not a task.
fn is_constructor(c: &syn::ExprCall) -> bool {
    match &*c.func {
        Expr::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| is_constant_name(&s.ident)),
        _ => false,
    }
}

/// Unit variants and constants: names starting with an upper-case letter.
fn is_constant_name(i: &Ident) -> bool {
    i.to_string()
        .chars()
        .next()
        .is_some_and(|c| c.is_uppercase())
}

fn is_comparison(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq(_) | BinOp::Ne(_) | BinOp::Lt(_) | BinOp::Le(_) | BinOp::Gt(_) | BinOp::Ge(_)
    )
}

/// The IR operator; `flipped` when the constant is on the left (`3 < x` is `x > 3`).
fn cmp_op(op: &BinOp, flipped: bool) -> CmpOp {
    match (op, flipped) {
        (BinOp::Eq(_), _) => CmpOp::Eq,
        (BinOp::Ne(_), _) => CmpOp::Ne,
        (BinOp::Lt(_), false) | (BinOp::Gt(_), true) => CmpOp::Lt,
        (BinOp::Le(_), false) | (BinOp::Ge(_), true) => CmpOp::Le,
        (BinOp::Gt(_), false) | (BinOp::Lt(_), true) => CmpOp::Gt,
        _ => CmpOp::Ge,
    }
}

/// `todo!`, `unimplemented!`, `unreachable!`, `panic!`: what a Rust placeholder arm holds.
fn is_placeholder_macro(m: &syn::ExprMacro) -> bool {
    m.mac.path.get_ident().is_some_and(|i| {
        ["todo", "unimplemented", "unreachable", "panic"]
            .iter()
            .any(|n| i == n)
    })
}

/// A readable description of an expression for error messages.
fn describe(e: &Expr) -> String {
    match e {
        Expr::Binary(b) => format!("the operation `{}`", b.op.to_token_stream()),
        Expr::MethodCall(m) => format!("the method call `.{}()`", m.method),
        Expr::Closure(_) => "a closure".into(),
        Expr::Index(_) => "indexing (`x[i]`)".into(),
        Expr::Macro(m) => format!("the macro `{}!`", m.mac.path.to_token_stream()),
        Expr::Reference(_) => "a reference (`&x`)".into(),
        Expr::Array(_) => "an array literal".into(),
        Expr::Tuple(_) => "a tuple".into(),
        Expr::Cast(_) => "a cast (`as`)".into(),
        Expr::Async(_) => "an `async` block".into(),
        Expr::Unsafe(_) => "an `unsafe` block".into(),
        Expr::Assign(_) => "an assignment (workflow bindings are immutable)".into(),
        Expr::Try(_) => {
            "the `?` operator (a task's errors are ASL errors; handle them with `#[catch(..)]`)"
                .into()
        }
        Expr::Range(_) => "a range".into(),
        Expr::Block(_) => "a block".into(),
        Expr::Call(_) => "this call".into(),
        _ => "this expression".into(),
    }
}

fn idents_in(e: &Expr) -> Vec<Ident> {
    let mut out = Vec::new();
    collect_idents(e.to_token_stream(), &mut out);
    out
}

fn collect_idents(ts: TokenStream, out: &mut Vec<Ident>) {
    for tt in ts {
        match tt {
            proc_macro2::TokenTree::Ident(i) => out.push(i),
            proc_macro2::TokenTree::Group(g) => collect_idents(g.stream(), out),
            _ => {}
        }
    }
}

/// `a.b.c` -> `a_b_c` (for state names).
fn var_name(e: &Expr) -> Option<String> {
    match strip_paren(e) {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(format!("{}_{}", var_name(&f.base)?, n)),
            syn::Member::Unnamed(_) => None,
        },
        _ => None,
    }
}

/// The first binding path in a condition, for the Choice state's name.
fn first_var_name(e: &Expr) -> Option<String> {
    match strip_paren(e) {
        Expr::Binary(b) => first_var_name(&b.left).or_else(|| first_var_name(&b.right)),
        Expr::Unary(u) => first_var_name(&u.expr),
        Expr::MethodCall(m) => first_var_name(&m.receiver),
        Expr::Let(l) => first_var_name(&l.expr),
        Expr::Field(_) => var_name(e),
        Expr::Path(p) if p.path.get_ident().is_some_and(|i| !is_constant_name(i)) => var_name(e),
        _ => None,
    }
}

fn parse_retry_attr(a: &syn::Attribute) -> syn::Result<RetrySpec> {
    // `#[retry(errors = [..], max_attempts = 3)]` has the shape of the nested `retry(..)`
    // setting of `#[task]`, so the same parser reads it.
    let mut out = None;
    let tokens = a.meta.to_token_stream();
    let parser = syn::meta::parser(|meta| {
        out = Some(RetrySpec::parse(&meta)?);
        Ok(())
    });
    syn::parse::Parser::parse2(parser, tokens)?;
    out.ok_or_else(|| syn::Error::new_spanned(a, "expected `#[retry(..)]`"))
}

fn parse_catch_attr(a: &syn::Attribute) -> syn::Result<CatchSpec> {
    let mut errors = Vec::new();
    let mut handler = None;
    a.parse_nested_meta(|m| {
        if m.path.is_ident("errors") {
            errors = super::attrs::parse_errors(&m)?;
        } else if m.path.is_ident("handler") {
            let p: syn::Path = m.value()?.parse()?;
            handler = Some(p);
        } else {
            return Err(
                m.error("unknown catch setting; expected `errors = [..]` or `handler = task`")
            );
        }
        Ok(())
    })?;
    let handler = handler.ok_or_else(|| syn::Error::new_spanned(a, "`#[catch]` needs `handler = task`: the task that receives the error and stands in for the call's result"))?;
    Ok(CatchSpec { errors, handler })
}

fn generate(item: &ItemFn, p: Parsed, settings: Settings) -> TokenStream {
    let vis = &item.vis;
    let ident = &item.sig.ident;
    let name = ident.to_string();
    let companion = format_ident!("__task_{}", ident);
    let docs: Vec<&syn::Attribute> = item
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .collect();
    let comment = doc_comment(&item.attrs).map(|c| quote!(.comment(#c)));
    let (param, param_pat, input, output) =
        (p.param.to_string(), &p.param_pat, &p.input, &p.output);
    let error_ty = match &p.error {
        Some(e) => e.to_token_stream(),
        None => quote!(::workflow_codegen::__private::NoErrors),
    };
    let ret = match &item.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, t) => t.to_token_stream(),
    };
    let body_data = p.body_ir.to_string();
    let (callees, values) = (p.callees, p.values);
    let shadow = p.shadow;
    let checks = p.checks;
    let w = wf();
    let language = settings
        .language
        .map(|l| quote!(.query_language(#w::QueryLanguage::#l)));
    let sample_input = settings.sample_input.map(|s| {
        quote!(.sample_input(#w::serde_json::from_str(#s).expect("checked to be JSON by #[workflow]")))
    });
    quote! {
        #(#docs)*
        #vis mod #ident {
            #![allow(unused_imports)]
            use super::*;

            /// The workflow's definition; `definition().to_asl()` gives its state machine.
            pub fn definition() -> ::workflow_codegen::Workflow {
                // The body is data (`workflow_codegen::body_data`); these are its slots.
                const CALLEES: &[fn() -> ::workflow_codegen::Callee] =
                    &[#(<#callees as #w::Task>::callee),*];
                #w::Workflow::new(#name, #param)
                    #comment
                    #language
                    #sample_input
                    .input::<#input>()
                    .output::<#output>()
                    .body(#w::body_from_data(#body_data, CALLEES, ::std::vec![#(#values),*]))
            }

            // Registered for `workflow_codegen::registry` (what `emit-asl` writes).
            ::workflow_codegen::__private::inventory::submit! {
                ::workflow_codegen::registry::Registration::workflow(::core::module_path!(), definition)
            }

            /// Runs the workflow in-process: the input is checked against its JSON Schema and
            /// each task runs its `#[task]` fn. The definition is lowered and compiled at the
            /// first run only. Use `definition().in_process()?.mock(..)` to replace a task in a
            /// test.
            pub async fn run(
                input: #input,
            ) -> ::std::result::Result<#output, ::workflow_codegen::RunError> {
                static IN_PROCESS: #w::InProcessOnce = #w::InProcessOnce::new();
                #w::in_process_once(&IN_PROCESS, definition)?.run(&input).await
            }

            /// The body again, type-checked by rustc and never called: each task call goes
            /// through its companion's `Input`/`Output` types, and every binding is read
            /// through `Reuse` so ASL's reuse of values is not a Rust move.
            #[doc(hidden)]
            #[allow(unused, unreachable_code, unused_braces, clippy::all)]
            fn __workflow_shadow(#param_pat: #input) -> #ret {
                use ::workflow_codegen::__private::Reuse as _;
                #(#checks)*
                #shadow
            }
        }

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #companion;

        #[automatically_derived]
        impl ::workflow_codegen::Task for #companion {
            type Input = #input;
            type Output = #output;
            type Error = #error_ty;
            const NAME: &'static str = #name;
            fn callee() -> ::workflow_codegen::Callee {
                ::workflow_codegen::Callee::Workflow(::std::boxed::Box::new(#ident::definition()))
            }
        }

        /// Lets other workflows name this one as a value (`let _ = flow;` in their checks).
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        #vis const #ident: #companion = #companion;
    }
}

/// `__private::Id<#ty>`, its first token spanned at the first of `user` and its `>` at the last:
/// rustc's span of the type is then the span of the user's tokens, and so is an error about it.
fn spanning(ty: TokenStream, user: &TokenStream) -> TokenStream {
    let mut tokens = user.clone().into_iter();
    let first = tokens.next().map_or_else(Span::call_site, |t| t.span());
    let last = tokens.last().map_or(first, |t| t.span());
    let start = quote_spanned!(first=> ::workflow_codegen);
    let end = quote_spanned!(last=> >);
    quote!(#start::__private::Id<#ty #end)
}

/// The check that the task `companion` (called as `func`) raises the errors a `#[retry]` or
/// `#[catch]` names (`Enum::Variant` paths, at least two segments: `attrs::parse_errors`): for
/// each enum named, `Raises` (whose message names the task and the errors it declares, at the
/// first error path), then a `match` whose patterns rustc resolves against the enum, so a
/// variant that does not exist fails at its name.
fn raises_check(func: &TokenStream, companion: &TokenStream, errors: &[ErrorRef]) -> TokenStream {
    let w = wf();
    let mut enums: Vec<(String, TokenStream, Vec<&syn::Path>)> = Vec::new();
    for e in errors {
        let ErrorRef::Variant(p) = e else { continue };
        let mut ty = p.clone();
        ty.segments.pop();
        ty.segments.pop_punct();
        let key = ty.to_token_stream().to_string();
        match enums.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, _, paths)) => paths.push(p),
            None => enums.push((key, ty.to_token_stream(), vec![p])),
        }
    }
    let mut out = TokenStream::new();
    for (_, ty, paths) in enums {
        let id = spanning(quote!(_), &paths[0].to_token_stream());
        let pats = paths
            .iter()
            .map(|p| quote_spanned!(p.span()=> #p { .. } => {}));
        out.extend(quote! {
            #[allow(unreachable_patterns, unreachable_code)]
            match <#id as #w::Raises<#companion, #ty, <#companion as #w::Task>::Error>>::raised(#func) {
                #(#pats)*
                _ => {}
            }
        });
    }
    out
}

/// After an error: the companion type only, so callers add no errors of their own.
fn fallback(item: &ItemFn) -> TokenStream {
    let vis = &item.vis;
    let ident = &item.sig.ident;
    let companion = format_ident!("__task_{}", ident);
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #companion;
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        #vis const #ident: #companion = #companion;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn expand_fn(item: ItemFn) -> String {
        expand(TokenStream::new(), item.to_token_stream()).to_string()
    }

    /// The body data `definition()` reads, from the expansion of `item`.
    fn body_data(item: ItemFn) -> Value {
        fn find(ts: TokenStream) -> Option<String> {
            let mut prev_is_reader = false;
            for tt in ts {
                match tt {
                    proc_macro2::TokenTree::Ident(i) => prev_is_reader = i == "body_from_data",
                    proc_macro2::TokenTree::Group(g) => {
                        if prev_is_reader {
                            let first = g.stream().into_iter().next()?;
                            let lit: syn::LitStr = syn::parse_str(&first.to_string()).ok()?;
                            return Some(lit.value());
                        }
                        if let Some(found) = find(g.stream()) {
                            return Some(found);
                        }
                    }
                    _ => prev_is_reader = false,
                }
            }
            None
        }
        let out = expand(TokenStream::new(), item.to_token_stream());
        let data = find(out.clone()).unwrap_or_else(|| panic!("no body data in {out}"));
        serde_json::from_str(&data).expect("the body data is JSON")
    }

    #[test]
    fn query_language_sets_the_lowering_and_other_settings_are_errors() {
        let item: ItemFn = parse_quote! {
            fn flow(input: In) -> Out { t(input) }
        };
        let out = expand(quote!(query_language = "JSONata"), item.to_token_stream()).to_string();
        assert!(
            out.contains(
                ". query_language (:: workflow_codegen :: __private :: QueryLanguage :: JSONata)"
            ),
            "{out}"
        );
        let out = expand(quote!(query_language = "jsonata"), item.to_token_stream()).to_string();
        assert!(
            out.contains(r#"`query_language` is \"JSONPath\" (the default) or \"JSONata\""#),
            "{out}"
        );
        let out = expand(quote!(language = "JSONata"), item.to_token_stream()).to_string();
        assert!(out.contains("unknown `#[workflow]` setting"), "{out}");
    }

    #[test]
    fn sample_input_is_checked_json_that_definition_carries() {
        let item: ItemFn = parse_quote! {
            fn flow(input: In) -> Out { t(input) }
        };
        let out = expand(
            quote!(sample_input = r#"{"id": 1}"#),
            item.to_token_stream(),
        )
        .to_string();
        assert!(
            out.contains(r##". sample_input (:: workflow_codegen :: __private :: serde_json :: from_str (r#"{"id": 1}"#)"##),
            "{out}"
        );
        let out = expand(quote!(sample_input = "{id: 1}"), item.to_token_stream()).to_string();
        assert!(out.contains("`sample_input` must be JSON text"), "{out}");
        assert!(
            out.contains("key must be a string at line 1 column 2"),
            "{out}"
        );
    }

    #[test]
    fn each_workflow_registers_its_definition() {
        let out = expand_fn(parse_quote! {
            fn flow(input: In) -> Out { t(input) }
        });
        assert!(
            out.contains(":: workflow_codegen :: __private :: inventory :: submit ! { :: workflow_codegen :: registry :: Registration :: workflow (:: core :: module_path ! () , definition) }"),
            "{out}"
        );
        // A workflow with errors registers nothing: only its companion is generated.
        let out = expand_fn(parse_quote! {
            fn flow(input: In) -> Out { let mut a = t(input); a }
        });
        assert!(!out.contains("submit"), "{out}");
    }

    #[test]
    fn retry_and_catch_errors_are_checked_against_the_task_per_enum() {
        let out = expand_fn(parse_quote! {
            fn flow(o: Order) -> Receipt {
                #[retry(errors = [PaymentError::Timeout, PaymentError::Declined, "States.Timeout"])]
                #[catch(errors = [other::CardError::Expired], handler = refund)]
                charge(o)
            }
        });
        // One `Raises` check for the enum, matching both of its variants ...
        assert!(
            out.contains("as :: workflow_codegen :: __private :: Raises < __task_charge , PaymentError , < __task_charge as :: workflow_codegen :: __private :: Task > :: Error >> :: raised (charge) { PaymentError :: Timeout { .. } => { } PaymentError :: Declined { .. } => { }"),
            "{out}"
        );
        // ... and one for each other enum, by its path.
        assert!(
            out.contains("Raises < __task_charge , other :: CardError , < __task_charge as :: workflow_codegen :: __private :: Task > :: Error >> :: raised (charge) { other :: CardError :: Expired { .. } => { }"),
            "{out}"
        );
        assert_eq!(out.matches(":: Raises <").count(), 2, "{out}");
    }

    #[test]
    fn choice_operands_are_checked_by_trait_not_by_fn() {
        let out = expand_fn(parse_quote! {
            fn flow(o: Order) -> u64 {
                if o.total > 100 { return 1; }
                if o.name == "x" { return 2; }
                0
            }
        });
        assert!(out.contains("__private :: Id < _ > as :: workflow_codegen :: __private :: Ordered > :: check (& o . __wf_v () . total)"), "{out}");
        assert!(out.contains("__private :: Id < _ > as :: workflow_codegen :: __private :: Equatable > :: check (& o . __wf_v () . name)"), "{out}");
    }

    #[test]
    fn a_todo_arm_says_what_to_write_instead() {
        let out = expand_fn(parse_quote! {
            fn decide(review: Review) -> String {
                match review.status {
                    Status::Approved => archive(review),
                    Status::Pending => todo!(),
                }
            }
        });
        assert!(
            out.contains("`todo!()` cannot become a state: a workflow runs as ASL, where there is no panic; handle this case with a task call, a `return`, or `Err(..)` (a Fail state), or send the remaining cases to the Choice's Default with a `_ => ..` arm"),
            "{out}"
        );
    }

    #[test]
    fn every_problem_is_reported_in_one_expansion() {
        let out = expand_fn(parse_quote! {
            fn flow(input: In) -> Out {
                let mut a = t(input);
                for x in input.items { t(x); }
                let b = u(input.a + input.b);
                v(a)
            }
        });
        assert_eq!(out.matches("compile_error").count(), 3, "{out}");
        assert!(out.contains("workflow bindings are immutable"));
        assert!(out.contains("`for` loops are not supported"));
        assert!(out.contains("the operation `+` cannot be expressed"));
        // The fallback keeps the companion so callers add no errors of their own.
        assert!(out.contains("struct __task_flow"));
    }

    #[test]
    fn a_map_and_a_tail_call_build_the_ir_with_names_from_the_code() {
        let out = expand_fn(parse_quote! {
            /// Doc.
            fn mapreduce(words: Words) -> Total {
                let mapped_results = words.data.map(map_function).max_concurrency(2);
                reduce_function(mapped_results)
            }
        });
        assert!(
            out.contains("TaskMap { f : map_function , task : __task_map_function , items : < :: workflow_codegen :: __private :: Id < _ > as :: workflow_codegen :: __private :: MapItems < _ >> :: items (words . __wf_v () . data) , } . output ()"),
            "{out}"
        );
        assert!(out.contains(r#". comment ("Doc.")"#), "{out}");
        // The callees are slots: a table of the companions' `callee` fns.
        assert!(
            out.contains("& [< __task_map_function as :: workflow_codegen :: __private :: Task > :: callee , < __task_reduce_function as :: workflow_codegen :: __private :: Task > :: callee]"),
            "{out}"
        );
        // The shadow routes the call through the companion and reads bindings by reference.
        assert!(
            out.contains(
                "TaskCall { f : reduce_function , task : __task_reduce_function , input : mapped_results . __wf_v () } . output ()"
            ),
            "{out}"
        );
    }

    #[test]
    fn a_map_and_a_tail_call_are_data_with_names_from_the_code() {
        let body = body_data(parse_quote! {
            fn mapreduce(words: Words) -> Total {
                let mapped_results = words.data.map(map_function).max_concurrency(2);
                reduce_function(mapped_results)
            }
        });
        let map = &body["stmts"][0]["Let"];
        assert_eq!(map["pattern"], json!({"Name": "mapped_results"}));
        let map = &map["step"]["Map"];
        assert_eq!(map["state"], "MappedResults");
        assert_eq!(map["items"], json!({"root": "words", "fields": ["data"]}));
        assert_eq!(map["max_concurrency"], 2);
        assert_eq!(map["call"]["state"], "MapFunction");
        assert_eq!(map["call"]["callee"], 0);
        let tail = &body["stmts"][1]["Return"]["Call"];
        assert_eq!(tail["state"], "ReduceFunction");
        assert_eq!(tail["callee"], 1);
        assert_eq!(
            tail["input"],
            json!({"Var": {"root": "mapped_results", "fields": []}})
        );
    }

    #[test]
    fn match_arms_become_rules_and_the_last_arm_the_default() {
        let item: ItemFn = parse_quote! {
            fn flow(req: Req) -> Resp {
                let checked = initial_function(req);
                match checked.status {
                    Status::Success => checked,
                    "x" | "y" => other(checked),
                    _ => default_function(checked),
                }
            }
        };
        let out = expand_fn(item.clone());
        // Each constant is a slot: the JSON of the user's expression.
        assert!(
            out.contains("literal (& (Status :: Success)) , :: workflow_codegen :: __private :: literal (& (\"x\")) , :: workflow_codegen :: __private :: literal (& (\"y\"))"),
            "{out}"
        );
        assert!(out.contains("MatchCheckedStatus"), "{out}");
        let body = body_data(item);
        let choice = &body["stmts"][1]["Return"]["Choice"];
        assert_eq!(choice["state"], "MatchCheckedStatus");
        let status = json!({"root": "checked", "fields": ["status"]});
        assert_eq!(
            choice["arms"][0][0],
            json!({"Compare": [status, "Eq", {"Literal": 0}]})
        );
        assert_eq!(
            choice["arms"][1][0],
            json!({"Or": [
                {"Compare": [status, "Eq", {"Literal": 1}]},
                {"Compare": [status, "Eq", {"Literal": 2}]},
            ]})
        );
        assert_eq!(choice["arms"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            choice["default"]["stmts"][0]["Return"]["Call"]["state"],
            "DefaultFunction"
        );
    }

    #[test]
    fn a_state_name_used_twice_is_an_error_at_the_second_use() {
        let out = expand_fn(parse_quote! {
            fn flow(p: P) -> u64 {
                let a = square(p.left);
                square(p.right)
            }
        });
        assert!(out.contains("state name `Square` is already used"), "{out}");
    }

    #[test]
    fn refuses_comparing_two_constants_and_errors_with_workflow_values() {
        let out = expand_fn(parse_quote! {
            fn flow(p: P) -> Result<u64, E> {
                if 1 < 2 { return Err(E::Bad(p.reason)); }
                Ok(t(p))
            }
        });
        assert!(out.contains("this compares two constants"), "{out}");
        assert!(
            out.contains("cannot contain the workflow value `p`"),
            "{out}"
        );
    }
}
