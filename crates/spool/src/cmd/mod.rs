//! One module per subcommand.
pub mod debug;
