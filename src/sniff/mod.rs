//! Sniffing: what an input is, from its first bytes and, for a zip, the entry names of
//! its central directory. Each rule names one format; the format's module then reads
//! it (`crate::inspect_hint`), and says "not a package" when the content disagrees.

use crate::error::ErrorKind;
use crate::input::{Archive, Shared};
use crate::report::Format;
use crate::{android, ber, cert, harmony, ios, keystore, pkcs7};
use std::path::Path;

/// Files that are not zips (profiles, certificates, PKCS#12 files, keystores) are read
/// whole up to this size; real ones are kilobytes.
pub(crate) const MAX_SMALL_FILE: u64 = 4 << 20;
/// The bytes the first-bytes rules look at.
const HEAD: usize = 16;

/// A package's format, with what sniffing opened on the way: the zip archive, the bytes
/// of a file read whole, nothing for a folder.
pub(crate) enum Hint<'s> {
    Apk(Archive<'s>),
    Aab(Archive<'s>),
    /// An .apks, .xapk or .apkm split set.
    ApkSet(Archive<'s>, Format),
    Hap(Archive<'s>),
    HarmonyAppPack(Archive<'s>),
    Ipa(Archive<'s>),
    /// An unpacked iOS .app folder.
    IosAppDir,
    /// A JKS or JCEKS keystore.
    Jks(Vec<u8>),
    Pkcs12(Vec<u8>),
    /// A PEM or DER certificate file: the certificates' DER.
    Certificates(Vec<Vec<u8>>),
    /// A .mobileprovision: a signed or bare plist.
    AppleProfile(Vec<u8>),
    /// A HarmonyOS .p7b: signed or bare JSON.
    HarmonyProfile(Vec<u8>),
}

/// What the input at `source` is.
pub(crate) fn sniff(source: Shared<'_>) -> Result<Hint<'_>, ErrorKind> {
    let mut head = [0u8; HEAD];
    let head = &mut head[..source.len().min(HEAD as u64) as usize];
    source.read_exact_at(head, 0)?;
    let head = &*head;
    let zip_magic = head.starts_with(b"PK");
    let small_file_magic = head.first() == Some(&0x30)
        || head.starts_with(b"-----")
        || head.starts_with(b"{")
        || ios::property_list::looks_like_plist(head)
        || keystore::is_jks(head);
    if zip_magic || !small_file_magic {
        // Zips may carry bytes before their first entry (a DEX, a stub), so only a
        // file that starts like a zip must open as one.
        match Archive::new(source.clone()) {
            Ok(archive) => return zip(archive),
            Err(ErrorKind::NotZip(why)) if zip_magic => return Err(ErrorKind::NotZip(why)),
            Err(e) if zip_magic => return Err(ErrorKind::NotZip(e.to_string())),
            Err(_) => {}
        }
    }
    let len = source.len();
    if len == 0 {
        return Err(ErrorKind::NotAPackage("an empty file".into()));
    }
    if len > MAX_SMALL_FILE {
        // Only the formats read whole have a size limit: anything else this large (a
        // mapping.txt, a native library) is simply no package.
        return Err(if small_file_magic {
            ErrorKind::FileTooLarge {
                size: len,
                limit: MAX_SMALL_FILE,
            }
        } else {
            ErrorKind::NotAPackage(format!("{} ({len} bytes), {}", what_it_is(head), NOT_ANY))
        });
    }
    let mut bytes = vec![0; len as usize];
    source.read_exact_at(&mut bytes, 0)?;
    small_file(bytes)
}

/// The file extensions that say "this is a package": a file found in a directory under
/// one of these names is a package that could not be read when it is none, never a file
/// to skip. Certificate files (.cer, .pem…) are not among them: a .pem may hold a key.
const PACKAGE_EXTENSIONS: [&str; 17] = [
    "apk",
    "aab",
    "apks",
    "xapk",
    "apkm",
    "ipa",
    "app",
    "hap",
    "hsp",
    "mobileprovision",
    "provisionprofile",
    "p7b",
    "jks",
    "jceks",
    "keystore",
    "p12",
    "pfx",
];

/// Whether `path`'s name claims a package type (`app-release.apk`, `MyApp.app`…).
pub(crate) fn named_like_package(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            PACKAGE_EXTENSIONS
                .iter()
                .any(|claimed| claimed.eq_ignore_ascii_case(extension))
        })
}

const NOT_ANY: &str = "not an APK, AAB, split set, IPA, .app, HAP, .app pack, profile, certificate, PKCS#12 file or keystore";

/// What a large file that is no package looks like, for the error.
fn what_it_is(head: &[u8]) -> &'static str {
    if head.starts_with(b"\x7fELF") {
        "an ELF binary (a native library?)"
    } else if ios::macho::is_macho(head) {
        "a Mach-O binary without its .app"
    } else if head.is_ascii() {
        "a text file"
    } else {
        "a file that is no zip"
    }
}

/// Zip formats by their entry names; HarmonyOS modules also by their signing block.
fn zip(mut archive: Archive<'_>) -> Result<Hint<'_>, ErrorKind> {
    Ok(if archive.contains(android::MANIFEST_ENTRY) {
        Hint::Apk(archive)
    } else if android::aab::is_bundle(&archive) {
        Hint::Aab(archive)
    } else if harmony::is_app_pack(&archive) {
        Hint::HarmonyAppPack(archive)
    } else if harmony::is_hap(&archive) || harmony::has_sign_block(&mut archive) {
        Hint::Hap(archive)
    } else if !ios::bundle::app_roots(&archive).is_empty() {
        Hint::Ipa(archive)
    } else if let Some(format) = android::splits::set_format(&archive) {
        Hint::ApkSet(archive, format)
    } else {
        return Err(ErrorKind::NotAPackage(format!(
            "a zip archive ({} bytes) with no {}, module.json, pack.info, Payload/*.app/Info.plist or *.app/Info.plist",
            archive.file_len(),
            android::MANIFEST_ENTRY
        )));
    })
}

/// Formats read whole, by their magic or, for DER and PEM, by what parses.
fn small_file(bytes: Vec<u8>) -> Result<Hint<'static>, ErrorKind> {
    if keystore::is_jks(&bytes) {
        return Ok(Hint::Jks(bytes));
    }
    if let Some(ders) = cert::pem_or_der_certificates(&bytes) {
        return Ok(Hint::Certificates(ders));
    }
    // Profiles: Apple's hold a plist, HarmonyOS's JSON (or are bare JSON).
    let signed_content = match pkcs7::parse_signed_data(&bytes) {
        Ok(signed) => Some(signed.content),
        // Nesting 48 levels deep is structured BER, not a text file that happens to
        // start with '0': a hostile CMS, so say what broke.
        Err(e @ pkcs7::Pkcs7Error::Ber(ber::BerError::TooDeep)) => {
            return Err(ErrorKind::BadEntry {
                entry: "CMS SignedData".into(),
                reason: e.to_string(),
            })
        }
        Err(_) => None,
    };
    let content = match &signed_content {
        Some(Some(content)) => content.as_slice(),
        _ => bytes.as_slice(),
    };
    if content.trim_ascii_start().starts_with(b"{") {
        return Ok(Hint::HarmonyProfile(bytes));
    }
    if signed_content.is_some() || ios::property_list::looks_like_plist(&bytes) {
        return Ok(Hint::AppleProfile(bytes));
    }
    if bytes.first() == Some(&0x30) && looks_like_pfx(&bytes) {
        return Ok(Hint::Pkcs12(bytes));
    }
    Err(ErrorKind::NotAPackage(NOT_ANY.into()))
}

/// PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, … }
fn looks_like_pfx(bytes: &[u8]) -> bool {
    ber::parse_first(bytes)
        .ok()
        .and_then(|pfx| pfx.children().next())
        .and_then(Result::ok)
        .is_some_and(|version| version.tag == ber::TAG_INTEGER && version.content == [3])
}

/// Apple bundles that hold an Info.plist and an executable but are no app: frameworks,
/// app extensions, plug-ins, test bundles.
const NOT_APP_BUNDLES: [&str; 6] = ["framework", "appex", "bundle", "xctest", "plugin", "xpc"];

/// A folder is an unpacked .app when it holds Info.plist and is one: named `*.app`, or
/// holding the executable its Info.plist names. An Xcode source folder (`MyApp/` with
/// its Info.plist and sources) is neither; a framework (`Pods_MyApp.framework`) is
/// another kind of bundle.
pub(crate) fn directory(dir: &Path) -> Result<Hint<'static>, ErrorKind> {
    if !dir.join(ios::INFO_PLIST).is_file() {
        return Err(ErrorKind::NotAPackage(
            "a directory without Info.plist: not an .app bundle".into(),
        ));
    }
    if let Some(kind) = dir
        .extension()
        .and_then(|extension| extension.to_str())
        .filter(|extension| NOT_APP_BUNDLES.contains(extension))
    {
        return Err(ErrorKind::NotAPackage(format!(
            "a .{kind} bundle, not an .app bundle"
        )));
    }
    if dir.extension().is_some_and(|e| e == "app") || ios::has_executable(dir) {
        return Ok(Hint::IosAppDir);
    }
    Err(ErrorKind::NotAPackage(
        "a directory with an Info.plist but no executable and no .app name: a source folder, not an .app bundle".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_claims_a_package_by_its_extension_only() {
        for claims in [
            "app-release.apk",
            "APP.IPA",
            "entry.app",
            "release.p12",
            "a.b.hap",
        ] {
            assert!(named_like_package(Path::new(claims)), "{claims}");
        }
        for not in [
            "app-release.apk.idsig",
            "apk",
            ".apk",
            "cert.pem",
            "mapping.txt",
        ] {
            assert!(!named_like_package(Path::new(not)), "{not}");
        }
    }
}
