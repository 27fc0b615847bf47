//! The event stream (`spool events`): what happens in the server, pushed to subscribers as
//! it happens, so scripts and agents never poll.
//!
//! Publishing never waits: an event goes into each subscriber's own queue, bounded in bytes
//! ([`SUBSCRIBER_QUEUE_BYTES`]). A subscriber that reads slower than events come (or stops
//! reading) misses what does not fit; its next read starts with one `lagged` event saying
//! how many it missed. So a stalled reader costs the server one full queue and never slows
//! a pane. Pane output (`--output`) is published only while some subscriber asked for it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use spool_proto::EventInfo;
use tokio::sync::Notify;

/// Bytes of events one subscriber's queue holds (about a thousand output chunks of 1 KiB,
/// or tens of thousands of small events): a reader a second behind a busy server keeps up.
pub const SUBSCRIBER_QUEUE_BYTES: usize = 1024 * 1024;

/// Subscribers at once (each may hold a full queue).
pub const SUBSCRIBERS_MAX: usize = 64;

/// A pane that printed nothing for this long gets a `silence` event (and its next output an
/// `activity` one): long enough that a build pausing between steps is not silent, short
/// enough for an agent waiting on a stuck program. (A tab's `monitor-silence` is its flag's.)
pub const QUIET_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

/// Longest text in one output event: a chunk of output is cut into events of this size.
pub const OUTPUT_EVENT_MAX: usize = 16 * 1024;

/// Which events a subscriber wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    All,
    Pane(u32),
    Session(u32),
}

/// Where an event happened, for filtering.
#[derive(Clone, Copy, Debug, Default)]
pub struct Origin {
    pub pane: Option<u32>,
    pub session: Option<u32>,
}

pub struct Subscriber {
    filter: Filter,
    output: bool,
    queue: Mutex<Queue>,
    ready: Notify,
}

#[derive(Default)]
struct Queue {
    events: VecDeque<(EventInfo, usize)>,
    bytes: usize,
    missed: u64,
}

fn cost(e: &EventInfo) -> usize {
    // The struct and its strings.
    160 + e.event.len()
        + e.pane.as_ref().map_or(0, String::len)
        + e.session.as_ref().map_or(0, String::len)
        + e.text.as_ref().map_or(0, String::len)
}

impl Subscriber {
    fn wants(&self, o: Origin) -> bool {
        match self.filter {
            Filter::All => true,
            Filter::Pane(p) => o.pane == Some(p),
            // A pane's events are given their session before they are published
            // (`Bus::publish_pane`).
            Filter::Session(s) => o.session == Some(s),
        }
    }

    /// The events queued (waiting until there is one), a `lagged` event first if some were
    /// missed since the last call.
    pub async fn next(&self) -> Vec<EventInfo> {
        loop {
            let notified = self.ready.notified();
            {
                let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
                if !q.events.is_empty() || q.missed > 0 {
                    let mut out = Vec::with_capacity(q.events.len() + 1);
                    if q.missed > 0 {
                        out.push(EventInfo {
                            event: "lagged".into(),
                            time_ms: crate::server::now_ms(),
                            missed: Some(std::mem::take(&mut q.missed)),
                            ..Default::default()
                        });
                    }
                    out.extend(q.events.drain(..).map(|(e, _)| e));
                    q.bytes = 0;
                    return out;
                }
            }
            notified.await;
        }
    }

    /// Bytes queued now (for tests of the bound and `stats`).
    pub fn queued_bytes(&self) -> usize {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).bytes
    }
}

/// Which session pane N is in (the server's state, asked outside every bus lock).
pub type SessionOf = Box<dyn Fn(u32) -> Option<u32> + Send + Sync>;

#[derive(Default)]
pub struct Bus {
    subs: Mutex<Vec<Arc<Subscriber>>>,
    /// Subscribers that asked for pane output.
    output: AtomicUsize,
    session_of: std::sync::OnceLock<SessionOf>,
}

impl Bus {
    pub fn subscribe(&self, filter: Filter, output: bool) -> Result<Arc<Subscriber>, String> {
        let mut subs = self.subs.lock().unwrap_or_else(|p| p.into_inner());
        if subs.len() >= SUBSCRIBERS_MAX {
            return Err(format!("{SUBSCRIBERS_MAX} event subscribers already"));
        }
        let s = Arc::new(Subscriber {
            filter,
            output,
            queue: Mutex::new(Queue::default()),
            ready: Notify::new(),
        });
        if output {
            self.output.fetch_add(1, Ordering::Relaxed);
        }
        subs.push(s.clone());
        Ok(s)
    }

    pub fn unsubscribe(&self, s: &Arc<Subscriber>) {
        let mut subs = self.subs.lock().unwrap_or_else(|p| p.into_inner());
        let before = subs.len();
        subs.retain(|x| !Arc::ptr_eq(x, s));
        if s.output && subs.len() < before {
            self.output.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Is anyone listening (else events need not even be made)?
    pub fn listened(&self) -> bool {
        !self
            .subs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    /// Does a subscriber filter by session (then publishers say the session)?
    pub fn by_session(&self) -> bool {
        self.subs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|s| matches!(s.filter, Filter::Session(_)))
    }

    /// Bytes queued for all subscribers (a gauge).
    pub fn queued_bytes(&self) -> usize {
        let subs = self.subs.lock().unwrap_or_else(|p| p.into_inner());
        subs.iter().map(|s| s.queued_bytes()).sum()
    }

    /// Does anyone want pane output?
    pub fn wants_output(&self) -> bool {
        self.output.load(Ordering::Relaxed) > 0
    }

    /// Does an output subscriber have room for `bytes` of output now? If none has, the
    /// output is counted as missed by each of them here, and need not be made into events
    /// at all: a reader that stopped costs the pane nothing.
    pub fn output_room(&self, bytes: usize) -> bool {
        let subs = self.subs.lock().unwrap_or_else(|p| p.into_inner());
        let outs = || subs.iter().filter(|s| s.output);
        let room = outs().any(|s| {
            let q = s.queue.lock().unwrap_or_else(|p| p.into_inner());
            q.bytes + 160 + bytes.min(OUTPUT_EVENT_MAX) <= SUBSCRIBER_QUEUE_BYTES
        });
        if !room {
            let events = bytes.div_ceil(OUTPUT_EVENT_MAX).max(1) as u64;
            for s in outs() {
                s.queue.lock().unwrap_or_else(|p| p.into_inner()).missed += events;
            }
        }
        room
    }

    /// Tell the bus how to find a pane's session (set once, by the server).
    pub fn set_sessions(&self, f: SessionOf) {
        let _ = self.session_of.set(f);
    }

    /// Give a pane's own event (its session unknown to it) to every subscriber that wants
    /// it: its session is looked up first when a subscriber filters by session, so that
    /// subscriber's queue holds only its session's events. The caller holds no lock of the
    /// server's state.
    pub fn publish_pane(&self, e: EventInfo, pane: u32) {
        let session = if self.by_session() {
            self.session_of.get().and_then(|f| f(pane))
        } else {
            None
        };
        self.publish(
            e,
            Origin {
                pane: Some(pane),
                session,
            },
        );
    }

    /// Give `e` to every subscriber that wants it; never waits.
    pub fn publish(&self, e: EventInfo, origin: Origin) {
        let output = e.event == "output";
        let size = cost(&e);
        let subs = self.subs.lock().unwrap_or_else(|p| p.into_inner());
        for s in subs.iter() {
            if !s.wants(origin) || (output && !s.output) {
                continue;
            }
            let mut q = s.queue.lock().unwrap_or_else(|p| p.into_inner());
            if q.bytes + size > SUBSCRIBER_QUEUE_BYTES {
                q.missed += 1;
            } else {
                q.bytes += size;
                q.events.push_back((e.clone(), size));
            }
            drop(q);
            s.ready.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_reader_that_stops_costs_one_queue_and_learns_what_it_missed() {
        let bus = Bus::default();
        let sub = bus.subscribe(Filter::All, true).unwrap();
        let other = bus.subscribe(Filter::Pane(9), false).unwrap();
        let chunk = "x".repeat(1000);
        for _ in 0..10_000 {
            bus.publish(
                EventInfo {
                    event: "output".into(),
                    text: Some(chunk.clone()),
                    ..Default::default()
                },
                Origin {
                    pane: Some(1),
                    session: None,
                },
            );
        }
        assert!(sub.queued_bytes() <= SUBSCRIBER_QUEUE_BYTES);
        assert_eq!(other.queued_bytes(), 0, "not its pane, not output");
        let got = sub.next().await;
        assert_eq!(got[0].event, "lagged");
        let kept = got.len() as u64 - 1;
        assert_eq!(got[0].missed, Some(10_000 - kept));
        bus.unsubscribe(&sub);
        assert!(!bus.wants_output());
    }
}
