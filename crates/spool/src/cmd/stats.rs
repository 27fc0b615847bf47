//! `spool stats [--json]`

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    let Response::Stats(s) = c.request(&Request::Stats)? else {
        bail!("unexpected answer");
    };
    if a.json {
        println!("{}", super::json(&s)?);
        return Ok(0);
    }
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "pid {}  up {}s  rss {:.1} MiB",
        s.pid,
        s.uptime_secs,
        mib(s.rss_bytes)
    );
    for g in &s.gauges {
        println!("  {:<40} {:>10.2} MiB", super::safe(&g.name), mib(g.bytes));
    }
    let (label, bytes) = remainder(s.unexplained_bytes, s.overcounted_bytes());
    println!("  {label:<40} {:>10.2} MiB", mib(bytes));
    let view: Vec<String> = s
        .allocator
        .iter()
        .map(|g| format!("{} {:.2}", super::safe(&g.name), mib(g.bytes)))
        .collect();
    println!("  allocators (MiB, not summed): {}", view.join(", "));
    println!(
        "  segment cache hits/misses: {}/{}",
        s.cache_hits, s.cache_misses
    );
    let (i, c) = (&s.images, &s.images.counts);
    println!(
        "  images: {} placed, {} stored ({} files, {:.2} MiB written); dropped: {} too long, {} too large, {} invalid, {} refused, {} queue full, {} disk full; cache {:.2} of {:.2} MiB",
        c.placed,
        c.stored,
        i.files_written,
        mib(i.bytes_written),
        c.too_long,
        c.too_large,
        c.invalid,
        c.refused,
        c.full,
        i.disk_full,
        mib(i.cache_bytes),
        mib(i.cache_capacity)
    );
    println!(
        "  image files: {} on disk, {:.2} of {:.2} MiB; {} deleted by {} collections",
        i.disk_files,
        mib(i.disk_bytes),
        mib(i.disk_cap),
        i.deleted_files,
        i.collections
    );
    for e in &s.restore_errors {
        println!("  not restored: {}", super::safe(e));
    }
    for p in &s.panes {
        println!(
            "{:>6}  history {} rows ({} in memory)  memory {:.2} MiB  disk {:.2} MiB  ({:.2} MiB uncompressed)",
            p.id,
            p.history_rows,
            p.history_rows_in_memory,
            mib(p.memory_bytes),
            mib(p.disk_bytes),
            mib(p.uncompressed_bytes)
        );
        if p.lost_rows > 0 || p.history_error.is_some() {
            println!(
                "        {} history rows lost; last error: {}",
                p.lost_rows,
                super::safe(p.history_error.as_deref().unwrap_or("none"))
            );
        }
    }
    Ok(0)
}

/// The line after the accounts: what they leave of RSS, or, when they add up to more than
/// RSS, by how much (which `unexplained_bytes`, never below zero, shows as 0).
fn remainder(unexplained: u64, overcounted: u64) -> (&'static str, u64) {
    if overcounted > 0 {
        ("(the above add up to more than RSS by)", overcounted)
    } else {
        ("(not explained by the above)", unexplained)
    }
}

#[cfg(test)]
mod tests {
    use super::remainder;

    #[test]
    fn accounts_that_add_up_to_more_than_rss_say_by_how_much() {
        assert_eq!(remainder(10, 0), ("(not explained by the above)", 10));
        assert_eq!(remainder(0, 0), ("(not explained by the above)", 0));
        assert_eq!(
            remainder(0, 30),
            ("(the above add up to more than RSS by)", 30)
        );
    }
}
