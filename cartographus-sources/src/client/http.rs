//! The HTTP layer every client shares: one `reqwest` client per server with its auth
//! headers, a timeout on every request, the server's circuit breaker, and status codes
//! turned into typed errors (`Retry-After` read on 429/503).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};

use super::config::{ClientConfig, TlsTrust};
use super::error::ClientError;
use crate::backoff::CircuitBreaker;

#[derive(Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    base: String,
    breaker: Mutex<CircuitBreaker>,
}

pub(crate) enum Method {
    Get,
    Post,
}

impl Http {
    pub(crate) fn new(
        cfg: &ClientConfig,
        headers: &[(&'static str, String)],
    ) -> Result<Self, ClientError> {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            let mut value = HeaderValue::from_str(v).map_err(|e| ClientError::Tls(Box::new(e)))?;
            // Keeps tokens out of `Debug` output.
            value.set_sensitive(true);
            map.insert(HeaderName::from_static(k), value);
        }
        let mut b = reqwest::Client::builder()
            .use_rustls_tls()
            .default_headers(map)
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout);
        match &cfg.tls {
            TlsTrust::WebPki => {}
            TlsTrust::CustomCa { pem } => {
                let cert = reqwest::Certificate::from_pem(pem)
                    .map_err(|e| ClientError::Tls(Box::new(e)))?;
                b = b.add_root_certificate(cert);
            }
            TlsTrust::DangerSkipVerify => b = b.danger_accept_invalid_certs(true),
        }
        let client = b.build().map_err(|e| ClientError::Tls(Box::new(e)))?;
        Ok(Self {
            client,
            base: cfg.base_url.clone(),
            breaker: Mutex::new(CircuitBreaker::default()),
        })
    }

    /// Sends a request and returns the body of a 2xx answer.
    ///
    /// Cancel-safe: dropping the future abandons the request; the breaker then counts
    /// neither success nor failure.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        json_body: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, ClientError> {
        if self.lock().allow(Instant::now()).is_err() {
            return Err(ClientError::CircuitOpen);
        }
        let url = format!("{}{}", self.base, path);
        let req = match method {
            Method::Get => self.client.get(&url),
            Method::Post => self.client.post(&url),
        };
        let mut req = req.query(query);
        if let Some(body) = json_body {
            req = req.header("content-type", "application/json").body(body);
        }
        let result = async {
            let resp = req.send().await.map_err(transport)?;
            let status = resp.status().as_u16();
            if !(200..300).contains(&status) {
                return Err(status_error(status, resp.headers()));
            }
            resp.bytes().await.map(|b| b.to_vec()).map_err(transport)
        }
        .await;
        match &result {
            Ok(_) => self.lock().on_success(),
            Err(e) if e.is_transient() => self.lock().on_failure(Instant::now()),
            Err(_) => {}
        }
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CircuitBreaker> {
        self.breaker.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn transport(e: reqwest::Error) -> ClientError {
    if e.is_timeout() {
        ClientError::Timeout
    } else if e.is_builder() {
        ClientError::InvalidUrl {
            url: e.url().map(|u| strip_query(u.as_str())).unwrap_or_default(),
        }
    } else {
        ClientError::Connect(Box::new(e.without_url()))
    }
}

fn strip_query(url: &str) -> String {
    url.split('?').next().unwrap_or_default().to_owned()
}

fn status_error(status: u16, headers: &HeaderMap) -> ClientError {
    match status {
        401 | 403 => ClientError::Unauthorized { status },
        429 | 503 => ClientError::RetryLater {
            status,
            retry_after: headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
        },
        _ => ClientError::Status { status },
    }
}
