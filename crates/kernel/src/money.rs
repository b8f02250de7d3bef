//! Money in integer minor units with an explicit currency. Never floats.

use serde::{Deserialize, Serialize};

/// ISO-4217 currencies SmartSeller sells in, each with its minor-unit exponent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Currency {
    /// Indonesian rupiah. ISO-4217 gives it two minor digits, but rupiah prices are whole in
    /// practice; we keep the ISO exponent so amounts exchange cleanly with payment gateways.
    Idr,
    Usd,
    Sgd,
    Myr,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Idr => "IDR",
            Currency::Usd => "USD",
            Currency::Sgd => "SGD",
            Currency::Myr => "MYR",
        }
    }

    /// Digits after the decimal point in the currency's minor unit.
    pub fn exponent(self) -> u32 {
        2
    }

    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        match code.to_ascii_uppercase().as_str() {
            "IDR" => Ok(Currency::Idr),
            "USD" => Ok(Currency::Usd),
            "SGD" => Ok(Currency::Sgd),
            "MYR" => Ok(Currency::Myr),
            _ => Err(MoneyError::UnknownCurrency(code.to_owned())),
        }
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount overflows")]
    Overflow,
    #[error("unknown currency `{0}`")]
    UnknownCurrency(String),
    #[error("cannot allocate over weights that sum to zero")]
    ZeroWeights,
}

/// An amount of one currency, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    pub fn checked_mul(self, factor: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// Splits this amount across `weights` so that the parts sum exactly to the whole
    /// (largest-remainder method): each part gets its floored share, and the minor units left
    /// over go one each to the parts with the largest remainders, earliest first on ties.
    pub fn allocate(self, weights: &[u64]) -> Result<Vec<Money>, MoneyError> {
        let total: u128 = weights.iter().map(|w| u128::from(*w)).sum();
        if total == 0 {
            return Err(MoneyError::ZeroWeights);
        }
        let negative = self.minor < 0;
        let amount = u128::from(self.minor.unsigned_abs());
        let mut parts: Vec<u128> = Vec::with_capacity(weights.len());
        let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
        for (index, weight) in weights.iter().enumerate() {
            let scaled = amount * u128::from(*weight);
            parts.push(scaled / total);
            remainders.push((scaled % total, index));
        }
        let allocated: u128 = parts.iter().sum();
        let mut leftover = amount - allocated;
        remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, index) in remainders {
            if leftover == 0 {
                break;
            }
            parts[index] += 1;
            leftover -= 1;
        }
        parts
            .into_iter()
            .map(|part| {
                let part = i64::try_from(part).map_err(|_| MoneyError::Overflow)?;
                Ok(Money::new(
                    if negative { -part } else { part },
                    self.currency,
                ))
            })
            .collect()
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn idr(minor: i64) -> Money {
        Money::new(minor, Currency::Idr)
    }

    #[test]
    fn adding_different_currencies_is_refused() {
        let usd = Money::new(100, Currency::Usd);
        assert_eq!(
            idr(100).checked_add(usd),
            Err(MoneyError::CurrencyMismatch(Currency::Idr, Currency::Usd))
        );
    }

    #[test]
    fn allocation_gives_leftovers_to_largest_remainders() {
        let parts = idr(100).allocate(&[1, 1, 1]).unwrap();
        assert_eq!(parts, vec![idr(34), idr(33), idr(33)]);
    }

    #[test]
    fn allocating_over_zero_weights_is_an_error() {
        assert_eq!(idr(100).allocate(&[0, 0]), Err(MoneyError::ZeroWeights));
    }

    proptest! {
        #[test]
        fn allocated_parts_always_sum_to_the_whole(
            minor in -1_000_000_000_000i64..1_000_000_000_000,
            weights in prop::collection::vec(0u64..1_000_000, 1..20),
        ) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let parts = idr(minor).allocate(&weights).unwrap();
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().map(|p| p.minor).sum::<i64>(), minor);
            // No part strays more than one minor unit from its exact share.
            let total: f64 = weights.iter().map(|w| *w as f64).sum();
            for (part, weight) in parts.iter().zip(&weights) {
                let exact = minor as f64 * (*weight as f64) / total;
                prop_assert!((part.minor as f64 - exact).abs() <= 1.0 + exact.abs() * 1e-12);
            }
        }
    }
}
