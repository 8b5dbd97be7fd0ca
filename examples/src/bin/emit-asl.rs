//! `emit-asl [--check]`: writes every example workflow to `examples/asl/<name>.asl.json`;
//! with `--check`, writes nothing and exits 1 when a committed file differs.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = match args.as_slice() {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => {
            eprintln!("usage: emit-asl [--check]");
            return ExitCode::from(2);
        }
    };
    match examples::emit(check) {
        Ok(files) => {
            let mut stale = false;
            for f in &files {
                match (check, f.changed) {
                    (true, true) => {
                        stale = true;
                        println!("differs: {}", f.path);
                    }
                    (true, false) => println!("up to date: {}", f.path),
                    (false, true) => println!("wrote {}", f.path),
                    (false, false) => println!("unchanged {}", f.path),
                }
            }
            if stale {
                eprintln!("emitted ASL differs from the committed files; run `cargo run -p examples --bin emit-asl` and commit the result");
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("emit-asl: {e}");
            ExitCode::FAILURE
        }
    }
}
