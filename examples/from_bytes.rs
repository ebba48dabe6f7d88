//! The library on its own (`default-features = false`): inspects a package held in
//! memory and prints its package name and 签名MD5值.
//!
//!   cargo run --example from_bytes --no-default-features -- app-release.apk

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: from_bytes PACKAGE")?;
    let bytes = std::fs::read(&path)?;
    let report = appfiling::inspect_bytes(&path, &bytes, &appfiling::Options::default())?;
    let filing = report.filing.ok_or("no signer to file")?;
    println!("{}", filing.package_name.unwrap_or_default());
    println!("{}", filing.signature_md5_field);
    Ok(())
}
