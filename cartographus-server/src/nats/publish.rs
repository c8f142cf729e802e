//! Publishing events to JetStream: one message per event on
//! `playback.{source}.{media_type}`, `Nats-Msg-Id` = the event id, and the JetStream
//! acknowledgement awaited (the event is in the stream, or it was a duplicate of one that
//! is).

use async_nats::jetstream::{self, context::PublishAckFuture};
use cartographus_core::PlaybackEvent;

use super::{message, NatsError};

/// Publishes sent before their acknowledgements are awaited.
const PIPELINE_WINDOW: usize = 1024;

/// What JetStream said about a published event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Published {
    /// The message's sequence number in the stream (of the earlier copy, for a duplicate).
    pub stream_sequence: u64,
    /// JetStream already had a message with this id within the duplicate window and
    /// dropped this one.
    pub duplicate: bool,
}

/// Publishes events. Cheap to clone; shares the connection.
#[derive(Debug, Clone)]
pub struct Publisher {
    js: jetstream::Context,
    prefix: String,
}

impl Publisher {
    pub(super) fn new(js: jetstream::Context, prefix: String) -> Self {
        Self { js, prefix }
    }

    /// Publishes one event and waits for JetStream's acknowledgement.
    ///
    /// Cancel-safety: dropping the future after the message was sent does not take it
    /// back; publishing it again is safe (the message id makes JetStream drop the copy).
    pub async fn publish(&self, event: &PlaybackEvent) -> Result<Published, NatsError> {
        let (subject, ack) = self.send(event).await?;
        await_ack(subject, ack).await
    }

    /// Publishes events pipelined — all are sent before any acknowledgement is awaited —
    /// and returns one result per event, in order. Much faster than one
    /// [`publish`](Self::publish) after the other; an event whose result is an error may
    /// still have reached the stream, and is safe to publish again.
    pub async fn publish_all(&self, events: &[PlaybackEvent]) -> Vec<Result<Published, NatsError>> {
        let mut out = Vec::with_capacity(events.len());
        // In windows, so the client's in-flight limit is never the thing that waits.
        for window in events.chunks(PIPELINE_WINDOW) {
            let mut sent = Vec::with_capacity(window.len());
            for event in window {
                sent.push(self.send(event).await);
            }
            // Awaited together: each acknowledgement's timeout starts when it is first
            // polled, so one after the other would add the timeouts up during an outage.
            let acks = sent.into_iter().map(|s| async move {
                match s {
                    Ok((subject, ack)) => await_ack(subject, ack).await,
                    Err(e) => Err(e),
                }
            });
            out.extend(futures_util::future::join_all(acks).await);
        }
        out
    }

    async fn send(&self, event: &PlaybackEvent) -> Result<(String, PublishAckFuture), NatsError> {
        let body = message::encode(event).map_err(NatsError::Encode)?;
        let subject = message::subject(&self.prefix, event);
        let publish = jetstream::message::PublishMessage::build()
            .payload(body.into())
            .message_id(message::message_id(event));
        match self.js.send_publish(subject.clone(), publish).await {
            Ok(ack) => Ok((subject, ack)),
            Err(source) => Err(NatsError::Publish { subject, source }),
        }
    }
}

async fn await_ack(subject: String, ack: PublishAckFuture) -> Result<Published, NatsError> {
    match ack.await {
        Ok(a) => Ok(Published {
            stream_sequence: a.sequence,
            duplicate: a.duplicate,
        }),
        Err(source) => Err(NatsError::Publish { subject, source }),
    }
}
