//! Mach-O (thin and fat): the load commands, the encryption info and the code
//! signature's CodeDirectory and CMS blobs, read forward from a stream so that
//! a compressed executable in an IPA is never held in memory.

use std::io::Read;
use thiserror::Error;

#[derive(Debug, Error)]
#[error("Mach-O: {0}")]
pub(crate) struct MachoError(String);

fn bad(message: impl Into<String>) -> MachoError {
    MachoError(message.into())
}

const FAT_MAGIC: u32 = 0xcafe_babe;
const FAT_MAGIC_64: u32 = 0xcafe_babf;
const MH_MAGIC: u32 = 0xfeed_face;
const MH_MAGIC_64: u32 = 0xfeed_facf;
const LC_CODE_SIGNATURE: u32 = 0x1d;
const LC_ENCRYPTION_INFO: u32 = 0x21;
const LC_ENCRYPTION_INFO_64: u32 = 0x2c;
const LC_SEGMENT: u32 = 0x1;
const LC_SEGMENT_64: u32 = 0x19;
const LC_LOAD_DYLIB: u32 = 0xc;
const LC_LOAD_WEAK_DYLIB: u32 = 0x8000_0018;
const LC_REEXPORT_DYLIB: u32 = 0x8000_001f;
const CSMAGIC_EMBEDDED_SIGNATURE: u32 = 0xfade_0cc0;
const CSMAGIC_CODEDIRECTORY: u32 = 0xfade_0c02;
const CSMAGIC_BLOBWRAPPER: u32 = 0xfade_0b01;
const CSSLOT_CODEDIRECTORY: u32 = 0;
const CSSLOT_SIGNATURESLOT: u32 = 0x10000;
const CSSLOT_ENTITLEMENTS: u32 = 5;
const CSMAGIC_EMBEDDED_ENTITLEMENTS: u32 = 0xfade_7171;
/// Fat headers list a handful of slices; a Java class file (same magic) claims dozens.
const MAX_FAT_ARCHES: u32 = 16;
const MAX_LOAD_COMMANDS_SIZE: u32 = 8 << 20;
const MAX_SUPERBLOB_COUNT: u32 = 256;
/// Nothing past this offset is read: the largest App Store executables are a
/// few hundred MiB, and a compressed stream must not be inflated without end.
const MAX_EXECUTABLE: u64 = 2 << 30;
/// String sections are scanned (only for detection) up to this many bytes in all,
/// a chunk at a time.
const MAX_STRINGS_SCANNED: u64 = 64 << 20;
const STRING_CHUNK: u32 = 64 << 10;
/// Strings kept for detection, in number and in bytes; a longer C string is cut.
/// Large apps have tens of thousands of classes, a few thousand URLs.
const MAX_KEPT_STRINGS: usize = 200_000;
const MAX_KEPT_STRING_BYTES: usize = 16 << 20;
const MAX_STRING_LEN: usize = 4 << 10;
/// A CodeDirectory grows with the binary (one hash per 4 KiB page); 16 MiB covers a 2 GiB binary.
const MAX_BLOB: u32 = 16 << 20;
/// The signatures of all slices: a SHA-1 and a SHA-256 CodeDirectory of a 2 GiB binary
/// fill most of it.
const MAX_SIGNATURE: u32 = 2 * MAX_BLOB;
/// An Info.plist linked into code is a few hundred bytes.
const MAX_INFO_PLIST: u32 = 1 << 20;

#[derive(Debug, Default)]
pub(crate) struct MachO {
    pub architectures: Vec<String>,
    /// cryptid ≠ 0 in the first slice.
    pub encrypted: bool,
    /// The slice had an LC_CODE_SIGNATURE.
    pub has_signature: bool,
    /// The CMS SignedData of the signature (absent for ad-hoc signatures).
    pub cms: Option<Vec<u8>>,
    pub identifier: Option<String>,
    pub team_id: Option<String>,
    /// With `read_strings`: C strings that hold a URL (from __TEXT,__cstring).
    pub url_strings: Vec<String>,
    /// With `read_strings`: Objective-C class names (from __TEXT,__objc_classname).
    pub objc_classes: Vec<String>,
    /// Bytes of string sections read (at most `MAX_STRINGS_SCANNED`).
    pub strings_scanned: u64,
    /// Bytes of the strings kept (at most `MAX_KEPT_STRING_BYTES`).
    kept_bytes: usize,
    /// The entitlements the executable was signed with (an XML plist).
    pub entitlements: Option<Vec<u8>>,
    /// Libraries and frameworks the first slice links, e.g. "@rpath/WechatOpenSDK.framework/WechatOpenSDK".
    pub dylibs: Vec<String>,
}

/// Reads forward only: skipping discards bytes, so any `Read` works.
pub(super) struct Forward<R> {
    inner: std::io::Take<R>,
    pos: u64,
}

impl<R: Read> Forward<R> {
    /// Reads at most `MAX_EXECUTABLE` bytes of `inner`.
    pub(super) fn new(inner: R) -> Self {
        Forward {
            inner: inner.take(MAX_EXECUTABLE),
            pos: 0,
        }
    }

    pub(super) fn skip_to(&mut self, offset: u64) -> Result<(), MachoError> {
        if offset < self.pos {
            return Err(bad(format!(
                "data at offset {offset} lies before what was already read"
            )));
        }
        if offset > MAX_EXECUTABLE {
            return Err(bad(format!(
                "data at offset {offset} lies past the {MAX_EXECUTABLE} bytes read of an executable"
            )));
        }
        let want = offset - self.pos;
        let skipped = std::io::copy(&mut (&mut self.inner).take(want), &mut std::io::sink())
            .map_err(|e| bad(format!("cannot read: {e}")))?;
        self.pos += skipped;
        if skipped < want {
            return Err(bad(format!("file ends before offset {offset}")));
        }
        Ok(())
    }

    pub(super) fn read(&mut self, len: u32) -> Result<Vec<u8>, MachoError> {
        let mut out = Vec::new();
        (&mut self.inner)
            .take(len as u64)
            .read_to_end(&mut out)
            .map_err(|e| bad(format!("cannot read: {e}")))?;
        self.pos += out.len() as u64;
        if out.len() < len as usize {
            return Err(bad(format!(
                "file ends inside a {len}-byte structure at offset {}",
                self.pos
            )));
        }
        Ok(out)
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    crate::bytes::u32_be_at(b, at).unwrap_or(0)
}

fn le32(b: &[u8], at: usize) -> u32 {
    crate::bytes::u32_at(b, at).unwrap_or(0)
}

fn arch_name(cputype: u32, cpusubtype: u32) -> String {
    match (cputype, cpusubtype & 0x00ff_ffff) {
        (0x0100_000c, 2) => "arm64e".into(),
        (0x0100_000c, _) => "arm64".into(),
        (0x0200_000c, _) => "arm64_32".into(),
        (12, 9) => "armv7".into(),
        (12, 11) => "armv7s".into(),
        (12, _) => "arm".into(),
        (0x0100_0007, _) => "x86_64".into(),
        (7, _) => "i386".into(),
        _ => format!("cpu 0x{cputype:x}"),
    }
}

/// Whether `magic` (the first four bytes) starts a Mach-O file.
pub(crate) fn is_macho(magic: &[u8]) -> bool {
    let be = be32(magic, 0);
    let le = le32(magic, 0);
    be == FAT_MAGIC || be == FAT_MAGIC_64 || le == MH_MAGIC || le == MH_MAGIC_64
}

/// Reads the executable's architectures, encryption and code signature; with
/// `read_strings`, also its C strings and Objective-C class names (detection).
pub(crate) fn read(reader: impl Read, read_strings: bool) -> Result<MachO, MachoError> {
    let mut r = Forward::new(reader);
    let head = r.read(8)?;
    if let Some(slices) = fat_slices(&mut r, &head)? {
        let mut out = MachO {
            architectures: slices.iter().map(|s| s.architecture.clone()).collect(),
            ..MachO::default()
        };
        let first = slices.first().map_or(0, |s| s.offset);
        r.skip_to(first)?;
        let head = r.read(8)?;
        read_slice(&mut r, first, &head, &mut out, read_strings)?;
        return Ok(out);
    }
    let mut out = MachO::default();
    read_slice(&mut r, 0, &head, &mut out, read_strings)?;
    Ok(out)
}

/// One architecture of an executable: where it starts and how long it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slice {
    pub offset: u64,
    pub size: u64,
    pub architecture: String,
}

/// A fat file's slices in file order, read after its first 8 bytes `head`;
/// `None` for a thin file.
fn fat_slices<R: Read>(r: &mut Forward<R>, head: &[u8]) -> Result<Option<Vec<Slice>>, MachoError> {
    let magic = be32(head, 0);
    if magic != FAT_MAGIC && magic != FAT_MAGIC_64 {
        return Ok(None);
    }
    let count = be32(head, 4);
    if count == 0 || count > MAX_FAT_ARCHES {
        return Err(bad(format!("fat header lists {count} architectures")));
    }
    let entry = if magic == FAT_MAGIC { 20 } else { 32 };
    let table = r.read(count * entry)?;
    let mut slices: Vec<Slice> = table
        .chunks_exact(entry as usize)
        .map(|e| {
            let (offset, size) = if magic == FAT_MAGIC {
                (u64::from(be32(e, 8)), u64::from(be32(e, 12)))
            } else {
                (
                    (u64::from(be32(e, 8)) << 32) | u64::from(be32(e, 12)),
                    (u64::from(be32(e, 16)) << 32) | u64::from(be32(e, 20)),
                )
            };
            Slice {
                offset,
                size,
                architecture: arch_name(be32(e, 0), be32(e, 4)),
            }
        })
        .collect();
    slices.sort_by_key(|s| s.offset);
    Ok(Some(slices))
}

/// A Mach-O header after its first 8 bytes `head`: the CPU type and subtype and the
/// load commands (`ncmds` of them, in `sizeofcmds` bytes).
struct Header {
    cputype: u32,
    cpusubtype: u32,
    ncmds: u32,
    commands: Vec<u8>,
}

fn read_header<R: Read>(r: &mut Forward<R>, head: &[u8]) -> Result<Header, MachoError> {
    let header_len = match le32(head, 0) {
        MH_MAGIC => 28,
        MH_MAGIC_64 => 32,
        _ => {
            return Err(bad(format!(
                "not a Mach-O file (magic 0x{:08x})",
                be32(head, 0)
            )))
        }
    };
    let rest = r.read(header_len - 8)?;
    let sizeofcmds = le32(&rest, 12);
    if sizeofcmds > MAX_LOAD_COMMANDS_SIZE {
        return Err(bad(format!("load commands claim {sizeofcmds} bytes")));
    }
    Ok(Header {
        cputype: le32(head, 4),
        cpusubtype: le32(&rest, 0),
        ncmds: le32(&rest, 8),
        commands: r.read(sizeofcmds)?,
    })
}

/// The load commands of a header as (cmd, the whole command), each checked to lie
/// within the commands.
fn load_commands(header: &Header) -> impl Iterator<Item = Result<(u32, &[u8]), MachoError>> {
    let mut at = 0usize;
    let commands = &header.commands;
    (0..header.ncmds).map(move |_| {
        let (cmd, size) = (le32(commands, at), le32(commands, at + 4) as usize);
        let command = commands
            .get(at..at.saturating_add(size))
            .filter(|_| size >= 8)
            .ok_or_else(|| bad(format!("load command at offset {at} has size {size}")))?;
        at += size;
        Ok((cmd, command))
    })
}

/// One slice's embedded code signature (the SuperBlob, as stored).
#[derive(Debug, Clone)]
pub(crate) struct SliceSignature {
    pub slice: Slice,
    /// `None` when the slice has no LC_CODE_SIGNATURE.
    pub superblob: Option<Vec<u8>>,
    /// The Info.plist linked into the code (__TEXT,__info_plist), which the signature
    /// of code outside a bundle binds in its Info.plist slot.
    pub info_plist: Option<Vec<u8>>,
    /// The bytes (from the slice's start) that FairPlay encrypted (cryptid ≠ 0): the
    /// pages' hashes are of the clear code, which only a device sees.
    pub encrypted: Option<std::ops::Range<u64>>,
}

/// The code signature of every slice, in file order, read forward from a stream.
pub(crate) fn code_signatures(reader: impl Read) -> Result<Vec<SliceSignature>, MachoError> {
    let mut r = Forward::new(reader);
    let head = r.read(8)?;
    let Some(slices) = fat_slices(&mut r, &head)? else {
        let header = read_header(&mut r, &head)?;
        let slice = Slice {
            offset: 0,
            size: MAX_EXECUTABLE,
            architecture: arch_name(header.cputype, header.cpusubtype),
        };
        return Ok(vec![slice_signature(&mut r, slice, &header)?]);
    };
    let mut out = Vec::new();
    let mut held = 0usize;
    for slice in slices {
        r.skip_to(slice.offset)?;
        let head = r.read(8)?;
        let header = read_header(&mut r, &head)?;
        let signature = slice_signature(&mut r, slice, &header)?;
        held += signature.superblob.as_ref().map_or(0, Vec::len);
        if held > MAX_SIGNATURE as usize {
            return Err(bad(format!(
                "the slices' code signatures hold over {MAX_SIGNATURE} bytes in all"
            )));
        }
        out.push(signature);
    }
    Ok(out)
}

/// The bytes LC_CODE_SIGNATURE points at and the linked Info.plist, when the header
/// names them.
fn slice_signature<R: Read>(
    r: &mut Forward<R>,
    slice: Slice,
    header: &Header,
) -> Result<SliceSignature, MachoError> {
    let mut signature = None;
    let mut info_plist = None;
    let mut encrypted = None;
    for command in load_commands(header) {
        let (cmd, command) = command?;
        match cmd {
            LC_CODE_SIGNATURE => signature = Some((le32(command, 8), le32(command, 12))),
            LC_ENCRYPTION_INFO | LC_ENCRYPTION_INFO_64 if le32(command, 16) != 0 => {
                let start = u64::from(le32(command, 8));
                encrypted = Some(start..start + u64::from(le32(command, 12)));
            }
            LC_SEGMENT | LC_SEGMENT_64 => {
                info_plist = info_plist.or(section(command, cmd == LC_SEGMENT_64, b"__info_plist"))
            }
            _ => {}
        }
    }
    let base = slice.offset;
    let info_plist = match info_plist {
        Some((offset, size)) if size <= MAX_INFO_PLIST && offset > 0 => {
            r.skip_to(base + offset)?;
            Some(r.read(size)?)
        }
        _ => None,
    };
    let superblob = match signature {
        None => None,
        Some((_, datasize)) if datasize > MAX_SIGNATURE => {
            return Err(bad(format!("the code signature claims {datasize} bytes")))
        }
        Some((dataoff, datasize)) => {
            r.skip_to(base + u64::from(dataoff))?;
            Some(r.read(datasize)?)
        }
    };
    Ok(SliceSignature {
        slice,
        superblob,
        info_plist,
        encrypted,
    })
}

/// The file offset and size of the section `name` of __TEXT, from a segment command.
fn section(command: &[u8], wide: bool, name: &[u8]) -> Option<(u64, u32)> {
    let (header, entry) = if wide { (72, 80) } else { (56, 68) };
    if command.get(8..14) != Some(b"__TEXT") || command.get(14) != Some(&0) {
        return None;
    }
    let nsects = le32(command, if wide { 64 } else { 48 }) as usize;
    let sections = command.get(header..)?.chunks_exact(entry).take(nsects);
    sections
        .filter(|section| section.get(..16).and_then(|n| n.split(|b| *b == 0).next()) == Some(name))
        .map(|section| {
            let (size_at, offset_at) = if wide { (40, 48) } else { (36, 40) };
            (u64::from(le32(section, offset_at)), le32(section, size_at))
        })
        .next()
}

fn read_slice<R: Read>(
    r: &mut Forward<R>,
    base: u64,
    head: &[u8],
    out: &mut MachO,
    read_strings: bool,
) -> Result<(), MachoError> {
    let header = read_header(r, head)?;
    if out.architectures.is_empty() {
        out.architectures
            .push(arch_name(header.cputype, header.cpusubtype));
    }
    let mut signature = None;
    // (file offset, size, is the class-name section) of the string sections.
    let mut string_sections: Vec<(u64, u32, bool)> = Vec::new();
    for command in load_commands(&header) {
        let (cmd, command) = command?;
        let size = command.len();
        match cmd {
            LC_CODE_SIGNATURE => signature = Some((le32(command, 8), le32(command, 12))),
            LC_ENCRYPTION_INFO | LC_ENCRYPTION_INFO_64 => out.encrypted |= le32(command, 16) != 0,
            LC_SEGMENT | LC_SEGMENT_64 if read_strings => {
                let wide = cmd == LC_SEGMENT_64;
                let (header, entry) = if wide { (72, 80) } else { (56, 68) };
                let nsects = le32(command, if wide { 64 } else { 48 }) as usize;
                for i in 0..nsects.min((size.saturating_sub(header)) / entry) {
                    let section = &command[header + i * entry..header + (i + 1) * entry];
                    let name = section[..16].split(|b| *b == 0).next().unwrap_or_default();
                    let (size_at, offset_at) = if wide { (40, 48) } else { (36, 40) };
                    let length = if wide {
                        u32::try_from(
                            u64::from(le32(section, size_at))
                                | (u64::from(le32(section, size_at + 4)) << 32),
                        )
                        .unwrap_or(u32::MAX)
                    } else {
                        le32(section, size_at)
                    };
                    let offset = u64::from(le32(section, offset_at));
                    if (name == b"__cstring" || name == b"__objc_classname") && offset > 0 {
                        string_sections.push((offset, length, name == b"__objc_classname"));
                    }
                }
            }
            LC_LOAD_DYLIB | LC_LOAD_WEAK_DYLIB | LC_REEXPORT_DYLIB => {
                // dylib_command: the name's offset from the command's start, then the name.
                let name_at = le32(command, 8) as usize;
                if let Some(bytes) = command.get(name_at..).filter(|_| name_at > 8) {
                    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
                    out.dylibs
                        .push(String::from_utf8_lossy(&bytes[..end]).into_owned());
                }
            }
            _ => {}
        }
    }
    string_sections.sort();
    for (offset, length, classes) in string_sections {
        if base + offset < r.pos {
            continue; // overlapping or already passed: sections are read in order only
        }
        let budget = MAX_STRINGS_SCANNED - out.strings_scanned;
        let length = u64::from(length).min(budget) as u32;
        if length == 0 {
            break;
        }
        r.skip_to(base + offset)?;
        scan_strings(r, length, classes, out)?;
    }
    let Some((dataoff, datasize)) = signature else {
        return Ok(());
    };
    out.has_signature = true;
    let sig_base = base + dataoff as u64;
    r.skip_to(sig_base)?;
    let header = r.read(12)?;
    let count = be32(&header, 8);
    if be32(&header, 0) != CSMAGIC_EMBEDDED_SIGNATURE || count > MAX_SUPERBLOB_COUNT {
        return Err(bad(
            "the code signature is not an embedded-signature SuperBlob",
        ));
    }
    let index = r.read(count * 8)?;
    let mut wanted: Vec<(u32, u32)> = (0..count as usize)
        .map(|i| (be32(&index, i * 8 + 4), be32(&index, i * 8)))
        .filter(|(offset, slot)| {
            [
                CSSLOT_CODEDIRECTORY,
                CSSLOT_SIGNATURESLOT,
                CSSLOT_ENTITLEMENTS,
            ]
            .contains(slot)
                && *offset < datasize
        })
        .collect();
    wanted.sort();
    for (offset, slot) in wanted {
        r.skip_to(sig_base + offset as u64)?;
        let blob_head = r.read(8)?;
        let length = be32(&blob_head, 4);
        if !(8..=MAX_BLOB).contains(&length) {
            return Err(bad(format!("code-signature blob of {length} bytes")));
        }
        let body = r.read(length - 8)?;
        match (slot, be32(&blob_head, 0)) {
            (CSSLOT_CODEDIRECTORY, CSMAGIC_CODEDIRECTORY) => {
                read_code_directory(&blob_head, &body, out)
            }
            (CSSLOT_SIGNATURESLOT, CSMAGIC_BLOBWRAPPER) if !body.is_empty() => out.cms = Some(body),
            (CSSLOT_ENTITLEMENTS, CSMAGIC_EMBEDDED_ENTITLEMENTS) => out.entitlements = Some(body),
            _ => {}
        }
    }
    Ok(())
}

/// Reads `length` bytes of a string section a chunk at a time and keeps its
/// class names, or its strings that hold a URL, within the caps.
fn scan_strings<R: Read>(
    r: &mut Forward<R>,
    length: u32,
    classes: bool,
    out: &mut MachO,
) -> Result<(), MachoError> {
    let mut current: Vec<u8> = Vec::new();
    let mut left = length;
    while left > 0 {
        let chunk = r.read(left.min(STRING_CHUNK))?;
        left -= chunk.len() as u32;
        out.strings_scanned += chunk.len() as u64;
        for part in chunk.split_inclusive(|b| *b == 0) {
            let (text, ends) = match part.split_last() {
                Some((0, text)) => (text, true),
                _ => (part, false),
            };
            let room = MAX_STRING_LEN.saturating_sub(current.len());
            current.extend_from_slice(&text[..text.len().min(room)]);
            if ends || left == 0 {
                keep_string(&current, classes, out);
                current.clear();
            }
        }
    }
    Ok(())
}

fn keep_string(string: &[u8], classes: bool, out: &mut MachO) {
    let kept = out.objc_classes.len() + out.url_strings.len();
    if string.is_empty()
        || kept >= MAX_KEPT_STRINGS
        || out.kept_bytes + string.len() > MAX_KEPT_STRING_BYTES
    {
        return;
    }
    let list = if classes {
        &mut out.objc_classes
    } else if string
        .windows(7)
        .any(|w| w == b"http://" || w == b"https:/")
    {
        &mut out.url_strings
    } else {
        return;
    };
    out.kept_bytes += string.len();
    list.push(String::from_utf8_lossy(string).into_owned());
}

/// Identifier and team id from a CodeDirectory (offsets count from the blob start).
fn read_code_directory(head: &[u8], body: &[u8], out: &mut MachO) {
    let blob = [head, body].concat();
    let c_string = |offset: u32| -> Option<String> {
        let bytes = blob.get(offset as usize..)?;
        let end = bytes.iter().position(|b| *b == 0)?;
        std::str::from_utf8(&bytes[..end]).ok().map(str::to_string)
    };
    let version = be32(&blob, 8);
    out.identifier = c_string(be32(&blob, 20));
    if version >= 0x20200 {
        let team = be32(&blob, 48);
        if team != 0 {
            out.team_id = c_string(team);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A thin 64-bit Mach-O with an encryption command and a code signature
    /// holding a CodeDirectory and a CMS blob.
    pub(super) fn sample(cryptid: u32) -> Vec<u8> {
        let mut cd = vec![0u8; 52];
        let mut put = |at: usize, v: u32| cd[at..at + 4].copy_from_slice(&v.to_be_bytes());
        put(0, CSMAGIC_CODEDIRECTORY);
        put(8, 0x20400); // version with teamOffset
        put(20, 52); // identOffset
        put(48, 52 + 16); // teamOffset, after the 16-byte identifier
        cd.extend_from_slice(b"com.example.app\0");
        cd.extend_from_slice(b"ABCDE12345\0");
        let cd_len = cd.len() as u32;
        cd[4..8].copy_from_slice(&cd_len.to_be_bytes());
        let mut cms = CSMAGIC_BLOBWRAPPER.to_be_bytes().to_vec();
        cms.extend_from_slice(&12u32.to_be_bytes());
        cms.extend_from_slice(b"CMS!");
        let mut sig = CSMAGIC_EMBEDDED_SIGNATURE.to_be_bytes().to_vec();
        let total = 12 + 16 + cd.len() + cms.len();
        sig.extend_from_slice(&(total as u32).to_be_bytes());
        sig.extend_from_slice(&2u32.to_be_bytes());
        for (slot, offset) in [
            (CSSLOT_CODEDIRECTORY, 28u32),
            (CSSLOT_SIGNATURESLOT, 28 + cd.len() as u32),
        ] {
            sig.extend_from_slice(&slot.to_be_bytes());
            sig.extend_from_slice(&offset.to_be_bytes());
        }
        sig.extend_from_slice(&cd);
        sig.extend_from_slice(&cms);
        let commands_len = 24 + 16;
        let dataoff = 32 + commands_len + 64; // some padding before the signature
        let mut out = Vec::new();
        for v in [MH_MAGIC_64, 0x0100_000c, 0, 2, 2, commands_len, 0, 0] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [LC_ENCRYPTION_INFO_64, 24, 0x4000, 0x1000, cryptid, 0] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [LC_CODE_SIGNATURE, 16, dataoff, sig.len() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.resize(dataoff as usize, 0);
        out.extend_from_slice(&sig);
        out
    }

    #[test]
    fn thin_binary_with_signature_and_encryption() {
        let m = read(&sample(1)[..], false).unwrap();
        assert_eq!(m.architectures, ["arm64"]);
        assert!(m.encrypted && m.has_signature);
        assert_eq!(m.identifier.as_deref(), Some("com.example.app"));
        assert_eq!(m.team_id.as_deref(), Some("ABCDE12345"));
        assert_eq!(m.cms.as_deref(), Some(&b"CMS!"[..]));
        assert!(!read(&sample(0)[..], false).unwrap().encrypted);
    }

    #[test]
    fn fat_binary_reads_its_first_slice() {
        let slice = sample(0);
        let mut fat = FAT_MAGIC.to_be_bytes().to_vec();
        fat.extend_from_slice(&1u32.to_be_bytes());
        for v in [0x0100_000cu32, 0, 4096, slice.len() as u32, 12] {
            fat.extend_from_slice(&v.to_be_bytes());
        }
        fat.resize(4096, 0);
        fat.extend_from_slice(&slice);
        let m = read(&fat[..], true).unwrap();
        assert_eq!(m.architectures, ["arm64"]);
        assert_eq!(m.identifier.as_deref(), Some("com.example.app"));
    }

    #[test]
    fn strings_are_scanned_by_chunks_and_kept_within_caps() {
        let mut section = vec![b'x'; STRING_CHUNK as usize - 10];
        section.extend_from_slice(b"\0https://example.com/a-url-across-two-chunks\0\0tail");
        let mut out = MachO::default();
        let mut r = Forward::new(&section[..]);
        scan_strings(&mut r, section.len() as u32, false, &mut out).unwrap();
        assert_eq!(
            out.url_strings,
            ["https://example.com/a-url-across-two-chunks"]
        );
        assert_eq!(out.strings_scanned, section.len() as u64);

        let names = b"a\0".repeat(MAX_KEPT_STRINGS + 10);
        let mut out = MachO::default();
        let mut r = Forward::new(&names[..]);
        scan_strings(&mut r, names.len() as u32, true, &mut out).unwrap();
        assert_eq!(out.objc_classes.len(), MAX_KEPT_STRINGS);
        let long = [vec![b'b'; MAX_STRING_LEN * 3], vec![0]].concat();
        let mut out = MachO::default();
        let mut r = Forward::new(&long[..]);
        scan_strings(&mut r, long.len() as u32, true, &mut out).unwrap();
        assert_eq!(out.objc_classes[0].len(), MAX_STRING_LEN);
    }

    #[test]
    fn truncations_and_lies_are_errors() {
        let data = sample(0);
        for len in 0..data.len() {
            let _ = read(&data[..len], true);
        }
        assert!(read(&data[..data.len() - 3], false).is_err());
        let java_class = [0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52];
        assert!(read(&java_class[..], false).is_err());
    }
}
