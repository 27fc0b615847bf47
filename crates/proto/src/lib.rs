//! The protocol spool's server and clients speak over a Unix socket, and where that socket is.
//!
//! - [`frame`]: length-prefixed frames (4-byte little-endian length, then a postcard body), with
//!   a hard maximum checked before anything is allocated.
//! - [`msg`]: the messages. A connection starts with [`Request::Hello`] answered by
//!   [`Response::Welcome`]; then each request gets one response, or a stream of responses ended
//!   by [`Response::End`] (capture, search).
//! - [`paths`]: socket, state and log locations (`-L NAME`, `-S PATH`, XDG directories).
//! - [`peer`]: who is at the other end of a socket; [`text`]: untrusted text made safe to show.
//! - [`ui`]: bindings and status line, as the server hands them to attached clients.

pub mod ansi;
pub mod frame;
pub mod msg;
pub mod paths;
pub mod peer;
pub mod text;
pub mod ui;

pub use frame::{FrameError, MAX_FRAME_BYTES};
pub use msg::*;
/// Rows travel as the emulator and the store know them (`spool_cells`): there is no wire copy.
pub use spool_cells::{Attrs, Color, Row, RowFlags, Run, Style, Underline};

/// Protocol version: bumped on any incompatible change to [`msg`]. Both sides refuse a
/// mismatch in the handshake with a message naming both versions.
pub const PROTOCOL_VERSION: u32 = 8;

/// While the server works on a request that takes long (`wait`, a `send` waiting for the
/// pane to read), it sends [`Response::Pending`] this often, so a client can tell a busy
/// server from one that stopped answering.
pub const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
