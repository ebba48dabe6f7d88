//! Android: the signer an APK or bundle files, and a keystore's signing key.

use super::{certificate_validity, set_filing, ANDROID};
use crate::report::{Format, PackageReport, Scheme, Signer, Warning, WarningCode};
use std::collections::{HashMap, HashSet};

/// Schemes in the order current Android versions prefer them.
const PREFERENCE: [Scheme; 4] = [Scheme::V31, Scheme::V3, Scheme::V2, Scheme::V1];

/// Fills `report.filing` and adds signer warnings; a bundle files its upload key.
pub(super) fn choose(report: &mut PackageReport, now: i64) {
    choose_signer(report, now);
    if report.format == Format::Aab {
        if let Some(filing) = &mut report.filing {
            filing.reason = "the bundle's JAR signer: the upload key".into();
        }
        if !report.signers.is_empty() {
            report.warnings.push(Warning::new(
                WarningCode::PlayAppSigning,
                "an app bundle is signed with the upload key: with Google Play App Signing, the installed app carries Google's app-signing key, and that is the certificate to file (Play Console → Test and release → App integrity → App signing key certificate: MD5, SHA-1, SHA-256); file these values only if you sign and distribute the APKs yourself",
            ));
        }
    }
}

/// The alias Android's debug keystore uses.
const DEBUG_ALIAS: &str = "androiddebugkey";

/// A keystore files its signing key when it holds exactly one private key (or
/// `--alias` chose one); with several, the filer must choose.
pub(super) fn keystore(report: &mut PackageReport, now: i64) {
    let mut warnings = Vec::new();
    for signer in &report.signers {
        let alias = signer.alias.as_deref().unwrap_or_default();
        if alias.eq_ignore_ascii_case(DEBUG_ALIAS)
            || signer.key.certificate.subject.contains("CN=Android Debug")
        {
            warnings.push(Warning::new(
                WarningCode::DebugCertificate,
                format!(
                    "alias {alias} is Android's debug key: debug builds are not valid for filing"
                ),
            ));
        }
    }
    match report.signers.as_slice() {
        [] => warnings.push(Warning::new(
            WarningCode::NoPrivateKey,
            "no private-key entry: nothing in this keystore can sign an app",
        )),
        [chosen] => {
            let chosen = chosen.clone();
            let alias = chosen.alias.as_deref().unwrap_or_default();
            let reason = format!("the keystore's only private key, alias {alias}");
            let what = format!("the certificate of alias {alias}");
            warnings.extend(certificate_validity(&what, &chosen.key.certificate, now));
            set_filing(report, &ANDROID, &chosen, reason, warnings);
            return;
        }
        several => {
            let aliases: Vec<&str> = several.iter().filter_map(|s| s.alias.as_deref()).collect();
            warnings.push(Warning::new(
                WarningCode::SeveralAliases,
                format!(
                    "{} private keys ({}): pass --alias to choose the one the app is signed with; each is listed",
                    several.len(),
                    aliases.join(", ")
                ),
            ));
        }
    }
    report.warnings.extend(warnings);
}

fn choose_signer(report: &mut PackageReport, now: i64) {
    let mut warnings = Vec::new();

    if report.signers.is_empty() {
        warnings.push(Warning::new(
            WarningCode::Unsigned,
            "no signer found: an unsigned APK cannot be installed or filed; sign the release build first",
        ));
        report.warnings.extend(warnings);
        return;
    }

    let Some((scheme, chosen)) = PREFERENCE.iter().find_map(|scheme| {
        // The first signer of the newest scheme; among v3/v3.1 signers, the one
        // for the newest platform (highest maxSdk).
        let mut best: Option<&Signer> = None;
        for signer in report.signers.iter().filter(|s| s.scheme == *scheme) {
            if best.is_none_or(|b| signer.max_sdk > b.max_sdk) {
                best = Some(signer);
            }
        }
        best.map(|s| (*scheme, s.clone()))
    }) else {
        return;
    };

    let mut reason = format!(
        "{} signer: current Android versions verify the newest scheme present (v3.1, then v3, v2, v1)",
        scheme.name()
    );
    if scheme == Scheme::V31 {
        reason.push_str(&format!(
            "; Android {}+ uses this rotated key, older versions the v3 key",
            report
                .rotation_min_sdk
                .map_or("13".into(), |sdk| format!("SDK {sdk}"))
        ));
    }
    let chosen_sha = chosen.key.certificate.sha256.clone();
    let others: Vec<&Signer> = report
        .signers
        .iter()
        .filter(|s| s.key.certificate.sha256 != chosen_sha)
        .collect();
    // Keyed by certificate: linear in the signers, however many a file holds.
    let lineage: HashSet<&str> = report
        .lineage
        .iter()
        .map(|n| n.key.certificate.sha256.as_str())
        .collect();
    let mut differing: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut differing_at: HashMap<&str, usize> = HashMap::new();
    for other in &others {
        let sha = other.key.certificate.sha256.as_str();
        match differing_at.get(sha) {
            Some(&at) => {
                let schemes = &mut differing[at].1;
                if !schemes.contains(&other.scheme.name()) {
                    schemes.push(other.scheme.name());
                }
            }
            None => {
                differing_at.insert(sha, differing.len());
                differing.push((sha, vec![other.scheme.name()]));
            }
        }
    }
    for (sha, schemes) in &differing {
        let older = lineage.contains(sha);
        let note = if older {
            ", an older key in the rotation lineage"
        } else {
            ""
        };
        reason.push_str(&format!(
            "; the {} signer differs (SHA-256 {sha}{note})",
            schemes.join("/")
        ));
    }
    let in_lineage = |s: &&Signer| lineage.contains(s.key.certificate.sha256.as_str());
    let rotated = report.lineage.len() > 1 || report.schemes.contains(&Scheme::V31);
    if rotated || (!others.is_empty() && others.iter().all(in_lineage)) {
        // A rotation is proven by a lineage of two keys or more; a v3.1 block alone is not one.
        let what = match report.lineage.len() {
            n @ 2.. => format!("the signing key was rotated ({n} certificates in the lineage)"),
            n => format!(
                "a v3.1 signer (a key for newer Android versions), but {} in the proof-of-rotation lineage (no rotation from an older key is proven)",
                if n == 0 { "no certificate" } else { "one certificate" }
            ),
        };
        warnings.push(Warning::new(
            WarningCode::KeyRotation,
            format!(
                "{what}: the filing takes the {} signer; \
                 if the app was filed with another key, the filing must be updated (变更备案)",
                scheme.name()
            ),
        ));
    }
    let unexplained: Vec<&&Signer> = others.iter().filter(|s| !in_lineage(s)).collect();
    let mut distinct: Vec<&str> = unexplained
        .iter()
        .map(|s| s.key.certificate.sha256.as_str())
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    if !distinct.is_empty() {
        warnings.push(Warning::new(
            WarningCode::MultipleSigners,
            format!(
                "{} distinct signing certificates: the portal takes one; the {} signer (SHA-256 {chosen_sha}) is filed. \
                 Make sure it is the key your app store installs",
                distinct.len() + 1,
                scheme.name()
            ),
        ));
    }

    // Bundles are always JAR-signed: Play signs the APKs it makes from them.
    if report.format == Format::Apk
        && report.schemes.iter().all(|s| *s == Scheme::V1)
        && report.target_sdk.is_some_and(|t| t >= 30)
    {
        warnings.push(Warning::new(
            WarningCode::V1OnlyTarget30,
            "signed with v1 (JAR) only while targetSdk ≥ 30: Android 11+ refuses to install it; sign with v2 or later",
        ));
    }

    // Android before 7.0 (SDK 24) knows only JAR signatures.
    let block_signed = report
        .schemes
        .iter()
        .any(|s| matches!(s, Scheme::V2 | Scheme::V3 | Scheme::V31));
    let min_sdk = report.min_sdk.unwrap_or(1);
    if report.format == Format::Apk
        && block_signed
        && !report.schemes.contains(&Scheme::V1)
        && min_sdk < 24
    {
        warnings.push(Warning::new(
            WarningCode::NoV1BelowSdk24,
            format!(
                "signed without v1 (JAR) while minSdk is {min_sdk}: Android 6 and older (SDK < 24) refuse to install it; sign with v1 too, or raise minSdk to 24"
            ),
        ));
    }

    let mut seen = HashSet::new();
    for signer in &report.signers {
        let cert = &signer.key.certificate;
        if !seen.insert(&cert.sha256) {
            continue;
        }
        if cert.subject.contains("CN=Android Debug") {
            warnings.push(Warning::new(
                WarningCode::DebugCertificate,
                format!(
                    "the {} signer is the Android debug certificate ({}): debug builds are not valid for filing",
                    signer.scheme.name(),
                    cert.subject
                ),
            ));
        }
        let what = format!("the {} signer's certificate", signer.scheme.name());
        warnings.extend(certificate_validity(&what, cert, now));
    }

    set_filing(report, &ANDROID, &chosen, reason, warnings);
}
