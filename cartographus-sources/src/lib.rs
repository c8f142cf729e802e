//! # cartographus-sources
//! (draft)
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod json;
mod loose;
mod mediabrowser;
mod multipart;
mod remote;
mod server;
mod units;
mod webhook;

pub mod emby;
pub mod jellyfin;
pub mod plex;
pub mod tautulli;

pub use error::{DecodeError, JsonPath, MultipartError};
pub use remote::{RemoteSession, RemoteSessionId};
pub use server::{ServerIdentity, ServerUser};
pub use webhook::{Thumbnail, WebhookEvent, WebhookKind};
