//! Disk budgets: per pane, in total, and the index's segment cap. Pruning drops whole oldest
//! segments, frees their disk space, and never renumbers rows.

mod common;

use common::*;
use spool_store::{Env, Store, StoreConfig};

fn allocated(path: &std::path::Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).unwrap().blocks() * 512
}

#[test]
fn per_pane_budget_prunes_oldest_and_frees_disk() {
    let dir = tempfile::tempdir().unwrap();
    let limit = 64 * 1024;
    let env = Env::new(StoreConfig {
        segment_bytes: 4096,
        retention_pane_bytes: limit,
        ..StoreConfig::default()
    });
    let store = Store::open(&env, dir.path()).unwrap();
    for n in 0..100_000 {
        store.push(det_row(n).as_ref()).unwrap();
    }
    store.flush().unwrap();
    let st = store.stats();
    assert!(st.disk_bytes <= limit, "{} > {limit}", st.disk_bytes);
    assert!(st.first_row > 0);
    assert_eq!(st.next_row, 100_000);
    // Row numbers are stable: what is kept reads back as written.
    assert_eq!(
        store.get(st.first_row).unwrap().unwrap(),
        det_row(st.first_row)
    );
    assert_eq!(store.get(99_999).unwrap().unwrap(), det_row(99_999));
    assert_eq!(store.get(0).unwrap(), None);
    // Hole punching gave the space back (allow a few blocks of slack per file).
    let used = allocated(&dir.path().join("history.seg"));
    assert!(used <= limit + 64 * 1024, "file still holds {used} bytes");
    // And a reopen finds the same window.
    let first = st.first_row;
    drop(store);
    let store = Store::open(&env, dir.path()).unwrap();
    assert_eq!(store.first_row(), first);
    assert_eq!(store.next_row(), 100_000);
}

#[test]
fn total_budget_takes_from_the_largest_pane() {
    let dir = tempfile::tempdir().unwrap();
    let limit = 128 * 1024;
    let env = Env::new(StoreConfig {
        segment_bytes: 4096,
        retention_pane_bytes: 0,
        retention_total_bytes: limit,
        ..StoreConfig::default()
    });
    let a = Store::open(&env, dir.path().join("a")).unwrap();
    let b = Store::open(&env, dir.path().join("b")).unwrap();
    for n in 0..3000 {
        b.push(det_row(n).as_ref()).unwrap();
    }
    b.flush().unwrap();
    let b_before = b.stats().disk_bytes;
    for n in 0..200_000 {
        a.push(det_row(n).as_ref()).unwrap();
    }
    a.flush().unwrap();
    assert!(
        env.total_disk_bytes() <= limit,
        "{}",
        env.total_disk_bytes()
    );
    assert_eq!(
        b.stats().disk_bytes,
        b_before,
        "the small pane kept its history"
    );
    assert!(a.first_row() > 0);
}

#[test]
fn segment_cap_bounds_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::new(StoreConfig {
        segment_bytes: 4096,
        retention_pane_bytes: 0,
        max_segments: 50,
        // Two workers finish out of order: the in-flight bound must still hold the index.
        compress_threads: 2,
        ..StoreConfig::default()
    });
    let store = Store::open(&env, dir.path()).unwrap();
    for n in 0..50_000 {
        store.push(det_row(n).as_ref()).unwrap();
    }
    store.flush().unwrap();
    let st = store.stats();
    assert_eq!(st.segments, 50);
    assert!(st.index_bytes <= 64 * 40, "{}", st.index_bytes);
    assert_eq!(store.get(49_999).unwrap().unwrap(), det_row(49_999));
}

/// A row that shows image id `id` (as the emulator writes an image's rows).
fn image_row(id: u32) -> spool_store::Row {
    let text = "[image 8×8]".to_string();
    spool_store::Row {
        runs: vec![spool_store::Run {
            len: text.len() as u32,
            style: spool_store::Style {
                image: id,
                ..Default::default()
            },
        }],
        text,
        flags: Default::default(),
    }
}

#[test]
fn the_image_floor_rises_as_the_rows_showing_images_are_pruned_and_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::new(StoreConfig {
        segment_bytes: 4096,
        retention_pane_bytes: 64 * 1024,
        ..StoreConfig::default()
    });
    let store = Store::open(&env, dir.path()).unwrap();
    assert_eq!(store.image_floor(), None, "no row shows an image yet");
    // Image ids 1..=50, one every 1000 rows; far more history than the budget keeps.
    let mut id = 0;
    for n in 0..50_000u64 {
        if n % 1000 == 0 {
            id += 1;
            store.push(image_row(id).as_ref()).unwrap();
        } else {
            store.push(det_row(n).as_ref()).unwrap();
        }
    }
    store.flush().unwrap();
    let first = store.first_row();
    assert!(
        first > 10_000,
        "the budget pruned the oldest rows ({first})"
    );
    // The floor is the smallest id among the rows kept: none below it is shown any more.
    let kept_min = (first..store.next_row())
        .filter_map(|r| store.get(r).unwrap())
        .flat_map(|row| row.runs.into_iter().map(|r| r.style.image))
        .filter(|&i| i != 0)
        .min()
        .unwrap();
    let floor = store.image_floor().expect("kept rows show images");
    assert_eq!(floor, kept_min, "the smallest id a kept row shows");
    assert!(
        floor > 1,
        "the pruned images' ids are below the floor ({floor})"
    );
    drop(store);
    let store = Store::open(&env, dir.path()).unwrap();
    assert_eq!(store.image_floor(), Some(floor), "the headers carry it");
    store.clear().unwrap();
    assert_eq!(
        store.image_floor(),
        None,
        "clear-history forgets every image"
    );
}
