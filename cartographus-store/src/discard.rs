//! Forgetting plays that should not count: the session tracker stores a play when it
//! starts, and if it stops below the minimum play time (a 30-second preview) the
//! pipeline discards it, as Tautulli never writes such plays to its history.

use cartographus_core::EventId;

use crate::error::IngestError;
use crate::store::Store;

impl Store {
    /// Deletes the given plays (those not stored are ignored) in one transaction;
    /// returns how many were deleted.
    pub fn discard_plays(&mut self, ids: &[EventId]) -> Result<u64, IngestError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let conn = self.conn();
        let tx = conn.unchecked_transaction()?;
        let mut deleted = 0u64;
        {
            let mut stmt = tx.prepare("DELETE FROM playback_events WHERE event_id = ?::UUID")?;
            for id in ids {
                deleted += stmt.execute([id.to_string()])? as u64;
            }
        }
        tx.commit()?;
        Ok(deleted)
    }
}
