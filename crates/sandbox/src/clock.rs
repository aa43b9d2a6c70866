//! The sandbox clock: a start instant, an offset that the admin API advances, and (optionally)
//! the wall-clock time elapsed since start.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

#[derive(Debug)]
pub struct SandboxClock {
    start: OffsetDateTime,
    started_at: Instant,
    follows_wall: bool,
    offset: Mutex<Duration>,
}

impl SandboxClock {
    pub fn new(start: OffsetDateTime, follows_wall: bool) -> Self {
        Self {
            start,
            started_at: Instant::now(),
            follows_wall,
            offset: Mutex::new(Duration::ZERO),
        }
    }

    /// The current simulated instant (UTC).
    pub fn now(&self) -> OffsetDateTime {
        let offset = *self.offset.lock().unwrap_or_else(|p| p.into_inner());
        let wall = if self.follows_wall {
            self.started_at.elapsed()
        } else {
            Duration::ZERO
        };
        self.start + offset + wall
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(|p| p.into_inner());
        *offset = offset.saturating_add(by);
    }

    /// Back to the start instant (wall time keeps counting when it follows the wall).
    pub fn reset(&self) {
        *self.offset.lock().unwrap_or_else(|p| p.into_inner()) = Duration::ZERO;
    }
}

/// RFC 3339 in UTC, with as many fractional digits as needed.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `YYYY-MM-DD`.
pub fn date(t: OffsetDateTime) -> String {
    let d = t.to_offset(time::UtcOffset::UTC).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}
