//! How much of a payment may be captured and refunded: captured ≤ amount, Σ refunds ≤ captured,
//! always in the payment's currency and in minor units.

use smartseller_contracts::payments::PaymentStatus;
use smartseller_kernel::money::Money;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountRuleError {
    #[error("the amount must be at least 1")]
    NotPositive,
    #[error("the amount is in {given}, the payment in {expected}")]
    CurrencyMismatch { given: String, expected: String },
    #[error("at most {limit_minor} (minor units) may be taken")]
    AboveLimit { limit_minor: i64 },
}

/// A capture of `capture` on an authorisation of `authorized`: from 1 up to the whole amount.
pub fn check_capture(capture: Money, authorized: Money) -> Result<Money, AmountRuleError> {
    same_currency(capture, authorized)?;
    if capture.minor < 1 {
        return Err(AmountRuleError::NotPositive);
    }
    if capture.minor > authorized.minor {
        return Err(AmountRuleError::AboveLimit {
            limit_minor: authorized.minor,
        });
    }
    Ok(capture)
}

/// A refund of `refund` on a payment that captured `captured` and refunded `refunded` so far:
/// the new refunded total and the status it leaves the payment in.
pub fn check_refund(
    refund: Money,
    captured: Money,
    refunded: Money,
) -> Result<(Money, PaymentStatus), AmountRuleError> {
    same_currency(refund, captured)?;
    if refund.minor < 1 {
        return Err(AmountRuleError::NotPositive);
    }
    let left = captured.minor.saturating_sub(refunded.minor).max(0);
    if refund.minor > left {
        return Err(AmountRuleError::AboveLimit { limit_minor: left });
    }
    let total = Money::new(refunded.minor + refund.minor, captured.currency);
    let status = if total.minor == captured.minor {
        PaymentStatus::Refunded
    } else {
        PaymentStatus::PartiallyRefunded
    };
    Ok((total, status))
}

fn same_currency(given: Money, expected: Money) -> Result<(), AmountRuleError> {
    if given.currency != expected.currency {
        return Err(AmountRuleError::CurrencyMismatch {
            given: given.currency.code().to_owned(),
            expected: expected.currency.code().to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use smartseller_kernel::money::Currency;

    fn idr(minor: i64) -> Money {
        Money::new(minor, Currency::Idr)
    }

    #[test]
    fn a_capture_may_be_partial_but_never_above_the_authorisation() {
        assert_eq!(
            check_capture(idr(5_000_000), idr(15_000_000)),
            Ok(idr(5_000_000))
        );
        assert_eq!(
            check_capture(idr(15_000_000), idr(15_000_000)),
            Ok(idr(15_000_000))
        );
        assert_eq!(
            check_capture(idr(15_000_001), idr(15_000_000)),
            Err(AmountRuleError::AboveLimit {
                limit_minor: 15_000_000
            })
        );
        assert_eq!(
            check_capture(idr(0), idr(15_000_000)),
            Err(AmountRuleError::NotPositive)
        );
        assert!(matches!(
            check_capture(Money::new(100, Currency::Usd), idr(15_000_000)),
            Err(AmountRuleError::CurrencyMismatch { .. })
        ));
    }

    #[test]
    fn refunds_run_partially_then_fully_and_never_past_what_was_captured() {
        let captured = idr(15_000_000);
        let (after_first, status) =
            check_refund(idr(5_000_000), captured, idr(0)).expect("partial");
        assert_eq!(
            (after_first, status),
            (idr(5_000_000), PaymentStatus::PartiallyRefunded)
        );
        assert_eq!(
            check_refund(idr(10_000_001), captured, after_first),
            Err(AmountRuleError::AboveLimit {
                limit_minor: 10_000_000
            })
        );
        let (total, status) = check_refund(idr(10_000_000), captured, after_first).expect("rest");
        assert_eq!((total, status), (captured, PaymentStatus::Refunded));
        assert_eq!(
            check_refund(idr(1), captured, total),
            Err(AmountRuleError::AboveLimit { limit_minor: 0 })
        );
    }

    proptest! {
        #[test]
        fn accepted_refunds_never_sum_past_the_capture(
            captured in 1i64..1_000_000_000,
            refunds in proptest::collection::vec(1i64..500_000_000, 0..10),
        ) {
            let mut refunded = idr(0);
            for refund in refunds {
                if let Ok((total, _)) = check_refund(idr(refund), idr(captured), refunded) {
                    refunded = total;
                }
                prop_assert!(refunded.minor <= captured);
            }
        }
    }
}
