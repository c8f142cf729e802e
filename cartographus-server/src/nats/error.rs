//! Errors of the NATS side: one variant per operation, with async-nats' own error as the
//! source.

use async_nats::jetstream;

/// Something went wrong talking to NATS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NatsError {
    /// The configuration is not usable.
    #[error("invalid NATS configuration: {0}")]
    Config(#[from] super::NatsConfigError),
    /// The credentials file could not be read.
    #[error("cannot read the NATS credentials file {path}: {source}")]
    Credentials {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No connection could be made.
    #[error("cannot connect to NATS at {servers}: {source}")]
    Connect {
        /// The servers tried (without credentials).
        servers: String,
        /// async-nats' error.
        #[source]
        source: async_nats::ConnectError,
    },
    /// The stream could not be created, updated or looked up.
    #[error("JetStream stream {stream}: {source}")]
    Stream {
        /// The stream.
        stream: String,
        /// async-nats' error.
        #[source]
        source: async_nats::Error,
    },
    /// The consumer could not be created, updated or looked up.
    #[error("JetStream consumer {consumer}: {source}")]
    Consumer {
        /// The consumer.
        consumer: String,
        /// async-nats' error.
        #[source]
        source: async_nats::Error,
    },
    /// An event could not be serialised.
    #[error("the event cannot be serialised: {0}")]
    Encode(#[source] serde_json::Error),
    /// A publish was not acknowledged by JetStream.
    #[error("publishing to {subject} was not acknowledged: {source}")]
    Publish {
        /// The subject.
        subject: String,
        /// async-nats' error.
        #[source]
        source: jetstream::context::PublishError,
    },
    /// Messages could not be received.
    #[error("receiving from consumer {consumer}: {source}")]
    Receive {
        /// The consumer.
        consumer: String,
        /// async-nats' error.
        #[source]
        source: async_nats::Error,
    },
    /// A delivered message lacks its JetStream metadata (reply subject).
    #[error("a delivered message has no JetStream metadata: {0}")]
    Metadata(#[source] async_nats::Error),
    /// An ack, nak or term could not be sent.
    #[error("acknowledging message {stream_sequence} failed: {source}")]
    Ack {
        /// The message's stream sequence.
        stream_sequence: u64,
        /// async-nats' error.
        #[source]
        source: async_nats::Error,
    },
}

impl NatsError {
    /// Whether trying again later may succeed (NATS unreachable, a timeout, too many
    /// unacknowledged publishes), as opposed to a message or configuration that will never
    /// go through.
    pub fn is_transient(&self) -> bool {
        use jetstream::context::PublishErrorKind as K;
        match self {
            NatsError::Config(_) | NatsError::Credentials { .. } | NatsError::Encode(_) => false,
            NatsError::Publish { source, .. } => !matches!(source.kind(), K::MaxPayloadExceeded),
            _ => true,
        }
    }
}
