//! The interpreter's hot paths, one criterion group each: reference paths, payload templates,
//! intrinsic calls, Choice rules, and whole executions measured per transition (Pass, Task with
//! a no-op handler) and per Map item.
//!
//! `cargo bench -p workflow-core --bench interpreter [FILTER]`

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::{json, Value};
use std::borrow::Cow;
use workflow_core::asl::ChoiceRule;
use workflow_core::choice::Rule;
use workflow_core::intrinsics::Call;
use workflow_core::path::{JsonPath, Scope, Template};
use workflow_core::run::{Machine, Runner};
use workflow_core::task::{sync_handler_fn, TaskRegistry};
use workflow_core::val;
use workflow_core::value::Val;

fn document() -> Val {
    val!({
        "order": {"id": "o-17", "customer": {"name": "Ada", "tier": "gold"},
                  "lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 3}, {"sku": "c", "qty": 2}]},
        "value": 42, "name": "bench", "counter": 9_999, "items": [1, 2, 3, 4, 5, 6, 7, 8]
    })
}

fn paths(c: &mut Criterion) {
    let doc = document();
    let scope = Scope::new(&doc);
    let mut g = c.benchmark_group("path");
    for (name, text) in [
        ("root", "$"),
        ("one_name", "$.value"),
        ("deep_reference", "$.order.lines[1].qty"),
        ("wildcard", "$.order.lines[*].sku"),
        ("filter", "$.order.lines[?(@.qty > 1)]"),
    ] {
        let path = JsonPath::parse(text).unwrap();
        g.bench_function(name, |b| b.iter(|| black_box(path.select(&scope).unwrap())));
    }
    g.bench_function("parse_deep_reference", |b| {
        b.iter(|| JsonPath::parse(black_box("$.order.lines[1].qty")).unwrap())
    });
    g.finish();
}

fn templates(c: &mut Criterion) {
    let doc = document();
    let scope = Scope::new(&doc);
    let mut g = c.benchmark_group("template");
    for (name, template) in [
        (
            "three_dollar_keys",
            json!({"v.$": "$.value", "name.$": "$.name", "i": 0}),
        ),
        (
            "nested_with_literals",
            json!({"who": {"n.$": "$.order.customer.name", "tier.$": "$.order.customer.tier"},
                   "lines.$": "$.order.lines", "fixed": {"a": [1, 2, 3], "b": "x"}}),
        ),
        ("literal_only", json!({"a": 1, "b": [1, 2, 3]})),
    ] {
        let t = Template::compile(&template).unwrap();
        g.bench_function(name, |b| b.iter(|| black_box(t.evaluate(&scope).unwrap())));
    }
    g.finish();
}

fn intrinsics(c: &mut Criterion) {
    let doc = document();
    let scope = Scope::new(&doc);
    let resolve = |p: &JsonPath| p.select(&scope).map(Cow::into_owned);
    let mut g = c.benchmark_group("intrinsic");
    for (name, text) in [
        ("math_add", "States.MathAdd($.counter, 1)"),
        (
            "format",
            "States.Format('Hello {} from {}', $.name, $.order.id)",
        ),
        ("array_length", "States.ArrayLength($.items)"),
        ("array_range", "States.ArrayRange(1, 20, 1)"),
        (
            "nested",
            "States.ArrayGetItem(States.Array($.value, $.name), 1)",
        ),
        ("hash", "States.Hash($.name, 'SHA-256')"),
    ] {
        let call = Call::parse(text, &mut |p: &str| {
            JsonPath::parse(p).map_err(|e| e.to_string())
        })
        .unwrap();
        g.bench_function(name, |b| {
            b.iter(|| black_box(call.evaluate(&resolve).unwrap()))
        });
    }
    g.finish();
}

fn choice(c: &mut Criterion) {
    let doc = document();
    let scope = Scope::new(&doc);
    let resolve = |p: &JsonPath| Ok(p.try_select(&scope));
    let mut g = c.benchmark_group("choice");
    for (name, rule) in [
        (
            "numeric_less_than",
            json!({"Variable": "$.counter", "NumericLessThan": 10000, "Next": "X"}),
        ),
        (
            "and_of_three",
            json!({"And": [
                {"Variable": "$.order.customer.tier", "StringEquals": "gold"},
                {"Variable": "$.value", "NumericGreaterThanEquals": 20},
                {"Variable": "$.order.id", "StringMatches": "o-*"}], "Next": "X"}),
        ),
    ] {
        let rule: ChoiceRule = serde_json::from_value(rule).unwrap();
        let rule = Rule::compile(&rule, &mut |p: &str| {
            JsonPath::parse(p).map_err(|e| e.to_string())
        })
        .unwrap();
        g.bench_function(name, |b| {
            b.iter(|| black_box(rule.evaluate(&resolve).unwrap()))
        });
    }
    g.finish();
}

/// A chain of `n` states made by `state(i, next)`, where `next` is `None` for the last.
fn chain(n: usize, state: impl Fn(usize, Option<String>) -> Value) -> Machine {
    let mut states = serde_json::Map::new();
    for i in 0..n {
        let next = (i + 1 < n).then(|| format!("S{}", i + 1));
        states.insert(format!("S{i}"), state(i, next));
    }
    let definition = json!({"StartAt": "S0", "States": states});
    Machine::from_json(&definition.to_string()).unwrap()
}

fn with_next(mut state: Value, next: Option<String>) -> Value {
    match next {
        Some(n) => state["Next"] = json!(n),
        None => state["End"] = json!(true),
    }
    state
}

/// Runs `machine` on `input` once per iteration, on a current-thread runtime, history recorded.
fn bench_runs(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    runner: &Runner,
    input: &Value,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    g.bench_function(name, |b| {
        b.iter_batched(
            || input.clone(),
            |input| rt.block_on(runner.run(input)),
            BatchSize::SmallInput,
        )
    });
}

const CHAIN: usize = 100;

fn transitions(c: &mut Criterion) {
    let mut g = c.benchmark_group("transition");
    g.throughput(Throughput::Elements(CHAIN as u64));
    let input = json!({"value": 7, "name": "bench"});

    let pass = chain(CHAIN, |i, next| {
        with_next(
            json!({"Type": "Pass", "Parameters": {"v.$": "$.value", "name.$": "$.name", "i": i},
                   "ResultPath": "$.last"}),
            next,
        )
    });
    bench_runs(
        &mut g,
        "pass",
        &Runner::new(pass, TaskRegistry::new()),
        &input,
    );

    let task = chain(CHAIN, |_, next| {
        with_next(
            json!({"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:noop", "ResultPath": "$.last"}),
            next,
        )
    });
    let mut tasks = TaskRegistry::new();
    tasks.register("noop", sync_handler_fn(|_| Ok(Value::Null)));
    bench_runs(&mut g, "task_noop", &Runner::new(task, tasks), &input);
    g.finish();
}

const ITEMS: usize = 1000;

fn map(c: &mut Criterion) {
    let mut g = c.benchmark_group("map");
    g.throughput(Throughput::Elements(ITEMS as u64));
    let items: Vec<Value> = (0..ITEMS)
        .map(|i| json!({"word": format!("w{i}")}))
        .collect();
    let input = json!({ "items": items });
    for (name, concurrency) in [("per_item_unbounded", 0), ("per_item_max_40", 40)] {
        let definition = json!({"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": concurrency, "End": true,
            "ItemProcessor": {"StartAt": "P", "States": {
                "P": {"Type": "Pass", "Parameters": {"w.$": "$.word"}, "End": true}}}}}});
        let machine = Machine::from_json(&definition.to_string()).unwrap();
        bench_runs(
            &mut g,
            name,
            &Runner::new(machine, TaskRegistry::new()),
            &input,
        );
    }
    g.finish();
}

criterion_group!(
    benches,
    paths,
    templates,
    intrinsics,
    choice,
    transitions,
    map
);
criterion_main!(benches);
