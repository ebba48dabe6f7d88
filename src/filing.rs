//! What every platform's filing shares: the 公钥 form of a public key.

use crate::report::{
    Filing, FingerprintAlgorithm, KeyAlgorithm, PackageReport, Platform, PublicKey,
    PublicKeyFormat, Signer, Warning, WarningCode,
};

/// The forms a platform's filing takes.
pub struct PlatformForm {
    pub platform: Platform,
    pub modulus: ModulusForm,
    /// EC points are this platform's normal 公钥 (HarmonyOS): no warning.
    pub ec_expected: bool,
    /// The 签名MD5值 field holds MD5 (Android) or SHA-1 (iOS, HarmonyOS).
    pub sha1: bool,
}

pub const ANDROID: PlatformForm = PlatformForm {
    platform: Platform::Android,
    modulus: ModulusForm::Decimal,
    ec_expected: false,
    sha1: false,
};
pub const IOS: PlatformForm = PlatformForm {
    platform: Platform::Ios,
    modulus: ModulusForm::Hex,
    ec_expected: false,
    sha1: true,
};
pub const HARMONYOS: PlatformForm = PlatformForm {
    platform: Platform::Harmonyos,
    modulus: ModulusForm::Hex,
    ec_expected: true,
    sha1: true,
};

/// Sets the report's filing block for `chosen`, in `form`, and adds the
/// platform's `warnings` with the key's own after them.
pub fn set_filing(
    report: &mut PackageReport,
    form: &PlatformForm,
    chosen: &Signer,
    reason: String,
    mut warnings: Vec<Warning>,
) {
    let cert = &chosen.key.certificate;
    let (public_key, public_key_format) = public_key_value(
        &chosen.key.public_key,
        form.modulus,
        form.ec_expected,
        &mut warnings,
    );
    report.filing = Some(Filing {
        platform: form.platform,
        package_name: report.package_name.clone(),
        public_key,
        public_key_format,
        signature_md5_field: if form.sha1 {
            cert.sha1.clone()
        } else {
            cert.md5.clone()
        },
        signature_md5_algorithm: if form.sha1 {
            FingerprintAlgorithm::Sha1
        } else {
            FingerprintAlgorithm::Md5
        },
        signer_scheme: chosen.scheme,
        signer_sha256: cert.sha256.clone(),
        reason,
    });
    report.warnings.extend(warnings);
}

/// How the portal wants an RSA modulus written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModulusForm {
    Decimal,
    Hex,
}

/// The 公钥 value and its format name for `key`, with the warning a key
/// without a modulus deserves. `ec_expected`: the platform files EC points
/// (HarmonyOS), so an EC key is not worth a warning.
fn public_key_value(
    key: &PublicKey,
    form: ModulusForm,
    ec_expected: bool,
    warnings: &mut Vec<Warning>,
) -> (Option<String>, Option<PublicKeyFormat>) {
    match &key.algorithm {
        KeyAlgorithm::Ec if ec_expected => {
            (key.ec_point_hex.clone(), Some(PublicKeyFormat::EcPoint))
        }
        KeyAlgorithm::Rsa => match form {
            ModulusForm::Decimal => (key.modulus_decimal.clone(), Some(PublicKeyFormat::Decimal)),
            ModulusForm::Hex => (key.modulus_hex.clone(), Some(PublicKeyFormat::Hex)),
        },
        KeyAlgorithm::Ec => {
            warnings.push(Warning::new(
                WarningCode::EcKey,
                format!(
                    "the signing key is EC ({}), which has no modulus: 公钥 holds the uncompressed point 04‖X‖Y; \
                     the portal may reject it",
                    key.curve.as_deref().unwrap_or("unknown curve")
                ),
            ));
            (key.ec_point_hex.clone(), Some(PublicKeyFormat::EcPoint))
        }
        other => {
            let code = if *other == KeyAlgorithm::Dsa {
                WarningCode::DsaKey
            } else {
                WarningCode::NoModulus
            };
            warnings.push(Warning::new(
                code,
                format!("the signing key is {other}, which has no modulus: 公钥 cannot be filled from it"),
            ));
            (None, None)
        }
    }
}

/// Seconds since the Unix epoch, for validity checks.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The first label found in `order`, e.g. zh-CN before zh before default.
pub fn preferred_name<'a>(
    labels: &'a std::collections::BTreeMap<String, String>,
    order: &[&str],
) -> Option<&'a String> {
    order.iter().find_map(|locale| labels.get(*locale))
}
