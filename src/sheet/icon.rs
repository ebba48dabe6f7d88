//! The app icon as a PNG the portals take: at most 100 KB (Huawei Cloud's
//! limit), from the package's largest raster, downscaled when needed.
//! Apple's "CgBI" PNGs (IPA icons) are turned into standard PNGs first.

use crate::input::icon::{
    png_chunks as chunks, png_size, MAX_ICON_SIDE as MAX_SOURCE_SIDE, PNG_SIGNATURE,
};
use crate::report::{IconFile, PackageReport};
use crate::ErrorKind;
use image::{DynamicImage, ImageError, ImageFormat, RgbaImage};
use serde::Serialize;
use std::io::{Read, Write};
use std::sync::Arc;
use thiserror::Error;

/// Huawei Cloud refuses icons over 100 KB; the others take that size too.
pub const MAX_ICON_BYTES: usize = 100 * 1024;
/// What the decoder may allocate: a 4096² image at 16 bits per RGBA channel.
const MAX_DECODE_BYTES: u64 = 128 << 20;
/// A larger source is brought down to this in one step before the size fitting.
const MAX_WORKING_SIDE: u32 = 1024;

#[derive(Debug, Clone, Serialize)]
pub struct Icon {
    /// Where it came from: the package and the path inside it.
    pub source: String,
    pub width: u32,
    pub height: u32,
    /// The size of the exported PNG.
    pub bytes: usize,
    #[serde(skip)]
    pub png: Vec<u8>,
}

/// Why the icon could not be exported.
#[derive(Debug, Error)]
pub enum IconError {
    /// Inspection could not read the icon file.
    #[error("{package}: {error}")]
    Unreadable {
        package: String,
        error: Arc<ErrorKind>,
    },
    #[error("{package}: {name}: {error}")]
    Undecodable {
        package: String,
        name: String,
        error: DecodeError,
    },
    #[error("cannot encode the icon: {0}")]
    Encode(ImageError),
}

/// Why an icon file does not decode.
#[derive(Debug, Error)]
pub enum DecodeError {
    #[error("{width}×{height} pixels, over the {MAX_SOURCE_SIDE}-pixel limit for an icon")]
    TooLarge { width: u32, height: u32 },
    #[error("not an image this tool reads: {0}")]
    NotAnImage(ImageError),
    #[error("CgBI PNG without IHDR")]
    CgbiWithoutHeader,
    #[error("CgBI image data: {0}")]
    CgbiData(std::io::Error),
    /// Re-wrapping the inflated pixels as zlib for the PNG decoder.
    #[error("{0}")]
    CgbiRewrap(std::io::Error),
    #[error("CgBI image: not an image this tool reads: {0}")]
    CgbiImage(ImageError),
}

/// The icon of the first package that has one: the file inspection kept
/// (`Options::icon`).
pub fn export(packages: &[PackageReport]) -> Result<Option<Icon>, IconError> {
    for report in packages {
        let Some(IconFile { name, bytes }) = &report.icon_file else {
            continue;
        };
        let data = bytes.as_ref().map_err(|error| IconError::Unreadable {
            package: report.path.clone(),
            error: error.clone(),
        })?;
        let image = decode(data).map_err(|error| IconError::Undecodable {
            package: report.path.clone(),
            name: name.clone(),
            error,
        })?;
        let (png, width, height) = fit(image).map_err(IconError::Encode)?;
        return Ok(Some(Icon {
            source: format!("{} ({name})", report.path),
            width,
            height,
            bytes: png.len(),
            png,
        }));
    }
    Ok(None)
}

/// PNG, WebP or Apple's CgBI PNG, refused past `MAX_SOURCE_SIDE` from its header.
pub(crate) fn decode(data: &[u8]) -> Result<DynamicImage, DecodeError> {
    if let Some((width, height)) = dimensions(data) {
        if width > MAX_SOURCE_SIDE || height > MAX_SOURCE_SIDE {
            return Err(DecodeError::TooLarge { width, height });
        }
    }
    if is_cgbi(data) {
        return decode_cgbi(data);
    }
    decode_with_limits(data, None).map_err(DecodeError::NotAnImage)
}

/// Decodes under explicit limits (the crate's defaults let a 484 MB image through).
fn decode_with_limits(
    data: &[u8],
    format: Option<ImageFormat>,
) -> Result<DynamicImage, ImageError> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(data));
    match format {
        Some(format) => reader.set_format(format),
        None => reader = reader.with_guessed_format().map_err(ImageError::IoError)?,
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SOURCE_SIDE);
    limits.max_image_height = Some(MAX_SOURCE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    reader.decode()
}

/// Width and height from the header alone: PNG's (CgBI's too) IHDR, else what
/// the image crate reads of the header.
fn dimensions(data: &[u8]) -> Option<(u32, u32)> {
    if data.starts_with(PNG_SIGNATURE) {
        return png_size(data);
    }
    image::ImageReader::new(std::io::Cursor::new(data))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

fn is_cgbi(data: &[u8]) -> bool {
    data.starts_with(PNG_SIGNATURE) && chunks(data).next().is_some_and(|(kind, _)| kind == b"CgBI")
}

/// CgBI: IDAT holds raw deflate (no zlib wrapper) of BGRA pixels with
/// premultiplied alpha. Re-wrap the data as a standard PNG, decode it, then
/// put the channels back in order and undo the premultiplication.
fn decode_cgbi(data: &[u8]) -> Result<DynamicImage, DecodeError> {
    let mut ihdr = None;
    let mut deflated = Vec::new();
    for (kind, body) in chunks(data) {
        match kind {
            b"IHDR" => ihdr = Some(body.to_vec()),
            b"IDAT" => deflated.extend_from_slice(body),
            _ => {}
        }
    }
    let ihdr = ihdr.ok_or(DecodeError::CgbiWithoutHeader)?;
    let idat = {
        let mut raw = Vec::new();
        flate2::read::DeflateDecoder::new(&deflated[..])
            .take(cgbi_raw_limit(&ihdr))
            .read_to_end(&mut raw)
            .map_err(DecodeError::CgbiData)?;
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        zlib.write_all(&raw).map_err(DecodeError::CgbiRewrap)?;
        zlib.finish().map_err(DecodeError::CgbiRewrap)?
    };
    let mut png = PNG_SIGNATURE.to_vec();
    for (kind, body) in [
        (&b"IHDR"[..], &ihdr[..]),
        (b"IDAT", &idat[..]),
        (b"IEND", &[][..]),
    ] {
        png.extend_from_slice(&(body.len() as u32).to_be_bytes());
        png.extend_from_slice(kind);
        png.extend_from_slice(body);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(body);
        png.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut image: RgbaImage = decode_with_limits(&png, Some(ImageFormat::Png))
        .map_err(DecodeError::CgbiImage)?
        .into_rgba8();
    for pixel in image.pixels_mut() {
        let [b, g, r, a] = pixel.0;
        let unpremultiply = |c: u8| {
            if a == 0 {
                0
            } else {
                ((c as u32 * 255 + a as u32 / 2) / a as u32).min(255) as u8
            }
        };
        pixel.0 = [unpremultiply(r), unpremultiply(g), unpremultiply(b), a];
    }
    Ok(DynamicImage::ImageRgba8(image))
}

/// The most pixel data an IHDR's image holds: one filter byte and the samples of
/// each row, with room for interlacing's extra rows; no more is inflated.
fn cgbi_raw_limit(ihdr: &[u8]) -> u64 {
    let side = |at: usize| {
        ihdr.get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map_or(0, |b: [u8; 4]| u32::from_be_bytes(b) as u64)
    };
    let (width, height) = (side(0), side(4));
    let depth = ihdr.get(8).copied().unwrap_or(16) as u64;
    let channels = match ihdr.get(9) {
        Some(0 | 3) => 1,
        Some(4) => 2,
        Some(2) => 3,
        _ => 4,
    };
    let row = 1 + (width * channels * depth).div_ceil(8);
    // Adam7 adds at most a filter byte per pass row and a partial byte per pass.
    height * (row + 16) + 1024
}

/// Encodes as PNG, downscaling until it fits the limit: a large source first to
/// `MAX_WORKING_SIDE` in one step, then by quarters, a dozen steps at most.
fn fit(mut image: DynamicImage) -> Result<(Vec<u8>, u32, u32), ImageError> {
    if image.width().max(image.height()) > MAX_WORKING_SIDE {
        image = image.resize(
            MAX_WORKING_SIDE,
            MAX_WORKING_SIDE,
            image::imageops::FilterType::Lanczos3,
        );
    }
    loop {
        let mut png = Vec::new();
        image.write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)?;
        if png.len() <= MAX_ICON_BYTES || image.width() <= 16 {
            return Ok((png, image.width(), image.height()));
        }
        let (w, h) = (image.width() * 3 / 4, image.height() * 3 / 4);
        image = image.resize_exact(w.max(16), h.max(16), image::imageops::FilterType::Lanczos3);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(size: u32) -> DynamicImage {
        let mut state: u32 = 7;
        DynamicImage::ImageRgba8(RgbaImage::from_fn(size, size, |_, _| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            image::Rgba([
                (state >> 8) as u8,
                (state >> 16) as u8,
                (state >> 24) as u8,
                255,
            ])
        }))
    }

    #[test]
    fn large_icons_are_downscaled_under_the_limit() {
        let (png, width, height) = fit(noise(1024)).unwrap();
        assert!(png.len() <= MAX_ICON_BYTES, "{} bytes", png.len());
        assert!(width < 1024 && width == height);
        let back = image::load_from_memory(&png).unwrap();
        assert_eq!((back.width(), back.height()), (width, height));
        let (small, w, _) = fit(noise(32)).unwrap();
        assert_eq!(w, 32, "small icons keep their size");
        assert!(small.len() < MAX_ICON_BYTES);
    }

    #[test]
    fn cgbi_icons_become_standard_pngs() {
        // A 2×1 CgBI image: raw deflate of BGRA rows (filter byte 0), premultiplied.
        let rows = [0u8, 0, 0, 128, 128, 255, 0, 0, 255]; // pixel 1: red at half alpha; pixel 2: blue
        let mut deflate =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        deflate.write_all(&rows).unwrap();
        let idat = deflate.finish().unwrap();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&2u32.to_be_bytes());
        ihdr.extend_from_slice(&1u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let mut png = PNG_SIGNATURE.to_vec();
        for (kind, body) in [
            (&b"CgBI"[..], &[0x50u8, 0x00, 0x20, 0x02][..]),
            (b"IHDR", &ihdr[..]),
            (b"IDAT", &idat[..]),
            (b"IEND", &[][..]),
        ] {
            png.extend_from_slice(&(body.len() as u32).to_be_bytes());
            png.extend_from_slice(kind);
            png.extend_from_slice(body);
            png.extend_from_slice(&[0; 4]); // Apple's CRCs are not checked here
        }
        assert!(
            image::load_from_memory(&png).is_err(),
            "a CgBI PNG is not a standard PNG"
        );
        let image = decode(&png).unwrap().to_rgba8();
        assert_eq!(image.get_pixel(0, 0).0, [255, 0, 0, 128]);
        assert_eq!(image.get_pixel(1, 0).0, [0, 0, 255, 255]);
    }

    /// A PNG whose IHDR claims `side`² RGBA pixels, with a token IDAT.
    fn header_only(side: u32, cgbi: bool) -> Vec<u8> {
        let mut ihdr = side.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&side.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let mut png = PNG_SIGNATURE.to_vec();
        let cgbi_chunk = (&b"CgBI"[..], &[0x50u8, 0x00, 0x20, 0x02][..]);
        let chunks = [
            (&b"IHDR"[..], &ihdr[..]),
            (b"IDAT", &[0x78, 0x01, 0x03, 0x00][..]),
            (b"IEND", &[][..]),
        ];
        for (kind, body) in cgbi.then_some(cgbi_chunk).into_iter().chain(chunks) {
            png.extend_from_slice(&(body.len() as u32).to_be_bytes());
            png.extend_from_slice(kind);
            png.extend_from_slice(body);
            png.extend_from_slice(&[0; 4]);
        }
        png
    }

    #[test]
    fn giant_icons_are_refused_from_their_header() {
        for cgbi in [false, true] {
            let err = decode(&header_only(11000, cgbi)).unwrap_err().to_string();
            assert!(
                err.contains("11000×11000") && err.contains("limit"),
                "{err}"
            );
        }
        assert_eq!(dimensions(&header_only(180, true)), Some((180, 180)));
    }

    #[test]
    fn a_large_icon_is_brought_down_in_one_step() {
        let (png, width, _) = fit(noise(1500)).unwrap();
        assert!(png.len() <= MAX_ICON_BYTES && width <= MAX_WORKING_SIDE);
    }
}
