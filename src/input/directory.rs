//! The central directory, read once into a compact index: every entry name in one arena,
//! one record per entry in directory order, and a hash table from name to record. rawzip
//! finds the end records and walks the directory with positional reads through one
//! bounded buffer; nothing here grows with anything but the entries actually listed.

use super::Shared;
use crate::error::ErrorKind;
use hashbrown::{DefaultHashBuilder, HashTable};
use rawzip::{CompressionMethod, ZipArchive, ZipArchiveEntryWayfinder, ZipLocator};
use std::hash::BuildHasher;
use std::io;

/// Entries a zip may list. The index keeps some 64 bytes per entry besides its name, so
/// a directory of any size stays within the memory budget; real packages list tens of
/// thousands.
pub(super) const MAX_ENTRIES: u64 = 200_000;

/// All entry names together (real packages: a few MiB at 60,000 entries).
const MAX_NAME_BYTES: usize = 64 << 20;

/// Where the format puts the end record: within the last 64 KiB (its comment) + 22 bytes.
const END_RECORD_SEARCH: u64 = 65_535 + 22;

/// rawzip reads the shared source through this, at any offset.
pub(super) struct SourceReader<'s>(pub(super) Shared<'s>);

impl rawzip::ReaderAt for SourceReader<'_> {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let left = self.0.len().saturating_sub(offset);
        let n = (buf.len() as u64).min(left) as usize;
        if n > 0 {
            self.0.read_exact_at(&mut buf[..n], offset)?;
        }
        Ok(n)
    }
}

/// One entry as its central-directory record describes it.
pub(super) struct Record {
    name_start: u32,
    name_len: u16,
    pub(super) stored: bool,
    /// The first record of its name: `names()` lists each name once.
    listed: bool,
    pub(super) local_header: u64,
    pub(super) wayfinder: ZipArchiveEntryWayfinder,
    /// As the central directory states them, for the checks of `integrity`.
    pub(super) crc: u32,
    pub(super) flags: u16,
}

pub(super) struct Directory<'s> {
    zip: ZipArchive<SourceReader<'s>>,
    /// Names that are valid UTF-8, checked once here: no lookup by `&str` could reach
    /// another, and `names()` never listed them.
    names: String,
    records: Vec<Record>,
    /// Indexes into `records`; for a name listed twice, the later record (as the zip
    /// crate did, and as Android's own reader does).
    by_name: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

fn not_zip(error: rawzip::Error) -> ErrorKind {
    match error.into_kind() {
        rawzip::ErrorKind::IO(io) if io.kind() != io::ErrorKind::UnexpectedEof => ErrorKind::Io(io),
        rawzip::ErrorKind::MissingEndOfCentralDirectory => {
            ErrorKind::NotZip("no end-of-central-directory record in its last 64 KiB".into())
        }
        other => ErrorKind::NotZip(format!("its central directory is unreadable: {other}")),
    }
}

impl<'s> Directory<'s> {
    /// Finds the end records and indexes the central-directory records they declare, at
    /// most `MAX_ENTRIES` (the caller has checked every end record in the tail too).
    pub(super) fn read(source: Shared<'s>) -> Result<Self, ErrorKind> {
        // Large enough for any record (46 bytes + three 64 KiB fields): no valid zip
        // is refused for a long name, extra field or comment.
        let mut buffer = vec![0u8; rawzip::MAX_CENTRAL_DIRECTORY_RECORD_SIZE];
        let len = source.len();
        let zip = ZipLocator::new()
            .max_search_space(END_RECORD_SEARCH)
            .locate_in_reader(SourceReader(source), &mut buffer, len)
            .map_err(|(_, e)| not_zip(e))?;
        let declared = zip.entries_hint();
        if declared > MAX_ENTRIES {
            return Err(ErrorKind::NotZip(format!(
                "its central directory lists {declared} entries, over the limit of {MAX_ENTRIES}"
            )));
        }
        // Capacities from the end record only within what the directory's size allows.
        let directory_len = zip.eocd_offset().saturating_sub(zip.directory_offset());
        let expected = declared.min(directory_len / 46);
        let mut names = Vec::with_capacity(
            directory_len
                .saturating_sub(expected * 46)
                .min(MAX_NAME_BYTES as u64) as usize,
        );
        let mut records: Vec<Record> = Vec::with_capacity(expected as usize);
        let mut by_name = HashTable::with_capacity(expected as usize);
        let hasher = DefaultHashBuilder::default();
        // Exactly the records the end record declares, as the zip crate read them (and
        // Android tools write them): bytes between the last one and the end record are
        // not read.
        let mut entries = zip.entries(&mut buffer);
        let mut read = 0;
        while read < declared {
            let Some(entry) = entries.next_entry().map_err(|e| match e.kind() {
                rawzip::ErrorKind::Eof => ErrorKind::NotZip(
                    "its central directory is truncated: a record runs into the end record".into(),
                ),
                _ => not_zip(e),
            })?
            else {
                return Err(ErrorKind::NotZip(format!(
                    "its central directory holds {read} entries, not the {declared} its end record declares"
                )));
            };
            read += 1;
            let path = entry.file_path();
            let name = path.as_bytes();
            if !name.is_ascii() && std::str::from_utf8(name).is_err() {
                continue;
            }
            if names.len() + name.len() > MAX_NAME_BYTES {
                return Err(ErrorKind::NotZip(format!(
                    "its entry names take more than {MAX_NAME_BYTES} bytes"
                )));
            }
            let index = records.len() as u32;
            let name_of = |i: u32| &names[records[i as usize].span()];
            let listed = match by_name.entry(
                hasher.hash_one(name),
                |&i| name_of(i) == name,
                |&i| hasher.hash_one(name_of(i)),
            ) {
                hashbrown::hash_table::Entry::Occupied(mut later) => {
                    *later.get_mut() = index;
                    false
                }
                hashbrown::hash_table::Entry::Vacant(first) => {
                    first.insert(index);
                    true
                }
            };
            records.push(Record {
                name_start: names.len() as u32,
                // A record's name field is 16 bits wide.
                name_len: name.len() as u16,
                stored: entry.compression_method() == CompressionMethod::STORE,
                listed,
                local_header: entry.local_header_offset(),
                wayfinder: entry.wayfinder(),
                crc: entry.crc32(),
                flags: entry.flags().bits(),
            });
            names.extend_from_slice(name);
        }
        // One pass over all the names, each checked above: far cheaper than one per name.
        let names = String::from_utf8(names)
            .map_err(|_| ErrorKind::NotZip("its entry names are not UTF-8".into()))?;
        Ok(Directory {
            zip,
            names,
            records,
            by_name,
            hasher,
        })
    }

    pub(super) fn source(&self) -> &Shared<'s> {
        &self.zip.get_ref().0
    }

    /// Absolute offset of the central directory in the file (bytes before the first
    /// entry included).
    pub(super) fn start(&self) -> u64 {
        self.zip.directory_offset()
    }

    /// Absolute offset of the end-of-central-directory record (the classic one, at the tail).
    pub(super) fn end_record_start(&self) -> u64 {
        self.zip.eocd_offset()
    }

    /// Each name once, in directory order.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.records
            .iter()
            .filter(|record| record.listed)
            .map(|record| name_in(&self.names, record))
    }

    /// Every record with its name, a name listed twice included, in directory order.
    pub(super) fn records(&self) -> impl Iterator<Item = (&str, &Record)> {
        self.records
            .iter()
            .map(|record| (name_in(&self.names, record), record))
    }

    /// Names listed more than once (each time after the first).
    pub(super) fn repeated_names(&self) -> impl Iterator<Item = &str> {
        self.records
            .iter()
            .filter(|record| !record.listed)
            .map(|record| name_in(&self.names, record))
    }

    /// The offset of the end-of-central-directory record.
    pub(super) fn end_record(&self) -> u64 {
        self.zip.eocd_offset()
    }

    /// An entry's local header, read into `buffer` (64 KiB name and extra field at most).
    pub(super) fn local_header<'b>(
        &self,
        record: &Record,
        buffer: &'b mut [u8],
    ) -> Result<rawzip::ZipLocalFileHeader<'b>, rawzip::Error> {
        self.zip.get_entry(record.wayfinder)?.local_header(buffer)
    }

    pub(super) fn find(&self, name: &str) -> Option<&Record> {
        self.by_name
            .find(self.hasher.hash_one(name.as_bytes()), |&i| {
                name_in(&self.names, &self.records[i as usize]) == name
            })
            .map(|&i| &self.records[i as usize])
    }

    /// Where an entry's bytes as stored lie in the file: after its local header, which
    /// is read to find its length.
    pub(super) fn data_range(&self, record: &Record) -> Result<(u64, u64), rawzip::Error> {
        self.zip
            .get_entry(record.wayfinder)
            .map(|entry| entry.compressed_data_range())
    }
}

fn name_in<'a>(names: &'a str, record: &Record) -> &'a str {
    // Each record's span is where its name was pushed: always on character boundaries.
    names.get(record.span()).unwrap_or_default()
}

impl Record {
    fn span(&self) -> std::ops::Range<usize> {
        let start = self.name_start as usize;
        start..start + usize::from(self.name_len)
    }
}
