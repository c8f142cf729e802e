//! Reading a Tautulli SQLite file: which of the known columns it has (older versions
//! lack some; those read as NULL), the users and library names, and batches of
//! `session_history` rows joined 1:1:1 with their metadata and media info on `id`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::error::ImportError;

/// Columns read from `session_history`, in order.
pub(crate) const SH: &[&str] = &[
    "id",
    "reference_id",
    "started",
    "stopped",
    "rating_key",
    "user_id",
    "user",
    "ip_address",
    "paused_counter",
    "player",
    "product",
    "product_version",
    "platform",
    "platform_version",
    "machine_id",
    "bandwidth",
    "location",
    "secure",
    "relayed",
    "parent_rating_key",
    "grandparent_rating_key",
    "media_type",
    "section_id",
    "view_offset",
];

/// Columns read from `session_history_metadata`, in order.
pub(crate) const META: &[&str] = &[
    "title",
    "parent_title",
    "grandparent_title",
    "full_title",
    "media_index",
    "parent_media_index",
    "media_type",
    "year",
    "content_rating",
    "duration",
    "guid",
    "genres",
    "live",
];

/// Columns read from `session_history_media_info`, in order.
pub(crate) const MEDIA: &[&str] = &[
    "video_decision",
    "audio_decision",
    "transcode_decision",
    "duration",
    "container",
    "bitrate",
    "video_codec",
    "video_resolution",
    "video_dynamic_range",
    "audio_codec",
    "audio_channels",
    "subtitle_codec",
    "transcode_hw_decoding",
    "transcode_hw_encoding",
    "stream_container",
    "stream_bitrate",
    "stream_video_codec",
    "stream_video_resolution",
    "stream_audio_codec",
    "stream_audio_channels",
    "stream_subtitle_decision",
    "stream_subtitle_codec",
];

/// A Tautulli user (tokens are never read).
#[derive(Debug, Clone, Default)]
pub(crate) struct TUser {
    pub(crate) username: Option<String>,
    pub(crate) friendly_name: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) thumb: Option<String>,
    pub(crate) is_admin: Option<bool>,
    pub(crate) is_home_user: Option<bool>,
}

/// One value of a row, loosely typed as SQLite stores it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl V {
    pub(crate) fn int(&self) -> Option<i64> {
        match self {
            V::Int(i) => Some(*i),
            V::Real(r) if r.is_finite() => Some(*r as i64),
            V::Text(t) => t.trim().parse().ok(),
            _ => None,
        }
    }
    pub(crate) fn text(&self) -> Option<String> {
        match self {
            V::Text(t) if !t.trim().is_empty() => Some(t.clone()),
            V::Int(i) => Some(i.to_string()),
            V::Real(r) => Some(r.to_string()),
            _ => None,
        }
    }
    /// [`V::text`] without a copy: the text moves out and the value becomes NULL.
    pub(crate) fn take_text(&mut self) -> Option<String> {
        match std::mem::replace(self, V::Null) {
            V::Text(t) if !t.trim().is_empty() => Some(t),
            other => {
                let text = other.text();
                *self = other;
                text
            }
        }
    }
    pub(crate) fn flag(&self) -> Option<bool> {
        self.int().map(|i| i != 0)
    }
}

fn value(v: ValueRef<'_>) -> V {
    match v {
        ValueRef::Null | ValueRef::Blob(_) => V::Null,
        ValueRef::Integer(i) => V::Int(i),
        ValueRef::Real(r) => V::Real(r),
        ValueRef::Text(t) => V::Text(String::from_utf8_lossy(t).into_owned()),
    }
}

/// An open Tautulli database.
pub(crate) struct TautulliDb {
    conn: Connection,
    select: String,
}

fn columns_of(conn: &Connection, table: &str) -> rusqlite::Result<HashSet<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = stmt.query_map([], |r| r.get::<_, String>(1))?;
    names.collect()
}

fn select_list(alias: &str, wanted: &[&str], have: &HashSet<String>, out: &mut Vec<String>) {
    for c in wanted {
        if have.contains(*c) {
            out.push(format!("{alias}.\"{c}\""));
        } else {
            out.push("NULL".to_owned());
        }
    }
}

impl TautulliDb {
    pub(crate) fn open(path: &Path) -> Result<Self, ImportError> {
        let err = |source: rusqlite::Error| ImportError::Source {
            path: path.to_path_buf(),
            source: source.into(),
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        let sh = columns_of(&conn, "session_history").map_err(err)?;
        if sh.is_empty() {
            return Err(ImportError::MissingTable {
                table: "session_history",
            });
        }
        let meta = columns_of(&conn, "session_history_metadata").map_err(err)?;
        let media = columns_of(&conn, "session_history_media_info").map_err(err)?;
        let mut cols = Vec::new();
        select_list("sh", SH, &sh, &mut cols);
        select_list("m", META, &meta, &mut cols);
        select_list("mi", MEDIA, &media, &mut cols);
        let mut from = String::from("session_history sh");
        if !meta.is_empty() {
            from.push_str(" LEFT JOIN session_history_metadata m ON m.id = sh.id");
        }
        if !media.is_empty() {
            from.push_str(" LEFT JOIN session_history_media_info mi ON mi.id = sh.id");
        }
        let select = format!(
            "SELECT {} FROM {from} WHERE sh.id > ?1 ORDER BY sh.id LIMIT ?2",
            cols.join(", ")
        );
        Ok(Self { conn, select })
    }

    pub(crate) fn count_after(&self, after: i64) -> Result<u64, rusqlite::Error> {
        self.conn
            .query_row(
                "SELECT count(*) FROM session_history WHERE id > ?1",
                [after],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
    }

    pub(crate) fn users(&self) -> Result<HashMap<i64, TUser>, rusqlite::Error> {
        let have = columns_of(&self.conn, "users")?;
        if !have.contains("user_id") {
            return Ok(HashMap::new());
        }
        let wanted = [
            "user_id",
            "username",
            "friendly_name",
            "email",
            "thumb",
            "is_admin",
            "is_home_user",
        ];
        let mut cols = Vec::new();
        select_list("u", &wanted, &have, &mut cols);
        let sql = format!(
            "SELECT {} FROM users u WHERE u.user_id IS NOT NULL",
            cols.join(", ")
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut out = HashMap::new();
        while let Some(r) = rows.next()? {
            let v = |i: usize| r.get_ref(i).map(value);
            let Some(id) = v(0)?.int() else { continue };
            out.insert(
                id,
                TUser {
                    username: v(1)?.text(),
                    friendly_name: v(2)?.text(),
                    email: v(3)?.text(),
                    thumb: v(4)?.text(),
                    is_admin: v(5)?.flag(),
                    is_home_user: v(6)?.flag(),
                },
            );
        }
        Ok(out)
    }

    pub(crate) fn libraries(&self) -> Result<HashMap<i64, String>, rusqlite::Error> {
        let have = columns_of(&self.conn, "library_sections")?;
        if !(have.contains("section_id") && have.contains("section_name")) {
            return Ok(HashMap::new());
        }
        let mut stmt = self
            .conn
            .prepare("SELECT section_id, section_name FROM library_sections")?;
        let mut rows = stmt.query([])?;
        let mut out = HashMap::new();
        while let Some(r) = rows.next()? {
            if let (Some(id), Some(name)) =
                (value(r.get_ref(0)?).int(), value(r.get_ref(1)?).text())
            {
                out.insert(id, name);
            }
        }
        Ok(out)
    }

    /// Up to `limit` rows with `id > after`, in id order; each row holds the columns of
    /// [`SH`], then [`META`], then [`MEDIA`].
    pub(crate) fn batch(&self, after: i64, limit: usize) -> Result<Vec<Vec<V>>, rusqlite::Error> {
        let mut stmt = self.conn.prepare_cached(&self.select)?;
        let width = SH.len() + META.len() + MEDIA.len();
        let mut rows = stmt.query(rusqlite::params![after, limit as i64])?;
        let mut out = Vec::with_capacity(limit);
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(width);
            for i in 0..width {
                row.push(value(r.get_ref(i)?));
            }
            out.push(row);
        }
        Ok(out)
    }
}
