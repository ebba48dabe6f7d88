//! resources.index (restool's binary resource table): the value of a resource
//! id in each configuration, enough to resolve `$string:` labels by locale.

use crate::bytes::{u16_at, u32_at};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

const HEADER_LEN: usize = 128 + 4 + 4;
const KEY_LANGUAGE: u32 = 0;
const KEY_REGION: u32 = 1;
const KEY_SCRIPT: u32 = 5;
/// restool's record type for a string resource.
const TYPE_STRING: u32 = 9;
/// Configurations number in the tens; ids in the thousands.
const MAX_CONFIGS: u32 = 4096;
/// A label or a media path in every locale is kilobytes; one id's values across
/// the configurations are not collected past this.
const MAX_STRINGS_BYTES: usize = 256 << 10;

pub(crate) struct ResourceIndex<'a> {
    data: &'a [u8],
    /// (locale tag or "default", plain, offset of the config's IDSS table)
    configs: Vec<(String, bool, usize)>,
}

/// A key value packs its characters big-endian: "zh" is 0x7a68.
fn unpack(value: u32) -> String {
    value
        .to_be_bytes()
        .iter()
        .filter(|b| **b != 0)
        .map(|b| *b as char)
        .collect()
}

/// Why resources.index cannot be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ResourcesError {
    #[error("resources.index: shorter than its header")]
    Short,
    #[error("resources.index: {0} configurations")]
    TooManyConfigurations(u32),
    #[error("resources.index: no KEYS tag at offset {0}")]
    NoKeys(usize),
    #[error("resources.index: truncated KEYS")]
    TruncatedKeys,
    #[error("resources.index: truncated key parameters")]
    TruncatedKeyParameters,
}

impl<'a> ResourceIndex<'a> {
    pub(crate) fn parse(data: &'a [u8]) -> Result<Self, ResourcesError> {
        let count = u32_at(data, 132).ok_or(ResourcesError::Short)?;
        if count > MAX_CONFIGS {
            return Err(ResourcesError::TooManyConfigurations(count));
        }
        let mut at = HEADER_LEN;
        let mut configs = Vec::new();
        for _ in 0..count {
            if data.get(at..at + 4) != Some(b"KEYS") {
                return Err(ResourcesError::NoKeys(at));
            }
            let offset = u32_at(data, at + 4).ok_or(ResourcesError::TruncatedKeys)? as usize;
            let key_count = u32_at(data, at + 8).ok_or(ResourcesError::TruncatedKeys)? as usize;
            at += 12;
            let (mut language, mut script, mut region, mut plain) =
                (String::new(), String::new(), String::new(), true);
            for k in 0..key_count {
                let (Some(kind), Some(value)) =
                    (u32_at(data, at + k * 8), u32_at(data, at + k * 8 + 4))
                else {
                    return Err(ResourcesError::TruncatedKeyParameters);
                };
                match kind {
                    KEY_LANGUAGE => language = unpack(value),
                    KEY_REGION => region = unpack(value),
                    KEY_SCRIPT => script = unpack(value),
                    _ => plain = false,
                }
            }
            at += key_count * 8;
            let mut locale = language;
            for part in [script, region] {
                if !locale.is_empty() && !part.is_empty() {
                    locale = format!("{locale}-{part}");
                }
            }
            if locale.is_empty() {
                locale = "default".into();
            }
            configs.push((locale, plain, offset));
        }
        Ok(ResourceIndex { data, configs })
    }

    /// The entries (id, record offset) of the IDSS table at `idss`; none if there is none.
    fn entries(&self, idss: usize) -> impl Iterator<Item = (u32, usize)> + '_ {
        let count = if self.data.get(idss..idss.saturating_add(4)) == Some(b"IDSS") {
            u32_at(self.data, idss + 4).unwrap_or(0) as usize
        } else {
            0
        };
        let count = count.min(self.data.len().saturating_sub(idss + 8) / 8);
        (0..count).filter_map(move |i| {
            let at = idss + 8 + i * 8;
            Some((u32_at(self.data, at)?, u32_at(self.data, at + 4)? as usize))
        })
    }

    /// Every distinct string value, for the URLs in them. Configurations share
    /// tables and records, so each table and each record is read once, and the
    /// values are borrowed: nothing grows with the number of references to them.
    pub(crate) fn all_values(&self) -> Vec<Cow<'a, str>> {
        let mut budget = Budget::new(self.data.len());
        let (mut tables, mut records) = (HashSet::new(), HashSet::new());
        let mut out = Vec::new();
        for (_, _, idss) in &self.configs {
            if !tables.insert(*idss) {
                continue;
            }
            for (id, offset) in self.entries(*idss) {
                if !budget.entry() {
                    return out;
                }
                if records.contains(&offset) {
                    continue;
                }
                if let Some(value) = self.record_value(offset, id) {
                    if !budget.bytes(value.len()) {
                        return out;
                    }
                    records.insert(offset);
                    out.push(value);
                }
            }
        }
        out
    }

    /// The string value of `id` in each locale, plain configurations first; a
    /// locale's first value only. Each table is searched once, and the values
    /// together stay under `MAX_STRINGS_BYTES`.
    pub(crate) fn strings(&self, id: u32) -> Vec<(String, String)> {
        let mut budget = Budget::new(self.data.len());
        let mut found: HashMap<usize, Option<usize>> = HashMap::new();
        let mut out: Vec<(String, String)> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut total = 0;
        for pass_plain in [true, false] {
            for (locale, plain, idss) in &self.configs {
                if *plain != pass_plain || seen.contains(locale.as_str()) {
                    continue;
                }
                let record = *found.entry(*idss).or_insert_with(|| {
                    self.entries(*idss)
                        .take_while(|_| budget.entry())
                        .find_map(|(entry, offset)| (entry == id).then_some(offset))
                });
                let Some(value) = record.and_then(|offset| self.record_value(offset, id)) else {
                    continue;
                };
                total += value.len();
                if total > MAX_STRINGS_BYTES {
                    return out;
                }
                seen.insert(locale);
                out.push((locale.clone(), value.into_owned()));
            }
        }
        out
    }

    /// How many string resources each plain configuration ("default" or a locale)
    /// defines whose names `keep` accepts, in table order. A table shared by
    /// configurations is counted once.
    pub(crate) fn string_counts_by_locale(
        &self,
        keep: impl Fn(&str) -> bool,
    ) -> Vec<(String, usize)> {
        let mut budget = Budget::new(self.data.len());
        let mut counted: HashMap<usize, usize> = HashMap::new();
        let mut out: Vec<(String, usize)> = Vec::new();
        for (locale, plain, idss) in &self.configs {
            if !*plain || out.iter().any(|(l, _)| l == locale) {
                continue;
            }
            let count = *counted.entry(*idss).or_insert_with(|| {
                self.entries(*idss)
                    .take_while(|_| budget.entry())
                    .filter(|(id, offset)| {
                        self.record_string_name(*offset, *id)
                            .is_some_and(|name| keep(&name))
                    })
                    .count()
            });
            out.push((locale.clone(), count));
        }
        out
    }

    /// The name of a string record; `None` for other types.
    fn record_string_name(&self, at: usize, id: u32) -> Option<Cow<'a, str>> {
        let data: &'a [u8] = self.data;
        if u32_at(data, at.checked_add(4)?)? != TYPE_STRING || u32_at(data, at + 8)? != id {
            return None;
        }
        let value_len = u16_at(data, at.checked_add(12)?)? as usize;
        let name_at = at + 14 + value_len;
        let len = u16_at(data, name_at)? as usize;
        let bytes = data.get(name_at + 2..name_at + 2 + len)?;
        let text = bytes.split(|b| *b == 0).next().unwrap_or_default();
        Some(String::from_utf8_lossy(text))
    }

    /// A record: size, type, id, then a u16-prefixed value and a u16-prefixed name.
    fn record_value(&self, at: usize, id: u32) -> Option<Cow<'a, str>> {
        let data: &'a [u8] = self.data;
        if u32_at(data, at.checked_add(8)?)? != id {
            return None;
        }
        let len = u16_at(data, at + 12)? as usize;
        let bytes = data.get(at + 14..at + 14 + len)?;
        let text = bytes.split(|b| *b == 0).next().unwrap_or_default();
        Some(String::from_utf8_lossy(text))
    }
}

/// What reading a table may cost: tables and records never overlap in an index
/// restool writes, so all tables hold at most one entry per 8 bytes of the file
/// and all distinct values at most its size. Past that the index is crafted.
struct Budget {
    entries: usize,
    bytes: usize,
}

impl Budget {
    fn new(len: usize) -> Self {
        Budget {
            entries: len / 8,
            bytes: len,
        }
    }

    /// Takes one entry; false once they are spent.
    fn entry(&mut self) -> bool {
        self.entries
            .checked_sub(1)
            .map(|left| self.entries = left)
            .is_some()
    }

    /// Takes `n` bytes of values; false once they are spent.
    fn bytes(&mut self, n: usize) -> bool {
        self.bytes
            .checked_sub(n)
            .map(|left| self.bytes = left)
            .is_some()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A resources.index with one string id in "default" and "zh-CN".
    pub(crate) fn sample(id: u32, default: &str, zh: &str) -> Vec<u8> {
        let mut out = vec![0u8; 128];
        out[..12].copy_from_slice(b"Restool 5.0\0");
        let keys_len = 12 + (12 + 16);
        let idss_len = 2 * (8 + 8);
        let records_at = HEADER_LEN + keys_len + idss_len;
        let record = |value: &str| {
            let mut r = Vec::new();
            let v = [value.as_bytes(), b"\0"].concat();
            let name = b"app_name\0";
            let size = 8 + 2 + v.len() + 2 + name.len();
            r.extend_from_slice(&(size as u32).to_le_bytes());
            r.extend_from_slice(&TYPE_STRING.to_le_bytes());
            r.extend_from_slice(&id.to_le_bytes());
            r.extend_from_slice(&(v.len() as u16).to_le_bytes());
            r.extend_from_slice(&v);
            r.extend_from_slice(&(name.len() as u16).to_le_bytes());
            r.extend_from_slice(name);
            r
        };
        let (first, second) = (record(default), record(zh));
        out.extend_from_slice(&0u32.to_le_bytes()); // file size, unused here
        out.extend_from_slice(&2u32.to_le_bytes());
        let idss_at = HEADER_LEN + keys_len;
        out.extend_from_slice(b"KEYS");
        out.extend_from_slice(&(idss_at as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(b"KEYS");
        out.extend_from_slice(&((idss_at + 16) as u32).to_le_bytes());
        out.extend_from_slice(&2u32.to_le_bytes());
        for (kind, value) in [(KEY_LANGUAGE, 0x7a68u32), (KEY_REGION, 0x434e)] {
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&value.to_le_bytes());
        }
        for offset in [records_at, records_at + first.len()] {
            out.extend_from_slice(b"IDSS");
            out.extend_from_slice(&1u32.to_le_bytes());
            out.extend_from_slice(&id.to_le_bytes());
            out.extend_from_slice(&(offset as u32).to_le_bytes());
        }
        out.extend_from_slice(&first);
        out.extend_from_slice(&second);
        out
    }

    #[test]
    fn strings_by_locale() {
        let data = sample(0x0100_0000, "Notes", "笔记");
        let index = ResourceIndex::parse(&data).unwrap();
        assert_eq!(
            index.strings(0x0100_0000),
            [
                ("default".to_string(), "Notes".to_string()),
                ("zh-CN".to_string(), "笔记".to_string())
            ]
        );
        assert!(index.strings(0x0100_0001).is_empty());
        for len in 0..data.len() {
            if let Ok(index) = ResourceIndex::parse(&data[..len]) {
                let _ = index.strings(0x0100_0000);
            }
        }
    }

    #[test]
    fn string_counts_by_locale_and_name() {
        let data = sample(0x0100_0000, "Notes", "笔记");
        let index = ResourceIndex::parse(&data).unwrap();
        assert_eq!(
            index.string_counts_by_locale(|_| true),
            [("default".to_string(), 1), ("zh-CN".to_string(), 1)]
        );
        assert_eq!(
            index.string_counts_by_locale(|name| name != "app_name"),
            [("default".to_string(), 0), ("zh-CN".to_string(), 0)]
        );
        // A media record of the same layout is no string.
        let mut media = data.clone();
        let first_idss = HEADER_LEN + 12 + (12 + 16);
        let first = u32_at(&data, first_idss + 12).unwrap() as usize;
        media[first + 4..first + 8].copy_from_slice(&19u32.to_le_bytes());
        let index = ResourceIndex::parse(&media).unwrap();
        assert_eq!(
            index.string_counts_by_locale(|_| true)[0],
            ("default".to_string(), 0)
        );
        for len in 0..data.len() {
            if let Ok(index) = ResourceIndex::parse(&data[..len]) {
                let _ = index.string_counts_by_locale(|_| true);
            }
        }
    }

    #[test]
    fn shared_tables_and_records_are_read_once() {
        // Both configurations of the sample point at the first IDSS table, whose
        // entry is repeated: one distinct value, however often it is referenced.
        let mut data = sample(0x0100_0000, "Notes", "笔记");
        let keys = HEADER_LEN;
        let idss_at = u32_at(&data, keys + 4).unwrap();
        data[keys + 16..keys + 20].copy_from_slice(&idss_at.to_le_bytes());
        let index = ResourceIndex::parse(&data).unwrap();
        assert_eq!(index.all_values(), ["Notes"]);
        assert_eq!(index.strings(0x0100_0000).len(), 2, "one value per locale");
    }
}
