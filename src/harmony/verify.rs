//! The HAP signature, verified as OpenHarmony's hapsigner (`verify-app`) and the
//! device's verifier check it:
//!
//! - the signing block's layout (magic for its version, sub-blocks filling it, known
//!   types, one signature);
//! - the signature sub-block: a CMS whose signers hold with their certificates' keys and
//!   whose chains hold (chain.rs), and whose content states a digest of the package;
//! - that digest, recomputed: 1 MiB chunks of the zip entries before the block, of the
//!   central directory and of the end record (its central-directory offset set to where
//!   the block starts), each hashed with a 0xa5 prefix and its length; the chunk digests
//!   hashed with a 0x5a prefix and their count, followed by every other sub-block
//!   (profile, property, proof of rotation) as stored;
//! - the profile sub-block's own CMS signature (the device's check; hapsigner's
//!   `verify-app` reads the profile only when a code-signing block is present).
//!
//! Not checked: the code signatures the property block points at (fs-verity trees of
//! the HAP and its native libraries), the profile's fields against the signer
//! (certificate, device list, validity), and which root CA the chains end at.

use super::chain::verify_cms;
use super::sign_block::{self, HapSignBlock};
use crate::bytes::Reader;
use crate::crypto::DigestAlgorithm;
use crate::input::Archive;
use crate::report::{Finding, SchemeVerification, Verification, VerifiedScheme, VerifyCode};

/// hapsigner hashes each section in chunks of 1 MiB.
const CHUNK: u64 = 1 << 20;
const CHUNK_PREFIX: u8 = 0xa5;
const TOP_PREFIX: u8 = 0x5a;
/// The classic end record and the longest comment it can have.
const MAX_END_RECORD: u64 = 22 + 0xffff;
const END_RECORD_CD_SIZE_AT: usize = 12;
const END_RECORD_CD_OFFSET_AT: usize = 16;

/// A package's verdict with no scheme to check.
fn refused(code: VerifyCode, message: impl Into<String>) -> Verification {
    Verification::conclude(None, None, Vec::new(), vec![Finding::new(code, message)])
}

fn one_scheme(errors: Vec<Finding>) -> Verification {
    let scheme = SchemeVerification::new(VerifiedScheme::Hap, errors, Vec::new());
    Verification::conclude(None, None, vec![scheme], Vec::new())
}

/// Verifies a HAP (or HSP, or a signed .app pack as a whole).
pub(crate) fn verify_hap(archive: &mut Archive) -> Verification {
    let block = match HapSignBlock::read(archive) {
        Ok(Some(block)) => block,
        Ok(None) => {
            return refused(
                VerifyCode::Unsigned,
                "no HAP signing block before the central directory: the package is unsigned",
            )
        }
        Err(e) => return one_scheme(vec![Finding::new(VerifyCode::Malformed, e.to_string())]),
    };
    one_scheme(check_block(archive, &block))
}

/// Every error of a signing block that was found: its layout, then the app signature
/// and the content digest, then the profile (checked even when the first fail).
fn check_block(archive: &mut Archive, block: &HapSignBlock) -> Vec<Finding> {
    let mut errors = Vec::new();
    if let Some(problem) = block.layout_problem() {
        errors.push(Finding::new(
            VerifyCode::Malformed,
            format!("HAP signing block: {problem}"),
        ));
    }
    let mut signatures = Vec::new();
    let mut profiles = Vec::new();
    for (kind, data) in block.sub_blocks() {
        match kind {
            sign_block::TYPE_SIGNATURE => signatures.push(data),
            sign_block::TYPE_PROFILE => profiles.push(data),
            sign_block::TYPE_PROOF_OF_ROTATION | sign_block::TYPE_PROPERTY => {}
            other => errors.push(Finding::new(
                VerifyCode::Malformed,
                format!("HAP signing block: a sub-block of unknown type 0x{other:08x}, which HarmonyOS refuses"),
            )),
        }
    }
    match signatures.as_slice() {
        [] => errors.push(Finding::new(
            VerifyCode::NoSigners,
            "the HAP signing block has no signature sub-block",
        )),
        [signature] => {
            if let Err(finding) = check_signature(archive, block, signature) {
                errors.push(finding);
            }
        }
        _ => errors.push(Finding::new(
            VerifyCode::DuplicateBlock,
            format!(
                "the HAP signing block holds {} signature sub-blocks, not one",
                signatures.len()
            ),
        )),
    }
    match profiles.as_slice() {
        [] => errors.push(Finding::new(
            VerifyCode::Malformed,
            "the HAP signing block has no profile sub-block: HarmonyOS installs no HAP without its profile",
        )),
        [profile] => errors.extend(verify_profile(profile, "the profile sub-block")),
        _ => errors.push(Finding::new(
            VerifyCode::DuplicateBlock,
            format!(
                "the HAP signing block holds {} profile sub-blocks, not one",
                profiles.len()
            ),
        )),
    }
    errors
}

/// The app signature: its CMS, the digest it states, and that digest recomputed.
fn check_signature(
    archive: &mut Archive,
    block: &HapSignBlock,
    signature: &[u8],
) -> Result<(), Finding> {
    let stated = stated_digest(signature)?;
    let others = block
        .sub_blocks()
        .filter(|(kind, _)| *kind != sign_block::TYPE_SIGNATURE)
        .map(|(_, data)| data);
    let actual = content_digest(archive, stated.algorithm, block, others)?;
    if actual != stated.digest {
        return Err(Finding::new(
            VerifyCode::DigestMismatch,
            format!(
                "the package's {} content digest does not match the one its signature states: the package was changed after signing",
                stated.algorithm.name()
            ),
        ));
    }
    Ok(())
}

/// The digest the signature sub-block states, once its CMS holds.
pub(crate) fn stated_digest(signature: &[u8]) -> Result<StatedDigest, Finding> {
    StatedDigest::parse(&verify_cms(signature, "the HAP signature")?)
}

/// A profile (a sub-block or a .p7b file): a CMS whose signers and chains hold. Bare
/// JSON is a profile no device accepts outside debugging.
pub(crate) fn verify_profile(bytes: &[u8], what: &str) -> Vec<Finding> {
    if bytes.first() == Some(&b'{') {
        return vec![Finding::new(
            VerifyCode::Unsigned,
            format!("{what} is bare JSON, not signed"),
        )];
    }
    verify_cms(bytes, what).err().into_iter().collect()
}

/// A standalone .p7b profile's verdict.
pub(crate) fn verify_profile_file(bytes: &[u8]) -> Verification {
    one_scheme(verify_profile(bytes, "the profile"))
}

/// The digest the signature's content states. Its layout (little-endian): version,
/// block count, then a block of its own length, the algorithm id, the digest's length
/// and the digest; hapsigner reads the first block.
pub(crate) struct StatedDigest {
    algorithm: DigestAlgorithm,
    digest: Vec<u8>,
}

impl StatedDigest {
    fn parse(content: &[u8]) -> Result<Self, Finding> {
        let malformed = |why: String| {
            Finding::new(
                VerifyCode::Malformed,
                format!("the HAP signature's content is not a content digest: {why}"),
            )
        };
        let mut r = Reader::new(content);
        let (_version, _blocks) = (r.u32(), r.u32());
        let block_len = r.u32().map_err(|e| malformed(e.to_string()))?;
        let algorithm = r.u32().map_err(|e| malformed(e.to_string()))?;
        let digest_len = r.u32().map_err(|e| malformed(e.to_string()))?;
        if u64::from(block_len) != 8 + u64::from(digest_len) {
            return Err(malformed(format!(
                "its digest block is {block_len} bytes long, not 8 more than its digest ({digest_len} bytes)"
            )));
        }
        let digest = r
            .take(digest_len as usize)
            .map_err(|e| malformed(e.to_string()))?;
        Ok(StatedDigest {
            algorithm: signature_digest(algorithm).ok_or_else(|| {
                Finding::new(
                    VerifyCode::UnsupportedAlgorithm,
                    format!("the HAP signature names signature algorithm 0x{algorithm:x}, which HarmonyOS does not know"),
                )
            })?,
            digest: digest.to_vec(),
        })
    }
}

/// The digest of a HarmonyOS signature algorithm id: 0x1__ RSA-PSS and RSA PKCS#1
/// v1.5, 0x2__ ECDSA, 0x3__ DSA; the low digit 1 or 4 SHA-256, 2 or 5 SHA-384, 3 or 6
/// SHA-512 (as the device reads it).
fn signature_digest(id: u32) -> Option<DigestAlgorithm> {
    if !(0x100..0x400).contains(&id) || id & 0xf0 != 0 {
        return None;
    }
    match id & 0xf {
        1 | 4 => Some(DigestAlgorithm::Sha256),
        2 | 5 => Some(DigestAlgorithm::Sha384),
        3 | 6 => Some(DigestAlgorithm::Sha512),
        _ => None,
    }
}

/// The content digest, streamed a chunk at a time: the entries before the block, the
/// central directory and the end record (its directory offset set to the block's start),
/// then the other sub-blocks.
fn content_digest<'b>(
    archive: &mut Archive,
    algorithm: DigestAlgorithm,
    block: &HapSignBlock,
    others: impl Iterator<Item = &'b [u8]>,
) -> Result<Vec<u8>, Finding> {
    let read_failed = |e: std::io::Error| {
        Finding::new(
            VerifyCode::ReadFailed,
            format!("cannot read the package: {e}"),
        )
    };
    let directory = archive.central_directory_start();
    let end_record = archive.end_record_start();
    let end_len = archive.file_len().saturating_sub(end_record);
    if end_len > MAX_END_RECORD || end_record < directory {
        return Err(Finding::new(
            VerifyCode::ZipInconsistent,
            format!("the end record at offset {end_record} does not follow the central directory at {directory}"),
        ));
    }
    let mut end = archive
        .read_at(end_record, end_len as usize)
        .map_err(read_failed)?;
    let field = |end: &[u8], at: usize| Reader::at(end, at).and_then(|mut r| r.u32()).ok();
    let (Some(size), Some(offset)) = (
        field(&end, END_RECORD_CD_SIZE_AT),
        field(&end, END_RECORD_CD_OFFSET_AT),
    ) else {
        return Err(Finding::new(
            VerifyCode::ZipInconsistent,
            "the end-of-central-directory record is truncated",
        ));
    };
    if offset == u32::MAX {
        return Err(Finding::new(
            VerifyCode::UnsupportedAlgorithm,
            "a ZIP64 HAP: its content digest layout is not verified by appfiling",
        ));
    }
    if u64::from(offset) != directory || directory + u64::from(size) != end_record {
        return Err(Finding::new(
            VerifyCode::ZipInconsistent,
            format!("the end record places a {size}-byte central directory at offset {offset}, which does not end where the end record starts ({end_record})"),
        ));
    }
    let block_start = u32::try_from(block.start).unwrap_or(u32::MAX);
    if let Some(slot) = end.get_mut(END_RECORD_CD_OFFSET_AT..END_RECORD_CD_OFFSET_AT + 4) {
        slot.copy_from_slice(&block_start.to_le_bytes());
    }
    let sections = [(0, block.start), (directory, end_record - directory)];
    let chunks = |len: u64| len.div_ceil(CHUNK);
    let count = sections.iter().map(|(_, len)| chunks(*len)).sum::<u64>() + chunks(end_len);
    let count = u32::try_from(count).map_err(|_| {
        Finding::new(
            VerifyCode::Malformed,
            "the package is too large for a HAP content digest",
        )
    })?;
    let mut top = algorithm.hasher();
    top.update(&[TOP_PREFIX]);
    top.update(&count.to_le_bytes());
    let mut chunk_digest = |data: &[u8]| {
        let mut hasher = algorithm.hasher();
        hasher.update(&[CHUNK_PREFIX]);
        hasher.update(&(data.len() as u32).to_le_bytes());
        hasher.update(data);
        top.update(&hasher.finish());
    };
    for (start, len) in sections {
        let mut at = start;
        while at < start + len {
            let n = CHUNK.min(start + len - at);
            let data = archive.read_at(at, n as usize).map_err(read_failed)?;
            chunk_digest(&data);
            at += n;
        }
    }
    for data in end.chunks(CHUNK as usize) {
        chunk_digest(data);
    }
    for data in others {
        top.update(data);
    }
    Ok(top.finish())
}

/// A pack's verdict from its own signature (when it has one) and its modules', each
/// finding naming the module it is about. In a signed pack an unsigned module is what
/// DevEco builds (the pack's digest covers its bytes): a warning; in an unsigned pack
/// every module must verify. `unread` holds the modules that could not be read, with why.
pub(crate) fn verify_pack(
    own: Option<Verification>,
    modules: &[(String, Option<Verification>)],
    unread: &[(String, String)],
) -> Verification {
    let signed_pack = own.is_some();
    let (mut schemes, mut errors) = own.map(|v| (v.schemes, v.errors)).unwrap_or_default();
    let named = |name: &str, findings: &[Finding]| {
        findings
            .iter()
            .map(|f| Finding::new(f.code, format!("{name}: {}", f.message)))
            .collect::<Vec<_>>()
    };
    let mut covered = Vec::new();
    for (name, verification) in modules {
        let Some(verification) = verification else {
            continue;
        };
        if signed_pack && is_unsigned(verification) {
            covered.push(Finding::new(
                VerifyCode::Unsigned,
                format!("{name}: the module is unsigned; the pack's signature covers its bytes"),
            ));
            continue;
        }
        errors.extend(named(name, &verification.errors));
        for scheme in &verification.schemes {
            schemes.push(SchemeVerification::new(
                scheme.scheme,
                named(name, &scheme.errors),
                named(name, &scheme.warnings),
            ));
        }
    }
    if let Some(own) = schemes.first_mut().filter(|_| signed_pack) {
        own.warnings.extend(covered);
    }
    for (name, why) in unread {
        errors.push(Finding::new(
            VerifyCode::ReadFailed,
            format!("{name}: the module cannot be read, so it is not verified: {why}"),
        ));
    }
    if schemes.is_empty() && errors.is_empty() {
        errors.push(Finding::new(
            VerifyCode::Unsigned,
            "neither the pack nor any module in it is signed",
        ));
    }
    Verification::conclude(None, None, schemes, errors)
}

/// A verdict whose only reason is that there is no signature at all.
fn is_unsigned(verification: &Verification) -> bool {
    verification.schemes.is_empty()
        && !verification.errors.is_empty()
        && verification
            .errors
            .iter()
            .all(|e| e.code == VerifyCode::Unsigned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_algorithm_ids() {
        assert_eq!(signature_digest(0x201), Some(DigestAlgorithm::Sha256));
        assert_eq!(signature_digest(0x105), Some(DigestAlgorithm::Sha384));
        assert_eq!(signature_digest(0x303), Some(DigestAlgorithm::Sha512));
        for unknown in [0, 0x200, 0x207, 0x211, 0x401, 0x0101_0101] {
            assert_eq!(signature_digest(unknown), None, "{unknown:x}");
        }
    }

    #[test]
    fn stated_digests() {
        let mut content = [2u32, 1, 40, 0x202, 32].map(u32::to_le_bytes).concat();
        content.extend([7u8; 32]);
        let stated = StatedDigest::parse(&content).unwrap();
        assert_eq!(stated.algorithm, DigestAlgorithm::Sha384);
        assert_eq!(stated.digest, [7u8; 32]);
        for bad in [&content[..30], &[0u8; 10][..], &[1u8; 52][..]] {
            assert_eq!(
                StatedDigest::parse(bad).err().map(|f| f.code),
                Some(VerifyCode::Malformed)
            );
        }
        let mut unknown = content.clone();
        unknown[12] = 0x09;
        assert_eq!(
            StatedDigest::parse(&unknown).err().map(|f| f.code),
            Some(VerifyCode::UnsupportedAlgorithm)
        );
    }
}
