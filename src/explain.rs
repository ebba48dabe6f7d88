//! The wrong-value linter: what a value a filer holds is, in a package. A filing comes
//! back rejected, or `check` finds a filed value that is not the signer's: the value is
//! often something else the package carries (the MD5 of the public key instead of the
//! certificate's, the chain's root, an older key, the digest of the APK file…). This
//! names it, and says what the portal wants instead. `check` and `explain` both ask
//! [`identify`].

use crate::cert::hex_upper;
use crate::crypto::DigestAlgorithm;
use crate::filing::is_development_certificate;
use crate::report::{
    Certificate, CertificateRole, CertifiedKey, Filing, FingerprintAlgorithm, PackageReport,
    Platform, PublicKey, PublicKeyFormat, Scheme, Signer,
};
use base64::Engine;
use serde::Serialize;
use std::collections::HashSet;
use std::io::Read;

/// What a value turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// The 签名MD5值 to file: the filing certificate's MD5 (Android) or SHA-1 (iOS, HarmonyOS).
    SignatureFingerprint,
    /// The 公钥 to file, in the platform's form.
    PublicKey,
    /// The filing certificate's other fingerprint: its SHA-1 or SHA-256 where the MD5 is
    /// wanted, or its MD5 where the SHA-1 is.
    OtherFingerprint,
    /// An MD5, SHA-1 or SHA-256 of the public key (SubjectPublicKeyInfo), not of the certificate.
    PublicKeyDigest,
    /// The filing key's modulus in decimal where hex is wanted, or the reverse.
    ModulusOtherBase,
    /// The filing key or certificate as PEM, Base64 or hex of its DER.
    Encoding,
    /// The start of the filing key's modulus.
    TruncatedModulus,
    /// A root or intermediate CA of the chain, not the leaf that signs the app.
    ChainCertificate,
    /// A development certificate from the provisioning profile.
    DevelopmentCertificate,
    /// An older key in the signing-key rotation lineage.
    OlderKey,
    /// Another signer or certificate of the package, not the one filed.
    OtherSigner,
    /// The certificate that signed the provisioning profile (Apple's or Huawei's).
    ProfileSigner,
    /// A digest of the package file itself.
    PackageFileDigest,
}

impl ValueKind {
    /// Whether the value is what the portal asks for.
    pub fn is_filing_value(self) -> bool {
        matches!(self, ValueKind::SignatureFingerprint | ValueKind::PublicKey)
    }
}

/// A value named for what it is in one package.
#[derive(Debug, Clone, Serialize)]
pub struct Identified {
    /// The package it was found in.
    pub path: String,
    pub kind: ValueKind,
    /// What the value is, in words: "the MD5 of the public key (SubjectPublicKeyInfo) in the v2
    /// signer's certificate …".
    pub what: String,
    /// The subject of the certificate it belongs to; null for the package file's digest.
    pub certificate: Option<String>,
    /// The portal field it was meant for: "签名MD5值" or "公钥".
    pub field: &'static str,
    /// What to file in that field instead; null when the value is the one to file, or
    /// the package has no filing signer.
    pub file_instead: Option<String>,
    /// The whole explanation, plain enough for a filer whose filing came back rejected
    /// (the package's path aside).
    pub message: String,
    /// The filing signer's own key, in a form the tool itself files (decimal, hex, EC
    /// point, or the SubjectPublicKeyInfo in Base64): the key has not changed.
    #[serde(skip)]
    pub(crate) same_filing_key: bool,
}

/// What the value is in `package`, or `None` when it matches nothing there. The package
/// file's digest, which reads the whole file, is tried last and only for a value of a
/// digest's length.
pub fn identify(value: &str, package: &PackageReport) -> Option<Identified> {
    let value = Value::new(value)?;
    let holders = holders(package);
    let found = holders.iter().find_map(|holder| {
        let form = match_key(&value, holder)?;
        Some((Some(holder), form))
    });
    let (holder, form) = match found {
        Some(found) => found,
        None => (None, package_file_digest(&value, &package.path)?),
    };
    let filing_owner = holders
        .iter()
        .find(|h| h.role == Role::Filing)
        .map(|h| h.owner.as_str());
    Some(describe(package, holder, form, filing_owner))
}

/// The three digests a value can be, by its length in hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Digest {
    Md5,
    Sha1,
    Sha256,
}

impl Digest {
    fn of_hex_len(len: usize) -> Option<Digest> {
        match len {
            32 => Some(Digest::Md5),
            40 => Some(Digest::Sha1),
            64 => Some(Digest::Sha256),
            _ => None,
        }
    }

    fn algorithm(self) -> DigestAlgorithm {
        match self {
            Digest::Md5 => DigestAlgorithm::Md5,
            Digest::Sha1 => DigestAlgorithm::Sha1,
            Digest::Sha256 => DigestAlgorithm::Sha256,
        }
    }

    fn name(self) -> &'static str {
        self.algorithm().name()
    }

    fn of_certificate(self, certificate: &Certificate) -> &str {
        match self {
            Digest::Md5 => &certificate.md5,
            Digest::Sha1 => &certificate.sha1,
            Digest::Sha256 => &certificate.sha256,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    Decimal,
    Hex,
}

impl Base {
    fn name(self) -> &'static str {
        match self {
            Base::Decimal => "decimal",
            Base::Hex => "hex",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    SpkiBase64,
    SpkiPem,
    SpkiHex,
    CertificateBase64,
    CertificatePem,
    CertificateHex,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::SpkiBase64 => "as a SubjectPublicKeyInfo (SPKI) in Base64",
            Encoding::SpkiPem => "as a PEM block (BEGIN PUBLIC KEY)",
            Encoding::SpkiHex => "as a SubjectPublicKeyInfo (SPKI) in hex",
            Encoding::CertificateBase64 => "in Base64",
            Encoding::CertificatePem => "as a PEM block (BEGIN CERTIFICATE)",
            Encoding::CertificateHex => "as DER in hex",
        }
    }
}

/// The form a value has, of a certificate, its key, or the package file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    CertificateDigest(Digest),
    KeyDigest(Digest),
    Modulus(Base),
    EcPoint,
    ModulusPrefix {
        base: Base,
        digits: usize,
        of: usize,
    },
    Encoded(Encoding),
    FileDigest(Digest),
}

/// A value as given, in the normal forms it is compared in.
struct Value {
    /// Without whitespace, colons, a `0x` prefix, or case: hex digits only; `None` otherwise.
    hex: Option<String>,
    /// Without whitespace: Base64 or decimal text.
    compact: String,
    /// A PEM block's label ("PUBLIC KEY", "CERTIFICATE") and Base64 body.
    pem: Option<(String, String)>,
}

impl Value {
    fn new(raw: &str) -> Option<Value> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.is_empty() {
            return None;
        }
        let digits = compact
            .strip_prefix("0x")
            .unwrap_or(&compact)
            .replace(':', "");
        let hex = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| digits.to_ascii_uppercase());
        Some(Value {
            hex,
            pem: pem_block(raw),
            compact,
        })
    }
}

/// The label and Base64 body of the first PEM block in `text`.
fn pem_block(text: &str) -> Option<(String, String)> {
    let (_, after) = text.split_once("-----BEGIN ")?;
    let (label, rest) = after.split_once("-----")?;
    let body = rest.split("-----END").next()?;
    let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    Some((label.to_string(), body))
}

/// Whose certificate a value belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The certificate the filing takes.
    Filing,
    /// A signer when the package files none (a keystore with several keys, a certificate
    /// whose platform is unknown).
    Signer,
    OtherSigner,
    OlderKey,
    /// A certificate of a chain: its role (root, intermediate) is in the owner's words.
    Chain,
    ProfileCertificate {
        development: bool,
    },
    ProfileSigner,
}

struct Holder<'a> {
    role: Role,
    /// The certificate, in words: "the v2 signer's certificate", "the chain's root CA certificate".
    owner: String,
    certificate: &'a Certificate,
    /// A profile's signer carries its certificate only.
    key: Option<&'a PublicKey>,
}

/// Every certificate in the package, the filing one first, each once.
fn holders(package: &PackageReport) -> Vec<Holder<'_>> {
    let filing = package.filing.as_ref();
    let filing_sha = filing.map(|f| f.signer_sha256.as_str());
    let lineage: HashSet<&str> = package
        .lineage
        .iter()
        .map(|n| n.key.certificate.sha256.as_str())
        .collect();
    let mut keys: Vec<(Role, String, &CertifiedKey)> = Vec::new();
    // The filing signer first, named by the scheme filed (one certificate can sign in
    // several): a value that is its own is never named as another's.
    let is_filed = |s: &&Signer| Some(s.key.certificate.sha256.as_str()) == filing_sha;
    let filed = package
        .signers
        .iter()
        .filter(is_filed)
        .find(|s| filing.is_some_and(|f| f.signer_scheme == s.scheme));
    if let Some(signer) = filed.or_else(|| package.signers.iter().find(is_filed)) {
        keys.push((Role::Filing, signer_owner(signer), &signer.key));
    }
    for signer in &package.signers {
        let owner = signer_owner(signer);
        let (role, owner) = if filing_sha.is_none() {
            (Role::Signer, owner)
        } else if lineage.contains(signer.key.certificate.sha256.as_str()) {
            let owner = format!("{owner}, an older key in the rotation lineage");
            (Role::OlderKey, owner)
        } else {
            (Role::OtherSigner, owner)
        };
        keys.push((role, owner, &signer.key));
    }
    for node in &package.lineage {
        let owner = "an older certificate in the rotation lineage".to_string();
        keys.push((Role::OlderKey, owner, &node.key));
    }
    if let Some(stamp) = &package.source_stamp {
        keys.push((
            Role::OtherSigner,
            "the source stamp's certificate".into(),
            stamp,
        ));
    }
    let code_chain = package
        .ios
        .as_ref()
        .and_then(|i| i.code_signature.as_ref())
        .map(|c| c.chain.as_slice())
        .unwrap_or_default();
    for link in package.chain.iter().chain(code_chain) {
        let owner = match link.role {
            CertificateRole::Root => "the chain's root CA certificate",
            CertificateRole::Intermediate => "the chain's intermediate CA certificate",
            CertificateRole::Leaf | CertificateRole::Unknown => "a certificate of the chain",
        };
        keys.push((Role::Chain, owner.into(), &link.key));
    }
    let ios_profile = package.ios.as_ref().and_then(|i| i.profile.as_ref());
    for key in ios_profile.iter().flat_map(|p| &p.developer_certificates) {
        let development = is_development_certificate(&key.certificate);
        let owner = if development {
            "a development certificate in the profile's DeveloperCertificates"
        } else {
            "another certificate in the profile's DeveloperCertificates"
        };
        keys.push((Role::ProfileCertificate { development }, owner.into(), key));
    }
    let harmony_profile = package.harmony.as_ref().and_then(|h| h.profile.as_ref());
    if let Some(key) = harmony_profile.and_then(|p| p.certificate.as_ref()) {
        let development = harmony_profile.and_then(|p| p.kind.as_deref()) == Some("debug");
        let owner = "the certificate the profile names".to_string();
        keys.push((Role::ProfileCertificate { development }, owner, key));
    }
    let mut seen: HashSet<&str> = HashSet::new();
    let mut holders: Vec<Holder<'_>> = keys
        .into_iter()
        .filter(|(_, _, key)| seen.insert(key.certificate.sha256.as_str()))
        .map(|(role, owner, key)| Holder {
            role,
            owner,
            certificate: &key.certificate,
            key: Some(&key.public_key),
        })
        .collect();
    let profile_signers = ios_profile
        .and_then(|p| p.signed_by.as_ref())
        .into_iter()
        .chain(harmony_profile.and_then(|p| p.signed_by.as_ref()));
    for certificate in profile_signers {
        if seen.insert(certificate.sha256.as_str()) {
            holders.push(Holder {
                role: Role::ProfileSigner,
                owner: "the certificate that signed the provisioning profile".into(),
                certificate,
                key: None,
            });
        }
    }
    holders
}

fn signer_owner(signer: &Signer) -> String {
    match signer.scheme {
        Scheme::V1 | Scheme::V2 | Scheme::V3 | Scheme::V31 => {
            format!("the {} signer's certificate", signer.scheme.name())
        }
        Scheme::SourceStamp => "the source stamp's certificate".into(),
        Scheme::CodeSignature => "the executable's signing certificate".into(),
        Scheme::Profile => "the profile's certificate".into(),
        Scheme::HapSignature => "the HAP's signing certificate".into(),
        Scheme::Certificate | Scheme::Pkcs12 => "the certificate".into(),
        Scheme::Keystore => match &signer.alias {
            Some(alias) => format!("the certificate of alias {alias}"),
            None => "the keystore's certificate".into(),
        },
    }
}

/// Shortest start of a modulus taken as a cut-short one: shorter values match by chance.
const MIN_PREFIX_DIGITS: usize = 16;

/// The form in which `value` is `holder`'s certificate or key, if it is.
fn match_key(value: &Value, holder: &Holder<'_>) -> Option<Form> {
    let certificate = holder.certificate;
    if let Some(hex) = &value.hex {
        if let Some(digest) = Digest::of_hex_len(hex.len()) {
            if *hex == digest.of_certificate(certificate) {
                return Some(Form::CertificateDigest(digest));
            }
            let spki = holder.key.and_then(spki_der);
            if spki.is_some_and(|spki| *hex == hex_upper(&digest.algorithm().digest(&spki))) {
                return Some(Form::KeyDigest(digest));
            }
        }
    }
    if let Some((label, body)) = &value.pem {
        let spki = holder.key.map(|k| k.spki_base64.as_str());
        return match label.as_str() {
            "PUBLIC KEY" if Some(body.as_str()) == spki => Some(Form::Encoded(Encoding::SpkiPem)),
            "CERTIFICATE" if *body == certificate.der_base64 => {
                Some(Form::Encoded(Encoding::CertificatePem))
            }
            _ => None,
        };
    }
    if value.compact == certificate.der_base64 {
        return Some(Form::Encoded(Encoding::CertificateBase64));
    }
    let key = holder.key?;
    if value.compact == key.spki_base64 {
        return Some(Form::Encoded(Encoding::SpkiBase64));
    }
    let hex = value.hex.as_deref()?;
    let modulus_hex = key.modulus_hex.as_deref().map(without_leading_zeros);
    if modulus_hex.is_some() && Some(without_leading_zeros(hex)) == modulus_hex {
        return Some(Form::Modulus(Base::Hex));
    }
    let decimal = key.modulus_decimal.as_deref();
    if decimal.is_some() && Some(value.compact.as_str()) == decimal {
        return Some(Form::Modulus(Base::Decimal));
    }
    if key.ec_point_hex.as_deref() == Some(hex) {
        return Some(Form::EcPoint);
    }
    if let Some(spki) = spki_der(key) {
        if hex == hex_upper(&spki) {
            return Some(Form::Encoded(Encoding::SpkiHex));
        }
    }
    if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(&certificate.der_base64) {
        if hex == hex_upper(&der) {
            return Some(Form::Encoded(Encoding::CertificateHex));
        }
    }
    prefix_of(hex, &value.compact, modulus_hex, decimal)
}

/// A cut-short modulus: `hex` (or the decimal `digits`) a proper start of the modulus.
fn prefix_of(
    hex: &str,
    digits: &str,
    modulus_hex: Option<&str>,
    modulus_decimal: Option<&str>,
) -> Option<Form> {
    let cut = |value: &str, whole: Option<&str>, base: Base| {
        let whole = whole?;
        (value.len() >= MIN_PREFIX_DIGITS && value.len() < whole.len() && whole.starts_with(value))
            .then_some(Form::ModulusPrefix {
                base,
                digits: value.len(),
                of: whole.len(),
            })
    };
    cut(without_leading_zeros(hex), modulus_hex, Base::Hex).or_else(|| {
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| cut(digits, modulus_decimal, Base::Decimal))
            .flatten()
    })
}

fn without_leading_zeros(hex: &str) -> &str {
    hex.trim_start_matches('0')
}

/// The SubjectPublicKeyInfo's DER bytes.
fn spki_der(key: &PublicKey) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(&key.spki_base64)
        .ok()
}

/// Read this much of the package file at a time.
const FILE_CHUNK: usize = 64 * 1024;

/// The digest of the package file that `value` is, read in chunks; `None` when the value
/// has no digest's length, the file cannot be read again (standard input, a folder), or
/// it does not match.
fn package_file_digest(value: &Value, path: &str) -> Option<Form> {
    let hex = value.hex.as_deref()?;
    let digest = Digest::of_hex_len(hex.len())?;
    if path == "-" {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut hasher = digest.algorithm().hasher();
    let mut buffer = vec![0u8; FILE_CHUNK];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(buffer.get(..n)?),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    }
    (hex_upper(&hasher.finish()) == hex).then_some(Form::FileDigest(digest))
}

/// The platform's names for what the portal wants.
fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Android => "Android",
        Platform::Ios => "iOS",
        Platform::Harmonyos => "HarmonyOS",
        Platform::Unknown => "this platform",
    }
}

/// The 签名MD5值 field, or the 公钥 one, that a value of `form` was meant for.
fn field_of(form: Form) -> &'static str {
    match form {
        Form::Modulus(_)
        | Form::EcPoint
        | Form::ModulusPrefix { .. }
        | Form::Encoded(Encoding::SpkiBase64 | Encoding::SpkiPem | Encoding::SpkiHex) => "公钥",
        _ => "签名MD5值",
    }
}

fn kind_of(package: &PackageReport, role: Role, form: Form) -> ValueKind {
    let filing = package.filing.as_ref();
    match role {
        Role::Filing | Role::Signer => match form {
            Form::CertificateDigest(digest) => {
                let wanted = filing.map(|f| f.signature_md5_algorithm);
                // Without a filing signer, either fingerprint may be the one asked.
                let matches = matches!(
                    (digest, wanted),
                    (Digest::Md5 | Digest::Sha1, None)
                        | (Digest::Md5, Some(FingerprintAlgorithm::Md5))
                        | (Digest::Sha1, Some(FingerprintAlgorithm::Sha1))
                );
                if matches {
                    ValueKind::SignatureFingerprint
                } else {
                    ValueKind::OtherFingerprint
                }
            }
            Form::KeyDigest(_) => ValueKind::PublicKeyDigest,
            Form::Modulus(base) => {
                let wanted = filing.and_then(|f| f.public_key_format);
                let filed = match base {
                    Base::Decimal => PublicKeyFormat::Decimal,
                    Base::Hex => PublicKeyFormat::Hex,
                };
                if wanted.is_none_or(|w| w == filed) {
                    ValueKind::PublicKey
                } else {
                    ValueKind::ModulusOtherBase
                }
            }
            Form::EcPoint => ValueKind::PublicKey,
            Form::ModulusPrefix { .. } => ValueKind::TruncatedModulus,
            Form::Encoded(_) => ValueKind::Encoding,
            Form::FileDigest(_) => ValueKind::PackageFileDigest,
        },
        Role::OtherSigner => ValueKind::OtherSigner,
        Role::OlderKey => ValueKind::OlderKey,
        Role::Chain => ValueKind::ChainCertificate,
        Role::ProfileCertificate { development: true } => ValueKind::DevelopmentCertificate,
        Role::ProfileCertificate { development: false } => ValueKind::OtherSigner,
        Role::ProfileSigner => ValueKind::ProfileSigner,
    }
}

/// "the MD5 of the public key in the v2 signer's certificate …": what a value of `form`
/// is, of the certificate `owner` names.
fn what_of(form: Form, owner: &str, subject: Option<&str>) -> String {
    let cert = match subject {
        Some(subject) => format!("{owner} ({subject})"),
        None => owner.to_string(),
    };
    match form {
        Form::CertificateDigest(d) => format!("the {} of {cert}", d.name()),
        Form::KeyDigest(d) => format!(
            "the {name} of the public key (SubjectPublicKeyInfo) in {cert}, not of the certificate itself \
             (apksigner prints it as \"public key {name} digest\")",
            name = d.name()
        ),
        Form::Modulus(base) => format!("the RSA modulus, in {}, of the key in {cert}", base.name()),
        Form::EcPoint => format!("the EC point 04‖X‖Y of the key in {cert}"),
        Form::ModulusPrefix { base, digits, of } => format!(
            "the first {digits} of the {of} {} digits of the RSA modulus of the key in {cert}: a truncated modulus (cut short)",
            base.name()
        ),
        Form::Encoded(encoding) => match encoding {
            Encoding::SpkiBase64 | Encoding::SpkiPem | Encoding::SpkiHex => {
                format!("the public key in {cert}, {}", encoding.name())
            }
            Encoding::CertificateBase64 | Encoding::CertificatePem | Encoding::CertificateHex => {
                format!("{cert} itself, {}", encoding.name())
            }
        },
        Form::FileDigest(d) => format!(
            "the {} of the package file itself, not of its signing certificate",
            d.name()
        ),
    }
}

/// Why a value of this kind is not the one to file.
fn why(kind: ValueKind, form: Form, platform: Platform) -> String {
    let platform = platform_name(platform);
    match kind {
        ValueKind::SignatureFingerprint | ValueKind::PublicKey => String::new(),
        ValueKind::OtherFingerprint => format!(
            "the right certificate with the wrong hash: {platform}'s 签名MD5值 is {}",
            if platform == "Android" {
                "the certificate's MD5"
            } else {
                "the certificate's SHA-1, despite the field's name"
            }
        ),
        ValueKind::PublicKeyDigest => {
            "the 签名MD5值 is a digest of the certificate, not of the public key".into()
        }
        ValueKind::ModulusOtherBase => format!(
            "the same key in the other base: {platform}'s 公钥 is the modulus in {}",
            match form {
                Form::Modulus(Base::Hex) => "decimal",
                _ => "hex",
            }
        ),
        ValueKind::Encoding => {
            "the right key or certificate, in an encoding the portal does not take".into()
        }
        ValueKind::TruncatedModulus => "the 公钥 is the whole modulus".into(),
        ValueKind::ChainCertificate => {
            "a CA certificate of the chain, not the leaf certificate that signs the app".into()
        }
        ValueKind::DevelopmentCertificate => {
            "a development certificate is not valid for filing: file the distribution certificate that signs the release".into()
        }
        ValueKind::OlderKey => {
            "the signing key was rotated, and the app is now signed with the newer key; if this value was filed, the filing must be updated (变更备案)".into()
        }
        ValueKind::OtherSigner => "not the certificate the filing takes".into(),
        ValueKind::ProfileSigner => {
            "it signed the provisioning profile (it is Apple's or Huawei's, not yours), not the app".into()
        }
        ValueKind::PackageFileDigest => {
            "it changes with every build; the portal wants a fingerprint of the signing certificate".into()
        }
    }
}

fn describe(
    package: &PackageReport,
    holder: Option<&Holder<'_>>,
    form: Form,
    filing_owner: Option<&str>,
) -> Identified {
    let role = holder.map_or(Role::Filing, |h| h.role);
    let kind = kind_of(package, role, form);
    let what = what_of(
        form,
        holder.map_or("the package", |h| h.owner.as_str()),
        holder.map(|h| h.certificate.subject.as_str()),
    );
    let field = field_of(form);
    let filing = package.filing.as_ref();
    let file_instead = filing
        .and_then(|f| {
            if field == "公钥" {
                f.public_key.clone()
            } else {
                Some(f.signature_md5_field.clone())
            }
        })
        .filter(|_| !kind.is_filing_value());
    let mut message = what.clone();
    let reasons = package.not_valid_for_filing();
    match filing {
        None if package.signers.len() > 1 => message.push_str(
            "; the package holds several keys and files none of them: pass --alias to choose the one the app is signed with",
        ),
        None => message.push_str(&format!(
            "; the package files no signer ({}), so appfiling cannot say which value is to be filed",
            reasons.join("; ")
        )),
        Some(_) if kind.is_filing_value() => {
            message.push_str(&format!("; this is the {field} to file"))
        }
        Some(filing) => {
            message.push_str(&format!("; {}", why(kind, form, package.platform)));
            let of = filing_owner.unwrap_or("the filing certificate");
            let wanted = wanted_form(field, filing, of);
            match &file_instead {
                Some(value) => {
                    message.push_str(&format!("; the {field} to file is {wanted}: {value}"))
                }
                None => message.push_str(&format!("; the {field} to file is {wanted}")),
            }
        }
    }
    if filing.is_some() && !reasons.is_empty() {
        message.push_str(&format!(
            "; note that this package is not valid for filing: {}",
            reasons.join("; ")
        ));
    }
    let same_filing_key = role == Role::Filing
        && matches!(
            form,
            Form::Modulus(_) | Form::EcPoint | Form::Encoded(Encoding::SpkiBase64)
        );
    Identified {
        path: package.path.clone(),
        kind,
        what,
        certificate: holder.map(|h| h.certificate.subject.clone()),
        field,
        file_instead,
        message,
        same_filing_key,
    }
}

/// What the portal wants in `field`, of the filing certificate `of`: "the MD5 of …",
/// "the RSA modulus in decimal of the key in …".
fn wanted_form(field: &str, filing: &Filing, of: &str) -> String {
    let form = if field == "公钥" {
        match filing.public_key_format {
            Some(PublicKeyFormat::Decimal) => "the RSA modulus in decimal of the key in",
            Some(PublicKeyFormat::Hex) => "the RSA modulus in hex of the key in",
            Some(PublicKeyFormat::EcPoint) => "the EC point 04‖X‖Y in hex of the key in",
            None => "nothing: no form the portals take exists for the key in",
        }
    } else {
        match filing.signature_md5_algorithm {
            FingerprintAlgorithm::Md5 => "the MD5 of",
            FingerprintAlgorithm::Sha1 => "the SHA-1 of",
        }
    };
    format!("{form} {of}")
}

/// `appfiling explain`: what one value is in each package read.
#[derive(Debug, Clone, Serialize)]
pub struct ExplainReport {
    pub schema_version: u32,
    /// The value as given.
    pub value: String,
    /// One entry per package the value was found in.
    pub matches: Vec<Identified>,
    /// The packages read in which it matches nothing.
    pub unmatched: Vec<String>,
    /// The inputs that could not be read.
    pub errors: Vec<crate::report::ErrorEntry>,
}

impl ExplainReport {
    /// Looks for `value` in every package of `report`.
    pub fn new(value: &str, report: crate::Report) -> Self {
        let mut matches = Vec::new();
        let mut unmatched = Vec::new();
        for package in &report.packages {
            match identify(value, package) {
                Some(identified) => matches.push(identified),
                None => unmatched.push(package.path.clone()),
            }
        }
        ExplainReport {
            schema_version: crate::report::SCHEMA_VERSION,
            value: value.to_string(),
            matches,
            unmatched,
            errors: report.errors,
        }
    }

    /// One line per package read, in words; control characters in names are escaped.
    pub fn to_text(&self) -> String {
        let escape = crate::render::escape_controls;
        let mut out = String::new();
        for identified in &self.matches {
            let line = format!("{}: {}", identified.path, identified.message);
            out.push_str(&escape(&line));
            out.push('\n');
        }
        const NOTHING: &str = "the value matches nothing there: not a fingerprint, digest, modulus, \
            EC point or encoding of the certificates and keys of its signers, rotation lineage, chain or \
            profile, nor a digest of the file (MD5, SHA-1, SHA-256)";
        match self.unmatched.as_slice() {
            [] => {}
            [path] => out.push_str(&format!("{}: {NOTHING}\n", escape(path))),
            // A directory searched for the value: one line, not one per package.
            many if !self.matches.is_empty() => {
                out.push_str(&format!("{} other packages: {NOTHING}\n", many.len()))
            }
            many => out.push_str(&format!(
                "{} packages, none a match ({}, …): {NOTHING}\n",
                many.len(),
                escape(&many[0])
            )),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_in_their_normal_forms() {
        let value = Value::new(" 0xab:CD\n12 ").unwrap();
        assert_eq!(value.hex.as_deref(), Some("ABCD12"));
        assert_eq!(value.compact, "0xab:CD12");
        assert!(Value::new(" \n").is_none());
        assert_eq!(Value::new("MIIB+/==").unwrap().hex, None);
        let pem = "-----BEGIN PUBLIC KEY-----\nMIIB\nIjAN\n-----END PUBLIC KEY-----\n";
        assert_eq!(
            pem_block(pem),
            Some(("PUBLIC KEY".to_string(), "MIIBIjAN".to_string()))
        );
        assert_eq!(pem_block("-----BEGIN"), None);
    }

    #[test]
    fn a_cut_short_modulus_is_a_long_enough_proper_start() {
        let modulus = "C1482C53EFEF7EA5BFE14138D2F2C8BC81496325";
        let decimal = "1103528793217643857689";
        let prefix = |hex: &str, digits: &str| prefix_of(hex, digits, Some(modulus), Some(decimal));
        assert_eq!(
            prefix(&modulus[..16], &modulus[..16]),
            Some(Form::ModulusPrefix {
                base: Base::Hex,
                digits: 16,
                of: 40
            })
        );
        assert_eq!(prefix(&modulus[..15], &modulus[..15]), None, "too short");
        assert_eq!(prefix(modulus, modulus), None, "the whole is not cut short");
        assert_eq!(
            prefix(&decimal[..18], &decimal[..18]),
            Some(Form::ModulusPrefix {
                base: Base::Decimal,
                digits: 18,
                of: 22
            })
        );
        assert_eq!(prefix("C1482C53EFEF7EA5BF00", "C1482C53EFEF7EA5BF00"), None);
    }
}
