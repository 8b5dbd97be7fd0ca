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
