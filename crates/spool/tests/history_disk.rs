//! What history costs on disk, against what `zstd -3` makes of the bytes the pane printed.

mod common;

/// The bench's log generator: the test measures the data the benchmark reports on.
#[allow(dead_code)]
#[path = "../../bench/src/data.rs"]
mod data;

use common::TestServer;
use std::time::Duration;

/// A pane `cat`s the bench's log: its disk bytes per stored row are at most 1.1× what
/// `zstd -3` makes of the file, per line.
fn assert_disk_within_a_tenth_of_zstd_3(colored: bool) {
    let s = TestServer::new();
    let file = s.dir.path().join("log");
    let lines = data::write_log(&file, 12 << 20, colored, 42, None).unwrap();
    // Wide enough that no line wraps: one row per line, as in the benchmark.
    let pane = s
        .ok(&[
            "new",
            "-d",
            "-P",
            "-R",
            "-x",
            "200",
            "-y",
            "50",
            "--",
            "cat",
            file.to_str().unwrap(),
        ])
        .trim()
        .to_string();
    assert_eq!(s.run(&["wait", "-t", &pane]).status.code(), Some(0));
    // Once the compression workers are done: no count read mid-write.
    let mut last = serde_json::Value::Null;
    assert!(s.eventually(Duration::from_secs(30), || {
        std::thread::sleep(Duration::from_millis(200));
        let now = s.stats()["panes"][0].clone();
        std::mem::replace(&mut last, now) == last
    }));
    let p = &last;
    let on_disk =
        p["history_rows"].as_u64().unwrap() - p["history_rows_in_memory"].as_u64().unwrap();
    assert!(on_disk > lines / 2, "{p}");
    let disk = p["disk_bytes"].as_u64().unwrap() as f64 / on_disk as f64;
    // As the `zstd -3` command line does: a stream, at the level's default parameters.
    let z = zstd::stream::encode_all(std::fs::File::open(&file).unwrap(), 3).unwrap();
    let z = z.len() as f64 / lines as f64;
    assert!(
        disk <= 1.1 * z,
        "{disk:.2} B/row on disk, zstd -3 {z:.2} B/line"
    );
}

#[test]
fn a_colored_log_takes_at_most_a_tenth_more_disk_than_zstd_3_of_its_bytes() {
    assert_disk_within_a_tenth_of_zstd_3(true);
}

#[test]
fn a_plain_log_takes_at_most_a_tenth_more_disk_than_zstd_3_of_its_bytes() {
    assert_disk_within_a_tenth_of_zstd_3(false);
}
