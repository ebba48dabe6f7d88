//! The sheet as a page to paste from: one self-contained file (no external
//! asset), a copy button beside every value to paste and nowhere else, the
//! values the sheet lacks marked in place, and a print stylesheet.

use super::{
    empty_marker, is_missing, package_sections, problems, sdk_cells, suggestion, BASIC,
    DRAFT_NOTICE, EMPTY_VALUE, SDK_HEADERS, SDK_SECTION, SUGGESTIONS,
};
use crate::render::{escape_controls, must_escape};
use crate::sheet::{Field, Sheet};
use std::fmt::Write;

/// Fields whose value describes something rather than being pasted: APP图标 is a file to upload.
const DESCRIPTIVE_KEYS: [&str; 1] = ["icon"];

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

const STYLE: &str = "body{font-family:system-ui,'PingFang SC','Noto Sans CJK SC',sans-serif;margin:2em;max-width:72em;color:#222;background:#fff}\
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;width:100%}td,th{padding:.35em .5em;border-bottom:1px solid #eee;vertical-align:top;text-align:left}\
th{color:#555;font-weight:normal;border-bottom:1px solid #ccc}\
td.label{white-space:nowrap;width:9em;color:#555}code{font-family:ui-monospace,monospace;word-break:break-all}\
button{font-size:.85em;margin-left:.5em;cursor:pointer}button.done{background:#d4f5d4}\
.note{color:#555}.empty{color:#888}img{display:block;margin-bottom:.3em}\
tr.missing td{background:#fde2e2}tr.missing .empty{color:#a00;font-weight:bold}\
tr.not-valid td{background:#fde2e2;color:#a00;font-weight:bold}.not-valid-value{color:#a00;text-decoration:line-through}tr.unconfirmed td{background:#fff4d6}\
.draft{background:#b00020;color:#fff;font-weight:bold;font-size:1.1em;padding:.6em 1em;margin:1em 0}\
.error{background:#fde2e2;padding:.3em .6em;margin:.2em 0}.warning{background:#fff4d6;padding:.3em .6em;margin:.2em 0}\
@media print{*{color:#000!important;background:#fff!important}\
body{margin:0;max-width:none;font-size:10.5pt}button{display:none}\
tr,img,.draft,.error,.warning{break-inside:avoid;page-break-inside:avoid}\
h1,h2{break-after:avoid;page-break-after:avoid}thead{display:table-header-group}\
.draft{border:3px double #000}.error,.warning{border-left:3px solid #000}\
tr.missing td{border-bottom:2px solid #000}tr.unconfirmed td{border-bottom:1px dashed #000}}";

/// Each button copies its own value; `window.appfilingCopied` records the last
/// copy, for tests and for browsers that refuse clipboard access. Opened with
/// `#selftest`, the page clicks every button itself and writes what each
/// copied into `<pre id="selftest">`.
const SCRIPT: &str = "function copyValue(button){var value=button.getAttribute('data-value');window.appfilingCopied=value;\
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(value).catch(function(){});}\
else{var t=document.createElement('textarea');t.value=value;document.body.appendChild(t);t.select();try{document.execCommand('copy');}catch(e){}t.remove();}\
button.classList.add('done');button.textContent='已复制';}\
document.querySelectorAll('button[data-value]').forEach(function(b){b.addEventListener('click',function(){copyValue(b);});});\
if(location.hash==='#selftest'){var out=[];document.querySelectorAll('button[data-value]').forEach(function(b){b.click();out.push(window.appfilingCopied);});\
var pre=document.createElement('pre');pre.id='selftest';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);}";

/// A value to paste, with its copy button.
fn copyable(value: &str) -> String {
    format!(
        "<code>{}</code><button type=\"button\" data-value=\"{}\">复制</button>",
        shown_html(value),
        escape_html(value)
    )
}

/// One field; `paste` false for the values of a package that must not be filed: shown,
/// struck through, with no copy button.
fn field_row(out: &mut String, sheet: &Sheet, field: &Field, paste: bool) {
    let label = shown_html(&field.label);
    if field.value.trim().is_empty() {
        let class = if is_missing(field) {
            " class=\"missing\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<tr{class}><td class=\"label\">{label}</td><td><span class=\"empty\">{}</span></td></tr>",
            empty_marker(field)
        );
    } else if DESCRIPTIVE_KEYS.contains(&field.key) {
        let image = match (&sheet.icon, field.key) {
            (Some(icon), "icon") => {
                use base64::Engine;
                let data = base64::engine::general_purpose::STANDARD.encode(&icon.png);
                format!("<img alt=\"APP图标\" width=\"96\" height=\"96\" src=\"data:image/png;base64,{data}\">")
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"label\">{label}</td><td>{image}<span class=\"note\">{}</span></td></tr>",
            shown_html(&field.value)
        );
    } else if paste {
        let _ = writeln!(
            out,
            "<tr><td class=\"label\">{label}</td><td>{}</td></tr>",
            copyable(&field.value)
        );
    } else {
        let _ = writeln!(
            out,
            "<tr><td class=\"label\">{label}</td><td><span class=\"not-valid-value\">{}</span></td></tr>",
            shown_html(&field.value)
        );
    }
}

fn fields_table(
    out: &mut String,
    sheet: &Sheet,
    name: &str,
    fields: &[Field],
    not_valid: &[String],
) {
    let _ = writeln!(out, "<h2>{}</h2>\n<table>", shown_html(name));
    if !not_valid.is_empty() {
        let _ = writeln!(
            out,
            "<tr class=\"not-valid\"><td colspan=\"2\">不可用于备案 not valid for filing: {}</td></tr>",
            shown_html(&not_valid.join("; "))
        );
    }
    for field in fields {
        field_row(out, sheet, field, not_valid.is_empty());
    }
    out.push_str("</table>\n");
}

/// 使用外部SDK: the form's two values (功能类型, 服务厂商) to paste, then what shows them.
fn sdk_table(out: &mut String, sheet: &Sheet) {
    let _ = write!(out, "<h2>{SDK_SECTION}</h2>\n<table><thead><tr>");
    for header in SDK_HEADERS {
        let _ = write!(out, "<th>{header}</th>");
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in &sheet.sdks {
        let class = if row.confirmed {
            ""
        } else {
            " class=\"unconfirmed\""
        };
        let _ = write!(out, "<tr{class}>");
        for (i, cell) in sdk_cells(row).iter().enumerate() {
            let cell = match i {
                _ if cell.is_empty() => format!("<span class=\"empty\">{EMPTY_VALUE}</span>"),
                0 | 1 => copyable(cell),
                _ => format!("<span class=\"note\">{}</span>", shown_html(cell)),
            };
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

/// The page's title: the app's name first, so tabs and printouts say which app.
fn title(sheet: &Sheet) -> String {
    let name = sheet
        .basic
        .iter()
        .find(|f| f.key == "service_name")
        .map(|f| f.value.trim())
        .filter(|v| !v.is_empty());
    let title = match name {
        Some(name) => format!("{name} · {} APP备案", sheet.provider_name),
        None => format!("{} APP备案", sheet.provider_name),
    };
    match (sheet.draft, sheet.errors.len()) {
        (true, _) => format!("【草稿 DRAFT】{title}"),
        (false, 0) => title,
        // A sheet that fails says so where a tab or a printout shows it.
        (false, n) => format!("【{n} 个错误 errors】{title}"),
    }
}

pub(super) fn page(sheet: &Sheet) -> String {
    let mut out = String::new();
    let title = shown_html(&title(sheet));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head><body>\n<h1>{title}</h1>\n"
    );
    if sheet.draft {
        let _ = writeln!(
            out,
            "<div class=\"draft\" role=\"alert\">{}</div>",
            shown_html(DRAFT_NOTICE)
        );
    }
    for (severity, i) in problems(sheet) {
        let _ = writeln!(
            out,
            "<div class=\"{}\"><strong>{}</strong> {}: {}</div>",
            severity.as_str(),
            severity.words(),
            shown_html(&i.field),
            shown_html(&i.message)
        );
    }
    fields_table(&mut out, sheet, BASIC, &sheet.basic, &[]);
    if !sheet.sdks.is_empty() {
        sdk_table(&mut out, sheet);
    }
    for (name, fields, not_valid) in package_sections(sheet) {
        fields_table(&mut out, sheet, &name, fields, not_valid);
    }
    for platform in &sheet.platforms {
        let _ = writeln!(
            out,
            "<h2>域名 {}</h2>\n<table>",
            shown_html(&platform.label)
        );
        for domain in &platform.domains {
            let _ = writeln!(
                out,
                "<tr><td class=\"label\">域名</td><td>{}</td></tr>",
                copyable(domain)
            );
        }
        out.push_str("</table>\n");
    }
    if !sheet.suggested_domains.is_empty() {
        let _ = write!(out, "<h2>{SUGGESTIONS}</h2>\n<p>Detected in the packages; filed only once listed in filing.toml.</p>\n<ul>\n");
        for d in &sheet.suggested_domains {
            let _ = writeln!(out, "<li>{}</li>", shown_html(&suggestion(d)));
        }
        out.push_str("</ul>\n");
    }
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_controls() {
        assert_eq!(
            escape_html("<a href=\"x\">&'\u{1b}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&#x1b;"
        );
    }
}
