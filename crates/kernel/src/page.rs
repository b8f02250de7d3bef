//! Cursor pagination. Lists are ordered by their UUIDv7 id (that is, by creation time), and the
//! cursor is the last id a page returned, made opaque so clients do not build them by hand.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use uuid::Uuid;

/// The largest page a list will return, whatever `limit` asks for.
pub const MAX_PAGE_SIZE: u64 = 200;
/// The page size when `limit` is not given.
pub const DEFAULT_PAGE_SIZE: u64 = 50;

/// Where a page starts and how long it is, already checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<Uuid>,
    pub limit: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("cursor is not one this server issued")]
    BadCursor,
    #[error("limit must be between 1 and {MAX_PAGE_SIZE}")]
    BadLimit,
}

impl PageRequest {
    pub fn first(limit: u64) -> Self {
        Self { after: None, limit }
    }

    pub fn parse(cursor: Option<&str>, limit: Option<u64>) -> Result<Self, PageError> {
        let limit = match limit {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            Some(_) => return Err(PageError::BadLimit),
        };
        let after = match cursor {
            None | Some("") => None,
            Some(text) => Some(decode_cursor(text)?),
        };
        Ok(Self { after, limit })
    }

    /// How many rows a store should fetch: one more than the page, to learn whether another
    /// page follows without a second query.
    pub fn fetch_limit(&self) -> u64 {
        self.limit + 1
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from rows fetched with [`PageRequest::fetch_limit`].
    pub fn from_rows(mut rows: Vec<T>, request: PageRequest, id_of: impl Fn(&T) -> Uuid) -> Self {
        let limit = usize::try_from(request.limit).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|row| encode_cursor(id_of(row)))
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

const CURSOR_PREFIX: &str = "c1.";

pub fn encode_cursor(id: Uuid) -> String {
    format!("{CURSOR_PREFIX}{}", URL_SAFE_NO_PAD.encode(id.as_bytes()))
}

pub fn decode_cursor(text: &str) -> Result<Uuid, PageError> {
    let body = text
        .strip_prefix(CURSOR_PREFIX)
        .ok_or(PageError::BadCursor)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| PageError::BadCursor)?;
    Uuid::from_slice(&bytes).map_err(|_| PageError::BadCursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor(id)).unwrap(), id);
        assert_eq!(decode_cursor("garbage"), Err(PageError::BadCursor));
        assert_eq!(decode_cursor("c1.!!"), Err(PageError::BadCursor));
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(
            PageRequest::parse(None, None).unwrap().limit,
            DEFAULT_PAGE_SIZE
        );
        assert_eq!(PageRequest::parse(None, Some(0)), Err(PageError::BadLimit));
        assert_eq!(
            PageRequest::parse(None, Some(MAX_PAGE_SIZE + 1)),
            Err(PageError::BadLimit)
        );
    }

    #[test]
    fn a_page_knows_whether_more_follow() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let request = PageRequest::first(2);
        let page = Page::from_rows(ids.clone(), request, |id| *id);
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.next_cursor, Some(encode_cursor(ids[1])));
        let last = Page::from_rows(ids[..2].to_vec(), request, |id| *id);
        assert_eq!(last.next_cursor, None);
    }
}
