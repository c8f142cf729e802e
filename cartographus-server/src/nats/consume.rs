//! Consuming events from the durable pull consumer: each message becomes a [`Delivery`]
//! carrying the decoded event (or why it is not one), how often it was delivered, and its
//! [`AckHandle`]. A message that fails on its last delivery, or cannot be decoded, is
//! terminated and handed back as a [`NatsDeadLetter`] for the `failed_events` table.

use std::fmt;
use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull, message::Acker, AckKind};
use cartographus_core::{EventId, PlaybackEvent, Source};
use futures_util::StreamExt;
use serde::Serialize;

use super::{message, MessageError, NatsError};

/// The stream of deliveries of the durable consumer.
pub struct Consumer {
    messages: pull::Stream,
    name: String,
    max_deliver: u32,
}

impl fmt::Debug for Consumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("name", &self.name)
            .field("max_deliver", &self.max_deliver)
            .finish_non_exhaustive()
    }
}

/// What a message holds.
#[derive(Debug)]
pub enum Payload {
    /// A valid event.
    Event(Box<PlaybackEvent>),
    /// Not an event this build can read; it will never become one, so reject it.
    Malformed(MessageError),
}

/// One delivered message.
#[derive(Debug)]
#[non_exhaustive]
pub struct Delivery {
    /// The event, or why there is none.
    pub payload: Payload,
    /// The subject it was published to.
    pub subject: String,
    /// The raw body.
    pub body: Vec<u8>,
    /// Its sequence number in the stream.
    pub stream_sequence: u64,
    /// How often it has been delivered, this delivery included (1 the first time).
    pub delivered: u64,
    /// The consumer's max deliver: after that many deliveries JetStream gives it up.
    pub max_deliver: u64,
    ack: AckHandle,
}

/// Acknowledges one message. Each method consumes the handle: a message is settled once.
pub struct AckHandle {
    acker: Acker,
    stream_sequence: u64,
}

impl fmt::Debug for AckHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AckHandle")
            .field("stream_sequence", &self.stream_sequence)
            .finish_non_exhaustive()
    }
}

/// What [`Delivery::reject`] did.
#[derive(Debug)]
pub enum Rejection {
    /// The message was nak'ed and will be delivered again.
    Retrying {
        /// Deliveries so far.
        delivered: u64,
    },
    /// The message was terminated; store this in `failed_events`.
    DeadLetter(NatsDeadLetter),
}

/// A message given up: on its last delivery, or malformed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NatsDeadLetter {
    /// The event's id, when it could be read.
    pub event_id: Option<EventId>,
    /// The event's source, when the event could be read.
    pub source: Option<Source>,
    /// The subject.
    pub subject: String,
    /// Its sequence number in the stream.
    pub stream_sequence: u64,
    /// The event as JSON when it decoded; otherwise the raw body (lossy UTF-8) as a JSON
    /// string.
    pub payload_json: String,
    /// Deliveries.
    pub attempts: u64,
    /// The last error.
    pub error: String,
}

impl AckHandle {
    /// The message was handled: it will not be delivered again.
    pub async fn ack(self) -> Result<(), NatsError> {
        self.send(AckKind::Ack).await
    }

    /// Like [`ack`](Self::ack), but waits until the server confirms it has recorded the
    /// acknowledgement.
    pub async fn ack_confirmed(self) -> Result<(), NatsError> {
        let seq = self.stream_sequence;
        self.acker
            .double_ack()
            .await
            .map_err(|source| NatsError::Ack {
                stream_sequence: seq,
                source,
            })
    }

    /// Not handled now: deliver it again, after `delay` if given.
    pub async fn nak(self, delay: Option<Duration>) -> Result<(), NatsError> {
        self.send(AckKind::Nak(delay)).await
    }

    /// Never deliver it again, without counting it as handled.
    pub async fn term(self) -> Result<(), NatsError> {
        self.send(AckKind::Term).await
    }

    /// Still working on it: restart the ack wait.
    pub async fn in_progress(&self) -> Result<(), NatsError> {
        self.acker
            .ack_with(AckKind::Progress)
            .await
            .map_err(|source| NatsError::Ack {
                stream_sequence: self.stream_sequence,
                source,
            })
    }

    async fn send(self, kind: AckKind) -> Result<(), NatsError> {
        self.acker
            .ack_with(kind)
            .await
            .map_err(|source| NatsError::Ack {
                stream_sequence: self.stream_sequence,
                source,
            })
    }
}

impl Delivery {
    /// The event, when the message held a valid one.
    pub fn event(&self) -> Option<&PlaybackEvent> {
        match &self.payload {
            Payload::Event(e) => Some(e),
            Payload::Malformed(_) => None,
        }
    }

    /// Whether JetStream will not deliver it again if this delivery is not acknowledged.
    pub fn is_last_delivery(&self) -> bool {
        self.delivered >= self.max_deliver
    }

    /// Separates the payload from its acknowledgement handle.
    pub fn into_parts(self) -> (Payload, AckHandle) {
        (self.payload, self.ack)
    }

    /// Acknowledges it (handled).
    pub async fn ack(self) -> Result<(), NatsError> {
        self.ack.ack().await
    }

    /// Handling failed with `error`. A malformed message, or one on its last delivery, is
    /// terminated and returned as a dead letter; otherwise it is nak'ed for redelivery.
    pub async fn reject(self, error: &(dyn fmt::Display + Sync)) -> Result<Rejection, NatsError> {
        let give_up = self.is_last_delivery() || matches!(self.payload, Payload::Malformed(_));
        if !give_up {
            let delivered = self.delivered;
            self.ack.nak(None).await?;
            return Ok(Rejection::Retrying { delivered });
        }
        let (event_id, source, payload_json) = match &self.payload {
            Payload::Event(e) => (
                Some(e.event_id()),
                Some(e.identity.source),
                serde_json::to_string(e).map_err(NatsError::Encode)?,
            ),
            Payload::Malformed(_) => (
                message::sniff_event_id(&self.body),
                None,
                serde_json::to_string(&String::from_utf8_lossy(&self.body))
                    .map_err(NatsError::Encode)?,
            ),
        };
        let error = match &self.payload {
            Payload::Malformed(m) => format!("{m}; {error}"),
            Payload::Event(_) => error.to_string(),
        };
        let letter = NatsDeadLetter {
            event_id,
            source,
            subject: self.subject,
            stream_sequence: self.stream_sequence,
            payload_json,
            attempts: self.delivered,
            error,
        };
        self.ack.term().await?;
        Ok(Rejection::DeadLetter(letter))
    }
}

impl Consumer {
    pub(super) fn new(messages: pull::Stream, name: String, max_deliver: u32) -> Self {
        Self {
            messages,
            name,
            max_deliver,
        }
    }

    /// The next delivery; waits until there is one. `None` only when the consumer's
    /// stream ended (the consumer was deleted). An `Err` (a missed heartbeat while NATS is
    /// away, say) does not end it: call again, the client reconnects by itself.
    ///
    /// Cancel-safe: a message already received stays buffered for the next call.
    pub async fn next(&mut self) -> Option<Result<Delivery, NatsError>> {
        let item = self.messages.next().await?;
        Some(match item {
            Ok(m) => self.delivery(m),
            Err(e) => Err(NatsError::Receive {
                consumer: self.name.clone(),
                source: e.into(),
            }),
        })
    }

    fn delivery(&self, m: jetstream::Message) -> Result<Delivery, NatsError> {
        let (stream_sequence, delivered) = {
            let info = m.info().map_err(NatsError::Metadata)?;
            (info.stream_sequence, info.delivered.max(1) as u64)
        };
        let (msg, acker) = m.split();
        let body = msg.payload.to_vec();
        let payload = match message::decode(&body) {
            Ok(e) => Payload::Event(Box::new(e)),
            Err(e) => Payload::Malformed(e),
        };
        Ok(Delivery {
            payload,
            subject: msg.subject.to_string(),
            body,
            stream_sequence,
            delivered,
            max_deliver: u64::from(self.max_deliver),
            ack: AckHandle {
                acker,
                stream_sequence,
            },
        })
    }
}
