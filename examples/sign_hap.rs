//! Writes a HAP signing block into an unsigned HAP or .app pack, for the
//! project's samples (samples/make-harmony-samples.py):
//!
//!   cargo run --example sign_hap -- UNSIGNED.zip SIGNATURE.cms PROFILE.p7b OUT.hap
//!
//! The block (signature 0x20000000, profile 0x20000002) goes just before the
//! central directory, whose offset in the end record moves by the block's size.
//! The CMS and profile come from openssl; only the block layout is ours.

use appfiling::fuzzing::{encode_hap_sign_block as encode, TYPE_PROFILE, TYPE_SIGNATURE};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [unsigned, signature, profile, out] = args.as_slice() else {
        return Err("usage: sign_hap UNSIGNED.zip SIGNATURE.cms PROFILE.p7b OUT".into());
    };
    let zip = std::fs::read(unsigned)?;
    let signature = std::fs::read(signature)?;
    let profile = std::fs::read(profile)?;
    // The samples are written without a zip comment: the end record is the last 22 bytes.
    let eocd = zip.len().checked_sub(22).ok_or("too short for a zip")?;
    if zip[eocd..eocd + 4] != [0x50, 0x4b, 0x05, 0x06] {
        return Err("no end-of-central-directory record at the end (a zip comment?)".into());
    }
    let cd = u32::from_le_bytes(zip[eocd + 16..eocd + 20].try_into()?) as usize;
    let block = encode(
        &[(TYPE_SIGNATURE, &signature), (TYPE_PROFILE, &profile)],
        false,
        3,
    );
    let mut signed = Vec::with_capacity(zip.len() + block.len());
    signed.extend_from_slice(&zip[..cd]);
    signed.extend_from_slice(&block);
    signed.extend_from_slice(&zip[cd..]);
    let new_eocd = eocd + block.len();
    let new_cd = u32::try_from(cd + block.len())?;
    signed[new_eocd + 16..new_eocd + 20].copy_from_slice(&new_cd.to_le_bytes());
    std::fs::write(out, signed)?;
    Ok(())
}
