//! What the witness keeps and serves of a signed checkpoint: its text, the lines of the log's
//! key that verify, and this witness's own cosignature. Every other line a submitter appended
//! (another witness's cosignature, a line in this witness's name, a key nobody watches) is
//! dropped, never stored or served: what the witness keeps must not look vouched for by lines it
//! never checked. States written before kept submissions verbatim, so a stored note is filtered
//! again each time it is read.

use tlog::cosignature::Cosigner;
use tlog::{NoteError, Verifier, note};

use crate::Error;
use crate::state::Latest;

/// The text of `signed` and those of its signature lines (each ending in a newline) that are
/// by `log`'s key and verify.
pub(crate) fn log_lines<'a>(signed: &'a [u8], log: &Verifier) -> Result<(&'a str, Vec<&'a str>), NoteError> {
    let (text, parsed) = note::parse(signed)?;
    // `parse` checked that the whole note is text and that the signature lines follow the
    // text's blank line, one per parsed line, in order.
    let all = std::str::from_utf8(signed).map_err(|_| NoteError::Malformed("not valid UTF-8".into()))?;
    let block = &all[text.len() + 1..];
    let lines = block
        .split_inclusive('\n')
        .zip(parsed)
        .filter(|(_, line)| line.name == log.name() && line.id == log.key_id())
        .map(|(raw, _)| raw)
        .filter(|raw| note::open(format!("{text}\n{raw}").as_bytes(), std::slice::from_ref(log)).is_ok())
        .collect();
    Ok((text, lines))
}

/// The note of `text` with `lines` and then `own` (empty for none).
pub(crate) fn note_of(text: &str, lines: &[&str], own: &str) -> Vec<u8> {
    let mut out = String::with_capacity(text.len() + 1 + lines.iter().map(|l| l.len()).sum::<usize>() + own.len());
    out.push_str(text);
    out.push('\n');
    for line in lines {
        out.push_str(line);
    }
    out.push_str(own);
    out.into_bytes()
}

/// The note this witness stands behind for a log's latest cosigned checkpoint: the text, the
/// log's lines that verify, and this witness's cosignature made again from the stored time.
/// Ed25519 signatures are deterministic, so that is byte for byte the line it returned when it
/// cosigned; a line in its name read back from a verbatim row is never trusted.
pub(crate) fn served(latest: &Latest, log: &Verifier, cosigner: &Cosigner) -> Result<Vec<u8>, Error> {
    let (text, lines) = log_lines(&latest.checkpoint, log)?;
    if lines.is_empty() {
        return Err(Error::Log(format!(
            "{}: the stored checkpoint has no valid signature by the log's key",
            log.name()
        )));
    }
    let own = cosigner.cosign(text, latest.cosigned_at)?;
    Ok(note_of(text, &lines, &own))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlog::Signer;

    #[test]
    fn only_the_logs_lines_that_verify_are_kept() {
        let log = Signer::generate("example.com/log").expect("key");
        let text = "example.com/log\n1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n";
        let signed = log.sign(text).expect("sign");
        let impostor = Signer::generate("example.com/log").expect("key").sign(text).expect("sign");
        let stranger = Cosigner::generate("witness.example/w9").expect("key").cosign(text, 1).expect("cosign");
        let theirs = |note: &str| note.split_once("\n\n").map(|(_, lines)| lines.to_string()).expect("lines");
        let note = format!("{signed}{stranger}{}", theirs(&impostor));
        let (kept_text, lines) = log_lines(note.as_bytes(), &log.verifier()).expect("parse");
        assert_eq!((kept_text, lines), (text, vec![theirs(&signed).as_str()]));
        assert_eq!(note_of(text, &[&theirs(&signed)], ""), signed.as_bytes());
        // A line with the log's name and key ID whose signature fails is dropped too.
        let mut broken = theirs(&signed).into_bytes();
        broken[20] = if broken[20] == b'A' { b'B' } else { b'A' };
        let note = [text.as_bytes(), b"\n", &broken].concat();
        assert_eq!(log_lines(&note, &log.verifier()).expect("parse").1, Vec::<&str>::new());
    }
}
