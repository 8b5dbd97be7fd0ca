//! Names for deployment files, from Rust-style or ARN-style names.

/// The words of a name: split at `_`, `-`, spaces, other punctuation and lower-to-upper case
/// changes (`map_function`, `mapFunction` and `map-function` all give `map`, `function`).
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// `map_function` -> `MapFunction`: CloudFormation logical ids and parameter names (ASCII
/// letters and digits only).
pub fn upper_camel(name: &str) -> String {
    let s: String = words(name).iter().map(|w| capitalized(w)).collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("X{s}")
    } else {
        s
    }
}

/// `map_function` -> `mapFunction`: serverless.yml function and state machine keys.
pub fn lower_camel(name: &str) -> String {
    let upper = upper_camel(name);
    let mut chars = upper.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => upper,
    }
}

/// `map_function` -> `map-function`: cargo binary names (cargo-lambda builds one function per
/// binary).
pub fn kebab(name: &str) -> String {
    let w: Vec<String> = words(name).iter().map(|w| w.to_ascii_lowercase()).collect();
    w.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_camel_and_kebab_names_give_the_same_words() {
        assert_eq!(upper_camel("map_function"), "MapFunction");
        assert_eq!(upper_camel("mapFunction"), "MapFunction");
        assert_eq!(
            upper_camel("map-reduce-step-functions-dev-mapFunction"),
            "MapReduceStepFunctionsDevMapFunction"
        );
        assert_eq!(lower_camel("map_function"), "mapFunction");
        assert_eq!(lower_camel("InitialFunction"), "initialFunction");
        assert_eq!(upper_camel("2fa check"), "X2faCheck");
        assert_eq!(upper_camel("ARNValue"), "ARNValue");
        assert_eq!(kebab("verify_orders"), "verify-orders");
        assert_eq!(kebab("initialFunction"), "initial-function");
        assert_eq!(kebab("VerifyToken-orders"), "verify-token-orders");
    }
}
