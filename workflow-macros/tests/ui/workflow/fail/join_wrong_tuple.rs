use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct User { pub id: String }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Profile { pub name: String }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Orders { pub count: u64 }

#[task]
fn profile(id: String) -> Profile { Profile { name: id } }
#[task]
fn orders(id: String) -> Orders { Orders { count: id.len() as u64 } }

#[workflow]
fn overview(user: User) -> Profile {
    let (p, o): (Profile, Profile) = join!(profile(user.id), orders(user.id));
    p
}

fn main() {}
