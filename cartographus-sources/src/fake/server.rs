//! The fake media server: axum on `127.0.0.1:0` serving the real Plex or
//! Jellyfin/Emby paths from the sessions the caller scripts, with auth checks and
//! fault injection.
//!
//! Plex: `GET /identity`, `GET /status/sessions`, `GET|POST
//! /status/sessions/terminate`, WebSocket `/:/websockets/notifications` (a `playing`
//! frame on every change). Jellyfin/Emby: `GET /System/Info`, `GET /Sessions`,
//! `GET /Users`, `POST /Sessions/{id}/Message`, `POST /Sessions/{id}/Playing/Stop`,
//! WebSocket `/socket` (Jellyfin) or `/embywebsocket` (Emby) that answers
//! `SessionsStart` with `Sessions` pushes and `KeepAlive` with `KeepAlive`.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use cartographus_core::Platform;
use futures_util::{SinkExt, StreamExt};

use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::render;
use super::session::FakeSession;

#[derive(Debug, Clone)]
enum Push {
    Sessions,
    Malformed,
    Drop,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: Vec<FakeSession>,
    users: Option<Vec<(String, String)>>,
    faults: VecDeque<(u16, Option<u32>)>,
    requests: u64,
    terminated: Vec<String>,
    messages: Vec<(String, String)>,
}

#[derive(Debug)]
struct Shared {
    platform: Platform,
    token: String,
    server_id: String,
    name: String,
    inner: Mutex<Inner>,
    push: broadcast::Sender<Push>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts the request, applies a pending fault, checks the token.
    fn gate(
        &self,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
    ) -> Result<(), Box<Response>> {
        let fault = {
            let mut inner = self.lock();
            inner.requests += 1;
            inner.faults.pop_front()
        };
        if let Some((status, retry_after)) = fault {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut resp = (code, "injected fault").into_response();
            if let Some(s) = retry_after {
                if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                    resp.headers_mut().insert("retry-after", v);
                }
            }
            return Err(Box::new(resp));
        }
        if self.authorised(headers, query) {
            Ok(())
        } else {
            Err(Box::new(
                (StatusCode::UNAUTHORIZED, "unauthorized").into_response(),
            ))
        }
    }

    fn authorised(&self, headers: &HeaderMap, query: &HashMap<String, String>) -> bool {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let t = self.token.as_str();
        match self.platform {
            Platform::Plex => {
                header("x-plex-token").as_deref() == Some(t)
                    || query.get("X-Plex-Token").map(String::as_str) == Some(t)
            }
            _ => {
                header("x-emby-token").as_deref() == Some(t)
                    || query.get("api_key").map(String::as_str) == Some(t)
                    || header("authorization")
                        .is_some_and(|a| a.contains(&format!("Token=\"{t}\"")))
            }
        }
    }
}

/// A running fake server. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeServer {
    /// Starts a fake `platform` server accepting `token`, on `127.0.0.1` and a free
    /// port, with a fixed server id per platform.
    pub async fn start(platform: Platform, token: &str) -> std::io::Result<Self> {
        let server_id = match platform {
            Platform::Plex => "fakeplex0000000000000000000000000000000",
            Platform::Jellyfin => "fa4ef11e0000000000000000000000a1",
            Platform::Emby => "fa4ee3b00000000000000000000000b2",
        };
        Self::start_as(platform, token, server_id, "fake").await
    }

    /// Starts a fake `platform` server accepting `token` that reports `server_id`
    /// (Plex `machineIdentifier`, Jellyfin/Emby `Id`) and `name`, e.g. one of
    /// [`super::World::servers`].
    pub async fn start_as(
        platform: Platform,
        token: &str,
        server_id: &str,
        name: &str,
    ) -> std::io::Result<Self> {
        let (push, _) = broadcast::channel(64);
        let shared = Arc::new(Shared {
            platform,
            token: token.to_owned(),
            server_id: server_id.to_owned(),
            name: name.to_owned(),
            inner: Mutex::new(Inner::default()),
            push,
        });
        let router = match platform {
            Platform::Plex => Router::new()
                .route("/identity", get(plex_identity))
                .route("/status/sessions", get(plex_sessions))
                .route(
                    "/status/sessions/terminate",
                    get(plex_terminate).post(plex_terminate),
                )
                .fallback(plex_fallback),
            _ => Router::new()
                .route("/System/Info", get(mb_info))
                .route("/Sessions", get(mb_sessions))
                .route("/Users", get(mb_users))
                .route("/Sessions/{id}/Message", post(mb_message))
                .route("/Sessions/{id}/Playing/Stop", post(mb_stop))
                .route("/socket", get(mb_socket))
                .route("/embywebsocket", get(mb_socket)),
        }
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

    /// The server id it reports.
    pub fn server_id(&self) -> &str {
        &self.shared.server_id
    }

    /// Replaces the world's sessions and pushes the change to every socket.
    pub fn set_sessions(&self, sessions: Vec<FakeSession>) {
        self.shared.lock().sessions = sessions;
        let _ = self.shared.push.send(Push::Sessions);
    }

    /// Sets the accounts `/Users` lists (Jellyfin/Emby) as `(id, name)` pairs;
    /// until this is called, the users of the current sessions are listed.
    pub fn set_users(&self, users: Vec<(String, String)>) {
        self.shared.lock().users = Some(users);
    }

    /// The platform served.
    pub fn platform(&self) -> Platform {
        self.shared.platform
    }

    /// The world's sessions.
    pub fn sessions(&self) -> Vec<FakeSession> {
        self.shared.lock().sessions.clone()
    }

    /// Answers the next `count` HTTP requests with `status` (and `Retry-After`).
    pub fn fail_next(&self, status: u16, count: usize, retry_after_s: Option<u32>) {
        let mut inner = self.shared.lock();
        inner
            .faults
            .extend(std::iter::repeat_n((status, retry_after_s), count));
    }

    /// Closes every open WebSocket.
    pub fn drop_sockets(&self) {
        let _ = self.shared.push.send(Push::Drop);
    }

    /// Sends a frame that is not JSON on every open WebSocket.
    pub fn send_malformed_frame(&self) {
        let _ = self.shared.push.send(Push::Malformed);
    }

    /// HTTP requests served so far (faults and refusals included).
    pub fn requests(&self) -> u64 {
        self.shared.lock().requests
    }

    /// Session ids terminated through the API, in order.
    pub fn terminated(&self) -> Vec<String> {
        self.shared.lock().terminated.clone()
    }

    /// `(session id, text)` of every message shown through the API.
    pub fn messages(&self) -> Vec<(String, String)> {
        self.shared.lock().messages.clone()
    }
}

type Q = Query<HashMap<String, String>>;
type S = State<Arc<Shared>>;

fn json(body: String) -> Response {
    ([("content-type", "application/json")], body).into_response()
}

async fn plex_identity(State(s): S) -> Response {
    s.lock().requests += 1;
    json(render::plex_identity(&s.server_id))
}

async fn plex_sessions(State(s): S, headers: HeaderMap, Query(q): Q) -> Response {
    if let Err(r) = s.gate(&headers, &q) {
        return *r;
    }
    let sessions = s.lock().sessions.clone();
    json(render::plex_sessions(&sessions))
}

async fn plex_terminate(State(s): S, headers: HeaderMap, Query(q): Q) -> Response {
    if let Err(r) = s.gate(&headers, &q) {
        return *r;
    }
    let Some(id) = q.get("sessionId").cloned() else {
        return (StatusCode::FORBIDDEN, "sessionId is empty").into_response();
    };
    let mut inner = s.lock();
    let before = inner.sessions.len();
    inner.sessions.retain(|x| render::plex_session_id(x) != id);
    if inner.sessions.len() == before {
        return (StatusCode::NOT_FOUND, "no such session").into_response();
    }
    inner.terminated.push(id);
    drop(inner);
    let _ = s.push.send(Push::Sessions);
    StatusCode::OK.into_response()
}

async fn plex_fallback(State(s): S, headers: HeaderMap, Query(q): Q, req: Request) -> Response {
    if req.uri().path() != "/:/websockets/notifications" {
        return StatusCode::NOT_FOUND.into_response();
    }
    if let Err(r) = s.gate(&headers, &q) {
        return *r;
    }
    let (mut parts, _) = req.into_parts();
    match <WebSocketUpgrade as axum::extract::FromRequestParts<()>>::from_request_parts(
        &mut parts,
        &(),
    )
    .await
    {
        Ok(ws) => ws
            .on_upgrade(move |socket| plex_socket(socket, s))
            .into_response(),
        Err(rejection) => rejection.into_response(),
    }
}

async fn plex_socket(mut socket: WebSocket, s: Arc<Shared>) {
    let mut rx = s.push.subscribe();
    loop {
        tokio::select! {
            push = rx.recv() => {
                let msg = match push {
                    Ok(Push::Sessions) => render::plex_playing_frame(&s.lock().sessions),
                    Ok(Push::Malformed) => "{\"NotificationContainer\": {not json".to_owned(),
                    Ok(Push::Drop) | Err(_) => return,
                };
                if socket.send(Message::text(msg)).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Ping(p))) => {
                    if socket.send(Message::Pong(p)).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    }
}

async fn mb_info(State(s): S, headers: HeaderMap, Query(q): Q) -> Response {
    if let Err(r) = s.gate(&headers, &q) {
        return *r;
    }
    json(render::mb_system_info(s.platform, &s.server_id, &s.name))
}

async fn mb_sessions(State(s): S, headers: HeaderMap, Query(q): Q) -> Response {
    if let Err(r) = s.gate(&headers, &q) {
        return *r;
    }
    let sessions = s.lock().sessions.clone();
    json(render::mb_sessions(s.platform, &sessions).to_string())
}

async fn mb_users(State(s): S, headers: HeaderMap, Query(q): Q) -> Response {
    if let Err(r) = s.gate(&headers, &q) {
        return *r;
    }
    let inner = s.lock();
    let users = match &inner.users {
        Some(users) => users.clone(),
        None => inner
            .sessions
            .iter()
            .map(|x| (x.user_id.clone(), x.user_name.clone()))
            .collect(),
    };
    drop(inner);
    json(render::mb_users(users))
}

async fn mb_message(
    State(s): S,
    headers: HeaderMap,
    Query(q): Q,
    Path(id): Path<String>,
    body: String,
) -> Response {
    if let Err(r) = s.gate(&headers, &q) {
        return *r;
    }
    let text = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("Text").and_then(|t| t.as_str()).map(str::to_owned))
        .unwrap_or_default();
    s.lock().messages.push((id, text));
    StatusCode::NO_CONTENT.into_response()
}

async fn mb_stop(State(s): S, headers: HeaderMap, Query(q): Q, Path(id): Path<String>) -> Response {
    if let Err(r) = s.gate(&headers, &q) {
        return *r;
    }
    let mut inner = s.lock();
    inner.sessions.retain(|x| x.id != id);
    inner.terminated.push(id);
    drop(inner);
    let _ = s.push.send(Push::Sessions);
    StatusCode::NO_CONTENT.into_response()
}

async fn mb_socket(State(s): S, headers: HeaderMap, Query(q): Q, ws: WebSocketUpgrade) -> Response {
    if let Err(r) = s.gate(&headers, &q) {
        return *r;
    }
    ws.on_upgrade(move |socket| mb_socket_loop(socket, s))
        .into_response()
}

async fn mb_socket_loop(socket: WebSocket, s: Arc<Shared>) {
    let (mut out, mut incoming) = socket.split();
    let mut rx = s.push.subscribe();
    let mut subscribed = false;
    let force = serde_json::json!({"MessageType": "ForceKeepAlive", "Data": 60}).to_string();
    if out.send(Message::text(force)).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            push = rx.recv() => {
                let msg = match push {
                    Ok(Push::Sessions) if subscribed => render::mb_sessions_message(s.platform, &s.lock().sessions),
                    Ok(Push::Sessions) => continue,
                    Ok(Push::Malformed) => "{\"MessageType\": \"Sessions\", \"Data\": [".to_owned(),
                    Ok(Push::Drop) | Err(_) => return,
                };
                if out.send(Message::text(msg)).await.is_err() {
                    return;
                }
            }
            msg = incoming.next() => {
                let text = match msg {
                    Some(Ok(Message::Text(t))) => t.to_string(),
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => continue,
                };
                let kind = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("MessageType").and_then(|m| m.as_str()).map(str::to_owned));
                let reply = match kind.as_deref() {
                    Some("SessionsStart") => {
                        subscribed = true;
                        render::mb_sessions_message(s.platform, &s.lock().sessions)
                    }
                    Some("SessionsStop") => {
                        subscribed = false;
                        continue;
                    }
                    Some("KeepAlive") => serde_json::json!({"MessageType": "KeepAlive"}).to_string(),
                    _ => continue,
                };
                if out.send(Message::text(reply)).await.is_err() {
                    return;
                }
            }
        }
    }
}
