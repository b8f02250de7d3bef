//! Values that cannot hold bad data once built.

use smartseller_kernel::validation::Invalid;

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    pub code: &'static str,
    pub message: String,
}

impl Invalid for TextError {
    fn code(&self) -> &'static str {
        self.code
    }
    fn message(&self) -> String {
        self.message.clone()
    }
}

fn error(code: &'static str, message: impl Into<String>) -> TextError {
    TextError {
        code,
        message: message.into(),
    }
}

/// An email address, trimmed and lower-cased, so one person is one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        let email = text.trim().to_lowercase();
        if email.is_empty() {
            return Err(error("required", "Enter an email address."));
        }
        if email.len() > 254 {
            return Err(error(
                "too_long",
                "An email address has at most 254 characters.",
            ));
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(error(
                "invalid_email",
                "An email address looks like name@example.com.",
            ));
        };
        let bad_char = |c: char| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ',' | ';' | '@')
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty() || local.len() > 64 || local.chars().any(bad_char) || !domain_ok {
            return Err(error(
                "invalid_email",
                "An email address looks like name@example.com.",
            ));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }
}

/// Trims, refuses empty, too long, or control characters.
fn bounded_text(text: &str, what: &str, max: usize) -> Result<String, TextError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(error("required", format!("Enter a {what}.")));
    }
    if text.chars().count() > max {
        return Err(error(
            "too_long",
            format!("A {what} has at most {max} characters."),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(error(
            "invalid_characters",
            format!("A {what} cannot contain control characters."),
        ));
    }
    Ok(text.to_owned())
}

/// A store's display name, e.g. "Toko Batik Sari".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreName(String);

impl StoreName {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        bounded_text(text, "store name", 100).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A URL-safe handle derived from the name: "Toko Batik Sari" → "toko-batik-sari".
    pub fn slug(&self) -> String {
        let mut slug = String::new();
        for c in self.0.to_lowercase().chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        let slug = slug
            .trim_end_matches('-')
            .chars()
            .take(48)
            .collect::<String>();
        if slug.is_empty() {
            "store".to_owned()
        } else {
            slug
        }
    }
}

/// A person's name as they want it shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        bounded_text(text, "name", 100).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A role's machine key, unique in a store: lower-case letters, digits and underscores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleKey(String);

impl RoleKey {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        let key = text.trim();
        let valid = (2..=40).contains(&key.len())
            && key.starts_with(|c: char| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if valid {
            Ok(Self(key.to_owned()))
        } else {
            Err(error(
                "invalid_key",
                "Use 2 to 40 lower-case letters, digits or underscores, starting with a letter.",
            ))
        }
    }

    /// A key derived from a role's name: "Gudang Jakarta" → "gudang_jakarta".
    pub fn from_name(name: &RoleName) -> Result<Self, TextError> {
        let mut key = String::new();
        for c in name.as_str().to_lowercase().chars() {
            if c.is_ascii_alphanumeric() {
                key.push(c);
            } else if !key.ends_with('_') && !key.is_empty() {
                key.push('_');
            }
        }
        let key: String = key.trim_end_matches('_').chars().take(40).collect();
        let key = if key.starts_with(|c: char| c.is_ascii_lowercase()) {
            key
        } else {
            format!("role_{key}")
        };
        Self::parse(&key)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A role's display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleName(String);

impl RoleName {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        bounded_text(text, "role name", 60).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a role is for, in the seller's words: optional, line breaks allowed, other control
/// characters refused (PostgreSQL text cannot even store NUL).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleDescription(String);

impl RoleDescription {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        let text = text.trim();
        if text.chars().count() > 500 {
            return Err(error(
                "too_long",
                "A description has at most 500 characters.",
            ));
        }
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(error(
                "invalid_characters",
                "A description cannot contain control characters.",
            ));
        }
        Ok(Self(text.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The label a seller gives an API key, e.g. "Gudang sync".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyName(String);

impl ApiKeyName {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        let name = text.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(error(
                "invalid_length",
                "Give the key a name of 1 to 100 characters.",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(error(
                "invalid_characters",
                "A key name cannot contain control characters.",
            ));
        }
        Ok(Self(name.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            EmailAddress::parse("  Sari@Toko.CO.id ").unwrap().as_str(),
            "sari@toko.co.id"
        );
        for bad in [
            "",
            "sari",
            "sari@",
            "@toko.id",
            "sari@toko",
            "sa ri@toko.id",
            "sari@toko..id",
            "a@b@c.id",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn store_slugs_are_url_safe() {
        assert_eq!(
            StoreName::parse("Toko Batik Sari!").unwrap().slug(),
            "toko-batik-sari"
        );
        assert_eq!(StoreName::parse("ケーキ").unwrap().slug(), "store");
    }

    #[test]
    fn descriptions_and_key_names_refuse_control_characters() {
        assert_eq!(
            RoleDescription::parse(" Packs orders\nat night ")
                .unwrap()
                .as_str(),
            "Packs orders\nat night"
        );
        assert!(RoleDescription::parse("toko\0gelap").is_err());
        assert!(RoleDescription::parse(&"d".repeat(501)).is_err());
        assert_eq!(ApiKeyName::parse(" Sync ").unwrap().as_str(), "Sync");
        assert!(ApiKeyName::parse("toko\0gelap").is_err());
        assert!(ApiKeyName::parse("  ").is_err());
    }

    #[test]
    fn role_keys_follow_their_names() {
        let name = RoleName::parse("Gudang Jakarta 2").unwrap();
        assert_eq!(
            RoleKey::from_name(&name).unwrap().as_str(),
            "gudang_jakarta_2"
        );
        assert!(RoleKey::parse("Admin").is_err());
        assert!(RoleKey::parse("packer").is_ok());
    }
}
