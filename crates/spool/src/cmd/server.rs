//! `spool server`: run the server in the foreground (service managers; clients start one in
//! the background on demand). Logs go to `$XDG_STATE_HOME/spool/NAME.log`, filtered by
//! `SPOOL_LOG` (default `info`).

use anyhow::Context;

use super::Exit;
use crate::client::Target;

pub fn run(target: &Target) -> Exit {
    let name = target.name();
    let log = spool_proto::paths::log_path(&name);
    if let Some(dir) = log.parent() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&log)
            .with_context(|| format!("opening {}", log.display()))?
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SPOOL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .init();
    let (settings, config_error) = match spool_server::config::load() {
        Ok(c) => (c, None),
        Err(e) => {
            tracing::warn!("{e}; using the default settings");
            (spool_server::config::Config::default(), Some(e))
        }
    };
    let config = spool_server::ServerConfig {
        socket: target.socket.clone(),
        state_dir: spool_proto::paths::state_dir(&name),
        settings,
        config_error,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("spool-server")
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(spool_server::run(config, || {}))?;
    Ok(0)
}
