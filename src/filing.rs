//! What every platform's filing shares: the 公钥 form of a public key.

use crate::report::{PublicKey, Warning};

/// How the portal wants an RSA modulus written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModulusForm {
    Decimal,
    Hex,
}

/// The 公钥 value and its format name for `key`, with the warning a key
/// without a modulus deserves. `ec_expected`: the platform files EC points
/// (HarmonyOS), so an EC key is not worth a warning.
pub fn public_key_value(
    key: &PublicKey,
    form: ModulusForm,
    ec_expected: bool,
    warnings: &mut Vec<Warning>,
) -> (Option<String>, Option<&'static str>) {
    match key.algorithm.as_str() {
        "EC" if ec_expected => (key.ec_point_hex.clone(), Some("ec_point")),
        "RSA" => match form {
            ModulusForm::Decimal => (key.modulus_decimal.clone(), Some("decimal")),
            ModulusForm::Hex => (key.modulus_hex.clone(), Some("hex")),
        },
        "EC" => {
            warnings.push(Warning::new(
                "ec_key",
                format!(
                    "the signing key is EC ({}), which has no modulus: 公钥 holds the uncompressed point 04‖X‖Y; \
                     the portal may reject it",
                    key.curve.as_deref().unwrap_or("unknown curve")
                ),
            ));
            (key.ec_point_hex.clone(), Some("ec_point"))
        }
        other => {
            let code = if other == "DSA" {
                "dsa_key"
            } else {
                "no_modulus"
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
