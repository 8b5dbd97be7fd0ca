//! `emit-asl`: every example workflow to `examples/asl/`, in any output format; `--check` for
//! CI; `run NAME --input JSON` runs one in-process. See `workflow_codegen::emit`.

// Links the examples crate, whose `#[workflow]`s register themselves in the registry.
use examples as _;

fn main() -> std::process::ExitCode {
    workflow_codegen::emit::main(
        env!("CARGO_MANIFEST_DIR"),
        workflow_codegen::registry::all(),
    )
}
