//! Mount the Cartographus API and UI inside another axum application.
//!
//! ```sh
//! cargo run --release -p cartographus-server --example embed_server -- [--port N] [--seconds S]
//! ```
//!
//! The host application owns `/` and `/hello`; Cartographus runs its pipeline (no media
//! servers configured here: add them to the config as usual) and answers everything
//! under `/cartographus/` — `/cartographus/api/v1/health`, `/cartographus/api/v1/stats`
//! and so on. With `--seconds`, the example queries itself and exits (CI runs it so).

use std::net::SocketAddr;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use cartographus_server::app;
use cartographus_server::config::{apply_env, Config, RawConfig};
use cartographus_server::http::router;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = arg("--port").map_or(Ok(0), |p| p.parse())?;
    let seconds: Option<u64> = arg("--seconds").map(|s| s.parse()).transpose()?;
    let data = tempfile_dir()?;

    // The same configuration the binary reads, from settings instead of the environment.
    let mut raw = RawConfig::default();
    let db = data.join("cartographus.duckdb").display().to_string();
    let settings = [
        ("AUTH_MODE", "none"),
        ("DUCKDB_PATH", db.as_str()),
        ("WAL_ENABLED", "false"),
    ];
    apply_env(&mut raw, &|k| {
        settings
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| (*v).to_owned())
    })?;
    let config = Config::from_raw(&raw, None)?;

    // Start the pipeline and mount its router under a prefix of the host application.
    let running = app::start(config, Vec::new()).await?;
    let host = Router::new()
        .route("/", get(|| async { "the host application" }))
        .route("/hello", get(|| async { "hello from the host" }))
        .nest("/cartographus", router(running.state.clone()));

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    println!("host app on http://{addr}/ with Cartographus under http://{addr}/cartographus/");
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            host.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });

    let Some(seconds) = seconds else {
        server.await??;
        return Ok(());
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    for path in [
        "/hello",
        "/cartographus/api/v1/health",
        "/cartographus/api/v1/stats",
    ] {
        let resp = reqwest::get(format!("http://{addr}{path}")).await?;
        println!(
            "GET {path} -> {} {}",
            resp.status().as_u16(),
            resp.text().await?
        );
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let _ = running.shutdown.send(true);
    std::fs::remove_dir_all(&data)?;
    Ok(())
}

/// A fresh folder for the example's store.
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("cartographus-embed-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
