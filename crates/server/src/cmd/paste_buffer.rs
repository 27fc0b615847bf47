//! `spool paste-buffer` (`C-b ]`): type a paste buffer into a pane, as tmux does: newlines
//! become carriage returns (the Enter key) unless `-r`, and with `-p` the text goes inside
//! bracketed-paste markers when the program asked for them (without an ESC inside, so the
//! paste cannot end itself early). It streams at the pace the program reads, as `send` does.

use std::sync::Arc;

use super::{done, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    name: Option<String>,
    target: Option<String>,
    delete: bool,
    bracketed: bool,
    raw: bool,
) -> CmdResult {
    let pane = server.resolve_pane(target.as_deref(), conn.here)?;
    // The buffer by its name now: a copy made while this paste streams is not the one `-d`
    // deletes.
    let (name, data) = {
        let b = server.buffers();
        let buf = b.get(name.as_deref())?;
        (buf.name.clone(), buf.data.clone())
    };
    let mut text: Vec<u8> = if raw {
        data
    } else {
        data.iter()
            .map(|&b| if b == b'\n' { b'\r' } else { b })
            .collect()
    };
    if bracketed && pane.term().modes().bracketed_paste {
        text.retain(|&b| b != 0x1b);
        let mut v = b"\x1b[200~".to_vec();
        v.append(&mut text);
        v.extend_from_slice(b"\x1b[201~");
        text = v;
    }
    for piece in text.chunks(spool_proto::SEND_CHUNK_BYTES) {
        super::send::queue(&pane, conn, piece).await?;
    }
    if delete {
        let _ = server.buffers().delete(Some(&name));
    }
    done(conn).await
}
