//! The per-module token check in-process: each path of the flow, the routing to each module's
//! verifier, and the verifiers' one-time initialisation.

use examples::token_modules::{self, Module, SigningKey, Status, TokenRequest, Verdict};
use serde_json::json;
use workflow_codegen::RunError;

fn request(module: Module, token: String) -> TokenRequest {
    TokenRequest {
        module,
        token,
        now: 1_000,
    }
}

fn valid(module: Module, user: &str, expires: u64) -> String {
    SigningKey::derive(module).sign(module, user, expires)
}

#[tokio::test]
async fn each_module_is_verified_by_its_own_verifier() {
    let wf = token_modules::token_modules::definition()
        .in_process()
        .unwrap();
    for module in Module::ALL {
        let verdict: Verdict = wf
            .run(&request(module, valid(module, "alice", 2_000)))
            .await
            .unwrap();
        assert_eq!(verdict.status, Status::Success, "{module:?}");
        assert_eq!(verdict.module, module);
        // A token of this module sent as another module's is rejected by that verifier: the
        // Choice routed it there.
        let other = Module::ALL[(module as usize + 1) % 4];
        let e = wf
            .run::<_, Verdict>(&request(other, valid(module, "alice", 2_000)))
            .await
            .unwrap_err();
        let RunError::Failed { error, cause, .. } = e else {
            panic!("{e:?}")
        };
        assert_eq!(error, "WrongModule");
        assert!(
            cause.contains(&format!("the `{}` verifier", other.as_str())),
            "{cause}"
        );
    }
}

#[tokio::test]
async fn a_forged_token_fails_the_flow() {
    let mut token = valid(Module::Users, "bob", 2_000);
    token.replace_range(token.len() - 4.., "beef");
    let e = token_modules::token_modules::run(request(Module::Users, token))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        RunError::Failed {
            status: "FAILED",
            error: "TaskFailed".into(),
            cause: "The task has failed".into()
        }
    );
}

#[tokio::test]
async fn an_expired_token_is_refreshed_unless_the_user_is_blocked() {
    let verdict = token_modules::token_modules::run(request(
        Module::Billing,
        valid(Module::Billing, "alice", 500),
    ))
    .await
    .unwrap();
    assert_eq!(
        verdict,
        Verdict {
            status: Status::Success,
            user: "alice".into(),
            module: Module::Billing,
            token: "billing.alice.refreshed".into()
        }
    );
    let e = token_modules::token_modules::run(request(
        Module::Reports,
        valid(Module::Reports, "mallory", 500),
    ))
    .await
    .unwrap_err();
    let RunError::Failed { error, cause, .. } = e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (error.as_str(), cause.as_str()),
        ("UserBlocked", "user mallory is blocked")
    );
}

#[tokio::test]
async fn malformed_tokens_and_unknown_modules_are_refused() {
    let e = token_modules::token_modules::run(request(Module::Orders, "garbage".into()))
        .await
        .unwrap_err();
    let RunError::Failed { error, .. } = e else {
        panic!("{e:?}")
    };
    assert_eq!(error, "Malformed");
    // The module is an enum: an unknown one does not match the input schema.
    let wf = token_modules::token_modules::definition()
        .in_process()
        .unwrap();
    let e = wf
        .run_json(json!({"module": "payroll", "token": "x", "now": 1}))
        .await
        .unwrap_err();
    assert!(matches!(e, RunError::Input { .. }), "{e:?}");
}

/// The sample input's signature is fixed text: this fails if std's `DefaultHasher` changes.
#[test]
fn the_sample_input_is_an_expired_billing_token() {
    let sample = examples::all()
        .into_iter()
        .find(|w| w.name == "token_modules")
        .and_then(|w| w.sample_input)
        .unwrap();
    assert_eq!(sample["token"], valid(Module::Billing, "alice", 500));
}
