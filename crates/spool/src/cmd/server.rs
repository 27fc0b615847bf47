//! `spool server`: run the server in the foreground (service managers; clients start one in
//! the background on demand, with `--on-demand`). Logs go to `$XDG_STATE_HOME/spool/NAME.log`,
//! filtered by `SPOOL_LOG` (default `info`).
//!
//! First thing, the process starts itself again without glibc's thread stack cache
//! (`spool_server::exec_without_stack_cache`), then tunes the allocators.
//!
//! Whatever goes wrong before the socket accepts connections is written to the log *and* to
//! stderr: a client that started this server reads stderr through a pipe until the server
//! closes it (when it is ready), and shows it — config warnings, or why the server could not
//! start.

use anyhow::Context;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Started by a client: close stderr once ready (the client reads it until then).
    #[arg(long, hide = true)]
    on_demand: bool,
    /// Take over from the previous binary (`spool upgrade` execs the server with this).
    #[arg(long, hide = true, value_name = "FILE")]
    handover: Option<std::path::PathBuf>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    spool_server::exec_without_stack_cache();
    spool_server::tune_allocators();
    let name = target.name();
    let root = spool_proto::paths::state_root()?;
    spool_proto::paths::private_dir(&root)?;
    let log = spool_proto::paths::log_path(&name)?;
    let file = spool_proto::paths::open_log(&log)?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("SPOOL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .init();
    install_panic_hook();
    let result = serve(target, &name, a.on_demand, a.handover);
    if let Err(e) = &result {
        tracing::error!("server could not start: {e:#}");
    }
    result
}

fn serve(
    target: &Target,
    name: &str,
    on_demand: bool,
    handover: Option<std::path::PathBuf>,
) -> Exit {
    let (settings, config_error) = match spool_server::config::load() {
        Ok(c) => (c, None),
        Err(e) => {
            tracing::warn!("{e}; using the default settings");
            eprintln!(
                "spool: config not used: {}; the server runs with the default settings",
                spool_proto::text::sanitize(&e)
            );
            (spool_server::config::Config::default(), Some(e))
        }
    };
    let config = spool_server::ServerConfig {
        socket: target.socket.clone(),
        state_dir: spool_proto::paths::state_dir(name)?,
        settings,
        config_error,
        handover,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("spool-server")
        .thread_keep_alive(spool_server::BLOCKING_KEEP_ALIVE)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(spool_server::run(config, || {
        if on_demand {
            close_stderr();
        }
    }))?;
    Ok(0)
}

/// Point stderr at /dev/null, ending the starting client's read of it.
fn close_stderr() {
    // SAFETY: open and dup2 on fds we own; fd 2 is replaced atomically.
    unsafe {
        let fd = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd >= 0 {
            libc::dup2(fd, 2);
            libc::close(fd);
        }
    }
}

/// Panics go to the log at error level (stderr is gone in a server started on demand). The
/// request a panic interrupts gets an error; see `spool_server::catch`.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(at, "panic: {msg}");
    }));
}
