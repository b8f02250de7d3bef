//! Passwords: the policy a new password must meet (NIST SP 800-63B: length over composition,
//! and no well-known passwords), and Argon2id hashing.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use smartseller_kernel::validation::Invalid;

use super::names::EmailAddress;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

/// Passwords people pick first and attackers try first.
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password123",
    "1234567890",
    "12345678910",
    "qwertyuiop",
    "iloveyou123",
    "sayangkamu",
    "bismillah1",
    "indonesia1",
    "indonesia123",
    "admin12345",
    "passw0rd123",
    "1qaz2wsx3edc",
    "0987654321",
    "abcdefghij",
    "smartseller",
    "1122334455",
    "qwerty12345",
    "rahasia123",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordError {
    code: &'static str,
    message: String,
}

impl Invalid for PasswordError {
    fn code(&self) -> &'static str {
        self.code
    }
    fn message(&self) -> String {
        self.message.clone()
    }
}

/// A new password that meets the policy. Never logged, never serialised.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    pub fn parse(text: &str, email: Option<&EmailAddress>) -> Result<Self, PasswordError> {
        let length = text.chars().count();
        let refuse = |code, message: String| Err(PasswordError { code, message });
        if length < MIN_LENGTH {
            return refuse(
                "too_short",
                format!("Use at least {MIN_LENGTH} characters."),
            );
        }
        if length > MAX_LENGTH {
            return refuse("too_long", format!("Use at most {MAX_LENGTH} characters."));
        }
        let lower = text.to_lowercase();
        if COMMON.contains(&lower.as_str()) {
            return refuse(
                "too_common",
                "This password is too common; choose another.".into(),
            );
        }
        if text.chars().all(|c| text.starts_with(c)) {
            return refuse("too_simple", "Do not repeat one character.".into());
        }
        if let Some(email) = email {
            let local = email.local_part();
            if local.len() >= 4 && lower.contains(local) {
                return refuse(
                    "contains_email",
                    "Do not use your email address in your password.".into(),
                );
            }
        }
        Ok(Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn argon2() -> Argon2<'static> {
    // OWASP's recommended Argon2id setting: 19 MiB of memory, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Argon2id hash in PHC string format, with a fresh random salt.
pub fn hash(password: &str) -> String {
    let mut salt_bytes = [0u8; 16];
    rand::fill(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).expect("16 bytes always encode as a salt");
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

/// Checks `password` against a stored hash, in constant time for the comparison.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A real hash of nothing, verified against when an account does not exist, so a login for an
/// unknown email takes as long as one for a known email.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password that matches nothing"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_refuses_short_common_and_personal_passwords() {
        let email = EmailAddress::parse("budiman@toko.id").unwrap();
        assert_eq!(
            Password::parse("short", None).unwrap_err().code,
            "too_short"
        );
        assert_eq!(
            Password::parse("Password123", None).unwrap_err().code,
            "too_common"
        );
        assert_eq!(
            Password::parse("aaaaaaaaaaaa", None).unwrap_err().code,
            "too_simple"
        );
        assert_eq!(
            Password::parse("budiman-rocks-2026", Some(&email))
                .unwrap_err()
                .code,
            "contains_email"
        );
        assert!(Password::parse("kopi susu gula aren", Some(&email)).is_ok());
    }

    #[test]
    fn hashes_verify_only_their_password() {
        let stored = hash("kopi susu gula aren");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("kopi susu gula aren", &stored));
        assert!(!verify("kopi susu gula arem", &stored));
        assert!(!verify("anything", "not a hash"));
    }
}
