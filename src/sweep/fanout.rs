//! The one fan-out helper: run a future per item with at most `limit` in flight,
//! results in input order. Every concurrent sweep goes through here.

use std::future::Future;

use futures::stream::{self, StreamExt};

pub async fn fan_out<I, T, F, Fut>(items: I, limit: usize, f: F) -> Vec<T>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future<Output = T>,
{
    stream::iter(items)
        .map(f)
        .buffered(limit.max(1))
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::fan_out;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn keeps_order_and_bounds_concurrency() {
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let out = fan_out(0..20u64, 3, |i| {
            let (in_flight, peak) = (&in_flight, &peak);
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                // Later items finish first, so order is really restored.
                tokio::time::sleep(Duration::from_millis(20 - i)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                i * 2
            }
        })
        .await;
        assert_eq!(out, (0..20).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }
}
