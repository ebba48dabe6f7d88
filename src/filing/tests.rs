//! The filing policy at fixed clocks: every validity warning on every platform
//! and input kind, from the bundled samples' certificates and profiles.

use super::{file, preferred_name, DAY};
use crate::cert;
use crate::report::{
    CertificateRole, CertifiedKey, ChainCertificate, Format, PackageReport, Platform, Scheme,
    Signer, WarningCode,
};
use std::path::Path;

const IOS_DISTRIBUTION: &[u8] = include_bytes!("../../samples/keys/ios-distribution.pem");
const HARMONY_RELEASE: &[u8] = include_bytes!("../../samples/keys/harmony-release.pem");

const VALIDITY_CODES: [WarningCode; 5] = [
    WarningCode::CertificateNotYetValid,
    WarningCode::CertificateExpired,
    WarningCode::CertificateExpiring,
    WarningCode::ProfileExpired,
    WarningCode::ProfileExpiring,
];

fn key(pem: &[u8]) -> CertifiedKey {
    let ders = cert::pem_or_der_certificates(pem).unwrap();
    cert::describe(&ders[0]).unwrap()
}

/// A report of the facts a format module would fill for `key` as its signer.
fn built(platform: Platform, format: Format, scheme: Scheme, key: &CertifiedKey) -> PackageReport {
    let mut report = PackageReport::new(Path::new("built"), platform, format);
    report.package_name = Some("com.example.app".into());
    report.signers.push(Signer {
        alias: (scheme == Scheme::Keystore).then(|| "release".to_string()),
        ..Signer::new(scheme, key.clone())
    });
    if format == Format::Certificate {
        report.chain.push(ChainCertificate {
            role: CertificateRole::Leaf,
            key: key.clone(),
        });
    }
    report
}

/// The validity warnings filed at `now`, with their messages.
fn validity(mut report: PackageReport, now: i64) -> Vec<(WarningCode, String)> {
    file(&mut report, now);
    assert!(report.filing.is_some(), "{report:?}");
    report
        .warnings
        .into_iter()
        .filter(|w| VALIDITY_CODES.contains(&w.code))
        .map(|w| (w.code, w.message))
        .collect()
}

/// Before not_before, inside the validity, 29 days before not_after, after it.
fn assert_certificate_rule(make: impl Fn() -> PackageReport, key: &CertifiedKey) {
    let cert = &key.certificate;
    let inside = cert.not_before_unix + (cert.not_after_unix - cert.not_before_unix) / 2;
    let at = |now: i64| validity(make(), now);

    let early = at(cert.not_before_unix - 1);
    assert_eq!(early.len(), 1, "{early:?}");
    assert_eq!(early[0].0, WarningCode::CertificateNotYetValid);
    assert!(early[0].1.contains(&cert.not_before), "{early:?}");

    assert_eq!(at(inside), Vec::new());

    let expiring = at(cert.not_after_unix - 29 * DAY);
    assert_eq!(expiring.len(), 1, "{expiring:?}");
    assert_eq!(expiring[0].0, WarningCode::CertificateExpiring);
    assert!(
        expiring[0]
            .1
            .ends_with(&format!("expires on {}, in 29 days", cert.not_after)),
        "{expiring:?}"
    );
    // 31 days before: no notice yet.
    assert_eq!(at(cert.not_after_unix - 31 * DAY), Vec::new());

    let expired = at(cert.not_after_unix + 1);
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert_eq!(expired[0].0, WarningCode::CertificateExpired);
    assert!(
        expired[0]
            .1
            .ends_with(&format!("expired on {}", cert.not_after)),
        "{expired:?}"
    );
}

#[test]
fn android_apks_and_bundles_follow_the_validity_rule() {
    let key = key(IOS_DISTRIBUTION);
    for format in [Format::Apk, Format::Aab] {
        assert_certificate_rule(|| built(Platform::Android, format, Scheme::V2, &key), &key);
    }
    let message = &validity(
        built(Platform::Android, Format::Apk, Scheme::V2, &key),
        key.certificate.not_after_unix + 1,
    )[0]
    .1;
    assert!(message.starts_with("the v2 signer's certificate expired on"));
}

#[test]
fn android_keystores_follow_the_validity_rule() {
    let key = key(IOS_DISTRIBUTION);
    for format in [Format::Jks, Format::Jceks, Format::Pkcs12Keystore] {
        assert_certificate_rule(
            || built(Platform::Android, format, Scheme::Keystore, &key),
            &key,
        );
    }
}

#[test]
fn ios_signers_follow_the_validity_rule() {
    let key = key(IOS_DISTRIBUTION);
    for format in [Format::Ipa, Format::IosApp] {
        assert_certificate_rule(
            || built(Platform::Ios, format, Scheme::CodeSignature, &key),
            &key,
        );
    }
}

#[test]
fn harmonyos_signers_follow_the_validity_rule() {
    let key = key(HARMONY_RELEASE);
    for format in [Format::Hap, Format::HarmonyAppPack] {
        assert_certificate_rule(
            || built(Platform::Harmonyos, format, Scheme::HapSignature, &key),
            &key,
        );
    }
}

#[test]
fn certificate_files_follow_the_validity_rule_of_their_platform() {
    for (pem, platform) in [
        (IOS_DISTRIBUTION, Platform::Ios),
        (HARMONY_RELEASE, Platform::Harmonyos),
    ] {
        let key = key(pem);
        let make = || {
            built(
                Platform::Unknown,
                Format::Certificate,
                Scheme::Certificate,
                &key,
            )
        };
        let mut report = make();
        file(&mut report, key.certificate.not_before_unix);
        assert_eq!(report.platform, platform);
        assert_certificate_rule(make, &key);
    }
}

/// The profile's expiry codes at fixed clocks around `expires`, read from the sample.
fn assert_profile_rule(sample: &str, expires: i64) {
    let at = |now: i64| {
        let options = crate::Options {
            now: Some(now),
            ..crate::Options::default()
        };
        let report = crate::inspect_path(Path::new(sample), &options).unwrap();
        report
            .warnings
            .into_iter()
            .filter(|w| {
                matches!(
                    w.code,
                    WarningCode::ProfileExpired | WarningCode::ProfileExpiring
                )
            })
            .map(|w| (w.code, w.message))
            .collect::<Vec<_>>()
    };
    assert_eq!(at(expires - 31 * DAY), Vec::new());
    let expiring = at(expires - 29 * DAY);
    assert_eq!(expiring.len(), 1, "{expiring:?}");
    assert_eq!(expiring[0].0, WarningCode::ProfileExpiring);
    assert!(expiring[0].1.starts_with("the profile expires on "));
    assert!(expiring[0].1.ends_with(", in 29 days"), "{expiring:?}");
    let expired = at(expires + 1);
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert_eq!(expired[0].0, WarningCode::ProfileExpired);
    assert!(expired[0].1.starts_with("the profile expired on "));
}

#[test]
fn ios_profiles_expire_by_the_same_rule() {
    // The sample profile's ExpirationDate: 2045-01-01T00:00:00Z.
    assert_profile_rule("samples/ios/sample.mobileprovision", 2_366_841_600);
    assert_profile_rule("samples/ios/sample.ipa", 2_366_841_600);
}

#[test]
fn harmonyos_profiles_expire_by_the_same_rule() {
    let options = crate::Options::default();
    for sample in [
        "samples/harmony/sample-release.p7b",
        "samples/harmony/sample.hap",
    ] {
        let report = crate::inspect_path(Path::new(sample), &options).unwrap();
        let expires = report
            .harmony
            .and_then(|h| h.profile)
            .and_then(|p| p.not_after_unix)
            .unwrap();
        assert_profile_rule(sample, expires);
    }
}

#[test]
fn one_name_order_for_every_platform() {
    let mut labels = std::collections::BTreeMap::new();
    let mut add = |locale: &str| {
        labels.insert(locale.to_string(), locale.to_string());
        preferred_name(&labels).cloned()
    };
    assert_eq!(add("en").as_deref(), None);
    assert_eq!(add("default").as_deref(), Some("default"));
    assert_eq!(add("zh-TW").as_deref(), Some("default"));
    assert_eq!(add("zh").as_deref(), Some("zh"));
    assert_eq!(add("zh-Hans").as_deref(), Some("zh-Hans"));
    assert_eq!(add("zh-Hans-CN").as_deref(), Some("zh-Hans-CN"));
    assert_eq!(add("zh-CN").as_deref(), Some("zh-CN"));
}

#[test]
fn keystores_file_only_their_one_private_key() {
    let key = key(IOS_DISTRIBUTION);
    let mut none = PackageReport::new(Path::new("built"), Platform::Android, Format::Jks);
    file(&mut none, key.certificate.not_before_unix);
    assert!(none.filing.is_none());
    assert_eq!(none.warnings[0].code, WarningCode::NoPrivateKey);

    let mut two = built(Platform::Android, Format::Jks, Scheme::Keystore, &key);
    two.signers.push(Signer {
        alias: Some("androiddebugkey".into()),
        ..Signer::new(Scheme::Keystore, key.clone())
    });
    file(&mut two, key.certificate.not_before_unix);
    assert!(two.filing.is_none());
    let codes: Vec<WarningCode> = two.warnings.iter().map(|w| w.code).collect();
    assert_eq!(
        codes,
        [WarningCode::DebugCertificate, WarningCode::SeveralAliases]
    );
}

/// A v3.1 signer beside a v3 one is called a rotation only when a lineage of two keys or
/// more proves it.
#[test]
fn a_rotation_needs_a_lineage() {
    let old = key(HARMONY_RELEASE);
    let new = key(IOS_DISTRIBUTION);
    let now = new
        .certificate
        .not_before_unix
        .max(old.certificate.not_before_unix);
    let rotation_message = |lineage: Vec<CertifiedKey>| {
        let mut apk = built(Platform::Android, Format::Apk, Scheme::V3, &old);
        apk.signers.push(Signer::new(Scheme::V31, new.clone()));
        apk.schemes = vec![Scheme::V3, Scheme::V31];
        apk.lineage = lineage
            .into_iter()
            .map(|key| crate::report::LineageNode {
                key,
                flags: 0,
                capabilities: Vec::new(),
            })
            .collect();
        file(&mut apk, now);
        let rotation: Vec<String> = apk
            .warnings
            .into_iter()
            .filter(|w| w.code == WarningCode::KeyRotation)
            .map(|w| w.message)
            .collect();
        assert_eq!(rotation.len(), 1, "{rotation:?}");
        rotation[0].clone()
    };
    let none = rotation_message(Vec::new());
    assert!(none.starts_with("a v3.1 signer"), "{none}");
    assert!(none.contains("no certificate in the proof-of-rotation lineage (no rotation from an older key is proven): the filing takes the v3.1 signer"), "{none}");
    assert!(!none.contains("was rotated"), "{none}");
    let one = rotation_message(vec![new.clone()]);
    assert!(
        one.contains("one certificate in the proof-of-rotation lineage"),
        "{one}"
    );
    let two = rotation_message(vec![old.clone(), new.clone()]);
    assert!(
        two.starts_with("the signing key was rotated (2 certificates in the lineage)"),
        "{two}"
    );
}
