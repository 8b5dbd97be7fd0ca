//! Functions a `#[workflow]` body calls for states that are not tasks. In the body they become
//! states; the macro type-checks their arguments against these signatures, and they do nothing
//! when called elsewhere.

/// `sleep(seconds)`: a Wait state with `Seconds` (a literal) or `SecondsPath` (a field).
pub fn sleep(seconds: u64) {
    let _ = seconds;
}

/// `sleep_until(timestamp)`: a Wait state with `Timestamp` (a literal RFC 3339 string) or
/// `TimestampPath` (a field).
pub fn sleep_until<T: AsRef<str>>(timestamp: T) {
    let _ = timestamp.as_ref();
}
