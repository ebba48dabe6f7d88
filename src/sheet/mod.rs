//! The filing sheet: one app across its platforms, in the labels and value
//! forms of one provider's APP备案 form (docs/providers.md).

pub mod config;
pub mod icon;
pub mod provider;
pub mod render;

use crate::detect::domains::DetectedDomain;
use crate::filing::PublicKeyForm;
use crate::report::{
    CertifiedKey, FingerprintAlgorithm, KeyAlgorithm, PackageReport, Platform, PublicKeyFormat,
};
use config::{Config, SdkEntry};
use provider::{Fingerprint, KeyForm, Provider};
use serde::Serialize;
use std::collections::BTreeMap;

/// The platforms in the order the forms list them.
const PLATFORMS: [Platform; 3] = [Platform::Android, Platform::Ios, Platform::Harmonyos];

#[derive(Debug, Clone, Serialize)]
pub struct Sheet {
    /// The version of this JSON contract (docs/json.md), as in `inspect`'s report.
    pub schema_version: u32,
    pub provider: String,
    pub provider_name: String,
    /// A draft (`--draft`): values not valid for filing were accepted, as warnings.
    pub draft: bool,
    /// APP基础信息.
    pub basic: Vec<Field>,
    /// 使用外部SDK, row by row: {功能类型, 服务厂商} with the SDKs behind each.
    pub sdks: Vec<SdkUse>,
    /// APP特征信息, one block per platform.
    pub platforms: Vec<PlatformBlock>,
    /// APP图标, exported: a PNG within the portals' size limit.
    pub icon: Option<icon::Icon>,
    /// Domains found in the packages: suggestions, filed only when confirmed.
    pub suggested_domains: Vec<DetectedDomain>,
    pub warnings: Vec<Issue>,
    /// Anything that makes the sheet unfit to paste; all of them, at once.
    pub errors: Vec<Issue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// A stable key, e.g. "service_name", "public_key".
    pub key: &'static str,
    /// The provider's label, e.g. "服务名称".
    pub label: String,
    pub value: String,
    /// Whether the provider's form requires a value: an empty one is then missing.
    pub required: bool,
    /// Huawei's filing API name of the field, e.g. "appPackageName".
    pub api_name: Option<String>,
}

impl Field {
    fn new(key: &'static str, label: &str, value: String) -> Self {
        Field {
            key,
            label: label.to_string(),
            value,
            required: true,
            api_name: None,
        }
    }
}

/// A row of 使用外部SDK: the form asks for 功能类型 and 服务厂商; the SDKs are the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SdkUse {
    /// 功能类型, in the provider's words in a sheet (e.g. "支付类").
    #[serde(rename = "type")]
    pub function: String,
    /// 服务厂商.
    pub vendor: String,
    /// The SDKs of this vendor and type, e.g. ["微信开放平台SDK"].
    pub sdks: Vec<String>,
    /// What shows each SDK is there: classes, libraries, frameworks found.
    pub evidence: Vec<String>,
    /// Whether a person stated the row (filing.toml); false for detection's suggestions.
    pub confirmed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlatformBlock {
    pub platform: String,
    /// The provider's label for the platform, e.g. "安卓平台".
    pub label: String,
    pub domains: Vec<String>,
    pub packages: Vec<PackageBlock>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PackageBlock {
    pub source: String,
    /// 包名/Bundle ID, 公钥, 签名MD5值 in the provider's forms.
    pub fields: Vec<Field>,
    /// SHA-256 of the filed certificate: what `appfiling check` compares first.
    pub certificate_sha256: Option<String>,
    /// Why these values must not be filed (a debug or development certificate, expired,
    /// unsigned, a signature that does not hold); empty when they may be.
    pub not_valid: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// The field it is about, by its label.
    pub field: String,
    pub message: String,
}

pub struct SheetOptions {
    pub provider: Provider,
    /// Overrides the provider's 公钥 form for RSA keys.
    pub pubkey_format: Option<KeyForm>,
    /// Files the app's own detected domains without their being listed in filing.toml.
    pub accept_detected_domains: bool,
    /// Accept values not valid for filing (debug, development, expired, unsigned, a
    /// signature that does not hold) as warnings, and mark the sheet a draft.
    pub draft: bool,
    /// Where filing.toml was read from; None when `sheet` was given none.
    pub config_path: Option<String>,
}

fn issue(field: &str, message: impl Into<String>) -> Issue {
    Issue {
        field: field.to_string(),
        message: message.into(),
    }
}

/// Builds the sheet for every package, which must all be the same app.
pub fn build(packages: &[PackageReport], config: &Config, options: &SheetOptions) -> Sheet {
    let p = &options.provider;
    let mut sheet = Sheet {
        schema_version: crate::report::SCHEMA_VERSION,
        provider: p.id.clone(),
        provider_name: p.name.clone(),
        draft: options.draft,
        basic: Vec::new(),
        sdks: Vec::new(),
        platforms: Vec::new(),
        icon: None,
        suggested_domains: Vec::new(),
        warnings: Vec::new(),
        errors: Vec::new(),
    };
    let b = &p.basic;
    let (exported, icon_value) = match icon::export(packages) {
        Ok(Some(i)) => {
            let value = format!(
                "{}×{} px PNG, {:.1} KB, from {}",
                i.width,
                i.height,
                i.bytes as f64 / 1024.0,
                i.source
            );
            (Some(i), value)
        }
        // One warning for a missing icon: the reason it could not be exported, or that none was found.
        outcome => {
            let why = match outcome {
                Err(e) => format!("the icon could not be exported: {e}"),
                _ => format!(
                    "no raster icon found in the packages{}",
                    match icon_location(packages) {
                        l if l.is_empty() => String::new(),
                        l => format!(" (the app names {l})"),
                    }
                ),
            };
            sheet.warnings.push(issue(
                &b.icon,
                format!(
                    "{why}: prepare a PNG of at most {} KB yourself",
                    icon::MAX_ICON_BYTES / 1024
                ),
            ));
            (None, String::new())
        }
    };
    sheet.icon = exported;
    let app = &config.app;
    let mut missing = Vec::new();
    let required = |label: &str, value: Option<String>, missing: &mut Vec<String>| -> String {
        value.filter(|v| !v.trim().is_empty()).unwrap_or_else(|| {
            missing.push(label.to_string());
            String::new()
        })
    };

    let name = service_name(
        packages,
        app.service_name.as_deref(),
        &b.service_name,
        &mut sheet,
    );
    let basic = [
        (
            "service_name",
            &b.service_name,
            required(&b.service_name, name, &mut missing),
        ),
        (
            "service_content",
            &b.service_content,
            required(
                &b.service_content,
                app.service_content.clone(),
                &mut missing,
            ),
        ),
        (
            "service_language",
            &b.service_language,
            match &app.service_languages {
                Some(languages) => required(
                    &b.service_language,
                    Some(languages.join("、")),
                    &mut missing,
                ),
                None => {
                    let derived = detected_languages(packages).join("、");
                    sheet.warnings.push(issue(
                        &b.service_language,
                        format!("{derived}: detected from the locales the app is translated into; confirm it in filing.toml [app] service_languages"),
                    ));
                    derived
                }
            },
        ),
        (
            "provides_sdk",
            &b.provides_sdk,
            required(
                &b.provides_sdk,
                app.provides_sdk.map(|v| yes_no(v).to_string()),
                &mut missing,
            ),
        ),
        (
            "uses_sdk",
            &b.uses_sdk,
            required(
                &b.uses_sdk,
                uses_sdk(packages, app.uses_sdk.as_deref(), options, &mut sheet),
                &mut missing,
            ),
        ),
        (
            "pre_approval",
            &b.pre_approval,
            required(&b.pre_approval, app.pre_approval.clone(), &mut missing),
        ),
        ("icon", &b.icon, icon_value),
        (
            "remark",
            &b.remark,
            remark(app.remark.as_deref(), p, &mut sheet),
        ),
    ];
    sheet.basic = basic
        .into_iter()
        .map(|(key, label, value)| Field {
            // 备注 is optional unless the provider sets a minimum length.
            required: key != "remark" || p.remark_min_chars.is_some(),
            ..Field::new(key, label, value)
        })
        .collect();
    if !missing.is_empty() {
        let message = match &options.config_path {
            Some(path) => format!(
                "required fields missing from {path} [app]: {}",
                missing.join(", ")
            ),
            None => format!(
                "required fields missing: {}; no filing.toml was given: `appfiling init -o filing.toml PACKAGES…` writes one, then pass it with --config",
                missing.join(", ")
            ),
        };
        sheet.errors.push(issue("filing.toml", message));
    }

    for platform in PLATFORMS {
        let of_platform: Vec<&PackageReport> =
            packages.iter().filter(|r| r.platform == platform).collect();
        if of_platform.is_empty() {
            continue;
        }
        let Some(profile) = p.platforms.get(platform.as_str()) else {
            continue;
        };
        let mut inputs = config.domains.clone();
        inputs.extend(
            config
                .platforms
                .get(platform.as_str())
                .map(|c| c.domains.clone())
                .unwrap_or_default(),
        );
        if options.accept_detected_domains {
            inputs.extend(own_domains(&of_platform));
        }
        let (domains, refused) = crate::domain_name::normalize_all(&inputs);
        for reason in refused {
            sheet.errors.push(issue(
                &p.feature.domains,
                format!("{}: {reason}", profile.label),
            ));
        }
        if domains.is_empty() {
            sheet.warnings.push(issue(
                &p.feature.domains,
                format!(
                    "{}: no domain given; list every domain the app talks to in filing.toml",
                    profile.label
                ),
            ));
        }
        let packages = of_platform
            .iter()
            .map(|report| package_block(report, profile, options, &p.feature, &mut sheet))
            .collect();
        sheet.platforms.push(PlatformBlock {
            platform: platform.as_str().to_string(),
            label: profile.label.clone(),
            domains,
            packages,
        });
    }
    sheet.suggested_domains = suggested_domains(packages);
    for report in packages.iter().filter(|r| !PLATFORMS.contains(&r.platform)) {
        sheet.errors.push(issue(
            &p.feature.platform,
            format!(
                "{}: the platform cannot be told from this file, so it has no place in the sheet",
                report.path
            ),
        ));
    }
    sheet
}

/// 使用外部SDK: the value to file from filing.toml's rows, compared with what detection
/// found. None (required) when filing.toml does not say, except in a draft, which shows
/// the detected rows unconfirmed.
fn uses_sdk(
    packages: &[PackageReport],
    configured: Option<&[SdkEntry]>,
    options: &SheetOptions,
    sheet: &mut Sheet,
) -> Option<String> {
    let provider = &options.provider;
    let label = &provider.basic.uses_sdk;
    let detected = detected_sdk_rows(packages);
    let names = |rows: &[&SdkUse]| {
        rows.iter()
            .flat_map(|r| r.sdks.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("、")
    };
    let rows = match configured {
        None => {
            if !detected.is_empty() {
                sheet.warnings.push(issue(
                    label,
                    format!(
                        "found in the code, not yet in filing.toml: {}; `appfiling init` writes them as rows to confirm",
                        names(&detected.iter().collect::<Vec<_>>())
                    ),
                ));
            }
            // Even a draft says nothing detection did not see: no SDK found is no 否.
            if !options.draft || detected.is_empty() {
                return None;
            }
            detected
        }
        Some(entries) => {
            let rows = configured_rows(entries, &detected, label, sheet);
            let unconfirmed: Vec<&SdkUse> = rows.iter().filter(|r| !r.confirmed).collect();
            if !unconfirmed.is_empty() {
                let message = format!(
                    "{} not confirmed: check each row in filing.toml and set confirmed = true, or delete it",
                    names(&unconfirmed)
                );
                match options.draft {
                    true => sheet.warnings.push(issue(label, message)),
                    false => sheet.errors.push(issue(label, message)),
                }
            }
            let unlisted: Vec<&SdkUse> = detected
                .iter()
                .filter(|d| !rows.iter().any(|r| lists(r, d)))
                .collect();
            if !unlisted.is_empty() {
                sheet.warnings.push(issue(
                    label,
                    format!(
                        "found in the code but not in filing.toml: {} ({}); add them, or make sure the app does not use them",
                        names(&unlisted),
                        unlisted
                            .iter()
                            .flat_map(|r| r.evidence.iter().map(String::as_str))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            rows
        }
    };
    sheet.sdks = group_rows(rows, provider);
    Some(match sheet.sdks.is_empty() {
        true => "否".to_string(),
        false => format!(
            "是：{}",
            sheet
                .sdks
                .iter()
                .map(|r| {
                    let unconfirmed = if r.confirmed { "" } else { "，待确认" };
                    format!(
                        "{}·{}（{}{unconfirmed}）",
                        r.function,
                        r.vendor,
                        r.sdks.join("、")
                    )
                })
                .collect::<Vec<_>>()
                .join("；")
        ),
    })
}

/// filing.toml's rows; an SDK given by name takes its vendor and type from the rule
/// that names it, and an unknown name is an error (the form needs both).
fn configured_rows(
    entries: &[SdkEntry],
    detected: &[SdkUse],
    label: &str,
    sheet: &mut Sheet,
) -> Vec<SdkUse> {
    let mut rows = Vec::new();
    for entry in entries {
        match entry {
            SdkEntry::Row(row) => rows.push(SdkUse {
                function: row.function.clone(),
                vendor: row.vendor.clone(),
                sdks: row.sdk.iter().cloned().collect(),
                evidence: row
                    .evidence
                    .iter()
                    .flat_map(|e| e.split(", "))
                    .map(str::to_string)
                    .collect(),
                confirmed: row.confirmed,
            }),
            SdkEntry::Name(name) => match crate::detect::sdks::find_rule(name) {
                Some(rule) => rows.push(SdkUse {
                    function: rule.category.clone(),
                    vendor: rule.vendor.clone(),
                    sdks: vec![rule.name_zh.clone()],
                    evidence: detected
                        .iter()
                        .filter(|d| d.sdks.contains(&rule.name_zh))
                        .flat_map(|d| d.evidence.iter().cloned())
                        .collect(),
                    confirmed: true,
                }),
                None => sheet.errors.push(issue(
                    label,
                    format!(
                        "{name:?} is not an SDK appfiling knows, so its 服务厂商 and 功能类型 are unknown: write it as a row, [[app.uses_sdk]] with sdk, vendor and type"
                    ),
                )),
            },
        }
    }
    rows
}

/// Whether a filing.toml row covers a detected SDK: the same SDK named, or the same
/// vendor and type (the form's row).
fn lists(row: &SdkUse, detected: &SdkUse) -> bool {
    (row.vendor == detected.vendor && row.function == detected.function)
        || detected.sdks.iter().any(|name| row.sdks.contains(name))
}

/// One row per SDK detection found in any package, in the rules' words, unconfirmed.
pub(crate) fn detected_sdk_rows(packages: &[PackageReport]) -> Vec<SdkUse> {
    let mut rows: Vec<SdkUse> = Vec::new();
    for sdk in packages
        .iter()
        .filter_map(|p| p.detection.as_ref())
        .flat_map(|d| d.sdks.iter())
    {
        match rows.iter_mut().find(|r| r.sdks.contains(&sdk.name_zh)) {
            Some(row) => {
                for evidence in &sdk.evidence {
                    if !row.evidence.contains(evidence) {
                        row.evidence.push(evidence.clone());
                    }
                }
            }
            None => rows.push(SdkUse {
                function: sdk.category.clone(),
                vendor: sdk.vendor.clone(),
                sdks: vec![sdk.name_zh.clone()],
                evidence: sdk.evidence.clone(),
                confirmed: false,
            }),
        }
    }
    rows
}

/// The form's rows: one per {功能类型, 服务厂商}, the type in the provider's words.
fn group_rows(rows: Vec<SdkUse>, provider: &Provider) -> Vec<SdkUse> {
    let mut grouped: Vec<SdkUse> = Vec::new();
    for row in rows {
        let function = provider.sdk_type(&row.function).to_string();
        match grouped
            .iter_mut()
            .find(|g| g.function == function && g.vendor == row.vendor)
        {
            Some(group) => {
                group.sdks.extend(row.sdks);
                group.evidence.extend(row.evidence);
                group.confirmed &= row.confirmed;
            }
            None => grouped.push(SdkUse { function, ..row }),
        }
    }
    grouped
}

/// 服务语言 from detection, or else from the locales of the app's name.
pub(crate) fn detected_languages(packages: &[PackageReport]) -> Vec<&'static str> {
    let detected: Vec<&'static str> = packages
        .iter()
        .filter_map(|p| p.detection.as_ref())
        .flat_map(|d| d.languages.iter().map(|l| l.language))
        .collect();
    if detected.is_empty() {
        return config::languages_of(packages);
    }
    let mut out: Vec<&'static str> = Vec::new();
    for language in detected {
        if !out.contains(&language) {
            out.push(language);
        }
    }
    out
}

/// Every detected domain across the packages, merged by host: a host any package
/// attributes to someone else is not the app's own. The app's own first, with their evidence.
fn suggested_domains(packages: &[PackageReport]) -> Vec<DetectedDomain> {
    let mut out: Vec<DetectedDomain> = Vec::new();
    for domain in packages
        .iter()
        .filter_map(|p| p.detection.as_ref())
        .flat_map(|d| d.domains.iter())
    {
        match out.iter_mut().find(|d| d.host == domain.host) {
            Some(known) => {
                known.count += domain.count;
                for source in &domain.sources {
                    if !known.sources.contains(source) {
                        known.sources.push(source);
                    }
                }
                if domain.class > known.class {
                    known.class = domain.class;
                    known.third_party.clone_from(&domain.third_party);
                    known.evidence.clone_from(&domain.evidence);
                }
            }
            None => out.push(domain.clone()),
        }
    }
    out.sort_by(|a, b| {
        (a.class, std::cmp::Reverse(a.count), &a.host).cmp(&(
            b.class,
            std::cmp::Reverse(b.count),
            &b.host,
        ))
    });
    out
}

/// The app's own detected hosts (class `own` in every package that has them: never an
/// SDK's, a library's, a reserved name or one whose code is not known), for
/// --accept-detected-domains.
fn own_domains(packages: &[&PackageReport]) -> Vec<String> {
    let domains = || {
        packages
            .iter()
            .filter_map(|p| p.detection.as_ref())
            .flat_map(|d| d.domains.iter())
    };
    let not_own: std::collections::HashSet<&str> = domains()
        .filter(|d| d.class != crate::report::DomainClass::Own)
        .map(|d| d.host.as_str())
        .collect();
    domains()
        .filter(|d| {
            d.class == crate::report::DomainClass::Own
                && !not_own.contains(d.host.as_str())
                && d.level <= crate::domain_name::MAX_LEVELS
        })
        .map(|d| d.host.clone())
        .collect()
}

/// 备注, held to the provider's minimum length where it sets one.
fn remark(remark: Option<&str>, provider: &Provider, sheet: &mut Sheet) -> String {
    let remark = remark.unwrap_or_default().trim().to_string();
    if let Some(min) = provider.remark_min_chars {
        let chars = remark.chars().count();
        if chars < min {
            sheet.errors.push(issue(
                &provider.basic.remark,
                format!(
                    "{} takes at least {min} characters in {} ({chars} given): describe the app in [app] remark",
                    provider.name, provider.basic.remark
                ),
            ));
        }
    }
    remark
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "是"
    } else {
        "否"
    }
}

/// The name to file: the config's, or the packages' if they agree.
fn service_name(
    packages: &[PackageReport],
    configured: Option<&str>,
    label: &str,
    sheet: &mut Sheet,
) -> Option<String> {
    let mut names: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for report in packages {
        if let Some(name) = &report.app_name {
            names
                .entry(name.as_str())
                .or_default()
                .push(report.path.as_str());
        }
    }
    if let Some(configured) = configured {
        return Some(configured.to_string());
    }
    if names.len() > 1 {
        let each: Vec<String> = names
            .iter()
            .map(|(name, paths)| format!("{name:?} in {}", paths.join(", ")))
            .collect();
        sheet.errors.push(issue(
            label,
            format!(
                "the packages disagree on the app name: {}; set [app] service_name",
                each.join("; ")
            ),
        ));
        return None;
    }
    names.keys().next().map(|n| n.to_string())
}

/// Where the packages say the icon is, for the message when none can be exported.
fn icon_location(packages: &[PackageReport]) -> String {
    packages
        .iter()
        .find_map(|r| {
            let icon = r
                .icon
                .clone()
                .or_else(|| r.ios.as_ref().and_then(|i| i.icon_names.first().cloned()))
                .or_else(|| r.harmony.as_ref().and_then(|h| h.icon.clone()))?;
            Some(format!("{icon} (in {})", r.path))
        })
        .unwrap_or_default()
}

fn package_block(
    report: &PackageReport,
    profile: &provider::PlatformProfile,
    options: &SheetOptions,
    labels: &provider::FeatureLabels,
    sheet: &mut Sheet,
) -> PackageBlock {
    let mut fields = vec![Field::new(
        "platform",
        &labels.platform,
        profile.label.clone(),
    )];
    let reasons = report.not_valid_for_filing();
    for w in &report.warnings {
        // Reasons not to file are said once, below, as what they are; the key's form
        // is said where the sheet chooses it (`public_key`).
        if reasons.contains(&w.message) || w.code == crate::report::WarningCode::EcKey {
            continue;
        }
        sheet.warnings.push(issue(&report.path, w.message.clone()));
    }
    if !reasons.is_empty() {
        let reasons = reasons.join("; ");
        match options.draft {
            true => sheet.warnings.push(issue(
                &labels.signature,
                format!(
                    "{}: not valid for filing, accepted for this draft: {reasons}",
                    report.path
                ),
            )),
            false => sheet.errors.push(issue(
                &labels.signature,
                format!(
                    "{}: not valid for filing: {reasons}; file the values of a signed release build (or pass --draft for a draft sheet)",
                    report.path
                ),
            )),
        }
    }
    let Some(filing) = &report.filing else {
        // What is known is shown; the values no certificate gives stay empty, and missing.
        fields.extend([
            Field::new(
                "package_name",
                &profile.package_label,
                report.package_name.clone().unwrap_or_default(),
            ),
            Field::new("public_key", &labels.public_key, String::new()),
            Field::new("signature", &labels.signature, String::new()),
        ]);
        return PackageBlock {
            source: report.path.clone(),
            fields,
            certificate_sha256: None,
            not_valid: reasons,
        };
    };
    let key = signer_key(report, &filing.signer_sha256);
    let package_name = filing.package_name.clone().unwrap_or_else(|| {
        sheet.errors.push(issue(
            &profile.package_label,
            format!("{}: no package name", report.path),
        ));
        String::new()
    });
    if let Some(min) = profile.min_name_parts {
        let parts = package_name.split('.').count();
        if !package_name.is_empty() && parts < min {
            sheet.errors.push(issue(
                &profile.package_label,
                format!(
                    "{}: {package_name} has {parts} dot-separated parts; {} takes at least {min} for the {}",
                    report.path, options.provider.name, profile.label
                ),
            ));
        }
    }
    fields.push(Field::new(
        "package_name",
        &profile.package_label,
        package_name,
    ));
    let public_key = key.map(|k| {
        public_key(
            k,
            report.platform,
            profile,
            options,
            &labels.public_key,
            &report.path,
            sheet,
        )
    });
    fields.push(Field::new(
        "public_key",
        &labels.public_key,
        public_key.flatten().unwrap_or_default(),
    ));
    let algorithm = match profile.signature {
        Fingerprint::Md5 => FingerprintAlgorithm::Md5,
        Fingerprint::Sha1 => FingerprintAlgorithm::Sha1,
    };
    let fingerprint = key
        .map(|k| crate::filing::fingerprint(&k.certificate, algorithm).to_string())
        .unwrap_or_default();
    let expected_len = match profile.signature {
        Fingerprint::Md5 => 32,
        Fingerprint::Sha1 => 40,
    };
    if fingerprint.len() != expected_len || !fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
        sheet.errors.push(issue(
            &labels.signature,
            format!(
                "{}: {fingerprint:?} is not {expected_len} hex characters",
                report.path
            ),
        ));
    }
    fields.push(Field::new("signature", &labels.signature, fingerprint));
    if let Some(names) = &options.provider.api_names {
        for field in &mut fields {
            field.api_name = names.of(field.key).map(str::to_string);
        }
    }
    PackageBlock {
        source: report.path.clone(),
        fields,
        certificate_sha256: Some(filing.signer_sha256.clone()),
        not_valid: reasons,
    }
}

fn signer_key<'a>(report: &'a PackageReport, sha256: &str) -> Option<&'a CertifiedKey> {
    report
        .signers
        .iter()
        .map(|s| &s.key)
        .find(|k| k.certificate.sha256 == sha256)
}

/// The 公钥 in the provider's form (or `--pubkey-format`), from the filing
/// policy's one definition of the forms; what the portal may refuse is said.
fn public_key(
    key: &CertifiedKey,
    platform: Platform,
    profile: &provider::PlatformProfile,
    options: &SheetOptions,
    label: &str,
    path: &str,
    sheet: &mut Sheet,
) -> Option<String> {
    let form = match options.pubkey_format.unwrap_or(profile.public_key) {
        KeyForm::Decimal => PublicKeyForm::Decimal,
        KeyForm::Hex => PublicKeyForm::Hex,
        KeyForm::Base64 => PublicKeyForm::Base64,
    };
    let (value, format) = crate::filing::public_key(&key.public_key, form);
    match (&key.public_key.algorithm, format) {
        // HarmonyOS keys are EC by design; elsewhere the portals expect RSA.
        (KeyAlgorithm::Ec, Some(PublicKeyFormat::EcPoint)) if platform != Platform::Harmonyos => {
            sheet.warnings.push(issue(
                label,
                format!("{path}: an EC key has no modulus; the uncompressed point 04‖X‖Y is given, which the portal may refuse"),
            ));
        }
        (KeyAlgorithm::Rsa | KeyAlgorithm::Ec, _)
            if form == PublicKeyForm::Base64 && profile.public_key != KeyForm::Base64 =>
        {
            sheet.warnings.push(issue(
                label,
                format!(
                    "{path}: 公钥 is the whole public key, its SubjectPublicKeyInfo in Base64 (what `openssl x509 -pubkey` prints, without the PEM lines), as --pubkey-format base64 asks; without it, the sheet gives {}",
                    match (&key.public_key.algorithm, profile.public_key) {
                        (KeyAlgorithm::Ec, _) => "the EC point 04‖X‖Y in hex".to_string(),
                        (_, KeyForm::Decimal) => format!(
                            "the modulus in decimal, {}'s form for the {}",
                            options.provider.name, profile.label
                        ),
                        _ => format!(
                            "the modulus in hex, {}'s form for the {}",
                            options.provider.name, profile.label
                        ),
                    }
                ),
            ));
        }
        (KeyAlgorithm::Rsa | KeyAlgorithm::Ec, _) => {}
        (other, _) => sheet.errors.push(issue(
            label,
            format!("{path}: a {other} key has no modulus to file"),
        )),
    }
    value
}
