//! eSIM Go's rate limit: a fixed one-second window per client IP (esimgo.md §1.1), with the
//! `X-Ratelimit-*` headers on every response.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue};
use time::OffsetDateTime;

/// The documented limit, also reported when enforcement is switched off.
pub const DOCUMENTED_LIMIT: u32 = 10;

#[derive(Debug)]
pub struct RateLimiter {
    /// `None`: count and report, never refuse.
    limit: Option<u32>,
    windows: HashMap<IpAddr, (u64, u32)>,
}

/// The outcome of one check, and the headers to send.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: u32,
    pub remaining: u32,
    pub reset: SystemTime,
    pub cost: u32,
    /// Set when the request is refused: seconds to wait.
    pub retry_after: Option<u64>,
}

impl RateLimiter {
    pub fn new(limit: Option<u32>) -> Self {
        Self {
            limit: limit.filter(|&l| l > 0),
            windows: HashMap::new(),
        }
    }

    pub fn limit(&self) -> Option<u32> {
        self.limit
    }

    pub fn set_limit(&mut self, limit: Option<u32>) {
        self.limit = limit.filter(|&l| l > 0);
        self.windows.clear();
    }

    /// Counts one request from `ip` when `consume` (refused requests are not counted).
    pub fn check(&mut self, ip: Option<IpAddr>, consume: bool) -> Window {
        let now = SystemTime::now();
        let secs = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        if self.windows.len() > 1024 {
            self.windows.retain(|_, (s, _)| *s == secs);
        }
        let ip = ip.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let entry = self.windows.entry(ip).or_insert((secs, 0));
        if entry.0 != secs {
            *entry = (secs, 0);
        }
        let shown = self.limit.unwrap_or(DOCUMENTED_LIMIT);
        let mut retry_after = None;
        let mut cost = 0;
        if consume {
            match self.limit {
                Some(l) if entry.1 >= l => retry_after = Some(1),
                _ => {
                    entry.1 += 1;
                    cost = 1;
                }
            }
        }
        Window {
            limit: shown,
            remaining: shown.saturating_sub(entry.1),
            reset: UNIX_EPOCH + Duration::from_secs(secs + 1),
            cost,
            retry_after,
        }
    }
}

impl Window {
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let reset = crate::clock::rfc3339(OffsetDateTime::from(self.reset));
        headers.insert("x-ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(self.remaining));
        if let Ok(v) = HeaderValue::from_str(&reset) {
            headers.insert("x-ratelimit-reset", v);
        }
        headers.insert("x-ratelimit-cost", HeaderValue::from(self.cost.max(1)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_over_the_limit_within_a_window() {
        let mut rl = RateLimiter::new(Some(3));
        // Retry across a second boundary so that all four checks share one window.
        for _ in 0..5 {
            let start = SystemTime::now();
            let results: Vec<Window> = (0..4).map(|_| rl.check(None, true)).collect();
            let same_second = start.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).ok()
                == SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .ok();
            if same_second {
                assert!(results[..3].iter().all(|w| w.retry_after.is_none()));
                assert_eq!(results[3].retry_after, Some(1));
                assert_eq!(results[2].remaining, 0);
                return;
            }
            rl.set_limit(Some(3));
        }
    }

    #[test]
    fn off_means_never_refused() {
        let mut rl = RateLimiter::new(None);
        assert!((0..100).all(|_| rl.check(None, true).retry_after.is_none()));
    }
}
