//! The fake servers' answers, rendered in the real wire shapes (the same shapes the
//! fixtures and decoders use): Plex `MediaContainer` metadata with `Media`/`Part`/
//! `Stream`, `User`, `Player`, `Session` and `TranscodeSession`; Jellyfin/Emby
//! `SessionInfo` with `NowPlayingItem`, `PlayState` and `TranscodingInfo`.

use cartographus_core::{MediaType, Platform};
use serde_json::{json, Map, Value};

use super::session::{FakeSession, FakeTranscode};
use crate::units::resolution_label;

const TICKS_PER_MS: u64 = 10_000;

pub(super) fn plex_identity(server_id: &str) -> String {
    json!({"MediaContainer": {"size": 0, "claimed": true, "machineIdentifier": server_id, "version": "1.41.0.8992-fake"}})
        .to_string()
}

/// The `Session.id` of a fake Plex session (what terminate takes).
pub(super) fn plex_session_id(s: &FakeSession) -> String {
    format!("plexsession-{}", s.id)
}

/// Inserts the optional values that are set.
fn put(m: &mut Value, entries: [(&str, Option<Value>); 10]) {
    if let Value::Object(map) = m {
        for (k, v) in entries {
            if let Some(v) = v {
                map.insert(k.to_owned(), v);
            }
        }
    }
}

fn state(s: &FakeSession) -> &'static str {
    if s.paused {
        "paused"
    } else {
        "playing"
    }
}

fn plex_decision(t: Option<&FakeTranscode>) -> &'static str {
    match t {
        None => "directplay",
        Some(t) if t.is_copy() => "copy",
        Some(_) => "transcode",
    }
}

fn plex_metadata(s: &FakeSession) -> Value {
    let kind = match s.media_type {
        MediaType::Episode | MediaType::Live => "episode",
        MediaType::Track => "track",
        MediaType::Clip => "clip",
        _ => "movie",
    };
    let m = &s.media;
    let mut streams = Vec::new();
    if let Some(codec) = &m.video_codec {
        let mut v = json!({"streamType": 1, "codec": codec, "width": m.width, "height": m.height, "index": 0});
        match m.hdr.as_deref() {
            Some("DOVI") => v["DOVIPresent"] = json!(true),
            Some(_) => v["colorTrc"] = json!("smpte2084"),
            None => v["colorTrc"] = json!("bt709"),
        }
        streams.push(v);
    }
    streams.push(json!({"streamType": 2, "codec": m.audio_codec, "channels": m.audio_channels, "selected": true, "index": 1}));
    let mut media = json!({
        "audioCodec": m.audio_codec, "audioChannels": m.audio_channels, "container": m.container,
        "bitrate": m.bitrate_kbps, "duration": s.duration_ms, "selected": true,
        "Part": [{"decision": plex_decision(s.transcode.as_ref()), "selected": true, "container": m.container,
                  "duration": s.duration_ms, "Stream": streams}]
    });
    if let Some(codec) = &m.video_codec {
        media["videoCodec"] = json!(codec);
        media["width"] = json!(m.width);
        media["height"] = json!(m.height);
        if let Some(label) = resolution_label(Some(m.width), Some(m.height)) {
            media["videoResolution"] = json!(label);
        }
    }
    let bandwidth = s
        .transcode
        .as_ref()
        .map_or(m.bitrate_kbps, |t| t.bitrate_kbps)
        + 150;
    let mut meta = json!({
        "sessionKey": s.id,
        "ratingKey": s.item_id,
        "key": format!("/library/metadata/{}", s.item_id),
        "type": kind,
        "title": s.title,
        "duration": s.duration_ms,
        "viewOffset": s.position_ms,
        "Media": [media],
        "User": {"id": s.user_id, "title": s.user_name},
        "Player": {
            "address": s.ip.to_string(), "machineIdentifier": s.device_id, "title": s.device_name,
            "platform": s.platform, "product": s.product, "version": s.product_version,
            "state": state(s), "local": s.local, "secure": true, "relayed": false
        },
        "Session": {"id": plex_session_id(s), "bandwidth": bandwidth, "location": if s.local { "lan" } else { "wan" }}
    });
    let text = |v: &Option<String>| v.as_ref().map(|x| json!(x));
    put(
        &mut meta,
        [
            ("parentTitle", text(&s.parent_title)),
            ("grandparentTitle", text(&s.grandparent_title)),
            ("parentRatingKey", text(&s.parent_id)),
            ("grandparentRatingKey", text(&s.grandparent_id)),
            ("parentIndex", s.parent_index.map(|x| json!(x))),
            ("index", s.index.map(|x| json!(x))),
            ("year", s.year.map(|x| json!(x))),
            ("guid", text(&s.guid)),
            ("librarySectionID", s.library.as_ref().map(|l| json!(l.0))),
            (
                "librarySectionTitle",
                s.library.as_ref().map(|l| json!(l.1)),
            ),
        ],
    );
    if s.media_type == MediaType::Live {
        meta["live"] = json!(1);
    }
    if let Some(t) = &s.transcode {
        let decision = |transcoded: bool| if transcoded { "transcode" } else { "copy" };
        let mut ts = json!({
            "key": format!("/transcode/sessions/{}", s.id), "throttled": false, "progress": 42.5, "speed": 1.8,
            "audioDecision": decision(t.audio_transcoded), "container": t.container,
            "audioCodec": t.audio_codec, "audioChannels": t.audio_channels,
            "transcodeHwRequested": t.hardware
        });
        if let Some(codec) = &t.video_codec {
            ts["videoDecision"] = json!(decision(t.video_transcoded));
            ts["videoCodec"] = json!(codec);
            ts["width"] = json!(t.width);
            ts["height"] = json!(t.height);
        }
        if t.hardware {
            ts["transcodeHwDecoding"] = json!("vaapi");
            ts["transcodeHwEncoding"] = json!("vaapi");
        }
        meta["TranscodeSession"] = ts;
    }
    meta
}

pub(super) fn plex_sessions(sessions: &[FakeSession]) -> String {
    let metadata: Vec<Value> = sessions.iter().map(plex_metadata).collect();
    json!({"MediaContainer": {"size": sessions.len(), "Metadata": metadata}}).to_string()
}

pub(super) fn plex_playing_frame(sessions: &[FakeSession]) -> String {
    let entries: Vec<Value> = sessions
        .iter()
        .map(|s| {
            json!({"sessionKey": s.id, "clientIdentifier": s.device_id, "guid": s.guid.clone().unwrap_or_default(),
                "ratingKey": s.item_id, "url": "", "key": format!("/library/metadata/{}", s.item_id),
                "viewOffset": s.position_ms, "state": state(s)})
        })
        .collect();
    json!({"NotificationContainer": {"type": "playing", "size": entries.len(), "PlaySessionStateNotification": entries}})
        .to_string()
}

pub(super) fn mb_system_info(platform: Platform, server_id: &str, name: &str) -> String {
    let version = if platform == Platform::Emby {
        "4.8.11.0"
    } else {
        "10.11.0"
    };
    json!({"ServerName": name, "Version": version, "Id": server_id, "LocalAddress": "http://127.0.0.1"})
        .to_string()
}

fn mb_item(s: &FakeSession) -> Value {
    let m = &s.media;
    let kind = match s.media_type {
        MediaType::Episode => "Episode",
        MediaType::Track => "Audio",
        MediaType::Live => "TvChannel",
        _ => "Movie",
    };
    let mut streams = Vec::new();
    if let Some(codec) = &m.video_codec {
        let mut v = json!({"Type": "Video", "Codec": codec, "Index": 0, "Width": m.width, "Height": m.height,
            "VideoRange": if m.hdr.is_some() { "HDR" } else { "SDR" }});
        v["VideoRangeType"] = json!(m.hdr.as_deref().unwrap_or("SDR"));
        streams.push(v);
    }
    streams.push(json!({"Type": "Audio", "Codec": m.audio_codec, "Index": 1, "Channels": m.audio_channels, "IsDefault": true}));
    let source_id = s.item_id.clone();
    let name = match s.media_type {
        MediaType::Live => s
            .grandparent_title
            .clone()
            .unwrap_or_else(|| s.title.clone()),
        _ => s.title.clone(),
    };
    let mut item = json!({
        "Id": s.item_id, "Name": name, "Type": kind,
        "MediaType": if s.media_type == MediaType::Track { "Audio" } else { "Video" },
        "RunTimeTicks": s.duration_ms * TICKS_PER_MS, "Container": m.container,
        "MediaStreams": streams.clone(),
        "MediaSources": [{"Id": source_id, "Container": m.container, "Bitrate": u64::from(m.bitrate_kbps) * 1000,
                          "MediaStreams": streams}]
    });
    let text = |v: &Option<String>| v.as_ref().map(|x| json!(x));
    let fields: [(&str, Option<Value>); 10] = match s.media_type {
        MediaType::Track => [
            ("Album", text(&s.parent_title)),
            ("AlbumId", text(&s.parent_id)),
            ("AlbumArtist", text(&s.grandparent_title)),
            ("Artists", s.grandparent_title.as_ref().map(|a| json!([a]))),
            ("IndexNumber", s.index.map(|x| json!(x))),
            ("ParentIndexNumber", s.parent_index.map(|x| json!(x))),
            ("ProductionYear", s.year.map(|x| json!(x))),
            ("Width", None),
            ("Height", None),
            ("IsLive", None),
        ],
        MediaType::Live => [
            ("ChannelName", text(&s.grandparent_title)),
            (
                "CurrentProgram",
                Some(json!({"Name": s.title, "Type": "Program"})),
            ),
            ("IsLive", Some(json!(true))),
            ("Width", Some(json!(m.width))),
            ("Height", Some(json!(m.height))),
            ("IndexNumber", None),
            ("ParentIndexNumber", None),
            ("ProductionYear", None),
            ("SeriesName", None),
            ("SeasonName", None),
        ],
        _ => [
            ("SeriesName", text(&s.grandparent_title)),
            ("SeriesId", text(&s.grandparent_id)),
            ("SeasonName", text(&s.parent_title)),
            ("SeasonId", text(&s.parent_id)),
            ("IndexNumber", s.index.map(|x| json!(x))),
            ("ParentIndexNumber", s.parent_index.map(|x| json!(x))),
            ("ProductionYear", s.year.map(|x| json!(x))),
            ("Width", Some(json!(m.width))),
            ("Height", Some(json!(m.height))),
            ("IsLive", None),
        ],
    };
    put(&mut item, fields);
    item
}

fn mb_session(platform: Platform, s: &FakeSession) -> Value {
    let play_method = match &s.transcode {
        None => "DirectPlay",
        Some(t) if t.is_copy() => "DirectStream",
        Some(_) => "Transcode",
    };
    let endpoint = match (platform, s.ip) {
        (Platform::Emby, ip) => ip.to_string(),
        (_, std::net::IpAddr::V6(ip)) => format!("[{ip}]:50000"),
        (_, ip) => format!("{ip}:50000"),
    };
    let mut v = json!({
        "Id": s.id, "UserId": s.user_id, "UserName": s.user_name, "Client": s.product,
        "DeviceId": s.device_id, "DeviceName": s.device_name, "DeviceType": s.platform,
        "ApplicationVersion": s.product_version, "RemoteEndPoint": endpoint,
        "NowPlayingItem": mb_item(s),
        "PlayState": {"PositionTicks": s.position_ms * TICKS_PER_MS, "IsPaused": s.paused,
            "PlayMethod": play_method, "CanSeek": s.media_type != MediaType::Live, "MediaSourceId": s.item_id,
            "AudioStreamIndex": 1}
    });
    if platform == Platform::Jellyfin {
        v["IsActive"] = json!(true);
    } else {
        v["Protocol"] = json!("HTTP/1.1");
    }
    if let Some(t) = &s.transcode {
        let mut info = Map::new();
        info.insert("AudioCodec".into(), json!(t.audio_codec));
        info.insert("Container".into(), json!(t.container));
        info.insert("IsVideoDirect".into(), json!(!t.video_transcoded));
        info.insert("IsAudioDirect".into(), json!(!t.audio_transcoded));
        info.insert("Bitrate".into(), json!(u64::from(t.bitrate_kbps) * 1000));
        info.insert("AudioChannels".into(), json!(t.audio_channels));
        if let Some(codec) = &t.video_codec {
            info.insert("VideoCodec".into(), json!(codec));
            info.insert("Width".into(), json!(t.width));
            info.insert("Height".into(), json!(t.height));
        }
        match platform {
            Platform::Emby => {
                info.insert("VideoDecoderIsHardware".into(), json!(t.hardware));
                info.insert("VideoEncoderIsHardware".into(), json!(t.hardware));
                info.insert(
                    "CurrentCpuUsage".into(),
                    json!(if t.hardware { 8.5 } else { 63.0 }),
                );
            }
            _ => {
                if t.hardware {
                    info.insert("HardwareAccelerationType".into(), json!("vaapi"));
                }
            }
        }
        v["TranscodingInfo"] = Value::Object(info);
    }
    v
}

pub(super) fn mb_sessions(platform: Platform, sessions: &[FakeSession]) -> Value {
    Value::Array(sessions.iter().map(|s| mb_session(platform, s)).collect())
}

pub(super) fn mb_sessions_message(platform: Platform, sessions: &[FakeSession]) -> String {
    json!({"MessageType": "Sessions", "MessageId": "00000000000000000000000000000001", "Data": mb_sessions(platform, sessions)})
        .to_string()
}

pub(super) fn mb_users(users: Vec<(String, String)>) -> String {
    let mut seen = std::collections::BTreeMap::new();
    for (id, name) in users {
        seen.insert(id, name);
    }
    let users: Vec<Value> = seen
        .into_iter()
        .map(|(id, name)| json!({"Id": id, "Name": name, "Policy": {"IsAdministrator": false, "IsDisabled": false}}))
        .collect();
    Value::Array(users).to_string()
}
