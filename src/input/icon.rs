//! The icon's raw file, read during inspection when `Options::icon` asks for it, so the
//! sheet exports it without ever reopening the package.

use super::{Archive, NestedBudget};
use crate::report::IconFile;

/// An icon file is kilobytes; a large one is not read past this.
pub(crate) const MAX_ICON_FILE: u64 = 16 << 20;
/// Icons are at most 1024 px a side (App Store, AppGallery); a source past this is
/// refused from its header, before any decoding.
pub(crate) const MAX_ICON_SIDE: u32 = 4096;

pub(crate) const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The chunks of a PNG, kind and body, as far as they are whole.
pub(crate) fn png_chunks(data: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut at = PNG_SIGNATURE.len();
    std::iter::from_fn(move || {
        let len = u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?) as usize;
        let kind = data.get(at + 4..at + 8)?;
        let body = data.get(at + 8..(at + 8).checked_add(len)?)?;
        at += 12 + len;
        Some((kind, body))
    })
}

/// Width and height from a PNG's IHDR (Apple's CgBI PNGs too).
pub(crate) fn png_size(data: &[u8]) -> Option<(u32, u32)> {
    if !data.starts_with(PNG_SIGNATURE) {
        return None;
    }
    let (_, ihdr) = png_chunks(data).find(|(kind, _)| *kind == b"IHDR")?;
    let side = |at: usize| Some(u32::from_be_bytes(ihdr.get(at..at + 4)?.try_into().ok()?));
    Some((side(0)?, side(4)?))
}

/// Whether a manifest's icon is a raster file (not an adaptive-icon XML or a layered JSON).
fn is_raster(name: &str) -> bool {
    !name.ends_with(".xml") && !name.ends_with(".json")
}

/// The entry `name` of an APK, AAB or HAP; `None` when it is absent or not a raster.
pub(crate) fn from_archive(archive: &mut Archive, name: Option<&str>) -> Option<IconFile> {
    let name = name.filter(|n| is_raster(n))?;
    let bytes = match archive.read_entry(name, MAX_ICON_FILE) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => return None,
        Err(e) => Err(std::sync::Arc::new(e)),
    };
    Some(IconFile {
        name: name.to_string(),
        bytes,
    })
}

/// The entry `name` from the first of the packages inside `archive` (a split set's
/// APKs, a pack's HAPs) that holds it: a density split may carry the base's icon.
pub(crate) fn from_nested<'n>(
    archive: &mut Archive,
    packages: impl IntoIterator<Item = &'n str>,
    name: Option<&str>,
    budget: &mut NestedBudget,
) -> Option<IconFile> {
    let name = name.filter(|n| is_raster(n))?;
    packages.into_iter().find_map(|package| {
        let mut inner = archive.nested(package, budget).ok()?;
        inner
            .contains(name)
            .then(|| from_archive(&mut inner, Some(name)))
            .flatten()
    })
}
