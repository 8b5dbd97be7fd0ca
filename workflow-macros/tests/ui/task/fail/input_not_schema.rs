use workflow_macros::task;

pub struct Opaque { pub n: u64 }

#[task]
fn use_opaque(o: Opaque) -> u64 { o.n }

fn main() {}
