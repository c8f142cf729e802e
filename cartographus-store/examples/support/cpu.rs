//! CPU time of this whole process (every thread, DuckDB's workers included), for
//! throughput figures that do not depend on how busy the shared machine is.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

/// On-CPU time of every live thread of this process, summed from
/// `/proc/self/task/*/schedstat` (nanoseconds). Threads that exit between two readings
/// are not counted, so take both readings around work done by long-lived threads.
/// `None` where `/proc` is not available.
pub fn process_cpu() -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let Ok(task) = task else { continue };
        let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        if let Some(ns) = text
            .split_whitespace()
            .next()
            .and_then(|f| f.parse::<u64>().ok())
        {
            total += ns;
        }
    }
    Some(Duration::from_nanos(total))
}

/// A stopwatch of both wall-clock and process CPU time.
#[derive(Debug, Clone, Copy)]
pub struct Watch {
    wall: std::time::Instant,
    cpu: Option<Duration>,
}

impl Watch {
    pub fn start() -> Self {
        Self {
            wall: std::time::Instant::now(),
            cpu: process_cpu(),
        }
    }

    /// (wall, cpu) since the start; cpu is zero where it cannot be read.
    pub fn elapsed(&self) -> (Duration, Duration) {
        let cpu = match (self.cpu, process_cpu()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => Duration::ZERO,
        };
        (self.wall.elapsed(), cpu)
    }
}
