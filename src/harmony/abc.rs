//! Ark bytecode (`ets/modules.abc`): the class index, whose records name every
//! source module compiled into a HAP, the app's own and each ohpm package's.
//! Only the header and the record names are read, in place.

use crate::bytes::{mutf8_at, u32_at};
use thiserror::Error;

const MAGIC: &[u8; 8] = b"PANDA\0\0\0";
const HEADER_LEN: usize = 60;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("modules.abc: {0}")]
pub struct AbcError(String);

pub struct Abc<'a> {
    data: &'a [u8],
    /// Offsets in this range are foreign classes (declared elsewhere), not records.
    foreign: std::ops::Range<usize>,
    class_index: usize,
    classes: usize,
}

impl<'a> Abc<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Self, AbcError> {
        if data.len() < HEADER_LEN || !data.starts_with(MAGIC) {
            return Err(AbcError("not Ark bytecode".into()));
        }
        let field = |offset: usize| u32_at(data, offset).unwrap_or(0) as usize;
        let foreign_start = field(20);
        let foreign = foreign_start..foreign_start.saturating_add(field(24));
        let (classes, class_index) = (field(28), field(32));
        // The index must fit in the file: a huge count is a lie, not an allocation.
        classes
            .checked_mul(4)
            .and_then(|len| class_index.checked_add(len))
            .filter(|end| *end <= data.len())
            .ok_or_else(|| {
                AbcError(format!(
                    "class index at {class_index} with {classes} entries does not fit"
                ))
            })?;
        Ok(Abc {
            data,
            foreign,
            class_index,
            classes,
        })
    }

    /// The name of every record the file defines, without the `L…;` of its type
    /// descriptor, e.g. `com.example.app/entry/ets/pages/Index` or `&@ohos/axios/index&2.2.0`.
    pub fn record_names(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.classes).filter_map(move |i| {
            let at = u32_at(self.data, self.class_index + i * 4)? as usize;
            if self.foreign.contains(&at) {
                return None;
            }
            let name = std::str::from_utf8(mutf8_at(self.data, at)?).ok()?;
            Some(name.strip_prefix('L')?.strip_suffix(';').unwrap_or(name))
        })
    }
}

/// An ohpm package or another module whose code a record carries.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordPackage<'a> {
    /// `@scope/name` or `name`, as in oh-package.json5.
    pub name: &'a str,
    /// Known only from normalized records (`&name/path&version`).
    pub version: Option<&'a str>,
}

/// The package a record belongs to; `None` for compiler and system records.
///
/// Three spellings exist, by compiler version:
/// - normalized: `[bundle]&<package>/<path>&[version]`;
/// - ohpm packages before it: `…pkg_modules/.ohpm/<dir>/pkg_modules/<package>/<path>`
///   (`oh_modules` in some versions);
/// - the bundle's own modules before it: `<bundle>/<module>[@<har>]/<path>`, where `@<har>`
///   names a local library module compiled into `<module>`.
pub fn record_package(record: &str) -> Option<RecordPackage<'_>> {
    if record.starts_with('_') || record.starts_with("@ohos.") || record.starts_with("@system.") {
        return None;
    }
    let parts: Vec<&str> = record.split('&').collect();
    if let [_bundle, path, version] = parts[..] {
        return Some(RecordPackage {
            name: package_prefix(path)?,
            version: Some(version).filter(|v| !v.is_empty()),
        });
    }
    let after_modules = ["pkg_modules/", "oh_modules/"]
        .iter()
        .filter_map(|dir| record.rfind(dir).map(|at| &record[at + dir.len()..]))
        .min_by_key(|rest| rest.len());
    if let Some(rest) = after_modules {
        return Some(RecordPackage {
            name: package_prefix(rest)?,
            version: None,
        });
    }
    let mut segments = record.split('/');
    let (bundle, module) = (segments.next()?, segments.next()?);
    if !bundle.contains('.') {
        return None;
    }
    let name = module.split_once('@').map_or(module, |(_, har)| har);
    Some(RecordPackage {
        name: Some(name).filter(|n| !n.is_empty())?,
        version: None,
    })
}

/// `@scope/name` or `name`: the leading one or two path segments.
fn package_prefix(path: &str) -> Option<&str> {
    let mut segments = path.split('/');
    let first = segments.next().filter(|s| !s.is_empty())?;
    if first.starts_with('@') {
        let name = segments
            .next()
            .filter(|s| !s.is_empty() && first.len() > 1)?;
        Some(&path[..first.len() + 1 + name.len()])
    } else {
        Some(first)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal file: the header, a class index, one foreign class and the records.
    pub(crate) fn sample(records: &[&str]) -> Vec<u8> {
        let mut data = vec![0u8; HEADER_LEN];
        data[..8].copy_from_slice(MAGIC);
        let index_at = data.len();
        data.resize(index_at + 4 * (records.len() + 1), 0);
        let mut offsets = Vec::new();
        for name in std::iter::once("L_ESTypeAnnotation;".to_string())
            .chain(records.iter().map(|r| format!("L{r};")))
        {
            offsets.push(data.len() as u32);
            data.push(((name.len() << 1) | 1) as u8);
            data.extend_from_slice(name.as_bytes());
            data.push(0);
            // reserved, access flags, no fields, no methods, no class data
            data.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
        }
        for (i, offset) in offsets.iter().enumerate() {
            data[index_at + 4 * i..index_at + 4 * i + 4].copy_from_slice(&offset.to_le_bytes());
        }
        let put = |data: &mut Vec<u8>, at: usize, value: usize| {
            data[at..at + 4].copy_from_slice(&(value as u32).to_le_bytes())
        };
        let len = data.len();
        put(&mut data, 16, len);
        put(&mut data, 20, offsets[0] as usize);
        put(&mut data, 24, offsets[1] as usize - offsets[0] as usize);
        put(&mut data, 28, offsets.len());
        put(&mut data, 32, index_at);
        data
    }

    #[test]
    fn reads_records_and_skips_foreign_classes() {
        let data = sample(&["&@tencent/wechat_open_sdk/Index&1.0.16", "_GLOBAL"]);
        let abc = Abc::parse(&data).unwrap();
        let names: Vec<&str> = abc.record_names().collect();
        assert_eq!(names, ["&@tencent/wechat_open_sdk/Index&1.0.16", "_GLOBAL"]);
    }

    #[test]
    fn lies_are_errors_or_skipped() {
        let mut data = sample(&["a"]);
        data[28..32].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Abc::parse(&data).is_err());
        let mut data = sample(&["a"]);
        let index = u32_at(&data, 32).unwrap() as usize;
        data[index + 4..index + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(Abc::parse(&data).unwrap().record_names().count(), 0);
        assert!(Abc::parse(b"PANDA\0\0\0").is_err());
        assert!(Abc::parse(&[0u8; 80]).is_err());
    }

    fn package(record: &str) -> Option<(&str, Option<&str>)> {
        record_package(record).map(|p| (p.name, p.version))
    }

    #[test]
    fn names_the_package_of_each_record_spelling() {
        assert_eq!(
            package("&@tencent/wechat_open_sdk/src/main/ets/Api&1.0.16"),
            Some(("@tencent/wechat_open_sdk", Some("1.0.16")))
        );
        assert_eq!(
            package("&entry/src/main/ets/pages/Index&"),
            Some(("entry", None))
        );
        assert_eq!(
            package("com.other.bundle&library/Index&1.0.0"),
            Some(("library", Some("1.0.0")))
        );
        assert_eq!(
            package("pkg_modules/.ohpm/@ohos+axios@2.2.0/pkg_modules/@ohos/axios/index"),
            Some(("@ohos/axios", None))
        );
        assert_eq!(
            package("com.example.app/entry@view/ets/ToDoItem"),
            Some(("view", None))
        );
        assert_eq!(
            package("com.example.app/entry/ets/pages/Index"),
            Some(("entry", None))
        );
        assert_eq!(package("_ESSlotNumberAnnotation"), None);
        assert_eq!(package("@ohos.curves"), None);
        assert_eq!(package("&@/x&"), None);
    }
}
