//! Field-by-field validation. Parsing a request into domain types collects every problem, not
//! just the first, so a client can fix a form in one go.

use serde::Serialize;

/// One field's problem, as clients see it in a 422 problem's `errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON path of the field, e.g. `email` or `permissions[2]`.
    pub field: String,
    /// Stable machine code, e.g. `too_short`.
    pub code: String,
    pub message: String,
}

/// A value that could not become a domain type.
pub trait Invalid {
    fn code(&self) -> &'static str;
    fn message(&self) -> String;
}

/// Every field error of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value, or records why it is invalid.
    pub fn check<T, E: Invalid>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(field, error.code(), error.message());
                None
            }
        }
    }

    pub fn add(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded.
    pub fn finish(self) -> Result<(), FieldErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    pub fn single(field: &str, code: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, code, message);
        errors
    }
}
