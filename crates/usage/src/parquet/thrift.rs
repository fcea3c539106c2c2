//! The Thrift compact protocol, as much of it as Parquet's footer and page headers use:
//! structs, lists, integers, binary and booleans, with unknown fields skipped. Reading is
//! bounded: list sizes are checked against the bytes left and nesting is limited, so a
//! corrupt footer is an error, never a huge allocation or a stack overflow.

/// Compact-protocol type ids.
pub mod ty {
    /// Boolean true (in a field header).
    pub const TRUE: u8 = 1;
    /// Boolean false (in a field header).
    pub const FALSE: u8 = 2;
    /// 8-bit integer.
    pub const BYTE: u8 = 3;
    /// 16-bit integer.
    pub const I16: u8 = 4;
    /// 32-bit integer.
    pub const I32: u8 = 5;
    /// 64-bit integer.
    pub const I64: u8 = 6;
    /// Double.
    pub const DOUBLE: u8 = 7;
    /// Binary or string.
    pub const BINARY: u8 = 8;
    /// List.
    pub const LIST: u8 = 9;
    /// Set.
    pub const SET: u8 = 10;
    /// Map.
    pub const MAP: u8 = 11;
    /// Struct.
    pub const STRUCT: u8 = 12;
}

const MAX_DEPTH: u32 = 64;

/// A decoding failure; the caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThriftError(pub String);

type Result<T> = std::result::Result<T, ThriftError>;

fn err<T>(msg: impl Into<String>) -> Result<T> {
    Err(ThriftError(msg.into()))
}

/// Reads compact-protocol values from a byte slice.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    depth: u32,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0, depth: 0 }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    fn byte(&mut self) -> Result<u8> {
        let b = *self.buf.get(self.pos).ok_or_else(|| ThriftError("truncated".into()))?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return err("varint overflows 64 bits");
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        err("varint too long")
    }

    /// A zigzag-encoded integer (i16, i32 and i64 are all written this way).
    pub fn i64(&mut self) -> Result<i64> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// An i32.
    pub fn i32(&mut self) -> Result<i32> {
        i32::try_from(self.i64()?).or_else(|_| err("i32 out of range"))
    }

    /// Binary or string bytes.
    pub fn binary(&mut self) -> Result<&'a [u8]> {
        let len = self.varint()?;
        let len = usize::try_from(len).or_else(|_| err("binary length out of range"))?;
        if len > self.buf.len() - self.pos {
            return err("binary longer than the data left");
        }
        let s = &self.buf[self.pos..self.pos + len];
        self.pos += len;
        Ok(s)
    }

    /// A UTF-8 string.
    pub fn string(&mut self) -> Result<String> {
        let b = self.binary()?;
        String::from_utf8(b.to_vec()).or_else(|_| err("string is not UTF-8"))
    }

    /// The next field header of the current struct: `(field id, type)`, or `None` at its end.
    /// `last` carries the previous field id (start each struct with 0).
    pub fn field(&mut self, last: &mut i16) -> Result<Option<(i16, u8)>> {
        let b = self.byte()?;
        if b == 0 {
            return Ok(None);
        }
        let delta = b >> 4;
        let t = b & 0x0f;
        let id = if delta == 0 {
            i16::try_from(self.i64()?).or_else(|_| err("field id out of range"))?
        } else {
            last.checked_add(i16::from(delta)).ok_or_else(|| ThriftError("field id out of range".into()))?
        };
        *last = id;
        Ok(Some((id, t)))
    }

    /// A list (or set) header: `(element type, size)`. The size is checked against the data
    /// left (every element takes at least one byte).
    pub fn list(&mut self) -> Result<(u8, usize)> {
        let b = self.byte()?;
        let t = b & 0x0f;
        let size = if b >> 4 == 15 { self.varint()? } else { u64::from(b >> 4) };
        let size = usize::try_from(size).or_else(|_| err("list size out of range"))?;
        if size > self.buf.len() - self.pos {
            return err("list longer than the data left");
        }
        Ok((t, size))
    }

    /// Enters a nested struct (call [`Reader::leave`] after its end).
    pub fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err("nesting too deep");
        }
        Ok(())
    }

    /// Leaves a nested struct.
    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Skips a value of type `t`.
    pub fn skip(&mut self, t: u8) -> Result<()> {
        match t {
            ty::TRUE | ty::FALSE => Ok(()),
            ty::BYTE => self.byte().map(drop),
            ty::I16 | ty::I32 | ty::I64 => self.varint().map(drop),
            ty::DOUBLE => {
                if self.buf.len() - self.pos < 8 {
                    return err("truncated");
                }
                self.pos += 8;
                Ok(())
            }
            ty::BINARY => self.binary().map(drop),
            ty::LIST | ty::SET => {
                let (et, n) = self.list()?;
                self.enter()?;
                for _ in 0..n {
                    // Booleans inside lists are one byte each.
                    if et == ty::TRUE || et == ty::FALSE { self.byte().map(drop)? } else { self.skip(et)? }
                }
                self.leave();
                Ok(())
            }
            ty::MAP => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                if n > (self.buf.len() - self.pos) as u64 {
                    return err("map longer than the data left");
                }
                let kv = self.byte()?;
                self.enter()?;
                for _ in 0..n {
                    self.skip(kv >> 4)?;
                    self.skip(kv & 0x0f)?;
                }
                self.leave();
                Ok(())
            }
            ty::STRUCT => {
                self.enter()?;
                let mut last = 0;
                while let Some((_, t)) = self.field(&mut last)? {
                    self.skip(t)?;
                }
                self.leave();
                Ok(())
            }
            other => err(format!("unknown type {other}")),
        }
    }
}

/// Writes compact-protocol values.
#[derive(Default)]
pub struct Writer {
    /// The bytes written.
    pub buf: Vec<u8>,
    last: Vec<i16>,
}

impl Writer {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    fn zigzag(&mut self, v: i64) {
        self.varint(((v << 1) ^ (v >> 63)) as u64);
    }

    fn header(&mut self, id: i16, t: u8) {
        let last = self.last.last().copied().unwrap_or(0);
        let delta = id - last;
        if (1..=15).contains(&delta) {
            self.buf.push(((delta as u8) << 4) | t);
        } else {
            self.buf.push(t);
            self.zigzag(i64::from(id));
        }
        if let Some(l) = self.last.last_mut() {
            *l = id;
        }
    }

    /// Starts a struct (the top-level one too).
    pub fn begin(&mut self) {
        self.last.push(0);
    }

    /// Ends a struct.
    pub fn end(&mut self) {
        self.buf.push(0);
        self.last.pop();
    }

    /// Starts a struct-valued field.
    pub fn struct_field(&mut self, id: i16) {
        self.header(id, ty::STRUCT);
        self.begin();
    }

    /// An i32 field.
    pub fn i32_field(&mut self, id: i16, v: i32) {
        self.header(id, ty::I32);
        self.zigzag(i64::from(v));
    }

    /// An i64 field.
    pub fn i64_field(&mut self, id: i16, v: i64) {
        self.header(id, ty::I64);
        self.zigzag(v);
    }

    /// A bool field.
    pub fn bool_field(&mut self, id: i16, v: bool) {
        self.header(id, if v { ty::TRUE } else { ty::FALSE });
    }

    /// A string field.
    pub fn string_field(&mut self, id: i16, v: &str) {
        self.header(id, ty::BINARY);
        self.varint(v.len() as u64);
        self.buf.extend_from_slice(v.as_bytes());
    }

    /// Starts a list field of `n` elements of type `t`; then write the elements.
    pub fn list_field(&mut self, id: i16, t: u8, n: usize) {
        self.header(id, ty::LIST);
        if n < 15 {
            self.buf.push(((n as u8) << 4) | t);
        } else {
            self.buf.push(0xf0 | t);
            self.varint(n as u64);
        }
    }

    /// An i32 list element.
    pub fn i32_elem(&mut self, v: i32) {
        self.zigzag(i64::from(v));
    }

    /// A string list element.
    pub fn string_elem(&mut self, v: &str) {
        self.varint(v.len() as u64);
        self.buf.extend_from_slice(v.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_structs_read_back_and_unknown_fields_skip() {
        let mut w = Writer::default();
        w.begin();
        w.i32_field(1, -7);
        w.string_field(2, "name");
        w.list_field(3, ty::BINARY, 2);
        w.string_elem("a");
        w.string_elem("b");
        w.struct_field(40);
        w.bool_field(1, true);
        w.i64_field(2, 1 << 40);
        w.end();
        w.i64_field(41, 5);
        w.end();
        let mut r = Reader::new(&w.buf);
        let mut last = 0;
        let mut seen = Vec::new();
        while let Some((id, t)) = r.field(&mut last).expect("field") {
            match id {
                1 => assert_eq!(r.i32().expect("i32"), -7),
                2 => assert_eq!(r.string().expect("s"), "name"),
                41 => assert_eq!(r.i64().expect("i64"), 5),
                _ => r.skip(t).expect("skip"),
            }
            seen.push(id);
        }
        assert_eq!(seen, vec![1, 2, 3, 40, 41]);
        assert_eq!(r.position(), w.buf.len());
    }

    #[test]
    fn corrupt_input_is_an_error_not_a_panic() {
        for bad in [&[0x19, 0xfc][..], &[0x18, 0xff, 0xff, 0xff, 0xff, 0x0f], &[0x1c; 200], &[0x15]] {
            let mut r = Reader::new(bad);
            assert!(r.skip(ty::STRUCT).is_err(), "{bad:?}");
        }
    }
}
