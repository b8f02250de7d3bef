//! Bank Indonesia SNAP (Standar Nasional Open API Pembayaran): the symmetric signature that
//! transactional calls carry in `X-SIGNATURE`. No client yet: direct bank VAs go through an
//! aggregator today; this is the piece every SNAP integration needs first.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};

/// `base64(HMAC-SHA512(client_secret, METHOD:path:access_token:lowerhex(sha256(body)):timestamp))`.
///
/// `path` is the endpoint path (with query, if any) without host; `minified_body` is the exact
/// bytes sent (serialise once, sign and send those); `timestamp` is `X-TIMESTAMP` as sent.
pub fn symmetric_signature(
    client_secret: &str,
    method: &str,
    path: &str,
    access_token: &str,
    minified_body: &[u8],
    timestamp: &str,
) -> String {
    let body_hash = hex::encode(Sha256::digest(minified_body));
    let string_to_sign = format!(
        "{}:{path}:{access_token}:{body_hash}:{timestamp}",
        method.to_ascii_uppercase()
    );
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha512> as Mac>::new_from_slice(client_secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of the integration notes (§5.2).
    #[test]
    fn signature_matches_the_documented_vector() {
        let body = br#"{"partnerServiceId":"   12345","customerNo":"0001","virtualAccountNo":"   123450001","trxId":"INV-1","totalAmount":{"value":"10000.00","currency":"IDR"}}"#;
        assert_eq!(
            hex::encode(Sha256::digest(body)),
            "0b044a0e70acdfa836f639c60f6799a938d50e0d9256ed6cf82e79f218551119"
        );
        assert_eq!(
            symmetric_signature(
                "client_secret_example",
                "POST",
                "/v1.0/transfer-va/create-va",
                "ACCESS_TOKEN_EXAMPLE",
                body,
                "2024-01-11T08:57:55+07:00",
            ),
            "Kn8lpX2FK/dtMlCO04PnY6qx7XaLzEs/84UppWA91ZNDqpQkvk5pvoIMk33eBmm9aEkGgQXtK3idEfZqzxVgow=="
        );
    }

    #[test]
    fn a_changed_body_changes_the_signature() {
        let sign = |body: &[u8]| {
            symmetric_signature("s", "post", "/p", "t", body, "2024-01-11T08:57:55+07:00")
        };
        assert_ne!(sign(b"{\"a\":1}"), sign(b"{\"a\": 1}"));
    }
}
