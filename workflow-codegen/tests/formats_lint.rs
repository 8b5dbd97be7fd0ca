//! The ASL inside every deployment format is the definition itself: read back from the YAML,
//! the serverless block (references put back) and the CloudFormation template (substitutions
//! applied), each definition of ../shared (the origin's machines and asl-lint's valid test data)
//! is unchanged, passes workflow-core's validator, and passes asl-lint.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use workflow_codegen::deploy::{
    cloudformation, lower_camel, placeholder, serverless, tasks_of, upper_camel, Format, Target,
};
use workflow_core::asl::StateMachine;
use workflow_test_support::{shared, under_ci};

/// The origin's machines and asl-lint's valid test data.
fn definitions(origin: &Path, asl_lint: &Path) -> Vec<(String, StateMachine)> {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [origin.to_owned(), asl_lint.join("testdata/valid")] {
        for e in std::fs::read_dir(dir).expect("shared test data") {
            let p = e.expect("entry").path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".json") && !name.ends_with(".input.json") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let def =
                workflow_core::load(&text).unwrap_or_else(|e| panic!("{}: {e:?}", p.display()));
            let file = p.file_name().unwrap().to_string_lossy().into_owned();
            let stem = file
                .strip_suffix(".asl.json")
                .or_else(|| file.strip_suffix(".json"))
                .unwrap()
                .to_owned();
            (stem, def)
        })
        .collect()
}

fn substitute(v: &mut Value, from: &Value, to: &Value) {
    if v == from {
        *v = to.clone();
        return;
    }
    match v {
        Value::Object(m) => m.values_mut().for_each(|x| substitute(x, from, to)),
        Value::Array(a) => a.iter_mut().for_each(|x| substitute(x, from, to)),
        _ => {}
    }
}

#[test]
fn the_asl_inside_every_format_is_the_definition_and_passes_asl_lint() {
    let (Some(origin), Some(asl_lint)) = (shared("origin"), shared("tools/asl-lint")) else {
        return;
    };
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("formats-lint");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let mut written = Vec::new();
    for (name, def) in definitions(&origin, &asl_lint) {
        let tasks = tasks_of(&def);
        let target = Target {
            name: &name,
            definition: &def,
            tasks: &tasks,
            schemas: None,
        };
        let original = serde_json::to_value(&def).unwrap();

        let yaml: Value = serde_norway::from_str(&Format::Yaml.render(&target).unwrap()).unwrap();
        let mut from_serverless = serverless(&target)["stepFunctions"]["stateMachines"]
            [lower_camel(&name)]["definition"]
            .clone();
        let template = cloudformation(&target);
        let resource = template["Resources"].as_object().unwrap().values().next();
        let mut from_cfn = resource.unwrap()["Properties"]["Definition"].clone();
        for t in &tasks {
            let logical = format!("{}LambdaFunction", upper_camel(&t.name));
            substitute(
                &mut from_serverless,
                &json!({"Fn::GetAtt": [logical, "Arn"]}),
                &json!(t.resource),
            );
            let p = placeholder(&t.name);
            substitute(
                &mut from_cfn,
                &json!(format!("${{{p}}}")),
                &template["Parameters"][&p]["Default"],
            );
        }
        for (kind, asl) in [
            ("yaml", yaml),
            ("serverless", from_serverless),
            ("cfn", from_cfn),
        ] {
            assert_eq!(asl, original, "{name} via {kind}");
            let text = serde_json::to_string_pretty(&asl).unwrap();
            assert!(workflow_core::load(&text).is_ok(), "{name} via {kind}");
            let file = out.join(format!("{name}.{kind}.json"));
            std::fs::write(&file, text).unwrap();
            written.push(file);
        }
    }
    assert!(written.len() >= 3 * 13, "{}", written.len());
    let lint = asl_lint.join("asl-lint");
    match std::process::Command::new(&lint).args(&written).output() {
        // Status 2: asl-lint itself could not run (no node or npm here); CI must have it.
        Ok(o) if o.status.code() == Some(2) && !under_ci() => {
            eprintln!(
                "skipped asl-lint (it could not run): {}",
                String::from_utf8_lossy(&o.stdout)
            );
        }
        Ok(o) => assert!(
            o.status.success(),
            "asl-lint:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("{}: {e}", lint.display()),
    }
}
