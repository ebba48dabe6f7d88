//! The sheet's formats, each read back the way its reader would: a draft says so
//! first, the 使用外部SDK rows are listed, CSV parses to three columns with the
//! problems last, Markdown marks empty values, the workbook holds text cells, the
//! icon and its sheets, and the JSON keeps to docs/json.md.

mod common;

use appfiling::sheet::{self, config, provider, render, Sheet};
use std::collections::BTreeSet;
use std::io::Read;

/// A vendor with a comma, a quote, a line break and a table bar: every format must keep it.
const VENDOR: &str = "A|B, \"C\" Co\n第二行";
const CONFIG: &str = r#"
domains = ["api.example.com"]
[app]
service_name = "示例<笔记>"
service_languages = ["中文简体"]
provides_sdk = false
pre_approval = "无"
[[app.uses_sdk]]
sdk = "A|B SDK"
vendor = "A|B, \"C\" Co\n第二行"
type = "支付"
[[app.uses_sdk]]
sdk = "微信开放平台SDK"
vendor = "深圳市腾讯计算机系统有限公司"
type = "登录/分享"
confirmed = false
"#;

/// A draft of the detection sample and a debug build: 服务内容 missing, an SDK row
/// unconfirmed, suggested domains, an icon.
fn draft() -> Sheet {
    draft_for("tencent")
}

fn draft_for(provider_id: &str) -> Sheet {
    let options = appfiling::Options {
        detect: true,
        icon: true,
        ..appfiling::Options::default()
    };
    let packages: Vec<_> = ["detect/sample-detect.apk", "sample-debug.apk"]
        .iter()
        .map(|p| appfiling::inspect_path(&common::sample_path(p), &options).unwrap())
        .collect();
    let sheet_options = sheet::SheetOptions {
        provider: provider::load(provider_id).unwrap(),
        pubkey_format: None,
        accept_detected_domains: false,
        draft: true,
        config_path: Some("filing.toml".into()),
    };
    let s = sheet::build(&packages, &config::parse(CONFIG).unwrap(), &sheet_options);
    assert!(s.draft && s.icon.is_some() && !s.suggested_domains.is_empty());
    assert_eq!(s.sdks.len(), 2, "{:?}", s.sdks);
    assert!(
        s.errors.iter().any(
            |e| e.message.contains("required fields missing") && e.message.contains("服务内容")
        ),
        "{:?}",
        s.errors
    );
    s
}

fn text_of(s: &Sheet, format: render::Format) -> String {
    String::from_utf8(render::render(s, format).unwrap()).unwrap()
}

const TEXT_FORMATS: [render::Format; 4] = [
    render::Format::Text,
    render::Format::Markdown,
    render::Format::Csv,
    render::Format::Html,
];

#[test]
fn a_draft_says_so_before_any_value_in_every_format() {
    let mut s = draft();
    for format in TEXT_FORMATS {
        let out = text_of(&s, format);
        let banner = out
            .find("草稿 DRAFT")
            .unwrap_or_else(|| panic!("{format:?}: {out}"));
        let first_value = out.find("中文简体").unwrap();
        assert!(banner < first_value, "{format:?}: the banner comes first");
        assert!(out.contains("not for filing"), "{format:?}");
    }
    let json: serde_json::Value = serde_json::from_str(&text_of(&s, render::Format::Json)).unwrap();
    assert_eq!(json["draft"], true);
    for (name, rows) in workbook_cells(&render::render(&s, render::Format::Xlsx).unwrap()) {
        assert!(
            rows[0][0].starts_with("草稿 DRAFT"),
            "{name}: {:?}",
            rows[0]
        );
    }

    s.draft = false;
    for format in TEXT_FORMATS {
        assert!(!text_of(&s, format).contains("草稿"), "{format:?}");
    }
    let json: serde_json::Value = serde_json::from_str(&text_of(&s, render::Format::Json)).unwrap();
    assert_eq!(json["draft"], false);
    for (name, rows) in workbook_cells(&render::render(&s, render::Format::Xlsx).unwrap()) {
        assert!(!rows[0][0].contains("草稿"), "{name}: {:?}", rows[0]);
    }
}

#[test]
fn every_format_lists_the_sdk_rows_and_which_to_confirm() {
    let s = draft();
    for format in [render::Format::Text, render::Format::Html] {
        let out = text_of(&s, format);
        assert!(out.contains("深圳市腾讯计算机系统有限公司"), "{format:?}");
        assert!(out.contains("待确认 to confirm"), "{format:?}");
        assert!(out.contains("已确认 confirmed"), "{format:?}");
    }
    let markdown = text_of(&s, render::Format::Markdown);
    assert!(
        markdown.contains("| 功能类型 | 服务厂商 | SDK | 依据 Evidence | 状态 Status |"),
        "{markdown}"
    );
    assert!(
        markdown.lines().any(|l| l.starts_with("| 登录")
            && l.contains("| 深圳市腾讯计算机系统有限公司 | 微信开放平台SDK |")
            && l.ends_with("| 待确认 to confirm |")),
        "{markdown}"
    );
    let csv = parse_csv(&text_of(&s, render::Format::Csv));
    let sdk: Vec<&Vec<String>> = csv.iter().filter(|r| r[0] == "使用外部SDK #2").collect();
    let fields: Vec<&str> = sdk.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        fields,
        [
            "功能类型",
            "服务厂商",
            "SDK",
            "依据 Evidence",
            "状态 Status"
        ]
    );
    assert_eq!(sdk[4][2], "待确认 to confirm");
    let book = workbook_cells(&render::render(&s, render::Format::Xlsx).unwrap());
    let rows = &book.iter().find(|(n, _)| n == "使用外部SDK").unwrap().1;
    assert_eq!(
        rows[1],
        [
            "功能类型",
            "服务厂商",
            "SDK",
            "依据 Evidence",
            "状态 Status"
        ]
    );
    assert_eq!(rows[2][1], VENDOR);
    assert_eq!(rows[3][1], "深圳市腾讯计算机系统有限公司");
    assert_eq!(rows[3][4], "待确认 to confirm");
}

/// RFC 4180 records; panics on anything malformed (a bare LF, text after a closing quote).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').expect("a BOM first");
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut closed) = (false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => (quoted, closed) = (false, true),
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() && !closed => quoted = true,
            (false, ',') => {
                record.push(std::mem::take(&mut field));
                closed = false;
            }
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                closed = false;
            }
            (false, c) => {
                assert!(!closed && c != '\n' && c != '"', "malformed CSV at {c:?}");
                field.push(c);
            }
        }
    }
    assert!(
        !quoted && field.is_empty() && record.is_empty(),
        "a record ends with CRLF"
    );
    records
}

#[test]
fn csv_quotes_what_it_must_and_ends_with_the_problems() {
    let s = draft();
    let records = parse_csv(&text_of(&s, render::Format::Csv));
    assert_eq!(records[0], ["section", "field", "value"]);
    assert!(records.iter().all(|r| r.len() == 3), "{records:?}");
    assert!(
        records
            .iter()
            .any(|r| r[1] == "服务厂商" && r[2] == VENDOR.replace('\n', "\\n")),
        "a comma and a quote survive, a line break is shown escaped: {records:?}"
    );
    let is_problem = |r: &Vec<String>| r[0] == "错误 error" || r[0] == "警告 warning";
    let first_problem = records.iter().position(is_problem).unwrap();
    assert!(
        records[first_problem..].iter().all(is_problem),
        "the problems come last"
    );
    let problems = &records[first_problem..];
    assert_eq!(problems.len(), s.errors.len() + s.warnings.len());
    assert!(problems
        .iter()
        .any(|r| r[0] == "错误 error" && r[2].contains("required fields missing")));
    assert!(problems
        .iter()
        .any(|r| r[0] == "警告 warning" && r[2].contains("not valid for filing")));
    assert!(records
        .iter()
        .any(|r| r[0] == "域名建议" && r[1] == "api.appfiling.dev"));
}

#[test]
fn markdown_marks_empty_values_and_escapes_cells() {
    let s = draft();
    let markdown = text_of(&s, render::Format::Markdown);
    assert!(!markdown.contains("``"), "no empty code span");
    assert!(markdown.contains("| 服务内容 | （未填写） |"), "{markdown}");
    // Tencent Cloud sets a minimum for 备注, so it is required there; elsewhere it is optional.
    assert!(markdown.contains("| 备注 | （未填写） |"), "{markdown}");
    let aliyun = text_of(&draft_for("aliyun"), render::Format::Markdown);
    assert!(aliyun.contains("| 备注 | — |"), "{aliyun}");
    assert!(markdown.contains("| A\\|B SDK |"), "{markdown}");
    assert!(markdown.contains("示例&lt;笔记&gt;"), "{markdown}");
    // Each table row has as many cells as its header.
    for line in markdown.lines().filter(|l| l.starts_with('|')) {
        let cells = line.replace("\\|", "").matches('|').count();
        assert!(cells == 3 || cells == 4 || cells == 6, "{line}");
    }
}

/// Every worksheet's name and its cells as text, row by row.
fn workbook_cells(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            (name, rows)
        })
        .collect()
}

fn zip_entry(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut entry = archive.by_name(name).unwrap();
    let mut out = Vec::new();
    entry.read_to_end(&mut out).unwrap();
    out
}

#[test]
fn the_workbook_holds_text_cells_the_icon_and_its_sheets() {
    let s = draft();
    let bytes = render::render(&s, render::Format::Xlsx).unwrap();
    let book = workbook_cells(&bytes);
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["APP基础信息", "使用外部SDK", "安卓平台", "域名建议", "问题"]
    );
    let sheet = |name: &str| &book.iter().find(|(n, _)| n == name).unwrap().1;
    assert_eq!(
        sheet("问题")[1],
        ["级别 Severity", "字段 Field", "说明 Message"]
    );
    assert!(sheet("问题")[2..]
        .iter()
        .any(|r| r[0] == "错误 error" && r[2].contains("服务内容")));
    assert_eq!(
        sheet("域名建议")[1],
        [
            "主机 Host",
            "可备案域名 Registrable domain",
            "级别 Levels",
            "来源 Sources",
            "次数 Count",
            "第三方 Third party"
        ]
    );
    assert!(sheet("域名建议")[2..]
        .iter()
        .any(|r| r[0] == "api.appfiling.dev" && r[1] == "appfiling.dev" && r[2] == "3"));
    // The 600-digit decimal modulus stays a string, whole.
    let modulus = &s.platforms[0].packages[0]
        .fields
        .iter()
        .find(|f| f.key == "public_key")
        .unwrap()
        .value;
    assert!(modulus.len() > 300 && modulus.bytes().all(|b| b.is_ascii_digit()));
    assert!(sheet("安卓平台")
        .iter()
        .any(|r| r[0] == "公钥" && &r[1] == modulus));

    // Every string cell is formatted as text: number format `@` (built in as 49, or declared).
    let styles = String::from_utf8(zip_entry(&bytes, "xl/styles.xml")).unwrap();
    let declared: Vec<(String, String)> =
        regex_lite::Regex::new(r#"<numFmt numFmtId="(\d+)" formatCode="([^"]*)""#)
            .unwrap()
            .captures_iter(&styles)
            .map(|c| (c[1].to_string(), c[2].to_string()))
            .collect();
    let format_code = |id: &str| match id {
        "49" => "@".to_string(),
        id => declared
            .iter()
            .find(|(n, _)| n == id)
            .map_or(format!("built-in {id}"), |(_, code)| code.clone()),
    };
    let xfs = styles
        .split("<cellXfs")
        .nth(1)
        .unwrap()
        .split("</cellXfs>")
        .next()
        .unwrap();
    let number_formats: Vec<String> = regex_lite::Regex::new(r#"<xf [^>]*numFmtId="(\d+)""#)
        .unwrap()
        .captures_iter(xfs)
        .map(|c| c[1].to_string())
        .collect();
    let cell = regex_lite::Regex::new(r#"<c r="([A-Z]+\d+)"( s="(\d+)")?( t="(\w+)")?"#).unwrap();
    for n in 1..=names.len() {
        let xml =
            String::from_utf8(zip_entry(&bytes, &format!("xl/worksheets/sheet{n}.xml"))).unwrap();
        let mut strings = 0;
        for c in cell.captures_iter(&xml) {
            let style: usize = c.get(3).map_or(0, |s| s.as_str().parse().unwrap());
            if c.get(5).map(|t| t.as_str()) == Some("s") {
                strings += 1;
                assert_eq!(
                    format_code(&number_formats[style]),
                    "@",
                    "sheet{n} {} is a string cell formatted as text",
                    &c[1]
                );
            }
        }
        assert!(strings > 3, "sheet{n}");
    }
    // The missing 服务内容 is an empty cell, coloured, and still text-formatted.
    let basic = String::from_utf8(zip_entry(&bytes, "xl/worksheets/sheet1.xml")).unwrap();
    let missing_row = 2
        + s.basic
            .iter()
            .position(|f| f.key == "service_content")
            .unwrap()
        + 1;
    let blank = cell
        .captures_iter(&basic)
        .find(|c| c[1] == format!("B{missing_row}"))
        .expect("a cell for the missing value");
    assert!(blank.get(5).is_none(), "blank: {}", &blank[0]);
    assert_eq!(
        format_code(&number_formats[blank[3].parse::<usize>().unwrap()]),
        "@"
    );

    // The icon, embedded as it was exported.
    let icon = &s.icon.as_ref().unwrap().png;
    assert_eq!(&zip_entry(&bytes, "xl/media/image1.png"), icon);
    let drawing = String::from_utf8(zip_entry(&bytes, "xl/drawings/drawing1.xml")).unwrap();
    assert!(drawing.contains("APP图标"), "the image has its alt text");
}

/// The keys of the first table under `heading` in docs/json.md.
fn documented_keys(heading: &str) -> BTreeSet<String> {
    let doc = include_str!("../docs/json.md");
    let section = doc
        .split(heading)
        .nth(1)
        .unwrap_or_else(|| panic!("docs/json.md has {heading}"));
    // Up to the next heading of any level.
    let section = section.split("\n#").next().unwrap();
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .flat_map(|l| {
            let cell = l.split(" |").next().unwrap();
            cell.split(", ")
                .map(|k| k.trim_matches('`').to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn keys(value: &serde_json::Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn the_sheet_json_is_as_documented() {
    let s = draft();
    let json: serde_json::Value = serde_json::from_str(&text_of(&s, render::Format::Json)).unwrap();
    assert_eq!(json["schema_version"], appfiling::report::SCHEMA_VERSION);
    let platform = &json["platforms"][0];
    let package = &platform["packages"][0];
    for (heading, value) in [
        ("## `appfiling sheet --format json`", &json),
        ("### Sheet field", &json["basic"][0]),
        ("### Sheet SDK row", &json["sdks"][0]),
        ("### Sheet platform", platform),
        ("### Sheet package", package),
        ("### Sheet icon", &json["icon"]),
        ("### Sheet problem", &json["errors"][0]),
    ] {
        assert_eq!(
            documented_keys(heading),
            keys(value),
            "docs/json.md {heading} and the sheet's JSON must list the same keys"
        );
    }
    // Suggested domains are Detection's domains, documented there.
    let detection = include_str!("../docs/json.md")
        .split("## Detection")
        .nth(1)
        .unwrap()
        .split("\n#")
        .next()
        .unwrap();
    for key in keys(&json["suggested_domains"][0]) {
        assert!(detection.contains(&key), "{key} in docs/json.md Detection");
    }
}
