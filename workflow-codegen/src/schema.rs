//! JSON Schemas of the data a workflow moves (schemars), and the few questions lowering asks
//! them: which fields an object has, and what JSON type a field path has.

use schemars::schema::{InstanceType, RootSchema, Schema, SchemaObject, SingleOrVec};
use serde_json::Value;

/// The JSON Schema of one Rust type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeSchema {
    /// The schema, with its definitions.
    pub root: RootSchema,
}

/// The JSON type of a value, as far as a Choice comparison cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// A string.
    String,
    /// An integer or number.
    Number,
    /// A boolean.
    Boolean,
    /// Anything else (object, array, null, or unknown).
    Other,
}

impl TypeSchema {
    /// The schema of `T`.
    pub fn of<T: schemars::JsonSchema>() -> Self {
        TypeSchema {
            root: schemars::schema_for!(T),
        }
    }

    /// The schema that accepts anything (a hand-built workflow that declares no types).
    pub fn any() -> Self {
        TypeSchema {
            root: RootSchema::default(),
        }
    }

    /// The schema as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(&self.root).expect("a JSON Schema always serializes")
    }

    /// The schema's title (the Rust type name for derived schemas).
    pub fn title(&self) -> Option<&str> {
        self.root.schema.metadata.as_ref()?.title.as_deref()
    }

    /// Whether values are JSON objects; `None` when the schema does not say (`any`).
    pub fn is_object(&self) -> Option<bool> {
        let s = self.resolve(&self.root.schema)?;
        has_type(s, InstanceType::Object)
    }

    /// The property names of an object schema (empty when not an object).
    pub fn properties(&self) -> Vec<&str> {
        self.resolve(&self.root.schema)
            .and_then(|s| s.object.as_ref())
            .map(|o| o.properties.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The JSON type found at `fields` under the root, following `$ref`s and `Option`'s
    /// `anyOf [T, null]`; `None` when the path leaves the schema.
    pub fn kind_at(&self, fields: &[String]) -> Option<JsonKind> {
        let mut s = self.resolve(&self.root.schema)?;
        for f in fields {
            let prop = s.object.as_ref()?.properties.get(f)?;
            s = self.resolve_schema(prop)?;
        }
        for (ty, kind) in [
            (InstanceType::String, JsonKind::String),
            (InstanceType::Integer, JsonKind::Number),
            (InstanceType::Number, JsonKind::Number),
            (InstanceType::Boolean, JsonKind::Boolean),
        ] {
            if has_type(s, ty) == Some(true) {
                return Some(kind);
            }
        }
        if let Some(Value::String(_)) = s.enum_values.as_ref().and_then(|v| v.first()) {
            return Some(JsonKind::String);
        }
        Some(JsonKind::Other)
    }

    /// The `format` of the schema at `fields` (`date-time` for timestamps).
    pub fn format_at(&self, fields: &[String]) -> Option<&str> {
        let mut s = self.resolve(&self.root.schema)?;
        for f in fields {
            let prop = s.object.as_ref()?.properties.get(f)?;
            s = self.resolve_schema(prop)?;
        }
        s.format.as_deref()
    }

    /// The first of `fields` that the schema says does not exist (`None` when every field
    /// exists or the schema cannot tell, e.g. a map or an untyped value).
    pub fn missing_field<'f>(&self, fields: &'f [String]) -> Option<&'f str> {
        let mut s = self.resolve(&self.root.schema)?;
        for f in fields {
            let props = &s.object.as_ref()?.properties;
            match props.get(f) {
                Some(p) => s = self.resolve_schema(p)?,
                None if props.is_empty() => return None,
                None => return Some(f),
            }
        }
        None
    }

    fn resolve_schema<'a>(&'a self, s: &'a Schema) -> Option<&'a SchemaObject> {
        match s {
            Schema::Object(o) => self.resolve(o),
            Schema::Bool(_) => None,
        }
    }

    /// Follows `$ref` and unwraps single-type `allOf`/`anyOf [T, null]`.
    fn resolve<'a>(&'a self, mut s: &'a SchemaObject) -> Option<&'a SchemaObject> {
        for _ in 0..32 {
            if let Some(r) = &s.reference {
                let name = r.strip_prefix("#/definitions/")?;
                s = match self.root.definitions.get(name)? {
                    Schema::Object(o) => o,
                    Schema::Bool(_) => return None,
                };
                continue;
            }
            if let Some(sub) = &s.subschemas {
                let list = sub.all_of.as_ref().or(sub.any_of.as_ref());
                if let Some(list) = list {
                    let non_null: Vec<&Schema> = list.iter().filter(|x| !is_null(x)).collect();
                    if let [Schema::Object(o)] = non_null[..] {
                        s = o;
                        continue;
                    }
                }
            }
            return Some(s);
        }
        None
    }
}

fn is_null(s: &Schema) -> bool {
    matches!(s, Schema::Object(o) if has_type(o, InstanceType::Null) == Some(true)
        && !matches!(&o.instance_type, Some(SingleOrVec::Vec(v)) if v.len() > 1))
}

fn has_type(s: &SchemaObject, ty: InstanceType) -> Option<bool> {
    match s.instance_type.as_ref()? {
        SingleOrVec::Single(t) => Some(**t == ty),
        SingleOrVec::Vec(v) => Some(v.contains(&ty)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemars::JsonSchema;

    #[allow(dead_code)]
    #[derive(JsonSchema)]
    struct Inner {
        n: u32,
        s: Option<String>,
    }
    #[allow(dead_code)]
    #[derive(JsonSchema)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        Fast,
        Slow,
    }
    #[allow(dead_code)]
    #[derive(JsonSchema)]
    struct Outer {
        inner: Inner,
        flag: bool,
        mode: Mode,
        list: Vec<u8>,
    }

    #[test]
    fn kind_at_follows_refs_and_options() {
        let s = TypeSchema::of::<Outer>();
        let k = |p: &[&str]| s.kind_at(&p.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(k(&["inner", "n"]), Some(JsonKind::Number));
        assert_eq!(k(&["inner", "s"]), Some(JsonKind::String));
        assert_eq!(k(&["flag"]), Some(JsonKind::Boolean));
        assert_eq!(k(&["mode"]), Some(JsonKind::String));
        assert_eq!(k(&["list"]), Some(JsonKind::Other));
        assert_eq!(k(&["missing"]), None);
        assert_eq!(s.is_object(), Some(true));
        assert_eq!(s.properties(), vec!["flag", "inner", "list", "mode"]);
        assert_eq!(TypeSchema::of::<u32>().is_object(), Some(false));
        assert_eq!(TypeSchema::any().is_object(), None);
    }
}

impl TypeSchema {
    /// Checks `value` against the schema (the keywords schemars emits: `type`, `properties`,
    /// `required`, `additionalProperties`, `items`, `enum`, `const`, `minimum`, `maximum`,
    /// `$ref`, `allOf`, `anyOf`, `oneOf`); the error names the JSON pointer of the first
    /// problem.
    pub fn validate(&self, value: &Value) -> Result<(), String> {
        self.check(&self.root.schema, value, "")
    }

    fn check(&self, s: &SchemaObject, v: &Value, at: &str) -> Result<(), String> {
        let here = || {
            if at.is_empty() {
                "/".to_owned()
            } else {
                at.to_owned()
            }
        };
        if let Some(r) = &s.reference {
            let name = r.strip_prefix("#/definitions/").unwrap_or(r);
            return match self.root.definitions.get(name) {
                Some(Schema::Object(o)) => self.check(o, v, at),
                Some(Schema::Bool(true)) | None => Ok(()),
                Some(Schema::Bool(false)) => Err(format!("at {}: no value is allowed", here())),
            };
        }
        if let Some(types) = &s.instance_type {
            let list: Vec<&InstanceType> = match types {
                SingleOrVec::Single(t) => vec![&**t],
                SingleOrVec::Vec(v) => v.iter().collect(),
            };
            if !list.iter().any(|t| type_matches(t, v)) {
                let names: Vec<String> = list.iter().map(|t| type_name(t).to_owned()).collect();
                return Err(format!(
                    "at {}: expected {}, found {}",
                    here(),
                    names.join(" or "),
                    describe(v)
                ));
            }
        }
        if let Some(values) = &s.enum_values {
            if !values.contains(v) {
                let allowed: Vec<String> = values.iter().map(Value::to_string).collect();
                return Err(format!(
                    "at {}: expected one of {}, found {v}",
                    here(),
                    allowed.join(", ")
                ));
            }
        }
        if let Some(c) = &s.const_value {
            if c != v {
                return Err(format!("at {}: expected {c}, found {v}", here()));
            }
        }
        if let (Some(n), Some(x)) = (&s.number, v.as_f64()) {
            if n.minimum.is_some_and(|m| x < m) || n.maximum.is_some_and(|m| x > m) {
                return Err(format!("at {}: {v} is out of range", here()));
            }
        }
        if let (Some(o), Value::Object(map)) = (&s.object, v) {
            for req in &o.required {
                if !map.contains_key(req) {
                    return Err(format!("at {}: missing field `{req}`", here()));
                }
            }
            for (k, item) in map {
                let path = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match o.properties.get(k) {
                    Some(Schema::Object(p)) => self.check(p, item, &path)?,
                    Some(Schema::Bool(false)) => {
                        return Err(format!("at {path}: no value is allowed"))
                    }
                    Some(Schema::Bool(true)) => {}
                    None => match o.additional_properties.as_deref() {
                        Some(Schema::Bool(false)) => {
                            return Err(format!("at {}: unknown field `{k}`", here()))
                        }
                        Some(Schema::Object(p)) => self.check(p, item, &path)?,
                        _ => {}
                    },
                }
            }
        }
        if let (Some(a), Value::Array(items)) = (&s.array, v) {
            if let Some(SingleOrVec::Single(item_schema)) = &a.items {
                if let Schema::Object(o) = &**item_schema {
                    for (i, item) in items.iter().enumerate() {
                        self.check(o, item, &format!("{at}/{i}"))?;
                    }
                }
            }
        }
        if let Some(sub) = &s.subschemas {
            for part in sub.all_of.iter().flatten() {
                if let Schema::Object(o) = part {
                    self.check(o, v, at)?;
                }
            }
            for list in [&sub.any_of, &sub.one_of].into_iter().flatten() {
                let mut first_err = None;
                let ok = list.iter().any(|part| match part {
                    Schema::Object(o) => match self.check(o, v, at) {
                        Ok(()) => true,
                        Err(e) => {
                            first_err.get_or_insert(e);
                            false
                        }
                    },
                    Schema::Bool(b) => *b,
                });
                if !ok {
                    return Err(first_err
                        .unwrap_or_else(|| format!("at {}: no alternative matches", here())));
                }
            }
        }
        Ok(())
    }
}

fn type_matches(t: &InstanceType, v: &Value) -> bool {
    match t {
        InstanceType::Null => v.is_null(),
        InstanceType::Boolean => v.is_boolean(),
        InstanceType::Object => v.is_object(),
        InstanceType::Array => v.is_array(),
        InstanceType::Number => v.is_number(),
        InstanceType::String => v.is_string(),
        InstanceType::Integer => {
            v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
    }
}

fn type_name(t: &InstanceType) -> &'static str {
    match t {
        InstanceType::Null => "null",
        InstanceType::Boolean => "a boolean",
        InstanceType::Object => "an object",
        InstanceType::Array => "an array",
        InstanceType::Number => "a number",
        InstanceType::String => "a string",
        InstanceType::Integer => "an integer",
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod validate_tests {
    use super::*;
    use schemars::JsonSchema;
    use serde_json::json;

    #[allow(dead_code)]
    #[derive(JsonSchema)]
    struct Word {
        word: String,
    }
    #[allow(dead_code)]
    #[derive(JsonSchema)]
    struct Words {
        data: Vec<Word>,
        limit: Option<u32>,
    }

    #[test]
    fn validation_names_the_pointer_and_the_problem() {
        let s = TypeSchema::of::<Words>();
        assert_eq!(s.validate(&json!({"data": [{"word": "a"}]})), Ok(()));
        assert_eq!(
            s.validate(&json!({"data": [{"word": "a"}], "limit": null})),
            Ok(())
        );
        assert_eq!(
            s.validate(&json!({"data": [{"word": 5}]})),
            Err("at /data/0/word: expected a string, found the number 5".into())
        );
        assert_eq!(
            s.validate(&json!({"words": []})),
            Err("at /: missing field `data`".into())
        );
        assert_eq!(
            s.validate(&json!({"data": [], "limit": -1})),
            Err("at /limit: -1 is out of range".into())
        );
        assert_eq!(
            s.validate(&json!([1])),
            Err("at /: expected an object, found an array".into())
        );
    }
}
