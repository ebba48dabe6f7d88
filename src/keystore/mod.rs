//! Keystores (JKS, JCEKS, PKCS#12): every alias with its certificate chain,
//! and the values to file for the signing key, before there is a build.

pub(crate) mod jks;
pub(crate) mod pkcs12;

use crate::cert;
use crate::error::ErrorKind;
use crate::report::{
    KeystoreDetails, KeystoreEntry, KeystoreEntryKind, KeystoreIntegrity, KeystoreKind,
    PackageReport, Platform, Scheme, Signer, Warning, WarningCode,
};
use std::path::Path;

/// One alias as read, before its certificates are described.
struct RawEntry {
    pub alias: String,
    pub kind: KeystoreEntryKind,
    pub chain: Vec<Vec<u8>>,
}

pub(crate) fn is_jks(head: &[u8]) -> bool {
    let magic = head
        .get(..4)
        .map(|m| u32::from_be_bytes([m[0], m[1], m[2], m[3]]));
    matches!(magic, Some(jks::JKS_MAGIC | jks::JCEKS_MAGIC))
}

/// A JKS or JCEKS keystore: certificates need no password; with one, its integrity is checked.
pub(crate) fn inspect_jks(
    path: &Path,
    bytes: &[u8],
    password: Option<&str>,
    alias: Option<&str>,
    now: i64,
) -> Result<PackageReport, ErrorKind> {
    let parsed = jks::parse(bytes).map_err(|e| ErrorKind::BadEntry {
        entry: "keystore".into(),
        reason: e.to_string(),
    })?;
    let mut warnings = Vec::new();
    let integrity = match password.map(|p| jks::password_matches(bytes, p)) {
        Some(Some(true)) => KeystoreIntegrity::Verified,
        Some(_) => {
            return Err(ErrorKind::Password(
                "the keystore password is wrong, or the keystore is damaged (its integrity check fails)".into(),
            ))
        }
        None => {
            warnings.push(Warning::new(
                WarningCode::KeystoreIntegrityUnchecked,
                "read without the password: JKS and JCEKS keep certificates in the clear, so every value is right, but the keystore's integrity was not checked (pass --password-env or --password-file to check it)",
            ));
            KeystoreIntegrity::Unchecked
        }
    };
    if parsed.stopped_at_secret_key {
        warnings.push(Warning::new(
            WarningCode::KeystorePartlyRead,
            "a JCEKS secret-key entry is stored as a Java object without a length: entries after it were not read",
        ));
    }
    let kind = if parsed.jceks {
        KeystoreKind::Jceks
    } else {
        KeystoreKind::Jks
    };
    let entries = parsed
        .entries
        .into_iter()
        .map(|e| RawEntry {
            alias: e.alias,
            kind: e.kind,
            chain: e.chain,
        })
        .collect();
    report(path, kind, integrity, entries, alias, warnings, now)
}

/// The report of a keystore: every alias (or the one asked for), and the filing values
/// of its signing key when there is exactly one to choose.
fn report(
    path: &Path,
    kind: KeystoreKind,
    integrity: KeystoreIntegrity,
    mut entries: Vec<RawEntry>,
    alias: Option<&str>,
    mut warnings: Vec<Warning>,
    now: i64,
) -> Result<PackageReport, ErrorKind> {
    let mut report = PackageReport::new(path, Platform::Android, kind.format());
    // By alias, as keytool lists them: the files' own order means nothing.
    entries.sort_by(|a, b| a.alias.cmp(&b.alias));
    let names: Vec<String> = entries.iter().map(|e| e.alias.clone()).collect();
    let entries: Vec<RawEntry> = match alias {
        None => entries,
        Some(wanted) => {
            // Java compares aliases without case.
            let found: Vec<RawEntry> = entries
                .into_iter()
                .filter(|e| e.alias.eq_ignore_ascii_case(wanted))
                .collect();
            if found.is_empty() {
                return Err(ErrorKind::NoSuchAlias(format!(
                    "no alias {wanted:?} in the keystore; it has: {}",
                    names.join(", ")
                )));
            }
            found
        }
    };
    let mut details = KeystoreDetails {
        kind,
        integrity,
        entries: Vec::new(),
    };
    for entry in entries {
        let mut chain = Vec::new();
        for (i, der) in entry.chain.iter().enumerate() {
            match cert::describe(der) {
                Ok(key) => chain.push(key),
                Err(e) => warnings.push(Warning::new(
                    WarningCode::CertificateUnreadable,
                    format!("alias {}: certificate #{}: {e}", entry.alias, i + 1),
                )),
            }
        }
        if entry.kind == KeystoreEntryKind::PrivateKey {
            if let Some(leaf) = chain.first() {
                report.signers.push(Signer {
                    alias: Some(entry.alias.clone()),
                    ..Signer::new(Scheme::Keystore, leaf.clone())
                });
            }
        }
        details.entries.push(KeystoreEntry {
            alias: entry.alias,
            kind: entry.kind,
            chain,
        });
    }
    report.keystore = Some(details);
    report.warnings.extend(warnings);
    crate::filing::file(&mut report, now);
    // The filing's reason speaks of the keystore's only key: with --alias, the key filed
    // is the one asked for, whatever else the keystore holds.
    if let (Some(_), Some(filing)) = (alias, report.filing.as_mut()) {
        let chosen = report.signers.first().and_then(|s| s.alias.as_deref());
        filing.reason = format!(
            "the private key of alias {}, chosen with --alias",
            chosen.unwrap_or_default()
        );
    }
    Ok(report)
}
