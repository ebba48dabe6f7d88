//! APK Signature Scheme v2: one certificate chain per signer.

use super::signing_block::{read_certificates, MAX_SIGNERS};
use crate::bytes::{Reader, Truncated};

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
