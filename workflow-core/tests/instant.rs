//! Instant states (JSONPath Pass, Choice, Succeed, Fail, and Tasks whose handler is
//! synchronous) run without futures, and scopes made only of them run in plain loops; these
//! tests pin what that must not change: timeouts still fire in endless loops, Map and Parallel
//! results and history keep their order, a long iteration hands over to the general path
//! without losing its place, and a synchronous handler's Task gives what an asynchronous one
//! gives (output, errors, Catch, events and their chain).

use serde_json::{json, Value};
use workflow_core::run::{EventType, Machine, RunOptions, Runner, Status};
use workflow_core::task::TaskRegistry;

fn runner(def: Value) -> Runner {
    let machine = Machine::from_json(&def.to_string()).expect("the test definition compiles");
    let options = RunOptions {
        max_history_events: None,
        ..RunOptions::default()
    };
    Runner::new(machine, TaskRegistry::new()).with_options(options)
}

/// A Pass/Choice pair that loops forever (the counter never reaches the bound).
fn endless_loop() -> Value {
    json!({"StartAt": "Inc", "States": {
        "Inc": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Check"},
        "Check": {"Type": "Choice", "Default": "Inc",
                  "Choices": [{"Variable": "$.n", "NumericLessThan": -1, "Next": "Done"}]},
        "Done": {"Type": "Succeed"}}})
}

#[tokio::test]
async fn an_endless_loop_of_instant_states_still_times_out() {
    let mut def = endless_loop();
    def["TimeoutSeconds"] = json!(1);
    let exec = runner(def).run(json!({"n": 0})).await;
    assert_eq!(exec.status, Status::TimedOut);
    assert_eq!(
        exec.history.last().map(|e| e.event_type),
        Some(EventType::ExecutionTimedOut)
    );
}

#[tokio::test]
async fn an_endless_loop_inside_an_instant_map_iteration_still_times_out() {
    let def = json!({"StartAt": "M", "TimeoutSeconds": 1, "States": {"M": {
        "Type": "Map", "End": true, "ItemProcessor": endless_loop()}}});
    let exec = runner(def).run(json!([{"n": 0}])).await;
    assert_eq!(exec.status, Status::TimedOut);
}

#[tokio::test]
async fn a_long_instant_iteration_resumes_where_its_loop_paused() {
    // 3,000 loop rounds is 6,000 states: more than one plain-loop budget, so the iteration
    // finishes on the general path and must keep its input, variables and event chain.
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": true, "ItemProcessor": {"StartAt": "Inc", "States": {
            "Inc": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"},
                    "Next": "Check"},
            "Check": {"Type": "Choice", "Default": "Done",
                      "Choices": [{"Variable": "$.n", "NumericLessThan": 3000, "Next": "Inc"}]},
            "Done": {"Type": "Succeed"}}}}}});
    let exec = runner(def).run(json!([{"n": 0}, {"n": 2990}])).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.cause);
    assert_eq!(exec.output, Some(json!([{"n": 3000}, {"n": 3000}])));
    for (i, e) in exec.history.iter().enumerate() {
        assert_eq!(e.id, i as u64 + 1);
        assert!(e.previous_event_id < e.id);
    }
    let entered = exec
        .history
        .iter()
        .filter(|e| e.event_type == EventType::PassStateEntered)
        .count();
    assert_eq!(entered, 3000 + 10);
}

#[tokio::test]
async fn instant_map_iterations_and_parallel_branches_keep_their_order() {
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": 0, "End": true, "ItemProcessor": {"StartAt": "P",
        "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass",
                "Parameters": {"b": "a", "v.$": "$"}, "End": true}}},
            {"StartAt": "B", "States": {"B": {"Type": "Pass",
                "Parameters": {"b": "b", "v.$": "$"}, "End": true}}}]}}}}}});
    let exec = runner(def).run(json!([1, 2, 3])).await;
    assert_eq!(exec.status, Status::Succeeded);
    let pair = |v: i32| json!([{"b": "a", "v": v}, {"b": "b", "v": v}]);
    assert_eq!(exec.output, Some(json!([pair(1), pair(2), pair(3)])));
    let iterations: Vec<u64> = exec
        .history
        .iter()
        .filter(|e| e.event_type == EventType::MapIterationSucceeded)
        .filter_map(|e| e.details.index)
        .collect();
    assert_eq!(iterations, [0, 1, 2]);
}

#[tokio::test]
async fn a_failing_instant_iteration_fails_the_map_and_stops_the_rest() {
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": true, "ItemProcessor": {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Default": "Bad",
                  "Choices": [{"Variable": "$", "NumericLessThan": 2, "Next": "Ok"}]},
            "Ok": {"Type": "Succeed"},
            "Bad": {"Type": "Fail", "Error": "TooBig", "Cause": "two or more"}}}}}});
    let exec = runner(def).run(json!([0, 1, 2, 3])).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.as_deref(), Some("TooBig"));
    let started = exec
        .history
        .iter()
        .filter(|e| e.event_type == EventType::MapIterationStarted)
        .count();
    assert_eq!(started, 3, "the item after the failing one never starts");
}

/// A Map of one Lambda Task each, with a Catch, over words where "boom" fails and "panic"
/// panics: what a synchronous handler (run without futures) and the same handler behind an
/// asynchronous one must both give.
fn map_of_tasks() -> Value {
    json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": 3, "End": true,
        "ItemSelector": {"word.$": "$$.Map.Item.Value"},
        "ItemProcessor": {"StartAt": "T", "States": {"T": {
            "Type": "Task", "End": true,
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:measure",
            "Parameters": {"word.$": "$.word"}, "ResultSelector": {"n.$": "$.length"},
            "ResultPath": "$.out",
            "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.caught", "Next": "Caught"}]},
            "Caught": {"Type": "Pass", "End": true}}}}}})
}

fn measure(input: &Value) -> Result<Value, workflow_core::StatesError> {
    match input["word"].as_str() {
        Some("boom") => Err(workflow_core::StatesError::new("Boom", "a bad word")),
        Some("panic") => panic!("the handler panicked"),
        Some(w) => Ok(json!({"length": w.chars().count()})),
        None => Err(workflow_core::StatesError::new("NotAWord", "no word")),
    }
}

async fn run_map_of_tasks(sync: bool, words: Value) -> workflow_core::run::Execution {
    run_tasks(map_of_tasks(), sync, words).await
}

async fn run_tasks(def: Value, sync: bool, words: Value) -> workflow_core::run::Execution {
    use workflow_core::task::{handler_fn, sync_handler_fn};
    let machine = Machine::from_json(&def.to_string()).expect("compiles");
    let mut tasks = TaskRegistry::new();
    if sync {
        tasks.register("measure", sync_handler_fn(|v| measure(&v)));
    } else {
        tasks.register("measure", handler_fn(|v| async move { measure(&v) }));
    }
    Runner::new(machine, tasks).run(words).await
}

/// Events without ids' timestamps: type and details.
fn events(exec: &workflow_core::run::Execution) -> Vec<(EventType, String)> {
    exec.history
        .iter()
        .map(|e| (e.event_type, format!("{:?}", e.details)))
        .collect()
}

#[tokio::test]
async fn tasks_with_a_synchronous_handler_give_the_same_output_and_history_without_futures() {
    for words in [
        json!(["a", "bb", "ccc"]),
        json!(["a", "boom", "ccc"]),
        json!(["a", "panic", "ccc"]),
    ] {
        let sync = run_map_of_tasks(true, words.clone()).await;
        let not_sync = run_map_of_tasks(false, words.clone()).await;
        assert_eq!(
            (sync.status, &sync.output, &sync.error, &sync.cause),
            (
                not_sync.status,
                &not_sync.output,
                &not_sync.error,
                &not_sync.cause
            ),
            "{words}"
        );
        assert_eq!(events(&sync), events(&not_sync), "{words}");
        let ids = |e: &workflow_core::run::Execution| {
            e.history
                .iter()
                .map(|e| (e.id, e.previous_event_id))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&sync), ids(&not_sync), "{words}: the same event chain");
    }
    let caught = run_map_of_tasks(true, json!(["a", "boom"])).await;
    assert_eq!(
        caught.output,
        Some(json!([
            {"word": "a", "out": {"n": 1}},
            {"word": "boom", "caught": {"Error": "Boom", "Cause": "a bad word"}}
        ]))
    );
    let panicked = run_map_of_tasks(true, json!(["panic"])).await;
    assert_eq!(panicked.status, Status::Failed);
    assert_eq!(panicked.error.as_deref(), Some("States.TaskFailed"));
}

#[tokio::test]
async fn a_synchronous_tasks_catch_covers_its_result_path_as_the_asynchronous_one_does() {
    // The word is a string, so `$.word.n` cannot be set: the attempt fails after the call,
    // and the Catch takes it in both paths.
    let mut def = map_of_tasks();
    let task = &mut def["States"]["M"]["ItemProcessor"]["States"]["T"];
    task["ResultPath"] = json!("$.word.n");
    task["Catch"] = json!([{"ErrorEquals": ["States.ReferencePathConflict"],
                            "ResultPath": "$.conflict", "Next": "Caught"}]);
    let sync = run_tasks(def.clone(), true, json!(["a"])).await;
    let not_sync = run_tasks(def, false, json!(["a"])).await;
    assert_eq!(sync.status, Status::Succeeded, "{:?}", sync.cause);
    assert_eq!(
        sync.output.as_ref().map(|o| &o[0]["conflict"]["Error"]),
        Some(&json!("States.ReferencePathConflict"))
    );
    assert_eq!(
        (&sync.output, events(&sync)),
        (&not_sync.output, events(&not_sync))
    );
}

/// A Task with nothing between its input and its handler, or its result and its output (the
/// bench's map-task), which moves its input into the handler's parameters: its scheduled and
/// exited events record that input and the result, as an asynchronous handler's do.
#[tokio::test]
async fn a_bare_synchronous_task_records_the_same_inputs_and_outputs_as_an_asynchronous_one() {
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": true,
        "ItemSelector": {"word.$": "$$.Map.Item.Value"},
        "ItemProcessor": {"StartAt": "T", "States": {"T": {
            "Type": "Task", "End": true,
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:measure"}}}}}});
    let words = json!(["a", "bb", "boom"]);
    let sync = run_tasks(def.clone(), true, words.clone()).await;
    let not_sync = run_tasks(def, false, words).await;
    assert_eq!(sync.status, Status::Failed);
    assert_eq!(events(&sync), events(&not_sync));
    // The payload of each event of type `t`: its input, or its output.
    let payloads = |t: EventType| -> Vec<Value> {
        let of = |e: &workflow_core::run::HistoryEvent| {
            let d = &e.details;
            d.input.as_ref().or(d.output.as_ref()).map(|v| v.to_json())
        };
        (sync.history.iter())
            .filter(|e| e.event_type == t)
            .filter_map(|e| of(&e))
            .collect()
    };
    let words = [
        json!({"word": "a"}),
        json!({"word": "bb"}),
        json!({"word": "boom"}),
    ];
    assert_eq!(payloads(EventType::LambdaFunctionScheduled), words);
    let lengths = [json!({"length": 1}), json!({"length": 2})];
    assert_eq!(payloads(EventType::TaskStateExited), lengths);
}

/// A synchronous handler that answers with what its call tells it.
struct Describes;

impl workflow_core::task::TaskHandler for Describes {
    fn invoke(
        &self,
        input: workflow_core::value::Val,
        ctx: workflow_core::task::TaskContext,
    ) -> workflow_core::task::TaskFuture {
        Box::pin(std::future::ready(self.invoke_now(&input, (&ctx).into())))
    }

    fn is_sync(&self) -> bool {
        true
    }

    fn invoke_now(
        &self,
        _input: &workflow_core::value::Val,
        call: workflow_core::task::TaskCall<'_>,
    ) -> Result<workflow_core::value::Val, workflow_core::StatesError> {
        let ctx = call.context();
        assert_eq!(&*ctx.resource, call.resource());
        assert_eq!(&*ctx.state_name, call.state_name());
        Ok(workflow_core::val!({
            "resource": call.resource(),
            "state": call.state_name(),
            "retry": call.retry_count(),
            "token": ctx.task_token()
        }))
    }
}

#[tokio::test]
async fn a_synchronous_handler_is_told_its_call_and_can_make_its_context() {
    let def = json!({"StartAt": "Token", "States": {
        "Token": {"Type": "Pass", "Parameters": {"unused": true}, "Next": "Call"},
        "Call": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:describe",
                 "End": true,
                 "ResultSelector": {"resource.$": "$.resource", "state.$": "$.state",
                                    "retry.$": "$.retry", "token.$": "$.token",
                                    "expected.$": "$$.Task.Token"}}}});
    let machine = Machine::from_json(&def.to_string()).expect("the test definition compiles");
    let mut tasks = TaskRegistry::new();
    tasks.register("describe", Describes);
    let exec = Runner::new(machine, tasks).run(json!({})).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.error);
    let out = exec.output.expect("an output");
    assert_eq!(
        out["resource"],
        "arn:aws:lambda:us-east-1:123456789012:function:describe"
    );
    assert_eq!(out["state"], "Call");
    assert_eq!(out["retry"], 0);
    assert!(out["token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(out["token"], out["expected"], "the token is $$.Task.Token");
}

#[tokio::test]
async fn an_instant_iteration_never_sees_the_variables_another_iteration_assigned() {
    // Item 1 assigns `x`; item 2 reads it, which must fail: each iteration has its own scope,
    // even when iterations that assign nothing pass their untouched frame along.
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
        "ItemProcessor": {"StartAt": "Which", "States": {
            "Which": {"Type": "Choice", "Default": "Read",
                      "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "Set"}]},
            "Set": {"Type": "Pass", "Assign": {"x": "set"}, "End": true},
            "Read": {"Type": "Pass", "Parameters": {"x.$": "$x"}, "End": true}}}}}});
    let exec = runner(def.clone()).run(json!([0, 1, 2])).await;
    assert_eq!(exec.status, Status::Failed, "item 0 reads an unassigned x");
    let exec = runner(def.clone()).run(json!([1, 1, 1])).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.error);
    let exec = runner(def).run(json!([1, 2])).await;
    assert_eq!(
        exec.status,
        Status::Failed,
        "item 2 must not see item 1's x"
    );
}

/// A Map whose processor is one plain Task (a Lambda per item, nothing between) runs it without
/// the general loop of instant states; the same Map made general by a no-op `InputPath: "$"`
/// must give the same status, output, error and history, event chain included, and count the
/// same calls (each call the handler served, no other), whether items succeed, fail (tolerated
/// or not), panic, return a result over the payload limit or run into the history's limit
/// (refusing an item's entered, scheduled or started event).
#[tokio::test]
async fn a_map_of_one_plain_task_runs_as_the_general_loop_of_instant_states_does() {
    use workflow_core::task::sync_handler_fn;
    fn map(fields: Value, input_path: bool) -> Value {
        let mut task = json!({"Type": "Task", "End": true,
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:measure"});
        if input_path {
            task["InputPath"] = json!("$");
        }
        let mut m = json!({"Type": "Map", "End": true, "MaxConcurrency": 4,
            "ItemProcessor": {"StartAt": "T", "States": {"T": task}}});
        for (k, v) in fields.as_object().into_iter().flatten() {
            m[k] = v.clone();
        }
        json!({"StartAt": "M", "States": {"M": m}})
    }
    /// The execution, the calls counted by the metrics (started, failed, timed) and the calls
    /// the handler served.
    async fn run(
        def: Value,
        options: RunOptions,
        words: &Value,
    ) -> (workflow_core::run::Execution, [u64; 3], u64) {
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::sync::Arc;
        let machine = Machine::from_json(&def.to_string()).expect("compiles");
        let mut tasks = TaskRegistry::new();
        let served = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&served);
        tasks.register(
            "measure",
            sync_handler_fn(move |v| {
                counter.fetch_add(1, Ordering::Relaxed);
                match v.as_str() {
                    Some("long") => Ok(json!("x".repeat(200))),
                    _ => measure(&json!({"word": v})),
                }
            }),
        );
        let runner = Runner::new(machine, tasks).with_options(options);
        let exec = runner.run(words.clone()).await;
        let counted = runner.metrics().snapshot();
        let counts = counted.first().map_or([0; 3], |(_, m)| {
            [m.invocations, m.errors, m.durations.len() as u64]
        });
        (exec, counts, served.load(Ordering::Relaxed))
    }
    let limited = |f: fn(&mut RunOptions)| {
        let mut o = RunOptions::default();
        f(&mut o);
        o
    };
    let cases = [
        (
            json!({}),
            RunOptions::default(),
            json!(["a", "bb", "ccc"]),
            None,
        ),
        (
            json!({}),
            RunOptions::default(),
            json!(["a", "boom", "ccc"]),
            Some("Boom"),
        ),
        (
            json!({}),
            RunOptions::default(),
            json!(["a", "panic", "ccc"]),
            Some("States.TaskFailed"),
        ),
        (
            json!({}),
            RunOptions::default(),
            json!(["a", 7, "ccc"]),
            Some("NotAWord"),
        ),
        (
            json!({"ToleratedFailureCount": 1}),
            RunOptions::default(),
            json!(["a", "boom", "ccc"]),
            None,
        ),
        (
            json!({"ToleratedFailureCount": 1}),
            RunOptions::default(),
            json!(["boom", "a", "boom", "ccc"]),
            Some("States.ExceedToleratedFailureThreshold"),
        ),
        (
            json!({}),
            limited(|o| o.max_payload_bytes = Some(100)),
            json!(["a", "long", "ccc"]),
            Some("States.DataLimitExceeded"),
        ),
        // Events 1 to 3 start the execution and the Map, and each item has seven: the second
        // item's entered event is the 12th, its scheduled the 13th, its started the 14th.
        (
            json!({}),
            limited(|o| o.max_history_events = Some(11)),
            json!(["a", "bb", "ccc"]),
            Some("States.Runtime"),
        ),
        (
            json!({}),
            limited(|o| o.max_history_events = Some(12)),
            json!(["a", "bb", "ccc"]),
            Some("States.Runtime"),
        ),
        (
            json!({}),
            limited(|o| o.max_history_events = Some(13)),
            json!(["a", "bb", "ccc"]),
            Some("States.Runtime"),
        ),
    ];
    for (fields, options, words, expected) in cases {
        let (lone, lone_counted, lone_served) =
            run(map(fields.clone(), false), options.clone(), &words).await;
        let (general, counted, served) = run(map(fields.clone(), true), options, &words).await;
        assert_eq!(lone_counted, counted, "{fields} {words}: calls counted");
        assert_eq!(counted[0], served, "{fields} {words}: calls counted");
        assert_eq!(counted[2], served, "{fields} {words}: calls timed");
        assert_eq!(lone_served, served, "{fields} {words}: calls served");
        let outcome = |e: &workflow_core::run::Execution| {
            (e.status, e.output.clone(), e.error.clone(), e.cause.clone())
        };
        assert_eq!(outcome(&lone), outcome(&general), "{fields} {words}");
        assert_eq!(lone.error.as_deref(), expected, "{fields} {words}");
        assert_eq!(events(&lone), events(&general), "{fields} {words}");
        let ids = |e: &workflow_core::run::Execution| {
            e.history
                .iter()
                .map(|e| (e.id, e.previous_event_id))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(&lone),
            ids(&general),
            "{fields} {words}: the event chain"
        );
    }
}

/// A Map of one plain Task counts its calls chunk by chunk; after the run, every call is
/// counted, each failure once, and the latest durations kept, over several chunks.
#[tokio::test]
async fn a_long_map_of_one_plain_task_counts_every_call() {
    use workflow_core::run::RECENT_DURATIONS;
    use workflow_core::task::sync_handler_fn;
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
        "ToleratedFailurePercentage": 100,
        "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "End": true,
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f"}}}}}});
    let mut tasks = TaskRegistry::new();
    tasks.register(
        "f",
        sync_handler_fn(|v| match v.as_u64() {
            Some(n) if n % 7 == 0 => Err(workflow_core::StatesError::new("Seventh", "")),
            _ => Ok(v),
        }),
    );
    let machine = Machine::from_json(&def.to_string()).expect("compiles");
    let runner = Runner::new(machine, tasks);
    let items: Vec<u64> = (1..=2500).collect();
    let exec = runner.run(json!(items)).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.error);
    let metrics = runner.metrics().snapshot();
    let (_, f) = &metrics[0];
    assert_eq!(f.invocations, 2500);
    assert_eq!(f.errors, 2500 / 7);
    assert_eq!(f.durations.len(), 2 * RECENT_DURATIONS);
    assert_eq!(f.peak_concurrency, 1);
}

/// A Map's calls of one plain synchronous task are counted in a batch, where a call after the
/// first is timed from the end of the call before it: every duration still covers its whole
/// call, and together they cover no more than the run.
#[tokio::test]
async fn a_batch_of_calls_times_each_call_whole_and_none_twice() {
    use workflow_core::task::sync_handler_fn;
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
        "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "End": true,
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f"}}}}}});
    let mut tasks = TaskRegistry::new();
    let pause = std::time::Duration::from_millis(2);
    tasks.register(
        "f",
        sync_handler_fn(move |v| {
            std::thread::sleep(pause);
            Ok(v)
        }),
    );
    let runner = Runner::new(
        Machine::from_json(&def.to_string()).expect("compiles"),
        tasks,
    );
    let started = std::time::Instant::now();
    let exec = runner.run(json!([1, 2, 3, 4, 5])).await;
    let wall = started.elapsed();
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.error);
    let metrics = runner.metrics().snapshot();
    let (_, f) = &metrics[0];
    assert_eq!(f.durations.len(), 5);
    assert!(f.durations.iter().all(|d| *d >= pause), "{:?}", f.durations);
    let total: std::time::Duration = f.durations.iter().sum();
    assert!(total <= wall, "{total:?} in {wall:?}");
}

/// A chain of instant states keeps a payload once where the events before hold it (a state
/// entered with the output the state before exited with, a Choice exiting with its input):
/// every event still reads back its own input or output, as the states saw them.
#[tokio::test]
async fn each_event_of_a_chain_reads_back_its_own_payload() {
    let def = json!({"StartAt": "Add", "States": {
        "Add": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Loop"},
        "Loop": {"Type": "Choice", "Default": "Shape",
                 "Choices": [{"Variable": "$.n", "NumericLessThan": 3, "Next": "Add"}]},
        "Shape": {"Type": "Choice", "OutputPath": "$.n", "Default": "Done",
                  "Choices": [{"Variable": "$.n", "NumericEquals": 0, "Next": "Add"}]},
        "Done": {"Type": "Succeed"}}});
    let exec = runner(def).run(json!({"n": 0})).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.error);
    let payloads: Vec<(String, Option<Value>, Option<Value>)> = exec
        .history
        .iter()
        .skip(1)
        .map(|e| {
            let json = |v: Option<&workflow_core::value::Val>| v.map(|v| v.to_json());
            let (input, output) = (&e.details.input, &e.details.output);
            (
                e.event_type.to_string(),
                json(input.as_ref()),
                json(output.as_ref()),
            )
        })
        .collect();
    let (n, m) = (|k: u64| Some(json!({"n": k})), |k: u64| Some(json!(k)));
    let mut expected = Vec::new();
    for k in 0..3 {
        expected.push(("PassStateEntered".to_owned(), n(k), None));
        expected.push(("PassStateExited".to_owned(), None, n(k + 1)));
        expected.push(("ChoiceStateEntered".to_owned(), n(k + 1), None));
        expected.push(("ChoiceStateExited".to_owned(), None, n(k + 1)));
    }
    expected.push(("ChoiceStateEntered".to_owned(), n(3), None));
    expected.push(("ChoiceStateExited".to_owned(), None, m(3)));
    expected.push(("SucceedStateEntered".to_owned(), m(3), None));
    expected.push(("SucceedStateExited".to_owned(), None, m(3)));
    expected.push(("ExecutionSucceeded".to_owned(), None, m(3)));
    assert_eq!(payloads, expected);
}
