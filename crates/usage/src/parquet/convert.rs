//! Parquet values as what candor reads them as: text, amounts and days. Each function takes
//! one value's bytes and the column's types; the reader calls them once per table entry.

use std::borrow::Cow;

use super::meta::{Leaf, Logical, Physical, TimeUnit};

type Result<T> = std::result::Result<T, String>;

/// The Julian day number of 1970-01-01 (INT96 timestamps count Julian days).
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

/// A value as text (numbers are written out; text must be UTF-8).
pub fn text<'a>(leaf: &Leaf, v: &'a [u8]) -> Result<Cow<'a, str>> {
    Ok(match leaf.physical {
        Physical::ByteArray | Physical::FixedLen(_) => {
            Cow::Borrowed(std::str::from_utf8(v).map_err(|_| "text is not UTF-8".to_string())?)
        }
        Physical::Int32 => Cow::Owned(le_i32(v).to_string()),
        Physical::Int64 => Cow::Owned(le_i64(v).to_string()),
        p => return Err(format!("{} is not text", p.name())),
    })
}

fn le_i32(v: &[u8]) -> i32 {
    i32::from_le_bytes(v.try_into().unwrap_or([0; 4]))
}

fn le_i64(v: &[u8]) -> i64 {
    i64::from_le_bytes(v.try_into().unwrap_or([0; 8]))
}

fn scaled(n: f64, leaf: &Leaf) -> f64 {
    match leaf.logical {
        Logical::Decimal { scale } if scale > 0 => n / 10f64.powi(scale.min(300) as i32),
        _ => n,
    }
}

/// A value as an amount (DOUBLE, FLOAT, integers and decimals; numeric text).
pub fn number(leaf: &Leaf, v: &[u8]) -> Result<f64> {
    let n = any_number(leaf, v)?;
    if n.is_finite() { Ok(n) } else { Err(format!("{n} is not a finite number")) }
}

fn any_number(leaf: &Leaf, v: &[u8]) -> Result<f64> {
    Ok(match (leaf.physical, leaf.logical) {
        (Physical::Double, _) => f64::from_le_bytes(v.try_into().unwrap_or([0; 8])),
        (Physical::Float, _) => f64::from(f32::from_le_bytes(v.try_into().unwrap_or([0; 4]))),
        (Physical::Int32, _) => scaled(f64::from(le_i32(v)), leaf),
        (Physical::Int64, _) => scaled(le_i64(v) as f64, leaf),
        (Physical::FixedLen(_) | Physical::ByteArray, Logical::Decimal { .. }) => {
            // Big-endian two's complement, up to 16 bytes.
            if v.len() > 16 {
                return Err(format!("decimal of {} bytes is too wide", v.len()));
            }
            let mut n: i128 = if v.first().is_some_and(|b| b & 0x80 != 0) { -1 } else { 0 };
            for &b in v {
                n = (n << 8) | i128::from(b);
            }
            scaled(n as f64, leaf)
        }
        (Physical::ByteArray, _) => {
            let s = std::str::from_utf8(v).map_err(|_| "text is not UTF-8".to_string())?.trim();
            if s.is_empty() || s == "NULL" { 0.0 } else { s.parse().map_err(|_| format!("{s:?} is not a number"))? }
        }
        (p, _) => return Err(format!("{} is not a number", p.name())),
    })
}

/// A value as a day: days since 1970-01-01 (timestamps, dates, date-time text).
pub fn day(leaf: &Leaf, v: &[u8]) -> Result<i32> {
    let days = match (leaf.physical, leaf.logical) {
        (Physical::Int96, _) => {
            // Nanoseconds of the day (8 bytes), then the Julian day (4 bytes), little-endian.
            let nanos = le_i64(&v[..8]);
            let julian = i64::from(le_i32(&v[8..12]));
            julian - UNIX_EPOCH_JULIAN_DAY + nanos.div_euclid(86_400_000_000_000)
        }
        (Physical::Int64, Logical::Timestamp { unit, .. }) => {
            let per_day: i64 = match unit {
                TimeUnit::Millis => 86_400_000,
                TimeUnit::Micros => 86_400_000_000,
                TimeUnit::Nanos => 86_400_000_000_000,
            };
            le_i64(v).div_euclid(per_day)
        }
        (Physical::Int32, Logical::Date) => i64::from(le_i32(v)),
        (Physical::ByteArray, _) => {
            let s = std::str::from_utf8(v).map_err(|_| "text is not UTF-8".to_string())?;
            let (y, m, d) = parse_date(s).ok_or_else(|| format!("{s:?} is not a date-time"))?;
            days_from_civil(y, m, d)
        }
        (p, l) => return Err(format!("{} ({l:?}) is not a date-time", p.name())),
    };
    i32::try_from(days).map_err(|_| "date out of range".to_string())
}

/// `(year, month, day)` of text starting `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<(i64, u32, u32)> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if b.len() < 10 || !digits(0..4) || b[4] != b'-' || !digits(5..7) || b[7] != b'-' || !digits(8..10) {
        return None;
    }
    let (y, m, d) = (s[..4].parse().ok()?, s[5..7].parse().ok()?, s[8..10].parse().ok()?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(physical: Physical, logical: Logical) -> Leaf {
        Leaf { path: vec!["c".into()], physical, logical, max_def: 1, max_rep: 0 }
    }

    #[test]
    fn days_round_trip_and_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2026, 7, 1), 20_635);
        for z in [-800_000, -1, 0, 59, 60, 11_016, 20_635, 2_000_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn int96_int64_and_text_timestamps_agree() {
        let day = 20_635i64; // 2026-07-01
        let mut int96 = Vec::new();
        int96.extend_from_slice(&(13 * 3_600_000_000_000i64).to_le_bytes());
        int96.extend_from_slice(&((day + UNIX_EPOCH_JULIAN_DAY) as i32).to_le_bytes());
        let micros = (day * 86_400 + 13 * 3600) * 1_000_000;
        let ts = Logical::Timestamp { unit: TimeUnit::Micros, utc: true };
        assert_eq!(super::day(&leaf(Physical::Int96, Logical::None), &int96), Ok(day as i32));
        assert_eq!(super::day(&leaf(Physical::Int64, ts), &micros.to_le_bytes()), Ok(day as i32));
        let text = leaf(Physical::ByteArray, Logical::String);
        assert_eq!(super::day(&text, b"2026-07-01 13:00:00"), Ok(day as i32));
        assert!(super::day(&text, b"July 1st").is_err());
        assert!(super::day(&leaf(Physical::Int64, Logical::None), &micros.to_le_bytes()).is_err());
    }

    #[test]
    fn decimals_are_scaled() {
        let dec = Logical::Decimal { scale: 10 };
        assert_eq!(number(&leaf(Physical::Int64, dec), &10_000_000i64.to_le_bytes()), Ok(0.001));
        assert_eq!(number(&leaf(Physical::FixedLen(2), Logical::Decimal { scale: 2 }), &[0xff, 0x38]), Ok(-2.0));
        assert_eq!(number(&leaf(Physical::ByteArray, Logical::String), b"NULL"), Ok(0.0));
        assert!(number(&leaf(Physical::ByteArray, Logical::String), b"ten").is_err());
    }
}
