//! HarmonyOS provisioning profiles (.p7b): a CMS SignedData whose content is
//! JSON, or the bare JSON of a debug profile.

use crate::cert;
use crate::report::{HarmonyCertificateKind, HarmonyProfile};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;

pub(crate) struct ParsedProfile {
    pub profile: HarmonyProfile,
    pub signed: bool,
}

/// Keys every HarmonyOS profile has some of.
const PROFILE_KEYS: [&str; 5] = [
    "bundle-info",
    "version-name",
    "app-distribution-type",
    "validity",
    "issuer",
];

/// Why a profile cannot be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProfileError {
    #[error("neither a signed profile nor JSON: {0}")]
    Unsigned(cert::SignedContentError),
    #[error("the profile is not JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("the profile's JSON is not an object")]
    NotAnObject,
    #[error("JSON without any of {}: not a HarmonyOS profile", PROFILE_KEYS.join(", "))]
    NoProfileKeys,
}

pub(crate) fn parse(bytes: &[u8]) -> Result<ParsedProfile, ProfileError> {
    let (content, signed_by) = match cert::signed_content(bytes) {
        Ok(found) => found,
        Err(_) if bytes.first() == Some(&b'{') => (bytes.to_vec(), None),
        Err(e) => return Err(ProfileError::Unsigned(e)),
    };
    let json: Value = serde_json::from_slice(&content).map_err(ProfileError::NotJson)?;
    if !json.is_object() {
        return Err(ProfileError::NotAnObject);
    }
    // Any JSON object parses; a profile is one with a profile's keys (Gradle's
    // output-metadata.json, say, has none of them).
    if !PROFILE_KEYS.iter().any(|key| json.get(key).is_some()) {
        return Err(ProfileError::NoProfileKeys);
    }
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let bundle = json.get("bundle-info").cloned().unwrap_or(Value::Null);
    let (certificate_kind, pem) = match (
        text(&bundle, "distribution-certificate"),
        text(&bundle, "development-certificate"),
    ) {
        (Some(pem), _) => (Some(HarmonyCertificateKind::Distribution), Some(pem)),
        (None, Some(pem)) => (Some(HarmonyCertificateKind::Development), Some(pem)),
        _ => (None, None),
    };
    let certificate = pem
        .and_then(|pem| cert::pem_or_der_certificates(pem.as_bytes()))
        .and_then(|ders| ders.into_iter().next())
        .and_then(|der| cert::describe(&der).ok());
    let validity = json.get("validity");
    let seconds = |key: &str| validity.and_then(|v| v.get(key)).and_then(Value::as_i64);
    let date = |secs: Option<i64>| {
        secs.and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
            .and_then(|t| t.format(&Rfc3339).ok())
    };
    let signed = signed_by.is_some();
    Ok(ParsedProfile {
        profile: HarmonyProfile {
            kind: text(&json, "type"),
            app_distribution_type: text(&json, "app-distribution-type"),
            bundle_name: text(&bundle, "bundle-name"),
            developer_id: text(&bundle, "developer-id"),
            app_identifier: text(&bundle, "app-identifier"),
            certificate_kind,
            certificate,
            not_before: date(seconds("not-before")),
            not_after: date(seconds("not-after")),
            uuid: text(&json, "uuid"),
            issuer: text(&json, "issuer"),
            version_name: text(&json, "version-name"),
            version_code: json.get("version-code").and_then(Value::as_u64),
            signed_by,
            not_after_unix: seconds("not-after"),
        },
        signed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_json_profiles() {
        let json = br#"{"type":"debug","uuid":"u-1","validity":{"not-before":0,"not-after":86400},
            "bundle-info":{"bundle-name":"com.example.app","developer-id":"dev"},"version-code":2}"#;
        let p = parse(json).unwrap();
        assert!(!p.signed);
        assert_eq!(p.profile.kind.as_deref(), Some("debug"));
        assert_eq!(p.profile.bundle_name.as_deref(), Some("com.example.app"));
        assert_eq!(p.profile.not_after.as_deref(), Some("1970-01-02T00:00:00Z"));
        assert_eq!(p.profile.version_code, Some(2));
        assert!(p.profile.certificate.is_none());
        assert!(parse(b"[1]").is_err());
        assert!(parse(b"\x30\x00").is_err());
    }
}
