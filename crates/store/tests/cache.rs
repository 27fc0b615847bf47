//! The shared segment cache never holds more than its capacity, whatever readers do: random
//! reads across panes, geometry at changing widths, clears, searches.

mod common;

use std::ops::ControlFlow;

use common::*;
use spool_store::{Env, Store, StoreConfig};

#[test]
fn cache_bound_holds_under_resize_clear_and_search_churn() {
    let dir = tempfile::tempdir().unwrap();
    let cap = 256 * 1024;
    let env = Env::new(StoreConfig {
        segment_bytes: 16 * 1024,
        cache_bytes: cap,
        ..StoreConfig::default()
    });
    let stores: Vec<Store> = (0..4)
        .map(|i| Store::open(&env, dir.path().join(format!("p{i}"))).unwrap())
        .collect();
    for (i, s) in stores.iter().enumerate() {
        for n in 0..20_000 {
            s.push(det_row(n * 4 + i as u64).as_ref()).unwrap();
        }
        s.flush().unwrap();
    }
    let check = |what: &str| {
        let st = env.cache().stats();
        assert!(st.bytes <= cap, "{what}: cache holds {} > {cap}", st.bytes);
        assert_eq!(st.capacity_bytes, cap, "{what}: capacity changed");
    };
    let re = spool_store::compile("row 0001").unwrap();
    let mut x = 7u64;
    for round in 0..40 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        let s = &stores[(x >> 40) as usize % stores.len()];
        match round % 5 {
            0 => {
                for k in 0..200 {
                    let n = (x >> 20).wrapping_add(k * 997) % s.next_row().max(1);
                    let _ = s.get(n).unwrap();
                }
                check("random reads");
            }
            1 => {
                // A resize: geometry at a new width over the whole history.
                s.display_rows(20 + (round as u16 * 7) % 200).unwrap();
                check("resize");
            }
            2 => {
                s.search(
                    &re,
                    0..u64::MAX,
                    |_| ControlFlow::Continue(()),
                    |_| ControlFlow::Continue(()),
                )
                .unwrap();
                check("search");
            }
            3 => {
                s.clear().unwrap();
                for n in 0..5000 {
                    s.push(det_row(n).as_ref()).unwrap();
                }
                check("clear");
            }
            _ => {
                let _: Vec<_> = s.range(0..u64::MAX).rev().take(3000).collect();
                check("backward scroll");
            }
        }
    }
    let st = env.cache().stats();
    assert!(st.evictions > 0, "churn should have evicted: {st:?}");
    assert!(st.hits > 0 && st.misses > 0);
}
