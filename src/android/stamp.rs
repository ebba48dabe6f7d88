//! SourceStamp: the certificate of the stamp (the store or build system that
//! produced the APK), which is not an app signer.

use crate::bytes::{Reader, Truncated};

/// The stamp certificate: the block value is a length-prefixed stamp block
/// whose first field is the length-prefixed certificate (v1 and v2 alike).
pub(super) fn certificate(block: &[u8]) -> Result<&[u8], Truncated> {
    Ok(Reader::new(block)
        .length_prefixed()?
        .length_prefixed()?
        .rest())
}

/// The SourceStamp's check, when the APK carries one.
pub(super) fn verify(
    block: &super::signing_block::SigningBlock,
    computed: &std::collections::BTreeMap<super::apk_digest::ContentDigest, Vec<u8>>,
    jar_verified: bool,
) -> Option<crate::report::SchemeVerification> {
    let _ = (block, computed, jar_verified);
    None
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
