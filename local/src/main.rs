//! `roster-local`: the whole of Roster in one process on the embedded adapters.

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let config = match roster_local::LocalConfig::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("roster-local: {error}");
            std::process::exit(2);
        }
    };
    if let Err(error) = roster_local::run(config).await {
        eprintln!("roster-local: {error}");
        std::process::exit(1);
    }
}
