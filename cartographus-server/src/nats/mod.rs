//! NATS JetStream event sourcing (feature `nats`): several `cartographus` instances
//! publish plays into one stream and one or more consume it — an existing distributed
//! engine instead of a home-made one.
//!
//! - [`Nats::connect`] connects (credentials file, user/password or token; TLS) and
//!   [`Nats::ensure_stream_and_consumer`] creates or updates the stream (`MEDIA_EVENTS`,
//!   file storage, 7-day max age, 2-minute duplicate window, subjects `playback.>`) and
//!   the durable pull consumer (`media-processor`, explicit ack, ack wait 30 s, max
//!   deliver 5).
//! - [`Publisher::publish`] sends an event to `playback.{source}.{media_type}` with
//!   `Nats-Msg-Id` = the event id and waits for JetStream's acknowledgement, so a
//!   re-publish within the duplicate window is dropped by the server.
//! - [`Consumer::next`] yields [`Delivery`]s: the decoded event (or why it is not one),
//!   its delivery count, and ack / nak / term. [`Delivery::reject`] retries or, on the last
//!   delivery or for a malformed message, terminates it and returns a [`NatsDeadLetter`].
//! - [`Nats::health`] reports stream size and consumer lag for `/api/v1/health/nats`.
//!
//! The body of a message is a versioned JSON envelope ([`message`]); see "NATS message"
//! in `docs/design.md`. The client reconnects by itself after an outage; publishes made
//! meanwhile fail with a transient [`NatsError`] (the caller keeps the events in the
//! WAL and publishes them again; the message id makes that safe).

mod config;
mod consume;
mod error;
pub mod message;
mod publish;

use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use serde::Serialize;

pub use config::{
    NatsAuth, NatsConfig, NatsConfigError, NatsSecret, NatsTls, StreamSettings, NATS_ENV_VARS,
};
pub use consume::{AckHandle, Consumer, Delivery, NatsDeadLetter, Payload, Rejection};
pub use error::NatsError;
pub use message::MessageError;
pub use publish::{Published, Publisher};

/// A connection to NATS with its JetStream context.
#[derive(Debug, Clone)]
pub struct Nats {
    client: async_nats::Client,
    js: jetstream::Context,
    settings: StreamSettings,
}

/// What `/api/v1/health/nats` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NatsHealth {
    /// Whether the client is connected right now.
    pub connected: bool,
    /// The stream's name.
    pub stream: String,
    /// Messages in the stream.
    pub stream_messages: u64,
    /// Bytes in the stream.
    pub stream_bytes: u64,
    /// First sequence number still in the stream.
    pub first_sequence: u64,
    /// Last sequence number written.
    pub last_sequence: u64,
    /// The consumer's name.
    pub consumer: String,
    /// Messages not yet delivered to the consumer: its lag.
    pub num_pending: u64,
    /// Messages delivered but not yet acknowledged.
    pub num_ack_pending: u64,
    /// Messages delivered more than once and not yet acknowledged.
    pub num_redelivered: u64,
    /// Stream sequence up to which everything is acknowledged.
    pub ack_floor: u64,
}

impl Nats {
    /// Validates `config` and connects. Fails when no server answers within the connect
    /// timeout; after that, the client reconnects by itself whenever the connection drops.
    pub async fn connect(config: &NatsConfig) -> Result<Self, NatsError> {
        config.validate()?;
        let mut options = async_nats::ConnectOptions::new()
            .name(&config.client_name)
            .connection_timeout(config.connect_timeout)
            .request_timeout(Some(config.request_timeout));
        options = match &config.auth {
            NatsAuth::None => options,
            NatsAuth::CredentialsFile(path) => {
                options
                    .credentials_file(path)
                    .await
                    .map_err(|source| NatsError::Credentials {
                        path: path.clone(),
                        source,
                    })?
            }
            NatsAuth::UserPassword { user, password } => {
                options.user_and_password(user.clone(), password.expose().to_owned())
            }
            NatsAuth::Token(token) => options.token(token.expose().to_owned()),
        };
        if config.tls.required {
            options = options.require_tls(true);
        }
        if let Some(ca) = &config.tls.ca_file {
            options = options.add_root_certificates(ca.clone());
        }
        if let Some((cert, key)) = &config.tls.client_cert {
            options = options.add_client_certificate(cert.clone(), key.clone());
        }
        let servers: Vec<async_nats::ServerAddr> = config
            .servers
            .iter()
            .map(|s| s.parse::<async_nats::ServerAddr>())
            .collect::<Result<_, _>>()
            .map_err(|e| {
                NatsError::Config(NatsConfigError::Invalid {
                    setting: "NATS_URL",
                    problem: e.to_string(),
                })
            })?;
        let client = options
            .connect(servers)
            .await
            .map_err(|source| NatsError::Connect {
                servers: config.redacted_servers(),
                source,
            })?;
        let js = jetstream::ContextBuilder::new()
            .timeout(config.request_timeout)
            .build(client.clone());
        Ok(Self {
            client,
            js,
            settings: config.stream.clone(),
        })
    }

    /// Creates the stream and the durable consumer, or updates them to the configured
    /// settings. Safe to call from every instance at start.
    pub async fn ensure_stream_and_consumer(&self) -> Result<(), NatsError> {
        let s = &self.settings;
        let stream_err = |source: async_nats::Error| NatsError::Stream {
            stream: s.stream.clone(),
            source,
        };
        self.js
            .create_or_update_stream(stream::Config {
                name: s.stream.clone(),
                subjects: vec![format!("{}.>", s.subject_prefix)],
                storage: stream::StorageType::File,
                retention: stream::RetentionPolicy::Limits,
                max_age: s.max_age,
                duplicate_window: s.duplicate_window,
                ..Default::default()
            })
            .await
            .map_err(|e| stream_err(e.into()))?;
        let stream = self
            .js
            .get_stream(&s.stream)
            .await
            .map_err(|e| stream_err(e.into()))?;
        stream
            .create_consumer(self.consumer_config())
            .await
            .map_err(|e| NatsError::Consumer {
                consumer: s.consumer.clone(),
                source: e.into(),
            })?;
        Ok(())
    }

    fn consumer_config(&self) -> consumer::pull::Config {
        let s = &self.settings;
        consumer::pull::Config {
            durable_name: Some(s.consumer.clone()),
            description: Some("Cartographus store writer".to_owned()),
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: s.ack_wait,
            max_deliver: i64::from(s.max_deliver),
            max_ack_pending: i64::from(s.max_ack_pending),
            deliver_policy: consumer::DeliverPolicy::All,
            filter_subject: format!("{}.>", s.subject_prefix),
            ..Default::default()
        }
    }

    /// A publisher sharing this connection.
    pub fn publisher(&self) -> Publisher {
        Publisher::new(self.js.clone(), self.settings.subject_prefix.clone())
    }

    /// Binds to the durable consumer (which [`Nats::ensure_stream_and_consumer`] created)
    /// and starts pulling messages.
    pub async fn consumer(&self) -> Result<Consumer, NatsError> {
        let s = &self.settings;
        let consumer_err = |source: async_nats::Error| NatsError::Consumer {
            consumer: s.consumer.clone(),
            source,
        };
        let stream = self
            .js
            .get_stream(&s.stream)
            .await
            .map_err(|e| NatsError::Stream {
                stream: s.stream.clone(),
                source: e.into(),
            })?;
        let pull: consumer::Consumer<consumer::pull::Config> = stream
            .get_consumer(&s.consumer)
            .await
            .map_err(consumer_err)?;
        let messages = pull
            .stream()
            .max_messages_per_batch(256)
            .heartbeat(Duration::from_secs(5))
            .expires(Duration::from_secs(30))
            .messages()
            .await
            .map_err(|e| consumer_err(e.into()))?;
        Ok(Consumer::new(messages, s.consumer.clone(), s.max_deliver))
    }

    /// Stream size and consumer lag.
    pub async fn health(&self) -> Result<NatsHealth, NatsError> {
        let s = &self.settings;
        let stream_err = |source: async_nats::Error| NatsError::Stream {
            stream: s.stream.clone(),
            source,
        };
        let stream = self
            .js
            .get_stream_no_info(&s.stream)
            .await
            .map_err(|e| stream_err(e.into()))?;
        let info = stream.get_info().await.map_err(|e| stream_err(e.into()))?;
        let consumer =
            stream
                .consumer_info(&s.consumer)
                .await
                .map_err(|e| NatsError::Consumer {
                    consumer: s.consumer.clone(),
                    source: e.into(),
                })?;
        Ok(NatsHealth {
            connected: self.is_connected(),
            stream: s.stream.clone(),
            stream_messages: info.state.messages,
            stream_bytes: info.state.bytes,
            first_sequence: info.state.first_sequence,
            last_sequence: info.state.last_sequence,
            consumer: s.consumer.clone(),
            num_pending: consumer.num_pending,
            num_ack_pending: consumer.num_ack_pending as u64,
            num_redelivered: consumer.num_redelivered as u64,
            ack_floor: consumer.ack_floor.stream_sequence,
        })
    }

    /// Whether the client is connected right now.
    pub fn is_connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    /// Sends everything buffered and waits for the server to have it.
    pub async fn flush(&self) -> Result<(), NatsError> {
        self.client.flush().await.map_err(|e| NatsError::Stream {
            stream: self.settings.stream.clone(),
            source: e.into(),
        })
    }
}
