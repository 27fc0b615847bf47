//! Replies the terminal writes back to the program (DA, DSR/CPR, DECRQM, DECRQSS, XTVERSION,
//! OSC color queries, kitty keyboard query).
//!
//! They are queued as bytes for the server to write to the pane's PTY. The queue is bounded by
//! [`REPLY_MAX`]: a program that floods queries without reading its input loses the replies
//! that do not fit (whole replies only, never a torn one).

/// Most reply bytes queued between two drains. The longest reply is under 64 bytes and the
/// server drains after each read, so 16 KiB only fills when a program floods queries.
pub const REPLY_MAX: usize = 16 * 1024;

#[derive(Clone, Debug, Default)]
pub struct Replies {
    buf: Vec<u8>,
    /// Replies dropped because the queue was full.
    pub dropped: u64,
}

impl Replies {
    pub fn push(&mut self, reply: &[u8]) {
        if self.buf.len() + reply.len() > REPLY_MAX {
            self.dropped += 1;
            tracing::debug!(len = reply.len(), "reply queue full, dropping reply");
            return;
        }
        self.buf.extend_from_slice(reply);
    }

    pub fn push_str(&mut self, reply: &str) {
        self.push(reply.as_bytes())
    }

    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    pub fn memory_bytes(&self) -> usize {
        self.buf.capacity()
    }
}
