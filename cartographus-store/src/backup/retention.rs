//! Which backups to keep: the newest `keep_last`, plus the newest backup of each of
//! the last `keep_daily` days, `keep_weekly` ISO weeks and `keep_monthly` months that
//! have one (UTC calendar), like `restic forget`. The newest backup is always kept.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::manifest::{list_backups, BackupInfo};
use super::{io, BackupError};

/// How many backups to keep.
///
/// ## Defaults
/// `keep_last` 3, `keep_daily` 7, `keep_weekly` 4, `keep_monthly` 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct RetentionPolicy {
    /// The newest N backups.
    pub keep_last: u32,
    /// The newest backup of each of the last N days with backups.
    pub keep_daily: u32,
    /// The newest backup of each of the last N ISO weeks with backups.
    pub keep_weekly: u32,
    /// The newest backup of each of the last N months with backups.
    pub keep_monthly: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            keep_last: 3,
            keep_daily: 7,
            keep_weekly: 4,
            keep_monthly: 6,
        }
    }
}

/// The outcome of a retention policy.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct RetentionPlan {
    /// Backups kept, newest first.
    pub keep: Vec<PathBuf>,
    /// Backups removed (or to remove), newest first.
    pub remove: Vec<PathBuf>,
}

/// Which of `backups` `policy` keeps (pure: nothing is deleted).
pub fn plan_retention(backups: &[BackupInfo], policy: &RetentionPolicy) -> RetentionPlan {
    let mut sorted: Vec<&BackupInfo> = backups.iter().collect();
    sorted.sort_by(|a, b| {
        b.manifest
            .created_at
            .cmp(&a.manifest.created_at)
            .then_with(|| b.name.cmp(&a.name))
    });
    let mut keep = vec![false; sorted.len()];
    for k in keep.iter_mut().take(policy.keep_last.max(1) as usize) {
        *k = true;
    }
    let mut bucket = |n: u32, key: &dyn Fn(&BackupInfo) -> (i32, u32)| {
        let mut seen = BTreeSet::new();
        for (i, b) in sorted.iter().enumerate() {
            if seen.len() >= n as usize {
                break;
            }
            // The first (newest) backup of a period is the one kept for it.
            if seen.insert(key(b)) {
                keep[i] = true;
            }
        }
    };
    bucket(policy.keep_daily, &|b| {
        (
            b.manifest.created_at.year(),
            b.manifest.created_at.ordinal(),
        )
    });
    bucket(policy.keep_weekly, &|b| {
        let w = b.manifest.created_at.iso_week();
        (w.year(), w.week())
    });
    bucket(policy.keep_monthly, &|b| {
        (b.manifest.created_at.year(), b.manifest.created_at.month())
    });
    let mut plan = RetentionPlan::default();
    for (b, k) in sorted.iter().zip(keep) {
        if k {
            plan.keep.push(b.path.clone());
        } else {
            plan.remove.push(b.path.clone());
        }
    }
    plan
}

/// Applies `policy` to the backups under `root`: deletes the folders it does not keep.
pub fn apply_retention(
    root: &Path,
    policy: &RetentionPolicy,
) -> Result<RetentionPlan, BackupError> {
    let plan = plan_retention(&list_backups(root)?, policy);
    for dir in &plan.remove {
        std::fs::remove_dir_all(dir).map_err(io(dir))?;
    }
    Ok(plan)
}
