//! The warning codes: one list, serialised to the strings of the JSON contract
//! (docs/json.md "Warning codes", kept in step by a test).

use serde::{Serialize, Serializer};

/// How much a warning weighs on the filing, most serious first (the order of `Ord`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The value would be refused: a debug, development or expired certificate or
    /// profile, or no signature at all. Not valid for filing.
    NotValid,
    /// The value may not be the one to file: look before filing (another signer, a
    /// store that re-signs, a key without modulus, an expiry close by…).
    Review,
    /// Part of the package could not be read; the values shown still hold.
    Info,
}

impl Severity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::NotValid => "not_valid",
            Severity::Review => "review",
            Severity::Info => "info",
        }
    }
}

macro_rules! warning_codes {
    ($($variant:ident => $code:literal : $severity:ident,)*) => {
        /// Why a package deserves a second look: the stable `code` of a warning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum WarningCode {
            $($variant,)*
        }

        impl WarningCode {
            /// Every code, in the order of docs/json.md.
            pub const ALL: &'static [WarningCode] = &[$(WarningCode::$variant,)*];

            /// The code as the JSON carries it, e.g. `"certificate_expired"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(WarningCode::$variant => $code,)*
                }
            }

            /// How much the warning weighs on the filing.
            pub const fn severity(self) -> Severity {
                match self {
                    $(WarningCode::$variant => Severity::$severity,)*
                }
            }
        }
    };
}

warning_codes! {
    Unsigned => "unsigned" : NotValid,
    DebugCertificate => "debug_certificate" : NotValid,
    Debuggable => "debuggable" : Review,
    CertificateExpired => "certificate_expired" : NotValid,
    CertificateNotYetValid => "certificate_not_yet_valid" : NotValid,
    MultipleSigners => "multiple_signers" : Review,
    KeyRotation => "key_rotation" : Review,
    LineageTooLong => "lineage_too_long" : Info,
    TooManySigners => "too_many_signers" : Info,
    V1OnlyTarget30 => "v1_only_target_30" : Review,
    NoV1BelowSdk24 => "no_v1_below_sdk_24" : Review,
    EcKey => "ec_key" : Review,
    DsaKey => "dsa_key" : Review,
    NoModulus => "no_modulus" : Review,
    LabelUnresolved => "label_unresolved" : Info,
    ResourcesUnreadable => "resources_unreadable" : Info,
    SigningBlockMalformed => "signing_block_malformed" : Info,
    V1SignatureUnreadable => "v1_signature_unreadable" : Info,
    V2BlockMalformed => "v2_block_malformed" : Info,
    V3BlockMalformed => "v3_block_malformed" : Info,
    V31BlockMalformed => "v31_block_malformed" : Info,
    SourceStampMalformed => "source_stamp_malformed" : Info,
    CertificateUnreadable => "certificate_unreadable" : Info,
    DevelopmentCertificate => "development_certificate" : NotValid,
    DevelopmentProfile => "development_profile" : NotValid,
    AdHocProfile => "ad_hoc_profile" : Review,
    EnterpriseProfile => "enterprise_profile" : Review,
    CertificateExpiring => "certificate_expiring" : Review,
    ProfileExpired => "profile_expired" : NotValid,
    ProfileExpiring => "profile_expiring" : Review,
    SignerNotInProfile => "signer_not_in_profile" : Review,
    BundleIdMismatch => "bundle_id_mismatch" : Review,
    AppStoreEncrypted => "app_store_encrypted" : Review,
    AppleSigner => "apple_signer" : NotValid,
    ExecutableMissing => "executable_missing" : Review,
    ExecutableUnreadable => "executable_unreadable" : Info,
    CodeSignatureUnreadable => "code_signature_unreadable" : Info,
    AdHocSignature => "ad_hoc_signature" : NotValid,
    SignerNotFound => "signer_not_found" : Review,
    ProfileUnreadable => "profile_unreadable" : Info,
    ProfileUnsigned => "profile_unsigned" : Info,
    ExecutableOutsideBundle => "executable_outside_bundle" : Info,
    ExtensionUnreadable => "extension_unreadable" : Info,
    SeveralApps => "several_apps" : Review,
    PlatformUnknown => "platform_unknown" : Review,
    NoPrivateKey => "no_private_key" : Info,
    DebugProfile => "debug_profile" : NotValid,
    BundleNameMismatch => "bundle_name_mismatch" : Review,
    AppgalleryResigns => "appgallery_resigns" : Review,
    ModuleMissing => "module_missing" : Info,
    ModuleUnreadable => "module_unreadable" : Info,
    PackUnsigned => "pack_unsigned" : Review,
    SignatureUnreadable => "signature_unreadable" : Info,
    PlayAppSigning => "play_app_signing" : Review,
    SplitApk => "split_apk" : Review,
    SplitSignerMismatch => "split_signer_mismatch" : Review,
    SplitPackageMismatch => "split_package_mismatch" : Review,
    ApkUnreadable => "apk_unreadable" : Info,
    KeystoreIntegrityUnchecked => "keystore_integrity_unchecked" : Info,
    KeystorePartlyRead => "keystore_partly_read" : Info,
    SeveralAliases => "several_aliases" : Review,
}

impl std::fmt::Display for WarningCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for WarningCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::WarningCode;

    /// The codes of the "Warning codes" table in docs/json.md, in its order.
    fn documented() -> Vec<String> {
        let doc = include_str!("../../docs/json.md");
        let table = doc
            .split("## Warning codes")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap_or_default();
        table
            .lines()
            .filter_map(|line| line.strip_prefix("| "))
            .filter_map(|line| line.split(" | ").next())
            .flat_map(|cell| cell.split(", "))
            .filter_map(|code| code.strip_prefix('`')?.strip_suffix('`'))
            .map(str::to_string)
            .collect()
    }

    /// The codes docs/json.md lists under one severity, in its order.
    fn documented_with(severity: &str) -> Vec<String> {
        let doc = include_str!("../../docs/json.md");
        let line = doc
            .split("## Warning severity")
            .nth(1)
            .and_then(|rest| rest.split(&format!("- `{severity}`:")).nth(1))
            .and_then(|rest| rest.split("\n- ").next())
            .unwrap_or_default();
        line.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn docs_give_each_code_its_severity() {
        for severity in [super::Severity::NotValid, super::Severity::Info] {
            let coded: Vec<&str> = WarningCode::ALL
                .iter()
                .filter(|c| c.severity() == severity)
                .map(|c| c.as_str())
                .collect();
            assert!(coded.len() > 5, "{severity:?}");
            assert_eq!(
                coded,
                documented_with(severity.as_str()),
                "docs/json.md's {severity:?} list"
            );
        }
    }

    #[test]
    fn docs_list_exactly_the_warning_codes() {
        let listed: Vec<&str> = WarningCode::ALL.iter().map(|c| c.as_str()).collect();
        let documented = documented();
        assert!(
            documented.len() > 40,
            "the table was not found: {documented:?}"
        );
        assert_eq!(
            listed, documented,
            "docs/json.md's warning table and WarningCode::ALL must list the same codes in the same order"
        );
    }
}
