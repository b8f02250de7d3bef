pub mod db;
pub mod oidc;
