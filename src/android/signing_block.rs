//! The APK Signing Block: the ID-value pairs stored just before the central
//! directory, where v2, v3, v3.1 and SourceStamp live.

use crate::bytes::{Reader, Truncated};
use crate::input::Archive;
use crate::report::SigningBlockEntry;
use thiserror::Error;

const MAGIC: &[u8; 16] = b"APK Sig Block 42";
/// Footer: u64 size + 16-byte magic.
const FOOTER_LEN: u64 = 24;
/// Real blocks are kilobytes; verity padding only aligns to 4 KiB.
const MAX_BLOCK_LEN: u64 = 16 << 20;
/// Android refuses an APK with more signers than this in one scheme
/// (ApkSignatureSchemeV2Verifier.MAX_V2_SIGNERS, apksig's MAX_APK_SIGNERS):
/// readers stop one past it, so the caller can say there were more.
pub(crate) const MAX_SIGNERS: usize = 10;

pub(crate) const ID_V2: u32 = 0x7109_871a;
pub(crate) const ID_V3: u32 = 0xf053_68c0;
pub(crate) const ID_V31: u32 = 0x1b93_ad61;
pub(crate) const ID_SOURCE_STAMP_V1: u32 = 0x2b09_189e;
pub(crate) const ID_SOURCE_STAMP_V2: u32 = 0x6dff_800d;
const ID_VERITY_PADDING: u32 = 0x4272_6577;
const ID_DEPENDENCY_INFO: u32 = 0x5044_4b53;
const ID_PLAY_FROSTING: u32 = 0x2146_444e;
const ID_V4_PLACEHOLDER: u32 = 0x70e1_c89f;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum SigningBlockError {
    #[error("cannot read the APK Signing Block: {0}")]
    Io(String),
    #[error("APK Signing Block: {0}")]
    Malformed(String),
    #[error("APK Signing Block: {0}")]
    Truncated(#[from] Truncated),
}

/// What an ID means, for the report; `None` for IDs we do not know.
pub(crate) fn block_name(id: u32) -> Option<&'static str> {
    Some(match id {
        ID_V2 => "v2",
        ID_V3 => "v3",
        ID_V31 => "v3.1",
        ID_SOURCE_STAMP_V1 => "source-stamp-v1",
        ID_SOURCE_STAMP_V2 => "source-stamp-v2",
        ID_VERITY_PADDING => "verity-padding",
        ID_DEPENDENCY_INFO => "dependency-info",
        ID_PLAY_FROSTING => "play-frosting",
        ID_V4_PLACEHOLDER => "v3.2-reserved",
        _ => return None,
    })
}

pub(crate) struct SigningBlock {
    data: Vec<u8>,
    /// (id, start, end) of each value within `data`.
    pairs: Vec<(u32, usize, usize)>,
}

impl SigningBlock {
    /// Reads the block before the central directory; `Ok(None)` when there is none.
    pub(crate) fn read(archive: &mut Archive) -> Result<Option<SigningBlock>, SigningBlockError> {
        let cd = archive.central_directory_start();
        if cd < FOOTER_LEN + 8 {
            return Ok(None);
        }
        let io = |e: std::io::Error| SigningBlockError::Io(e.to_string());
        let footer = archive
            .read_at(cd - FOOTER_LEN, FOOTER_LEN as usize)
            .map_err(io)?;
        if &footer[8..] != MAGIC {
            return Ok(None);
        }
        let size = Reader::new(&footer).u64()?;
        // The size counts everything after the leading size field itself.
        let total = size
            .checked_add(8)
            .filter(|t| *t >= FOOTER_LEN + 8 && *t <= cd)
            .ok_or_else(|| {
                SigningBlockError::Malformed(format!(
                    "size {size} does not fit before the central directory at offset {cd}"
                ))
            })?;
        if total > MAX_BLOCK_LEN {
            return Err(SigningBlockError::Malformed(format!(
                "size {size} is over the {MAX_BLOCK_LEN}-byte limit"
            )));
        }
        let data = archive.read_at(cd - total, total as usize).map_err(io)?;
        Self::parse(data).map(Some)
    }

    /// Parses a whole block, from its leading size field to its magic.
    pub(crate) fn parse(data: Vec<u8>) -> Result<SigningBlock, SigningBlockError> {
        let len = data.len();
        if len < (FOOTER_LEN + 8) as usize {
            return Err(SigningBlockError::Malformed(format!(
                "only {len} bytes long"
            )));
        }
        let mut r = Reader::new(&data);
        let leading = r.u64()?;
        if leading != len as u64 - 8 {
            return Err(SigningBlockError::Malformed(format!(
                "leading size {leading} differs from the footer's {}",
                len - 8
            )));
        }
        let mut pairs = Vec::new();
        let mut pairs_area = Reader::new(&data[8..len - FOOTER_LEN as usize]);
        while !pairs_area.is_empty() {
            let pair_len = pairs_area.u64()?;
            let pair_len = usize::try_from(pair_len)
                .ok()
                .filter(|l| *l >= 4 && *l <= pairs_area.remaining())
                .ok_or_else(|| {
                    SigningBlockError::Malformed(format!(
                        "pair at offset {} claims {pair_len} bytes, {} left",
                        8 + pairs_area.position(),
                        pairs_area.remaining()
                    ))
                })?;
            let start = 8 + pairs_area.position();
            let id = pairs_area.u32()?;
            pairs_area.skip(pair_len - 4)?;
            pairs.push((id, start + 4, start + pair_len));
        }
        Ok(SigningBlock { data, pairs })
    }

    /// The first value with this ID. Android reads the first; duplicates are listed in `entries`.
    pub(crate) fn value(&self, id: u32) -> Option<&[u8]> {
        self.pairs
            .iter()
            .find(|(i, _, _)| *i == id)
            .map(|(_, s, e)| &self.data[*s..*e])
    }

    pub(crate) fn entries(&self) -> Vec<SigningBlockEntry> {
        self.pairs
            .iter()
            .map(|(id, s, e)| SigningBlockEntry {
                id: format!("0x{id:08x}"),
                name: block_name(*id),
                size: (e - s) as u64,
            })
            .collect()
    }
}

/// The certificates of a v2/v3 signed-data section, after its digests.
pub(crate) fn read_certificates<'a>(
    signed_data: &mut Reader<'a>,
) -> Result<Vec<&'a [u8]>, Truncated> {
    let _digests = signed_data.length_prefixed()?;
    let mut certs = signed_data.length_prefixed()?;
    let mut out = Vec::new();
    while !certs.is_empty() {
        out.push(certs.length_prefixed()?.rest());
    }
    Ok(out)
}

/// The (id, value) pairs of an additional-attributes section.
pub(crate) fn read_attributes<'a>(
    mut attrs: Reader<'a>,
) -> Result<Vec<(u32, &'a [u8])>, Truncated> {
    let mut out = Vec::new();
    while !attrs.is_empty() {
        let mut attr = attrs.length_prefixed()?;
        let id = attr.u32()?;
        out.push((id, attr.rest()));
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A signing block holding the given pairs.
    pub(crate) fn block(pairs: &[(u32, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (id, value) in pairs {
            body.extend_from_slice(&((value.len() + 4) as u64).to_le_bytes());
            body.extend_from_slice(&id.to_le_bytes());
            body.extend_from_slice(value);
        }
        let size = (body.len() + 24) as u64;
        let mut out = size.to_le_bytes().to_vec();
        out.extend_from_slice(&body);
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(MAGIC);
        out
    }

    #[test]
    fn lists_known_and_unknown_pairs() {
        let b = SigningBlock::parse(block(&[
            (ID_V2, b"abc"),
            (0x1234_5678, b""),
            (ID_VERITY_PADDING, &[0; 8]),
        ]))
        .unwrap();
        assert_eq!(b.value(ID_V2), Some(&b"abc"[..]));
        assert_eq!(b.value(ID_V3), None);
        let entries = b.entries();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[1].id, "0x12345678");
        assert_eq!(entries[1].name, None);
        assert_eq!(entries[2].name, Some("verity-padding"));
        assert_eq!(entries[2].size, 8);
    }

    #[test]
    fn bad_sizes_are_errors() {
        let mut data = block(&[(ID_V2, b"abc")]);
        data[0] ^= 1;
        assert!(SigningBlock::parse(data).is_err());
        let mut data = block(&[(ID_V2, b"abc")]);
        data[8] = 0xff; // pair length far past the end
        assert!(SigningBlock::parse(data).is_err());
        let mut data = block(&[(ID_V2, b"abc")]);
        data[8] = 2; // pair shorter than its id
        assert!(SigningBlock::parse(data).is_err());
    }
}
