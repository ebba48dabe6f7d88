//! The filing policy, the product's core: which signer is filed for a package,
//! in which 公钥 form and with which 签名MD5值 hash, and the warnings a filer
//! must see. Format modules fill the report's facts and call [`file`] once with
//! the clock of `Options`; nothing else decides.

mod android;
mod harmony;
mod ios;
#[cfg(test)]
mod tests;

pub(crate) use ios::is_development_certificate;

use crate::report::{
    Certificate, Filing, FingerprintAlgorithm, Format, KeyAlgorithm, PackageReport, Platform,
    PublicKey, PublicKeyFormat, Signer, Warning, WarningCode,
};
use std::collections::BTreeMap;

/// Labels are filed in this order of preference (docs/json.md, `app_name`).
const NAME_ORDER: [&str; 5] = ["zh-CN", "zh-Hans-CN", "zh-Hans", "zh", "default"];

/// Warn this many days before a certificate or profile expires.
const EXPIRY_NOTICE_DAYS: i64 = 30;
const DAY: i64 = 86_400;

/// Fills `report.filing` and adds the filing warnings, judging validity at
/// `now` (seconds since the Unix epoch).
pub(crate) fn file(report: &mut PackageReport, now: i64) {
    match report.format {
        Format::Jks | Format::Jceks | Format::Pkcs12Keystore => android::keystore(report, now),
        Format::Certificate | Format::P12 => certificate_file(report, now),
        _ => match report.platform {
            Platform::Android => android::choose(report, now),
            Platform::Ios => ios::choose(report, now),
            Platform::Harmonyos => harmony::choose(report, now),
            Platform::Unknown => {}
        },
    }
}

/// The system clock, for `Options::now` left unset: read once per inspection
/// by the library's entry points, never inside the policy.
pub(crate) fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The label to file: the first found in [`NAME_ORDER`].
pub(crate) fn preferred_name(labels: &BTreeMap<String, String>) -> Option<&String> {
    NAME_ORDER.iter().find_map(|locale| labels.get(*locale))
}

/// Issuer names that tell a certificate's platform: Apple's CAs, and Huawei's
/// AppGallery and OpenHarmony's CAs.
const APPLE_ISSUER: &str = "O=Apple Inc.";
const HARMONY_ISSUERS: [&str; 2] = ["Huawei CBG", "OpenHarmony"];

/// The platform a certificate's issuer names, if any.
pub(crate) fn platform_of_issuer(issuer: &str) -> Option<Platform> {
    if issuer.contains(APPLE_ISSUER) {
        Some(Platform::Ios)
    } else if HARMONY_ISSUERS.iter().any(|h| issuer.contains(h)) {
        Some(Platform::Harmonyos)
    } else {
        None
    }
}

/// A certificate file or an Apple/Huawei PKCS#12: the platform comes from the
/// issuers (an Apple leaf, or any Huawei/OpenHarmony certificate in the chain),
/// then that platform's rules file the leaf the reader put first.
fn certificate_file(report: &mut PackageReport, now: i64) {
    let leaf_platform = report
        .signers
        .first()
        .and_then(|s| platform_of_issuer(&s.key.certificate.issuer));
    let harmony_chain = report
        .chain
        .iter()
        .any(|c| platform_of_issuer(&c.key.certificate.issuer) == Some(Platform::Harmonyos));
    if leaf_platform == Some(Platform::Ios) {
        report.platform = Platform::Ios;
        ios::choose(report, now);
    } else if harmony_chain {
        report.platform = Platform::Harmonyos;
        harmony::choose(report, now);
    } else {
        report.platform = Platform::Unknown;
        report.warnings.push(Warning::new(
            WarningCode::PlatformUnknown,
            "neither an Apple nor a Huawei/OpenHarmony certificate: the platform cannot be told from the \
             certificate alone, so no filing block is made; MD5, SHA-1, SHA-256 and the public key are all reported",
        ));
    }
    if report.signers.len() > 1 {
        report.warnings.push(Warning::new(
            WarningCode::MultipleSigners,
            format!(
                "{} candidate certificates; the first is filed",
                report.signers.len()
            ),
        ));
    }
}

/// The forms a platform's filing takes.
struct PlatformForm {
    platform: Platform,
    modulus: PublicKeyForm,
    /// EC points are this platform's normal 公钥 (HarmonyOS): no warning.
    ec_expected: bool,
    /// Which hash the 签名MD5值 field holds.
    fingerprint: FingerprintAlgorithm,
}

const ANDROID: PlatformForm = PlatformForm {
    platform: Platform::Android,
    modulus: PublicKeyForm::Decimal,
    ec_expected: false,
    fingerprint: FingerprintAlgorithm::Md5,
};
const IOS: PlatformForm = PlatformForm {
    platform: Platform::Ios,
    modulus: PublicKeyForm::Hex,
    ec_expected: false,
    fingerprint: FingerprintAlgorithm::Sha1,
};
const HARMONYOS: PlatformForm = PlatformForm {
    platform: Platform::Harmonyos,
    modulus: PublicKeyForm::Hex,
    ec_expected: true,
    fingerprint: FingerprintAlgorithm::Sha1,
};

/// Sets the report's filing block for `chosen`, in `form`, and adds the
/// platform's `warnings` with the key's own after them.
fn set_filing(
    report: &mut PackageReport,
    form: &PlatformForm,
    chosen: &Signer,
    reason: String,
    mut warnings: Vec<Warning>,
) {
    let cert = &chosen.key.certificate;
    let key = &chosen.key.public_key;
    let (public_key, public_key_format) = public_key(key, form.modulus);
    if let Some(warning) = key_warning(key, form.ec_expected) {
        warnings.push(warning);
    }
    report.filing = Some(Filing {
        platform: form.platform,
        package_name: report.package_name.clone(),
        public_key,
        public_key_format,
        signature_md5_field: fingerprint(cert, form.fingerprint).to_string(),
        signature_md5_algorithm: form.fingerprint,
        signer_scheme: chosen.scheme,
        signer_sha256: cert.sha256.clone(),
        reason,
    });
    report.warnings.extend(warnings);
}

/// The 签名MD5值 of `cert` with `algorithm`: MD5 (Android) or SHA-1 (iOS, HarmonyOS).
pub(crate) fn fingerprint(cert: &Certificate, algorithm: FingerprintAlgorithm) -> &str {
    match algorithm {
        FingerprintAlgorithm::Md5 => &cert.md5,
        FingerprintAlgorithm::Sha1 => &cert.sha1,
    }
}

/// A form the 公钥 can be asked in: the portals' RSA modulus forms, or the
/// whole SubjectPublicKeyInfo in base64 (the sheet's `--pubkey-format base64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PublicKeyForm {
    Decimal,
    Hex,
    Base64,
}

/// The 公钥 of `key` asked in `form`, and its format name: an RSA modulus as
/// asked; an EC key's uncompressed point 04‖X‖Y (or its SPKI, asked in base64);
/// nothing for a key without either (DSA). The SPKI has no format name: the
/// filing block never holds it.
pub(crate) fn public_key(
    key: &PublicKey,
    form: PublicKeyForm,
) -> (Option<String>, Option<PublicKeyFormat>) {
    match (&key.algorithm, form) {
        (KeyAlgorithm::Rsa | KeyAlgorithm::Ec, PublicKeyForm::Base64) => {
            (Some(key.spki_base64.clone()), None)
        }
        (KeyAlgorithm::Rsa, PublicKeyForm::Decimal) => {
            (key.modulus_decimal.clone(), Some(PublicKeyFormat::Decimal))
        }
        (KeyAlgorithm::Rsa, PublicKeyForm::Hex) => {
            (key.modulus_hex.clone(), Some(PublicKeyFormat::Hex))
        }
        (KeyAlgorithm::Ec, _) => (key.ec_point_hex.clone(), Some(PublicKeyFormat::EcPoint)),
        _ => (None, None),
    }
}

/// The warning a filed key without a modulus deserves. `ec_expected`: the
/// platform files EC points (HarmonyOS), so an EC key is not worth one.
fn key_warning(key: &PublicKey, ec_expected: bool) -> Option<Warning> {
    match &key.algorithm {
        KeyAlgorithm::Rsa => None,
        KeyAlgorithm::Ec if ec_expected => None,
        KeyAlgorithm::Ec => Some(Warning::new(
            WarningCode::EcKey,
            format!(
                "the signing key is EC ({}), which has no modulus: 公钥 holds the uncompressed point 04‖X‖Y; \
                 the portal may reject it",
                key.curve.as_deref().unwrap_or("unknown curve")
            ),
        )),
        other => Some(Warning::new(
            if *other == KeyAlgorithm::Dsa {
                WarningCode::DsaKey
            } else {
                WarningCode::NoModulus
            },
            format!("the signing key is {other}, which has no modulus: 公钥 cannot be filled from it"),
        )),
    }
}

/// The one validity rule of every platform, for a certificate `what` names
/// (e.g. "the certificate", "the v2 signer's certificate"): expired, not yet
/// valid, or expiring within [`EXPIRY_NOTICE_DAYS`] with the days left.
fn certificate_validity(what: &str, cert: &Certificate, now: i64) -> Option<Warning> {
    match expiry(what, &cert.not_after, cert.not_after_unix, now) {
        Some((true, message)) => Some(Warning::new(WarningCode::CertificateExpired, message)),
        _ if cert.not_before_unix > now => Some(Warning::new(
            WarningCode::CertificateNotYetValid,
            format!("{what} is valid only from {}", cert.not_before),
        )),
        Some((false, message)) => Some(Warning::new(WarningCode::CertificateExpiring, message)),
        None => None,
    }
}

/// The same rule for a provisioning profile's expiry (HarmonyOS's `not-after`,
/// Apple's `ExpirationDate`).
fn profile_validity(date: &str, unix: i64, now: i64) -> Option<Warning> {
    expiry("the profile", date, unix, now).map(|(expired, message)| {
        let code = if expired {
            WarningCode::ProfileExpired
        } else {
            WarningCode::ProfileExpiring
        };
        Warning::new(code, message)
    })
}

/// Whether `what` has expired at `now`, or expires within the notice, in words.
fn expiry(what: &str, date: &str, unix: i64, now: i64) -> Option<(bool, String)> {
    if unix < now {
        Some((true, format!("{what} expired on {date}")))
    } else if unix.saturating_sub(now) < EXPIRY_NOTICE_DAYS * DAY {
        Some((
            false,
            format!("{what} expires on {date}, in {} days", (unix - now) / DAY),
        ))
    } else {
        None
    }
}
