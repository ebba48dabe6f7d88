//! Provisioning profiles (.mobileprovision, .provisionprofile): a CMS SignedData,
//! often BER, whose content is an XML plist. Unsigned plists are read too.

use super::property_list::{dictionary, string, PlistError};
use crate::cert;
use crate::report::{CertifiedKey, Profile, ProfileKind};
use plist::{Dictionary, Value};
use time::format_description::well_known::Rfc3339;

/// A parsed profile, and whether its CMS wrapper was present.
pub(crate) struct ParsedProfile {
    pub profile: Profile,
    pub signed: bool,
    /// Certificates that did not parse, as messages for warnings.
    pub unreadable: Vec<String>,
}

/// `Refused` when the file is a profile's plist that is not read (past a limit).
/// Keys every provisioning profile has some of.
const PROFILE_KEYS: [&str; 6] = [
    "UUID",
    "DeveloperCertificates",
    "Entitlements",
    "ExpirationDate",
    "TeamIdentifier",
    "ApplicationIdentifierPrefix",
];

pub(crate) fn parse(bytes: &[u8]) -> Result<ParsedProfile, PlistError> {
    if bytes.is_empty() {
        return Err(PlistError::Invalid("empty file".into()));
    }
    let (content, signed_by) = match cert::signed_content(bytes) {
        Ok(found) => found,
        // Unsigned profiles are plain plists.
        Err(_) if super::property_list::looks_like_plist(bytes) => (bytes.to_vec(), None),
        Err(e) => {
            return Err(PlistError::Invalid(format!(
                "neither a signed profile nor a plist: {e}"
            )))
        }
    };
    // A bare plist past the limits is not known to be a profile (a large build plist found
    // in a directory); a signed one is, and is refused as such.
    let dict = dictionary(&content).map_err(|e| match e {
        PlistError::Refused(reason) if signed_by.is_none() => PlistError::Invalid(reason),
        e => e,
    })?;
    // Any plist parses; a profile is one with a profile's keys (Xcode's
    // ExportOptions.plist, say, has none of them).
    if !PROFILE_KEYS.iter().any(|key| dict.contains_key(key)) {
        return Err(PlistError::Invalid(format!(
            "a property list without any of {}: not a provisioning profile",
            PROFILE_KEYS.join(", ")
        )));
    }
    let signed = signed_by.is_some();
    let (profile, unreadable) = from_dictionary(&dict, signed_by);
    Ok(ParsedProfile {
        profile,
        signed,
        unreadable,
    })
}

fn date(dict: &Dictionary, key: &str) -> (Option<String>, Option<i64>) {
    match dict.get(key).and_then(Value::as_date) {
        Some(d) => {
            let t: std::time::SystemTime = d.into();
            let t = time::OffsetDateTime::from(t);
            (t.format(&Rfc3339).ok(), Some(t.unix_timestamp()))
        }
        None => (None, None),
    }
}

fn string_list(dict: &Dictionary, key: &str) -> Vec<String> {
    dict.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_string)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn from_dictionary(
    dict: &Dictionary,
    signed_by: Option<crate::report::Certificate>,
) -> (Profile, Vec<String>) {
    let entitlements = dict.get("Entitlements").and_then(Value::as_dictionary);
    let entitlement = |key: &str| entitlements.and_then(|e| e.get(key));
    let get_task_allow = entitlement("get-task-allow").and_then(Value::as_boolean);
    let devices = dict
        .get("ProvisionedDevices")
        .and_then(Value::as_array)
        .map(Vec::len);
    let all_devices = dict.get("ProvisionsAllDevices").and_then(Value::as_boolean) == Some(true);
    let kind = if all_devices {
        ProfileKind::Enterprise
    } else if devices.is_some() {
        if get_task_allow == Some(true) {
            ProfileKind::Development
        } else {
            ProfileKind::AdHoc
        }
    } else if get_task_allow == Some(true) {
        ProfileKind::Development
    } else {
        ProfileKind::AppStore
    };
    let mut developer_certificates: Vec<CertifiedKey> = Vec::new();
    let mut unreadable = Vec::new();
    for (i, data) in dict
        .get("DeveloperCertificates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        match data.as_data().map(cert::describe) {
            Some(Ok(key)) => developer_certificates.push(key),
            Some(Err(e)) => unreadable.push(format!("DeveloperCertificates[{i}]: {e}")),
            None => unreadable.push(format!("DeveloperCertificates[{i}] is not data")),
        }
    }
    let (creation_date, _) = date(dict, "CreationDate");
    let (expiration_date, expiration_unix) = date(dict, "ExpirationDate");
    let profile = Profile {
        name: string(dict, "Name"),
        uuid: string(dict, "UUID"),
        team_identifier: string_list(dict, "TeamIdentifier"),
        team_name: string(dict, "TeamName"),
        app_id_name: string(dict, "AppIDName"),
        application_identifier: entitlement("application-identifier")
            .or_else(|| entitlement("com.apple.application-identifier"))
            .and_then(Value::as_string)
            .map(str::to_string),
        get_task_allow,
        aps_environment: entitlement("aps-environment")
            .or_else(|| entitlement("com.apple.developer.aps-environment"))
            .and_then(Value::as_string)
            .map(str::to_string),
        creation_date,
        expiration_date,
        kind,
        provisioned_devices: devices.unwrap_or(0),
        platforms: string_list(dict, "Platform"),
        developer_certificates,
        signed_by,
        expiration_unix,
    };
    (profile, unreadable)
}

/// The bundle id an application-identifier names: "TEAMID.com.example.app" → "com.example.app".
pub(crate) fn bundle_id_of(application_identifier: &str) -> &str {
    application_identifier
        .split_once('.')
        .map_or(application_identifier, |(_, rest)| rest)
}

/// Whether a profile's application-identifier (which may end in `*`) covers `bundle_id`.
pub(crate) fn covers(application_identifier: &str, bundle_id: &str) -> bool {
    let pattern = bundle_id_of(application_identifier);
    match pattern.strip_suffix('*') {
        Some(prefix) => bundle_id.starts_with(prefix),
        None => pattern == bundle_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile_plist(extra: &[(&str, Value)]) -> Vec<u8> {
        let mut entitlements = Dictionary::new();
        entitlements.insert(
            "application-identifier".into(),
            Value::String("ABCDE12345.com.example.app".into()),
        );
        let mut dict = Dictionary::new();
        dict.insert("Name".into(), Value::String("Example".into()));
        dict.insert("Entitlements".into(), Value::Dictionary(entitlements));
        for (k, v) in extra {
            dict.insert((*k).into(), v.clone());
        }
        let mut out = Vec::new();
        Value::Dictionary(dict).to_writer_xml(&mut out).unwrap();
        out
    }

    #[test]
    fn classifies_the_four_kinds() {
        let devices = Value::Array(vec![Value::String("00008030-0000".into())]);
        let kind =
            |extra: &[(&str, Value)]| parse(&profile_plist(extra)).unwrap().profile.kind.as_str();
        assert_eq!(kind(&[]), "app-store");
        assert_eq!(kind(&[("ProvisionedDevices", devices.clone())]), "ad-hoc");
        assert_eq!(
            kind(&[("ProvisionsAllDevices", Value::Boolean(true))]),
            "enterprise"
        );
        let mut with_debug = profile_plist(&[("ProvisionedDevices", devices)]);
        let text = String::from_utf8(with_debug.clone()).unwrap().replace(
            "<key>application-identifier</key>",
            "<key>get-task-allow</key><true/><key>application-identifier</key>",
        );
        with_debug = text.into_bytes();
        let parsed = parse(&with_debug).unwrap();
        assert_eq!(parsed.profile.kind, ProfileKind::Development);
        assert!(!parsed.signed);
        assert_eq!(
            parsed.profile.application_identifier.as_deref(),
            Some("ABCDE12345.com.example.app")
        );
    }

    #[test]
    fn application_identifier_patterns() {
        assert!(covers("ABCDE12345.com.example.app", "com.example.app"));
        assert!(!covers("ABCDE12345.com.example.app", "com.example.app2"));
        assert!(covers("ABCDE12345.com.example.*", "com.example.app"));
        assert!(covers("ABCDE12345.*", "anything"));
        assert_eq!(
            bundle_id_of("ABCDE12345.com.example.app"),
            "com.example.app"
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"").is_err());
        assert!(parse(b"\x30\x03\x02\x01\x01").is_err());
        assert!(parse(b"<?xml version=\"1.0\"?><plist><array/></plist>").is_err());
    }
}
