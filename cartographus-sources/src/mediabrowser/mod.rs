//! What Jellyfin and Emby share since Jellyfin forked from Emby (the MediaBrowser
//! API): item, stream, play-state, user and system-info wire structs, the session and
//! quality mapping, and the WebSocket envelope. The platform modules keep their own
//! `SessionInfo`, transcoding and webhook structs, where the two differ.

pub(crate) mod map;
pub(crate) mod socket;
pub(crate) mod wire;

use cartographus_core::Platform;

use crate::error::DecodeError;
use crate::json;
use crate::server::{ServerIdentity, ServerUser};

pub use socket::{
    keep_alive, sessions_start, PlaystateCommand, SocketMessage, UserDataChange, UserItemChange,
};

/// Decodes `/Users` (a `UserDto[]`).
pub(crate) fn decode_users(bytes: &[u8]) -> Result<Vec<ServerUser>, DecodeError> {
    let users: Vec<wire::User> = json::from_slice(bytes)?;
    Ok(map::users_of(users))
}

/// Decodes `/System/Info` or `/System/Info/Public`.
pub(crate) fn decode_system_info(
    platform: Platform,
    bytes: &[u8],
) -> Result<ServerIdentity, DecodeError> {
    let info: wire::SystemInfo = json::from_slice(bytes)?;
    Ok(map::identity_of(platform, info))
}
