//! DEX files: the string_ids and type_ids tables, which name every class the code
//! defines or uses and every string constant, and the class_defs table, which says which
//! of those classes the file defines; read in place.

use crate::bytes::{mutf8_at, u32_at};
use thiserror::Error;

const HEADER_LEN: usize = 0x70;
const ENDIAN_TAG: u32 = 0x1234_5678;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("dex: {0}")]
pub struct DexError(String);

pub struct Dex<'a> {
    data: &'a [u8],
    string_ids: (usize, usize),
    type_ids: (usize, usize),
    class_defs: (usize, usize),
}

/// The size of a class_def_item.
const CLASS_DEF_LEN: usize = 32;

/// A class the dex file defines (a class_def_item).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassDef<'a> {
    /// Its type descriptor, e.g. `Lcom/tencent/mm/opensdk/openapi/WXAPIFactory;`.
    pub descriptor: &'a [u8],
    /// Where its class_data_item is (fields and methods); 0 when it has none.
    pub class_data_off: u32,
    /// Where the initial values of its static fields are (an encoded_array_item); 0 when
    /// it has none.
    pub static_values_off: u32,
}

impl<'a> Dex<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Self, DexError> {
        if data.len() < HEADER_LEN || !data.starts_with(b"dex\n") || data[7] != 0 {
            return Err(DexError("not a dex file".into()));
        }
        if u32_at(data, 40) != Some(ENDIAN_TAG) {
            return Err(DexError("unsupported byte order".into()));
        }
        let table = |size_at: usize, entry: usize| -> Result<(usize, usize), DexError> {
            let count = u32_at(data, size_at).unwrap_or(0) as usize;
            let offset = u32_at(data, size_at + 4).unwrap_or(0) as usize;
            // A table must fit in the file: a huge count is a lie, not an allocation.
            count
                .checked_mul(entry)
                .and_then(|len| offset.checked_add(len))
                .filter(|end| *end <= data.len())
                .map(|_| (offset, count))
                .ok_or_else(|| {
                    DexError(format!(
                        "table at {offset} with {count} entries does not fit"
                    ))
                })
        };
        Ok(Dex {
            data,
            string_ids: table(56, 4)?,
            type_ids: table(64, 4)?,
            class_defs: table(96, CLASS_DEF_LEN)?,
        })
    }

    /// The string at `index`, as its MUTF-8 bytes (ASCII for class names).
    pub fn string(&self, index: usize) -> Option<&'a [u8]> {
        let (offset, count) = self.string_ids;
        if index >= count {
            return None;
        }
        let at = u32_at(self.data, offset + index * 4)? as usize;
        mutf8_at(self.data, at)
    }

    /// How many strings the string_ids table holds (it fits in the file: `parse` checked).
    pub fn string_count(&self) -> usize {
        self.string_ids.1
    }

    pub fn strings(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.string_ids.1).filter_map(|i| self.string(i))
    }

    /// Every type descriptor, e.g. `Lcom/tencent/mm/opensdk/openapi/WXAPIFactory;`: the
    /// classes the file defines and every one it merely refers to.
    pub fn type_descriptors(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let (_, count) = self.type_ids;
        (0..count).filter_map(move |i| self.type_descriptor(i))
    }

    /// The descriptor of type `index`.
    fn type_descriptor(&self, index: usize) -> Option<&'a [u8]> {
        let (offset, count) = self.type_ids;
        if index >= count {
            return None;
        }
        self.string(u32_at(self.data, offset + index * 4)? as usize)
    }

    /// The classes the file defines, in file order: what is in the package, not what its
    /// code refers to.
    pub fn class_defs(&self) -> impl Iterator<Item = ClassDef<'a>> + '_ {
        let (offset, count) = self.class_defs;
        (0..count).filter_map(move |i| {
            let at = offset + i * CLASS_DEF_LEN;
            Some(ClassDef {
                descriptor: self.type_descriptor(u32_at(self.data, at)? as usize)?,
                class_data_off: u32_at(self.data, at + 24)?,
                static_values_off: u32_at(self.data, at + 28)?,
            })
        })
    }
}

/// `com.tencent.mm.opensdk.Foo` from `Lcom/tencent/mm/opensdk/Foo;`; `None` for primitives and arrays.
pub fn class_name(descriptor: &[u8]) -> Option<String> {
    let inner = descriptor.strip_prefix(b"L")?.strip_suffix(b";")?;
    Some(String::from_utf8_lossy(inner).replace('/', "."))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal dex: a header, string_ids, type_ids and string data; every type a
    /// class it defines.
    pub(crate) fn sample(strings: &[&str], types: &[u32]) -> Vec<u8> {
        let defined: Vec<u32> = (0..types.len() as u32).collect();
        sample_defining(strings, types, &defined)
    }

    /// A minimal dex defining the classes of `defined` (indexes into `types`); the other
    /// types are only referred to.
    pub(crate) fn sample_defining(strings: &[&str], types: &[u32], defined: &[u32]) -> Vec<u8> {
        let string_ids_at = HEADER_LEN;
        let type_ids_at = string_ids_at + strings.len() * 4;
        let class_defs_at = type_ids_at + types.len() * 4;
        let data_at = class_defs_at + defined.len() * CLASS_DEF_LEN;
        let mut data = Vec::new();
        let mut offsets = Vec::new();
        for s in strings {
            offsets.push((data_at + data.len()) as u32);
            data.push(s.len() as u8);
            data.extend_from_slice(s.as_bytes());
            data.push(0);
        }
        let mut out = vec![0u8; HEADER_LEN];
        out[..8].copy_from_slice(b"dex\n035\0");
        out[40..44].copy_from_slice(&ENDIAN_TAG.to_le_bytes());
        out[56..60].copy_from_slice(&(strings.len() as u32).to_le_bytes());
        out[60..64].copy_from_slice(&(string_ids_at as u32).to_le_bytes());
        out[64..68].copy_from_slice(&(types.len() as u32).to_le_bytes());
        out[68..72].copy_from_slice(&(type_ids_at as u32).to_le_bytes());
        out[96..100].copy_from_slice(&(defined.len() as u32).to_le_bytes());
        out[100..104].copy_from_slice(&(class_defs_at as u32).to_le_bytes());
        offsets
            .iter()
            .for_each(|o| out.extend_from_slice(&o.to_le_bytes()));
        types
            .iter()
            .for_each(|t| out.extend_from_slice(&t.to_le_bytes()));
        for class in defined {
            let mut item = [0u8; CLASS_DEF_LEN];
            item[..4].copy_from_slice(&class.to_le_bytes());
            out.extend_from_slice(&item);
        }
        out.extend_from_slice(&data);
        out
    }

    #[test]
    fn reads_types_and_strings() {
        let data = sample(
            &["Lcom/example/Main;", "https://api.example.com/v1", "I"],
            &[0, 2],
        );
        let dex = Dex::parse(&data).unwrap();
        let types: Vec<Option<String>> = dex.type_descriptors().map(class_name).collect();
        assert_eq!(types, [Some("com.example.Main".to_string()), None]);
        assert_eq!(dex.strings().count(), 3);
        assert_eq!(dex.string(1), Some(&b"https://api.example.com/v1"[..]));
        assert_eq!(dex.string(3), None);
    }

    #[test]
    fn defined_classes_are_not_the_referenced_ones() {
        let data = sample_defining(
            &["Lcom/example/Main;", "Lokhttp3/OkHttpClient;"],
            &[0, 1],
            &[0],
        );
        let dex = Dex::parse(&data).unwrap();
        assert_eq!(dex.type_descriptors().count(), 2);
        let defined: Vec<&[u8]> = dex.class_defs().map(|c| c.descriptor).collect();
        assert_eq!(defined, [&b"Lcom/example/Main;"[..]]);
    }

    #[test]
    fn lies_are_errors() {
        let mut data = sample(&["a"], &[0]);
        data[56..60].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Dex::parse(&data).is_err());
        assert!(Dex::parse(b"dex\n035\0").is_err());
        assert!(Dex::parse(&[0u8; 0x70]).is_err());
    }
}
