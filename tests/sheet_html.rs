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
const CONFIG: &str = "domains = [\"api.example.com\", \"例子.中国\"]\n[app]\nservice_content = \"个人笔记 <与> \\\"待办\\\" & more\"\nservice_languages = [\"中文简体\"]\nprovides_sdk = false\npre_approval = \"无\"\n[[app.uses_sdk]]\nsdk = \"A&B SDK\"\nvendor = \"A&B & Co <Ltd>\"\ntype = \"支付\"\n";

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

    // What each button must copy: every field value, then the domains, in page order.
    let data: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let mut expected: Vec<String> = Vec::new();
    let values = |fields: &serde_json::Value| -> Vec<String> {
        fields
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["value"].as_str().unwrap().to_string())
            .collect()
    };
    expected.extend(values(&data["basic"]));
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
