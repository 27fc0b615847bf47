//! Rows go in, the same rows come out: from the open segment, from segments waiting to be
//! written, from disk, after reopening; forward, backward, any range.

mod common;

use common::*;
use proptest::prelude::*;
use spool_store::Row;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn rows_read_back_identical(rows in prop::collection::vec(arb_row(), 1..600),
                                a in 0usize..600, b in 0usize..600) {
        let dir = tempfile::tempdir().unwrap();
        let env = small_env(4096);
        let store = open(&env, dir.path());
        for (i, r) in rows.iter().enumerate() {
            prop_assert_eq!(store.push(r.as_ref()).unwrap(), i as u64);
        }
        let check = |store: &spool_store::Store| -> Result<(), TestCaseError> {
            for (i, r) in rows.iter().enumerate() {
                prop_assert_eq!(&store.get(i as u64).unwrap().unwrap(), r);
            }
            let (lo, hi) = (a.min(b).min(rows.len()), a.max(b).min(rows.len()));
            let fwd: Vec<Row> = store.range(lo as u64..hi as u64).map(|r| r.unwrap().1).collect();
            prop_assert_eq!(&fwd[..], &rows[lo..hi]);
            let mut back: Vec<Row> = store.range(lo as u64..hi as u64).rev().map(|r| r.unwrap().1).collect();
            back.reverse();
            prop_assert_eq!(&back[..], &rows[lo..hi]);
            let tail = store.tail(7).unwrap();
            prop_assert_eq!(&tail[..], &rows[rows.len().saturating_sub(7)..]);
            prop_assert!(store.get(rows.len() as u64).unwrap().is_none());
            Ok(())
        };
        check(&store)?;
        store.flush().unwrap();
        check(&store)?;
        drop(store);
        let store = open(&env, dir.path());
        prop_assert_eq!(store.next_row(), rows.len() as u64);
        check(&store)?;
    }
}

#[test]
fn empty_store_reads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let env = small_env(4096);
    let store = open(&env, dir.path());
    assert!(store.is_empty());
    assert_eq!(store.get(0).unwrap(), None);
    assert_eq!(store.get(u64::MAX).unwrap(), None);
    assert_eq!(store.range(0..u64::MAX).count(), 0);
    #[allow(clippy::reversed_empty_ranges)]
    let backwards = 5..2;
    assert_eq!(store.range(backwards).count(), 0);
    assert!(store.tail(10).unwrap().is_empty());
    assert_eq!(store.display_rows(80).unwrap(), 0);
    assert_eq!(store.display_row_from_bottom(0, 80).unwrap(), None);
    store.flush().unwrap();
    drop(store);
    let store = open(&env, dir.path());
    assert!(store.is_empty());
}

#[test]
fn row_numbers_survive_reopen_and_clear() {
    let dir = tempfile::tempdir().unwrap();
    let env = small_env(4096);
    {
        let store = open(&env, dir.path());
        for n in 0..5000 {
            store.push(det_row(n).as_ref()).unwrap();
        }
    }
    let store = open(&env, dir.path());
    assert_eq!((store.first_row(), store.next_row()), (0, 5000));
    assert_eq!(store.get(4321).unwrap().unwrap(), det_row(4321));
    store.clear().unwrap();
    assert_eq!((store.first_row(), store.next_row()), (5000, 5000));
    assert_eq!(store.get(4321).unwrap(), None);
    assert_eq!(store.stats().disk_bytes, 0);
    store.push(det_row(1).as_ref()).unwrap();
    drop(store);
    let store = open(&env, dir.path());
    assert_eq!((store.first_row(), store.next_row()), (5000, 5001));
    assert_eq!(store.get(5000).unwrap().unwrap(), det_row(1));
}

#[test]
fn concurrent_reads_during_writes_see_exact_rows() {
    let dir = tempfile::tempdir().unwrap();
    let env = small_env(4096);
    let store = std::sync::Arc::new(open(&env, dir.path()));
    const N: u64 = 40_000;
    let reader = {
        let store = store.clone();
        std::thread::spawn(move || {
            let mut seen = 0u64;
            let mut x = 12345u64;
            while seen < 20_000 {
                let next = store.next_row();
                if next == 0 {
                    continue;
                }
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let n = (x >> 33) % next;
                let row = store.get(n).unwrap().expect("row below next_row is kept");
                assert_eq!(row, det_row(n));
                seen += 1;
            }
        })
    };
    for n in 0..N {
        store.push(det_row(n).as_ref()).unwrap();
    }
    reader.join().unwrap();
    let all: Vec<_> = store.range(0..N).map(|r| r.unwrap()).collect();
    assert_eq!(all.len() as u64, N);
    assert!(all.iter().all(|(n, r)| *r == det_row(*n)));
}

#[test]
fn files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let pane = dir.path().join("a/b/pane");
    let env = small_env(4096);
    let store = open(&env, &pane);
    for n in 0..3000 {
        store.push(det_row(n).as_ref()).unwrap();
    }
    store.flush().unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&pane), 0o700);
    for entry in std::fs::read_dir(&pane).unwrap() {
        let p = entry.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
}

#[test]
fn a_100_mb_line_arrives_as_wrapped_rows_and_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let env = small_env(spool_store::DEFAULT_SEGMENT_BYTES);
    let store = open(&env, dir.path());
    // 100 MB of one logical line, wrapped at 1000 columns, then a normal line.
    let mut row = Row::plain("0123456789".repeat(100));
    row.flags.set(spool_store::RowFlags::WRAPPED, true);
    const ROWS: u64 = 100_000;
    let mut peak = 0;
    for n in 0..ROWS {
        if n == ROWS - 1 {
            row.flags.set(spool_store::RowFlags::WRAPPED, false);
        }
        store.push(row.as_ref()).unwrap();
        if n % 1000 == 0 {
            peak = peak.max(store.stats().memory_bytes);
        }
    }
    store.push(Row::plain("after").as_ref()).unwrap();
    // In memory: the open segment (may run to 2× the threshold to keep lines whole) and the
    // index; never the line.
    let bound = spool_store::memory_bound(env.config()) + 64 * 1024;
    assert!(peak < bound, "peak {peak} >= {bound}");
    assert_eq!(store.get(77_777).unwrap().unwrap().text.len(), 1000);
    assert_eq!(store.get(ROWS).unwrap().unwrap().text, "after");
    // The whole line is one logical line: 100,000,000 cells at width 1000 = 100,000 rows.
    assert_eq!(store.display_rows(1000).unwrap(), ROWS + 1);
    // A match inside the line (stopped after 1,000) and the row after it.
    let re = spool_store::compile("after|89012").unwrap();
    let mut hits = Vec::new();
    store
        .search(
            &re,
            0..u64::MAX,
            |m| {
                hits.push(m);
                if hits.len() == 1000 {
                    std::ops::ControlFlow::Break(())
                } else {
                    std::ops::ControlFlow::Continue(())
                }
            },
            |_| std::ops::ControlFlow::Continue(()),
        )
        .unwrap();
    assert_eq!(hits.len(), 1000);
    // "89012" straddles each row boundary ("...789" | "0123...") and is found across it.
    assert!(hits.iter().any(|m| m.end_row == m.row + 1));
    let re = spool_store::compile("^after$").unwrap();
    let mut found = Vec::new();
    store
        .search(
            &re,
            0..u64::MAX,
            |m| {
                found.push(m);
                std::ops::ControlFlow::Continue(())
            },
            |_| std::ops::ControlFlow::Continue(()),
        )
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].row, found[0].col), (ROWS, 0));
}

#[test]
fn every_idle_compression_worker_lets_go_of_its_buffers_soon_after_the_last_job() {
    let dir = tempfile::tempdir().unwrap();
    let env = spool_store::Env::new(spool_store::StoreConfig {
        segment_bytes: spool_store::MIN_SEGMENT_BYTES,
        compress_threads: 2,
        ..spool_store::StoreConfig::default()
    });
    let store = open(&env, dir.path());
    let row = Row::plain("compressible text ".repeat(10));
    for _ in 0..20_000 {
        store.push(row.as_ref()).unwrap();
    }
    store.flush().unwrap();
    let done = std::time::Instant::now();
    assert!(
        env.worker_bytes() > 0,
        "the workers hold buffers right after work"
    );
    while env.worker_bytes() > 0 && done.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Each worker lets go WORKER_IDLE_RELEASE after its own last job (2 s), not in turn
    // behind the others.
    let took = done.elapsed();
    assert!(
        took < spool_store::WORKER_IDLE_RELEASE + std::time::Duration::from_millis(1500),
        "workers held {} bytes for {took:?}",
        env.worker_bytes()
    );
}

/// `tests/fixtures/history-v3`: 600 rows of [`det_row`] written by format version 3 (the
/// joined payload layout) in 4 KiB segments. Every later version must read it.
#[test]
fn history_written_by_format_3_reads_back_and_takes_new_rows_after_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/history-v3/history.seg"
        ),
        dir.path().join("history.seg"),
    )
    .unwrap();
    let env = small_env(4096);
    let store = open(&env, dir.path());
    assert_eq!(store.next_row(), 600);
    for n in 0..600 {
        assert_eq!(store.get(n).unwrap().unwrap(), det_row(n), "row {n}");
    }
    // Segments of today's layout go after the old ones in the same file.
    for n in 600..1200 {
        store.push(det_row(n).as_ref()).unwrap();
    }
    store.flush().unwrap();
    drop(store);
    let store = open(&env, dir.path());
    let rows: Vec<Row> = store.range(0..1200).map(|r| r.unwrap().1).collect();
    assert_eq!(rows, (0..1200).map(det_row).collect::<Vec<_>>());
    let re = spool_store::compile("row 0000059[89]").unwrap();
    let mut hits = Vec::new();
    store
        .search(
            &re,
            0..u64::MAX,
            |m| {
                hits.push(m.row);
                std::ops::ControlFlow::Continue(())
            },
            |_| std::ops::ControlFlow::Continue(()),
        )
        .unwrap();
    assert_eq!(hits, [598, 599]);
}

/// A row that ends a line is found by the `\n` after it: one whose text holds a `\n` of its
/// own must still come back whole, wrapped or not, next to ones that do not.
#[test]
fn rows_whose_text_holds_a_newline_read_back_identical() {
    use spool_store::RowFlags;
    let dir = tempfile::tempdir().unwrap();
    let env = small_env(4096);
    let store = open(&env, dir.path());
    let texts = ["a\nb", "\n", "plain", "\n\nx\n", "", "end\n"];
    let rows: Vec<Row> = (0..300)
        .map(|i| {
            let mut r = det_row(i);
            r.text = texts[i as usize % texts.len()].to_string();
            r.runs.clear();
            r.flags = RowFlags::empty();
            r.flags.set(RowFlags::WRAPPED, i % 4 == 1);
            r
        })
        .collect();
    for r in &rows {
        store.push(r.as_ref()).unwrap();
    }
    store.flush().unwrap();
    drop(store);
    let store = open(&env, dir.path());
    let back: Vec<Row> = store.range(0..300).map(|r| r.unwrap().1).collect();
    assert_eq!(back, rows);
}

/// A pane whose program ended keeps none of its rows in memory: sealed now, short of a full
/// segment, they are written, leave the heap, and read back from disk.
#[test]
fn rows_sealed_now_leave_memory_once_written_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let env = small_env(1 << 20);
    let store = open(&env, dir.path());
    for n in 0..2000 {
        store.push(det_row(n).as_ref()).unwrap();
    }
    assert!(
        store.stats().open_bytes > 0,
        "the rows wait in the open segment"
    );
    // Fewer bytes of rows than asked for: they stay.
    store.seal_now(1 << 20);
    assert_eq!(store.stats().rows_in_memory, 2000);
    store.seal_now(0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while store.stats().rows_in_memory > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let st = store.stats();
    assert_eq!(st.rows_in_memory, 0, "{st:?}");
    assert_eq!(st.open_bytes + st.pending_bytes, 0, "{st:?}");
    assert_eq!(st.rows_on_disk, 2000);
    for n in [0, 999, 1999] {
        assert_eq!(store.get(n).unwrap().unwrap(), det_row(n));
    }
}

/// The index grows by doubling while written; once the pane is quiet it is packed to a
/// fraction of its 40 bytes an entry, a read unpacks it, and the env's trim packs it again.
#[test]
fn a_quiet_store_s_index_is_packed_until_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let env = small_env(4096);
    let store = open(&env, dir.path());
    let mut n = 0;
    // Past a power of two of segments: up to twice the entries in capacity.
    while store.stats().segments < 600 {
        for _ in 0..100 {
            store.push(det_row(n).as_ref()).unwrap();
            n += 1;
        }
        store.flush().unwrap();
    }
    // An index entry is 40 bytes (ARCHITECTURE.md).
    let entry = 40;
    let st = store.stats();
    assert!(st.index_bytes > st.segments * entry, "{st:?}");
    store.trim();
    let st = store.stats();
    // Packed, an entry whose rows and frame follow the one before costs ~8 bytes here.
    let packed_max = 16;
    assert!(
        st.index_bytes <= st.segments * packed_max,
        "{} index bytes for {} segments",
        st.index_bytes,
        st.segments
    );
    assert!(store.index_packed());
    // Counting rows and bounds never unpacks; reading a row on disk does, and reads right.
    assert_eq!(store.first_row(), 0);
    assert_eq!(store.next_row(), n);
    assert!(store.index_packed());
    for row in [0, 1, n / 2, n - 1] {
        assert_eq!(store.get(row).unwrap().unwrap(), det_row(row));
    }
    assert!(!store.index_packed());
    assert_eq!(store.stats().segments, st.segments);
    // The server's quiet trim packs every store again.
    env.trim();
    assert!(store.index_packed());
    assert_eq!(store.stats().index_bytes, st.index_bytes);
    // And rows written after it land behind what was packed.
    for _ in 0..1000 {
        store.push(det_row(n).as_ref()).unwrap();
        n += 1;
    }
    store.flush().unwrap();
    for row in [0, n / 2, n - 1] {
        assert_eq!(store.get(row).unwrap().unwrap(), det_row(row));
    }
}
