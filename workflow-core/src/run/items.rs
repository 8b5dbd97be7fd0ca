//! Distributed Map inputs: `ItemReader` over an in-process object store, and `ItemBatcher`.
//!
//! The service reads items from Amazon S3 (`arn:aws:states:::s3:getObject` with a
//! `ReaderConfig.InputType` of JSON, JSONL or CSV, and `arn:aws:states:::s3:listObjectsV2`).
//! In-process, buckets come from an [`ItemSource`]: files under a directory
//! ([`LocalFiles`]) or objects held in memory ([`InMemory`]); a `ResultWriter` writes to the
//! same kinds of store (see `results`).

use crate::error::{names, StatesError};
use crate::val;
use crate::value::{Object, Val};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// The object's key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Where an `ItemReader` reads: buckets of objects by key.
pub trait ItemSource: Send + Sync + Debug {
    /// The bytes of one object.
    fn get_object(&self, bucket: &str, key: &str) -> Result<Vec<u8>, String>;
    /// The objects of a bucket whose key starts with `prefix`, in key order.
    fn list_objects(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, String>;
}

/// Buckets as directories under a root: object `s3://B/K` is the file `ROOT/B/K`.
#[derive(Debug, Clone)]
pub struct LocalFiles {
    root: PathBuf,
}

impl LocalFiles {
    /// Objects under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalFiles { root: root.into() }
    }

    fn bucket(&self, bucket: &str) -> Result<PathBuf, String> {
        if bucket.is_empty() || bucket.contains(['/', '\\']) || bucket == ".." {
            return Err(format!("`{bucket}` is not a bucket name"));
        }
        Ok(self.root.join(bucket))
    }

    /// The file of object `bucket/key`; refused when the key would lead out of the bucket (an
    /// absolute path, `..`) or names no file.
    pub(crate) fn object_path(&self, bucket: &str, key: &str) -> Result<PathBuf, String> {
        let rel = Path::new(key);
        let plain = rel.components().all(|c| matches!(c, Component::Normal(_)));
        if key.is_empty() || !plain || key.contains('\\') {
            return Err(format!("`{key}` is not a key inside the bucket"));
        }
        Ok(self.bucket(bucket)?.join(rel))
    }
}

impl ItemSource for LocalFiles {
    fn get_object(&self, bucket: &str, key: &str) -> Result<Vec<u8>, String> {
        let path = self.object_path(bucket, key)?;
        std::fs::read(&path).map_err(|e| format!("s3://{bucket}/{key}: {e}"))
    }

    fn list_objects(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, String> {
        let root = self.bucket(bucket)?;
        let mut out = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| format!("s3://{bucket}: {e}"))?;
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(meta) = entry.metadata() else { continue };
                if meta.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let Ok(rel) = path.strip_prefix(&root) else {
                    continue;
                };
                let key = rel.to_string_lossy().replace('\\', "/");
                if key.starts_with(prefix) {
                    out.push(ObjectInfo {
                        key,
                        size: meta.len(),
                    });
                }
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }
}

/// Objects held in memory, for tests; results written to it can be read back.
#[derive(Debug, Default)]
pub struct InMemory {
    objects: Mutex<BTreeMap<(String, String), Vec<u8>>>,
}

impl Clone for InMemory {
    fn clone(&self) -> Self {
        InMemory {
            objects: Mutex::new(self.objects().clone()),
        }
    }
}

impl InMemory {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the object `bucket/key`.
    pub fn put(&mut self, bucket: &str, key: &str, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.insert(bucket, key, bytes.into());
        self
    }

    /// The bytes of object `bucket/key`, if there is one.
    pub fn object(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        self.objects()
            .get(&(bucket.to_owned(), key.to_owned()))
            .cloned()
    }

    pub(crate) fn insert(&self, bucket: &str, key: &str, bytes: Vec<u8>) {
        self.objects()
            .insert((bucket.to_owned(), key.to_owned()), bytes);
    }

    /// The objects (a panic elsewhere while the lock was held leaves them usable).
    fn objects(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), Vec<u8>>> {
        self.objects.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl ItemSource for InMemory {
    fn get_object(&self, bucket: &str, key: &str) -> Result<Vec<u8>, String> {
        self.object(bucket, key)
            .ok_or_else(|| format!("s3://{bucket}/{key} does not exist"))
    }

    fn list_objects(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, String> {
        Ok(self
            .objects()
            .iter()
            .filter(|((b, k), _)| b == bucket && k.starts_with(prefix))
            .map(|((_, k), v)| ObjectInfo {
                key: k.clone(),
                size: v.len() as u64,
            })
            .collect())
    }
}

fn reader_failed(cause: impl Into<String>) -> StatesError {
    StatesError::new(names::ITEM_READER_FAILED, cause)
}

/// Reads the items of an `ItemReader` whose (evaluated) parameters are `params`.
pub(crate) fn read_items(
    source: Option<&dyn ItemSource>,
    resource: &str,
    params: &Val,
    config: Option<&Val>,
) -> Result<Vec<Val>, StatesError> {
    let source = source.ok_or_else(|| {
        reader_failed("no item source is configured (RunOptions::item_source) for this ItemReader")
    })?;
    let text = |k: &str| params.get(k).and_then(Val::as_str).unwrap_or_default();
    let config = config.and_then(Val::as_object);
    let conf = |k: &str| config.and_then(|c| c.get(k));
    let bucket = text("Bucket");
    let mut items = if resource.ends_with(":s3:listObjectsV2") {
        source
            .list_objects(bucket, text("Prefix"))
            .map_err(reader_failed)?
            .into_iter()
            .map(|o| val!({ "Key": o.key, "Size": o.size, "StorageClass": "STANDARD" }))
            .collect()
    } else if resource.ends_with(":s3:getObject") {
        let bytes = source
            .get_object(bucket, text("Key"))
            .map_err(reader_failed)?;
        let body = String::from_utf8(bytes).map_err(|e| reader_failed(e.to_string()))?;
        match conf("InputType").and_then(Val::as_str).unwrap_or("JSON") {
            "JSON" => match serde_json::from_str::<Val>(&body).map(Val::into_items) {
                Ok(Some(items)) => items,
                Ok(None) => return Err(reader_failed("the JSON object is not an array")),
                Err(e) => return Err(reader_failed(format!("the object is not JSON: {e}"))),
            },
            "JSONL" => body
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).map_err(|e| reader_failed(format!("JSONL: {e}"))))
                .collect::<Result<_, _>>()?,
            "CSV" => {
                let given = conf("CSVHeaderLocation").and_then(Val::as_str) == Some("GIVEN");
                let headers = conf("CSVHeaders").and_then(Val::as_array).map(|h| {
                    h.iter()
                        .map(|v| v.as_str().unwrap_or_default().to_owned())
                        .collect::<Vec<_>>()
                });
                csv_items(&body, if given { headers } else { None })?
            }
            other => {
                return Err(reader_failed(format!(
                    "InputType `{other}` is not supported in-process (JSON, JSONL, CSV are)"
                )))
            }
        }
    } else {
        return Err(reader_failed(format!(
            "ItemReader resource `{resource}` is not supported in-process (s3:getObject and s3:listObjectsV2 are)"
        )));
    };
    if let Some(max) = conf("MaxItems").and_then(Val::as_u64) {
        items.truncate(max as usize);
    }
    Ok(items)
}

/// CSV rows as objects keyed by the header row (or the given headers); values are strings.
fn csv_items(body: &str, headers: Option<Vec<String>>) -> Result<Vec<Val>, StatesError> {
    let mut rows = parse_csv(body).into_iter();
    let headers = match headers {
        Some(h) => h,
        None => rows
            .next()
            .ok_or_else(|| reader_failed("the CSV object has no header row"))?,
    };
    Ok(rows
        .map(|row| {
            let mut m = Object::with_capacity(headers.len());
            for (i, h) in headers.iter().enumerate() {
                m.insert(
                    h.as_str(),
                    Val::from(row.get(i).cloned().unwrap_or_default()),
                );
            }
            Val::object(m)
        })
        .collect())
}

/// RFC 4180 fields: commas, double quotes with `""` escapes, CRLF or LF rows.
fn parse_csv(body: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// `ItemBatcher`: groups items into `{"Items": [...], "BatchInput": ...}` inputs.
pub(crate) fn batch(
    items: Vec<Val>,
    max_items: Option<u64>,
    max_bytes: Option<u64>,
    batch_input: Option<&Val>,
) -> Vec<Val> {
    let mut batches = Vec::new();
    let mut current: Vec<Val> = Vec::new();
    let mut bytes = 0u64;
    for item in items {
        let size = item.json_len() as u64;
        let full_items = max_items.is_some_and(|m| current.len() as u64 >= m.max(1));
        let full_bytes = max_bytes.is_some_and(|m| !current.is_empty() && bytes + size > m);
        if full_items || full_bytes {
            batches.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push(item);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
        .into_iter()
        .map(|items| {
            let mut m = Object::with_capacity(2);
            if let Some(b) = batch_input {
                m.insert("BatchInput", b.clone());
            }
            m.insert("Items", Val::array(items));
            Val::object(m)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_become_objects_keyed_by_the_header_with_quotes_and_escapes() {
        let items = csv_items(
            "name,note\nada,\"likes, commas\"\nbob,\"say \"\"hi\"\"\"\n",
            None,
        )
        .unwrap();
        assert_eq!(
            items,
            vec![
                val!({"name": "ada", "note": "likes, commas"}),
                val!({"name": "bob", "note": "say \"hi\""})
            ]
        );
    }

    #[test]
    fn reads_json_jsonl_csv_and_listings_from_memory_with_max_items() {
        let mut store = InMemory::new();
        store
            .put("b", "a.json", "[1, 2, 3]")
            .put("b", "a.jsonl", "{\"x\":1}\n{\"x\":2}\n")
            .put("b", "a.csv", "1,2\n3,4\n");
        let p = |k: &str| val!({"Bucket": "b", "Key": k});
        let get = "arn:aws:states:::s3:getObject";
        assert_eq!(
            read_items(Some(&store), get, &p("a.json"), None).unwrap(),
            vec![val!(1), val!(2), val!(3)]
        );
        let jsonl = val!({"InputType": "JSONL", "MaxItems": 1});
        assert_eq!(
            read_items(Some(&store), get, &p("a.jsonl"), Some(&jsonl)).unwrap(),
            vec![val!({"x": 1})]
        );
        let csv =
            val!({"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["a", "b"]});
        assert_eq!(
            read_items(Some(&store), get, &p("a.csv"), Some(&csv)).unwrap(),
            vec![val!({"a": "1", "b": "2"}), val!({"a": "3", "b": "4"})]
        );
        let list = read_items(
            Some(&store),
            "arn:aws:states:::s3:listObjectsV2",
            &val!({"Bucket": "b", "Prefix": "a.j"}),
            None,
        )
        .unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].get("Key").unwrap(), &val!("a.json"));
        let e = read_items(Some(&store), get, &p("missing"), None).unwrap_err();
        assert_eq!(e.error, names::ITEM_READER_FAILED);
    }

    #[test]
    fn batches_respect_item_and_byte_limits_and_carry_batch_input() {
        let items: Vec<Val> = (0..5).map(|i| val!(i)).collect();
        let b = batch(items.clone(), Some(2), None, Some(&val!({"k": 1})));
        assert_eq!(b.len(), 3);
        assert_eq!(b[0], val!({"BatchInput": {"k": 1}, "Items": [0, 1]}));
        assert_eq!(b[2], val!({"BatchInput": {"k": 1}, "Items": [4]}));
        let b = batch(items, None, Some(3), None);
        assert_eq!(b, vec![val!({"Items": [0, 1, 2]}), val!({"Items": [3, 4]})]);
    }

    #[test]
    fn local_files_stay_inside_their_bucket() {
        let store = LocalFiles::new(std::env::temp_dir());
        assert!(store.get_object("b", "../../etc/passwd").is_err());
        assert!(store.get_object("b", "/etc/passwd").is_err());
        assert!(store.get_object("b", "a/../../x").is_err());
        assert!(store.get_object("..", "x").is_err());
    }
}
