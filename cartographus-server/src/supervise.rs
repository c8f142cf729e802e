//! Supervision of long-running tasks. A task that fails (returns an error or panics) is
//! restarted after an exponential backoff (15 s, doubling, at most 10 minutes). A task
//! that fails five times within the decay window (30 minutes) is reported unhealthy in
//! `/api/v1/health/ready`; the other tasks keep running. A task that returns `Ok` has
//! finished and is not restarted.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::watch;

/// Backoff and health thresholds.
///
/// ## Defaults
/// - `initial_backoff`: 15 s, doubling up to `max_backoff`: 10 min
/// - `unhealthy_after`: 5 failures within `decay_window`: 30 min
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SupervisorConfig {
    /// First restart delay.
    pub initial_backoff: Duration,
    /// Longest restart delay.
    pub max_backoff: Duration,
    /// Failures within the window that make a task unhealthy.
    pub unhealthy_after: usize,
    /// The window failures are counted in.
    pub decay_window: Duration,
}

impl Default for SupervisorConfig {
    fn default() -> Self {
        Self {
            initial_backoff: Duration::from_secs(15),
            max_backoff: Duration::from_secs(600),
            unhealthy_after: 5,
            decay_window: Duration::from_secs(1800),
        }
    }
}

/// One task's state, as `/health/ready` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TaskHealth {
    /// Whether it is running now.
    pub running: bool,
    /// Whether it has failed too often recently.
    pub healthy: bool,
    /// Failures within the decay window.
    pub recent_failures: usize,
    /// The last error, if any.
    pub last_error: Option<String>,
    /// When it last failed.
    pub last_failure_at: Option<DateTime<Utc>>,
    /// Restarts since start.
    pub restarts: u64,
}

#[derive(Debug, Default)]
struct TaskState {
    running: bool,
    failures: VecDeque<DateTime<Utc>>,
    last_error: Option<String>,
    restarts: u64,
}

/// The health of every supervised task.
#[derive(Debug, Clone, Default)]
pub struct Health {
    tasks: Arc<Mutex<BTreeMap<String, TaskState>>>,
    config: SupervisorConfig,
}

impl Health {
    /// A registry with these thresholds.
    pub fn new(config: SupervisorConfig) -> Self {
        Self {
            tasks: Arc::default(),
            config,
        }
    }

    fn update(&self, name: &str, f: impl FnOnce(&mut TaskState)) {
        if let Ok(mut t) = self.tasks.lock() {
            f(t.entry(name.to_owned()).or_default());
        }
    }

    /// Every task's health at `now`.
    pub fn snapshot(&self, now: DateTime<Utc>) -> BTreeMap<String, TaskHealth> {
        let window =
            chrono::Duration::from_std(self.config.decay_window).unwrap_or(chrono::Duration::MAX);
        let Ok(tasks) = self.tasks.lock() else {
            return BTreeMap::new();
        };
        tasks
            .iter()
            .map(|(name, s)| {
                let recent = s.failures.iter().filter(|t| now - **t < window).count();
                (
                    name.clone(),
                    TaskHealth {
                        running: s.running,
                        healthy: recent < self.config.unhealthy_after,
                        recent_failures: recent,
                        last_error: s.last_error.clone(),
                        last_failure_at: s.failures.back().copied(),
                        restarts: s.restarts,
                    },
                )
            })
            .collect()
    }

    /// Whether every task is healthy at `now`.
    pub fn all_healthy(&self, now: DateTime<Utc>) -> bool {
        self.snapshot(now).values().all(|t| t.healthy)
    }
}

/// Runs `make_task` under supervision until it returns `Ok` or `shutdown` flips to
/// true. Spawn the returned future.
pub async fn supervise<F, Fut, E>(
    name: String,
    health: Health,
    mut shutdown: watch::Receiver<bool>,
    mut make_task: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    let config = health.config;
    let mut backoff = config.initial_backoff;
    loop {
        if *shutdown.borrow() {
            return;
        }
        health.update(&name, |s| s.running = true);
        let handle = tokio::spawn(make_task());
        let abort = handle.abort_handle();
        let outcome = tokio::select! {
            r = handle => r,
            _ = shutdown.wait_for(|s| *s) => {
                abort.abort();
                health.update(&name, |s| s.running = false);
                return;
            }
        };
        let error = match outcome {
            Ok(Ok(())) => {
                health.update(&name, |s| s.running = false);
                return;
            }
            Ok(Err(e)) => e.to_string(),
            Err(join) if join.is_panic() => "the task panicked".to_owned(),
            Err(_) => "the task was cancelled".to_owned(),
        };
        tracing::warn!(task = %name, error = %error, retry_in = ?backoff, "task failed; restarting");
        let now = Utc::now();
        health.update(&name, |s| {
            s.running = false;
            s.failures.push_back(now);
            while s.failures.len() > 64 {
                s.failures.pop_front();
            }
            s.last_error = Some(error);
            s.restarts += 1;
        });
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        backoff = (backoff * 2).min(config.max_backoff);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn failing_task_restarts_with_backoff_and_turns_unhealthy() {
        let health = Health::new(SupervisorConfig::default());
        let (stop_tx, stop_rx) = watch::channel(false);
        let runs = Arc::new(AtomicU32::new(0));
        let r = runs.clone();
        let task = tokio::spawn(supervise(
            "flaky".into(),
            health.clone(),
            stop_rx,
            move || {
                let r = r.clone();
                async move {
                    r.fetch_add(1, Ordering::SeqCst);
                    Err::<(), _>("boom")
                }
            },
        ));
        // Backoffs: 15, 30, 60, 120 s → the fifth run starts after 225 s.
        tokio::time::sleep(Duration::from_secs(226)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 5);
        let snap = health.snapshot(Utc::now());
        let flaky = &snap["flaky"];
        assert_eq!(flaky.last_error.as_deref(), Some("boom"));
        assert!(!flaky.healthy, "five failures within the window");
        stop_tx.send(true).unwrap();
        task.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn panics_are_failures_and_ok_ends_supervision() {
        let health = Health::new(SupervisorConfig::default());
        let (_stop_tx, stop_rx) = watch::channel(false);
        let runs = Arc::new(AtomicU32::new(0));
        let r = runs.clone();
        supervise("once".into(), health.clone(), stop_rx, move || {
            let n = r.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    panic!("first run panics");
                }
                Ok::<(), String>(())
            }
        })
        .await;
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        let snap = health.snapshot(Utc::now());
        assert!(snap["once"].healthy);
        assert_eq!(snap["once"].restarts, 1);
        assert!(!snap["once"].running);
    }
}
