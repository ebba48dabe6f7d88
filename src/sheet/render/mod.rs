//! The sheet as text (label: value, one per line, values never wrapped),
//! Markdown, CSV (UTF-8 with a BOM, for Excel), JSON and XLSX.

use super::{Field, Sheet};
use crate::render::{escape_controls, must_escape, outln};
use std::fmt::Write;

/// The sheet's formats; also the command line's `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    Text,
    Markdown,
    Csv,
    Json,
    Xlsx,
    Html,
}

impl Format {
    /// Whether the output is text that may go to a terminal.
    pub fn is_text(self) -> bool {
        self != Format::Xlsx
    }
}

/// Why a sheet could not be written out.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("cannot write the workbook: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
}

pub fn render(sheet: &Sheet, format: Format) -> Result<Vec<u8>, RenderError> {
    Ok(match format {
        Format::Text => text(sheet).into_bytes(),
        Format::Markdown => markdown(sheet).into_bytes(),
        Format::Csv => csv(sheet).into_bytes(),
        Format::Json => (serde_json::to_string_pretty(sheet)? + "\n").into_bytes(),
        Format::Xlsx => xlsx(sheet)?,
        Format::Html => html(sheet).into_bytes(),
    })
}

/// Every (section, field) in order: the basic block, then each package of each platform.
fn rows(sheet: &Sheet) -> Vec<(String, &Field)> {
    let mut out: Vec<(String, &Field)> = sheet
        .basic
        .iter()
        .map(|f| ("APP基础信息".to_string(), f))
        .collect();
    for platform in &sheet.platforms {
        for (i, package) in platform.packages.iter().enumerate() {
            let section = if platform.packages.len() > 1 {
                format!("APP特征信息 {} #{}", platform.label, i + 1)
            } else {
                format!("APP特征信息 {}", platform.label)
            };
            out.extend(package.fields.iter().map(|f| (section.clone(), f)));
        }
    }
    out
}

fn text(sheet: &Sheet) -> String {
    let mut out = String::new();
    outln!(&mut out, "# {} APP备案", sheet.provider_name);
    let mut section = String::new();
    for (name, field) in rows(sheet) {
        if name != section {
            out.push('\n');
            outln!(&mut out, "【{name}】");
            section = name;
        }
        outln!(&mut out, "{}: {}", field.label, field.value);
    }
    for platform in &sheet.platforms {
        out.push('\n');
        outln!(&mut out, "【域名 {}】", platform.label);
        for domain in &platform.domains {
            outln!(&mut out, "{domain}");
        }
    }
    if !sheet.suggested_domains.is_empty() {
        out.push('\n');
        outln!(&mut out, "【域名建议】detected in the packages; filed only once listed in filing.toml or with --accept-detected-domains");
        for d in &sheet.suggested_domains {
            outln!(&mut out, "{}", suggestion(d));
        }
    }
    issues_text(&mut out, sheet);
    out
}

/// One suggested domain with its evidence.
fn suggestion(d: &crate::detect::domains::DetectedDomain) -> String {
    let owner = d
        .third_party
        .as_deref()
        .map_or(String::new(), |t| format!(", third party: {t}"));
    format!(
        "{} ({}, {} levels, seen {}× in {}{owner})",
        d.host,
        d.registrable_domain,
        d.level,
        d.count,
        d.sources.join("/")
    )
}

fn issues_text(out: &mut String, sheet: &Sheet) {
    for (kind, list) in [("error", &sheet.errors), ("warning", &sheet.warnings)] {
        for i in list {
            outln!(out, "{kind}: {}: {}", i.field, i.message);
        }
    }
}

/// Package content as inline Markdown text: shown, never interpreted. Controls
/// are escaped visibly (a newline would end the table row), the characters of
/// code, links, images, table cells and `*`/`~` emphasis get a backslash, and
/// `<`, `>` and `&` become entities so no HTML, autolink or entity gets through.
/// `_` stays: it cannot emphasise inside a word (`ic_launcher.png`, package ids).
fn markdown_cell(value: &str) -> String {
    let value = escape_controls(value);
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '~' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn markdown(sheet: &Sheet) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {} APP备案\n", markdown_cell(&sheet.provider_name));
    let mut section = String::new();
    for (name, field) in rows(sheet) {
        if name != section {
            let _ = writeln!(
                out,
                "\n## {}\n\n| 字段 | 值 |\n|---|---|",
                markdown_cell(&name)
            );
            section = name;
        }
        let _ = writeln!(
            out,
            "| {} | {} |",
            markdown_cell(&field.label),
            markdown_cell(&field.value)
        );
    }
    for platform in &sheet.platforms {
        let _ = writeln!(out, "\n## 域名 {}\n", markdown_cell(&platform.label));
        for domain in &platform.domains {
            let _ = writeln!(out, "- {}", markdown_cell(domain));
        }
    }
    if !sheet.suggested_domains.is_empty() {
        let _ = writeln!(out, "\n## 域名建议 (detected; not filed until confirmed)\n");
        for d in &sheet.suggested_domains {
            let _ = writeln!(out, "- {}", markdown_cell(&suggestion(d)));
        }
    }
    if !sheet.errors.is_empty() || !sheet.warnings.is_empty() {
        let _ = writeln!(out, "\n## Problems\n");
        for (kind, list) in [("**error**", &sheet.errors), ("warning", &sheet.warnings)] {
            for i in list {
                let _ = writeln!(
                    out,
                    "- {kind} {}: {}",
                    markdown_cell(&i.field),
                    markdown_cell(&i.message)
                );
            }
        }
    }
    out
}

/// One CSV field. Controls are escaped visibly (the CSV may go to a terminal);
/// a leading `=`, `+`, `-`, `@`, tab or CR would make a spreadsheet evaluate
/// a formula, so such a cell starts with `'` (OWASP's CSV injection advice);
/// a field with a comma, quote or line break is quoted.
fn csv_cell(value: &str) -> String {
    let escaped = escape_controls(value);
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{escaped}")
    } else {
        escaped.into_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn csv(sheet: &Sheet) -> String {
    let mut out = String::from("\u{feff}section,field,value\r\n");
    for (section, field) in rows(sheet) {
        let _ = write!(
            out,
            "{},{},{}\r\n",
            csv_cell(&section),
            csv_cell(&field.label),
            csv_cell(&field.value)
        );
    }
    for platform in &sheet.platforms {
        for domain in &platform.domains {
            let _ = write!(
                out,
                "{},域名,{}\r\n",
                csv_cell(&format!("APP特征信息 {}", platform.label)),
                csv_cell(domain)
            );
        }
    }
    out
}

/// Text for HTML text and quoted attributes. Control and bidi characters
/// become numeric references: the page holds no raw terminal sequence, and a
/// copy button still copies the value as it is.
fn escape_html(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if must_escape(c) => {
                let _ = write!(out, "&#x{:x};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Text shown on the page (not copied): controls and bidi characters escaped visibly too.
fn shown_html(value: &str) -> String {
    escape_html(&escape_controls(value))
}

const HTML_STYLE: &str = "body{font-family:system-ui,'PingFang SC','Noto Sans CJK SC',sans-serif;margin:2em;max-width:72em;color:#222}\
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;width:100%}td{padding:.35em .5em;border-bottom:1px solid #eee;vertical-align:top}\
td.label{white-space:nowrap;width:9em;color:#555}code{font-family:ui-monospace,monospace;word-break:break-all}\
button{font-size:.85em;margin-left:.5em;cursor:pointer}button.done{background:#d4f5d4}\
.error{background:#fde2e2;padding:.3em .6em;margin:.2em 0}.warning{background:#fff4d6;padding:.3em .6em;margin:.2em 0}";

/// A page to paste from: every value beside a copy button. No external
/// assets. Each button copies its own value; `window.appfilingCopied` records
/// the last copy, for tests and for browsers that refuse clipboard access.
/// Opened with `#selftest`, the page clicks every button itself and writes
/// what each copied into `<pre id="selftest">`.
const HTML_SCRIPT: &str = "function copyValue(button){var value=button.getAttribute('data-value');window.appfilingCopied=value;\
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(value).catch(function(){});}\
else{var t=document.createElement('textarea');t.value=value;document.body.appendChild(t);t.select();try{document.execCommand('copy');}catch(e){}t.remove();}\
button.classList.add('done');button.textContent='已复制';}\
document.querySelectorAll('button[data-value]').forEach(function(b){b.addEventListener('click',function(){copyValue(b);});});\
if(location.hash==='#selftest'){var out=[];document.querySelectorAll('button[data-value]').forEach(function(b){b.click();out.push(window.appfilingCopied);});\
var pre=document.createElement('pre');pre.id='selftest';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);}";

fn html(sheet: &Sheet) -> String {
    let mut out = String::new();
    let title = shown_html(&format!("{} APP备案", sheet.provider_name));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{HTML_STYLE}</style></head><body>\n<h1>{title}</h1>\n"
    );
    if let Some(icon) = &sheet.icon {
        use base64::Engine;
        let data = base64::engine::general_purpose::STANDARD.encode(&icon.png);
        let _ = writeln!(
            out,
            "<p><img alt=\"APP图标\" width=\"96\" height=\"96\" src=\"data:image/png;base64,{data}\"></p>"
        );
    }
    for i in &sheet.errors {
        let _ = writeln!(
            out,
            "<div class=\"error\">error: {}: {}</div>",
            shown_html(&i.field),
            shown_html(&i.message)
        );
    }
    for i in &sheet.warnings {
        let _ = writeln!(
            out,
            "<div class=\"warning\">warning: {}: {}</div>",
            shown_html(&i.field),
            shown_html(&i.message)
        );
    }
    let mut section = String::new();
    let row = |out: &mut String, label: &str, value: &str| {
        let _ = writeln!(
            out,
            "<tr><td class=\"label\">{}</td><td><code>{}</code><button type=\"button\" data-value=\"{}\">复制</button></td></tr>",
            shown_html(label),
            shown_html(value),
            escape_html(value)
        );
    };
    for (name, field) in rows(sheet) {
        if name != section {
            if !section.is_empty() {
                out.push_str("</table>\n");
            }
            let _ = writeln!(out, "<h2>{}</h2>\n<table>", shown_html(&name));
            section = name;
        }
        row(&mut out, &field.label, &field.value);
    }
    if !section.is_empty() {
        out.push_str("</table>\n");
    }
    for platform in &sheet.platforms {
        let _ = writeln!(
            out,
            "<h2>域名 {}</h2>\n<table>",
            shown_html(&platform.label)
        );
        for domain in &platform.domains {
            row(&mut out, "域名", domain);
        }
        out.push_str("</table>\n");
    }
    if !sheet.suggested_domains.is_empty() {
        out.push_str("<h2>域名建议</h2>\n<p>Detected in the packages; filed only once listed in filing.toml.</p>\n<ul>\n");
        for d in &sheet.suggested_domains {
            let _ = writeln!(out, "<li>{}</li>", shown_html(&suggestion(d)));
        }
        out.push_str("</ul>\n");
    }
    let _ = write!(out, "<script>{HTML_SCRIPT}</script>\n</body></html>\n");
    out
}

/// One worksheet for the basic block and one per platform: label and value
/// columns, a frozen header, values wide enough for a modulus.
fn xlsx(sheet: &Sheet) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format as Cell, Workbook};
    let mut book = Workbook::new();
    let header = Cell::new().set_bold();
    let wrap = Cell::new().set_text_wrap();
    let mut add =
        |name: &str, rows: Vec<(String, String)>| -> Result<(), rust_xlsxwriter::XlsxError> {
            let ws = book.add_worksheet();
            ws.set_name(name)?;
            ws.set_column_width(0, 18)?;
            ws.set_column_width(1, 100)?;
            ws.write_string_with_format(0, 0, "字段", &header)?;
            ws.write_string_with_format(0, 1, "值", &header)?;
            ws.set_freeze_panes(1, 0)?;
            for (i, (label, value)) in rows.into_iter().enumerate() {
                let row = i as u32 + 1;
                ws.write_string(row, 0, label)?;
                ws.write_string_with_format(row, 1, value, &wrap)?;
            }
            Ok(())
        };
    let basic = sheet
        .basic
        .iter()
        .map(|f| (f.label.clone(), f.value.clone()))
        .collect();
    add("APP基础信息", basic)?;
    for platform in &sheet.platforms {
        let mut rows = Vec::new();
        for (i, package) in platform.packages.iter().enumerate() {
            if platform.packages.len() > 1 {
                rows.push((format!("#{}", i + 1), package.source.clone()));
            }
            rows.extend(
                package
                    .fields
                    .iter()
                    .map(|f| (f.label.clone(), f.value.clone())),
            );
        }
        rows.extend(
            platform
                .domains
                .iter()
                .map(|d| ("域名".to_string(), d.clone())),
        );
        add(&platform.label, rows)?;
    }
    let problems: Vec<(String, String)> = sheet
        .errors
        .iter()
        .map(|i| (format!("error: {}", i.field), i.message.clone()))
        .chain(
            sheet
                .warnings
                .iter()
                .map(|i| (format!("warning: {}", i.field), i.message.clone())),
        )
        .collect();
    if !problems.is_empty() {
        add("问题", problems)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_markdown_escape_what_they_must() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(markdown_cell("a|b\nc"), "a\\|b\\\\nc");
        assert_eq!(
            escape_html("<a href=\"x\">&'\u{1b}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&#x1b;"
        );
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        for (value, cell) in [
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\\t=1"),
            ("\r=1", "'\\r=1"),
            ("a=1", "a=1"),
        ] {
            assert_eq!(csv_cell(value), cell, "{value:?}");
        }
    }

    #[test]
    fn markdown_shows_links_images_and_html_as_text() {
        assert_eq!(
            markdown_cell("[x](http://e) ![i](http://e/i.png) <script>&amp; `c` *b* ic_launcher ~s~ \\"),
            "\\[x\\](http://e) !\\[i\\](http://e/i.png) &lt;script&gt;&amp;amp; \\`c\\` \\*b\\* ic_launcher \\~s\\~ \\\\"
        );
    }
}
