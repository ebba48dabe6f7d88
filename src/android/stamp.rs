//! SourceStamp: the certificate of the stamp (the store or build system that
//! produced the APK), which is not an app signer.

use super::apk_digest::ContentDigest;
use super::signing_block::{
    read_attributes, signature_algorithm, signatures_to_verify, Findings, SigningBlock,
    ID_SOURCE_STAMP_V1, ID_SOURCE_STAMP_V2,
};
use crate::bytes::{Reader, Truncated};
use crate::crypto::{self, DigestAlgorithm};
use crate::input::Archive;
use crate::report::{SchemeVerification, VerifiedScheme, VerifyCode};
use std::collections::BTreeMap;

/// The stamp certificate: the block value is a length-prefixed stamp block
/// whose first field is the length-prefixed certificate (v1 and v2 alike).
pub(super) fn certificate(block: &[u8]) -> Result<&[u8], Truncated> {
    Ok(Reader::new(block)
        .length_prefixed()?
        .length_prefixed()?
        .rest())
}

/// The zip entry holding the SHA-256 of the stamp certificate: Android checks a stamp
/// only in an APK that carries it.
const CERTIFICATE_DIGEST_ENTRY: &str = "stamp-cert-sha256";
const ATTR_PROOF_OF_ROTATION: u32 = 0x9d63_03f7;
const ATTR_TIMESTAMP: u32 = 0xe43c_5946;
/// Stamps are read from Android 11.
const SDK_R: u32 = 30;
/// The scheme IDs a stamp signs digests for.
pub(super) const STAMP_V1: u32 = 1;
pub(super) const STAMP_V2: u32 = 2;
pub(super) const STAMP_V3: u32 = 3;
/// The digest ID of v1's digest (SHA-256 of MANIFEST.MF).
const DIGEST_SHA256: u32 = 4;
const MAX_MANIFEST: u64 = 8 << 20;

/// The SourceStamp's check, when the APK carries one (apksig's V2SourceStampVerifier):
/// the stamp certificate against the `stamp-cert-sha256` entry, the stamp's signature
/// over the digests of every scheme checked (`schemes`: scheme ID and the content
/// digests its signers vouch for; v1's is computed here), and over its attributes.
/// Every problem is an error of the stamp alone: a stamp is never required.
pub(super) fn verify(
    archive: &mut Archive,
    block: &SigningBlock,
    schemes: &[(u32, BTreeMap<ContentDigest, Vec<u8>>)],
    sdk: (u32, u32),
) -> Option<SchemeVerification> {
    let value = block.value(ID_SOURCE_STAMP_V2);
    let older = block.value(ID_SOURCE_STAMP_V1).is_some();
    let expected = archive
        .read_entry(CERTIFICATE_DIGEST_ENTRY, 64)
        .ok()
        .flatten();
    if value.is_none() && !older && expected.is_none() {
        return None;
    }
    let mut findings = Findings::default();
    match (value, expected) {
        (None, _) => findings.error(
            VerifyCode::NoSigners,
            "the APK has no SourceStamp v2 block, the only kind Android checks".into(),
        ),
        (Some(_), None) => findings.error(
            VerifyCode::EntryMissing,
            format!("the SourceStamp block has no {CERTIFICATE_DIGEST_ENTRY} entry beside it, so Android does not check it"),
        ),
        (Some(value), Some(expected)) => {
            let v1 = schemes
                .iter()
                .any(|(id, _)| *id == STAMP_V1)
                .then(|| manifest_digest(archive))
                .flatten();
            let digests: Vec<(u32, Vec<u8>)> = schemes
                .iter()
                .map(|(id, content)| {
                    let encoded = match (*id, &v1) {
                        (STAMP_V1, Some(digest)) => encode(&[(DIGEST_SHA256, digest.as_slice())]),
                        _ => encode(
                            &content
                                .iter()
                                .map(|(d, v)| (d.id(), v.as_slice()))
                                .collect::<Vec<_>>(),
                        ),
                    };
                    (*id, encoded)
                })
                .collect();
            if let Err(e) = check(value, &expected, &digests, sdk, &mut findings) {
                findings.error(
                    VerifyCode::Malformed,
                    format!("the SourceStamp block is malformed ({e})"),
                );
            }
        }
    }
    Some(SchemeVerification::new(
        VerifiedScheme::Stamp,
        findings.errors,
        findings.warnings,
    ))
}

fn manifest_digest(archive: &mut Archive) -> Option<Vec<u8>> {
    let manifest = archive
        .read_entry("META-INF/MANIFEST.MF", MAX_MANIFEST)
        .ok()
        .flatten()?;
    Some(DigestAlgorithm::Sha256.digest(&manifest))
}

/// (ID, bytes) pairs sorted by ID, each as u32 length, u32 ID, length-prefixed bytes.
fn encode(pairs: &[(u32, &[u8])]) -> Vec<u8> {
    let mut sorted = pairs.to_vec();
    sorted.sort_by_key(|(id, _)| *id);
    let mut out = Vec::new();
    for (id, bytes) in sorted {
        out.extend_from_slice(&(8 + bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

fn check(
    value: &[u8],
    expected: &[u8],
    digests: &[(u32, Vec<u8>)],
    (min, max): (u32, u32),
    findings: &mut Findings,
) -> Result<(), Truncated> {
    let mut stamp = Reader::new(value).length_prefixed()?;
    let certificate = stamp.length_prefixed()?.rest();
    let key = match crypto::certificate_public_key(certificate) {
        Ok(key) => key,
        Err(e) => {
            findings.error(
                VerifyCode::CertificateUnreadable,
                format!("the SourceStamp certificate: {e}"),
            );
            return Ok(());
        }
    };
    if DigestAlgorithm::Sha256.digest(certificate) != expected {
        findings.error(
            VerifyCode::PublicKeyMismatch,
            format!("the SourceStamp certificate is not the one {CERTIFICATE_DIGEST_ENTRY} names"),
        );
        return Ok(());
    }
    let range = (min.max(SDK_R), max);
    let mut signed_schemes = stamp.length_prefixed()?;
    let mut signed = BTreeMap::new();
    while !signed_schemes.is_empty() {
        let mut scheme = signed_schemes.length_prefixed()?;
        let id = scheme.u32()?;
        signed.insert(id, scheme.length_prefixed()?);
    }
    for (id, digest) in digests {
        let Some(signatures) = signed.get(id) else {
            findings.error(
                VerifyCode::NoSigners,
                format!(
                    "the SourceStamp signs no digest of the {} signature",
                    scheme_name(*id)
                ),
            );
            return Ok(());
        };
        let what = format!("its signature over the {} digests", scheme_name(*id));
        if !signature_holds(key, digest, *signatures, range, &what, findings)? {
            return Ok(());
        }
    }
    if stamp.is_empty() {
        return Ok(());
    }
    let attributes = stamp.length_prefixed()?;
    let signatures = stamp.length_prefixed()?;
    if !signature_holds(
        key,
        attributes.rest(),
        signatures,
        range,
        "its signature over its attributes",
        findings,
    )? {
        return Ok(());
    }
    for (id, value) in read_attributes(attributes.clone().length_prefixed()?)? {
        match id {
            ATTR_TIMESTAMP => match Reader::new(value).u64() {
                Ok(time) if (time as i64) > 0 => {}
                Ok(time) => findings.error(
                    VerifyCode::Malformed,
                    format!("the SourceStamp timestamp {} is not a time", time as i64),
                ),
                Err(e) => findings.error(
                    VerifyCode::Malformed,
                    format!("the SourceStamp timestamp is malformed ({e})"),
                ),
            },
            ATTR_PROOF_OF_ROTATION => match super::v3::verify_lineage(value) {
                Ok(lineage) if lineage.last() == Some(&certificate) => {}
                Ok(_) => findings.error(
                    VerifyCode::LineageInvalid,
                    "the SourceStamp lineage does not end with the stamp certificate".into(),
                ),
                Err(why) => findings.error(
                    VerifyCode::LineageInvalid,
                    format!("the SourceStamp lineage does not hold: {why}"),
                ),
            },
            other => findings.warning(
                VerifyCode::UnknownAttribute,
                format!("unknown SourceStamp attribute 0x{other:08x}"),
            ),
        }
    }
    Ok(())
}

fn scheme_name(id: u32) -> &'static str {
    match id {
        STAMP_V1 => "JAR (v1)",
        STAMP_V2 => "v2",
        STAMP_V3 => "v3",
        _ => "unknown",
    }
}

/// The stamp signatures a device in `range` checks, over `data` with the stamp key;
/// `Ok(false)` (with an error) when one does not hold.
fn signature_holds(
    key: &[u8],
    data: &[u8],
    mut signatures: Reader<'_>,
    (min, max): (u32, u32),
    what: &str,
    findings: &mut Findings,
) -> Result<bool, Truncated> {
    let mut offered = Vec::new();
    while !signatures.is_empty() {
        let mut signature = signatures.length_prefixed()?;
        let id = signature.u32()?;
        let bytes = signature.length_prefixed()?.rest();
        if let Some(algorithm) = signature_algorithm(id) {
            offered.push((algorithm, bytes));
        }
    }
    let Some(chosen) = signatures_to_verify(&offered, min, max) else {
        findings.error(
            VerifyCode::UnsupportedAlgorithm,
            format!("the SourceStamp has no supported signature for {what}"),
        );
        return Ok(false);
    };
    for (algorithm, signature) in chosen {
        if let Err(e) = crypto::verify(key, algorithm.signature, data, signature) {
            findings.error(
                VerifyCode::SignatureMismatch,
                format!(
                    "the SourceStamp's {} {what} does not verify: {e}",
                    algorithm.signature.name()
                ),
            );
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::android::v2::tests::lp;

    #[test]
    fn reads_the_nested_certificate() {
        let block = lp(&[&lp(&[b"cert"]), &lp(&[b"digests"])]);
        assert_eq!(certificate(&block).unwrap(), b"cert");
        assert!(certificate(&block[..6]).is_err());
    }
}
