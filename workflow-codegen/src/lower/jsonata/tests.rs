use crate::ir::*;
use crate::lower::LowerError;
use serde_json::{json, Value};
use workflow_core::run::Status;
use workflow_core::task::TaskFuture;
use workflow_core::val;

fn lambda(name: &str) -> TaskDef {
    TaskDef::new(name, name)
}

fn jsonata(wf: Workflow) -> Workflow {
    wf.query_language(QueryLanguage::JSONata)
}

/// The lowered definition as JSON, after checking it validates.
fn asl(wf: &Workflow) -> Value {
    let machine = wf.to_asl().unwrap();
    let problems = workflow_core::validate(&machine);
    assert!(problems.is_empty(), "{problems:?}");
    serde_json::to_value(machine).unwrap()
}

/// Runs `wf` in-process: `(status, output or error)`.
fn run(wf: &Workflow, input: Value) -> (Status, Value) {
    let ex = workflow_core::run::block_on(wf.in_process().unwrap().run_json(input))
        .unwrap()
        .unwrap();
    let out = match ex.status {
        Status::Succeeded => ex.output.unwrap(),
        _ => json!({"Error": ex.error, "Cause": ex.cause}),
    };
    (ex.status, out)
}

fn length(v: Val) -> TaskFuture {
    let v = v.to_json();
    Box::pin(async move { Ok(val!({"length": v["word"].as_str().unwrap_or("").len()})) })
}

fn total(v: Val) -> TaskFuture {
    let v = v.to_json();
    Box::pin(async move {
        let sum: u64 = v
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["length"].as_u64().unwrap())
            .sum();
        Ok(val!({ "totalLength": sum }))
    })
}

fn echo(v: Val) -> TaskFuture {
    Box::pin(async move { Ok(v) })
}

fn fail(v: Val) -> TaskFuture {
    Box::pin(async move { Err(workflow_core::StatesError::new("Boom", v.to_string())) })
}

fn check(v: Val) -> TaskFuture {
    let v = v.to_json();
    Box::pin(async move {
        let token = v["token"].as_str().unwrap_or("").to_owned();
        let status = if token.starts_with("valid-") {
            "success"
        } else if token.starts_with("bad-") {
            "failure"
        } else {
            "unknown"
        };
        Ok(val!({"status": status, "token": token}))
    })
}

fn mapreduce() -> Workflow {
    let map_fn = lambda("mapFunction").handler(length);
    let reduce_fn = lambda("reduceFunction").handler(total);
    jsonata(Workflow::new("mapreduce", "words")).body(
        Block::new()
            .bind(
                "mapped_results",
                MapStep::new(
                    "MappedResults",
                    var("words").field("data"),
                    "MapFunction",
                    Callee::Task(Box::new(map_fn)),
                )
                .max_concurrency(2),
            )
            .value(Call::task(
                "ReduceFunction",
                reduce_fn,
                var("mapped_results"),
            )),
    )
}

#[test]
fn mapreduce_assigns_the_map_result_and_hands_it_on_as_arguments() {
    let wf = mapreduce();
    assert_eq!(
        asl(&wf),
        json!({
          "QueryLanguage": "JSONata",
          "StartAt": "MappedResults",
          "States": {
            "MappedResults": {"Type": "Map", "Items": "{% $states.input.data %}",
              "MaxConcurrency": 2,
              "ItemProcessor": {"StartAt": "MapFunction", "States": {"MapFunction": {"Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:mapFunction", "End": true}}},
              "Assign": {"mapped_results": "{% $states.result %}"},
              "Next": "ReduceFunction"},
            "ReduceFunction": {"Type": "Task",
              "Resource": "arn:aws:lambda:us-east-1:123456789012:function:reduceFunction",
              "Arguments": "{% $mapped_results %}", "End": true}
          }
        })
    );
    let words: Vec<Value> = [
        "apple",
        "banana",
        "cherry",
        "date",
        "elderberry",
        "fig",
        "grape",
    ]
    .iter()
    .map(|w| json!({ "word": w }))
    .collect();
    assert_eq!(
        run(&wf, json!({ "data": words })),
        (Status::Succeeded, json!({"totalLength": 39}))
    );
}

fn token_flow() -> Workflow {
    let status_is = |s: &str| {
        Condition::Compare(
            var("checked").field("status"),
            CmpOp::Eq,
            Operand::Literal(json!(s)),
        )
    };
    jsonata(Workflow::new("token_flow", "request")).body(
        Block::new()
            .bind(
                "checked",
                Call::task(
                    "InitialTask",
                    lambda("InitialFunction").handler(check),
                    var("request"),
                ),
            )
            .stmt(Stmt::Choice(
                Choice::new("ChoiceState")
                    .when(
                        status_is("success"),
                        Block::new().ret(Step::data("SuccessState", var("checked"))),
                    )
                    .when(
                        status_is("failure"),
                        Block::new().stmt(Stmt::Fail(Fail {
                            state: "FailState".into(),
                            comment: None,
                            error: "TaskFailed".into(),
                            cause: Some("The task has failed".into()),
                        })),
                    )
                    .otherwise(Block::new().ret(Call::task(
                        "DefaultTask",
                        lambda("DefaultFunction").handler(echo),
                        var("checked"),
                    ))),
            )),
    )
}

#[test]
fn token_flow_tests_conditions_on_a_variable() {
    let wf = token_flow();
    assert_eq!(
        asl(&wf),
        json!({
          "QueryLanguage": "JSONata",
          "StartAt": "InitialTask",
          "States": {
            "InitialTask": {"Type": "Task",
              "Resource": "arn:aws:lambda:us-east-1:123456789012:function:InitialFunction",
              "Assign": {"checked": "{% $states.result %}"}, "Next": "ChoiceState"},
            "ChoiceState": {"Type": "Choice", "Choices": [
                {"Condition": "{% $checked.status = \"success\" %}", "Next": "SuccessState"},
                {"Condition": "{% $checked.status = \"failure\" %}", "Next": "FailState"}],
              "Default": "DefaultTask"},
            "SuccessState": {"Type": "Succeed", "Output": "{% $checked %}"},
            "FailState": {"Type": "Fail", "Error": "TaskFailed", "Cause": "The task has failed"},
            "DefaultTask": {"Type": "Task",
              "Resource": "arn:aws:lambda:us-east-1:123456789012:function:DefaultFunction",
              "Arguments": "{% $checked %}", "End": true}
          }
        })
    );
    assert_eq!(
        run(&wf, json!({"token": "valid-1"})),
        (
            Status::Succeeded,
            json!({"status": "success", "token": "valid-1"})
        )
    );
    assert_eq!(
        run(&wf, json!({"token": "bad-1"})),
        (
            Status::Failed,
            json!({"Error": "TaskFailed", "Cause": "The task has failed"})
        )
    );
    assert_eq!(
        run(&wf, json!({"token": "other"})),
        (
            Status::Succeeded,
            json!({"status": "unknown", "token": "other"})
        )
    );
}

#[test]
fn an_input_read_after_the_first_state_is_assigned_by_it_and_by_its_catchers() {
    let first = Call::task("First", lambda("f").handler(echo), var("i").field("a")).catch(Catch {
        errors: vec!["States.ALL".into()],
        state: "Handle".into(),
        handler: Callee::Task(Box::new(lambda("h").handler(echo))),
    });
    let wf =
        jsonata(Workflow::new("w", "i")).body(Block::new().bind("x", first).value(Step::data(
            "Both",
            Data::object([
                ("x", Data::Var(var("x"))),
                ("b", Data::Var(var("i").field("b"))),
            ]),
        )));
    let v = asl(&wf);
    let first = &v["States"]["First"];
    assert_eq!(first["Arguments"], "{% $states.input.a %}");
    assert_eq!(
        first["Assign"],
        json!({"i": "{% $states.input %}", "x": "{% $states.result %}"})
    );
    assert_eq!(
        first["Catch"],
        json!([{"ErrorEquals": ["States.ALL"], "Next": "Handle", "Assign": {"i": "{% $states.input %}"}}])
    );
    // The handler's input is the caught error; its result stands in for the call's.
    assert_eq!(v["States"]["Handle"].get("Arguments"), None);
    assert_eq!(
        v["States"]["Handle"]["Assign"],
        json!({"x": "{% $states.result %}"})
    );
    assert_eq!(
        v["States"]["Both"],
        json!({"Type": "Pass", "Output": {"x": "{% $x %}", "b": "{% $i.b %}"}, "End": true})
    );
    assert_eq!(
        run(&wf, json!({"a": 1, "b": 2})),
        (Status::Succeeded, json!({"x": 1, "b": 2}))
    );
    // When the first state fails, its handler's result is `x`, and `i` is still assigned.
    let Some(Stmt::Let {
        step: Step::Call(call),
        ..
    }) = wf.body.stmts.first()
    else {
        unreachable!()
    };
    let Callee::Task(t) = &call.callee else {
        unreachable!()
    };
    let failing = Callee::Task(Box::new((**t).clone().handler(fail)));
    let mut wf = wf.clone();
    if let Some(Stmt::Let {
        step: Step::Call(call),
        ..
    }) = wf.body.stmts.first_mut()
    {
        call.callee = failing;
    }
    assert_eq!(
        run(&wf, json!({"a": 1, "b": 2})),
        (
            Status::Succeeded,
            json!({"x": {"Error": "Boom", "Cause": "1"}, "b": 2})
        )
    );
}

#[test]
fn a_loop_at_the_start_reads_the_input_from_a_variable_a_pass_state_assigns() {
    let wf = jsonata(Workflow::new("w", "job")).body(
        Block::new()
            .stmt(Stmt::Loop(Loop {
                body: Block::new()
                    .bind(
                        "status",
                        Call::task("Poll", lambda("poll").handler(echo), var("job")),
                    )
                    .stmt(Stmt::Choice(Choice::new("IfDone").when(
                        Condition::IsTrue(var("status").field("done")),
                        Block::new().stmt(Stmt::Break),
                    )))
                    .stmt(Stmt::Wait(Wait {
                        state: "Sleep".into(),
                        comment: None,
                        until: WaitFor::SecondsFrom(var("job").field("delay")),
                    })),
            }))
            .value(Step::data("Result", var("job"))),
    );
    let v = asl(&wf);
    assert_eq!(v["StartAt"], "WInput");
    assert_eq!(
        v["States"]["WInput"]["Assign"],
        json!({"job": "{% $states.input %}"})
    );
    assert_eq!(v["States"]["Poll"]["Arguments"], "{% $job %}");
    assert_eq!(
        v["States"]["IfDone"]["Choices"][0],
        json!({"Condition": "{% $status.done = true %}", "Next": "Result"})
    );
    assert_eq!(v["States"]["Sleep"]["Seconds"], "{% $job.delay %}");
    assert_eq!(v["States"]["Sleep"]["Next"], "Poll");
    assert_eq!(
        v["States"]["Result"],
        json!({"Type": "Succeed", "Output": "{% $job %}"})
    );
    assert_eq!(
        run(&wf, json!({"done": true, "delay": 0})),
        (Status::Succeeded, json!({"done": true, "delay": 0}))
    );
}

#[test]
fn a_tuple_binding_assigns_each_element_and_first_branches_read_the_input() {
    let wf = jsonata(Workflow::new("w", "input")).body(
        Block::new()
            .bind_tuple(
                ["a", "b"],
                ParallelStep::new(
                    "Both",
                    vec![
                        Call::task("A", lambda("fa").handler(echo), var("input").field("x")),
                        Call::task("B", lambda("fb").handler(echo), var("input").field("y")),
                    ],
                ),
            )
            .value(Call::task(
                "C",
                lambda("fc").handler(echo),
                Data::object([
                    ("first", Data::Var(var("a"))),
                    ("second", Data::Var(var("b").field("n"))),
                    ("fixed", Data::Literal(json!([1, "{% no %}"]))),
                    ("text", Data::Literal(json!("{% no %}"))),
                ]),
            )),
    );
    let v = asl(&wf);
    assert_eq!(
        v["States"]["Both"]["Assign"],
        json!({"a": "{% $states.result[0] %}", "b": "{% $states.result[1] %}"})
    );
    assert_eq!(
        v["States"]["Both"]["Branches"][0]["States"]["A"]["Arguments"],
        "{% $states.input.x %}"
    );
    assert_eq!(
        v["States"]["C"]["Arguments"],
        json!({"first": "{% $a %}", "second": "{% $b.n %}",
               "fixed": "{% [1,\"{% no %}\"] %}", "text": "{% \"{% no %}\" %}"})
    );
    assert_eq!(
        run(&wf, json!({"x": 1, "y": {"n": 2}})),
        (
            Status::Succeeded,
            json!({"first": 1, "second": 2, "fixed": [1, "{% no %}"], "text": "{% no %}"})
        )
    );
}

#[test]
fn conditions_are_jsonata_expressions() {
    #[allow(dead_code)]
    #[derive(schemars::JsonSchema)]
    struct In {
        n: u32,
        m: u32,
        name: String,
        due: crate::dsl::Timestamp,
        opt: Option<u32>,
        flag: bool,
    }
    let cases = [
        (
            Condition::Compare(var("i").field("n"), CmpOp::Ge, Operand::Literal(json!(3))),
            "$states.input.n >= 3",
        ),
        (
            Condition::Compare(var("i").field("n"), CmpOp::Lt, Operand::Var(var("i").field("m"))),
            "$states.input.n < $states.input.m",
        ),
        (
            Condition::Compare(
                var("i").field("due"),
                CmpOp::Lt,
                Operand::Literal(json!("2030-01-01T00:00:00Z")),
            ),
            "$toMillis($states.input.due) < $toMillis(\"2030-01-01T00:00:00Z\")",
        ),
        (
            Condition::Compare(var("i").field("name"), CmpOp::Ne, Operand::Literal(json!("x"))),
            "$states.input.name != \"x\"",
        ),
        (
            Condition::IsSome(var("i").field("opt"), false),
            "$not($exists($states.input.opt) and $states.input.opt != null)",
        ),
        (
            Condition::Matches(var("i").field("name"), "a.b/\\**".into()),
            "$contains($states.input.name, /^a\\.b\\/\\*.*$/)",
        ),
        (
            Condition::And(vec![
                Condition::IsTrue(var("i").field("flag")),
                Condition::Not(Box::new(Condition::IsSome(var("i").field("opt"), true))),
            ]),
            "($states.input.flag = true) and ($not($exists($states.input.opt) and $states.input.opt != null))",
        ),
    ];
    for (cond, text) in cases {
        let wf = jsonata(Workflow::new("w", "i").input::<In>()).body(Block::new().stmt(
            Stmt::Choice(Choice::new("C").when(cond, Block::new().ret(Step::data("S", var("i"))))),
        ));
        let v = asl(&wf);
        assert_eq!(
            v["States"]["C"]["Choices"][0]["Condition"],
            format!("{{% {text} %}}")
        );
    }
}

#[test]
fn conditions_run_on_the_interpreter() {
    let arm = |state: &str| Block::new().ret(Step::data(state, Data::Literal(json!(state))));
    let (c1, b1) = (
        Condition::Matches(var("i").field("name"), "ab*".into()),
        arm("Prefix"),
    );
    let (c2, b2) = (
        Condition::Compare(
            var("i").field("due"),
            CmpOp::Lt,
            Operand::Literal(json!("2030-01-01T00:00:00Z")),
        ),
        arm("Early"),
    );
    #[allow(dead_code)]
    #[derive(schemars::JsonSchema)]
    struct In {
        name: String,
        due: crate::dsl::Timestamp,
    }
    let wf = jsonata(Workflow::new("w", "i").input::<In>()).body(
        Block::new().stmt(Stmt::Choice(
            Choice::new("C")
                .when(c1, b1)
                .when(c2, b2)
                .otherwise(arm("Other")),
        )),
    );
    let out = |name: &str, due: &str| run(&wf, json!({"name": name, "due": due})).1;
    assert_eq!(out("abc", "2040-01-01T00:00:00Z"), json!("Prefix"));
    assert_eq!(out("xyz", "2029-01-01T00:00:00Z"), json!("Early"));
    assert_eq!(out("xyz", "2031-01-01T00:00:00+02:00"), json!("Other"));
    // A constant that is not an object is an expression, never a bare `Output`.
    assert_eq!(asl(&wf)["States"]["Other"]["Output"], "{% \"Other\" %}");
}

#[test]
fn waits_read_expressions_and_constants() {
    let wait = |state: &str, until| {
        Stmt::Wait(Wait {
            state: state.into(),
            comment: None,
            until,
        })
    };
    let wf = jsonata(Workflow::new("w", "i")).body(
        Block::new()
            .stmt(wait("A", WaitFor::Seconds(0)))
            .stmt(wait("B", WaitFor::Timestamp("2000-01-01T00:00:00Z".into())))
            .stmt(wait("C", WaitFor::TimestampFrom(var("i").field("at"))))
            .value(Step::data("R", var("i"))),
    );
    let v = asl(&wf);
    assert_eq!(
        v["States"]["A"],
        json!({"Type": "Wait", "Seconds": 0, "Assign": {"i": "{% $states.input %}"}, "Next": "B"})
    );
    assert_eq!(v["States"]["B"]["Timestamp"], "2000-01-01T00:00:00Z");
    assert_eq!(v["States"]["C"]["Timestamp"], "{% $i.at %}");
    assert_eq!(
        run(&wf, json!({"at": "2000-01-01T00:00:00Z"})),
        (Status::Succeeded, json!({"at": "2000-01-01T00:00:00Z"}))
    );
}

#[test]
fn a_nested_workflow_gets_arguments_and_prefixed_variables() {
    let inner = Workflow::new("inner", "x").body(
        Block::new()
            .bind("y", Call::task("G", lambda("g").handler(echo), var("x")))
            .value(Step::data(
                "Pair",
                Data::object([("x", Data::Var(var("x"))), ("y", Data::Var(var("y")))]),
            )),
    );
    let wf = jsonata(Workflow::new("outer", "i")).body(
        Block::new()
            .bind(
                "r",
                Call::new(
                    "CallInner",
                    Callee::Workflow(Box::new(inner)),
                    var("i").field("sub"),
                ),
            )
            .value(Step::data("R", var("r").field("y"))),
    );
    let v = asl(&wf);
    let p = &v["States"]["CallInner"];
    assert_eq!(p["Arguments"], "{% $states.input.sub %}");
    assert_eq!(p["Assign"], json!({"r": "{% $states.result[0] %}"}));
    let branch = &p["Branches"][0]["States"];
    assert_eq!(
        branch["InnerG"]["Assign"],
        json!({"inner_x": "{% $states.input %}", "inner_y": "{% $states.result %}"})
    );
    assert_eq!(
        branch["InnerPair"]["Output"],
        json!({"x": "{% $inner_x %}", "y": "{% $inner_y %}"})
    );
    assert_eq!(run(&wf, json!({"sub": 5})), (Status::Succeeded, json!(5)));
}

#[test]
fn constants_are_assigned_as_they_are_except_lists() {
    let wf = jsonata(Workflow::new("w", "i")).body(
        Block::new()
            .bind("flag", Step::data("Flag", Data::Literal(json!(true))))
            .bind("list", Step::data("List", Data::Literal(json!([1, 2]))))
            .value(Step::data(
                "R",
                Data::object([
                    ("flag", Data::Var(var("flag"))),
                    ("list", Data::Var(var("list"))),
                ]),
            )),
    );
    let v = asl(&wf);
    assert_eq!(v["States"]["Flag"]["Assign"], json!({"flag": true}));
    assert_eq!(
        v["States"]["List"]["Assign"],
        json!({"list": "{% [1,2] %}"})
    );
    assert_eq!(
        run(&wf, json!({})),
        (Status::Succeeded, json!({"flag": true, "list": [1, 2]}))
    );
}

#[test]
fn a_binding_named_states_is_refused() {
    let wf = jsonata(Workflow::new("w", "i")).body(
        Block::new()
            .bind("states", Call::task("T", lambda("t"), var("i")))
            .value(Step::data("R", var("states"))),
    );
    assert_eq!(
        wf.to_asl().unwrap_err(),
        LowerError::VariableName {
            workflow: "w".into(),
            name: "states".into(),
            why: "`$states` is reserved by the service; rename the binding".into(),
        }
    );
}

#[test]
fn jsonata_mode_stores_bindings_apart_from_an_input_of_the_same_name() {
    #[allow(dead_code)]
    #[derive(schemars::JsonSchema)]
    struct In {
        data: u32,
    }
    // JSONPath refuses this binding (it would overwrite `$.data`); variables are separate.
    let wf = jsonata(Workflow::new("w", "i").input::<In>()).body(
        Block::new()
            .bind("data", Call::task("T", lambda("t").handler(echo), var("i")))
            .value(Step::data("R", var("data"))),
    );
    assert_eq!(
        run(&wf, json!({"data": 7})),
        (Status::Succeeded, json!({"data": 7}))
    );
}
