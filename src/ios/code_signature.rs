//! Apple's embedded code signature, as the kernel and amfid check it: the SuperBlob of
//! one Mach-O slice, its CodeDirectories (the primary and the alternates), the hashes
//! of the code pages, the special slots, and the CMS signature over the primary
//! CodeDirectory with the CDHashes it names. Layouts follow Apple's cs_blobs.h.

use super::macho::{Forward, SliceSignature};
use crate::bytes::u32_be_at;
use crate::crypto::DigestAlgorithm;
use crate::report::{Finding, VerifyCode};
use std::io::Read;
use thiserror::Error;

const CSMAGIC_EMBEDDED_SIGNATURE: u32 = 0xfade_0cc0;
const CSMAGIC_CODEDIRECTORY: u32 = 0xfade_0c02;
const CSMAGIC_BLOBWRAPPER: u32 = 0xfade_0b01;
pub(crate) const SLOT_CODEDIRECTORY: u32 = 0;
pub(crate) const SLOT_REQUIREMENTS: u32 = 2;
pub(crate) const SLOT_ENTITLEMENTS: u32 = 5;
pub(crate) const SLOT_DER_ENTITLEMENTS: u32 = 7;
/// Alternate CodeDirectories sit in slots 0x1000 to 0x1004.
const SLOT_ALTERNATE_FIRST: u32 = 0x1000;
const SLOT_ALTERNATE_LAST: u32 = 0x1004;
const SLOT_SIGNATURE: u32 = 0x10000;
/// The special slots, by their (negative) index in the CodeDirectory.
pub(crate) const SPECIAL_INFO_PLIST: u32 = 1;
pub(crate) const SPECIAL_REQUIREMENTS: u32 = 2;
pub(crate) const SPECIAL_RESOURCES: u32 = 3;
pub(crate) const SPECIAL_ENTITLEMENTS: u32 = 5;
pub(crate) const SPECIAL_DER_ENTITLEMENTS: u32 = 7;
/// A SuperBlob indexes a handful of blobs; more is hostile.
const MAX_BLOBS: u32 = 64;
/// Versions that add the scatter, team, 64-bit limit fields (cs_blobs.h).
const VERSION_SCATTER: u32 = 0x20100;
const VERSION_CODE_LIMIT_64: u32 = 0x20300;
/// Code is read this much at a time while its pages are hashed.
const READ_CHUNK: usize = 64 << 10;
/// 1.2.840.113635.100.9.1: a plist whose `cdhashes` array holds each CodeDirectory's
/// hash, cut to 20 bytes, in slot order.
const OID_CDHASHES_PLIST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x09, 0x01];
/// 1.2.840.113635.100.9.2: SEQUENCE { hash algorithm, full hash } per CodeDirectory.
const OID_CDHASHES: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x09, 0x02];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub(crate) struct SignatureError(String);

fn malformed(message: impl Into<String>) -> SignatureError {
    SignatureError(message.into())
}

/// The hash of a CodeDirectory's slots (cs_blobs.h CS_HASHTYPE_*).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashType {
    Sha1,
    Sha256,
    /// SHA-256 cut to 20 bytes.
    Sha256Truncated,
    Sha384,
}

impl HashType {
    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => HashType::Sha1,
            2 => HashType::Sha256,
            3 => HashType::Sha256Truncated,
            4 => HashType::Sha384,
            _ => return None,
        })
    }

    pub(crate) fn digest_algorithm(self) -> DigestAlgorithm {
        match self {
            HashType::Sha1 => DigestAlgorithm::Sha1,
            HashType::Sha256 | HashType::Sha256Truncated => DigestAlgorithm::Sha256,
            HashType::Sha384 => DigestAlgorithm::Sha384,
        }
    }

    fn size(self) -> usize {
        match self {
            HashType::Sha1 | HashType::Sha256Truncated => 20,
            HashType::Sha256 => 32,
            HashType::Sha384 => 48,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            HashType::Sha256Truncated => "truncated SHA-256",
            other => other.digest_algorithm().name(),
        }
    }
}

/// The blobs of a SuperBlob, by slot, each as its bytes (header included).
pub(crate) fn blobs(superblob: &[u8]) -> Result<Vec<(u32, &[u8])>, SignatureError> {
    let word =
        |at: usize| u32_be_at(superblob, at).ok_or_else(|| malformed("the SuperBlob is cut short"));
    if word(0)? != CSMAGIC_EMBEDDED_SIGNATURE {
        return Err(malformed(
            "the code signature is not an embedded-signature SuperBlob",
        ));
    }
    let length = word(4)? as usize;
    let data = superblob
        .get(..length)
        .ok_or_else(|| malformed(format!("the SuperBlob claims {length} bytes")))?;
    let count = word(8)?;
    if count > MAX_BLOBS {
        return Err(malformed(format!("the SuperBlob indexes {count} blobs")));
    }
    let mut out = Vec::new();
    for i in 0..count as usize {
        let slot = word(12 + i * 8)?;
        let offset = word(16 + i * 8)? as usize;
        let blob_length = u32_be_at(data, offset + 4).map(|n| n as usize);
        let blob = blob_length
            .filter(|n| *n >= 8)
            .and_then(|n| data.get(offset..offset.checked_add(n)?))
            .ok_or_else(|| {
                malformed(format!(
                    "the blob of slot 0x{slot:x} at offset {offset} lies outside the SuperBlob"
                ))
            })?;
        if out.iter().any(|(s, _)| *s == slot) {
            return Err(malformed(format!("slot 0x{slot:x} appears twice")));
        }
        out.push((slot, blob));
    }
    Ok(out)
}

/// The fixed fields of a CodeDirectory of `version`, in bytes (cs_blobs.h).
fn header_len(version: u32) -> usize {
    match version {
        v if v >= 0x20400 => 88,
        v if v >= VERSION_CODE_LIMIT_64 => 64,
        v if v >= 0x20200 => 52,
        v if v >= VERSION_SCATTER => 48,
        _ => 44,
    }
}

/// One CodeDirectory (a blob of the SuperBlob).
#[derive(Debug, Clone)]
pub(crate) struct CodeDirectory<'a> {
    /// The whole blob: what its CDHash is the hash of.
    pub bytes: &'a [u8],
    pub slot: u32,
    pub hash_type: HashType,
    hash_size: usize,
    hash_offset: usize,
    special_slots: u32,
    code_slots: u32,
    /// Bytes per page; 0 for one page over all the code.
    pub page_size: u64,
    pub code_limit: u64,
}

impl<'a> CodeDirectory<'a> {
    pub(crate) fn parse(slot: u32, bytes: &'a [u8]) -> Result<Self, SignatureError> {
        let word = |at: usize| {
            u32_be_at(bytes, at).ok_or_else(|| malformed("the CodeDirectory is cut short"))
        };
        if word(0)? != CSMAGIC_CODEDIRECTORY {
            return Err(malformed(format!(
                "slot 0x{slot:x} does not hold a CodeDirectory"
            )));
        }
        let version = word(8)?;
        let header_len = header_len(version);
        if bytes.len() < header_len || (word(20)? as usize) < header_len {
            return Err(malformed(format!(
                "the CodeDirectory's version 0x{version:x} header ({header_len} bytes) overlaps its identifier or runs past its end"
            )));
        }
        let byte = |at: usize| {
            bytes
                .get(at)
                .copied()
                .ok_or_else(|| malformed("the CodeDirectory is cut short"))
        };
        let (hash_size, code, page_shift) = (byte(36)?, byte(37)?, byte(39)?);
        let hash_type = HashType::from_code(code).ok_or_else(|| {
            malformed(format!("the CodeDirectory names hash type {code}, unknown"))
        })?;
        if usize::from(hash_size) != hash_type.size() {
            return Err(malformed(format!(
                "the CodeDirectory's {}-byte hashes are not {} hashes",
                hash_size,
                hash_type.name()
            )));
        }
        if version >= VERSION_SCATTER && word(44)? != 0 {
            return Err(malformed(
                "the CodeDirectory uses a scatter vector, which iOS does not use",
            ));
        }
        let mut code_limit = u64::from(word(32)?);
        if version >= VERSION_CODE_LIMIT_64 {
            let wide = (u64::from(word(56)?) << 32) | u64::from(word(60)?);
            if wide != 0 {
                code_limit = wide;
            }
        }
        if page_shift >= 32 {
            return Err(malformed(format!("page size 2^{page_shift}")));
        }
        let directory = CodeDirectory {
            bytes,
            slot,
            hash_type,
            hash_size: usize::from(hash_size),
            hash_offset: word(16)? as usize,
            special_slots: word(24)?,
            code_slots: word(28)?,
            page_size: if page_shift == 0 { 0 } else { 1 << page_shift },
            code_limit,
        };
        let pages = match directory.page_size {
            0 => u64::from(code_limit > 0),
            size => code_limit.div_ceil(size),
        };
        if pages != u64::from(directory.code_slots) {
            return Err(malformed(format!(
                "the CodeDirectory has {} code slots for {code_limit} bytes of code",
                directory.code_slots
            )));
        }
        let before = directory.special_slots as usize * directory.hash_size;
        let after = directory.code_slots as usize * directory.hash_size;
        let inside = directory.hash_offset >= before + header_len
            && directory
                .hash_offset
                .checked_add(after)
                .is_some_and(|end| end <= bytes.len());
        if !inside {
            return Err(malformed("the CodeDirectory's hash slots lie outside it"));
        }
        Ok(directory)
    }

    /// The hash of code page `page`.
    fn code_slot(&self, page: u64) -> Option<&'a [u8]> {
        let at = self.hash_offset + usize::try_from(page).ok()? * self.hash_size;
        self.bytes.get(at..at + self.hash_size)
    }

    /// The hash of special slot -`index`; `None` when the directory has no such slot
    /// or leaves it zero (nothing bound).
    pub(crate) fn special_slot(&self, index: u32) -> Option<&'a [u8]> {
        if index == 0 || index > self.special_slots {
            return None;
        }
        let at = self.hash_offset - index as usize * self.hash_size;
        self.bytes
            .get(at..at + self.hash_size)
            .filter(|hash| hash.iter().any(|b| *b != 0))
    }

    /// The hash of `data` as this directory's slots hold it.
    pub(crate) fn hash(&self, data: &[u8]) -> Vec<u8> {
        let mut digest = self.hash_type.digest_algorithm().digest(data);
        digest.truncate(self.hash_size);
        digest
    }

    /// The CDHash: the directory's own hash, whole (CMS attribute 100.9.2 and the
    /// nested-code entries of CodeResources use its first 20 bytes).
    pub(crate) fn cdhash(&self) -> Vec<u8> {
        self.hash_type.digest_algorithm().digest(self.bytes)
    }
}

/// What one slice's signature holds, parsed; borrows the SuperBlob.
pub(crate) struct ParsedSignature<'a> {
    /// The primary (slot 0) first, then the alternates in slot order.
    pub directories: Vec<CodeDirectory<'a>>,
    pub blobs: Vec<(u32, &'a [u8])>,
    /// The CMS SignedData, when the signature is not ad hoc.
    pub cms: Option<&'a [u8]>,
}

impl<'a> ParsedSignature<'a> {
    pub(crate) fn parse(superblob: &'a [u8]) -> Result<Self, SignatureError> {
        let blobs = blobs(superblob)?;
        let mut directories = Vec::new();
        let mut cms = None;
        for (slot, blob) in &blobs {
            match *slot {
                SLOT_CODEDIRECTORY | SLOT_ALTERNATE_FIRST..=SLOT_ALTERNATE_LAST => {
                    directories.push(CodeDirectory::parse(*slot, blob)?)
                }
                SLOT_SIGNATURE => {
                    if u32_be_at(blob, 0) != Some(CSMAGIC_BLOBWRAPPER) {
                        return Err(malformed("the signature slot holds no blob wrapper"));
                    }
                    cms = blob.get(8..).filter(|b| !b.is_empty());
                }
                _ => {}
            }
        }
        directories.sort_by_key(|d| d.slot);
        if directories.first().map(|d| d.slot) != Some(SLOT_CODEDIRECTORY) {
            return Err(malformed("the signature has no CodeDirectory in slot 0"));
        }
        Ok(ParsedSignature {
            directories,
            blobs,
            cms,
        })
    }

    pub(crate) fn blob(&self, slot: u32) -> Option<&'a [u8]> {
        self.blobs.iter().find(|(s, _)| *s == slot).map(|(_, b)| *b)
    }
}

/// The code-page hashes of every slice's directories against the file, in one forward
/// pass over `reader`, a chunk at a time. `slices` are in file order, each with its
/// directories. `file` names the executable in the findings.
pub(crate) fn check_pages(
    reader: impl Read,
    slices: &[(&SliceSignature, Vec<CodeDirectory<'_>>)],
    file: &str,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut r = Forward::new(reader);
    let mut buffer = vec![0u8; READ_CHUNK];
    for (signature, directories) in slices {
        let slice = &signature.slice;
        let limit = directories.iter().map(|d| d.code_limit).max().unwrap_or(0);
        if limit > slice.size {
            findings.push(Finding::new(
                VerifyCode::Malformed,
                format!(
                    "{file} ({}): the signature covers {limit} bytes of code, past the slice's {} bytes",
                    slice.architecture, slice.size
                ),
            ));
            continue;
        }
        if let Err(e) = r.skip_to(slice.offset) {
            findings.push(Finding::new(
                VerifyCode::ReadFailed,
                format!("{file} ({}): {e}", slice.architecture),
            ));
            return findings;
        }
        let mut pages: Vec<PageHasher> = directories
            .iter()
            .map(|d| PageHasher::new(d, signature.encrypted.clone()))
            .collect();
        let mut done = 0u64;
        while done < limit {
            let want = (limit - done).min(READ_CHUNK as u64) as usize;
            let chunk = &mut buffer[..want];
            if let Err(e) = read_exact(&mut r, chunk) {
                findings.push(Finding::new(
                    VerifyCode::ReadFailed,
                    format!(
                        "{file} ({}): the code ends before the {limit} bytes its signature covers: {e}",
                        slice.architecture
                    ),
                ));
                return findings;
            }
            for hasher in &mut pages {
                hasher.feed(done, chunk);
            }
            done += want as u64;
        }
        for hasher in pages {
            if let Some(page) = hasher.first_mismatch {
                findings.push(Finding::new(
                    VerifyCode::DigestMismatch,
                    format!(
                        "{file} ({}): the {} hash of code page {page} (bytes {} on) does not match its CodeDirectory: the executable was changed after signing",
                        slice.architecture,
                        hasher.directory.hash_type.name(),
                        page * hasher.directory.page_size
                    ),
                ));
            }
        }
    }
    findings
}

fn read_exact<R: Read>(r: &mut Forward<R>, into: &mut [u8]) -> Result<(), String> {
    let bytes = r.read(into.len() as u32).map_err(|e| e.to_string())?;
    into.copy_from_slice(&bytes);
    Ok(())
}

/// One directory's hash of the page being read.
struct PageHasher<'d, 'a> {
    directory: &'d CodeDirectory<'a>,
    /// Pages that overlap these bytes are not compared (FairPlay-encrypted).
    encrypted: Option<std::ops::Range<u64>>,
    hasher: Option<crate::crypto::Hasher>,
    page: u64,
    first_mismatch: Option<u64>,
}

impl<'d, 'a> PageHasher<'d, 'a> {
    fn new(directory: &'d CodeDirectory<'a>, encrypted: Option<std::ops::Range<u64>>) -> Self {
        PageHasher {
            directory,
            encrypted,
            hasher: None,
            page: 0,
            first_mismatch: None,
        }
    }

    /// Feeds the code bytes at `offset` (from the slice's start), closing each page
    /// at its end and at the code limit.
    fn feed(&mut self, mut offset: u64, mut data: &[u8]) {
        let (limit, size) = (self.directory.code_limit, self.directory.page_size);
        while !data.is_empty() && offset < limit {
            let page_end = match size {
                0 => limit,
                size => ((offset / size + 1) * size).min(limit),
            };
            let take = ((page_end - offset) as usize).min(data.len());
            let (part, rest) = data.split_at(take);
            self.hasher
                .get_or_insert_with(|| self.directory.hash_type.digest_algorithm().hasher())
                .update(part);
            offset += take as u64;
            data = rest;
            if offset == page_end {
                let start = match size {
                    0 => 0,
                    size => (page_end - 1) / size * size,
                };
                let hidden = self
                    .encrypted
                    .as_ref()
                    .is_some_and(|e| e.start < page_end && start < e.end);
                self.close_page(hidden);
            }
        }
    }

    /// Compares the page just read with its slot, unless it is `hidden` (encrypted).
    fn close_page(&mut self, hidden: bool) {
        let Some(hasher) = self.hasher.take() else {
            return;
        };
        let mut digest = hasher.finish();
        digest.truncate(self.directory.hash_size);
        let differs = self.directory.code_slot(self.page) != Some(&digest[..]);
        if differs && !hidden && self.first_mismatch.is_none() {
            self.first_mismatch = Some(self.page);
        }
        self.page += 1;
    }
}

/// The CDHashes the CMS signed attributes name: the plist's `cdhashes` (each cut to
/// 20 bytes) and the (algorithm, hash) pairs of attribute 100.9.2.
pub(crate) struct SignedCdHashes {
    pub truncated: Option<Vec<Vec<u8>>>,
    pub full: Vec<(Option<DigestAlgorithm>, Vec<u8>)>,
}

pub(crate) fn signed_cdhashes(
    signer: &crate::pkcs7::SignerInfo<'_>,
) -> Result<SignedCdHashes, SignatureError> {
    use crate::ber::{parse_first, TAG_OCTET_STRING, TAG_OID};
    let bad = |e: &dyn std::fmt::Display| malformed(format!("the CDHashes attribute: {e}"));
    let plist_values =
        crate::pkcs7::signed_attribute(signer, OID_CDHASHES_PLIST).map_err(|e| bad(&e))?;
    let truncated = match plist_values.first() {
        None => None,
        Some(value) => {
            let value = parse_first(value).map_err(|e| bad(&e))?;
            if value.tag != TAG_OCTET_STRING {
                return Err(bad(&"not an OCTET STRING"));
            }
            let dictionary =
                super::property_list::dictionary(value.content).map_err(|e| bad(&e))?;
            let hashes = dictionary
                .get("cdhashes")
                .and_then(plist::Value::as_array)
                .ok_or_else(|| bad(&"no cdhashes array"))?;
            Some(
                hashes
                    .iter()
                    .map(|h| h.as_data().map(<[u8]>::to_vec))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| bad(&"a cdhash is not data"))?,
            )
        }
    };
    let mut full = Vec::new();
    for value in crate::pkcs7::signed_attribute(signer, OID_CDHASHES).map_err(|e| bad(&e))? {
        let sequence = parse_first(value).map_err(|e| bad(&e))?;
        let mut parts = sequence.children();
        let (Some(Ok(oid)), Some(Ok(hash))) = (parts.next(), parts.next()) else {
            return Err(bad(&"a hash entry is not (algorithm, hash)"));
        };
        if oid.tag != TAG_OID || hash.tag != TAG_OCTET_STRING {
            return Err(bad(&"a hash entry is not (algorithm, hash)"));
        }
        full.push((
            DigestAlgorithm::from_oid(oid.content),
            hash.content.to_vec(),
        ));
    }
    Ok(SignedCdHashes { truncated, full })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CodeDirectory over `code` with `page_shift`-sized pages and one special slot.
    pub(crate) fn directory(code: &[u8], page_shift: u8, hash_type: u8) -> Vec<u8> {
        let kind = HashType::from_code(hash_type).unwrap();
        let page = 1usize << page_shift;
        let special = vec![0u8; kind.size()];
        let mut hashes = special.clone();
        for chunk in code.chunks(page) {
            let mut h = kind.digest_algorithm().digest(chunk);
            h.truncate(kind.size());
            hashes.extend(h);
        }
        let hash_offset = 64 + kind.size();
        let mut out = vec![0u8; 64];
        let mut put = |at: usize, v: u32| out[at..at + 4].copy_from_slice(&v.to_be_bytes());
        put(0, CSMAGIC_CODEDIRECTORY);
        put(8, 0x20400 - 0x100); // 0x20300: 64-bit limit present, zero
        put(16, hash_offset as u32);
        put(20, 64); // identOffset: an empty identifier, the first special slot's zero byte
        put(24, 1);
        put(28, code.len().div_ceil(page) as u32);
        put(32, code.len() as u32);
        out[36] = kind.size() as u8;
        out[37] = hash_type;
        out[39] = page_shift;
        out.extend(hashes);
        let len = out.len() as u32;
        out[4..8].copy_from_slice(&len.to_be_bytes());
        out
    }

    fn slice(size: u64) -> SliceSignature {
        SliceSignature {
            slice: super::super::macho::Slice {
                offset: 0,
                size,
                architecture: "arm64".into(),
            },
            superblob: None,
            info_plist: None,
            encrypted: None,
        }
    }

    #[test]
    fn pages_hold_and_a_changed_byte_is_found() {
        let code: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        for (shift, kind) in [(12, 1), (12, 2), (14, 3), (12, 4)] {
            let bytes = directory(&code, shift, kind);
            let cd = CodeDirectory::parse(0, &bytes).unwrap();
            let signature = slice(code.len() as u64);
            let slices = [(&signature, vec![cd.clone()])];
            assert!(check_pages(&code[..], &slices, "App").is_empty());
            let mut changed = code.clone();
            changed[9_000] ^= 1;
            let findings = check_pages(&changed[..], &slices, "App");
            assert_eq!(findings.len(), 1, "{findings:?}");
            assert_eq!(findings[0].code, VerifyCode::DigestMismatch);
            let page = if shift == 12 { "page 2" } else { "page 0" };
            assert!(
                findings[0].message.contains(page),
                "{}",
                findings[0].message
            );
            let findings = check_pages(&code[..5000], &slices, "App");
            assert_eq!(findings[0].code, VerifyCode::ReadFailed);
        }
    }

    /// FairPlay-encrypted pages cannot be compared; the others still are.
    #[test]
    fn encrypted_pages_are_left_unchecked() {
        let code: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let bytes = directory(&code, 12, 2);
        let cd = CodeDirectory::parse(0, &bytes).unwrap();
        let mut signature = slice(code.len() as u64);
        signature.encrypted = Some(4000..4100);
        let slices = [(&signature, vec![cd])];
        let mut changed = code.clone();
        changed[100] ^= 1; // page 0, which the range overlaps
        changed[4200] ^= 1; // page 1, which it overlaps too
        assert!(check_pages(&changed[..], &slices, "App").is_empty());
        changed[9000] ^= 1; // page 2, in the clear
        let findings = check_pages(&changed[..], &slices, "App");
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("page 2"));
    }

    #[test]
    fn lying_directories_are_refused() {
        let code = [7u8; 5000];
        let bytes = directory(&code, 12, 2);
        for cut in 0..bytes.len() {
            assert!(CodeDirectory::parse(0, &bytes[..cut]).is_err());
        }
        let mut wrong_slots = bytes.clone();
        wrong_slots[31] = 9; // nine code slots for two pages
        assert!(CodeDirectory::parse(0, &wrong_slots).is_err());
        let mut wrong_size = bytes.clone();
        wrong_size[36] = 20; // SHA-256 named, 20-byte hashes
        assert!(CodeDirectory::parse(0, &wrong_size).is_err());
        assert!(blobs(&bytes).is_err());
    }
}
