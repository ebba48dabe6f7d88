//! Binary-XML string amplification, icon self-reference loops, ARSC and signer counts, long class names and large assets.

use super::common;

const NO_INDEX: u32 = 0xffff_ffff;
const TYPE_REFERENCE: u8 = 0x01;
const TYPE_STRING: u8 = 0x03;
const ICON_ID: u32 = 0x7f01_0000;
const LABEL_ID: u32 = 0x7f02_0000;

fn chunk(kind: u16, header: &[u8], body: &[u8]) -> Vec<u8> {
    let header_size = 8 + header.len();
    let mut out = kind.to_le_bytes().to_vec();
    out.extend_from_slice(&(header_size as u16).to_le_bytes());
    out.extend_from_slice(&((header_size + body.len()) as u32).to_le_bytes());
    out.extend_from_slice(header);
    out.extend_from_slice(body);
    out
}

/// A UTF-16 string pool chunk; long strings take the two-unit length form.
fn pool(strings: &[&str]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut offsets = Vec::new();
    for s in strings {
        offsets.push(body.len() as u32);
        let units: Vec<u16> = s.encode_utf16().collect();
        let len = units.len();
        if len > 0x7fff {
            body.extend_from_slice(&((0x8000 | (len >> 16)) as u16).to_le_bytes());
            body.extend_from_slice(&((len & 0xffff) as u16).to_le_bytes());
        } else {
            body.extend_from_slice(&(len as u16).to_le_bytes());
        }
        units
            .iter()
            .for_each(|u| body.extend_from_slice(&u.to_le_bytes()));
        body.extend_from_slice(&[0, 0]);
    }
    while body.len() % 4 != 0 {
        body.push(0);
    }
    let strings_start = 28 + offsets.len() * 4;
    let mut header = (strings.len() as u32).to_le_bytes().to_vec();
    header.extend_from_slice(&0u32.to_le_bytes()); // styles
    header.extend_from_slice(&0u32.to_le_bytes()); // flags: UTF-16
    header.extend_from_slice(&(strings_start as u32).to_le_bytes());
    header.extend_from_slice(&0u32.to_le_bytes());
    let mut rest = Vec::new();
    offsets
        .iter()
        .for_each(|o| rest.extend_from_slice(&o.to_le_bytes()));
    rest.extend_from_slice(&body);
    chunk(0x0001, &header, &rest)
}

/// A start-element chunk: `name` and (name, type, data) attributes, string indices into the pool.
fn start(name: u32, attributes: &[(u32, u8, u32)]) -> Vec<u8> {
    let mut line = 1u32.to_le_bytes().to_vec();
    line.extend_from_slice(&NO_INDEX.to_le_bytes());
    let mut ext = NO_INDEX.to_le_bytes().to_vec();
    ext.extend_from_slice(&name.to_le_bytes());
    ext.extend_from_slice(&20u16.to_le_bytes());
    ext.extend_from_slice(&20u16.to_le_bytes());
    ext.extend_from_slice(&(attributes.len() as u16).to_le_bytes());
    ext.extend_from_slice(&[0; 6]);
    for (attr, ty, data) in attributes {
        ext.extend_from_slice(&NO_INDEX.to_le_bytes());
        ext.extend_from_slice(&attr.to_le_bytes());
        let raw = if *ty == TYPE_STRING { *data } else { NO_INDEX };
        ext.extend_from_slice(&raw.to_le_bytes());
        ext.extend_from_slice(&[8, 0, 0, *ty]);
        ext.extend_from_slice(&data.to_le_bytes());
    }
    chunk(0x0102, &line, &ext)
}

fn end(name: u32) -> Vec<u8> {
    let mut line = 1u32.to_le_bytes().to_vec();
    line.extend_from_slice(&NO_INDEX.to_le_bytes());
    let mut body = NO_INDEX.to_le_bytes().to_vec();
    body.extend_from_slice(&name.to_le_bytes());
    chunk(0x0103, &line, &body)
}

// Pool indices of the manifests below; `extra` strings follow from index 6.
const S_MANIFEST: u32 = 0;
const S_PACKAGE: u32 = 1;
const S_PACKAGE_NAME: u32 = 2;
const S_APPLICATION: u32 = 3;
const S_ICON: u32 = 4;
const S_LABEL: u32 = 5;
const S_EXTRA: u32 = 6;

/// <manifest package="com.example.hostile"><application …attributes>children</application></manifest>
fn manifest(extra: &[&str], application: &[(u32, u8, u32)], children: &[Vec<u8>]) -> Vec<u8> {
    let mut strings = vec![
        "manifest",
        "package",
        "com.example.hostile",
        "application",
        "icon",
        "label",
    ];
    strings.extend_from_slice(extra);
    let mut body = pool(&strings);
    body.extend(start(
        S_MANIFEST,
        &[(S_PACKAGE, TYPE_STRING, S_PACKAGE_NAME)],
    ));
    body.extend(start(S_APPLICATION, application));
    children.iter().for_each(|c| body.extend_from_slice(c));
    body.extend(end(S_APPLICATION));
    body.extend(end(S_MANIFEST));
    chunk(0x0003, &[], &body)
}

/// A type chunk of one configuration (language, region, density) with
/// (type, data) entries; a 16-byte ResTable_config.
fn type_chunk(type_id: u8, language: [u8; 2], density: u16, entries: &[(u8, u32)]) -> Vec<u8> {
    let mut config = 16u32.to_le_bytes().to_vec();
    config.extend_from_slice(&[0; 4]); // mcc, mnc
    config.extend_from_slice(&language);
    config.extend_from_slice(&[0; 2]); // region
    config.extend_from_slice(&[0; 2]); // orientation, touchscreen
    config.extend_from_slice(&density.to_le_bytes());
    let mut header = vec![type_id, 0, 0, 0];
    header.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    header.extend_from_slice(&((36 + entries.len() * 4) as u32).to_le_bytes());
    header.extend_from_slice(&config);
    let mut body = Vec::new();
    for i in 0..entries.len() {
        body.extend_from_slice(&((i * 16) as u32).to_le_bytes());
    }
    for (ty, data) in entries {
        body.extend_from_slice(&[8, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, *ty]);
        body.extend_from_slice(&data.to_le_bytes());
    }
    chunk(0x0201, &header, &body)
}

/// A package chunk: id, its type names ("mipmap", "string"…) and type chunks.
fn package(id: u32, type_names: &[&str], types: &[Vec<u8>]) -> Vec<u8> {
    let names = pool(type_names);
    let keys = pool(&["key"]);
    let mut header = id.to_le_bytes().to_vec();
    header.extend_from_slice(&[0; 256]);
    header.extend_from_slice(&288u32.to_le_bytes()); // typeStrings
    header.extend_from_slice(&0u32.to_le_bytes());
    header.extend_from_slice(&((288 + names.len()) as u32).to_le_bytes());
    header.extend_from_slice(&[0; 8]);
    let mut body = [names, keys].concat();
    types.iter().for_each(|t| body.extend_from_slice(t));
    chunk(0x0200, &header, &body)
}

fn table(strings: &[&str], packages: &[Vec<u8>]) -> Vec<u8> {
    let mut body = pool(strings);
    packages.iter().for_each(|p| body.extend_from_slice(p));
    chunk(0x0002, &(packages.len() as u32).to_le_bytes(), &body)
}

fn apk(manifest: &[u8], resources: Option<&[u8]>, others: &[(&str, &[u8])]) -> Vec<u8> {
    let mut entries: Vec<(&str, &[u8])> = vec![("AndroidManifest.xml", manifest)];
    if let Some(resources) = resources {
        entries.push(("resources.arsc", resources));
    }
    entries.extend_from_slice(others);
    common::zip_of(&entries, true)
}

/// 4000 attributes that all name one 200,000-character pool string.
fn shared_string_amplification() -> Vec<u8> {
    let big = "x".repeat(200_000);
    let attributes: Vec<(u32, u8, u32)> =
        (0..4000).map(|_| (S_LABEL, TYPE_STRING, S_EXTRA)).collect();
    let children = [start(S_EXTRA + 1, &attributes), end(S_EXTRA + 1)];
    apk(&manifest(&[&big, "meta-data"], &[], &children), None, &[])
}

/// The launcher icon is a reference to itself in 16 densities.
fn icon_self_reference() -> Vec<u8> {
    let types: Vec<Vec<u8>> = (0..16)
        .map(|d| type_chunk(1, [0, 0], 120 + d, &[(TYPE_REFERENCE, ICON_ID)]))
        .collect();
    let resources = table(&["res/icon.png"], &[package(0x7f, &["mipmap"], &types)]);
    let manifest = manifest(&[], &[(S_ICON, TYPE_REFERENCE, ICON_ID)], &[]);
    apk(&manifest, Some(&resources), &[])
}

/// The label in 150,000 locales.
fn many_locales() -> Vec<u8> {
    let types: Vec<Vec<u8>> = (0..150_000u32)
        .map(|i| {
            let language = [b'a' + (i % 26) as u8, b'a' + (i / 26 % 26) as u8];
            // Region codes as raw bytes: every configuration is a distinct locale.
            let mut t = type_chunk(2, language, 0, &[(TYPE_STRING, 0)]);
            t[8 + 12 + 10..8 + 12 + 12].copy_from_slice(&((i / 676) as u16 + 0x3030).to_le_bytes());
            t
        })
        .collect();
    let resources = table(
        &["Hostile"],
        &[package(0x7f, &["mipmap", "string"], &types)],
    );
    let manifest = manifest(&[], &[(S_LABEL, TYPE_REFERENCE, LABEL_ID)], &[]);
    apk(&manifest, Some(&resources), &[])
}

/// 5,000 packages, the last holding 5,000 string type chunks.
fn many_packages() -> Vec<u8> {
    let mut packages: Vec<Vec<u8>> = (0..5000).map(|_| package(0x01, &["string"], &[])).collect();
    let types: Vec<Vec<u8>> = (0..5000)
        .map(|_| type_chunk(2, *b"zh", 0, &[(TYPE_STRING, 0)]))
        .collect();
    packages.push(package(0x7f, &["mipmap", "string"], &types));
    let resources = table(&["Hostile"], &packages);
    let manifest = manifest(&[], &[(S_LABEL, TYPE_REFERENCE, LABEL_ID)], &[]);
    apk(&manifest, Some(&resources), &[])
}

fn uleb128(mut v: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A dex whose strings are all class descriptors.
fn dex(classes: &[String]) -> Vec<u8> {
    let string_ids_at = 0x70;
    let type_ids_at = string_ids_at + classes.len() * 4;
    // Every type a class the dex defines (class_defs: 32 bytes each, class_idx first).
    let class_defs_at = type_ids_at + classes.len() * 4;
    let data_at = class_defs_at + classes.len() * 32;
    let mut data = Vec::new();
    let mut ids = Vec::new();
    for s in classes {
        ids.extend_from_slice(&((data_at + data.len()) as u32).to_le_bytes());
        uleb128(s.len(), &mut data);
        data.extend_from_slice(s.as_bytes());
        data.push(0);
    }
    let mut out = vec![0u8; 0x70];
    out[..8].copy_from_slice(b"dex\n035\0");
    out[40..44].copy_from_slice(&0x1234_5678u32.to_le_bytes());
    out[56..60].copy_from_slice(&(classes.len() as u32).to_le_bytes());
    out[60..64].copy_from_slice(&(string_ids_at as u32).to_le_bytes());
    out[64..68].copy_from_slice(&(classes.len() as u32).to_le_bytes());
    out[68..72].copy_from_slice(&(type_ids_at as u32).to_le_bytes());
    out[96..100].copy_from_slice(&(classes.len() as u32).to_le_bytes());
    out[100..104].copy_from_slice(&(class_defs_at as u32).to_le_bytes());
    out.extend_from_slice(&ids);
    for i in 0..classes.len() as u32 {
        out.extend_from_slice(&i.to_le_bytes());
    }
    for i in 0..classes.len() as u32 {
        let mut class_def = [0u8; 32];
        class_def[..4].copy_from_slice(&i.to_le_bytes());
        out.extend_from_slice(&class_def);
    }
    out.extend_from_slice(&data);
    out
}

/// A 2 MB class name of 1,000,000 one-letter packages.
fn long_class_name() -> Vec<u8> {
    let name = format!("L{}Main;", "a/".repeat(1_000_000));
    let classes = dex(&[name, "Lcom/tencent/mm/opensdk/openapi/WXAPIFactory;".into()]);
    apk(&manifest(&[], &[], &[]), None, &[("classes.dex", &classes)])
}

/// A JS bundle whose URL sits after 3 MiB of padding.
fn padded_asset() -> Vec<u8> {
    let mut js = vec![b' '; 3 << 20];
    js.extend_from_slice(b"fetch(\"https://api.hidden-host.com.cn/v1\");");
    apk(
        &manifest(&[], &[], &[]),
        None,
        &[("assets/index.android.bundle", &js)],
    )
}

fn lp(parts: &[&[u8]]) -> Vec<u8> {
    let body = parts.concat();
    let mut out = (body.len() as u32).to_le_bytes().to_vec();
    out.extend_from_slice(&body);
    out
}

/// A certificate of the bundled samples, as DER.
fn sample_certificate() -> Vec<u8> {
    use base64::Engine;
    let report = appfiling::inspect_path(
        &common::sample_path("sample-v2-ec.apk"),
        &appfiling::Options::default(),
    )
    .unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(&report.signers[0].key.certificate.der_base64)
        .unwrap()
}

/// The sample certificate with `serial` in its last bytes: a distinct SHA-256 each.
fn distinct_certificate(certificate: &[u8], serial: u32) -> Vec<u8> {
    let mut cert = certificate.to_vec();
    let at = cert.len() - 4;
    cert[at..].copy_from_slice(&serial.to_be_bytes());
    cert
}

/// A minimal APK with a signing block holding one (id, value) pair.
fn with_signing_block(id: u32, value: &[u8]) -> Vec<u8> {
    let mut pair = ((value.len() + 4) as u64).to_le_bytes().to_vec();
    pair.extend_from_slice(&id.to_le_bytes());
    pair.extend_from_slice(value);
    let size = (pair.len() + 24) as u64;
    let mut block = size.to_le_bytes().to_vec();
    block.extend_from_slice(&pair);
    block.extend_from_slice(&size.to_le_bytes());
    block.extend_from_slice(b"APK Sig Block 42");
    let mut zip = apk(&manifest(&[], &[], &[]), None, &[]);
    let eocd = zip.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    let cd = u32::from_le_bytes(zip[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
    zip[eocd + 16..eocd + 20].copy_from_slice(&((cd + block.len()) as u32).to_le_bytes());
    zip.splice(cd..cd, block);
    zip
}

/// A v2 block of `count` signers whose certificates differ in their last bytes.
fn many_signers(count: u32) -> Vec<u8> {
    let certificate = sample_certificate();
    let mut signers = Vec::new();
    for i in 0..count {
        let cert = distinct_certificate(&certificate, i);
        let signed_data = lp(&[&lp(&[]), &lp(&[&lp(&[&cert])]), &lp(&[])]);
        signers.extend(lp(&[&signed_data, &lp(&[]), &lp(&[b"key"])]));
    }
    with_signing_block(0x7109_871a, &lp(&[&signers]))
}

/// A v3 signer whose proof-of-rotation lineage holds `count` certificates.
fn long_lineage(count: u32) -> Vec<u8> {
    let certificate = sample_certificate();
    let u32le = |v: u32| v.to_le_bytes().to_vec();
    let mut lineage = u32le(1);
    for i in 0..count {
        let cert = distinct_certificate(&certificate, i);
        let signed = lp(&[&lp(&[&cert]), &u32le(0)]);
        lineage.extend(lp(&[&signed, &u32le(0x1f), &u32le(0x0103), &lp(&[b"sig"])]));
    }
    let attribute = lp(&[&u32le(0x3ba0_6f8c), &lineage]);
    let signed_data = lp(&[
        &lp(&[]),
        &lp(&[&lp(&[&certificate])]),
        &u32le(28),
        &u32le(0x7fff_ffff),
        &lp(&[&attribute]),
    ]);
    let signer = lp(&[
        &signed_data,
        &u32le(28),
        &u32le(0x7fff_ffff),
        &lp(&[]),
        &lp(&[b"key"]),
    ]);
    with_signing_block(0xf053_68c0, &lp(&[&signer]))
}

/// The crafted inputs of this area as (file name, bytes), for the batch test in
/// tests/hostile.rs: each must give a report or an error naming it, within budget.
pub fn hostile_inputs() -> Vec<(String, Vec<u8>)> {
    vec![
        (
            "axml-shared-string.apk".into(),
            shared_string_amplification(),
        ),
        ("icon-self-reference.apk".into(), icon_self_reference()),
        ("arsc-many-locales.apk".into(), many_locales()),
        ("arsc-many-packages.apk".into(), many_packages()),
        ("dex-long-class-name.apk".into(), long_class_name()),
        ("asset-padded-url.apk".into(), padded_asset()),
        ("v2-many-signers.apk".into(), many_signers(5000)),
        ("v3-long-lineage.apk".into(), long_lineage(5000)),
    ]
}

/// Writes `bytes` to a temporary file, freeing them: the run is measured from a
/// fork of this process, whose memory it starts with.
fn write(name: &str, bytes: Vec<u8>) -> String {
    let path = common::temp_file("hostile-android", name, &bytes);
    path.to_str().unwrap().to_string()
}

/// Runs `inspect --format json` (with `--detect` when asked) on `path`.
fn inspect(path: &str, detect: bool) -> common::Limited {
    let mut args = vec!["inspect", "--format", "json", path];
    if detect {
        args.insert(1, "--detect");
    }
    common::appfiling_limited(&args)
}

/// The report of the only package of the run.
fn report(run: &common::Limited) -> serde_json::Value {
    let out: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:#?}"));
    out["packages"][0].clone()
}

#[test]
fn attributes_share_one_pool_string() {
    let path = write("axml-shared-string.apk", shared_string_amplification());
    let run = inspect(&path, false);
    run.assert_within("shared pool string", 0, 64);
    assert_eq!(report(&run)["package_name"], "com.example.hostile");
}

#[test]
fn an_icon_that_refers_to_itself_resolves_once() {
    let path = write("icon-self-reference.apk", icon_self_reference());
    let run = inspect(&path, false);
    run.assert_within("icon self-reference", 0, 64);
    assert_eq!(report(&run)["icon"], serde_json::Value::Null);
}

#[test]
fn many_locales_and_packages_stay_linear() {
    for (name, build) in [
        ("arsc-many-locales.apk", many_locales as fn() -> Vec<u8>),
        ("arsc-many-packages.apk", many_packages),
    ] {
        let path = write(name, build());
        for detect in [false, true] {
            let run = inspect(&path, detect);
            run.assert_within(name, 0, if detect { 512 } else { 64 });
            let report = report(&run);
            assert_eq!(report["package_name"], "com.example.hostile", "{name}");
            let labels = report["app_names"].as_object().unwrap();
            assert!(labels.values().all(|l| l == "Hostile"), "{name}");
            assert!(!labels.is_empty(), "{name}");
        }
    }
}

#[test]
fn a_long_class_name_is_matched_in_linear_time() {
    let path = write("dex-long-class-name.apk", long_class_name());
    let run = inspect(&path, true);
    run.assert_within("long class name", 0, 512);
    let report = report(&run);
    let sdks = report["detection"]["sdks"].as_array().unwrap();
    assert!(sdks.iter().any(|s| s["id"] == "wechat-opensdk"), "{sdks:?}");
}

#[test]
fn urls_past_the_first_mebibyte_of_an_asset_are_found() {
    let path = write("asset-padded-url.apk", padded_asset());
    let run = inspect(&path, true);
    run.assert_within("padded asset", 0, 512);
    let report = report(&run);
    let domains = report["detection"]["domains"].as_array().unwrap();
    assert!(
        domains
            .iter()
            .any(|d| d["host"] == "api.hidden-host.com.cn"),
        "{domains:?}"
    );
}

#[test]
fn many_v2_signers_stay_bounded() {
    let path = write("v2-many-signers.apk", many_signers(5000));
    let run = inspect(&path, false);
    run.assert_within("many v2 signers", 0, 64);
    let report = report(&run);
    assert!(report["signers"].as_array().unwrap().len() <= 10);
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("too_many_signers"), "{warnings}");
}

#[test]
fn a_long_rotation_lineage_is_cut_to_its_newest_keys() {
    let path = write("v3-long-lineage.apk", long_lineage(5000));
    let run = inspect(&path, false);
    run.assert_within("long lineage", 0, 64);
    let report = report(&run);
    assert_eq!(report["lineage"].as_array().unwrap().len(), 64);
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("lineage_too_long"), "{warnings}");
}
