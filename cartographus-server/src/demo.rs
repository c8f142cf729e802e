//! `cartographus demo`: the server with in-process fake Plex, Jellyfin and Emby servers
//! playing a simulated world (dozens of viewers across continents, households, a
//! traveller, a sharer, a device hopping networks), ingested through the real clients,
//! plus a month of history imported from a fake Tautulli through the real Tautulli API
//! client. The world's networks geolocate through location overrides, so no GeoIP file
//! is needed (a configured `.mmdb` is still used for anything else).

use std::time::Duration;

use cartographus_core::{Platform, ServerId};
use cartographus_sources::client::{ClientConfig, Secret as ClientSecret, TautulliClient};
use cartographus_sources::fake::{drive, FakeServer, FakeTautulli, World, WorldConfig};
use cartographus_sources::tautulli::HistoryQuery;
use cartographus_store::LocationOverride;
use chrono::Utc;

use crate::app::{self, RunError};
use crate::config::{Config, MediaServerConfig, Secret};
use crate::hub::MessageType;
use crate::pipeline::{Input, PipelineHandle};

const TOKEN: &str = "demo-token";
const TAUTULLI_KEY: &str = "demo-tautulli-key";

/// Why the demo could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The simulated world is invalid.
    #[error("the demo world: {0}")]
    World(#[from] cartographus_sources::fake::WorldError),
    /// A fake server could not start.
    #[error("a fake media server could not start: {0}")]
    Fake(std::io::Error),
    /// The server could not start.
    #[error(transparent)]
    Run(#[from] RunError),
}

/// The simulated world's networks as GeoIP location overrides (the demo needs no
/// GeoIP database).
pub fn world_overrides(world: &World) -> Vec<LocationOverride> {
    world
        .locations()
        .into_iter()
        .map(|l| {
            let mut o = LocationOverride::new(l.network, l.point, l.label);
            o.city = Some(l.city);
            o.country_code = Some(l.country_code);
            o
        })
        .collect()
}

/// Runs the demo until Ctrl-C or SIGTERM.
pub async fn run(mut config: Config) -> Result<(), DemoError> {
    let now = Utc::now();
    let world = World::new(WorldConfig::new(7, now))?;
    let mut servers = Vec::new();
    for s in world.servers() {
        let fake = FakeServer::start_as(s.platform, TOKEN, s.server_id.as_str(), &s.name)
            .await
            .map_err(DemoError::Fake)?;
        config.servers.push(MediaServerConfig {
            platform: s.platform,
            name: s.name.clone(),
            url: fake.base_url(),
            token: Secret::new(TOKEN),
            poll_interval_s: 5,
            tls_skip_verify: false,
            ca_file: None,
            webhook_secret: None,
        });
        servers.push(fake);
    }
    if config.server_location.is_none() {
        config.server_location = Some(world.server_location());
    }
    let overrides = world_overrides(&world);
    let plex_id = world
        .servers()
        .iter()
        .find(|s| s.platform == Platform::Plex)
        .map(|s| s.server_id.clone());
    let history = world.history(now, 30);
    // The other servers' past plays (the Plex server's come from Tautulli): they warm
    // detection up, so regular viewers' devices are known, and fill the history.
    let past: Vec<_> = world
        .past_plays(now, 14)
        .into_iter()
        .filter(|e| Some(&e.identity.server_id) != plex_id.as_ref())
        .collect();
    let running = app::start(config, overrides).await?;
    let url = format!("http://{}", running.state.config.listen);
    tracing::info!(
        "demo: {} fake media servers, {} viewers; open {url}",
        servers.len(),
        world.users().len()
    );
    println!("Cartographus demo running: open {url}");
    let driver_world = world.clone();
    tokio::spawn(async move {
        drive(&driver_world, &servers, Duration::from_secs(2), Utc::now).await;
    });
    running.pipeline.send(Input::Imported(past), "demo").await;
    if let Some(plex_id) = plex_id {
        let pipeline = running.pipeline.clone();
        let hub = running.state.hub.clone();
        tokio::spawn(async move {
            if let Err(e) = import_history(history, plex_id, pipeline, hub).await {
                tracing::warn!(error = %e, "demo Tautulli import failed");
            }
        });
    }
    app::serve(running).await?;
    Ok(())
}

/// Imports the world's history through a fake Tautulli and the real API client.
async fn import_history(
    history: Vec<cartographus_core::PlaybackEvent>,
    plex: ServerId,
    pipeline: PipelineHandle,
    hub: crate::hub::Hub,
) -> Result<(), String> {
    let tautulli = FakeTautulli::start(TAUTULLI_KEY, history)
        .await
        .map_err(|e| e.to_string())?;
    let client = TautulliClient::new(ClientConfig::new(
        tautulli.base_url(),
        ClientSecret::new(TAUTULLI_KEY),
    ))
    .map_err(|e| e.to_string())?;
    let mut query = HistoryQuery::default();
    query.length = 1_000;
    let mut pages = Vec::new();
    let progress = client
        .import(query, &plex, |page, progress| {
            pages.push(page.rows.iter().map(|r| r.event.clone()).collect::<Vec<_>>());
            hub.publish(
                MessageType::ImportProgress,
                &serde_json::json!({ "source": "tautulli", "read": progress.next_start, "total": progress.total }),
            );
        })
        .await
        .map_err(|e| e.to_string())?;
    for events in pages {
        pipeline.send(Input::Imported(events), "tautulli").await;
    }
    tracing::info!(rows = progress.next_start, "demo Tautulli history imported");
    Ok(())
}
