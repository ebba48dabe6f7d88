//! APK Signature Scheme v3 and v3.1: signers with SDK ranges, the
//! proof-of-rotation lineage and the v3.1 rotation attributes.

use super::signing_block::{
    check_signer, read_attributes, read_certificates, signature_algorithm, signer_records_checked,
    BlockCheck, Findings, MAX_SIGNERS,
};
use crate::bytes::{Reader, Truncated};
use crate::crypto;
use crate::report::VerifyCode;

const ATTR_PROOF_OF_ROTATION: u32 = 0x3ba0_6f8c;
const ATTR_ROTATION_MIN_SDK: u32 = 0x559f_8b02;
/// A v3.1 signer that targets a development release (whose SDK level is the last release's).
const ATTR_ROTATION_ON_DEV_RELEASE: u32 = 0xc2a6_b3ba;
/// The first SDK level that reads the v3.1 block.
pub(crate) const SDK_T: u32 = 33;
const LINEAGE_VERSION: u32 = 1;
/// Each node costs a signature check: past this many, a lineage is refused unread.
const MAX_LINEAGE_NODES: usize = 64;

/// Capability flags of a lineage node, by bit.
pub(crate) const CAPABILITIES: [(u32, &str); 5] = [
    (1, "installed_data"),
    (2, "shared_uid"),
    (4, "permission"),
    (8, "rollback"),
    (16, "auth"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct V3Signer<'a> {
    pub certificate: &'a [u8],
    pub min_sdk: u32,
    pub max_sdk: u32,
    /// Proof-of-rotation lineage, oldest first: (certificate, flags).
    pub lineage: Vec<(&'a [u8], u32)>,
    /// In a v3.0 signer: the SDK level from which the v3.1 block applies.
    pub rotation_min_sdk: Option<u32>,
}

/// The signers, up to one past `MAX_SIGNERS`.
pub(crate) fn signers(block: &[u8]) -> Result<Vec<V3Signer<'_>>, Truncated> {
    let mut signers = Reader::new(block).length_prefixed()?;
    let mut out = Vec::new();
    while !signers.is_empty() && out.len() <= MAX_SIGNERS {
        let mut signer = signers.length_prefixed()?;
        let mut signed_data = signer.length_prefixed()?;
        let certificates = read_certificates(&mut signed_data)?;
        let _signed_min = signed_data.u32()?;
        let _signed_max = signed_data.u32()?;
        let attributes = read_attributes(signed_data.length_prefixed()?)?;
        let min_sdk = signer.u32()?;
        let max_sdk = signer.u32()?;
        let Some(certificate) = certificates.first().copied() else {
            continue;
        };
        let mut parsed = V3Signer {
            certificate,
            min_sdk,
            max_sdk,
            lineage: Vec::new(),
            rotation_min_sdk: None,
        };
        for (id, value) in attributes {
            match id {
                ATTR_PROOF_OF_ROTATION => parsed.lineage = lineage(value)?,
                ATTR_ROTATION_MIN_SDK => parsed.rotation_min_sdk = Some(Reader::new(value).u32()?),
                _ => {}
            }
        }
        out.push(parsed);
    }
    Ok(out)
}

/// SigningCertificateLineage: version, then nodes of
/// { signed data { certificate, parent's signature algorithm }, flags, algorithm, signature }.
fn lineage(value: &[u8]) -> Result<Vec<(&[u8], u32)>, Truncated> {
    let mut r = Reader::new(value);
    if r.u32()? != LINEAGE_VERSION {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    while !r.is_empty() {
        let mut node = r.length_prefixed()?;
        let mut signed_data = node.length_prefixed()?;
        let certificate = signed_data.length_prefixed()?.rest();
        let flags = node.u32()?;
        out.push((certificate, flags));
    }
    Ok(out)
}

/// A v3 or v3.1 block's check, and the rotation history its signers prove.
pub(crate) struct V3Check<'a> {
    pub(crate) check: BlockCheck<'a>,
    /// The certificates of the longest lineage, oldest first; empty without rotation.
    pub(crate) lineage: Vec<&'a [u8]>,
}

/// Checks a v3 (`v31` false) or v3.1 block as apksig's V3SchemeVerifier does: every
/// signer, then that the signers' SDK ranges cover `min_sdk..=max_sdk` without gaps or
/// overlaps (for v3 beside a v3.1 block, up to the level before `rotation_min_sdk`, where
/// v3.1 takes over), and that their lineages agree.
pub(crate) fn verify(
    block: &[u8],
    v31: bool,
    min_sdk: u32,
    max_sdk: u32,
    rotation_min_sdk: Option<u32>,
) -> V3Check<'_> {
    let scheme = if v31 { "v3.1" } else { "v3" };
    let mut check = BlockCheck::default();
    let mut lineages: Vec<Vec<&[u8]>> = Vec::new();
    let mut dev_release = Vec::new();
    for (index, record) in signer_records_checked(block, scheme, &mut check.findings)
        .into_iter()
        .enumerate()
    {
        let what = format!("{scheme} signer #{}", index + 1);
        let Some(signer) = check_signer(record, true, (0, 0), &what, &mut check.findings) else {
            continue;
        };
        let findings = &mut check.findings;
        let mut rotation_attribute = false;
        let mut lineage = Vec::new();
        for (id, value) in &signer.signed.attributes {
            match *id {
                ATTR_PROOF_OF_ROTATION => match verify_lineage(value) {
                    Ok(certificates) if certificates.last() == Some(&signer.certificate) => {
                        lineage = certificates;
                    }
                    Ok(_) => findings.error(
                        VerifyCode::LineageInvalid,
                        format!("{what}: its rotation lineage does not end with its own certificate"),
                    ),
                    Err(why) => findings.error(
                        VerifyCode::LineageInvalid,
                        format!("{what}: its rotation lineage does not hold: {why}"),
                    ),
                },
                ATTR_ROTATION_MIN_SDK => {
                    rotation_attribute = true;
                    // Stripping protection for the v3.1 block: read from SDK 33 only.
                    if max_sdk < SDK_T {
                        continue;
                    }
                    match (Reader::new(value).u32(), rotation_min_sdk) {
                        (Err(e), _) => findings.error(
                            VerifyCode::Malformed,
                            format!("{what}: the rotation min-SDK attribute is malformed ({e})"),
                        ),
                        (Ok(stated), Some(found)) if stated != found => findings.error(
                            VerifyCode::SdkMismatch,
                            format!("{what}: it says the rotated key applies from SDK {stated}, the v3.1 signers start at SDK {found}"),
                        ),
                        (Ok(_), Some(_)) => {}
                        (Ok(stated), None) => findings.error(
                            VerifyCode::Stripped,
                            format!("{what}: it says a v3.1 signature applies from SDK {stated}, but there is no v3.1 block: it was stripped"),
                        ),
                    }
                }
                ATTR_ROTATION_ON_DEV_RELEASE if v31 => {}
                ATTR_ROTATION_ON_DEV_RELEASE => findings.warning(
                    VerifyCode::UnknownAttribute,
                    format!("{what}: a v3 signer says it targets a development release, which only v3.1 signers can; Android ignores it"),
                ),
                other => findings.warning(
                    VerifyCode::UnknownAttribute,
                    format!("{what}: unknown additional attribute 0x{other:08x}"),
                ),
            }
        }
        if let (Some(found), false) = (rotation_min_sdk, rotation_attribute) {
            findings.warning(
                VerifyCode::UnknownAttribute,
                format!("{what}: the v3.1 signers start at SDK {found}, but this v3 signer does not say so (no stripping protection for the v3.1 block)"),
            );
        }
        dev_release.push(
            signer
                .signed
                .attributes
                .iter()
                .any(|(id, _)| *id == ATTR_ROTATION_ON_DEV_RELEASE),
        );
        lineages.push(lineage);
        check.signers.push((what, signer));
    }
    let mut lineage = Vec::new();
    if check.findings.errors.is_empty() {
        let covered_to = rotation_min_sdk.map_or(max_sdk, |r| r.saturating_sub(1));
        lineage = check_coverage(
            &check.signers,
            &lineages,
            &dev_release,
            (min_sdk, covered_to),
            scheme,
            &mut check.findings,
        );
    }
    V3Check { check, lineage }
}

/// The signers' SDK ranges, by their ends, must chain without gaps or overlaps and span
/// `wanted`; their lineages must only grow along the way, each a start of the longest,
/// which is returned.
fn check_coverage<'a>(
    signers: &[(String, super::signing_block::CheckedSigner<'a>)],
    lineages: &[Vec<&'a [u8]>],
    dev_release: &[bool],
    wanted: (u32, u32),
    scheme: &str,
    findings: &mut Findings,
) -> Vec<&'a [u8]> {
    let mut order: Vec<usize> = (0..signers.len()).collect();
    order.sort_by_key(|&i| signers[i].1.sdk.map_or(0, |(_, max)| max));
    let mut covered: Option<(u32, u32)> = None;
    let mut longest: &[&[u8]] = &[];
    for i in order {
        let (min, max) = signers[i].1.sdk.unwrap_or((0, 0));
        covered = match covered {
            None => Some((min, max)),
            Some((first, last)) => {
                let follows = Some(min) == last.checked_add(1)
                    || (min == last && dev_release.get(i) == Some(&true));
                if !follows {
                    findings.error(
                        VerifyCode::SdkRangeNotCovered,
                        format!(
                            "the {scheme} signers' SDK ranges leave a gap or overlap at SDK {min}"
                        ),
                    );
                    return Vec::new();
                }
                Some((first, max))
            }
        };
        let Some(lineage) = lineages.get(i).filter(|l| !l.is_empty()) else {
            continue;
        };
        if lineage.len() < longest.len() || !lineage.starts_with(longest) {
            findings.error(
                VerifyCode::LineageInvalid,
                format!("the {scheme} signers' rotation lineages disagree"),
            );
            return Vec::new();
        }
        longest = lineage;
    }
    if let Some((first, last)) = covered {
        if first > wanted.0 || last < wanted.1 {
            findings.error(
                VerifyCode::SdkRangeNotCovered,
                format!(
                    "the {scheme} signers cover SDK {first} to {last}, not SDK {} to {}",
                    wanted.0,
                    sdk_name(wanted.1)
                ),
            );
        }
    }
    longest.to_vec()
}

/// An SDK level in words: the newest is "the newest".
pub(crate) fn sdk_name(sdk: u32) -> String {
    if sdk >= i32::MAX as u32 {
        "the newest".to_string()
    } else {
        sdk.to_string()
    }
}

/// Checks a proof-of-rotation lineage (apksig's SigningCertificateLineage): version 1,
/// each node signed by the previous node's key with the algorithm the previous node names,
/// no certificate twice. Returns the certificates, oldest first.
pub(crate) fn verify_lineage(value: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut r = Reader::new(value);
    let version = r.u32().map_err(|e| e.to_string())?;
    if version != LINEAGE_VERSION {
        return Err(format!("unknown lineage version {version}"));
    }
    let mut out: Vec<&[u8]> = Vec::new();
    let mut previous: Option<(&[u8], u32)> = None;
    while !r.is_empty() {
        let number = out.len() + 1;
        if number > MAX_LINEAGE_NODES {
            return Err(format!(
                "it has more than {MAX_LINEAGE_NODES} certificates: keys rotate a few times in an app's life, this many is a hostile file"
            ));
        }
        let node = (|| -> Result<_, Truncated> {
            let mut node = r.length_prefixed()?;
            let signed_data = node.length_prefixed()?;
            let _flags = node.u32()?;
            let algorithm = node.u32()?;
            let signature = node.length_prefixed()?.rest();
            let mut signed = signed_data;
            let certificate = signed.length_prefixed()?.rest();
            let parent_algorithm = signed.u32()?;
            Ok((
                signed_data.rest(),
                algorithm,
                signature,
                certificate,
                parent_algorithm,
            ))
        })();
        let (signed_data, algorithm, signature, certificate, parent_algorithm) =
            node.map_err(|e| format!("node #{number} is malformed ({e})"))?;
        if let Some((parent, parent_signs_with)) = previous {
            let scheme_algorithm = signature_algorithm(parent_signs_with).ok_or_else(|| {
                format!(
                    "node #{number} is signed with the unknown algorithm 0x{parent_signs_with:04x}"
                )
            })?;
            let key = crypto::certificate_public_key(parent).map_err(|e| e.to_string())?;
            crypto::verify(key, scheme_algorithm.signature, signed_data, signature).map_err(
                |e| {
                    format!(
                        "node #{number} is not signed by the key of node #{}: {e}",
                        number - 1
                    )
                },
            )?;
            if parent_algorithm != parent_signs_with {
                return Err(format!(
                    "node #{number} names the algorithm 0x{parent_algorithm:04x}, its parent signed with 0x{parent_signs_with:04x}"
                ));
            }
        }
        crypto::certificate_public_key(certificate)
            .map_err(|e| format!("certificate #{number}: {e}"))?;
        if out.contains(&certificate) {
            return Err(format!("certificate #{number} appears twice"));
        }
        out.push(certificate);
        previous = Some((certificate, algorithm));
    }
    Ok(out)
}

/// Names of the capabilities set in `flags`.
pub(crate) fn capability_names(flags: u32) -> Vec<&'static str> {
    CAPABILITIES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::android::v2::tests::lp;

    fn u32le(v: u32) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }

    /// The rotation sample's lineage holds; with its last signature byte flipped, it does not.
    #[test]
    fn sample_lineage_holds_until_a_byte_flips() {
        use crate::android::signing_block::{signer_records, SigningBlock, ID_V3};
        use crate::input::Archive;
        let apk = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/sample-rotation.apk");
        let mut archive = Archive::new(std::sync::Arc::new(std::fs::read(apk).unwrap())).unwrap();
        let block = SigningBlock::read(&mut archive).unwrap().unwrap();
        let record = signer_records(block.value(ID_V3).unwrap()).unwrap()[0];
        let mut findings = Findings::default();
        let signer = check_signer(record, true, (0, 0), "v3 signer", &mut findings).unwrap();
        assert!(findings.errors.is_empty(), "{:?}", findings.errors);
        let (_, value) = signer
            .signed
            .attributes
            .iter()
            .find(|(id, _)| *id == ATTR_PROOF_OF_ROTATION)
            .unwrap();
        let certificates = verify_lineage(value).unwrap();
        assert_eq!(certificates.len(), 2);
        assert_eq!(certificates.last(), Some(&signer.certificate));
        let mut broken = value.to_vec();
        let last = broken.len() - 1;
        broken[last] ^= 1;
        let why = verify_lineage(&broken).unwrap_err();
        assert!(why.contains("not signed by the key of node #1"), "{why}");
        // The same certificate twice is refused too.
        let mut twice = value.to_vec();
        twice.truncate(4);
        let first_node_len = u32::from_le_bytes(value[4..8].try_into().unwrap()) as usize;
        let first_node = &value[4..8 + first_node_len];
        twice.extend_from_slice(first_node);
        twice.extend_from_slice(first_node);
        assert!(verify_lineage(&twice).is_err());
    }

    #[test]
    fn signer_with_lineage_and_rotation_attribute() {
        let node = |cert: &[u8], flags: u32| {
            lp(&[
                &lp(&[&lp(&[cert]), &u32le(0)]),
                &u32le(flags),
                &u32le(0x0103),
                &lp(&[b"sig"]),
            ])
        };
        let lineage_value = [u32le(1), node(b"old", 0x1f), node(b"new", 0x03)].concat();
        let attr = |id: u32, v: &[u8]| lp(&[&u32le(id), v]);
        let signed_data = lp(&[
            &lp(&[]),
            &lp(&[&lp(&[b"new"])]),
            &u32le(28),
            &u32le(0x7fff_ffff),
            &lp(&[
                &attr(ATTR_PROOF_OF_ROTATION, &lineage_value),
                &attr(ATTR_ROTATION_MIN_SDK, &u32le(33)),
            ]),
        ]);
        let signer = lp(&[
            &signed_data,
            &u32le(28),
            &u32le(0x7fff_ffff),
            &lp(&[]),
            &lp(&[]),
        ]);
        let block = lp(&[&signer]);
        let parsed = signers(&block).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].certificate, b"new");
        assert_eq!(parsed[0].min_sdk, 28);
        assert_eq!(
            parsed[0].lineage,
            vec![(&b"old"[..], 0x1f), (&b"new"[..], 0x03)]
        );
        assert_eq!(parsed[0].rotation_min_sdk, Some(33));
        assert_eq!(capability_names(0x03), vec!["installed_data", "shared_uid"]);
    }
}
