//! PKCS#12 files (.p12/.pfx): opened with the p12-keystore crate once the
//! pre-scan (`work`) has bounded what the password derivations cost. A Java
//! PKCS#12 keystore is read by alias like a JKS; Apple's and Huawei's
//! certificate exports are read as certificate files.

mod work;

use super::RawEntry;
use crate::cert;
use crate::certfile;
use crate::error::ErrorKind;
use crate::filing;
use crate::report::{
    CertificateRole, Format, KeystoreEntryKind, KeystoreIntegrity, KeystoreKind, PackageReport,
    Scheme, Warning, WarningCode,
};
use std::path::Path;
use work::Refused;

/// A PKCS#12 file: a Java keystore of Android keys, read by alias; or Apple's or
/// Huawei's certificate export, its certificates with the ones with a private key first.
pub(crate) fn inspect(
    path: &Path,
    bytes: &[u8],
    password: Option<&str>,
    alias: Option<&str>,
    now: i64,
) -> Result<PackageReport, ErrorKind> {
    work::check_work(bytes, password.unwrap_or("")).map_err(|e| match e {
        Refused::Password(_) => password_problem(NOT_DECRYPTED, password.is_some()),
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
    let store_like = !archive
        .certs
        .iter()
        .any(|bag| filing::platform_of_issuer(bag.cert.issuer()).is_some());
    if store_like && !ders.is_empty() {
        return keystore(path, &archive, alias, now);
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
    let mut report =
        certfile::report(path, Format::P12, Scheme::Pkcs12, &ders, &roles, filed, now)?;
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
        E::MacError(_) => password_problem("its integrity check (MAC) fails", with_password),
        E::Pkcs5Error(_) | E::UnpadError => password_problem(NOT_DECRYPTED, with_password),
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

/// Why a PKCS#12 file does not open when an encrypted part does not decrypt.
const NOT_DECRYPTED: &str = "an encrypted part does not decrypt";

/// A MAC that does not verify or a safe that does not decrypt (`why`, in words): with a
/// password, almost always that password is wrong; without one, it needs one.
fn password_problem(why: &str, with_password: bool) -> ErrorKind {
    if with_password {
        ErrorKind::Password(format!(
            "wrong password for this PKCS#12 file: {why} with it (if the password is right, the file is damaged)"
        ))
    } else {
        ErrorKind::Password(format!(
            "a PKCS#12 file that needs a password ({why} without one): pass --password-env VAR or --password-file FILE"
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
fn keystore(
    path: &Path,
    archive: &p12_keystore::Pkcs12Archive,
    alias: Option<&str>,
    now: i64,
) -> Result<PackageReport, ErrorKind> {
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
    super::report(
        path,
        KeystoreKind::Pkcs12,
        KeystoreIntegrity::Verified,
        entries,
        alias,
        Vec::new(),
        now,
    )
}
