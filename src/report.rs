//! The data model behind every output: JSON schema_version 1 (docs/json.md).
//!
//! Fields that do not apply to a package are `null`, never missing, so every
//! field is an `Option` rather than skipped.

use serde::Serialize;
use std::collections::BTreeMap;

mod codes;
mod detection;
mod kinds;
mod verification;

pub use codes::{Severity, WarningCode};
pub use detection::{DetectedDomain, DetectedLanguage, DetectedSdk, Detection, DomainClass};
pub use kinds::{
    CertificateRole, FingerprintAlgorithm, Format, HarmonyCertificateKind, HarmonyModel,
    KeyAlgorithm, KeystoreEntryKind, KeystoreIntegrity, KeystoreKind, Platform, ProfileKind,
    PublicKeyFormat,
};
pub use verification::{Finding, SchemeVerification, Verification, VerifiedScheme, VerifyCode};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub packages: Vec<PackageReport>,
    pub errors: Vec<ErrorEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorEntry {
    pub path: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PackageReport {
    pub path: String,
    pub platform: Platform,
    pub format: Format,
    pub package_name: Option<String>,
    /// The name to file: zh-CN, zh-Hans, zh, then the default label.
    pub app_name: Option<String>,
    /// Every locale's label, keyed "default", "zh-CN", "zh-Hans", "en"…
    pub app_names: BTreeMap<String, String>,
    /// The manifest's label as written, e.g. "@string/app_name (0x7f0b0001)".
    pub label_reference: Option<String>,
    pub version_name: Option<String>,
    pub version_code: Option<u64>,
    pub min_sdk: Option<u32>,
    pub target_sdk: Option<u32>,
    pub debuggable: Option<bool>,
    /// Path in the archive of the launcher icon at its highest density.
    pub icon: Option<String>,
    pub schemes: Vec<Scheme>,
    /// Every block found in the APK Signing Block, known or not.
    pub signing_block: Vec<SigningBlockEntry>,
    pub signers: Vec<Signer>,
    /// Proof-of-rotation lineage, oldest first.
    pub lineage: Vec<LineageNode>,
    /// v3.1: the SDK level from which the rotated key is used.
    pub rotation_min_sdk: Option<u32>,
    pub source_stamp: Option<CertifiedKey>,
    /// Certificate files and PKCS#12: every certificate with its role in the chain.
    pub chain: Vec<ChainCertificate>,
    /// Android only: split name, the APKs of a split set, a bundle's modules.
    pub android: Option<AndroidDetails>,
    /// Keystores only: every alias with its certificates.
    pub keystore: Option<KeystoreDetails>,
    /// iOS only: bundle, profile and code-signature details.
    pub ios: Option<IosDetails>,
    /// HarmonyOS only: signing block, profile and module details.
    pub harmony: Option<HarmonyDetails>,
    /// SDKs, domains and languages found in the package (`inspect --detect`, and `sheet`).
    pub detection: Option<Detection>,
    /// Whether the signatures hold (`verify`, `inspect --verify`, `check`); `null` when
    /// not asked, and for inputs that sign nothing (certificates, keystores).
    pub verification: Option<Verification>,
    pub filing: Option<Filing>,
    pub warnings: Vec<Warning>,
    /// The icon file as read during inspection when `Options::icon` asks (the sheet
    /// exports it); never serialised.
    #[serde(skip)]
    pub icon_file: Option<IconFile>,
}

/// A package's raster icon as stored, or why it could not be read.
#[derive(Debug, Clone)]
pub struct IconFile {
    /// The icon's path inside the package.
    pub name: String,
    pub bytes: Result<Vec<u8>, std::sync::Arc<crate::ErrorKind>>,
}

impl PackageReport {
    /// A report of `format` on `platform` with nothing read yet: every field empty.
    pub fn new(path: &std::path::Path, platform: Platform, format: Format) -> Self {
        PackageReport {
            path: path.display().to_string(),
            platform,
            format,
            package_name: None,
            app_name: None,
            app_names: BTreeMap::new(),
            label_reference: None,
            version_name: None,
            version_code: None,
            min_sdk: None,
            target_sdk: None,
            debuggable: None,
            icon: None,
            schemes: Vec::new(),
            signing_block: Vec::new(),
            signers: Vec::new(),
            lineage: Vec::new(),
            rotation_min_sdk: None,
            source_stamp: None,
            chain: Vec::new(),
            android: None,
            keystore: None,
            ios: None,
            harmony: None,
            detection: None,
            verification: None,
            filing: None,
            warnings: Vec::new(),
            icon_file: None,
        }
    }

    /// Why the values of this package must not be filed, in words: the warnings that make
    /// it not valid for filing, a signature that does not hold, no certificate to file.
    /// Empty when it is ready to file.
    pub fn not_valid_for_filing(&self) -> Vec<String> {
        self.reasons_not_to_file()
            .into_iter()
            .map(|(full, _)| full)
            .collect()
    }

    /// The reasons of [`PackageReport::not_valid_for_filing`] in a few words each, for a
    /// status line: "debug certificate (CN=Android Debug)", "expired profile". The full
    /// sentences are the warnings'.
    pub fn not_valid_for_filing_briefly(&self) -> Vec<String> {
        let mut reasons: Vec<String> = Vec::new();
        for (_, brief) in self.reasons_not_to_file() {
            if !reasons.contains(&brief) {
                reasons.push(brief);
            }
        }
        reasons
    }

    /// Each reason not to file, as a sentence and in a few words.
    fn reasons_not_to_file(&self) -> Vec<(String, String)> {
        let mut reasons: Vec<(String, String)> = self
            .warnings
            .iter()
            .filter(|w| w.code.severity() == Severity::NotValid)
            .map(|warning| {
                let mut brief = briefly(warning.code).to_string();
                if warning.code == WarningCode::DebugCertificate {
                    if let Some(name) = self.filed_common_name().filter(|n| n.contains("Debug")) {
                        brief = format!("{brief} ({name})");
                    }
                }
                (warning.message.clone(), brief)
            })
            .collect();
        if let Some(verification) = self.verification.as_ref().filter(|v| !v.verified) {
            reasons.push((
                format!("the signature {}", verification.summary()),
                "the signature does not verify".into(),
            ));
        }
        if self.filing.is_none() && reasons.is_empty() {
            let several = self
                .warnings
                .iter()
                .any(|w| w.code == WarningCode::SeveralAliases);
            let brief = match several {
                true => "several private keys: choose one with --alias",
                false => "no signing certificate to file",
            };
            reasons.push(("no signing certificate to file".into(), brief.into()));
        }
        reasons
    }

    /// "CN=…" of the certificate filed, when it is among the signers.
    fn filed_common_name(&self) -> Option<&str> {
        let filed = &self.filing.as_ref()?.signer_sha256;
        let signer = self
            .signers
            .iter()
            .find(|s| s.key.certificate.sha256 == *filed)?;
        signer
            .key
            .certificate
            .subject
            .split(", ")
            .find(|part| part.starts_with("CN="))
    }
}

/// A not-valid warning in a few words; a code without words of its own is shown as is.
fn briefly(code: WarningCode) -> &'static str {
    match code {
        WarningCode::Unsigned => "unsigned",
        WarningCode::DebugCertificate => "debug certificate",
        WarningCode::CertificateExpired => "expired certificate",
        WarningCode::CertificateNotYetValid => "certificate not yet valid",
        WarningCode::DevelopmentCertificate => "development certificate",
        WarningCode::DevelopmentProfile => "development profile",
        WarningCode::ProfileExpired => "expired profile",
        WarningCode::AdHocSignature => "ad-hoc signature",
        WarningCode::DebugProfile => "debug profile",
        WarningCode::AppleSigner => "signed by Apple, not by you",
        other => other.as_str(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Scheme {
    #[serde(rename = "v1")]
    V1,
    #[serde(rename = "v2")]
    V2,
    #[serde(rename = "v3")]
    V3,
    #[serde(rename = "v3.1")]
    V31,
    #[serde(rename = "source-stamp")]
    SourceStamp,
    /// The CMS signature in a Mach-O executable's code signature.
    #[serde(rename = "code-signature")]
    CodeSignature,
    /// A DeveloperCertificate of a provisioning profile.
    #[serde(rename = "profile")]
    Profile,
    /// A certificate file (.cer, .der, .pem).
    #[serde(rename = "certificate")]
    Certificate,
    /// The certificate of a private key in a PKCS#12 file.
    #[serde(rename = "p12")]
    Pkcs12,
    /// The certificate of a private-key entry in a keystore (JKS, JCEKS, PKCS#12).
    #[serde(rename = "keystore")]
    Keystore,
    /// The main signature (0x20000000) of a HAP signing block.
    #[serde(rename = "hap-signature")]
    HapSignature,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::V1 => "v1",
            Scheme::V2 => "v2",
            Scheme::V3 => "v3",
            Scheme::V31 => "v3.1",
            Scheme::SourceStamp => "source-stamp",
            Scheme::CodeSignature => "code-signature",
            Scheme::Profile => "profile",
            Scheme::Certificate => "certificate",
            Scheme::Pkcs12 => "p12",
            Scheme::Keystore => "keystore",
            Scheme::HapSignature => "hap-signature",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SigningBlockEntry {
    /// The block ID as `0x` and eight hex digits.
    pub id: String,
    /// What the ID means, `null` when unknown.
    pub name: Option<&'static str>,
    pub size: u64,
}

/// A certificate and its public key, as every signer and lineage node carries.
#[derive(Debug, Clone, Serialize)]
pub struct CertifiedKey {
    pub certificate: Certificate,
    pub public_key: PublicKey,
}

#[derive(Debug, Clone, Serialize)]
pub struct Signer {
    pub scheme: Scheme,
    #[serde(flatten)]
    pub key: CertifiedKey,
    /// v1: the signature block file, e.g. META-INF/CERT.RSA.
    pub signature_file: Option<String>,
    /// v3/v3.1: the SDK range this signer covers.
    pub min_sdk: Option<u32>,
    pub max_sdk: Option<u32>,
    /// Keystores: the alias of the private key.
    pub alias: Option<String>,
}

impl Signer {
    /// A signer with no signature file and no SDK range: all but v1 and v3/v3.1.
    pub fn new(scheme: Scheme, key: CertifiedKey) -> Self {
        Signer {
            scheme,
            key,
            signature_file: None,
            min_sdk: None,
            max_sdk: None,
            alias: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Certificate {
    pub subject: String,
    pub issuer: String,
    /// Uppercase hex of the serial number's magnitude.
    pub serial: String,
    /// RFC 3339, UTC.
    pub not_before: String,
    pub not_after: String,
    pub signature_algorithm: String,
    /// Fingerprints of the exact DER bytes: uppercase hex, no colons.
    pub md5: String,
    pub sha1: String,
    pub sha256: String,
    pub md5_colon: String,
    pub sha1_colon: String,
    pub sha256_colon: String,
    /// The certificate itself (DER, Base64), for `openssl x509 -inform der`.
    pub der_base64: String,
    #[serde(skip)]
    pub not_before_unix: i64,
    #[serde(skip)]
    pub not_after_unix: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicKey {
    pub algorithm: KeyAlgorithm,
    pub bits: Option<u32>,
    pub modulus_decimal: Option<String>,
    /// Uppercase, without a leading zero byte: what `openssl x509 -modulus` prints.
    pub modulus_hex: Option<String>,
    pub exponent: Option<u64>,
    /// "P-256", "P-384", "P-521", or the curve OID.
    pub curve: Option<String>,
    /// The EC point as stored (04‖X‖Y when uncompressed), uppercase hex.
    pub ec_point_hex: Option<String>,
    pub spki_base64: String,
    pub spki_sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineageNode {
    #[serde(flatten)]
    pub key: CertifiedKey,
    pub flags: u32,
    /// The capability names set in `flags`.
    pub capabilities: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IosDetails {
    /// CFBundleVersion, which need not be a number.
    pub bundle_version: Option<String>,
    pub minimum_os_version: Option<String>,
    /// "iOS", "iPadOS" (iPad only) or "tvOS".
    pub platform: Option<String>,
    pub icon_names: Vec<String>,
    pub executable: Option<String>,
    /// LC_ENCRYPTION_INFO cryptid ≠ 0: an App Store download, re-signed by Apple.
    pub encrypted: Option<bool>,
    pub code_signature: Option<CodeSignature>,
    pub profile: Option<Profile>,
    pub extensions: Vec<Extension>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeSignature {
    /// The CodeDirectory's identifier (normally the bundle id).
    pub identifier: Option<String>,
    pub team_id: Option<String>,
    /// Architectures of the executable, e.g. ["arm64"].
    pub architectures: Vec<String>,
    /// The CMS certificate set, each with its role: "leaf", "intermediate" or "root".
    pub chain: Vec<ChainCertificate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChainCertificate {
    pub role: CertificateRole,
    #[serde(flatten)]
    pub key: CertifiedKey,
}

#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub name: Option<String>,
    pub uuid: Option<String>,
    pub team_identifier: Vec<String>,
    pub team_name: Option<String>,
    pub app_id_name: Option<String>,
    /// The application-identifier entitlement, "TEAMID.bundle.id".
    pub application_identifier: Option<String>,
    pub get_task_allow: Option<bool>,
    pub aps_environment: Option<String>,
    pub creation_date: Option<String>,
    pub expiration_date: Option<String>,
    pub kind: ProfileKind,
    pub provisioned_devices: usize,
    pub platforms: Vec<String>,
    pub developer_certificates: Vec<CertifiedKey>,
    /// The profile's own CMS signer (Apple's profile-signing certificate); null when unsigned.
    pub signed_by: Option<Certificate>,
    #[serde(skip)]
    pub expiration_unix: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Extension {
    /// Path inside the app, e.g. "PlugIns/Share.appex".
    pub path: String,
    pub bundle_id: Option<String>,
    pub profile: Option<Profile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HarmonyDetails {
    /// "<hap sign block>" (version 3 on) or "HAP Sig Block 42" (older); null when unsigned.
    pub sign_block_magic: Option<&'static str>,
    pub sign_block_version: Option<u32>,
    /// Every sub-block, by type.
    pub sign_blocks: Vec<HapBlock>,
    pub model: Option<HarmonyModel>,
    pub module_name: Option<String>,
    pub min_api_version: Option<u64>,
    pub target_api_version: Option<u64>,
    /// The label as written, e.g. "$string:app_name".
    pub label_reference: Option<String>,
    pub icon: Option<String>,
    pub profile: Option<HarmonyProfile>,
    /// An .app pack: each HAP inside it, reported in full.
    pub modules: Vec<PackageReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HapBlock {
    /// The sub-block type as `0x` and eight hex digits.
    #[serde(rename = "type")]
    pub kind: String,
    /// "signature", "profile", "property", "proof-of-rotation", or null.
    pub name: Option<&'static str>,
    pub offset: u64,
    pub length: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HarmonyProfile {
    /// "debug" or "release".
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub app_distribution_type: Option<String>,
    pub bundle_name: Option<String>,
    pub developer_id: Option<String>,
    pub app_identifier: Option<String>,
    pub certificate_kind: Option<HarmonyCertificateKind>,
    pub certificate: Option<CertifiedKey>,
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    pub uuid: Option<String>,
    pub issuer: Option<String>,
    pub version_name: Option<String>,
    pub version_code: Option<u64>,
    /// The profile's CMS signer; null for a bare JSON profile.
    pub signed_by: Option<Certificate>,
    #[serde(skip)]
    pub not_after_unix: Option<i64>,
}

/// The values to paste into the filing portal.
#[derive(Debug, Clone, Serialize)]
pub struct Filing {
    pub platform: Platform,
    pub package_name: Option<String>,
    /// 公钥, in `public_key_format`.
    pub public_key: Option<String>,
    /// Null when the key has no form the portals take.
    pub public_key_format: Option<PublicKeyFormat>,
    /// 签名MD5值: the fingerprint the portal asks for (MD5 on Android, SHA-1 on iOS).
    pub signature_md5_field: String,
    /// Which hash `signature_md5_field` is.
    pub signature_md5_algorithm: FingerprintAlgorithm,
    pub signer_scheme: Scheme,
    pub signer_sha256: String,
    /// Why this signer was chosen, in words.
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AndroidDetails {
    /// A split APK's name (manifest `split`), e.g. "config.xxhdpi"; null for a base APK.
    pub split: Option<String>,
    /// The APKs of a split set (APKS, XAPK, APKM), the base first.
    pub apks: Vec<SplitApk>,
    /// An app bundle's modules ("base" first), each a directory with its own manifest.
    pub bundle_modules: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeystoreDetails {
    pub kind: KeystoreKind,
    /// Verified: the password opened it; unchecked: read without the password.
    pub integrity: KeystoreIntegrity,
    pub entries: Vec<KeystoreEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeystoreEntry {
    pub alias: String,
    pub kind: KeystoreEntryKind,
    /// Leaf first.
    pub chain: Vec<CertifiedKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SplitApk {
    /// The entry in the split set, e.g. "splits/base-xxhdpi.apk".
    pub entry: String,
    pub split: Option<String>,
    /// SHA-256 of the certificate filed for this APK; null when unsigned.
    pub signer_sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub code: WarningCode,
    pub message: String,
}

/// `{code, severity, message}`: the severity is the code's, carried for readers of the JSON.
impl Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut warning = serializer.serialize_struct("Warning", 3)?;
        warning.serialize_field("code", &self.code)?;
        warning.serialize_field("severity", &self.code.severity())?;
        warning.serialize_field("message", &self.message)?;
        warning.end()
    }
}

impl Warning {
    pub fn new(code: WarningCode, message: impl Into<String>) -> Self {
        Warning {
            code,
            message: message.into(),
        }
    }
}
