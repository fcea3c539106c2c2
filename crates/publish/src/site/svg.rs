//! SVG bar charts: plain shapes and text, readable without scripts or fonts beyond the
//! system's.

use std::fmt::Write as _;

use super::html::esc;

/// A horizontal bar chart of `rows` (label, value); `unit` names what the value counts.
pub fn bar_chart(title: &str, rows: &[(String, u64)], unit: &str, notice: Option<&str>) -> String {
    let label_w = 330.0;
    let bar_w = 330.0;
    let row_h = 24.0;
    let top = if notice.is_some() { 56.0 } else { 38.0 };
    let height = top + row_h * rows.len().max(1) as f64 + 16.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"{height}\" viewBox=\"0 0 720 {height}\" \
         role=\"img\" aria-labelledby=\"t d\" font-family=\"sans-serif\" font-size=\"13\">\n\
         <title id=\"t\">{t}</title>\n<desc id=\"d\">{t}: {desc}</desc>\n\
         <rect width=\"720\" height=\"{height}\" fill=\"#fff\"/>\n\
         <text x=\"8\" y=\"22\" font-size=\"16\" font-weight=\"bold\">{t}</text>\n",
        t = esc(title),
        desc = esc(&rows.iter().map(|(l, v)| format!("{l} {v} {unit}")).collect::<Vec<_>>().join("; ")),
    );
    if let Some(n) = notice {
        let _ = writeln!(out, "<text x=\"8\" y=\"42\" fill=\"#8a3b00\">{}</text>", esc(n));
    }
    if rows.is_empty() {
        let _ = writeln!(out, "<text x=\"8\" y=\"{}\">nothing to show</text>", top + 16.0);
    }
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let w = (*value as f64 / max * bar_w).max(1.0);
        let _ = writeln!(
            out,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\
             <rect x=\"{bx}\" y=\"{y}\" width=\"{w:.1}\" height=\"{h}\" fill=\"#2f5d8a\"/>\
             <text x=\"{vx:.1}\" y=\"{ty}\">{value} {unit}</text>",
            lx = label_w - 6.0,
            ty = y + 15.0,
            label = esc(label),
            bx = label_w,
            h = row_h - 6.0,
            vx = label_w + w + 6.0,
            unit = esc(unit),
        );
    }
    out.push_str("</svg>\n");
    out
}
