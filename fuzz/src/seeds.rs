//! `seeds DIR`: write the seed corpora for every target into `DIR/<target>/`: valid history
//! segments, one request of each kind, and terminal streams from the conformance recordings.

use std::path::Path;

use spool_proto::{Action, Capture, Line, NewSession, Request, Spawn};

fn main() {
    let dir = std::env::args().nth(1).expect("usage: seeds DIR");
    let dir = Path::new(&dir);
    let write = |target: &str, name: String, bytes: &[u8]| {
        let d = dir.join(target);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(name), bytes).unwrap();
    };
    for (i, f) in spool_store::fuzzing::sample_frames().iter().enumerate() {
        write("decode_segment", format!("seed-{i}"), f);
    }
    let spawn = Spawn {
        command: vec!["sh".into(), "-c".into(), "echo hi".into()],
        cwd: Some("/tmp".into()),
        remain_on_exit: true,
        env: vec![("A".into(), "b".into())],
    };
    let requests = vec![
        Request::Hello {
            protocol: spool_proto::PROTOCOL_VERSION,
            client: "seed".into(),
            pane: Some(3),
            for_client: Some(1),
        },
        Request::NewSession(NewSession {
            name: Some("work".into()),
            cols: Some(80),
            rows: Some(24),
            spawn: spawn.clone(),
            client_env: vec![("DISPLAY".into(), ":0".into())],
        }),
        Request::Split {
            target: Some("%1".into()),
            horizontal: true,
            percent: Some(30),
            spawn,
        },
        Request::SendText {
            target: Some("work:0".into()),
            text: b"ls\r".to_vec(),
            paste: true,
            more: false,
        },
        Request::SendKeys {
            target: None,
            keys: vec!["C-c".into(), "Enter".into()],
        },
        Request::Capture(Capture {
            target: None,
            start: Some(Line::Edge),
            end: Some(Line::At(-3)),
            escapes: true,
            join: true,
            history: None,
            command: Some(-1),
            images: true,
        }),
        Request::Image { pane: 0, id: 1 },
        Request::ClientCellPixels {
            width: 9,
            height: 18,
        },
        Request::Run {
            target: Some("%0".into()),
            command: vec!["make".into(), "test".into()],
            timeout_ms: 1000,
        },
        Request::Events {
            target: None,
            output: true,
        },
        Request::Wait {
            target: None,
            until: spool_proto::WaitFor::Match("done".into()),
        },
        Request::Search {
            target: None,
            pattern: "err.*".into(),
            newest_first: true,
            history: None,
        },
        Request::Attach {
            target: None,
            cols: 120,
            rows: 40,
            env: vec![("SSH_AUTH_SOCK".into(), "/tmp/agent".into())],
        },
        Request::Act(Action::RenameTab("x".into())),
        Request::History {
            pane: 3,
            width: 80,
            from_bottom: 1000,
            count: 72,
        },
    ];
    for (i, r) in requests.iter().enumerate() {
        let f = spool_proto::frame::encode(r).unwrap();
        write("decode_request", format!("seed-{i}"), &f[4..]);
    }
    // Terminal streams: each conformance recording, with a 4-byte size/resize header.
    let refs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/alacritty-ref");
    if let Ok(entries) = std::fs::read_dir(&refs) {
        for e in entries.flatten() {
            let rec = e.path().join("input.bin");
            if let Ok(bytes) = std::fs::read(&rec) {
                if bytes.len() <= 4096 {
                    let mut seed = vec![80, 24, 128, 40];
                    seed.extend_from_slice(&bytes);
                    write("feed", e.file_name().to_string_lossy().into_owned(), &seed);
                }
            }
        }
    }
    // Images: a sixel, a chunked kitty transfer, a query, an iTerm2 file (a 1×1 PNG).
    write(
        "feed",
        "images".into(),
        b"PP\x80\x10\x1bPq\"1;1;4;6#1;2;100;0;0#1!4~\x1b\\\
          \x1b_Ga=T,f=24,s=1,v=1,i=3,m=1;AAAA\x1b\\\x1b_Gm=0;\x1b\\\
          \x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\\x1b_Ga=p,i=3,c=2,r=2\x1b\\\
          \x1b]1337;File=inline=1;width=2:iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC\x07\
          \x1b[16t\x1b[?2;1;0S",
    );
    write("feed", "sgr-and-osc".into(), b"PP\x80\x10\x1b[1;38;2;1;2;3mhi\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\x1bPtmux;\x1b\x1b]2;t\x07\x1b\\\x1b[?2026h\x1b[2J\x1b[?2026l");
}
