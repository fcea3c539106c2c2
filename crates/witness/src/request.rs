//! The body of `POST /add-checkpoint`: `old N\n`, up to 63 base64 consistency-proof hashes, one
//! per line, an empty line, then the signed checkpoint.

use tlog::Hash;

/// Most consistency-proof lines a request may carry (the spec's limit).
pub const MAX_PROOF_LINES: usize = 63;

/// A parsed submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the submitter believes the witness cosigned last.
    pub old: u64,
    /// Consistency proof from `old` to the new checkpoint.
    pub proof: Vec<Hash>,
    /// The signed checkpoint, as sent.
    pub checkpoint: Vec<u8>,
}

/// Encodes a submission, as a log sends it.
pub fn encode(old: u64, proof: &[Hash], checkpoint: &[u8]) -> Vec<u8> {
    let mut body = format!("old {old}\n").into_bytes();
    for h in proof {
        body.extend_from_slice(h.to_base64().as_bytes());
        body.push(b'\n');
    }
    body.push(b'\n');
    body.extend_from_slice(checkpoint);
    body
}

/// Parses a request body; the error says what is malformed (answered 400).
pub fn parse(body: &[u8]) -> Result<AddCheckpoint, String> {
    let mut rest = body;
    let mut next_line = || -> Result<&[u8], String> {
        let end = rest.iter().position(|&b| b == b'\n').ok_or("a line does not end in a newline")?;
        let (line, after) = rest.split_at(end);
        rest = &after[1..];
        Ok(line)
    };
    let old = next_line()?;
    let old =
        std::str::from_utf8(old).ok().and_then(|l| l.strip_prefix("old ")).ok_or("the first line is not `old N`")?;
    if old.is_empty() || !old.bytes().all(|b| b.is_ascii_digit()) || (old.len() > 1 && old.starts_with('0')) {
        return Err(format!("old size {old:?} is not a decimal without leading zeroes"));
    }
    let old: u64 = old.parse().map_err(|_| format!("old size {old} is too large"))?;
    let mut proof = Vec::new();
    loop {
        let line = next_line()?;
        if line.is_empty() {
            break;
        }
        if proof.len() == MAX_PROOF_LINES {
            return Err(format!("more than {MAX_PROOF_LINES} consistency proof lines"));
        }
        let hash =
            std::str::from_utf8(line).ok().and_then(Hash::from_base64).ok_or("a proof line is not a base64 hash")?;
        proof.push(hash);
    }
    Ok(AddCheckpoint { old, proof, checkpoint: rest.to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_parses() {
        let body = "old 20852014\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\njrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n\
                    5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n\n\
                    example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\
                    \u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
        let r = parse(body.as_bytes()).expect("parse");
        assert_eq!((r.old, r.proof.len()), (20852014, 4));
        assert!(r.checkpoint.starts_with(b"example.com/behind-the-sofa\n20852163\n"));
        assert_eq!(encode(r.old, &r.proof, &r.checkpoint), body.as_bytes());
    }

    #[test]
    fn malformed_bodies_are_refused() {
        for bad in [
            "old 01\n\ncp",
            "old -1\n\ncp",
            "new 1\n\ncp",
            "old 1\nnot-a-hash\n\ncp",
            "old 1",
            "old 18446744073709551616\n\ncp",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        let many = format!("old 1\n{}\ncp", "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n".repeat(64));
        assert!(parse(many.as_bytes()).expect_err("64 lines").contains("more than 63"));
        assert_eq!(parse(b"old 0\n\ncp").expect("zero").old, 0);
    }
}
