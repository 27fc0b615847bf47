//! A request handler that panics must not take its client (or the server) with it: the panic
//! is caught where the handler is polled, logged at error level (the panic hook, installed by
//! the binary, logs where it happened), and the client is told its request failed.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

/// `fut`, with a panic while polling it turned into `Err(message)`.
pub struct CatchPanic<F> {
    fut: Pin<Box<F>>,
}

pub fn catch_panic<F: Future>(fut: F) -> CatchPanic<F> {
    CatchPanic { fut: Box::pin(fut) }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // AssertUnwindSafe: after a panic the future is never polled again (it is dropped
        // with the request), and the shared state it may have touched is behind mutexes
        // whose poisoning every user of them tolerates.
        match catch_unwind(AssertUnwindSafe(|| self.fut.as_mut().poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown".into());
                Poll::Ready(Err(msg))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_handler_becomes_an_error() {
        let r = catch_panic(async {
            let v: Vec<u8> = Vec::new();
            #[allow(clippy::unnecessary_operation)]
            v[1]
        })
        .await;
        assert!(r.unwrap_err().contains("index out of bounds"));
        assert_eq!(catch_panic(async { 7 }).await, Ok(7));
    }
}
