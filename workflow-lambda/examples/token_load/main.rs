//! A load run of the token-check flow of examples/ (`examples::token_modules`: `#[workflow]` and
//! one `#[task(init = ..)]` verifier per application module), and its concurrency report.
//!
//! ```text
//! cargo run --release -p workflow-lambda --example token_load -- \
//!     [--executions 100000] [--rate 5000] [--prewarm 0] [--out target/token-load]
//! ```
//!
//! Executions arrive open-loop at `--rate` per second (as requests reach an API). Each task is a
//! warm pool of its instances (`TaskOf<NAME>`: the task's `init` per instance), as a
//! Lambda function is; `--prewarm N` initialises N instances of
//! each before the run, as a warmer would. Writes `report.txt` (the table), `concurrency.svg`
//! (the chart) and `warmup.json` (serverless-plugin-warmup settings sized from the run) to
//! `--out`, and prints the table. The run itself is `run.rs`, which `tests/token_load.rs` drives
//! with 1,000 executions.

mod run;

use run::LoadRun;
use std::path::PathBuf;

fn parse_args() -> Result<(LoadRun, PathBuf), String> {
    let mut args = LoadRun {
        executions: 100_000,
        rate: 5_000.0,
        prewarm: 0,
    };
    let mut out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/token-load");
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<f64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--executions" => args.executions = number(value()?)? as usize,
            "--rate" => args.rate = number(value()?)?,
            "--prewarm" => args.prewarm = number(value()?)? as usize,
            "--out" => out = PathBuf::from(value()?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if args.rate <= 0.0 || !args.rate.is_finite() {
        return Err("--rate must be a positive number".into());
    }
    Ok((args, out))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (args, out) = parse_args()?;
    eprintln!(
        "running {} executions at {} per second...",
        args.executions, args.rate
    );
    let result = run::run(&args).await?;
    let text = result.text(&args);
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("report.txt"), &text)?;
    std::fs::write(out.join("concurrency.svg"), result.report.to_svg())?;
    std::fs::write(
        out.join("warmup.json"),
        serde_json::to_string_pretty(&result.warmup)?,
    )?;
    print!("{text}");
    println!(
        "\nwrote report.txt, concurrency.svg and warmup.json to {}",
        out.display()
    );
    Ok(())
}
