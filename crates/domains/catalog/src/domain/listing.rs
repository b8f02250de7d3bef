//! How product lists are sorted and resumed.
//!
//! A page ends at a row; the next page starts strictly after it in the list's own order. For
//! the id order that is the kernel's cursor. For name or time orders the cursor carries the
//! last row's sort value and id (keyset pagination): rows inserted or changed meanwhile shift
//! pages no more than they would in a printed list, and no row is skipped or repeated within
//! one unchanged list. The cursor names its sort, so it cannot be replayed against another.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::text::TextError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProductSort {
    /// Oldest first (ids are UUIDv7, so id order is creation order).
    #[default]
    CreatedAt,
    NewestFirst,
    Name,
    NameDesc,
    UpdatedAt,
    UpdatedAtDesc,
}

impl ProductSort {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        Ok(match text.trim() {
            "created_at" => Self::CreatedAt,
            "-created_at" => Self::NewestFirst,
            "name" => Self::Name,
            "-name" => Self::NameDesc,
            "updated_at" => Self::UpdatedAt,
            "-updated_at" => Self::UpdatedAtDesc,
            _ => {
                return Err(TextError::new(
                    "invalid_sort",
                    "Sort by name, -name, updated_at, -updated_at, created_at or -created_at.",
                ));
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreatedAt => "created_at",
            Self::NewestFirst => "-created_at",
            Self::Name => "name",
            Self::NameDesc => "-name",
            Self::UpdatedAt => "updated_at",
            Self::UpdatedAtDesc => "-updated_at",
        }
    }

    pub fn descending(self) -> bool {
        matches!(
            self,
            Self::NewestFirst | Self::NameDesc | Self::UpdatedAtDesc
        )
    }
}

/// The sort value of the last row of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortValue {
    /// Id orders need nothing besides the id.
    None,
    Name(String),
    Time(DateTime<Utc>),
}

/// Where the next page of a sorted list starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyset {
    pub value: SortValue,
    pub id: Uuid,
}

/// A time a catalogue row can carry: from the Unix epoch to the year 9999. Anything else is a
/// typo or a probe, and PostgreSQL cannot even store chrono's extreme years.
pub fn plausible_time(time: DateTime<Utc>) -> bool {
    use chrono::Datelike;
    (1970..=9999).contains(&time.year())
}

#[derive(Serialize, Deserialize)]
struct Wire {
    s: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    t: Option<DateTime<Utc>>,
    i: Uuid,
}

const PREFIX: &str = "p1.";

impl Keyset {
    pub fn encode(&self, sort: ProductSort) -> String {
        let (n, t) = match &self.value {
            SortValue::None => (None, None),
            SortValue::Name(name) => (Some(name.clone()), None),
            SortValue::Time(time) => (None, Some(*time)),
        };
        let wire = Wire {
            s: sort.as_str().to_owned(),
            n,
            t,
            i: self.id,
        };
        let json = serde_json::to_vec(&wire).unwrap_or_default();
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(json))
    }

    /// A cursor this server issued for this same sort, or an error naming the `cursor` field.
    pub fn decode(text: &str, sort: ProductSort) -> Result<Self, TextError> {
        let bad = || {
            TextError::new(
                "invalid",
                "cursor is not one this server issued for this sort",
            )
        };
        let body = text.strip_prefix(PREFIX).ok_or_else(bad)?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| bad())?;
        let wire: Wire = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if wire.s != sort.as_str() {
            return Err(bad());
        }
        // A forged cursor reaches the query as a bound value: refuse what no stored name or
        // time can be (PostgreSQL rejects NUL in text outright).
        let value = match (sort, wire.n, wire.t) {
            (ProductSort::CreatedAt | ProductSort::NewestFirst, None, None) => SortValue::None,
            (ProductSort::Name | ProductSort::NameDesc, Some(name), None)
                if !name.chars().any(char::is_control) =>
            {
                SortValue::Name(name)
            }
            (ProductSort::UpdatedAt | ProductSort::UpdatedAtDesc, None, Some(time))
                if plausible_time(time) =>
            {
                SortValue::Time(time)
            }
            _ => return Err(bad()),
        };
        Ok(Self { value, id: wire.i })
    }
}

/// What a product list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// This category and every category beneath it.
    pub category_tree: Option<Uuid>,
    /// Exactly this category.
    pub category: Option<Uuid>,
    pub status: Option<String>,
    /// Products with at least one variant (not archived) priced within, in `currency`.
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub currency: String,
    pub updated_since: Option<DateTime<Utc>>,
    /// `in_stock`: some variant can be sold now (low ones included); `low_stock`: can be sold but
    /// some level is at or below its reorder point; `out_of_stock`: nothing can be sold.
    pub stock_state: Option<super::stock::StockState>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_only_for_their_own_sort() {
        let by_name = Keyset {
            value: SortValue::Name("Kemeja Batik".into()),
            id: Uuid::now_v7(),
        };
        let text = by_name.encode(ProductSort::Name);
        assert_eq!(Keyset::decode(&text, ProductSort::Name).unwrap(), by_name);
        assert!(Keyset::decode(&text, ProductSort::NameDesc).is_err());
        assert!(Keyset::decode(&text, ProductSort::UpdatedAt).is_err());
        assert!(Keyset::decode("p1.!!", ProductSort::Name).is_err());
        assert!(Keyset::decode("c1.AAAA", ProductSort::CreatedAt).is_err());
        let forged = format!(
            "p1.{}",
            URL_SAFE_NO_PAD.encode(
                br#"{"s":"name","n":"a\u0000","i":"0190e0e0-0000-7000-8000-000000000000"}"#
            )
        );
        assert!(Keyset::decode(&forged, ProductSort::Name).is_err());
        let ancient = format!(
            "p1.{}",
            URL_SAFE_NO_PAD.encode(br#"{"s":"updated_at","t":"0100-01-01T00:00:00Z","i":"0190e0e0-0000-7000-8000-000000000000"}"#)
        );
        assert!(Keyset::decode(&ancient, ProductSort::UpdatedAt).is_err());

        let by_time = Keyset {
            value: SortValue::Time(smartseller_kernel::clock::now()),
            id: Uuid::now_v7(),
        };
        let text = by_time.encode(ProductSort::UpdatedAtDesc);
        assert_eq!(
            Keyset::decode(&text, ProductSort::UpdatedAtDesc).unwrap(),
            by_time
        );
    }

    #[test]
    fn sorts_parse_from_the_query_syntax() {
        assert_eq!(ProductSort::parse("-name").unwrap(), ProductSort::NameDesc);
        assert!(ProductSort::parse("-name").unwrap().descending());
        assert_eq!(
            ProductSort::parse("price").unwrap_err().code,
            "invalid_sort"
        );
    }
}
