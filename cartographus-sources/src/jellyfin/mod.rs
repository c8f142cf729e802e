//! Jellyfin (10.11 and 12): `GET /Sessions`, `/Users`, `/System/Info`, the `/socket`
//! WebSocket messages and the Webhook plugin's JSON, decoded into core types. Ticks
//! (100 ns) become milliseconds; `RemoteEndPoint` (`1.2.3.4:5678`, `[v6]:port`)
//! becomes an address without port; GUIDs in either spelling are folded to one form.

mod decode;
mod wire;

pub use crate::mediabrowser::{
    keep_alive, sessions_start, PlaystateCommand, SocketMessage, UserDataChange, UserItemChange,
};
pub use decode::{
    decode_message, decode_sessions, decode_system_info, decode_users, decode_webhook,
};
