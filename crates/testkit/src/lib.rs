pub mod db;
pub mod fake_payments;
pub mod fake_shipping;
pub mod oidc;
