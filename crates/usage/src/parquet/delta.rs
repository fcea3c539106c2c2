//! The encodings newer writers use for data pages v2 (DuckDB's `parquet_version v2`, Spark
//! and parquet-mr with the v2 writer): DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
//! DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT. Each is turned into PLAIN bytes, so the rest of
//! the reader has one path; these pages are rarer than dictionary pages in billing data, and
//! the copy keeps the code small.

use super::meta::Physical;

type Result<T> = std::result::Result<T, String>;

fn zigzag(buf: &[u8], pos: &mut usize) -> Result<i64> {
    let v = uleb(buf, pos)?;
    Ok((v >> 1) as i64 ^ -((v & 1) as i64))
}

/// Decodes DELTA_BINARY_PACKED integers; returns them and the bytes consumed.
pub fn delta_binary_packed(buf: &[u8]) -> Result<(Vec<i64>, usize)> {
    let mut pos = 0;
    let block = usize::try_from(uleb(buf, &mut pos)?).map_err(|_| "block size out of range")?;
    let miniblocks = usize::try_from(uleb(buf, &mut pos)?).map_err(|_| "miniblock count out of range")?;
    let total = usize::try_from(uleb(buf, &mut pos)?).map_err(|_| "value count out of range")?;
    let mut last = zigzag(buf, &mut pos)?;
    if block == 0 || miniblocks == 0 || block % 128 != 0 || block % miniblocks != 0 || (block / miniblocks) % 32 != 0 {
        return Err(format!("bad delta block layout ({block} values in {miniblocks} miniblocks)"));
    }
    if total > buf.len().saturating_mul(64).saturating_add(1) {
        return Err("more delta values than the page can hold".into());
    }
    let per_mini = block / miniblocks;
    let mut out = Vec::with_capacity(total);
    if total > 0 {
        out.push(last);
    }
    while out.len() < total {
        let min_delta = zigzag(buf, &mut pos)?;
        let widths = buf.get(pos..pos + miniblocks).ok_or("truncated delta block")?.to_vec();
        pos += miniblocks;
        for &w in &widths {
            if out.len() >= total {
                break;
            }
            let w = u32::from(w);
            if w > 64 {
                return Err(format!("delta bit width {w}"));
            }
            let bytes = per_mini * w as usize / 8;
            let data = buf.get(pos..pos + bytes).ok_or("truncated delta miniblock")?;
            pos += bytes;
            for i in 0..per_mini {
                if out.len() >= total {
                    break;
                }
                let delta = read_bits(data, i * w as usize, w);
                last = last.wrapping_add(min_delta).wrapping_add(delta as i64);
                out.push(last);
            }
        }
    }
    Ok((out, pos))
}

fn read_bits(data: &[u8], bit: usize, width: u32) -> u64 {
    if width == 0 {
        return 0;
    }
    let mut v: u128 = 0;
    let first = bit / 8;
    for k in 0..9 {
        v |= u128::from(data.get(first + k).copied().unwrap_or(0)) << (8 * k);
    }
    let v = v >> (bit % 8);
    let mask = if width == 64 { u128::from(u64::MAX) } else { (1u128 << width) - 1 };
    (v & mask) as u64
}

fn lengths(v: &[i64]) -> Result<Vec<usize>> {
    v.iter().map(|&l| usize::try_from(l).map_err(|_| format!("negative length {l}"))).collect()
}

/// Turns `n` values in `encoding` into PLAIN bytes.
pub fn to_plain(encoding: i32, data: &[u8], n: usize, physical: Physical) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    match encoding {
        // DELTA_BINARY_PACKED
        5 => {
            let (values, _) = delta_binary_packed(data)?;
            if values.len() != n {
                return Err(format!("{} delta values for {n}", values.len()));
            }
            for v in values {
                match physical {
                    Physical::Int32 => out.extend_from_slice(&(v as i32).to_le_bytes()),
                    Physical::Int64 => out.extend_from_slice(&v.to_le_bytes()),
                    p => return Err(format!("DELTA_BINARY_PACKED {} values", p.name())),
                }
            }
        }
        // DELTA_LENGTH_BYTE_ARRAY
        6 => {
            let (lens, mut pos) = delta_binary_packed(data)?;
            for len in lengths(&lens)?.into_iter().take(n) {
                let v = data.get(pos..pos.saturating_add(len)).ok_or("value past the end of the page")?;
                pos += len;
                out.extend_from_slice(&(len as u32).to_le_bytes());
                out.extend_from_slice(v);
            }
        }
        // DELTA_BYTE_ARRAY: prefix lengths, then suffixes as DELTA_LENGTH_BYTE_ARRAY.
        7 => {
            let (prefixes, used) = delta_binary_packed(data)?;
            let rest = &data[used..];
            let (suffixes, mut pos) = delta_binary_packed(rest)?;
            let (prefixes, suffixes) = (lengths(&prefixes)?, lengths(&suffixes)?);
            let mut prev: Vec<u8> = Vec::new();
            for (p, s) in prefixes.into_iter().zip(suffixes).take(n) {
                let suffix = rest.get(pos..pos.saturating_add(s)).ok_or("value past the end of the page")?;
                pos += s;
                if p > prev.len() {
                    return Err(format!("prefix of {p} bytes after a value of {}", prev.len()));
                }
                prev.truncate(p);
                prev.extend_from_slice(suffix);
                match physical {
                    Physical::FixedLen(_) => {}
                    _ => out.extend_from_slice(&(prev.len() as u32).to_le_bytes()),
                }
                out.extend_from_slice(&prev);
            }
        }
        // BYTE_STREAM_SPLIT: byte k of value i at k * n + i.
        9 => {
            let w = physical.width().ok_or("BYTE_STREAM_SPLIT on a variable-width column")?;
            let bytes = data.get(..n * w).ok_or("truncated BYTE_STREAM_SPLIT page")?;
            out.resize(n * w, 0);
            for k in 0..w {
                for i in 0..n {
                    out[i * w + k] = bytes[k * n + i];
                }
            }
        }
        e => return Err(format!("encoding {e} is not supported")),
    }
    Ok(out)
}

/// An unsigned LEB128 varint at `pos`, advancing it.
pub(super) fn uleb(buf: &[u8], pos: &mut usize) -> Result<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos).ok_or("truncated run header")?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("run header too long".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_binary_packed_example_from_the_specification() {
        // 1, 2, 3, 4, 5: block 128, 4 miniblocks, 5 values, first 1; min delta 1, widths 0.
        let buf = [0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00];
        let (v, used) = delta_binary_packed(&buf).expect("decode");
        assert_eq!(v, vec![1, 2, 3, 4, 5]);
        assert_eq!(used, buf.len());
    }

    #[test]
    fn byte_stream_split_interleaves() {
        let a = 1.5f64.to_le_bytes();
        let b = (-2.25f64).to_le_bytes();
        let mut split = Vec::new();
        for k in 0..8 {
            split.push(a[k]);
            split.push(b[k]);
        }
        let plain = to_plain(9, &split, 2, Physical::Double).expect("split");
        assert_eq!(&plain[..8], &a);
        assert_eq!(&plain[8..], &b);
    }
}
