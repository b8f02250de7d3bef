//! Webhook proofs of two aggregators we do not call yet (Shipper.id §3.3, KiriminAja §4). Pure
//! functions, ready for when their clients exist; nothing routes pushes to them today.

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

/// Shipper.id: the `auth` field of a push is `hex(md5(api_key + callback_url + "json"))`, with
/// the exact callback URL registered at Shipper.
pub fn shipper_expected_auth(api_key: &str, callback_url: &str) -> String {
    let digest = Md5::new()
        .chain_update(api_key.as_bytes())
        .chain_update(callback_url.as_bytes())
        .chain_update(b"json")
        .finalize();
    hex::encode(digest)
}

/// Whether a Shipper.id push's `auth` field proves knowledge of our key. Hex case is ignored;
/// the comparison is constant-time.
pub fn shipper_auth_matches(api_key: &str, callback_url: &str, auth_field: &str) -> bool {
    let expected = shipper_expected_auth(api_key, callback_url);
    let given = auth_field.trim().to_ascii_lowercase();
    bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// KiriminAja: pushes carry `Authorization: Bearer <our API key>`; compared in constant time.
pub fn kiriminaja_bearer_matches(api_key: &str, authorization_header: &str) -> bool {
    let Some(token) = authorization_header.trim().strip_prefix("Bearer ") else {
        return false;
    };
    !api_key.is_empty() && bool::from(token.trim().as_bytes().ct_eq(api_key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of `integrations/shipping.md` §3.3.
    #[test]
    fn shipper_auth_matches_the_worked_example() {
        let url = "https://seller.example.id/webhooks/shipper";
        assert_eq!(
            shipper_expected_auth("shipper_api_key_example", url),
            "9b1e818e38e8236562cf8ecc0e2a0d76"
        );
        assert!(shipper_auth_matches(
            "shipper_api_key_example",
            url,
            "9B1E818E38E8236562CF8ECC0E2A0D76"
        ));
        assert!(!shipper_auth_matches(
            "another_key",
            url,
            "9b1e818e38e8236562cf8ecc0e2a0d76"
        ));
        assert!(!shipper_auth_matches(
            "shipper_api_key_example",
            "https://seller.example.id/webhooks/other",
            "9b1e818e38e8236562cf8ecc0e2a0d76"
        ));
    }

    #[test]
    fn kiriminaja_bearer_must_equal_the_key() {
        assert!(kiriminaja_bearer_matches("ka-key-1", "Bearer ka-key-1"));
        assert!(!kiriminaja_bearer_matches("ka-key-1", "Bearer ka-key-2"));
        assert!(!kiriminaja_bearer_matches("ka-key-1", "ka-key-1"));
        assert!(!kiriminaja_bearer_matches("", "Bearer "));
    }
}
