//! AndroidManifest.xml → identity: package, versions, SDK levels, label and icon,
//! with resource references resolved through resources.arsc.

use super::arsc::{Config, ResourceTable, DENSITY_ANY, DENSITY_NONE};
use super::axml::{AttrValue, Element};
use super::res::{Value, TYPE_INT_BOOLEAN, TYPE_INT_DEC, TYPE_INT_HEX};
use std::cell::Cell;
use std::collections::{BTreeMap, HashSet};

const ATTR_LABEL: u32 = 0x0101_0001;
const ATTR_ICON: u32 = 0x0101_0002;
const ATTR_NAME: u32 = 0x0101_0003;
const ATTR_DEBUGGABLE: u32 = 0x0101_000f;
pub(super) const ATTR_MIN_SDK: u32 = 0x0101_020c;
const ATTR_VERSION_CODE: u32 = 0x0101_021b;
const ATTR_VERSION_NAME: u32 = 0x0101_021c;
pub(super) const ATTR_TARGET_SDK: u32 = 0x0101_0270;
const ATTR_VERSION_CODE_MAJOR: u32 = 0x0101_0576;

/// How many references a value may go through before we give up (a loop).
const MAX_REFERENCE_DEPTH: usize = 8;
/// Configurations the resolver may look at in all, over every reference of the
/// manifest: apps have hundreds; a table built to multiply lookups stops here.
const MAX_RESOLVED_CONFIGS: usize = 1 << 20;

/// Locales tried, in order, for the name to file.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Manifest {
    pub package: Option<String>,
    /// A split APK's name, e.g. "config.xxhdpi".
    pub split: Option<String>,
    pub version_code: Option<u64>,
    pub version_name: Option<String>,
    pub min_sdk: Option<u32>,
    pub target_sdk: Option<u32>,
    pub debuggable: Option<bool>,
    /// Label per locale ("default" for no locale).
    pub labels: BTreeMap<String, String>,
    /// The label reference as written, when it is one.
    pub label_reference: Option<String>,
    /// The label reference could not be resolved.
    pub label_unresolved: bool,
    /// The resource id of the label, when it is a reference.
    pub label_id: Option<u32>,
    /// The resource id of the launcher icon, when it is a reference.
    pub icon_id: Option<u32>,
    pub icon: Option<String>,
}

impl Manifest {
    /// The label to file, in the filing policy's order of locales.
    pub(crate) fn filing_name(&self) -> Option<&String> {
        crate::filing::preferred_name(&self.labels)
    }
}

/// Reads identity from the parsed manifest. `table` is `None` when the APK
/// has no resources.arsc or it could not be read.
pub(crate) fn read(elements: &[Element], table: Option<&ResourceTable<'_>>) -> Manifest {
    let mut m = Manifest::default();
    let resolver = Resolver {
        table,
        budget: Cell::new(MAX_RESOLVED_CONFIGS),
    };
    let root = elements
        .iter()
        .find(|e| e.depth == 1 && &*e.name == "manifest");
    if let Some(root) = root {
        m.package = match root.plain_attribute("package") {
            Some(AttrValue::String(s)) if !s.is_empty() => Some(s.to_string()),
            _ => None,
        };
        m.split = match root.plain_attribute("split") {
            Some(AttrValue::String(s)) if !s.is_empty() => Some(s.to_string()),
            _ => None,
        };
        let code = root
            .attribute(ATTR_VERSION_CODE, "versionCode")
            .and_then(|v| resolver.integer(v));
        let major = root
            .attribute(ATTR_VERSION_CODE_MAJOR, "versionCodeMajor")
            .and_then(|v| resolver.integer(v))
            .unwrap_or(0);
        m.version_code = code.map(|c| (major << 32) | (c & 0xffff_ffff));
        m.version_name = root
            .attribute(ATTR_VERSION_NAME, "versionName")
            .and_then(|v| resolver.text(v));
    }
    let top = |name: &str| elements.iter().find(|e| e.depth == 2 && &*e.name == name);
    if let Some(sdk) = top("uses-sdk") {
        m.min_sdk = sdk
            .attribute(ATTR_MIN_SDK, "minSdkVersion")
            .and_then(|v| resolver.integer(v))
            .and_then(|v| u32::try_from(v).ok());
        m.target_sdk = sdk
            .attribute(ATTR_TARGET_SDK, "targetSdkVersion")
            .and_then(|v| resolver.integer(v))
            .and_then(|v| u32::try_from(v).ok());
    }
    let application = elements
        .iter()
        .position(|e| e.depth == 2 && &*e.name == "application");
    let Some(app_index) = application else {
        return m;
    };
    let app = &elements[app_index];
    m.debuggable = app
        .attribute(ATTR_DEBUGGABLE, "debuggable")
        .and_then(|v| resolver.boolean(v));
    let launcher = launcher_activity(&elements[app_index..]);
    let label = app
        .attribute(ATTR_LABEL, "label")
        .or_else(|| launcher.and_then(|a| a.attribute(ATTR_LABEL, "label")));
    match label {
        Some(AttrValue::String(s)) => {
            m.labels.insert("default".into(), s.to_string());
        }
        Some(AttrValue::Typed(v)) if v.is_reference() => {
            m.label_reference = Some(resolver.describe_reference(v.data));
            m.label_id = Some(v.data);
            m.labels = resolver.localized_strings(v.data);
            m.label_unresolved = m.labels.is_empty();
        }
        _ => {}
    }
    // The launcher shows the activity's own icon when it has one.
    let icon = launcher
        .and_then(|a| a.attribute(ATTR_ICON, "icon"))
        .or_else(|| app.attribute(ATTR_ICON, "icon"));
    m.icon = match icon {
        Some(AttrValue::String(s)) => Some(s.to_string()),
        Some(AttrValue::Typed(v)) if v.is_reference() => {
            m.icon_id = Some(v.data);
            resolver.best_icon(v.data)
        }
        _ => None,
    };
    m
}

/// The first activity (or alias) under <application> with a MAIN/LAUNCHER filter.
fn launcher_activity(app_and_after: &[Element]) -> Option<&Element> {
    let mut current: Option<&Element> = None;
    let (mut main, mut launcher) = (false, false);
    for e in app_and_after.iter().skip(1) {
        if e.depth <= 2 {
            break;
        }
        if e.depth == 3 {
            if main && launcher {
                return current;
            }
            (main, launcher) = (false, false);
            current = matches!(&*e.name, "activity" | "activity-alias").then_some(e);
        }
        let name = e.attribute(ATTR_NAME, "name");
        if let Some(AttrValue::String(n)) = name {
            main |= &*e.name == "action" && &**n == "android.intent.action.MAIN";
            launcher |= &*e.name == "category" && &**n == "android.intent.category.LAUNCHER";
        }
    }
    (main && launcher).then_some(current).flatten()
}

struct Resolver<'t, 'a> {
    table: Option<&'t ResourceTable<'a>>,
    /// Configurations left to look at (`MAX_RESOLVED_CONFIGS`).
    budget: Cell<usize>,
}

impl Resolver<'_, '_> {
    /// The values of `id`, or none once the lookups have cost the whole budget.
    fn values(&self, table: &ResourceTable<'_>, id: u32) -> Vec<(Config, Value)> {
        match self.budget.get().checked_sub(table.config_count(id)) {
            Some(left) => {
                self.budget.set(left);
                table.values(id)
            }
            None => {
                self.budget.set(0);
                Vec::new()
            }
        }
    }

    /// Follows references from `value` in the default configuration.
    fn resolve(&self, value: &AttrValue) -> Option<AttrValue> {
        let mut current = value.clone();
        for _ in 0..MAX_REFERENCE_DEPTH {
            match current {
                AttrValue::Typed(v) if v.is_reference() => {
                    let table = self.table?;
                    let values = self.values(table, v.data);
                    let (_, next) = values
                        .iter()
                        .find(|(c, _)| c.locale.is_empty() && c.plain)
                        .or_else(|| values.first())?;
                    current = match table.string(next) {
                        Some(s) => AttrValue::String(s.into()),
                        None => AttrValue::Typed(*next),
                    };
                }
                other => return Some(other),
            }
        }
        None
    }

    fn integer(&self, value: &AttrValue) -> Option<u64> {
        match self.resolve(value)? {
            AttrValue::Typed(Value { data_type, data })
                if data_type == TYPE_INT_DEC || data_type == TYPE_INT_HEX =>
            {
                Some(data as u64)
            }
            AttrValue::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn boolean(&self, value: &AttrValue) -> Option<bool> {
        match self.resolve(value)? {
            AttrValue::Typed(Value { data_type, data }) if data_type == TYPE_INT_BOOLEAN => {
                Some(data != 0)
            }
            AttrValue::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    fn text(&self, value: &AttrValue) -> Option<String> {
        match self.resolve(value)? {
            AttrValue::String(s) => Some(s.to_string()),
            AttrValue::Typed(Value { data_type, data })
                if data_type == TYPE_INT_DEC || data_type == TYPE_INT_HEX =>
            {
                Some(data.to_string())
            }
            _ => None,
        }
    }

    /// "@string/0x7f0b0001"-style description of a reference.
    fn describe_reference(&self, id: u32) -> String {
        match self.table.and_then(|t| t.type_name(id)) {
            Some(kind) => format!("@{kind}/0x{id:08x}"),
            None => format!("@0x{id:08x}"),
        }
    }

    /// The string behind `id` in each locale.
    fn localized_strings(&self, id: u32) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(table) = self.table else { return out };
        let mut values = self.values(table, id);
        // Plain configurations first, so a locale's label is not taken from, say, its night variant.
        values.sort_by_key(|(c, _)| !c.plain);
        for (config, value) in values {
            let key = if config.locale.is_empty() {
                "default".to_string()
            } else {
                config.locale.clone()
            };
            if out.contains_key(&key) {
                continue;
            }
            let text = match table.string(&value) {
                Some(s) => Some(s),
                None => match self.resolve(&AttrValue::Typed(value)) {
                    Some(AttrValue::String(s)) => Some(s.to_string()),
                    _ => None,
                },
            };
            if let Some(text) = text {
                out.insert(key, text);
            }
        }
        out
    }

    /// The icon file at the highest pixel density, rasters before XML.
    fn best_icon(&self, id: u32) -> Option<String> {
        let table = self.table?;
        let mut candidates: Vec<(Config, String)> = Vec::new();
        // Each resource is expanded once, however many configurations refer to it.
        let mut seen = HashSet::from([id]);
        let mut pending = vec![(id, 0usize)];
        while let Some((id, depth)) = pending.pop() {
            for (config, value) in self.values(table, id) {
                match table.string(&value) {
                    Some(path) => candidates.push((config, path)),
                    None if value.is_reference()
                        && depth < MAX_REFERENCE_DEPTH
                        && seen.insert(value.data) =>
                    {
                        pending.push((value.data, depth + 1))
                    }
                    None => {}
                }
            }
        }
        best_icon(
            candidates
                .into_iter()
                .map(|(config, path)| (config.density, path)),
        )
    }
}

/// The launcher icon among a resource's files by density: a raster (PNG, WebP)
/// before an adaptive-icon XML, then the highest pixel density.
pub(crate) fn best_icon(files: impl IntoIterator<Item = (u16, String)>) -> Option<String> {
    files
        .into_iter()
        .max_by_key(|(density, path)| {
            let raster = !path.ends_with(".xml");
            let density = match *density {
                DENSITY_ANY | DENSITY_NONE => 0,
                d => d,
            };
            (raster, density)
        })
        .map(|(_, path)| path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::android::axml;

    #[test]
    fn identity_from_a_minimal_manifest() {
        let elements = axml::parse(&axml::tests::sample_manifest()).unwrap();
        let m = read(&elements, None);
        assert_eq!(m.package.as_deref(), Some("com.example"));
        assert_eq!(m.version_code, Some(7));
        assert_eq!(m.filing_name(), None);
    }

    #[test]
    fn filing_name_prefers_simplified_chinese() {
        let mut m = Manifest::default();
        m.labels.insert("default".into(), "Notes".into());
        assert_eq!(m.filing_name().map(String::as_str), Some("Notes"));
        m.labels.insert("zh-TW".into(), "筆記".into());
        assert_eq!(m.filing_name().map(String::as_str), Some("Notes"));
        m.labels.insert("zh".into(), "笔记 zh".into());
        assert_eq!(m.filing_name().map(String::as_str), Some("笔记 zh"));
        m.labels.insert("zh-Hans".into(), "笔记 Hans".into());
        assert_eq!(m.filing_name().map(String::as_str), Some("笔记 Hans"));
        m.labels.insert("zh-CN".into(), "笔记".into());
        assert_eq!(m.filing_name().map(String::as_str), Some("笔记"));
    }
}
