//! The WebSocket messages Jellyfin (`/socket`) and Emby (`/embywebsocket`) push, in
//! the envelope both use: `{"MessageType": …, "Data": …, "MessageId": …}`. The types a
//! monitor needs are decoded; any other type becomes [`SocketMessage::Ignored`].
//! Also the messages a client sends to subscribe ([`sessions_start`]) and to keep the
//! socket alive ([`keep_alive`]).

use cartographus_core::{ExternalUserId, MediaKey};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::wire::{Envelope, PlaystateRequest, UserDataChangeInfo};
use crate::error::DecodeError;
use crate::json;
use crate::remote::RemoteSession;
use crate::units::ticks_to_ms;

/// One message pushed by a Jellyfin or Emby server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SocketMessage {
    /// `Sessions`: the full list of playing sessions (the answer to `SessionsStart`),
    /// idle sessions left out. Hand it to the tracker as a snapshot.
    Sessions(Vec<RemoteSession>),
    /// `Playstate`: a remote-control command sent to a client.
    Playstate(PlaystateCommand),
    /// `UserDataChanged`: a user's play state of some items changed.
    UserDataChanged(UserDataChange),
    /// `ForceKeepAlive`: the server wants a `KeepAlive` at least this often.
    ForceKeepAlive {
        /// The server's timeout, in seconds; send keep-alives at half of it.
        timeout_s: Option<u32>,
    },
    /// `KeepAlive`: the server's answer to ours.
    KeepAlive,
    /// Any other message type, with its name.
    Ignored {
        /// The `MessageType`.
        kind: String,
    },
}

/// A `Playstate` command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlaystateCommand {
    /// `Stop`, `Pause`, `Unpause`, `Seek`…
    pub command: Option<String>,
    /// For `Seek`: where to, in ms.
    pub seek_position_ms: Option<u64>,
    /// Who sent the command.
    pub controlling_user_id: Option<ExternalUserId>,
}

/// A `UserDataChanged` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserDataChange {
    /// The user.
    pub user_id: Option<ExternalUserId>,
    /// The items whose data changed.
    pub items: Vec<UserItemChange>,
}

/// One item of a [`UserDataChange`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserItemChange {
    /// The item.
    pub item_id: Option<MediaKey>,
    /// The saved position, in ms.
    pub position_ms: Option<u64>,
    /// How often the user played it.
    pub play_count: Option<u32>,
    /// Whether it counts as played.
    pub played: Option<bool>,
    /// How far through, 0–100.
    pub played_percentage: Option<f64>,
    /// When it was last played.
    pub last_played: Option<DateTime<Utc>>,
}

/// The message that subscribes to `Sessions` pushes: after `initial_delay_ms`, then
/// every `interval_ms` (Jellyfin's web client uses `0,1500`).
pub fn sessions_start(initial_delay_ms: u32, interval_ms: u32) -> String {
    serde_json::json!({
        "MessageType": "SessionsStart",
        "Data": format!("{initial_delay_ms},{interval_ms}"),
    })
    .to_string()
}

/// The client's keep-alive message.
pub fn keep_alive() -> String {
    serde_json::json!({ "MessageType": "KeepAlive" }).to_string()
}

/// Decodes one text frame; `sessions` maps the platform's `Data` of a `Sessions`
/// message (a `SessionInfo[]` in its own shape).
pub(crate) fn decode<S: DeserializeOwned>(
    bytes: &[u8],
    sessions: impl FnOnce(Vec<S>) -> Result<Vec<RemoteSession>, DecodeError>,
) -> Result<SocketMessage, DecodeError> {
    let env: Envelope = json::from_slice(bytes)?;
    let kind = env.message_type.unwrap_or_default();
    Ok(match kind.as_str() {
        "Sessions" => {
            let list: Vec<S> = match env.data {
                serde_json::Value::Null => Vec::new(),
                data => json::from_value(data, "Data")?,
            };
            SocketMessage::Sessions(sessions(list)?)
        }
        "Playstate" => {
            let p: PlaystateRequest = data_or_default(env.data)?;
            SocketMessage::Playstate(PlaystateCommand {
                command: p.command,
                seek_position_ms: p.seek_position_ticks.and_then(ticks_to_ms),
                controlling_user_id: p.controlling_user_id,
            })
        }
        "UserDataChanged" => {
            let u: UserDataChangeInfo = data_or_default(env.data)?;
            SocketMessage::UserDataChanged(UserDataChange {
                user_id: u.user_id,
                items: u
                    .user_data_list
                    .into_iter()
                    .map(|d| UserItemChange {
                        item_id: d.item_id,
                        position_ms: d.playback_position_ticks.and_then(ticks_to_ms),
                        play_count: d.play_count,
                        played: d.played,
                        played_percentage: d.played_percentage,
                        last_played: d.last_played_date,
                    })
                    .collect(),
            })
        }
        "ForceKeepAlive" => {
            #[derive(Deserialize)]
            struct Timeout(#[serde(deserialize_with = "crate::loose::opt_num")] Option<u32>);
            let Timeout(timeout_s) = json::from_value(env.data, "Data")?;
            SocketMessage::ForceKeepAlive { timeout_s }
        }
        "KeepAlive" => SocketMessage::KeepAlive,
        _ => SocketMessage::Ignored { kind },
    })
}

fn data_or_default<T: DeserializeOwned + Default>(
    data: serde_json::Value,
) -> Result<T, DecodeError> {
    match data {
        serde_json::Value::Null => Ok(T::default()),
        d => json::from_value(d, "Data"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbound_messages() {
        let v: serde_json::Value = serde_json::from_str(&sessions_start(0, 1500)).unwrap();
        assert_eq!(v["MessageType"], "SessionsStart");
        assert_eq!(v["Data"], "0,1500");
        assert!(keep_alive().contains("\"KeepAlive\""));
    }
}
