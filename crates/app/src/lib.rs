//! The SmartSeller application: configuration, the composition root, and the command line.
//! The binary in `main.rs` is a thin shell over [`cli::run`]; tests build [`server::App`] directly.

pub mod cli;
pub mod config;
pub mod keys;
pub mod seed;
pub mod server;
pub mod telemetry;

pub use config::Settings;
pub use server::App;
