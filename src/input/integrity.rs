//! The zip's own consistency, as Android reads an APK before it verifies a signature
//! (libziparchive on the device, apksig in the build tools): every local header agrees
//! with its central-directory record, no two entries share bytes, the central directory
//! ends where its end record says, and (when asked) every entry's CRC-32 holds.

use super::archive::{overlap_reason, Listed, STREAM_BUFFER};
use super::Archive;
use crate::report::{Finding, VerifyCode};

/// Findings past this many of one kind are summed up in one: a damaged zip of 200,000
/// entries need not produce 200,000 sentences.
const MAX_FINDINGS: usize = 20;

/// Local headers against the central directory, overlapping entries, and (when
/// `check_crcs`) the CRC-32 of every entry, streamed once.
pub(crate) fn check(archive: &mut Archive, check_crcs: bool) -> Vec<Finding> {
    let mut findings = Findings::default();
    for name in archive.repeated_names() {
        findings.push(
            VerifyCode::ZipInconsistent,
            format!("the zip lists {name} more than once: Android refuses such a zip"),
        );
    }
    let listed = archive.listed_by_offset();
    let mut header = vec![0u8; 2 * (64 << 10)];
    for entry in &listed {
        if let Some(problem) = local_header_problem(archive, entry, &mut header) {
            findings.push(VerifyCode::ZipInconsistent, problem);
        }
    }
    if let Some((first, second)) = archive.overlapping_entries() {
        findings.push(
            VerifyCode::OverlappingEntries,
            format!("{second}: {}", overlap_reason(first)),
        );
    }
    if let Some(problem) = directory_end_problem(archive) {
        findings.push(VerifyCode::ZipInconsistent, problem);
    }
    if check_crcs {
        let mut buffer = vec![0u8; STREAM_BUFFER];
        for entry in &listed {
            match archive.stream(entry, &mut buffer, |_| {}) {
                Ok(streamed) if streamed.crc_holds() => {}
                Ok(streamed) => {
                    findings.push(VerifyCode::CrcMismatch, crc_message(entry, &streamed))
                }
                Err(e) => findings.push(VerifyCode::ReadFailed, e.to_string()),
            }
        }
    }
    findings.into_vec()
}

/// Why an entry's bytes are not those its central-directory record states, in words.
pub(crate) fn crc_message(entry: &Listed<'_>, streamed: &super::Streamed) -> String {
    if streamed.size != streamed.stated_size {
        format!(
            "{} holds {} bytes once uncompressed where the central directory states {}: the entry was changed or is damaged",
            entry.name, streamed.size, streamed.stated_size
        )
    } else {
        format!(
            "the CRC-32 of {} is {:08x} where the central directory states {:08x}: the entry was changed or is damaged",
            entry.name, streamed.crc, streamed.stated_crc
        )
    }
}

/// What Android checks of a local header against the central directory: the name,
/// whether a data descriptor follows, and the CRC-32 and
/// sizes unless a data descriptor carries them.
fn local_header_problem(
    archive: &Archive,
    entry: &Listed<'_>,
    buffer: &mut [u8],
) -> Option<String> {
    let record = entry.record();
    let directory = archive.directory();
    let name = entry.name;
    let header = match directory.local_header(record, buffer) {
        Ok(header) => header,
        Err(e) => return Some(format!("the local header of {name} is unreadable: {e}")),
    };
    let mismatch = |what: &str, local: String, central: String| {
        Some(format!(
            "the local header of {name} states {what} {local} where the central directory states {central}"
        ))
    };
    if header.file_path().as_ref() != name.as_bytes() {
        return mismatch(
            "the name",
            String::from_utf8_lossy(header.file_path().as_ref()).into_owned(),
            name.to_string(),
        );
    }
    // The compression method is the central directory's alone, as apksig and Android's
    // tools read it: a local header that says otherwise, and methods other than stored
    // (inflated as deflate), are accepted (the corpus's mismatched- and
    // weird-compression-method APKs verify with apksigner).
    let descriptor = header.flags().has_data_descriptor();
    if descriptor != (record.flags & DATA_DESCRIPTOR != 0) {
        return Some(format!(
            "the local header and the central directory disagree on whether a data descriptor follows {name}"
        ));
    }
    if descriptor {
        return None;
    }
    if header.crc32() != record.crc {
        return mismatch(
            "the CRC-32",
            format!("{:08x}", header.crc32()),
            format!("{:08x}", record.crc),
        );
    }
    let stated = (
        record.wayfinder.compressed_size_hint(),
        record.wayfinder.uncompressed_size_hint(),
    );
    let local = (
        header.compressed_size_hint(),
        header.uncompressed_size_hint(),
    );
    if local != stated {
        return mismatch(
            "the sizes (compressed, uncompressed)",
            format!("{local:?}"),
            format!("{stated:?}"),
        );
    }
    None
}

/// General-purpose flag bit 3: CRC-32 and sizes follow the data.
const DATA_DESCRIPTOR: u16 = 1 << 3;

/// The central directory must end at or before the end record (Android refuses a
/// directory that runs into it); bytes between the two are tolerated, as Android does.
fn directory_end_problem(archive: &Archive) -> Option<String> {
    let directory = archive.directory();
    let end_record = directory.end_record();
    let mut fields = [0u8; 8];
    archive.read_into(end_record + 12, &mut fields).ok()?;
    let [s0, s1, s2, s3, ..] = fields;
    let size = u32::from_le_bytes([s0, s1, s2, s3]);
    // ZIP64 sizes live in another record, which the zip reader has already held to this.
    if size == u32::MAX {
        return None;
    }
    let end = directory.start().saturating_add(u64::from(size));
    (end > end_record).then(|| {
        format!("the central directory runs to offset {end}, past its end record at {end_record}")
    })
}

/// Findings in order, at most `MAX_FINDINGS` of each code, then one that counts the rest.
#[derive(Default)]
pub(crate) struct Findings {
    kept: Vec<Finding>,
    left_out: std::collections::BTreeMap<VerifyCode, usize>,
}

impl Findings {
    pub(crate) fn push(&mut self, code: VerifyCode, message: String) {
        if self.kept.iter().filter(|f| f.code == code).count() < MAX_FINDINGS {
            self.kept.push(Finding::new(code, message));
        } else {
            *self.left_out.entry(code).or_default() += 1;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    pub(crate) fn into_vec(mut self) -> Vec<Finding> {
        for (code, count) in self.left_out {
            self.kept.push(Finding::new(
                code,
                format!("and {count} more entries with the same problem"),
            ));
        }
        self.kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::Arc;

    /// A zip of the entries, each stored or deflated.
    fn zip_of(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data, deflated) in entries {
            let method = if *deflated {
                zip::CompressionMethod::Deflated
            } else {
                zip::CompressionMethod::Stored
            };
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            zip.start_file(*name, options).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn codes(bytes: &[u8], check_crcs: bool) -> Vec<&'static str> {
        let mut archive = Archive::new(Arc::new(bytes)).unwrap();
        check(&mut archive, check_crcs)
            .iter()
            .map(|f| f.code.as_str())
            .collect()
    }

    fn find(bytes: &[u8], pattern: &[u8]) -> Vec<usize> {
        bytes
            .windows(pattern.len())
            .enumerate()
            .filter(|(_, w)| *w == pattern)
            .map(|(i, _)| i)
            .collect()
    }

    const DATA: &[u8] = b"hello hello hello hello hello hello";

    #[test]
    fn a_sound_zip_has_no_findings() {
        let bytes = zip_of(&[("a.txt", DATA, false), ("b.txt", DATA, true)]);
        assert!(codes(&bytes, true).is_empty());
    }

    #[test]
    fn changed_bytes_and_headers_are_found() {
        let bytes = zip_of(&[("a.txt", DATA, false), ("b.txt", DATA, true)]);
        let local = find(&bytes, b"PK\x03\x04");
        let central = find(&bytes, b"PK\x01\x02");

        // A stored byte changed: only the CRC tells, and only when asked.
        let mut changed = bytes.clone();
        let at = find(&changed, DATA)[0];
        changed[at] ^= 1;
        assert!(codes(&changed, false).is_empty());
        assert_eq!(codes(&changed, true), ["crc_mismatch"]);

        // The CRC field of a local header, then of the central directory.
        let mut changed = bytes.clone();
        changed[local[0] + 14] ^= 1;
        assert_eq!(codes(&changed, true), ["zip_inconsistent"]);
        let mut changed = bytes.clone();
        changed[central[1] + 16] ^= 1;
        assert_eq!(codes(&changed, true), ["zip_inconsistent", "crc_mismatch"]);

        // The name in a local header.
        let mut changed = bytes.clone();
        changed[local[1] + 30] = b'c';
        assert_eq!(codes(&changed, false), ["zip_inconsistent"]);
    }

    #[test]
    fn overlapping_and_repeated_entries_are_found() {
        let mut bytes = zip_of(&[("a.txt", DATA, false), ("b.txt", DATA, false)]);
        let central = find(&bytes, b"PK\x01\x02");
        // Point b's record at a's local header: same bytes twice, and a name mismatch.
        let offset_of_a = bytes[central[0] + 42..central[0] + 46].to_vec();
        bytes[central[1] + 42..central[1] + 46].copy_from_slice(&offset_of_a);
        let found = codes(&bytes, false);
        assert!(found.contains(&"overlapping_entries"), "{found:?}");

        let mut bytes = zip_of(&[("a.txt", DATA, false), ("b.txt", DATA, false)]);
        for at in find(&bytes, b"b.txt") {
            bytes[at] = b'a';
        }
        assert_eq!(codes(&bytes, true), ["zip_inconsistent"]);
    }
}
