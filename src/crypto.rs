//! Digests and signature checks, by the RustCrypto crates only: nothing here computes
//! cryptography by hand. Every scheme verifier (JAR, APK v2/v3, CMS, Apple code
//! signatures, HAP) comes here with a public key as its SubjectPublicKeyInfo, the
//! algorithm it names, and the signed bytes or their digest.

use md5::Md5;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use thiserror::Error;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

/// RSA moduli up to this many bits are accepted: the corpus holds 16384-bit keys and
/// apksig verifies them; past it a key is hostile (verification cost grows as its square).
const MAX_RSA_BITS: usize = 16384;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DigestAlgorithm {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlgorithm {
    /// The name as JAR manifests and reports spell it ("SHA-256").
    pub(crate) fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "MD5",
            DigestAlgorithm::Sha1 => "SHA-1",
            DigestAlgorithm::Sha224 => "SHA-224",
            DigestAlgorithm::Sha256 => "SHA-256",
            DigestAlgorithm::Sha384 => "SHA-384",
            DigestAlgorithm::Sha512 => "SHA-512",
        }
    }

    /// From the content octets of a digest algorithm's OBJECT IDENTIFIER.
    pub(crate) fn from_oid(oid: &[u8]) -> Option<Self> {
        const NIST: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02];
        Some(match oid {
            [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05] => DigestAlgorithm::Md5,
            [0x2b, 0x0e, 0x03, 0x02, 0x1a] => DigestAlgorithm::Sha1,
            [prefix @ .., last] if prefix == NIST => match last {
                1 => DigestAlgorithm::Sha256,
                2 => DigestAlgorithm::Sha384,
                3 => DigestAlgorithm::Sha512,
                4 => DigestAlgorithm::Sha224,
                _ => return None,
            },
            _ => return None,
        })
    }

    pub(crate) fn hasher(self) -> Hasher {
        match self {
            DigestAlgorithm::Md5 => Hasher::Md5(Md5::new()),
            DigestAlgorithm::Sha1 => Hasher::Sha1(Sha1::new()),
            DigestAlgorithm::Sha224 => Hasher::Sha224(Sha224::new()),
            DigestAlgorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            DigestAlgorithm::Sha384 => Hasher::Sha384(Sha384::new()),
            DigestAlgorithm::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut hasher = self.hasher();
        hasher.update(data);
        hasher.finish()
    }
}

/// A running digest of any of the algorithms.
#[derive(Clone)]
pub(crate) enum Hasher {
    Md5(Md5),
    Sha1(Sha1),
    Sha224(Sha224),
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl Hasher {
    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha224(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha224(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// A signature algorithm: the key's kind and the digest it signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignatureAlgorithm {
    RsaPkcs1v15(DigestAlgorithm),
    /// RSASSA-PSS with MGF1 over the same digest.
    RsaPss {
        digest: DigestAlgorithm,
        salt_len: usize,
    },
    /// The signature DER-encoded (ECDSA-Sig-Value), as X.509, CMS and APK v2 carry it.
    Ecdsa(DigestAlgorithm),
    /// The signature DER-encoded (Dss-Sig-Value).
    Dsa(DigestAlgorithm),
}

impl SignatureAlgorithm {
    pub(crate) fn digest(self) -> DigestAlgorithm {
        match self {
            SignatureAlgorithm::RsaPkcs1v15(d)
            | SignatureAlgorithm::RsaPss { digest: d, .. }
            | SignatureAlgorithm::Ecdsa(d)
            | SignatureAlgorithm::Dsa(d) => d,
        }
    }

    /// "SHA256withRSA", "SHA256withRSA/PSS", "SHA256withECDSA", "SHA1withDSA".
    pub(crate) fn name(self) -> String {
        let digest = self.digest().name().replace('-', "");
        match self {
            SignatureAlgorithm::RsaPkcs1v15(_) => format!("{digest}withRSA"),
            SignatureAlgorithm::RsaPss { .. } => format!("{digest}withRSA/PSS"),
            SignatureAlgorithm::Ecdsa(_) => format!("{digest}withECDSA"),
            SignatureAlgorithm::Dsa(_) => format!("{digest}withDSA"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum CryptoError {
    #[error("the signature does not verify with the signer's public key")]
    Mismatch,
    #[error("the public key is unreadable: {0}")]
    BadKey(String),
    #[error("the signature is malformed: {0}")]
    BadSignature(String),
    #[error("a {key} key cannot make a {algorithm} signature")]
    WrongKeyType {
        key: &'static str,
        algorithm: String,
    },
    #[error("unsupported: {0}")]
    Unsupported(String),
}

/// Checks `signature` over `message` with the key in `spki` (a DER SubjectPublicKeyInfo).
pub(crate) fn verify(
    spki: &[u8],
    algorithm: SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    verify_digest(
        spki,
        algorithm,
        &algorithm.digest().digest(message),
        signature,
    )
}

/// Checks `signature` over a message whose digest (by `algorithm`'s digest) is `digest`.
pub(crate) fn verify_digest(
    spki: &[u8],
    algorithm: SignatureAlgorithm,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let (_, info) =
        SubjectPublicKeyInfo::from_der(spki).map_err(|e| CryptoError::BadKey(e.to_string()))?;
    let key = info
        .parsed()
        .map_err(|e| CryptoError::BadKey(e.to_string()))?;
    let wrong = |key: &'static str| {
        Err(CryptoError::WrongKeyType {
            key,
            algorithm: algorithm.name(),
        })
    };
    match (key, algorithm) {
        (
            PublicKey::RSA(rsa_key),
            SignatureAlgorithm::RsaPkcs1v15(_) | SignatureAlgorithm::RsaPss { .. },
        ) => verify_rsa(
            rsa_key.modulus,
            rsa_key.exponent,
            algorithm,
            digest,
            signature,
        ),
        (PublicKey::RSA(_), _) => wrong("RSA"),
        (PublicKey::EC(point), SignatureAlgorithm::Ecdsa(_)) => {
            let curve = info
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| oid.to_id_string())
                .unwrap_or_default();
            verify_ecdsa(&curve, point.data(), digest, signature)
        }
        (PublicKey::EC(_), _) => wrong("EC"),
        (PublicKey::DSA(_), SignatureAlgorithm::Dsa(_)) => verify_dsa(spki, digest, signature),
        (PublicKey::DSA(_), _) => wrong("DSA"),
        (other, _) => Err(CryptoError::Unsupported(format!(
            "{} public keys",
            match other {
                PublicKey::GostR3410(_) | PublicKey::GostR3410_2012(_) => "GOST",
                _ => "this kind of",
            }
        ))),
    }
}

/// Runs `$body` with `$D` standing for the digest type of `$digest`.
macro_rules! with_digest {
    ($digest:expr, $D:ident => $body:expr) => {
        match $digest {
            DigestAlgorithm::Md5 => {
                type $D = Md5;
                $body
            }
            DigestAlgorithm::Sha1 => {
                type $D = Sha1;
                $body
            }
            DigestAlgorithm::Sha224 => {
                type $D = Sha224;
                $body
            }
            DigestAlgorithm::Sha256 => {
                type $D = Sha256;
                $body
            }
            DigestAlgorithm::Sha384 => {
                type $D = Sha384;
                $body
            }
            DigestAlgorithm::Sha512 => {
                type $D = Sha512;
                $body
            }
        }
    };
}

fn verify_rsa(
    modulus: &[u8],
    exponent: &[u8],
    algorithm: SignatureAlgorithm,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let n = rsa::BoxedUint::from_be_slice_vartime(modulus);
    let e = rsa::BoxedUint::from_be_slice_vartime(exponent);
    let key = rsa::PublicKey::new_with_size_limits(n, e, 512..=MAX_RSA_BITS)
        .map_err(|e| CryptoError::BadKey(format!("RSA: {e}")))?;
    let result = match algorithm {
        SignatureAlgorithm::RsaPss {
            digest: d,
            salt_len,
        } => with_digest!(d, D => key.verify(
            rsa::pss::Pss::<D>::new_with_salt(salt_len),
            digest,
            signature
        )),
        other => with_digest!(other.digest(), D => key.verify(
            rsa::pkcs1v15::Pkcs1v15Sign::new::<D>(),
            digest,
            signature
        )),
    };
    result.map_err(|_| CryptoError::Mismatch)
}

fn verify_ecdsa(
    curve: &str,
    point: &[u8],
    digest: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    // One body per curve: each crate has its own key and signature types.
    macro_rules! check {
        ($curve:ident) => {{
            let key = $curve::ecdsa::VerifyingKey::from_sec1_bytes(point)
                .map_err(|_| CryptoError::BadKey("the EC point is not on the curve".into()))?;
            let signature = $curve::ecdsa::DerSignature::from_bytes(signature)
                .map_err(|e| CryptoError::BadSignature(e.to_string()))?;
            key.verify_prehash(digest, &signature)
                .map_err(|_| CryptoError::Mismatch)
        }};
    }
    match curve {
        "1.2.840.10045.3.1.7" => check!(p256),
        "1.3.132.0.34" => check!(p384),
        "1.3.132.0.35" => check!(p521),
        other => Err(CryptoError::Unsupported(format!(
            "the elliptic curve {other:?}"
        ))),
    }
}

fn verify_dsa(spki: &[u8], digest: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
    use dsa::pkcs8::DecodePublicKey;
    let key = dsa::VerifyingKey::from_public_key_der(spki)
        .map_err(|e| CryptoError::BadKey(format!("DSA: {e}")))?;
    let signature = dsa::Signature::try_from(signature)
        .map_err(|e| CryptoError::BadSignature(e.to_string()))?;
    key.verify_prehash(digest, &signature)
        .map_err(|_| CryptoError::Mismatch)
}

/// The SubjectPublicKeyInfo of a DER certificate, as the bytes found.
pub(crate) fn certificate_public_key(certificate: &[u8]) -> Result<&[u8], CryptoError> {
    let (_, parsed) = x509_parser::parse_x509_certificate(certificate)
        .map_err(|e| CryptoError::BadKey(format!("the certificate is unreadable: {e}")))?;
    let raw = parsed.tbs_certificate.subject_pki.raw;
    // `raw` borrows from `certificate`: find it there so the caller keeps a plain slice.
    let start = raw.as_ptr() as usize - certificate.as_ptr() as usize;
    Ok(&certificate[start..start + raw.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_oids() {
        assert_eq!(
            DigestAlgorithm::from_oid(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]),
            Some(DigestAlgorithm::Sha256)
        );
        assert_eq!(
            DigestAlgorithm::from_oid(&[0x2b, 0x0e, 0x03, 0x02, 0x1a]),
            Some(DigestAlgorithm::Sha1)
        );
        assert_eq!(DigestAlgorithm::from_oid(&[0x2b]), None);
        assert_eq!(
            SignatureAlgorithm::RsaPss {
                digest: DigestAlgorithm::Sha256,
                salt_len: 32
            }
            .name(),
            "SHA256withRSA/PSS"
        );
    }

    /// The vectors of scripts/make-crypto-vectors.sh: openssl's signatures verify, and
    /// fail over a changed message, with a flipped signature byte, or as another algorithm.
    #[test]
    fn openssl_signatures() {
        use DigestAlgorithm::*;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/crypto/");
        let read = |name: &str| std::fs::read(format!("{dir}{name}")).unwrap();
        let message = read("message.txt");
        let vectors = [
            ("rsa2048-sha256", SignatureAlgorithm::RsaPkcs1v15(Sha256)),
            ("rsa1024-sha1", SignatureAlgorithm::RsaPkcs1v15(Sha1)),
            (
                "rsa2048-pss-sha256",
                SignatureAlgorithm::RsaPss {
                    digest: Sha256,
                    salt_len: 32,
                },
            ),
            ("p256-sha256", SignatureAlgorithm::Ecdsa(Sha256)),
            ("p384-sha384", SignatureAlgorithm::Ecdsa(Sha384)),
            ("p521-sha512", SignatureAlgorithm::Ecdsa(Sha512)),
            ("dsa2048-sha256", SignatureAlgorithm::Dsa(Sha256)),
        ];
        for (name, algorithm) in vectors {
            let key = read(&format!("{name}.spki.der"));
            let signature = read(&format!("{name}.sig"));
            assert_eq!(
                verify(&key, algorithm, &message, &signature),
                Ok(()),
                "{name}"
            );
            assert_eq!(
                verify(&key, algorithm, b"another message", &signature),
                Err(CryptoError::Mismatch),
                "{name}"
            );
            let mut flipped = signature.clone();
            let last = flipped.len() - 1;
            flipped[last] ^= 1;
            assert!(
                verify(&key, algorithm, &message, &flipped).is_err(),
                "{name}"
            );
            let other_digest = match algorithm.digest() {
                Sha256 => Sha512,
                _ => Sha256,
            };
            let swapped = match algorithm {
                SignatureAlgorithm::RsaPkcs1v15(_) => SignatureAlgorithm::RsaPkcs1v15(other_digest),
                SignatureAlgorithm::RsaPss { salt_len, .. } => SignatureAlgorithm::RsaPss {
                    digest: other_digest,
                    salt_len,
                },
                SignatureAlgorithm::Ecdsa(_) => SignatureAlgorithm::Dsa(Sha256),
                SignatureAlgorithm::Dsa(_) => SignatureAlgorithm::Ecdsa(Sha256),
            };
            assert!(
                verify(&key, swapped, &message, &signature).is_err(),
                "{name}"
            );
        }
    }
}
