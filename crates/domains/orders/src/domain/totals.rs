//! An order's money: line subtotals, the order-level discount and the shipping charge spread
//! over the lines, and PPN (VAT) on the goods, inclusive or exclusive of the shelf price. Every
//! spread uses the largest-remainder method, so the lines always add up to the order, to the
//! last sen.

use serde::{Deserialize, Serialize};
use smartseller_kernel::money::{Currency, Money, MoneyError};

/// How the store charges PPN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRule {
    /// In basis points: 11% is 1100.
    pub rate_bp: u32,
    /// Shelf prices already contain the tax (the usual case for consumer sales in Indonesia).
    pub inclusive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInput {
    pub unit_price: Money,
    pub quantity: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTotals {
    pub subtotal: Money,
    pub discount: Money,
    pub shipping: Money,
    /// The tax inside (inclusive) or on top of (exclusive) this line.
    pub tax: Money,
    /// What the buyer pays for the line: subtotal − discount + shipping (+ tax when exclusive).
    pub total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTotals {
    pub currency: Currency,
    pub subtotal: Money,
    pub discount: Money,
    pub shipping: Money,
    pub tax: Money,
    pub total: Money,
    pub lines: Vec<LineTotals>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotalsError {
    #[error("an order needs at least one line")]
    NoLines,
    #[error("line {0} has a quantity below 1")]
    BadQuantity(usize),
    #[error("line {0} has a negative price")]
    NegativePrice(usize),
    #[error("the discount is negative or larger than the goods")]
    BadDiscount,
    #[error("the shipping charge is negative")]
    NegativeShipping,
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// Rounds `numerator / denominator` half up, for non-negative values.
fn div_round(numerator: i128, denominator: i128) -> i128 {
    (numerator * 2 + denominator) / (denominator * 2)
}

fn spread(amount: Money, weights: &[u64]) -> Result<Vec<Money>, MoneyError> {
    if weights.iter().all(|weight| *weight == 0) {
        // Free goods: share evenly rather than refuse.
        return amount.allocate(&vec![1; weights.len()]);
    }
    amount.allocate(weights)
}

/// Prices an order. `discount` and `shipping` are order-level amounts in the lines' currency.
pub fn compute(
    lines: &[LineInput],
    discount: Money,
    shipping: Money,
    tax: TaxRule,
) -> Result<OrderTotals, TotalsError> {
    let first = lines.first().ok_or(TotalsError::NoLines)?;
    let currency = first.unit_price.currency;
    let mut subtotals = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        if line.quantity < 1 {
            return Err(TotalsError::BadQuantity(index));
        }
        if line.unit_price.minor < 0 {
            return Err(TotalsError::NegativePrice(index));
        }
        subtotals.push(line.unit_price.checked_mul(line.quantity)?);
    }
    let subtotal = subtotals
        .iter()
        .try_fold(Money::zero(currency), |sum, line| sum.checked_add(*line))?;
    if discount.minor < 0 || discount.checked_sub(subtotal)?.minor > 0 {
        return Err(TotalsError::BadDiscount);
    }
    if shipping.minor < 0 {
        return Err(TotalsError::NegativeShipping);
    }
    // Refuses a shipping charge in another currency.
    let shipping = Money::zero(currency).checked_add(shipping)?;

    let weights: Vec<u64> = subtotals.iter().map(|m| m.minor.unsigned_abs()).collect();
    let discounts = spread(discount, &weights)?;
    let goods: Vec<Money> = subtotals
        .iter()
        .zip(&discounts)
        .map(|(line, cut)| line.checked_sub(*cut))
        .collect::<Result<_, _>>()?;
    let goods_total = subtotal.checked_sub(discount)?;
    let goods_weights: Vec<u64> = goods.iter().map(|m| m.minor.unsigned_abs()).collect();
    let shipping_shares = spread(shipping, &goods_weights)?;

    let rate = i128::from(tax.rate_bp);
    let base = i128::from(goods_total.minor);
    let tax_minor = if tax.inclusive {
        div_round(base * rate, 10_000 + rate)
    } else {
        div_round(base * rate, 10_000)
    };
    let tax_total = Money::new(
        i64::try_from(tax_minor).map_err(|_| MoneyError::Overflow)?,
        currency,
    );
    let taxes = spread(tax_total, &goods_weights)?;

    let mut line_totals = Vec::with_capacity(lines.len());
    for index in 0..lines.len() {
        let mut total = goods[index].checked_add(shipping_shares[index])?;
        if !tax.inclusive {
            total = total.checked_add(taxes[index])?;
        }
        line_totals.push(LineTotals {
            subtotal: subtotals[index],
            discount: discounts[index],
            shipping: shipping_shares[index],
            tax: taxes[index],
            total,
        });
    }
    let mut total = goods_total.checked_add(shipping)?;
    if !tax.inclusive {
        total = total.checked_add(tax_total)?;
    }
    Ok(OrderTotals {
        currency,
        subtotal,
        discount,
        shipping,
        tax: tax_total,
        total,
        lines: line_totals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn idr(minor: i64) -> Money {
        Money::new(minor, Currency::Idr)
    }

    const PPN_INCLUSIVE: TaxRule = TaxRule {
        rate_bp: 1100,
        inclusive: true,
    };

    #[test]
    fn inclusive_ppn_is_the_tax_inside_the_price() {
        // Rp 111.000 including 11% PPN holds Rp 11.000 of tax.
        let totals = compute(
            &[LineInput {
                unit_price: idr(11_100_000),
                quantity: 1,
            }],
            idr(0),
            idr(0),
            PPN_INCLUSIVE,
        )
        .expect("totals");
        assert_eq!(totals.tax, idr(1_100_000));
        assert_eq!(totals.total, idr(11_100_000));
    }

    #[test]
    fn exclusive_ppn_is_added_and_shipping_is_not_taxed() {
        let totals = compute(
            &[LineInput {
                unit_price: idr(10_000_000),
                quantity: 2,
            }],
            idr(2_000_000),
            idr(1_500_000),
            TaxRule {
                rate_bp: 1100,
                inclusive: false,
            },
        )
        .expect("totals");
        assert_eq!(totals.subtotal, idr(20_000_000));
        assert_eq!(totals.tax, idr(1_980_000));
        assert_eq!(totals.total, idr(18_000_000 + 1_500_000 + 1_980_000));
    }

    #[test]
    fn a_discount_spreads_by_line_value_to_the_last_sen() {
        let totals = compute(
            &[
                LineInput {
                    unit_price: idr(100),
                    quantity: 1,
                },
                LineInput {
                    unit_price: idr(100),
                    quantity: 1,
                },
                LineInput {
                    unit_price: idr(100),
                    quantity: 1,
                },
            ],
            idr(100),
            idr(0),
            PPN_INCLUSIVE,
        )
        .expect("totals");
        let cuts: Vec<i64> = totals.lines.iter().map(|l| l.discount.minor).collect();
        assert_eq!(cuts, vec![34, 33, 33]);
    }

    #[test]
    fn a_discount_above_the_goods_is_refused() {
        let error = compute(
            &[LineInput {
                unit_price: idr(100),
                quantity: 1,
            }],
            idr(101),
            idr(0),
            PPN_INCLUSIVE,
        )
        .expect_err("too much");
        assert_eq!(error, TotalsError::BadDiscount);
    }

    proptest! {
        /// Whatever the prices, discount, shipping and tax, the lines sum exactly to the order,
        /// piece by piece, and no line is discounted below zero.
        #[test]
        fn lines_always_sum_to_the_order(
            lines in prop::collection::vec((0i64..50_000_000, 1i64..20), 1..12),
            discount_share in 0u32..=100,
            shipping in 0i64..10_000_000,
            rate_bp in 0u32..3000,
            inclusive: bool,
        ) {
            let inputs: Vec<LineInput> = lines
                .iter()
                .map(|(price, quantity)| LineInput { unit_price: idr(*price), quantity: *quantity })
                .collect();
            let subtotal: i64 = lines.iter().map(|(price, quantity)| price * quantity).sum();
            let discount = idr(subtotal * i64::from(discount_share) / 100);
            let totals = compute(&inputs, discount, idr(shipping), TaxRule { rate_bp, inclusive })
                .expect("totals");
            let sum = |pick: fn(&LineTotals) -> i64| totals.lines.iter().map(pick).sum::<i64>();
            prop_assert_eq!(sum(|l| l.total.minor), totals.total.minor);
            prop_assert_eq!(sum(|l| l.discount.minor), totals.discount.minor);
            prop_assert_eq!(sum(|l| l.shipping.minor), totals.shipping.minor);
            prop_assert_eq!(sum(|l| l.tax.minor), totals.tax.minor);
            prop_assert_eq!(sum(|l| l.subtotal.minor), totals.subtotal.minor);
            for line in &totals.lines {
                prop_assert!(line.discount.minor <= line.subtotal.minor);
                prop_assert!(line.total.minor >= 0);
            }
        }
    }
}
