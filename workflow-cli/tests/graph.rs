//! `workflow graph`, as a process: the diagram on stdout, problems on stderr with status 2.

mod common;

use common::*;

const CATCHING: &str = r#"{
  "StartAt": "Fetch",
  "States": {
    "Fetch": {
      "Type": "Task",
      "Resource": "arn:aws:states:::dynamodb:getItem",
      "Parameters": {"TableName": "t", "Key": {"id": {"S.$": "$.id"}}},
      "Catch": [{"ErrorEquals": ["States.TaskFailed", "States.Timeout"], "Next": "Oops"}],
      "Next": "Each"
    },
    "Each": {
      "Type": "Map",
      "ItemsPath": "$.items",
      "ItemProcessor": {
        "StartAt": "Pause",
        "States": {
          "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Keep"},
          "Keep": {"Type": "Pass", "End": true}
        }
      },
      "Next": "Both"
    },
    "Both": {
      "Type": "Parallel",
      "Branches": [
        {"StartAt": "L", "States": {"L": {"Type": "Pass", "End": true}}},
        {"StartAt": "R", "States": {"R": {"Type": "Pass", "End": true}}}
      ],
      "End": true
    },
    "Oops": {"Type": "Fail", "Error": "FetchFailed"}
  }
}"#;

#[test]
fn mermaid_of_the_token_flow() {
    let def = file("graph-token-flow.asl.json", TOKEN_FLOW);
    let out = workflow(&["graph", s(&def), "--format", "mermaid"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert_eq!(
        stdout(&out),
        r##"flowchart TD
    __start((" ")):::marker
    InitialTask["InitialTask<br/>InitialFunction"]
    ChoiceState{"ChoiceState"}
    SuccessState(["SuccessState"]):::succeed
    FailState[["FailState<br/>TaskFailed"]]:::fail
    DefaultTask["DefaultTask<br/>DefaultFunction"]
    __end(((" "))):::marker
    __start --> InitialTask
    InitialTask --> ChoiceState
    ChoiceState -->|"$.status == #quot;success#quot;"| SuccessState
    ChoiceState -->|"$.status == #quot;failure#quot;"| FailState
    ChoiceState -->|"Default"| DefaultTask
    SuccessState --> __end
    DefaultTask --> __end
    classDef marker fill:#333,stroke:#333
    classDef succeed fill:#d4edda,stroke:#28a745
    classDef fail fill:#f8d7da,stroke:#dc3545
"##
    );
    // Mermaid is the default.
    assert_eq!(stdout(&workflow(&["graph", s(&def)])), stdout(&out));
}

#[test]
fn mermaid_draws_scopes_as_subgraphs_and_catch_edges_dashed() {
    let def = file("graph-catching.asl.json", CATCHING);
    let out = workflow(&["graph", s(&def)]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for line in [
        r#"    Fetch["Fetch<br/>dynamodb:getItem"]"#,
        r#"    subgraph Each["Each (Map)"]"#,
        r#"        Pause{{"Pause<br/>wait 1s"}}"#,
        r#"        Keep("Keep")"#,
        r#"    subgraph Both["Both (Parallel)"]"#,
        r#"        subgraph Both_branch1["branch 1"]"#,
        r#"            L("L")"#,
        r#"    Fetch -.->|"States.TaskFailed, States.Timeout"| Oops"#,
        r#"    Fetch --> Each"#,
        r#"    Each_start --> Pause"#,
        r#"    Keep --> Each_end"#,
        r#"    Each --> Both"#,
        r#"    Both_start --> Both_branch2"#,
        r#"    Both --> __end"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    assert_eq!(text.matches("subgraph ").count(), 4);
    assert_eq!(text.lines().filter(|l| l.trim() == "end").count(), 4);
}

#[test]
fn dot_draws_scopes_as_clusters_with_edges_clipped_at_their_border() {
    let def = file("graph-catching-dot.asl.json", CATCHING);
    let out = workflow(&["graph", s(&def), "--format", "dot"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.starts_with("digraph StateMachine {\n  compound=true;\n"),
        "{text}"
    );
    assert!(text.ends_with("}\n"));
    for line in [
        r#"  Fetch [label="Fetch\ndynamodb:getItem", shape=box];"#,
        r#"  subgraph cluster_Each {"#,
        r#"    label="Each (Map)";"#,
        r#"    Pause [label="Pause\nwait 1s", shape=hexagon];"#,
        r##"  Oops [label="Oops\nFetchFailed", shape=box, style=filled, fillcolor="#f8d7da"];"##,
        r#"  Fetch -> Oops [label="States.TaskFailed, States.Timeout", style=dashed];"#,
        r#"  Fetch -> Each_start [lhead=cluster_Each];"#,
        r#"  Each_end -> Both_start [ltail=cluster_Each, lhead=cluster_Both];"#,
        r#"  Both_start -> Both_branch1_start [lhead=cluster_Both_branch1];"#,
        r#"  Both_end -> __end [ltail=cluster_Both];"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    // When Graphviz is installed, it must accept the output.
    if let Ok(mut dot) = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        dot.stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let done = dot.wait_with_output().unwrap();
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&done.stderr), "");
    } else {
        eprintln!("Graphviz `dot` is not installed: the DOT text was not rendered");
    }
}

#[test]
fn names_that_are_not_identifiers_get_safe_unique_ids() {
    let def = file(
        "graph-names.asl.json",
        r#"{"StartAt": "step one", "States": {
      "step one": {"Type": "Pass", "Next": "step-one"},
      "step-one": {"Type": "Pass", "Next": "end"},
      "end": {"Type": "Pass", "Comment": "\"quoted\" <b>", "Next": "Graph"},
      "Graph": {"Type": "Pass", "End": true}}}"#,
    );
    let text = stdout(&workflow(&["graph", s(&def)]));
    assert!(text.contains(r#"    step_one("step one")"#), "{text}");
    assert!(text.contains(r#"    step_one_2("step-one")"#), "{text}");
    // `end` and `graph` are keywords of Mermaid or DOT.
    assert!(text.contains(r#"    send("end")"#), "{text}");
    assert!(text.contains(r#"    sGraph("Graph")"#), "{text}");
    assert!(
        text.contains("    step_one --> step_one_2\n    step_one_2 --> send\n"),
        "{text}"
    );
}

#[test]
fn an_invalid_or_unreadable_definition_exits_2() {
    let def = file(
        "graph-invalid.asl.json",
        r#"{"StartAt": "Nowhere", "States": {}}"#,
    );
    let out = workflow(&["graph", s(&def)]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("the definition does not validate"),
        "{}",
        stderr(&out)
    );
    let out = workflow(&["graph", "/nonexistent.asl.json"]);
    assert_eq!(out.status.code(), Some(2));
    let def = file("graph-ok.asl.json", TOKEN_FLOW);
    let out = workflow(&["graph", s(&def), "--format", "svg"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
}
