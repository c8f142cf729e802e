//! The fake servers' answers, rendered in the real wire shapes (the same shapes the
//! fixtures and decoders use).

use cartographus_core::Platform;
use serde_json::{json, Value};

use super::FakeSession;

const TICKS_PER_MS: u64 = 10_000;

pub(super) fn plex_identity(server_id: &str) -> String {
    json!({"MediaContainer": {"size": 0, "claimed": true, "machineIdentifier": server_id, "version": "1.41.0.8992-fake"}})
        .to_string()
}

/// The `Session.id` of a fake Plex session (what terminate takes).
pub(super) fn plex_session_id(s: &FakeSession) -> String {
    format!("plexsession-{}", s.id)
}

pub(super) fn plex_sessions(sessions: &[FakeSession]) -> String {
    let metadata: Vec<Value> = sessions
        .iter()
        .map(|s| {
            let mut m = json!({
                "sessionKey": s.id,
                "ratingKey": s.item_id,
                "key": format!("/library/metadata/{}", s.item_id),
                "type": "movie",
                "title": s.title,
                "librarySectionID": "1",
                "librarySectionTitle": "Movies",
                "duration": s.duration_ms,
                "viewOffset": s.position_ms,
                "Media": [{
                    "videoResolution": "1080", "videoCodec": "h264", "audioCodec": "aac",
                    "audioChannels": 2, "container": "mkv", "bitrate": 8000, "selected": true,
                    "Part": [{"decision": if s.transcode { "transcode" } else { "directplay" }, "selected": true,
                        "Stream": [{"streamType": 1, "codec": "h264"}, {"streamType": 2, "codec": "aac", "channels": 2, "selected": true}]}]
                }],
                "User": {"id": s.user_id, "title": s.user_name},
                "Player": {
                    "address": s.ip.to_string(), "machineIdentifier": s.device_id, "title": s.device_name,
                    "platform": "Android", "product": "Plex for Android (TV)", "version": "10.0",
                    "state": if s.paused { "paused" } else { "playing" },
                    "local": false, "secure": true, "relayed": false
                },
                "Session": {"id": plex_session_id(s), "bandwidth": 9000, "location": "wan"}
            });
            if s.transcode {
                m["TranscodeSession"] = json!({"key": format!("/transcode/sessions/{}", s.id), "videoDecision": "transcode",
                    "audioDecision": "copy", "container": "mpegts", "videoCodec": "h264", "audioCodec": "aac", "height": 720});
            }
            m
        })
        .collect();
    json!({"MediaContainer": {"size": sessions.len(), "Metadata": metadata}}).to_string()
}

pub(super) fn plex_playing_frame(sessions: &[FakeSession]) -> String {
    let entries: Vec<Value> = sessions
        .iter()
        .map(|s| {
            json!({"sessionKey": s.id, "clientIdentifier": s.device_id, "guid": "", "ratingKey": s.item_id, "url": "",
                "key": format!("/library/metadata/{}", s.item_id), "viewOffset": s.position_ms,
                "state": if s.paused { "paused" } else { "playing" }})
        })
        .collect();
    json!({"NotificationContainer": {"type": "playing", "size": entries.len(), "PlaySessionStateNotification": entries}})
        .to_string()
}

pub(super) fn mb_system_info(platform: Platform, server_id: &str) -> String {
    let version = if platform == Platform::Emby {
        "4.8.11.0"
    } else {
        "10.11.0"
    };
    json!({"ServerName": "fake", "Version": version, "Id": server_id, "LocalAddress": "http://127.0.0.1"}).to_string()
}

pub(super) fn mb_sessions(sessions: &[FakeSession]) -> Value {
    let list: Vec<Value> = sessions
        .iter()
        .map(|s| {
            let mut v = json!({
                "Id": s.id, "UserId": s.user_id, "UserName": s.user_name, "Client": "Fake Client",
                "DeviceId": s.device_id, "DeviceName": s.device_name, "ApplicationVersion": "1.0",
                "RemoteEndPoint": match s.ip { std::net::IpAddr::V6(ip) => format!("[{ip}]:50000"), ip => format!("{ip}:50000") },
                "NowPlayingItem": {"Id": s.item_id, "Name": s.title, "Type": "Movie", "MediaType": "Video",
                    "RunTimeTicks": s.duration_ms * TICKS_PER_MS, "Container": "mkv",
                    "MediaStreams": [{"Type": "Video", "Codec": "h264", "Index": 0, "Width": 1920, "Height": 1080},
                                     {"Type": "Audio", "Codec": "aac", "Index": 1, "Channels": 2}]},
                "PlayState": {"PositionTicks": s.position_ms * TICKS_PER_MS, "IsPaused": s.paused,
                    "PlayMethod": if s.transcode { "Transcode" } else { "DirectPlay" }, "CanSeek": true}
            });
            if s.transcode {
                v["TranscodingInfo"] = json!({"VideoCodec": "h264", "AudioCodec": "aac", "Container": "ts",
                    "IsVideoDirect": false, "IsAudioDirect": true, "Bitrate": 4_000_000, "Width": 1280, "Height": 720});
            }
            v
        })
        .collect();
    Value::Array(list)
}

pub(super) fn mb_sessions_message(sessions: &[FakeSession]) -> String {
    json!({"MessageType": "Sessions", "MessageId": "00000000000000000000000000000001", "Data": mb_sessions(sessions)})
        .to_string()
}

pub(super) fn mb_users(sessions: &[FakeSession]) -> String {
    let mut seen = std::collections::BTreeMap::new();
    for s in sessions {
        seen.insert(s.user_id.clone(), s.user_name.clone());
    }
    let users: Vec<Value> = seen
        .into_iter()
        .map(|(id, name)| json!({"Id": id, "Name": name, "Policy": {"IsAdministrator": false, "IsDisabled": false}}))
        .collect();
    Value::Array(users).to_string()
}
