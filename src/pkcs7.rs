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

#[derive(Debug, Clone, Default)]
pub(crate) struct SignedData<'a> {
    /// Every certificate in the set, in file order, as raw bytes.
    pub certificates: Vec<&'a [u8]>,
    /// One entry per SignerInfo.
    pub signers: Vec<SignerId<'a>>,
    /// The encapsulated content (a provisioning profile's plist), when not detached.
    pub content: Option<Vec<u8>>,
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
                    out.signers.push(parse_signer_id(signer?)?);
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

fn parse_signer_id(signer_info: Tlv<'_>) -> Result<SignerId<'_>, Pkcs7Error> {
    let mut fields = signer_info.children();
    expect(fields.next(), "SignerInfo has no version")?;
    let sid = expect(fields.next(), "SignerInfo has no signer identifier")?;
    match sid.tag {
        TAG_SEQUENCE => {
            let mut parts = sid.children();
            let issuer = expect(parts.next(), "IssuerAndSerialNumber has no issuer")?;
            let serial = expect(parts.next(), "IssuerAndSerialNumber has no serial")?;
            if serial.tag != TAG_INTEGER {
                return Err(Pkcs7Error::NotSignedData("serial number is not an INTEGER"));
            }
            Ok(SignerId::IssuerAndSerial {
                issuer: issuer.raw,
                serial: serial.content,
            })
        }
        TAG_CONTEXT_0_PRIMITIVE => Ok(SignerId::SubjectKeyId(sid.content)),
        _ => Err(Pkcs7Error::NotSignedData("unknown signer identifier")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
