//! The acceptance's load run, reduced to 1,000 executions: the same code as the `token_load`
//! example (`examples/token_load/run.rs`: the token flow on its ASL, each task a warm pool,
//! open-loop arrivals, the report and the warmer settings sized from it), on paused tokio time
//! so that it is fast and its counts do not depend on the machine's load. Checked: every
//! execution's outcome, each task's calls and errors against what the requests must cause, the
//! pools' starts, Little's law, and that the table, chart and warmer settings cover every task.

#[path = "../examples/token_load/run.rs"]
mod run;

use examples::token_modules::{Module, SigningKey};
use run::{inputs, LoadRun};
use serde_json::Value;
use std::collections::BTreeMap;

const EXECUTIONS: usize = 1_000;

/// What a request must lead to, worked out from the token itself (not by running the flow).
#[derive(Default, Debug, PartialEq)]
struct Expected {
    outcomes: BTreeMap<String, u64>,
    /// Function name -> (calls, errors).
    calls: BTreeMap<String, (u64, u64)>,
}

fn expected(requests: &[Value]) -> Expected {
    let mut e = Expected::default();
    let count = |e: &mut Expected, function: &str, error: bool| {
        let c = e.calls.entry(function.to_owned()).or_default();
        c.0 += 1;
        c.1 += u64::from(error);
    };
    for r in requests {
        let module: Module = serde_json::from_value(r["module"].clone()).unwrap();
        let token = r["token"].as_str().unwrap();
        let now = r["now"].as_u64().unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let outcome = if parts.len() != 4 {
            count(&mut e, &module.verifier(), true);
            "FAILED Malformed"
        } else {
            count(&mut e, &module.verifier(), false);
            let expires: u64 = parts[2].parse().unwrap();
            if SigningKey::derive(module).sign(module, parts[1], expires) != token {
                "FAILED TaskFailed"
            } else if expires < now {
                count(&mut e, "RefreshToken", false);
                "SUCCEEDED"
            } else {
                "SUCCEEDED"
            }
        };
        *e.outcomes.entry(outcome.to_owned()).or_default() += 1;
    }
    e
}

#[tokio::test(start_paused = true)]
async fn a_thousand_executions_give_every_outcome_call_and_start_the_requests_imply() {
    let load = LoadRun {
        executions: EXECUTIONS,
        rate: 5_000.0,
        prewarm: 0,
    };
    let result = run::run(&load).await.unwrap();
    let want = expected(&inputs(EXECUTIONS));

    // Every path of the flow is taken, each as often as the requests imply.
    assert_eq!(result.outcomes, want.outcomes);
    assert_eq!(result.outcomes.values().sum::<u64>(), EXECUTIONS as u64);
    for outcome in ["SUCCEEDED", "FAILED TaskFailed", "FAILED Malformed"] {
        assert!(
            result.outcomes[outcome] > 0,
            "{outcome}: {:?}",
            result.outcomes
        );
    }

    let report = &result.report;
    let calls: BTreeMap<String, (u64, u64)> = report
        .tasks
        .iter()
        .map(|t| (t.name().to_owned(), (t.invocations, t.errors)))
        .collect();
    assert_eq!(calls, want.calls);
    assert_eq!(calls.len(), 5, "four verifiers and the refresh: {calls:?}");

    for t in &report.tasks {
        let name = t.name();
        // Each task ran on its pool: every call a cold or a warm start; with nothing
        // pre-warmed each instance was a cold start, and no more instances than calls in flight
        // at the peak.
        let s = t
            .starts
            .unwrap_or_else(|| panic!("{name} has no pool stats"));
        assert_eq!(s.cold_starts + s.warm_starts, t.invocations, "{name}");
        assert_eq!(
            (s.prewarmed, s.init_failures, s.expired),
            (0, 0, 0),
            "{name}"
        );
        assert_eq!(s.instances, s.cold_starts, "{name}");
        assert!(s.cold_starts >= 1, "{name}");
        assert!(s.cold_starts <= t.peak_concurrency, "{name}: {s:?} {t:?}");
        assert!(t.peak_concurrency as usize <= EXECUTIONS, "{name}");
        // Over the window holding every call, mean concurrency is λ×W (Little's law; W is a
        // mean rounded to whole nanoseconds, hence the tolerance).
        let (mean, little) = (t.mean_concurrency, t.lambda_concurrency());
        assert!(
            (mean - little).abs() <= 1e-6 * little.max(1.0),
            "{name}: mean {mean} vs λ×W {little}"
        );
        assert!(t.peak_rate_per_second >= t.rate_per_second, "{name}");
        assert!(t.p50 <= t.p99, "{name}");
    }

    // The outputs the example writes: the table, the chart, the warmer settings.
    let text = result.text(&load);
    assert!(
        text.starts_with("token-check load run: 1000 executions offered at 5000/s,"),
        "{text}"
    );
    let svg = report.to_svg();
    assert!(svg.starts_with("<svg"), "{svg}");
    for t in &report.tasks {
        let name = t.name();
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} row: {text}"
        );
        assert!(svg.contains(name), "{name} panel");
        let warmer = &result.warmup["functions"][name]["warmup"];
        assert_eq!(warmer["warmer"]["enabled"], true, "{name}: {warmer}");
        let base = warmer["warmer"]["concurrency"].as_f64().unwrap();
        let sized = t.lambda_concurrency().ceil().max(1.0);
        assert_eq!(base, sized, "{name}: ⌈λ×W⌉, at least one");
        let peak = warmer["peakWarmer"]["concurrency"].as_u64().unwrap();
        assert!(peak >= t.peak_concurrency, "{name}: {warmer}");
    }
    assert_eq!(
        result.warmup["custom"]["warmup"]["peakWarmer"]["events"][0]["schedule"],
        run::PEAK_HOURS
    );
}

#[tokio::test(start_paused = true)]
async fn prewarming_two_per_function_counts_two_prewarmed_instances_each() {
    let load = LoadRun {
        executions: 200,
        rate: 5_000.0,
        prewarm: 2,
    };
    let result = run::run(&load).await.unwrap();
    assert_eq!(result.outcomes.values().sum::<u64>(), 200);
    for t in &result.report.tasks {
        let s = t.starts.unwrap();
        assert_eq!(s.prewarmed, 2, "{}", t.name());
        // Two instances were ready: the calls needed at most peak - 2 more.
        assert!(s.instances >= 2, "{}", t.name());
        assert_eq!(s.instances, s.cold_starts + 2, "{}: {s:?}", t.name());
        assert_eq!(s.cold_starts + s.warm_starts, t.invocations, "{}", t.name());
    }
}
