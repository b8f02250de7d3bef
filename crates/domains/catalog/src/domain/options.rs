//! Options (Ukuran: S/M/L, Warna: Merah/Biru) and the variants they multiply into.

use serde::{Deserialize, Serialize};
use smartseller_kernel::validation::FieldErrors;

use super::text::one_line;

/// At most three options, like Shopify; Shopee and Tokopedia allow two tiers, so a seller who
/// lists there keeps to two.
pub const MAX_OPTIONS: usize = 3;
pub const MAX_VALUES: usize = 50;
/// Every combination is a variant; this keeps one product's variants listable in one page.
pub const MAX_COMBINATIONS: usize = 200;

/// One option with its values in the order the seller wants them shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductOption {
    pub name: String,
    pub values: Vec<String>,
}

/// A product's options, checked: names unique, values unique within an option, not too many.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProductOptions(Vec<ProductOption>);

/// A variant's values that do not fit its product's options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionsMismatch {
    /// One value per option is needed.
    WrongCount { expected: usize },
    /// `value` is not one of option `option`'s values.
    UnknownValue { index: usize, option: String },
}

impl ProductOptions {
    /// Checks raw `(name, values)` pairs, naming each bad field under `field` (`options`).
    pub fn parse(raw: &[(String, Vec<String>)], field: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        if raw.len() > MAX_OPTIONS {
            errors.add(
                field,
                "too_many",
                format!("A product has at most {MAX_OPTIONS} options."),
            );
        }
        let mut options: Vec<ProductOption> = Vec::new();
        for (i, (name, values)) in raw.iter().enumerate() {
            let at = format!("{field}[{i}]");
            let name = match one_line(name, "option name", 50) {
                Ok(name) => name,
                Err(e) => {
                    errors.add(&format!("{at}.name"), e.code, e.message);
                    continue;
                }
            };
            if options.iter().any(|o| o.name.eq_ignore_ascii_case(&name)) {
                errors.add(
                    &format!("{at}.name"),
                    "duplicate",
                    "Two options cannot share a name.",
                );
            }
            if values.is_empty() || values.len() > MAX_VALUES {
                errors.add(
                    &format!("{at}.values"),
                    "invalid_length",
                    format!("An option has 1 to {MAX_VALUES} values."),
                );
            }
            let mut kept: Vec<String> = Vec::new();
            for (j, value) in values.iter().enumerate() {
                match one_line(value, "option value", 50) {
                    Ok(value) if kept.iter().any(|k| k.eq_ignore_ascii_case(&value)) => errors.add(
                        &format!("{at}.values[{j}]"),
                        "duplicate",
                        "Values of one option must differ.",
                    ),
                    Ok(value) => kept.push(value),
                    Err(e) => errors.add(&format!("{at}.values[{j}]"), e.code, e.message),
                }
            }
            options.push(ProductOption { name, values: kept });
        }
        let combinations = options
            .iter()
            .map(|o| o.values.len().max(1))
            .try_fold(1usize, |n, v| n.checked_mul(v))
            .unwrap_or(usize::MAX);
        if combinations > MAX_COMBINATIONS {
            errors.add(
                field,
                "too_many_combinations",
                format!("These options make {combinations} variants; at most {MAX_COMBINATIONS}."),
            );
        }
        errors.finish()?;
        Ok(Self(options))
    }

    pub fn as_slice(&self) -> &[ProductOption] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every combination of values, first option slowest: S/Merah, S/Biru, M/Merah, ...
    /// A product without options has exactly one combination: no values.
    pub fn combinations(&self) -> Vec<Vec<String>> {
        self.0.iter().fold(vec![Vec::new()], |acc, option| {
            acc.iter()
                .flat_map(|prefix| {
                    option.values.iter().map(move |value| {
                        let mut combination = prefix.clone();
                        combination.push(value.clone());
                        combination
                    })
                })
                .collect()
        })
    }

    /// A variant's values matched to these options, in the options' spelling ("merah" → "Merah").
    pub fn resolve(&self, values: &[String]) -> Result<Vec<String>, OptionsMismatch> {
        if values.len() != self.0.len() {
            return Err(OptionsMismatch::WrongCount {
                expected: self.0.len(),
            });
        }
        self.0
            .iter()
            .zip(values)
            .enumerate()
            .map(|(index, (option, value))| {
                option
                    .values
                    .iter()
                    .find(|v| v.eq_ignore_ascii_case(value.trim()))
                    .cloned()
                    .ok_or_else(|| OptionsMismatch::UnknownValue {
                        index,
                        option: option.name.clone(),
                    })
            })
            .collect()
    }
}

/// The variant's title shoppers see: the product name, then its values ("Kemeja — S / Merah").
pub fn variant_title(product_name: &str, values: &[String]) -> String {
    if values.is_empty() {
        product_name.to_owned()
    } else {
        format!("{product_name} — {}", values.join(" / "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn options(raw: &[(&str, &[&str])]) -> Result<ProductOptions, FieldErrors> {
        let raw: Vec<(String, Vec<String>)> = raw
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
            .collect();
        ProductOptions::parse(&raw, "options")
    }

    #[test]
    fn sizes_and_colours_multiply() {
        let o = options(&[("Ukuran", &["S", "M", "L"]), ("Warna", &["Merah", "Biru"])]).unwrap();
        let all = o.combinations();
        assert_eq!(all.len(), 6);
        assert_eq!(all[0], vec!["S", "Merah"]);
        assert_eq!(all[1], vec!["S", "Biru"]);
        assert_eq!(
            ProductOptions::default().combinations(),
            vec![Vec::<String>::new()]
        );
    }

    #[test]
    fn bad_options_are_named_field_by_field() {
        let errors = options(&[("Warna", &["Merah", "merah"]), (" ", &["S"])]).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["options[0].values[1]", "options[1].name"]);
        let too_many = options(&[
            ("A", &["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]),
            ("B", &["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]),
            ("C", &["1", "2", "3"]),
        ])
        .unwrap_err();
        assert_eq!(too_many.0[0].code, "too_many_combinations");
    }

    #[test]
    fn variant_values_resolve_to_the_options_spelling() {
        let o = options(&[("Ukuran", &["S", "M"]), ("Warna", &["Merah"])]).unwrap();
        assert_eq!(
            o.resolve(&["s".into(), " MERAH ".into()]).unwrap(),
            vec!["S", "Merah"]
        );
        assert_eq!(
            o.resolve(&["S".into()]),
            Err(OptionsMismatch::WrongCount { expected: 2 })
        );
        assert!(matches!(
            o.resolve(&["XL".into(), "Merah".into()]),
            Err(OptionsMismatch::UnknownValue { index: 0, .. })
        ));
    }

    proptest! {
        #[test]
        fn combinations_are_the_product_of_value_counts_and_all_distinct(counts in proptest::collection::vec(1usize..6, 0..4)) {
            let raw: Vec<(String, Vec<String>)> = counts.iter().enumerate()
                .map(|(i, n)| (format!("O{i}"), (0..*n).map(|v| format!("v{v}")).collect()))
                .collect();
            let o = ProductOptions::parse(&raw, "options").unwrap();
            let all = o.combinations();
            prop_assert_eq!(all.len(), counts.iter().product::<usize>());
            let distinct: std::collections::HashSet<_> = all.iter().collect();
            prop_assert_eq!(distinct.len(), all.len());
            for combination in &all {
                prop_assert_eq!(&o.resolve(combination).unwrap(), combination);
            }
        }
    }
}
