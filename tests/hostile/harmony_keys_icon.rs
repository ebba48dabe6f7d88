//! resources.index amplification, many-safe PKCS#12 files and giant icons.

use crate::common;

/// The crafted inputs of this area as (file name, bytes), for the batch test in
/// tests/hostile.rs: each must give a report or an error naming it, within budget.
pub fn hostile_inputs() -> Vec<(String, Vec<u8>)> {
    vec![("amplified-resources.hap".into(), amplified_hap())]
}

/// The sample's module.json, whose label is the string id 0x01000000.
fn sample_module_json() -> Vec<u8> {
    let hap = std::fs::read(common::sample_path("harmony/sample.hap")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(hap)).unwrap();
    let mut module = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name("module.json").unwrap(), &mut module).unwrap();
    module
}

/// A resources.index of 4096 configurations, each with its own locale, all sharing
/// one IDSS table of 2000 entries that all point at one record: the label id with a
/// 65535-byte value. Read naively, that is a copy of the value per configuration
/// and entry (512 GB); the file is 200 KB and deflates to a few KB.
fn amplified_index() -> Vec<u8> {
    const CONFIGS: u32 = 4096;
    const ENTRIES: u32 = 2000;
    let label_id: u32 = 0x0100_0000;
    let mut out = b"Restool 5.0".to_vec();
    out.resize(128, 0);
    let keys_at = 136;
    let idss_at = keys_at + CONFIGS * 20;
    let record_at = idss_at + 8 + ENTRIES * 8;
    let value: Vec<u8> = b"see https://a.example/ "
        .iter()
        .copied()
        .cycle()
        .take(65534)
        .chain([0])
        .collect();
    out.extend_from_slice(&(record_at + 14 + value.len() as u32).to_le_bytes());
    out.extend_from_slice(&CONFIGS.to_le_bytes());
    for i in 0..CONFIGS {
        out.extend_from_slice(b"KEYS");
        out.extend_from_slice(&idss_at.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        // Language (key 0): three letters, a different tag per configuration.
        let letters = [b'a' + (i / 676) as u8, b'a' + (i / 26 % 26) as u8, b'a' + (i % 26) as u8];
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&u32::from_be_bytes([0, letters[0], letters[1], letters[2]]).to_le_bytes());
    }
    out.extend_from_slice(b"IDSS");
    out.extend_from_slice(&ENTRIES.to_le_bytes());
    for _ in 0..ENTRIES {
        out.extend_from_slice(&label_id.to_le_bytes());
        out.extend_from_slice(&record_at.to_le_bytes());
    }
    out.extend_from_slice(&(12 + value.len() as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&label_id.to_le_bytes());
    out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    out.extend_from_slice(&value);
    out
}

fn amplified_hap() -> Vec<u8> {
    common::zip_of(
        &[
            ("module.json", &sample_module_json()),
            ("resources.index", &amplified_index()),
        ],
        true,
    )
}

#[test]
fn a_shared_resource_value_is_not_copied_per_configuration_and_entry() {
    let path = common::temp_file("hostile-c", "amplified-resources.hap", &amplified_hap());
    let path = path.to_str().unwrap();
    let plain = common::appfiling_limited(&["inspect", "--format", "json", path]);
    plain.assert_within("inspect", 0, 64);
    assert!(plain.stdout.contains("dev.appfiling.sample"), "{plain:#?}");
    let detect = common::appfiling_limited(&["inspect", "--format", "json", "--detect", path]);
    detect.assert_within("inspect --detect", 0, 512);
    assert!(detect.stdout.contains("a.example"), "{detect:#?}");
}
