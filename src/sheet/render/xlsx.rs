//! The sheet as a workbook: APP基础信息 (with the icon), 使用外部SDK, one sheet
//! per platform, 域名建议 and 问题. Every value cell is text (`@`), so a
//! spreadsheet never turns a 40-digit hex or a 600-digit modulus into a number.

use super::{
    is_missing, problems, sdk_cells, DRAFT_NOTICE, PROBLEM_HEADERS, SDK_HEADERS, SDK_SECTION,
    SUGGESTIONS,
};
use crate::sheet::{Field, Sheet};
use rust_xlsxwriter::{Color, DocProperties, Format, Image, Workbook, Worksheet, XlsxError};

/// The icon's size on the sheet, in pixels, and the height of its row, in points.
const ICON_PIXELS: u32 = 96;
const ICON_ROW_POINTS: f64 = 76.0;

const FIELD_HEADERS: [&str; 2] = ["字段", "值"];
const SUGGESTION_HEADERS: [&str; 6] = [
    "主机 Host",
    "可备案域名 Registrable domain",
    "级别 Levels",
    "来源 Sources",
    "次数 Count",
    "第三方 Third party",
];

struct Styles {
    header: Format,
    /// Text, wrapped: the value cells.
    text: Format,
    /// A required value the sheet lacks: left empty, coloured.
    missing: Format,
    /// An SDK row no one has confirmed yet.
    unconfirmed: Format,
    banner: Format,
}

impl Styles {
    fn new() -> Styles {
        let text = Format::new().set_num_format("@").set_text_wrap();
        Styles {
            header: Format::new().set_bold().set_num_format("@"),
            missing: text.clone().set_background_color(Color::RGB(0xFDE2E2)),
            unconfirmed: text.clone().set_background_color(Color::RGB(0xFFF4D6)),
            text,
            banner: Format::new()
                .set_bold()
                .set_num_format("@")
                .set_font_color(Color::White)
                .set_background_color(Color::RGB(0xB00020)),
        }
    }
}

/// A worksheet with its column headers (under the draft banner in a draft); the
/// first row of data.
fn table<'a>(
    book: &'a mut Workbook,
    sheet: &Sheet,
    styles: &Styles,
    name: &str,
    headers: &[&str],
    widths: &[f64],
) -> Result<(&'a mut Worksheet, u32), XlsxError> {
    let ws = book.add_worksheet();
    ws.set_name(name)?;
    for (col, width) in (0u16..).zip(widths) {
        ws.set_column_width(col, *width)?;
    }
    let mut row = 0;
    if sheet.draft {
        let last = u16::try_from(headers.len().saturating_sub(1)).unwrap_or(0);
        match last {
            0 => ws.write_string_with_format(0, 0, DRAFT_NOTICE, &styles.banner)?,
            _ => ws.merge_range(0, 0, 0, last, DRAFT_NOTICE, &styles.banner)?,
        };
        ws.set_tab_color(Color::RGB(0xB00020));
        row = 1;
    }
    for (col, header) in (0u16..).zip(headers) {
        ws.write_string_with_format(row, col, *header, &styles.header)?;
    }
    ws.set_freeze_panes(row + 1, 0)?;
    Ok((ws, row + 1))
}

/// Label and value rows from `row` on; a missing value is an empty coloured cell.
/// Returns the row after the last.
fn fields(
    ws: &mut Worksheet,
    mut row: u32,
    fields: &[Field],
    styles: &Styles,
) -> Result<u32, XlsxError> {
    for field in fields {
        ws.write_string_with_format(row, 0, &field.label, &styles.text)?;
        match is_missing(field) {
            true => ws.write_blank(row, 1, &styles.missing)?,
            false => ws.write_string_with_format(row, 1, &field.value, &styles.text)?,
        };
        row += 1;
    }
    Ok(row)
}

pub(super) fn workbook(sheet: &Sheet) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let styles = Styles::new();
    let title = match sheet.draft {
        true => format!("【草稿 DRAFT】{} APP备案", sheet.provider_name),
        false => format!("{} APP备案", sheet.provider_name),
    };
    book.set_properties(&DocProperties::new().set_title(title));

    let (ws, first) = table(
        &mut book,
        sheet,
        &styles,
        "APP基础信息",
        &FIELD_HEADERS,
        &[18.0, 100.0, 16.0],
    )?;
    fields(ws, first, &sheet.basic, &styles)?;
    if let (Some(icon), Some(at)) = (
        &sheet.icon,
        sheet.basic.iter().position(|f| f.key == "icon"),
    ) {
        let row = first + u32::try_from(at).unwrap_or(0);
        let image = Image::new_from_buffer(&icon.png)?
            .set_scale_to_size(ICON_PIXELS, ICON_PIXELS, true)
            .set_alt_text("APP图标");
        ws.set_row_height(row, ICON_ROW_POINTS)?;
        ws.insert_image(row, 2, &image)?;
    }

    if !sheet.sdks.is_empty() {
        let (ws, mut row) = table(
            &mut book,
            sheet,
            &styles,
            SDK_SECTION,
            &SDK_HEADERS,
            &[14.0, 36.0, 30.0, 50.0, 18.0],
        )?;
        for sdk in &sheet.sdks {
            let style = match sdk.confirmed {
                true => &styles.text,
                false => &styles.unconfirmed,
            };
            for (col, cell) in (0u16..).zip(sdk_cells(sdk)) {
                ws.write_string_with_format(row, col, cell, style)?;
            }
            row += 1;
        }
    }

    for platform in &sheet.platforms {
        let (ws, mut row) = table(
            &mut book,
            sheet,
            &styles,
            &platform.label,
            &FIELD_HEADERS,
            &[18.0, 100.0],
        )?;
        for (i, package) in platform.packages.iter().enumerate() {
            if platform.packages.len() > 1 {
                ws.write_string_with_format(row, 0, format!("#{}", i + 1), &styles.header)?;
                ws.write_string_with_format(row, 1, &package.source, &styles.header)?;
                row += 1;
            }
            if !package.not_valid.is_empty() {
                let why = format!("not valid for filing: {}", package.not_valid.join("; "));
                ws.write_string_with_format(row, 0, "✘ 不可备案", &styles.missing)?;
                ws.write_string_with_format(row, 1, why, &styles.missing)?;
                row += 1;
            }
            row = fields(ws, row, &package.fields, &styles)?;
        }
        for domain in &platform.domains {
            ws.write_string_with_format(row, 0, "域名", &styles.text)?;
            ws.write_string_with_format(row, 1, domain, &styles.text)?;
            row += 1;
        }
    }

    if !sheet.suggested_domains.is_empty() {
        let (ws, mut row) = table(
            &mut book,
            sheet,
            &styles,
            SUGGESTIONS,
            &SUGGESTION_HEADERS,
            &[36.0, 24.0, 10.0, 30.0, 10.0, 20.0],
        )?;
        for d in &sheet.suggested_domains {
            ws.write_string_with_format(row, 0, &d.host, &styles.text)?;
            ws.write_string_with_format(row, 1, &d.registrable_domain, &styles.text)?;
            ws.write_number(row, 2, d.level as f64)?;
            ws.write_string_with_format(row, 3, d.sources.join(", "), &styles.text)?;
            ws.write_number(row, 4, d.count as f64)?;
            let owner = d.third_party.as_deref().unwrap_or_default();
            ws.write_string_with_format(row, 5, owner, &styles.text)?;
            row += 1;
        }
    }

    if !sheet.errors.is_empty() || !sheet.warnings.is_empty() {
        let (ws, mut row) = table(
            &mut book,
            sheet,
            &styles,
            "问题",
            &PROBLEM_HEADERS,
            &[14.0, 24.0, 100.0],
        )?;
        for (severity, issue) in problems(sheet) {
            ws.write_string_with_format(row, 0, severity.words(), &styles.text)?;
            ws.write_string_with_format(row, 1, &issue.field, &styles.text)?;
            ws.write_string_with_format(row, 2, &issue.message, &styles.text)?;
            row += 1;
        }
    }
    book.save_to_buffer()
}
