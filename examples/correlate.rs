//! `correlate`: one Plex server's plays, reported by three paths, deduplicated with
//! `cartographus-core` alone (no tokio, no DuckDB, no I/O in the library).
//!
//! ```text
//! cargo run --release -p cartographus-core --example correlate
//! ```
//!
//! A household's evening arrives the way a real installation sees it: Plex webhooks
//! (retried once by Plex), the Plex session poll (which saw the same play start a few
//! seconds off), and later an import of Tautulli's history of the same server, which
//! records the plays again under its own row ids, plus one play from before the live
//! ingestion began. Every report goes through one [`Deduplicator`]; the example prints
//! one line per report with the verdict and the layer that recognised a duplicate, then
//! a summary. Exit status 0.

use std::fmt::Write as _;

use cartographus_core::{
    derive_user_id, Account, ContentInfo, DedupConfig, DedupLayer, Deduplicator, DeviceId, EventId,
    EventParts, ExternalUserId, MediaKey, MediaType, PlaybackEvent, ServerId, SessionKey, Source,
    Timing, Verdict,
};
use chrono::{DateTime, Duration, TimeZone, Utc};

/// One report of a play, as some path delivered it.
#[derive(Debug, Clone)]
struct Report {
    /// When it arrived (the `now` the deduplicator is given).
    arrived: DateTime<Utc>,
    /// Which path delivered it, for the printout.
    path: &'static str,
    /// The event decoded from it.
    event: PlaybackEvent,
}

/// A play as one path describes it.
struct Play<'a> {
    source: Source,
    session: &'a str,
    user: (&'a str, &'a str),
    item: (&'a str, &'a str),
    device: &'a str,
    started: DateTime<Utc>,
}

fn event(server: &ServerId, play: Play<'_>) -> Result<PlaybackEvent, Box<dyn std::error::Error>> {
    let external = ExternalUserId::new(play.user.0)?;
    let user_id = derive_user_id(play.source.platform(), server, &external);
    let mut parts = EventParts::new(
        play.source,
        server.clone(),
        SessionKey::new(play.session)?,
        Timing::started(play.started),
        Account::new(external, play.user.1).to_user_info(user_id),
        ContentInfo::new(MediaType::Movie, MediaKey::new(play.item.0)?, play.item.1),
    );
    parts.device.device_id = Some(DeviceId::new(play.device)?);
    Ok(PlaybackEvent::assemble(parts))
}

/// The evening, in order of arrival.
fn reports() -> Result<Vec<Report>, Box<dyn std::error::Error>> {
    let server: ServerId = "5f1e9a7c0d3b4e21a8c6f0e2d4b6a8c0e2f4a6b8".parse()?;
    let t = |h: u32, m: u32, s: u32| Utc.with_ymd_and_hms(2026, 1, 16, h, m, s).unwrap();
    let alice = ("8008135", "alice");
    let bob = ("8008136", "bob");
    let heat = ("48213", "Heat");
    let alien = ("51702", "Alien");
    let arrival = |at, path, play| -> Result<Report, Box<dyn std::error::Error>> {
        Ok(Report {
            arrived: at,
            path,
            event: event(&server, play)?,
        })
    };
    let live = |session, user, item, device, started| Play {
        source: Source::Plex,
        session,
        user,
        item,
        device,
        started,
    };
    let tautulli = |row, user, item, device, started| Play {
        source: Source::Tautulli,
        session: row,
        user,
        item,
        device,
        started,
    };
    Ok(vec![
        // Alice starts Heat on the living-room TV: the webhook arrives first.
        arrival(
            t(20, 0, 4),
            "plex webhook",
            live("41", alice, heat, "tv-1", t(20, 0, 3)),
        )?,
        // Plex retries the webhook (it got no 200 in time): the very same event.
        arrival(
            t(20, 0, 9),
            "plex webhook",
            live("41", alice, heat, "tv-1", t(20, 0, 3)),
        )?,
        // The 10 s session poll saw the play start a few seconds earlier.
        arrival(
            t(20, 0, 10),
            "plex poll",
            live("41", alice, heat, "tv-1", t(20, 0, 0)),
        )?,
        // Bob starts Alien on his phone just before a 5-minute bucket boundary.
        arrival(
            t(20, 4, 59),
            "plex webhook",
            live("42", bob, alien, "phone-7", t(20, 4, 58)),
        )?,
        // Alice watches Heat again late at night: a new play, not a duplicate.
        arrival(
            t(23, 30, 1),
            "plex webhook",
            live("57", alice, heat, "tv-1", t(23, 30, 0)),
        )?,
        // The next morning, Tautulli's history is imported: its rows are the same plays
        // under other ids and slightly different start times.
        arrival(
            t(9, 0, 0) + Duration::days(1),
            "tautulli import",
            tautulli("18231", alice, heat, "tv-1", t(20, 0, 2)),
        )?,
        // Tautulli saw Bob start after the boundary: the next bucket, still his play.
        arrival(
            t(9, 0, 0) + Duration::days(1),
            "tautulli import",
            tautulli("18232", bob, alien, "phone-7", t(20, 5, 2)),
        )?,
        arrival(
            t(9, 0, 0) + Duration::days(1),
            "tautulli import",
            tautulli("18233", alice, heat, "tv-1", t(23, 30, 5)),
        )?,
        // A play from before Cartographus watched the server: only Tautulli has it.
        arrival(
            t(9, 0, 0) + Duration::days(1),
            "tautulli import",
            tautulli(
                "18101",
                bob,
                heat,
                "phone-7",
                t(18, 15, 0) - Duration::days(2),
            ),
        )?,
    ])
}

/// The verdict of every report, in order.
fn judge(reports: &[Report]) -> Vec<Verdict> {
    // Remember plays for two days so the next morning's import still meets them (the
    // default, 6 hours, suits live ingestion).
    let mut dedup = Deduplicator::new(DedupConfig::new(2 * 86_400, 100_000));
    reports
        .iter()
        .map(|r| dedup.check(&r.event, r.arrived))
        .collect()
}

fn render(reports: &[Report], verdicts: &[Verdict]) -> String {
    let mut out = String::new();
    let short = |id: EventId| id.to_string().chars().take(8).collect::<String>();
    let _ = writeln!(
        out,
        "{:<20} {:<16} {:<6} {:<6} {:<9} {:<20} {:<9} verdict",
        "arrived", "path", "user", "title", "session", "started", "event"
    );
    for (r, v) in reports.iter().zip(verdicts) {
        let e = &r.event;
        let verdict = match v {
            Verdict::New => "new play".to_owned(),
            Verdict::Duplicate { layer, original } => {
                format!("duplicate of {} ({})", short(*original), layer.as_str())
            }
        };
        let _ = writeln!(
            out,
            "{:<20} {:<16} {:<6} {:<6} {:<9} {:<20} {:<9} {}",
            r.arrived.format("%Y-%m-%d %H:%M:%S"),
            r.path,
            e.user.username,
            e.content.title,
            e.identity.session_key.as_str(),
            e.timing.started_at.format("%Y-%m-%d %H:%M:%S"),
            short(e.event_id()),
            verdict
        );
    }
    let count = |layer| {
        verdicts
            .iter()
            .filter(|v| matches!(v, Verdict::Duplicate { layer: l, .. } if *l == layer))
            .count()
    };
    let new = verdicts.iter().filter(|v| v.is_new()).count();
    let _ = writeln!(
        out,
        "\n{} reports -> {} plays; duplicates: {} event_id, {} correlation_key, {} cross_source",
        reports.len(),
        new,
        count(DedupLayer::EventId),
        count(DedupLayer::CorrelationKey),
        count(DedupLayer::CrossSource)
    );
    let first = reports.first().map(|r| &r.event.identity);
    if let Some(id) = first {
        let _ = writeln!(out, "correlation key:  {}", id.correlation_key);
        let _ = writeln!(out, "cross-source key: {}", id.cross_source_key);
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reports = reports()?;
    let verdicts = judge(&reports);
    print!("{}", render(&reports, &verdicts));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(v: &Verdict) -> Option<DedupLayer> {
        match v {
            Verdict::New => None,
            Verdict::Duplicate { layer, .. } => Some(*layer),
        }
    }

    #[test]
    fn every_report_gets_the_expected_verdict() {
        let reports = reports().unwrap();
        let verdicts = judge(&reports);
        let layers: Vec<Option<DedupLayer>> = verdicts.iter().map(layer).collect();
        assert_eq!(
            layers,
            vec![
                None,
                Some(DedupLayer::EventId),
                Some(DedupLayer::CorrelationKey),
                None,
                None,
                Some(DedupLayer::CrossSource),
                Some(DedupLayer::CrossSource),
                Some(DedupLayer::CrossSource),
                None,
            ]
        );
        // Each duplicate points at the first report of its play.
        let original = |i: usize| match verdicts[i] {
            Verdict::Duplicate { original, .. } => original,
            Verdict::New => panic!("report {i} is new"),
        };
        assert_eq!(original(1), reports[0].event.event_id());
        assert_eq!(original(2), reports[0].event.event_id());
        assert_eq!(original(5), reports[0].event.event_id());
        assert_eq!(original(6), reports[3].event.event_id());
        assert_eq!(original(7), reports[4].event.event_id());
    }

    #[test]
    fn the_summary_counts_plays_and_layers() {
        let reports = reports().unwrap();
        let out = render(&reports, &judge(&reports));
        assert!(out.contains(
            "9 reports -> 4 plays; duplicates: 1 event_id, 1 correlation_key, 3 cross_source"
        ));
        assert!(out.contains("correlation key:  v2:plex:"));
    }
}
