//! The token flows' task binaries (`verify-orders`, `refresh-token`, ...: each
//! `workflow_lambda::lambda::run_task::<task>()`) against a local Lambda Runtime API:
//! invocations are served with the same output and ASL error names as the `#[task]` in-process,
//! and a warmer's call returns early.
//!
//! The endpoint is a small HTTP/1.1 server on 127.0.0.1 implementing
//! `GET /2018-06-01/runtime/invocation/next` and `POST .../invocation/{id}/response|error`.

use examples::token_modules::{verify_orders, Module, SigningKey};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use workflow_core::task::{TaskContext, TaskHandler};
use workflow_lambda::{TaskOf, WarmPool};

/// An invocation to hand out: request id, payload, optional client context header.
type Invocation = (String, Value, Option<String>);

#[derive(Default)]
struct State {
    pending: VecDeque<Invocation>,
    /// request id -> ("response" | "error", body)
    results: HashMap<String, (String, Value)>,
    init_error: Option<Value>,
}

struct RuntimeApi {
    state: Mutex<State>,
    changed: Condvar,
}

struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut length = 0;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "transfer-encoding" => chunked = value.trim().eq_ignore_ascii_case("chunked"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some(Request { method, path, body })
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
}

impl RuntimeApi {
    /// Starts the endpoint; returns it and its `host:port`.
    fn start(invocations: Vec<Invocation>) -> (Arc<RuntimeApi>, String) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let address = listener.local_addr().unwrap().to_string();
        let api = Arc::new(RuntimeApi {
            state: Mutex::new(State {
                pending: invocations.into(),
                ..State::default()
            }),
            changed: Condvar::new(),
        });
        let server = Arc::clone(&api);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let api = Arc::clone(&server);
                std::thread::spawn(move || api.serve(stream));
            }
        });
        (api, address)
    }

    fn serve(&self, stream: TcpStream) {
        let mut writer = stream.try_clone().expect("clone stream");
        let mut reader = BufReader::new(stream);
        while let Some(req) = read_request(&mut reader) {
            let base = "/2018-06-01/runtime";
            match (req.method.as_str(), req.path.strip_prefix(base)) {
                ("GET", Some("/invocation/next")) => {
                    let (id, payload, client_context) = self.next();
                    let mut headers = vec![
                        ("Content-Type", "application/json".to_owned()),
                        ("Lambda-Runtime-Aws-Request-Id", id),
                        ("Lambda-Runtime-Deadline-Ms", deadline_ms()),
                        (
                            "Lambda-Runtime-Invoked-Function-Arn",
                            "arn:aws:lambda:us-east-1:123456789012:function:VerifyToken-orders"
                                .to_owned(),
                        ),
                        ("Lambda-Runtime-Trace-Id", "Root=1-0-0;Sampled=0".to_owned()),
                    ];
                    if let Some(cc) = client_context {
                        headers.push(("Lambda-Runtime-Client-Context", cc));
                    }
                    respond(
                        &mut writer,
                        "200 OK",
                        &headers,
                        payload.to_string().as_bytes(),
                    );
                }
                ("POST", Some(rest)) => {
                    let body: Value = serde_json::from_slice(&req.body).unwrap_or_else(|_| {
                        Value::String(String::from_utf8_lossy(&req.body).into())
                    });
                    let mut state = self.state.lock().unwrap();
                    if rest == "/init/error" {
                        state.init_error = Some(body);
                    } else if let Some(rest) = rest.strip_prefix("/invocation/") {
                        if let Some((id, kind)) = rest.split_once('/') {
                            state.results.insert(id.to_owned(), (kind.to_owned(), body));
                        }
                    }
                    drop(state);
                    self.changed.notify_all();
                    respond(&mut writer, "202 Accepted", &[], br#"{"status":"OK"}"#);
                }
                _ => respond(&mut writer, "404 Not Found", &[], b"{}"),
            }
        }
    }

    /// The next invocation; blocks (as the real endpoint does) while there is none.
    fn next(&self) -> Invocation {
        let mut state = self.state.lock().unwrap();
        loop {
            if let Some(inv) = state.pending.pop_front() {
                return inv;
            }
            state = self.changed.wait(state).unwrap();
        }
    }

    /// Waits until `n` results are in, or the init failed, or `timeout` passes.
    fn wait_results(&self, n: usize, timeout: Duration) -> State {
        let end = Instant::now() + timeout;
        let mut state = self.state.lock().unwrap();
        while state.results.len() < n && state.init_error.is_none() && Instant::now() < end {
            state = self
                .changed
                .wait_timeout(state, Duration::from_millis(100))
                .unwrap()
                .0;
        }
        std::mem::take(&mut *state)
    }
}

fn deadline_ms() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    (now.as_millis() + 30_000).to_string()
}

/// Kills the function process when the test ends, whatever happens.
struct Function(Child);

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_function(binary: &str, name: &str, api: &str) -> Function {
    Function(
        Command::new(binary)
            .env("AWS_LAMBDA_RUNTIME_API", api)
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .spawn()
            .unwrap_or_else(|e| panic!("start {binary}: {e}")),
    )
}

/// Serves `invocations` with `binary` (as function `name`) and returns the results.
fn serve(binary: &str, name: &str, invocations: Vec<Invocation>) -> State {
    let n = invocations.len();
    let (api, address) = RuntimeApi::start(invocations);
    let _function = start_function(binary, name, &address);
    let state = api.wait_results(n, Duration::from_secs(60));
    assert_eq!(state.init_error, None, "{name} failed to initialise");
    assert_eq!(state.results.len(), n, "{name}: {:?}", state.results);
    state
}

fn request(module: Module, token: &str, now: u64) -> Value {
    json!({"module": module, "token": token, "now": now})
}

#[test]
fn the_verify_orders_binary_serves_the_task_with_its_in_process_outputs_and_error_names() {
    let key = SigningKey::derive(Module::Orders);
    let good = key.sign(Module::Orders, "alice", 2_000);
    let mut forged = key.sign(Module::Orders, "bob", 2_000);
    forged.replace_range(forged.len() - 1.., "x");
    let users_token = SigningKey::derive(Module::Users).sign(Module::Users, "carol", 2_000);
    let cases: Vec<(&str, Value, Option<String>)> = vec![
        ("valid", request(Module::Orders, &good, 1_000), None),
        ("expired", request(Module::Orders, &good, 3_000), None),
        ("forged", request(Module::Orders, &forged, 1_000), None),
        (
            "malformed",
            request(Module::Orders, "not-a-token", 1_000),
            None,
        ),
        (
            "wrong-module",
            request(Module::Orders, &users_token, 1_000),
            None,
        ),
        ("bad-input", json!(42), None),
        (
            "warmup",
            json!({"source": "serverless-plugin-warmup"}),
            None,
        ),
        (
            "warmup-context",
            json!({}),
            Some(r#"{"custom": {"source": "serverless-plugin-warmup"}}"#.to_owned()),
        ),
    ];
    let invocations = cases
        .iter()
        .map(|(id, payload, cc)| (id.to_string(), payload.clone(), cc.clone()))
        .collect();
    let state = serve(
        env!("CARGO_BIN_EXE_verify-orders"),
        "VerifyToken-orders",
        invocations,
    );

    // Responses equal what the same `#[task]` gives in-process, on a warm pool of its own.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pool = WarmPool::new(TaskOf::<verify_orders>::new());
    let in_process = |payload: &Value| {
        rt.block_on(pool.invoke(
            workflow_core::value::Val::from(payload),
            TaskContext::new("VerifyToken-orders", "VerifyOrders"),
        ))
    };
    for (id, payload, _) in &cases[..6] {
        let (kind, body) = &state.results[*id];
        match in_process(payload) {
            Ok(out) => {
                assert_eq!(kind, "response", "{id}: {body}");
                assert_eq!(body, &out, "{id}");
            }
            Err(e) => {
                assert_eq!(kind, "error", "{id}: {body}");
                assert_eq!(body["errorType"], e.error, "{id}");
                assert_eq!(body["errorMessage"], e.cause, "{id}");
            }
        }
    }
    let status = |id: &str| state.results[id].1["status"].clone();
    assert_eq!(status("valid"), "success");
    assert_eq!(status("expired"), "expired");
    assert_eq!(status("forged"), "failure");
    // The error enum's variant names (`VerifyError::Malformed`, ...) are the `errorType`s.
    assert_eq!(state.results["malformed"].1["errorType"], "Malformed");
    assert_eq!(state.results["wrong-module"].1["errorType"], "WrongModule");
    assert_eq!(
        state.results["bad-input"].1["errorType"],
        "States.TaskFailed"
    );
    // A warmer's call returns early, by payload or by client context, without running the task
    // (which would have failed on these inputs).
    assert_eq!(
        state.results["warmup"],
        ("response".to_owned(), json!("warm"))
    );
    assert_eq!(
        state.results["warmup-context"],
        ("response".to_owned(), json!("warm"))
    );
}

#[test]
fn each_module_binary_verifies_its_own_module_only() {
    for (module, binary) in [
        (Module::Users, env!("CARGO_BIN_EXE_verify-users")),
        (Module::Billing, env!("CARGO_BIN_EXE_verify-billing")),
        (Module::Reports, env!("CARGO_BIN_EXE_verify-reports")),
    ] {
        let token = SigningKey::derive(module).sign(module, "dave", 2_000);
        let orders = SigningKey::derive(Module::Orders).sign(Module::Orders, "dave", 2_000);
        let state = serve(
            binary,
            &module.verifier(),
            vec![
                ("own".into(), request(module, &token, 1_000), None),
                ("other".into(), request(module, &orders, 1_000), None),
            ],
        );
        assert_eq!(
            state.results["own"],
            (
                "response".to_owned(),
                json!({"status": "success", "user": "dave", "module": module, "token": token})
            ),
            "{module:?}"
        );
        assert_eq!(state.results["other"].0, "error", "{module:?}");
        assert_eq!(
            state.results["other"].1["errorType"], "WrongModule",
            "{module:?}"
        );
    }
}

#[test]
fn the_refresh_token_binary_serves_typed_io_and_its_error_variant_is_the_error_type() {
    let verdict = |user: &str| json!({"status": "expired", "user": user, "module": "orders", "token": "orders.x.1.0"});
    let state = serve(
        env!("CARGO_BIN_EXE_refresh-token"),
        "RefreshToken",
        vec![
            ("ok".into(), verdict("alice"), None),
            ("blocked".into(), verdict("mallory"), None),
            ("bad-input".into(), json!({"user": 7}), None),
            (
                "warmup".into(),
                json!({"source": "serverless-plugin-warmup"}),
                None,
            ),
        ],
    );
    assert_eq!(
        state.results["ok"],
        (
            "response".to_owned(),
            json!({"status": "success", "user": "alice", "module": "orders",
                   "token": "orders.alice.refreshed"})
        )
    );
    let (kind, body) = &state.results["blocked"];
    assert_eq!(kind, "error");
    assert_eq!(body["errorType"], "UserBlocked");
    assert_eq!(body["errorMessage"], "user mallory is blocked");
    let (kind, body) = &state.results["bad-input"];
    assert_eq!(kind, "error");
    assert_eq!(body["errorType"], "States.TaskFailed");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("task `refresh_token`: the input is not"),
        "{body}"
    );
    assert_eq!(
        state.results["warmup"],
        ("response".to_owned(), json!("warm"))
    );
}

#[test]
fn the_token_flow_binaries_serve_their_tasks() {
    let state = serve(
        env!("CARGO_BIN_EXE_initial-function"),
        "InitialFunction",
        vec![
            ("valid".into(), json!({"token": "valid-1"}), None),
            ("other".into(), json!({"token": "expired"}), None),
        ],
    );
    assert_eq!(
        state.results["valid"],
        (
            "response".to_owned(),
            json!({"status": "success", "token": "valid-1"})
        )
    );
    assert_eq!(
        state.results["other"].1,
        json!({"status": "unknown", "token": "expired"})
    );
    let state = serve(
        env!("CARGO_BIN_EXE_default-function"),
        "DefaultFunction",
        vec![(
            "refresh".into(),
            json!({"status": "unknown", "token": "expired"}),
            None,
        )],
    );
    assert_eq!(
        state.results["refresh"],
        (
            "response".to_owned(),
            json!({"status": "success", "token": "refreshed-expired"})
        )
    );
}
