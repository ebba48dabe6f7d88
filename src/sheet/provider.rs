//! Provider profiles: each portal's labels and value forms, kept as data in
//! providers/*.toml so that a correction is a data change.

use serde::Deserialize;
use std::collections::BTreeMap;

const PROFILES: [(&str, &str); 4] = [
    ("aliyun", include_str!("../../providers/aliyun.toml")),
    ("tencent", include_str!("../../providers/tencent.toml")),
    ("huawei", include_str!("../../providers/huawei.toml")),
    ("generic", include_str!("../../providers/generic.toml")),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub id: String,
    pub name: String,
    pub basic: BasicLabels,
    pub feature: FeatureLabels,
    pub platforms: BTreeMap<String, PlatformProfile>,
    /// The provider's SDK type names by appfiling category (rules/sdks.toml), where its form
    /// has a list; a category not listed is shown as it is.
    #[serde(default)]
    pub sdk_types: BTreeMap<String, String>,
    /// The fewest characters the provider takes in 备注, when it sets a minimum.
    #[serde(default)]
    pub remark_min_chars: Option<usize>,
    /// The provider's filing API names of the feature fields, for machines (sheet JSON).
    #[serde(default)]
    pub api_names: Option<ApiNames>,
}

/// A filing API's names for 包名, 公钥 and 签名MD5值.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiNames {
    pub package_name: String,
    pub public_key: String,
    pub signature: String,
}

impl ApiNames {
    /// The API's name of a feature field, by the sheet's key.
    pub(crate) fn of(&self, key: &str) -> Option<&str> {
        match key {
            "package_name" => Some(&self.package_name),
            "public_key" => Some(&self.public_key),
            "signature" => Some(&self.signature),
            _ => None,
        }
    }
}

impl Provider {
    /// The provider's name for an SDK category, e.g. 支付 → 支付类.
    pub(crate) fn sdk_type<'a>(&'a self, category: &'a str) -> &'a str {
        self.sdk_types
            .get(category)
            .map_or(category, String::as_str)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicLabels {
    pub service_name: String,
    pub service_content: String,
    pub service_language: String,
    pub provides_sdk: String,
    pub uses_sdk: String,
    pub pre_approval: String,
    pub icon: String,
    pub remark: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureLabels {
    pub platform: String,
    pub domains: String,
    pub public_key: String,
    pub signature: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformProfile {
    pub label: String,
    pub package_label: String,
    pub public_key: KeyForm,
    pub signature: Fingerprint,
    /// The fewest dot-separated parts the provider takes in a package name.
    #[serde(default)]
    pub min_name_parts: Option<usize>,
}

/// A 公钥 form; also the command line's `--pubkey-format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum KeyForm {
    Decimal,
    Hex,
    Base64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fingerprint {
    Md5,
    Sha1,
}

/// The ids of the built-in providers.
pub fn ids() -> Vec<&'static str> {
    PROFILES.iter().map(|(id, _)| *id).collect()
}

/// Why a provider could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("unknown provider {id}: one of {}", ids().join(", "))]
    Unknown { id: String },
    /// A built-in profile that does not parse: a bug in providers/.
    #[error("providers/{id}.toml: {error}")]
    Malformed { id: String, error: toml::de::Error },
}

/// A built-in provider by id.
pub fn load(id: &str) -> Result<Provider, ProviderError> {
    let (_, text) = PROFILES
        .iter()
        .find(|(known, _)| *known == id)
        .ok_or_else(|| ProviderError::Unknown { id: id.to_string() })?;
    toml::from_str(text).map_err(|error| ProviderError::Malformed {
        id: id.to_string(),
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_loads_and_covers_every_platform() {
        for id in ids() {
            let p = load(id).unwrap();
            assert_eq!(p.id, id);
            for platform in ["android", "ios", "harmonyos"] {
                assert!(p.platforms.contains_key(platform), "{id} lacks {platform}");
            }
            assert_eq!(p.platforms["android"].signature, Fingerprint::Md5);
            assert_eq!(p.platforms["ios"].signature, Fingerprint::Sha1);
        }
        assert!(load("nope").is_err());
    }

    #[test]
    fn sdk_types_name_known_categories() {
        let categories: Vec<&str> = crate::detect::sdks::rules()
            .iter()
            .map(|r| r.category.as_str())
            .collect();
        for id in ids() {
            let p = load(id).unwrap();
            for category in p.sdk_types.keys() {
                assert!(categories.contains(&category.as_str()), "{id}: {category}");
            }
        }
        let huawei = load("huawei").unwrap();
        assert_eq!(huawei.sdk_type("支付"), "支付类");
        assert_eq!(huawei.sdk_type("推送"), "推送");
        assert_eq!(load("aliyun").unwrap().sdk_type("支付"), "支付");
    }
}
