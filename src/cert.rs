//! X.509 certificate → fingerprints, names, validity and every public-key form
//! the portals ask for.

use crate::ber::{self, TAG_OID, TAG_SEQUENCE};
use crate::pkcs7::{SignedData, SignerId};
use crate::report::{
    Certificate, CertificateRole, CertifiedKey, ChainCertificate, KeyAlgorithm, PackageReport,
    PublicKey, Scheme, Signer, Warning, WarningCode,
};
use base64::Engine;
use md5::Md5;
use num_bigint::BigUint;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use thiserror::Error;
use time::format_description::well_known::Rfc3339;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::objects::{oid2sn, oid_registry};
use x509_parser::pem::Pem;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey as ParsedKey;
use x509_parser::x509::X509Name;

#[derive(Debug, Clone, Error)]
#[error("invalid X.509 certificate: {0}")]
pub(crate) struct CertError(String);

const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";

/// Uppercase hex without separators.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
    out
}

/// `AB:CD:…` from `ABCD…`.
fn with_colons(hex: &str) -> String {
    let mut out = String::with_capacity(hex.len() * 3 / 2);
    for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.extend(pair.iter().map(|b| *b as char));
    }
    out
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn format_time(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

fn parse(der: &[u8]) -> Result<X509Certificate<'_>, CertError> {
    X509Certificate::from_der(der)
        .map(|(_, cert)| cert)
        .map_err(|e| CertError(e.to_string()))
}

/// How many certificates each thread remembers, and the largest it remembers: a
/// package's signers, chains and profiles share a handful of certificates of a few KB.
const REMEMBERED_CERTIFICATES: usize = 8;
const MAX_REMEMBERED_DER: usize = 16 << 10;

thread_local! {
    /// The certificates this thread described last, newest first. An APK's v1, v2 and
    /// v3 signers, a CMS's chain and its signer, a profile's certificate are mostly one
    /// certificate: it is described once, not once per mention.
    static RECENT: RefCell<VecDeque<(Box<[u8]>, CertifiedKey)>> =
        const { RefCell::new(VecDeque::new()) };
}

/// Describes a certificate from its exact encoded bytes.
pub(crate) fn describe(der: &[u8]) -> Result<CertifiedKey, CertError> {
    let remembered = RECENT.with_borrow(|recent| {
        recent
            .iter()
            .find(|(seen, _)| **seen == *der)
            .map(|(_, key)| key.clone())
    });
    if let Some(key) = remembered {
        return Ok(key);
    }
    let key = describe_anew(der)?;
    if der.len() <= MAX_REMEMBERED_DER {
        RECENT.with_borrow_mut(|recent| {
            recent.truncate(REMEMBERED_CERTIFICATES - 1);
            recent.push_front((der.into(), key.clone()));
        });
    }
    Ok(key)
}

fn describe_anew(der: &[u8]) -> Result<CertifiedKey, CertError> {
    let cert = parse(der)?;
    let not_before = cert.validity().not_before.to_datetime();
    let not_after = cert.validity().not_after.to_datetime();
    let md5 = hex_upper(&Md5::digest(der));
    let sha1 = hex_upper(&Sha1::digest(der));
    let sha256 = hex_upper(&Sha256::digest(der));
    let certificate = Certificate {
        subject: distinguished_name(cert.subject()),
        issuer: distinguished_name(cert.issuer()),
        serial: hex_upper(strip_leading_zeros(cert.raw_serial())),
        not_before: format_time(not_before),
        not_after: format_time(not_after),
        signature_algorithm: oid_name(&cert.signature_algorithm.algorithm),
        md5_colon: with_colons(&md5),
        sha1_colon: with_colons(&sha1),
        sha256_colon: with_colons(&sha256),
        der_base64: base64::engine::general_purpose::STANDARD.encode(der),
        md5,
        sha1,
        sha256,
        not_before_unix: not_before.unix_timestamp(),
        not_after_unix: not_after.unix_timestamp(),
    };
    Ok(CertifiedKey {
        certificate,
        public_key: describe_key(&cert),
    })
}

/// RFC 4514 form, most specific RDN first ("CN=…, O=…, C=…"), as keytool and apksigner print it.
fn distinguished_name(name: &X509Name<'_>) -> String {
    let mut rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            let parts: Vec<String> = rdn
                .iter()
                .map(|atv| {
                    let value = match atv.as_str() {
                        Ok(text) => escape_dn_value(text),
                        Err(_) => format!("#{}", hex_upper(atv.attr_value().data)),
                    };
                    format!("{}={value}", attribute_name(atv.attr_type()))
                })
                .collect();
            parts.join("+")
        })
        .collect();
    rdns.reverse();
    rdns.join(", ")
}

/// The short attribute names keytool and apksigner print; other types as dotted OIDs.
fn attribute_name(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    let dotted = oid.to_id_string();
    let short = match dotted.as_str() {
        "2.5.4.3" => "CN",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "EMAILADDRESS",
        _ => return dotted,
    };
    short.to_string()
}

fn escape_dn_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        let edge =
            (i == 0 && (c == ' ' || c == '#')) || (i + 1 == value.chars().count() && c == ' ');
        if edge || matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn oid_name(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    oid2sn(oid, oid_registry())
        .map(str::to_string)
        .unwrap_or_else(|_| oid.to_id_string())
}

fn describe_key(cert: &X509Certificate<'_>) -> PublicKey {
    let spki = cert.public_key();
    let algorithm_oid = spki.algorithm.algorithm.to_id_string();
    let mut key = PublicKey {
        algorithm: KeyAlgorithm::Other(algorithm_oid.clone()),
        bits: None,
        modulus_decimal: None,
        modulus_hex: None,
        exponent: None,
        curve: None,
        ec_point_hex: None,
        spki_base64: base64::engine::general_purpose::STANDARD.encode(spki.raw),
        spki_sha256: hex_upper(&Sha256::digest(spki.raw)),
    };
    let parsed = if algorithm_oid == OID_RSA_PSS {
        // RSA-PSS keys carry a plain RSAPublicKey; x509-parser only decodes rsaEncryption.
        x509_parser::public_key::RSAPublicKey::from_der(&spki.subject_public_key.data)
            .map(|(_, rsa)| ParsedKey::RSA(rsa))
            .ok()
    } else {
        spki.parsed().ok()
    };
    let params = algorithm_parameters(spki.raw);
    match parsed {
        Some(ParsedKey::RSA(rsa)) => {
            // Read as unsigned, as openssl does, even when the DER INTEGER is "negative".
            let modulus = BigUint::from_bytes_be(rsa.modulus);
            key.algorithm = KeyAlgorithm::Rsa;
            key.bits = u32::try_from(modulus.bits()).ok();
            key.modulus_decimal = Some(modulus.to_str_radix(10));
            key.modulus_hex = Some(modulus.to_str_radix(16).to_uppercase());
            key.exponent = rsa.try_exponent().ok();
        }
        Some(ParsedKey::EC(point)) => {
            key.algorithm = KeyAlgorithm::Ec;
            let (curve, bits) = params
                .and_then(named_curve)
                .unwrap_or(("unknown".into(), None));
            key.bits = bits;
            key.curve = Some(curve);
            key.ec_point_hex = Some(hex_upper(point.data()));
        }
        Some(ParsedKey::DSA(_)) => {
            key.algorithm = KeyAlgorithm::Dsa;
            key.bits = params.and_then(dsa_prime_bits);
        }
        _ => {}
    }
    key
}

/// The AlgorithmIdentifier's parameters element inside an SPKI.
fn algorithm_parameters(spki: &[u8]) -> Option<ber::Tlv<'_>> {
    let spki = ber::parse_first(spki).ok()?;
    let algorithm = spki.children().next()?.ok()?;
    if algorithm.tag != TAG_SEQUENCE {
        return None;
    }
    algorithm.children().nth(1)?.ok()
}

/// Curve name and size from a namedCurve OID.
fn named_curve(params: ber::Tlv<'_>) -> Option<(String, Option<u32>)> {
    if params.tag != TAG_OID {
        return None;
    }
    let known: &[(&[u8], &str, u32)] = &[
        (
            &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
            "P-256",
            256,
        ),
        (&[0x2b, 0x81, 0x04, 0x00, 0x22], "P-384", 384),
        (&[0x2b, 0x81, 0x04, 0x00, 0x23], "P-521", 521),
        (&[0x2b, 0x81, 0x04, 0x00, 0x0a], "secp256k1", 256),
        (
            &[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d],
            "SM2",
            256,
        ),
    ];
    if let Some((_, name, bits)) = known.iter().find(|(oid, _, _)| *oid == params.content) {
        return Some((name.to_string(), Some(*bits)));
    }
    let oid = x509_parser::der_parser::oid::Oid::new(params.content.into());
    Some((oid.to_id_string(), None))
}

/// Bit length of p in Dss-Parms ::= SEQUENCE { p, q, g }.
fn dsa_prime_bits(params: ber::Tlv<'_>) -> Option<u32> {
    if params.tag != TAG_SEQUENCE {
        return None;
    }
    let p = params.children().next()?.ok()?;
    u32::try_from(BigUint::from_bytes_be(p.content).bits()).ok()
}

/// The certificates of a PEM (one or several) or DER file; `None` when it holds none.
pub(crate) fn pem_or_der_certificates(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    if bytes.starts_with(b"-----BEGIN") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let ders: Vec<Vec<u8>> = Pem::iter_from_buffer(bytes)
            .filter_map(Result::ok)
            .filter(|pem| pem.label == "CERTIFICATE" || pem.label == "TRUSTED CERTIFICATE")
            .map(|pem| pem.contents)
            .collect();
        return (!ders.is_empty()).then_some(ders);
    }
    describe(bytes).ok().map(|_| vec![bytes.to_vec()])
}

/// The role of each certificate in a set, by issuer/subject linkage rather
/// than position: "root" (self-issued), "intermediate" (issued another one in
/// the set), "leaf" (issued none), or "unknown" when it does not parse.
pub(crate) fn chain_roles(certificates: &[&[u8]]) -> Vec<CertificateRole> {
    // Names compare by content: the same name may be encoded with other string types.
    let normal = |name: &X509Name<'_>| distinguished_name(name).to_lowercase();
    let names: Vec<Option<(String, String)>> = certificates
        .iter()
        .map(|der| {
            parse(der)
                .ok()
                .map(|c| (normal(c.subject()), normal(c.issuer())))
        })
        .collect();
    // The issuers of certificates not self-issued: a set, as a CMS may carry thousands.
    let issuers: HashSet<&str> = names
        .iter()
        .flatten()
        .filter(|(subject, issuer)| subject != issuer)
        .map(|(_, issuer)| issuer.as_str())
        .collect();
    names
        .iter()
        .map(|name| match name {
            None => CertificateRole::Unknown,
            Some((subject, issuer)) if subject == issuer => CertificateRole::Root,
            Some((subject, _)) if issuers.contains(subject.as_str()) => {
                CertificateRole::Intermediate
            }
            Some(_) => CertificateRole::Leaf,
        })
        .collect()
}

/// Why a CMS signature gave no signer certificate.
#[derive(Debug, Clone, Error)]
pub(crate) enum SignerError {
    #[error("the SignerInfo names no certificate of the signature's set")]
    NotFound,
    #[error("the signer's certificate: {0}")]
    Unreadable(CertError),
}

impl SignerError {
    /// The warning code each case is reported under.
    pub(crate) fn code(&self) -> WarningCode {
        match self {
            SignerError::NotFound => WarningCode::SignerNotFound,
            SignerError::Unreadable(_) => WarningCode::CertificateUnreadable,
        }
    }
}

/// What a CMS signature tells of its certificates: every one with its role,
/// and the one its (first) SignerInfo names.
pub(crate) struct SignatureCertificates {
    pub chain: Vec<ChainCertificate>,
    pub signer: Result<CertifiedKey, SignerError>,
}

pub(crate) fn signature_certificates(signed: &SignedData<'_>) -> SignatureCertificates {
    let roles = chain_roles(&signed.certificates);
    let chain = signed
        .certificates
        .iter()
        .zip(roles)
        .filter_map(|(der, role)| describe(der).ok().map(|key| ChainCertificate { role, key }))
        .collect();
    let signer = signed
        .signers
        .first()
        .and_then(|id| signer_certificate(&signed.certificates, &id.id))
        .ok_or(SignerError::NotFound)
        .and_then(|der| describe(der).map_err(SignerError::Unreadable));
    SignatureCertificates { chain, signer }
}

/// A package's own CMS signature (a HAP's, a Mach-O's): its signer joins the
/// report under `scheme`, or a warning says why not; its certificates are
/// returned for the chain. `unreadable_code` names a CMS that does not parse.
pub(crate) fn record_signature(
    report: &mut PackageReport,
    scheme: Scheme,
    cms: &[u8],
    context: &str,
    unreadable_code: WarningCode,
) -> Vec<ChainCertificate> {
    let signed = match crate::pkcs7::parse_signed_data(cms) {
        Ok(signed) => signed,
        Err(e) => {
            let warning = Warning::new(unreadable_code, format!("{context}: {e}"));
            report.warnings.push(warning);
            return Vec::new();
        }
    };
    let found = signature_certificates(&signed);
    match found.signer {
        Ok(key) => {
            report.schemes.push(scheme);
            report.signers.push(Signer::new(scheme, key));
        }
        Err(e) => report
            .warnings
            .push(Warning::new(e.code(), format!("{context}: {e}"))),
    }
    found.chain
}

/// Why a CMS SignedData holds no content to read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SignedContentError {
    #[error(transparent)]
    Cms(#[from] crate::pkcs7::Pkcs7Error),
    #[error("the CMS holds no content")]
    NoContent,
}

/// A CMS SignedData's encapsulated content and its signer's certificate
/// (profiles: Apple's hold a plist, HarmonyOS's JSON).
pub(crate) fn signed_content(
    bytes: &[u8],
) -> Result<(Vec<u8>, Option<Certificate>), SignedContentError> {
    let signed = crate::pkcs7::parse_signed_data(bytes)?;
    let content = signed
        .content
        .clone()
        .ok_or(SignedContentError::NoContent)?;
    let signer = signature_certificates(&signed)
        .signer
        .ok()
        .map(|key| key.certificate);
    Ok((content, signer))
}

/// Whether `der`'s serial number is `serial` (content octets, any leading zeros).
pub(crate) fn has_serial(der: &[u8], serial: &[u8]) -> bool {
    parse(der)
        .is_ok_and(|cert| strip_leading_zeros(cert.raw_serial()) == strip_leading_zeros(serial))
}

/// Whether `der` is the certificate a SignerInfo names.
pub(crate) fn is_signer(der: &[u8], id: &SignerId<'_>) -> bool {
    let Ok(cert) = parse(der) else { return false };
    match id {
        SignerId::IssuerAndSerial { issuer, serial } => {
            strip_leading_zeros(cert.raw_serial()) == strip_leading_zeros(serial)
                && cert.issuer().as_raw() == *issuer
        }
        SignerId::SubjectKeyId(key_id) => cert.extensions().iter().any(|ext| {
            matches!(ext.parsed_extension(), ParsedExtension::SubjectKeyIdentifier(k) if k.0 == *key_id)
        }),
    }
}

/// The certificate a SignerInfo names, never simply the first one. When the
/// issuer was re-encoded (BER) and does not compare byte for byte, a unique
/// serial number match is accepted.
pub(crate) fn signer_certificate<'a>(
    certificates: &[&'a [u8]],
    id: &SignerId<'_>,
) -> Option<&'a [u8]> {
    if let Some(exact) = certificates.iter().find(|c| is_signer(c, id)) {
        return Some(exact);
    }
    let SignerId::IssuerAndSerial { serial, .. } = id else {
        return None;
    };
    let mut by_serial = certificates.iter().filter(|c| has_serial(c, serial));
    match (by_serial.next(), by_serial.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms() {
        assert_eq!(hex_upper(&[0x0a, 0xbc]), "0ABC");
        assert_eq!(with_colons("0ABCDE"), "0A:BC:DE");
        assert_eq!(strip_leading_zeros(&[0, 0, 5, 0]), &[5, 0]);
        assert_eq!(escape_dn_value("Acme, Inc."), "Acme\\, Inc.");
        assert_eq!(escape_dn_value(" x "), "\\ x\\ ");
    }

    #[test]
    fn remembered_certificates_are_described_as_anew_and_few_are_kept() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/keys");
        let mut ders = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "pem") {
                let pem = std::fs::read(&path).unwrap();
                ders.push(x509_parser::pem::parse_x509_pem(&pem).unwrap().1.contents);
            }
        }
        assert!(
            ders.len() > REMEMBERED_CERTIFICATES,
            "{} certificates",
            ders.len()
        );
        let json = |key: &CertifiedKey| serde_json::to_string(key).unwrap();
        // Twice round: the second describes the older ones anew, the newest from memory.
        for der in ders.iter().chain(&ders).chain(ders.iter().rev()) {
            assert_eq!(
                json(&describe(der).unwrap()),
                json(&describe_anew(der).unwrap())
            );
            assert!(RECENT.with_borrow(|r| r.len()) <= REMEMBERED_CERTIFICATES);
        }
        let newest = ders.first().unwrap();
        assert!(RECENT.with_borrow(|r| *r[0].0 == **newest));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(describe(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_err());
        assert!(describe(&[]).is_err());
    }
}
