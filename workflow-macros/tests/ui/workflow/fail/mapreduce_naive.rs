// The origin's first MapReduce: the Map writes its lengths next to the input, and the reduce
// function, which expects the list of lengths, is handed the whole input object.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Words { pub data: Vec<Word> }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Word { pub word: String }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Length { pub length: u64 }
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Total { pub total_length: u64 }

#[task]
async fn map_function(word: Word) -> Length { Length { length: word.word.len() as u64 } }

#[task]
async fn reduce_function(lengths: Vec<Length>) -> Total {
    Total { total_length: lengths.iter().map(|l| l.length).sum() }
}

#[workflow]
fn mapreduce(words: Words) -> Total {
    let mapped_results = words.data.map(map_function).max_concurrency(2);
    reduce_function(words)
}

fn main() {}
