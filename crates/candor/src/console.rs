//! What the command shows on the console: progress bars that only draw on a terminal, JSON on
//! stdout, request logs on stderr; and key arguments that may be a string or a file.

use std::path::Path;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on stderr for `total` items; hidden when stderr is not a terminal.
pub fn progress(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(&format!(
        "{{spinner}} {what} [{{bar:30}}] {{human_pos}}/{{human_len}} ({{per_sec}}, {{eta}} left)"
    )) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Reads a verifier key given on the command line as the key itself or a file holding it.
pub fn vkey_arg(arg: &str) -> Result<tlog::Verifier> {
    let text = if Path::new(arg).is_file() {
        std::fs::read_to_string(arg).with_context(|| format!("reading verifier key file {arg}"))?
    } else {
        arg.to_string()
    };
    tlog::Verifier::from_vkey(text.trim()).with_context(|| format!("--vkey {arg:?}"))
}

/// Prints a report on stdout: as JSON with `--json`, else as its text. Both come from the
/// same struct (`Serialize` and `Display`), so they say the same thing.
pub fn emit<T: serde::Serialize + std::fmt::Display>(value: &T, json: bool) -> Result<()> {
    if json {
        print_json(&serde_json::to_value(value)?);
    } else {
        print!("{value}");
    }
    Ok(())
}

/// Prints a report that is a long list (`value`, whose rows are `rows`) like [`emit`], one row
/// at a time: the JSON is the same text [`emit`] prints, without the whole list held as JSON.
pub fn emit_rows<T: std::fmt::Display, R: serde::Serialize>(value: &T, rows: &[R], json: bool) -> Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        write_rows_json(rows, &mut out)?;
    } else {
        write!(out, "{value}")?;
    }
    Ok(out.flush()?)
}

/// `rows` as the pretty JSON list [`print_json`] prints, written one row at a time.
fn write_rows_json<R: serde::Serialize>(rows: &[R], out: &mut dyn std::io::Write) -> Result<()> {
    if rows.is_empty() {
        writeln!(out, "[]")?;
        return Ok(());
    }
    writeln!(out, "[")?;
    for (i, row) in rows.iter().enumerate() {
        // Each row as it is printed inside the list: its own pretty text, two spaces in.
        let text = serde_json::to_string_pretty(&serde_json::to_value(row)?)?;
        for (j, line) in text.lines().enumerate() {
            if j > 0 {
                writeln!(out)?;
            }
            write!(out, "  {line}")?;
        }
        writeln!(out, "{}", if i + 1 < rows.len() { "," } else { "" })?;
    }
    writeln!(out, "]")?;
    Ok(())
}

/// Prints several reports like [`emit`]: a JSON array, or each one's text.
pub fn emit_all<T: serde::Serialize + std::fmt::Display>(values: &[T], json: bool) -> Result<()> {
    if json {
        print_json(&serde_json::to_value(values)?);
    } else {
        values.iter().for_each(|v| print!("{v}"));
    }
    Ok(())
}

/// Runs a move to PostgreSQL with a progress line naming the table being copied.
pub fn moving<T, E>(what: &str, run: impl FnOnce(&mut dyn FnMut(&str, u64)) -> Result<T, E>) -> Result<T, E> {
    let bar = progress(0, &format!("moving {what}"));
    let out = run(&mut |table, n| {
        bar.set_message(format!("moving {table}"));
        bar.set_position(n);
    });
    bar.finish_and_clear();
    out
}

/// Prints a JSON value on stdout.
pub fn print_json(value: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()));
}

/// Structured request logs on stderr (a server's); never headers, so never tokens.
pub fn init_request_logs() {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(ansi).with_target(false).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_written_row_by_row_is_the_json_printed_whole() {
        #[derive(serde::Serialize)]
        struct Row {
            zeta: &'static str,
            alpha: Vec<u32>,
            nested: Option<serde_json::Value>,
        }
        let rows = [
            Row { zeta: "a \"quoted\"\nline", alpha: vec![1, 2], nested: Some(serde_json::json!({"b": [], "a": {}})) },
            Row { zeta: "é", alpha: vec![], nested: None },
        ];
        for n in 0..=rows.len() {
            let mut out = Vec::new();
            write_rows_json(&rows[..n], &mut out).expect("write");
            let whole = serde_json::to_string_pretty(&serde_json::to_value(&rows[..n]).expect("value")).expect("text");
            assert_eq!(String::from_utf8(out).expect("utf8"), format!("{whole}\n"), "{n} rows");
        }
    }
}
