//! In-process fakes (feature `fake`) for tests, the demo and benches:
//!
//! - [`FakeServer`]: a Plex, Jellyfin or Emby server on `127.0.0.1:0` serving the
//!   real paths, auth checks (401 without the token), JSON shapes and WebSocket
//!   messages from the sessions the caller scripts ([`FakeServer::set_sessions`]),
//!   with fault injection: answer the next requests with 500/429, drop every socket,
//!   send a malformed frame.
//! - [`FakeSession`]: one session in platform-neutral terms; [`sessions_body`]
//!   renders a list the way a server would, without a server.
//! - [`World`]: a deterministic, sans-IO simulated world (people, households,
//!   devices, a library, evening peaks, scripted bad actors) that says what every
//!   server lists at any moment, what its history was and where its networks are.
//! - [`drive`]: keeps fake servers in step with a world on a clock.
//! - [`FakeTautulli`]: Tautulli's API v2 (`get_history`, `get_users`,
//!   `get_server_info`) over a fixed history, e.g. [`World::history`].

mod driver;
mod render;
mod server;
mod session;
mod tautulli;
mod world;

pub use driver::drive;
pub use server::FakeServer;
pub use session::{sessions_body, FakeMedia, FakeSession, FakeTranscode};
pub use tautulli::FakeTautulli;
pub use world::{
    World, WorldConfig, WorldError, WorldLocation, WorldRole, WorldServer, WorldUser, MAX_USERS,
};
