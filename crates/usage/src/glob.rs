//! The taxonomy's text patterns.

/// A case-insensitive pattern where `*` matches any run of characters.
#[derive(Debug, Clone)]
pub(crate) struct Glob {
    // The lowercased pattern as written, for SQL LIKE generation.
    pub(crate) source: String,
    parts: Vec<String>,
    anchored_start: bool,
    anchored_end: bool,
}

impl Glob {
    pub(crate) fn new(pattern: &str) -> Glob {
        let p = pattern.to_lowercase();
        Glob {
            source: p.clone(),
            anchored_start: !p.starts_with('*'),
            anchored_end: !p.ends_with('*'),
            parts: p.split('*').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        }
    }

    /// Matches a lowercased text.
    pub(crate) fn matches(&self, text: &str) -> bool {
        if self.parts.is_empty() {
            return !self.anchored_start || text.is_empty();
        }
        let mut at = 0;
        for (i, part) in self.parts.iter().enumerate() {
            let last = i == self.parts.len() - 1;
            if i == 0 && self.anchored_start {
                if !text.starts_with(part.as_str()) {
                    return false;
                }
                at = part.len();
                if last && self.anchored_end {
                    return text.len() == part.len();
                }
                continue;
            }
            if last && self.anchored_end {
                return text.len() >= at + part.len() && text.ends_with(part.as_str());
            }
            match text[at..].find(part.as_str()) {
                Some(pos) => at += pos + part.len(),
                None => return false,
            }
        }
        true
    }
}
