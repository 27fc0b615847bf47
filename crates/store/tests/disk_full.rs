//! A full disk loses the segments that cannot be written, and nothing else: reads skip each
//! lost range and show it as one marker row, search goes on past it, the loss is counted, and
//! writing resumes as soon as there is space again. Uses a real 1 MiB tmpfs (needs root, as
//! CI has; elsewhere the test says it was skipped).

use spool_store::{Env, Store, StoreConfig};

struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.0.path())
            .status();
    }
}

/// Rows that do not compress much, so a small disk fills quickly.
fn noisy_row(n: u64) -> spool_store::Row {
    let mut x = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut text = format!("line {n:08} ");
    for _ in 0..12 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        text.push_str(&format!("{x:016x}"));
    }
    spool_store::Row::plain(text)
}

#[test]
fn a_full_disk_loses_only_what_it_could_not_write_and_writing_resumes() {
    let Some(fs) = Tmpfs::mount("1m") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    };
    let root = fs.0.path();
    // Leave ~300 KiB free: the filler is deleted later to give space back.
    let filler = root.join("filler");
    std::fs::write(&filler, vec![7u8; 700 * 1024]).unwrap();
    let env = Env::new(StoreConfig {
        segment_bytes: 16 * 1024,
        ..StoreConfig::default()
    });
    let store = Store::open(&env, root.join("pane")).unwrap();
    let mut n = 0u64;
    while store.stats().lost_rows == 0 && n < 200_000 {
        store.push(noisy_row(n).as_ref()).unwrap();
        n += 1;
        if n.is_multiple_of(1000) {
            let _ = store.flush();
        }
    }
    let _ = store.flush();
    let st = store.stats();
    assert!(st.lost_rows > 0, "the disk never filled");
    assert!(
        st.last_error.as_deref().unwrap_or("").contains("No space"),
        "{:?}",
        st.last_error
    );
    // Space comes back: the rows pushed from now on are written again.
    std::fs::remove_file(&filler).unwrap();
    let resumed_from = store.next_row();
    for _ in 0..2000 {
        store.push(noisy_row(n).as_ref()).unwrap();
        n += 1;
    }
    store.flush().unwrap();
    let lost_before = st.lost_rows;
    assert_eq!(
        store.stats().lost_rows,
        lost_before,
        "writes failed after space returned"
    );
    // Reading everything works: each lost range is one marker row, the rest reads back.
    let mut markers = 0;
    let mut rows = 0;
    for r in store.range(0..store.next_row()) {
        let (i, row) = r.expect("a lost range must not fail the read");
        if row.text.starts_with("[rows ") {
            assert!(row.text.contains("lost: disk full"), "{}", row.text);
            markers += 1;
        } else {
            assert_eq!(row, noisy_row(i));
            rows += 1;
        }
    }
    assert!(markers >= 1);
    assert!(rows as u64 + lost_before <= n);
    // The newest rows, stored after the loss, are found by search.
    let re = spool_store::compile(&format!("line {:08} ", n - 1)).unwrap();
    let mut hits = Vec::new();
    store
        .search(
            &re,
            0..store.next_row(),
            |m| {
                hits.push(m.row);
                std::ops::ControlFlow::Continue(())
            },
            |_| std::ops::ControlFlow::Continue(()),
        )
        .expect("search goes past lost ranges");
    assert_eq!(hits, vec![n - 1]);
    assert!(resumed_from < n);
    // Scrolling geometry walks the lost ranges too.
    assert!(store.display_rows(80).unwrap() > 0);
}
