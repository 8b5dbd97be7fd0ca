use workflow_macros::task;

pub struct Keys(u64);
fn make_keys() -> Keys { Keys(1) }

#[task(init = make_keys)]
fn no_state(token: u64) -> u64 { token }

#[task(init = make_keys)]
fn state_by_value(keys: Keys, token: u64) -> u64 { keys.0 + token }

#[task(init = make_keys)]
fn state_mut(keys: &mut Keys, token: u64) -> u64 { keys.0 + token }

#[task(init = "make_keys")]
fn init_not_a_path(keys: &Keys, token: u64) -> u64 { keys.0 + token }

fn main() {}
