//! The closed sets of the model: platforms, formats, roles and kinds. Each is an
//! enum that serialises to the string of the JSON contract (docs/json.md).

use serde::{Serialize, Serializer};

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// The value as the JSON carries it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// Whose filing rules apply.
    Platform {
        Android => "android",
        Ios => "ios",
        Harmonyos => "harmonyos",
        /// A certificate whose issuer tells no platform.
        Unknown => "unknown",
    }
}

impl Platform {
    /// The platform as the text report and the sheets name it, with the portals' word.
    pub fn display_name(self) -> &'static str {
        match self {
            Platform::Android => "Android (安卓)",
            Platform::Ios => "iOS (苹果)",
            Platform::Harmonyos => "HarmonyOS (鸿蒙)",
            Platform::Unknown => "unknown platform (平台未知)",
        }
    }
}

string_enum! {
    /// What kind of file a report was read from.
    Format {
        Apk => "apk",
        Aab => "aab",
        Apks => "apks",
        Xapk => "xapk",
        Apkm => "apkm",
        Jks => "jks",
        Jceks => "jceks",
        /// A Java PKCS#12 keystore of Android keys.
        Pkcs12Keystore => "pkcs12",
        Ipa => "ipa",
        /// An iOS `.app` bundle (a directory).
        IosApp => "app",
        Mobileprovision => "mobileprovision",
        Hap => "hap",
        Hsp => "hsp",
        /// A HarmonyOS `.app` pack of HAPs: "app" in the JSON, as the file's extension.
        HarmonyAppPack => "app",
        /// A HarmonyOS profile (.p7b or bare JSON).
        P7b => "p7b",
        /// A certificate file (.cer, .der, .pem).
        Certificate => "certificate",
        /// An Apple or Huawei PKCS#12 file.
        P12 => "p12",
    }
}

impl Format {
    /// Files that hold keys or certificates only: no package name, no app.
    pub fn is_key_only(self) -> bool {
        matches!(
            self,
            Format::Certificate
                | Format::P12
                | Format::Jks
                | Format::Jceks
                | Format::Pkcs12Keystore
        )
    }
}

string_enum! {
    /// A certificate's place in its set, found by issuer/subject linkage.
    CertificateRole {
        Leaf => "leaf",
        Intermediate => "intermediate",
        Root => "root",
        /// It does not parse.
        Unknown => "unknown",
    }
}

string_enum! {
    /// An Apple provisioning profile's kind.
    ProfileKind {
        AppStore => "app-store",
        AdHoc => "ad-hoc",
        Enterprise => "enterprise",
        Development => "development",
    }
}

string_enum! {
    /// Which certificate a HarmonyOS profile's bundle-info carries.
    HarmonyCertificateKind {
        Distribution => "distribution",
        Development => "development",
    }
}

string_enum! {
    /// A HarmonyOS module's model: module.json or config.json.
    HarmonyModel {
        Stage => "stage",
        Fa => "fa",
    }
}

string_enum! {
    /// A Java keystore's container.
    KeystoreKind {
        Jks => "jks",
        Jceks => "jceks",
        Pkcs12 => "pkcs12",
    }
}

impl KeystoreKind {
    pub fn format(self) -> Format {
        match self {
            KeystoreKind::Jks => Format::Jks,
            KeystoreKind::Jceks => Format::Jceks,
            KeystoreKind::Pkcs12 => Format::Pkcs12Keystore,
        }
    }
}

string_enum! {
    /// Whether a keystore's password checked its integrity.
    KeystoreIntegrity {
        Verified => "verified",
        Unchecked => "unchecked",
    }
}

string_enum! {
    /// What a keystore entry holds.
    KeystoreEntryKind {
        PrivateKey => "private_key",
        TrustedCertificate => "trusted_certificate",
        SecretKey => "secret_key",
    }
}

string_enum! {
    /// How the filed 公钥 is written.
    PublicKeyFormat {
        /// An RSA modulus in decimal (Android, as jadx prints it).
        Decimal => "decimal",
        /// An RSA modulus in hex (iOS, HarmonyOS).
        Hex => "hex",
        /// An EC point 04‖X‖Y in hex.
        EcPoint => "ec_point",
    }
}

string_enum! {
    /// Which hash the 签名MD5值 field holds.
    FingerprintAlgorithm {
        Md5 => "md5",
        Sha1 => "sha1",
    }
}

/// A public key's algorithm: "RSA", "EC", "DSA", or the key's OID when unknown.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    Rsa,
    Ec,
    Dsa,
    /// The SubjectPublicKeyInfo's algorithm OID, dotted.
    Other(String),
}

impl KeyAlgorithm {
    pub fn as_str(&self) -> &str {
        match self {
            KeyAlgorithm::Rsa => "RSA",
            KeyAlgorithm::Ec => "EC",
            KeyAlgorithm::Dsa => "DSA",
            KeyAlgorithm::Other(oid) => oid,
        }
    }
}

impl std::fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for KeyAlgorithm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
