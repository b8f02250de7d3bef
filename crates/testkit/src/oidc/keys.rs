//! Key material of the fake provider: two throwaway RSA-2048 keys generated for
//! this test kit and committed on purpose. They protect nothing.
//!
//! The good key is the one published at `/jwks`; the rogue key shares its `kid`
//! but is never published, so an ID token it signs must fail verification.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

/// The `kid` both keys put in the JWS header.
pub(super) const KEY_ID: &str = "smartseller-testkit-oidc-2048-1";

/// Signs the ID tokens the provider means to be valid (PKCS#1 PEM, test-only).
const SIGNING_KEY_PEM: &str = include_str!("signing_key.pem");
/// Modulus of [`SIGNING_KEY_PEM`], base64url without padding (as in a JWK).
pub(super) const SIGNING_KEY_N: &str = "mqO8VNjYHEws0qqBSCPXhIwm3o-BUGQyyhYYLt9SVAMTg1EjBsL0w-U1ALbKPmnerJgAh4SAI78rFCee2AULQvHntnmT-aRVY12_VoIfULDFOm7rXaByt4Z3OU__jgzaUreLeHsw1B5MthDblJ3kJefKRPbi1wKX8W-O7ZoNBKWz9V6PN45ZxNOsdDjVuPUJU6xdl7VfcWxkSxPhDLeKNHFGgwiJbtWzUyNL--iV4k8OyrlQfsEDX8mepo0JP9JQtATk1paWxXPCYMHDxN3_vORoMslbllWWWCT5mSIjjmnd-mVfeOdfAeF6SmbE1N-vn9853KxliYAfBHxykDMLSQ";
/// Public exponent of [`SIGNING_KEY_PEM`] (65537), base64url without padding.
pub(super) const SIGNING_KEY_E: &str = "AQAB";

/// Signs ID tokens that must be rejected (PKCS#1 PEM, test-only, never published).
const ROGUE_KEY_PEM: &str = include_str!("rogue_key.pem");
/// Modulus of [`ROGUE_KEY_PEM`]; only tests use it, to show the rogue tokens are
/// otherwise well formed.
#[cfg(test)]
pub(super) const ROGUE_KEY_N: &str = "u2dwcXbF4SGtZ1LchKcytdImhJjfdr4HJ0YANYb7cH9umUYR9m2bTj6mddV1Li6ew45afdyYLq3De5ndKIPiVaglb0R-tXq4sSWutr9lf2qJgfOzi6lfB9Qe5kTyEi0o-9yrdDpjLII_Ppe4r1V7MC4TJLpL72mlwsMQ4Mw6htQT02RDV6AmiYTMmTUVeXBXbZFCcQVZfFnAymhx1w7cJyGrRgQinsS9abWLzXF4aNlzbC5OZVJGo3A4rAc_rs0E1bYDObOgz__gchGUt0hhLk2nTFMLqP4eWeN4LWfSbR2v4KOgFk_y-I1vfHHQ55hFAPocdNmhgFaXnj8cQa740w";
/// Public exponent of [`ROGUE_KEY_PEM`] (65537).
#[cfg(test)]
pub(super) const ROGUE_KEY_E: &str = "AQAB";

/// Which of the two keys signs a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SigningKey {
    Good,
    Rogue,
}

/// Both parsed private keys, ready to sign.
pub(super) struct Signer {
    good: EncodingKey,
    rogue: EncodingKey,
}

impl Signer {
    /// Parses the committed PEMs. They are constants, so failure is a bug here.
    pub(super) fn new() -> Signer {
        Signer {
            good: EncodingKey::from_rsa_pem(SIGNING_KEY_PEM.as_bytes())
                .expect("the committed test signing key is a valid RSA PEM"),
            rogue: EncodingKey::from_rsa_pem(ROGUE_KEY_PEM.as_bytes())
                .expect("the committed rogue test key is a valid RSA PEM"),
        }
    }

    /// A compact RS256 JWS of `claims`, with `kid` = [`KEY_ID`] whichever key signs.
    pub(super) fn sign<T: Serialize>(&self, claims: &T, key: SigningKey) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(KEY_ID.to_owned());
        let key = match key {
            SigningKey::Good => &self.good,
            SigningKey::Rogue => &self.rogue,
        };
        jsonwebtoken::encode(&header, claims, key).expect("RS256 signing with a valid key")
    }

    /// The JWK Set published at `/jwks`: the good key only.
    pub(super) fn jwks() -> serde_json::Value {
        serde_json::json!({
            "keys": [{
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": KEY_ID,
                "n": SIGNING_KEY_N,
                "e": SIGNING_KEY_E,
            }]
        })
    }
}
