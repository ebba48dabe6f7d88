//! SourceStamp: the certificate of the stamp (the store or build system that
//! produced the APK), which is not an app signer.

use crate::bytes::{Reader, Truncated};

/// The stamp certificate, the first field of a v1 or v2 stamp block.
pub fn certificate(block: &[u8]) -> Result<&[u8], Truncated> {
    Ok(Reader::new(block).length_prefixed()?.rest())
}
