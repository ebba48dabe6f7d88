//! A CMS signature as HarmonyOS checks it (hapsigner's `verify-app` and
//! `verify-profile`, the device's verifier): every SignerInfo holds over the content
//! with its certificate's key, and each signer's certificate leads, issuer by issuer,
//! to a CA, every certificate below the top valid when it signed.
//!
//! Which CA the chain ends at is not judged: that is the device's list of trusted roots
//! (Huawei's, or OpenHarmony's test roots), which appfiling does not hold.

use crate::crypto::{self, CryptoError, DigestAlgorithm, SignatureAlgorithm};
use crate::pkcs7::{self, SignedData, SignerInfo, SignerInfoError};
use crate::report::{Finding, VerifyCode};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::time::ASN1Time;

/// More certificates than any real chain carries: each is a candidate issuer checked by
/// signature, so the set is bounded.
const MAX_CERTIFICATES: usize = 16;
const MAX_SIGNERS: usize = 4;
/// pkcs-9 signingTime, 1.2.840.113549.1.9.5
const OID_SIGNING_TIME: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05];

/// Checks the CMS `bytes` (`what` names it in messages: "the HAP signature") and returns
/// its encapsulated content.
pub(crate) fn verify_cms(bytes: &[u8], what: &str) -> Result<Vec<u8>, Finding> {
    let signed = pkcs7::parse_signed_data(bytes).map_err(|e| {
        Finding::new(
            VerifyCode::Malformed,
            format!("{what} is not a readable CMS signature: {e}"),
        )
    })?;
    let content = signed.content.clone().ok_or_else(|| {
        Finding::new(
            VerifyCode::Malformed,
            format!("{what} holds no signed content"),
        )
    })?;
    match signed.signers.len() {
        0 => {
            return Err(Finding::new(
                VerifyCode::NoSigners,
                format!("{what} has no signer"),
            ))
        }
        n if n > MAX_SIGNERS => {
            return Err(Finding::new(
                VerifyCode::TooManySigners,
                format!("{what} has {n} signers, more than the {MAX_SIGNERS} any signer writes"),
            ))
        }
        _ => {}
    }
    for signer in &signed.signers {
        let certificate =
            pkcs7::verify_signer(&signed, signer, &content).map_err(|e| signer_finding(what, e))?;
        check_chain(&signed, signer, certificate).map_err(|reason| {
            Finding::new(VerifyCode::ChainInvalid, format!("{what}: {reason}"))
        })?;
    }
    Ok(content)
}

fn signer_finding(what: &str, error: SignerInfoError) -> Finding {
    let code = match &error {
        SignerInfoError::Structure(_) | SignerInfoError::NoMessageDigest => VerifyCode::Malformed,
        SignerInfoError::NoCertificate => VerifyCode::CertificateUnreadable,
        SignerInfoError::UnsupportedDigest(_) | SignerInfoError::UnsupportedSignature(_) => {
            VerifyCode::UnsupportedAlgorithm
        }
        SignerInfoError::DigestMismatch(_) => VerifyCode::SignatureMismatch,
        SignerInfoError::Crypto(e) => crypto_code(e),
    };
    let consequence = match code {
        VerifyCode::SignatureMismatch => ": it was changed after signing",
        _ => "",
    };
    Finding::new(
        code,
        format!("{what} does not verify: {error}{consequence}"),
    )
}

fn crypto_code(error: &CryptoError) -> VerifyCode {
    match error {
        CryptoError::Mismatch | CryptoError::BadSignature(_) => VerifyCode::SignatureMismatch,
        CryptoError::BadKey(_) | CryptoError::WrongKeyType { .. } => {
            VerifyCode::CertificateUnreadable
        }
        CryptoError::Unsupported(_) => VerifyCode::UnsupportedAlgorithm,
    }
}

/// The chain from the signer's certificate up, as hapsigner builds it: each step the
/// unused certificate whose subject is the current one's issuer and whose key verifies
/// its signature; at least the signer's and its issuer's. Returns why it does not hold.
fn check_chain(
    signed: &SignedData<'_>,
    signer: &SignerInfo<'_>,
    leaf: &[u8],
) -> Result<(), String> {
    if signed.certificates.len() > MAX_CERTIFICATES {
        return Err(format!(
            "it carries {} certificates, more than the {MAX_CERTIFICATES} a chain is read from",
            signed.certificates.len()
        ));
    }
    let parsed: Vec<X509Certificate<'_>> = signed
        .certificates
        .iter()
        .filter_map(|der| X509Certificate::from_der(der).ok().map(|(_, cert)| cert))
        .collect();
    let (_, leaf) = X509Certificate::from_der(leaf)
        .map_err(|e| format!("the signer's certificate is unreadable: {e}"))?;
    // The signer's own certificate is no candidate issuer (a self-signed one is checked below).
    let mut used: Vec<bool> = parsed
        .iter()
        .map(|cert| cert.as_ref() == leaf.as_ref())
        .collect();
    let mut chain = vec![&leaf];
    while let Some(current) = chain.last().copied() {
        let issuer = parsed
            .iter()
            .zip(used.iter_mut())
            .find(|(candidate, used)| {
                !**used
                    && candidate.subject().as_raw() == current.issuer().as_raw()
                    && signed_by(current, candidate).is_ok()
            });
        let Some((issuer, used)) = issuer else { break };
        *used = true;
        chain.push(issuer);
    }
    let (top, below) = match chain.split_last() {
        Some((top, below)) if !below.is_empty() => (*top, below),
        _ => {
            return Err(format!(
                "the signer's certificate ({}) comes without the certificate of its issuer ({}) that verifies it",
                leaf.subject(),
                leaf.issuer()
            ))
        }
    };
    if top.subject().as_raw() == top.issuer().as_raw() {
        signed_by(top, top).map_err(|e| {
            format!(
                "the root certificate ({}) does not verify itself: {e}",
                top.subject()
            )
        })?;
    }
    let signing_time = signing_time(signer)?;
    for cert in below {
        let validity = cert.validity();
        if signing_time < validity.not_before.timestamp()
            || signing_time > validity.not_after.timestamp()
        {
            return Err(format!(
                "the certificate {} was not valid when it signed ({} to {}, signed at {})",
                cert.subject(),
                validity.not_before,
                validity.not_after,
                ASN1Time::from_timestamp(signing_time)
                    .map(|t| t.to_string())
                    .unwrap_or_else(|_| signing_time.to_string())
            ));
        }
    }
    Ok(())
}

/// The signer's signingTime attribute, in Unix seconds: hapsigner requires it.
fn signing_time(signer: &SignerInfo<'_>) -> Result<i64, String> {
    let values = pkcs7::signed_attribute(signer, OID_SIGNING_TIME).map_err(|e| e.to_string())?;
    let value = values.first().ok_or(
        "the signer states no signing time, so its certificates' validity cannot be checked",
    )?;
    ASN1Time::from_der(value)
        .map(|(_, time)| time.timestamp())
        .map_err(|e| format!("the signing time is unreadable: {e}"))
}

/// Whether `issuer`'s key verifies `cert`'s signature.
fn signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> Result<(), CryptoError> {
    let algorithm = certificate_signature_algorithm(cert)?;
    crypto::verify(
        issuer.public_key().raw,
        algorithm,
        cert.tbs_certificate.as_ref(),
        &cert.signature_value.data,
    )
}

/// The algorithm of a certificate's signature, from its identifier: RSA PKCS#1 v1.5,
/// ECDSA and DSA with the digest they name.
fn certificate_signature_algorithm(
    cert: &X509Certificate<'_>,
) -> Result<SignatureAlgorithm, CryptoError> {
    use DigestAlgorithm::*;
    const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
    const ECDSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04];
    const NIST_DSA: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03];
    let oid = cert.signature_algorithm.algorithm.as_bytes();
    Ok(match oid {
        [prefix @ .., last] if prefix == RSA => SignatureAlgorithm::RsaPkcs1v15(match last {
            5 => Sha1,
            11 => Sha256,
            12 => Sha384,
            13 => Sha512,
            14 => Sha224,
            _ => return Err(unsupported(cert)),
        }),
        [prefix @ .., 1] if prefix == ECDSA => SignatureAlgorithm::Ecdsa(Sha1),
        [prefix @ .., 3, last] if prefix == ECDSA => SignatureAlgorithm::Ecdsa(match last {
            1 => Sha224,
            2 => Sha256,
            3 => Sha384,
            4 => Sha512,
            _ => return Err(unsupported(cert)),
        }),
        [0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03] => SignatureAlgorithm::Dsa(Sha1),
        [prefix @ .., last] if prefix == NIST_DSA => SignatureAlgorithm::Dsa(match last {
            1 => Sha224,
            2 => Sha256,
            _ => return Err(unsupported(cert)),
        }),
        _ => return Err(unsupported(cert)),
    })
}

fn unsupported(cert: &X509Certificate<'_>) -> CryptoError {
    CryptoError::Unsupported(format!(
        "certificate signature algorithm {}",
        cert.signature_algorithm.algorithm
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample release profile (openssl cms, with its chain): it holds; without the
    /// certificate of the signer's issuer there is no chain, whatever else is there.
    #[test]
    fn chains_need_the_issuer() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/harmony/sample-release.p7b"
        );
        let bytes = std::fs::read(path).unwrap();
        assert!(verify_cms(&bytes, "the profile").is_ok());
        let signed = pkcs7::parse_signed_data(&bytes).unwrap();
        let signer = &signed.signers[0];
        let content = signed.content.clone().unwrap();
        let leaf = pkcs7::verify_signer(&signed, signer, &content).unwrap();
        assert!(check_chain(&signed, signer, leaf).is_ok());
        let issuer = X509Certificate::from_der(leaf)
            .unwrap()
            .1
            .issuer()
            .as_raw()
            .to_vec();
        let not_the_issuer = |der: &&[u8]| {
            X509Certificate::from_der(der).unwrap().1.subject().as_raw() != issuer.as_slice()
        };
        let mut without_issuer = signed.clone();
        without_issuer.certificates.retain(not_the_issuer);
        assert_eq!(
            without_issuer.certificates.len(),
            signed.certificates.len() - 1
        );
        let mut leaf_alone = signed.clone();
        leaf_alone.certificates = vec![leaf];
        for broken in [without_issuer, leaf_alone] {
            let reason = check_chain(&broken, signer, leaf).unwrap_err();
            assert!(reason.contains("comes without"), "{reason}");
        }
    }
}
