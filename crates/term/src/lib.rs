//! spool's terminal emulation core: turns a pane's output bytes into screen state, streams
//! rows that scroll off the primary screen into a [`HistorySink`] (the on-disk store), and
//! tells the server what to publish.
//!
//! - Parsing is `vte`'s state machine with our own [`vte::Perform`] (`perform.rs`); all
//!   semantics are ours, one concept per file: printing (`print.rs`), cursor (`cursor.rs`),
//!   scrolling and history (`scroll.rs`, `history.rs`), editing (`edit.rs`), SGR (`sgr.rs`),
//!   modes (`modes.rs`, `decset.rs`), OSC (`osc.rs`), DCS (`dcs.rs`), charsets
//!   (`charset.rs`), alternate screen (`altscreen.rs`), resize/reflow (`reflow.rs`), replies
//!   (`reply.rs`), damage (`damage.rs`), synchronized output (`sync.rs`).
//! - Memory: a cell is 8 bytes ([`Cell`]); a row is `cols × 8` bytes plus a 32-byte header;
//!   styles and grapheme clusters live in bounded per-screen tables. Every bound is a named
//!   constant re-exported here; see README.md for the full list and why each size.

mod altscreen;
mod args;
pub mod bench;
pub mod cell;
pub mod charset;
pub mod clusters;
mod csi;
mod cursor;
pub mod damage;
mod dcs;
mod decset;
mod dump;
mod edge;
mod edit;
pub mod grid;
mod hash;
pub mod history;
pub mod image;
pub mod links;
pub mod marks;
pub mod modes;
pub mod osc;
pub mod palette;
mod perform;
mod print;
mod reflow;
pub mod reply;
mod reset;
pub mod screen;
mod scroll;
mod sgr;
pub mod styles;
pub mod sync;
mod terminal;

pub use cell::Cell;
pub use clusters::{CLUSTER_MAX, CLUSTER_MAX_BYTES};

pub use dcs::DCS_MAX;
pub use edge::EDGE_MAX_ROWS;
pub use grid::Line;
pub use history::{BoundedHistory, HistorySink, NoHistory};
pub use image::{
    file_name as image_file_name, parse_file_name as parse_image_file_name, ImageConfig,
    ImageCounts, ImageData, ImageEvent, ImageFormat, ImageHash, ImageInfo, Placement,
    CELL_PIXELS_DEFAULT, EVENTS_MAX_BYTES, IMAGE_MAX_SIDE, SEQUENCE_MAX_BYTES,
};
pub use links::{LINK_MAX, LINK_URI_MAX};
pub use marks::{MarkKind, ShellMark};
pub use modes::{CursorShape, KittyStack, Modes, MouseEncoding, MouseMode, KITTY_STACK_MAX};
pub use osc::OSC_MAX;
pub use reply::REPLY_MAX;
pub use screen::{
    ClipboardSet, Cursor, CLIPBOARD_MAX, CWD_MAX, GC_WORK_RATIO, MAX_COLS, MAX_ROWS, TITLE_MAX,
};
pub use styles::STYLE_MAX;
pub use sync::SYNC_TIMEOUT;
pub use terminal::{memory_bound, Publication, Terminal};
