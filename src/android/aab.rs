//! Android App Bundles (.aab): the base module's manifest, a protobuf XmlNode
//! (aapt2's Resources.proto), labels from `base/resources.pb`, and the JAR
//! signature made with the upload key.

use super::axml::{AttrValue, Attribute, Element};
use super::proto::{self, FieldValue, ProtoError};
use super::res::{Value, TYPE_INT_BOOLEAN, TYPE_INT_DEC, TYPE_INT_HEX, TYPE_REFERENCE};
use super::{MAX_MANIFEST, MAX_RESOURCES};
use crate::error::ErrorKind;
use crate::input::Archive;
use crate::report::{
    Finding, Format, PackageReport, Verification, VerifyCode, Warning, WarningCode,
};
use std::collections::BTreeMap;
use std::path::Path;

pub(crate) const BUNDLE_CONFIG: &str = "BundleConfig.pb";
pub(crate) const BASE_MANIFEST: &str = "base/manifest/AndroidManifest.xml";
const BASE_RESOURCES: &str = "base/resources.pb";
/// XML nests a few levels; a deep tree is a hostile file.
const MAX_DEPTH: usize = 64;
const MAX_ELEMENTS: usize = 1 << 20;

pub(crate) fn is_bundle(archive: &Archive) -> bool {
    archive.contains(BUNDLE_CONFIG) && archive.contains(BASE_MANIFEST)
}

pub(crate) fn inspect_aab(
    path: &Path,
    archive: &mut Archive,
    options: &crate::Options,
) -> Result<PackageReport, ErrorKind> {
    let bad = |entry: &str| {
        let entry = entry.to_string();
        move |e: ProtoError| ErrorKind::BadEntry {
            entry,
            reason: e.to_string(),
        }
    };
    let manifest_bytes = archive
        .read_entry(BASE_MANIFEST, MAX_MANIFEST)?
        .ok_or_else(|| ErrorKind::NotAPackage(format!("the bundle has no {BASE_MANIFEST}")))?;
    let elements = xml_elements(&manifest_bytes).map_err(bad(BASE_MANIFEST))?;
    let mut manifest = super::manifest::read(&elements, None);
    let mut warnings = Vec::new();
    let table = match archive.read_entry(BASE_RESOURCES, MAX_RESOURCES) {
        Ok(table) => table,
        Err(e) => {
            warnings.push(Warning::new(
                WarningCode::ResourcesUnreadable,
                e.to_string(),
            ));
            None
        }
    };
    let unreadable = |e: ProtoError| {
        Warning::new(
            WarningCode::ResourcesUnreadable,
            format!("{BASE_RESOURCES}: {e}"),
        )
    };
    if let (Some(id), Some(table)) = (manifest.label_id, &table) {
        match localized_strings(table, id) {
            Ok(labels) => manifest.labels = labels,
            Err(e) => warnings.push(unreadable(e)),
        }
    }
    if manifest.label_id.is_some() {
        manifest.label_unresolved = manifest.labels.is_empty();
    }
    if let (Some(id), Some(table)) = (manifest.icon_id, &table) {
        match icon_file(table, id) {
            Ok(icon) => manifest.icon = icon,
            Err(e) => warnings.push(unreadable(e)),
        }
    }
    let mut report = super::android_report(path, Format::Aab, &manifest, archive, warnings)?;
    let mut modules: Vec<String> = archive
        .names()
        .filter_map(|n| n.strip_suffix("/manifest/AndroidManifest.xml"))
        .filter(|m| !m.contains('/'))
        .map(str::to_string)
        .collect();
    modules.sort_by_key(|m| (m != "base", m.clone()));
    if let Some(android) = &mut report.android {
        android.bundle_modules = modules;
    }
    if let Some(verify) = options.verify {
        report.verification = Some(verify_bundle(archive, verify));
    }
    crate::filing::file(&mut report, options.judged_at());
    Ok(report)
}

/// A bundle is never installed: the store checks its upload signature as a JAR with a
/// current platform's algorithms. So by default it is held to Android's JAR rules from
/// Android 9 (API 28) on, after which they no longer change, not to its app's minSdk.
const BUNDLE_MIN_SDK: u32 = 28;

/// A bundle is signed with the upload key by a JAR signature only (bundletool, jarsigner):
/// that signature, and the zip's own consistency.
fn verify_bundle(archive: &mut Archive, options: crate::VerifyOptions) -> Verification {
    let min_sdk = options.min_sdk.unwrap_or(BUNDLE_MIN_SDK);
    let max_sdk = options.max_sdk.unwrap_or(u32::MAX).max(min_sdk);
    let (schemes, mut errors, crcs_checked) = match super::v1::verify(archive, min_sdk, max_sdk, &[]) {
        Some(jar) => (vec![jar.scheme], Vec::new(), jar.crcs_checked),
        None => (
            Vec::new(),
            vec![Finding::new(
                VerifyCode::Unsigned,
                "the bundle has no JAR signature (no META-INF/*.RSA, *.DSA or *.EC): it is not signed with an upload key",
            )],
            false,
        ),
    };
    errors.extend(crate::input::integrity::check(archive, !crcs_checked));
    Verification::conclude(Some(min_sdk), options.max_sdk, schemes, errors)
}

/// The manifest's elements in document order, as the binary-XML reader gives them.
pub(crate) fn xml_elements(node: &[u8]) -> Result<Vec<Element>, ProtoError> {
    let mut out = Vec::new();
    let element = proto::field(node, 1)
        .and_then(FieldValue::bytes)
        .ok_or_else(|| ProtoError("the root node is no element".into()))?;
    element_into(element, 1, &mut out)?;
    Ok(out)
}

fn element_into(element: &[u8], depth: usize, out: &mut Vec<Element>) -> Result<(), ProtoError> {
    if depth > MAX_DEPTH || out.len() >= MAX_ELEMENTS {
        return Err(ProtoError(
            "the element tree is too deep or too large".into(),
        ));
    }
    let index = out.len();
    out.push(Element {
        name: "".into(),
        depth,
        attributes: Vec::new(),
        text: None,
    });
    let mut text = String::new();
    for field in proto::fields(element) {
        match field? {
            (3, value) => out[index].name = value.text().unwrap_or_default().into(),
            (4, FieldValue::Bytes(attribute)) => {
                out[index].attributes.push(attribute_of(attribute)?)
            }
            (5, FieldValue::Bytes(child)) => {
                for node_field in proto::fields(child) {
                    match node_field? {
                        (1, FieldValue::Bytes(inner)) => element_into(inner, depth + 1, out)?,
                        (2, value) => text.push_str(value.text().unwrap_or_default()),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let text = text.trim();
    if !text.is_empty() {
        out[index].text = Some(text.into());
    }
    Ok(())
}

/// XmlAttribute: name (2), value as written (3), resource id (5), compiled item (6).
fn attribute_of(attribute: &[u8]) -> Result<Attribute, ProtoError> {
    let (mut name, mut written, mut resource_id, mut compiled) =
        (String::new(), String::new(), None, None);
    for field in proto::fields(attribute) {
        match field? {
            (2, v) => name = v.text().unwrap_or_default().to_string(),
            (3, v) => written = v.text().unwrap_or_default().to_string(),
            (5, FieldValue::Varint(id)) if id != 0 => resource_id = u32::try_from(id).ok(),
            (6, FieldValue::Bytes(item)) => compiled = compiled_value(item),
            _ => {}
        }
    }
    Ok(Attribute {
        name: name.into(),
        resource_id,
        value: compiled.unwrap_or(AttrValue::String(written.into())),
    })
}

/// Item: a reference (1) or a primitive (7) becomes the typed value the binary XML
/// would hold; strings stay strings.
fn compiled_value(item: &[u8]) -> Option<AttrValue> {
    let typed = |data_type: u8, data: u64| {
        Some(AttrValue::Typed(Value {
            data_type,
            data: data as u32,
        }))
    };
    if let Some(reference) = proto::field(item, 1).and_then(FieldValue::bytes) {
        let id = proto::field(reference, 2).and_then(FieldValue::varint)?;
        return typed(TYPE_REFERENCE, id);
    }
    let primitive = proto::field(item, 7).and_then(FieldValue::bytes)?;
    match proto::fields(primitive).next()?.ok()? {
        (6, FieldValue::Varint(v)) => typed(TYPE_INT_DEC, v),
        (7, FieldValue::Varint(v)) => typed(TYPE_INT_HEX, v),
        (8, FieldValue::Varint(v)) => typed(
            TYPE_INT_BOOLEAN,
            if v != 0 { u64::from(u32::MAX) } else { 0 },
        ),
        _ => None,
    }
}

/// A Configuration message and the Value message given for it.
type ConfigValue<'a> = (&'a [u8], &'a [u8]);

/// Every (configuration, value) of resource `id` in a ResourceTable:
/// package (2) → type (3) → entry (3) → config_value (6) {config (1), value (2)}.
fn config_values(table: &[u8], id: u32) -> Result<Vec<ConfigValue<'_>>, ProtoError> {
    let (package_id, type_id, entry_id) = (id >> 24, (id >> 16) & 0xff, id & 0xffff);
    let id_of = |message: &[u8]| {
        proto::field(message, 1)
            .and_then(FieldValue::bytes)
            .and_then(|m| proto::field(m, 1))
            .and_then(FieldValue::varint)
            .unwrap_or(0)
    };
    // Surface a malformed table rather than an empty answer.
    proto::fields(table).collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    for package in proto::messages(table, 2).filter(|p| id_of(p) == u64::from(package_id)) {
        for kind in proto::messages(package, 3).filter(|t| id_of(t) == u64::from(type_id)) {
            for entry in proto::messages(kind, 3).filter(|e| id_of(e) == u64::from(entry_id)) {
                for config_value in proto::messages(entry, 6) {
                    let config = proto::field(config_value, 1)
                        .and_then(FieldValue::bytes)
                        .unwrap_or_default();
                    let value = proto::field(config_value, 2)
                        .and_then(FieldValue::bytes)
                        .unwrap_or_default();
                    out.push((config, value));
                }
            }
        }
    }
    Ok(out)
}

/// The item (4) of a Value, and in it field `number`, as a message.
fn item_field(value: &[u8], number: u32) -> Option<&[u8]> {
    proto::field(proto::field(value, 4)?.bytes()?, number)?.bytes()
}

/// The string values of resource `id` per locale ("default" for none).
pub(crate) fn localized_strings(
    table: &[u8],
    id: u32,
) -> Result<BTreeMap<String, String>, ProtoError> {
    let mut out = BTreeMap::new();
    for (config, value) in config_values(table, id)? {
        // Only configurations that differ by locale (Configuration.locale, 3) alone.
        let qualifiers: Vec<(u32, FieldValue)> =
            proto::fields(config).map_while(Result::ok).collect();
        if qualifiers.iter().any(|(n, _)| *n != 3) {
            continue;
        }
        let locale = qualifiers
            .iter()
            .find_map(|(_, v)| v.text())
            .filter(|l| !l.is_empty())
            .unwrap_or("default");
        // Item.str (2) → String.value (1)
        if let Some(string) = item_field(value, 2).and_then(|s| proto::field(s, 1)?.text()) {
            out.insert(locale.to_string(), string.to_string());
        }
    }
    Ok(out)
}

/// The launcher icon's file in the bundle (`base/res/…`), as for an APK: a raster before
/// XML, then the highest density (Configuration.density, 18).
pub(crate) fn icon_file(table: &[u8], id: u32) -> Result<Option<String>, ProtoError> {
    let files = config_values(table, id)?
        .into_iter()
        .filter_map(|(config, value)| {
            let density = proto::field(config, 18)
                .and_then(FieldValue::varint)
                .and_then(|d| u16::try_from(d).ok())
                .unwrap_or(0);
            // Item.file (5) → FileReference.path (1)
            let path = item_field(value, 5).and_then(|f| proto::field(f, 1)?.text())?;
            Some((density, format!("base/{path}")))
        });
    Ok(super::manifest::best_icon(files))
}
