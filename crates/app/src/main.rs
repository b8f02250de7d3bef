use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = smartseller_app::cli::Cli::parse();
    match smartseller_app::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("smartseller: {error:#}");
            ExitCode::FAILURE
        }
    }
}
