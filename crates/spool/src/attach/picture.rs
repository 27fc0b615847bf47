//! Image files to pixels and pixels to PNG, for drawing in the outer terminal: PNG by `png`,
//! JPEG, GIF (its first frame) and TIFF by `image`. Every decode is capped at
//! [`DECODED_MAX_BYTES`], whatever the file claims.

/// Most bytes one image may decode to: a 4096² RGBA image (the emulator's cap on a side).
pub const DECODED_MAX_BYTES: usize = 4096 * 4096 * 4;

/// An RGBA image.
pub struct Rgba {
    pub w: usize,
    pub h: usize,
    pub px: Vec<u8>,
}

/// Decode an image file of `format` (`png`, `jpg`, `gif`, `tiff`); `None` if it does not
/// decode or would decode past [`DECODED_MAX_BYTES`].
pub fn decode(bytes: &[u8], format: &str) -> Option<Rgba> {
    match format {
        "png" => decode_png(bytes),
        "jpg" | "gif" | "tiff" => decode_other(bytes, format),
        _ => None,
    }
}

fn decode_png(bytes: &[u8]) -> Option<Rgba> {
    let mut d = png::Decoder::new_with_limits(
        std::io::Cursor::new(bytes),
        png::Limits {
            bytes: DECODED_MAX_BYTES,
        },
    );
    d.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = d.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).ok()?;
    let (w, h) = (info.width as usize, info.height as usize);
    let data = &buf[..info.buffer_size()];
    let mut px = Vec::with_capacity(w * h * 4);
    match info.color_type {
        png::ColorType::Rgba => px.extend_from_slice(data),
        png::ColorType::Rgb => {
            for c in data.chunks_exact(3) {
                px.extend_from_slice(&[c[0], c[1], c[2], 255]);
            }
        }
        png::ColorType::GrayscaleAlpha => {
            for c in data.chunks_exact(2) {
                px.extend_from_slice(&[c[0], c[0], c[0], c[1]]);
            }
        }
        png::ColorType::Grayscale => {
            for &g in data {
                px.extend_from_slice(&[g, g, g, 255]);
            }
        }
        // EXPAND turns indexed images into RGB(A).
        png::ColorType::Indexed => return None,
    }
    (px.len() == w * h * 4).then_some(Rgba { w, h, px })
}

fn decode_other(bytes: &[u8], format: &str) -> Option<Rgba> {
    let format = match format {
        "jpg" => image::ImageFormat::Jpeg,
        "gif" => image::ImageFormat::Gif,
        _ => image::ImageFormat::Tiff,
    };
    let mut r = image::io::Reader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::io::Limits::default();
    limits.max_image_width = Some(4096);
    limits.max_image_height = Some(4096);
    limits.max_alloc = Some(2 * DECODED_MAX_BYTES as u64);
    r.limits(limits);
    let img = r.decode().ok()?.into_rgba8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    Some(Rgba {
        w,
        h,
        px: img.into_raw(),
    })
}

/// Encode pixels as PNG (fast compression: it goes to the outer terminal once).
pub fn to_png(img: &Rgba) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, img.w as u32, img.h as u32);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut w = enc.write_header().ok()?;
        w.write_image_data(&img.px).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_survive_png_and_garbage_decodes_to_nothing() {
        let img = Rgba {
            w: 3,
            h: 2,
            px: (0..24).collect(),
        };
        let back = decode(&to_png(&img).unwrap(), "png").unwrap();
        assert_eq!(
            (back.w, back.h, back.px),
            (3, 2, (0..24).collect::<Vec<u8>>())
        );
        for f in ["png", "jpg", "gif", "tiff", "bmp"] {
            assert!(decode(b"\x89PNG not really", f).is_none(), "{f}");
        }
    }
}
