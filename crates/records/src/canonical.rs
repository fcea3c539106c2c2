//! The JSON Canonicalization Scheme (RFC 8785): no whitespace; object members sorted by the
//! UTF-16 code units of their names; strings with only the escapes JSON requires (`\"`,
//! `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other controls as `\u00xx`); numbers as ECMAScript
//! writes an IEEE-754 double.
//!
//! Integers beyond ±2^53 are refused rather than rounded: a disclosure must not change a
//! number silently. NaN and infinities cannot occur in JSON values.

use serde_json::Value;

/// Why a value cannot be canonicalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An integer a double cannot hold exactly.
    #[error("the integer {0} is beyond ±2^53, which JSON numbers (doubles) cannot hold exactly")]
    IntegerTooLarge(String),
    /// A number that is not finite.
    #[error("a number that is not finite")]
    NotFinite,
}

/// The canonical bytes of a JSON value.
pub fn to_vec(v: &Value) -> Result<Vec<u8>, Error> {
    let mut out = String::new();
    write_value(v, &mut out)?;
    Ok(out.into_bytes())
}

/// `value` as JSON with every object's members in canonical order, as a reader of its
/// entry sees them (whatever order the type declares its fields in).
pub fn ordered<T: serde::Serialize>(value: &T) -> serde_json::Value {
    let v = serde_json::to_value(value).unwrap_or(Value::Null);
    to_vec(&v).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(v)
}

/// The canonical text of a JSON value.
pub fn to_string(v: &Value) -> Result<String, Error> {
    let mut out = String::new();
    write_value(v, &mut out)?;
    Ok(out)
}

fn write_value(v: &Value, out: &mut String) -> Result<(), Error> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n, out)?,
        Value::String(s) => write_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(x, out)?;
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_value(&m[k], out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

const MAX_SAFE: u64 = 1 << 53;

fn write_number(n: &serde_json::Number, out: &mut String) -> Result<(), Error> {
    if let Some(u) = n.as_u64() {
        if u > MAX_SAFE {
            return Err(Error::IntegerTooLarge(u.to_string()));
        }
        out.push_str(&u.to_string());
        return Ok(());
    }
    if let Some(i) = n.as_i64() {
        if i.unsigned_abs() > MAX_SAFE {
            return Err(Error::IntegerTooLarge(i.to_string()));
        }
        out.push_str(&i.to_string());
        return Ok(());
    }
    let f = n.as_f64().ok_or(Error::NotFinite)?;
    out.push_str(&es_number(f)?);
    Ok(())
}

/// ECMAScript's Number::toString for a double (ECMA-262, 7.1.12.1), from Rust's shortest
/// round-trip digits.
pub fn es_number(f: f64) -> Result<String, Error> {
    if !f.is_finite() {
        return Err(Error::NotFinite);
    }
    if f == 0.0 {
        return Ok("0".into());
    }
    let sign = if f < 0.0 { "-" } else { "" };
    // `{:e}` gives the shortest digits that round-trip: d.ddddde±x.
    let e = format!("{:e}", f.abs());
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let n = exp + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let sign_e = if e < 0 { "-" } else { "+" };
        if k == 1 {
            format!("{digits}e{sign_e}{}", e.abs())
        } else {
            format!("{}.{}e{sign_e}{}", &digits[..1], &digits[1..], e.abs())
        }
    };
    Ok(format!("{sign}{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_of_rfc_8785_section_3_2_2() {
        let input = r#"{
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#;
        let v: Value = serde_json::from_str(input).expect("json");
        assert_eq!(
            to_string(&v).expect("canonical"),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }

    #[test]
    fn numbers_as_ecmascript_writes_them() {
        // From RFC 8785 appendix B and ECMA-262.
        for (bits, want) in [
            (0x0000_0000_0000_0000u64, "0"),
            (0x8000_0000_0000_0000, "0"),
            (0x0000_0000_0000_0001, "5e-324"),
            (0x8000_0000_0000_0001, "-5e-324"),
            (0x7fef_ffff_ffff_ffff, "1.7976931348623157e+308"),
            (0x4340_0000_0000_0000, "9007199254740992"),
            (0xc340_0000_0000_0000, "-9007199254740992"),
            (0x4430_0000_0000_0000, "295147905179352830000"),
            (0x44b5_2d02_c7e1_4af5, "9.999999999999997e+22"),
            (0x44b5_2d02_c7e1_4af6, "1e+23"),
            (0x44b5_2d02_c7e1_4af7, "1.0000000000000001e+23"),
            (0x444b_1ae4_d6e2_ef4e, "999999999999999700000"),
            (0x444b_1ae4_d6e2_ef50, "1e+21"),
            (0x3eb0_c6f7_a0b5_ed8d, "0.000001"),
            (0x3eb0_c6f7_a0b5_ed8e, "0.0000010000000000000002"),
            (0x41b3_de43_5555_5553, "333333333.3333332"),
            (0x41b3_de43_5555_5554, "333333333.33333325"),
            (0x41b3_de43_5555_5555, "333333333.3333333"),
            (0x4037_0000_0000_0000, "23"),
            (0x3ea5_798e_e230_8c3a, "6.4e-7"),
        ] {
            assert_eq!(es_number(f64::from_bits(bits)).expect("finite"), want, "{bits:#x}");
        }
        assert!(es_number(f64::NAN).is_err());
    }

    #[test]
    fn keys_sort_by_utf16_and_big_integers_are_refused() {
        let v = serde_json::json!({"\u{20ac}": 1, "\r": 2, "\u{1f600}": 3, "1": 4, "\u{80}": 5, "\u{fb33}": 6});
        let s = to_string(&v).expect("canonical");
        // RFC 8785 3.2.3: "\r", "1", "\u0080", "€", "😀" (a surrogate pair, D83D), "שׂ" (FB33).
        let order: Vec<usize> = ["\\r", "\"1\"", "\u{80}", "\u{20ac}", "\u{1f600}", "\u{fb33}"]
            .iter()
            .map(|k| s.find(k).expect("key"))
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{s}");
        assert!(to_vec(&serde_json::json!({"n": 9_007_199_254_740_993u64})).is_err());
        assert_eq!(
            to_string(&serde_json::json!({"n": -9_007_199_254_740_992i64})).expect("ok"),
            r#"{"n":-9007199254740992}"#
        );
    }
}
