//! The warning codes: one list, serialised to the strings of the JSON contract
//! (docs/json.md "Warning codes", kept in step by a test).

use serde::{Serialize, Serializer};

macro_rules! warning_codes {
    ($($variant:ident => $code:literal,)*) => {
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
        }
    };
}

warning_codes! {
    Unsigned => "unsigned",
    DebugCertificate => "debug_certificate",
    Debuggable => "debuggable",
    CertificateExpired => "certificate_expired",
    CertificateNotYetValid => "certificate_not_yet_valid",
    MultipleSigners => "multiple_signers",
    KeyRotation => "key_rotation",
    LineageTooLong => "lineage_too_long",
    TooManySigners => "too_many_signers",
    V1OnlyTarget30 => "v1_only_target_30",
    NoV1BelowSdk24 => "no_v1_below_sdk_24",
    EcKey => "ec_key",
    DsaKey => "dsa_key",
    NoModulus => "no_modulus",
    LabelUnresolved => "label_unresolved",
    ResourcesUnreadable => "resources_unreadable",
    SigningBlockMalformed => "signing_block_malformed",
    V1SignatureUnreadable => "v1_signature_unreadable",
    V2BlockMalformed => "v2_block_malformed",
    V3BlockMalformed => "v3_block_malformed",
    V31BlockMalformed => "v31_block_malformed",
    SourceStampMalformed => "source_stamp_malformed",
    CertificateUnreadable => "certificate_unreadable",
    DevelopmentCertificate => "development_certificate",
    DevelopmentProfile => "development_profile",
    AdHocProfile => "ad_hoc_profile",
    EnterpriseProfile => "enterprise_profile",
    CertificateExpiring => "certificate_expiring",
    ProfileExpired => "profile_expired",
    ProfileExpiring => "profile_expiring",
    SignerNotInProfile => "signer_not_in_profile",
    BundleIdMismatch => "bundle_id_mismatch",
    AppStoreEncrypted => "app_store_encrypted",
    AppleSigner => "apple_signer",
    ExecutableMissing => "executable_missing",
    ExecutableUnreadable => "executable_unreadable",
    CodeSignatureUnreadable => "code_signature_unreadable",
    AdHocSignature => "ad_hoc_signature",
    SignerNotFound => "signer_not_found",
    ProfileUnreadable => "profile_unreadable",
    ProfileUnsigned => "profile_unsigned",
    ExecutableOutsideBundle => "executable_outside_bundle",
    ExtensionUnreadable => "extension_unreadable",
    SeveralApps => "several_apps",
    PlatformUnknown => "platform_unknown",
    NoPrivateKey => "no_private_key",
    DebugProfile => "debug_profile",
    BundleNameMismatch => "bundle_name_mismatch",
    AppgalleryResigns => "appgallery_resigns",
    ModuleMissing => "module_missing",
    ModuleUnreadable => "module_unreadable",
    PackUnsigned => "pack_unsigned",
    SignatureUnreadable => "signature_unreadable",
    PlayAppSigning => "play_app_signing",
    SplitApk => "split_apk",
    SplitSignerMismatch => "split_signer_mismatch",
    SplitPackageMismatch => "split_package_mismatch",
    ApkUnreadable => "apk_unreadable",
    KeystoreIntegrityUnchecked => "keystore_integrity_unchecked",
    KeystorePartlyRead => "keystore_partly_read",
    SeveralAliases => "several_aliases",
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
