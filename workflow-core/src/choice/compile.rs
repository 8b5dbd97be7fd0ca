//! From the serde model of a Choice rule to the compiled tree.

use super::{Cmp, Comparison, Node, Operand, Pattern, Reference, Rule, Test, TypeTest};
use crate::asl::{ChoiceRule, Operator};
use crate::timestamp::Timestamp;

type PathCompiler<'c, P> = &'c mut dyn FnMut(&str) -> Result<P, String>;

impl<P> Rule<P> {
    /// Compiles a JSONPath-mode rule: exactly one test (a comparison on `Variable`, `And`, `Or`
    /// or `Not`), operands of the operator's type, paths compiled by `compile_path`. The
    /// rule's own `Next`, `Comment`, `Assign` and `Output` are left to the caller. Errors name
    /// the offending field, prefixed by its position in nested rules (`And[1].Not: ...`).
    pub fn compile(
        rule: &ChoiceRule,
        compile_path: &mut dyn FnMut(&str) -> Result<P, String>,
    ) -> Result<Self, String> {
        Ok(Rule {
            node: compile_node(rule, compile_path)?,
        })
    }
}

fn compile_node<P>(
    rule: &ChoiceRule,
    compile_path: PathCompiler<'_, P>,
) -> Result<Node<P>, String> {
    if rule.condition.is_some() {
        return Err(
            "`Condition` is a JSONata rule; a JSONPath rule tests `Variable` with an \
                    operator, or combines rules with `And`, `Or` or `Not`"
                .to_owned(),
        );
    }
    let mut tests: Vec<&str> = rule.comparisons().map(|(op, _)| op.name()).collect();
    for (present, name) in [
        (rule.and.is_some(), "And"),
        (rule.or.is_some(), "Or"),
        (rule.not.is_some(), "Not"),
    ] {
        if present {
            tests.push(name);
        }
    }
    if tests.len() > 1 {
        return Err(format!(
            "the rule has {} tests (`{}`); expected exactly one",
            tests.len(),
            tests.join("`, `")
        ));
    }
    if let Some(rules) = &rule.and {
        return compile_list("And", rules, rule, compile_path).map(Node::And);
    }
    if let Some(rules) = &rule.or {
        return compile_list("Or", rules, rule, compile_path).map(Node::Or);
    }
    if let Some(inner) = &rule.not {
        no_variable("Not", rule)?;
        return compile_node(inner, compile_path)
            .map(|node| Node::Not(Box::new(node)))
            .map_err(|e| format!("Not: {e}"));
    }
    let Some((op, operand)) = rule.comparisons().next() else {
        return Err(
            "the rule has no test: expected a comparison operator with `Variable`, \
                    or `And`, `Or` or `Not`"
                .to_owned(),
        );
    };
    let name = op.name();
    let text = rule
        .variable
        .as_deref()
        .ok_or_else(|| format!("`{name}` requires `Variable`, the path of the value to test"))?;
    let variable = reference("Variable", text, compile_path)?;
    let test = compile_test(op, operand, compile_path)?;
    Ok(Node::Compare(Box::new(Comparison { variable, test })))
}

fn compile_list<P>(
    name: &str,
    rules: &[ChoiceRule],
    rule: &ChoiceRule,
    compile_path: PathCompiler<'_, P>,
) -> Result<Box<[Node<P>]>, String> {
    no_variable(name, rule)?;
    if rules.is_empty() {
        return Err(format!("`{name}` must be a non-empty array of rules"));
    }
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| compile_node(r, compile_path).map_err(|e| format!("{name}[{i}]: {e}")))
        .collect()
}

fn no_variable(name: &str, rule: &ChoiceRule) -> Result<(), String> {
    match rule.variable {
        Some(_) => Err(format!(
            "`Variable` is not allowed with `{name}`; put it in the nested rules"
        )),
        None => Ok(()),
    }
}

fn reference<P>(
    field: &str,
    text: &str,
    compile_path: PathCompiler<'_, P>,
) -> Result<Reference<P>, String> {
    let path = compile_path(text).map_err(|e| format!("`{field}` {text:?}: {e}"))?;
    Ok(Reference {
        path,
        text: text.into(),
    })
}

/// What an operator tests, read off its name.
enum Kind {
    Present,
    Is(TypeTest),
    Matches,
    Compare(Family, Cmp),
}

enum Family {
    String,
    Numeric,
    Boolean,
    Timestamp,
}

fn kind(op: Operator) -> Kind {
    use Cmp::*;
    use Family::*;
    use Operator as O;
    match op {
        O::IsPresent => Kind::Present,
        O::IsNull => Kind::Is(TypeTest::Null),
        O::IsNumeric => Kind::Is(TypeTest::Numeric),
        O::IsString => Kind::Is(TypeTest::String),
        O::IsBoolean => Kind::Is(TypeTest::Boolean),
        O::IsTimestamp => Kind::Is(TypeTest::Timestamp),
        O::StringMatches => Kind::Matches,
        O::StringEquals | O::StringEqualsPath => Kind::Compare(String, Eq),
        O::StringLessThan | O::StringLessThanPath => Kind::Compare(String, Lt),
        O::StringGreaterThan | O::StringGreaterThanPath => Kind::Compare(String, Gt),
        O::StringLessThanEquals | O::StringLessThanEqualsPath => Kind::Compare(String, Le),
        O::StringGreaterThanEquals | O::StringGreaterThanEqualsPath => Kind::Compare(String, Ge),
        O::NumericEquals | O::NumericEqualsPath => Kind::Compare(Numeric, Eq),
        O::NumericLessThan | O::NumericLessThanPath => Kind::Compare(Numeric, Lt),
        O::NumericGreaterThan | O::NumericGreaterThanPath => Kind::Compare(Numeric, Gt),
        O::NumericLessThanEquals | O::NumericLessThanEqualsPath => Kind::Compare(Numeric, Le),
        O::NumericGreaterThanEquals | O::NumericGreaterThanEqualsPath => Kind::Compare(Numeric, Ge),
        O::BooleanEquals | O::BooleanEqualsPath => Kind::Compare(Boolean, Eq),
        O::TimestampEquals | O::TimestampEqualsPath => Kind::Compare(Timestamp, Eq),
        O::TimestampLessThan | O::TimestampLessThanPath => Kind::Compare(Timestamp, Lt),
        O::TimestampGreaterThan | O::TimestampGreaterThanPath => Kind::Compare(Timestamp, Gt),
        O::TimestampLessThanEquals | O::TimestampLessThanEqualsPath => Kind::Compare(Timestamp, Le),
        O::TimestampGreaterThanEquals | O::TimestampGreaterThanEqualsPath => {
            Kind::Compare(Timestamp, Ge)
        }
    }
}

fn compile_test<P>(
    op: Operator,
    operand: &serde_json::Value,
    compile_path: PathCompiler<'_, P>,
) -> Result<Test<P>, String> {
    let name = op.name();
    let expect = |what: &str| format!("`{name}` must be {what}, got {operand}");
    let boolean = || operand.as_bool().ok_or_else(|| expect("true or false"));
    match kind(op) {
        Kind::Present => Ok(Test::IsPresent(boolean()?)),
        Kind::Is(test) => Ok(Test::Is(test, boolean()?)),
        Kind::Matches => {
            let pattern = operand.as_str().ok_or_else(|| expect("a string pattern"))?;
            Ok(Test::Matches(Pattern::compile(pattern)))
        }
        Kind::Compare(family, cmp) if op.is_path() => {
            let text = operand
                .as_str()
                .ok_or_else(|| expect("a reference path string such as \"$.value\""))?;
            let r = reference(name, text, compile_path)?;
            Ok(match family {
                Family::String => Test::String(cmp, Operand::Path(r)),
                Family::Numeric => Test::Numeric(cmp, Operand::Path(r)),
                Family::Boolean => Test::Boolean(Operand::Path(r)),
                Family::Timestamp => Test::Timestamp(cmp, Operand::Path(r)),
            })
        }
        Kind::Compare(Family::String, cmp) => {
            let literal = operand.as_str().ok_or_else(|| expect("a string"))?;
            Ok(Test::String(cmp, Operand::Literal(literal.into())))
        }
        Kind::Compare(Family::Numeric, cmp) => {
            let literal = operand.as_f64().ok_or_else(|| expect("a number"))?;
            Ok(Test::Numeric(cmp, Operand::Literal(literal)))
        }
        Kind::Compare(Family::Boolean, _) => Ok(Test::Boolean(Operand::Literal(boolean()?))),
        Kind::Compare(Family::Timestamp, cmp) => {
            let literal = operand.as_str().and_then(Timestamp::parse).ok_or_else(|| {
                expect("an ISO-8601 timestamp with an offset such as \"2016-03-14T01:59:00Z\"")
            })?;
            Ok(Test::Timestamp(cmp, Operand::Literal(literal)))
        }
    }
}
