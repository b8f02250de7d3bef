pub mod db;
pub mod fake_shipping;
pub mod oidc;
