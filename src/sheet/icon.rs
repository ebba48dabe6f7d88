//! The app icon as a PNG the portals take: at most 100 KB (Huawei Cloud's
//! limit), from the package's largest raster, downscaled when needed.
//! Apple's "CgBI" PNGs (IPA icons) are turned into standard PNGs first.

use crate::archive::Archive;
use crate::ios::bundle::{app_roots, Bundle};
use crate::report::PackageReport;
use image::{DynamicImage, ImageFormat, RgbaImage};
use serde::Serialize;
use std::io::{Read, Write};
use std::path::Path;

/// Huawei Cloud refuses icons over 100 KB; the others take that size too.
pub const MAX_ICON_BYTES: usize = 100 * 1024;
/// An icon file is kilobytes; a large one is not read past this.
const MAX_SOURCE: u64 = 16 << 20;

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

/// The icon of the first package that has one.
pub fn export(packages: &[PackageReport]) -> Result<Option<Icon>, String> {
    for report in packages {
        if let Some((name, data)) = source(report)? {
            let image = decode(&data).map_err(|e| format!("{}: {name}: {e}", report.path))?;
            let (png, width, height) = fit(image)?;
            return Ok(Some(Icon {
                source: format!("{} ({name})", report.path),
                width,
                height,
                bytes: png.len(),
                png,
            }));
        }
    }
    Ok(None)
}

/// The raw icon file of a package, by platform.
fn source(report: &PackageReport) -> Result<Option<(String, Vec<u8>)>, String> {
    let path = Path::new(&report.path);
    let fail = |e: crate::ErrorKind| format!("{}: {e}", report.path);
    match report.platform {
        "android" | "harmonyos" => {
            let Some(icon) = report
                .icon
                .as_ref()
                .filter(|i| !i.ends_with(".xml") && !i.ends_with(".json"))
            else {
                return Ok(None);
            };
            let mut archive = Archive::open(path).map_err(fail)?;
            Ok(archive
                .read_entry(icon, MAX_SOURCE)
                .map_err(fail)?
                .map(|data| (icon.clone(), data)))
        }
        "ios" => {
            let Some(ios) = &report.ios else {
                return Ok(None);
            };
            let mut archive = None;
            let mut bundle = if path.is_dir() {
                Bundle::Dir {
                    root: path.to_path_buf(),
                }
            } else {
                let opened = archive.insert(Archive::open(path).map_err(fail)?);
                let root = app_roots(opened).into_iter().next().unwrap_or_default();
                Bundle::Zip {
                    archive: opened,
                    root,
                }
            };
            // AppIcon60x60@3x.png over @2x over the plain file: the largest by its pixels.
            let mut best: Option<(u32, String, Vec<u8>)> = None;
            for file in bundle.files() {
                let stem = file.strip_suffix(".png").unwrap_or("");
                if file.contains('/')
                    || !ios.icon_names.iter().any(|n| stem.starts_with(n.as_str()))
                {
                    continue;
                }
                let Some(data) = bundle.read(&file, MAX_SOURCE).map_err(fail)? else {
                    continue;
                };
                let width = decode(&data).map(|i| i.width()).unwrap_or(0);
                if best.as_ref().is_none_or(|(w, _, _)| width > *w) {
                    best = Some((width, file, data));
                }
            }
            Ok(best.map(|(_, name, data)| (name, data)))
        }
        _ => Ok(None),
    }
}

/// PNG, WebP or Apple's CgBI PNG.
pub fn decode(data: &[u8]) -> Result<DynamicImage, String> {
    if is_cgbi(data) {
        return decode_cgbi(data);
    }
    image::load_from_memory(data).map_err(|e| format!("not an image this tool reads: {e}"))
}

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

fn chunks(data: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut at = PNG_SIGNATURE.len();
    std::iter::from_fn(move || {
        let len = u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?) as usize;
        let kind = data.get(at + 4..at + 8)?;
        let body = data.get(at + 8..(at + 8).checked_add(len)?)?;
        at += 12 + len;
        Some((kind, body))
    })
}

fn is_cgbi(data: &[u8]) -> bool {
    data.starts_with(PNG_SIGNATURE) && chunks(data).next().is_some_and(|(kind, _)| kind == b"CgBI")
}

/// CgBI: IDAT holds raw deflate (no zlib wrapper) of BGRA pixels with
/// premultiplied alpha. Re-wrap the data as a standard PNG, decode it, then
/// put the channels back in order and undo the premultiplication.
fn decode_cgbi(data: &[u8]) -> Result<DynamicImage, String> {
    let mut ihdr = None;
    let mut deflated = Vec::new();
    for (kind, body) in chunks(data) {
        match kind {
            b"IHDR" => ihdr = Some(body.to_vec()),
            b"IDAT" => deflated.extend_from_slice(body),
            _ => {}
        }
    }
    let ihdr = ihdr.ok_or("CgBI PNG without IHDR")?;
    let mut raw = Vec::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .take(256 << 20)
        .read_to_end(&mut raw)
        .map_err(|e| format!("CgBI image data: {e}"))?;
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    zlib.write_all(&raw).map_err(|e| e.to_string())?;
    let idat = zlib.finish().map_err(|e| e.to_string())?;
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
    let mut image: RgbaImage = image::load_from_memory_with_format(&png, ImageFormat::Png)
        .map_err(|e| format!("CgBI image: {e}"))?
        .to_rgba8();
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

/// Encodes as PNG, downscaling by steps until it fits the limit.
fn fit(mut image: DynamicImage) -> Result<(Vec<u8>, u32, u32), String> {
    loop {
        let mut png = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
            .map_err(|e| format!("cannot encode the icon: {e}"))?;
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
}
