//! APK Signature Scheme v3 and v3.1: signers with SDK ranges, the
//! proof-of-rotation lineage and the v3.1 rotation attributes.

use super::signing_block::{read_attributes, read_certificates, MAX_SIGNERS};
use crate::bytes::{Reader, Truncated};

const ATTR_PROOF_OF_ROTATION: u32 = 0x3ba0_6f8c;
const ATTR_ROTATION_MIN_SDK: u32 = 0x559f_8b02;
const LINEAGE_VERSION: u32 = 1;

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
