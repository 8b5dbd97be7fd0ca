//! The `emit-asl` command as a library: a crate's `main` is one line.
//!
//! ```no_run
//! // src/bin/emit-asl.rs: every `#[workflow]` of the program registers itself.
//! use my_crate as _; // link the crate that declares the workflows
//! # mod my_crate {}
//! fn main() -> std::process::ExitCode {
//!     workflow_codegen::emit::main(env!("CARGO_MANIFEST_DIR"), workflow_codegen::registry::all())
//! }
//! ```
//!
//! ```text
//! emit-asl [NAME...] [--format F[,F...]] [--out DIR | --stdout] [--check]
//! emit-asl --list
//! emit-asl run NAME [--input JSON|@FILE]
//! ```
//! Without arguments, every workflow is written to `<package>/asl/<name>.asl.json` (paths come
//! from the package, not the working directory) and each file written is named on stdout.
//! `--check` writes nothing and exits 1 when a file on disk differs from what would be written
//! (`differs: FILE`) or is not there (`missing: FILE`).
//! Formats: see [`Format`]. Exit status: 0 done, 1 `--check` found differences or a run did not
//! succeed, 2 the command could not do its work (usage, unknown name, a workflow whose ASL does
//! not validate, a file that cannot be written).

use crate::deploy::{Format, Target, TaskRef};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use workflow_core::asl::StateMachine;
use workflow_core::run::{Execution, Status};

/// What `emit-asl` needs of a workflow.
pub trait Emit {
    /// The workflow's name: the file stem and the name on the command line.
    fn name(&self) -> &str;
    /// Its ASL definition, or why it cannot be produced.
    fn definition(&self) -> Result<StateMachine, String>;
    /// Its tasks, for the deployment formats.
    fn tasks(&self) -> Vec<TaskRef>;
    /// `{"input", "output", "tasks"}` JSON Schemas, when it has them.
    fn schemas(&self) -> Option<Value>;
    /// Runs one execution in-process with the workflow's real tasks, to its end.
    fn run(&self, input: Value) -> Result<Execution, String>;
    /// An input the default `emit-asl` run executes the workflow on, if it has one.
    fn sample_input(&self) -> Option<Value> {
        None
    }
}

/// A workflow declared in Rust: lowered with the default options, its tasks by their Rust
/// names, its schemas from schemars, run with its real task handlers.
impl Emit for crate::Workflow {
    fn name(&self) -> &str {
        &self.name
    }
    fn definition(&self) -> Result<StateMachine, String> {
        self.to_asl().map_err(|e| e.to_string())
    }
    fn tasks(&self) -> Vec<TaskRef> {
        let lower = crate::LowerOptions::default();
        crate::Workflow::tasks(self)
            .into_iter()
            .map(|t| {
                TaskRef::new(&t.name, lower.resource_arn(&t.resource)).with_warmer(t.warmer.clone())
            })
            .collect()
    }
    fn schemas(&self) -> Option<Value> {
        Some(crate::Workflow::schemas(self))
    }
    fn sample_input(&self) -> Option<Value> {
        self.sample_input.clone()
    }
    fn run(&self, input: Value) -> Result<Execution, String> {
        let workflow = self.in_process().map_err(|e| e.to_string())?;
        workflow_core::run::block_on(workflow.run_json(input))
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }
}

/// Lists may mix kinds: `Vec<Box<dyn Emit>>`.
impl<T: Emit + ?Sized> Emit for Box<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn definition(&self) -> Result<StateMachine, String> {
        (**self).definition()
    }
    fn tasks(&self) -> Vec<TaskRef> {
        (**self).tasks()
    }
    fn schemas(&self) -> Option<Value> {
        (**self).schemas()
    }
    fn run(&self, input: Value) -> Result<Execution, String> {
        (**self).run(input)
    }
    fn sample_input(&self) -> Option<Value> {
        (**self).sample_input()
    }
}

/// A workflow known only by its ASL (a hand-written definition, or a test): its tasks are its
/// Lambda functions, it has no schemas, and it cannot run (it has no task handlers).
#[derive(Debug, Clone)]
pub struct Fixed {
    /// The name.
    pub name: String,
    /// The definition.
    pub definition: StateMachine,
}

impl Emit for Fixed {
    fn name(&self) -> &str {
        &self.name
    }
    fn definition(&self) -> Result<StateMachine, String> {
        Ok(self.definition.clone())
    }
    fn tasks(&self) -> Vec<TaskRef> {
        crate::deploy::tasks_of(&self.definition)
    }
    fn schemas(&self) -> Option<Value> {
        None
    }
    fn run(&self, _input: Value) -> Result<Execution, String> {
        Err(format!(
            "`{}` is a plain ASL definition: it has no task handlers to run with",
            self.name
        ))
    }
}

/// Runs `emit-asl` with the process's arguments and streams; `package_dir` is
/// `env!("CARGO_MANIFEST_DIR")` of the calling crate.
pub fn main<E: Emit>(package_dir: &str, workflows: Vec<E>) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let args: Result<Vec<String>, _> = std::env::args_os()
        .skip(1)
        .map(|a| a.into_string())
        .collect();
    let Ok(args) = args else {
        let _ = writeln!(err, "emit-asl: every argument must be valid UTF-8");
        return ExitCode::from(2);
    };
    let package = Path::new(package_dir);
    ExitCode::from(run(&args, package, &workflows, &mut out, &mut err))
}

/// Runs `emit-asl` with `args` (without the program name); returns the exit status.
pub fn run<E: Emit>(
    args: &[String],
    package_dir: &Path,
    workflows: &[E],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    if let Some(name) = duplicate_name(workflows) {
        let _ = writeln!(
            err,
            "emit-asl: two workflows are named `{name}` and would write the same files; give one of them another name"
        );
        return 2;
    }
    let result = match Command::parse(args) {
        Ok(Command::Help) => writeln!(out, "{USAGE}").map(|()| 0).map_err(io_failure),
        Ok(Command::List) => list(workflows, out),
        Ok(Command::Run { name, input }) => run_one(workflows, &name, &input, out, err),
        Ok(Command::Emit(opts)) => emit(&opts, package_dir, workflows, out, err),
        Err(usage) => Err(format!("{usage}\n{USAGE}")),
    };
    match result {
        Ok(status) => status,
        Err(message) => {
            let _ = writeln!(err, "emit-asl: {message}");
            2
        }
    }
}

/// The first name two workflows share, if any.
fn duplicate_name<E: Emit>(workflows: &[E]) -> Option<&str> {
    let mut seen = std::collections::HashSet::new();
    workflows
        .iter()
        .map(Emit::name)
        .find(|name| !seen.insert(*name))
}

const USAGE: &str = "usage: emit-asl [NAME...] [--format F[,F...]] [--out DIR | --stdout] [--check]
       emit-asl --list
       emit-asl run NAME [--input JSON|@FILE]
formats: asl (default), yaml, serverless, cfn, schema, mermaid, dot";

fn io_failure(e: std::io::Error) -> String {
    format!("cannot write the output: {e}")
}

/// What the arguments ask for.
#[derive(Debug, PartialEq)]
enum Command {
    Help,
    List,
    Run { name: String, input: String },
    Emit(EmitOptions),
}

#[derive(Debug, PartialEq)]
struct EmitOptions {
    names: Vec<String>,
    formats: Vec<Format>,
    out: Option<PathBuf>,
    stdout: bool,
    check: bool,
}

impl Command {
    fn parse(args: &[String]) -> Result<Command, String> {
        let mut it = args.iter().map(String::as_str).peekable();
        if it.peek() == Some(&"run") {
            it.next();
            let mut name = None;
            let mut input = "{}".to_owned();
            while let Some(a) = it.next() {
                match a {
                    "--input" => input = value(&mut it, "--input")?.to_owned(),
                    _ if a.starts_with("--input=") => input = a["--input=".len()..].to_owned(),
                    _ if a.starts_with('-') => return Err(format!("unknown option `{a}` for run")),
                    _ if name.is_none() => name = Some(a.to_owned()),
                    _ => return Err(format!("run takes one NAME, and `{a}` is a second")),
                }
            }
            let name = name.ok_or("run needs the NAME of a workflow")?;
            return Ok(Command::Run { name, input });
        }
        let mut opts = EmitOptions {
            names: Vec::new(),
            formats: Vec::new(),
            out: None,
            stdout: false,
            check: false,
        };
        let mut list = false;
        while let Some(a) = it.next() {
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v)),
                _ => (a, None),
            };
            match flag {
                "-h" | "--help" => return Ok(Command::Help),
                "--list" => list = true,
                "--check" => opts.check = true,
                "--stdout" => opts.stdout = true,
                "--out" => {
                    let v = match inline {
                        Some(v) => v,
                        None => value(&mut it, "--out")?,
                    };
                    opts.out = Some(PathBuf::from(v));
                }
                "--format" => {
                    let v = match inline {
                        Some(v) => v,
                        None => value(&mut it, "--format")?,
                    };
                    for name in v.split(',') {
                        let f = Format::from_name(name.trim())
                            .ok_or_else(|| format!("unknown format `{name}`"))?;
                        if !opts.formats.contains(&f) {
                            opts.formats.push(f);
                        }
                    }
                }
                _ if a.starts_with('-') => return Err(format!("unknown option `{a}`")),
                _ => opts.names.push(a.to_owned()),
            }
        }
        if list {
            return Ok(Command::List);
        }
        if opts.stdout && (opts.check || opts.out.is_some()) {
            return Err("--stdout cannot be combined with --check or --out".to_owned());
        }
        if opts.formats.is_empty() {
            opts.formats.push(Format::Asl);
        }
        Ok(Command::Emit(opts))
    }
}

fn value<'a>(it: &mut impl Iterator<Item = &'a str>, flag: &str) -> Result<&'a str, String> {
    it.next().ok_or_else(|| format!("{flag} needs a value"))
}

fn list<E: Emit>(workflows: &[E], out: &mut dyn Write) -> Result<u8, String> {
    for w in workflows {
        writeln!(out, "{}", w.name()).map_err(io_failure)?;
    }
    Ok(0)
}

/// The workflows named (all of them when none is), or which name is unknown.
fn select<'a, E: Emit>(workflows: &'a [E], names: &[String]) -> Result<Vec<&'a E>, String> {
    if names.is_empty() {
        return Ok(workflows.iter().collect());
    }
    names
        .iter()
        .map(|n| {
            workflows.iter().find(|w| w.name() == n).ok_or_else(|| {
                let known: Vec<&str> = workflows.iter().map(Emit::name).collect();
                format!(
                    "no workflow is named `{n}` (there are: {})",
                    known.join(", ")
                )
            })
        })
        .collect()
}

fn emit<E: Emit>(
    opts: &EmitOptions,
    package_dir: &Path,
    workflows: &[E],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, String> {
    let selected = select(workflows, &opts.names)?;
    if opts.stdout && selected.len() * opts.formats.len() != 1 {
        return Err(format!(
            "--stdout prints one document: name one workflow and one format ({} workflows, {} formats asked)",
            selected.len(),
            opts.formats.len()
        ));
    }
    let (dir, shown) = match &opts.out {
        Some(d) => (d.clone(), d.clone()),
        None => (package_dir.join("asl"), PathBuf::from("asl")),
    };
    // Every document is made and checked before anything is written.
    let mut documents = Vec::new();
    for w in &selected {
        let definition = w.definition().map_err(|e| format!("{}: {e}", w.name()))?;
        let problems = workflow_core::validate(&definition);
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(|d| d.to_string()).collect();
            return Err(format!(
                "{}: the ASL does not validate: {}",
                w.name(),
                list.join("; ")
            ));
        }
        let (tasks, schemas) = (w.tasks(), w.schemas());
        let target = Target {
            name: w.name(),
            definition: &definition,
            tasks: &tasks,
            schemas: schemas.as_ref(),
        };
        for f in &opts.formats {
            let text = f.render(&target).map_err(|e| e.to_string())?;
            documents.push((format!("{}{}", w.name(), f.extension()), text));
        }
    }
    if opts.stdout {
        out.write_all(documents[0].1.as_bytes())
            .map_err(io_failure)?;
        return Ok(0);
    }
    if !opts.check {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut stale = 0;
    for (file, text) in &documents {
        let path = dir.join(file);
        let shown = shown.join(file);
        let on_disk = std::fs::read_to_string(&path).ok();
        let same = on_disk.as_deref() == Some(text.as_str());
        let line = match (opts.check, same) {
            (true, true) => format!("up to date: {}", shown.display()),
            (true, false) => {
                stale += 1;
                let what = if on_disk.is_some() {
                    "differs"
                } else {
                    "missing"
                };
                format!("{what}: {}", shown.display())
            }
            (false, true) => format!("unchanged {}", shown.display()),
            (false, false) => {
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
                format!("wrote {}", shown.display())
            }
        };
        writeln!(out, "{line}").map_err(io_failure)?;
    }
    if stale > 0 {
        let _ = writeln!(
            err,
            "emit-asl: {stale} file(s) differ from what would be emitted or are missing; run emit-asl without --check and commit the result"
        );
        return Ok(1);
    }
    let default_run = opts.names.is_empty() && opts.out.is_none() && !opts.check;
    if default_run {
        return run_samples(&selected, out);
    }
    Ok(0)
}

/// Runs every workflow that has a sample input, in-process, and prints the outcome: the end of
/// the default run, which thereby emits, validates and runs the examples.
fn run_samples<E: Emit>(workflows: &[&E], out: &mut dyn Write) -> Result<u8, String> {
    let mut status = 0;
    for w in workflows {
        let Some(input) = w.sample_input() else {
            continue;
        };
        let execution = w
            .run(input.clone())
            .map_err(|e| format!("{}: {e}", w.name()))?;
        let outcome = match (&execution.status, &execution.output) {
            (Status::Succeeded, Some(output)) => output.to_string(),
            (s, _) => {
                status = 1;
                format!(
                    "{} {} ({})",
                    s.as_str(),
                    execution.error.as_deref().unwrap_or_default(),
                    execution.cause.as_deref().unwrap_or_default()
                )
            }
        };
        writeln!(out, "ran {} in-process on {input}: {outcome}", w.name()).map_err(io_failure)?;
    }
    Ok(status)
}

fn run_one<E: Emit>(
    workflows: &[E],
    name: &str,
    input: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, String> {
    let w = select(workflows, &[name.to_owned()])?[0];
    let (label, text) = match input.strip_prefix('@') {
        Some(path) => (
            path.to_owned(),
            std::fs::read_to_string(path)
                .map_err(|e| format!("{path}: cannot read the file: {e}"))?,
        ),
        None => ("--input".to_owned(), input.to_owned()),
    };
    let input: Value = serde_json::from_str(&text).map_err(|e| {
        let message = e.to_string();
        let message = message
            .rfind(" at line ")
            .map_or(message.as_str(), |i| &message[..i]);
        format!(
            "{label}:{}:{}: not valid JSON: {message}",
            e.line(),
            e.column().max(1)
        )
    })?;
    let execution = w.run(input).map_err(|e| format!("{name}: {e}"))?;
    let (value, status) = match (execution.status, execution.output) {
        (Status::Succeeded, Some(output)) => (output, 0),
        (status, _) => {
            let _ = writeln!(err, "execution {}", status.as_str());
            let error = execution
                .error
                .unwrap_or_else(|| status.as_str().to_owned());
            let cause = execution.cause.unwrap_or_default();
            (serde_json::json!({ "Error": error, "Cause": cause }), 1)
        }
    };
    let text = serde_json::to_string_pretty(&value).expect("JSON values always serialize");
    writeln!(out, "{text}").map_err(io_failure)?;
    Ok(status)
}

#[cfg(test)]
mod tests;
