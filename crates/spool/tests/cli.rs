//! The scripting CLI against a real server with real PTYs and processes.

mod common;

use std::time::{Duration, Instant};

use common::TestServer;

#[test]
fn new_send_capture_wait() {
    let s = TestServer::new();
    let pane = s.pane("main", &["sh"]);
    assert_eq!(pane, "%0");
    assert!(s.ok(&["ls"]).starts_with("main: 1 tabs, 1 panes [80x24]"));
    s.ok(&["send", "-t", "main", "echo hel''lo; exit 3"]);
    s.ok(&["send", "-t", "main", "--keys", "Enter"]);
    let out = s.run(&["wait", "-t", "%0"]);
    assert_eq!(out.status.code(), Some(3));
    let screen = s.ok(&["capture", "-t", "%0"]);
    assert!(common::shows_line(&screen, "hello"), "{screen}");
    assert_eq!(screen.lines().count(), 24);
    let panes: serde_json::Value = serde_json::from_str(&s.ok(&["panes", "--json"])).unwrap();
    assert_eq!(panes[0]["exit_status"], 3);
    assert_eq!(panes[0]["command"], "sh");
}

#[test]
fn history_from_disk_is_captured_and_searched_exactly() {
    let s = TestServer::new();
    let pane = s.pane("seq", &["seq", "1", "200000"]);
    assert_eq!(s.run(&["wait", "-t", &pane]).status.code(), Some(0));
    let all = s.ok(&["capture", "-t", &pane, "-S", "-", "-J"]);
    let got: Vec<&str> = all.lines().filter(|l| !l.is_empty()).collect();
    let want: Vec<String> = (1..=200_000).map(|n| n.to_string()).collect();
    assert_eq!(got.len(), want.len());
    assert!(got.iter().zip(&want).all(|(a, b)| a == b));
    // History went to disk: most rows are not in memory.
    let st = s.stats();
    let p = &st["panes"][0];
    assert!(p["history_rows"].as_u64().unwrap() > 199_000);
    assert!(p["disk_bytes"].as_u64().unwrap() > 0);
    assert!(p["history_rows_in_memory"].as_u64().unwrap() < 50_000);
    // Negative line numbers: -1 is the newest history row.
    let h = p["history_rows"].as_u64().unwrap() as i64;
    let (from, to) = ((-h).to_string(), (1 - h).to_string());
    let two = s.ok(&["capture", "-t", &pane, "-S", &from, "-E", &to]);
    assert_eq!(two, "1\n2\n");
    // Out-of-range numbers clamp, as in tmux.
    let first = s.ok(&["capture", "-t", &pane, "-S", "-99999999", "-E", &from]);
    assert_eq!(first, "1\n");
    let hits = s.ok(&["search", "-t", &pane, "^12345$"]);
    assert_eq!(hits.lines().count(), 1, "{hits}");
    let line: i64 = hits.split(':').next().unwrap().parse().unwrap();
    let one = s.ok(&[
        "capture",
        "-t",
        &pane,
        "-S",
        &line.to_string(),
        "-E",
        &line.to_string(),
    ]);
    assert_eq!(one, "12345\n");
}

#[test]
fn split_tab_resize_kill() {
    let s = TestServer::new();
    s.pane("w", &["sh"]);
    let right = s.ok(&["split", "-t", "%0", "-h", "-P", "--", "sh"]);
    assert_eq!(right.trim(), "%1");
    let below = s.ok(&["split", "-t", "%1", "-v", "-p", "30", "-P"]);
    assert_eq!(below.trim(), "%2");
    let panes: serde_json::Value = serde_json::from_str(&s.ok(&["panes", "--json"])).unwrap();
    let size = |i: usize| {
        (
            panes[i]["cols"].as_u64().unwrap(),
            panes[i]["rows"].as_u64().unwrap(),
        )
    };
    assert_eq!(size(0), (40, 24));
    assert_eq!(size(1), (39, 16));
    assert_eq!(size(2), (39, 7));
    // The program sees its size.
    s.ok(&["send", "-t", "%2", "stty size"]);
    s.ok(&["send", "-t", "%2", "--keys", "Enter"]);
    assert!(s.eventually(Duration::from_secs(5), || s
        .ok(&["capture", "-t", "%2"])
        .contains("7 39")));
    s.ok(&["new-tab", "-t", "w"]);
    assert!(s.ok(&["ls"]).contains("2 tabs, 4 panes"));
    s.ok(&["resize", "-t", "%3", "-x", "100", "-y", "30"]);
    assert!(s.ok(&["ls"]).contains("[100x30]"));
    s.ok(&["kill", "-t", "%1"]);
    let panes: serde_json::Value =
        serde_json::from_str(&s.ok(&["panes", "-t", "w", "--json"])).unwrap();
    let ids: Vec<&str> = panes
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["%0", "%2", "%3"]);
    // The survivor of the split took the space back.
    assert_eq!(
        (panes[0]["cols"].as_u64(), panes[1]["cols"].as_u64()),
        (Some(50), Some(49))
    );
    s.ok(&["kill", "-t", "w"]);
    assert_eq!(s.ok(&["ls"]), "");
}

#[test]
fn bad_targets_and_arguments_fail_with_one_line() {
    let s = TestServer::new();
    s.pane("x", &["sh"]);
    for args in [
        &["capture", "-t", "%99"][..],
        &["send", "-t", "nosuch", "hi"],
        &["split", "-t", "%0", "-p", "0"],
        &["capture", "-t", "%0", "-S", "abc"],
        &["kill", "-t", "%zz"],
    ] {
        let out = s.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("spool: "), "{err}");
    }
    let out = s.run(&["new", "-d", "-s", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("duplicate session"));
    // Without a terminal to attach, `new` fails before it creates anything.
    let out = s.run(&["new", "-s", "y"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a terminal"));
    assert!(!s.ok(&["ls"]).contains("y:"));
}

#[test]
fn keys_follow_the_programs_modes() {
    let s = TestServer::new();
    // `od` shows exactly what the program receives; DECCKM set first makes arrows SS3.
    let pane = s.pane(
        "k",
        &[
            "sh",
            "-c",
            "printf '\\033[?1h'; stty raw -echo; head -c 6 | od -An -tx1; sleep 0.2",
        ],
    );
    std::thread::sleep(Duration::from_millis(300));
    s.ok(&["send", "-t", &pane, "--keys", "Up", "C-c", "M-x"]);
    assert_eq!(s.run(&["wait", "-t", &pane]).status.code(), Some(0));
    let screen = s.ok(&["capture", "-t", &pane]);
    assert!(screen.contains("1b 4f 41 03 1b 78"), "{screen}");
}

#[test]
fn wait_on_an_already_closed_pane_answers() {
    let s = TestServer::new();
    let pane = s
        .ok(&["new", "-d", "-P", "--", "sh", "-c", "exit 7"])
        .trim()
        .to_string();
    let start = Instant::now();
    // Whether the pane is still there or already closed, wait knows its status.
    assert_eq!(s.run(&["wait", "-t", &pane]).status.code(), Some(7));
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn joined_capture_keeps_a_space_at_the_wrap_column() {
    let s = TestServer::new();
    let pane = s
        .ok(&[
            "new",
            "-d",
            "-P",
            "-R",
            "-x",
            "10",
            "-y",
            "5",
            "--",
            "sh",
            "-c",
            "printf 'aaaaaaaaa bbbb\\n'; seq 1 10; printf 'xxxxxxxxx yyyy\\n'",
        ])
        .trim()
        .to_string();
    assert_eq!(s.run(&["wait", "-t", &pane]).status.code(), Some(0));
    let all = s.ok(&["capture", "-t", &pane, "-S", "-", "-J"]);
    let lines: Vec<&str> = all.lines().collect();
    // From history (on disk) and from the screen alike.
    assert_eq!(lines[0], "aaaaaaaaa bbbb");
    assert!(lines.contains(&"xxxxxxxxx yyyy"), "{all}");
}

#[test]
fn history_survives_the_server() {
    let s = TestServer::new();
    let pane = s.pane("keep", &["seq", "1", "30000"]);
    assert_eq!(s.run(&["wait", "-t", &pane]).status.code(), Some(0));
    s.ok(&["kill-server"]);
    // The pane's history (its last screen included) is on disk, complete, readable.
    let panes = s.dir.path().join("state/spool/sock/panes");
    let dir = std::fs::read_dir(&panes)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let env = spool_store::Env::new(spool_store::StoreConfig::default());
    let store = spool_store::Store::open(&env, &dir).unwrap();
    assert!(
        store.len() > 29_000,
        "{:?}",
        (store.first_row(), store.next_row())
    );
    assert_eq!(store.get(0).unwrap().unwrap().text, "1");
    assert_eq!(store.get(29_999).unwrap().unwrap().text, "30000");
    drop(store);
}

#[test]
fn stats_names_where_at_least_nine_tenths_of_the_server_s_rss_goes() {
    let s = TestServer::new();
    for i in 0..4 {
        s.pane(&format!("idle{i}"), &["sh"]);
    }
    let p = s.pane("busy", &["sh", "-c", "seq 1 200000"]);
    s.ok(&["wait", "-t", &p]);
    let st = s.stats();
    let rss = st["rss_bytes"].as_u64().unwrap();
    let unexplained = st["unexplained_bytes"].as_u64().unwrap();
    let names: Vec<&str> = st["gauges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    for want in [
        "mapped_code_and_files",
        "thread_stacks",
        "c_heap",
        "allocator_metadata",
        "screens",
        "hot_history",
    ] {
        assert!(names.contains(&want), "no {want} account in {names:?}");
    }
    let allocator: Vec<&str> = st["allocator"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert!(allocator.contains(&"jemalloc_allocated"), "{allocator:?}");
    assert!(
        unexplained * 10 <= rss,
        "{unexplained} of {rss} bytes of RSS not explained: {st}"
    );
}

/// Work maps the code it runs (~8 MiB of the binary's and its libraries' once a pane has
/// printed); a server quiet for a second after work gives those pages back. Read from
/// outside (`/proc`), since asking the server is work that maps code again.
#[test]
fn a_quiet_server_gives_back_the_code_pages_its_work_touched() {
    let s = TestServer::new();
    let p = s.pane("busy", &["sh", "-c", "seq 1 200000"]);
    s.ok(&["wait", "-t", &p]);
    let pid = s.stats()["pid"].as_u64().unwrap();
    let files = || {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let kib = status
            .lines()
            .find_map(|l| l.strip_prefix("RssFile:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap();
        kib * 1024
    };
    let busy = files();
    let mut quiet = busy;
    let deadline = Instant::now() + Duration::from_secs(30);
    while quiet * 2 > busy && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        quiet = files();
    }
    assert!(
        quiet * 2 <= busy,
        "mapped code and files: {busy} bytes after work, {quiet} once quiet"
    );
}

/// A pane kept after its program ended (`-R`) may stay for days: its history (beyond a few
/// lines, `SEAL_AT_EXIT_MIN_BYTES`) goes to disk at once rather than waiting in memory for a
/// segment's worth of rows that never comes.
#[test]
fn a_pane_whose_program_ended_keeps_none_of_its_history_in_memory() {
    let s = TestServer::new();
    let p = s.pane("done", &["seq", "1", "10000"]);
    s.ok(&["wait", "-t", &p]);
    let pane = || s.pane_stats(&p);
    assert!(
        s.eventually(Duration::from_secs(10), || pane()["history_rows_in_memory"]
            == 0),
        "{}",
        pane()
    );
    assert!(pane()["history_rows"].as_u64().unwrap() >= 10_000 - 24);
    assert_eq!(s.gauge("hot_history"), 0);
}

/// A quiet store packs its segment index (`index.rs`): a pane that printed 64 MiB and ended
/// keeps ~10 bytes a segment of it instead of 40 once the server is quiet, and a read of its
/// whole history, which unpacks it, is followed by the next quiet spell packing it again.
#[test]
fn a_quiet_pane_s_history_index_is_packed_to_under_half_its_entries_bytes() {
    let s = TestServer::new();
    let line = "0".repeat(70);
    let p = s.pane(
        "done",
        &["sh", "-c", &format!("yes {line} | head -c 67108864")],
    );
    s.ok(&["wait", "-t", &p]);
    let uncompressed = || s.pane_stats(&p)["uncompressed_bytes"].as_u64().unwrap();
    // Segments are sealed at 256 KiB of rows (`DEFAULT_SEGMENT_BYTES`, counting 4 bytes of
    // table a row): of 71-byte rows no fewer than 200 KiB are stored. Unpacked, each costs
    // 40 bytes; packed, these cost ~10.
    let packed = || {
        let segments_max = uncompressed() / (200 << 10) + 2;
        s.gauge("history_index") <= 16 * segments_max
    };
    assert!(uncompressed() > 32 << 20);
    assert!(
        s.eventually(Duration::from_secs(30), packed),
        "{} bytes of index for {} bytes of history",
        s.gauge("history_index"),
        uncompressed()
    );
    // The oldest hundred rows: a read of the first segment on disk.
    let rows = s.pane_stats(&p)["history_rows"].as_u64().unwrap();
    let oldest = s.ok(&[
        "capture",
        "-t",
        &p,
        "-S",
        "-",
        "-E",
        &format!("-{}", rows - 100),
    ]);
    assert!(oldest.lines().take(100).all(|l| l == line), "{oldest:.200}");
    // The server trims after 6 quiet seconds (`memory::Quiet`, checked each second), and a
    // `stats` is work: look half as often again as that, so a loaded machine's late ticks
    // still fit between two looks.
    let packed_again = (0..3).any(|_| {
        std::thread::sleep(Duration::from_secs(12));
        packed()
    });
    assert!(
        packed_again,
        "{} bytes of index after a read",
        s.gauge("history_index")
    );
}

/// zstd's contexts come from glibc's malloc. Once compression is idle and the C heap trimmed
/// (`stats` trims it first), what compressing and reading history used is given back: glibc
/// trims the top of its main heap, never that of a per-thread arena.
#[test]
fn the_c_heap_holds_little_once_compression_is_idle() {
    let s = TestServer::new();
    let p = s.pane("busy", &["seq", "1", "300000"]);
    s.ok(&["wait", "-t", &p]);
    // Reading history back decompresses, on other threads than the workers'.
    assert!(s.ok(&["search", "-t", &p, "^123456$"]).contains("123456"));
    s.ok(&["capture", "-t", &p, "-S", "-", "-E", "-1000"]);
    // (A context still in use, by a geometry warmer, say, is freed when it is done.)
    assert!(
        s.eventually(Duration::from_secs(10), || s.gauge("c_heap") <= 32 * 1024),
        "{} bytes of C heap resident",
        s.gauge("c_heap")
    );
}

/// glibc keeps the stacks of exited threads for reuse, ~16-24 KiB of each resident, and every
/// pane has two threads: the server runs without that cache, so closing panes gives their
/// stacks back (with the cache, six panes closed kept +123-176 KiB of stacks). Counted as
/// mappings, since how deep the live threads' stacks grew varies from run to run.
#[test]
fn closing_panes_leaves_no_thread_stacks_behind() {
    let s = TestServer::new();
    s.pane("keep", &["sleep", "1000"]);
    for i in 0..6 {
        s.pane(&format!("gone{i}"), &["sleep", "1000"]);
    }
    for i in 0..6 {
        s.ok(&["kill-session", "-t", &format!("gone{i}")]);
    }
    let pid = s.stats()["pid"].as_u64().unwrap();
    let threads = || {
        std::fs::read_dir(format!("/proc/{pid}/task"))
            .unwrap()
            .count()
    };
    // Every thread but the main one has a stack of its own; one more may stay, the last
    // thread to exit, unmapped when the next one starts or ends.
    assert!(
        s.eventually(Duration::from_secs(10), || thread_stacks_mapped(pid)
            <= threads()),
        "{} thread stacks mapped for {} threads",
        thread_stacks_mapped(pid),
        threads()
    );
}

/// Thread stacks mapped in process `pid`, told as glibc lays them out: an anonymous
/// read-write mapping of 64 KiB or more right above an anonymous inaccessible one of at most
/// 1 MiB, its guard.
fn thread_stacks_mapped(pid: u64) -> usize {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    let mut stacks = 0;
    let mut guard_end = None;
    for line in maps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(range), Some(perms)) = (fields.first(), fields.get(1)) else {
            continue;
        };
        let anonymous = fields.len() < 6;
        let (start, end) = range.split_once('-').unwrap();
        let start = u64::from_str_radix(start, 16).unwrap();
        let end = u64::from_str_radix(end, 16).unwrap();
        // (Rust's 8 KiB signal stacks, one per thread, have a guard too.)
        if anonymous && *perms == "rw-p" && guard_end == Some(start) && end - start >= 64 << 10 {
            stacks += 1;
        }
        guard_end = (anonymous && *perms == "---p" && end - start <= 1 << 20).then_some(end);
    }
    stacks
}

/// The server starts itself again to turn glibc's stack cache off (`GLIBC_TUNABLES`), and
/// puts the variable back as it was given before anything reads its environment.
#[test]
fn a_pane_gets_the_glibc_tunables_its_server_was_given_and_no_others() {
    for given in [Some("glibc.malloc.tcache_count=5"), None] {
        let mut s = TestServer::new();
        if let Some(g) = given {
            s.env.push(("GLIBC_TUNABLES".into(), g.into()));
        }
        let p = s.pane("env", &["sh", "-c", "env | grep TUNABLES; echo end"]);
        s.ok(&["wait", "-t", &p]);
        let screen = s.ok(&["capture", "-t", &p]);
        let seen: Vec<&str> = screen.lines().filter(|l| l.contains("TUNABLES")).collect();
        match given {
            Some(g) => assert_eq!(seen, [format!("GLIBC_TUNABLES={g}")], "{screen}"),
            None => assert!(seen.is_empty(), "{screen}"),
        }
        let pid = s.stats()["pid"].as_u64().unwrap();
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
        assert!(
            String::from_utf8_lossy(&environ).contains("SPOOL_OUTER_GLIBC_TUNABLES"),
            "the server was not started again without the stack cache"
        );
    }
}

#[test]
fn idle_compression_workers_give_their_buffers_back() {
    let s = TestServer::new();
    let p = s.pane("busy", &["seq", "1", "300000"]);
    s.ok(&["wait", "-t", &p]);
    assert!(
        s.eventually(std::time::Duration::from_secs(10), || s
            .gauge("compression_workers")
            == 0),
        "compression workers still hold {} bytes",
        s.gauge("compression_workers")
    );
}

/// CPUs a thread may run on, from its `Cpus_allowed_list` (`0-1,3`).
fn allowed_cpus(task: &std::path::Path) -> Vec<u32> {
    let status = std::fs::read_to_string(task.join("status")).unwrap_or_default();
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .unwrap_or("")
        .trim()
        .to_string();
    let mut cpus = Vec::new();
    for part in list.split(',').filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        cpus.extend(a.parse::<u32>().unwrap()..=b.parse::<u32>().unwrap());
    }
    cpus
}

/// The name of pane `pane`'s parser thread (`%3` → `pane-3-parse`).
fn parser_thread(pane: &str) -> String {
    format!("pane-{}-parse", pane.trim_start_matches('%'))
}

/// Each thread of process `pid`: its name and the CPUs it may run on.
fn thread_cpus(pid: u64) -> Vec<(String, Vec<u32>)> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
        .map(|t| {
            let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
            (comm.trim().to_string(), allowed_cpus(&t.path()))
        })
        .collect()
}

/// The CPUs of process `pid`'s thread named `comm`, if it has one.
fn cpus_of(pid: u64, comm: &str) -> Option<Vec<u32>> {
    thread_cpus(pid)
        .into_iter()
        .find(|(c, _)| c == comm)
        .map(|(_, cpus)| cpus)
}

#[test]
fn parsing_and_compression_leave_one_cpu_to_the_programs_output_while_it_flows() {
    let s = TestServer::new();
    // Floods for 8 s with log-like lines (cheap to parse), then waits quietly; the other
    // pane is quiet throughout.
    let line = "2024-03-15T00:00:00.000Z INFO [io::uring] disk ms degraded bytes spawned cache \
                session disk on connection the id=0xafb139cc2d24";
    let flood = format!("timeout 8 yes '{line}'; exec sleep 60");
    let busy = s.pane("busy", &["sh", "-c", &flood]);
    let idle = s.pane("idle", &["sleep", "60"]);
    let pid = s.stats()["pid"].as_u64().unwrap();
    let threads = || thread_cpus(pid);
    let all = allowed_cpus(std::path::Path::new(&format!("/proc/{pid}")));
    let work: Vec<u32> = if all.len() >= 2 {
        all[1..].to_vec()
    } else {
        all.clone()
    };
    let (busy_parser, idle_parser) = (parser_thread(&busy), parser_thread(&idle));
    let cpus_of = |comm: &str| cpus_of(pid, comm);
    assert!(
        s.eventually(Duration::from_secs(4), || cpus_of(&busy_parser)
            == Some(work.clone())),
        "the flooding pane's parser: {:?}",
        threads()
    );
    let seen = threads();
    for (comm, cpus) in &seen {
        let bulk =
            *comm == busy_parser || comm.starts_with("spool-zstd-") || comm == "spool-geometry";
        let expect = if bulk { &work } else { &all };
        assert_eq!(cpus, expect, "{comm}: every thread {seen:?}");
    }
    let workers = seen
        .iter()
        .filter(|(c, _)| c.starts_with("spool-zstd-"))
        .count();
    assert_eq!(workers, work.len().clamp(1, 2), "a worker per work CPU");
    assert!(seen.iter().any(|(c, _)| *c == idle_parser));
    assert!(
        s.eventually(Duration::from_secs(20), || cpus_of(&busy_parser)
            == Some(all.clone())),
        "once quiet, the parser runs anywhere again: {:?}",
        threads()
    );
}

#[test]
fn output_that_is_dear_to_parse_leaves_its_parser_free_to_run_anywhere() {
    let s = TestServer::new();
    let p = s.pane(
        "random",
        &["sh", "-c", "head -c 48M /dev/urandom; exec sleep 60"],
    );
    let pid = s.stats()["pid"].as_u64().unwrap();
    let parser = parser_thread(&p);
    let cpus_of = |comm: &str| cpus_of(pid, comm);
    let all = allowed_cpus(std::path::Path::new(&format!("/proc/{pid}")));
    assert!(s.eventually(Duration::from_secs(10), || cpus_of(&parser).is_some()));
    // Sample while the random bytes flow: the parser is never confined with compression.
    let end = Instant::now() + Duration::from_secs(2);
    let mut samples = 0;
    while Instant::now() < end {
        if let Some(cpus) = cpus_of(&parser) {
            assert_eq!(cpus, all, "random bytes confined the parser");
            samples += 1;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(samples > 10);
    let flowing = s.stats()["panes"][0]["history_rows"].as_u64().unwrap_or(0);
    assert!(flowing > 0, "the random bytes were being parsed");
    if all.len() >= 2 {
        let zstd = cpus_of("spool-zstd-0").unwrap();
        assert_eq!(zstd, all[1..], "compression keeps off the first CPU");
    }
}
