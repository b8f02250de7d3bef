//! Stock keeping units and barcodes.

use super::text::TextError;

/// A seller's stock keeping unit, unique in the store. Upper-cased, so `kmj-01` and `KMJ-01`
/// cannot become two variants that warehouse staff read as one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sku(String);

impl Sku {
    pub const MAX_LEN: usize = 64;

    pub fn parse(text: &str) -> Result<Self, TextError> {
        let sku = text.trim().to_uppercase();
        if sku.is_empty() {
            return Err(TextError::new("required", "Enter a SKU."));
        }
        if sku.len() > Self::MAX_LEN {
            return Err(TextError::new(
                "too_long",
                format!("A SKU has at most {} characters.", Self::MAX_LEN),
            ));
        }
        // Marketplaces (Shopee, Tokopedia, Lazada) accept these in seller SKUs; spaces and other
        // punctuation get mangled by their spreadsheets and label printers.
        if !sku
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        {
            return Err(TextError::new(
                "invalid_sku",
                "Use letters, digits and - _ . / only.",
            ));
        }
        Ok(Self(sku))
    }

    /// The SKU of a generated variant: the product's prefix and each option value, e.g.
    /// `KMJ-PRG` + [`S`, `Merah Marun`] → `KMJ-PRG-S-MERAHMARUN`.
    pub fn generated(prefix: &Sku, values: &[String]) -> Result<Self, TextError> {
        let mut sku = prefix.0.clone();
        for value in values {
            let part: String = value
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_uppercase();
            sku.push('-');
            sku.push_str(if part.is_empty() { "X" } else { &part });
        }
        Self::parse(&sku)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A GS1 barcode as printed on the pack: EAN-8, UPC-A (12), EAN-13 or GTIN-14, with a correct
/// check digit, so a mistyped digit is caught at entry rather than at the scanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Barcode(String);

impl Barcode {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        let code = text.trim();
        if !code.chars().all(|c| c.is_ascii_digit()) || ![8, 12, 13, 14].contains(&code.len()) {
            return Err(TextError::new(
                "invalid_barcode",
                "A barcode is 8, 12, 13 or 14 digits (EAN-8, UPC-A, EAN-13, GTIN-14).",
            ));
        }
        let digits: Vec<u32> = code.bytes().map(|b| u32::from(b - b'0')).collect();
        let (body, check) = digits.split_at(digits.len() - 1);
        if gs1_check_digit(body) != check[0] {
            return Err(TextError::new(
                "bad_check_digit",
                "The barcode's last digit does not match; check it for a typo.",
            ));
        }
        Ok(Self(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// GS1 General Specifications §7.9.1: weights 3 and 1 alternate from the rightmost digit of the
/// body; the check digit brings the sum to a multiple of ten.
pub fn gs1_check_digit(body: &[u32]) -> u32 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn skus_are_upper_cased_and_plain() {
        assert_eq!(Sku::parse(" kmj-01 ").unwrap().as_str(), "KMJ-01");
        assert_eq!(Sku::parse("").unwrap_err().code, "required");
        assert_eq!(Sku::parse("KMJ 01").unwrap_err().code, "invalid_sku");
        assert_eq!(Sku::parse(&"A".repeat(65)).unwrap_err().code, "too_long");
    }

    #[test]
    fn generated_skus_name_their_option_values() {
        let prefix = Sku::parse("kmj-prg").unwrap();
        let sku = Sku::generated(&prefix, &["S".into(), "Merah Marun".into()]).unwrap();
        assert_eq!(sku.as_str(), "KMJ-PRG-S-MERAHMARUN");
        assert_eq!(
            Sku::generated(&prefix, &["★".into()]).unwrap().as_str(),
            "KMJ-PRG-X"
        );
    }

    #[test]
    fn real_barcodes_pass_and_typos_fail() {
        // Worked examples: an Indonesian EAN-13 (GS1 prefix 899), a UPC-A, an EAN-8.
        for good in ["8992761111113", "036000291452", "96385074"] {
            assert!(Barcode::parse(good).is_ok(), "{good}");
        }
        assert_eq!(
            Barcode::parse("8992761111112").unwrap_err().code,
            "bad_check_digit"
        );
        assert_eq!(
            Barcode::parse("89927611").unwrap_err().code,
            "bad_check_digit"
        );
        assert_eq!(Barcode::parse("12345").unwrap_err().code, "invalid_barcode");
        assert_eq!(
            Barcode::parse("899276111111A").unwrap_err().code,
            "invalid_barcode"
        );
    }

    proptest! {
        #[test]
        fn any_body_with_its_check_digit_is_a_barcode(body in proptest::collection::vec(0u32..10, 12)) {
            let code: String = body.iter().chain(std::iter::once(&gs1_check_digit(&body)))
                .map(|d| char::from_digit(*d, 10).unwrap()).collect();
            prop_assert!(Barcode::parse(&code).is_ok());
        }

        #[test]
        fn changing_one_digit_is_always_caught(body in proptest::collection::vec(0u32..10, 12), at in 0usize..13, delta in 1u32..10) {
            let mut digits = body.clone();
            digits.push(gs1_check_digit(&body));
            digits[at] = (digits[at] + delta) % 10;
            let code: String = digits.iter().map(|d| char::from_digit(*d, 10).unwrap()).collect();
            prop_assert!(Barcode::parse(&code).is_err());
        }
    }
}
