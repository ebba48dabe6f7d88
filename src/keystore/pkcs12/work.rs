//! What opening a PKCS#12 file will cost, read from its structure before any
//! key is derived: the p12-keystore crate caps each derivation, not their number,
//! so a file of many encrypted safes, or of many keys shrouded inside one encrypted
//! safe, would run for hours. Encrypted safes are decrypted here (with the password
//! the crate is given) to see the keys inside.

use crate::ber::{self, Tlv, TAG_INTEGER, TAG_OCTET_STRING, TAG_OID, TAG_SEQUENCE};
use cbc::cipher::{block_padding::Pkcs7, BlockCipherDecrypt, BlockModeDecrypt, KeyInit, KeyIvInit};
use pkcs5::der::Decode;

/// The crate's own cap on one derivation, checked here too for a clearer message.
const MAX_KDF_ITERATIONS: u64 = 1_000_000;
/// All derivations together (MAC, encrypted safes twice, once here and once in the
/// crate, shrouded keys and secrets): real files take a few thousand rounds each,
/// a handful of times; at the cap, a few seconds of CPU in release.
pub(crate) const MAX_KDF_ITERATIONS_TOTAL: u64 = 4_000_000;
/// Tools write two safes (certificates, keys); a keystore of many aliases a few more.
pub(crate) const MAX_SAFES: usize = 256;
/// Bags in all safes: a Java trust store as PKCS#12 holds a few hundred certificates.
pub(crate) const MAX_BAGS: usize = 10_000;
/// scrypt's memory (128 · N · r bytes), within the plain inspect's memory budget.
const MAX_SCRYPT_BYTES: u64 = 32 << 20;

const OID_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
const OID_ENCRYPTED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06];
const OID_SHROUDED_KEY_BAG: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02,
];
const OID_SECRET_BAG: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x05,
];
const OID_PBES2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
const OID_PBKDF2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c];
const OID_SCRYPT: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x04, 0x0b];
/// pbeWithSHAAnd… (PKCS#12 PBES1): this prefix and one arc.
const OID_PKCS12_PBE_PREFIX: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01];
/// The two of them the crate decrypts: 3-key triple DES and 40-bit RC2.
const PBE_3DES: u8 = 3;
const PBE_RC2_40: u8 = 6;

/// Why a PKCS#12 file is not opened.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Refused {
    #[error("malformed: {0}")]
    Malformed(String),
    #[error(
        "a key derivation of {0} iterations, over the limit of {MAX_KDF_ITERATIONS} per derivation"
    )]
    Iterations(u64),
    #[error(
        "key derivations of {0} iterations in all, over the limit of {MAX_KDF_ITERATIONS_TOTAL}"
    )]
    TotalIterations(u64),
    #[error("{0} safes, over the limit of {MAX_SAFES}")]
    Safes(usize),
    #[error(
        "an scrypt derivation needing {0} bytes of memory, over the limit of {MAX_SCRYPT_BYTES}"
    )]
    Scrypt(u64),
    #[error("{0} bags, over the limit of {MAX_BAGS}")]
    Bags(usize),
    /// An encrypted safe that does not decrypt with the password: what the crate
    /// would report too, a password problem.
    #[error("an encrypted safe does not decrypt ({0})")]
    Password(String),
}

fn malformed(what: &str) -> Refused {
    Refused::Malformed(what.to_string())
}

/// The children of `tlv`, or an error naming `what`.
fn children<'a>(tlv: &Tlv<'a>, what: &str) -> Result<Vec<Tlv<'a>>, Refused> {
    tlv.children()
        .collect::<Result<_, _>>()
        .map_err(|e| Refused::Malformed(format!("{what}: {e}")))
}

fn first<'a>(data: &'a [u8], what: &str) -> Result<Tlv<'a>, Refused> {
    ber::parse_first(data).map_err(|e| Refused::Malformed(format!("{what}: {e}")))
}

/// An INTEGER's value; past 64 bits, the most there is.
fn integer(tlv: Option<&Tlv<'_>>) -> Option<u64> {
    let tlv = tlv.filter(|t| t.tag == TAG_INTEGER)?;
    let digits = tlv.content.strip_prefix(&[0]).unwrap_or(tlv.content);
    Some(if digits.len() > 8 {
        u64::MAX
    } else {
        digits.iter().fold(0, |acc, b| (acc << 8) | *b as u64)
    })
}

/// The iterations (or scrypt's equivalent work) of the derivations so far, and the
/// bags seen.
struct Work {
    total: u64,
    bags: usize,
}

impl Work {
    /// One derivation of `iterations`, checked on its own and in the total.
    fn add(&mut self, iterations: u64) -> Result<(), Refused> {
        if iterations > MAX_KDF_ITERATIONS {
            return Err(Refused::Iterations(iterations));
        }
        self.total = self.total.saturating_add(iterations);
        if self.total > MAX_KDF_ITERATIONS_TOTAL {
            return Err(Refused::TotalIterations(self.total));
        }
        Ok(())
    }

    /// An encryption AlgorithmIdentifier: PBES2 (PBKDF2 or scrypt) or PKCS#12 PBES1;
    /// others cost nothing here (the crate refuses them before deriving).
    fn algorithm(&mut self, alg: &Tlv<'_>) -> Result<(), Refused> {
        let parts = children(alg, "encryption algorithm")?;
        let (Some(oid), params) = (parts.first().filter(|t| t.tag == TAG_OID), parts.get(1)) else {
            return Err(malformed("an encryption algorithm without its identifier"));
        };
        let params = match params {
            Some(p) if p.tag == TAG_SEQUENCE => children(p, "encryption parameters")?,
            _ => return Ok(()),
        };
        if oid.content.starts_with(OID_PKCS12_PBE_PREFIX)
            && oid.content.len() == OID_PKCS12_PBE_PREFIX.len() + 1
        {
            // pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER };
            // the key and the IV are two derivations.
            let iterations = integer(params.get(1)).unwrap_or(0);
            self.add(iterations)?;
            return self.add(iterations);
        }
        if oid.content != OID_PBES2 {
            return Ok(());
        }
        let Some(kdf) = params.first() else {
            return Err(malformed("PBES2 without a key derivation"));
        };
        let kdf = children(kdf, "PBES2 key derivation")?;
        let kdf_params = match kdf.get(1) {
            Some(p) => children(p, "key derivation parameters")?,
            None => Vec::new(),
        };
        match kdf.first().map(|t| t.content) {
            // PBKDF2-params ::= SEQUENCE { salt, iterationCount INTEGER, … }
            Some(OID_PBKDF2) => self.add(integer(kdf_params.get(1)).unwrap_or(0)),
            // scrypt-params ::= SEQUENCE { salt, costParameter, blockSize, parallelization, … }
            Some(OID_SCRYPT) => {
                let n = integer(kdf_params.get(1)).unwrap_or(0);
                let r = integer(kdf_params.get(2)).unwrap_or(0);
                let p = integer(kdf_params.get(3)).unwrap_or(0);
                let memory = n.saturating_mul(r).saturating_mul(128);
                if memory > MAX_SCRYPT_BYTES {
                    return Err(Refused::Scrypt(memory));
                }
                // Each of the N·r·p block mixes costs about one hash round.
                self.add(n.saturating_mul(r).saturating_mul(p))
            }
            _ => Ok(()),
        }
    }
}

/// The content of an OCTET STRING, primitive or constructed (BER) of primitive pieces.
fn octets(tlv: &Tlv<'_>, what: &str) -> Result<Vec<u8>, Refused> {
    if tlv.tag == TAG_OCTET_STRING {
        return Ok(tlv.content.to_vec());
    }
    if tlv.tag != ber::TAG_OCTET_STRING_CONSTRUCTED {
        return Err(Refused::Malformed(format!("{what}: not an OCTET STRING")));
    }
    let mut out = Vec::new();
    for piece in children(tlv, what)? {
        if piece.tag != TAG_OCTET_STRING {
            return Err(Refused::Malformed(format!("{what}: nested OCTET STRING")));
        }
        out.extend_from_slice(piece.content);
    }
    Ok(out)
}

/// The explicit [0] content of a ContentInfo or a bag.
fn explicit<'a>(parts: &[Tlv<'a>], what: &str) -> Result<Tlv<'a>, Refused> {
    let wrapper = parts
        .get(1)
        .filter(|t| t.tag == ber::TAG_CONTEXT_0_CONSTRUCTED)
        .ok_or_else(|| Refused::Malformed(format!("{what} without its content")))?;
    first(wrapper.content, what)
}

/// Checks the key-derivation work `bytes` (a PFX) asks for before the crate does
/// any of it: the MAC, each encrypted safe, and each shrouded key or secret bag,
/// those of encrypted safes once decrypted here with `password` (the crate's).
pub(crate) fn check_work(bytes: &[u8], password: &str) -> Result<(), Refused> {
    let pfx = first(bytes, "PFX")?;
    let pfx = children(&pfx, "PFX")?;
    let mut work = Work { total: 0, bags: 0 };
    // MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }
    if let Some(mac) = pfx.get(2) {
        let mac = children(mac, "MAC")?;
        work.add(integer(mac.get(2)).unwrap_or(1))?;
    }
    let auth_safe = pfx
        .get(1)
        .ok_or_else(|| malformed("no authenticated safe"))?;
    let auth_safe = children(auth_safe, "authenticated safe")?;
    if auth_safe.first().map(|t| t.content) != Some(OID_DATA) {
        // Public-key integrity mode: the crate refuses it without deriving anything.
        return Ok(());
    }
    let safes = octets(
        &explicit(&auth_safe, "authenticated safe")?,
        "authenticated safe",
    )?;
    let safes = first(&safes, "authenticated safe")?;
    let safes = children(&safes, "authenticated safe")?;
    if safes.len() > MAX_SAFES {
        return Err(Refused::Safes(safes.len()));
    }
    for safe in &safes {
        let parts = children(safe, "safe")?;
        match parts.first().map(|t| t.content) {
            Some(OID_DATA) => {
                let contents = octets(&explicit(&parts, "safe")?, "safe")?;
                bags(&first(&contents, "safe contents")?, &mut work)?;
            }
            // EncryptedData ::= SEQUENCE { version, EncryptedContentInfo ::= SEQUENCE {
            //   contentType, contentEncryptionAlgorithm, [0] IMPLICIT encryptedContent } }
            Some(OID_ENCRYPTED_DATA) => {
                let data = children(&explicit(&parts, "encrypted safe")?, "encrypted safe")?;
                let info = data
                    .get(1)
                    .ok_or_else(|| malformed("an encrypted safe without its content"))?;
                let info = children(info, "encrypted safe")?;
                let alg = info
                    .get(1)
                    .ok_or_else(|| malformed("an encrypted safe without its algorithm"))?;
                // Decrypted twice: here, then by the crate.
                work.algorithm(alg)?;
                work.algorithm(alg)?;
                // Any other form of the content, the crate (strict DER) refuses unread.
                let Some(encrypted) = info
                    .get(2)
                    .filter(|t| t.tag == ber::TAG_CONTEXT_0_PRIMITIVE)
                else {
                    continue;
                };
                if let Some(contents) = decrypt(alg, encrypted.content, password)? {
                    // Garbage from a wrong password whose padding happened to fit.
                    first(&contents, "decrypted safe")
                        .and_then(|contents| bags(&contents, &mut work))
                        .map_err(|e| match e {
                            Refused::Malformed(why) => {
                                Refused::Password(format!("its content is not a safe: {why}"))
                            }
                            other => other,
                        })?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The shrouded key and secret bags of a SafeContents, and the number of its bags.
fn bags(contents: &Tlv<'_>, work: &mut Work) -> Result<(), Refused> {
    let bags = children(contents, "safe contents")?;
    work.bags = work.bags.saturating_add(bags.len());
    if work.bags > MAX_BAGS {
        return Err(Refused::Bags(work.bags));
    }
    for bag in bags {
        let parts = children(&bag, "bag")?;
        match parts.first().map(|t| t.content) {
            // EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData }
            Some(OID_SHROUDED_KEY_BAG) => {
                let info = children(&explicit(&parts, "shrouded key")?, "shrouded key")?;
                let alg = info
                    .first()
                    .ok_or_else(|| malformed("a shrouded key without its algorithm"))?;
                work.algorithm(alg)?;
            }
            Some(OID_SECRET_BAG) => {
                if let Some(alg) = secret_algorithm(&parts) {
                    work.algorithm(&alg)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The content of an encrypted safe, decrypted as the crate does: PBES2, or PKCS#12
/// PBES1 with triple DES or 40-bit RC2. `None` for a scheme the crate refuses
/// unread. Its work is already counted (and so bounded).
fn decrypt(alg: &Tlv<'_>, data: &[u8], password: &str) -> Result<Option<Vec<u8>>, Refused> {
    let parts = children(alg, "encryption algorithm")?;
    let (Some(oid), Some(params)) = (parts.first(), parts.get(1)) else {
        return Ok(None);
    };
    if oid.content == OID_PBES2 {
        let params = pkcs5::pbes2::Parameters::from_der(params.raw)
            .map_err(|e| Refused::Malformed(format!("PBES2 parameters: {e}")))?;
        return params
            .decrypt(password.as_bytes(), data)
            .map(Some)
            .map_err(|e| Refused::Password(e.to_string()));
    }
    let scheme = match oid.content.strip_prefix(OID_PKCS12_PBE_PREFIX) {
        Some([scheme]) if [PBE_3DES, PBE_RC2_40].contains(scheme) => *scheme,
        _ => return Ok(None),
    };
    let params = children(params, "encryption parameters")?;
    let salt = params
        .first()
        .filter(|t| t.tag == TAG_OCTET_STRING)
        .ok_or_else(|| malformed("PBES1 parameters without their salt"))?;
    // Within MAX_KDF_ITERATIONS, counted already.
    let rounds = i32::try_from(integer(params.get(1)).unwrap_or(0))
        .map_err(|_| malformed("PBES1 iterations"))?;
    if scheme == PBE_3DES {
        pbes1::<des::TdesEde3>(password, salt.content, rounds, 24, data).map(Some)
    } else {
        pbes1::<rc2::Rc2>(password, salt.content, rounds, 5, data).map(Some)
    }
}

/// PKCS#12 PBES1 (RFC 7292 appendix B): key and IV derived with SHA-1, then CBC.
fn pbes1<C: KeyInit + BlockCipherDecrypt>(
    password: &str,
    salt: &[u8],
    rounds: i32,
    key_len: usize,
    data: &[u8],
) -> Result<Vec<u8>, Refused> {
    use pkcs12::kdf::{derive_key_utf8, Pkcs12KeyType};
    let derive = |kind, len| {
        derive_key_utf8::<sha1::Sha1>(password, salt, kind, rounds, len)
            .map_err(|e| Refused::Password(format!("the password: {e}")))
    };
    let key = derive(Pkcs12KeyType::EncryptionKey, key_len)?;
    let iv = derive(Pkcs12KeyType::Iv, 8)?;
    cbc::Decryptor::<C>::new_from_slices(&key, &iv)
        .map_err(|_| malformed("PBES1 key or IV length"))?
        .decrypt_padded_vec::<Pkcs7>(data)
        .map_err(|_| Refused::Password("its padding is wrong".into()))
}

/// SecretBag ::= SEQUENCE { secretTypeId, [0] EXPLICIT OCTET STRING }, the octets an
/// EncryptedPrivateKeyInfo the crate tries to decrypt; anything else it skips.
fn secret_algorithm<'a>(parts: &[Tlv<'a>]) -> Option<Tlv<'a>> {
    let secret = explicit(parts, "secret").ok()?;
    let secret: Vec<Tlv<'a>> = secret.children().collect::<Result<_, _>>().ok()?;
    let wrapper = secret
        .get(1)
        .filter(|t| t.tag == ber::TAG_CONTEXT_0_CONSTRUCTED)?;
    let value = ber::parse_first(wrapper.content)
        .ok()
        .filter(|t| t.tag == TAG_OCTET_STRING)?;
    let info = ber::parse_first(value.content).ok()?;
    info.children().next()?.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_files_pass_and_the_sum_is_bounded() {
        for p12 in [
            &include_bytes!("../../../samples/keystores/two-keys.p12")[..],
            &include_bytes!("../../../samples/ios/sample-distribution.p12")[..],
        ] {
            check_work(p12, "appfiling").unwrap();
            // Their safes are encrypted: no password, no look inside.
            assert!(matches!(check_work(p12, ""), Err(Refused::Password(_))));
        }
        let mut work = Work { total: 0, bags: 0 };
        assert!(matches!(work.add(1_000_001), Err(Refused::Iterations(_))));
        for _ in 0..4 {
            work.add(MAX_KDF_ITERATIONS).unwrap();
        }
        assert!(matches!(work.add(1), Err(Refused::TotalIterations(_))));
        assert!(matches!(
            check_work(b"\x30\x03\x02\x01", ""),
            Err(Refused::Malformed(_))
        ));
    }
}
