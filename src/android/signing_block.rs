//! The APK Signing Block: the ID-value pairs stored just before the central
//! directory, where v2, v3, v3.1 and SourceStamp live.

use super::apk_digest::ContentDigest;
use crate::bytes::{Reader, Truncated};
use crate::crypto::{self, DigestAlgorithm, SignatureAlgorithm};
use crate::input::Archive;
use crate::report::{Finding, SigningBlockEntry, VerifyCode};
use std::collections::{BTreeMap, BTreeSet};
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
    /// Offset of the block in the file: where the signed entries end.
    start: u64,
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
        let mut block = Self::parse(data)?;
        block.start = cd - total;
        Ok(Some(block))
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
        Ok(SigningBlock {
            data,
            pairs,
            start: 0,
        })
    }

    /// The first value with this ID. Android reads the first; duplicates are listed in `entries`.
    pub(crate) fn value(&self, id: u32) -> Option<&[u8]> {
        self.pairs
            .iter()
            .find(|(i, _, _)| *i == id)
            .map(|(_, s, e)| &self.data[*s..*e])
    }

    /// How many values carry this ID.
    pub(crate) fn count(&self, id: u32) -> usize {
        self.pairs.iter().filter(|(i, _, _)| *i == id).count()
    }

    /// Where the block starts in the file.
    pub(crate) fn start(&self) -> u64 {
        self.start
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

/// The first SDK levels of the schemes and algorithms.
pub(crate) const SDK_N: u32 = 24;
pub(crate) const SDK_P: u32 = 28;

/// A signature algorithm of the APK Signature Schemes, by its ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ApkSignatureAlgorithm {
    pub(crate) id: u32,
    pub(crate) content: ContentDigest,
    pub(crate) signature: SignatureAlgorithm,
    /// The first SDK level whose verifier knows it.
    pub(crate) min_sdk: u32,
}

/// The algorithms apksig knows; other IDs are skipped with a warning.
pub(crate) fn signature_algorithm(id: u32) -> Option<ApkSignatureAlgorithm> {
    use ContentDigest::{ChunkedSha256, ChunkedSha512, VerityChunkedSha256};
    use DigestAlgorithm::{Sha256, Sha512};
    use SignatureAlgorithm::{Dsa, Ecdsa, RsaPkcs1v15, RsaPss};
    let (content, signature, min_sdk) = match id {
        0x0101 => (
            ChunkedSha256,
            RsaPss {
                digest: Sha256,
                salt_len: 32,
            },
            SDK_N,
        ),
        0x0102 => (
            ChunkedSha512,
            RsaPss {
                digest: Sha512,
                salt_len: 64,
            },
            SDK_N,
        ),
        0x0103 => (ChunkedSha256, RsaPkcs1v15(Sha256), SDK_N),
        0x0104 => (ChunkedSha512, RsaPkcs1v15(Sha512), SDK_N),
        0x0201 => (ChunkedSha256, Ecdsa(Sha256), SDK_N),
        0x0202 => (ChunkedSha512, Ecdsa(Sha512), SDK_N),
        0x0301 => (ChunkedSha256, Dsa(Sha256), SDK_N),
        0x0421 => (VerityChunkedSha256, RsaPkcs1v15(Sha256), SDK_P),
        0x0423 => (VerityChunkedSha256, Ecdsa(Sha256), SDK_P),
        0x0425 => (VerityChunkedSha256, Dsa(Sha256), SDK_P),
        _ => return None,
    };
    Some(ApkSignatureAlgorithm {
        id,
        content,
        signature,
        min_sdk,
    })
}

/// The signatures a device in `min_sdk..=max_sdk` checks: at each level where an offered
/// algorithm becomes known, the strongest one known there. `None` when no offered
/// algorithm is known at `min_sdk`.
pub(crate) fn signatures_to_verify<'a>(
    offered: &[(ApkSignatureAlgorithm, &'a [u8])],
    min_sdk: u32,
    max_sdk: u32,
) -> Option<Vec<(ApkSignatureAlgorithm, &'a [u8])>> {
    let mut best: BTreeMap<u32, (ApkSignatureAlgorithm, &'a [u8])> = BTreeMap::new();
    for (algorithm, signature) in offered {
        if algorithm.min_sdk > max_sdk {
            continue;
        }
        let slot = best
            .entry(algorithm.min_sdk)
            .or_insert((*algorithm, signature));
        if algorithm.content.strength() > slot.0.content.strength() {
            *slot = (*algorithm, signature);
        }
    }
    let oldest = best.keys().next().copied()?;
    if min_sdk < oldest {
        return None;
    }
    let mut out: Vec<_> = best.into_values().collect();
    out.sort_by_key(|(algorithm, _)| algorithm.id);
    Some(out)
}

const MAX_WARNINGS: usize = 32;
/// Signers carry one signature per algorithm, a handful at most.
const MAX_SIGNATURES: usize = 64;

/// Errors and warnings of one scheme's check.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub(crate) errors: Vec<Finding>,
    pub(crate) warnings: Vec<Finding>,
}

impl Findings {
    pub(crate) fn error(&mut self, code: VerifyCode, message: String) {
        self.errors.push(Finding::new(code, message));
    }

    /// Warnings beyond `MAX_WARNINGS` are dropped: a hostile block can list a million
    /// unknown algorithms, and the report says enough after a few.
    pub(crate) fn warning(&mut self, code: VerifyCode, message: String) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(Finding::new(code, message));
        }
    }
}

/// What a signer's signed data holds.
pub(crate) struct SignedData<'a> {
    pub(crate) digests: Vec<(u32, &'a [u8])>,
    pub(crate) certificates: Vec<&'a [u8]>,
    /// v3 and v3.1: the signer's SDK range as signed.
    pub(crate) sdk: Option<(u32, u32)>,
    pub(crate) attributes: Vec<(u32, &'a [u8])>,
}

/// A signer whose signature over its signed data verified.
pub(crate) struct CheckedSigner<'a> {
    /// The signing certificate: the first of the signer's chain.
    pub(crate) certificate: &'a [u8],
    pub(crate) signed: SignedData<'a>,
    /// v3 and v3.1: the SDK range stated beside the signed data.
    pub(crate) sdk: Option<(u32, u32)>,
    /// The content digests its verified signatures vouch for.
    pub(crate) content: BTreeSet<ContentDigest>,
}

/// One scheme block's check: what went wrong, and the signers whose signed data verified
/// (each with the words that name it in messages).
#[derive(Default)]
pub(crate) struct BlockCheck<'a> {
    pub(crate) findings: Findings,
    pub(crate) signers: Vec<(String, CheckedSigner<'a>)>,
}

/// The signer records of a scheme block, or why they cannot be read: none, too many
/// (Android refuses more than `MAX_SIGNERS`), or malformed.
pub(crate) fn signer_records_checked<'a>(
    block: &'a [u8],
    scheme: &str,
    findings: &mut Findings,
) -> Vec<Reader<'a>> {
    match signer_records(block) {
        Ok(records) if records.is_empty() => {
            findings.error(
                VerifyCode::NoSigners,
                format!("the {scheme} block has no signers"),
            );
            Vec::new()
        }
        Ok(records) if records.len() > MAX_SIGNERS => {
            findings.error(
                VerifyCode::TooManySigners,
                format!(
                    "the {scheme} block has {} signers: Android accepts at most {MAX_SIGNERS}",
                    records.len()
                ),
            );
            Vec::new()
        }
        Ok(records) => records,
        Err(e) => {
            findings.error(
                VerifyCode::Malformed,
                format!("the {scheme} block's signer list is malformed ({e})"),
            );
            Vec::new()
        }
    }
}

/// The signer records of a v2, v3 or v3.1 block, each still length-prefixed inside.
pub(crate) fn signer_records(block: &[u8]) -> Result<Vec<Reader<'_>>, Truncated> {
    let mut signers = Reader::new(block).length_prefixed()?;
    let mut out = Vec::new();
    while !signers.is_empty() {
        out.push(signers.length_prefixed()?);
    }
    Ok(out)
}

/// Checks one signer record as every scheme does (apksig's parseSigner): a supported
/// signature over the signed data with the record's key, that key equal to the first
/// certificate's, and the same algorithms in the signatures and the digests. `with_sdk`
/// for v3 and v3.1, whose records state an SDK range (the range the signatures are then
/// chosen for); v2 signatures are chosen for `range`. `what` names the signer in messages.
pub(crate) fn check_signer<'a>(
    mut record: Reader<'a>,
    with_sdk: bool,
    range: (u32, u32),
    what: &str,
    findings: &mut Findings,
) -> Option<CheckedSigner<'a>> {
    let malformed = |findings: &mut Findings, part: &str, e: Truncated| {
        findings.error(
            VerifyCode::Malformed,
            format!("{what}: the {part} is malformed ({e})"),
        );
    };
    let parsed = (|| {
        let signed_data = record.length_prefixed()?.rest();
        let sdk = if with_sdk {
            Some((record.u32()?, record.u32()?))
        } else {
            None
        };
        let signatures = record.length_prefixed()?;
        let public_key = record.length_prefixed()?.rest();
        Ok((signed_data, sdk, signatures, public_key))
    })();
    let (signed_data, sdk, mut signatures, public_key) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            malformed(findings, "signer record", e);
            return None;
        }
    };
    if let Some((min, max)) = sdk {
        if min > max || min > i32::MAX as u32 {
            findings.error(
                VerifyCode::SdkMismatch,
                format!("{what}: its SDK range {min}..{max} is invalid"),
            );
        }
    }
    let mut listed = Vec::new();
    let mut offered = Vec::new();
    while !signatures.is_empty() {
        if listed.len() == MAX_SIGNATURES {
            findings.error(
                VerifyCode::Malformed,
                format!("{what}: it lists more than {MAX_SIGNATURES} signatures, which no signing tool writes"),
            );
            return None;
        }
        let one = (|| {
            let mut signature = signatures.length_prefixed()?;
            Ok::<_, Truncated>((signature.u32()?, signature.length_prefixed()?.rest()))
        })();
        let (id, bytes) = match one {
            Ok(one) => one,
            Err(e) => {
                malformed(findings, "signature list", e);
                return None;
            }
        };
        listed.push(id);
        match signature_algorithm(id) {
            Some(algorithm) => offered.push((algorithm, bytes)),
            None => findings.warning(
                VerifyCode::UnsupportedAlgorithm,
                format!(
                    "{what}: unknown signature algorithm 0x{id:04x}, ignored as Android ignores it"
                ),
            ),
        }
    }
    if listed.is_empty() {
        findings.error(
            VerifyCode::Malformed,
            format!("{what}: it has no signatures"),
        );
        return None;
    }
    let (min, max) = sdk.unwrap_or(range);
    let Some(chosen) = signatures_to_verify(&offered, min, max) else {
        findings.error(
            VerifyCode::UnsupportedAlgorithm,
            format!("{what}: none of its signature algorithms is supported on every Android version from SDK {min}"),
        );
        return None;
    };
    let mut content = BTreeSet::new();
    for (algorithm, signature) in chosen {
        if let Err(e) = crypto::verify(public_key, algorithm.signature, signed_data, signature) {
            // A key the record holds but no verifier can load (as a tampered one) fails
            // the signature, which is how apksigner reports it.
            let code = match e {
                crypto::CryptoError::Mismatch
                | crypto::CryptoError::BadSignature(_)
                | crypto::CryptoError::BadKey(_) => VerifyCode::SignatureMismatch,
                crypto::CryptoError::Unsupported(_) => VerifyCode::UnsupportedAlgorithm,
                crypto::CryptoError::WrongKeyType { .. } => VerifyCode::PublicKeyMismatch,
            };
            findings.error(
                code,
                format!(
                    "{what}: its {} signature over the signed data does not verify: {e}",
                    algorithm.signature.name()
                ),
            );
            return None;
        }
        content.insert(algorithm.content);
    }
    let signed = match parse_signed_data(signed_data, with_sdk) {
        Ok(signed) => signed,
        Err(e) => {
            malformed(findings, "signed data", e);
            return None;
        }
    };
    if let (Some((min, max)), Some((signed_min, signed_max))) = (sdk, signed.sdk) {
        if (min, max) != (signed_min, signed_max) {
            findings.error(
                VerifyCode::SdkMismatch,
                format!("{what}: its SDK range {min}..{max} differs from the signed range {signed_min}..{signed_max}"),
            );
        }
    }
    for (index, certificate) in signed.certificates.iter().enumerate() {
        if let Err(e) = crypto::certificate_public_key(certificate) {
            findings.error(
                VerifyCode::CertificateUnreadable,
                format!("{what}: certificate #{}: {e}", index + 1),
            );
            return None;
        }
    }
    let Some(certificate) = signed.certificates.first().copied() else {
        findings.error(
            VerifyCode::CertificateUnreadable,
            format!("{what}: it lists no certificate"),
        );
        return None;
    };
    let certified = crypto::certificate_public_key(certificate).unwrap_or_default();
    if !same_public_key(certified, public_key) {
        findings.error(
            VerifyCode::PublicKeyMismatch,
            format!("{what}: the public key of its record differs from its certificate's"),
        );
        return None;
    }
    let digest_ids: Vec<u32> = signed.digests.iter().map(|(id, _)| *id).collect();
    if digest_ids != listed {
        findings.error(
            VerifyCode::Malformed,
            format!(
                "{what}: its signatures ({}) and its digests ({}) name different algorithms",
                ids(&listed),
                ids(&digest_ids)
            ),
        );
        return None;
    }
    Some(CheckedSigner {
        certificate,
        signed,
        sdk,
        content,
    })
}

fn ids(list: &[u32]) -> String {
    list.iter()
        .map(|id| format!("0x{id:04x}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_signed_data(data: &[u8], with_sdk: bool) -> Result<SignedData<'_>, Truncated> {
    let mut r = Reader::new(data);
    let mut digest_list = r.length_prefixed()?;
    let mut certificate_list = r.length_prefixed()?;
    let sdk = if with_sdk {
        Some((r.u32()?, r.u32()?))
    } else {
        None
    };
    let attributes = read_attributes(r.length_prefixed()?)?;
    let mut digests = Vec::new();
    while !digest_list.is_empty() {
        let mut digest = digest_list.length_prefixed()?;
        digests.push((digest.u32()?, digest.length_prefixed()?.rest()));
    }
    let mut certificates = Vec::new();
    while !certificate_list.is_empty() {
        certificates.push(certificate_list.length_prefixed()?.rest());
    }
    Ok(SignedData {
        digests,
        certificates,
        sdk,
        attributes,
    })
}

/// Two SubjectPublicKeyInfos name the same key: the same bytes, or (as apksig allows for
/// certificates that encode an RSA modulus without its sign byte) the same RSA numbers.
fn same_public_key(a: &[u8], b: &[u8]) -> bool {
    use x509_parser::prelude::FromDer;
    use x509_parser::public_key::PublicKey;
    use x509_parser::x509::SubjectPublicKeyInfo;
    if a == b {
        return true;
    }
    let rsa = |spki: &[u8]| {
        let (_, info) = SubjectPublicKeyInfo::from_der(spki).ok()?;
        match info.parsed().ok()? {
            PublicKey::RSA(key) => Some((
                strip_zeros(key.modulus).to_vec(),
                strip_zeros(key.exponent).to_vec(),
            )),
            _ => None,
        }
    };
    matches!((rsa(a), rsa(b)), (Some(x), Some(y)) if x == y)
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// The content digests the signers of one scheme vouch for, against those computed
/// (apksig's verifyIntegrity): only the algorithms whose signatures were checked count.
pub(crate) fn check_content(
    signers: &[(String, CheckedSigner<'_>)],
    computed: &BTreeMap<ContentDigest, Vec<u8>>,
    findings: &mut Findings,
) {
    let wanted: BTreeSet<ContentDigest> = signers
        .iter()
        .flat_map(|(_, s)| s.content.iter().copied())
        .collect();
    for (what, signer) in signers {
        for (id, expected) in &signer.signed.digests {
            let Some(content) = signature_algorithm(*id).map(|a| a.content) else {
                continue;
            };
            if !wanted.contains(&content) {
                continue;
            }
            let Some(actual) = computed.get(&content) else {
                continue;
            };
            if actual.as_slice() != *expected {
                findings.error(
                    VerifyCode::DigestMismatch,
                    format!(
                        "{what}: the {} digest of the APK does not match the signed one: the APK was changed after signing",
                        content.name()
                    ),
                );
            }
        }
    }
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

    /// apksig's choice: the strongest algorithm at each level where one becomes known,
    /// and nothing when none is known at the oldest level.
    #[test]
    fn signatures_are_chosen_per_sdk_level() {
        let offer = |ids: &[u32]| -> Vec<(ApkSignatureAlgorithm, &[u8])> {
            ids.iter()
                .map(|id| (signature_algorithm(*id).unwrap(), &b""[..]))
                .collect()
        };
        let chosen = |ids: &[u32], min, max| {
            signatures_to_verify(&offer(ids), min, max)
                .map(|c| c.iter().map(|(a, _)| a.id).collect::<Vec<_>>())
        };
        let newest = i32::MAX as u32;
        assert_eq!(
            chosen(&[0x0103, 0x0104, 0x0421], 24, newest),
            Some(vec![0x0104, 0x0421])
        );
        assert_eq!(
            chosen(&[0x0103, 0x0104, 0x0421], 24, 27),
            Some(vec![0x0104])
        );
        assert_eq!(
            chosen(&[0x0103, 0x0421], 28, newest),
            Some(vec![0x0103, 0x0421])
        );
        assert_eq!(chosen(&[0x0421], 24, newest), None);
        assert_eq!(chosen(&[], 24, newest), None);
        assert!(signature_algorithm(0x9901).is_none());
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
