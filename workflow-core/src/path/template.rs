//! Payload templates (Parameters, ResultSelector, ItemSelector, Map Parameters): compiled once,
//! evaluated per state entry.
//!
//! A key ending in `.$` takes its value from a path (`$.a`, `$$.Map.Item.Value`, `$var`) or an
//! intrinsic call (`States.Format('{}', $.a)`), and loses the `.$`. Objects and arrays recurse,
//! objects inside arrays included. Subtrees without any `.$` key are kept as literal values.

use super::{JsonPath, Root};
use crate::error::StatesError;
use crate::intrinsics::{self, Call};
use crate::privacy::Payload;
use crate::value::{Key, Object, Val};
use serde_json::Value;

/// A template that does not compile: where (a JSON pointer from the template's root, to the
/// offending `.$` key) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct TemplateError {
    /// A JSON pointer (RFC 6901) into the template, e.g. `/parts/first.$`.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

/// A compiled payload template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    root: Node,
    references_context: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// A subtree without `.$` keys, copied as is.
    Literal(Val),
    /// An object with at least one dynamic member somewhere below: its keys (shared by every
    /// object it builds) and member nodes, in order.
    Object { members: Vec<(Key, Node)> },
    /// An array with at least one dynamic element somewhere below.
    Array(Vec<Node>),
    /// `"key.$": "$.path"`; `field` is the key as written, for messages.
    Path { path: JsonPath, field: Box<str> },
    /// `"key.$": "States.Fn(...)"`.
    Call {
        call: Box<Call<JsonPath>>,
        field: Box<str>,
    },
}

impl Template {
    /// Compiles a template. A `.$` value that is not a string, not a valid path and not a valid
    /// intrinsic call is an error pointing at its key; so is a `key.$` next to a plain `key`.
    pub fn compile(template: &Value) -> Result<Template, TemplateError> {
        let mut pointer = String::new();
        let root = compile_node(template, &mut pointer)?;
        let references_context = node_references_context(&root);
        Ok(Template {
            root,
            references_context,
        })
    }

    /// Builds the payload. A definite path that selects nothing is `States.Runtime` with the
    /// service's wording: "The JSONPath '$.x' specified for the field 'x.$' could not be found in
    /// the input '{...}'"; an intrinsic function given bad arguments is `States.Runtime` too
    /// ("Invalid arguments in States.Xxx"), as the service reports it.
    pub fn evaluate(&self, scope: &super::Scope<'_>) -> Result<Val, StatesError> {
        evaluate_node(&self.root, scope)
    }

    /// Whether any path of the template (intrinsic arguments included) reads the context object,
    /// so the caller knows whether to build it.
    pub fn references_context(&self) -> bool {
        self.references_context
    }

    /// Whether the template has no `.$` key at all (evaluating it just copies it).
    pub fn is_literal(&self) -> bool {
        matches!(self.root, Node::Literal(_))
    }
}

fn compile_node(value: &Value, pointer: &mut String) -> Result<Node, TemplateError> {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(Key, Node)> = Vec::with_capacity(map.len());
            let mut dynamic = false;
            for (key, member) in map {
                let len = pointer.len();
                crate::source::push_token(pointer, key);
                let node = match key.strip_suffix(".$") {
                    Some(name) => {
                        if map.contains_key(name) {
                            return Err(error(
                                pointer,
                                format!("`{key}` and `{name}` both define the field `{name}`"),
                            ));
                        }
                        let node = compile_dynamic(key, member, pointer)?;
                        members.push((crate::intern::shared(name), node));
                        dynamic = true;
                        pointer.truncate(len);
                        continue;
                    }
                    None => compile_node(member, pointer)?,
                };
                pointer.truncate(len);
                dynamic |= !matches!(node, Node::Literal(_));
                members.push((crate::intern::shared(key), node));
            }
            Ok(if dynamic {
                Node::Object { members }
            } else {
                Node::Literal(Val::from(value))
            })
        }
        Value::Array(items) => {
            let mut nodes = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                nodes.push(compile_node(item, pointer)?);
                pointer.truncate(len);
            }
            Ok(if nodes.iter().all(|n| matches!(n, Node::Literal(_))) {
                Node::Literal(Val::from(value))
            } else {
                Node::Array(nodes)
            })
        }
        other => Ok(Node::Literal(Val::from(other))),
    }
}

/// The value of a `key.$` member: a path or an intrinsic call.
fn compile_dynamic(key: &str, value: &Value, pointer: &str) -> Result<Node, TemplateError> {
    let Value::String(text) = value else {
        return Err(error(
            pointer,
            format!(
                "The value for the field '{key}' must be a STRING that contains a JSONPath but \
                 was {}",
                super::select::kind(value)
            ),
        ));
    };
    if intrinsics::looks_like_call(text) {
        let call = Call::parse(text, &mut |arg: &str| {
            JsonPath::parse(arg).map_err(|e| e.to_string())
        })
        .map_err(|e| {
            error(
                pointer,
                format!("The value for the field '{key}' is not a valid intrinsic call: {e}"),
            )
        })?;
        return Ok(Node::Call {
            call: Box::new(call),
            field: key.into(),
        });
    }
    match JsonPath::parse(text) {
        Ok(path) => Ok(Node::Path {
            path,
            field: key.into(),
        }),
        Err(e) => Err(error(
            pointer,
            format!(
                "The value for the field '{key}' must be a JSONPath or an intrinsic function \
                 call: {e}"
            ),
        )),
    }
}

fn error(pointer: &str, message: String) -> TemplateError {
    TemplateError {
        pointer: pointer.to_owned(),
        message,
    }
}

fn node_references_context(node: &Node) -> bool {
    match node {
        Node::Literal(_) => false,
        Node::Object { members } => members.iter().any(|(_, n)| node_references_context(n)),
        Node::Array(items) => items.iter().any(node_references_context),
        Node::Path { path, .. } => path.references_context(),
        Node::Call { call, .. } => call.paths().iter().any(|p| p.references_context()),
    }
}

fn evaluate_node(node: &Node, scope: &super::Scope<'_>) -> Result<Val, StatesError> {
    Ok(match node {
        Node::Literal(value) => value.clone(),
        Node::Object { members } => {
            // A template's keys are all different; pushed here, each member is written where
            // it stays (passed to `push_unique` it would go through memory: a stall on store
            // forwarding, per perf annotate).
            let mut object = Vec::with_capacity(members.len());
            for (key, member) in members {
                // Leaves in place: a value returned through a call is moved through memory.
                let value = match member {
                    Node::Literal(value) => value.clone(),
                    Node::Path { path, field } => select_field(path, field, scope)?,
                    other => evaluate_node(other, scope)?,
                };
                object.push((key.clone(), value));
            }
            Val::object(Object::from_unique(object))
        }
        Node::Array(items) => Val::array(
            items
                .iter()
                .map(|item| evaluate_node(item, scope))
                .collect::<Result<_, _>>()?,
        ),
        Node::Path { path, field } => select_field(path, field, scope)?,
        Node::Call { call, .. } => call.evaluate_borrowed(&|path: &JsonPath| path.select(scope))?,
    })
}

/// The value of `"field.$": "path"`.
#[inline(always)]
fn select_field(
    path: &JsonPath,
    field: &str,
    scope: &super::Scope<'_>,
) -> Result<Val, StatesError> {
    let root = path.root_value(scope)?;
    match path.eval(root) {
        Ok(value) => Ok(value.into_owned()),
        Err(_) => Err(missing_field(path, field, root)),
    }
}

#[cold]
fn missing_field(path: &JsonPath, field: &str, root: &Val) -> StatesError {
    StatesError::runtime(format!(
        "The JSONPath '{path}' specified for the field '{field}' could not be found in the {} \
         '{}'",
        if path.root == Root::Context {
            "context object"
        } else {
            "input"
        },
        Payload(root)
    ))
}

#[cfg(test)]
mod tests {
    use super::super::Scope;
    use super::*;
    use crate::error::names;
    use crate::val;
    use serde_json::json;

    fn run(template: Val, input: Val) -> Result<Val, StatesError> {
        Template::compile(&template.to_json())
            .unwrap()
            .evaluate(&Scope::new(&input))
    }

    fn compile_error(template: Val) -> TemplateError {
        Template::compile(&template.to_json()).unwrap_err()
    }

    #[test]
    fn dollar_keys_take_paths_and_lose_the_suffix() {
        // The ASL spec's example.
        let out = run(
            val!({"flagged": true, "parts": {"first.$": "$.vals[0]", "last3.$": "$.vals[3:]"}}),
            val!({"flagged": 7, "vals": [0, 10, 20, 30, 40, 50]}),
        )
        .unwrap();
        assert_eq!(
            out,
            val!({"flagged": true, "parts": {"first": 0, "last3": [30, 40, 50]}})
        );
    }

    #[test]
    fn a_one_name_path_shares_the_member_and_a_miss_fails_as_any_path_does() {
        let input = val!({"name": "bench", "deep": {"a": [1]}, "n": null});
        let out = run(
            val!({"s.$": "$.name", "d.$": "$.deep", "n.$": "$.n"}),
            input.clone(),
        );
        assert_eq!(
            out.unwrap(),
            val!({"s": "bench", "d": {"a": [1]}, "n": null})
        );
        let (Val::Object(out), Val::Object(input)) =
            (run(val!({"d.$": "$.deep"}), input.clone()).unwrap(), input)
        else {
            unreachable!()
        };
        let (Some(Val::Object(a)), Some(Val::Object(b))) = (out.get("d"), input.get("deep")) else {
            unreachable!()
        };
        assert!(
            std::sync::Arc::ptr_eq(a, b),
            "the member is shared, not copied"
        );
        let missing = run(val!({"x.$": "$.x"}), val!({"a": 1})).unwrap_err();
        assert_eq!(missing.error, names::RUNTIME);
        let wording =
            "The JSONPath '$.x' specified for the field 'x.$' could not be found in the input";
        assert!(missing.cause.starts_with(wording), "{}", missing.cause);
        let not_an_object = run(val!({"x.$": "$.x"}), val!([1])).unwrap_err();
        assert_eq!(not_an_object.error, names::RUNTIME);
        assert!(
            not_an_object.cause.starts_with(wording),
            "{}",
            not_an_object.cause
        );
    }

    #[test]
    fn plain_keys_are_literal() {
        // Recorded case 025: "Comment" inside Parameters is data, not a comment.
        let t = json!({"Comment": "Comment text", "constant": "c", "s": "$.not.a.path"});
        let compiled = Template::compile(&t).unwrap();
        assert!(compiled.is_literal());
        assert_eq!(compiled.evaluate(&Scope::new(&val!({}))).unwrap(), t);
    }

    #[test]
    fn objects_inside_arrays_are_templates() {
        let out = run(
            val!({"list": [1, {"v.$": "$.a"}, [{"w.$": "$.b"}]]}),
            val!({"a": "A", "b": "B"}),
        )
        .unwrap();
        assert_eq!(out, val!({"list": [1, {"v": "A"}, [{"w": "B"}]]}));
        assert_eq!(
            run(val!([{"x.$": "$"}]), val!(3)).unwrap(),
            val!([{"x": 3}])
        );
    }

    #[test]
    fn context_and_variable_paths() {
        let input = val!({});
        let context = val!({"Map": {"Item": {"Index": 2}}});
        let vars: Object = val!({"v": [1, 2]}).into_object().unwrap();
        let template =
            Template::compile(&json!({"i.$": "$$.Map.Item.Index", "v.$": "$v[1]"})).unwrap();
        assert!(template.references_context());
        let scope = Scope::new(&input)
            .with_context(&context)
            .with_variables(&vars);
        assert_eq!(template.evaluate(&scope).unwrap(), val!({"i": 2, "v": 2}));
        assert!(!Template::compile(&json!({"a.$": "$.x"}))
            .unwrap()
            .references_context());
    }

    #[test]
    fn missing_paths_use_the_service_wording() {
        // Recorded case 030.
        let e = run(
            val!({"value.$": "$.no_such_jsonpath"}),
            val!({"int-literal": 0}),
        )
        .unwrap_err();
        assert_eq!(e.error, names::RUNTIME);
        assert_eq!(
            e.cause,
            "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be \
             found in the input '<hidden object>'"
        );
        let shown = crate::privacy::with_payloads(true, || {
            run(val!({"v.$": "$.no"}), val!({"int-literal": 0})).unwrap_err()
        });
        assert!(shown
            .cause
            .ends_with("found in the input '{\"int-literal\":0}'"));
        // Indefinite paths never fail (recorded cases 011-022).
        assert_eq!(
            run(val!({"item.$": "$.items[*]"}), val!({})).unwrap(),
            val!({"item": []})
        );
    }

    #[test]
    fn intrinsic_calls() {
        let out = run(
            val!({"greeting.$": "States.Format('Hello, {}!', $.name)", "n.$": "States.ArrayLength($.xs)"}),
            val!({"name": "Ada", "xs": [1, 2, 3]}),
        )
        .unwrap();
        assert_eq!(out, val!({"greeting": "Hello, Ada!", "n": 3}));
        let t = Template::compile(&json!({"a.$": "States.Array($$.Execution.Id)"})).unwrap();
        assert!(t.references_context());
        let e = run(val!({"a.$": "States.StringToJson($.s)"}), val!({"s": "{"})).unwrap_err();
        // The service fails bad intrinsic arguments with States.Runtime (see the intrinsics
        // module), not the States.IntrinsicFailure the spec names.
        assert_eq!(e.error, names::RUNTIME);
    }

    #[test]
    fn compile_errors_point_at_the_key() {
        let e = compile_error(val!({"a": {"arrayField.$": ["$.x"]}}));
        assert_eq!(e.pointer, "/a/arrayField.$");
        assert_eq!(
            e.message,
            "The value for the field 'arrayField.$' must be a STRING that contains a JSONPath \
             but was an array"
        );
        let e = compile_error(val!({"l": [0, {"x/y~.$": "nope"}]}));
        assert_eq!(e.pointer, "/l/1/x~1y~0.$");
        assert!(e
            .message
            .contains("must be a JSONPath or an intrinsic function call"));
        let e = compile_error(val!({"f.$": "States.NoSuchFunction($.a)"}));
        assert_eq!(e.pointer, "/f.$");
        assert!(
            e.message.contains("not a valid intrinsic call"),
            "{}",
            e.message
        );
        let e = compile_error(val!({"f.$": "States.Format('{}', $.a b)"}));
        assert_eq!(e.pointer, "/f.$");
        let e = compile_error(val!({"a": 1, "a.$": "$.x"}));
        assert_eq!(e.message, "`a.$` and `a` both define the field `a`");
    }
}
