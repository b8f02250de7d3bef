//! Weight and price conversions, in one place: couriers price in whole rupiah and weigh in grams
//! or whole kilograms, we keep money in minor units (IDR has exponent 2) and never use floats.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use smartseller_kernel::money::{Currency, Money};

use super::ProviderError;

/// Minor units in one rupiah (IDR exponent 2).
const MINOR_PER_RUPIAH: i64 = 100;

/// Whole kilograms a courier charges for `grams`: rounded up, at least 1 (JNE, J&T, SiCepat
/// tariffs).
pub fn chargeable_kilograms(grams: i64) -> i64 {
    let grams = grams.max(0);
    (grams.saturating_add(999) / 1000).max(1)
}

/// A whole-rupiah amount as [`Money`].
pub fn idr_from_rupiah(rupiah: i64) -> Result<Money, ProviderError> {
    rupiah
        .checked_mul(MINOR_PER_RUPIAH)
        .map(|minor| Money::new(minor, Currency::Idr))
        .ok_or_else(|| ProviderError::Unavailable(format!("price {rupiah} is out of range")))
}

/// Parses a rupiah amount written as decimal text (`"9000"`, `"9000.00"`, `"9000.5"`) exactly.
/// More than two decimals are accepted only when the extra digits are zeros: a courier never
/// charges fractions of a sen.
pub fn idr_from_rupiah_text(text: &str) -> Result<Money, ProviderError> {
    let unreadable = || ProviderError::Unavailable(format!("unreadable price {text:?}"));
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(unreadable());
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(unreadable());
    }
    let (sen, beyond) = fraction.split_at(fraction.len().min(2));
    if beyond.bytes().any(|b| b != b'0') {
        return Err(unreadable());
    }
    let whole: i64 = whole.parse().map_err(|_| unreadable())?;
    let sen: i64 = match sen.len() {
        0 => 0,
        1 => sen.parse::<i64>().map_err(|_| unreadable())? * 10,
        _ => sen.parse().map_err(|_| unreadable())?,
    };
    whole
        .checked_mul(MINOR_PER_RUPIAH)
        .and_then(|minor| minor.checked_add(sen))
        .map(|minor| Money::new(minor, Currency::Idr))
        .ok_or_else(unreadable)
}

/// A rupiah price from a JSON number or string, read through its decimal text so no float is
/// ever involved.
pub fn idr_from_json(value: &serde_json::Value) -> Result<Money, ProviderError> {
    match value {
        serde_json::Value::Number(number) => idr_from_rupiah_text(&number.to_string()),
        serde_json::Value::String(text) => idr_from_rupiah_text(text),
        other => Err(ProviderError::Unavailable(format!(
            "unreadable price {other}"
        ))),
    }
}

/// `money` in whole rupiah for a courier request, rounded up so a declared value or a COD
/// amount is never understated. Couriers only take IDR.
pub fn whole_rupiah(money: Money) -> Result<i64, ProviderError> {
    if money.currency != Currency::Idr {
        return Err(ProviderError::Rejected(format!(
            "couriers only take IDR amounts, not {}",
            money.currency
        )));
    }
    let minor = money.minor.max(0);
    Ok(minor / MINOR_PER_RUPIAH + i64::from(minor % MINOR_PER_RUPIAH != 0))
}

/// Western Indonesia Time (UTC+7): couriers write local times without an offset.
fn wib() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
}

/// A courier timestamp: RFC 3339, or a local WIB time as `2026-11-25 10:00:00`,
/// `2026-11-25 10:00`, `25-11-2026 10:00` or `25-11-2026 10:00:00`.
pub fn parse_courier_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    const LOCAL_FORMATS: [&str; 5] = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%d-%m-%Y %H:%M:%S",
        "%d-%m-%Y %H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ];
    LOCAL_FORMATS
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|day| day.and_hms_opt(0, 0, 0))
        })
        .and_then(|local| wib().from_local_datetime(&local).single())
        .map(|at| at.with_timezone(&Utc))
}

/// `at` as a WIB wall-clock time `YYYY-MM-DD HH:MM:SS` (J&T order dates).
pub fn wib_wall_clock(at: DateTime<Utc>) -> String {
    at.with_timezone(&wib())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kilograms_round_up_with_a_minimum_of_one() {
        assert_eq!(chargeable_kilograms(0), 1);
        assert_eq!(chargeable_kilograms(1), 1);
        assert_eq!(chargeable_kilograms(1000), 1);
        assert_eq!(chargeable_kilograms(1001), 2);
        assert_eq!(chargeable_kilograms(2500), 3);
        assert_eq!(chargeable_kilograms(-5), 1);
    }

    #[test]
    fn decimal_prices_parse_exactly() {
        let idr = |minor| Money::new(minor, Currency::Idr);
        assert_eq!(idr_from_rupiah_text("9000").unwrap(), idr(900_000));
        assert_eq!(idr_from_rupiah_text("9000.00").unwrap(), idr(900_000));
        assert_eq!(idr_from_rupiah_text("9000.5").unwrap(), idr(900_050));
        assert_eq!(idr_from_rupiah_text("9000.250").unwrap(), idr(900_025));
        assert!(idr_from_rupiah_text("9000.255").is_err());
        assert!(idr_from_rupiah_text("-1").is_err());
        assert!(idr_from_rupiah_text("").is_err());
        assert!(idr_from_rupiah_text("1e3").is_err());
        assert_eq!(
            idr_from_json(&serde_json::json!(18000)).unwrap(),
            idr(1_800_000)
        );
        assert_eq!(
            idr_from_json(&serde_json::json!(18000.0)).unwrap(),
            idr(1_800_000)
        );
        assert_eq!(
            idr_from_json(&serde_json::json!("12500")).unwrap(),
            idr(1_250_000)
        );
    }

    #[test]
    fn whole_rupiah_rounds_sen_up_and_refuses_other_currencies() {
        assert_eq!(
            whole_rupiah(Money::new(15_000_000, Currency::Idr)).unwrap(),
            150_000
        );
        assert_eq!(whole_rupiah(Money::new(101, Currency::Idr)).unwrap(), 2);
        assert!(whole_rupiah(Money::new(100, Currency::Usd)).is_err());
    }

    #[test]
    fn local_courier_times_are_wib() {
        let expected = DateTime::parse_from_rfc3339("2026-11-25T03:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_courier_time("2026-11-25 10:00:00"), Some(expected));
        assert_eq!(parse_courier_time("25-11-2026 10:00"), Some(expected));
        assert_eq!(
            parse_courier_time("2026-11-25T10:00:00+07:00"),
            Some(expected)
        );
        assert_eq!(parse_courier_time("yesterday"), None);
        assert_eq!(wib_wall_clock(expected), "2026-11-25 10:00:00");
    }
}
