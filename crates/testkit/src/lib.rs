pub mod db;
pub mod fake_payments;
pub mod oidc;
