//! Plex Media Server: `/status/sessions`, `/status/sessions/history/all`, `/identity`,
//! the `/:/websockets/notifications` frames and multipart webhooks, decoded into core
//! types. Ask Plex for JSON (`Accept: application/json`); its default is XML.

mod decode;
mod notification;
mod webhook;
mod wire;

pub use decode::{
    decode_history, decode_identity, decode_sessions, PlexHistoryEntry, PlexHistoryPage,
};
pub use notification::{
    decode_notification, ActivityEvent, ActivityPhase, PlayingState, PlexNotification,
    StatusMessage, TimelineEntry, TranscodeProgress,
};
pub use webhook::{decode_webhook, decode_webhook_payload};
