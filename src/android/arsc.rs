//! resources.arsc: enough of the resource table to resolve a reference to
//! its value in every configuration (locale, density).

use super::res::{Chunk, ResError, StringPool, Value, CHUNK_STRING_POOL, TYPE_STRING};
use crate::bytes::{u16_at, u32_at, Reader};
use std::collections::HashMap;

const CHUNK_TABLE: u16 = 0x0002;
const CHUNK_PACKAGE: u16 = 0x0200;
const CHUNK_TYPE: u16 = 0x0201;

const TYPE_FLAG_SPARSE: u8 = 0x01;
const TYPE_FLAG_OFFSET16: u8 = 0x02;
const ENTRY_FLAG_COMPLEX: u16 = 0x0001;
const ENTRY_FLAG_COMPACT: u16 = 0x0008;
const NO_ENTRY32: u32 = 0xffff_ffff;
const NO_ENTRY16: u16 = 0xffff;

/// Densities that are not a pixel density: "anydpi" and "nodpi".
pub(crate) const DENSITY_ANY: u16 = 0xfffe;
pub(crate) const DENSITY_NONE: u16 = 0xffff;

/// The parts of a ResTable_config we use.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Config {
    /// BCP 47-style tag, e.g. "zh-CN", "zh-Hans"; empty for the default locale.
    pub locale: String,
    pub density: u16,
    /// True when the configuration qualifies nothing but locale and density.
    pub plain: bool,
}

/// Type ids are one byte: a package names at most this many types.
const MAX_TYPE_NAMES: u32 = 255;

pub(crate) struct ResourceTable<'a> {
    data: &'a [u8],
    strings: StringPool<'a>,
    /// Each package's type names ("string", "mipmap"…) by type id - 1; the first
    /// package of an id wins, as in AOSP.
    type_names: HashMap<u8, Vec<Option<String>>>,
    /// The type chunks (one per configuration) of each (package id, type id), in table order.
    types: HashMap<(u8, u8), Vec<Chunk>>,
    /// Each package's entry names ("app_name", "abc_action_bar_home_description"…).
    key_names: HashMap<u8, StringPool<'a>>,
}

impl<'a> ResourceTable<'a> {
    pub(crate) fn parse(data: &'a [u8]) -> Result<Self, ResError> {
        let root = Chunk::read(data, 0)?;
        if root.kind != CHUNK_TABLE {
            return Err(ResError::Malformed(format!(
                "not a resource table: first chunk is 0x{:04x}",
                root.kind
            )));
        }
        let mut strings = None;
        let mut type_names = HashMap::new();
        let mut types = HashMap::new();
        let mut key_names = HashMap::new();
        for chunk in Chunk::children(data, root.body_start(), root.end) {
            let chunk = chunk?;
            match chunk.kind {
                CHUNK_STRING_POOL if strings.is_none() => {
                    strings = Some(StringPool::parse(data, chunk)?)
                }
                CHUNK_PACKAGE => {
                    let package = read_package(data, chunk, &mut types)?;
                    type_names.entry(package.id).or_insert(package.type_names);
                    if let Some(keys) = package.key_names {
                        key_names.entry(package.id).or_insert(keys);
                    }
                }
                _ => {}
            }
        }
        let strings = strings
            .ok_or_else(|| ResError::Malformed("resource table has no string pool".into()))?;
        Ok(ResourceTable {
            data,
            strings,
            type_names,
            types,
            key_names,
        })
    }

    fn type_chunks(&self, id: u32) -> &[Chunk] {
        let key = ((id >> 24) as u8, ((id >> 16) & 0xff) as u8);
        self.types.get(&key).map_or(&[], Vec::as_slice)
    }

    /// How many configurations `values(id)` looks at: its cost.
    pub(crate) fn config_count(&self, id: u32) -> usize {
        self.type_chunks(id).len()
    }

    /// The value of resource `id` in every configuration that defines it, in table order.
    pub(crate) fn values(&self, id: u32) -> Vec<(Config, Value)> {
        let entry = (id & 0xffff) as usize;
        self.type_chunks(id)
            .iter()
            .filter_map(|chunk| self.entry_value(*chunk, entry))
            .collect()
    }

    /// Every string value of the table (the global pool).
    pub(crate) fn all_strings(&self) -> impl Iterator<Item = String> + '_ {
        self.strings.iter()
    }

    /// How many string resources each locale defines, plain configurations
    /// only ("default" for no locale), counting those whose entry name `keep`
    /// accepts: the share of the app's own strings a locale translates. An
    /// entry whose name cannot be read is not counted.
    pub(crate) fn string_counts_by_locale(
        &self,
        keep: impl Fn(&str) -> bool,
    ) -> Vec<(String, usize)> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        // Each name is decoded once, however many locales define it.
        let mut kept_keys: HashMap<(u8, u32), bool> = HashMap::new();
        let mut string_types: Vec<(&(u8, u8), &Vec<Chunk>)> = self
            .types
            .iter()
            .filter(|((package, kind), _)| {
                let id = (u32::from(*package) << 24) | (u32::from(*kind) << 16);
                self.type_name(id) == Some("string")
            })
            .collect();
        // Table order, whatever the map's.
        string_types.sort_by_key(|(_, chunks)| chunks.first().map(|c| c.start));
        for ((package, _), chunks) in string_types {
            let keys = self.key_names.get(package);
            for chunk in chunks {
                let Some((config, entries)) = self.present_entries(*chunk) else {
                    continue;
                };
                if !config.plain {
                    continue;
                }
                let present = entries
                    .into_iter()
                    .filter_map(|at| entry_key(&self.data[..chunk.end], at))
                    .filter(|key| {
                        *kept_keys.entry((*package, *key)).or_insert_with(|| {
                            keys.and_then(|pool| pool.get(*key))
                                .is_some_and(|name| keep(&name))
                        })
                    })
                    .count();
                let locale = if config.locale.is_empty() {
                    "default".to_string()
                } else {
                    config.locale
                };
                match index.get(&locale) {
                    Some(i) => counts[*i].1 += present,
                    None => {
                        index.insert(locale.clone(), counts.len());
                        counts.push((locale, present));
                    }
                }
            }
        }
        counts
    }

    /// A type chunk's configuration and where each entry it defines starts.
    fn present_entries(&self, chunk: Chunk) -> Option<(Config, Vec<usize>)> {
        let data = &self.data[..chunk.end];
        let flags = *data.get(chunk.start + 9)?;
        let entry_count = u32_at(data, chunk.start + 12)? as usize;
        let entries_start = chunk
            .start
            .checked_add(u32_at(data, chunk.start + 16)? as usize)?;
        let config = read_config(data, chunk.start + 20, chunk.body_start())?;
        let offsets_at = chunk.body_start();
        let fits = data.len().saturating_sub(offsets_at);
        // Offsets past the chunk are dropped here: every position is in bounds.
        let at = |offset: usize| {
            entries_start
                .checked_add(offset)
                .filter(|at| *at < data.len())
        };
        let entries = if flags & TYPE_FLAG_SPARSE != 0 {
            (0..entry_count.min(fits / 4))
                .filter_map(|i| u16_at(data, offsets_at + i * 4 + 2))
                .filter_map(|o| at(usize::from(o) * 4))
                .collect()
        } else if flags & TYPE_FLAG_OFFSET16 != 0 {
            (0..entry_count.min(fits / 2))
                .filter_map(|i| u16_at(data, offsets_at + i * 2))
                .filter(|o| *o != NO_ENTRY16)
                .filter_map(|o| at(usize::from(o) * 4))
                .collect()
        } else {
            (0..entry_count.min(fits / 4))
                .filter_map(|i| u32_at(data, offsets_at + i * 4))
                .filter(|o| *o != NO_ENTRY32)
                .filter_map(|o| at(o as usize))
                .collect()
        };
        Some((config, entries))
    }

    /// A string value's text.
    pub(crate) fn string(&self, value: &Value) -> Option<String> {
        (value.data_type == TYPE_STRING).then(|| self.strings.get(value.data))?
    }

    /// "string", "mipmap"… for a resource id, when the table names its type.
    pub(crate) fn type_name(&self, id: u32) -> Option<&str> {
        let names = self.type_names.get(&((id >> 24) as u8))?;
        let type_index = ((id >> 16) & 0xff).checked_sub(1)? as usize;
        names.get(type_index)?.as_deref()
    }

    fn entry_value(&self, chunk: Chunk, index: usize) -> Option<(Config, Value)> {
        let data = &self.data[..chunk.end];
        let mut r = Reader::at(data, chunk.start + 8).ok()?;
        let _id = r.u8().ok()?;
        let flags = r.u8().ok()?;
        let _reserved = r.u16().ok()?;
        let entry_count = r.u32().ok()? as usize;
        let entries_start = r.u32().ok()? as usize;
        let config = read_config(data, r.position(), chunk.body_start())?;
        let offsets_at = chunk.body_start();
        let offset = if flags & TYPE_FLAG_SPARSE != 0 {
            // (index, offset / 4) pairs sorted by index; never more than the chunk holds.
            let count = entry_count.min(data.len().saturating_sub(offsets_at) / 4);
            let key = |i: usize| u16_at(data, offsets_at + i * 4).map(usize::from);
            let (mut low, mut high) = (0, count);
            while low < high {
                let mid = low + (high - low) / 2;
                if key(mid)? < index {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            if low >= count || key(low)? != index {
                return None;
            }
            usize::from(u16_at(data, offsets_at + low * 4 + 2)?) * 4
        } else if index >= entry_count {
            return None;
        } else if flags & TYPE_FLAG_OFFSET16 != 0 {
            let o = u16_at(data, offsets_at + index * 2)?;
            if o == NO_ENTRY16 {
                return None;
            }
            o as usize * 4
        } else {
            let o = u32_at(data, offsets_at + index * 4)?;
            if o == NO_ENTRY32 {
                return None;
            }
            o as usize
        };
        let at = chunk
            .start
            .checked_add(entries_start)?
            .checked_add(offset)?;
        let mut e = Reader::at(data, at).ok()?;
        let _size_or_compact_key = e.u16().ok()?;
        let entry_flags = e.u16().ok()?;
        let value = if entry_flags & ENTRY_FLAG_COMPACT != 0 {
            // Compact entry: the key index sits in the size field, the type in the flags' high byte.
            Value {
                data_type: (entry_flags >> 8) as u8,
                data: e.u32().ok()?,
            }
        } else if entry_flags & ENTRY_FLAG_COMPLEX != 0 {
            return None;
        } else {
            let _key = e.u32().ok()?;
            Value::read(&mut e).ok()?
        };
        Some((config, value))
    }
}

/// The index of an entry's name in its package's key pool: a compact entry
/// keeps it in its first 16 bits, a full one after its size and flags.
fn entry_key(data: &[u8], at: usize) -> Option<u32> {
    let flags = u16_at(data, at + 2)?;
    if flags & ENTRY_FLAG_COMPACT != 0 {
        u16_at(data, at).map(u32::from)
    } else {
        u32_at(data, at + 4)
    }
}

/// What a package chunk gives the table besides its type chunks.
struct Package<'a> {
    id: u8,
    type_names: Vec<Option<String>>,
    /// Its entry names, when the chunk holds the pool it points to.
    key_names: Option<StringPool<'a>>,
}

/// A package's id, type names and entry names; its type chunks go to `types`.
fn read_package<'a>(
    data: &'a [u8],
    chunk: Chunk,
    types: &mut HashMap<(u8, u8), Vec<Chunk>>,
) -> Result<Package<'a>, ResError> {
    let mut r = Reader::at(&data[..chunk.end], chunk.start + 8)?;
    let id = r.u32()? as u8;
    r.skip(256)?; // name, UTF-16, 128 units
    let type_strings = r.u32()? as usize;
    let _last_public_type = r.u32()?;
    let key_strings = r.u32()? as usize;
    let mut type_names = Vec::new();
    let mut key_names = None;
    for child in Chunk::children(data, chunk.body_start(), chunk.end) {
        let child = child?;
        match child.kind {
            CHUNK_TYPE => {
                if let Some(type_id) = data[..child.end].get(child.start + 8) {
                    types.entry((id, *type_id)).or_default().push(child);
                }
            }
            CHUNK_STRING_POOL if child.start == chunk.start + type_strings => {
                let pool = StringPool::parse(data, child)?;
                type_names = (0..MAX_TYPE_NAMES.min(pool.count() as u32))
                    .map(|i| pool.get(i))
                    .collect();
            }
            CHUNK_STRING_POOL if child.start == chunk.start + key_strings => {
                key_names = Some(StringPool::parse(data, child)?);
            }
            _ => {}
        }
    }
    Ok(Package {
        id,
        type_names,
        key_names,
    })
}

/// Reads the ResTable_config at `at`; fields beyond its declared size are zero.
fn read_config(data: &[u8], at: usize, limit: usize) -> Option<Config> {
    let size = (u32_at(data, at)? as usize).min(limit.saturating_sub(at));
    let bytes = data.get(at..at + size)?;
    let field =
        |offset: usize, len: usize| -> &[u8] { bytes.get(offset..offset + len).unwrap_or(&[]) };
    let language = unpack_locale_part(field(8, 2), b'a');
    let region = unpack_locale_part(field(10, 2), b'0');
    let script: String = field(36, 4)
        .iter()
        .take_while(|b| **b != 0)
        .map(|b| *b as char)
        .collect();
    let density = u16_at(bytes, 14).unwrap_or(0);
    let mut locale = language;
    if !locale.is_empty() {
        if !script.is_empty() {
            locale = format!("{locale}-{script}");
        }
        if !region.is_empty() {
            locale = format!("{locale}-{region}");
        }
    }
    // Everything but locale (8..12), density (14..16), script and variant (36..48).
    let plain = bytes.iter().enumerate().all(|(i, b)| {
        *b == 0 || i < 4 || (8..12).contains(&i) || (14..16).contains(&i) || (36..48).contains(&i)
    });
    Some(Config {
        locale,
        density,
        plain,
    })
}

/// Two-letter codes are stored as ASCII; three-letter ones are packed into
/// 15 bits with the high bit set.
fn unpack_locale_part(bytes: &[u8], base: u8) -> String {
    match bytes {
        [0, _] | [] | [_] => String::new(),
        [first, second] if first & 0x80 != 0 => {
            let a = second & 0x1f;
            let b = ((second & 0xe0) >> 5) | ((first & 0x03) << 3);
            let c = (first & 0x7c) >> 2;
            [a, b, c].iter().map(|x| (base + x) as char).collect()
        }
        [first, second] => [*first as char, *second as char].iter().collect(),
        _ => String::new(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::android::res::tests::pool_chunk;

    #[test]
    fn locale_parts_two_and_three_letters() {
        assert_eq!(unpack_locale_part(b"zh", b'a'), "zh");
        assert_eq!(unpack_locale_part(b"CN", b'0'), "CN");
        assert_eq!(unpack_locale_part(&[0, 0], b'a'), "");
        // "fil" packed as in ResourceTypes.cpp: first = 0x80 | (l << 2) | (i >> 3), second = (i << 5) | f
        let (f, i, l) = (b'f' - b'a', b'i' - b'a', b'l' - b'a');
        let packed = [0x80 | (l << 2) | (i >> 3), (i << 5) | f];
        assert_eq!(unpack_locale_part(&packed, b'a'), "fil");
    }

    #[test]
    fn configs_read_locale_script_and_density() {
        let mut config = vec![0u8; 48];
        config[0] = 48;
        config[8..10].copy_from_slice(b"zh");
        config[10..12].copy_from_slice(b"TW");
        config[36..40].copy_from_slice(b"Hant");
        config[14..16].copy_from_slice(&480u16.to_le_bytes());
        let c = read_config(&config, 0, 48).unwrap();
        assert_eq!(c.locale, "zh-Hant-TW");
        assert_eq!(c.density, 480);
        assert!(c.plain);
        config[25] = 1; // a minor version qualifier
        assert!(!read_config(&config, 0, 48).unwrap().plain);
    }

    fn chunk(kind: u16, header: &[u8], body: &[u8]) -> Vec<u8> {
        let header_size = 8 + header.len();
        let mut out = kind.to_le_bytes().to_vec();
        out.extend_from_slice(&(header_size as u16).to_le_bytes());
        out.extend_from_slice(&((header_size + body.len()) as u32).to_le_bytes());
        out.extend_from_slice(header);
        out.extend_from_slice(body);
        out
    }

    /// A table with package 0x7f, type 1 ("string"), whose entries are given
    /// as (entry index, global string index), in one type chunk of `flags`.
    fn table(flags: u8, entries: &[(u16, u32)], compact: bool, locale: &[u8; 2]) -> Vec<u8> {
        let strings = pool_chunk(&["zero", "one", "two"], true);
        let entry_count = entries
            .iter()
            .map(|(i, _)| *i as u32 + 1)
            .max()
            .unwrap_or(0);
        let mut offsets = Vec::new();
        let mut data = Vec::new();
        let mut by_index = vec![None; entry_count as usize];
        for (index, string) in entries {
            by_index[*index as usize] = Some(data.len());
            if flags & TYPE_FLAG_SPARSE != 0 {
                offsets.extend_from_slice(&index.to_le_bytes());
                offsets.extend_from_slice(&((data.len() / 4) as u16).to_le_bytes());
            }
            if compact {
                data.extend_from_slice(&0u16.to_le_bytes());
                data.extend_from_slice(
                    &(ENTRY_FLAG_COMPACT | (u16::from(TYPE_STRING) << 8)).to_le_bytes(),
                );
                data.extend_from_slice(&string.to_le_bytes());
            } else {
                data.extend_from_slice(&[8, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, TYPE_STRING]);
                data.extend_from_slice(&string.to_le_bytes());
            }
        }
        if flags & TYPE_FLAG_SPARSE == 0 {
            for slot in &by_index {
                if flags & TYPE_FLAG_OFFSET16 != 0 {
                    let o = slot.map_or(NO_ENTRY16, |o| (o / 4) as u16);
                    offsets.extend_from_slice(&o.to_le_bytes());
                } else {
                    let o = slot.map_or(NO_ENTRY32, |o| o as u32);
                    offsets.extend_from_slice(&o.to_le_bytes());
                }
            }
            while offsets.len() % 4 != 0 {
                offsets.push(0);
            }
        }
        let count = if flags & TYPE_FLAG_SPARSE != 0 {
            entries.len() as u32
        } else {
            entry_count
        };
        let mut config = vec![0u8; 64];
        config[0] = 64;
        config[8..10].copy_from_slice(locale);
        let mut header = vec![1, flags, 0, 0];
        header.extend_from_slice(&count.to_le_bytes());
        header.extend_from_slice(&((84 + offsets.len()) as u32).to_le_bytes());
        header.extend_from_slice(&config);
        let type_chunk = chunk(CHUNK_TYPE, &header, &[offsets, data].concat());
        table_of(strings, &["app_name"], type_chunk)
    }

    /// A resource table: its global `strings` pool, and one package (0x7f) of string
    /// resources named `keys`, whose values are in `type_chunks`.
    fn table_of(strings: Vec<u8>, keys: &[&str], type_chunks: Vec<u8>) -> Vec<u8> {
        let type_names = pool_chunk(&["string"], true);
        let key_names = pool_chunk(keys, true);
        let mut package_header = 0x7fu32.to_le_bytes().to_vec();
        package_header.extend_from_slice(&[0; 256]);
        package_header.extend_from_slice(&288u32.to_le_bytes()); // typeStrings
        package_header.extend_from_slice(&0u32.to_le_bytes());
        package_header.extend_from_slice(&((288 + type_names.len()) as u32).to_le_bytes());
        package_header.extend_from_slice(&[0; 8]);
        let package = chunk(
            CHUNK_PACKAGE,
            &package_header,
            &[type_names, key_names, type_chunks].concat(),
        );
        chunk(
            CHUNK_TABLE,
            &1u32.to_le_bytes(),
            &[strings, package].concat(),
        )
    }

    fn lookup(data: &[u8], id: u32) -> Vec<(String, Option<String>)> {
        let table = ResourceTable::parse(data).unwrap();
        table
            .values(id)
            .iter()
            .map(|(c, v)| (c.locale.clone(), table.string(v)))
            .collect()
    }

    #[test]
    fn dense_offset16_sparse_and_compact_entries_resolve() {
        for (flags, compact) in [
            (0, false),
            (TYPE_FLAG_OFFSET16, false),
            (TYPE_FLAG_SPARSE, false),
            (0, true),
        ] {
            let data = table(flags, &[(0, 1), (3, 2)], compact, b"zh");
            let what = format!("flags {flags} compact {compact}");
            assert_eq!(
                lookup(&data, 0x7f01_0000),
                [("zh".into(), Some("one".into()))],
                "{what}"
            );
            assert_eq!(
                lookup(&data, 0x7f01_0003),
                [("zh".into(), Some("two".into()))],
                "{what}"
            );
            assert!(lookup(&data, 0x7f01_0002).is_empty(), "{what}");
            assert!(lookup(&data, 0x7f01_0009).is_empty(), "{what}");
            assert!(lookup(&data, 0x7f02_0000).is_empty(), "{what}");
            let table = ResourceTable::parse(&data).unwrap();
            assert_eq!(table.type_name(0x7f01_0000), Some("string"));
        }
    }

    #[test]
    fn a_huge_sparse_entry_count_is_bounded_by_the_chunk() {
        let mut data = table(TYPE_FLAG_SPARSE, &[(0, 1)], false, b"\0\0");
        let type_at = data
            .windows(4)
            .position(|w| w == [0x01, 0x02, 84, 0])
            .unwrap();
        data[type_at + 12..type_at + 16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(lookup(&data, 0x7f01_7fff).is_empty());
    }

    #[test]
    fn not_a_table_is_an_error() {
        assert!(ResourceTable::parse(&[3, 0, 8, 0, 8, 0, 0, 0]).is_err());
        assert!(ResourceTable::parse(&[]).is_err());
    }

    /// A table whose package 0x7f has one string type named `keys` (entry i is
    /// named keys[i]), and one type chunk per (locale, entries it defines);
    /// b"\0\0" is the default locale. Entries are full or compact, alternately.
    pub(crate) fn string_table(keys: &[&str], locales: &[(&[u8; 2], &[u16])]) -> Vec<u8> {
        let strings = pool_chunk(&["text"], true);
        let mut type_chunks = Vec::new();
        for (locale, entries) in locales {
            let mut offsets = vec![NO_ENTRY32; keys.len()];
            let mut data = Vec::new();
            for index in *entries {
                offsets[usize::from(*index)] = data.len() as u32;
                if index % 2 == 0 {
                    data.extend_from_slice(&[8, 0, 0, 0]);
                    data.extend_from_slice(&u32::from(*index).to_le_bytes());
                    data.extend_from_slice(&[8, 0, 0, TYPE_STRING, 0, 0, 0, 0]);
                } else {
                    data.extend_from_slice(&index.to_le_bytes());
                    data.extend_from_slice(
                        &(ENTRY_FLAG_COMPACT | (u16::from(TYPE_STRING) << 8)).to_le_bytes(),
                    );
                    data.extend_from_slice(&0u32.to_le_bytes());
                }
            }
            let offsets: Vec<u8> = offsets.iter().flat_map(|o| o.to_le_bytes()).collect();
            let mut config = vec![0u8; 64];
            config[0] = 64;
            config[8..10].copy_from_slice(*locale);
            let mut header = vec![1, 0, 0, 0];
            header.extend_from_slice(&(keys.len() as u32).to_le_bytes());
            header.extend_from_slice(&((84 + offsets.len()) as u32).to_le_bytes());
            header.extend_from_slice(&config);
            type_chunks.extend(chunk(CHUNK_TYPE, &header, &[offsets, data].concat()));
        }
        table_of(strings, keys, type_chunks)
    }

    #[test]
    fn string_counts_follow_the_entry_names() {
        let data = string_table(
            &["app_name", "abc_ok", "greeting", "abc_cancel"],
            &[
                (b"\0\0", &[0, 1, 2, 3]),
                (b"fr", &[1, 3]),
                (b"de", &[0, 1, 2]),
            ],
        );
        let table = ResourceTable::parse(&data).unwrap();
        let all = table.string_counts_by_locale(|_| true);
        assert_eq!(
            all,
            [("default".into(), 4), ("fr".into(), 2), ("de".into(), 3)]
        );
        let own = table.string_counts_by_locale(|name| !name.starts_with("abc_"));
        assert_eq!(
            own,
            [("default".into(), 2), ("fr".into(), 0), ("de".into(), 2)]
        );
    }
}
