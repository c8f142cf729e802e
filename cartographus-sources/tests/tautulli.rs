//! Tautulli API v2 decoders on fixtures shaped like its API reference: `get_history`
//! rows (the reference example, an older Tautulli's numbers as strings, live TV, an
//! activity row, a row without a user), `get_users`, `get_server_info`, error
//! envelopes, and the paging of `HistoryQuery`.

use std::net::IpAddr;

use cartographus_core::{
    derive_user_id, MediaType, NetworkLocation, Platform, PlaybackState, ServerId, Source,
    TranscodeDecision,
};
use cartographus_sources::tautulli::{self, HistoryQuery, TautulliApiError, TautulliError};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/tautulli/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn server() -> ServerId {
    ServerId::new("08u2phnlkdshf890bhdlksghnljsahgleikjfg9t").unwrap()
}

#[test]
fn history_rows_become_plays() {
    let page = tautulli::decode_history(&fixture("get_history.json"), &server()).unwrap();
    assert_eq!(page.records_total, Some(1000));
    assert_eq!(page.records_filtered, Some(250));
    assert_eq!(page.draw, Some(1));
    assert_eq!(page.rows.len(), 4);
    assert_eq!(page.skipped, 1, "the row without a user id");

    let r = &page.rows[0];
    assert_eq!(
        (r.row_id, r.reference_id, r.group_count),
        (1124, Some(1123), Some(1))
    );
    let e = &r.event;
    assert_eq!(e.identity.source, Source::Tautulli);
    assert_eq!(e.identity.session_key.as_str(), "1124");
    assert_eq!(e.user.external_id.as_str(), "8008135");
    assert_eq!(
        e.user.user_id,
        derive_user_id(Platform::Plex, &server(), &e.user.external_id),
        "same user id as live Plex ingestion"
    );
    assert_eq!(e.user.username, "DanyKhaleesi69");
    assert_eq!(e.user.friendly_name.as_deref(), Some("Mother of Dragons"));
    assert_eq!(e.timing.started_at.timestamp(), 1_462_688_107);
    assert_eq!(e.timing.stopped_at.unwrap().timestamp(), 1_462_688_370);
    assert_eq!(e.timing.play_duration_s, 263);
    assert_eq!(e.timing.percent_complete, 84.0);
    assert_eq!(e.timing.state, PlaybackState::Stopped);
    assert!(!e.timing.watched);
    assert_eq!(e.content.media_type, MediaType::Episode);
    assert_eq!(e.content.full_title(), "Game of Thrones - The Red Woman");
    assert_eq!((e.content.season, e.content.episode), (Some(7), Some(17)));
    assert_eq!(e.content.external_ids.tvdb.as_deref(), Some("121361"));
    assert_eq!(e.content.parent_title, None, "empty text is no title");
    assert_eq!(e.network.ip, Some("81.2.69.142".parse::<IpAddr>().unwrap()));
    assert_eq!(e.network.location, Some(NetworkLocation::Wan));
    assert_eq!(e.network.secure, Some(true));
    assert_eq!(e.network.relayed, Some(false));
    assert_eq!(e.device.player.as_deref(), Some("Castle-PC"));
    assert_eq!(
        e.device.device_id.as_ref().unwrap().as_str(),
        "lmd93nkn12k29j2lnm"
    );
    assert_eq!(
        e.quality.transcode_decision,
        Some(TranscodeDecision::Transcode)
    );
    assert!(!e.live);

    let e = &page.rows[1].event;
    assert_eq!(e.content.media_type, MediaType::Movie);
    assert_eq!(e.timing.paused_s, 120);
    assert_eq!(
        e.timing.play_duration_s, 10_200,
        "stopped - started - paused"
    );
    assert!(e.timing.watched);
    assert_eq!(e.content.year, Some(1995));
    assert_eq!(e.network.ip, Some("2001:db8::1".parse::<IpAddr>().unwrap()));
    assert_eq!(
        e.quality.transcode_decision,
        Some(TranscodeDecision::DirectPlay)
    );

    let e = &page.rows[2].event;
    assert!(e.live);
    assert_eq!(e.content.media_type, MediaType::Live);
    assert_eq!(e.quality.transcode_decision, Some(TranscodeDecision::Copy));
    assert_eq!(e.network.location, Some(NetworkLocation::Lan));

    let e = &page.rows[3].event;
    assert_eq!(e.timing.stopped_at, None);
    assert_eq!(e.timing.state, PlaybackState::Playing);

    // Re-importing gives the same ids.
    let again = tautulli::decode_history(&fixture("get_history.json"), &server()).unwrap();
    assert_eq!(
        again.rows[0].event.event_id(),
        page.rows[0].event.event_id()
    );
}

#[test]
fn paging_through_a_history() {
    let q = HistoryQuery::default();
    let params = q.params();
    assert!(params.contains(&("cmd", "get_history".to_owned())));
    assert!(params.contains(&("start", "0".to_owned())));
    assert!(params.contains(&("order_dir", "asc".to_owned())));
    assert!(!params.iter().any(|(k, _)| *k == "apikey"));

    let page = tautulli::decode_history(&fixture("get_history.json"), &server()).unwrap();
    let next = q.next(&page).unwrap();
    assert_eq!(next.start, 5, "skipped rows count as seen");
    let mut last = next.clone();
    last.start = 246;
    assert!(
        last.next(&page).is_none(),
        "246 + 5 rows reach the 250 filtered"
    );
    let empty = tautulli::decode_history(&fixture("get_history-empty.json"), &server()).unwrap();
    assert!(q.next(&empty).is_none());
}

#[test]
fn users_and_server_info() {
    let users = tautulli::decode_users(&fixture("get_users.json")).unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].account.external_id.as_str(), "133788");
    assert_eq!(
        users[0].account.email.as_deref(),
        Some("Jon.Snow.1337@CastleBlack.com")
    );
    assert_eq!(users[0].is_home_user, Some(true));
    assert_eq!(users[0].is_disabled, Some(false));
    assert_eq!(users[1].is_admin, Some(true));
    assert_eq!(users[1].is_disabled, Some(true));
    assert_eq!(users[1].account.email, None);

    let id = tautulli::decode_server_info(&fixture("get_server_info.json")).unwrap();
    assert_eq!(id.platform, Platform::Plex);
    assert_eq!(id.server_id, server());
    assert_eq!(id.name.as_deref(), Some("Winterfell-Server"));
}

#[test]
fn error_envelopes_are_typed() {
    let api = |file: &str| match tautulli::decode_users(&fixture(file)) {
        Err(TautulliError::Api(e)) => e,
        other => panic!("{file}: expected an API error, got {other:?}"),
    };
    assert_eq!(
        api("error-invalid-apikey.json"),
        TautulliApiError::InvalidApiKey
    );
    assert_eq!(
        api("error-api-disabled.json"),
        TautulliApiError::ApiDisabled
    );
    assert_eq!(
        api("error-unknown-command.json"),
        TautulliApiError::UnknownCommand
    );
    assert_eq!(
        api("error-no-message.json"),
        TautulliApiError::Failed { message: None }
    );
    match tautulli::decode_history(
        br#"{"response":{"result":"success","data":{"data":[{"started":[]}]}}}"#,
        &server(),
    ) {
        Err(TautulliError::Decode(e)) => {
            assert_eq!(e.path().unwrap().as_str(), "response.data.data[0].started")
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(matches!(
        tautulli::decode_server_info(b"<html>"),
        Err(TautulliError::Decode(_))
    ));
}
