//! Certificate files (.cer/.der, .pem with one or several certificates) and
//! PKCS#12 (.p12/.pfx): the chain with each certificate's role, and the leaf
//! to file.

use crate::cert;
use crate::error::ErrorKind;
use crate::keystore::pkcs12::Refused;
use crate::report::{
    CertificateRole, ChainCertificate, Format, KeystoreEntryKind, KeystoreIntegrity, KeystoreKind,
    PackageReport, Platform, Scheme, Signer, Warning, WarningCode,
};
use std::path::Path;
use x509_parser::pem::Pem;

/// The certificates of a PEM or DER file; `None` when it holds none.
pub fn certificates(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    if bytes.starts_with(b"-----BEGIN") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let ders: Vec<Vec<u8>> = Pem::iter_from_buffer(bytes)
            .filter_map(Result::ok)
            .filter(|pem| pem.label == "CERTIFICATE" || pem.label == "TRUSTED CERTIFICATE")
            .map(|pem| pem.contents)
            .collect();
        return (!ders.is_empty()).then_some(ders);
    }
    cert::describe(bytes).ok().map(|_| vec![bytes.to_vec()])
}

pub fn inspect_certificates(path: &Path, ders: &[Vec<u8>]) -> Result<PackageReport, ErrorKind> {
    let slices: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
    let roles = cert::chain_roles(&slices);
    let leaves: Vec<usize> = (0..ders.len())
        .filter(|i| roles[*i] == CertificateRole::Leaf)
        .collect();
    // A lone self-signed certificate is its own leaf.
    let filed = leaves.first().copied().or((ders.len() == 1).then_some(0));
    report(
        path,
        Format::Certificate,
        Scheme::Certificate,
        ders,
        &roles,
        filed.into_iter().collect(),
    )
}

/// Issuer names that tell a certificate's platform: Apple's CAs, and Huawei's
/// AppGallery and OpenHarmony's CAs.
const APPLE_ISSUER: &str = "O=Apple Inc.";
const HARMONY_ISSUERS: [&str; 2] = ["Huawei CBG", "OpenHarmony"];

/// A PKCS#12 file: its certificates, the ones with a private key first.
pub fn inspect_p12(
    path: &Path,
    bytes: &[u8],
    options: &crate::Options,
) -> Result<PackageReport, ErrorKind> {
    let password = options.password.as_deref();
    crate::keystore::pkcs12::check_work(bytes, password.unwrap_or("")).map_err(|e| match e {
        e @ Refused::Password(_) => password_problem(&e.to_string(), password.is_some()),
        other => refused(other.to_string()),
    })?;
    let archive = p12_keystore::Pkcs12Archive::from_pkcs12(bytes, password.unwrap_or(""))
        .map_err(|e| p12_error(e, password.is_some()))?;
    let ders: Vec<Vec<u8>> = archive
        .certs
        .iter()
        .map(|bag| bag.cert.as_der().to_vec())
        .collect();
    // Neither Apple's nor Huawei's: a Java PKCS#12 keystore of Android keys, read by alias.
    let store_like = !archive.certs.iter().any(|bag| {
        let issuer = bag.cert.issuer();
        issuer.contains(APPLE_ISSUER) || HARMONY_ISSUERS.iter().any(|h| issuer.contains(h))
    });
    if store_like && !ders.is_empty() {
        return keystore_p12(path, &archive, options.alias.as_deref());
    }
    if ders.is_empty() {
        return Err(ErrorKind::NotAPackage(
            "a PKCS#12 file without certificates".into(),
        ));
    }
    let with_key: Vec<usize> = archive
        .certs
        .iter()
        .enumerate()
        .filter(|(_, bag)| {
            bag.local_key_id.as_ref().is_some_and(|id| {
                archive
                    .keys
                    .iter()
                    .any(|key| key.local_key_id.as_ref().is_some_and(|k| k.0 == *id))
            })
        })
        .map(|(i, _)| i)
        .collect();
    let slices: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
    let roles = cert::chain_roles(&slices);
    let filed = if with_key.is_empty() {
        (0..ders.len())
            .filter(|i| roles[*i] == CertificateRole::Leaf)
            .take(1)
            .collect()
    } else {
        with_key
    };
    let mut report = report(path, Format::P12, Scheme::Pkcs12, &ders, &roles, filed)?;
    if archive.keys.is_empty() {
        report.warnings.push(Warning::new(
            WarningCode::NoPrivateKey,
            "the PKCS#12 file holds no private key: it cannot sign, but its certificate values are still right",
        ));
    }
    Ok(report)
}

/// What the crate's error means: a password problem only when the MAC does not
/// verify or decryption fails; otherwise what is really wrong with the file.
fn p12_error(e: p12_keystore::error::Error, with_password: bool) -> ErrorKind {
    use p12_keystore::error::Error as E;
    match e {
        E::MacError(_) | E::Pkcs5Error(_) | E::UnpadError => {
            password_problem(&e.to_string(), with_password)
        }
        E::InvalidParameters => refused(
            "key derivation parameters out of bounds (over 1000000 iterations, or scrypt over 1 GiB)".into(),
        ),
        E::UnsupportedContentType
        | E::UnsupportedCertificateType
        | E::UnsupportedEncryptionScheme
        | E::UnsupportedMacAlgorithm => refused(format!("not supported: {e}")),
        _ => refused(format!("malformed: {e}")),
    }
}

/// A MAC that does not verify or a safe that does not decrypt, `why` in brackets.
fn password_problem(why: &str, with_password: bool) -> ErrorKind {
    if with_password {
        ErrorKind::Password(format!(
            "cannot open the PKCS#12 file: wrong password or damaged file ({why})"
        ))
    } else {
        ErrorKind::Password(format!(
            "a PKCS#12 file that needs a password ({why}): pass --password-env VAR or --password-file FILE"
        ))
    }
}

/// A PKCS#12 file that is one but cannot be read: an error of its own, not a
/// file skipped in a folder as no package.
fn refused(reason: String) -> ErrorKind {
    ErrorKind::BadEntry {
        entry: "PKCS#12".into(),
        reason,
    }
}

/// A PKCS#12 keystore, from the archive already opened (its MAC checked with the
/// password): each private key under its alias (friendlyName) with its certificate
/// and that certificate's issuers; trusted certificates and secret keys by alias too.
fn keystore_p12(
    path: &Path,
    archive: &p12_keystore::Pkcs12Archive,
    alias: Option<&str>,
) -> Result<PackageReport, ErrorKind> {
    use crate::keystore::RawEntry;
    let certs = &archive.certs;
    let mut entries = Vec::new();
    for key in &archive.keys {
        let id = key.local_key_id.as_ref().map(|k| k.0.as_slice());
        let leaf = certs
            .iter()
            .find(|c| id.is_some() && c.local_key_id.as_deref() == id);
        let mut chain = Vec::new();
        let mut current = leaf;
        // Issuer by issuer; at most every certificate once, so a cycle ends.
        while let Some(cert) = current.filter(|_| chain.len() < certs.len()) {
            chain.push(cert.cert.as_der().to_vec());
            current = certs.iter().find(|c| {
                c.cert.subject() == cert.cert.issuer() && c.cert.subject() != cert.cert.subject()
            });
        }
        let name = key
            .friendly_name
            .clone()
            .or_else(|| leaf.map(|c| c.cert.subject().to_string()))
            .unwrap_or_default();
        entries.push(RawEntry {
            alias: name,
            kind: KeystoreEntryKind::PrivateKey,
            chain,
        });
    }
    for cert in certs
        .iter()
        .filter(|c| c.trusted && c.local_key_id.is_none())
    {
        entries.push(RawEntry {
            alias: cert
                .friendly_name
                .clone()
                .unwrap_or_else(|| cert.cert.subject().to_string()),
            kind: KeystoreEntryKind::TrustedCertificate,
            chain: vec![cert.cert.as_der().to_vec()],
        });
    }
    for secret in &archive.secrets {
        entries.push(RawEntry {
            alias: secret.friendly_name.clone().unwrap_or_default(),
            kind: KeystoreEntryKind::SecretKey,
            chain: Vec::new(),
        });
    }
    crate::keystore::report(
        path,
        KeystoreKind::Pkcs12,
        KeystoreIntegrity::Verified,
        entries,
        alias,
        Vec::new(),
    )
}

fn report(
    path: &Path,
    format: Format,
    scheme: Scheme,
    ders: &[Vec<u8>],
    roles: &[CertificateRole],
    filed: Vec<usize>,
) -> Result<PackageReport, ErrorKind> {
    let mut report = PackageReport::new(path, Platform::Ios, format);
    for (i, (der, role)) in ders.iter().zip(roles).enumerate() {
        match cert::describe(der) {
            Ok(key) => {
                if filed.contains(&i) {
                    report.signers.push(Signer::new(scheme, key.clone()));
                }
                report.chain.push(ChainCertificate { role: *role, key });
            }
            Err(e) => report.warnings.push(Warning::new(
                WarningCode::CertificateUnreadable,
                format!("certificate #{}: {e}", i + 1),
            )),
        }
    }
    if report.chain.is_empty() {
        return Err(ErrorKind::NotAPackage("no readable certificate".into()));
    }
    let issued_by = |needle: &str| {
        report
            .chain
            .iter()
            .any(|c| c.key.certificate.issuer.contains(needle))
    };
    let apple = report
        .signers
        .first()
        .is_some_and(|s| s.key.certificate.issuer.contains(APPLE_ISSUER));
    if apple {
        crate::ios::choose_filing(&mut report);
    } else if HARMONY_ISSUERS.iter().any(|h| issued_by(h)) {
        report.platform = Platform::Harmonyos;
        crate::harmony::choose_filing(&mut report);
    } else {
        report.platform = Platform::Unknown;
        report.warnings.push(Warning::new(
            WarningCode::PlatformUnknown,
            "neither an Apple nor a Huawei/OpenHarmony certificate: the platform cannot be told from the \
             certificate alone, so no filing block is made; MD5, SHA-1, SHA-256 and the public key are all reported",
        ));
    }
    if report.signers.len() > 1 {
        report.warnings.push(Warning::new(
            WarningCode::MultipleSigners,
            format!(
                "{} candidate certificates; the first is filed",
                report.signers.len()
            ),
        ));
    }
    Ok(report)
}
