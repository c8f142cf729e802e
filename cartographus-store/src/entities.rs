//! Servers, users, links between users, and content mappings. Ingest keeps the first
//! and last sighting of each server and user and the external ids of each item up to
//! date by itself; these calls add what plays do not carry (names, URLs, a server's
//! location, admin flags, manual links) and read it all back.

use cartographus_core::{
    ExternalUserId, GeoPoint, LinkKind, MediaKey, MediaType, Platform, ServerId, UserId, UserLink,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{IngestError, QueryError};
use crate::store::{Reader, Store};

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct UserRecord {
    /// The internal id.
    pub user_id: UserId,
    /// The server software.
    pub platform: Platform,
    /// The server.
    pub server_id: ServerId,
    /// The id on that server.
    pub external_id: ExternalUserId,
    /// The account name.
    pub username: String,
    /// Display name.
    pub friendly_name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Avatar URL.
    pub thumb: Option<String>,
    /// Server owner / administrator.
    pub is_admin: Option<bool>,
    /// Member of the owner's Plex Home.
    pub is_home_user: Option<bool>,
    /// First play seen (set by ingest; ignored on upsert).
    pub first_seen_at: Option<DateTime<Utc>>,
    /// Last play seen (set by ingest; ignored on upsert).
    pub last_seen_at: Option<DateTime<Utc>>,
}

impl UserRecord {
    /// A record with the required fields.
    pub fn new(
        user_id: UserId,
        platform: Platform,
        server_id: ServerId,
        external_id: ExternalUserId,
        username: impl Into<String>,
    ) -> Self {
        Self {
            user_id,
            platform,
            server_id,
            external_id,
            username: username.into(),
            friendly_name: None,
            email: None,
            thumb: None,
            is_admin: None,
            is_home_user: None,
            first_seen_at: None,
            last_seen_at: None,
        }
    }
}

/// A media server as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ServerRecord {
    /// The id.
    pub server_id: ServerId,
    /// The software.
    pub platform: Platform,
    /// Its name.
    pub name: Option<String>,
    /// Its URL (without credentials).
    pub url: Option<String>,
    /// Its version.
    pub version: Option<String>,
    /// Where it is (the arcs of the map end here).
    pub location: Option<GeoPoint>,
    /// First play seen (set by ingest).
    pub first_seen_at: Option<DateTime<Utc>>,
    /// Last play seen (set by ingest).
    pub last_seen_at: Option<DateTime<Utc>>,
}

impl ServerRecord {
    /// A record with the required fields.
    pub fn new(server_id: ServerId, platform: Platform) -> Self {
        Self {
            server_id,
            platform,
            name: None,
            url: None,
            version: None,
            location: None,
            first_seen_at: None,
            last_seen_at: None,
        }
    }
}

/// Which server item an external id maps to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ContentMapping {
    /// The canonical content id (`imdb:tt…`, else `tmdb:…`, else `tvdb:…`).
    pub content_id: String,
    /// The server.
    pub server_id: ServerId,
    /// Its software.
    pub platform: Platform,
    /// The item on that server.
    pub media_key: MediaKey,
    /// Its type.
    pub media_type: MediaType,
    /// Its title.
    pub title: String,
}

fn platform_of(s: &str) -> Platform {
    match s {
        "jellyfin" => Platform::Jellyfin,
        "emby" => Platform::Emby,
        _ => Platform::Plex,
    }
}

fn link_kind(s: &str) -> LinkKind {
    match s {
        "same_email" => LinkKind::SameEmail,
        "plex_home" => LinkKind::PlexHome,
        _ => LinkKind::Manual,
    }
}

fn link_kind_str(k: LinkKind) -> &'static str {
    match k {
        LinkKind::Manual => "manual",
        LinkKind::SameEmail => "same_email",
        LinkKind::PlexHome => "plex_home",
    }
}

fn time(us: Option<i64>) -> Option<DateTime<Utc>> {
    us.and_then(DateTime::from_timestamp_micros)
}

fn decode_err(column: &'static str) -> impl Fn(cartographus_core::IdError) -> QueryError {
    move |e| QueryError::Decode {
        column,
        detail: e.to_string(),
    }
}

impl Store {
    /// Adds or updates users (names, flags); sightings are kept.
    pub fn upsert_users(&mut self, users: &[UserRecord]) -> Result<(), IngestError> {
        use crate::stage::{Columns, Kind, Layout};
        const LAYOUT: Layout = &[
            ("user_id", Kind::I64),
            ("platform", Kind::Str),
            ("server_id", Kind::Str),
            ("external_user_id", Kind::Str),
            ("username", Kind::Str),
            ("friendly_name", Kind::Str),
            ("email", Kind::Str),
            ("thumb", Kind::Str),
            ("is_admin", Kind::Bool),
            ("is_home_user", Kind::Bool),
        ];
        if users.is_empty() {
            return Ok(());
        }
        // One statement for all (one INSERT may not update a row twice): records of one
        // user are merged first as applying them in order would (the first one's ids,
        // the last username, the last value given of each optional field).
        let mut order: Vec<i64> = Vec::new();
        let mut merged: std::collections::HashMap<i64, UserRecord> =
            std::collections::HashMap::new();
        for u in users {
            let id = i64::from(u.user_id);
            match merged.get_mut(&id) {
                None => {
                    order.push(id);
                    merged.insert(id, u.clone());
                }
                Some(m) => {
                    m.username.clone_from(&u.username);
                    if u.friendly_name.is_some() {
                        m.friendly_name.clone_from(&u.friendly_name);
                    }
                    if u.email.is_some() {
                        m.email.clone_from(&u.email);
                    }
                    if u.thumb.is_some() {
                        m.thumb.clone_from(&u.thumb);
                    }
                    m.is_admin = u.is_admin.or(m.is_admin);
                    m.is_home_user = u.is_home_user.or(m.is_home_user);
                }
            }
        }
        let mut cols = Columns::new(LAYOUT, order.len());
        for id in &order {
            let Some(u) = merged.get(id) else { continue };
            cols.int(Some(*id));
            cols.str(Some(u.platform.as_str()));
            cols.str(Some(u.server_id.as_str()));
            cols.str(Some(u.external_id.as_str()));
            cols.str(Some(&u.username));
            cols.str(u.friendly_name.as_deref());
            cols.str(u.email.as_deref());
            cols.str(u.thumb.as_deref());
            cols.bool(u.is_admin);
            cols.bool(u.is_home_user);
        }
        let scan = cols.into_scan()?;
        self.conn().execute(
            "INSERT INTO users (user_id, platform, server_id, external_user_id, username,
                friendly_name, email, thumb, is_admin, is_home_user)
             SELECT user_id, platform, server_id, external_user_id, username, friendly_name,
                email, thumb, is_admin, is_home_user
             FROM cg_arrow(?)
             ON CONFLICT (user_id) DO UPDATE SET
                username = excluded.username,
                friendly_name = coalesce(excluded.friendly_name, users.friendly_name),
                email = coalesce(excluded.email, users.email),
                thumb = coalesce(excluded.thumb, users.thumb),
                is_admin = coalesce(excluded.is_admin, users.is_admin),
                is_home_user = coalesce(excluded.is_home_user, users.is_home_user)",
            [scan.param()],
        )?;
        Ok(())
    }

    /// Adds or updates a server's description; sightings are kept.
    pub fn upsert_server(&mut self, server: &ServerRecord) -> Result<(), IngestError> {
        self.conn().execute(
            "INSERT INTO servers (server_id, platform, name, url, version, latitude, longitude)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (server_id) DO UPDATE SET
                platform = excluded.platform,
                name = coalesce(excluded.name, servers.name),
                url = coalesce(excluded.url, servers.url),
                version = coalesce(excluded.version, servers.version),
                latitude = coalesce(excluded.latitude, servers.latitude),
                longitude = coalesce(excluded.longitude, servers.longitude)",
            duckdb::params![
                server.server_id.as_str(),
                server.platform.as_str(),
                server.name,
                server.url,
                server.version,
                server.location.map(|p| p.lat()),
                server.location.map(|p| p.lon()),
            ],
        )?;
        Ok(())
    }

    /// Records (or replaces) a link between two users.
    pub fn set_user_link(&mut self, link: &UserLink) -> Result<(), IngestError> {
        let (a, b) = (link.a.min(link.b), link.a.max(link.b));
        self.conn().execute(
            "INSERT OR REPLACE INTO user_links (user_a, user_b, kind, confidence) VALUES (?, ?, ?, ?)",
            duckdb::params![i64::from(a), i64::from(b), link_kind_str(link.kind), link.confidence],
        )?;
        Ok(())
    }

    /// Removes the link between two users; returns whether there was one.
    pub fn remove_user_link(&mut self, a: UserId, b: UserId) -> Result<bool, IngestError> {
        let n = self.conn().execute(
            "DELETE FROM user_links WHERE user_a = ? AND user_b = ?",
            duckdb::params![i64::from(a.min(b)), i64::from(a.max(b))],
        )?;
        Ok(n > 0)
    }
}

const USER_SELECT: &str = "SELECT user_id, platform, server_id, external_user_id, username,
    friendly_name, email, thumb, is_admin, is_home_user, epoch_us(first_seen_at),
    epoch_us(last_seen_at) FROM users";

impl Reader {
    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<UserRecord>, QueryError> {
        self.users_where(&format!("{USER_SELECT} ORDER BY username, user_id"), None)
    }

    /// One user.
    pub fn user(&self, id: UserId) -> Result<Option<UserRecord>, QueryError> {
        let sql = format!("{USER_SELECT} WHERE user_id = ?");
        Ok(self
            .users_where(&sql, Some(i64::from(id)))?
            .into_iter()
            .next())
    }

    fn users_where(&self, sql: &str, id: Option<i64>) -> Result<Vec<UserRecord>, QueryError> {
        let mut stmt = self.conn.prepare(sql)?;
        let mut rows = match id {
            Some(id) => stmt.query([id])?,
            None => stmt.query([])?,
        };
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let user_id = UserId::try_from(r.get::<_, i64>(0)?).map_err(decode_err("user_id"))?;
            let mut u = UserRecord::new(
                user_id,
                platform_of(&r.get::<_, String>(1)?),
                ServerId::new(r.get::<_, String>(2)?).map_err(decode_err("server_id"))?,
                ExternalUserId::new(r.get::<_, String>(3)?)
                    .map_err(decode_err("external_user_id"))?,
                r.get::<_, String>(4)?,
            );
            u.friendly_name = r.get(5)?;
            u.email = r.get(6)?;
            u.thumb = r.get(7)?;
            u.is_admin = r.get(8)?;
            u.is_home_user = r.get(9)?;
            u.first_seen_at = time(r.get(10)?);
            u.last_seen_at = time(r.get(11)?);
            out.push(u);
        }
        Ok(out)
    }

    /// Every server.
    pub fn servers(&self) -> Result<Vec<ServerRecord>, QueryError> {
        let mut stmt = self.conn.prepare(
            "SELECT server_id, platform, name, url, version, latitude, longitude,
                    epoch_us(first_seen_at), epoch_us(last_seen_at)
             FROM servers ORDER BY server_id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut s = ServerRecord::new(
                ServerId::new(r.get::<_, String>(0)?).map_err(decode_err("server_id"))?,
                platform_of(&r.get::<_, String>(1)?),
            );
            s.name = r.get(2)?;
            s.url = r.get(3)?;
            s.version = r.get(4)?;
            let (lat, lon): (Option<f64>, Option<f64>) = (r.get(5)?, r.get(6)?);
            s.location = lat.zip(lon).and_then(|(a, b)| GeoPoint::new(a, b).ok());
            s.first_seen_at = time(r.get(7)?);
            s.last_seen_at = time(r.get(8)?);
            out.push(s);
        }
        Ok(out)
    }

    /// Every link between users.
    pub fn user_links(&self) -> Result<Vec<UserLink>, QueryError> {
        let mut stmt = self.conn.prepare(
            "SELECT user_a, user_b, kind, confidence FROM user_links ORDER BY user_a, user_b",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let a = UserId::try_from(r.get::<_, i64>(0)?).map_err(decode_err("user_a"))?;
            let b = UserId::try_from(r.get::<_, i64>(1)?).map_err(decode_err("user_b"))?;
            out.push(UserLink::new(
                a,
                b,
                link_kind(&r.get::<_, String>(2)?),
                r.get(3)?,
            ));
        }
        Ok(out)
    }

    /// The items on every server that are the film or episode `content_id`
    /// (`imdb:tt…`, `tmdb:…`, `tvdb:…`).
    pub fn content_mappings(&self, content_id: &str) -> Result<Vec<ContentMapping>, QueryError> {
        let mut stmt = self.conn.prepare(
            "SELECT content_id, server_id, platform, media_key, media_type::VARCHAR, title
             FROM content_mappings WHERE content_id = ? ORDER BY server_id, media_key",
        )?;
        let mut rows = stmt.query([content_id])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(ContentMapping {
                content_id: r.get(0)?,
                server_id: ServerId::new(r.get::<_, String>(1)?)
                    .map_err(decode_err("server_id"))?,
                platform: platform_of(&r.get::<_, String>(2)?),
                media_key: MediaKey::new(r.get::<_, String>(3)?)
                    .map_err(decode_err("media_key"))?,
                media_type: r.get::<_, String>(4)?.parse().map_err(
                    |e: cartographus_core::UnknownVariant| QueryError::Decode {
                        column: "media_type",
                        detail: e.to_string(),
                    },
                )?,
                title: r.get(5)?,
            });
        }
        Ok(out)
    }
}
