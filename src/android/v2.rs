//! APK Signature Scheme v2: one certificate chain per signer.

use super::signing_block::{
    check_signer, read_certificates, signer_records_checked, BlockCheck, MAX_SIGNERS, SDK_P,
};
use crate::bytes::{Reader, Truncated};
use crate::report::VerifyCode;

/// Stripping protection: the v2 signer names the newer scheme it was signed with too.
const ATTR_STRIPPING_PROTECTION: u32 = 0xbeef_f00d;
const SCHEME_V3: u32 = 3;

/// The signing certificate (the first of each chain) of every signer, up to one
/// past `MAX_SIGNERS`.
pub(crate) fn signer_certificates(block: &[u8]) -> Result<Vec<&[u8]>, Truncated> {
    let mut signers = Reader::new(block).length_prefixed()?;
    let mut out = Vec::new();
    while !signers.is_empty() && out.len() <= MAX_SIGNERS {
        let mut signer = signers.length_prefixed()?;
        let mut signed_data = signer.length_prefixed()?;
        if let Some(first) = read_certificates(&mut signed_data)?.first() {
            out.push(*first);
        }
    }
    Ok(out)
}

/// Checks the v2 block for a device in `min_sdk..=max_sdk` (already from SDK 24), as
/// apksig's V2SchemeVerifier does. `v3_found`: a v3 block was found and checked, which
/// the stripping-protection attribute asks for from SDK 28.
pub(crate) fn verify(block: &[u8], min_sdk: u32, max_sdk: u32, v3_found: bool) -> BlockCheck<'_> {
    let mut check = BlockCheck::default();
    for (index, record) in signer_records_checked(block, "v2", &mut check.findings)
        .into_iter()
        .enumerate()
    {
        let what = format!("v2 signer #{}", index + 1);
        let Some(signer) = check_signer(
            record,
            false,
            (min_sdk, max_sdk),
            &what,
            &mut check.findings,
        ) else {
            continue;
        };
        for (id, value) in &signer.signed.attributes {
            if *id != ATTR_STRIPPING_PROTECTION {
                check.findings.warning(
                    VerifyCode::UnknownAttribute,
                    format!("{what}: unknown additional attribute 0x{id:08x}"),
                );
                continue;
            }
            match Reader::new(value).u32() {
                Ok(SCHEME_V3) if max_sdk >= SDK_P && !v3_found => check.findings.error(
                    VerifyCode::Stripped,
                    format!("{what}: the v2 signature says the APK is also signed with APK Signature Scheme v3, but there is no v3 signature: it was stripped"),
                ),
                Ok(_) => {}
                Err(e) => check.findings.error(
                    VerifyCode::Malformed,
                    format!("{what}: the stripping-protection attribute is malformed ({e})"),
                ),
            }
        }
        check.signers.push((what, signer));
    }
    check
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn lp(parts: &[&[u8]]) -> Vec<u8> {
        let body = parts.concat();
        let mut out = (body.len() as u32).to_le_bytes().to_vec();
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn reads_the_first_certificate_of_each_signer() {
        let signed_data =
            |cert: &[u8]| lp(&[&lp(&[]), &lp(&[&lp(&[cert]), &lp(&[b"chain"])]), &lp(&[])]);
        let signer = |cert: &[u8]| lp(&[&signed_data(cert), &lp(&[]), &lp(&[b"key"])]);
        let block = lp(&[&signer(b"cert-a"), &signer(b"cert-b")]);
        assert_eq!(
            signer_certificates(&block).unwrap(),
            vec![&b"cert-a"[..], &b"cert-b"[..]]
        );
        assert!(signer_certificates(&block[..block.len() - 1]).is_err());
    }
}
