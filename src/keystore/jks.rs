//! Java KeyStore (JKS, magic FEEDFEED) and JCEKS (CECECECE): big-endian
//! entries whose certificates are stored in the clear, so they are read without
//! the password; with it, the keyed SHA-1 at the end is checked.

use crate::bytes::{Reader, Truncated};
use crate::report::KeystoreEntryKind;
use sha1::{Digest, Sha1};
use thiserror::Error;

pub(crate) const JKS_MAGIC: u32 = 0xFEED_FEED;
pub(crate) const JCEKS_MAGIC: u32 = 0xCECE_CECE;
const TAG_PRIVATE_KEY: u32 = 1;
const TAG_TRUSTED_CERT: u32 = 2;
const TAG_SECRET_KEY: u32 = 3;
/// Keystores hold a handful of entries and chains of a few certificates.
const MAX_ENTRIES: u32 = 10_000;
const MAX_CHAIN: u32 = 64;
const DIGEST_LEN: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum JksError {
    #[error(transparent)]
    Truncated(#[from] Truncated),
    #[error("{0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JksEntry {
    pub alias: String,
    pub kind: KeystoreEntryKind,
    /// Milliseconds since 1970, as Java stores them.
    pub created_ms: u64,
    /// DER certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Jks {
    pub jceks: bool,
    pub entries: Vec<JksEntry>,
    /// Entries after a JCEKS secret key could not be read: its Java-serialized
    /// form has no length to skip by.
    pub stopped_at_secret_key: bool,
}

/// Java's writeUTF: a u16 length, then modified UTF-8.
fn java_utf<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], JksError> {
    let len = r.u16_be()? as usize;
    Ok(r.take(len)?)
}

fn certificate(r: &mut Reader<'_>) -> Result<Vec<u8>, JksError> {
    let kind = java_utf(r)?;
    if kind != b"X.509" {
        return Err(JksError::Invalid(format!(
            "a {} certificate, not X.509",
            String::from_utf8_lossy(kind)
        )));
    }
    let len = r.u32_be()? as usize;
    Ok(r.take(len)?.to_vec())
}

pub(crate) fn parse(data: &[u8]) -> Result<Jks, JksError> {
    let mut r = Reader::new(data);
    let magic = r.u32_be()?;
    let jceks = match magic {
        JKS_MAGIC => false,
        JCEKS_MAGIC => true,
        _ => return Err(JksError::Invalid("not a JKS or JCEKS keystore".into())),
    };
    let version = r.u32_be()?;
    if version != 1 && version != 2 {
        return Err(JksError::Invalid(format!(
            "keystore version {version}: only 1 and 2 exist"
        )));
    }
    let count = r.u32_be()?;
    if count > MAX_ENTRIES {
        return Err(JksError::Invalid(format!(
            "{count} entries: not a real keystore"
        )));
    }
    let mut entries = Vec::new();
    let mut stopped_at_secret_key = false;
    for _ in 0..count {
        let tag = r.u32_be()?;
        let alias = String::from_utf8_lossy(java_utf(&mut r)?).into_owned();
        let created_ms = r.u64_be()?;
        let entry = match tag {
            TAG_PRIVATE_KEY => {
                let key_len = r.u32_be()? as usize;
                r.skip(key_len)?;
                let certs = r.u32_be()?;
                if certs > MAX_CHAIN {
                    return Err(JksError::Invalid(format!(
                        "{alias}: a chain of {certs} certificates"
                    )));
                }
                let mut chain = Vec::new();
                for _ in 0..certs {
                    // Version 1 keystores have no certificate type before each one.
                    chain.push(if version == 1 {
                        let len = r.u32_be()? as usize;
                        r.take(len)?.to_vec()
                    } else {
                        certificate(&mut r)?
                    });
                }
                JksEntry {
                    alias,
                    kind: KeystoreEntryKind::PrivateKey,
                    created_ms,
                    chain,
                }
            }
            TAG_TRUSTED_CERT => JksEntry {
                alias,
                kind: KeystoreEntryKind::TrustedCertificate,
                created_ms,
                chain: vec![certificate(&mut r)?],
            },
            TAG_SECRET_KEY if jceks => {
                entries.push(JksEntry {
                    alias,
                    kind: KeystoreEntryKind::SecretKey,
                    created_ms,
                    chain: Vec::new(),
                });
                stopped_at_secret_key = true;
                break;
            }
            other => {
                return Err(JksError::Invalid(format!(
                    "{alias}: unknown entry tag {other}"
                )))
            }
        };
        entries.push(entry);
    }
    Ok(Jks {
        jceks,
        entries,
        stopped_at_secret_key,
    })
}

/// Whether `password` opens the keystore: SHA-1 over the password as UTF-16BE,
/// the words "Mighty Aphrodite" and everything before the digest.
pub(crate) fn password_matches(data: &[u8], password: &str) -> Option<bool> {
    let body_len = data.len().checked_sub(DIGEST_LEN)?;
    let mut sha = Sha1::new();
    for unit in password.encode_utf16() {
        sha.update(unit.to_be_bytes());
    }
    sha.update(b"Mighty Aphrodite");
    sha.update(&data[..body_len]);
    Some(sha.finalize().as_slice() == &data[body_len..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf(s: &str) -> Vec<u8> {
        let mut out = (s.len() as u16).to_be_bytes().to_vec();
        out.extend_from_slice(s.as_bytes());
        out
    }

    /// A JKS with one private-key entry and one trusted certificate, digest for "pw".
    fn sample() -> Vec<u8> {
        let mut d = Vec::new();
        d.extend_from_slice(&JKS_MAGIC.to_be_bytes());
        d.extend_from_slice(&2u32.to_be_bytes());
        d.extend_from_slice(&2u32.to_be_bytes());
        d.extend_from_slice(&1u32.to_be_bytes());
        d.extend(utf("upload"));
        d.extend_from_slice(&7u64.to_be_bytes());
        d.extend_from_slice(&3u32.to_be_bytes());
        d.extend_from_slice(b"key");
        d.extend_from_slice(&1u32.to_be_bytes());
        d.extend(utf("X.509"));
        d.extend_from_slice(&2u32.to_be_bytes());
        d.extend_from_slice(b"c1");
        d.extend_from_slice(&2u32.to_be_bytes());
        d.extend(utf("ca"));
        d.extend_from_slice(&8u64.to_be_bytes());
        d.extend(utf("X.509"));
        d.extend_from_slice(&2u32.to_be_bytes());
        d.extend_from_slice(b"c2");
        let mut sha = Sha1::new();
        for unit in "pw".encode_utf16() {
            sha.update(unit.to_be_bytes());
        }
        sha.update(b"Mighty Aphrodite");
        sha.update(&d);
        d.extend_from_slice(&sha.finalize());
        d
    }

    #[test]
    fn reads_entries_and_checks_the_password() {
        let data = sample();
        let jks = parse(&data).unwrap();
        assert!(!jks.jceks);
        assert_eq!(jks.entries.len(), 2);
        assert_eq!(jks.entries[0].alias, "upload");
        assert_eq!(jks.entries[0].kind, KeystoreEntryKind::PrivateKey);
        assert_eq!(jks.entries[0].chain, [b"c1".to_vec()]);
        assert_eq!(jks.entries[1].kind, KeystoreEntryKind::TrustedCertificate);
        assert_eq!(password_matches(&data, "pw"), Some(true));
        assert_eq!(password_matches(&data, "nope"), Some(false));
    }

    #[test]
    fn truncations_and_lies_are_errors() {
        let data = sample();
        for cut in 0..data.len() - DIGEST_LEN {
            let _ = parse(&data[..cut]); // never panics
        }
        let mut lying = data.clone();
        lying[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse(&lying).is_err());
        assert!(parse(b"\x30\x82").is_err());
    }
}
