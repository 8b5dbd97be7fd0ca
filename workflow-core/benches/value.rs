//! What the shared value type (`workflow_core::value::Val`, branch `wip/value-type`) would buy
//! on pass-chain's transition: the template `{"v.$": "$.value", "name.$": "$.name", "i": N}`
//! and the merge `ResultPath: "$.last"`, each input kept alive as the history keeps it, done
//! as the interpreter does them on `serde_json::Value` and on `Val`.
//!
//! `cargo bench -p workflow-core --bench value`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use workflow_core::value::{Object, Val};

const TRANSITIONS: i64 = 1000;

/// As the interpreter: the template's object cloned from a prototype, the input copied beside
/// `last` (which holds an object, so it is not copied), then `last` set.
fn serde_transition(input: &Value, proto: &Map<String, Value>, i: i64) -> Value {
    let obj = input.as_object().expect("an object");
    let mut t = Map::with_capacity(proto.len());
    t.clone_from(proto);
    let mut slots = t.values_mut();
    for (slot, v) in slots.by_ref().zip([obj.get("value"), obj.get("name")]) {
        *slot = v.cloned().unwrap_or(Value::Null);
    }
    if let Some(slot) = slots.next() {
        *slot = Value::from(i);
    }
    let mut copy: Map<String, Value> = obj
        .iter()
        .map(|(k, v)| (k.clone(), if k == "last" { Value::Null } else { v.clone() }))
        .collect();
    copy.insert("last".to_owned(), Value::Object(t));
    Value::Object(copy)
}

/// The same on `Val`: the template's keys shared, the input's members shared by the copy.
fn val_transition(input: &Val, keys: &[Arc<str>; 4], i: i64) -> Val {
    let obj = input.as_object().expect("an object");
    let member = |k: &str| obj.get(k).cloned().unwrap_or_default();
    let mut t = Object::with_capacity(3);
    t.push_unique(keys[0].clone(), member("value"));
    t.push_unique(keys[1].clone(), member("name"));
    t.push_unique(keys[2].clone(), Val::Number(i.into()));
    let mut out = input.clone();
    out.object_mut()
        .expect("an object")
        .insert(keys[3].clone(), Val::Object(Arc::new(t)));
    out
}

fn pass_chain(c: &mut Criterion) {
    let mut g = c.benchmark_group("pass_chain_transition");
    g.throughput(Throughput::Elements(TRANSITIONS as u64));
    let start = json!({"value": 42, "name": "bench"});
    let proto = json!({"v": null, "name": null, "i": null})
        .as_object()
        .cloned()
        .expect("an object");
    g.bench_function("serde_json", |b| {
        b.iter(|| {
            let mut history = vec![Arc::new(start.clone())];
            for i in 0..TRANSITIONS {
                let next = serde_transition(history.last().expect("a value"), &proto, i);
                history.push(Arc::new(next));
            }
            black_box(history)
        })
    });
    let keys: [Arc<str>; 4] = ["v", "name", "i", "last"].map(Arc::from);
    let start = Val::from(&start);
    g.bench_function("val", |b| {
        b.iter(|| {
            let mut history = vec![start.clone()];
            for i in 0..TRANSITIONS {
                let next = val_transition(history.last().expect("a value"), &keys, i);
                history.push(next);
            }
            black_box(history)
        })
    });
    g.finish();
}

criterion_group!(benches, pass_chain);
criterion_main!(benches);
