use workflow_macros::task;

#[task]
fn no_input() -> u64 { 1 }

#[task]
fn two_inputs(a: u64, b: u64) -> u64 { a + b }

#[task]
fn generic<T>(_t: T) -> u64 { 1 }

#[task(resourc = "x")]
fn unknown_setting(n: u64) -> u64 { n }

#[task(timeout = 10, heartbeat = 20)]
fn heartbeat_too_long(n: u64) -> u64 { n }

fn main() {}
