//! `#[task]` and `#[workflow]` procedural macros: thin shims over
//! [`workflow_codegen::frontend`], where the parsing, checking and code generation live (and
//! are unit-tested). Set `WORKFLOW_MACROS_DEBUG=1` to print each expansion at build time.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

/// Marks a function as a task: a Task state of any workflow that calls it.
///
/// ```ignore
/// #[task(resource = "map-reduce-step-functions-dev-mapFunction", timeout = 10,
///        retry(errors = ["States.Timeout"], max_attempts = 2))]
/// async fn map_function(word: Word) -> Length { .. }
/// ```
/// The fn is left as written; a hidden companion `__task_map_function` carries its input,
/// output and error types, its settings and a JSON handler for in-process runs, and the fn's
/// name is also that companion as a type (`type map_function = __task_map_function`), so
/// runtimes take the task by its own name: `workflow_lambda::lambda::run_task::<map_function>()`.
#[proc_macro_attribute]
pub fn task(attr: TokenStream, item: TokenStream) -> TokenStream {
    debug(
        "task",
        workflow_codegen::frontend::expand_task(attr.into(), item.into()),
    )
}

/// Turns a function into a workflow: its body, in a subset of Rust, becomes a state machine.
///
/// The fn is replaced by a module of the same name with `definition()` (the workflow IR, whose
/// `to_asl()` is the state machine); see docs/dsl.md for the constructs and what they lower to.
#[proc_macro_attribute]
pub fn workflow(attr: TokenStream, item: TokenStream) -> TokenStream {
    debug(
        "workflow",
        workflow_codegen::frontend::expand_workflow(attr.into(), item.into()),
    )
}

fn debug(which: &str, out: proc_macro2::TokenStream) -> TokenStream {
    if std::env::var_os("WORKFLOW_MACROS_DEBUG").is_some_and(|v| v == "1") {
        eprintln!("#[{which}] expansion:\n{out}");
    }
    out.into()
}
