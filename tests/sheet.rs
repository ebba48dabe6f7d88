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
provides_sdk = false
uses_sdk = []
pre_approval = "无"
remark = "个人笔记应用，三个平台同一账号体系"
"#;

fn build(provider: &str, config: &str, pubkey: Option<provider::KeyForm>) -> Sheet {
    let options = sheet::SheetOptions {
        provider: provider::load(provider).unwrap(),
        pubkey_format: pubkey,
        accept_detected_domains: false,
        draft: false,
        config_path: Some("filing.toml".into()),
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
    let said: Vec<&str> = base64
        .warnings
        .iter()
        .filter(|w| w.field == "公钥")
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(said.len(), 3, "one per platform: {said:?}");
    assert!(
        said[0].contains("SubjectPublicKeyInfo in Base64")
            && said[0].contains("the modulus in decimal")
            && said[2].contains("the EC point 04‖X‖Y in hex")
            && !said.iter().any(|w| w.contains("is given, which")),
        "the warning says what the value is: {said:?}"
    );
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
        draft: false,
        config_path: Some("filing.toml".into()),
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

/// Runs `sheet --format json` on the detection sample with `config`; the exit code and
/// the sheet.
fn detected_sheet(config: &str, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let dir = std::env::temp_dir().join(format!(
        "appfiling-detected-{}-{}",
        std::process::id(),
        config.len() + extra.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("filing.toml");
    std::fs::write(&toml, config).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_appfiling"))
        .args(["sheet", "--format", "json", "--config"])
        .arg(&toml)
        .args(extra)
        .arg(common::sample_path("detect/sample-detect.apk"))
        .output()
        .unwrap();
    let sheet = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    (out.status.code(), sheet)
}

fn basic_value(sheet: &serde_json::Value, key: &str) -> String {
    sheet["basic"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_string()
}

fn messages(sheet: &serde_json::Value, kind: &str) -> String {
    sheet[kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            format!(
                "{}: {}",
                w["field"].as_str().unwrap(),
                w["message"].as_str().unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Detection never files 使用外部SDK by itself: unset, it is required (with what was
/// found said); `init` writes the rows unconfirmed; confirmed, they are the form's rows.
#[test]
fn the_sheet_takes_detections_only_as_far_as_it_may() {
    const FOUND: &str = "微信开放平台SDK、腾讯Bugly、高德地图/定位SDK、极光推送JPush";
    let unset = "[app]\nservice_content = \"x\"\nprovides_sdk = false\npre_approval = \"无\"\n";
    let (code, sheet) = detected_sheet(unset, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(basic_value(&sheet, "uses_sdk"), "");
    assert_eq!(sheet["sdks"], serde_json::json!([]));
    let errors = messages(&sheet, "errors");
    assert!(
        errors.contains("required fields missing") && errors.contains("使用外部SDK"),
        "{errors}"
    );
    let warnings = messages(&sheet, "warnings");
    assert!(
        warnings.contains(&format!(
            "found in the code, not yet in filing.toml: {FOUND}"
        )),
        "{warnings}"
    );
    assert_eq!(
        basic_value(&sheet, "service_language"),
        "中文简体、中文繁体"
    );
    assert!(
        warnings.contains("服务语言"),
        "languages from detection are flagged: {warnings}"
    );

    // init's rows, unconfirmed: an error naming them.
    let init = Command::new(env!("CARGO_BIN_EXE_appfiling"))
        .arg("init")
        .arg(common::sample_path("detect/sample-detect.apk"))
        .output()
        .unwrap();
    assert_eq!(init.status.code(), Some(0));
    let template = String::from_utf8(init.stdout).unwrap();
    assert_eq!(
        template.matches("confirmed = false").count(),
        4,
        "{template}"
    );
    let filled = template
        .replace("# service_content = \"\"", "service_content = \"x\"")
        .replace("# provides_sdk = false", "provides_sdk = false")
        .replace("# pre_approval = \"无\"", "pre_approval = \"无\"");
    let (code, sheet) = detected_sheet(&filled, &[]);
    assert_eq!(code, Some(1));
    let errors = messages(&sheet, "errors");
    assert!(
        errors.contains(&format!("使用外部SDK: {FOUND} not confirmed")),
        "{errors}"
    );

    // Confirmed: one row per {功能类型, 服务厂商}, types in the provider's words.
    let confirmed = filled.replace("confirmed = false", "confirmed = true");
    let (code, sheet) = detected_sheet(&confirmed, &[]);
    assert_eq!(code, Some(0), "{}", messages(&sheet, "errors"));
    let rows: Vec<(String, String, String)> = sheet["sdks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["type"].as_str().unwrap().to_string(),
                r["vendor"].as_str().unwrap().to_string(),
                r["sdks"][0].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let row = |t: &str, v: &str, s: &str| (t.to_string(), v.to_string(), s.to_string());
    assert_eq!(
        rows,
        [
            row(
                "登录/分享",
                "深圳市腾讯计算机系统有限公司",
                "微信开放平台SDK"
            ),
            row("崩溃监控", "深圳市腾讯计算机系统有限公司", "腾讯Bugly"),
            row("地图/定位", "高德软件有限公司", "高德地图/定位SDK"),
            row("推送", "深圳市和讯华谷信息技术有限公司", "极光推送JPush"),
        ]
    );
    assert!(basic_value(&sheet, "uses_sdk")
        .starts_with("是：登录/分享·深圳市腾讯计算机系统有限公司（微信开放平台SDK）；"));
    // Huawei Cloud's form names SDK types; its list maps the categories it confirms.
    let (_, huawei) = detected_sheet(&confirmed, &["--provider", "huawei"]);
    let types: Vec<&str> = huawei["sdks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["登录类", "崩溃监控", "定位类", "推送"]);

    // The user's own "none" is taken, and what was found is still said.
    let none = format!("{unset}uses_sdk = []\n");
    let (code, sheet) = detected_sheet(&none, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(basic_value(&sheet, "uses_sdk"), "否");
    let warnings = messages(&sheet, "warnings");
    assert!(
        warnings.contains(&format!(
            "found in the code but not in filing.toml: {FOUND}"
        )),
        "{warnings}"
    );

    // Domains are only suggested…
    assert_eq!(sheet["platforms"][0]["domains"], serde_json::json!([]));
    assert_eq!(sheet["suggested_domains"].as_array().unwrap().len(), 5);
    // …until accepted: then the app's own, never the SDK vendor's.
    let (_, accepted) = detected_sheet(&none, &["--accept-detected-domains"]);
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

/// Every field filing.toml must give; nothing else is missing from a sheet of them.
const COMPLETE: &str = "[app]\nservice_content = \"x\"\nservice_languages = [\"中文简体\"]\nprovides_sdk = false\nuses_sdk = []\npre_approval = \"无\"\n";

/// `sheet --config COMPLETE PACKAGE…` with `extra` options: the exit code, the sheet
/// JSON and stderr.
fn sheet_of(packages: &[PathBuf], extra: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let toml = common::temp_file("sheet", "complete.toml", COMPLETE.as_bytes());
    let out = Command::new(env!("CARGO_BIN_EXE_appfiling"))
        .args(["sheet", "--format", "json", "--config"])
        .arg(&toml)
        .args(extra)
        .args(packages)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let sheet = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (out.status.code(), sheet, stderr)
}

/// A sheet that would file a value appfiling itself calls not valid for filing fails,
/// naming the package and why; `--draft` accepts it as a warning and says it is a draft.
#[test]
fn packages_not_valid_for_filing_fail_the_sheet_unless_it_is_a_draft() {
    let mut cases: Vec<(PathBuf, Vec<&str>)> = vec![
        (
            common::sample_path("sample-debug.apk"),
            vec!["Android debug certificate"],
        ),
        (
            common::sample_path("harmony/sample-debug.hap"),
            vec!["debug profile"],
        ),
    ];
    match common::corpus_dir() {
        Some(corpus) => cases.extend([
            (
                corpus.join("icyleaf-app-info/iphone.ipa"),
                vec![
                    "is a development certificate",
                    "certificate expired on 2017-04-14",
                    "profile expired on 2017-07-27",
                ],
            ),
            (
                corpus.join("icyleaf-app-info/harmony.app"),
                vec!["a debug profile", "profile expired on 2025-07-30"],
            ),
            (
                corpus.join("aosp-apksig/pinsapp-unsigned.apk"),
                vec!["no signer"],
            ),
        ]),
        None => eprintln!("SKIPPED: the corpus cases of invalid packages"),
    }
    for (package, reasons) in cases {
        let (code, sheet, stderr) = sheet_of(std::slice::from_ref(&package), &[]);
        let errors = messages(&sheet, "errors");
        assert_eq!(code, Some(1), "{}: {errors}", package.display());
        let line = errors
            .lines()
            .find(|l| l.contains("not valid for filing"))
            .unwrap_or_else(|| panic!("{}: {errors}", package.display()));
        assert!(line.contains(&*package.to_string_lossy()), "{line}");
        for reason in reasons {
            assert!(line.contains(reason), "{reason:?} in {line}");
        }
        assert!(stderr.contains("not valid for filing"), "{stderr}");
        assert_eq!(sheet["draft"], false);

        let (code, draft, _) = sheet_of(std::slice::from_ref(&package), &["--draft"]);
        assert_eq!(code, Some(0), "{}", messages(&draft, "errors"));
        assert_eq!(draft["draft"], true);
        assert!(
            messages(&draft, "warnings").contains("not valid for filing, accepted for this draft"),
            "{}",
            messages(&draft, "warnings")
        );
    }
    // A release build passes, and is no draft.
    let (code, sheet, _) = sheet_of(&[common::sample_path("sample-v1v2v3-rsa.apk")], &[]);
    assert_eq!(code, Some(0), "{}", messages(&sheet, "errors"));
    assert_eq!(sheet["draft"], false);
}

/// Without --config, the missing fields point to `appfiling init`.
#[test]
fn missing_fields_without_a_config_point_to_init() {
    let out = common::appfiling(&["sheet", "samples/sample-v1v2v3-rsa.apk"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("required fields missing: 服务内容, 对外提供SDK, 使用外部SDK, 前置审批")
            && text.contains("appfiling init -o filing.toml"),
        "{text}"
    );
    // Not on a terminal, the reason is on stderr too, for the CI log.
    assert!(String::from_utf8_lossy(&out.stderr).contains("required fields missing"));
    // A draft states no more: nothing found is no 否.
    let draft = common::appfiling(&["sheet", "--draft", "samples/sample-v1v2v3-rsa.apk"]);
    let text = String::from_utf8_lossy(&draft.stdout);
    assert!(text.contains("使用外部SDK: \n"), "{text}");
    assert!(text.contains("使用外部SDK, 前置审批"), "{text}");
}

/// `init` writes no default for what the packages do not show, refuses to overwrite
/// without --force, and writes nothing when no package could be read.
#[test]
fn init_writes_only_what_it_saw() {
    let dir = std::env::temp_dir().join(format!("appfiling-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("filing.toml");
    let toml_arg = toml.to_str().unwrap();
    let out = common::appfiling(&["init", "-o", toml_arg, "samples/sample-v1v2v3-rsa.apk"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&toml).unwrap();
    let config = config::parse(&written).unwrap();
    let app = &config.app;
    assert_eq!(
        (
            &app.service_content,
            &app.provides_sdk,
            &app.uses_sdk,
            &app.pre_approval
        ),
        (&None, &None, &None, &None),
        "no default for a field without evidence: {written}"
    );
    assert!(config.domains.is_empty());
    // The sheet then reports them as required.
    let sheet = common::appfiling(&[
        "sheet",
        "--config",
        toml_arg,
        "samples/sample-v1v2v3-rsa.apk",
    ]);
    assert_eq!(sheet.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&sheet.stdout).contains("required fields missing from"));

    let again = common::appfiling(&["init", "-o", toml_arg, "samples/sample-debug.apk"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists: pass --force"));
    assert_eq!(
        std::fs::read_to_string(&toml).unwrap(),
        written,
        "left as it was"
    );
    let forced = common::appfiling(&[
        "init",
        "--force",
        "-o",
        toml_arg,
        "samples/sample-debug.apk",
    ]);
    assert_eq!(forced.status.code(), Some(0));
    assert!(std::fs::read_to_string(&toml)
        .unwrap()
        .contains("sample-debug.apk"));

    let nothing = common::appfiling(&["init", "Cargo.toml", "no-such-file.apk"]);
    assert_eq!(nothing.status.code(), Some(3));
    assert!(nothing.stdout.is_empty(), "no template without a package");
    let stderr = String::from_utf8_lossy(&nothing.stderr);
    assert!(
        stderr.contains("no-such-file.apk") && stderr.contains("no template written"),
        "{stderr}"
    );
}

/// Each provider's own rules: Tencent's 备注 minimum, three-part HarmonyOS bundle names,
/// Huawei's platform labels and filing API names.
#[test]
fn provider_rules_hold() {
    let short = CONFIG.replace("个人笔记应用，三个平台同一账号体系", "笔记");
    let tencent = build("tencent", &short, None);
    let remark: Vec<&str> = tencent
        .errors
        .iter()
        .filter(|e| e.field == "备注")
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(remark.len(), 1, "{:?}", tencent.errors);
    assert!(remark[0].contains("at least 15 characters") && remark[0].contains("(2 given)"));
    assert!(
        build("aliyun", &short, None).errors.is_empty(),
        "Alibaba sets no minimum"
    );

    let mut reports = packages();
    reports[2].filing.as_mut().unwrap().package_name = Some("appfiling.sample".into());
    let options = |id: &str| sheet::SheetOptions {
        provider: provider::load(id).unwrap(),
        pubkey_format: None,
        accept_detected_domains: false,
        draft: false,
        config_path: Some("filing.toml".into()),
    };
    let config = config::parse(CONFIG).unwrap();
    let two_parts = sheet::build(&reports, &config, &options("tencent"));
    assert_eq!(two_parts.errors.len(), 1, "{:?}", two_parts.errors);
    assert!(two_parts.errors[0].message.contains(
        "appfiling.sample has 2 dot-separated parts; 腾讯云 Tencent Cloud takes at least 3"
    ));
    // A platform rule: every provider holds it.
    assert_eq!(
        sheet::build(&reports, &config, &options("aliyun"))
            .errors
            .len(),
        1
    );

    let huawei = build("huawei", CONFIG, None);
    let labels: Vec<&str> = huawei.platforms.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["Android", "iOS", "鸿蒙平台"]);
    let json = serde_json::to_value(&huawei).unwrap();
    let api: Vec<(&str, &str)> = json["platforms"][0]["packages"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| Some((f["key"].as_str()?, f["api_name"].as_str()?)))
        .collect();
    assert_eq!(
        api,
        [
            ("package_name", "appPackageName"),
            ("public_key", "publicKey"),
            ("signature", "signatureKey")
        ]
    );
    let aliyun = serde_json::to_value(build("aliyun", CONFIG, None)).unwrap();
    assert!(aliyun["platforms"][0]["packages"][0]["fields"][1]["api_name"].is_null());
}

/// Issue 14's first measured case, the README's flow: `init`, fill in 服务内容 only, then
/// `sheet` on the bundled APK, IPA and HarmonyOS .app, which hold WeChat OpenSDK, Alipay,
/// AMap and MMKV. It used to print 使用外部SDK: 否 with exit 0.
#[test]
fn the_readme_flow_never_declares_no_sdk() {
    let packages = [
        "samples/detect/sample-detect.apk",
        "samples/ios/sample.ipa",
        "samples/harmony/sample.app",
    ];
    let mut args = vec!["init"];
    args.extend(packages);
    let init = common::appfiling(&args);
    assert_eq!(init.status.code(), Some(0));
    let template = String::from_utf8(init.stdout).unwrap();
    let filled = template.replace("# service_content = \"\"", "service_content = \"个人笔记\"");
    assert_ne!(filled, template);
    let toml = common::temp_file("sheet", "readme-flow.toml", filled.as_bytes());
    let mut args = vec!["sheet", "--config", toml.to_str().unwrap()];
    args.extend(packages);
    let sheet = common::appfiling(&args);
    assert_eq!(sheet.status.code(), Some(1));
    let text = String::from_utf8_lossy(&sheet.stdout);
    assert!(!text.contains("使用外部SDK: 否"), "{text}");
    for expected in [
        "required fields missing from",
        "对外提供SDK, 前置审批",
        "微信开放平台SDK、腾讯Bugly、高德地图/定位SDK、极光推送JPush、支付宝SDK、腾讯MMKV not confirmed",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
}
