//! A pane's inbox: the bytes read from its PTY that the emulator has not applied yet.
//!
//! ```text
//!  reader thread ──fill──► Inbox (≤ INBOX_BYTES) ──take──► parser thread
//! ```
//!
//! The reader appends whatever the PTY hands over; the parser takes *everything* waiting at
//! once. So while the parser is busy with one batch, the next one grows, and a program that
//! prints flat out is parsed in batches of up to [`INBOX_BYTES`] however small the kernel's
//! reads are (a PTY hands over at most 4 KiB per read). An idle pane's parser takes each read
//! as it comes, so an echo is never delayed. The inbox is the only place output waits: when it
//! is full the reader stops reading, and the kernel's PTY buffer slows the program down, as on
//! a real terminal.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Condvar, Mutex, MutexGuard};

/// Most bytes waiting for the parser. 64 KiB is what Linux PTYs hold at once under load, and
/// it keeps a batch's emulator time (under the terminal lock) near half a millisecond. With the
/// batch being parsed, a busy pane holds at most 2 × 64 KiB of output; an idle one none.
pub const INBOX_BYTES: usize = 64 * 1024;

/// A pane whose output paused this long is quiet: it frees its spare buffer (output that
/// flows keeps its two buffers taking turns, no allocation per batch) and its emulator
/// trims what it keeps for flowing output. 50 ms is far longer than the gaps between a
/// program's writes while it prints, and short next to anything a person notices.
pub const QUIET_AFTER: std::time::Duration = std::time::Duration::from_millis(50);

/// The reader waits for at least this much room before reading: one PTY read's worth.
pub const READ_MIN_ROOM: usize = 4096;

#[derive(Default)]
struct State {
    bytes: Vec<u8>,
    /// The last batch's buffer, given back by the parser while output is still flowing, for
    /// the next fill: a busy pane's two buffers take turns instead of one being freed and
    /// another allocated for every batch (allocator churn that stays resident as freed
    /// pages). Never held by a quiet pane (see [`Inbox::give_back`]).
    spare: Vec<u8>,
    /// No more bytes will come (the reader ended), or nobody will take them (the parser ended).
    closed: bool,
}

/// See the module docs.
#[derive(Default)]
pub struct Inbox {
    state: Mutex<State>,
    /// The parser waits here for bytes.
    filled: Condvar,
    /// The reader waits here for room.
    room: Condvar,
}

impl Inbox {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait until at least [`READ_MIN_ROOM`] bytes are free. False once the inbox is closed.
    pub fn wait_room(&self) -> bool {
        let mut st = self.lock();
        loop {
            if st.closed {
                return false;
            }
            if st.bytes.len() + READ_MIN_ROOM <= INBOX_BYTES {
                return true;
            }
            st = self.room.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Append up to the room left: `read(buf, room)` appends at most `room` bytes to `buf`
    /// and returns what it returns. Wakes the parser if it was waiting. The lock is held
    /// meanwhile, so `read` must not block (the PTY is non-blocking).
    pub fn fill<R>(&self, read: impl FnOnce(&mut Vec<u8>, usize) -> R) -> R {
        let mut st = self.lock();
        let was_empty = st.bytes.is_empty();
        let room = INBOX_BYTES.saturating_sub(st.bytes.len());
        if st.bytes.capacity() == 0 {
            let spare = std::mem::take(&mut st.spare);
            st.bytes = spare;
            st.bytes.reserve_exact(INBOX_BYTES);
        }
        let before = st.bytes.len();
        let r = read(&mut st.bytes, room);
        debug_assert!(st.bytes.len() <= INBOX_BYTES);
        if was_empty && st.bytes.len() > before {
            self.filled.notify_one();
        }
        r
    }

    /// The parser: everything waiting, blocking until there is some. `None` once the inbox is
    /// closed and empty. Once output has paused for [`QUIET_AFTER`], the spare buffer is
    /// freed and `on_quiet` runs (once per pause, with the inbox unlocked): the parser's
    /// moment to let its pane give back what it keeps for flowing output.
    pub fn take(&self, mut on_quiet: impl FnMut()) -> Option<Vec<u8>> {
        let mut st = self.lock();
        let mut quiet = false;
        while st.bytes.is_empty() && !st.closed {
            if quiet {
                st = self.filled.wait(st).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            let (guard, waited) = self
                .filled
                .wait_timeout(st, QUIET_AFTER)
                .unwrap_or_else(|p| p.into_inner());
            st = guard;
            if waited.timed_out() && st.bytes.is_empty() && !st.closed {
                st.spare = Vec::new();
                quiet = true;
                drop(st);
                on_quiet();
                st = self.lock();
            }
        }
        if st.bytes.is_empty() {
            return None;
        }
        let batch = std::mem::take(&mut st.bytes);
        drop(st);
        self.room.notify_one();
        Some(batch)
    }

    /// The parser is done with `batch` (as `take` gave it): kept for the next fill, until the
    /// pane is quiet for [`QUIET_AFTER`] (see `take`). Together with the inbox's own, a pane
    /// holds at most two buffers.
    pub fn give_back(&self, mut batch: Vec<u8>) {
        let mut st = self.lock();
        if !st.closed && st.spare.capacity() == 0 && batch.capacity() <= INBOX_BYTES {
            batch.clear();
            st.spare = batch;
        }
    }

    /// No more bytes: the parser takes what is left and ends; a waiting reader stops.
    pub fn close(&self) {
        self.lock().closed = true;
        self.filled.notify_all();
        self.room.notify_all();
    }

    /// Bytes waiting.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().bytes.len()
    }

    /// Buffer bytes held (the inbox's and the spare).
    #[cfg(test)]
    pub fn held(&self) -> usize {
        let st = self.lock();
        st.bytes.capacity() + st.spare.capacity()
    }
}

/// Closes the inbox when dropped: each side holds one, so that however it ends (a panic
/// too) the other is not left waiting.
pub struct CloseOnDrop(pub std::sync::Arc<Inbox>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// An eventfd: how the runtime wakes a thread blocked in `poll` (a pane's reader, when the
/// pane is closed or frozen).
pub struct Wake(OwnedFd);

impl Wake {
    pub fn new() -> std::io::Result<Wake> {
        // SAFETY: eventfd has no memory preconditions; the fd is checked before it is owned.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor nothing else owns.
        Ok(Wake(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// Make the fd readable (it stays so: a woken reader looks at why and stops).
    pub fn signal(&self) {
        let one = 1u64;
        // SAFETY: writes 8 bytes from a valid u64 to our own eventfd.
        unsafe { libc::write(self.0.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }

    pub fn fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_inbox_makes_the_reader_wait_until_the_parser_takes_the_batch() {
        let inbox = std::sync::Arc::new(Inbox::default());
        inbox.fill(|b, room| b.resize(b.len() + room, b'x'));
        assert_eq!(inbox.len(), INBOX_BYTES);
        let waiting = {
            let i = inbox.clone();
            std::thread::spawn(move || i.wait_room())
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiting.is_finished(), "no room yet");
        assert_eq!(inbox.take(|| {}).map(|b| b.len()), Some(INBOX_BYTES));
        assert!(waiting.join().unwrap());
    }

    #[test]
    fn a_busy_pane_s_buffers_take_turns_and_a_quiet_pane_holds_none() {
        let inbox = std::sync::Arc::new(Inbox::default());
        inbox.fill(|b, _| b.extend_from_slice(&[b'a'; 4096]));
        let first = inbox.take(|| {}).unwrap();
        let first_ptr = first.as_ptr();
        inbox.give_back(first);
        // The next read fills the buffer the parser gave back: no allocation per batch.
        inbox.fill(|b, _| b.extend_from_slice(&[b'b'; 4096]));
        let second = inbox.take(|| {}).unwrap();
        assert_eq!(
            second.as_ptr(),
            first_ptr,
            "the buffer came back for the next fill"
        );
        inbox.give_back(second);
        assert!(
            inbox.held() <= INBOX_BYTES,
            "one spare at most besides the batch out"
        );
        // The pane goes quiet: a parser waiting for more gives the spare back, and is told
        // once.
        let quiet = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let parser = {
            let (i, q) = (inbox.clone(), quiet.clone());
            std::thread::spawn(move || {
                i.take(|| {
                    q.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                })
            })
        };
        std::thread::sleep(QUIET_AFTER * 4);
        assert_eq!(inbox.held(), 0, "a quiet pane holds no buffer");
        assert_eq!(quiet.load(std::sync::atomic::Ordering::Relaxed), 1);
        inbox.close();
        assert_eq!(parser.join().unwrap(), None);
    }

    #[test]
    fn the_parser_gets_everything_read_while_it_was_busy_as_one_batch() {
        let inbox = Inbox::default();
        for _ in 0..5 {
            inbox.fill(|b, _| b.extend_from_slice(&[b'a'; 4096]));
        }
        assert_eq!(inbox.take(|| {}).map(|b| b.len()), Some(5 * 4096));
        inbox.close();
        assert_eq!(inbox.take(|| {}), None);
        assert!(!inbox.wait_room(), "closed");
    }
}
