//! Every conversion between our [`Money`] (integer minor units) and the amounts gateways speak:
//! whole rupiah (Midtrans, Xendit), decimal strings (`"10000.00"` in Midtrans notifications,
//! PayPal `value`), and foreign units at a seller-set rate (PayPal does not take IDR). All of it
//! in integer arithmetic: a float never touches money.

use smartseller_contracts::payments::PaymentItem;
use smartseller_kernel::money::{Currency, Money};

/// Why an amount could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("`{0}` is not a decimal amount")]
    NotADecimal(String),
    #[error("`{0}` has more decimals than the currency's minor unit")]
    TooPrecise(String),
    #[error("{0} minor units are not a whole number of rupiah")]
    NotWholeRupiah(i64),
    #[error("the amount is out of range")]
    Overflow,
    #[error("the conversion rate must be positive")]
    BadRate,
}

/// Minor units per major unit (all our currencies have exponent 2).
fn minor_per_major(currency: Currency) -> i64 {
    10_i64.pow(currency.exponent())
}

/// The exact number of whole rupiah in `amount`, refusing amounts with a fraction of a rupiah.
pub fn whole_rupiah(amount: Money) -> Result<i64, AmountError> {
    let per = minor_per_major(amount.currency);
    if amount.minor % per != 0 {
        return Err(AmountError::NotWholeRupiah(amount.minor));
    }
    Ok(amount.minor / per)
}

/// `amount` rounded to whole rupiah, halves away from zero (for display lines only; totals use
/// [`whole_rupiah`]).
pub fn rounded_rupiah(amount: Money) -> i64 {
    let per = minor_per_major(amount.currency);
    let whole = amount.minor / per;
    let rest = amount.minor % per;
    if rest * 2 >= per {
        whole + 1
    } else if rest * 2 <= -per {
        whole - 1
    } else {
        whole
    }
}

/// Whole major units back into minor units.
pub fn from_whole(units: i64, currency: Currency) -> Result<Money, AmountError> {
    units
        .checked_mul(minor_per_major(currency))
        .map(|minor| Money::new(minor, currency))
        .ok_or(AmountError::Overflow)
}

/// Parses a non-negative decimal amount such as `"10000.00"`, `"10000"` or `"10.5"` into minor
/// units exactly. More fractional digits than the currency has are refused unless they are zeros.
pub fn parse_decimal(text: &str, currency: Currency) -> Result<Money, AmountError> {
    let not_decimal = || AmountError::NotADecimal(text.to_owned());
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_decimal());
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) || (text.contains('.') && fraction.is_empty())
    {
        return Err(not_decimal());
    }
    let exponent = currency.exponent() as usize;
    let (kept, dropped) = fraction.split_at(fraction.len().min(exponent));
    if dropped.bytes().any(|b| b != b'0') {
        return Err(AmountError::TooPrecise(text.to_owned()));
    }
    let whole: i64 = whole.parse().map_err(|_| AmountError::Overflow)?;
    let mut fraction_minor: i64 = 0;
    for position in 0..exponent {
        let digit = kept
            .as_bytes()
            .get(position)
            .map_or(0, |b| i64::from(b - b'0'));
        fraction_minor = fraction_minor * 10 + digit;
    }
    whole
        .checked_mul(minor_per_major(currency))
        .and_then(|minor| minor.checked_add(fraction_minor))
        .map(|minor| Money::new(minor, currency))
        .ok_or(AmountError::Overflow)
}

/// Reads a JSON amount in major units, as a number (`150000`, `10.5`) or a string (`"10000.00"`).
pub fn parse_json_amount(
    value: &serde_json::Value,
    currency: Currency,
) -> Result<Money, AmountError> {
    match value {
        // serde_json prints integers exactly and floats in their shortest round-trip form, so
        // `150000.5` reads back as the decimal the provider wrote.
        serde_json::Value::Number(number) => parse_decimal(&number.to_string(), currency),
        serde_json::Value::String(text) => parse_decimal(text, currency),
        other => Err(AmountError::NotADecimal(other.to_string())),
    }
}

/// Minor units as a decimal string with the currency's digits: 1_000_000 IDR → `"10000.00"`.
pub fn to_decimal(amount: Money) -> String {
    let per = minor_per_major(amount.currency);
    let sign = if amount.minor < 0 { "-" } else { "" };
    let absolute = amount.minor.unsigned_abs();
    let per = per.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        absolute / per,
        absolute % per,
        width = amount.currency.exponent() as usize
    )
}

/// Converts an IDR amount into `target` at `idr_per_unit` rupiah for one unit of `target`,
/// rounding half up to the target's minor unit. Rp 160.000 at 16 000 per USD is USD 10.00.
pub fn idr_to_foreign(
    amount: Money,
    target: Currency,
    idr_per_unit: i64,
) -> Result<Money, AmountError> {
    if idr_per_unit <= 0 {
        return Err(AmountError::BadRate);
    }
    // target_minor = idr_minor / 100 (rupiah) / rate * 100 (target minor) = idr_minor / rate
    // when both currencies have two minor digits; written generally for clarity.
    let numerator = i128::from(amount.minor) * i128::from(minor_per_major(target));
    let denominator = i128::from(idr_per_unit) * i128::from(minor_per_major(amount.currency));
    let quotient = (2 * numerator + denominator).div_euclid(2 * denominator);
    i64::try_from(quotient)
        .map(|minor| Money::new(minor, target))
        .map_err(|_| AmountError::Overflow)
}

/// Converts a foreign amount back into IDR at `idr_per_unit` (exact multiplication; it may differ
/// from the original IDR amount by the rounding [`idr_to_foreign`] applied).
pub fn foreign_to_idr(amount: Money, idr_per_unit: i64) -> Result<Money, AmountError> {
    if idr_per_unit <= 0 {
        return Err(AmountError::BadRate);
    }
    let numerator = i128::from(amount.minor)
        * i128::from(idr_per_unit)
        * i128::from(minor_per_major(Currency::Idr));
    let minor = numerator / i128::from(minor_per_major(amount.currency));
    i64::try_from(minor)
        .map(|minor| Money::new(minor, Currency::Idr))
        .map_err(|_| AmountError::Overflow)
}

/// An item line in whole rupiah.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RupiahLine {
    pub id: String,
    pub name: String,
    pub price: i64,
    pub quantity: i64,
}

/// `items` in whole rupiah, summing exactly to `gross_amount`: unit prices that are not whole
/// rupiah are rounded (half up), and what rounding moved goes on an "Adjustment" line (Midtrans
/// refuses items that do not sum to `gross_amount`). Names are cut at `name_limit` characters.
pub fn rupiah_lines(
    items: &[PaymentItem],
    gross_amount: i64,
    name_limit: usize,
) -> Vec<RupiahLine> {
    let mut lines: Vec<RupiahLine> = items
        .iter()
        .map(|item| RupiahLine {
            id: item.sku.clone(),
            name: item.name.chars().take(name_limit).collect(),
            price: rounded_rupiah(item.unit_price),
            quantity: item.quantity,
        })
        .collect();
    let listed: i64 = lines
        .iter()
        .map(|line| line.price.saturating_mul(line.quantity))
        .fold(0_i64, i64::saturating_add);
    let difference = gross_amount.saturating_sub(listed);
    if difference != 0 {
        lines.push(RupiahLine {
            id: "adjustment".to_owned(),
            name: "Adjustment".to_owned(),
            price: difference,
            quantity: 1,
        });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn idr(minor: i64) -> Money {
        Money::new(minor, Currency::Idr)
    }

    #[test]
    fn whole_rupiah_is_exact_or_refused() {
        assert_eq!(whole_rupiah(idr(15_000_000)), Ok(150_000));
        assert_eq!(
            whole_rupiah(idr(15_000_050)),
            Err(AmountError::NotWholeRupiah(15_000_050))
        );
    }

    #[test]
    fn rounding_to_rupiah_takes_halves_up() {
        assert_eq!(rounded_rupiah(idr(1_049)), 10);
        assert_eq!(rounded_rupiah(idr(1_050)), 11);
        assert_eq!(rounded_rupiah(idr(-1_050)), -11);
        assert_eq!(rounded_rupiah(idr(-1_049)), -10);
    }

    #[test]
    fn midtrans_gross_amount_strings_parse_to_minor_units() {
        assert_eq!(parse_decimal("10000.00", Currency::Idr), Ok(idr(1_000_000)));
        assert_eq!(parse_decimal("10000", Currency::Idr), Ok(idr(1_000_000)));
        assert_eq!(
            parse_decimal("10.5", Currency::Usd),
            Ok(Money::new(1_050, Currency::Usd))
        );
        assert_eq!(
            parse_decimal("10.500", Currency::Usd),
            Ok(Money::new(1_050, Currency::Usd))
        );
        assert!(matches!(
            parse_decimal("10.505", Currency::Usd),
            Err(AmountError::TooPrecise(_))
        ));
        for bad in ["", ".5", "1.", "-1", "1e5", "1,000", " 1", "1.2.3"] {
            assert!(
                parse_decimal(bad, Currency::Idr).is_err(),
                "{bad:?} accepted"
            );
        }
        assert_eq!(
            parse_decimal("99999999999999999999", Currency::Idr),
            Err(AmountError::Overflow)
        );
    }

    #[test]
    fn json_numbers_and_strings_are_read_exactly() {
        assert_eq!(
            parse_json_amount(&serde_json::json!(150000), Currency::Idr),
            Ok(idr(15_000_000))
        );
        assert_eq!(
            parse_json_amount(&serde_json::json!(150000.5), Currency::Idr),
            Ok(idr(15_000_050))
        );
        assert_eq!(
            parse_json_amount(&serde_json::json!("7.25"), Currency::Idr),
            Ok(idr(725))
        );
        assert!(parse_json_amount(&serde_json::json!(null), Currency::Idr).is_err());
    }

    #[test]
    fn decimals_print_with_two_digits() {
        assert_eq!(to_decimal(idr(1_000_000)), "10000.00");
        assert_eq!(to_decimal(Money::new(5, Currency::Usd)), "0.05");
        assert_eq!(to_decimal(Money::new(-1_050, Currency::Usd)), "-10.50");
    }

    #[test]
    fn idr_converts_to_dollars_rounding_half_up() {
        // Rp 160.000 at 16 000 per USD.
        assert_eq!(
            idr_to_foreign(idr(16_000_000), Currency::Usd, 16_000),
            Ok(Money::new(1_000, Currency::Usd))
        );
        // Rp 100.080 at 16 000 = 6.2550 USD → 6.26 (half up).
        assert_eq!(
            idr_to_foreign(idr(10_008_000), Currency::Usd, 16_000),
            Ok(Money::new(626, Currency::Usd))
        );
        // Rp 100.079 → 6.2549 → 6.25.
        assert_eq!(
            idr_to_foreign(idr(10_007_900), Currency::Usd, 16_000),
            Ok(Money::new(625, Currency::Usd))
        );
        assert_eq!(
            idr_to_foreign(idr(1), Currency::Usd, 0),
            Err(AmountError::BadRate)
        );
        assert_eq!(
            foreign_to_idr(Money::new(1_000, Currency::Usd), 16_000),
            Ok(idr(16_000_000))
        );
    }

    proptest! {
        #[test]
        fn decimal_printing_and_parsing_round_trip(minor in 0_i64..i64::MAX / 2) {
            let amount = idr(minor);
            prop_assert_eq!(parse_decimal(&to_decimal(amount), Currency::Idr), Ok(amount));
        }

        #[test]
        fn whole_rupiah_times_hundred_is_the_minor_amount(rupiah in -1_000_000_000_000_i64..1_000_000_000_000) {
            let amount = from_whole(rupiah, Currency::Idr).unwrap();
            prop_assert_eq!(whole_rupiah(amount), Ok(rupiah));
            prop_assert_eq!(rounded_rupiah(amount), rupiah);
        }

        #[test]
        fn conversion_is_within_half_a_cent(minor in 0_i64..1_000_000_000_000, rate in 1_i64..100_000) {
            let dollars = idr_to_foreign(idr(minor), Currency::Usd, rate).unwrap();
            // |dollars·rate − minor| ≤ rate/2, i.e. within half a cent of the exact value.
            let back = i128::from(dollars.minor) * i128::from(rate);
            prop_assert!((back - i128::from(minor)).abs() * 2 <= i128::from(rate));
        }
    }
}
