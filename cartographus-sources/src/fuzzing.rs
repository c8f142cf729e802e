//! Fuzz target bodies: one plain function per decoder, taking arbitrary bytes. The
//! cargo-fuzz targets in `fuzz/` call them under libFuzzer, and a stable test feeds
//! them the checked-in seed corpus (`fuzz/corpus/<target>/`), so CI exercises the same
//! code without a nightly toolchain.
//!
//! Each function decodes, then walks everything a caller would touch on success
//! (snapshots, events, notifications) and checks that decoding is deterministic. None
//! returns anything: the only failure is a panic, which is a bug.

use cartographus_core::ServerId;

use crate::{emby, jellyfin, plex, tautulli};

/// A target body.
pub type Target = fn(&[u8]);

/// Every target: its name (the `fuzz/fuzz_targets/<name>.rs` file and corpus folder)
/// and its body.
pub const TARGETS: &[(&str, Target)] = &[
    ("plex_sessions", plex_sessions),
    ("plex_history", plex_history),
    ("plex_identity", plex_identity),
    ("plex_notification", plex_notification),
    ("plex_webhook", plex_webhook),
    ("jellyfin_sessions", jellyfin_sessions),
    ("jellyfin_message", jellyfin_message),
    ("jellyfin_webhook", jellyfin_webhook),
    ("jellyfin_directory", jellyfin_directory),
    ("emby_sessions", emby_sessions),
    ("emby_message", emby_message),
    ("emby_webhook", emby_webhook),
    ("tautulli_history", tautulli_history),
    ("tautulli_users", tautulli_users),
    ("tautulli_server_info", tautulli_server_info),
];

/// Touches every field of a value by serialising it, and checks it is stable.
fn touch<T: serde::Serialize + PartialEq + std::fmt::Debug>(a: &T, b: &T) {
    assert_eq!(a, b, "decoding is not deterministic");
    // Serialisation cannot fail for these types: no maps with non-string keys.
    let _ = serde_json::to_vec(a);
}

fn same_result<T, E>(a: &Result<T, E>, b: &Result<T, E>)
where
    T: serde::Serialize + PartialEq + std::fmt::Debug,
    E: std::fmt::Display,
{
    match (a, b) {
        (Ok(a), Ok(b)) => touch(a, b),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("decoding is not deterministic"),
    }
}

/// `plex::decode_sessions`.
pub fn plex_sessions(data: &[u8]) {
    same_result(&plex::decode_sessions(data), &plex::decode_sessions(data));
}

/// `plex::decode_history`, then every entry as an event.
pub fn plex_history(data: &[u8]) {
    let a = plex::decode_history(data);
    same_result(&a, &plex::decode_history(data));
    if let Ok(page) = a {
        let server = fuzz_server();
        for e in &page.entries {
            let ev = e.to_event(&server, None);
            assert!(ev.timing.started_at <= e.viewed_at);
        }
    }
}

/// `plex::decode_identity`.
pub fn plex_identity(data: &[u8]) {
    same_result(&plex::decode_identity(data), &plex::decode_identity(data));
}

/// `plex::decode_notification`, then every playing entry as a notification.
pub fn plex_notification(data: &[u8]) {
    let a = plex::decode_notification(data);
    same_result(&a, &plex::decode_notification(data));
    if let Ok(plex::PlexNotification::Playing(list)) = a {
        for p in list {
            assert_eq!(p.notification().session_key, p.session_key);
        }
    }
}

/// `plex::decode_webhook` with a fixed multipart content type, and
/// `plex::decode_webhook_payload` on the raw bytes.
pub fn plex_webhook(data: &[u8]) {
    const CT: &str = "multipart/form-data; boundary=------------------------d74496d66958873e";
    same_result(
        &plex::decode_webhook(CT, data),
        &plex::decode_webhook(CT, data),
    );
    same_result(
        &plex::decode_webhook_payload(data),
        &plex::decode_webhook_payload(data),
    );
}

/// `jellyfin::decode_sessions`.
pub fn jellyfin_sessions(data: &[u8]) {
    same_result(
        &jellyfin::decode_sessions(data),
        &jellyfin::decode_sessions(data),
    );
}

/// `jellyfin::decode_message`.
pub fn jellyfin_message(data: &[u8]) {
    same_result(
        &jellyfin::decode_message(data),
        &jellyfin::decode_message(data),
    );
}

/// `jellyfin::decode_webhook`.
pub fn jellyfin_webhook(data: &[u8]) {
    same_result(
        &jellyfin::decode_webhook(data),
        &jellyfin::decode_webhook(data),
    );
}

/// `/Users` and `/System/Info` of Jellyfin and Emby (one shared decoder).
pub fn jellyfin_directory(data: &[u8]) {
    same_result(&jellyfin::decode_users(data), &emby::decode_users(data));
    same_result(
        &jellyfin::decode_system_info(data),
        &jellyfin::decode_system_info(data),
    );
}

/// `emby::decode_sessions`.
pub fn emby_sessions(data: &[u8]) {
    same_result(&emby::decode_sessions(data), &emby::decode_sessions(data));
}

/// `emby::decode_message`.
pub fn emby_message(data: &[u8]) {
    same_result(&emby::decode_message(data), &emby::decode_message(data));
}

/// `emby::decode_webhook`, as JSON and as a multipart body.
pub fn emby_webhook(data: &[u8]) {
    const CT: &str = "multipart/form-data; boundary=----EmbyWebhookBoundary7f3a";
    same_result(
        &emby::decode_webhook(None, data),
        &emby::decode_webhook(None, data),
    );
    same_result(
        &emby::decode_webhook(Some(CT), data),
        &emby::decode_webhook(Some(CT), data),
    );
}

/// `tautulli::decode_history`, then the next page's query.
pub fn tautulli_history(data: &[u8]) {
    let server = fuzz_server();
    let a = tautulli::decode_history(data, &server);
    same_result(&a, &tautulli::decode_history(data, &server));
    if let Ok(page) = a {
        for r in &page.rows {
            let t = &r.event.timing;
            assert!(t.percent_complete >= 0.0 && t.percent_complete <= 100.0);
            assert!(t.stopped_at.is_none_or(|s| s >= t.started_at));
        }
        let q = tautulli::HistoryQuery::default();
        if let Some(next) = q.next(&page) {
            assert!(next.start > q.start);
        }
    }
}

/// `tautulli::decode_users`.
pub fn tautulli_users(data: &[u8]) {
    same_result(&tautulli::decode_users(data), &tautulli::decode_users(data));
}

/// `tautulli::decode_server_info`.
pub fn tautulli_server_info(data: &[u8]) {
    same_result(
        &tautulli::decode_server_info(data),
        &tautulli::decode_server_info(data),
    );
}

fn fuzz_server() -> ServerId {
    // A constant, valid id: `new` cannot fail on it.
    ServerId::new("fuzz").unwrap_or_else(|_| unreachable!("a constant valid id"))
}
