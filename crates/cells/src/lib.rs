//! The words spool's layers share: a [`Row`] of text with its style [`Run`]s and
//! [`RowFlags`], the [`Style`] a run of cells carries (with its image id), the [`width`] rules
//! that say how many cells text takes, and the [`ImageCounts`] of what images did.
//!
//! The emulator builds rows, the store keeps them, the wire carries them to clients, and the
//! client draws them: all four use these types, so there is no second copy to convert to.
//! Nothing here allocates beyond a row's own text and runs, and nothing here does I/O.

mod image;
mod row;
mod style;
pub mod width;

pub use image::ImageCounts;
pub use row::{Row, RowFlags, RowRef, Run};
pub use style::{Attrs, Color, Style, Underline};
