//! Deep BER in every CMS entry point, deep plists, Mach-O floods, bundle path escapes and many .lproj folders.

use crate::common;

/// Budgets of docs/security.md, in MiB.
const RSS_BUDGET: u64 = 512;
const RSS_BUDGET_NO_DETECT: u64 = 64;

/// The memory budget of a run with or without `--detect`.
fn rss_budget(detect: bool) -> u64 {
    if detect {
        RSS_BUDGET
    } else {
        RSS_BUDGET_NO_DETECT
    }
}

/// Deep enough to overflow a 2 MiB stack (and the main thread's 8 MiB) when walked recursively.
const DEEP_BER: usize = 40_000;
const DEEP_PLIST: usize = 40_000;
/// Names in one Info.plist list: quadratic work on them would run for minutes.
const MANY_NAMES: usize = 150_000;

/// A DER element with a definite length.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(length(content.len()));
    out.extend_from_slice(content);
    out
}

fn length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        return vec![len as u8];
    }
    let bytes: Vec<u8> = len
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    let mut out = vec![0x80 | bytes.len() as u8];
    out.extend(bytes);
    out
}

/// `levels` constructed OCTET STRINGs (definite lengths), one inside the other.
fn nested_octets(levels: usize) -> Vec<u8> {
    let inner = der(0x04, b"x");
    let mut headers = Vec::with_capacity(levels);
    let mut size = inner.len();
    for _ in 0..levels {
        let mut header = vec![0x24];
        header.extend(length(size));
        size += header.len();
        headers.push(header);
    }
    let mut out = Vec::with_capacity(size);
    headers.iter().rev().for_each(|h| out.extend_from_slice(h));
    out.extend(inner);
    out
}

/// A ContentInfo holding SignedData whose signed content is `levels` deep.
fn deep_cms(levels: usize) -> Vec<u8> {
    const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    const DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    let encapsulated = der(
        0x30,
        &[der(0x06, DATA), der(0xa0, &nested_octets(levels))].concat(),
    );
    let signed = der(
        0x30,
        &[der(0x02, &[1]), der(0x31, &[]), encapsulated].concat(),
    );
    der(0x30, &[der(0x06, SIGNED_DATA), der(0xa0, &signed)].concat())
}

/// An XML plist dictionary whose one value is `levels` nested arrays.
fn deep_xml_plist(levels: usize, id: &str) -> Vec<u8> {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>");
    out += &format!("<key>CFBundleIdentifier</key><string>{id}</string>");
    out += "<key>CFBundleExecutable</key><string>App</string><key>Deep</key>";
    out += &"<array>".repeat(levels);
    out += &"</array>".repeat(levels);
    out += "</dict></plist>";
    out.into_bytes()
}

/// A binary plist: a dictionary { CFBundleIdentifier: id, Deep: [[[…]]] } with
/// `levels` arrays, each holding `fanout` references to the next one.
fn binary_plist(levels: usize, fanout: u8, id: &str) -> Vec<u8> {
    // Objects: 0 the root dictionary, 1 and 2 its keys, 3 the id, 4.. the arrays.
    let count = 4 + levels;
    let mut out = b"bplist00".to_vec();
    let mut offsets = Vec::with_capacity(count);
    let reference = |n: usize| (n as u32).to_be_bytes()[1..].to_vec(); // 3-byte references
    let ascii = |s: &str| {
        let head = match s.len() {
            short @ 0..15 => vec![0x50 | short as u8],
            long => vec![0x5f, 0x10, long as u8],
        };
        [head, s.as_bytes().to_vec()].concat()
    };
    offsets.push(out.len());
    out.push(0xd2);
    for n in [1, 2, 3, 4] {
        out.extend(reference(n));
    }
    offsets.push(out.len());
    out.extend(ascii("CFBundleIdentifier"));
    offsets.push(out.len());
    out.extend(ascii("Deep"));
    offsets.push(out.len());
    out.extend(ascii(id));
    for n in 4..count {
        offsets.push(out.len());
        if n + 1 < count {
            out.push(0xa0 | fanout);
            (0..fanout).for_each(|_| out.extend(reference(n + 1)));
        } else {
            out.push(0xa0);
        }
    }
    let table = out.len();
    for offset in offsets {
        out.extend_from_slice(&(offset as u32).to_be_bytes());
    }
    out.extend([0u8; 6]);
    out.extend([4u8, 3]);
    out.extend((count as u64).to_be_bytes());
    out.extend(0u64.to_be_bytes());
    out.extend((table as u64).to_be_bytes());
    out
}

fn info_plist(id: &str, executable: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>\
         <key>CFBundleIdentifier</key><string>{id}</string>\
         <key>CFBundleExecutable</key><string>{executable}</string>\
         <key>CFBundleName</key><string>Hostile</string></dict></plist>"
    )
    .into_bytes()
}

/// What a crafted thin arm64 Mach-O holds.
#[derive(Default)]
struct MachOParts {
    /// The body of an embedded-entitlements blob.
    entitlements: Option<Vec<u8>>,
    /// The CMS of the signature slot.
    cms: Option<Vec<u8>>,
    /// The contents of a __TEXT,__objc_classname section.
    class_names: Option<Vec<u8>>,
}

fn macho(parts: &MachOParts) -> Vec<u8> {
    let le = |v: u32| v.to_le_bytes();
    let segment_len = if parts.class_names.is_some() {
        72 + 80
    } else {
        0
    };
    let commands_len = segment_len + 16;
    let strings_at = 32 + commands_len;
    let strings = parts.class_names.clone().unwrap_or_default();
    let signature_at = strings_at + strings.len() as u32;
    let mut blobs: Vec<(u32, u32, &[u8])> = Vec::new();
    if let Some(e) = &parts.entitlements {
        blobs.push((5, 0xfade_7171, e));
    }
    if let Some(c) = &parts.cms {
        blobs.push((0x10000, 0xfade_0b01, c));
    }
    let mut index = Vec::new();
    let mut bodies = Vec::new();
    let mut at = 12 + 8 * blobs.len() as u32;
    for (slot, magic, body) in &blobs {
        index.extend(slot.to_be_bytes());
        index.extend(at.to_be_bytes());
        bodies.extend(magic.to_be_bytes());
        bodies.extend((body.len() as u32 + 8).to_be_bytes());
        bodies.extend_from_slice(body);
        at += body.len() as u32 + 8;
    }
    let mut signature = 0xfade_0cc0u32.to_be_bytes().to_vec();
    signature.extend(at.to_be_bytes());
    signature.extend((blobs.len() as u32).to_be_bytes());
    signature.extend(index);
    signature.extend(bodies);

    let ncmds = 1 + u32::from(parts.class_names.is_some());
    let mut out = Vec::new();
    for v in [0xfeed_facf, 0x0100_000c, 0, 2, ncmds, commands_len, 0, 0] {
        out.extend(le(v));
    }
    if parts.class_names.is_some() {
        out.extend(le(0x19));
        out.extend(le(segment_len));
        out.extend(b"__TEXT\0\0\0\0\0\0\0\0\0\0");
        out.extend([0u8; 32]); // vmaddr, vmsize, fileoff, filesize
        out.extend([le(5), le(5), le(1), le(0)].concat()); // maxprot, initprot, nsects, flags
        out.extend(b"__objc_classname");
        out.extend(b"__TEXT\0\0\0\0\0\0\0\0\0\0");
        out.extend(0u64.to_le_bytes());
        out.extend((strings.len() as u64).to_le_bytes());
        out.extend(le(strings_at));
        out.extend([0u8; 28]);
    }
    out.extend(
        [
            le(0x1d),
            le(16),
            le(signature_at),
            le(signature.len() as u32),
        ]
        .concat(),
    );
    out.extend(strings);
    out.extend(signature);
    out
}

/// An IPA of one app "App" with `info` and `executable`, plus `others` (paths in the .app).
fn ipa(info: &[u8], executable: &[u8], others: &[(String, &[u8])]) -> Vec<u8> {
    let mut entries = vec![
        ("Payload/App.app/Info.plist".to_string(), info),
        ("Payload/App.app/App".to_string(), executable),
    ];
    for (name, bytes) in others {
        entries.push((format!("Payload/App.app/{name}"), bytes));
    }
    common::zip_of(&entries, true)
}

/// A stretch of an entry's content for `deflate_runs`.
enum Run<'a> {
    Bytes(&'a [u8]),
    /// `pattern` (1 to 4 bytes) repeated to `len` bytes.
    Repeat(&'a [u8], usize),
}

/// A raw deflate stream (one fixed-Huffman block) of `runs`: repeats become
/// 258-byte back-references, so hundreds of MiB cost a few MB to build.
fn deflate_runs(runs: &[Run<'_>]) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, value: u32, count: u32) {
            self.acc |= u64::from(value) << self.n;
            self.n += count;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// Huffman codes go most significant bit first.
        fn code(&mut self, code: u32, len: u32) {
            self.put(code.reverse_bits() >> (32 - len), len);
        }
        fn literal(&mut self, byte: u8) {
            match byte {
                0..=143 => self.code(0x30 + u32::from(byte), 8),
                _ => self.code(0x190 + u32::from(byte) - 144, 9),
            }
        }
    }
    let mut bits = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // final block
    bits.put(1, 2); // fixed Huffman codes
    for run in runs {
        match run {
            Run::Bytes(bytes) => bytes.iter().for_each(|b| bits.literal(*b)),
            Run::Repeat(pattern, len) => {
                assert!((1..=4).contains(&pattern.len()) && *len >= pattern.len());
                pattern.iter().for_each(|b| bits.literal(*b));
                let mut done = pattern.len();
                while len - done >= 258 {
                    bits.code(0xc5, 8); // length 258 (symbol 285)
                    bits.code(pattern.len() as u32 - 1, 5); // distance 1 to 4
                    done += 258;
                }
                (done..*len).for_each(|i| bits.literal(pattern[i % pattern.len()]));
            }
        }
    }
    bits.code(0, 7); // end of block
    bits.put(0, 7);
    bits.out
}

/// A zip of `entries` stored, then `deflated`: (name, raw deflate stream, its inflated size).
fn zip_with_deflated(entries: &[(&str, &[u8])], deflated: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let mut all = entries.to_vec();
    all.extend(deflated.iter().map(|(name, stream, _)| (*name, *stream)));
    let mut zip = common::zip_of(&all, false);
    // Mark those deflated, with their true size, in their central directory records and local headers.
    let mut at = zip.len() - 22;
    at = u32::from_le_bytes(zip[at + 16..at + 20].try_into().unwrap()) as usize;
    while zip[at..at + 4] == [0x50, 0x4b, 0x01, 0x02] {
        let field = |at: usize| u16::from_le_bytes([zip[at], zip[at + 1]]) as usize;
        let (name_len, extra, comment) = (field(at + 28), field(at + 30), field(at + 32));
        let name = &zip[at + 46..at + 46 + name_len];
        if let Some((_, _, size)) = deflated.iter().find(|(n, _, _)| n.as_bytes() == name) {
            let local = u32::from_le_bytes(zip[at + 42..at + 46].try_into().unwrap()) as usize;
            zip[at + 10..at + 12].copy_from_slice(&8u16.to_le_bytes());
            zip[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
            zip[local + 8..local + 10].copy_from_slice(&8u16.to_le_bytes());
            zip[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
        }
        at += 46 + name_len + extra + comment;
    }
    zip
}

/// An IPA whose executable "App" inflates from `runs`.
fn ipa_with_inflating_executable(runs: &[Run<'_>]) -> Vec<u8> {
    let size: usize = runs
        .iter()
        .map(|r| match r {
            Run::Bytes(b) => b.len(),
            Run::Repeat(_, len) => *len,
        })
        .sum();
    let info = info_plist("com.example.flood", "App");
    zip_with_deflated(
        &[("Payload/App.app/Info.plist", &info)],
        &[("Payload/App.app/App", &deflate_runs(runs), size as u32)],
    )
}

/// The v1-v2-v3 sample APK with its JAR signature block replaced by `cms`.
fn apk_with_v1_block(cms: &[u8]) -> Vec<u8> {
    let mut entries = common::zip_entries(&crate::sample("sample-v1v2v3-rsa.apk"));
    for (name, bytes) in &mut entries {
        if name.ends_with(".RSA") {
            *bytes = cms.to_vec();
        }
    }
    common::zip_of(&entries, true)
}

/// The sample HAP's files with a signing block whose signature is `cms`.
fn hap_with_signature(cms: &[u8]) -> Vec<u8> {
    use appfiling::fuzzing::{encode_hap_sign_block as encode, TYPE_PROFILE, TYPE_SIGNATURE};
    let zip = common::zip_of(
        &common::zip_entries(&crate::sample("harmony/sample.hap")),
        true,
    );
    let profile = std::fs::read(common::sample_path("harmony/sample-release.p7b")).unwrap();
    let eocd = zip.len() - 22;
    assert_eq!(zip[eocd..eocd + 4], [0x50, 0x4b, 0x05, 0x06]);
    let cd = u32::from_le_bytes(zip[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
    let block = encode(&[(TYPE_SIGNATURE, cms), (TYPE_PROFILE, &profile)], false, 3);
    let mut signed = [&zip[..cd], &block, &zip[cd..]].concat();
    let new_cd = (cd + block.len()) as u32;
    let new_eocd = eocd + block.len();
    signed[new_eocd + 16..new_eocd + 20].copy_from_slice(&new_cd.to_le_bytes());
    signed
}

fn deep_ber_inputs() -> Vec<(String, Vec<u8>)> {
    let cms = deep_cms(DEEP_BER);
    let macho_cms = macho(&MachOParts {
        cms: Some(cms.clone()),
        ..MachOParts::default()
    });
    vec![
        ("deep-ber-v1.apk".into(), apk_with_v1_block(&cms)),
        ("deep-ber.mobileprovision".into(), cms.clone()),
        ("deep-ber.p7b".into(), cms.clone()),
        ("deep-ber-signature.hap".into(), hap_with_signature(&cms)),
        (
            "deep-ber-code-signature.ipa".into(),
            ipa(&info_plist("com.example.deep", "App"), &macho_cms, &[]),
        ),
    ]
}

fn deep_plist_inputs() -> Vec<(String, Vec<u8>)> {
    let id = "com.example.deep";
    let deep_entitlements = macho(&MachOParts {
        entitlements: Some(deep_xml_plist(DEEP_PLIST, id)),
        ..MachOParts::default()
    });
    let plain = macho(&MachOParts::default());
    vec![
        (
            "deep-xml-info.ipa".into(),
            ipa(&deep_xml_plist(DEEP_PLIST, id), &plain, &[]),
        ),
        (
            "deep-binary-info.ipa".into(),
            ipa(&binary_plist(DEEP_PLIST, 1, id), &plain, &[]),
        ),
        (
            "deep-xml.mobileprovision".into(),
            deep_xml_plist(DEEP_PLIST, id),
        ),
        (
            "deep-binary.mobileprovision".into(),
            binary_plist(DEEP_PLIST, 1, id),
        ),
        (
            "shared-binary-info.ipa".into(),
            ipa(&binary_plist(48, 2, id), &plain, &[]),
        ),
        (
            "deep-entitlements.ipa".into(),
            ipa(&info_plist(id, "App"), &deep_entitlements, &[]),
        ),
    ]
}

/// Runs `inspect --format jsonl FILE` (and with `--detect`) on a crafted file.
fn inspect_crafted(name: &str, bytes: &[u8], detect: bool) -> common::Limited {
    let path = common::temp_file("hostile-cms-ios", name, bytes);
    let path = path.to_str().unwrap();
    let mut args = vec!["inspect", "--format", "jsonl", path];
    if detect {
        args.push("--detect");
    }
    common::appfiling_limited(&args)
}

#[test]
fn deep_ber_in_every_cms_entry_point_is_a_clear_error() {
    for (name, bytes) in deep_ber_inputs() {
        let run = inspect_crafted(&name, &bytes, false);
        let code = if run.code == Some(0) { 0 } else { 3 };
        run.assert_within(&name, code, RSS_BUDGET_NO_DETECT);
        let out = format!("{}{}", run.stdout, run.stderr);
        assert!(out.contains(&name), "{name}: {run:#?}");
        assert!(
            out.contains("ASN.1 nesting deeper than"),
            "{name}: the depth limit is not named; {run:#?}"
        );
    }
}

#[test]
fn deep_plists_are_a_clear_error() {
    for (name, bytes) in deep_plist_inputs() {
        for detect in [false, true] {
            let run = inspect_crafted(&name, &bytes, detect);
            let code = if run.code == Some(0) { 0 } else { 3 };
            run.assert_within(&name, code, rss_budget(detect));
            let out = format!("{}{}", run.stdout, run.stderr);
            assert!(out.contains(&name), "{name}: {run:#?}");
            // Entitlements are read only for detection, which skips what it cannot read.
            if name.starts_with("shared") {
                assert!(out.contains("holds more than"), "{name}: {run:#?}");
            } else if !name.contains("entitlements") {
                assert!(
                    out.contains("nested deeper than"),
                    "{name} (detect {detect}): the depth limit is not named; {run:#?}"
                );
            }
        }
    }
}

fn unclear_id_inputs() -> Vec<(String, Vec<u8>)> {
    let plain = macho(&MachOParts::default());
    vec![
        (
            "unknown-entity-id.ipa".into(),
            ipa(&info_plist("&bundle;", "App"), &plain, &[]),
        ),
        (
            "empty-id.ipa".into(),
            ipa(&info_plist("", "App"), &plain, &[]),
        ),
    ]
}

#[test]
fn an_unknown_entity_or_an_empty_bundle_id_is_named() {
    for (name, bytes) in unclear_id_inputs() {
        let run = inspect_crafted(&name, &bytes, false);
        run.assert_within(&name, 3, RSS_BUDGET_NO_DETECT);
        let expected = if name.starts_with("unknown") {
            "Info.plist: the property list uses the unknown XML entity &bundle;"
        } else {
            "Info.plist: CFBundleIdentifier is empty"
        };
        assert!(run.stdout.contains(&name), "{name}: {run:#?}");
        assert!(run.stdout.contains(expected), "{name}: {run:#?}");
    }
}

/// A Mach-O whose class-name section is `len` bytes of one-letter names.
fn class_name_flood(len: usize) -> Vec<u8> {
    // Built with an empty section of the right size, whose bytes are then replaced by runs.
    let layout = macho(&MachOParts {
        class_names: Some(vec![0; len]),
        ..MachOParts::default()
    });
    let header = 32 + 72 + 80 + 16;
    ipa_with_inflating_executable(&[
        Run::Bytes(&layout[..header]),
        Run::Repeat(b"a\0", len),
        Run::Bytes(&layout[header + len..]),
    ])
}

/// A fat Mach-O whose one slice claims an offset near 2^62, then `len` zero bytes.
fn far_fat_slice(len: usize) -> Vec<u8> {
    let mut fat = 0xcafe_babfu32.to_be_bytes().to_vec();
    fat.extend(1u32.to_be_bytes());
    for v in [0x0100_000cu32, 0, 1 << 30, 0, 0, 4096, 14, 0] {
        fat.extend(v.to_be_bytes());
    }
    ipa_with_inflating_executable(&[Run::Bytes(&fat), Run::Repeat(&[0], len)])
}

fn macho_inputs() -> Vec<(String, Vec<u8>)> {
    vec![
        ("class-name-flood.ipa".into(), class_name_flood(48 << 20)),
        ("far-fat-slice.ipa".into(), far_fat_slice(192 << 20)),
    ]
}

#[test]
fn mach_o_string_floods_and_far_slices_stay_within_budget() {
    for (name, bytes) in macho_inputs() {
        for detect in [false, true] {
            let run = inspect_crafted(&name, &bytes, detect);
            run.assert_within(&name, 0, rss_budget(detect));
            assert!(run.stdout.contains(&name), "{name}: {run:#?}");
            if name.starts_with("far") {
                assert!(
                    run.stdout
                        .contains("lies past the 2147483648 bytes read of an executable"),
                    "{name}: {run:#?}"
                );
            }
        }
    }
}

/// An unpacked .app in its own folder, beside a file it must never read.
fn app_dir_beside_a_secret(name: &str, executable: &str) -> std::path::PathBuf {
    let suite_dir = common::temp_file("hostile-cms-ios", "marker", b"")
        .parent()
        .unwrap()
        .join(name);
    let app = suite_dir.join("Escape.app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(suite_dir.join("secret.bin"), b"SECRET-BYTES").unwrap();
    std::fs::write(
        app.join("Info.plist"),
        info_plist("com.example.escape", executable),
    )
    .unwrap();
    app
}

#[test]
fn bundle_paths_stay_inside_the_bundle() {
    let dotted = app_dir_beside_a_secret("dotted", "../secret.bin");
    let absolute = app_dir_beside_a_secret("absolute", "/etc/hostname");
    let linked = app_dir_beside_a_secret("linked", "App");
    std::os::unix::fs::symlink(linked.join("../secret.bin"), linked.join("App")).unwrap();
    let ipa_escape = common::temp_file(
        "hostile-cms-ios",
        "dotted-executable.ipa",
        &ipa(&info_plist("com.example.escape", "../../x"), b"", &[]),
    );
    for (app, message) in [
        (&dotted, "leaves the bundle"),
        (&absolute, "leaves the bundle"),
        (&linked, "is not in the bundle"),
        (&ipa_escape, "leaves the bundle"),
    ] {
        let run =
            common::appfiling_limited(&["inspect", "--format", "jsonl", app.to_str().unwrap()]);
        run.assert_within("escape", 0, RSS_BUDGET_NO_DETECT);
        assert!(run.stdout.contains(message), "{app:?}: {run:#?}");
        // "SECR" as a Mach-O magic would be 0x53454352.
        assert!(
            !run.stdout.contains("0x5345") && !run.stdout.contains("SECRET"),
            "{app:?} leaks the outside file: {run:#?}"
        );
    }
}

/// An Info.plist with `count` distinct strings under `key`.
fn info_with_list(key: &str, count: usize) -> Vec<u8> {
    let list: String = (0..count)
        .map(|i| format!("<string>en-{i}</string>"))
        .collect();
    String::from_utf8(info_plist("com.example.many", "App"))
        .unwrap()
        .replace(
            "</dict>",
            &format!("<key>{key}</key><array>{list}</array></dict>"),
        )
        .into_bytes()
}

/// Two IPAs: one with `count` icon names, one with `count` declared localizations
/// and a thousand .lproj folders, each with its InfoPlist.strings.
fn many_names_inputs(count: usize) -> Vec<(String, Vec<u8>)> {
    let strings = b"\"CFBundleDisplayName\" = \"L\";";
    let folders: Vec<(String, &[u8])> = (0..1000)
        .map(|i| (format!("en-x{i}.lproj/InfoPlist.strings"), &strings[..]))
        .collect();
    let plain = macho(&MachOParts::default());
    vec![
        (
            "many-icons.ipa".into(),
            ipa(&info_with_list("CFBundleIconFiles", count), &plain, &[]),
        ),
        (
            "many-locales.ipa".into(),
            ipa(
                &info_with_list("CFBundleLocalizations", count),
                &plain,
                &folders,
            ),
        ),
    ]
}

#[test]
fn many_icon_names_and_locales_cost_linear_time() {
    for (name, bytes) in many_names_inputs(MANY_NAMES) {
        for detect in [false, true] {
            let run = inspect_crafted(&name, &bytes, detect);
            run.assert_within(&name, 0, rss_budget(detect));
            let last = format!("en-{}", MANY_NAMES - 1);
            if detect || name == "many-icons.ipa" {
                assert!(run.stdout.contains(&last), "{name}: {run:#?}");
            }
        }
    }
}

/// An IPA whose embedded profiles (the app's and an extension's) inflate past the 4 MiB profile limit.
fn oversized_profile() -> Vec<u8> {
    let info = info_plist("com.example.big", "App");
    let appex_info = info_plist("com.example.big.share", "Share");
    let plain = macho(&MachOParts::default());
    let size = 5 << 20;
    let profile = deflate_runs(&[Run::Repeat(b"<", size as usize)]);
    zip_with_deflated(
        &[
            ("Payload/App.app/Info.plist", &info),
            ("Payload/App.app/App", &plain),
            (
                "Payload/App.app/PlugIns/Share.appex/Info.plist",
                &appex_info,
            ),
        ],
        &[
            ("Payload/App.app/embedded.mobileprovision", &profile, size),
            (
                "Payload/App.app/PlugIns/Share.appex/embedded.mobileprovision",
                &profile,
                size,
            ),
        ],
    )
}

#[test]
fn an_oversized_embedded_profile_is_a_warning() {
    let name = "oversized-profile.ipa";
    let run = inspect_crafted(name, &oversized_profile(), false);
    run.assert_within(name, 0, RSS_BUDGET_NO_DETECT);
    for entry in [
        "entry embedded.mobileprovision is",
        "entry PlugIns/Share.appex/embedded.mobileprovision is",
    ] {
        assert!(run.stdout.contains(entry), "{entry}: {run:#?}");
    }
    assert!(
        run.stdout.contains("over the 4194304-byte limit"),
        "{run:#?}"
    );
}

/// The crafted inputs of this area as (file name, bytes), for the batch test in
/// tests/hostile.rs: each must give a report or an error naming it, within budget.
pub fn hostile_inputs() -> Vec<(String, Vec<u8>)> {
    let mut out = deep_ber_inputs();
    out.extend(deep_plist_inputs());
    out.extend(unclear_id_inputs());
    out.extend(macho_inputs());
    out.extend(many_names_inputs(MANY_NAMES));
    out.push(("oversized-profile.ipa".into(), oversized_profile()));
    out
}
