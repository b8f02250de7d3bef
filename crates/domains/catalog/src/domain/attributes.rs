//! Typed product attributes ("Bahan", "Berat bersih", "Ukuran layar"): a store defines each one
//! once with its kind, assigns it to categories (a category's products also get every attribute
//! of the categories above it), and each product gives a value that fits the kind.
//! Marketplaces ask for these per category, so sellers keep them here once.

use serde_json::Value;

use super::text::{TextError, one_line};

/// What an attribute's values look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeKind {
    /// Free text, one line, e.g. "Katun Jepang".
    Text,
    /// A decimal number, e.g. `12.5`, with an optional unit on the definition.
    Number,
    /// One of the definition's choices, e.g. "S" / "M" / "L".
    Choice,
}

impl AttributeKind {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        match text {
            "text" => Ok(Self::Text),
            "number" => Ok(Self::Number),
            "choice" => Ok(Self::Choice),
            _ => Err(TextError::new(
                "unknown_kind",
                "Use `text`, `number` or `choice`.",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Choice => "choice",
        }
    }

    /// For rows this crate wrote; an unknown word reads as text, the most permissive kind.
    pub fn from_stored(text: &str) -> Self {
        Self::parse(text).unwrap_or(Self::Text)
    }
}

/// An attribute's name, e.g. "Bahan".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeName(String);

impl AttributeName {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        one_line(text, "attribute name", 60).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Names are unique per store regardless of case: "bahan" and "Bahan" are one attribute.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A unit shown after a number, e.g. "cm", "gram", "inci".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit(String);

impl Unit {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        one_line(text, "unit", 16).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The most choices one attribute may offer; marketplaces cap theirs lower.
pub const MAX_CHOICES: usize = 200;

/// A checked attribute definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeSpec {
    pub name: AttributeName,
    pub kind: AttributeKind,
    /// Only for `choice`: at least one, unique regardless of case, in the order shown.
    pub choices: Vec<String>,
    /// Only for `number`.
    pub unit: Option<Unit>,
}

/// Why a definition was refused, by field.
pub type SpecErrors = Vec<(String, TextError)>;

impl AttributeSpec {
    pub fn parse(
        name: &str,
        kind: &str,
        choices: &[String],
        unit: Option<&str>,
    ) -> Result<Self, SpecErrors> {
        let mut errors: SpecErrors = Vec::new();
        let name = AttributeName::parse(name)
            .map_err(|e| errors.push(("name".into(), e)))
            .ok();
        let kind = AttributeKind::parse(kind)
            .map_err(|e| errors.push(("kind".into(), e)))
            .ok();
        let mut checked = Vec::with_capacity(choices.len());
        match kind {
            Some(AttributeKind::Choice) => {
                if choices.is_empty() {
                    errors.push((
                        "choices".into(),
                        TextError::new("required", "A choice attribute needs its choices."),
                    ));
                }
                if choices.len() > MAX_CHOICES {
                    errors.push((
                        "choices".into(),
                        TextError::new(
                            "too_many",
                            format!("An attribute offers at most {MAX_CHOICES} choices."),
                        ),
                    ));
                }
                let mut seen = std::collections::HashSet::new();
                for (i, choice) in choices.iter().enumerate() {
                    match one_line(choice, "choice", 60) {
                        Ok(text) if !seen.insert(text.to_lowercase()) => errors.push((
                            format!("choices[{i}]"),
                            TextError::new("duplicate", "This choice is listed twice."),
                        )),
                        Ok(text) => checked.push(text),
                        Err(e) => errors.push((format!("choices[{i}]"), e)),
                    }
                }
            }
            Some(_) if !choices.is_empty() => errors.push((
                "choices".into(),
                TextError::new("not_allowed", "Only a `choice` attribute has choices."),
            )),
            _ => {}
        }
        let unit = match unit.filter(|u| !u.trim().is_empty()) {
            None => None,
            Some(_) if kind.is_some_and(|k| k != AttributeKind::Number) => {
                errors.push((
                    "unit".into(),
                    TextError::new("not_allowed", "Only a `number` attribute has a unit."),
                ));
                None
            }
            Some(text) => Unit::parse(text)
                .map_err(|e| errors.push(("unit".into(), e)))
                .ok(),
        };
        match (name, kind) {
            (Some(name), Some(kind)) if errors.is_empty() => Ok(Self {
                name,
                kind,
                choices: checked,
                unit,
            }),
            _ => Err(errors),
        }
    }
}

/// A product's value for one attribute, in its stored (canonical) form: trimmed text, a number
/// written without exponent or needless zeros (`12.5`, `-3`, `0.25`), or the choice exactly as the
/// definition spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeValue(String);

impl AttributeValue {
    /// Checks `raw` (JSON, as the request carried it) against a definition.
    pub fn parse(kind: AttributeKind, choices: &[String], raw: &Value) -> Result<Self, TextError> {
        match kind {
            AttributeKind::Text => match raw {
                Value::String(text) => one_line(text, "value", 200).map(Self),
                _ => Err(TextError::new("not_text", "Give this value as text.")),
            },
            AttributeKind::Number => {
                let text = match raw {
                    Value::Number(n) => n.to_string(),
                    Value::String(s) => s.trim().to_owned(),
                    _ => return Err(TextError::new("not_a_number", "Give a number.")),
                };
                canonical_decimal(&text).map(Self)
            }
            AttributeKind::Choice => {
                let Value::String(text) = raw else {
                    return Err(TextError::new(
                        "not_a_choice",
                        "Give one of the attribute's choices as text.",
                    ));
                };
                let wanted = text.trim().to_lowercase();
                choices
                    .iter()
                    .find(|c| c.to_lowercase() == wanted)
                    .map(|c| Self(c.clone()))
                    .ok_or_else(|| {
                        TextError::new(
                            "not_a_choice",
                            format!("Choose one of: {}.", choices.join(", ")),
                        )
                    })
            }
        }
    }

    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as JSON for answers: numbers as numbers, the rest as text.
    pub fn to_json(&self, kind: AttributeKind) -> Value {
        if kind == AttributeKind::Number
            && let Ok(number) = serde_json::from_str::<serde_json::Number>(&self.0)
        {
            return Value::Number(number);
        }
        Value::String(self.0.clone())
    }
}

/// Most digits a number attribute keeps: enough for any measure a product page shows, and
/// always exactly representable when a client reads it back as a double.
const MAX_DIGITS: usize = 15;

/// `"012.50"` → `"12.5"`, `"-0"` → `"0"`, refusing exponents, commas, NaN and anything longer
/// than [`MAX_DIGITS`] digits. Kept as text so no float ever rounds a seller's number.
fn canonical_decimal(text: &str) -> Result<String, TextError> {
    let bad = || TextError::new("not_a_number", "Give a number such as 12 or 12.5.");
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || digits.ends_with('.')
    {
        return Err(bad());
    }
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    if whole.len() + fraction.len() > MAX_DIGITS {
        return Err(TextError::new(
            "too_precise",
            format!("A number has at most {MAX_DIGITS} digits."),
        ));
    }
    let whole = if whole.is_empty() { "0" } else { whole };
    let mut out = String::new();
    if negative && (whole != "0" || !fraction.is_empty()) {
        out.push('-');
    }
    out.push_str(whole);
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    Ok(out)
}

/// An attribute as it applies to a category: its own or inherited from a category above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicable {
    pub attribute_id: uuid::Uuid,
    pub name: String,
    pub required: bool,
}

/// The names of required attributes a product has no value for. Only an active product must be
/// complete: a draft may be filled in over several sittings, as on the marketplaces.
pub fn missing_required(
    applicable: &[Applicable],
    has_value: impl Fn(uuid::Uuid) -> bool,
) -> Vec<&str> {
    applicable
        .iter()
        .filter(|a| a.required && !has_value(a.attribute_id))
        .map(|a| a.name.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn choices() -> Vec<String> {
        vec!["Katun".into(), "Rayon".into(), "Linen".into()]
    }

    #[test]
    fn numbers_are_kept_as_canonical_text() {
        let n = |raw: Value| {
            AttributeValue::parse(AttributeKind::Number, &[], &raw).map(|v| v.as_str().to_owned())
        };
        assert_eq!(n(json!(12.5)).unwrap(), "12.5");
        assert_eq!(n(json!("012.50")).unwrap(), "12.5");
        assert_eq!(n(json!(7)).unwrap(), "7");
        assert_eq!(n(json!("-0.0")).unwrap(), "0");
        assert_eq!(n(json!("-3.250")).unwrap(), "-3.25");
        assert_eq!(n(json!(".5")).unwrap(), "0.5");
        for bad in [
            json!("1e5"),
            json!("12,5"),
            json!("abc"),
            json!(""),
            json!("."),
            json!("5."),
            json!("--1"),
            json!(true),
            json!(null),
            json!("1234567890123456"),
        ] {
            assert!(n(bad.clone()).is_err(), "{bad} should be refused");
        }
        assert_eq!(
            AttributeValue::from_stored("12.5".into()).to_json(AttributeKind::Number),
            json!(12.5)
        );
    }

    #[test]
    fn choices_match_regardless_of_case_and_keep_the_definition_spelling() {
        let v =
            AttributeValue::parse(AttributeKind::Choice, &choices(), &json!(" katun ")).unwrap();
        assert_eq!(v.as_str(), "Katun");
        let e =
            AttributeValue::parse(AttributeKind::Choice, &choices(), &json!("Sutra")).unwrap_err();
        assert_eq!(e.code, "not_a_choice");
        assert!(e.message.contains("Katun, Rayon, Linen"));
        assert!(AttributeValue::parse(AttributeKind::Choice, &choices(), &json!(1)).is_err());
    }

    #[test]
    fn text_values_are_one_trimmed_line() {
        let v = AttributeValue::parse(AttributeKind::Text, &[], &json!("  Katun Jepang ")).unwrap();
        assert_eq!(v.as_str(), "Katun Jepang");
        assert!(AttributeValue::parse(AttributeKind::Text, &[], &json!("")).is_err());
        assert!(AttributeValue::parse(AttributeKind::Text, &[], &json!("a\nb")).is_err());
        assert!(AttributeValue::parse(AttributeKind::Text, &[], &json!(5)).is_err());
    }

    #[test]
    fn definitions_are_checked_field_by_field() {
        let spec = AttributeSpec::parse("Bahan", "choice", &choices(), None).unwrap();
        assert_eq!(spec.kind, AttributeKind::Choice);
        assert_eq!(spec.name.key(), "bahan");

        let fields = |r: Result<AttributeSpec, SpecErrors>| -> Vec<String> {
            r.unwrap_err().into_iter().map(|(f, _)| f).collect()
        };
        assert_eq!(
            fields(AttributeSpec::parse("", "colour", &[], None)),
            ["name", "kind"]
        );
        assert_eq!(
            fields(AttributeSpec::parse("Bahan", "choice", &[], None)),
            ["choices"]
        );
        assert_eq!(
            fields(AttributeSpec::parse(
                "Bahan",
                "choice",
                &["Katun".into(), "katun".into()],
                None
            )),
            ["choices[1]"]
        );
        assert_eq!(
            fields(AttributeSpec::parse(
                "Bahan",
                "text",
                &choices(),
                Some("cm")
            )),
            ["choices", "unit"]
        );
        let number = AttributeSpec::parse("Panjang", "number", &[], Some("cm")).unwrap();
        assert_eq!(number.unit.unwrap().as_str(), "cm");
    }

    #[test]
    fn only_required_attributes_without_a_value_are_missing() {
        let a = uuid::Uuid::now_v7();
        let b = uuid::Uuid::now_v7();
        let applicable = vec![
            Applicable {
                attribute_id: a,
                name: "Bahan".into(),
                required: true,
            },
            Applicable {
                attribute_id: b,
                name: "Motif".into(),
                required: false,
            },
        ];
        assert_eq!(missing_required(&applicable, |_| false), ["Bahan"]);
        assert!(missing_required(&applicable, |id| id == a).is_empty());
    }
}
