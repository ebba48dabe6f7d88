//! The HAP signing block: sub-blocks (signature, profile, properties, code
//! signing…) stored before the zip central directory, found through the
//! 32-byte head that ends the block.

use crate::bytes::{u32_at, Reader, Truncated};
use crate::input::Archive;
use crate::report::HapBlock;
use thiserror::Error;

/// "HAP Sig Block 42", the older magic (block versions below 3).
const MAGIC_OLD: &[u8; 16] = b"HAP Sig Block 42";
/// "<hap sign block>", the magic of version 3 and later.
const MAGIC: &[u8; 16] = b"<hap sign block>";
const HEAD_LEN: u64 = 32;
const SUB_HEAD_LEN: usize = 12;
/// Signatures, profile and code-signing data: a few megabytes at most. The block is read
/// whole, so its cap keeps `inspect` within its 64 MiB budget.
const MAX_BLOCK_LEN: u64 = 32 << 20;
const MAX_SUB_BLOCKS: u32 = 64;

pub const TYPE_SIGNATURE: u32 = 0x2000_0000;
pub(crate) const TYPE_PROOF_OF_ROTATION: u32 = 0x2000_0001;
pub const TYPE_PROFILE: u32 = 0x2000_0002;
pub(crate) const TYPE_PROPERTY: u32 = 0x2000_0003;
/// Block versions from this one on carry the "<hap sign block>" magic.
const VERSION_NEW_MAGIC: u32 = 3;

#[derive(Debug, Error)]
pub(crate) enum HapBlockError {
    #[error("cannot read the HAP signing block: {0}")]
    Io(String),
    #[error("HAP signing block: {0}")]
    Malformed(String),
    #[error("HAP signing block: {0}")]
    Truncated(#[from] Truncated),
}

fn type_name(kind: u32) -> Option<&'static str> {
    Some(match kind {
        TYPE_SIGNATURE => "signature",
        TYPE_PROOF_OF_ROTATION => "proof-of-rotation",
        TYPE_PROFILE => "profile",
        TYPE_PROPERTY => "property",
        _ => return None,
    })
}

pub(crate) struct HapSignBlock {
    data: Vec<u8>,
    pub magic: &'static str,
    pub version: u32,
    /// Where the block starts in the file (0 for a block parsed alone).
    pub start: u64,
    /// (type, start, end) within `data`, in the order of their heads.
    blocks: Vec<(u32, usize, usize)>,
}

impl HapSignBlock {
    /// Reads the block before the central directory; `Ok(None)` when there is none.
    pub(crate) fn read(archive: &mut Archive) -> Result<Option<HapSignBlock>, HapBlockError> {
        let cd = archive.central_directory_start();
        if cd < HEAD_LEN {
            return Ok(None);
        }
        let io = |e: std::io::Error| HapBlockError::Io(e.to_string());
        let head = archive
            .read_at(cd - HEAD_LEN, HEAD_LEN as usize)
            .map_err(io)?;
        let magic = match &head[12..28] {
            m if m == MAGIC => "<hap sign block>",
            m if m == MAGIC_OLD => "HAP Sig Block 42",
            _ => return Ok(None),
        };
        let mut r = Reader::new(&head);
        let count = r.u32()?;
        let size = r.u64()?;
        if size > MAX_BLOCK_LEN {
            return Err(HapBlockError::Malformed(format!(
                "size {size} is over the {MAX_BLOCK_LEN}-byte limit"
            )));
        }
        if size < HEAD_LEN || size > cd {
            return Err(HapBlockError::Malformed(format!(
                "size {size} does not fit before the central directory at offset {cd}"
            )));
        }
        let version = u32_at(&head, 28).unwrap_or(0);
        let data = archive.read_at(cd - size, size as usize).map_err(io)?;
        let block = Self::parse(data, count, magic, version)?;
        Ok(block.map(|block| HapSignBlock {
            start: cd - size,
            ..block
        }))
    }

    /// Parses a whole block: `count` sub-block heads, their data, the 32-byte head.
    pub(crate) fn parse(
        data: Vec<u8>,
        count: u32,
        magic: &'static str,
        version: u32,
    ) -> Result<Option<HapSignBlock>, HapBlockError> {
        if count > MAX_SUB_BLOCKS {
            return Err(HapBlockError::Malformed(format!("{count} sub-blocks")));
        }
        let array_len = data.len().saturating_sub(HEAD_LEN as usize);
        let mut r = Reader::new(&data[..array_len]);
        let mut blocks = Vec::new();
        for i in 0..count {
            let kind = r.u32()?;
            let length = r.u32()? as usize;
            let offset = r.u32()? as usize;
            let end = offset.checked_add(length).filter(|end| *end <= array_len);
            match end {
                Some(end) if offset >= (count as usize) * SUB_HEAD_LEN => blocks.push((kind, offset, end)),
                _ => {
                    return Err(HapBlockError::Malformed(format!(
                        "sub-block {i} (type 0x{kind:08x}) claims {length} bytes at offset {offset}, outside the block"
                    )))
                }
            }
        }
        Ok(Some(HapSignBlock {
            data,
            magic,
            version,
            start: 0,
            blocks,
        }))
    }

    pub(crate) fn value(&self, kind: u32) -> Option<&[u8]> {
        self.blocks
            .iter()
            .find(|(k, _, _)| *k == kind)
            .map(|(_, s, e)| &self.data[*s..*e])
    }

    /// Every sub-block, `(type, data)`, in the order of their heads.
    pub(crate) fn sub_blocks(&self) -> impl Iterator<Item = (u32, &[u8])> {
        self.blocks
            .iter()
            .filter_map(|(kind, s, e)| Some((*kind, self.data.get(*s..*e)?)))
    }

    /// What hapsigner refuses in a block that parses: a magic that is not its version's,
    /// or heads and data that do not exactly fill it (bytes no digest covers).
    pub(crate) fn layout_problem(&self) -> Option<String> {
        let expected = if self.version < VERSION_NEW_MAGIC {
            MAGIC_OLD
        } else {
            MAGIC
        };
        if self.magic.as_bytes() != expected {
            return Some(format!(
                "the magic \"{}\" is not that of block version {}",
                self.magic, self.version
            ));
        }
        let array_len = (self.data.len() as u64).saturating_sub(HEAD_LEN);
        let filled: u64 = self
            .blocks
            .iter()
            .map(|(_, s, e)| (SUB_HEAD_LEN + (e - s)) as u64)
            .sum();
        (filled != array_len).then(|| {
            format!(
                "its {} sub-blocks fill {filled} of its {array_len} bytes",
                self.blocks.len()
            )
        })
    }

    pub(crate) fn entries(&self) -> Vec<HapBlock> {
        self.blocks
            .iter()
            .map(|(kind, start, end)| HapBlock {
                kind: format!("0x{kind:08x}"),
                name: type_name(*kind),
                offset: *start as u64,
                length: (end - start) as u64,
            })
            .collect()
    }
}

/// Encodes a signing block holding `(type, data)` sub-blocks, in the layout
/// hapsigner writes: the heads, the data, then the 32-byte head. `legacy`
/// selects the "HAP Sig Block 42" magic. Used to make the project's samples.
pub fn encode(subs: &[(u32, &[u8])], legacy: bool, version: u32) -> Vec<u8> {
    let mut heads = Vec::new();
    let mut body = Vec::new();
    let mut offset = subs.len() * SUB_HEAD_LEN;
    for (kind, data) in subs {
        heads.extend_from_slice(&kind.to_le_bytes());
        heads.extend_from_slice(&(data.len() as u32).to_le_bytes());
        heads.extend_from_slice(&(offset as u32).to_le_bytes());
        body.extend_from_slice(data);
        offset += data.len();
    }
    let mut out = [heads, body].concat();
    let size = out.len() as u64 + HEAD_LEN;
    out.extend_from_slice(&(subs.len() as u32).to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(if legacy { MAGIC_OLD } else { MAGIC });
    out.extend_from_slice(&version.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sub_blocks_in_both_magics() {
        for (legacy, version) in [(false, 3), (true, 1)] {
            let data = encode(
                &[
                    (TYPE_SIGNATURE, b"cms"),
                    (TYPE_PROFILE, b"{}"),
                    (0x3000_0001, b"x"),
                ],
                legacy,
                version,
            );
            let b = HapSignBlock::parse(data, 3, "m", version).unwrap().unwrap();
            assert_eq!(b.value(TYPE_SIGNATURE), Some(&b"cms"[..]));
            assert_eq!(b.value(TYPE_PROFILE), Some(&b"{}"[..]));
            let entries = b.entries();
            assert_eq!(entries[2].kind, "0x30000001");
            assert_eq!(entries[2].name, None);
            assert_eq!(entries[0].offset, 36);
        }
    }

    #[test]
    fn sub_blocks_outside_the_block_are_errors() {
        let mut data = encode(&[(TYPE_SIGNATURE, b"cms")], false, 3);
        data[4..8].copy_from_slice(&9999u32.to_le_bytes());
        assert!(HapSignBlock::parse(data, 1, "m", 3).is_err());
        let data = encode(&[(TYPE_SIGNATURE, b"cms")], false, 3);
        assert!(HapSignBlock::parse(data.clone(), 1000, "m", 3).is_err());
        assert!(HapSignBlock::parse(data, 7, "m", 3).is_err());
    }
}
