//! NATS JetStream between ingestion and the store (feature `nats`, `NATS_ENABLED`).
//!
//! - **Publishing**: the pipeline journals the plays of an input in the WAL (when it is
//!   on) and hands them to the [`Forwarder`] instead of the writer. The publish task
//!   sends them to `playback.{source}.{media_type}` with `Nats-Msg-Id` = the event id
//!   and confirms their WAL entries once JetStream acknowledged them. What failed (NATS
//!   away) stays pending in the WAL; every [`DRAIN_EVERY`] the task publishes the
//!   pending entries again (the message id makes a second copy harmless), so an outage
//!   drains when NATS returns. WAL compaction and its dead letters run on the writer.
//! - **Consuming**: the durable consumer `media-processor` feeds the store writer in
//!   batches (`upsert_plays`: new plays stored, later states applied, duplicates
//!   recognised); a batch is acknowledged once the store committed it, and nak'ed for
//!   redelivery when the store refused it. A message on its last delivery, or one that
//!   is not an event, becomes a dead letter in `failed_events` (stage `nats`).
//!
//! Several instances can publish into one stream; one or more consume it.

use std::time::Duration;

use cartographus_core::PlaybackEvent;
use cartographus_store::Store;
use chrono::Utc;
use tokio::sync::{mpsc, oneshot, watch};

use super::journal::{record_dead_letter, Journal};
use super::writer::{WriteOp, Writer};
use super::{Forward, Forwarder};
use crate::nats::{Delivery, Nats, NatsDeadLetter, Payload, Publisher, Rejection};

/// How often plays the WAL still holds are published again.
pub const DRAIN_EVERY: Duration = Duration::from_secs(5);
/// Most plays handed to the store in one consumed batch.
const CONSUME_BATCH: usize = 1_000;
/// How long a consumed batch waits for more messages.
const CONSUME_WINDOW: Duration = Duration::from_millis(100);

/// Starts the publish task; returns where the pipeline sends plays.
pub fn spawn_publisher(
    nats: &Nats,
    journal: Journal,
    writer: Writer,
    compact_every: Duration,
    shutdown: watch::Receiver<bool>,
) -> Forwarder {
    let (tx, rx) = mpsc::channel(1_024);
    tokio::spawn(publish_loop(
        nats.publisher(),
        journal,
        writer,
        rx,
        compact_every,
        shutdown,
    ));
    tx
}

async fn publish_loop(
    publisher: Publisher,
    journal: Journal,
    writer: Writer,
    mut rx: mpsc::Receiver<Forward>,
    compact_every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut drain = tokio::time::interval(DRAIN_EVERY);
    let mut compact = tokio::time::interval(compact_every.min(super::UPKEEP_MAX));
    compact.tick().await;
    loop {
        tokio::select! {
            f = rx.recv() => match f {
                Some(f) => {
                    publish(&publisher, &journal, f).await;
                }
                None => return,
            },
            _ = drain.tick() => drain_pending(&publisher, &journal).await,
            _ = compact.tick() => {
                let j = journal.clone();
                // Compacts only when due (the interval, or many confirmed entries).
                let op = WriteOp::Exec(Box::new(move |store: &mut Store| {
                    let upkeep = j.compact(store, Utc::now());
                    if upkeep.dead_lettered > 0 {
                        tracing::warn!(?upkeep, "plays given up after the WAL's TTL");
                    }
                }));
                writer.send(op, "nats").await;
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// Publishes `f` and settles its WAL entries; returns whether everything went out.
async fn publish(publisher: &Publisher, journal: &Journal, f: Forward) -> bool {
    let results = publisher.publish_all(&f.plays).await;
    let failed: Vec<(std::ops::Range<usize>, String)> = results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.as_ref().err().map(|e| (i..i + 1, e.to_string())))
        .collect();
    if let Some((_, e)) = failed.first() {
        tracing::warn!(error = %e, failed = failed.len(), "publishing to JetStream failed; the WAL keeps the plays");
    }
    let all_out = failed.is_empty();
    if journal.is_on() {
        let j = journal.clone();
        let seqs = f.seqs;
        let _ = tokio::task::spawn_blocking(move || j.settle(&seqs, &failed, Utc::now())).await;
    }
    all_out
}

/// Publishes what the WAL holds pending, oldest first, until it is empty or NATS fails.
async fn drain_pending(publisher: &Publisher, journal: &Journal) {
    if !journal.is_on() {
        return;
    }
    loop {
        let j = journal.clone();
        let Ok(pending) = tokio::task::spawn_blocking(move || j.pending(512, Utc::now())).await
        else {
            return;
        };
        if pending.is_empty() {
            return;
        }
        let full = pending.len() == 512;
        let (seqs, plays): (Vec<_>, Vec<_>) =
            pending.into_iter().map(|(s, p)| (Some(s), p)).unzip();
        if !publish(publisher, journal, Forward { plays, seqs }).await || !full {
            return;
        }
    }
}

/// Starts the consume task feeding `writer`.
pub async fn spawn_consumer(
    nats: &Nats,
    writer: Writer,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), crate::nats::NatsError> {
    let mut consumer = nats.consumer().await?;
    tokio::spawn(async move {
        loop {
            let first = tokio::select! {
                d = consumer.next() => d,
                _ = shutdown.changed() => return,
            };
            let first = match first {
                None => return,
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "JetStream consumer");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
                Some(Ok(d)) => d,
            };
            let mut batch = vec![first];
            let deadline = tokio::time::Instant::now() + CONSUME_WINDOW;
            while batch.len() < CONSUME_BATCH {
                match tokio::time::timeout_at(deadline, consumer.next()).await {
                    Ok(Some(Ok(d))) => batch.push(d),
                    _ => break,
                }
            }
            store_batch(&writer, batch).await;
        }
    });
    Ok(())
}

/// Hands a consumed batch to the store; acknowledges it once stored.
async fn store_batch(writer: &Writer, batch: Vec<Delivery>) {
    let (events, others): (Vec<Delivery>, Vec<Delivery>) = batch
        .into_iter()
        .partition(|d| matches!(d.payload, Payload::Event(_)));
    let mut letters = Vec::new();
    for d in others {
        reject(d, "not an event this build can read", &mut letters).await;
    }
    if !events.is_empty() {
        let plays: Vec<PlaybackEvent> = events.iter().filter_map(|d| d.event().cloned()).collect();
        let (tx, rx) = oneshot::channel();
        let op = WriteOp::Exec(Box::new(move |store: &mut Store| {
            let _ = tx.send(store.upsert_plays(&plays).map_err(|e| e.to_string()));
        }));
        writer.send(op, "nats").await;
        match rx.await {
            Ok(Ok(_)) => {
                for d in events {
                    if let Err(e) = d.ack().await {
                        tracing::warn!(error = %e, "acknowledging a stored play failed; it will be delivered again");
                    }
                }
            }
            Ok(Err(error)) => {
                for d in events {
                    reject(d, &error, &mut letters).await;
                }
            }
            Err(_) => return,
        }
    }
    if !letters.is_empty() {
        let op = WriteOp::Exec(Box::new(move |store: &mut Store| {
            for l in letters {
                let error = format!(
                    "{} (stream sequence {}, {} deliveries)",
                    l.error, l.stream_sequence, l.attempts
                );
                let recorded = record_dead_letter(
                    store,
                    "nats",
                    &error,
                    l.event_id,
                    l.source,
                    &l.payload_json,
                );
                if let Err(e) = recorded {
                    tracing::error!(error = %e, "could not store a NATS dead letter");
                }
            }
        }));
        writer.send(op, "nats").await;
    }
}

async fn reject(d: Delivery, error: &str, letters: &mut Vec<NatsDeadLetter>) {
    match d.reject(&error).await {
        Ok(Rejection::DeadLetter(l)) => letters.push(l),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "rejecting a message failed"),
    }
}
