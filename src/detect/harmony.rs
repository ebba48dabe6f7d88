//! Detection in a HarmonyOS module (HAP/HSP): SDKs from the ohpm packages compiled into
//! modules.abc, the shared modules module.json depends on and the native libraries;
//! languages from resources.index; domains from the module file and the resource strings.

use super::{domains::Collector, languages, sdks::Matcher, Detection};
use crate::harmony::{self, abc, resources::ResourceIndex};
use crate::input::Archive;
use serde_json::Value;

/// Reads the module file and resources.index again (kilobytes, like the module's own
/// reading of them), then the bytecode. `label_locales`: the locales that translate the
/// app's label.
pub(crate) fn detect(archive: &mut Archive, label_locales: &[String]) -> Detection {
    let module_bytes = match harmony::module_file(archive) {
        Ok((_, _, Some(bytes))) => bytes,
        _ => Vec::new(),
    };
    let module_text = String::from_utf8_lossy(&module_bytes);
    let module: Value = serde_json::from_slice(&module_bytes).unwrap_or(Value::Null);
    let index_bytes = archive
        .read_entry(harmony::RESOURCES_INDEX, harmony::MAX_RESOURCES)
        .ok()
        .flatten();
    let index = index_bytes
        .as_deref()
        .and_then(|bytes| ResourceIndex::parse(bytes).ok());

    let mut sdks = Matcher::new();
    let mut hosts = Collector::default();
    hosts.text(&module_text, "module.json");
    let own_module = module.pointer("/module/name").and_then(Value::as_str);
    let mut packages = module_dependencies(&module);
    let mut scanned_bytes = module_text.len() as u64;
    if let Ok(Some(code)) = archive.read_entry(harmony::MODULES_ABC, harmony::MAX_ABC) {
        scanned_bytes += code.len() as u64;
        if let Ok(abc) = abc::Abc::parse(&code) {
            packages.extend(
                abc.record_names()
                    .filter_map(abc::record_package)
                    .filter(|p| Some(p.name) != own_module)
                    .map(|p| match p.version {
                        Some(v) => format!("{}@{v}", p.name),
                        None => p.name.to_string(),
                    }),
            );
        }
    }
    packages.sort();
    packages.dedup();
    for package in &packages {
        sdks.harmony_package(package);
    }
    // Native libraries, as in an APK: libs/<abi>/<name>.so.
    let libraries: Vec<String> = archive
        .names()
        .filter_map(|n| {
            n.strip_prefix("libs/")?
                .rsplit('/')
                .next()
                .filter(|f| f.ends_with(".so"))
                .map(str::to_string)
        })
        .collect();
    for library in &libraries {
        sdks.native_library(library);
    }
    let mut locales = label_locales.to_vec();
    if let Some(index) = index {
        // As on Android: a locale counts for the app's own strings it translates.
        let counts = index.string_counts_by_locale(languages::is_own_string);
        locales = languages::counted(label_locales, &counts);
        for value in index.all_values().iter().filter(|v| v.contains("http")) {
            hosts.text(value, "resources");
        }
    }
    let sdks = sdks.finish();
    Detection {
        domains: hosts.finish(&sdks, None),
        sdks,
        languages: languages::group(locales),
        packages,
        scanned_bytes,
    }
}

/// The shared modules (HSP) module.json declares: `dependencies[].moduleName`.
fn module_dependencies(module: &Value) -> Vec<String> {
    let list = module
        .pointer("/module/dependencies")
        .and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(|d| d.get("moduleName").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}
