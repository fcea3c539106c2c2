//! The aggregate row every billing file is folded into, as stored: its key (account, month,
//! service, capability, region class, unit) and sums, the period a month falls in, and the
//! text of the numbers the fold keeps while reading (the `groups` module holds the fold itself,
//! `line_classes` classifies its lines).

use serde::Serialize;

use crate::parquet::convert;

/// The capability recorded for lines no rule maps.
pub const UNMAPPED: &str = "unmapped";

/// Period granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// Calendar month: `2026-07`.
    Month,
    /// Calendar quarter: `2026-Q3`.
    Quarter,
}

impl Granularity {
    /// The period a `YYYY-MM` month falls in.
    pub fn period(self, month: &str) -> String {
        match self {
            Granularity::Month => month.to_string(),
            Granularity::Quarter => {
                let m: u32 = month.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
                format!("{}-Q{}", &month[..4.min(month.len())], m.div_ceil(3))
            }
        }
    }
}

/// A period asked for: a quarter (`2026-Q3`) or a month (`2026-07`), checked once where it is
/// given, so no step guesses the granularity from the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodSpec {
    text: String,
    granularity: Granularity,
}

impl PeriodSpec {
    /// Parses `YYYY-Qn` (n from 1 to 4) or `YYYY-MM` (01 to 12).
    pub fn parse(text: &str) -> Result<PeriodSpec, String> {
        let b = text.as_bytes();
        let year = b.len() == 7 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-';
        let granularity = match (year, b.get(5), b.get(6)) {
            (true, Some(b'Q'), Some(b'1'..=b'4')) => Granularity::Quarter,
            (true, Some(b'0'), Some(b'1'..=b'9')) | (true, Some(b'1'), Some(b'0'..=b'2')) => Granularity::Month,
            _ => return Err(format!("period {text:?}: expected a quarter (2026-Q3) or a month (2026-07)")),
        };
        Ok(PeriodSpec { text: text.to_string(), granularity })
    }

    /// The text as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Quarter or month.
    pub fn granularity(&self) -> Granularity {
        self.granularity
    }

    /// Whether the month `YYYY-MM` falls in this period.
    pub fn contains(&self, month: &str) -> bool {
        self.granularity.period(month) == self.text
    }
}

/// The key of one aggregate row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Key {
    /// Account.
    pub account: String,
    /// Month (`YYYY-MM`).
    pub month: String,
    /// Service.
    pub service: String,
    /// Capability id, or `unmapped`.
    pub capability: String,
    /// Region class.
    pub region_class: String,
    /// Unit of the quantity.
    pub unit: String,
}

/// The sums of one aggregate row.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Sums {
    /// Quantity in the key's unit.
    pub quantity: f64,
    /// Billed cost.
    pub cost: f64,
    /// Billing lines.
    pub lines: u64,
    /// First day of use.
    pub first: String,
    /// Last day of use.
    pub last: String,
}

impl Sums {
    pub(crate) fn add(&mut self, other: &Sums) {
        self.quantity += other.quantity;
        self.cost += other.cost;
        self.lines += other.lines;
        if self.first.is_empty() || (!other.first.is_empty() && other.first < self.first) {
            self.first = other.first.clone();
        }
        if other.last > self.last {
            self.last = other.last.clone();
        }
    }
}

/// `YYYY-MM` of a month key (`year * 12 + month - 1`).
pub(crate) fn month_text(k: u32) -> String {
    format!("{:04}-{:02}", k / 12, k % 12 + 1)
}

/// `YYYY-MM-DD` of a day number.
pub(crate) fn day_text(d: i32) -> String {
    let (y, m, dd) = convert::civil_from_days(i64::from(d));
    format!("{y:04}-{m:02}-{dd:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_a_quarter_or_a_month_checked_once() {
        let q = PeriodSpec::parse("2026-Q3").expect("quarter");
        assert_eq!((q.granularity(), q.as_str()), (Granularity::Quarter, "2026-Q3"));
        assert!(q.contains("2026-08") && !q.contains("2026-10"));
        let m = PeriodSpec::parse("2026-07").expect("month");
        assert_eq!(m.granularity(), Granularity::Month);
        assert!(m.contains("2026-07") && !m.contains("2026-08"));
        for bad in ["2026-Q5", "2026-Q0", "2026-13", "2026-00", "26-Q1", "2026Q1", "", "2026-Q12"] {
            assert!(PeriodSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quarters() {
        assert_eq!(Granularity::Quarter.period("2026-01"), "2026-Q1");
        assert_eq!(Granularity::Quarter.period("2026-09"), "2026-Q3");
        assert_eq!(Granularity::Quarter.period("2026-10"), "2026-Q4");
        assert_eq!(Granularity::Month.period("2026-10"), "2026-10");
    }
}
