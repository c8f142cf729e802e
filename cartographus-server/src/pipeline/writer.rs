//! The single store writer. Every change to the DuckDB file goes through one task that
//! owns the `Store` and applies operations in batches: a batch closes at 1,000
//! operations or one second after its first operation, whichever comes first, and is
//! applied on a blocking thread (new plays in one `append`, updates coalesced per play in
//! one `upsert_plays`, then discards, alerts and trust changes). Senders wait when the
//! queue is full (back-pressure, counted in metrics), they never drop.
//!
//! With a write-ahead log ([`Journal`]) a batch's plays are in the WAL, fsynced, before
//! the store sees them and confirmed after it committed them; the writer replays what
//! is pending before its first batch and on every [`WriteOp::Upkeep`].

use std::sync::Arc;
use std::time::Duration;

use std::collections::HashMap;

use cartographus_core::{EventId, PlaybackEvent, Source};
use cartographus_store::{AlertRecord, IngestReport, Store, TrustChange, UpsertReport};
use tokio::sync::{mpsc, oneshot};

use super::journal::{Journal, Receipt, Upkeep};
use crate::metrics::{DuplicateLabels, Metrics, SourceLabels};

/// Most operations in one batch.
pub const BATCH_MAX: usize = 1_000;
/// Longest a batch waits for more operations.
pub const BATCH_WINDOW: Duration = Duration::from_secs(1);

/// One change for the store.
pub enum WriteOp {
    /// A new play (or a duplicate to be audited: the store recognises it).
    Append(PlaybackEvent),
    /// A later state of a stored play.
    Update(PlaybackEvent),
    /// New plays and later states already in the write-ahead log (their receipt says
    /// where), applied like `Append`s and `Update`s and then confirmed there.
    Journaled(Box<Journaled>),
    /// A play to forget (stopped below the minimum play time).
    Discard(EventId),
    /// An alert.
    Alert(AlertRecord),
    /// A trust ledger entry.
    Trust(TrustChange),
    /// Any other change (an acknowledgement, a trust adjustment), run in order with
    /// the rest.
    Exec(Box<dyn FnOnce(&mut Store) + Send>),
    /// Answers once everything sent before it is applied.
    Flush(oneshot::Sender<()>),
    /// Replays what the write-ahead log holds pending and compacts it when due.
    Upkeep(oneshot::Sender<Upkeep>),
}

impl std::fmt::Debug for WriteOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            WriteOp::Append(_) => "Append",
            WriteOp::Update(_) => "Update",
            WriteOp::Journaled(_) => "Journaled",
            WriteOp::Discard(_) => "Discard",
            WriteOp::Alert(_) => "Alert",
            WriteOp::Trust(_) => "Trust",
            WriteOp::Exec(_) => "Exec",
            WriteOp::Flush(_) => "Flush",
            WriteOp::Upkeep(_) => "Upkeep",
        };
        f.write_str(name)
    }
}

/// Plays the pipeline journaled before queueing them.
#[derive(Debug, Default)]
pub struct Journaled {
    /// New plays.
    pub appends: Vec<PlaybackEvent>,
    /// Later states.
    pub updates: Vec<PlaybackEvent>,
    /// Their WAL positions: the appends', then the updates'.
    pub receipt: Receipt,
}

/// What one batch did.
#[derive(Debug, Default, Clone)]
pub struct BatchOutcome {
    /// The source of every appended event.
    pub sources: HashMap<EventId, Source>,
    /// The appends' report.
    pub ingest: IngestReport,
    /// The updates' report.
    pub updates: UpsertReport,
    /// Errors, as text (the batch's other parts still apply).
    pub errors: Vec<String>,
}

/// The sending half. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Writer {
    tx: mpsc::Sender<WriteOp>,
    metrics: Arc<Metrics>,
}

impl Writer {
    /// Starts the writer task owning `store`, writing ahead to `journal`; returns the
    /// handle and the task. The task first replays what the journal holds pending.
    pub fn spawn(
        store: Store,
        journal: Journal,
        metrics: Arc<Metrics>,
        queue: usize,
    ) -> (Self, tokio::task::JoinHandle<Store>) {
        let (tx, rx) = mpsc::channel(queue.max(1));
        let task = tokio::spawn(run(store, journal, rx, metrics.clone()));
        (Self { tx, metrics }, task)
    }

    /// Queues an operation, waiting while the queue is full. Cancel-safe: a cancelled
    /// send queued nothing.
    pub async fn send(&self, op: WriteOp, source: &str) -> bool {
        match self.tx.try_send(op) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(op)) => {
                self.metrics
                    .events_backpressured
                    .get_or_create(&SourceLabels {
                        source: source.to_owned(),
                    })
                    .inc();
                self.tx.send(op).await.is_ok()
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Waits until everything queued so far is in the store.
    pub async fn flush(&self) -> bool {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(WriteOp::Flush(tx)).await.is_err() {
            return false;
        }
        rx.await.is_ok()
    }

    /// Replays the write-ahead log's pending entries and compacts it when due (in order
    /// with the batches); `None` when the writer is gone.
    pub async fn upkeep(&self) -> Option<Upkeep> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(WriteOp::Upkeep(tx)).await.ok()?;
        rx.await.ok()
    }
}

async fn run(
    store: Store,
    journal: Journal,
    mut rx: mpsc::Receiver<WriteOp>,
    metrics: Arc<Metrics>,
) -> Store {
    let j = journal.clone();
    let mut store = match tokio::task::spawn_blocking(move || {
        let mut store = store;
        let upkeep = j.recover(&mut store, chrono::Utc::now());
        if upkeep.replayed + upkeep.still_failing > 0 {
            tracing::info!(?upkeep, "replayed the write-ahead log");
        }
        store
    })
    .await
    {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "replaying the write-ahead log panicked");
            std::process::abort();
        }
    };
    loop {
        let Some(first) = rx.recv().await else {
            return store;
        };
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + BATCH_WINDOW;
        while batch.len() < BATCH_MAX {
            if matches!(batch.last(), Some(WriteOp::Flush(_) | WriteOp::Upkeep(_))) {
                break;
            }
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(op)) => batch.push(op),
                Ok(None) | Err(_) => break,
            }
        }
        let (m, j) = (metrics.clone(), journal.clone());
        let joined = tokio::task::spawn_blocking(move || {
            let outcome = apply(&mut store, &j, batch);
            record(&m, &outcome);
            store
        })
        .await;
        match joined {
            Ok(s) => store = s,
            Err(e) => {
                tracing::error!(error = %e, "the store writer panicked");
                std::process::abort();
            }
        }
    }
}

/// Applies one batch to the store, writing its plays ahead to `journal`.
pub fn apply(store: &mut Store, journal: &Journal, batch: Vec<WriteOp>) -> BatchOutcome {
    // The batch's plays, each with its WAL position when it was journaled before.
    let mut appends = Vec::new();
    let mut append_seqs = Vec::new();
    let mut updates = Vec::new();
    let mut update_seqs = Vec::new();
    let mut discards = Vec::new();
    let mut alerts = Vec::new();
    let mut trust = Vec::new();
    let mut flushes = Vec::new();
    let mut execs = Vec::new();
    let mut upkeeps = Vec::new();
    for op in batch {
        match op {
            WriteOp::Append(e) => {
                appends.push(e);
                append_seqs.push(None);
            }
            WriteOp::Update(e) => {
                updates.push(e);
                update_seqs.push(None);
            }
            WriteOp::Journaled(j) => {
                let na = j.appends.len();
                let mut seqs = j.receipt.per_play(na + j.updates.len());
                update_seqs.extend(seqs.split_off(na));
                append_seqs.extend(seqs);
                appends.extend(j.appends);
                updates.extend(j.updates);
            }
            WriteOp::Discard(id) => discards.push(id),
            WriteOp::Alert(a) => alerts.push(a),
            WriteOp::Trust(t) => trust.push(t),
            WriteOp::Exec(f) => execs.push(f),
            WriteOp::Flush(tx) => flushes.push(tx),
            WriteOp::Upkeep(tx) => upkeeps.push(tx),
        }
    }
    let now = chrono::Utc::now();
    // The appends, then the updates; plays not journaled yet get one durable WAL commit.
    let split = appends.len();
    let mut plays = appends;
    plays.append(&mut updates);
    let mut seqs = append_seqs;
    seqs.append(&mut update_seqs);
    journal_rest(journal, &plays, &mut seqs, now);
    let mut refused = Vec::new();
    let mut out = BatchOutcome {
        sources: plays[..split]
            .iter()
            .map(|e| (e.event_id(), e.identity.source))
            .collect(),
        ..BatchOutcome::default()
    };
    let (appends, updates) = plays.split_at(split);
    if !appends.is_empty() {
        match store.append(appends) {
            Ok(r) => out.ingest = r,
            Err(e) => {
                refused.push((0..split, e.to_string()));
                out.errors.push(format!("append: {e}"));
            }
        }
    }
    if !updates.is_empty() {
        match store.upsert_plays(updates) {
            Ok(r) => out.updates = r,
            Err(e) => {
                refused.push((split..plays.len(), e.to_string()));
                out.errors.push(format!("update: {e}"));
            }
        }
    }
    journal.settle(&seqs, &refused, now);
    if !discards.is_empty() {
        if let Err(e) = store.discard_plays(&discards) {
            out.errors.push(format!("discard: {e}"));
        }
    }
    for a in &alerts {
        if let Err(e) = store.insert_alert(a) {
            out.errors.push(format!("alert: {e}"));
        }
    }
    for t in &trust {
        if let Err(e) = store.record_trust_change(t) {
            out.errors.push(format!("trust: {e}"));
        }
    }
    for f in execs {
        f(store);
    }
    for tx in upkeeps {
        let _ = tx.send(journal.maintain(store, now));
    }
    for tx in flushes {
        let _ = tx.send(());
    }
    out
}

/// Journals the plays whose `seqs` entry is `None`, in one commit.
fn journal_rest(
    journal: &Journal,
    plays: &[PlaybackEvent],
    seqs: &mut [Option<u64>],
    now: chrono::DateTime<chrono::Utc>,
) {
    if !journal.is_on() || seqs.iter().all(Option::is_some) {
        return;
    }
    let missing: Vec<usize> = (0..plays.len()).filter(|&i| seqs[i].is_none()).collect();
    let rest: Vec<PlaybackEvent> = missing.iter().map(|&i| plays[i].clone()).collect();
    let receipt = journal.record(&rest, now);
    if let Some(new) = receipt.seqs(rest.len()) {
        for (&i, &seq) in missing.iter().zip(new) {
            seqs[i] = Some(seq);
        }
    }
}

fn record(metrics: &Metrics, outcome: &BatchOutcome) {
    for e in &outcome.errors {
        tracing::error!(error = %e, "store batch failed");
    }
    let source_of = |id: &EventId| {
        outcome
            .sources
            .get(id)
            .map_or("unknown", |s| s.as_str())
            .to_owned()
    };
    let mut inserted: HashMap<String, u64> = HashMap::new();
    for source in outcome.sources.values() {
        *inserted.entry(source.as_str().to_owned()).or_default() += 1;
    }
    for d in &outcome.ingest.dropped {
        let source = source_of(&d.event_id);
        if let Some(n) = inserted.get_mut(&source) {
            *n = n.saturating_sub(1);
        }
        metrics
            .events_duplicated
            .get_or_create(&DuplicateLabels {
                source,
                layer: d.layer.as_str().to_owned(),
            })
            .inc();
    }
    for r in &outcome.ingest.failed {
        let source = source_of(&r.event_id);
        if let Some(n) = inserted.get_mut(&source) {
            *n = n.saturating_sub(1);
        }
        metrics
            .events_failed
            .get_or_create(&SourceLabels { source })
            .inc();
    }
    if outcome.errors.is_empty() {
        for (source, n) in inserted {
            metrics
                .events_ingested
                .get_or_create(&SourceLabels { source })
                .inc_by(n);
        }
    }
}
