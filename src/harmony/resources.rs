//! resources.index (restool's binary resource table): the value of a resource
//! id in each configuration, enough to resolve `$string:` labels by locale.

use crate::bytes::{u16_at, u32_at};

const HEADER_LEN: usize = 128 + 4 + 4;
const KEY_LANGUAGE: u32 = 0;
const KEY_REGION: u32 = 1;
const KEY_SCRIPT: u32 = 5;
/// Configurations number in the tens; ids in the thousands.
const MAX_CONFIGS: u32 = 4096;

pub struct ResourceIndex<'a> {
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

impl<'a> ResourceIndex<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Self, String> {
        let count = u32_at(data, 132).ok_or("resources.index: shorter than its header")?;
        if count > MAX_CONFIGS {
            return Err(format!("resources.index: {count} configurations"));
        }
        let mut at = HEADER_LEN;
        let mut configs = Vec::new();
        for _ in 0..count {
            if data.get(at..at + 4) != Some(b"KEYS") {
                return Err(format!("resources.index: no KEYS tag at offset {at}"));
            }
            let offset = u32_at(data, at + 4).ok_or("resources.index: truncated KEYS")? as usize;
            let key_count = u32_at(data, at + 8).ok_or("resources.index: truncated KEYS")? as usize;
            at += 12;
            let (mut language, mut script, mut region, mut plain) =
                (String::new(), String::new(), String::new(), true);
            for k in 0..key_count {
                let (Some(kind), Some(value)) =
                    (u32_at(data, at + k * 8), u32_at(data, at + k * 8 + 4))
                else {
                    return Err("resources.index: truncated key parameters".into());
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

    /// Every string value of every configuration, for the URLs in them.
    pub fn all_values(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (_, _, idss) in &self.configs {
            if self.data.get(*idss..idss + 4) != Some(b"IDSS") {
                continue;
            }
            let count = u32_at(self.data, idss + 4).unwrap_or(0) as usize;
            let count = count.min(self.data.len().saturating_sub(idss + 8) / 8);
            for i in 0..count {
                let at = idss + 8 + i * 8;
                let (Some(id), Some(offset)) = (u32_at(self.data, at), u32_at(self.data, at + 4))
                else {
                    continue;
                };
                if let Some(value) = self.record_value(offset as usize, id) {
                    out.push(value);
                }
            }
        }
        out
    }

    /// The locale tags of the configurations, "default" excluded.
    pub fn locales(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .configs
            .iter()
            .filter(|(locale, _, _)| locale != "default")
            .map(|(locale, _, _)| locale.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The string value of `id` in each configuration, plain configurations first.
    pub fn strings(&self, id: u32) -> Vec<(String, String)> {
        let mut out: Vec<(bool, String, String)> = Vec::new();
        for (locale, plain, idss) in &self.configs {
            if self.data.get(*idss..idss + 4) != Some(b"IDSS") {
                continue;
            }
            let count = u32_at(self.data, idss + 4).unwrap_or(0) as usize;
            let count = count.min(self.data.len().saturating_sub(idss + 8) / 8);
            let record = (0..count).find_map(|i| {
                let at = idss + 8 + i * 8;
                (u32_at(self.data, at)? == id).then(|| u32_at(self.data, at + 4))?
            });
            if let Some(value) = record.and_then(|offset| self.record_value(offset as usize, id)) {
                out.push((*plain, locale.clone(), value));
            }
        }
        out.sort_by_key(|(plain, _, _)| !plain);
        out.into_iter().map(|(_, l, v)| (l, v)).collect()
    }

    /// A record: size, type, id, then a u16-prefixed value and a u16-prefixed name.
    fn record_value(&self, at: usize, id: u32) -> Option<String> {
        if u32_at(self.data, at + 8)? != id {
            return None;
        }
        let len = u16_at(self.data, at + 12)? as usize;
        let bytes = self.data.get(at + 14..at + 14 + len)?;
        let text = bytes.split(|b| *b == 0).next().unwrap_or_default();
        Some(String::from_utf8_lossy(text).into_owned())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A resources.index with one string id in "default" and "zh-CN".
    pub fn sample(id: u32, default: &str, zh: &str) -> Vec<u8> {
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
            r.extend_from_slice(&0u32.to_le_bytes());
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
}
