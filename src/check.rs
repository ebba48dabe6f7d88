//! The filing gate: does a package still match what was filed? Compares its
//! platform, package name and filing signer with a record: a sheet's JSON
//! (`appfiling sheet --format json`), an `inspect --format json` report, or
//! values given on the command line.

use crate::explain::{identify, Identified, ValueKind};
use crate::report::{ErrorEntry, PackageReport, Platform};
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// One filed app on one platform.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filed {
    /// Where the record comes from, for the diff: "filing.json: android dev.example".
    pub source: String,
    pub platform: Option<String>,
    pub package_name: Option<String>,
    pub certificate_sha256: Option<String>,
    pub md5: Option<String>,
    pub sha1: Option<String>,
    /// The filed 公钥: an RSA modulus in decimal or hex, an EC point, or (from a sheet
    /// made with `--pubkey-format base64`) the SubjectPublicKeyInfo in Base64.
    pub public_key: Option<String>,
}

/// Fingerprints compare without colons, spaces or case.
pub fn normalize_hex(value: &str) -> String {
    value
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '\t'))
        .collect::<String>()
        .to_ascii_uppercase()
}

/// The fingerprints `check --expect-*` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fingerprint {
    Md5,
    Sha1,
    Sha256,
}

impl Fingerprint {
    const ALL: [Fingerprint; 3] = [Fingerprint::Md5, Fingerprint::Sha1, Fingerprint::Sha256];

    fn hex_digits(self) -> usize {
        match self {
            Fingerprint::Md5 => 32,
            Fingerprint::Sha1 => 40,
            Fingerprint::Sha256 => 64,
        }
    }

    /// The option that takes it.
    pub fn option(self) -> &'static str {
        match self {
            Fingerprint::Md5 => "--expect-md5",
            Fingerprint::Sha1 => "--expect-sha1",
            Fingerprint::Sha256 => "--expect-sha256",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Fingerprint::Md5 => "an MD5",
            Fingerprint::Sha1 => "a SHA-1",
            Fingerprint::Sha256 => "a SHA-256",
        }
    }

    /// Why a value given for this fingerprint is another one, in words.
    fn hint(self, other: Fingerprint) -> &'static str {
        match (self, other) {
            (Fingerprint::Md5, Fingerprint::Sha1) => {
                "; iOS and HarmonyOS file the certificate's SHA-1 in the 签名MD5值 field"
            }
            _ => "",
        }
    }
}

/// Why a `--expect-*` value cannot be the fingerprint it is given as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    #[error(
        "{option}: {value:?} is not hexadecimal (digits 0-9 and A-F, colons and spaces allowed)"
    )]
    NotHex { option: &'static str, value: String },
    #[error("{option}: {digits} hex digits is {other}, not {wanted}: use {other_option}{hint}")]
    Another {
        option: &'static str,
        digits: usize,
        other: &'static str,
        wanted: &'static str,
        other_option: &'static str,
        hint: &'static str,
    },
    #[error("{option} takes the {expected} hex digits of {wanted}; {value:?} has {digits} (cut short, or more than one value?)")]
    Length {
        option: &'static str,
        value: String,
        expected: usize,
        wanted: &'static str,
        digits: usize,
    },
}

/// A `--expect-*` value, normalised, or why it cannot be `kind`: the shape is checked
/// before any package is read, so a SHA-1 given as an MD5 (the natural iOS mistake) is
/// named as such instead of reported as a changed key.
pub fn parse_fingerprint(value: &str, kind: Fingerprint) -> Result<String, FingerprintError> {
    let normalized = normalize_hex(value);
    let option = kind.option();
    if normalized.is_empty() || !normalized.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(FingerprintError::NotHex {
            option,
            value: value.to_string(),
        });
    }
    let digits = normalized.len();
    if digits == kind.hex_digits() {
        return Ok(normalized);
    }
    match Fingerprint::ALL.iter().find(|f| f.hex_digits() == digits) {
        Some(other) => Err(FingerprintError::Another {
            option,
            digits,
            other: other.name(),
            wanted: kind.name(),
            other_option: other.option(),
            hint: kind.hint(*other),
        }),
        None => Err(FingerprintError::Length {
            option,
            value: value.to_string(),
            expected: kind.hex_digits(),
            wanted: kind.name(),
            digits,
        }),
    }
}

/// Why a `--expect-pubkey` value cannot be a 公钥.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublicKeyError {
    #[error("--expect-pubkey: a PEM block is not a 公钥 value: the portals take the RSA modulus (decimal for Android, hex for iOS and HarmonyOS) or HarmonyOS's EC point 04‖X‖Y, which `appfiling inspect` prints; `appfiling explain VALUE PACKAGE` says what this one is")]
    Pem,
    #[error("--expect-pubkey: {value:?} is neither decimal nor hex digits (Base64, such as a SubjectPublicKeyInfo? the portals take the RSA modulus, decimal for Android and hex for iOS and HarmonyOS, or HarmonyOS's EC point 04‖X‖Y)")]
    NotDigits { value: String },
    #[error(
        "--expect-pubkey: {digits} hex digits is {fingerprint}, not a public key: use {option}"
    )]
    Fingerprint {
        digits: usize,
        fingerprint: &'static str,
        option: &'static str,
    },
    #[error("--expect-pubkey: {digits} digits is too short for a public key (cut short?): give the whole modulus or EC point")]
    TooShort { digits: usize },
}

/// Fewer digits than this cannot be a key, nor tell a cut-short one apart.
const MIN_PUBLIC_KEY_DIGITS: usize = 16;

/// A `--expect-pubkey` value without spaces or colons, or why it cannot be a 公钥: the
/// RSA modulus in decimal or hex, or an EC point in hex. A fingerprint given here is
/// named, as `--expect-md5` names a SHA-1.
pub fn parse_public_key(value: &str) -> Result<String, PublicKeyError> {
    if value.contains("-----BEGIN") {
        return Err(PublicKeyError::Pem);
    }
    let compact: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    if compact.is_empty() || !compact.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(PublicKeyError::NotDigits {
            value: value.to_string(),
        });
    }
    let digits = compact.len();
    // Decimal digits alone are a modulus, however many (a fingerprint of 32 or more hex
    // digits without a letter is all but impossible): compared, a cut one is named.
    let decimal = compact.bytes().all(|b| b.is_ascii_digit());
    if let Some(fingerprint) = Fingerprint::ALL
        .iter()
        .find(|f| f.hex_digits() == digits && !decimal)
    {
        return Err(PublicKeyError::Fingerprint {
            digits,
            fingerprint: fingerprint.name(),
            option: fingerprint.option(),
        });
    }
    if digits < MIN_PUBLIC_KEY_DIGITS {
        return Err(PublicKeyError::TooShort { digits });
    }
    Ok(compact)
}

/// A JSON value kept only when it is a non-empty string. Anything else is skipped without
/// being built, so a record file costs memory for what it files, not for its size.
#[derive(Default)]
struct Text(Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Text, E> {
                Ok(Text(Some(v.to_string()).filter(|s| !s.is_empty())))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_unit<E>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

/// The parts of a sheet's or a report's JSON that `check` reads; the rest is skipped.
#[derive(Deserialize)]
struct RecordFile {
    platforms: Option<Vec<SheetPlatform>>,
    packages: Option<Vec<ReportPackage>>,
    /// `sheet --draft`: its values were not valid for filing, so it records no filing.
    #[serde(default)]
    draft: bool,
    /// A sheet's errors: a sheet that has any was not fit to file, so it records no filing.
    #[serde(default)]
    errors: Vec<IgnoredAny>,
}

#[derive(Deserialize)]
struct SheetPlatform {
    #[serde(default)]
    platform: Text,
    #[serde(default)]
    packages: Vec<SheetPackage>,
}

#[derive(Deserialize)]
struct SheetPackage {
    #[serde(default)]
    fields: Vec<SheetField>,
    #[serde(default)]
    certificate_sha256: Text,
}

#[derive(Deserialize)]
struct SheetField {
    #[serde(default)]
    key: Text,
    #[serde(default)]
    value: Text,
}

#[derive(Deserialize)]
struct ReportPackage {
    filing: Option<ReportFiling>,
}

#[derive(Deserialize)]
struct ReportFiling {
    #[serde(default)]
    platform: Text,
    #[serde(default)]
    package_name: Text,
    #[serde(default)]
    signer_sha256: Text,
    #[serde(default)]
    signature_md5_field: Text,
    #[serde(default)]
    signature_md5_algorithm: Text,
    #[serde(default)]
    public_key: Text,
}

/// Why a filing record cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("not JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("not a sheet or report JSON: {0}")]
    WrongShape(serde_json::Error),
    #[error("neither a sheet (`sheet --format json`) nor a report (`inspect --format json`)")]
    NeitherSheetNorReport,
    #[error("it files no package")]
    NoPackage,
    #[error("a draft sheet (made with `sheet --draft`) records no filing: its values were not valid for filing; make the record without --draft")]
    Draft,
    #[error("the sheet has {0} error(s), so it was not fit to file and records no filing: make the record from the sheet that was filed (`sheet --format json` exits 0)")]
    SheetWithErrors(usize),
}

/// The records in a sheet's JSON or an inspect report's JSON; `name` labels them.
pub fn records_from_json(json: &str, name: &str) -> Result<Vec<Filed>, RecordError> {
    let file: RecordFile = serde_json::from_str(json).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            RecordError::NotJson(e)
        } else {
            RecordError::WrongShape(e)
        }
    })?;
    if file.draft {
        return Err(RecordError::Draft);
    }
    if file.platforms.is_some() && !file.errors.is_empty() {
        return Err(RecordError::SheetWithErrors(file.errors.len()));
    }
    let mut records = Vec::new();
    if let Some(platforms) = file.platforms {
        for block in platforms {
            for package in block.packages {
                let field = |key: &str| {
                    package
                        .fields
                        .iter()
                        .find(|f| f.key.0.as_deref() == Some(key))
                        .and_then(|f| f.value.0.clone())
                };
                let signature = field("signature").map(|s| normalize_hex(&s));
                let (md5, sha1) = match signature {
                    Some(s) if s.len() == 32 => (Some(s), None),
                    Some(s) if s.len() == 40 => (None, Some(s)),
                    _ => (None, None),
                };
                records.push(Filed {
                    source: String::new(),
                    platform: block.platform.0.clone(),
                    package_name: field("package_name"),
                    certificate_sha256: package.certificate_sha256.0.map(|s| normalize_hex(&s)),
                    md5,
                    sha1,
                    public_key: field("public_key"),
                });
            }
        }
    } else if let Some(packages) = file.packages {
        for filing in packages.into_iter().filter_map(|p| p.filing) {
            let signature = filing.signature_md5_field.0.map(|s| normalize_hex(&s));
            let is_sha1 = filing.signature_md5_algorithm.0.as_deref() == Some("sha1");
            records.push(Filed {
                source: String::new(),
                platform: filing.platform.0,
                package_name: filing.package_name.0,
                certificate_sha256: filing.signer_sha256.0.map(|s| normalize_hex(&s)),
                md5: signature.clone().filter(|_| !is_sha1),
                sha1: signature.filter(|_| is_sha1),
                public_key: filing.public_key.0,
            });
        }
    } else {
        return Err(RecordError::NeitherSheetNorReport);
    }
    if records.is_empty() {
        return Err(RecordError::NoPackage);
    }
    for record in &mut records {
        record.source = format!(
            "{name}: {} {}",
            record.platform.as_deref().unwrap_or("any platform"),
            record
                .package_name
                .as_deref()
                .unwrap_or("(no package name)")
        );
    }
    Ok(records)
}

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// "platform", "package_name", "certificate_sha256", "md5", "sha1", "public_key",
    /// "signer" or "signature" (the package's signature does not hold).
    pub field: &'static str,
    pub filed: String,
    pub found: String,
    /// What it means for the release, in words.
    pub meaning: String,
    /// What the filed value is, when it is something else in the package (the public
    /// key's MD5, the chain's root…); absent when it is nothing the package carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ValueKind>,
}

/// A package against the record that fits it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub path: String,
    pub platform: Platform,
    pub package_name: Option<String>,
    /// The record compared with; null when none is for this platform.
    pub record: Option<String>,
    pub matches: bool,
    pub differences: Vec<Difference>,
}

/// `check --format json`: every result and every input that could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub schema_version: u32,
    pub results: Vec<CheckResult>,
    pub errors: Vec<ErrorEntry>,
}

impl CheckReport {
    /// The document, pretty-printed with its keys sorted at every level: schema 1 printed
    /// this document that way (unlike a result's line in JSON Lines), and stays so.
    pub fn to_json(&self) -> serde_json::Result<String> {
        serde_json::to_string_pretty(&serde_json::to_value(self)?)
    }
}

const KEY_CHANGED: &str =
    "the signing key changed: the filing must be updated (变更备案) before release";

/// Compares a package with the record for its platform (and package name, when the
/// platform has several).
pub fn check(package: &PackageReport, records: &[Filed]) -> CheckResult {
    let platform = package.platform;
    let candidates: Vec<&Filed> = records
        .iter()
        .filter(|r| r.platform.as_deref().is_none_or(|p| p == platform.as_str()))
        .collect();
    let found_name = package
        .filing
        .as_ref()
        .and_then(|f| f.package_name.clone())
        .or_else(|| package.package_name.clone());
    let record = candidates
        .iter()
        .find(|r| r.package_name.is_some() && r.package_name == found_name)
        .or(candidates.first())
        .copied();
    let mut differences = Vec::new();
    match record {
        None => {
            let filed: Vec<&str> = records
                .iter()
                .filter_map(|r| r.platform.as_deref())
                .collect();
            differences.push(Difference {
                field: "platform",
                filed: filed.join(", "),
                found: platform.to_string(),
                meaning: format!(
                    "{platform} was not filed: add the platform to the filing (变更备案) before release"
                ),
                kind: None,
            });
        }
        Some(record) => compare(package, record, found_name.as_deref(), &mut differences),
    }
    let not_valid: Vec<&str> = package
        .warnings
        .iter()
        .filter(|w| w.code.severity() == crate::report::Severity::NotValid)
        .map(|w| w.message.as_str())
        .collect();
    if !not_valid.is_empty() {
        // A debug or development build carries another key than the release: that is no
        // key change to file, and the build is no release to ship.
        for d in differences.iter_mut().filter(|d| d.meaning == KEY_CHANGED) {
            d.meaning = "the key differs because this is not a release build (below): no 变更备案 for it; check the release build".into();
        }
        differences.push(Difference {
            field: "validity",
            filed: "a release build, valid for filing".into(),
            found: not_valid.join("; "),
            meaning: "this build is not valid for filing: it is not what was filed, and must not be released as it".into(),
            kind: None,
        });
    }
    if let Some(verification) = package.verification.as_ref().filter(|v| !v.verified) {
        differences.push(Difference {
            field: "signature",
            filed: "a signature that holds".into(),
            found: verification.summary(),
            meaning: "the package's signature does not hold: devices refuse to install it, and the key it shows is not proven to have signed it; sign the build again before release".into(),
            kind: None,
        });
    }
    CheckResult {
        path: package.path.clone(),
        platform,
        package_name: found_name,
        record: record.map(|r| r.source.clone()),
        matches: differences.is_empty(),
        differences,
    }
}

fn compare(
    package: &PackageReport,
    record: &Filed,
    found_name: Option<&str>,
    differences: &mut Vec<Difference>,
) {
    // A keystore or a certificate holds keys, not an app: only its key can be compared.
    let key_only = package.format.is_key_only();
    if let Some(filed) = record.package_name.as_ref().filter(|_| !key_only) {
        if Some(filed.as_str()) != found_name {
            differences.push(Difference {
                field: "package_name",
                filed: filed.clone(),
                found: found_name.unwrap_or("(none)").to_string(),
                meaning: "the package name differs: this is another app, or its id changed, which needs its own filing (变更备案)".into(),
                kind: None,
            });
        }
    }
    let Some(filing) = &package.filing else {
        let several_keys = package.signers.len() > 1;
        let filed_key = record
            .certificate_sha256
            .clone()
            .or_else(|| record.md5.clone())
            .or_else(|| record.sha1.clone())
            .or_else(|| record.public_key.clone());
        if let Some(filed) = filed_key {
            differences.push(Difference {
                field: "signer",
                filed,
                found: if several_keys { "(several keys)" } else { "(unsigned)" }.into(),
                meaning: if several_keys {
                    "the keystore holds several private keys: pass --alias to choose the one to compare"
                } else {
                    "the package carries no signing certificate: sign it with the filed key"
                }
                .into(),
                kind: None,
            });
        }
        return;
    };
    let certificate = package
        .signers
        .iter()
        .map(|s| &s.key.certificate)
        .find(|c| c.sha256 == filing.signer_sha256);
    let found = |field: &'static str| -> String {
        match (field, certificate) {
            ("md5", Some(c)) => c.md5.clone(),
            ("sha1", Some(c)) => c.sha1.clone(),
            _ => filing.signer_sha256.clone(),
        }
    };
    let expectations = [
        ("certificate_sha256", &record.certificate_sha256),
        ("md5", &record.md5),
        ("sha1", &record.sha1),
    ];
    for (field, filed) in expectations {
        let Some(filed) = filed else { continue };
        let found = found(field);
        if normalize_hex(filed) != found {
            differences.push(wrong_value(field, filed, found, identify(filed, package)));
        }
    }
    // The right certificate in the hash the platform's 签名MD5值 does not take: the
    // portal refuses it, however well it matches.
    let other_hash = match package.platform {
        Platform::Android => Some(("sha1", &record.sha1, "MD5", found("md5"))),
        Platform::Ios | Platform::Harmonyos => Some(("md5", &record.md5, "SHA-1", found("sha1"))),
        Platform::Unknown => None,
    };
    if let Some((field, Some(filed), wanted, value)) = other_hash {
        if !differences.iter().any(|d| d.field == field) {
            differences.push(Difference {
                field,
                filed: filed.clone(),
                found: value.clone(),
                meaning: format!(
                    "the right certificate in the wrong hash: the {} 签名MD5值 is the certificate's {wanted}, so the portal refuses the filed value; file {value}",
                    package.platform.display_name()
                ),
                kind: Some(ValueKind::OtherFingerprint),
            });
        }
    }
    // A fingerprint that is nothing in the package: the certificate changed.
    let key_changed = differences
        .iter()
        .any(|d| d.kind.is_none() && matches!(d.field, "certificate_sha256" | "md5" | "sha1"));
    if let Some(filed) = &record.public_key {
        let identified = identify(filed, package);
        // The same key in another form the tool files (decimal, hex, or the sheet's
        // `--pubkey-format base64`) has not changed: the gate does not cry wolf. A key
        // change the certificate already shows is not said again with the whole modulus.
        let same_key = identified.as_ref().is_some_and(|i| i.same_filing_key);
        let repeats_key_change = key_changed && identified.is_none();
        if !same_key && !repeats_key_change {
            let found = filing.public_key.clone().unwrap_or_else(|| "(none)".into());
            differences.push(wrong_value("public_key", filed, found, identified));
        }
    }
}

/// A filed key value that is not the filing signer's: named for what it is when the
/// package carries it, else the key changed.
fn wrong_value(
    field: &'static str,
    filed: &str,
    found: String,
    identified: Option<Identified>,
) -> Difference {
    Difference {
        field,
        filed: filed.to_string(),
        found,
        meaning: identified.as_ref().map_or(KEY_CHANGED.into(), |i| {
            format!("the filed value is {}", i.message)
        }),
        kind: identified.map(|i| i.kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_fingerprints_are_checked_for_their_shape() {
        let md5 = "7968DB9B00295F591264B807E65BE754";
        assert_eq!(
            parse_fingerprint(&md5.to_lowercase(), Fingerprint::Md5).unwrap(),
            md5
        );
        let sha1 = "3F:2A:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:9C";
        let err = parse_fingerprint(sha1, Fingerprint::Md5)
            .unwrap_err()
            .to_string();
        assert!(err.contains("40 hex digits is a SHA-1"), "{err}");
        assert!(err.contains("use --expect-sha1"), "{err}");
        let err = parse_fingerprint("zz", Fingerprint::Md5)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not hexadecimal"), "{err}");
        let err = parse_fingerprint(&md5[..30], Fingerprint::Md5)
            .unwrap_err()
            .to_string();
        assert!(err.contains("takes the 32 hex digits"), "{err}");
        assert!(err.contains("has 30"), "{err}");
        let err = parse_fingerprint(md5, Fingerprint::Sha256)
            .unwrap_err()
            .to_string();
        assert!(err.contains("32 hex digits is an MD5"), "{err}");
        assert!(parse_fingerprint("", Fingerprint::Sha1).is_err());
    }

    #[test]
    fn expected_public_keys_are_checked_for_their_shape() {
        assert_eq!(
            parse_public_key("a3:d5 e0\n1234567890ABCDEF").unwrap(),
            "a3d5e01234567890ABCDEF"
        );
        assert_eq!(
            parse_public_key("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"),
            Err(PublicKeyError::Pem)
        );
        assert!(matches!(
            parse_public_key("MIIBIjAN+Bgkq=="),
            Err(PublicKeyError::NotDigits { .. })
        ));
        // The first 40 digits of a decimal modulus are no SHA-1.
        assert_eq!(parse_public_key(&"1".repeat(40)).unwrap(), "1".repeat(40));
        let err = parse_public_key(&"A".repeat(64)).unwrap_err().to_string();
        assert!(
            err.contains("64 hex digits is a SHA-256, not a public key: use --expect-sha256"),
            "{err}"
        );
        assert_eq!(
            parse_public_key("123"),
            Err(PublicKeyError::TooShort { digits: 3 })
        );
        assert!(parse_public_key(" ").is_err());
    }

    #[test]
    fn fingerprints_compare_without_colons_or_case() {
        assert_eq!(normalize_hex("ab:cd ef"), "ABCDEF");
    }

    #[test]
    fn reads_sheet_and_report_json() {
        let sheet = r#"{"platforms":[{"platform":"android","packages":[{"fields":[
            {"key":"package_name","value":"a.b"},{"key":"signature","value":"00112233445566778899aabbccddeeff"}],
            "certificate_sha256":"AA"}]}]}"#;
        let records = records_from_json(sheet, "filing.json").unwrap();
        assert_eq!(
            records,
            [Filed {
                source: "filing.json: android a.b".into(),
                platform: Some("android".into()),
                package_name: Some("a.b".into()),
                certificate_sha256: Some("AA".into()),
                md5: Some("00112233445566778899AABBCCDDEEFF".into()),
                sha1: None,
                public_key: None,
            }]
        );
        let report = r#"{"packages":[{"filing":{"platform":"ios","package_name":"c.d",
            "signature_md5_field":"0011223344556677889900112233445566778899",
            "signature_md5_algorithm":"sha1","signer_sha256":"BB"}}]}"#;
        let records = records_from_json(report, "r.json").unwrap();
        assert_eq!(
            records[0].sha1.as_deref(),
            Some("0011223344556677889900112233445566778899")
        );
        assert_eq!(records[0].md5, None);
        assert!(matches!(
            records_from_json("{}", "x"),
            Err(RecordError::NeitherSheetNorReport)
        ));
        assert!(matches!(
            records_from_json(r#"{"packages":[]}"#, "x"),
            Err(RecordError::NoPackage)
        ));
        assert!(matches!(
            records_from_json("nope", "x"),
            Err(RecordError::NotJson(_))
        ));
        assert!(matches!(
            records_from_json(r#"{"draft":true,"platforms":[]}"#, "x"),
            Err(RecordError::Draft)
        ));
        assert!(matches!(
            records_from_json(
                r#"{"platforms":[],"errors":[{"field":"x","message":"y"}]}"#,
                "x"
            ),
            Err(RecordError::SheetWithErrors(1))
        ));
        assert!(matches!(
            records_from_json(r#"{"packages":3}"#, "x"),
            Err(RecordError::WrongShape(_))
        ));
    }

    #[test]
    fn the_json_document_has_its_keys_sorted_as_schema_1_printed_them() {
        let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/sample-v2-ec.apk");
        let report = crate::inspect_all(&[sample, "no-such.apk"], &crate::Options::default());
        let record = Filed {
            source: "the --expect options".into(),
            package_name: Some("dev.example.other".into()),
            ..Filed::default()
        };
        let document = CheckReport {
            schema_version: crate::report::SCHEMA_VERSION,
            results: vec![check(&report.packages[0], &[record])],
            errors: report.errors,
        };
        let json = document.to_json().unwrap();
        let keys: Vec<&str> = json
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix('"')?.split_once("\":"))
            .map(|(key, _)| key)
            .collect();
        assert_eq!(
            keys,
            [
                "errors",
                "code",
                "message",
                "path",
                "results",
                "differences",
                "field",
                "filed",
                "found",
                "meaning",
                "matches",
                "package_name",
                "path",
                "platform",
                "record",
                "schema_version"
            ],
            "{json}"
        );
    }
}
