//! The parsers as the fuzz targets (fuzz/fuzz_targets) and the parser-against-tool
//! tests reach them: not API, hidden from the documentation, free to change.
//!
//! Each function feeds `data` to one parser and walks what it returns, so that the
//! parsers themselves stay private to the crate.

use crate::android::{aab, arsc::ResourceTable, axml, manifest, signing_block, v2, v3};
use crate::harmony::{profile, resources::ResourceIndex, sign_block};
use crate::{cert, ios, keystore, pkcs7};

pub use crate::android::dex::{class_name, Dex};
pub use crate::harmony::abc::{record_package, Abc};
/// The HAP signing block writer, for the samples (examples/sign_hap.rs) and hostile inputs.
pub use crate::harmony::sign_block::{
    encode as encode_hap_sign_block, TYPE_PROFILE, TYPE_SIGNATURE,
};

/// An app bundle's proto XML and resource table.
pub fn aab_proto(data: &[u8]) {
    let _ = aab::xml_elements(data);
    let _ = aab::localized_strings(data, 0x7f0f_001b);
}

/// Ark bytecode and the package names of its records.
pub fn abc(data: &[u8]) {
    if let Ok(abc) = Abc::parse(data) {
        for name in abc.record_names() {
            let _ = record_package(name);
        }
    }
}

/// resources.arsc and a few of its values.
pub fn arsc(data: &[u8]) {
    if let Ok(table) = ResourceTable::parse(data) {
        for id in [0x7f01_0000u32, 0x7f02_0000, 0x7f03_0001, 0x7f0b_0000] {
            for (_, value) in table.values(id) {
                let _ = table.string(&value);
            }
            let _ = table.type_name(id);
        }
    }
}

/// Binary XML and the manifest read from it.
pub fn axml(data: &[u8]) {
    if let Ok(elements) = axml::parse(data) {
        let _ = manifest::read(&elements, None);
    }
}

/// A dex file's types, defined classes and strings.
pub fn dex(data: &[u8]) {
    if let Ok(dex) = Dex::parse(data) {
        for descriptor in dex.type_descriptors() {
            let _ = class_name(descriptor);
        }
        let _ = dex.class_defs().count();
        let _ = dex.strings().count();
    }
}

/// A HAP signing block (`data[0]` picks the entry count), its CMS and its profile.
pub fn hap_sign_block(data: &[u8]) {
    let Some((count, rest)) = data.split_first() else {
        return;
    };
    if let Ok(Some(block)) =
        sign_block::HapSignBlock::parse(rest.to_vec(), u32::from(*count % 8), "fuzz", 3)
    {
        let _ = block.entries();
        if let Some(signature) = block.value(TYPE_SIGNATURE) {
            let _ = pkcs7::parse_signed_data(signature);
        }
        if let Some(bytes) = block.value(TYPE_PROFILE) {
            let _ = profile::parse(bytes);
        }
    }
}

/// A JKS keystore, and its integrity digest under one password.
pub fn jks(data: &[u8]) {
    let _ = keystore::jks::parse(data);
    let _ = keystore::jks::password_matches(data, "appfiling");
}

/// A Mach-O executable (fat or thin), with its strings.
pub fn macho(data: &[u8]) {
    let _ = ios::macho::read(data, true);
}

/// CMS SignedData and every certificate in it.
pub fn pkcs7(data: &[u8]) {
    if let Ok(signed) = pkcs7::parse_signed_data(data) {
        for der in &signed.certificates {
            let _ = cert::describe(der);
            for id in &signed.signers {
                let _ = cert::is_signer(der, &id.id);
            }
        }
    }
}

/// A property list and a .strings file.
pub fn plist_strings(data: &[u8]) {
    let _ = ios::property_list::dictionary(data);
    let _ = ios::property_list::strings_file(data);
}

/// An Apple provisioning profile.
pub fn profile(data: &[u8]) {
    let _ = ios::provision::parse(data);
}

/// A HarmonyOS resources.index and a few of its strings.
pub fn resources_index(data: &[u8]) {
    if let Ok(index) = ResourceIndex::parse(data) {
        for id in [0x0100_0000u32, 0x0100_0001, 0x0100_0002] {
            let _ = index.strings(id);
        }
        // Detection's readers: the URLs in every value and the strings per locale.
        let _ = index.all_values();
        let _ = index.string_counts_by_locale(|_| true);
    }
}

/// An APK Signing Block and its v2, v3 and v3.1 signers.
pub fn signing_block(data: &[u8]) {
    let _ = v2::signer_certificates(data);
    let _ = v3::signers(data);
    if let Ok(block) = signing_block::SigningBlock::parse(data.to_vec()) {
        let _ = block.entries();
        if let Some(value) = block.value(signing_block::ID_V2) {
            let _ = v2::signer_certificates(value);
        }
        for id in [signing_block::ID_V3, signing_block::ID_V31] {
            if let Some(value) = block.value(id) {
                let _ = v3::signers(value);
            }
        }
    }
}

/// A filing.toml.
#[cfg(feature = "sheet")]
pub fn filing_toml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::sheet::config::parse(text);
    }
}

/// An icon file, decoded as the sheet exports it.
#[cfg(feature = "sheet")]
pub fn icon(data: &[u8]) {
    let _ = crate::sheet::icon::decode(data);
}

/// The HAP verifier's readers: a signing block's layout, each sub-block as the app
/// signature (CMS, chains, the digest it states) and as a profile (`data[0]` picks the
/// entry count).
pub fn hap_verify(data: &[u8]) {
    let Some((count, rest)) = data.split_first() else {
        return;
    };
    if let Ok(Some(block)) =
        sign_block::HapSignBlock::parse(rest.to_vec(), u32::from(*count % 8), "fuzz", 3)
    {
        let _ = block.layout_problem();
        for (_, bytes) in block.sub_blocks() {
            let _ = crate::harmony::verify::stated_digest(bytes);
            let _ = crate::harmony::verify::verify_profile(bytes, "fuzz");
        }
    }
}

/// An Apple code signature: the SuperBlob, its CodeDirectories and CDHashes, the CMS
/// attributes naming them, and the code-page check over the input itself.
pub fn code_signature(data: &[u8]) {
    use ios::code_signature::{check_pages, signed_cdhashes, ParsedSignature};
    let _ = ios::macho::code_signatures(data);
    let Ok(parsed) = ParsedSignature::parse(data) else {
        return;
    };
    for directory in &parsed.directories {
        let _ = directory.cdhash();
        for slot in 1..=7 {
            let _ = directory.special_slot(slot);
        }
    }
    if let Some(Ok(signed)) = parsed.cms.map(pkcs7::parse_signed_data) {
        for signer in &signed.signers {
            let _ = signed_cdhashes(signer);
        }
    }
    let slice = ios::macho::SliceSignature {
        slice: ios::macho::Slice {
            offset: 0,
            size: data.len() as u64,
            architecture: String::new(),
        },
        superblob: None,
        info_plist: None,
        encrypted: Some(4096..8192),
    };
    let _ = check_pages(data, &[(&slice, parsed.directories.clone())], "fuzz");
}

/// A bundle's _CodeSignature/CodeResources and its rules.
pub fn code_resources(data: &[u8]) {
    if let Ok(seal) = ios::code_resources::CodeResources::parse(data) {
        for path in [
            "Info.plist",
            "a/b/.DS_Store",
            "en.lproj/x.strings",
            "Frameworks/A.framework/A",
        ] {
            let _ = seal.left_out(path);
        }
    }
}

/// An APK Signing Block's v2, v3 and v3.1 blocks verified as the APK verifier does (the
/// signer records, their signatures, lineages and SDK ranges), and a lineage alone.
pub fn signing_block_verify(data: &[u8]) {
    let _ = v3::verify_lineage(data);
    let _ = v2::verify(data, 24, i32::MAX as u32, false);
    let _ = v3::verify(data, false, 28, i32::MAX as u32, Some(33));
    if let Ok(block) = signing_block::SigningBlock::parse(data.to_vec()) {
        if let Some(value) = block.value(signing_block::ID_V2) {
            let _ = v2::verify(value, 24, i32::MAX as u32, true);
        }
        if let Some(value) = block.value(signing_block::ID_V3) {
            let _ = v3::verify(value, false, 28, i32::MAX as u32, None);
        }
        if let Some(value) = block.value(signing_block::ID_V31) {
            let _ = v3::verify(value, true, 33, 33, None);
        }
    }
}

/// A JAR manifest or signature file, every section and the digests Android would read.
pub fn jar_manifest(data: &[u8]) {
    crate::android::v1::walk_manifest(data);
}

/// A JAR signature's result and the certificates (DER) of the signers that verified.
pub type JarCheck = (crate::report::SchemeVerification, Vec<Vec<u8>>);

/// The JAR signature check of the zip at `path` over `min_sdk..=max_sdk` (the tests reach
/// it for JARs, which appfiling does not inspect, and for APKs' v1 scheme alone): the
/// scheme's result and the verified signers' certificates (DER). `None` when the file
/// has no JAR signature.
pub fn verify_jar(
    path: &std::path::Path,
    min_sdk: u32,
    max_sdk: u32,
    signing_block_schemes: &[u32],
) -> Result<Option<JarCheck>, crate::Error> {
    let open = || -> Result<_, crate::error::ErrorKind> {
        let file = crate::input::FileSource::new(crate::input::open_input(path)?)?;
        let mut archive = crate::input::Archive::new(std::sync::Arc::new(file))?;
        let jar = crate::android::v1::verify(&mut archive, min_sdk, max_sdk, signing_block_schemes);
        Ok(jar.map(|jar| (jar.scheme, jar.signer_certificates)))
    };
    open().map_err(|kind| kind.at(path))
}

/// The zip's own consistency checks on the file at `path` (the tests reach them for APKs,
/// whose verdict another module draws).
pub fn zip_integrity(
    path: &std::path::Path,
    check_crcs: bool,
) -> Result<Vec<crate::report::Finding>, crate::Error> {
    let open = || -> Result<_, crate::error::ErrorKind> {
        let file = crate::input::FileSource::new(crate::input::open_input(path)?)?;
        let mut archive = crate::input::Archive::new(std::sync::Arc::new(file))?;
        Ok(crate::input::integrity::check(&mut archive, check_crcs))
    };
    open().map_err(|kind| kind.at(path))
}

/// A dex file's code: the strings every defined class's methods load and its static
/// values hold (the walk detection attributes URLs with).
pub fn dex_code(data: &[u8]) {
    if let Ok(dex) = Dex::parse(data) {
        let mut budget = crate::android::dex_code::Budget::for_file(data);
        for class in dex.class_defs() {
            use crate::android::dex_code::{const_strings, static_strings};
            let _ = const_strings(data, class.class_data_off, &mut budget, |_| {});
            let _ = static_strings(data, class.static_values_off, &mut budget, |_| {});
        }
    }
}
