//! Secrets handed to clients (refresh tokens, invitation tokens, API keys). Only their SHA-256
//! is stored: they are long and random, so a slow hash adds nothing, and a leaked table
//! reveals no usable secret.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `prefix` + 32 random bytes, base64url.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn same_hash(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

pub const API_KEY_PREFIX: &str = "ssk_";

/// A new API key: `ssk_<lookup>_<secret>`. The lookup part finds the row; the secret proves it.
pub struct NewApiKey {
    pub lookup: String,
    pub full: String,
}

pub fn new_api_key() -> NewApiKey {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut raw = [0u8; 10];
    rand::fill(&mut raw);
    let lookup: String = raw
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    let secret = random_token("");
    NewApiKey {
        full: format!("{API_KEY_PREFIX}{lookup}_{secret}"),
        lookup,
    }
}

/// Splits a presented key into its lookup part, or `None` when it is not shaped like one of ours.
pub fn api_key_lookup(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix(API_KEY_PREFIX)?;
    let (lookup, secret) = rest.split_once('_')?;
    (lookup.len() == 10 && secret.len() >= 40).then_some(lookup)
}

/// The PKCE S256 challenge of a verifier (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_carry_their_lookup_part() {
        let key = new_api_key();
        assert_eq!(api_key_lookup(&key.full), Some(key.lookup.as_str()));
        assert_eq!(api_key_lookup("ssk_short_x"), None);
        assert_eq!(api_key_lookup("Bearer something"), None);
    }

    #[test]
    fn pkce_matches_the_rfc_example() {
        // RFC 7636 Appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
