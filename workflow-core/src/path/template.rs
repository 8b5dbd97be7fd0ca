//! Payload templates (Parameters, ResultSelector, ItemSelector, Map Parameters): compiled once,
//! evaluated per state entry.
//!
//! A key ending in `.$` takes its value from a path (`$.a`, `$$.Map.Item.Value`, `$var`) or an
//! intrinsic call (`States.Format('{}', $.a)`), and loses the `.$`. Objects and arrays recurse,
//! objects inside arrays included. Subtrees without any `.$` key are kept as literal values.

use super::{JsonPath, Root};
use crate::compact;
use crate::error::StatesError;
use crate::intrinsics::{self, Call};
use crate::privacy::Payload;
use serde_json::{Map, Value};

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
    Literal(Value),
    /// An object with at least one dynamic member somewhere below: its keys in order (each
    /// value `null`; cloning it copies the hash table instead of hashing every key again) and
    /// the member nodes in the same order.
    Object {
        keys: Map<String, Value>,
        members: Vec<Node>,
    },
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
    pub fn evaluate(&self, scope: &super::Scope<'_>) -> Result<Value, StatesError> {
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
            let mut members = Vec::with_capacity(map.len());
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
                        members.push((name.to_owned(), node));
                        dynamic = true;
                        pointer.truncate(len);
                        continue;
                    }
                    None => compile_node(member, pointer)?,
                };
                pointer.truncate(len);
                dynamic |= !matches!(node, Node::Literal(_));
                members.push((key.clone(), node));
            }
            Ok(if dynamic {
                let keys = members
                    .iter()
                    .map(|(key, _)| (key.clone(), Value::Null))
                    .collect();
                let members = members.into_iter().map(|(_, node)| node).collect();
                Node::Object { keys, members }
            } else {
                Node::Literal(value.clone())
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
                Node::Literal(value.clone())
            } else {
                Node::Array(nodes)
            })
        }
        other => Ok(Node::Literal(other.clone())),
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
        Node::Object { members, .. } => members.iter().any(node_references_context),
        Node::Array(items) => items.iter().any(node_references_context),
        Node::Path { path, .. } => path.references_context(),
        Node::Call { call, .. } => call.paths().iter().any(|p| p.references_context()),
    }
}

fn evaluate_node(node: &Node, scope: &super::Scope<'_>) -> Result<Value, StatesError> {
    Ok(match node {
        Node::Literal(value) => value.clone(),
        Node::Object { keys, members } => {
            let mut map = compact::sized_like(keys, 0);
            for (slot, member) in map.values_mut().zip(members) {
                *slot = evaluate_node(member, scope)?;
            }
            Value::Object(map)
        }
        Node::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| evaluate_node(item, scope))
                .collect::<Result<_, _>>()?,
        ),
        Node::Path { path, field } => {
            let root = path.root_value(scope)?;
            match path.eval(root) {
                Ok(value) => value.into_owned(),
                Err(_) => {
                    return Err(StatesError::runtime(format!(
                        "The JSONPath '{path}' specified for the field '{field}' could not be \
                         found in the {} '{}'",
                        if path.root == Root::Context {
                            "context object"
                        } else {
                            "input"
                        },
                        Payload(root)
                    )))
                }
            }
        }
        Node::Call { call, .. } => call.evaluate_borrowed(&|path: &JsonPath| path.select(scope))?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::Scope;
    use super::*;
    use crate::error::names;
    use serde_json::json;

    fn run(template: Value, input: Value) -> Result<Value, StatesError> {
        Template::compile(&template)
            .unwrap()
            .evaluate(&Scope::new(&input))
    }

    fn compile_error(template: Value) -> TemplateError {
        Template::compile(&template).unwrap_err()
    }

    #[test]
    fn dollar_keys_take_paths_and_lose_the_suffix() {
        // The ASL spec's example.
        let out = run(
            json!({"flagged": true, "parts": {"first.$": "$.vals[0]", "last3.$": "$.vals[3:]"}}),
            json!({"flagged": 7, "vals": [0, 10, 20, 30, 40, 50]}),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"flagged": true, "parts": {"first": 0, "last3": [30, 40, 50]}})
        );
    }

    #[test]
    fn plain_keys_are_literal() {
        // Recorded case 025: "Comment" inside Parameters is data, not a comment.
        let t = json!({"Comment": "Comment text", "constant": "c", "s": "$.not.a.path"});
        let compiled = Template::compile(&t).unwrap();
        assert!(compiled.is_literal());
        assert_eq!(compiled.evaluate(&Scope::new(&json!({}))).unwrap(), t);
    }

    #[test]
    fn objects_inside_arrays_are_templates() {
        let out = run(
            json!({"list": [1, {"v.$": "$.a"}, [{"w.$": "$.b"}]]}),
            json!({"a": "A", "b": "B"}),
        )
        .unwrap();
        assert_eq!(out, json!({"list": [1, {"v": "A"}, [{"w": "B"}]]}));
        assert_eq!(
            run(json!([{"x.$": "$"}]), json!(3)).unwrap(),
            json!([{"x": 3}])
        );
    }

    #[test]
    fn context_and_variable_paths() {
        let input = json!({});
        let context = json!({"Map": {"Item": {"Index": 2}}});
        let vars: Map<String, Value> = serde_json::from_value(json!({"v": [1, 2]})).unwrap();
        let template =
            Template::compile(&json!({"i.$": "$$.Map.Item.Index", "v.$": "$v[1]"})).unwrap();
        assert!(template.references_context());
        let scope = Scope::new(&input)
            .with_context(&context)
            .with_variables(&vars);
        assert_eq!(template.evaluate(&scope).unwrap(), json!({"i": 2, "v": 2}));
        assert!(!Template::compile(&json!({"a.$": "$.x"}))
            .unwrap()
            .references_context());
    }

    #[test]
    fn missing_paths_use_the_service_wording() {
        // Recorded case 030.
        let e = run(
            json!({"value.$": "$.no_such_jsonpath"}),
            json!({"int-literal": 0}),
        )
        .unwrap_err();
        assert_eq!(e.error, names::RUNTIME);
        assert_eq!(
            e.cause,
            "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be \
             found in the input '<hidden object>'"
        );
        let shown = crate::privacy::with_payloads(true, || {
            run(json!({"v.$": "$.no"}), json!({"int-literal": 0})).unwrap_err()
        });
        assert!(shown
            .cause
            .ends_with("found in the input '{\"int-literal\":0}'"));
        // Indefinite paths never fail (recorded cases 011-022).
        assert_eq!(
            run(json!({"item.$": "$.items[*]"}), json!({})).unwrap(),
            json!({"item": []})
        );
    }

    #[test]
    fn intrinsic_calls() {
        let out = run(
            json!({"greeting.$": "States.Format('Hello, {}!', $.name)", "n.$": "States.ArrayLength($.xs)"}),
            json!({"name": "Ada", "xs": [1, 2, 3]}),
        )
        .unwrap();
        assert_eq!(out, json!({"greeting": "Hello, Ada!", "n": 3}));
        let t = Template::compile(&json!({"a.$": "States.Array($$.Execution.Id)"})).unwrap();
        assert!(t.references_context());
        let e = run(
            json!({"a.$": "States.StringToJson($.s)"}),
            json!({"s": "{"}),
        )
        .unwrap_err();
        // The service fails bad intrinsic arguments with States.Runtime (see the intrinsics
        // module), not the States.IntrinsicFailure the spec names.
        assert_eq!(e.error, names::RUNTIME);
    }

    #[test]
    fn compile_errors_point_at_the_key() {
        let e = compile_error(json!({"a": {"arrayField.$": ["$.x"]}}));
        assert_eq!(e.pointer, "/a/arrayField.$");
        assert_eq!(
            e.message,
            "The value for the field 'arrayField.$' must be a STRING that contains a JSONPath \
             but was an array"
        );
        let e = compile_error(json!({"l": [0, {"x/y~.$": "nope"}]}));
        assert_eq!(e.pointer, "/l/1/x~1y~0.$");
        assert!(e
            .message
            .contains("must be a JSONPath or an intrinsic function call"));
        let e = compile_error(json!({"f.$": "States.NoSuchFunction($.a)"}));
        assert_eq!(e.pointer, "/f.$");
        assert!(
            e.message.contains("not a valid intrinsic call"),
            "{}",
            e.message
        );
        let e = compile_error(json!({"f.$": "States.Format('{}', $.a b)"}));
        assert_eq!(e.pointer, "/f.$");
        let e = compile_error(json!({"a": 1, "a.$": "$.x"}));
        assert_eq!(e.message, "`a.$` and `a` both define the field `a`");
    }
}
