#!/usr/bin/env python3
"""Writes the two throwaway crates of the compile-time comparison (docs/compile-cost.md).

    gen.py OUT_DIR [--states 100] [--per-class 6]

OUT_DIR becomes a cargo workspace of its own (outside the project's workspace) with:
- `wf-macro`: N `#[task]` fns and one `#[workflow]` fn of exactly --states ASL states (nested
  states counted) using a let-bound sequence of calls, Choice (`if`, `else if`, `match`, an `if`
  that falls through), Map, `join!` (Parallel), Wait (literal and field), a Pass, a loop, a
  retried task and a `#[catch]`;
- `wf-plain`: the same types and task fns without the macros, and the same control flow as a
  plain `async fn` on tokio (`.clone()` where ASL reuses a value, `tokio::join!`, a buffered
  stream for the Map, an explicit retry loop and `match` for the catch).

Both depend on the workspace's crates by path and start from the project's Cargo.lock, so they
build against the same dependency versions. `wf-macro/tests/same.rs` checks that the workflow
has --states states and that both crates compute the same output.
"""

import argparse
import os
import shutil

CLASSES = 10  # stage types D0..D9; task k of class c takes Dc and returns D(c+1)
FALLIBLE_CLASS = 7  # tasks of this class return Result<_, StepError>
POLL_CLASS = 4  # the loop polls with a task of this class
ITEM_TASKS = ["pack_item", "check_item"]  # the Maps' tasks, one per Map


def task_name(k):
    return f"step_{k}"


def pascal(name):
    return "".join(p[:1].upper() + p[1:] for p in name.split("_"))


class Task:
    def __init__(self, k, per_class):
        self.k = k
        self.c = k % CLASSES
        self.out = (self.c + 1) % CLASSES
        self.name = task_name(k)
        self.asyn = k % 3 != 2
        self.fallible = self.c == FALLIBLE_CLASS
        # half of the fallible ones are retried (a `retry(..)` setting on `#[task]`)
        self.retried = self.fallible and self.asyn and (k // CLASSES) % 2 == 0
        self.calls = 0


def types_rs():
    out = [
        "/// How urgent a stage is.",
        "#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]",
        '#[serde(rename_all = "lowercase")]',
        "pub enum Kind {",
        "    /// Can wait.",
        "    Low,",
        "    /// Normal.",
        "    Mid,",
        "    /// Urgent.",
        "    High,",
        "}",
        "",
        "/// One line of work.",
        "#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]",
        "pub struct Item {",
        "    /// Stock keeping unit.",
        "    pub sku: String,",
        "    /// How many.",
        "    pub quantity: u64,",
        "}",
        "",
        "/// Why a step fails.",
        "#[derive(Debug, Clone, Copy, PartialEq)]",
        "pub enum StepError {",
        "    /// Try again later.",
        "    Busy,",
        "    /// The input is unusable.",
        "    Invalid,",
        "}",
        "",
        "impl std::fmt::Display for StepError {",
        "    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {",
        "        match self {",
        '            StepError::Busy => f.write_str("the step is busy"),',
        '            StepError::Invalid => f.write_str("the input is invalid"),',
        "        }",
        "    }",
        "}",
        "",
    ]
    for c in range(CLASSES):
        out += [
            f"/// The document after stage {c}.",
            "#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]",
            f"pub struct D{c} {{",
            "    /// Its id.",
            "    pub id: String,",
            "    /// A counter every step moves on.",
            "    pub n: u64,",
            "    /// Whether the last step was happy.",
            "    pub ok: bool,",
            "    /// Urgency.",
            "    pub kind: Kind,",
            "    /// Seconds to wait where the flow waits.",
            "    pub delay: u64,",
            "    /// The work lines.",
            "    pub items: Vec<Item>,",
            "    /// A remark, if any.",
            "    pub note: Option<String>,",
            f"    /// Stage {c}'s own figure.",
            f"    pub extra_{c}: u64,",
            "}",
            "",
        ]
    return out


def task_rs(t, macro):
    out = [f"/// Step {t.k}: moves a stage-{t.c} document to stage {t.out}."]
    if macro:
        settings = [f'resource = "pipeline-{t.name}"']
        if t.k % 4 == 0:
            settings.append("timeout = 30")
        if t.retried:
            settings.append(
                "retry(errors = [StepError::Busy], max_attempts = 3, interval = 1, backoff = 2.0)"
            )
        out.append(f"#[task({', '.join(settings)})]")
    ret = f"D{t.out}"
    if t.fallible:
        ret = f"Result<D{t.out}, StepError>"
    asyn = "async " if t.asyn else ""
    out.append(f"pub {asyn}fn {t.name}(input: D{t.c}) -> {ret} {{")
    step = t.k % 7 + 1
    body = [
        f"D{t.out} {{",
        "    id: input.id,",
        f"    n: input.n + {step},",
        f"    ok: (input.n + {step}) % 3 != 0,",
        "    kind: input.kind,",
        "    delay: input.delay,",
        "    items: input.items,",
        "    note: input.note,",
        f"    extra_{t.out}: input.extra_{t.c} % 1000 * 2 + {t.k},",
        "}",
    ]
    if t.fallible:
        out.append("    if input.id.is_empty() {")
        out.append("        return Err(StepError::Invalid);")
        out.append("    }")
        body[0] = "Ok(" + body[0]
        body[-1] = "})"
    out += ["    " + b for b in body]
    out += ["}", ""]
    return out


def extra_tasks_rs(macro):
    """The Map's item task, the loop's poll and the catch handler."""
    out = ["/// Packs one work line (the Map's task)."]
    if macro:
        out.append('#[task(resource = "pipeline-pack-item")]')
    out += [
        "pub async fn pack_item(item: Item) -> Item {",
        "    Item {",
        "        sku: item.sku.to_uppercase(),",
        "        quantity: item.quantity + 1,",
        "    }",
        "}",
        "",
        "/// Checks one work line (the second Map's task).",
    ]
    if macro:
        out.append('#[task(resource = "pipeline-check-item")]')
    out += [
        "pub fn check_item(item: Item) -> Item {",
        "    Item {",
        "        sku: item.sku.trim().to_owned(),",
        "        quantity: item.quantity.max(1),",
        "    }",
        "}",
        "",
        "/// Polls a stage until it is ready (the loop's task).",
    ]
    if macro:
        out.append('#[task(resource = "pipeline-poll")]')
    c = POLL_CLASS
    out += [
        f"pub async fn poll(input: D{c}) -> D{c} {{",
        f"    D{c} {{ ok: true, ..input }}",
        "}",
        "",
        f"/// Stands in for a failed stage-{FALLIBLE_CLASS} step (the catch handler).",
    ]
    o = (FALLIBLE_CLASS + 1) % CLASSES
    if macro:
        out.append('#[task(resource = "pipeline-recover")]')
    out += [
        f"pub async fn recover(error: CaughtError) -> D{o} {{",
        f"    D{o} {{",
        "        id: error.error,",
        "        n: 0,",
        "        ok: false,",
        "        kind: Kind::Low,",
        "        delay: 0,",
        "        items: Vec::new(),",
        "        note: Some(error.cause),",
        f"        extra_{o}: 0,",
        "    }",
        "}",
        "",
    ]
    return out


class Flow:
    """Builds the workflow body twice, as `#[workflow]` Rust and as plain async Rust."""

    def __init__(self, tasks, states):
        self.tasks = tasks
        self.target = states
        self.states = 0
        self.m = []  # macro body lines
        self.p = []  # plain body lines
        self.var = "input"
        self.c = 0
        self.n = 0  # binding counter
        self.maps = 0

    def fresh(self, prefix="v"):
        self.n += 1
        return f"{prefix}{self.n}"

    def pick(self, c, unused=False):
        """The least-called task of class `c`; with the state attribute it needs when the task
        was called before (two states cannot share a name). `unused`: one never called (the
        states of `join!` branches take the task's name, with no way to rename them)."""
        cands = [t for t in self.tasks if t.c == c and not (unused and t.calls)]
        if not cands:
            raise SystemExit(f"gen.py: no unused task of class {c} left; raise --per-class")
        t = min(cands, key=lambda t: (t.calls, t.k))
        t.calls += 1
        attr = None
        if t.calls > 1:
            attr = f'#[state("{pascal(t.name)}Call{t.calls}")]'
        return t, attr

    def plain_call(self, t, arg, in_join=False):
        """The plain Rust expression calling `t` on `arg` (a plain expression)."""
        if t.retried:
            e = f"retry(3, || {t.name}({arg})).await"
        elif t.asyn:
            e = f"{t.name}({arg}).await"
        else:
            e = f"{t.name}({arg})"
        if t.fallible:
            e += "?"
        if in_join and not t.asyn:
            return f"async {{ {t.name}({arg}) }}"
        if in_join:
            return f"{t.name}({arg})"
        return e

    def emit(self, m, p, indent=1):
        pad = "    " * indent
        self.m += [pad + x for x in (m if isinstance(m, list) else [m])]
        self.p += [pad + x for x in (p if isinstance(p, list) else [p])]

    # -- segments; each returns nothing and adds to self.states --------------------------------

    def call(self):
        t, attr = self.pick(self.c)
        v = self.fresh()
        m = [f"let {v} = {t.name}({self.var});"]
        if attr:
            m.insert(0, attr)
        self.emit(m, f"let {v} = {self.plain_call(t, self.var + '.clone()')};")
        self.var, self.c = v, t.out
        self.states += 1

    def advance_to(self, c):
        while self.c != c:
            self.call()

    def leave(self, c):
        while self.c == c:
            self.call()

    def branch_call(self, t, attr, indent):
        m = (attr + " " if attr else "") + f"{t.name}({self.var})"
        return m, self.plain_call(t, self.var + ".clone()")

    def choice_if_else(self):
        self.leave(FALLIBLE_CLASS)
        (a, aa), (b, ba) = self.pick(self.c), self.pick(self.c)
        v = self.fresh()
        am, ap = self.branch_call(a, aa, 2)
        bm, bp = self.branch_call(b, ba, 2)
        x = self.var
        self.emit(
            [f"let {v} = if {x}.n > 20 {{", f"    {am}", "} else {", f"    {bm}", "};"],
            [f"let {v} = if {x}.n > 20 {{", f"    {ap}", "} else {", f"    {bp}", "};"],
        )
        self.var, self.c = v, a.out
        self.states += 3

    def choice_else_if(self):
        picks = [self.pick(self.c) for _ in range(3)]
        v = self.fresh()
        x = self.var
        conds = [f"{x}.n > 100 && {x}.ok", f"{x}.note.is_some()"]
        ms, ps = [], []
        for i, (t, attr) in enumerate(picks):
            head = (
                f"let {v} = if {conds[0]} {{"
                if i == 0
                else (f"}} else if {conds[1]} {{" if i == 1 else "} else {")
            )
            cm, cp = self.branch_call(t, attr, 2)
            ms += [head, f"    {cm}"]
            ps += [head, f"    {cp}"]
        self.emit(ms + ["};"], ps + ["};"])
        self.var, self.c = v, picks[0][0].out
        self.states += 4

    def choice_match(self):
        picks = [self.pick(self.c) for _ in range(3)]
        v = self.fresh()
        x = self.var
        ms, ps = [f"let {v} = match {x}.kind {{"], [f"let {v} = match {x}.kind {{"]
        for variant, (t, attr) in zip(["Low", "Mid", "High"], picks):
            cm, cp = self.branch_call(t, attr, 2)
            ms.append(f"    Kind::{variant} => {cm},")
            ps.append(f"    Kind::{variant} => {cp},")
        self.emit(ms + ["};"], ps + ["};"])
        self.var, self.c = v, picks[0][0].out
        self.states += 4

    def choice_fall_through(self):
        x = self.var
        self.emit(
            [f"if {x}.ok {{", "    sleep(2);", "}"],
            [f"if {x}.ok {{", "    tokio::time::sleep(Duration::from_secs(2)).await;", "}"],
        )
        self.states += 2

    def wait_literal(self):
        self.emit("sleep(1);", "tokio::time::sleep(Duration::from_secs(1)).await;")
        self.states += 1

    def wait_field(self):
        x = self.var
        self.emit(
            f"sleep({x}.delay);",
            f"tokio::time::sleep(Duration::from_secs({x}.delay)).await;",
        )
        self.states += 1

    def literal_fields(self, c, srcs, items=None, ok=None):
        """`Dc { .. }` whose fields come from bindings `srcs` (cycled), as macro and plain Rust."""
        fields = ["id", "n", "ok", "kind", "delay", "items", "note", f"extra_{c}"]
        ms, ps = [], []
        for i, f in enumerate(fields):
            src = srcs[i % len(srcs)]
            if f == "items" and items:
                ms.append(f"items: {items}")
                ps.append(f"items: {items}.clone()")
            elif f == "ok" and ok is not None:
                ms.append(f"ok: {ok}")
                ps.append(f"ok: {ok}")
            elif f in ("n", "ok", "kind", "delay") or f.startswith("extra_"):
                ms.append(f"{f}: {src}.{f}")
                ps.append(f"{f}: {src}.{f}")
            else:
                ms.append(f"{f}: {src}.{f}")
                ps.append(f"{f}: {src}.{f}.clone()")
        return f"D{c} {{ {', '.join(ms)} }}", f"D{c} {{ {', '.join(ps)} }}"

    def call_with(self, lit_m, lit_p):
        t, attr = self.pick(self.c)
        v = self.fresh()
        m = [f"let {v} = {t.name}({lit_m});"]
        if attr:
            m.insert(0, attr)
        self.emit(m, f"let {v} = {self.plain_call(t, lit_p)};")
        self.var, self.c = v, t.out
        self.states += 1

    def map(self):
        self.leave(FALLIBLE_CLASS)
        x = self.var
        lst = self.fresh("m")
        # the Map's item state takes the task's name: each Map maps its own task
        f = ITEM_TASKS[self.maps]
        self.maps += 1
        self.emit(
            f"let {lst} = {x}.items.map({f}).max_concurrency(4);",
            f"let {lst}: Vec<Item> = stream::iter({x}.items.clone()).map({f}).buffered(4).collect().await;"
            if f == "pack_item"  # async; check_item is not
            else f"let {lst}: Vec<Item> = {x}.items.iter().cloned().map({f}).collect();",
        )
        self.states += 2  # the Map and its task
        lm, lp = self.literal_fields(self.c, [x], items=lst)
        self.call_with(lm, lp)

    def join(self):
        self.leave(FALLIBLE_CLASS)
        (a, _), (b, _) = self.pick(self.c, unused=True), self.pick(self.c, unused=True)
        x = self.var
        self.n += 1
        va, vb = f"a{self.n}", f"b{self.n}"
        pa = self.plain_call(a, x + ".clone()", in_join=True)
        pb = self.plain_call(b, x + ".clone()", in_join=True)
        self.emit(
            f"let ({va}, {vb}) = join!({a.name}({x}), {b.name}({x}));",
            f"let ({va}, {vb}) = tokio::join!({pa}, {pb});",
        )
        self.states += 3
        self.c = a.out
        lm, lp = self.literal_fields(self.c, [va, vb])
        self.call_with(lm, lp)

    def pass_(self):
        x = self.var
        v = self.fresh()
        lm, lp = self.literal_fields(self.c, [x], ok="true")
        self.emit(f"let {v} = {lm};", f"let {v} = {lp};")
        self.var = v
        self.states += 1

    def loop(self):
        self.advance_to(POLL_CLASS)
        x = self.var
        p = self.fresh("p")
        self.emit(
            ["loop {", f"    let {p} = poll({x});", f"    if {p}.ok {{", "        break;", "    }", "    sleep(5);", "}"],
            [
                "loop {",
                f"    let {p} = poll({x}.clone()).await;",
                f"    if {p}.ok {{",
                "        break;",
                "    }",
                "    tokio::time::sleep(Duration::from_secs(5)).await;",
                "}",
            ],
        )
        self.states += 3

    def catch(self):
        self.advance_to(FALLIBLE_CLASS)
        t, attr = self.pick(self.c)
        x = self.var
        v = self.fresh()
        m = ["#[catch(errors = [StepError::Invalid], handler = recover)]", f"let {v} = {t.name}({x});"]
        if attr:
            m.insert(0, attr)
        call = f"retry(3, || {t.name}({x}.clone())).await" if t.retried else (
            f"{t.name}({x}.clone()).await" if t.asyn else f"{t.name}({x}.clone())"
        )
        self.emit(
            m,
            [
                f"let {v} = match {call} {{",
                "    Ok(v) => v,",
                "    Err(e @ StepError::Invalid) => {",
                "        recover(CaughtError { error: format!(\"{e:?}\"), cause: e.to_string() }).await",
                "    }",
                "    Err(e) => return Err(e),",
                "};",
            ],
        )
        self.var, self.c = v, t.out
        self.states += 2  # the task and the handler's state

    def build(self):
        plan = [
            self.call, self.call, self.choice_if_else, self.call, self.map, self.call,
            self.wait_literal, self.call, self.choice_match, self.call, self.join, self.call,
            self.catch, self.call, self.pass_, self.call, self.choice_else_if, self.call,
            self.loop, self.call, self.wait_field, self.call, self.choice_fall_through,
            self.call, self.choice_if_else, self.call, self.map, self.call, self.join,
        ]
        for seg in plan:
            seg()
        while self.states < self.target - 1:  # the last state is the Succeed of the return
            self.call()
        self.emit(self.var, f"Ok({self.var})")
        self.states += 1
        if self.states != self.target:
            raise SystemExit(f"gen.py: {self.states} states, wanted {self.target}")
        return self


def cargo_toml(name, deps, dev_deps=""):
    return f"""[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
{deps}
[dev-dependencies]
{dev_deps}"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--states", type=int, default=100)
    ap.add_argument("--per-class", type=int, default=6, help="tasks per stage type (10 types)")
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = os.path.abspath(a.out)
    tasks = [Task(k, a.per_class) for k in range(CLASSES * a.per_class)]
    flow = Flow(tasks, a.states).build()
    end = flow.c
    ntasks = len(tasks) + 4

    os.makedirs(out, exist_ok=True)
    for d in ("wf-macro/src", "wf-macro/tests", "wf-plain/src"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    with open(os.path.join(out, "Cargo.toml"), "w") as f:
        f.write(
            '# Generated by scripts/compile-cost/gen.py; throwaway.\n[workspace]\nresolver = "2"\n'
            'members = ["wf-macro", "wf-plain"]\n'
        )
    lock = os.path.join(out, "Cargo.lock")
    if not os.path.exists(lock):
        shutil.copy(os.path.join(root, "Cargo.lock"), lock)

    common = 'serde = { version = "1", features = ["derive"] }\nschemars = "0.8"\n'
    with open(os.path.join(out, "wf-macro/Cargo.toml"), "w") as f:
        f.write(
            cargo_toml(
                "wf-macro",
                common
                + f'workflow-codegen = {{ path = "{root}/workflow-codegen" }}\n'
                + f'workflow-macros = {{ path = "{root}/workflow-macros" }}\n',
                'wf-plain = { path = "../wf-plain" }\nserde_json = "1"\n'
                'tokio = { version = "1", features = ["rt", "macros", "time", "test-util"] }\n',
            )
        )
    with open(os.path.join(out, "wf-plain/Cargo.toml"), "w") as f:
        f.write(
            cargo_toml(
                "wf-plain",
                common
                + 'futures = "0.3"\n'
                + 'tokio = { version = "1", features = ["rt", "macros", "time"] }\n',
            )
        )

    head = [
        f"//! Generated by scripts/compile-cost/gen.py: {ntasks} tasks and a {a.states}-state flow.",
        "#![allow(clippy::all)]",
        "",
        "use schemars::JsonSchema;",
        "use serde::{Deserialize, Serialize};",
    ]
    macro = head + [
        "use workflow_codegen::dsl::sleep;",
        "use workflow_codegen::CaughtError;",
        "use workflow_macros::{task, workflow};",
        "",
    ]
    plain = head + [
        "use futures::stream::{self, StreamExt};",
        "use std::future::Future;",
        "use std::time::Duration;",
        "",
        "/// What a catch handler receives.",
        "#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]",
        "pub struct CaughtError {",
        "    /// The error name.",
        "    #[serde(rename = \"Error\")]",
        "    pub error: String,",
        "    /// Its cause.",
        "    #[serde(rename = \"Cause\")]",
        "    pub cause: String,",
        "}",
        "",
        "/// Calls `f` again while it fails with `Busy`, at most `attempts` more times,",
        "/// waiting 1 s, then twice as long each time.",
        "async fn retry<T, F, Fut>(attempts: u32, mut f: F) -> Result<T, StepError>",
        "where",
        "    F: FnMut() -> Fut,",
        "    Fut: Future<Output = Result<T, StepError>>,",
        "{",
        "    let mut delay = Duration::from_secs(1);",
        "    let mut left = attempts;",
        "    loop {",
        "        match f().await {",
        "            Err(StepError::Busy) if left > 0 => {",
        "                left -= 1;",
        "                tokio::time::sleep(delay).await;",
        "                delay *= 2;",
        "            }",
        "            r => return r,",
        "        }",
        "    }",
        "}",
        "",
    ]
    for lines, is_macro in ((macro, True), (plain, False)):
        lines += types_rs()
        for t in tasks:
            lines += task_rs(t, is_macro)
        lines += extra_tasks_rs(is_macro)
    macro += ["/// The generated pipeline.", "#[workflow]", f"pub fn big_flow(input: D0) -> D{end} {{"]
    macro += flow.m + ["}"]
    plain += [
        "/// The generated pipeline, in plain async Rust.",
        f"pub async fn big_flow(input: D0) -> Result<D{end}, StepError> {{",
    ]
    plain += flow.p + ["}"]
    with open(os.path.join(out, "wf-macro/src/lib.rs"), "w") as f:
        f.write("\n".join(macro) + "\n")
    with open(os.path.join(out, "wf-plain/src/lib.rs"), "w") as f:
        f.write("\n".join(plain) + "\n")
    with open(os.path.join(out, "wf-macro/tests/same.rs"), "w") as f:
        f.write(SAME_RS.replace("STATES", str(a.states)))
    print(f"gen.py: {out}: {ntasks} tasks, {a.states} states, {len(flow.m)} body lines")


SAME_RS = r"""//! The generated workflow has the states it should, and computes what the plain flow does.

fn count_states(v: &serde_json::Value) -> usize {
    let mut n = 0;
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if k == "States" {
                    n += x.as_object().map_or(0, |s| s.len());
                }
                n += count_states(x);
            }
        }
        serde_json::Value::Array(a) => n += a.iter().map(count_states).sum::<usize>(),
        _ => {}
    }
    n
}

#[test]
fn the_workflow_has_the_states_it_should() {
    let asl = wf_macro::big_flow::definition().to_asl().expect("lowers");
    let json: serde_json::Value = serde_json::from_str(&asl.to_json_pretty()).unwrap();
    assert_eq!(count_states(&json), STATES);
}

#[tokio::test(start_paused = true)]
async fn both_flows_compute_the_same_output() {
    for (n, kind, note, id) in [(1, "low", None, "a"), (150, "high", Some("x"), "b"), (30, "mid", None, "")] {
        let input = serde_json::json!({
            "id": id, "n": n, "ok": true, "kind": kind, "delay": 3,
            "items": [{"sku": "a", "quantity": 1}, {"sku": "b", "quantity": 2}],
            "note": note, "extra_0": 7
        });
        let m = wf_macro::big_flow::run(serde_json::from_value(input.clone()).unwrap()).await;
        let p = wf_plain::big_flow(serde_json::from_value(input).unwrap()).await;
        match (m, p) {
            (Ok(m), Ok(p)) => {
                assert_eq!(serde_json::to_value(m).unwrap(), serde_json::to_value(p).unwrap())
            }
            (Err(workflow_codegen::RunError::Failed { error, .. }), Err(e)) => {
                assert_eq!(error, format!("{e:?}"))
            }
            (m, p) => panic!("id {id:?}: the workflow gave {m:?}, the plain flow {p:?}"),
        }
    }
}
"""

if __name__ == "__main__":
    main()
