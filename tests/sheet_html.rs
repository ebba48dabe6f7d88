//! The HTML sheet in a real browser: headless Debian Chromium clicks every
//! copy button and each must copy exactly its value. A screenshot is kept
//! under target/ as a CI artifact. Skips, saying so, without Chromium.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const PACKAGES: [&str; 3] = [
    "sample-v1v2v3-rsa.apk",
    "ios/sample.ipa",
    "harmony/sample.app",
];
const CONFIG: &str = "domains = [\"api.example.com\", \"例子.中国\"]\n[app]\nservice_content = \"个人笔记 <与> \\\"待办\\\" & more\"\nservice_languages = [\"中文简体\"]\nprovides_sdk = false\npre_approval = \"无\"\nremark = \"个人笔记应用，三个平台同一账号体系\"\n[[app.uses_sdk]]\nsdk = \"A&B SDK\"\nvendor = \"A&B & Co <Ltd>\"\ntype = \"支付\"\n";

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        let out = Command::new("which").arg(name).output().ok()?;
        out.status
            .success()
            .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    })
}

fn browser(binary: &Path, profile: &Path) -> Command {
    let mut c = Command::new(binary);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[test]
fn every_copy_button_copies_exactly_its_value() {
    let Some(chromium) = chromium() else {
        println!("SKIPPED: chromium not installed (scripts/test.sh installs it)");
        eprintln!("SKIPPED: chromium not installed (scripts/test.sh installs it)");
        return;
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sheet-html");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("filing.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let samples = common::sample_path("");
    let sheet = |format: &str, out: &Path| {
        let status = Command::new(env!("CARGO_BIN_EXE_appfiling"))
            .args([
                "sheet",
                "--provider",
                "tencent",
                "--force",
                "--format",
                format,
                "-o",
            ])
            .arg(out)
            .arg("--config")
            .arg(&config)
            .args(PACKAGES.iter().map(|p| samples.join(p)))
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(0));
    };
    let page = dir.join("sheet.html");
    let json = dir.join("sheet.json");
    sheet("html", &page);
    sheet("json", &json);

    // What each button must copy, in page order: every value to paste (not an empty
    // one, nor APP图标's description), the 使用外部SDK rows' 功能类型 and 服务厂商,
    // each package's values, then the domains.
    let data: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let mut expected: Vec<String> = Vec::new();
    let values = |fields: &serde_json::Value| -> Vec<String> {
        fields
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["key"] != "icon")
            .map(|f| f["value"].as_str().unwrap().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    };
    expected.extend(values(&data["basic"]));
    for row in data["sdks"].as_array().unwrap() {
        for key in ["type", "vendor"] {
            expected.push(row[key].as_str().unwrap().to_string());
        }
    }
    for platform in data["platforms"].as_array().unwrap() {
        for package in platform["packages"].as_array().unwrap() {
            expected.extend(values(&package["fields"]));
        }
    }
    for platform in data["platforms"].as_array().unwrap() {
        expected.extend(
            platform["domains"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap().to_string()),
        );
    }
    assert!(
        expected.contains(&"A&B & Co <Ltd>".to_string()),
        "the SDK row's vendor has a button"
    );

    let dom = browser(&chromium, &dir.join("profile"))
        .arg("--dump-dom")
        .arg(format!("file://{}#selftest", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    let start = dom
        .find("<pre id=\"selftest\">")
        .expect("the page ran its self-test")
        + "<pre id=\"selftest\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let copied: Vec<String> = serde_json::from_str(&unescape(&dom[start..end])).unwrap();
    assert_eq!(copied, expected, "each button copies exactly its value");
    assert!(
        copied.iter().any(|v| v.contains("<与> \"待办\" & more")),
        "markup in values survives escaping"
    );

    let shot = dir.join("sheet.png");
    let _ = std::fs::remove_file(&shot);
    let status = browser(&chromium, &dir.join("profile"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,2200")
        .arg(format!("file://{}", page.display()))
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 10_000,
        "a screenshot of the page"
    );
    println!("screenshot: {}", shot.display());
}

/// Reads the page as the browser lays it out, then as it would print: the page's
/// `@media print` rules applied on screen (CSSOM), since headless `--dump-dom` cannot
/// switch the media. Writes its findings into `<pre id="probe">`.
const PROBE: &str = r#"(function(){
var r={title:document.title,printNow:window.matchMedia('print').matches};
var draft=document.querySelector('.draft');
r.draft=draft?draft.textContent:null;
r.draftFirst=!!draft&&!!(draft.compareDocumentPosition(document.querySelector('table'))&Node.DOCUMENT_POSITION_FOLLOWING);
r.draftBackground=draft?getComputedStyle(draft).backgroundColor:null;
r.missing=[].map.call(document.querySelectorAll('tr.missing'),function(tr){return [tr.cells[0].textContent,tr.cells[1].textContent,getComputedStyle(tr.cells[1]).backgroundColor,String(tr.querySelectorAll('button').length)];});
r.buttonsBesideNoValue=[].filter.call(document.querySelectorAll('td'),function(td){return td.querySelector('.empty,.note')&&td.querySelector('button');}).length;
r.emptyButtons=[].filter.call(document.querySelectorAll('button[data-value]'),function(b){return b.getAttribute('data-value').trim()==='';}).length;
r.buttons=document.querySelectorAll('button[data-value]').length;
var icon=[].find.call(document.querySelectorAll('tr'),function(tr){return tr.cells[0].textContent==='APP图标';});
r.icon=icon?[String(icon.querySelectorAll('button').length),String(icon.querySelectorAll('img').length)]:null;
r.unconfirmed=[].map.call(document.querySelectorAll('tr.unconfirmed'),function(tr){return tr.textContent;});
r.problems=[].map.call(document.querySelectorAll('.error,.warning'),function(d){return d.textContent;});
var rules=[];
[].forEach.call(document.styleSheets,function(sheet){[].forEach.call(sheet.cssRules,function(rule){
if(rule.media&&rule.media.mediaText==='print'){[].forEach.call(rule.cssRules,function(x){rules.push(x.cssText);});}});});
r.printRules=rules.length;
var style=document.createElement('style');style.textContent=rules.join('\n');document.head.appendChild(style);
var body=getComputedStyle(document.body),missing=document.querySelector('tr.missing td');
r.print={button:getComputedStyle(document.querySelector('button')).display,color:body.color,background:body.backgroundColor,
draftColor:getComputedStyle(draft).color,draftBackground:getComputedStyle(draft).backgroundColor,
missingBackground:getComputedStyle(missing).backgroundColor,rowBreak:getComputedStyle(document.querySelector('tr')).breakInside,
headingBreak:getComputedStyle(document.querySelector('h2')).breakAfter};
var pre=document.createElement('pre');pre.id='probe';pre.textContent=JSON.stringify(r);document.body.appendChild(pre);
})();"#;

/// A draft with 服务内容 missing and an SDK row to confirm, in the browser.
#[test]
fn the_page_marks_what_is_missing_says_draft_and_prints_plainly() {
    let Some(chromium) = chromium() else {
        println!("SKIPPED: chromium not installed (scripts/test.sh installs it)");
        eprintln!("SKIPPED: chromium not installed (scripts/test.sh installs it)");
        return;
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sheet-html-draft");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("filing.toml");
    std::fs::write(
        &config,
        "[app]\nservice_name = \"示例 <笔记>\"\nservice_languages = [\"中文简体\"]\nprovides_sdk = false\npre_approval = \"无\"\n[[app.uses_sdk]]\nsdk = \"微信开放平台SDK\"\nvendor = \"深圳市腾讯计算机系统有限公司\"\ntype = \"登录/分享\"\nconfirmed = false\n",
    )
    .unwrap();
    let sheet = |format: &str, out: &Path| {
        let status = Command::new(env!("CARGO_BIN_EXE_appfiling"))
            .args(["sheet", "--draft", "--provider", "tencent", "--force"])
            .args(["--format", format, "-o"])
            .arg(out)
            .arg("--config")
            .arg(&config)
            .arg(common::sample_path("sample-debug.apk"))
            .output()
            .unwrap();
        assert_eq!(status.status.code(), Some(1), "服务内容 is missing");
    };
    let page = dir.join("sheet.html");
    let json = dir.join("sheet.json");
    sheet("html", &page);
    sheet("json", &json);
    let data: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    // The labels the sheet's error names as missing.
    let missing_error = data["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| {
            let message = e["message"].as_str().unwrap();
            message.contains("required fields missing").then(|| {
                let list = message.split("]: ").nth(1).unwrap();
                list.split(", ").map(str::to_string).collect::<Vec<_>>()
            })
        })
        .expect("an error lists the missing fields");
    assert_eq!(missing_error, ["服务内容"]);

    let probed = dir.join("probed.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("</body>").count(), 1);
    std::fs::write(
        &probed,
        html.replace("</body>", &format!("<script>{PROBE}</script></body>")),
    )
    .unwrap();
    let dom = browser(&chromium, &dir.join("profile"))
        .arg("--dump-dom")
        .arg(format!("file://{}", probed.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    let start = dom.find("<pre id=\"probe\">").expect("the probe ran") + "<pre id=\"probe\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let probe: serde_json::Value = serde_json::from_str(&unescape(&dom[start..end])).unwrap();
    println!("{probe:#}");

    let title = probe["title"].as_str().unwrap();
    assert!(
        title.starts_with("【草稿 DRAFT】示例 <笔记> · ") && title.ends_with("APP备案"),
        "{title}"
    );
    assert!(probe["draft"].as_str().unwrap().contains("not for filing"));
    assert_eq!(
        probe["draftFirst"], true,
        "the banner comes before the values"
    );
    assert_eq!(probe["draftBackground"], "rgb(176, 0, 32)");

    // Missing values are highlighted in place, those the error names and no other.
    let missing = probe["missing"].as_array().unwrap();
    let labels: Vec<&str> = missing.iter().map(|m| m[0].as_str().unwrap()).collect();
    // Those the error names, and Tencent Cloud's 备注, required by its own minimum length.
    let remark_error =
        data["errors"].as_array().unwrap().iter().any(|e| {
            e["field"] == "备注" && e["message"].as_str().unwrap().contains("at least 15")
        });
    assert!(remark_error);
    assert_eq!(labels, [&missing_error[..], &["备注".to_string()]].concat());
    assert_eq!(missing[0][1], "（未填写）");
    assert_eq!(missing[0][2], "rgb(253, 226, 226)");
    assert_eq!(missing[0][3], "0", "no copy button on a missing value");
    assert_eq!(probe["buttonsBesideNoValue"], 0);
    assert_eq!(probe["emptyButtons"], 0);
    assert_eq!(
        probe["icon"],
        serde_json::json!(["0", "1"]),
        "the icon row: an image, no button"
    );
    assert!(probe["buttons"].as_u64().unwrap() >= 6);
    let unconfirmed = probe["unconfirmed"].as_array().unwrap();
    assert_eq!(unconfirmed.len(), 1);
    assert!(unconfirmed[0]
        .as_str()
        .unwrap()
        .contains("待确认 to confirm"));

    // Problems in words: no internal warning code.
    let problems: Vec<&str> = probe["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(problems
        .iter()
        .any(|p| p.starts_with("错误 error filing.toml: required fields missing")));
    assert!(problems
        .iter()
        .any(|p| p.starts_with("警告 warning") && p.contains("not valid for filing")));
    for code in appfiling::report::WarningCode::ALL {
        let code = code.as_str();
        if code.contains('_') {
            assert!(
                !problems.iter().any(|p| p.contains(code)),
                "{code} in {problems:?}"
            );
        }
    }

    // Printed: no buttons, black on white, rows and headings kept together.
    assert_eq!(probe["printNow"], false);
    assert!(probe["printRules"].as_u64().unwrap() >= 5);
    let print = &probe["print"];
    assert_eq!(print["button"], "none");
    assert_eq!(print["color"], "rgb(0, 0, 0)");
    assert_eq!(print["background"], "rgb(255, 255, 255)");
    assert_eq!(print["draftColor"], "rgb(0, 0, 0)");
    assert_eq!(print["draftBackground"], "rgb(255, 255, 255)");
    assert_eq!(print["missingBackground"], "rgb(255, 255, 255)");
    assert_eq!(print["rowBreak"], "avoid");
    assert_eq!(print["headingBreak"], "avoid");
}

/// A package whose values must not be filed: the page says why above them, shows them
/// struck through and offers no copy button; the title says the sheet has errors.
#[test]
fn values_not_valid_for_filing_are_not_offered_for_copying() {
    let dir = std::env::temp_dir().join(format!("appfiling-html-invalid-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("sheet.html");
    let _ = std::fs::remove_file(&page);
    let out = common::appfiling(&[
        "sheet",
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
        "samples/sample-debug.apk",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let html = std::fs::read_to_string(&page).unwrap();
    let section = html
        .split("<h2>")
        .find(|s| s.starts_with("APP特征信息"))
        .unwrap();
    assert!(
        section.contains("✘ 不可备案 not valid for filing"),
        "{section}"
    );
    assert!(section.contains("Android debug certificate"), "{section}");
    assert!(!section.contains("data-value"), "no copy button: {section}");
    assert!(section.contains("not-valid-value"), "{section}");
    assert!(
        html.contains("<title>【"),
        "the title says the sheet has errors"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
