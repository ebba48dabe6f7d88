//! The filing sheet over the project's samples: one app on three platforms,
//! in each provider's labels and forms, with its validation.

mod common;

use appfiling::sheet::{self, config, provider, render, Sheet};
use appfiling::PackageReport;
use std::path::PathBuf;
use std::process::Command;

const PACKAGES: [&str; 3] = [
    "sample-v1v2v3-rsa.apk",
    "ios/sample.ipa",
    "harmony/sample.app",
];

/// What `sheet` asks of inspection: the icon file kept for export.
fn with_icon() -> appfiling::Options {
    appfiling::Options {
        icon: true,
        ..appfiling::Options::default()
    }
}

fn packages() -> Vec<PackageReport> {
    PACKAGES
        .iter()
        .map(|p| appfiling::inspect_path(&common::sample_path(p), &with_icon()).unwrap())
        .collect()
}

const CONFIG: &str = r#"
domains = ["api.example.com", "例子.中国", "API.example.com"]
[app]
service_content = "个人笔记"
service_languages = ["中文简体", "英语"]
uses_sdk = []
pre_approval = "无"
"#;

fn build(provider: &str, config: &str, pubkey: Option<provider::KeyForm>) -> Sheet {
    let options = sheet::SheetOptions {
        provider: provider::load(provider).unwrap(),
        pubkey_format: pubkey,
        accept_detected_domains: false,
    };
    sheet::build(&packages(), &config::parse(config).unwrap(), &options)
}

fn field<'a>(sheet: &'a Sheet, platform: &str, key: &str) -> &'a str {
    let block = sheet
        .platforms
        .iter()
        .find(|b| b.platform == platform)
        .unwrap();
    &block.packages[0]
        .fields
        .iter()
        .find(|f| f.key == key)
        .unwrap()
        .value
}

/// The values the independent tools recorded for the samples.
fn expected(file: &str, key_column: &str, key: &str, column: &str) -> String {
    common::tsv_by(&common::sample_path(file), key_column)[key][column].clone()
}

#[test]
fn one_app_on_three_platforms_for_every_provider() {
    let android_md5 = expected("EXPECTED.tsv", "file", "sample-v1v2v3-rsa.apk", "cert_md5");
    let ios_sha1 = expected(
        "ios/EXPECTED-ios.tsv",
        "certificate",
        "ios-distribution",
        "sha1",
    );
    let ios_modulus = expected(
        "ios/EXPECTED-ios.tsv",
        "certificate",
        "ios-distribution",
        "modulus",
    );
    let harmony_sha1 = expected(
        "harmony/EXPECTED-harmony.tsv",
        "certificate",
        "release",
        "sha1",
    );
    let harmony_point = expected(
        "harmony/EXPECTED-harmony.tsv",
        "certificate",
        "release",
        "ec_point",
    );
    for id in provider::ids() {
        let s = build(id, CONFIG, None);
        assert!(s.errors.is_empty(), "{id}: {:?}", s.errors);
        let labels: Vec<&str> = s.platforms.iter().map(|b| b.platform.as_str()).collect();
        assert_eq!(labels, ["android", "ios", "harmonyos"]);
        assert_eq!(field(&s, "android", "signature"), android_md5);
        assert_eq!(field(&s, "ios", "signature"), ios_sha1);
        assert_eq!(field(&s, "ios", "public_key"), ios_modulus);
        assert_eq!(field(&s, "harmonyos", "signature"), harmony_sha1);
        assert_eq!(field(&s, "harmonyos", "public_key"), harmony_point);
        assert_eq!(field(&s, "ios", "package_name"), "dev.appfiling.sample");
        assert_eq!(s.basic[0].value, "示例笔记");
        assert_eq!(
            s.platforms[0].domains,
            ["api.example.com", "xn--fsqu00a.xn--fiqs8s"]
        );
    }
    let aliyun = build("aliyun", CONFIG, None);
    assert_eq!(aliyun.platforms[0].label, "安卓平台");
    assert_eq!(aliyun.platforms[1].packages[0].fields[1].label, "Bundle ID");
    // Alibaba's guide shows the Android modulus in decimal, as jadx prints it.
    let android = appfiling::inspect_path(&common::sample_path(PACKAGES[0]), &with_icon()).unwrap();
    let ossl = common::openssl_describe(&android.signers[0].key.certificate.der_base64);
    assert_eq!(
        field(&aliyun, "android", "public_key"),
        common::hex_to_decimal(ossl.modulus.as_deref().unwrap())
    );
}

#[test]
fn the_public_key_form_can_be_overridden() {
    let android = appfiling::inspect_path(&common::sample_path(PACKAGES[0]), &with_icon()).unwrap();
    let ossl = common::openssl_describe(&android.signers[0].key.certificate.der_base64);
    let hex = build("aliyun", CONFIG, Some(provider::KeyForm::Hex));
    assert_eq!(
        Some(field(&hex, "android", "public_key")),
        ossl.modulus.as_deref()
    );
    let base64 = build("aliyun", CONFIG, Some(provider::KeyForm::Base64));
    assert_eq!(
        field(&base64, "android", "public_key"),
        android.signers[0].key.public_key.spki_base64
    );
}

#[test]
fn missing_fields_are_listed_at_once_and_bad_domains_named() {
    let s = build(
        "tencent",
        "domains = [\"https://example.com/x\", \"10.0.0.1\", \"a.b.c.example.com\"]",
        None,
    );
    let missing: Vec<&str> = s
        .errors
        .iter()
        .filter(|e| e.field == "filing.toml")
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(missing.len(), 1);
    for label in ["服务内容", "使用外部SDK", "前置审批"] {
        assert!(missing[0].contains(label), "{}", missing[0]);
    }
    // 服务语言 falls back to the languages of the app's name, with a warning to confirm it.
    let language = &s
        .basic
        .iter()
        .find(|f| f.key == "service_language")
        .unwrap()
        .value;
    assert_eq!(language, "中文简体、中文繁体、英语");
    assert!(s.warnings.iter().any(|w| w.field == "服务语言"));
    let domain_errors = s.errors.iter().filter(|e| e.field == "域名").count();
    assert_eq!(
        domain_errors,
        3 * 3,
        "three bad domains on each of three platforms"
    );
}

#[test]
fn disagreeing_names_are_an_error_naming_each() {
    let mut reports = packages();
    reports[1].app_name = Some("Other Name".into());
    let options = sheet::SheetOptions {
        provider: provider::load("generic").unwrap(),
        pubkey_format: None,
        accept_detected_domains: false,
    };
    let s = sheet::build(&reports, &config::parse(CONFIG).unwrap(), &options);
    let error = s
        .errors
        .iter()
        .find(|e| e.field == "服务名称")
        .expect("a name error");
    assert!(
        error.message.contains("示例笔记") && error.message.contains("Other Name"),
        "{}",
        error.message
    );
    let with_name = format!("{CONFIG}service_name = \"示例笔记\"\n");
    assert!(
        sheet::build(&reports, &config::parse(&with_name).unwrap(), &options)
            .errors
            .is_empty()
    );
}

#[test]
fn every_format_carries_every_value() {
    let s = build("huawei", CONFIG, None);
    let values: Vec<String> = s
        .basic
        .iter()
        .chain(
            s.platforms
                .iter()
                .flat_map(|b| b.packages.iter().flat_map(|p| p.fields.iter())),
        )
        .map(|f| f.value.clone())
        .filter(|v| !v.is_empty())
        .collect();
    let text_of = |format| String::from_utf8(render::render(&s, format).unwrap()).unwrap();
    for format in [
        render::Format::Text,
        render::Format::Markdown,
        render::Format::Csv,
        render::Format::Json,
    ] {
        let out = text_of(format);
        for value in &values {
            assert!(out.contains(value.as_str()), "{format:?} lacks {value}");
        }
    }
    let csv = text_of(render::Format::Csv);
    assert!(
        csv.starts_with('\u{feff}'),
        "CSV starts with a BOM for Excel"
    );
    let json: serde_json::Value = serde_json::from_str(&text_of(render::Format::Json)).unwrap();
    assert_eq!(json["provider"], "huawei");
    let text = text_of(render::Format::Text);
    // One value per line, never wrapped: the modulus stands whole on its line.
    let modulus = field(&s, "ios", "public_key");
    assert!(text.lines().any(|l| l == format!("公钥: {modulus}")));
}

#[test]
fn the_command_line() {
    let dir = std::env::temp_dir().join(format!("appfiling-sheet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = env!("CARGO_BIN_EXE_appfiling");
    let paths: Vec<PathBuf> = PACKAGES.iter().map(|p| common::sample_path(p)).collect();
    // init writes a template that parses and names the packages.
    let init = Command::new(bin).arg("init").args(&paths).output().unwrap();
    assert_eq!(init.status.code(), Some(0));
    let template = String::from_utf8(init.stdout).unwrap();
    assert!(config::parse(&template).is_ok(), "{template}");
    // A template as is lacks 服务内容: the sheet is printed, and the exit code says it is incomplete.
    let toml = dir.join("filing.toml");
    let sheet = |args: &[&str]| {
        Command::new(bin)
            .arg("sheet")
            .args(args)
            .arg("--config")
            .arg(&toml)
            .args(&paths)
            .output()
            .unwrap()
    };
    std::fs::write(&toml, &template).unwrap();
    let out = sheet(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("服务内容"));
    // Filled in, written to a file: exit 0, and no overwrite without --force.
    std::fs::write(&toml, CONFIG).unwrap();
    let sheet_file = dir.join("sheet.csv");
    let _ = std::fs::remove_file(&sheet_file);
    let run = |extra: &[&str]| {
        let mut args = vec!["--format", "csv", "--provider", "tencent", "-o"];
        args.push(sheet_file.to_str().unwrap());
        args.extend_from_slice(extra);
        sheet(&args)
    };
    assert_eq!(run(&[]).status.code(), Some(0));
    assert!(std::fs::read_to_string(&sheet_file)
        .unwrap()
        .contains("Bundle ID"));
    assert_eq!(run(&[]).status.code(), Some(2));
    assert_eq!(run(&["--force"]).status.code(), Some(0));
    // A typo in filing.toml names the line.
    std::fs::write(&toml, "[app]\nservice_contnet = \"x\"\n").unwrap();
    let out = sheet(&[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 2") && stderr.contains("service_contnet"),
        "{stderr}"
    );
}

#[test]
fn the_workbook_reads_back() {
    use calamine::{Reader, Xlsx};
    let s = build("aliyun", CONFIG, None);
    let bytes = render::render(&s, render::Format::Xlsx).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["APP基础信息", "安卓平台", "苹果平台", "鸿蒙平台", "问题"]
    );
    let mut cells = |name: &str| -> Vec<(String, String)> {
        let range = book.worksheet_range(name).unwrap();
        range
            .rows()
            .map(|r| (r[0].to_string(), r[1].to_string()))
            .collect()
    };
    let basic = cells("APP基础信息");
    assert_eq!(basic[0], ("字段".to_string(), "值".to_string()));
    assert_eq!(basic[1], ("服务名称".to_string(), "示例笔记".to_string()));
    let ios = cells("苹果平台");
    let sha1 = field(&s, "ios", "signature").to_string();
    assert!(ios.contains(&("签名MD5值".to_string(), sha1)));
    let modulus = field(&s, "ios", "public_key").to_string();
    assert!(
        ios.contains(&("公钥".to_string(), modulus)),
        "the modulus is stored whole"
    );
    assert!(cells("鸿蒙平台").contains(&("域名".to_string(), "api.example.com".to_string())));
}

#[test]
fn icons_are_exported_as_standard_pngs_under_the_limit() {
    let aapt_icon = expected("EXPECTED.tsv", "file", "sample-v1v2v3-rsa.apk", "icon");
    // (package, expected size, expected colour as the sample scripts drew it, source entry)
    let cases = [
        (
            "sample-v1v2v3-rsa.apk",
            144,
            [0x1e, 0x88, 0xe5, 255],
            aapt_icon.as_str(),
        ),
        (
            "ios/sample.ipa",
            180,
            [30, 136, 229, 255],
            "AppIcon60x60@3x.png",
        ),
        (
            "harmony/sample.hap",
            216,
            [229, 57, 53, 255],
            "resources/base/media/app_icon.png",
        ),
    ];
    for (package, size, colour, entry) in cases {
        let report = appfiling::inspect_path(&common::sample_path(package), &with_icon()).unwrap();
        let icon = sheet::icon::export(&[report]).unwrap().expect("an icon");
        assert!(
            icon.source.ends_with(&format!("({entry})")),
            "{}",
            icon.source
        );
        assert!(icon.bytes <= sheet::icon::MAX_ICON_BYTES && icon.bytes == icon.png.len());
        // A standard PNG, as any decoder reads it: the CgBI one of the IPA included.
        let decoded = image_size_and_pixel(&icon.png);
        assert_eq!(decoded, (size, size, colour), "{package}");
        assert_eq!((icon.width, icon.height), (size, size));
    }
}

/// Width, height and the first pixel of a PNG, read with the `png` decoder the
/// `image` crate wraps, through its plain reader.
fn image_size_and_pixel(png: &[u8]) -> (u32, u32, [u8; 4]) {
    let image = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .unwrap()
        .to_rgba8();
    (image.width(), image.height(), image.get_pixel(0, 0).0)
}

#[test]
fn the_icon_file_and_the_page() {
    let dir = std::env::temp_dir().join(format!("appfiling-icon-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("filing.toml");
    std::fs::write(&toml, CONFIG).unwrap();
    let icon = dir.join("icon.png");
    let page = dir.join("sheet.html");
    let _ = std::fs::remove_file(&icon);
    let _ = std::fs::remove_file(&page);
    let run = |force: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_appfiling"));
        c.args(["sheet", "--format", "html", "-o"])
            .arg(&page)
            .arg("--icon")
            .arg(&icon);
        if force {
            c.arg("--force");
        }
        c.arg("--config")
            .arg(&toml)
            .arg(common::sample_path("ios/sample.ipa"));
        c.output().unwrap()
    };
    assert_eq!(run(false).status.code(), Some(0));
    let png = std::fs::read(&icon).unwrap();
    assert_eq!(image_size_and_pixel(&png).0, 180);
    let html = std::fs::read_to_string(&page).unwrap();
    use base64::Engine;
    let embedded = base64::engine::general_purpose::STANDARD.encode(&png);
    assert!(
        html.contains(&format!("data:image/png;base64,{embedded}")),
        "the page embeds the same PNG"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external assets"
    );
    assert_eq!(
        run(false).status.code(),
        Some(2),
        "no overwrite without --force"
    );
    assert_eq!(run(true).status.code(), Some(0));
}

#[test]
fn the_sheet_takes_detections_only_as_far_as_it_may() {
    let dir = std::env::temp_dir().join(format!("appfiling-detected-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("filing.toml");
    // No uses_sdk, no service_languages, no domains: detection fills the first two.
    std::fs::write(
        &toml,
        "[app]\nservice_content = \"x\"\npre_approval = \"无\"\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_appfiling"))
            .args(["sheet", "--format", "json", "--config"])
            .arg(&toml)
            .args(extra)
            .arg(common::sample_path("detect/sample-detect.apk"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let sheet = run(&[]);
    let basic = |key: &str| {
        sheet["basic"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == key)
            .unwrap()["value"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        basic("uses_sdk"),
        "是：微信开放平台SDK（登录/分享）、腾讯Bugly（崩溃监控）、高德地图/定位SDK（地图/定位）、极光推送JPush（推送）"
    );
    // Huawei Cloud's form names SDK types; its list maps the categories it confirms.
    let huawei = run(&["--provider", "huawei"]);
    let uses_sdk = huawei["basic"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "uses_sdk")
        .unwrap()["value"]
        .clone();
    assert_eq!(
        uses_sdk,
        "是：微信开放平台SDK（登录类）、腾讯Bugly（崩溃监控）、高德地图/定位SDK（定位类）、极光推送JPush（推送）"
    );
    assert_eq!(basic("service_language"), "中文简体、中文繁体");
    let warned: Vec<&str> = sheet["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["field"].as_str().unwrap())
        .collect();
    assert!(
        warned.contains(&"使用外部SDK") && warned.contains(&"服务语言"),
        "detections are flagged for confirmation"
    );
    // Domains are only suggested…
    assert_eq!(sheet["platforms"][0]["domains"], serde_json::json!([]));
    assert_eq!(sheet["suggested_domains"].as_array().unwrap().len(), 5);
    // …until accepted: then the app's own, never the SDK vendor's.
    let accepted = run(&["--accept-detected-domains"]);
    assert_eq!(
        accepted["platforms"][0]["domains"],
        serde_json::json!([
            "api.appfiling.dev",
            "h5.appfiling.dev",
            "link.appfiling.dev",
            "secure.appfiling.dev"
        ])
    );
}

/// `sheet --icon` writes a PNG for every kind of input that carries an icon, packages
/// inside packages (split sets, a HarmonyOS pack) and an unpacked .app included.
#[test]
fn every_package_with_an_icon_gives_its_png() {
    let dir = std::env::temp_dir().join(format!("appfiling-icons-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    zip::ZipArchive::new(std::fs::File::open(common::sample_path("ios/sample.ipa")).unwrap())
        .unwrap()
        .extract(dir.join("unpacked"))
        .unwrap();
    let mut inputs: Vec<std::path::PathBuf> = [
        "sample-v1v2v3-rsa.apk",
        "bundles/sample.aab",
        "bundles/sample.apks",
        "bundles/sample.xapk",
        "bundles/sample.apkm",
        "ios/sample.ipa",
        "harmony/sample.hap",
        "harmony/sample.app",
    ]
    .iter()
    .map(|rel| common::sample_path(rel))
    .collect();
    inputs.push(dir.join("unpacked/Payload/Sample.app"));
    for (i, input) in inputs.iter().enumerate() {
        let icon = dir.join(format!("icon-{i}.png"));
        let output = Command::new(env!("CARGO_BIN_EXE_appfiling"))
            .arg("sheet")
            .arg("--icon")
            .arg(&icon)
            .arg(input)
            .output()
            .unwrap();
        let png = std::fs::read(&icon).unwrap_or_else(|_| {
            panic!(
                "{}: no icon written: {}",
                input.display(),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        assert!(image_size_and_pixel(&png).0 >= 48, "{}", input.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
