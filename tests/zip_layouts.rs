//! Zip layouts real APKs use: ZIP64 records, data descriptors, bytes prepended
//! before the archive. Built from a sample with the zip crate's writer.

mod common;

use appfiling::report::Scheme;
use std::io::Write;
use std::path::Path;
use zip::write::SimpleFileOptions;

/// Every entry of a sample, decompressed, in order.
fn entries(name: &str) -> Vec<(String, Vec<u8>)> {
    common::zip_entries(&std::fs::read(common::sample_path(name)).unwrap())
}

/// Copies every entry of a sample into a zip writer of any kind.
macro_rules! rewrite {
    ($zip:expr, $options:expr, $from:expr) => {
        for (name, data) in entries($from) {
            $zip.start_file(name, $options).unwrap();
            $zip.write_all(&data).unwrap();
        }
    };
}

/// The v1 signature survives a rewrite (it signs entry contents, not the layout).
fn assert_v1_sample(path: &Path) {
    let report = appfiling::inspect_path(path, &appfiling::Options::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let original = appfiling::inspect_path(
        &common::sample_path("sample-v1-only.apk"),
        &appfiling::Options::default(),
    )
    .unwrap();
    assert_eq!(report.package_name.as_deref(), Some("dev.appfiling.sample"));
    assert_eq!(report.app_name, original.app_name);
    assert_eq!(report.schemes, [Scheme::V1]);
    assert_eq!(
        report.filing.unwrap().signer_sha256,
        original.filing.unwrap().signer_sha256
    );
}

/// Moves the central directory's size, offset and count into ZIP64 end records, leaving
/// 0xFFFF… in the classic record, so a reader must follow ZIP64 to find the directory.
fn force_zip64_end_records(mut bytes: Vec<u8>) -> Vec<u8> {
    let eocd = bytes.len() - 22;
    assert_eq!(bytes[eocd..eocd + 4], [0x50, 0x4b, 0x05, 0x06]);
    let u16_at = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]) as u64;
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as u64;
    let (count, cd_size, cd_offset) = (
        u16_at(&bytes, eocd + 10),
        u32_at(&bytes, eocd + 12),
        u32_at(&bytes, eocd + 16),
    );
    bytes.truncate(eocd);
    let mut record = vec![0x50, 0x4b, 0x06, 0x06];
    record.extend_from_slice(&44u64.to_le_bytes());
    record.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    for value in [count, count, cd_size, cd_offset] {
        record.extend_from_slice(&value.to_le_bytes());
    }
    let mut locator = vec![0x50, 0x4b, 0x06, 0x07, 0, 0, 0, 0];
    locator.extend_from_slice(&(eocd as u64).to_le_bytes());
    locator.extend_from_slice(&1u32.to_le_bytes());
    let mut end = vec![0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
    end.extend_from_slice(&[0xff; 8]);
    end.extend_from_slice(&[0, 0]);
    [bytes, record, locator, end].concat()
}

#[test]
fn zip64_records() {
    let mut buffer = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buffer);
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    rewrite!(zip, options, "sample-v1-only.apk");
    zip.finish().unwrap();
    let bytes = force_zip64_end_records(buffer.into_inner());
    assert!(bytes.windows(4).any(|w| w == [0x50, 0x4b, 0x06, 0x06]));
    assert_v1_sample(&common::temp_file("zip", "zip64.apk", &bytes));
}

#[test]
fn data_descriptors() {
    let mut bytes = Vec::new();
    let mut zip = zip::ZipWriter::new_stream(&mut bytes);
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    rewrite!(zip, options, "sample-v1-only.apk");
    zip.finish().unwrap();
    // General-purpose flag bit 3 (sizes in a trailing data descriptor) on the first local header.
    assert_eq!(bytes[6] & 0x08, 0x08);
    assert_v1_sample(&common::temp_file("zip", "descriptors.apk", &bytes));
}

#[test]
fn bytes_prepended_before_the_archive() {
    let original = std::fs::read(common::sample_path("sample-v1v2v3-rsa.apk")).unwrap();
    let mut bytes = vec![0x5au8; 4096];
    bytes.extend_from_slice(&original);
    let report = appfiling::inspect_path(
        &common::temp_file("zip", "prepended.apk", &bytes),
        &appfiling::Options::default(),
    )
    .unwrap();
    let expected = appfiling::inspect_path(
        &common::sample_path("sample-v1v2v3-rsa.apk"),
        &appfiling::Options::default(),
    )
    .unwrap();
    assert_eq!(report.schemes, expected.schemes);
    assert_eq!(report.schemes, [Scheme::V1, Scheme::V2, Scheme::V3]);
    assert_eq!(
        report.filing.unwrap().signer_sha256,
        expected.filing.unwrap().signer_sha256
    );
}
