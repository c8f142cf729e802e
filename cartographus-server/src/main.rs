//! The `cartographus` binary. At this stage of the project it validates its
//! configuration and prints what the demo will run: the HTTP server and the ingestion
//! pipeline land with the server issue.

use cartographus_server::config;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("demo");
    match command {
        "demo" | "serve" => {
            let path = std::env::var("DUCKDB_PATH")
                .unwrap_or_else(|_| "./data/cartographus.duckdb".to_owned());
            let port = std::env::var("HTTP_PORT").unwrap_or_else(|_| "3857".to_owned());
            println!("cartographus {command}: would open the store at {path},");
            println!("start fake Plex, Jellyfin and Emby servers playing a simulated world,");
            println!(
                "track their sessions (cartographus-core {}),",
                env!("CARGO_PKG_VERSION")
            );
            println!("and serve the UI and API on http://127.0.0.1:{port}.");
            println!("The server itself is not built yet: see the [server] issue.");
            println!("{} settings are understood.", config::ENV_VARS.len());
        }
        "--version" | "-V" => println!("cartographus {}", env!("CARGO_PKG_VERSION")),
        _ => {
            println!("usage: cartographus [demo|serve|--version]");
        }
    }
}
