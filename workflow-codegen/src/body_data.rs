//! A `#[workflow]` body as data: the macro emits the body's IR as one JSON string, and its
//! generated `definition()` keeps as code only what depends on the user's types, namely each
//! callee's `callee()` fn and each constant's value. Those are *slots* in the string (their
//! index in a table `definition()` passes to [`body_from_data`]).
//!
//! Building the IR with code instead cost a large `definition()` per workflow (about a fifth of a
//! release build of a crate with one 100-state workflow, docs/compile-cost.md); reading the data
//! is compiled once, here.
//!
//! The string is the serde form of [`Block`] (external enum tags, field names as in
//! [`crate::ir`]), with a slot index wherever the IR holds a [`Callee`], a [`Data::Literal`](crate::ir::Data::Literal) or
//! [`Operand::Literal`](crate::ir::Operand::Literal) value, or a [`Fail`](crate::ir::Fail)
//! cause.

use crate::ir::{Block, Callee};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::cell::RefCell;

/// The tables a body's slots index, while [`body_from_data`] reads it.
struct Slots {
    callees: &'static [fn() -> Callee],
    values: Vec<Value>,
}

thread_local! {
    static SLOTS: RefCell<Option<Slots>> = const { RefCell::new(None) };
}

/// Reads a body emitted by `#[workflow]`: `data` is its JSON, `callees` the `callee()` fns and
/// `values` the constants its slots index.
///
/// # Panics
/// When `data` does not read as a body with these tables: `#[workflow]` emitted it for another
/// version of this crate (`workflow-macros` and `workflow-codegen` are released together).
pub fn body_from_data(data: &str, callees: &'static [fn() -> Callee], values: Vec<Value>) -> Block {
    // A nested workflow's callee() reads its own body while this one is being read: its tables
    // replace these for that time.
    let outer = SLOTS.with(|s| s.replace(Some(Slots { callees, values })));
    let body = serde_json::from_str::<Block>(data);
    SLOTS.with(|s| s.replace(outer));
    body.unwrap_or_else(|e| {
        panic!("a `#[workflow]` body does not read ({e}): use the same version of workflow-macros and workflow-codegen")
    })
}

fn slot<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    usize::deserialize(d)
}

fn missing<E: serde::de::Error>(what: &str, i: usize) -> E {
    E::custom(format_args!(
        "{what} slot {i} is not in the workflow's table (a body is read by body_from_data)"
    ))
}

/// A [`Callee`] slot: calls the `i`th `callee()` fn.
pub(crate) fn callee<'de, D: Deserializer<'de>>(d: D) -> Result<Callee, D::Error> {
    let i = slot(d)?;
    // Looked up first and called after, without the table borrowed: a workflow's callee()
    // reads that workflow's own body.
    let f = SLOTS.with(|s| s.borrow().as_ref().and_then(|s| s.callees.get(i).copied()));
    f.map(|f| f()).ok_or_else(|| missing("callee", i))
}

/// A constant's slot: takes the `i`th value.
pub(crate) fn value<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    let i = slot(d)?;
    SLOTS
        .with(|s| {
            let mut s = s.borrow_mut();
            s.as_mut()
                .and_then(|s| s.values.get_mut(i))
                .map(Value::take)
        })
        .ok_or_else(|| missing("value", i))
}

/// A text's slot (a Fail's cause): the `i`th value, a string.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match value(d)? {
        Value::String(s) => Ok(Some(s)),
        other => Err(serde::de::Error::custom(format_args!(
            "a text slot holds {other}, not a string"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Condition, Data, Step, Stmt, TaskDef};
    use serde_json::json;

    fn task_a() -> Callee {
        Callee::Task(Box::new(TaskDef::new("a", "ResourceA")))
    }

    fn inner() -> Callee {
        let body = body_from_data(
            r#"{"stmts": [], "value": {"Call": {"state": "Inner", "comment": null, "callee": 0,
                "input": {"Literal": 0}, "retry": [], "catch": []}}}"#,
            &[task_a],
            vec![json!("inner constant")],
        );
        Callee::Workflow(Box::new(crate::Workflow::new("inner", "x").body(body)))
    }

    #[test]
    fn slots_resolve_against_the_tables_including_a_nested_workflows_own() {
        let body = body_from_data(
            r#"{"stmts": [
                {"Let": {"pattern": {"Name": "y"}, "step": {"Call": {"state": "Nested", "comment": null,
                    "callee": 1, "input": {"Var": {"root": "x", "fields": ["f"]}}, "retry": [], "catch": []}}}},
                {"Choice": {"state": "IfY", "comment": null, "default": null, "arms": [
                    [{"Compare": [{"root": "y", "fields": []}, "Eq", {"Literal": 1}]},
                     {"stmts": [{"Fail": {"state": "Bad", "comment": null, "error": "Bad", "cause": 2}}], "value": null}]]}}
            ], "value": {"Data": {"state": "Out", "data": {"Literal": 0}}}}"#,
            &[task_a, inner],
            vec![json!({"k": 1}), json!(3), json!("the cause")],
        );
        let Stmt::Let {
            step: Step::Call(call),
            ..
        } = &body.stmts[0]
        else {
            panic!("{body:?}")
        };
        let Callee::Workflow(w) = &call.callee else {
            panic!("{call:?}")
        };
        let Some(Step::Call(inner_call)) = &w.body.value else {
            panic!("{w:?}")
        };
        assert_eq!(inner_call.input, Data::Literal(json!("inner constant")));
        let Stmt::Choice(choice) = &body.stmts[1] else {
            panic!("{body:?}")
        };
        let (Condition::Compare(_, _, operand), block) = &choice.arms[0] else {
            panic!("{choice:?}")
        };
        assert_eq!(operand, &crate::ir::Operand::Literal(json!(3)));
        let Stmt::Fail(fail) = &block.stmts[0] else {
            panic!("{block:?}")
        };
        assert_eq!(fail.cause.as_deref(), Some("the cause"));
        let Some(Step::Data { data, .. }) = &body.value else {
            panic!("{body:?}")
        };
        assert_eq!(data, &Data::Literal(json!({"k": 1})));
    }

    #[test]
    fn a_slot_outside_the_table_is_an_error_naming_it() {
        let err = std::panic::catch_unwind(|| {
            body_from_data(
                r#"{"stmts": [], "value": {"Data": {"state": "Out", "data": {"Literal": 4}}}}"#,
                &[],
                Vec::new(),
            )
        })
        .expect_err("slot 4 is not there");
        let text = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            text.contains("value slot 4 is not in the workflow's table"),
            "{text}"
        );
    }

    #[test]
    fn outside_body_from_data_a_slot_does_not_resolve() {
        let err = serde_json::from_str::<Block>(
            r#"{"stmts": [], "value": {"Data": {"state": "Out", "data": {"Literal": 0}}}}"#,
        )
        .expect_err("no tables");
        assert!(err.to_string().contains("value slot 0"), "{err}");
    }
}
