//! A fake Tautulli (API v2) on `127.0.0.1:0` over a fixed history of
//! [`Source::Tautulli`](cartographus_core::Source) events, e.g. [`super::World::history`].
//!
//! `GET /api/v2?apikey=…&cmd=…` answers in Tautulli's envelope
//! `{"response": {"result", "message", "data"}}` with its status codes: 401 with
//! `Parameter apikey is required` or `Invalid apikey`, 400 with `Parameter cmd is
//! required…` or `Unknown command: …`. Commands:
//! - `get_history`: rows shaped as Tautulli returns them, paged with `start`/`length`
//!   (default 25), sorted by `order_column` (`date`, `started`, `stopped`,
//!   `duration`, `paused_counter`, `friendly_name`, `full_title`, `ip_address`,
//!   `platform`, `player`) and `order_dir` (default `desc`), filtered by `after`,
//!   `before` and `start_date` (UTC dates), `user_id`, `rating_key`, `media_type` and
//!   `transcode_decision`; `grouping=1` folds resumed plays into one row with
//!   `group_count`/`group_ids`; `draw` is echoed.
//! - `get_users`: the accounts of the history.
//! - `get_server_info`: the Plex server of the history.
//!
//! A row's id is the event's session key; its `reference_id` is the row of the
//! event's `reference_id` (its own row when it has none).

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use cartographus_core::{MediaType, NetworkLocation, PlaybackEvent, TranscodeDecision};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};
use tokio::task::JoinHandle;

const COMMANDS: &str = "get_history, get_server_info, get_users";

#[derive(Debug)]
struct Row {
    id: u64,
    reference: u64,
    event: PlaybackEvent,
}

#[derive(Debug)]
struct Shared {
    api_key: String,
    server_id: String,
    rows: Vec<Row>,
    state: Mutex<(u64, Vec<u16>)>,
}

/// A running fake Tautulli. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeTautulli {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for FakeTautulli {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeTautulli {
    /// Starts a Tautulli accepting `api_key` that serves `history` (events whose
    /// session key is a row id; others are left out), on `127.0.0.1` and a free port.
    /// The Plex server it reports is the one of the first event.
    pub async fn start(api_key: &str, history: Vec<PlaybackEvent>) -> std::io::Result<Self> {
        let server_id = history.first().map_or_else(
            || "fakeplex0000000000000000000000000000000".to_owned(),
            |e| e.identity.server_id.to_string(),
        );
        let ids: HashMap<_, u64> = history
            .iter()
            .filter_map(|e| Some((e.event_id(), e.identity.session_key.as_str().parse().ok()?)))
            .collect();
        let mut rows: Vec<Row> = history
            .into_iter()
            .filter_map(|event| {
                let id = *ids.get(&event.event_id())?;
                let reference = event
                    .identity
                    .reference_id
                    .and_then(|r| ids.get(&r).copied())
                    .unwrap_or(id);
                Some(Row {
                    id,
                    reference,
                    event,
                })
            })
            .collect();
        rows.sort_by_key(|r| (r.event.timing.started_at, r.id));
        let shared = Arc::new(Shared {
            api_key: api_key.to_owned(),
            server_id,
            rows,
            state: Mutex::new((0, Vec::new())),
        });
        let router = Router::new()
            .route("/api/v2", get(api))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { addr, shared, task })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The Plex server id it reports.
    pub fn server_id(&self) -> &str {
        &self.shared.server_id
    }

    /// Rows in the history.
    pub fn len(&self) -> usize {
        self.shared.rows.len()
    }

    /// Whether the history is empty.
    pub fn is_empty(&self) -> bool {
        self.shared.rows.is_empty()
    }

    /// API requests served so far (refusals and faults included).
    pub fn requests(&self) -> u64 {
        self.shared.lock().0
    }

    /// Answers the next `count` requests with HTTP `status` and an error envelope.
    pub fn fail_next(&self, status: u16, count: usize) {
        self.shared
            .lock()
            .1
            .extend(std::iter::repeat_n(status, count));
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, Vec<u16>)> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn envelope(status: StatusCode, result: &str, message: Option<&str>, data: Value) -> Response {
    let body = json!({"response": {"result": result, "message": message, "data": data}});
    (
        status,
        [("content-type", "application/json;charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    envelope(status, "error", Some(message), json!({}))
}

async fn api(State(s): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let fault = {
        let mut st = s.lock();
        st.0 += 1;
        (!st.1.is_empty()).then(|| st.1.remove(0))
    };
    if let Some(code) = fault {
        let code = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return error(code, "Check the logs for errors");
    }
    let Some(key) = q.get("apikey") else {
        return error(StatusCode::UNAUTHORIZED, "Parameter apikey is required");
    };
    let Some(cmd) = q.get("cmd") else {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("Parameter cmd is required. Possible commands are: {COMMANDS}"),
        );
    };
    if !matches!(
        cmd.as_str(),
        "get_history" | "get_users" | "get_server_info"
    ) {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("Unknown command: {cmd}. Possible commands are: {COMMANDS}"),
        );
    }
    if *key != s.api_key {
        return error(StatusCode::UNAUTHORIZED, "Invalid apikey");
    }
    let data = match cmd.as_str() {
        "get_history" => history(&s, &q),
        "get_users" => users(&s),
        _ => server_info(&s),
    };
    envelope(StatusCode::OK, "success", None, data)
}

fn server_info(s: &Shared) -> Value {
    json!({
        "pms_identifier": s.server_id, "pms_ip": "192.168.1.2", "pms_is_remote": 0,
        "pms_name": "Plex (demo)", "pms_platform": "Linux", "pms_plexpass": 1, "pms_port": 32400,
        "pms_ssl": 0, "pms_url": "http://192.168.1.2:32400", "pms_url_manual": 0,
        "pms_version": "1.41.0.8992-fake"
    })
}

fn users(s: &Shared) -> Value {
    let mut seen = BTreeMap::new();
    for r in &s.rows {
        let u = &r.event.user;
        seen.entry(u.external_id.to_string()).or_insert_with(|| {
            (
                u.username.clone(),
                u.friendly_name.clone().unwrap_or_default(),
            )
        });
    }
    let list: Vec<Value> = seen
        .into_iter()
        .enumerate()
        .map(|(i, (id, (username, friendly)))| {
            json!({
                "row_id": i + 1, "user_id": number_or_text(&id), "username": username,
                "friendly_name": friendly, "email": "", "thumb": "", "is_active": 1, "is_admin": 0,
                "is_home_user": 0, "is_allow_sync": 1, "is_restricted": 0, "do_notify": 1,
                "keep_history": 1, "allow_guest": 0, "shared_libraries": ["1", "2", "3"],
                "filter_all": "", "filter_movies": "", "filter_music": "", "filter_photos": "", "filter_tv": ""
            })
        })
        .collect();
    Value::Array(list)
}

fn number_or_text(s: &str) -> Value {
    s.parse::<u64>().map_or_else(|_| json!(s), |n| json!(n))
}

fn date_param(q: &HashMap<String, String>, name: &str) -> Option<NaiveDate> {
    q.get(name)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

fn history(s: &Shared, q: &HashMap<String, String>) -> Value {
    let num = |name: &str, default: i64| {
        q.get(name)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(default)
    };
    let after = date_param(q, "after");
    let before = date_param(q, "before");
    let on = date_param(q, "start_date");
    let text = |name: &str| q.get(name).filter(|v| !v.is_empty());
    let filtered: Vec<&Row> = s
        .rows
        .iter()
        .filter(|r| {
            let e = &r.event;
            let day = e.timing.started_at.date_naive();
            after.is_none_or(|d| day >= d)
                && before.is_none_or(|d| day <= d)
                && on.is_none_or(|d| day == d)
                && text("user_id").is_none_or(|u| e.user.external_id.as_str() == u)
                && text("rating_key").is_none_or(|k| e.content.media_key.as_str() == k)
                && text("media_type").is_none_or(|m| media_type(e) == m)
                && text("transcode_decision").is_none_or(|d| decision(e) == d)
        })
        .collect();
    let groups: Vec<Vec<&Row>> = if num("grouping", 0) == 1 {
        let mut by_ref: BTreeMap<u64, Vec<&Row>> = BTreeMap::new();
        for r in &filtered {
            by_ref.entry(r.reference).or_default().push(r);
        }
        by_ref.into_values().collect()
    } else {
        filtered.iter().map(|r| vec![*r]).collect()
    };
    let mut rows: Vec<Value> = groups.iter().map(|g| row(g)).collect();
    sort(&mut rows, q);
    let total_s: u64 = s.rows.iter().map(|r| r.event.timing.play_duration_s).sum();
    let filter_s: u64 = filtered
        .iter()
        .map(|r| r.event.timing.play_duration_s)
        .sum();
    let records_filtered = rows.len();
    let start = num("start", 0).max(0) as usize;
    let length = num("length", 25).max(0) as usize;
    let page: Vec<Value> = rows.into_iter().skip(start).take(length).collect();
    json!({
        "draw": num("draw", 1),
        "recordsTotal": s.rows.len(),
        "recordsFiltered": records_filtered,
        "total_duration": human(total_s),
        "filter_duration": human(filter_s),
        "data": page,
    })
}

fn sort(rows: &mut [Value], q: &HashMap<String, String>) {
    let column = match q.get("order_column").map(String::as_str) {
        Some("started") => "started",
        Some("stopped") => "stopped",
        Some("duration") => "play_duration",
        Some("paused_counter") => "paused_counter",
        Some("friendly_name") => "friendly_name",
        Some("full_title") => "full_title",
        Some("ip_address") => "ip_address",
        Some("platform") => "platform",
        Some("player") => "player",
        _ => "date",
    };
    let key = |v: &Value| -> (String, u64) {
        let field = &v[column];
        let text = match field {
            Value::Number(n) => format!("{:020}", n.as_u64().unwrap_or(0)),
            Value::String(t) => t.to_lowercase(),
            _ => String::new(),
        };
        (text, v["row_id"].as_u64().unwrap_or(0))
    };
    rows.sort_by_key(key);
    if q.get("order_dir").map(String::as_str) != Some("asc") {
        rows.reverse();
    }
}

fn media_type(e: &PlaybackEvent) -> &'static str {
    match e.content.media_type {
        MediaType::Movie => "movie",
        MediaType::Episode | MediaType::Live => "episode",
        MediaType::Track => "track",
        MediaType::Clip => "clip",
        MediaType::Photo => "photo",
        MediaType::Other => "movie",
    }
}

fn decision(e: &PlaybackEvent) -> &'static str {
    match e.quality.transcode_decision {
        Some(TranscodeDecision::Transcode) => "transcode",
        Some(TranscodeDecision::Copy) => "copy",
        _ => "direct play",
    }
}

fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn opt<T: serde::Serialize>(v: Option<T>) -> Value {
    v.map_or(json!(""), |x| json!(x))
}

/// One `get_history` row: a play, or a group of resumed plays (the first one's start,
/// the last one's stop and state, the sums of their durations).
fn row(group: &[&Row]) -> Value {
    let first = group[0];
    let last = group[group.len() - 1];
    let e = &last.event;
    let c = &e.content;
    let started = ts(first.event.timing.started_at);
    let play_s: u64 = group.iter().map(|r| r.event.timing.play_duration_s).sum();
    let paused_s: u64 = group.iter().map(|r| r.event.timing.paused_s).sum();
    let t = &e.timing;
    let watched = if t.watched {
        json!(1)
    } else if t.percent_complete >= 50.0 {
        json!(0.5)
    } else {
        json!(0)
    };
    let ids: Vec<String> = group.iter().map(|r| r.id.to_string()).collect();
    let mut v = json!({
        "reference_id": first.reference,
        "row_id": first.id,
        "id": first.id,
        "date": started,
        "started": started,
        "stopped": t.stopped_at.map(ts),
        "duration": play_s,
        "play_duration": play_s,
        "paused_counter": paused_s,
        "percent_complete": t.percent_complete,
        "watched_status": watched,
        "group_count": group.len(),
        "group_ids": ids.join(","),
        "state": null,
        "session_key": null,
        "user_id": number_or_text(e.user.external_id.as_str()),
        "user": e.user.username,
        "friendly_name": e.user.friendly_name.clone().unwrap_or_default(),
        "ip_address": opt(e.network.ip.map(|ip| ip.to_string())),
        "location": match e.network.location {
            Some(NetworkLocation::Lan) => "lan",
            _ => "wan",
        },
        "secure": u8::from(e.network.secure.unwrap_or(true)),
        "relayed": u8::from(e.network.relayed.unwrap_or(false)),
        "platform": opt(e.device.platform.as_ref()),
        "product": opt(e.device.product.as_ref()),
        "player": opt(e.device.player.as_ref()),
        "machine_id": opt(e.device.device_id.as_ref().map(|d| d.to_string())),
    });
    let item = json!({
        "live": u8::from(e.live),
        "media_type": if e.live { "live" } else { media_type(e) },
        "rating_key": number_or_text(c.media_key.as_str()),
        "parent_rating_key": opt(c.parent_media_key.as_ref().map(|k| number_or_text(k.as_str()))),
        "grandparent_rating_key": opt(c.grandparent_media_key.as_ref().map(|k| number_or_text(k.as_str()))),
        "full_title": c.full_title(),
        "title": c.title,
        "parent_title": opt(c.parent_title.as_ref()),
        "grandparent_title": opt(c.grandparent_title.as_ref()),
        "original_title": "",
        "year": opt(c.year),
        "media_index": opt(c.episode),
        "parent_media_index": opt(c.season),
        "section_id": opt(c.library_id.as_ref()),
        "guid": opt(c.guid.as_ref()),
        "originally_available_at": "",
        "thumb": format!("/library/metadata/{}/thumb/{}", c.media_key, started),
        "transcode_decision": decision(e),
    });
    if let (Value::Object(row), Value::Object(item)) = (&mut v, item) {
        row.extend(item);
    }
    v
}

/// Tautulli's duration text: `2 days 3 hrs 4 mins`.
fn human(seconds: u64) -> String {
    let (d, h, m) = (
        seconds / 86_400,
        seconds % 86_400 / 3_600,
        seconds % 3_600 / 60,
    );
    match (d, h) {
        (0, 0) => format!("{m} mins"),
        (0, _) => format!("{h} hrs {m} mins"),
        _ => format!("{d} days {h} hrs {m} mins"),
    }
}
