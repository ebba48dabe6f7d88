//! The filing gate: does a package still match what was filed? Compares its
//! platform, package name and filing signer with a record: a sheet's JSON
//! (`appfiling sheet --format json`), an `inspect --format json` report, or
//! values given on the command line.

use crate::report::PackageReport;
use serde::Serialize;
use serde_json::Value;

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
}

/// Fingerprints compare without colons, spaces or case.
pub fn normalize_hex(value: &str) -> String {
    value
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '\t'))
        .collect::<String>()
        .to_ascii_uppercase()
}

fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// The records in a sheet's JSON or an inspect report's JSON; `name` labels them.
pub fn records_from_json(json: &str, name: &str) -> Result<Vec<Filed>, String> {
    let value: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let mut records = Vec::new();
    if let Some(platforms) = value.get("platforms").and_then(Value::as_array) {
        for block in platforms {
            let platform = text(&block["platform"]);
            for package in block["packages"].as_array().into_iter().flatten() {
                let field = |key: &str| {
                    package["fields"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .find(|f| f["key"] == key)
                        .and_then(|f| text(&f["value"]))
                };
                let signature = field("signature").map(|s| normalize_hex(&s));
                let (md5, sha1) = match signature {
                    Some(s) if s.len() == 32 => (Some(s), None),
                    Some(s) if s.len() == 40 => (None, Some(s)),
                    _ => (None, None),
                };
                records.push(Filed {
                    source: String::new(),
                    platform: platform.clone(),
                    package_name: field("package_name"),
                    certificate_sha256: text(&package["certificate_sha256"])
                        .map(|s| normalize_hex(&s)),
                    md5,
                    sha1,
                });
            }
        }
    } else if let Some(packages) = value.get("packages").and_then(Value::as_array) {
        for package in packages {
            let filing = &package["filing"];
            if filing.is_null() {
                continue;
            }
            let signature = text(&filing["signature_md5_field"]).map(|s| normalize_hex(&s));
            let is_sha1 = filing["signature_md5_algorithm"] == "sha1";
            records.push(Filed {
                source: String::new(),
                platform: text(&filing["platform"]),
                package_name: text(&filing["package_name"]),
                certificate_sha256: text(&filing["signer_sha256"]).map(|s| normalize_hex(&s)),
                md5: signature.clone().filter(|_| !is_sha1),
                sha1: signature.filter(|_| is_sha1),
            });
        }
    } else {
        return Err(
            "neither a sheet (`sheet --format json`) nor a report (`inspect --format json`)".into(),
        );
    }
    if records.is_empty() {
        return Err("it files no package".into());
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
    /// "platform", "package_name", "certificate_sha256", "md5", "sha1" or "signer".
    pub field: &'static str,
    pub filed: String,
    pub found: String,
    /// What it means for the release, in words.
    pub meaning: String,
}

/// A package against the record that fits it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub path: String,
    pub platform: &'static str,
    pub package_name: Option<String>,
    /// The record compared with; null when none is for this platform.
    pub record: Option<String>,
    pub matches: bool,
    pub differences: Vec<Difference>,
}

const KEY_CHANGED: &str =
    "the signing key changed: the filing must be updated (变更备案) before release";

/// Compares a package with the record for its platform (and package name, when the
/// platform has several).
pub fn check(package: &PackageReport, records: &[Filed]) -> CheckResult {
    let platform = package.platform;
    let candidates: Vec<&Filed> = records
        .iter()
        .filter(|r| r.platform.as_deref().is_none_or(|p| p == platform))
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
            });
        }
        Some(record) => compare(package, record, found_name.as_deref(), &mut differences),
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
    let key_only = package.keystore.is_some() || matches!(package.format, "certificate" | "p12");
    if let Some(filed) = record.package_name.as_ref().filter(|_| !key_only) {
        if Some(filed.as_str()) != found_name {
            differences.push(Difference {
                field: "package_name",
                filed: filed.clone(),
                found: found_name.unwrap_or("(none)").to_string(),
                meaning: "the package name differs: this is another app, or its id changed, which needs its own filing (变更备案)".into(),
            });
        }
    }
    let Some(filing) = &package.filing else {
        let several_keys = package.signers.len() > 1;
        if record.certificate_sha256.is_some() || record.md5.is_some() || record.sha1.is_some() {
            differences.push(Difference {
                field: "signer",
                filed: record
                    .certificate_sha256
                    .clone()
                    .or_else(|| record.md5.clone())
                    .or_else(|| record.sha1.clone())
                    .unwrap_or_default(),
                found: if several_keys { "(several keys)" } else { "(unsigned)" }.into(),
                meaning: if several_keys {
                    "the keystore holds several private keys: pass --alias to choose the one to compare"
                } else {
                    "the package carries no signing certificate: sign it with the filed key"
                }
                .into(),
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
            differences.push(Difference {
                field,
                filed: filed.clone(),
                found,
                meaning: KEY_CHANGED.into(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(records_from_json("{}", "x").is_err());
        assert!(records_from_json(r#"{"packages":[]}"#, "x").is_err());
        assert!(records_from_json("nope", "x").is_err());
    }
}
