//! The content digests that APK Signature Schemes v2, v3 and v3.1 sign: the file with
//! the APK Signing Block left out, as three sections (the entries, the central directory,
//! the end record with its central-directory offset pointing at where the signing block
//! starts). Each algorithm is computed once per APK whatever number of signers and
//! schemes name it, reading the file once in bounded buffers, hashing on two threads.

use crate::crypto::{DigestAlgorithm, Hasher};
use crate::input::Archive;
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

/// CHUNKED_* digests hash the sections in chunks of this size.
const CHUNK: u64 = 1 << 20;
/// Chunks one thread hashes per round: a round holds `2 * ROUND_CHUNKS` MiB in memory.
const ROUND_CHUNKS: usize = 4;
/// VERITY_CHUNKED_SHA256 hashes 4 KiB pages into a Merkle tree, as fs-verity does.
const PAGE: usize = 4096;
const SHA256_LEN: usize = 32;
/// apksig salts every verity hash with eight zero bytes.
const VERITY_SALT: [u8; 8] = [0; 8];
/// The end-of-central-directory record: signature, fixed fields, then the comment.
const EOCD_SIGNATURE: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
const EOCD_LEN: usize = 22;
const EOCD_CD_SIZE: usize = 12;
const EOCD_CD_OFFSET: usize = 16;
const EOCD_COMMENT_LEN: usize = 20;
const MAX_COMMENT: usize = 0xffff;

/// The digest of the content a signer signs, by what its signature algorithm names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum ContentDigest {
    ChunkedSha256,
    ChunkedSha512,
    VerityChunkedSha256,
}

impl ContentDigest {
    pub(crate) fn name(self) -> &'static str {
        match self {
            ContentDigest::ChunkedSha256 => "CHUNKED_SHA256",
            ContentDigest::ChunkedSha512 => "CHUNKED_SHA512",
            ContentDigest::VerityChunkedSha256 => "VERITY_CHUNKED_SHA256",
        }
    }

    /// The ID a SourceStamp names it by.
    pub(crate) fn id(self) -> u32 {
        match self {
            ContentDigest::ChunkedSha256 => 1,
            ContentDigest::ChunkedSha512 => 2,
            ContentDigest::VerityChunkedSha256 => 3,
        }
    }

    /// How apksig ranks them when a signer offers several: SHA-512 chunks, then the
    /// verity tree, then SHA-256 chunks.
    pub(crate) fn strength(self) -> u8 {
        match self {
            ContentDigest::ChunkedSha256 => 0,
            ContentDigest::VerityChunkedSha256 => 1,
            ContentDigest::ChunkedSha512 => 2,
        }
    }

    fn chunk_hash(self) -> Option<DigestAlgorithm> {
        match self {
            ContentDigest::ChunkedSha256 => Some(DigestAlgorithm::Sha256),
            ContentDigest::ChunkedSha512 => Some(DigestAlgorithm::Sha512),
            ContentDigest::VerityChunkedSha256 => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum DigestError {
    #[error("cannot read the APK: {0}")]
    Io(String),
    #[error("{0}")]
    Malformed(String),
}

/// Where the signed sections lie.
pub(crate) struct ZipSections {
    /// Where the APK Signing Block starts: the entries end there.
    signing_block_start: u64,
    central_directory: u64,
    /// Where the end record starts: the central directory ends there.
    end_record_offset: u64,
    /// The end record with its central-directory offset rewritten to the signing block's
    /// start, as it was when the signer hashed it.
    end_record: Vec<u8>,
}

impl ZipSections {
    /// Finds the end record as Android does (the last one whose comment runs exactly to the
    /// end of the file) and checks the layout a signing block needs: the central directory
    /// right after the block and right before the end record.
    pub(crate) fn locate(
        archive: &mut Archive,
        signing_block_start: u64,
    ) -> Result<ZipSections, DigestError> {
        let file_len = archive.file_len();
        let window = file_len.min((EOCD_LEN + MAX_COMMENT) as u64);
        let tail = archive
            .read_at(file_len - window, window as usize)
            .map_err(|e| DigestError::Io(e.to_string()))?;
        let at = (0..=tail.len().saturating_sub(EOCD_LEN))
            .rev()
            .find(|&i| {
                tail.get(i..i + 4) == Some(&EOCD_SIGNATURE[..])
                    && crate::bytes::u16_at(&tail, i + EOCD_COMMENT_LEN)
                        .is_some_and(|c| usize::from(c) == tail.len() - i - EOCD_LEN)
            })
            .ok_or_else(|| {
                DigestError::Malformed("the zip end-of-central-directory record is missing".into())
            })?;
        let mut end_record = tail[at..].to_vec();
        let end_record_offset = file_len - window + at as u64;
        let field = |offset| crate::bytes::u32_at(&end_record, offset).map(u64::from);
        let (Some(cd_size), Some(central_directory)) = (field(EOCD_CD_SIZE), field(EOCD_CD_OFFSET))
        else {
            return Err(DigestError::Malformed(
                "the end-of-central-directory record is truncated".into(),
            ));
        };
        if central_directory != archive.central_directory_start() {
            return Err(DigestError::Malformed(format!(
                "the end-of-central-directory record puts the central directory at offset {central_directory}, the zip reader found it at {}",
                archive.central_directory_start()
            )));
        }
        if central_directory + cd_size != end_record_offset {
            return Err(DigestError::Malformed(format!(
                "the central directory ({cd_size} bytes at offset {central_directory}) is not immediately followed by the end-of-central-directory record at offset {end_record_offset}"
            )));
        }
        if signing_block_start > central_directory {
            return Err(DigestError::Malformed(
                "the APK Signing Block starts after the central directory".into(),
            ));
        }
        let patched = u32::try_from(signing_block_start)
            .map_err(|_| DigestError::Malformed("the APK Signing Block lies past 4 GiB".into()))?;
        end_record[EOCD_CD_OFFSET..EOCD_CD_OFFSET + 4].copy_from_slice(&patched.to_le_bytes());
        Ok(ZipSections {
            signing_block_start,
            central_directory,
            end_record_offset,
            end_record,
        })
    }

    /// The chunks of the three sections, in order: (file offset or `None` for the end
    /// record held here, length).
    fn chunks(&self) -> Vec<Piece> {
        let mut out = Vec::new();
        for (start, end, section) in [
            (0, self.signing_block_start, Section::Entries),
            (
                self.central_directory,
                self.end_record_offset,
                Section::CentralDirectory,
            ),
        ] {
            let mut at = start;
            while at < end {
                let len = (end - at).min(CHUNK);
                out.push(Piece {
                    source: Some(at),
                    len: len as usize,
                    section,
                });
                at += len;
            }
        }
        out.push(Piece {
            source: None,
            len: self.end_record.len(),
            section: Section::EndRecord,
        });
        out
    }

    fn digested_len(&self) -> u64 {
        self.signing_block_start
            + (self.end_record_offset - self.central_directory)
            + self.end_record.len() as u64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Entries,
    CentralDirectory,
    EndRecord,
}

/// One chunk to hash.
#[derive(Debug, Clone, Copy)]
struct Piece {
    source: Option<u64>,
    len: usize,
    section: Section,
}

/// What a thread computed from one chunk.
struct Hashed {
    chunk_digests: Vec<Vec<u8>>,
    /// The verity hashes of the chunk's pages (entries only: they start page-aligned).
    pages: Vec<[u8; SHA256_LEN]>,
    /// The chunk itself when the verity tree still needs its bytes (the central
    /// directory and end record straddle pages).
    bytes: Option<Vec<u8>>,
}

/// Computes each of `wanted` over the APK.
pub(crate) fn compute(
    archive: &Archive,
    sections: &ZipSections,
    wanted: &BTreeSet<ContentDigest>,
) -> Result<BTreeMap<ContentDigest, Vec<u8>>, DigestError> {
    let chunked: Vec<(ContentDigest, DigestAlgorithm)> = wanted
        .iter()
        .filter_map(|d| d.chunk_hash().map(|h| (*d, h)))
        .collect();
    let verity = wanted.contains(&ContentDigest::VerityChunkedSha256);
    if verity && !sections.signing_block_start.is_multiple_of(PAGE as u64) {
        return Err(DigestError::Malformed(format!(
            "the APK Signing Block is not aligned on a 4096-byte page (it starts at offset {}), as the verity digest requires",
            sections.signing_block_start
        )));
    }
    if verity
        && !(sections.central_directory - sections.signing_block_start).is_multiple_of(PAGE as u64)
    {
        return Err(DigestError::Malformed(
            "the APK Signing Block's size is not a multiple of 4096 bytes, as the verity digest requires".into(),
        ));
    }
    let pieces = sections.chunks();
    let count = u32::try_from(pieces.len())
        .map_err(|_| DigestError::Malformed("the APK is too large to digest".into()))?;
    let mut tops: Vec<Hasher> = chunked
        .iter()
        .map(|(_, hash)| {
            let mut top = hash.hasher();
            top.update(&[0x5a]);
            top.update(&count.to_le_bytes());
            top
        })
        .collect();
    let mut tree = verity.then(VerityTree::default);
    let hash_one = |archive: &mut Archive, piece: &Piece| -> Result<Hashed, DigestError> {
        let bytes = match piece.source {
            Some(offset) => archive
                .read_at(offset, piece.len)
                .map_err(|e| DigestError::Io(e.to_string()))?,
            None => sections.end_record.clone(),
        };
        let chunk_digests = chunked
            .iter()
            .map(|(_, hash)| {
                let mut h = hash.hasher();
                h.update(&[0xa5]);
                h.update(&(piece.len as u32).to_le_bytes());
                h.update(&bytes);
                h.finish()
            })
            .collect();
        let aligned = verity && piece.section == Section::Entries;
        let pages = if aligned {
            bytes.chunks(PAGE).map(verity_hash).collect()
        } else {
            Vec::new()
        };
        let bytes = (verity && !aligned).then_some(bytes);
        Ok(Hashed {
            chunk_digests,
            pages,
            bytes,
        })
    };
    let run = |archive: &mut Archive, pieces: &[Piece]| -> Result<Vec<Hashed>, DigestError> {
        pieces.iter().map(|p| hash_one(archive, p)).collect()
    };
    for round in pieces.chunks(2 * ROUND_CHUNKS) {
        let (first, second) = round.split_at(round.len().min(ROUND_CHUNKS));
        let mut own = archive.clone();
        let mut other = archive.clone();
        let (a, b) = std::thread::scope(|scope| {
            let helper = (!second.is_empty()).then(|| scope.spawn(|| run(&mut other, second)));
            let a = run(&mut own, first);
            let b = match helper {
                Some(handle) => handle.join().unwrap_or_else(|_| {
                    Err(DigestError::Malformed("a digest thread failed".into()))
                }),
                None => Ok(Vec::new()),
            };
            (a, b)
        });
        for hashed in a?.into_iter().chain(b?) {
            for (top, digest) in tops.iter_mut().zip(&hashed.chunk_digests) {
                top.update(digest);
            }
            if let Some(tree) = tree.as_mut() {
                for page in hashed.pages {
                    tree.push(0, page);
                }
                if let Some(bytes) = hashed.bytes {
                    tree.feed(&bytes);
                }
            }
        }
    }
    let mut out: BTreeMap<ContentDigest, Vec<u8>> = chunked
        .iter()
        .zip(tops)
        .map(|((digest, _), top)| (*digest, top.finish()))
        .collect();
    if let Some(tree) = tree {
        let mut value = tree.root().to_vec();
        value.extend_from_slice(&sections.digested_len().to_le_bytes());
        out.insert(ContentDigest::VerityChunkedSha256, value);
    }
    Ok(out)
}

/// SHA-256 of the salt and a page, zero-padded to 4096 bytes.
fn verity_hash(page: &[u8]) -> [u8; SHA256_LEN] {
    let mut h = DigestAlgorithm::Sha256.hasher();
    h.update(&VERITY_SALT);
    h.update(page);
    if page.len() < PAGE {
        h.update(&[0u8; PAGE][page.len()..]);
    }
    let mut out = [0u8; SHA256_LEN];
    out.copy_from_slice(&h.finish());
    out
}

/// A Merkle tree of 4 KiB pages built as the bytes stream past: each level keeps one page
/// of hashes, so memory stays a few pages whatever the file size.
#[derive(Default)]
struct VerityTree {
    /// Per level: the page of hashes being filled and how many hashes the level has had.
    levels: Vec<(Vec<u8>, u64)>,
    /// Data bytes of a page not yet complete.
    partial: Vec<u8>,
}

impl VerityTree {
    /// Data bytes, in order.
    fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let take = (PAGE - self.partial.len()).min(bytes.len());
            self.partial.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.partial.len() == PAGE {
                let hash = verity_hash(&self.partial);
                self.partial.clear();
                self.push(0, hash);
            }
        }
    }

    /// A hash into `level`. A full page moves up only when another hash follows it, so
    /// the top level keeps its single page for the root.
    fn push(&mut self, mut level: usize, mut hash: [u8; SHA256_LEN]) {
        loop {
            if self.levels.len() <= level {
                self.levels.push((Vec::with_capacity(PAGE), 0));
            }
            let (page, count) = &mut self.levels[level];
            *count += 1;
            if page.len() < PAGE {
                page.extend_from_slice(&hash);
                return;
            }
            let full = verity_hash(page);
            page.clear();
            page.extend_from_slice(&hash);
            hash = full;
            level += 1;
        }
    }

    fn root(mut self) -> [u8; SHA256_LEN] {
        if !self.partial.is_empty() {
            let hash = verity_hash(&std::mem::take(&mut self.partial));
            self.push(0, hash);
        }
        let mut level = 0;
        loop {
            let Some((page, count)) = self.levels.get_mut(level) else {
                return verity_hash(&[]);
            };
            let page = std::mem::take(page);
            if *count * SHA256_LEN as u64 <= PAGE as u64 {
                return verity_hash(&page);
            }
            if !page.is_empty() {
                let hash = verity_hash(&page);
                self.push(level + 1, hash);
            }
            level += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree as apksig describes it, built level by level in memory.
    fn reference_root(data: &[u8]) -> [u8; SHA256_LEN] {
        let mut level: Vec<u8> = data.chunks(PAGE).flat_map(verity_hash).collect();
        while level.len() > PAGE {
            level = level.chunks(PAGE).flat_map(verity_hash).collect();
        }
        verity_hash(&level)
    }

    #[test]
    fn streamed_tree_equals_the_level_by_level_tree() {
        for len in [
            1,
            4095,
            4096,
            4097,
            128 * 4096,
            128 * 4096 + 1,
            129 * 4096 * 3 + 17,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let mut tree = VerityTree::default();
            // Uneven feeds, as chunks of the central directory arrive.
            for piece in data.chunks(5000) {
                tree.feed(piece);
            }
            assert_eq!(tree.root(), reference_root(&data), "{len} bytes");
        }
    }

    #[test]
    fn rankings_follow_apksig() {
        assert!(
            ContentDigest::ChunkedSha512.strength() > ContentDigest::VerityChunkedSha256.strength()
        );
        assert!(
            ContentDigest::VerityChunkedSha256.strength() > ContentDigest::ChunkedSha256.strength()
        );
    }
}
