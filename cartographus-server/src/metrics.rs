//! Prometheus metrics (`/metrics`, text exposition format): request latency per route,
//! events ingested / duplicated / failed / dropped per source, source connection state,
//! detection findings per rule, store size and live WebSocket clients.

use std::sync::Mutex;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Labels of an HTTP request.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The route pattern (`/api/v1/users/{id}`), not the raw path.
    pub route: String,
    /// The method.
    pub method: String,
    /// The status class (`2xx`, `4xx`…).
    pub status: String,
}

/// Labels naming a source.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    /// `plex`, `jellyfin`, `emby`, `tautulli`…
    pub source: String,
}

/// Labels of a duplicate.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DuplicateLabels {
    /// The source.
    pub source: String,
    /// The dedup layer that matched.
    pub layer: String,
}

/// Labels naming a media server.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServerLabels {
    /// The configured server name.
    pub server: String,
}

/// Labels naming a detection rule.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RuleLabels {
    /// The rule.
    pub rule: String,
}

/// Every metric the server exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Mutex<Registry>,
    /// Request latency.
    pub http_latency: Family<RouteLabels, Histogram>,
    /// Events stored.
    pub events_ingested: Family<SourceLabels, Counter>,
    /// Events recognised as duplicates.
    pub events_duplicated: Family<DuplicateLabels, Counter>,
    /// Events that failed to store (dead letters).
    pub events_failed: Family<SourceLabels, Counter>,
    /// Events a source had to wait for because the pipeline was full.
    pub events_backpressured: Family<SourceLabels, Counter>,
    /// 1 when a source is connected.
    pub source_connected: Family<ServerLabels, Gauge>,
    /// Detection findings.
    pub findings: Family<RuleLabels, Counter>,
    /// Store file size in bytes.
    pub store_bytes: Gauge,
    /// Connected WebSocket clients.
    pub ws_clients: Gauge,
}

fn latency_histogram() -> Histogram {
    Histogram::new([
        0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
    ])
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("cartographus");
        let http_latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            http_latency.clone(),
        );
        let events_ingested = Family::<SourceLabels, Counter>::default();
        registry.register(
            "events_ingested",
            "Playback events stored",
            events_ingested.clone(),
        );
        let events_duplicated = Family::<DuplicateLabels, Counter>::default();
        registry.register(
            "events_duplicated",
            "Playback events recognised as duplicates, by dedup layer",
            events_duplicated.clone(),
        );
        let events_failed = Family::<SourceLabels, Counter>::default();
        registry.register(
            "events_failed",
            "Playback events that could not be stored (dead letters)",
            events_failed.clone(),
        );
        let events_backpressured = Family::<SourceLabels, Counter>::default();
        registry.register(
            "events_backpressured",
            "Playback events that waited for a full pipeline",
            events_backpressured.clone(),
        );
        let source_connected = Family::<ServerLabels, Gauge>::default();
        registry.register(
            "source_connected",
            "1 when the media server is connected",
            source_connected.clone(),
        );
        let findings = Family::<RuleLabels, Counter>::default();
        registry.register(
            "detection_findings",
            "Detection findings by rule",
            findings.clone(),
        );
        let store_bytes = Gauge::default();
        registry.register(
            "store_size_bytes",
            "Size of the DuckDB file",
            store_bytes.clone(),
        );
        let ws_clients = Gauge::default();
        registry.register(
            "ws_clients",
            "Connected WebSocket clients",
            ws_clients.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            http_latency,
            events_ingested,
            events_duplicated,
            events_failed,
            events_backpressured,
            source_connected,
            findings,
            store_bytes,
            ws_clients,
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Ok(r) = self.registry.lock() {
            let _ = encode(&mut out, &r);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::new();
        m.events_ingested
            .get_or_create(&SourceLabels {
                source: "plex".into(),
            })
            .inc_by(3);
        m.http_latency
            .get_or_create(&RouteLabels {
                route: "/api/v1/stats".into(),
                method: "GET".into(),
                status: "2xx".into(),
            })
            .observe(0.004);
        let text = m.render();
        assert!(
            text.contains("cartographus_events_ingested_total{source=\"plex\"} 3"),
            "{text}"
        );
        assert!(text.contains("cartographus_http_request_duration_seconds_bucket{le=\"0.005\",route=\"/api/v1/stats\",method=\"GET\",status=\"2xx\"} 1"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}
