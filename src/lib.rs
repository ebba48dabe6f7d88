//! appfiling reads app packages and reports the values China's APP备案 (app
//! ICP filing) portals ask for: package name, public key and certificate
//! fingerprint, with every signer and the reasons for the one chosen.
//!
//! ```no_run
//! let report = appfiling::inspect_all(&["app-release.apk"], &appfiling::Options::default());
//! println!("{}", serde_json::to_string_pretty(&report).unwrap());
//! ```

pub mod android;
mod archive;
pub mod batch;
mod ber;
mod bytes;
pub mod cert;
mod certfile;
pub mod check;
pub mod detect;
pub mod error;
mod filing;
pub mod harmony;
pub mod ios;
pub mod keystore;
pub mod output;
pub mod pkcs7;
pub mod render;
pub mod report;
pub mod sheet;

pub use error::{Error, ErrorKind};
pub use report::{PackageReport, Report};

use archive::Archive;
use std::io::{Read, Seek};
use std::path::Path;

/// What some inputs need besides their path.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The password of PKCS#12 files.
    pub password: Option<String>,
    /// Also detect SDKs, domains and languages (reads the code: slower).
    pub detect: bool,
    /// The keystore alias to report and file; every alias when `None`.
    pub alias: Option<String>,
    /// The time validity is judged at, in seconds since the Unix epoch; the
    /// system clock, read once per inspection, when `None`.
    pub now: Option<i64>,
}

/// Files that are not zips (profiles, certificates, PKCS#12) are read whole
/// up to this size; real ones are kilobytes.
const MAX_SMALL_FILE: u64 = 4 << 20;

/// Inspects one package with default options.
pub fn inspect(path: &Path) -> Result<PackageReport, Error> {
    inspect_with(path, &Options::default())
}

/// Inspects one package. The format is recognised by content, not by name.
pub fn inspect_with(path: &Path, options: &Options) -> Result<PackageReport, Error> {
    detect_and_inspect(path, options).map_err(|kind| kind.at(path))
}

fn detect_and_inspect(path: &Path, options: &Options) -> Result<PackageReport, ErrorKind> {
    let now = options.now.unwrap_or_else(filing::system_now);
    if path.is_dir() {
        if path.join("Info.plist").is_file() {
            return ios::inspect_app_dir(path, options.detect, now);
        }
        return Err(ErrorKind::NotAPackage(
            "a directory without Info.plist: not an .app bundle".into(),
        ));
    }
    let mut file = archive::open_input(path)?;
    let mut head = [0u8; 16];
    let read = file.read(&mut head)?;
    let head = &head[..read];
    let small_file_magic = head.first() == Some(&0x30)
        || head.starts_with(b"-----")
        || head.starts_with(b"{")
        || ios::property_list::looks_like_plist(head);
    if head.starts_with(b"PK") || !small_file_magic {
        // Zips may carry bytes before their first entry (a DEX, a stub), so only a
        // file that starts like a zip must open as one.
        let opened = match Archive::from_file(file.try_clone()?) {
            Err(ErrorKind::NotZip(why)) if head.starts_with(b"PK") => {
                return Err(ErrorKind::NotZip(why))
            }
            Err(e) if head.starts_with(b"PK") => return Err(ErrorKind::NotZip(e.to_string())),
            opened => opened,
        };
        if let Ok(mut archive) = opened {
            if archive.contains(android::MANIFEST_ENTRY) {
                return android::inspect_apk(path, &mut archive, options.detect, now);
            }
            if android::aab::is_bundle(&archive) {
                return android::aab::inspect_aab(path, &mut archive, now);
            }
            if harmony::is_app_pack(&archive) {
                return harmony::inspect_app_pack(path, &mut archive, options.detect, now);
            }
            if harmony::is_hap(&archive) || harmony::has_sign_block(&mut archive) {
                return harmony::inspect_hap(path, &mut archive, options.detect, now);
            }
            if !ios::bundle::app_roots(&archive).is_empty() {
                return ios::inspect_ipa(path, &mut archive, options.detect, now);
            }
            if let Some(format) = android::splits::set_format(&archive) {
                return android::splits::inspect_set(
                    path,
                    &mut archive,
                    format,
                    options.detect,
                    now,
                );
            }
            return Err(ErrorKind::NotAPackage(format!(
                "a zip archive ({} bytes) with no {}, module.json, pack.info or Payload/*.app/Info.plist",
                archive.file_len(),
                android::MANIFEST_ENTRY
            )));
        }
    }
    let declared = file.metadata()?.len();
    if declared == 0 {
        return Err(ErrorKind::NotAPackage("an empty file".into()));
    }
    if declared > MAX_SMALL_FILE {
        return Err(ErrorKind::FileTooLarge {
            size: declared,
            limit: MAX_SMALL_FILE,
        });
    }
    file.rewind()?;
    let bytes = archive::read_bounded(file, declared, MAX_SMALL_FILE, "file")?;
    if keystore::is_jks(&bytes) {
        return keystore::inspect_jks(
            path,
            &bytes,
            options.password.as_deref(),
            options.alias.as_deref(),
            now,
        );
    }
    if let Some(ders) = cert::pem_or_der_certificates(&bytes) {
        return certfile::inspect_certificates(path, &ders, now);
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
        return harmony::inspect_profile(path, &bytes, now);
    }
    if signed_content.is_some() || ios::property_list::looks_like_plist(&bytes) {
        return ios::inspect_profile(path, &bytes, now);
    }
    if head.first() == Some(&0x30) && looks_like_pfx(&bytes) {
        return keystore::pkcs12::inspect(
            path,
            &bytes,
            options.password.as_deref(),
            options.alias.as_deref(),
            now,
        );
    }
    Err(ErrorKind::NotAPackage(
        "not an APK, AAB, split set, IPA, .app, HAP, .app pack, profile, certificate, PKCS#12 file or keystore".into(),
    ))
}

/// PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, … }
fn looks_like_pfx(bytes: &[u8]) -> bool {
    ber::parse_first(bytes)
        .ok()
        .and_then(|pfx| pfx.children().next())
        .and_then(Result::ok)
        .is_some_and(|version| version.tag == ber::TAG_INTEGER && version.content == [3])
}

/// Inspects every path, one after another on a thread with the workers' stack
/// (`batch::WORKER_STACK_SIZE`); unreadable ones become error entries, never a stop.
pub fn inspect_all<P: AsRef<Path> + Sync>(paths: &[P], options: &Options) -> Report {
    batch::Batch::named(paths)
        .read(options, 1, |_| {})
        .into_report()
}
