//! Waiting for an asynchronous provider to finish an order it accepted (Telness, Truphone): the
//! order is read again with growing pauses (1 s, 2 s, 4 s, then every 5 s) until it is final or
//! an overall deadline passes. Reading an order buys nothing, so this may run as often as it
//! likes; an order still unfinished at the deadline is not lost: it stays `provisioning` in the
//! journal and reconciliation completes it later.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use esimdesk_providers::{PlacedOrder, Provider, ProviderError};

/// How long a sale waits for an asynchronous provider before leaving the order to
/// reconciliation (telness.md §8.3: "up to 2 minutes").
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

/// The pauses between reads: 1 s, 2 s, 4 s, then 5 s for as long as the deadline allows.
fn pauses() -> impl Iterator<Item = Duration> {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(1))
        .with_factor(2.0)
        .with_max_delay(Duration::from_secs(5))
        .without_max_times()
        .build()
}

/// Reads the order until the provider says it is final, or `deadline` has passed (then the last
/// reading, still in progress). A failed read ends the wait with what was known before it.
pub(crate) async fn wait_until_final(
    provider: &dyn Provider,
    placed: PlacedOrder,
    deadline: Duration,
) -> PlacedOrder {
    let started = tokio::time::Instant::now();
    let mut latest = placed;
    for pause in pauses() {
        if latest.status.is_final() {
            break;
        }
        let left = deadline.saturating_sub(started.elapsed());
        if left.is_zero() {
            break;
        }
        tokio::time::sleep(pause.min(left)).await;
        match provider.order_status(&latest.provider_reference).await {
            Ok(now) => latest = now,
            Err(e) => {
                log_failed_read(&latest.provider_reference, &e);
                break;
            }
        }
    }
    latest
}

fn log_failed_read(provider_reference: &str, e: &ProviderError) {
    tracing::warn!(
        provider_order = provider_reference,
        error = e.code(),
        "reading a provisioning order failed; reconciliation finishes it"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_to_five_seconds_and_stay_there() {
        let first: Vec<u64> = pauses().take(6).map(|d| d.as_secs()).collect();
        assert_eq!(first, vec![1, 2, 4, 5, 5, 5]);
    }
}
