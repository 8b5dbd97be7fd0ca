//! The origin's MapReduce, correctly wired: the Map's list of lengths is what `reduce_function`
//! receives. [`mapreduce`] lowers to JSONPath, [`mapreduce_jsonata`] (the same body) to JSONata.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use workflow_macros::{task, workflow};

/// The workflow input: the words to measure.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Words {
    /// One object per word.
    pub data: Vec<Word>,
}

/// One word.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Word {
    /// The word.
    pub word: String,
}

/// The length of one word.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Length {
    /// Its length in characters.
    pub length: u64,
}

/// The sum of the lengths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Total {
    /// The total length.
    pub total_length: u64,
}

/// Measures one word.
#[task(resource = "map-reduce-step-functions-dev-mapFunction")]
pub async fn map_function(word: Word) -> Length {
    Length {
        length: word.word.chars().count() as u64,
    }
}

/// Sums the lengths.
#[task(resource = "map-reduce-step-functions-dev-reduceFunction")]
pub async fn reduce_function(lengths: Vec<Length>) -> Total {
    Total {
        total_length: lengths.iter().map(|l| l.length).sum(),
    }
}

/// A simple AWS Step Functions example for MapReduce using Map state
#[workflow(sample_input = r#"{"data": [
    {"word": "apple"}, {"word": "banana"}, {"word": "cherry"}, {"word": "date"},
    {"word": "elderberry"}, {"word": "fig"}, {"word": "grape"}
]}"#)]
pub fn mapreduce(words: Words) -> Total {
    let mapped_results = words.data.map(map_function).max_concurrency(2);
    reduce_function(mapped_results)
}

/// A simple AWS Step Functions example for MapReduce using Map state, in JSONata: the Map's
/// result is the variable `$mapped_results`
#[workflow(
    query_language = "JSONata",
    sample_input = r#"{"data": [
    {"word": "apple"}, {"word": "banana"}, {"word": "cherry"}, {"word": "date"},
    {"word": "elderberry"}, {"word": "fig"}, {"word": "grape"}
]}"#
)]
pub fn mapreduce_jsonata(words: Words) -> Total {
    let mapped_results = words.data.map(map_function).max_concurrency(2);
    reduce_function(mapped_results)
}
