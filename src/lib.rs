//! appfiling reads app packages and reports the values China's APP备案 (app
//! ICP filing) portals ask for: package name, public key and certificate
//! fingerprint, with every signer and the reasons for the one chosen.
//!
//! ```no_run
//! let report = appfiling::inspect_all(&["app-release.apk"]);
//! println!("{}", serde_json::to_string_pretty(&report).unwrap());
//! ```

pub mod android;
mod archive;
mod ber;
mod bytes;
pub mod cert;
pub mod error;
pub mod pkcs7;
pub mod render;
pub mod report;

pub use error::{Error, ErrorKind};
pub use report::{PackageReport, Report};

use archive::Archive;
use std::path::Path;

/// Inspects one package. The format is recognised by content, not by name.
pub fn inspect(path: &Path) -> Result<PackageReport, Error> {
    let mut archive = Archive::open(path).map_err(|kind| kind.at(path))?;
    if archive.contains(android::MANIFEST_ENTRY) {
        return android::inspect_apk(path, &mut archive).map_err(|kind| kind.at(path));
    }
    Err(ErrorKind::NotAndroid(format!(
        "a zip archive ({} bytes) without {}: not an APK",
        archive.file_len(),
        android::MANIFEST_ENTRY
    ))
    .at(path))
}

/// Inspects every path; unreadable ones become error entries, never a stop.
pub fn inspect_all<P: AsRef<Path>>(paths: &[P]) -> Report {
    let mut report = Report {
        schema_version: report::SCHEMA_VERSION,
        packages: Vec::new(),
        errors: Vec::new(),
    };
    for path in paths {
        match inspect(path.as_ref()) {
            Ok(package) => report.packages.push(package),
            Err(e) => report.errors.push(report::ErrorEntry {
                path: e.path.display().to_string(),
                code: e.kind.code().to_string(),
                message: e.to_string(),
            }),
        }
    }
    report
}
