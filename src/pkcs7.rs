//! BER-tolerant CMS/PKCS#7 SignedData: the certificate set and the SignerInfo
//! identifiers, as raw slices of the input.
//!
//! JAR signature blocks and Apple profiles are often BER (indefinite lengths),
//! which DER-only parsers refuse. Only the structure is walked here; the
//! certificates themselves go to the X.509 parser as the exact bytes found.

use crate::ber::{
    parse_first, BerError, Tlv, TAG_CONTEXT_0_CONSTRUCTED, TAG_CONTEXT_0_PRIMITIVE,
    TAG_CONTEXT_1_CONSTRUCTED, TAG_INTEGER, TAG_OCTET_STRING, TAG_OCTET_STRING_CONSTRUCTED,
    TAG_OID, TAG_SEQUENCE, TAG_SET,
};
use crate::crypto::{DigestAlgorithm, SignatureAlgorithm};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum Pkcs7Error {
    #[error(transparent)]
    Ber(#[from] BerError),
    #[error("not a CMS SignedData structure: {0}")]
    NotSignedData(&'static str),
}

/// 1.2.840.113549.1.7.2
const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

/// How a SignerInfo names its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignerId<'a> {
    /// The issuer's Name element (raw) and the serial number's content octets.
    IssuerAndSerial {
        issuer: &'a [u8],
        serial: &'a [u8],
    },
    SubjectKeyId(&'a [u8]),
}

/// One SignerInfo: who signed, and what is needed to check the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignerInfo<'a> {
    pub id: SignerId<'a>,
    /// The digestAlgorithm's OBJECT IDENTIFIER (content octets).
    pub digest_algorithm: &'a [u8],
    /// The signedAttrs element as found ([0] IMPLICIT SET OF Attribute), when present.
    pub signed_attributes: Option<&'a [u8]>,
    /// The signatureAlgorithm's OBJECT IDENTIFIER (content octets) and its parameters
    /// element as found.
    pub signature_algorithm: &'a [u8],
    pub signature_parameters: Option<&'a [u8]>,
    pub signature: &'a [u8],
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SignedData<'a> {
    /// Every certificate in the set, in file order, as raw bytes.
    pub certificates: Vec<&'a [u8]>,
    /// One entry per SignerInfo.
    pub signers: Vec<SignerInfo<'a>>,
    /// The encapsulated content (a provisioning profile's plist), when not detached.
    pub content: Option<Vec<u8>>,
    /// The encapsulated content's type (eContentType's OID content octets).
    pub content_type: &'a [u8],
}

fn expect<'a>(
    item: Option<Result<Tlv<'a>, BerError>>,
    what: &'static str,
) -> Result<Tlv<'a>, Pkcs7Error> {
    Ok(item.ok_or(Pkcs7Error::NotSignedData(what))??)
}

/// Parses a ContentInfo holding SignedData.
pub(crate) fn parse_signed_data(data: &[u8]) -> Result<SignedData<'_>, Pkcs7Error> {
    let content_info = parse_first(data)?;
    if content_info.tag != TAG_SEQUENCE {
        return Err(Pkcs7Error::NotSignedData("ContentInfo is not a SEQUENCE"));
    }
    let mut outer = content_info.children();
    let oid = expect(outer.next(), "ContentInfo has no content type")?;
    if oid.tag != TAG_OID || oid.content != OID_SIGNED_DATA {
        return Err(Pkcs7Error::NotSignedData("content type is not signedData"));
    }
    let explicit = expect(outer.next(), "ContentInfo has no content")?;
    if explicit.tag != TAG_CONTEXT_0_CONSTRUCTED {
        return Err(Pkcs7Error::NotSignedData("content is not [0] EXPLICIT"));
    }
    let signed_data = expect(explicit.children().next(), "empty [0] content")?;
    if signed_data.tag != TAG_SEQUENCE {
        return Err(Pkcs7Error::NotSignedData("SignedData is not a SEQUENCE"));
    }

    let mut out = SignedData::default();
    let mut fields = signed_data.children();
    let version = expect(fields.next(), "SignedData has no version")?;
    if version.tag != TAG_INTEGER {
        return Err(Pkcs7Error::NotSignedData(
            "SignedData version is not an INTEGER",
        ));
    }
    expect(fields.next(), "SignedData has no digestAlgorithms")?;
    let encapsulated = expect(fields.next(), "SignedData has no encapContentInfo")?;
    out.content_type = encapsulated
        .children()
        .next()
        .and_then(Result::ok)
        .map_or(&[][..], |oid| oid.content);
    out.content = encapsulated_content(encapsulated)?;
    for field in fields {
        let field = field?;
        match field.tag {
            TAG_CONTEXT_0_CONSTRUCTED => {
                for cert in field.children() {
                    let cert = cert?;
                    // Only plain certificates; attribute and other choices are skipped.
                    if cert.tag == TAG_SEQUENCE {
                        out.certificates.push(cert.raw);
                    }
                }
            }
            TAG_CONTEXT_1_CONSTRUCTED => {} // CRLs
            TAG_SET => {
                for signer in field.children() {
                    out.signers.push(parse_signer_info(signer?)?);
                }
            }
            _ => {
                return Err(Pkcs7Error::NotSignedData(
                    "unexpected element in SignedData",
                ))
            }
        }
    }
    Ok(out)
}

/// EncapsulatedContentInfo ::= SEQUENCE { eContentType, eContent [0] EXPLICIT OCTET STRING OPTIONAL }.
/// BER may split the OCTET STRING into constructed segments; they are joined.
fn encapsulated_content(info: Tlv<'_>) -> Result<Option<Vec<u8>>, Pkcs7Error> {
    let Some(explicit) = info.children().nth(1) else {
        return Ok(None);
    };
    let explicit = explicit?;
    if explicit.tag != TAG_CONTEXT_0_CONSTRUCTED {
        return Err(Pkcs7Error::NotSignedData("eContent is not [0] EXPLICIT"));
    }
    let Some(octets) = explicit.children().next() else {
        return Ok(None);
    };
    let mut out = Vec::new();
    append_octets(octets?, &mut out)?;
    Ok(Some(out))
}

fn append_octets(octets: Tlv<'_>, out: &mut Vec<u8>) -> Result<(), Pkcs7Error> {
    match octets.tag {
        TAG_OCTET_STRING => out.extend_from_slice(octets.content),
        TAG_OCTET_STRING_CONSTRUCTED => {
            for segment in octets.children() {
                append_octets(segment?, out)?;
            }
        }
        _ => return Err(Pkcs7Error::NotSignedData("eContent is not an OCTET STRING")),
    }
    Ok(())
}

fn parse_signer_info(signer_info: Tlv<'_>) -> Result<SignerInfo<'_>, Pkcs7Error> {
    let mut fields = signer_info.children();
    expect(fields.next(), "SignerInfo has no version")?;
    let sid = expect(fields.next(), "SignerInfo has no signer identifier")?;
    let id = match sid.tag {
        TAG_SEQUENCE => {
            let mut parts = sid.children();
            let issuer = expect(parts.next(), "IssuerAndSerialNumber has no issuer")?;
            let serial = expect(parts.next(), "IssuerAndSerialNumber has no serial")?;
            if serial.tag != TAG_INTEGER {
                return Err(Pkcs7Error::NotSignedData("serial number is not an INTEGER"));
            }
            SignerId::IssuerAndSerial {
                issuer: issuer.raw,
                serial: serial.content,
            }
        }
        TAG_CONTEXT_0_PRIMITIVE => SignerId::SubjectKeyId(sid.content),
        _ => return Err(Pkcs7Error::NotSignedData("unknown signer identifier")),
    };
    let digest_algorithm = algorithm_oid(
        expect(fields.next(), "SignerInfo has no digestAlgorithm")?,
        "SignerInfo digestAlgorithm is not an AlgorithmIdentifier",
    )?
    .0;
    let mut next = expect(fields.next(), "SignerInfo has no signatureAlgorithm")?;
    let mut signed_attributes = None;
    if next.tag == TAG_CONTEXT_0_CONSTRUCTED {
        signed_attributes = Some(next.raw);
        next = expect(fields.next(), "SignerInfo has no signatureAlgorithm")?;
    }
    let (signature_algorithm, signature_parameters) = algorithm_oid(
        next,
        "SignerInfo signatureAlgorithm is not an AlgorithmIdentifier",
    )?;
    let signature = expect(fields.next(), "SignerInfo has no signature")?;
    if signature.tag != TAG_OCTET_STRING {
        return Err(Pkcs7Error::NotSignedData(
            "SignerInfo signature is not an OCTET STRING",
        ));
    }
    Ok(SignerInfo {
        id,
        digest_algorithm,
        signed_attributes,
        signature_algorithm,
        signature_parameters,
        signature: signature.content,
    })
}

/// AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }.
fn algorithm_oid<'a>(
    element: Tlv<'a>,
    what: &'static str,
) -> Result<(&'a [u8], Option<&'a [u8]>), Pkcs7Error> {
    if element.tag != TAG_SEQUENCE {
        return Err(Pkcs7Error::NotSignedData(what));
    }
    let mut parts = element.children();
    let oid = expect(parts.next(), what)?;
    if oid.tag != TAG_OID {
        return Err(Pkcs7Error::NotSignedData(what));
    }
    let parameters = parts.next().transpose()?.map(|p| p.raw);
    Ok((oid.content, parameters))
}

/// The values of one signed attribute (each as its raw element), by the attribute type's
/// OBJECT IDENTIFIER content octets. Empty when there are no signed attributes.
pub(crate) fn signed_attribute<'a>(
    signer: &SignerInfo<'a>,
    oid: &[u8],
) -> Result<Vec<&'a [u8]>, Pkcs7Error> {
    let Some(attributes) = signer.signed_attributes else {
        return Ok(Vec::new());
    };
    let mut values = Vec::new();
    for attribute in parse_first(attributes)?.children() {
        let attribute = attribute?;
        let mut parts = attribute.children();
        let kind = expect(parts.next(), "Attribute has no type")?;
        if kind.tag != TAG_OID || kind.content != oid {
            continue;
        }
        let set = expect(parts.next(), "Attribute has no values")?;
        for value in set.children() {
            values.push(value?.raw);
        }
    }
    Ok(values)
}

/// Why a SignerInfo's signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum SignerInfoError {
    #[error(transparent)]
    Structure(#[from] Pkcs7Error),
    #[error("no certificate in the signature is the one its SignerInfo names")]
    NoCertificate,
    #[error("unsupported digest algorithm (OID {0})")]
    UnsupportedDigest(String),
    #[error("unsupported signature algorithm (OID {0})")]
    UnsupportedSignature(String),
    #[error("the signed attributes hold no messageDigest")]
    NoMessageDigest,
    #[error("the messageDigest attribute is not the {0} of the signed content")]
    DigestMismatch(&'static str),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
}

/// The signature algorithm of a SignerInfo: the digest it names, and the key algorithm
/// from the signatureAlgorithm (rsaEncryption, sha256WithRSAEncryption, ecdsa-with-SHA256,
/// dsa, RSASSA-PSS…). `key` is the certificate's SubjectPublicKeyInfo, for the
/// algorithm identifiers that name only the digest.
fn signature_algorithm(
    signer: &SignerInfo<'_>,
    digest: DigestAlgorithm,
) -> Result<SignatureAlgorithm, SignerInfoError> {
    const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
    const ECDSA_WITH: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04];
    const X957: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04];
    const NIST_DSA: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03];
    let oid = signer.signature_algorithm;
    let unsupported = || {
        SignerInfoError::UnsupportedSignature(
            crate::ber::oid_string(oid).unwrap_or_else(|| "unreadable".into()),
        )
    };
    use DigestAlgorithm::*;
    // An identifier that names a hash signs with it (as apksig and Java read them);
    // rsaEncryption, id-ecPublicKey and id-dsa sign with the SignerInfo's digest.
    Ok(match oid {
        [prefix @ .., 1] if prefix == RSA => SignatureAlgorithm::RsaPkcs1v15(digest),
        [prefix @ .., 4] if prefix == RSA => SignatureAlgorithm::RsaPkcs1v15(Md5),
        [prefix @ .., 5] if prefix == RSA => SignatureAlgorithm::RsaPkcs1v15(Sha1),
        [prefix @ .., 11] if prefix == RSA => SignatureAlgorithm::RsaPkcs1v15(Sha256),
        [prefix @ .., 12] if prefix == RSA => SignatureAlgorithm::RsaPkcs1v15(Sha384),
        [prefix @ .., 13] if prefix == RSA => SignatureAlgorithm::RsaPkcs1v15(Sha512),
        [prefix @ .., 14] if prefix == RSA => SignatureAlgorithm::RsaPkcs1v15(Sha224),
        [prefix @ .., 10] if prefix == RSA => {
            let salt_len = pss_salt_length(signer.signature_parameters)?;
            SignatureAlgorithm::RsaPss { digest, salt_len }
        }
        // id-ecPublicKey, ecdsa-with-SHA1, ecdsa-with-SHA224/256/384/512.
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01] => SignatureAlgorithm::Ecdsa(digest),
        [prefix @ .., 1] if prefix == ECDSA_WITH => SignatureAlgorithm::Ecdsa(Sha1),
        [prefix @ .., 3, n @ 1..=4] if prefix == ECDSA_WITH => {
            SignatureAlgorithm::Ecdsa([Sha224, Sha256, Sha384, Sha512][usize::from(*n - 1)])
        }
        // id-dsa, dsa-with-sha1, dsa-with-sha224/256.
        [prefix @ .., 1] if prefix == X957 => SignatureAlgorithm::Dsa(digest),
        [prefix @ .., 3] if prefix == X957 => SignatureAlgorithm::Dsa(Sha1),
        [prefix @ .., 1] if prefix == NIST_DSA => SignatureAlgorithm::Dsa(Sha224),
        [prefix @ .., 2] if prefix == NIST_DSA => SignatureAlgorithm::Dsa(Sha256),
        _ => return Err(unsupported()),
    })
}

/// RSASSA-PSS-params' saltLength ([2] EXPLICIT INTEGER, 20 by default). The hash and
/// mask functions are taken to be the SignerInfo's digest, as every signer writes them.
fn pss_salt_length(parameters: Option<&[u8]>) -> Result<usize, SignerInfoError> {
    const DEFAULT_SALT: usize = 20;
    let Some(parameters) = parameters else {
        return Ok(DEFAULT_SALT);
    };
    for field in parse_first(parameters)
        .map_err(Pkcs7Error::from)?
        .children()
    {
        let field = field.map_err(Pkcs7Error::from)?;
        if field.tag == 0xa2 {
            let value = expect(field.children().next(), "PSS saltLength is empty")?;
            if value.tag != TAG_INTEGER || value.content.len() > 4 {
                return Err(
                    Pkcs7Error::NotSignedData("PSS saltLength is not a small INTEGER").into(),
                );
            }
            return Ok(value
                .content
                .iter()
                .fold(0usize, |n, b| n << 8 | usize::from(*b)));
        }
    }
    Ok(DEFAULT_SALT)
}

/// Checks one SignerInfo of `signed` over `content` (the encapsulated content, or the
/// detached content the caller holds): the messageDigest attribute against the content
/// when there are signed attributes, and the signature (over the attributes, or over the
/// content itself) with the key of the certificate the SignerInfo names. Returns that
/// certificate.
pub(crate) fn verify_signer<'a>(
    signed: &SignedData<'a>,
    signer: &SignerInfo<'a>,
    content: &[u8],
) -> Result<&'a [u8], SignerInfoError> {
    const MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
    let certificate = crate::cert::signer_certificate(&signed.certificates, &signer.id)
        .ok_or(SignerInfoError::NoCertificate)?;
    let digest = DigestAlgorithm::from_oid(signer.digest_algorithm).ok_or_else(|| {
        SignerInfoError::UnsupportedDigest(
            crate::ber::oid_string(signer.digest_algorithm).unwrap_or_else(|| "unreadable".into()),
        )
    })?;
    let algorithm = signature_algorithm(signer, digest)?;
    let key = crate::crypto::certificate_public_key(certificate)?;
    match signer.signed_attributes {
        Some(attributes) => {
            let content_digest = digest.digest(content);
            let stated = signed_attribute(signer, MESSAGE_DIGEST)?;
            let [value] = stated.as_slice() else {
                return Err(SignerInfoError::NoMessageDigest);
            };
            let value = parse_first(value).map_err(Pkcs7Error::from)?;
            if value.tag != TAG_OCTET_STRING || value.content != content_digest.as_slice() {
                return Err(SignerInfoError::DigestMismatch(digest.name()));
            }
            // The signature covers the attributes DER-encoded as a SET OF, not with
            // their [0] IMPLICIT tag.
            let mut der = attributes.to_vec();
            der[0] = TAG_SET;
            crate::crypto::verify(key, algorithm, &der, signer.signature)?;
        }
        // Without attributes the signature is over the content, hashed as it names.
        None => crate::crypto::verify(key, algorithm, content, signer.signature)?,
    }
    Ok(certificate)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JAR signature of a sample APK (made by apksigner): its SignerInfo holds over
    /// the .SF and fails over a changed one.
    #[test]
    fn verifies_a_jar_signer_info() {
        use std::io::Read;
        let apk = std::fs::File::open(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/sample-v1v2v3-rsa.apk"
        ))
        .unwrap();
        let mut zip = zip::ZipArchive::new(apk).unwrap();
        let mut read = |name: &str| {
            let mut out = Vec::new();
            zip.by_name(name).unwrap().read_to_end(&mut out).unwrap();
            out
        };
        let (sf, block) = (read("META-INF/RELEASE.SF"), read("META-INF/RELEASE.RSA"));
        let signed = parse_signed_data(&block).unwrap();
        let signer = &signed.signers[0];
        let certificate = verify_signer(&signed, signer, &sf).unwrap();
        assert_eq!(certificate, signed.certificates[0]);
        let mut changed = sf.clone();
        changed[10] ^= 1;
        assert!(matches!(
            verify_signer(&signed, signer, &changed),
            Err(
                SignerInfoError::Crypto(crate::crypto::CryptoError::Mismatch)
                    | SignerInfoError::DigestMismatch(_)
            )
        ));
    }

    /// A profile's CMS (signed attributes, encapsulated content) holds; its content
    /// changed does not, for the messageDigest attribute.
    #[test]
    fn verifies_signed_attributes() {
        for profile in [
            "samples/ios/sample.mobileprovision",
            "samples/harmony/sample-release.p7b",
        ] {
            let path = format!("{}/{profile}", env!("CARGO_MANIFEST_DIR"));
            let bytes = std::fs::read(path).unwrap();
            let signed = parse_signed_data(&bytes).unwrap();
            let content = signed.content.clone().unwrap();
            let signer = &signed.signers[0];
            assert!(signer.signed_attributes.is_some(), "{profile}");
            verify_signer(&signed, signer, &content).unwrap();
            let mut changed = content.clone();
            changed[0] ^= 1;
            assert!(
                matches!(
                    verify_signer(&signed, signer, &changed),
                    Err(SignerInfoError::DigestMismatch(_))
                ),
                "{profile}"
            );
        }
    }

    #[test]
    fn refuses_what_is_not_signed_data() {
        // ContentInfo with the id-data OID (1.2.840.113549.1.7.1)
        let data = [
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0,
            0x00,
        ];
        assert!(matches!(
            parse_signed_data(&data),
            Err(Pkcs7Error::NotSignedData(_))
        ));
    }
}
