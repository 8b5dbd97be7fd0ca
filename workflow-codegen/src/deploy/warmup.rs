//! Warmer settings per task, emitted as serverless-plugin-warmup configuration.
//!
//! The plugin defines named warmers under `custom.warmup` (each a scheduled function with its
//! own `events`) and lets each function opt in per warmer with its own `concurrency` (how many
//! concurrent calls, so how many instances, the warmer keeps warm). A task's settings say how
//! many instances to keep warm on a base schedule (`rate(5 minutes)` by default) and, optionally,
//! how many more at peak hours on a second schedule (a `cron(...)`). Tasks sharing a schedule
//! share a warmer.

use serde_json::{json, Map, Value};

/// The payload serverless-plugin-warmup sends by default has this `source`:
/// `{"source": "serverless-plugin-warmup"}`.
pub const WARMUP_SOURCE: &str = "serverless-plugin-warmup";

/// The plugin's default schedule.
pub const DEFAULT_SCHEDULE: &str = "rate(5 minutes)";

/// How to keep one task's instances warm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarmerSettings {
    /// Instances to keep warm on the base schedule.
    pub concurrency: u32,
    /// The base schedule: `rate(...)` or `cron(...)` (EventBridge syntax).
    pub schedule: String,
    /// More instances at peak hours.
    pub peak: Option<PeakWarmer>,
}

/// The peak-hours part of a task's warmer settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeakWarmer {
    /// When: usually a `cron(...)` covering the busy hours, e.g. `cron(0/5 8-17 ? * MON-FRI *)`.
    pub schedule: String,
    /// Instances to keep warm then.
    pub concurrency: u32,
}

/// Why warmer settings cannot be emitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarmupError {
    /// A schedule the plugin (and EventBridge) would refuse.
    #[error("task `{task}`: schedule `{schedule}` is not `rate(1 minute|hour|day)`, `rate(N minutes|hours|days)` with N > 1, or `cron(` six fields `)`")]
    Schedule {
        /// The task whose settings hold it.
        task: String,
        /// The schedule as written.
        schedule: String,
    },
    /// The serverless document to add to has a key of the wrong kind.
    #[error("serverless document: {0}")]
    Document(String),
}

impl WarmerSettings {
    /// Keep `concurrency` instances warm every 5 minutes.
    pub fn new(concurrency: u32) -> Self {
        WarmerSettings {
            concurrency,
            schedule: DEFAULT_SCHEDULE.to_owned(),
            peak: None,
        }
    }

    /// Replaces the base schedule.
    pub fn schedule(mut self, schedule: impl Into<String>) -> Self {
        self.schedule = schedule.into();
        self
    }

    /// Keeps `concurrency` instances warm on `schedule` (peak hours) as well.
    pub fn peak(mut self, schedule: impl Into<String>, concurrency: u32) -> Self {
        self.peak = Some(PeakWarmer {
            schedule: schedule.into(),
            concurrency,
        });
        self
    }
}

/// Whether a schedule has the plugin's accepted syntax.
pub fn is_valid_schedule(schedule: &str) -> bool {
    if let Some(body) = schedule
        .strip_prefix("rate(")
        .and_then(|s| s.strip_suffix(')'))
    {
        let Some((n, unit)) = body.split_once(' ') else {
            return false;
        };
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || n.starts_with('0') {
            return false;
        }
        return if n == "1" {
            matches!(unit, "minute" | "hour" | "day")
        } else {
            matches!(unit, "minutes" | "hours" | "days")
        };
    }
    if let Some(body) = schedule
        .strip_prefix("cron(")
        .and_then(|s| s.strip_suffix(')'))
    {
        return body.split(' ').count() == 6 && body.split(' ').all(|f| !f.is_empty());
    }
    false
}

/// The serverless.yml parts that keep the given functions warm.
#[derive(Debug, Clone, PartialEq)]
pub struct WarmupConfig {
    /// `custom.warmup`: one warmer per distinct schedule.
    pub custom: Value,
    /// Each function's `warmup` block, keyed by function name, in the order given.
    pub functions: Vec<(String, Value)>,
}

/// Builds the serverless-plugin-warmup configuration for `(function name, settings)` pairs.
///
/// Warmers are named `warmer` (base schedules) and `peakWarmer` (peak schedules), with a number
/// appended when several distinct schedules need several warmers. Each warmer is `prewarm`ed on
/// deploy and sends the plugin's default payload, on which workflow-lambda's handlers return
/// early.
///
/// ```
/// use workflow_codegen::deploy::warmup::{serverless_warmup, WarmerSettings};
/// let settings = WarmerSettings::new(2).peak("cron(0/5 8-17 ? * MON-FRI *)", 20);
/// let config = serverless_warmup(&[("verifyToken", &settings)]).unwrap();
/// assert_eq!(config.custom["warmer"]["events"][0]["schedule"], "rate(5 minutes)");
/// assert_eq!(config.functions[0].1["peakWarmer"]["concurrency"], 20);
/// ```
pub fn serverless_warmup(
    functions: &[(&str, &WarmerSettings)],
) -> Result<WarmupConfig, WarmupError> {
    let mut warmers: Vec<(String, String)> = Vec::new(); // (name, schedule)
    let mut warmer_for = |base: &str, schedule: &str| -> String {
        if let Some((name, _)) = warmers
            .iter()
            .find(|(n, s)| s == schedule && n.starts_with(base))
        {
            return name.clone();
        }
        let same_kind = warmers.iter().filter(|(n, _)| n.starts_with(base)).count();
        let name = if same_kind == 0 {
            base.to_owned()
        } else {
            format!("{base}{}", same_kind + 1)
        };
        warmers.push((name.clone(), schedule.to_owned()));
        name
    };
    let mut blocks = Vec::new();
    for (function, settings) in functions {
        let check = |schedule: &str| {
            if is_valid_schedule(schedule) {
                Ok(())
            } else {
                Err(WarmupError::Schedule {
                    task: (*function).to_owned(),
                    schedule: schedule.to_owned(),
                })
            }
        };
        check(&settings.schedule)?;
        let mut block = Map::new();
        let name = warmer_for("warmer", &settings.schedule);
        block.insert(
            name,
            json!({"enabled": true, "concurrency": settings.concurrency}),
        );
        if let Some(peak) = &settings.peak {
            check(&peak.schedule)?;
            let name = warmer_for("peakWarmer", &peak.schedule);
            block.insert(
                name,
                json!({"enabled": true, "concurrency": peak.concurrency}),
            );
        }
        blocks.push(((*function).to_owned(), Value::Object(block)));
    }
    let custom: Map<String, Value> = warmers
        .into_iter()
        .map(|(name, schedule)| {
            (
                name,
                json!({
                    "enabled": false,
                    "events": [{"schedule": schedule}],
                    "prewarm": true,
                    "payload": {"source": WARMUP_SOURCE},
                }),
            )
        })
        .collect();
    Ok(WarmupConfig {
        custom: Value::Object(custom),
        functions: blocks,
    })
}

impl WarmupConfig {
    /// Adds this configuration to a serverless.yml document (as JSON): the plugin to `plugins`,
    /// the warmers to `custom.warmup`, and each function's `warmup` block to
    /// `functions.<name>` (created when absent; the function's other keys are kept). A document
    /// that is not an object, or whose `plugins`, `custom` or `functions` is not of the right
    /// kind, is an error naming the key.
    pub fn add_to_serverless(&self, doc: &mut Value) -> Result<(), WarmupError> {
        let bad = |what: &str| WarmupError::Document(what.to_owned());
        let root = doc
            .as_object_mut()
            .ok_or_else(|| bad("the serverless document is not an object"))?;
        let plugins = root
            .entry("plugins")
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .ok_or_else(|| bad("`plugins` is not a list"))?;
        if !plugins.iter().any(|p| p == "serverless-plugin-warmup") {
            plugins.push(json!("serverless-plugin-warmup"));
        }
        let custom = root
            .entry("custom")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| bad("`custom` is not an object"))?;
        custom.insert("warmup".to_owned(), self.custom.clone());
        let functions = root
            .entry("functions")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| bad("`functions` is not an object"))?;
        for (name, block) in &self.functions {
            functions
                .entry(name.clone())
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .ok_or_else(|| bad(&format!("`functions.{name}` is not an object")))?
                .insert("warmup".to_owned(), block.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_follow_the_plugins_syntax() {
        for ok in [
            "rate(5 minutes)",
            "rate(1 minute)",
            "rate(1 day)",
            "rate(12 hours)",
            "cron(0/5 8-17 ? * MON-FRI *)",
        ] {
            assert!(is_valid_schedule(ok), "{ok}");
        }
        for bad in [
            "rate(1 minutes)",
            "rate(5 minute)",
            "rate(0 minutes)",
            "rate(five minutes)",
            "cron(0/5 8-17 ? * MON-FRI)",
            "every 5 minutes",
        ] {
            assert!(!is_valid_schedule(bad), "{bad}");
        }
    }

    #[test]
    fn tasks_sharing_a_schedule_share_a_warmer_and_opt_in_with_their_concurrency() {
        let peak = "cron(0/5 8-17 ? * MON-FRI *)";
        let a = WarmerSettings::new(2).peak(peak, 20);
        let b = WarmerSettings::new(1).peak(peak, 5);
        let c = WarmerSettings::new(1).schedule("rate(10 minutes)");
        let config =
            serverless_warmup(&[("verifyOrders", &a), ("verifyBilling", &b), ("refresh", &c)])
                .unwrap();
        assert_eq!(
            config.custom,
            json!({
                "warmer": {"enabled": false, "events": [{"schedule": "rate(5 minutes)"}],
                           "prewarm": true, "payload": {"source": "serverless-plugin-warmup"}},
                "peakWarmer": {"enabled": false, "events": [{"schedule": peak}],
                               "prewarm": true, "payload": {"source": "serverless-plugin-warmup"}},
                "warmer2": {"enabled": false, "events": [{"schedule": "rate(10 minutes)"}],
                            "prewarm": true, "payload": {"source": "serverless-plugin-warmup"}},
            })
        );
        assert_eq!(
            config.functions[0],
            (
                "verifyOrders".to_owned(),
                json!({"warmer": {"enabled": true, "concurrency": 2},
                       "peakWarmer": {"enabled": true, "concurrency": 20}})
            )
        );
        assert_eq!(
            config.functions[2].1,
            json!({"warmer2": {"enabled": true, "concurrency": 1}})
        );
    }

    #[test]
    fn the_config_merges_into_a_serverless_document_keeping_what_is_there() {
        let config = serverless_warmup(&[("verifyToken", &WarmerSettings::new(3))]).unwrap();
        let mut doc = json!({
            "service": "auth",
            "plugins": ["serverless-step-functions"],
            "functions": {"verifyToken": {"handler": "bootstrap"}},
            "stepFunctions": {"stateMachines": {}}
        });
        config.add_to_serverless(&mut doc).unwrap();
        config.add_to_serverless(&mut doc).unwrap(); // idempotent
        assert_eq!(
            doc["plugins"],
            json!(["serverless-step-functions", "serverless-plugin-warmup"])
        );
        assert_eq!(doc["custom"]["warmup"], config.custom);
        assert_eq!(doc["functions"]["verifyToken"]["handler"], "bootstrap");
        assert_eq!(
            doc["functions"]["verifyToken"]["warmup"]["warmer"]["concurrency"],
            3
        );
        let mut bad = json!({"plugins": "x"});
        assert_eq!(
            config.add_to_serverless(&mut bad).unwrap_err().to_string(),
            "serverless document: `plugins` is not a list"
        );
    }

    #[test]
    fn a_bad_schedule_names_the_task() {
        let e = serverless_warmup(&[("f", &WarmerSettings::new(1).schedule("rate(5 minute)"))])
            .unwrap_err();
        assert!(matches!(&e, WarmupError::Schedule { task, .. } if task == "f"));
        assert!(e.to_string().contains("rate(5 minute)"));
    }
}
