//! resources.index amplification, many-safe PKCS#12 files and giant icons.

use crate::common;

/// The crafted inputs of this area as (file name, bytes), for the batch test in
/// tests/hostile.rs: each must give a report or an error naming it, within budget.
pub fn hostile_inputs() -> Vec<(String, Vec<u8>)> {
    vec![
        ("amplified-resources.hap".into(), amplified_hap()),
        ("many-safes.p12".into(), many_safes_p12()),
        ("over-the-cap.p12".into(), iterations_p12(2_000_000)),
        (
            "keys-in-encrypted-safe.p12".into(),
            keys_in_encrypted_safe_p12(200),
        ),
        ("giant-icon.hap".into(), hap_with_icon(&blank_png(11000))),
        ("giant-candidates.ipa".into(), ipa_with_giant_candidates()),
    ]
}

/// The sample's module.json, whose label is the string id 0x01000000.
fn sample_module_json() -> Vec<u8> {
    common::zip_entries(&crate::sample("harmony/sample.hap"))
        .into_iter()
        .find_map(|(name, bytes)| (name == "module.json").then_some(bytes))
        .unwrap()
}

/// A resources.index of 4096 configurations, each with its own locale, all sharing
/// one IDSS table of 2000 entries that all point at one record: the label id with a
/// 65535-byte value. Read naively, that is a copy of the value per configuration
/// and entry (512 GB); the file is 200 KB and deflates to a few KB.
fn amplified_index() -> Vec<u8> {
    const CONFIGS: u32 = 4096;
    const ENTRIES: u32 = 2000;
    let label_id: u32 = 0x0100_0000;
    let mut out = b"Restool 5.0".to_vec();
    out.resize(128, 0);
    let keys_at = 136;
    let idss_at = keys_at + CONFIGS * 20;
    let record_at = idss_at + 8 + ENTRIES * 8;
    let value: Vec<u8> = b"see https://a.example/ "
        .iter()
        .copied()
        .cycle()
        .take(65534)
        .chain([0])
        .collect();
    out.extend_from_slice(&(record_at + 14 + value.len() as u32).to_le_bytes());
    out.extend_from_slice(&CONFIGS.to_le_bytes());
    for i in 0..CONFIGS {
        out.extend_from_slice(b"KEYS");
        out.extend_from_slice(&idss_at.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        // Language (key 0): three letters, a different tag per configuration.
        let letters = [
            b'a' + (i / 676) as u8,
            b'a' + (i / 26 % 26) as u8,
            b'a' + (i % 26) as u8,
        ];
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(
            &u32::from_be_bytes([0, letters[0], letters[1], letters[2]]).to_le_bytes(),
        );
    }
    out.extend_from_slice(b"IDSS");
    out.extend_from_slice(&ENTRIES.to_le_bytes());
    for _ in 0..ENTRIES {
        out.extend_from_slice(&label_id.to_le_bytes());
        out.extend_from_slice(&record_at.to_le_bytes());
    }
    out.extend_from_slice(&(12 + value.len() as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&label_id.to_le_bytes());
    out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    out.extend_from_slice(&value);
    out
}

fn amplified_hap() -> Vec<u8> {
    common::zip_of(
        &[
            ("module.json", &sample_module_json()),
            ("resources.index", &amplified_index()),
        ],
        true,
    )
}

#[test]
fn a_shared_resource_value_is_not_copied_per_configuration_and_entry() {
    let path = common::temp_file("hostile-c", "amplified-resources.hap", &amplified_hap());
    let path = path.to_str().unwrap();
    let plain = common::appfiling_limited(&["inspect", "--format", "json", path]);
    plain.assert_within("inspect", 0, 64);
    assert!(plain.stdout.contains("dev.appfiling.sample"), "{plain:#?}");
    let detect = common::appfiling_limited(&["inspect", "--format", "json", "--detect", path]);
    detect.assert_within("inspect --detect", 0, 512);
    assert!(detect.stdout.contains("a.example"), "{detect:#?}");
}

/// A DER element: its tag, header length and total length at the start of `der`.
fn der_element(der: &[u8]) -> (u8, usize, usize) {
    let first = der[1] as usize;
    if first < 0x80 {
        return (der[0], 2, 2 + first);
    }
    let count = first & 0x7f;
    let len = der[2..2 + count]
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | *b as usize);
    (der[0], 2 + count, 2 + count + len)
}

/// The child elements of a constructed DER element.
fn der_children(der: &[u8]) -> Vec<&[u8]> {
    let (_, header, end) = der_element(der);
    let mut rest = &der[header..end];
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (_, _, len) = der_element(rest);
        out.push(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match content.len() {
        n if n < 0x80 => out.push(n as u8),
        n => {
            let bytes: Vec<u8> = n
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend_from_slice(&bytes);
        }
    }
    out.extend_from_slice(content);
    out
}

/// A new folder for openssl's files: one per call, as tests run in parallel.
fn scratch_dir() -> std::path::PathBuf {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "appfiling-hostile-c-p12-{}-{call}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A password-less PKCS#12 file from openssl, its key shrouded with `iterations`
/// PBKDF2 rounds (the certificate bag stays plain): the safes of its authenticated
/// safe, without the MAC.
fn openssl_safes(iterations: u32) -> Vec<Vec<u8>> {
    let dir = scratch_dir();
    self_signed_in(&dir, "appfiling hostile p12");
    let iter = iterations.to_string();
    openssl_in(
        &dir,
        &[
            "pkcs12", "-export", "-in", "c.pem", "-inkey", "k.pem", "-passout", "pass:", "-iter",
            &iter, "-nomac", "-out", "out.p12",
        ],
    );
    let p12 = std::fs::read(dir.join("out.p12")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let pfx = der_children(&p12);
    let auth_safe = der_children(pfx[1]);
    let octets = der_children(auth_safe[1])[0];
    let (_, header, _) = der_element(octets);
    der_children(&octets[header..])
        .into_iter()
        .map(<[u8]>::to_vec)
        .collect()
}

/// A MAC-less PFX whose authenticated safe holds `safes`.
fn pfx_of(safes: &[Vec<u8>]) -> Vec<u8> {
    let data_oid = der(
        0x06,
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
    );
    let authenticated = der(0x30, &safes.concat());
    let content_info = der(
        0x30,
        &[data_oid, der(0xa0, &der(0x04, &authenticated))].concat(),
    );
    der(0x30, &[der(0x02, &[3]), content_info].concat())
}

/// A password-less PKCS#12 file whose safe with the 1,000,000-round shrouded key
/// (the most the p12-keystore crate allows per KDF) is repeated 40 times: each one is
/// within the per-KDF cap, their sum is not.
fn many_safes_p12() -> Vec<u8> {
    let safes = openssl_safes(1_000_000);
    let mut all = vec![safes[0].clone()];
    all.extend(std::iter::repeat_n(safes[1].clone(), 40));
    pfx_of(&all)
}

/// A password-less PKCS#12 file whose key is shrouded with `iterations` rounds.
fn iterations_p12(iterations: u32) -> Vec<u8> {
    pfx_of(&openssl_safes(iterations))
}

#[test]
fn many_encrypted_safes_are_refused_before_the_key_derivations() {
    let path = common::temp_file("hostile-c", "many-safes.p12", &many_safes_p12());
    let run = common::appfiling_limited(&["inspect", path.to_str().unwrap()]);
    run.assert_within("inspect many-safes.p12", 3, 64);
    assert!(run.stderr.contains("many-safes.p12"), "{run:#?}");
    assert!(run.stderr.contains("iterations"), "{run:#?}");
    assert!(!run.stderr.contains("needs a password"), "{run:#?}");
}

#[test]
fn a_password_less_p12_over_the_iteration_cap_is_not_a_password_problem() {
    let path = common::temp_file("hostile-c", "over-the-cap.p12", &iterations_p12(2_000_000));
    let run = common::appfiling_limited(&["inspect", path.to_str().unwrap()]);
    run.assert_within("inspect over-the-cap.p12", 3, 64);
    assert!(run.stderr.contains("over-the-cap.p12"), "{run:#?}");
    assert!(run.stderr.contains("iterations"), "{run:#?}");
    assert!(!run.stderr.contains("needs a password"), "{run:#?}");
    // A sound one still opens without a password.
    let path = common::temp_file("hostile-c", "sound.p12", &iterations_p12(2048));
    let run = common::appfiling_limited(&["inspect", "--format", "json", path.to_str().unwrap()]);
    run.assert_within("inspect sound.p12", 0, 64);
    assert!(run.stdout.contains("appfiling hostile p12"), "{run:#?}");
}

/// An RGBA PNG of `side`² transparent pixels, built without compressing them: the
/// deflate blocks of one MiB of zeros (a sync flush ends each on a byte) repeated.
fn blank_png(side: u32) -> Vec<u8> {
    use std::io::Write;
    let raw_len = side as u64 * (1 + 4 * side as u64);
    let mut chunk = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    chunk.write_all(&vec![0; 1 << 20]).unwrap();
    chunk.flush().unwrap();
    let block = chunk.get_ref().clone();
    let mut zlib = vec![0x78, 0xda];
    let mut left = raw_len;
    while left >= 1 << 20 {
        zlib.extend_from_slice(&block);
        left -= 1 << 20;
    }
    let mut tail = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    tail.write_all(&vec![0; left as usize]).unwrap();
    zlib.extend_from_slice(&tail.finish().unwrap());
    // Adler-32 of zeros: a stays 1, b counts the bytes.
    zlib.extend_from_slice(&((((raw_len % 65521) as u32) << 16) | 1).to_be_bytes());
    let mut ihdr = side.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, body) in [
        (&b"IHDR"[..], &ihdr[..]),
        (b"IDAT", &zlib[..]),
        (b"IEND", &[][..]),
    ] {
        png.extend_from_slice(&(body.len() as u32).to_be_bytes());
        png.extend_from_slice(kind);
        png.extend_from_slice(body);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(body);
        png.extend_from_slice(&crc.sum().to_be_bytes());
    }
    png
}

/// The sample HAP with its icon replaced by `png`.
fn hap_with_icon(png: &[u8]) -> Vec<u8> {
    let mut entries = common::zip_entries(&crate::sample("harmony/sample.hap"));
    for (name, bytes) in &mut entries {
        if name.ends_with("app_icon.png") {
            *bytes = png.to_vec();
        }
    }
    common::zip_of(&entries, true)
}

/// `init` on `package` written as `file`, then `sheet --icon` with the configuration
/// it wrote: exit 1 (the sheet is incomplete), within the memory budget. The sheet run
/// and the path of the icon it was asked to write.
fn sheet_with_icon(file: &str, package: &[u8]) -> (common::Limited, std::path::PathBuf) {
    let stem = file.rsplit_once('.').unwrap().0;
    let package = common::temp_file("hostile-c", file, package);
    let package = package.to_str().unwrap();
    let init = common::appfiling_limited(&["init", package]);
    init.assert_within("init", 0, 64);
    let config = common::temp_file("hostile-c", &format!("{stem}.toml"), init.stdout.as_bytes());
    let icon = config.with_file_name(format!("{stem}-out.png"));
    let _ = std::fs::remove_file(&icon);
    let run = common::appfiling_limited(&[
        "sheet",
        "--config",
        config.to_str().unwrap(),
        "--icon",
        icon.to_str().unwrap(),
        package,
    ]);
    run.assert_within(&format!("sheet --icon {file}"), 1, 512);
    (run, icon)
}

#[test]
fn a_giant_icon_is_a_sheet_warning_within_the_memory_budget() {
    let png = blank_png(11000);
    assert!(png.len() < 1 << 20, "{} bytes", png.len());
    let (run, _) = sheet_with_icon("giant-icon.hap", &hap_with_icon(&png));
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(
        said.contains("app_icon.png") && said.contains("11000×11000"),
        "{said}"
    );
}

/// The sample IPA with eleven more icon candidates of 8000² pixels beside its own
/// AppIcon60x60@3x.png (180 px).
fn ipa_with_giant_candidates() -> Vec<u8> {
    let mut entries = common::zip_entries(&crate::sample("ios/sample.ipa"));
    let giant = blank_png(8000);
    for i in 0..11 {
        entries.push((
            format!("Payload/Sample.app/AppIcon60x60@{i}x~giant.png"),
            giant.clone(),
        ));
    }
    common::zip_of(&entries, true)
}

#[test]
fn giant_ios_icon_candidates_are_not_decoded() {
    let (_, icon) = sheet_with_icon("giant-candidates.ipa", &ipa_with_giant_candidates());
    let png = image::load_from_memory(&std::fs::read(&icon).unwrap()).unwrap();
    assert_eq!(png.width(), 180, "the largest candidate within the limit");
}

/// Runs openssl in `dir`, its output as text.
fn openssl_in(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl must be installed");
    assert!(out.status.success(), "openssl {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// A self-signed P-256 certificate for `cn` in `dir`: c.pem, its key k.pem.
fn self_signed_in(dir: &std::path::Path, cn: &str) {
    openssl_in(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            &format!("/CN={cn}"),
            "-days",
            "30",
            "-keyout",
            "k.pem",
            "-out",
            "c.pem",
        ],
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The content of a primitive DER element.
fn der_content(der: &[u8]) -> &[u8] {
    let (_, header, end) = der_element(der);
    &der[header..end]
}

/// The shrouded key bag of an openssl-made password-less file (`openssl_safes`).
fn shrouded_key_bag(safes: &[Vec<u8>]) -> &[u8] {
    let plain = der_children(der_children(&safes[1])[1])[0];
    der_children(der_content(plain))[0]
}

/// A password-less PKCS#12 file of one encrypted safe (PBES2, 2048 PBKDF2 rounds,
/// cheap to decrypt) holding `keys` copies of a key shrouded with 1,000,000 rounds:
/// the crate derives every one of them once it has decrypted the safe. openssl
/// makes the pieces (it leaves a password-less file's certificates plain, so the
/// safe is encrypted here with the parameters openssl chose for a cheap key).
fn keys_in_encrypted_safe_p12(keys: usize) -> Vec<u8> {
    let contents = der(
        0x30,
        &shrouded_key_bag(&openssl_safes(1_000_000)).repeat(keys),
    );
    let cheap = openssl_safes(2048);
    let cheap_bag = shrouded_key_bag(&cheap);
    let algorithm = der_children(der_children(der_children(cheap_bag)[1])[0])[0];
    let pbes2 = der_children(der_children(algorithm)[1]);
    let pbkdf2 = der_children(der_children(pbes2[0])[1]);
    let (salt, iterations) = (der_content(pbkdf2[0]), der_content(pbkdf2[1]));
    let iv = der_content(der_children(pbes2[1])[1]);
    let iterations = iterations.iter().fold(0u32, |a, b| (a << 8) | *b as u32);

    let dir = scratch_dir();
    let key = openssl_in(
        &dir,
        &[
            "kdf",
            "-keylen",
            "32",
            "-kdfopt",
            "digest:SHA256",
            "-kdfopt",
            "pass:",
            "-kdfopt",
            &format!("hexsalt:{}", hex(salt)),
            "-kdfopt",
            &format!("iter:{iterations}"),
            "PBKDF2",
        ],
    )
    .trim()
    .replace(':', "");
    std::fs::write(dir.join("contents.der"), &contents).unwrap();
    openssl_in(
        &dir,
        &[
            "enc",
            "-aes-256-cbc",
            "-K",
            &key,
            "-iv",
            &hex(iv),
            "-in",
            "contents.der",
            "-out",
            "contents.enc",
        ],
    );
    let ciphertext = std::fs::read(dir.join("contents.enc")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    let data_oid = der(
        0x06,
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
    );
    let encrypted_oid = der(
        0x06,
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06],
    );
    let info = der(
        0x30,
        &[data_oid, algorithm.to_vec(), der(0x80, &ciphertext)].concat(),
    );
    let data = der(0x30, &[der(0x02, &[0]), info].concat());
    let safe = der(0x30, &[encrypted_oid, der(0xa0, &data)].concat());
    pfx_of(&[safe])
}

#[test]
fn keys_shrouded_inside_an_encrypted_safe_count_before_the_crate_derives_them() {
    let p12 = keys_in_encrypted_safe_p12(200);
    let path = common::temp_file("hostile-c2", "keys-in-encrypted-safe.p12", &p12);
    let run = common::appfiling_limited(&["inspect", path.to_str().unwrap()]);
    run.assert_within("inspect keys-in-encrypted-safe.p12", 3, 64);
    assert!(
        run.stderr.contains("keys-in-encrypted-safe.p12"),
        "{run:#?}"
    );
    assert!(run.stderr.contains("iterations"), "{run:#?}");
    assert!(!run.stderr.contains("password"), "{run:#?}");
}

/// The pre-scan decrypts legacy safes (PKCS#12 PBES1: triple DES, 40-bit RC2, as
/// openssl -legacy and Java write them) as the crate does: the right password
/// opens the file, none or a wrong one is a password problem.
#[test]
fn legacy_encrypted_safes_open_with_their_password_only() {
    let dir = scratch_dir();
    self_signed_in(&dir, "appfiling legacy p12");
    let export = ["pkcs12", "-export", "-in", "c.pem", "-inkey", "k.pem"];
    let pass = ["-passout", "pass:legacy"];
    openssl_in(
        &dir,
        &[
            &export[..],
            &pass,
            &["-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES"],
            &["-macalg", "sha1", "-out", "3des.p12"],
        ]
        .concat(),
    );
    openssl_in(
        &dir,
        &[&export[..], &pass, &["-legacy", "-out", "rc2.p12"]].concat(),
    );
    std::fs::write(dir.join("right"), "legacy").unwrap();
    std::fs::write(dir.join("wrong"), "other").unwrap();
    for p12 in ["3des.p12", "rc2.p12"] {
        let path = dir.join(p12);
        let path = path.to_str().unwrap();
        let with_password = |file: &str| {
            let file = dir.join(file);
            common::appfiling_limited(&["inspect", "--password-file", file.to_str().unwrap(), path])
        };
        let run = with_password("right");
        run.assert_within(p12, 0, 64);
        assert!(run.stdout.contains("appfiling legacy p12"), "{run:#?}");
        let run = common::appfiling_limited(&["inspect", path]);
        run.assert_within(p12, 3, 64);
        assert!(run.stderr.contains("needs a password"), "{run:#?}");
        let run = with_password("wrong");
        run.assert_within(p12, 3, 64);
        assert!(run.stderr.contains("wrong password"), "{run:#?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The sample HAP with its signing block replaced by one of `size` bytes (no sub-blocks),
/// the central directory moved to follow it.
fn hap_with_sign_block_of(size: u64) -> Vec<u8> {
    let hap = crate::sample("harmony/sample.hap");
    let eocd = hap
        .windows(4)
        .rposition(|w| w == [0x50, 0x4b, 0x05, 0x06])
        .unwrap();
    let cd = u32::from_le_bytes(hap[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
    // The footer is the block's last 32 bytes: count, size, magic, version.
    let footer = &hap[cd - 32..cd];
    let old_size = u64::from_le_bytes(footer[4..12].try_into().unwrap()) as usize;
    let mut out = hap[..cd - old_size].to_vec();
    out.resize(out.len() + size as usize - 32, 0);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&footer[12..32]);
    let new_cd = out.len() as u32;
    out.extend_from_slice(&hap[cd..]);
    let eocd = out
        .windows(4)
        .rposition(|w| w == [0x50, 0x4b, 0x05, 0x06])
        .unwrap();
    out[eocd + 16..eocd + 20].copy_from_slice(&new_cd.to_le_bytes());
    out
}

/// A signing block at its 32 MiB cap is read whole and stays within `inspect`'s 64 MiB;
/// one byte more is refused from its footer, before it is read.
#[test]
fn a_signing_block_at_its_cap_stays_within_the_budget() {
    for size in [32 << 20, (32 << 20) + 1] {
        let name = format!("block-{size}.hap");
        let path = common::temp_file("hostile-c", &name, &hap_with_sign_block_of(size));
        let run = common::appfiling_limited(&["inspect", path.to_str().unwrap()]);
        run.assert_within(&name, 0, 64);
        let refused = "[signing_block_malformed] HAP signing block: size 33554433 is over the 33554432-byte limit";
        assert_eq!(run.stdout.contains(refused), size > 32 << 20, "{run:#?}");
        assert!(run.stdout.contains("not valid [unsigned]"), "{run:#?}");
    }
}
