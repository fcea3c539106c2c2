//! Progress on a terminal and JSON on stdout, as the `candor` binary prints them.

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on stderr for `total` items; hidden when stderr is not a terminal.
pub fn progress(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(&format!(
        "{{spinner}} {what} [{{bar:30}}] {{human_pos}}/{{human_len}} ({{eta}} left)"
    )) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Prints a JSON value on stdout.
pub fn print_json(value: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()));
}
