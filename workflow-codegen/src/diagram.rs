//! Diagrams of any state machine: Mermaid flowcharts and Graphviz DOT.
//!
//! Each state is a node shaped by its type (Task: box, Pass: rounded box, Choice: diamond, Wait:
//! hexagon, Succeed: stadium/green, Fail: red), each Parallel branch and Map processor a subgraph
//! with its own start and end markers, and the machine has a start and an end marker. Edges:
//! `Next` (solid), Choice rules (solid, labelled with the rule, `Default` for the default) and
//! `Catch` (dashed, labelled with the errors).
//!
//! ```
//! use workflow_core::asl::StateMachine;
//! let m = StateMachine::from_json(r#"{"StartAt": "Check", "States": {
//!   "Check": {"Type": "Choice", "Default": "No", "Choices": [
//!     {"Variable": "$.ok", "BooleanEquals": true, "Next": "Yes"}]},
//!   "Yes": {"Type": "Succeed"},
//!   "No": {"Type": "Fail", "Error": "NotOk"}}}"#).unwrap();
//! let mermaid = workflow_codegen::diagram::mermaid(&m);
//! assert!(mermaid.starts_with("flowchart TD\n"));
//! assert!(mermaid.contains(r#"Check -->|"$.ok == true"| Yes"#));
//! assert!(mermaid.contains(r#"Check -->|"Default"| No"#));
//! let dot = workflow_codegen::diagram::dot(&m);
//! assert!(dot.contains(r#"Check -> Yes [label="$.ok == true"];"#));
//! ```

use std::collections::HashSet;
use std::fmt::Write;
use workflow_core::asl::{ChoiceRule, Operator, State, StateMachine, States};
use workflow_core::task::lambda_function_name;

/// A Mermaid `flowchart TD` of the machine.
pub fn mermaid(machine: &StateMachine) -> String {
    let graph = Graph::of(machine);
    let mut out = String::from("flowchart TD\n");
    mermaid_items(&graph.items, 1, &mut out);
    for e in &graph.edges {
        let arrow = match e.kind {
            EdgeKind::Catch => "-.->",
            EdgeKind::Flow => "-->",
        };
        let _ = match &e.label {
            Some(l) => writeln!(
                out,
                "    {} {arrow}|\"{}\"| {}",
                e.from,
                mermaid_text(l),
                e.to
            ),
            None => writeln!(out, "    {} {arrow} {}", e.from, e.to),
        };
    }
    out.push_str(
        "    classDef marker fill:#333,stroke:#333\n    \
         classDef succeed fill:#d4edda,stroke:#28a745\n    \
         classDef fail fill:#f8d7da,stroke:#dc3545\n",
    );
    out
}

/// A Graphviz `digraph` of the machine (Map and Parallel scopes as clusters).
pub fn dot(machine: &StateMachine) -> String {
    let graph = Graph::of(machine);
    let mut out = String::from(
        "digraph StateMachine {\n  compound=true;\n  rankdir=TB;\n  graph [fontname=\"Helvetica\"];\n  \
         node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    if let Some(c) = &machine.comment {
        let _ = writeln!(out, "  label=\"{}\";\n  labelloc=t;", dot_text(c));
    }
    dot_items(&graph.items, 1, &mut out);
    for e in &graph.edges {
        // An edge into or out of a scope is drawn to its start marker / from its end marker,
        // clipped at the cluster's border.
        let (from, ltail) = match graph.scope(&e.from) {
            Some(s) => (s.end.as_str(), Some(&s.id)),
            None => (e.from.as_str(), None),
        };
        let (to, lhead) = match graph.scope(&e.to) {
            Some(s) => (s.start.as_str(), Some(&s.id)),
            None => (e.to.as_str(), None),
        };
        let mut attrs = Vec::new();
        if let Some(l) = &e.label {
            attrs.push(format!("label=\"{}\"", dot_text(l)));
        }
        if e.kind == EdgeKind::Catch {
            attrs.push("style=dashed".to_owned());
        }
        if let Some(t) = ltail {
            attrs.push(format!("ltail=cluster_{t}"));
        }
        if let Some(h) = lhead {
            attrs.push(format!("lhead=cluster_{h}"));
        }
        let _ = if attrs.is_empty() {
            writeln!(out, "  {from} -> {to};")
        } else {
            writeln!(out, "  {from} -> {to} [{}];", attrs.join(", "))
        };
    }
    out.push_str("}\n");
    out
}

/// The drawing, independent of the notation.
struct Graph {
    items: Vec<Item>,
    edges: Vec<Edge>,
}

enum Item {
    /// A start or end marker.
    Marker { id: String, end: bool },
    /// A state drawn as one node.
    Node {
        id: String,
        label: String,
        shape: Shape,
    },
    /// A Parallel or Map state, or one branch of a Parallel.
    Scope(Scope),
}

struct Scope {
    id: String,
    label: String,
    /// The marker an incoming edge points at (DOT), inside the scope.
    start: String,
    /// The marker an outgoing edge leaves from (DOT), inside the scope.
    end: String,
    items: Vec<Item>,
}

#[derive(Clone, Copy)]
enum Shape {
    Task,
    Pass,
    Choice,
    Wait,
    Succeed,
    Fail,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EdgeKind {
    Flow,
    Catch,
}

struct Edge {
    from: String,
    to: String,
    label: Option<String>,
    kind: EdgeKind,
}

/// Builds the graph, giving every state a unique identifier made from its name.
struct Builder {
    used: HashSet<String>,
    edges: Vec<Edge>,
}

impl Graph {
    fn of(machine: &StateMachine) -> Graph {
        let mut b = Builder {
            used: HashSet::new(),
            edges: Vec::new(),
        };
        let start = b.id("__start");
        let end = b.id("__end");
        let mut items = vec![Item::Marker {
            id: start.clone(),
            end: false,
        }];
        items.extend(b.scope(&machine.start_at, &machine.states, &start, &end));
        items.push(Item::Marker { id: end, end: true });
        Graph {
            items,
            edges: b.edges,
        }
    }

    /// The scope (Map, Parallel, or branch) whose identifier is `id`.
    fn scope(&self, id: &str) -> Option<&Scope> {
        fn find<'a>(items: &'a [Item], id: &str) -> Option<&'a Scope> {
            items.iter().find_map(|i| match i {
                Item::Scope(s) if s.id == id => Some(s),
                Item::Scope(s) => find(&s.items, id),
                _ => None,
            })
        }
        find(&self.items, id)
    }
}

impl Builder {
    /// A unique identifier from a state name: ASCII letters, digits and `_`.
    fn id(&mut self, name: &str) -> String {
        let mut base: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
            base.insert(0, 's');
        }
        // Keywords of Mermaid flowcharts and of DOT (both any case) cannot be node ids.
        const KEYWORDS: [&str; 15] = [
            "end",
            "graph",
            "subgraph",
            "flowchart",
            "style",
            "class",
            "classDef",
            "click",
            "linkStyle",
            "default",
            "direction",
            "node",
            "edge",
            "digraph",
            "strict",
        ];
        if KEYWORDS.iter().any(|k| base.eq_ignore_ascii_case(k)) {
            base.insert(0, 's');
        }
        let mut id = base.clone();
        let mut n = 2;
        while !self.used.insert(id.clone()) {
            id = format!("{base}_{n}");
            n += 1;
        }
        id
    }

    fn edge(&mut self, from: &str, to: &str, label: Option<String>, kind: EdgeKind) {
        self.edges.push(Edge {
            from: from.to_owned(),
            to: to.to_owned(),
            label,
            kind,
        });
    }

    /// The items of one scope; `start` and `end` are its markers, already created.
    fn scope(&mut self, start_at: &str, states: &States, start: &str, end: &str) -> Vec<Item> {
        let ids: Vec<(String, String)> = states
            .keys()
            .map(|name| (name.clone(), self.id(name)))
            .collect();
        let id_of = |name: &str| -> Option<String> {
            ids.iter()
                .find(|(n, _)| n == name)
                .map(|(_, id)| id.clone())
        };
        if let Some(first) = id_of(start_at) {
            self.edge(start, &first, None, EdgeKind::Flow);
        }
        let mut items = Vec::new();
        for ((name, state), (_, id)) in states.iter().zip(&ids) {
            items.push(self.state(name, state, id));
            let flow = |b: &mut Builder, target: &str, label: Option<String>, kind| {
                if let Some(t) = id_of(target) {
                    b.edge(id, &t, label, kind);
                }
            };
            match state {
                State::Choice(c) => {
                    for rule in &c.choices {
                        if let Some(next) = &rule.next {
                            flow(self, next, Some(truncate(&describe(rule))), EdgeKind::Flow);
                        }
                    }
                    if let Some(d) = &c.default {
                        flow(self, d, Some("Default".to_owned()), EdgeKind::Flow);
                    }
                }
                State::Succeed(_) => self.edge(id, end, None, EdgeKind::Flow),
                State::Fail(_) => {}
                _ => match state.transition() {
                    Some((Some(next), _)) => flow(self, next, None, EdgeKind::Flow),
                    Some((None, Some(true))) => self.edge(id, end, None, EdgeKind::Flow),
                    _ => {}
                },
            }
            for catcher in state.retry_catch().1 {
                let label = truncate(&catcher.error_equals.join(", "));
                flow(self, &catcher.next, Some(label), EdgeKind::Catch);
            }
        }
        items
    }

    fn state(&mut self, name: &str, state: &State, id: &str) -> Item {
        let node = |label: String, shape| Item::Node {
            id: id.to_owned(),
            label,
            shape,
        };
        match state {
            State::Task(t) => node(format!("{name}\n{}", task_label(&t.resource)), Shape::Task),
            State::Pass(_) => node(name.to_owned(), Shape::Pass),
            State::Choice(_) => node(name.to_owned(), Shape::Choice),
            State::Wait(w) => {
                let how = match (&w.seconds, &w.timestamp, &w.seconds_path, &w.timestamp_path) {
                    (Some(s), ..) => format!("wait {}s", value_text(&serde_json::json!(s))),
                    (_, Some(t), ..) => format!("until {t}"),
                    (_, _, Some(p), _) => format!("wait {p} s"),
                    (_, _, _, Some(p)) => format!("until {p}"),
                    _ => "Wait".to_owned(),
                };
                node(format!("{name}\n{how}"), Shape::Wait)
            }
            State::Succeed(_) => node(name.to_owned(), Shape::Succeed),
            State::Fail(f) => {
                let label = match &f.error {
                    Some(e) => format!("{name}\n{e}"),
                    None => name.to_owned(),
                };
                node(label, Shape::Fail)
            }
            State::Parallel(p) => {
                let (start, end) = (
                    self.id(&format!("{id}_start")),
                    self.id(&format!("{id}_end")),
                );
                let mut items = vec![Item::Marker {
                    id: start.clone(),
                    end: false,
                }];
                for (i, branch) in p.branches.iter().enumerate() {
                    let bid = self.id(&format!("{id}_branch{}", i + 1));
                    let (bs, be) = (
                        self.id(&format!("{bid}_start")),
                        self.id(&format!("{bid}_end")),
                    );
                    self.edge(&start, &bid, None, EdgeKind::Flow);
                    self.edge(&bid, &end, None, EdgeKind::Flow);
                    let mut inner = vec![Item::Marker {
                        id: bs.clone(),
                        end: false,
                    }];
                    inner.extend(self.scope(&branch.start_at, &branch.states, &bs, &be));
                    inner.push(Item::Marker {
                        id: be.clone(),
                        end: true,
                    });
                    items.push(Item::Scope(Scope {
                        id: bid,
                        label: format!("branch {}", i + 1),
                        start: bs,
                        end: be,
                        items: inner,
                    }));
                }
                items.push(Item::Marker {
                    id: end.clone(),
                    end: true,
                });
                Item::Scope(Scope {
                    id: id.to_owned(),
                    label: format!("{name} (Parallel)"),
                    start,
                    end,
                    items,
                })
            }
            State::Map(m) => {
                let (start, end) = (
                    self.id(&format!("{id}_start")),
                    self.id(&format!("{id}_end")),
                );
                let mut items = vec![Item::Marker {
                    id: start.clone(),
                    end: false,
                }];
                if let Some(p) = m.processor() {
                    items.extend(self.scope(&p.start_at, &p.states, &start, &end));
                }
                items.push(Item::Marker {
                    id: end.clone(),
                    end: true,
                });
                let mut label = format!("{name} (Map");
                if let Some(c) = &m.max_concurrency {
                    label += &format!(", max {} at once", value_text(&serde_json::json!(c)));
                }
                label.push(')');
                Item::Scope(Scope {
                    id: id.to_owned(),
                    label,
                    start,
                    end,
                    items,
                })
            }
        }
    }
}

/// The short name of a Task's resource: a Lambda function's name, a service integration's
/// `service:action`, or the resource itself.
fn task_label(resource: &str) -> String {
    if let Some(f) = lambda_function_name(resource) {
        return f.to_owned();
    }
    if let Some((_, rest)) = resource.split_once(":states:::") {
        return rest.to_owned();
    }
    resource.to_owned()
}

/// A Choice rule in a few words: `$.status == "success"`, `($.a > 1) and not ($.b is null)`.
pub fn describe(rule: &ChoiceRule) -> String {
    if let Some(c) = &rule.condition {
        return value_text(c);
    }
    let nested = |rules: &[ChoiceRule], sep: &str| {
        rules
            .iter()
            .map(|r| format!("({})", describe(r)))
            .collect::<Vec<_>>()
            .join(sep)
    };
    if let Some(and) = &rule.and {
        return nested(and, " and ");
    }
    if let Some(or) = &rule.or {
        return nested(or, " or ");
    }
    if let Some(not) = &rule.not {
        return format!("not ({})", describe(not));
    }
    let variable = rule.variable.as_deref().unwrap_or("?");
    let parts: Vec<String> = rule
        .comparisons()
        .map(|(op, v)| comparison(variable, op, v))
        .collect();
    parts.join(" and ")
}

fn comparison(variable: &str, op: Operator, value: &serde_json::Value) -> String {
    let name = op.name();
    let test = |yes: &str, no: &str| {
        let word = if value.as_bool() == Some(false) {
            no
        } else {
            yes
        };
        format!("{variable} {word}")
    };
    match name {
        "IsNull" => return test("is null", "is not null"),
        "IsPresent" => return test("is present", "is absent"),
        "IsNumeric" => return test("is numeric", "is not numeric"),
        "IsString" => return test("is a string", "is not a string"),
        "IsBoolean" => return test("is a boolean", "is not a boolean"),
        "IsTimestamp" => return test("is a timestamp", "is not a timestamp"),
        _ => {}
    }
    let base = name.strip_suffix("Path").unwrap_or(name);
    let symbol = if base.ends_with("LessThanEquals") {
        "<="
    } else if base.ends_with("GreaterThanEquals") {
        ">="
    } else if base.ends_with("LessThan") {
        "<"
    } else if base.ends_with("GreaterThan") {
        ">"
    } else if base == "StringMatches" {
        "matches"
    } else {
        "=="
    };
    // A `...Path` operand is a path: written bare, like the variable.
    let operand = match value {
        serde_json::Value::String(s) if op.is_path() => s.clone(),
        v => v.to_string(),
    };
    format!("{variable} {symbol} {operand}")
}

/// A JSON value as text, strings without quotes.
fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// Long labels are cut at 60 characters.
fn truncate(label: &str) -> String {
    const MAX: usize = 60;
    if label.chars().count() <= MAX {
        return label.to_owned();
    }
    let cut: String = label.chars().take(MAX - 1).collect();
    cut + "…"
}

fn mermaid_items(items: &[Item], depth: usize, out: &mut String) {
    let pad = "    ".repeat(depth);
    for item in items {
        let _ = match item {
            Item::Marker { id, end: false } => writeln!(out, "{pad}{id}((\" \")):::marker"),
            Item::Marker { id, end: true } => writeln!(out, "{pad}{id}(((\" \"))):::marker"),
            Item::Node { id, label, shape } => {
                let l = mermaid_text(label);
                match shape {
                    Shape::Task => writeln!(out, "{pad}{id}[\"{l}\"]"),
                    Shape::Pass => writeln!(out, "{pad}{id}(\"{l}\")"),
                    Shape::Choice => writeln!(out, "{pad}{id}{{\"{l}\"}}"),
                    Shape::Wait => writeln!(out, "{pad}{id}{{{{\"{l}\"}}}}"),
                    Shape::Succeed => writeln!(out, "{pad}{id}([\"{l}\"]):::succeed"),
                    Shape::Fail => writeln!(out, "{pad}{id}[[\"{l}\"]]:::fail"),
                }
            }
            Item::Scope(s) => {
                let _ = writeln!(
                    out,
                    "{pad}subgraph {}[\"{}\"]",
                    s.id,
                    mermaid_text(&s.label)
                );
                mermaid_items(&s.items, depth + 1, out);
                writeln!(out, "{pad}end")
            }
        };
    }
}

/// Text inside a quoted Mermaid label: quotes and angle brackets as entities, newlines as
/// `<br/>`.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' => out.push_str("<br/>"),
            c => out.push(c),
        }
    }
    out
}

fn dot_items(items: &[Item], depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    for item in items {
        let _ = match item {
            Item::Marker { id, end: false } => writeln!(
                out,
                "{pad}{id} [shape=circle, label=\"\", width=0.2, style=filled, fillcolor=black];"
            ),
            Item::Marker { id, end: true } => writeln!(
                out,
                "{pad}{id} [shape=doublecircle, label=\"\", width=0.15, style=filled, fillcolor=black];"
            ),
            Item::Node { id, label, shape } => {
                let style = match shape {
                    Shape::Task => "shape=box",
                    Shape::Pass => "shape=box, style=rounded",
                    Shape::Choice => "shape=diamond",
                    Shape::Wait => "shape=hexagon",
                    Shape::Succeed => "shape=box, style=\"rounded,filled\", fillcolor=\"#d4edda\"",
                    Shape::Fail => "shape=box, style=filled, fillcolor=\"#f8d7da\"",
                };
                writeln!(out, "{pad}{id} [label=\"{}\", {style}];", dot_text(label))
            }
            Item::Scope(s) => {
                let _ = writeln!(out, "{pad}subgraph cluster_{} {{", s.id);
                let _ = writeln!(out, "{pad}  label=\"{}\";\n{pad}  style=rounded;", dot_text(&s.label));
                dot_items(&s.items, depth + 1, out);
                writeln!(out, "{pad}}}")
            }
        };
    }
}

/// Text inside a quoted DOT string.
fn dot_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
