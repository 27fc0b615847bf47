//! Damage on disk: a torn or corrupted tail is cut back to the last valid segment; a corrupted
//! segment in the middle costs that segment's rows only; nothing panics.

mod common;

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};

use common::*;
use proptest::prelude::*;
use spool_store::{Store, StoreError};

const ROWS: u64 = 6000;

/// Write ROWS deterministic rows into a fresh store dir and close it cleanly.
fn make_history(dir: &std::path::Path) -> u64 {
    let env = small_env(4096);
    let store = open(&env, dir);
    for n in 0..ROWS {
        store.push(det_row(n).as_ref()).unwrap();
    }
    drop(store);
    std::fs::metadata(dir.join("history.seg")).unwrap().len()
}

/// Every row the reopened store claims to have must be exactly the row written, or an error
/// naming the damage; rows are a prefix of what was written for a truncation.
fn check_consistent(store: &Store) -> (u64, u64) {
    let (mut ok, mut bad) = (0, 0);
    for n in store.first_row()..store.next_row() {
        match store.get(n) {
            Ok(Some(r)) => {
                assert_eq!(r, det_row(n), "row {n} came back different");
                ok += 1;
            }
            Ok(None) => panic!("row {n} inside the kept range is missing"),
            Err(StoreError::Corrupt { .. }) => bad += 1,
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    (ok, bad)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn truncation_anywhere_cuts_back_to_a_prefix(frac in 0.0f64..1.0) {
        let dir = tempfile::tempdir().unwrap();
        let len = make_history(dir.path());
        let at = (len as f64 * frac) as u64;
        OpenOptions::new().write(true).open(dir.path().join("history.seg")).unwrap().set_len(at).unwrap();
        let env = small_env(4096);
        let store = open(&env, dir.path());
        let (ok, bad) = check_consistent(&store);
        prop_assert_eq!(bad, 0);
        prop_assert_eq!(store.first_row(), 0);
        prop_assert!(ok <= ROWS);
        // The file was cut to whole segments: appending continues the numbering.
        let next = store.next_row();
        store.push(det_row(next).as_ref()).unwrap();
        drop(store);
        let store = open(&env, dir.path());
        prop_assert_eq!(store.next_row(), next + 1);
        check_consistent(&store);
    }

    #[test]
    fn flipped_bytes_anywhere_never_give_garbage(frac in 0.0f64..1.0, flips in 1usize..4) {
        let dir = tempfile::tempdir().unwrap();
        let len = make_history(dir.path());
        let mut f = OpenOptions::new().read(true).write(true).open(dir.path().join("history.seg")).unwrap();
        for i in 0..flips {
            let at = ((len as f64 * frac) as u64 + i as u64 * 977) % len;
            f.seek(SeekFrom::Start(at)).unwrap();
            let mut b = [0u8];
            std::io::Read::read_exact(&mut f, &mut b).unwrap();
            f.seek(SeekFrom::Start(at)).unwrap();
            f.write_all(&[b[0] ^ 0x5a]).unwrap();
        }
        drop(f);
        let env = small_env(4096);
        let store = open(&env, dir.path());
        let (ok, bad) = check_consistent(&store);
        // Damage costs at most a few segments' rows (a damaged header cuts the tail after it).
        prop_assert!(ok + bad <= ROWS);
        // Search and geometry walk damaged segments with an error, not a panic.
        let re = spool_store::compile("row").unwrap();
        let _ = store.search(&re, 0..u64::MAX, |_| std::ops::ControlFlow::Continue(()), |_| std::ops::ControlFlow::Continue(()));
        let _ = store.display_rows(80);
    }
}

#[test]
fn a_corrupt_middle_segment_costs_only_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let len = make_history(dir.path());
    // Flip a byte in the middle of the file: inside some segment's payload (or header).
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(dir.path().join("history.seg"))
        .unwrap();
    let at = len / 2;
    let mut b = [0u8];
    f.seek(SeekFrom::Start(at)).unwrap();
    std::io::Read::read_exact(&mut f, &mut b).unwrap();
    f.seek(SeekFrom::Start(at)).unwrap();
    f.write_all(&[!b[0]]).unwrap();
    drop(f);
    let env = small_env(4096);
    let store = open(&env, dir.path());
    let (ok, bad) = check_consistent(&store);
    assert!(ok > ROWS / 3, "only {ok} rows survived");
    assert!(bad < 200, "{bad} rows lost to one flipped byte");
    // The error names the damage.
    if bad > 0 {
        let err = (0..store.next_row())
            .find_map(|n| store.get(n).err())
            .unwrap();
        assert!(err.to_string().contains("damaged"), "{err}");
    }
}

#[test]
fn garbage_file_and_head_are_survived() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("history.seg"),
        b"SPOOLSG1 this is not a segment at all",
    )
    .unwrap();
    std::fs::write(dir.path().join("head"), b"garbage").unwrap();
    let env = small_env(4096);
    let store = open(&env, dir.path());
    assert!(store.is_empty());
    store.push(det_row(0).as_ref()).unwrap();
    drop(store);
    let store = open(&env, dir.path());
    assert_eq!(store.get(0).unwrap().unwrap(), det_row(0));
}

#[test]
fn killed_writer_loses_at_most_the_unflushed_segment() {
    // A child process writes rows, flushes half way, and is killed with SIGKILL mid-stream.
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    if std::env::var_os("SPOOL_STORE_CHILD").is_some() {
        return;
    }
    let mut child = std::process::Command::new(exe)
        .args(["--exact", "child_writer", "--nocapture", "--ignored"])
        .env("SPOOL_STORE_CHILD_DIR", dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the child says it flushed, then kill it while it keeps writing.
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let flushed: u64 = loop {
        let l = lines.next().expect("child output").unwrap();
        if let Some(n) = l.strip_prefix("FLUSHED ") {
            break n.trim().parse().unwrap();
        }
    };
    std::thread::sleep(std::time::Duration::from_millis(50));
    child.kill().unwrap();
    child.wait().unwrap();
    let env = small_env(4096);
    let store = open(&env, dir.path());
    assert!(
        store.next_row() >= flushed,
        "{} < {flushed}",
        store.next_row()
    );
    let (_, bad) = check_consistent(&store);
    assert_eq!(bad, 0);
}

#[test]
#[ignore = "run as a child process by killed_writer_loses_at_most_the_unflushed_segment"]
fn child_writer() {
    let Some(dir) = std::env::var_os("SPOOL_STORE_CHILD_DIR") else {
        return;
    };
    let env = small_env(4096);
    let store = open(&env, std::path::Path::new(&dir));
    for n in 0..3000 {
        store.push(det_row(n).as_ref()).unwrap();
    }
    store.flush().unwrap();
    println!("FLUSHED 3000");
    for n in 3000..u64::MAX {
        store.push(det_row(n).as_ref()).unwrap();
    }
}

/// A store whose process dies (no flush, no drop): what its last checkpoint held comes back,
/// numbered from where history on disk ends; a damaged checkpoint gives what precedes the
/// damage; a clean shutdown removes it.
#[test]
fn a_killed_store_recovers_its_last_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let env = small_env(4096);
    let store = Store::open(&env, dir.path()).unwrap();
    for n in 0..5000 {
        store.push(det_row(n).as_ref()).unwrap();
    }
    // The screen: two rows after history.
    let extra = [
        spool_store::Row::plain("screen one"),
        spool_store::Row::plain("screen two"),
    ];
    store.checkpoint(&extra).unwrap();
    // Rows pushed after the checkpoint are what a kill loses.
    for n in 5000..5010 {
        store.push(det_row(n).as_ref()).unwrap();
    }
    std::mem::forget(store);
    let store = Store::open(&env, dir.path()).unwrap();
    assert_eq!(store.next_row(), 5002);
    for n in 0..5000 {
        assert_eq!(store.get(n).unwrap().unwrap(), det_row(n), "row {n}");
    }
    assert_eq!(store.get(5000).unwrap().unwrap().text, "screen one");
    assert_eq!(store.get(5001).unwrap().unwrap().text, "screen two");
    // Damage in the checkpoint: nothing past it, and no error.
    store.checkpoint(&extra).unwrap();
    std::mem::forget(store);
    let tail = dir.path().join(spool_store::checkpoint::TAIL_FILE);
    let mut bytes = std::fs::read(&tail).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0xff;
    std::fs::write(&tail, &bytes).unwrap();
    let store = Store::open(&env, dir.path()).unwrap();
    assert!(store.next_row() >= 5002 && store.next_row() <= 5004);
    store.flush().unwrap();
    store.remove_checkpoint();
    assert!(!tail.exists());
}

/// Set the format version of the segment whose header starts at `at`, with its checksum.
fn set_version(file: &std::path::Path, at: usize, version: u16) {
    let mut bytes = std::fs::read(file).unwrap();
    bytes[at + 8..at + 10].copy_from_slice(&version.to_le_bytes());
    let crc = crc32fast::hash(&bytes[at..at + 44]);
    bytes[at + 44..at + 48].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(file, bytes).unwrap();
}

/// A spool run after a newer one (a downgrade) meets segments it cannot read. They are not
/// damage: the history is not opened, and not one byte of it is cut, first segment or later.
#[test]
fn a_history_a_newer_spool_wrote_is_left_whole_and_not_opened() {
    let newer = spool_store::FORMAT_VERSION + 1;
    for which in [0usize, 3] {
        let dir = tempfile::tempdir().unwrap();
        make_history(dir.path());
        let file = dir.path().join("history.seg");
        let bytes = std::fs::read(&file).unwrap();
        let at = bytes
            .windows(8)
            .enumerate()
            .filter(|(_, w)| w == b"SPOOLSG1")
            .nth(which)
            .unwrap()
            .0;
        set_version(&file, at, newer);
        let before = std::fs::read(&file).unwrap();
        let env = small_env(4096);
        match Store::open(&env, dir.path()) {
            Err(StoreError::Newer { version, .. }) => assert_eq!(version, newer),
            Err(e) => panic!("segment {which}: {e}"),
            Ok(_) => panic!("segment {which}: opened"),
        }
        assert_eq!(std::fs::read(&file).unwrap(), before, "segment {which}");
    }
}
