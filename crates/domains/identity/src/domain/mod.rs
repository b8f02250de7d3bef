//! Identity's pure rules: what a valid email, password, store name or role is; which roles come
//! built in; how secrets are made and compared. No I/O, no async.

pub mod names;
pub mod password;
pub mod roles;
pub mod secrets;

pub use names::{
    ApiKeyName, EmailAddress, FullName, RoleDescription, RoleKey, RoleName, StoreName,
};
pub use password::Password;
