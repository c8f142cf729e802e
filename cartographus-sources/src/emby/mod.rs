//! Emby (4.8): `/Sessions`, `/Users`, `/System/Info` (with or without the `/emby`
//! prefix), the `/embywebsocket` messages and Emby's webhooks (`playback.start`,
//! `playback.pause`, `playback.unpause`, `playback.stop`), decoded into core types.
//! The message and item handling is shared with Jellyfin; the session, transcoding and
//! webhook shapes are Emby's own.

mod decode;
mod wire;

pub use crate::mediabrowser::{
    keep_alive, sessions_start, PlaystateCommand, SocketMessage, UserDataChange, UserItemChange,
};
pub use decode::{
    decode_message, decode_sessions, decode_system_info, decode_users, decode_webhook,
};
