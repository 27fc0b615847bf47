//! Images through the emulator: sixel, kitty graphics and iTerm2 become stored bytes and
//! placements on cells with a placeholder; caps drop what is too long or too large, counted,
//! without memory following the input.

use base64::Engine;
use spool_term::*;

fn png(w: u32, h: u32, seed: u8) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().unwrap();
        let px: Vec<u8> = (0..w * h * 3)
            .map(|i| (i as u8).wrapping_mul(seed))
            .collect();
        wr.write_image_data(&px).unwrap();
    }
    out
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn placements(events: &[ImageEvent]) -> Vec<Placement> {
    events
        .iter()
        .filter_map(|e| match e {
            ImageEvent::Placed(p) => Some(*p),
            _ => None,
        })
        .collect()
}

fn stored(events: &[ImageEvent]) -> Vec<&ImageData> {
    events
        .iter()
        .filter_map(|e| match e {
            ImageEvent::Stored(d) => Some(d),
            _ => None,
        })
        .collect()
}

fn image_id(t: &Terminal<NoHistory>, x: usize, y: usize) -> u32 {
    t.style(t.cell(x, y).style).image
}

#[test]
fn a_sixel_takes_cells_by_its_size_with_a_placeholder_and_one_id_per_row() {
    let mut t = Terminal::new(40, 10, NoHistory);
    t.feed(b"ab\r\n\x1bPq\"1;1;30;40#1;2;100;0;0#1!30~-!30~-!30~-!30~-!30~-!30~\x1b\\");
    let ev = t.take_images();
    let p = placements(&ev);
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].cols, p[0].rows), (3, 2), "30×40 px at 10×20 px cells");
    // As large as what was drawn (six bands of six pixels), within the declared 30×40.
    assert_eq!((p[0].info.width, p[0].info.height), (30, 36));
    assert_eq!(stored(&ev)[0].info.format, ImageFormat::Png);
    assert_eq!(t.row_text(1), "[im");
    assert_eq!(image_id(&t, 0, 1), p[0].first_id);
    assert_eq!(image_id(&t, 2, 2), p[0].first_id + 1);
    assert_eq!(image_id(&t, 3, 1), 0);
    // The cursor goes below the image, at the column it started.
    assert_eq!((t.cursor().x, t.cursor().y), (0, 3));
    assert_eq!(t.image_counters().placed, 1);
}

#[test]
fn a_chunked_kitty_png_is_assembled_placed_and_answered() {
    let img = png(25, 45, 3);
    let data = b64(&img);
    let chunks: Vec<&str> = data
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let mut s = String::new();
    for (i, c) in chunks.iter().enumerate() {
        let more = (i + 1 < chunks.len()) as u8;
        if i == 0 {
            s.push_str(&format!("\x1b_Ga=T,f=100,i=5,m={more};{c}\x1b\\"));
        } else {
            s.push_str(&format!("\x1b_Gm={more};{c}\x1b\\"));
        }
    }
    s.push_str("after");
    let mut t = Terminal::new(20, 10, NoHistory);
    t.feed(s.as_bytes());
    assert_eq!(t.take_replies(), b"\x1b_Gi=5;OK\x1b\\");
    let ev = t.take_images();
    assert_eq!(stored(&ev)[0].bytes, img, "PNG is kept as it was sent");
    let p = placements(&ev);
    assert_eq!((p[0].cols, p[0].rows), (3, 3));
    // Kitty leaves the cursor right of the image on its last row.
    assert_eq!(t.row_text(2), "   after");

    // Placed again by id, without sending it again.
    t.feed(b"\r\n\x1b_Ga=p,i=5,c=2,r=1\x1b\\");
    assert_eq!(t.take_replies(), b"\x1b_Gi=5;OK\x1b\\");
    let again = t.take_images();
    assert!(stored(&again).is_empty());
    assert_eq!(placements(&again)[0].info, p[0].info);
    assert_eq!(placements(&again)[0].cols, 2);
    t.feed(b"\x1b_Ga=p,i=99\x1b\\");
    assert!(t.take_replies().starts_with(b"\x1b_Gi=99;ENOENT"));
}

#[test]
fn kitty_raw_pixels_compressed_or_not_become_png_and_queries_are_answered() {
    let mut t = Terminal::new(20, 10, NoHistory);
    let rgba = vec![200u8; 4 * 4 * 4];
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, &rgba).unwrap();
    let z = z.finish().unwrap();
    t.feed(format!("\x1b_Ga=T,f=32,s=4,v=4,o=z,q=1;{}\x1b\\", b64(&z)).as_bytes());
    t.feed(format!("\x1b_Ga=T,f=24,s=2,v=2;{}\x1b\\", b64(&[9u8; 12])).as_bytes());
    let ev = t.take_images();
    assert_eq!(stored(&ev).len(), 2);
    assert!(stored(&ev)
        .iter()
        .all(|d| d.info.format == ImageFormat::Png));
    assert_eq!(t.take_replies(), b"", "q=1 and no id: no answer");
    t.feed(b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\");
    assert_eq!(t.take_replies(), b"\x1b_Gi=31;OK\x1b\\");
    assert!(t.take_images().is_empty(), "a query stores nothing");
}

#[test]
fn an_iterm2_inline_file_is_placed_at_the_width_it_asks() {
    let img = png(64, 64, 7);
    let mut t = Terminal::new(30, 10, NoHistory);
    t.feed(
        format!(
            "\x1b]1337;File=name=eA==;inline=1;width=5:{}\x07x",
            b64(&img)
        )
        .as_bytes(),
    );
    let ev = t.take_images();
    let p = placements(&ev);
    assert_eq!((p[0].cols, p[0].rows), (5, 4));
    assert_eq!(stored(&ev)[0].bytes, img);
    assert_eq!(t.row_text(0), "[imag");
    // Below the image, where it started.
    assert_eq!(t.row_text(4), "x");
    // Without inline=1 it is a download: dropped, counted.
    t.feed(format!("\x1b]1337;File=name=eA==:{}\x1b\\", b64(&img)).as_bytes());
    assert!(t.take_images().is_empty());
    assert_eq!(t.image_counters().refused, 1);
}

#[test]
fn image_strings_cut_at_any_byte_give_the_same_screen_and_images() {
    let img = png(12, 30, 5);
    let mut s = b"hi\x1b]0;title\x07".to_vec();
    s.extend(format!("\x1b_Ga=T,f=100,i=2;{}\x1b\\", b64(&img)).as_bytes());
    s.extend(format!("\x1b]1337;File=inline=1:{}\x1b\\", b64(&img)).as_bytes());
    s.extend(b"\x1bPq\"1;1;10;6#0!10~\x1b\\\x1b_Xignored\x1b\\\x1b[31mred");
    // An image string ended by the ESC that begins the next one (a cut right after that ESC
    // must not lose the second).
    s.extend(b"\x1b_Ga=T,f=24,s=1,v=1,i=7;AAAA\x1b_Ga=T,f=24,s=1,v=1,i=8;AAAB\x1b\\");
    let mut whole = Terminal::new(30, 12, NoHistory);
    whole.feed(&s);
    let want = (
        whole.take_images(),
        whole.take_replies(),
        whole.screen_text(),
    );
    assert_eq!(placements(&want.0).len(), 5);
    for step in [1usize, 2, 3, 7, 13] {
        let mut t = Terminal::new(30, 12, NoHistory);
        for c in s.chunks(step) {
            t.feed(c);
        }
        let got = (t.take_images(), t.take_replies(), t.screen_text());
        assert_eq!(got, want, "fed {step} bytes at a time");
    }
    assert_eq!(whole.title(), "title");
}

#[test]
fn hostile_images_are_dropped_counted_and_cost_at_most_their_caps() {
    let mut t = Terminal::new(40, 10, NoHistory);
    let base = t.memory_bytes();
    // A sixel declared 60000×60000.
    t.feed(b"\x1bPq\"1;1;60000;60000#0!60000~\x1b\\");
    assert_eq!(t.image_counters().too_large, 1);
    // A PNG whose header claims 100000×100000 (a bomb if anyone decoded it).
    let mut bomb = png(1, 1, 1);
    bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    t.feed(format!("\x1b_Ga=T,f=100,i=3;{}\x1b\\", b64(&bomb)).as_bytes());
    assert_eq!(t.image_counters().too_large, 2);
    assert!(t.take_replies().starts_with(b"\x1b_Gi=3;EFBIG"));
    // `t=f` naming /dev/zero, and shared memory: refused with an error reply.
    t.feed(format!("\x1b_Ga=T,t=f,i=4;{}\x1b\\", b64(b"/dev/zero")).as_bytes());
    t.feed(format!("\x1b_Ga=T,t=s,i=6,s=1,v=1;{}\x1b\\", b64(b"/shm")).as_bytes());
    let r = String::from_utf8(t.take_replies()).unwrap();
    assert!(r.contains("i=4;EBADF") && r.contains("i=6;EBADF"), "{r}");
    assert_eq!(t.image_counters().refused, 2);
    // A chunk stream that never ends: 24 MiB of payload, past the 16 MiB cap.
    t.feed(b"\x1b_Ga=T,f=100,i=8,m=1;AAAA\x1b\\");
    let chunk = format!("\x1b_Gm=1;{}\x1b\\", "A".repeat(4096));
    let mut peak = 0;
    for _ in 0..(24 << 20) / 3072 {
        t.feed(chunk.as_bytes());
        peak = peak.max(t.memory_bytes());
    }
    assert!(peak <= base + SEQUENCE_MAX_BYTES + (1 << 20), "{peak}");
    assert!(
        t.memory_bytes() < base + (1 << 20),
        "past the cap, nothing is kept"
    );
    t.feed(b"\x1b_Gm=0;\x1b\\");
    assert_eq!(t.image_counters().too_long, 1);
    assert!(t.take_images().is_empty());
    t.feed(b"\r\nstill fine");
    assert!(t.screen_text().contains("still fine"));
    assert!(t.memory_bytes() <= memory_bound(40, 10));
}

#[test]
fn graphics_support_is_reported_as_programs_probe_it() {
    let mut t = Terminal::new(80, 24, NoHistory);
    t.set_cell_pixels(9, 18);
    t.feed(b"\x1b[c\x1b[?2;1;0S\x1b[?1;1;0S\x1b[16t\x1b[14t");
    assert_eq!(
        String::from_utf8(t.take_replies()).unwrap(),
        "\x1b[?62;4;22c\x1b[?2;0;4096;4096S\x1b[?1;0;256S\x1b[6;18;9t\x1b[4;432;720t"
    );
}

/// Kitty's Unicode placeholders: a virtual placement (`U=1`) shows where the program prints
/// U+10EEEE with the image's id as its color and marks for row and column; bare placeholders
/// continue the one left of them, and the id's high byte comes from a third mark.
#[test]
fn unicode_placeholders_show_a_virtual_placement_on_the_cells_they_are_printed_in() {
    let mut t = Terminal::new(40, 10, NoHistory);
    let img = png(30, 40, 5);
    t.feed(format!("\x1b_Ga=T,U=1,i=42,c=3,r=2,f=100,q=2;{}\x1b\\", b64(&img)).as_bytes());
    let ev = t.take_images();
    let p = placements(&ev);
    assert_eq!(p.len(), 1, "the virtual placement takes its ids");
    assert_eq!((p[0].cols, p[0].rows), (3, 2));
    assert_eq!(
        image_id(&t, 0, 0),
        0,
        "nothing drawn before the placeholders"
    );
    assert_eq!((t.cursor().x, t.cursor().y), (0, 0));
    let first = p[0].first_id;
    // Row 0 with explicit marks on the first cell only; row 1, one cell right, by RGB color.
    t.feed("\x1b[38;5;42m\u{10EEEE}\u{0305}\u{0305}\u{10EEEE}\u{10EEEE}\x1b[39m\r\n".as_bytes());
    t.feed(" \x1b[38;2;0;0;42m\u{10EEEE}\u{030D}\u{030D}\u{10EEEE}\x1b[39mz".as_bytes());
    for x in 0..3 {
        assert_eq!(image_id(&t, x, 0), first, "row 0, col {x}");
    }
    assert_eq!(image_id(&t, 3, 0), 0);
    assert_eq!(image_id(&t, 0, 1), 0);
    assert_eq!(image_id(&t, 1, 1), first + 1);
    assert_eq!(image_id(&t, 2, 1), first + 1);
    assert_eq!(
        t.row(0).text.trim_end(),
        "[im",
        "the placeholder text, not U+10EEEE"
    );
    assert_eq!(t.row(1).text.trim_end(), "   z");
    // An id's high byte from a third mark: 0x01_00_00_07 is another image.
    t.feed(
        format!(
            "\r\n\x1b_Ga=T,U=1,i={},c=1,r=1,f=100,q=2;{}\x1b\\",
            0x0100_0007,
            b64(&img)
        )
        .as_bytes(),
    );
    let second = placements(&t.take_images())[0].first_id;
    t.feed("\x1b[38;5;7m\u{10EEEE}\u{0305}\u{0305}\u{030D}\x1b[39m".as_bytes());
    assert_eq!(image_id(&t, 0, 2), second);
    // In insert mode, a mark rewrites its placeholder's cell instead of inserting another.
    t.feed("\r\n\x1b[4hab\x1b[Dcd\x1b[4l".as_bytes());
    t.feed("\r\x1b[4h\x1b[38;5;42m\u{10EEEE}\u{0305}\u{030D}\x1b[39m\x1b[4l".as_bytes());
    assert_eq!(
        t.row(3).text.trim_end(),
        "iacdb",
        "one cell inserted, then rewritten"
    );
    assert_eq!(image_id(&t, 0, 3), first);
    t.feed(b"\x1b[2K");
    // Unknown ids and rows past the placement are blanks.
    t.feed("\r\n\x1b[38;5;99m\u{10EEEE}\x1b[38;5;42m\u{10EEEE}\u{0310}\x1b[39m".as_bytes());
    assert_eq!(image_id(&t, 0, 3), 0);
    assert_eq!(image_id(&t, 1, 3), 0);
    assert_eq!(t.row(3).text.trim_end(), "");
}
