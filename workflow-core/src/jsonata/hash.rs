//! Digests for the service's `$hash(value, algorithm)`.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The digest of `data` with the named algorithm (`MD5`, `SHA-1`, `SHA-256`, `SHA-384`,
/// `SHA-512`), or `None` for another name.
pub(crate) fn digest(algorithm: &str, data: &[u8]) -> Option<Vec<u8>> {
    Some(match algorithm {
        "MD5" => Md5::digest(data).to_vec(),
        "SHA-1" => Sha1::digest(data).to_vec(),
        "SHA-256" => Sha256::digest(data).to_vec(),
        "SHA-384" => Sha384::digest(data).to_vec(),
        "SHA-512" => Sha512::digest(data).to_vec(),
        _ => return None,
    })
}
