//! A product's variants as the seller describes them, checked against its options.

use std::collections::HashSet;

use smartseller_kernel::validation::FieldErrors;

use super::options::OptionsMismatch;
use super::{Barcode, Dimensions, Price, ProductOptions, Sku, Status, Weight};

/// One variant, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantSpec {
    pub sku: Sku,
    pub barcode: Option<Barcode>,
    /// One value per product option, in the options' spelling once planned.
    pub option_values: Vec<String>,
    pub weight: Weight,
    pub dimensions: Option<Dimensions>,
    pub price: Price,
    pub status: Status,
}

/// What every generated variant starts with; its SKU is the prefix plus its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantTemplate {
    pub sku_prefix: Sku,
    pub weight: Weight,
    pub dimensions: Option<Dimensions>,
    pub price: Price,
    pub status: Status,
}

/// How a new product gets its variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariantPlan {
    /// The seller lists them (not every combination need exist: no XL in Biru).
    Explicit(Vec<VariantSpec>),
    /// One per combination of the options.
    Generated(VariantTemplate),
}

/// The variants a new product starts with: each matches the options, no combination or SKU
/// twice. Errors name `variants[i]...` or `generate...`.
pub fn plan_variants(
    options: &ProductOptions,
    plan: VariantPlan,
) -> Result<Vec<VariantSpec>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let specs = match plan {
        VariantPlan::Generated(template) => {
            let mut specs = Vec::new();
            for values in options.combinations() {
                match Sku::generated(&template.sku_prefix, &values) {
                    Ok(sku) => specs.push((
                        specs.len(),
                        VariantSpec {
                            sku,
                            barcode: None,
                            option_values: values,
                            weight: template.weight,
                            dimensions: template.dimensions,
                            price: template.price,
                            status: template.status,
                        },
                    )),
                    Err(e) => {
                        errors.add("generate.sku_prefix", e.code, e.message);
                        break;
                    }
                }
            }
            specs
        }
        VariantPlan::Explicit(specs) => {
            if specs.is_empty() {
                errors.add(
                    "variants",
                    "required",
                    "Give at least one variant, or `generate` them from the options.",
                );
            }
            let mut planned = Vec::new();
            for (i, mut spec) in specs.into_iter().enumerate() {
                match options.resolve(&spec.option_values) {
                    Ok(values) => {
                        spec.option_values = values;
                        planned.push((i, spec));
                    }
                    Err(mismatch) => {
                        let (field, message) = mismatch_message(&mismatch);
                        errors.add(
                            &format!("variants[{i}].option_values{field}"),
                            "unknown_option_value",
                            message,
                        );
                    }
                }
            }
            planned
        }
    };
    let mut combinations = HashSet::new();
    let mut skus = HashSet::new();
    for (i, spec) in &specs {
        if !combinations.insert(spec.option_values.clone()) {
            errors.add(
                &format!("variants[{i}].option_values"),
                "duplicate",
                "Another variant already has these option values.",
            );
        }
        if !skus.insert(spec.sku.clone()) {
            errors.add(
                &format!("variants[{i}].sku"),
                "duplicate",
                "Another variant in this request has this SKU.",
            );
        }
    }
    errors.finish()?;
    Ok(specs.into_iter().map(|(_, spec)| spec).collect())
}

/// The field suffix and message for a variant's values that do not fit.
pub fn mismatch_message(mismatch: &OptionsMismatch) -> (String, String) {
    match mismatch {
        OptionsMismatch::WrongCount { expected } => (
            String::new(),
            format!("Give one value for each of the product's {expected} option(s)."),
        ),
        OptionsMismatch::UnknownValue { index, option } => (
            format!("[{index}]"),
            format!("Not one of the values of option `{option}`."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smartseller_kernel::money::Currency;

    fn options() -> ProductOptions {
        ProductOptions::parse(
            &[
                ("Ukuran".into(), vec!["S".into(), "M".into()]),
                ("Warna".into(), vec!["Merah".into(), "Biru".into()]),
            ],
            "options",
        )
        .unwrap()
    }

    fn spec(sku: &str, values: &[&str]) -> VariantSpec {
        VariantSpec {
            sku: Sku::parse(sku).unwrap(),
            barcode: None,
            option_values: values.iter().map(|v| (*v).to_owned()).collect(),
            weight: Weight::grams(250).unwrap(),
            dimensions: None,
            price: Price::new(15_000_000, Currency::Idr).unwrap(),
            status: Status::Draft,
        }
    }

    #[test]
    fn generated_variants_cover_every_combination_with_their_own_sku() {
        let template = VariantTemplate {
            sku_prefix: Sku::parse("KMJ").unwrap(),
            weight: Weight::grams(250).unwrap(),
            dimensions: None,
            price: Price::new(15_000_000, Currency::Idr).unwrap(),
            status: Status::Active,
        };
        let specs = plan_variants(&options(), VariantPlan::Generated(template)).unwrap();
        let skus: Vec<&str> = specs.iter().map(|s| s.sku.as_str()).collect();
        assert_eq!(
            skus,
            vec!["KMJ-S-MERAH", "KMJ-S-BIRU", "KMJ-M-MERAH", "KMJ-M-BIRU"]
        );
    }

    #[test]
    fn explicit_variants_must_fit_the_options_once_each() {
        let errors = plan_variants(
            &options(),
            VariantPlan::Explicit(vec![
                spec("A", &["s", "merah"]),
                spec("B", &["S", "Merah"]),
                spec("A", &["M", "Hijau"]),
                spec("C", &["M"]),
            ]),
        )
        .unwrap_err();
        let fields: Vec<(&str, &str)> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("variants[2].option_values[1]", "unknown_option_value"),
                ("variants[3].option_values", "unknown_option_value"),
                ("variants[1].option_values", "duplicate"),
            ]
        );
        assert_eq!(
            plan_variants(&options(), VariantPlan::Explicit(vec![]))
                .unwrap_err()
                .0[0]
                .field,
            "variants"
        );
    }
}
