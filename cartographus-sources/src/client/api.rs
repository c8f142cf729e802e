//! Request/response clients per platform: [`PlexClient`], [`MediaBrowserClient`]
//! (Jellyfin and Emby) and [`TautulliClient`]. Every method is one or two HTTP
//! requests with the platform's auth headers and a timeout; every method's future is
//! cancel-safe (dropping it abandons the request, nothing is half-applied, except
//! [`MediaBrowserClient::terminate`], which may have shown its message and not yet
//! stopped the stream).

use cartographus_core::{Platform, ServerId};

use super::config::ClientConfig;
use super::error::ClientError;
use super::http::{Http, Method};
use crate::plex::{self, PlexHistoryPage};
use crate::remote::{RemoteSession, RemoteSessionId};
use crate::server::{ServerIdentity, ServerUser};
use crate::tautulli::{self, HistoryPage, HistoryQuery, TautulliError};
use crate::{emby, jellyfin};

/// A Plex Media Server.
#[derive(Debug)]
pub struct PlexClient {
    pub(crate) http: Http,
    pub(crate) config: ClientConfig,
}

impl PlexClient {
    /// A client sending `X-Plex-Token`, `X-Plex-Client-Identifier`,
    /// `X-Plex-Product` and `Accept: application/json`.
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        let headers = [
            ("x-plex-token", config.token.expose().to_owned()),
            ("x-plex-client-identifier", config.client_id.clone()),
            ("x-plex-product", "Cartographus".to_owned()),
            ("accept", "application/json".to_owned()),
        ];
        Ok(Self {
            http: Http::new(&config, &headers)?,
            config,
        })
    }

    /// `GET /identity`.
    pub async fn identity(&self) -> Result<ServerIdentity, ClientError> {
        let body = self.http.send(Method::Get, "/identity", &[], None).await?;
        Ok(plex::decode_identity(&body)?)
    }

    /// `GET /status/sessions`.
    pub async fn sessions(&self) -> Result<Vec<RemoteSession>, ClientError> {
        let body = self
            .http
            .send(Method::Get, "/status/sessions", &[], None)
            .await?;
        Ok(plex::decode_sessions(&body)?)
    }

    /// `GET /status/sessions/history/all`, one page, oldest first.
    pub async fn history(&self, start: u64, size: u32) -> Result<PlexHistoryPage, ClientError> {
        let query = [
            ("sort", "viewedAt:asc".to_owned()),
            ("X-Plex-Container-Start", start.to_string()),
            ("X-Plex-Container-Size", size.to_string()),
        ];
        let body = self
            .http
            .send(Method::Get, "/status/sessions/history/all", &query, None)
            .await?;
        Ok(plex::decode_history(&body)?)
    }

    /// Stops a stream, showing `reason` to the viewer
    /// (`/status/sessions/terminate?sessionId=…&reason=…`).
    pub async fn terminate(
        &self,
        session: &RemoteSessionId,
        reason: &str,
    ) -> Result<(), ClientError> {
        let query = [
            ("sessionId", session.to_string()),
            ("reason", reason.to_owned()),
        ];
        self.http
            .send(Method::Get, "/status/sessions/terminate", &query, None)
            .await?;
        Ok(())
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }
}

/// A Jellyfin or Emby server (the shared MediaBrowser API).
#[derive(Debug)]
pub struct MediaBrowserClient {
    pub(crate) http: Http,
    pub(crate) platform: Platform,
    pub(crate) config: ClientConfig,
}

impl MediaBrowserClient {
    /// A Jellyfin client (`Authorization: MediaBrowser … Token="…"`).
    pub fn jellyfin(config: ClientConfig) -> Result<Self, ClientError> {
        let auth = format!(
            "MediaBrowser Client=\"Cartographus\", Device=\"Cartographus\", DeviceId=\"{}\", Version=\"{}\", Token=\"{}\"",
            config.client_id,
            env!("CARGO_PKG_VERSION"),
            config.token.expose()
        );
        let headers = [
            ("authorization", auth),
            ("accept", "application/json".to_owned()),
        ];
        Ok(Self {
            http: Http::new(&config, &headers)?,
            platform: Platform::Jellyfin,
            config,
        })
    }

    /// An Emby client (`X-Emby-Token`).
    pub fn emby(config: ClientConfig) -> Result<Self, ClientError> {
        let headers = [
            ("x-emby-token", config.token.expose().to_owned()),
            ("accept", "application/json".to_owned()),
        ];
        Ok(Self {
            http: Http::new(&config, &headers)?,
            platform: Platform::Emby,
            config,
        })
    }

    /// Jellyfin or Emby.
    pub fn platform(&self) -> Platform {
        self.platform
    }

    /// `GET /System/Info`.
    pub async fn identity(&self) -> Result<ServerIdentity, ClientError> {
        let body = self
            .http
            .send(Method::Get, "/System/Info", &[], None)
            .await?;
        Ok(match self.platform {
            Platform::Emby => emby::decode_system_info(&body)?,
            _ => jellyfin::decode_system_info(&body)?,
        })
    }

    /// `GET /Sessions`: the sessions playing something.
    pub async fn sessions(&self) -> Result<Vec<RemoteSession>, ClientError> {
        let body = self.http.send(Method::Get, "/Sessions", &[], None).await?;
        Ok(match self.platform {
            Platform::Emby => emby::decode_sessions(&body)?,
            _ => jellyfin::decode_sessions(&body)?,
        })
    }

    /// `GET /Users`.
    pub async fn users(&self) -> Result<Vec<ServerUser>, ClientError> {
        let body = self.http.send(Method::Get, "/Users", &[], None).await?;
        Ok(jellyfin::decode_users(&body)?)
    }

    /// Shows `message` on the client (`POST /Sessions/{id}/Message`), then stops the
    /// stream (`POST /Sessions/{id}/Playing/Stop`).
    pub async fn terminate(
        &self,
        session: &RemoteSessionId,
        message: &str,
    ) -> Result<(), ClientError> {
        let id = encode_path(session.as_str());
        let body =
            serde_json::json!({"Header": "Cartographus", "Text": message, "TimeoutMs": 10000});
        let path = format!("/Sessions/{id}/Message");
        self.http
            .send(
                Method::Post,
                &path,
                &[],
                Some(body.to_string().into_bytes()),
            )
            .await?;
        let path = format!("/Sessions/{id}/Playing/Stop");
        self.http.send(Method::Post, &path, &[], None).await?;
        Ok(())
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }
}

/// A Tautulli instance (API v2).
#[derive(Debug)]
pub struct TautulliClient {
    http: Http,
    config: ClientConfig,
}

/// How far an import has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportProgress {
    /// Rows read so far (the `start` to resume from).
    pub next_start: u64,
    /// Rows to read in all, if Tautulli said.
    pub total: Option<u64>,
}

impl TautulliClient {
    /// A client passing the API key as `apikey`.
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        Ok(Self {
            http: Http::new(&config, &[("accept", "application/json".to_owned())])?,
            config,
        })
    }

    async fn call(&self, mut params: Vec<(&'static str, String)>) -> Result<Vec<u8>, ClientError> {
        params.push(("apikey", self.config.token.expose().to_owned()));
        self.http.send(Method::Get, "/api/v2", &params, None).await
    }

    /// `get_server_info`: the Plex server whose history this is.
    pub async fn server_info(&self) -> Result<ServerIdentity, ClientError> {
        let body = self
            .call(vec![("cmd", "get_server_info".to_owned())])
            .await?;
        tautulli::decode_server_info(&body).map_err(flatten)
    }

    /// `get_users`.
    pub async fn users(&self) -> Result<Vec<ServerUser>, ClientError> {
        let body = self.call(vec![("cmd", "get_users".to_owned())]).await?;
        tautulli::decode_users(&body).map_err(flatten)
    }

    /// One `get_history` page.
    pub async fn history(
        &self,
        query: &HistoryQuery,
        server: &ServerId,
    ) -> Result<HistoryPage, ClientError> {
        let body = self.call(query.params()).await?;
        tautulli::decode_history(&body, server).map_err(flatten)
    }

    /// Pages through the history from `query.start`, handing each page to `on_page`
    /// with the progress after it. To resume after a failure, call again with
    /// `start` = the last reported `next_start`. Not cancel-safe as a whole: pages
    /// already handed over stay handed over.
    pub async fn import(
        &self,
        mut query: HistoryQuery,
        server: &ServerId,
        mut on_page: impl FnMut(&HistoryPage, ImportProgress),
    ) -> Result<ImportProgress, ClientError> {
        loop {
            let page = self.history(&query, server).await?;
            let next = query.next(&page);
            let progress = ImportProgress {
                next_start: query.start + (page.rows.len() + page.skipped) as u64,
                total: page.records_filtered.or(page.records_total),
            };
            on_page(&page, progress);
            match next {
                Some(q) => query = q,
                None => return Ok(progress),
            }
        }
    }
}

fn flatten(e: TautulliError) -> ClientError {
    match e {
        TautulliError::Api(e) => ClientError::Tautulli(e),
        TautulliError::Decode(e) => ClientError::Decode(e),
    }
}

/// Percent-encodes a path segment.
fn encode_path(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
