//! The tables ingest keeps up to date besides the plays: `servers`, `users`,
//! `geolocations` and `content_mappings`. Each batch is summarised in Rust first (one
//! row per server, user, address and item of the batch, from the latest play that
//! carries each value), and merged by one statement per table, so the cost
//! follows the number of distinct entities, not of plays.
//!
//! Every valid event of the batch counts, duplicates included: a duplicate still says
//! that its user and server were active then.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use cartographus_core::{Geolocation, PlaybackEvent};

use crate::error::IngestError;
use crate::stage::{CellCache, Columns, Kind, Layout};

use Kind::{Enum, Str, Ts, F64, I64, U32, U64};

const SERVERS: Layout = &[
    ("server_id", Str),
    ("platform", Str),
    ("first_seen_at", Ts),
    ("last_seen_at", Ts),
];

const USERS: Layout = &[
    ("user_id", I64),
    ("platform", Str),
    ("server_id", Str),
    ("external_user_id", Str),
    ("username", Str),
    ("friendly_name", Str),
    ("email", Str),
    ("thumb", Str),
    ("first_seen_at", Ts),
    ("last_seen_at", Ts),
];

const GEO: Layout = &[
    ("ip", Str),
    ("latitude", F64),
    ("longitude", F64),
    ("accuracy_km", F64),
    ("city", Str),
    ("region", Str),
    ("country_code", Str),
    ("country_name", Str),
    ("postal_code", Str),
    ("time_zone", Str),
    ("asn", U32),
    ("as_org", Str),
    ("label", Str),
    ("h3_r6", U64),
    ("h3_r7", U64),
    ("h3_r8", U64),
    ("source", Enum("geo_source_t")),
];

const CONTENT: Layout = &[
    ("server_id", Str),
    ("media_key", Str),
    ("platform", Str),
    ("media_type", Enum("media_type_t")),
    ("title", Str),
    ("content_id", Str),
    ("imdb_id", Str),
    ("tmdb_id", Str),
    ("tvdb_id", Str),
];

const MERGE_SERVERS: &str = "
INSERT INTO servers (server_id, platform, first_seen_at, last_seen_at)
SELECT server_id, platform, first_seen_at, last_seen_at FROM cg_arrow(?)
ON CONFLICT (server_id) DO UPDATE SET
   first_seen_at = least(servers.first_seen_at, excluded.first_seen_at),
   last_seen_at = greatest(servers.last_seen_at, excluded.last_seen_at)";

const MERGE_USERS: &str = "
INSERT INTO users (user_id, platform, server_id, external_user_id, username, friendly_name,
                   email, thumb, first_seen_at, last_seen_at)
SELECT user_id, platform, server_id, external_user_id, username, friendly_name, email, thumb,
       first_seen_at, last_seen_at
FROM cg_arrow(?)
ON CONFLICT (user_id) DO UPDATE SET
   username = excluded.username,
   friendly_name = coalesce(excluded.friendly_name, users.friendly_name),
   email = coalesce(excluded.email, users.email),
   thumb = coalesce(excluded.thumb, users.thumb),
   first_seen_at = least(users.first_seen_at, excluded.first_seen_at),
   last_seen_at = greatest(users.last_seen_at, excluded.last_seen_at)";

const MERGE_GEO: &str = "
INSERT OR REPLACE INTO geolocations (ip, latitude, longitude, accuracy_km, city, region,
       country_code, country_name, postal_code, time_zone, asn, as_org, label, h3_r6, h3_r7,
       h3_r8, source)
SELECT ip, latitude, longitude, accuracy_km, city, region, country_code, country_name,
       postal_code, time_zone, asn, as_org, label, h3_r6, h3_r7, h3_r8, source::geo_source_t
FROM cg_arrow(?)";

// Items already mapped are skipped: a mapping changes when an item is re-matched, which
// is rare, and replacing rows costs more than everything else here.
const MERGE_CONTENT: &str = "
INSERT INTO content_mappings (server_id, media_key, platform, media_type, title, content_id,
       imdb_id, tmdb_id, tvdb_id)
SELECT s.server_id, s.media_key, s.platform, s.media_type::media_type_t, s.title,
       s.content_id, s.imdb_id, s.tmdb_id, s.tvdb_id
FROM cg_arrow(?) s
ANTI JOIN content_mappings c ON c.server_id = s.server_id AND c.media_key = s.media_key";

/// The latest value of an optional field: replaced by a value from a play that started
/// at the same time or later.
fn keep_latest<'a>(slot: &mut Option<(i64, &'a str)>, t: i64, v: Option<&'a String>) {
    if let Some(v) = v {
        if slot.is_none_or(|(at, _)| t >= at) {
            *slot = Some((t, v.as_str()));
        }
    }
}

#[derive(Default)]
struct UserAgg<'a> {
    latest: i64,
    first: i64,
    last: i64,
    event: Option<&'a PlaybackEvent>,
    friendly_name: Option<(i64, &'a str)>,
    email: Option<(i64, &'a str)>,
    thumb: Option<(i64, &'a str)>,
}

/// Brings the side tables up to date with `events[i]` for every `i` in `staged`.
pub(crate) fn merge(
    conn: &duckdb::Connection,
    events: &[PlaybackEvent],
    staged: &[usize],
    cells: &mut CellCache,
) -> Result<(), IngestError> {
    let mut servers: HashMap<&str, (&'static str, i64, i64)> = HashMap::new();
    let mut users: HashMap<i64, UserAgg<'_>> = HashMap::new();
    let mut geo: HashMap<IpAddr, (i64, &Geolocation)> = HashMap::new();
    let mut content: HashMap<(&str, &str), (i64, &PlaybackEvent)> = HashMap::new();
    for &i in staged {
        let e = &events[i];
        let t = e.timing.started_at.timestamp_micros();
        let platform = e.identity.source.platform().as_str();
        let s = servers
            .entry(e.identity.server_id.as_str())
            .or_insert((platform, t, t));
        s.1 = s.1.min(t);
        s.2 = s.2.max(t);

        let u = users.entry(i64::from(e.user.user_id)).or_insert(UserAgg {
            latest: t,
            first: t,
            last: t,
            event: None,
            ..UserAgg::default()
        });
        if u.event.is_none() || t >= u.latest {
            u.latest = t;
            u.event = Some(e);
        }
        u.first = u.first.min(t);
        u.last = u.last.max(t);
        keep_latest(&mut u.friendly_name, t, e.user.friendly_name.as_ref());
        keep_latest(&mut u.email, t, e.user.email.as_ref());
        keep_latest(&mut u.thumb, t, e.user.thumb.as_ref());

        if let (Some(g), Some(ip)) = (&e.geo, e.network.public_ip.or(e.network.ip)) {
            let slot = geo.entry(ip).or_insert((t, g));
            if t >= slot.0 {
                *slot = (t, g);
            }
        }

        let ids = &e.content.external_ids;
        if ids.imdb.is_some() || ids.tmdb.is_some() || ids.tvdb.is_some() {
            let key = (e.identity.server_id.as_str(), e.content.media_key.as_str());
            let slot = content.entry(key).or_insert((t, e));
            if t >= slot.0 {
                *slot = (t, e);
            }
        }
    }

    let mut cols = Columns::new(SERVERS, servers.len());
    for (id, (platform, first, last)) in &servers {
        cols.str(Some(id));
        cols.str(Some(platform));
        cols.int(Some(*first));
        cols.int(Some(*last));
    }
    merge_batch(conn, cols, MERGE_SERVERS)?;

    let mut cols = Columns::new(USERS, users.len());
    for (id, u) in &users {
        let Some(e) = u.event else { continue };
        cols.int(Some(*id));
        cols.str(Some(e.identity.source.platform().as_str()));
        cols.str(Some(e.identity.server_id.as_str()));
        cols.str(Some(e.user.external_id.as_str()));
        cols.str(Some(&e.user.username));
        cols.str(u.friendly_name.map(|(_, v)| v));
        cols.str(u.email.map(|(_, v)| v));
        cols.str(u.thumb.map(|(_, v)| v));
        cols.int(Some(u.first));
        cols.int(Some(u.last));
    }
    merge_batch(conn, cols, MERGE_USERS)?;

    let mut cols = Columns::new(GEO, geo.len());
    let mut ip_text = String::new();
    for (ip, (_, g)) in &geo {
        let h3 = g.point.map(|p| cells.cells(p));
        ip_text.clear();
        let _ = write!(ip_text, "{ip}");
        cols.str(Some(&ip_text));
        cols.float(g.point.map(|p| p.lat()));
        cols.float(g.point.map(|p| p.lon()));
        cols.float(g.accuracy_km.filter(|a| a.is_finite()));
        cols.str(g.city.as_deref());
        cols.str(g.region.as_deref());
        cols.str(g.country_code.as_deref());
        cols.str(g.country_name.as_deref());
        cols.str(g.postal_code.as_deref());
        cols.str(g.time_zone.as_deref());
        cols.int(g.asn.map(i64::from));
        cols.str(g.as_org.as_deref());
        cols.str(g.label.as_deref());
        cols.uint(h3.map(|c| c.r6.get()));
        cols.uint(h3.map(|c| c.r7.get()));
        cols.uint(h3.map(|c| c.r8.get()));
        cols.str(Some(
            g.source
                .unwrap_or(cartographus_core::GeoSource::Unknown)
                .as_str(),
        ));
    }
    merge_batch(conn, cols, MERGE_GEO)?;

    let mut cols = Columns::new(CONTENT, content.len());
    for ((server, key), (_, e)) in &content {
        let ids = &e.content.external_ids;
        cols.str(Some(server));
        cols.str(Some(key));
        cols.str(Some(e.identity.source.platform().as_str()));
        cols.str(Some(e.content.media_type.as_str()));
        cols.str(Some(&e.content.title));
        cols.str(ids.content_id().as_deref());
        cols.str(ids.imdb.as_deref());
        cols.str(ids.tmdb.as_deref());
        cols.str(ids.tvdb.as_deref());
    }
    merge_batch(conn, cols, MERGE_CONTENT)?;
    Ok(())
}

/// Runs `merge_sql`, which reads the batch as `cg_arrow(?)`.
fn merge_batch(
    conn: &duckdb::Connection,
    cols: Columns,
    merge_sql: &str,
) -> Result<(), IngestError> {
    if cols.rows() == 0 {
        return Ok(());
    }
    let scan = cols.into_scan()?;
    conn.execute(merge_sql, [scan.param()])?;
    Ok(())
}
