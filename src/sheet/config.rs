//! filing.toml: what the packages cannot tell (docs/filing-toml.md).

use crate::report::Platform;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub app: AppConfig,
    /// Domains for every platform.
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub platforms: PlatformDomains,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// 服务名称: overrides the name read from the packages.
    pub service_name: Option<String>,
    /// 服务内容.
    pub service_content: Option<String>,
    /// 服务语言, e.g. ["中文简体", "英语"].
    pub service_languages: Option<Vec<String>>,
    /// 对外提供SDK: whether the app itself is an SDK for others (required: no default).
    pub provides_sdk: Option<bool>,
    /// 使用外部SDK: the third-party SDKs the app uses; `[]`, the user's own line, means 否.
    pub uses_sdk: Option<Vec<SdkEntry>>,
    /// 前置审批: e.g. "无", or the approval the service needs.
    pub pre_approval: Option<String>,
    /// 备注.
    pub remark: Option<String>,
}

/// One third-party SDK in `[app] uses_sdk`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum SdkEntry {
    /// An SDK the detection rules know, by id or name (e.g. "wechat-opensdk",
    /// "微信开放平台SDK"): its 服务厂商 and 功能类型 come from the rule.
    Name(String),
    Row(SdkRow),
}

/// A row of the form's 使用外部SDK table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdkRow {
    /// 服务厂商: the SDK's vendor, e.g. "深圳市腾讯计算机系统有限公司".
    pub vendor: String,
    /// 功能类型, e.g. "支付", "登录", "推送": shown in the provider's words (支付类…).
    #[serde(rename = "type")]
    pub function: String,
    /// The SDK's name, e.g. "微信开放平台SDK".
    pub sdk: Option<String>,
    /// What shows the SDK is there, e.g. the classes detection found.
    pub evidence: Option<String>,
    /// false on the rows `appfiling init` writes from detection, until a person checks them.
    #[serde(default = "confirmed_by_default")]
    pub confirmed: bool,
}

/// A row written by hand is the user's own statement.
fn confirmed_by_default() -> bool {
    true
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformDomains {
    pub android: Option<PlatformConfig>,
    pub ios: Option<PlatformConfig>,
    pub harmonyos: Option<PlatformConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformConfig {
    #[serde(default)]
    pub domains: Vec<String>,
}

impl PlatformDomains {
    pub fn get(&self, platform: &str) -> Option<&PlatformConfig> {
        match platform {
            "android" => self.android.as_ref(),
            "ios" => self.ios.as_ref(),
            "harmonyos" => self.harmonyos.as_ref(),
            _ => None,
        }
    }
}

/// Parses filing.toml; errors name the line and the key (unknown keys are refused).
pub fn parse(text: &str) -> Result<Config, toml::de::Error> {
    toml::from_str(text)
}

/// 服务语言 suggested by the locales of the apps' names: Simplified Chinese
/// first (the filing is for mainland China), then the others.
pub(crate) fn languages_of(packages: &[crate::report::PackageReport]) -> Vec<&'static str> {
    let locales = packages.iter().flat_map(|p| p.app_names.keys().cloned());
    crate::detect::languages::group(locales)
        .iter()
        .map(|l| l.language)
        .collect()
}

/// `value` as a one-line TOML basic string: a value from a package can neither end the
/// line (and leave a commented-out key live) nor hide text behind control characters.
fn toml_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if crate::render::must_escape(c) => {
                out.push_str(&format!("\\u{:04X}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A commented filing.toml, pre-filled with what the packages tell, and only that: a
/// field the packages say nothing about is left unset, so `sheet` reports it as required
/// until a person writes it.
pub fn template(packages: &[crate::report::PackageReport]) -> String {
    use crate::render::escape_controls;
    // Package text in comments is escaped, so it cannot end the comment line.
    let sources: Vec<_> = packages.iter().map(|p| escape_controls(&p.path)).collect();
    let names: std::collections::BTreeSet<&str> = packages
        .iter()
        .filter_map(|p| p.app_name.as_deref())
        .collect();
    let languages = super::detected_languages(packages);
    let mut out = String::new();
    out.push_str(&format!(
        "# filing.toml, made by `appfiling init` from: {}\n",
        sources.join(", ")
    ));
    out.push_str("# Every key is described in docs/filing-toml.md. Unknown keys are refused.\n");
    out.push_str("# Nothing here is a default: a key left commented out is reported as required by\n# `appfiling sheet` until you write it yourself.\n\n");
    out.push_str("# 域名: every domain the app talks to, up to 四级 (example.com and example.com.cn are 二级); no IPs, no paths.\n# `appfiling sheet` lists the domains found in the packages as suggestions.\n# domains = [\"api.example.com\"]\n\n[app]\n");
    match names.len() {
        0 => out.push_str("# 服务名称 (required): no name could be read from the packages: set it.\n# service_name = \"\"\n"),
        1 => out.push_str(&format!(
            "# 服务名称 is read from the packages: {}. Uncomment to override.\n# service_name = {}\n",
            escape_controls(names.iter().next().map_or("", |n| n)),
            toml_string(names.iter().next().map_or("", |n| n))
        )),
        _ => out.push_str(&format!(
            "# 服务名称 (required): the packages disagree ({}): choose the one to file.\n# service_name = \"\"\n",
            names
                .iter()
                .map(|n| escape_controls(n))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    out.push_str("# 服务内容 (required): what the app offers, as the portal's categories say it.\n# service_content = \"\"\n");
    if languages.is_empty() {
        out.push_str("# 服务语言 (required): no language could be read from the packages.\n# service_languages = [\"中文简体\"]\n");
    } else {
        out.push_str("# 服务语言: the languages the app is translated into; check them.\n");
        let quoted: Vec<String> = languages.iter().map(|l| toml_string(l)).collect();
        out.push_str(&format!("service_languages = [{}]\n", quoted.join(", ")));
    }
    out.push_str("# 对外提供SDK (required): true when the app is itself an SDK for other apps, else false.\n# provides_sdk = false\n");
    out.push_str("# 前置审批 (required): \"无\", or the approvals the service needs (news, medicine, finance…).\n# pre_approval = \"无\"\n");
    out.push_str("# 备注.\n# remark = \"\"\n");
    sdk_rows(&mut out, packages);
    let mut platforms: Vec<&str> = packages
        .iter()
        .map(|p| p.platform)
        .filter(|p| *p != Platform::Unknown)
        .map(Platform::as_str)
        .collect();
    platforms.dedup();
    for platform in platforms {
        out.push_str(&format!(
            "\n# Domains used by the {platform} app only.\n[platforms.{platform}]\n# domains = []\n"
        ));
    }
    out
}

/// 使用外部SDK: one row per SDK detection found, each to be confirmed by a person.
fn sdk_rows(out: &mut String, packages: &[crate::report::PackageReport]) {
    let scanned = packages.iter().any(|p| p.detection.is_some());
    let rows = super::detected_sdk_rows(packages);
    out.push_str("# 使用外部SDK (required): one [[app.uses_sdk]] row per third-party SDK: its 服务厂商\n# (vendor) and 功能类型 (type). When the app uses none, write `uses_sdk = []` under [app].\n");
    if rows.is_empty() {
        out.push_str(if scanned {
            "# Detection found no SDK it knows; it does not know every SDK: list the ones the app uses.\n"
        } else {
            "# The packages could not be scanned for SDKs: list the ones the app uses.\n"
        });
        return;
    }
    out.push_str("# Found in the packages: check each row, then set confirmed = true; delete a row\n# that is wrong, and add the SDKs detection does not know.\n");
    for row in rows {
        out.push_str(&format!(
            "[[app.uses_sdk]]\nsdk = {}\nvendor = {}\ntype = {}\nevidence = {}\nconfirmed = false\n",
            toml_string(&row.sdks.join("、")),
            toml_string(&row.vendor),
            toml_string(&row.function),
            toml_string(&row.evidence.join(", ")),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::PackageReport;

    #[test]
    fn reads_a_full_config() {
        let c = parse(
            r#"
            domains = ["example.com"]
            [app]
            service_content = "笔记"
            service_languages = ["中文简体"]
            uses_sdk = ["WeChat OpenSDK"]
            pre_approval = "无"
            [platforms.ios]
            domains = ["ios.example.com"]
            "#,
        )
        .unwrap();
        assert_eq!(c.app.service_content.as_deref(), Some("笔记"));
        assert_eq!(c.platforms.get("ios").unwrap().domains, ["ios.example.com"]);
        assert!(c.platforms.get("android").is_none());
    }

    #[test]
    fn package_text_cannot_break_out_of_the_template() {
        let mut report = PackageReport::new(
            std::path::Path::new("evil\nservice_content = \"x\"\n.ipa"),
            crate::report::Platform::Ios,
            crate::report::Format::Ipa,
        );
        report.app_name = Some("Name\"\"\"\npre_approval = \"none\"\n\u{1b}[8m\u{7f}".into());
        let text = template(&[report]);
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.app.service_content.as_deref(), None);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7f}'),
            "{text}"
        );
        assert!(
            text.contains("# service_name = \"Name\\\"\\\"\\\"\\npre_approval"),
            "{text}"
        );
    }

    #[test]
    fn template_suggests_languages_from_labels_only() {
        assert!(parse(&template(&[])).is_ok());
    }

    #[test]
    fn a_typo_names_the_line() {
        let err = parse("[app]\nservice_contnet = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2") && err.contains("service_contnet"),
            "{err}"
        );
    }
}
