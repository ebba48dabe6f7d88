//! JAR signing (v1): META-INF/*.RSA|DSA|EC signature blocks, each a PKCS#7
//! SignedData whose SignerInfo names the signing certificate.

use super::signing_block::MAX_SIGNERS;
use crate::cert;
use crate::error::ErrorKind;
use crate::input::Archive;
use crate::pkcs7;

/// A signature block holds a certificate chain: a megabyte is plenty.
const MAX_BLOCK_FILE: u64 = 1 << 20;
/// apksig accepts at most 10 signers; beyond a few dozen the file is hostile.
const MAX_BLOCK_FILES: usize = 64;

/// Signature block files directly under META-INF/, sorted by name.
pub(super) fn block_files(archive: &Archive) -> Vec<String> {
    let mut names: Vec<String> = archive
        .names()
        .filter(|name| {
            let Some(file) = name.strip_prefix("META-INF/") else {
                return false;
            };
            let upper = file.to_ascii_uppercase();
            !file.contains('/')
                && [".RSA", ".DSA", ".EC"]
                    .iter()
                    .any(|ext| upper.ends_with(ext))
        })
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    names.truncate(MAX_BLOCK_FILES);
    names
}

/// One signer found in a signature block.
pub(super) struct V1Signer {
    pub block_file: String,
    pub certificate: Vec<u8>,
}

/// The certificate each SignerInfo of `file` names, up to one past `MAX_SIGNERS`.
/// A SignerInfo whose certificate is missing yields nothing; the caller warns.
pub(super) fn signers(archive: &mut Archive, file: &str) -> Result<Vec<V1Signer>, ErrorKind> {
    let bad = |reason: String| ErrorKind::BadEntry {
        entry: file.to_string(),
        reason,
    };
    let data = archive
        .read_entry(file, MAX_BLOCK_FILE)?
        .ok_or_else(|| bad("listed but cannot be found".into()))?;
    let signed = pkcs7::parse_signed_data(&data).map_err(|e| bad(e.to_string()))?;
    let mut out = Vec::new();
    for id in signed.signers.iter().take(MAX_SIGNERS + 1) {
        if let Some(der) = cert::signer_certificate(&signed.certificates, &id.id) {
            out.push(V1Signer {
                block_file: file.to_string(),
                certificate: der.to_vec(),
            });
        }
    }
    if out.is_empty() {
        return Err(bad(format!(
            "no SignerInfo names one of its {} certificates",
            signed.certificates.len()
        )));
    }
    Ok(out)
}

/// The JAR signature's check (helper B replaces this placeholder body; the signature is
/// the interface the APK verifier calls).
pub(crate) struct JarVerification {
    pub(crate) scheme: crate::report::SchemeVerification,
    /// The signing certificate (DER) of every signer that verified, in block-file order.
    pub(crate) signer_certificates: Vec<Vec<u8>>,
}

/// Verifies the JAR signature as Android does for SDK levels `min_sdk..=max_sdk`;
/// `signing_block_schemes` are the IDs of the APK Signing Block's v2/v3 blocks present
/// (for `X-Android-APK-Signed` stripping protection). `None` when the archive has no
/// JAR signature. Also checks the CRC-32 of every entry it streams.
pub(crate) fn verify(
    archive: &mut Archive,
    min_sdk: u32,
    max_sdk: u32,
    signing_block_schemes: &[u32],
) -> Option<JarVerification> {
    let _ = (archive, min_sdk, max_sdk, signing_block_schemes);
    None
}
