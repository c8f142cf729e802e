//! Builders shared by the core's integration tests.
#![allow(dead_code, unreachable_pub)]

use cartographus_core::{
    derive_user_id, Account, ContentInfo, DeviceId, EventParts, ExternalUserId, MediaKey,
    MediaType, PlaybackEvent, PlaybackState, ServerId, SessionKey, SessionSnapshot, Source, Timing,
};
use chrono::{DateTime, TimeZone, Utc};

pub const EPOCH: i64 = 1_767_000_000;

pub fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(EPOCH + s, 0).unwrap()
}

pub fn event(
    source: Source,
    session: &str,
    user: &str,
    item: &str,
    device: &str,
    start_s: i64,
) -> PlaybackEvent {
    let server = ServerId::new("srv").unwrap();
    let ext = ExternalUserId::new(user).unwrap();
    let uid = derive_user_id(source.platform(), &server, &ext);
    let mut parts = EventParts::new(
        source,
        server,
        SessionKey::new(session).unwrap(),
        Timing::started(t(start_s)),
        Account::new(ext, user).to_user_info(uid),
        ContentInfo::new(MediaType::Movie, MediaKey::new(item).unwrap(), "x"),
    );
    parts.device.device_id = Some(DeviceId::new(device).unwrap());
    PlaybackEvent::assemble(parts)
}

pub fn snap(
    key: &str,
    user: &str,
    item: &str,
    state: PlaybackState,
    offset_s: u64,
) -> SessionSnapshot {
    let mut s = SessionSnapshot::new(SessionKey::new(key).unwrap(), state);
    s.user = Some(Account::new(ExternalUserId::new(user).unwrap(), user));
    s.content = Some(ContentInfo::new(
        MediaType::Episode,
        MediaKey::new(item).unwrap(),
        item,
    ));
    s.view_offset_ms = Some(offset_s * 1000);
    s.media_duration_ms = Some(1_800_000);
    s.device.device_id = Some(DeviceId::new(format!("dev-{user}")).unwrap());
    s
}
