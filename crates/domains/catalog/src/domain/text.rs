//! Names and descriptions sellers type.

use smartseller_kernel::validation::Invalid;

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    pub code: &'static str,
    pub message: String,
}

impl TextError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl Invalid for TextError {
    fn code(&self) -> &'static str {
        self.code
    }
    fn message(&self) -> String {
        self.message.clone()
    }
}

/// Trims; refuses empty, too long, or control characters.
pub(crate) fn one_line(text: &str, what: &str, max: usize) -> Result<String, TextError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TextError::new("required", format!("Enter a {what}.")));
    }
    if text.chars().count() > max {
        return Err(TextError::new(
            "too_long",
            format!("A {what} has at most {max} characters."),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(TextError::new(
            "invalid_characters",
            format!("A {what} cannot contain control characters."),
        ));
    }
    Ok(text.to_owned())
}

/// A product's name as shoppers see it, e.g. "Kemeja Batik Parang Lengan Panjang". Marketplaces
/// cap names around 120 to 255 characters; 200 fits them all once trimmed per channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductName(String);

impl ProductName {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        one_line(text, "product name", 200).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A category's name, e.g. "Gamis".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryName(String);

impl CategoryName {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        one_line(text, "category name", 100).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A product description: optional, several lines, no other control characters (PostgreSQL
/// text cannot even store NUL).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub const MAX_CHARS: usize = 20_000;

    pub fn parse(text: &str) -> Result<Self, TextError> {
        let text = text.trim();
        if text.chars().count() > Self::MAX_CHARS {
            return Err(TextError::new(
                "too_long",
                format!("A description has at most {} characters.", Self::MAX_CHARS),
            ));
        }
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(TextError::new(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            ProductName::parse("  Kemeja Batik ").unwrap().as_str(),
            "Kemeja Batik"
        );
        assert_eq!(ProductName::parse(" ").unwrap_err().code, "required");
        assert_eq!(
            ProductName::parse(&"a".repeat(201)).unwrap_err().code,
            "too_long"
        );
        assert!(CategoryName::parse("Gamis\u{0}").is_err());
    }

    #[test]
    fn descriptions_keep_lines_but_not_other_control_characters() {
        assert_eq!(
            Description::parse("Bahan katun\nAdem").unwrap().as_str(),
            "Bahan katun\nAdem"
        );
        assert!(Description::parse("a\u{7}b").is_err());
        assert!(Description::parse("").is_ok());
    }
}
