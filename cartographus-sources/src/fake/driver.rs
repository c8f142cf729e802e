//! Keeps fake servers in step with a [`World`]: on every tick, each server gets the
//! sessions the world lists for it at the clock's time (Jellyfin/Emby servers also
//! get the world's accounts for `/Users`). The clock is an argument, so the demo runs
//! on real time and tests on a fake one.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::MissedTickBehavior;

use super::server::FakeServer;
use super::world::World;

/// Drives `servers` (in the order of [`World::servers`]; extra servers on either
/// side are left alone) from `world`, reading `clock` once per `tick` (at least one
/// millisecond), from the first tick at once, until dropped.
///
/// Cancel-safe: dropping the future stops the updates between two ticks; the servers
/// keep the sessions they were last given.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use cartographus_sources::fake::{drive, FakeServer, World, WorldConfig};
/// let world = World::new(WorldConfig::new(7, chrono::Utc::now())).expect("a valid world");
/// let mut servers = Vec::new();
/// for s in world.servers() {
///     servers.push(FakeServer::start_as(s.platform, "token", s.server_id.as_str(), &s.name).await?);
/// }
/// drive(&world, &servers, std::time::Duration::from_secs(2), chrono::Utc::now).await;
/// # Ok(()) }
/// ```
pub async fn drive(
    world: &World,
    servers: &[FakeServer],
    tick: Duration,
    mut clock: impl FnMut() -> DateTime<Utc>,
) {
    let users = world.users();
    for (i, server) in servers.iter().enumerate() {
        server.set_users(
            users
                .iter()
                .filter(|u| u.server == i)
                .map(|u| (u.external_id.to_string(), u.username.clone()))
                .collect(),
        );
    }
    let mut interval = tokio::time::interval(tick.max(Duration::from_millis(1)));
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        for (i, sessions) in world.step(clock()) {
            if let Some(server) = servers.get(i) {
                server.set_sessions(sessions);
            }
        }
    }
}
