//! C2SP signed-note with Ed25519 keys, interoperable with golang.org/x/mod/sumdb/note.
//!
//! A note is UTF-8 text ending in a newline, a blank line, then signature lines
//! `— <name> base64(keyID || signature)`. Keys are written as verifier key strings
//! `name+hex(keyID)+base64(0x01 || public key)` and private key strings
//! `PRIVATE+KEY+name+hex(keyID)+base64(0x01 || seed)`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::error::NoteError;

/// Signature type byte for Ed25519 note signatures (signed-note, "Signature types").
pub const ALG_ED25519: u8 = 0x01;

/// The most signature lines a note may carry before it is rejected as malformed.
/// The spec requires accepting at least 16.
pub const MAX_SIGNATURES: usize = 100;

const SIG_PREFIX: &str = "\u{2014} ";
const PRIVATE_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// Computes a key ID: the first four bytes of `SHA-256(name || '\n' || alg || key)`.
pub fn key_id(name: &str, alg: u8, public_key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', alg]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// True if `name` may be a key name: non-empty, no Unicode spaces, no `+`.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// An Ed25519 note signer (the log's private key).
pub struct Signer {
    name: String,
    id: u32,
    key: SigningKey,
}

impl Signer {
    /// Generates a new key pair with the operating system's random number generator.
    pub fn generate(name: &str) -> Result<Signer, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::MalformedKey(format!("invalid key name {name:?}")));
        }
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| NoteError::MalformedKey(format!("no randomness available: {e}")))?;
        Ok(Signer::from_seed(name, seed))
    }

    fn from_seed(name: &str, seed: [u8; 32]) -> Signer {
        let key = SigningKey::from_bytes(&seed);
        let id = key_id(name, ALG_ED25519, key.verifying_key().as_bytes());
        Signer { name: name.to_string(), id, key }
    }

    /// Parses a private key string `PRIVATE+KEY+name+hexid+base64(0x01 || seed)`.
    pub fn from_private_key(text: &str) -> Result<Signer, NoteError> {
        let bad = |why: &str| NoteError::MalformedKey(format!("private key: {why}"));
        let rest =
            text.trim_end().strip_prefix(PRIVATE_KEY_PREFIX).ok_or_else(|| bad("missing PRIVATE+KEY+ prefix"))?;
        let (name, id, key) = split_key(rest).ok_or_else(|| bad("expected name+keyid+key"))?;
        let key = BASE64.decode(key).map_err(|_| bad("key is not base64"))?;
        let (alg, seed) = key.split_first().ok_or_else(|| bad("empty key"))?;
        if *alg != ALG_ED25519 {
            return Err(bad(&format!("unsupported signature type 0x{alg:02x}")));
        }
        let seed: [u8; 32] = seed.try_into().map_err(|_| bad("Ed25519 seed must be 32 bytes"))?;
        let signer = Signer::from_seed(name, seed);
        if signer.id != id {
            return Err(bad("key ID does not match name and key"));
        }
        Ok(signer)
    }

    /// The private key string. It is secret: store it with mode 0600 and never log it.
    pub fn to_private_key(&self) -> String {
        let mut material = Vec::with_capacity(33);
        material.push(ALG_ED25519);
        material.extend_from_slice(self.key.as_bytes());
        format!("{PRIVATE_KEY_PREFIX}{}+{:08x}+{}", self.name, self.id, BASE64.encode(material))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        Verifier { name: self.name.clone(), id: self.id, key: self.key.verifying_key() }
    }

    /// Signs a note text, returning the whole signed note.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        sign(text, &[self])
    }

    fn signature_line(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut blob = Vec::with_capacity(68);
        blob.extend_from_slice(&self.id.to_be_bytes());
        blob.extend_from_slice(&sig.to_bytes());
        format!("{SIG_PREFIX}{} {}\n", self.name, BASE64.encode(blob))
    }
}

impl fmt::Debug for Signer {
    // Never print key material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({}+{:08x})", self.name, self.id)
    }
}

/// An Ed25519 note verifier (a log's public key).
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl Verifier {
    /// Parses a verifier key string `name+hexid+base64(0x01 || public key)`.
    pub fn from_vkey(text: &str) -> Result<Verifier, NoteError> {
        let bad = |why: &str| NoteError::MalformedKey(format!("verifier key: {why}"));
        let (name, id, key) = split_key(text.trim()).ok_or_else(|| bad("expected name+keyid+key"))?;
        let key = BASE64.decode(key).map_err(|_| bad("key is not base64"))?;
        let (alg, public) = key.split_first().ok_or_else(|| bad("empty key"))?;
        if *alg != ALG_ED25519 {
            return Err(bad(&format!("unsupported signature type 0x{alg:02x}")));
        }
        let public: [u8; 32] = public.try_into().map_err(|_| bad("Ed25519 key must be 32 bytes"))?;
        if key_id(name, ALG_ED25519, &public) != id {
            return Err(bad("key ID does not match name and key"));
        }
        let key = VerifyingKey::from_bytes(&public).map_err(|_| bad("not a valid Ed25519 point"))?;
        Ok(Verifier { name: name.to_string(), id, key })
    }

    /// The verifier key string.
    pub fn to_vkey(&self) -> String {
        let mut material = Vec::with_capacity(33);
        material.push(ALG_ED25519);
        material.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, BASE64.encode(material))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    fn verify(&self, text: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(sig) else {
            return false;
        };
        self.key.verify_strict(text, &ed25519_dalek::Signature::from_bytes(&sig)).is_ok()
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

/// Splits `name+hexid+key` (a verifier key, or a private key after its prefix).
pub(crate) fn split_key(text: &str) -> Option<(&str, u32, &str)> {
    let mut parts = text.splitn(3, '+');
    let name = parts.next()?;
    let id = parts.next()?;
    let key = parts.next()?;
    if !is_valid_key_name(name) || id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((name, u32::from_str_radix(id, 16).ok()?, key))
}

/// One signature line of a note, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureLine {
    /// Key name.
    pub name: String,
    /// Key ID (first four bytes of the decoded signature).
    pub id: u32,
    /// The signature bytes after the key ID.
    pub signature: Vec<u8>,
}

/// A note whose signatures have been checked against a set of trusted verifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The signed text, ending in a newline.
    pub text: String,
    /// Names of the trusted keys whose signatures verified.
    pub verified_by: Vec<String>,
    /// Signature lines from keys that are not trusted (kept, never checked).
    pub unverified: Vec<SignatureLine>,
}

/// Checks the character rules of note text: valid UTF-8, no control characters but newline.
fn check_chars(bytes: &[u8]) -> Result<&str, NoteError> {
    let text = std::str::from_utf8(bytes).map_err(|_| NoteError::Malformed("not valid UTF-8".into()))?;
    if let Some(c) = text.chars().find(|&c| c < '\u{20}' && c != '\n') {
        return Err(NoteError::Malformed(format!("control character U+{:04X}", c as u32)));
    }
    Ok(text)
}

/// Signs `text` with every signer, returning the signed note.
pub fn sign(text: &str, signers: &[&Signer]) -> Result<String, NoteError> {
    check_chars(text.as_bytes())?;
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("note text must end in a newline".into()));
    }
    let mut out = String::with_capacity(text.len() + 1 + signers.len() * 110);
    out.push_str(text);
    out.push('\n');
    for s in signers {
        out.push_str(&s.signature_line(text));
    }
    Ok(out)
}

/// Splits a signed note into its text and signature lines without checking any signature.
pub fn parse(msg: &[u8]) -> Result<(&str, Vec<SignatureLine>), NoteError> {
    let msg = check_chars(msg)?;
    let split = msg.rfind("\n\n").ok_or_else(|| NoteError::Malformed("no blank line before the signatures".into()))?;
    let (text, sigs) = (&msg[..split + 1], &msg[split + 2..]);
    if sigs.is_empty() || !sigs.ends_with('\n') {
        return Err(NoteError::Malformed("signature block must be non-empty and end in a newline".into()));
    }
    let mut lines = Vec::new();
    for line in sigs[..sigs.len() - 1].split('\n') {
        if lines.len() == MAX_SIGNATURES {
            return Err(NoteError::Malformed(format!("more than {MAX_SIGNATURES} signatures")));
        }
        let bad = || NoteError::Malformed(format!("bad signature line {line:?}"));
        let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(bad)?;
        let (name, b64) = rest.split_once(' ').ok_or_else(bad)?;
        if !is_valid_key_name(name) || b64.is_empty() {
            return Err(bad());
        }
        let blob = BASE64.decode(b64).map_err(|_| bad())?;
        if blob.len() < 5 {
            return Err(bad());
        }
        let id = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]);
        lines.push(SignatureLine { name: name.to_string(), id, signature: blob[4..].to_vec() });
    }
    Ok((text, lines))
}

/// Opens a signed note: every signature by a trusted verifier must verify, and at least
/// one must be present. Signatures by unknown keys are kept but ignored.
pub fn open(msg: &[u8], trusted: &[Verifier]) -> Result<Note, NoteError> {
    let (text, lines) = parse(msg)?;
    let mut note = Note { text: text.to_string(), verified_by: Vec::new(), unverified: Vec::new() };
    let mut seen: Vec<(String, u32)> = Vec::new();
    for line in lines {
        let Some(v) = trusted.iter().find(|v| v.name == line.name && v.id == line.id) else {
            if !note.unverified.contains(&line) {
                note.unverified.push(line);
            }
            continue;
        };
        if seen.contains(&(line.name.clone(), line.id)) {
            return Err(NoteError::Malformed(format!("duplicate signature by {}", line.name)));
        }
        if !v.verify(text.as_bytes(), &line.signature) {
            return Err(NoteError::InvalidSignature { name: line.name, id: line.id });
        }
        note.verified_by.push(line.name.clone());
        seen.push((line.name, line.id));
    }
    if note.verified_by.is_empty() {
        let names = note.unverified.iter().map(|l| format!("{}+{:08x}", l.name, l.id)).collect();
        return Err(NoteError::NoTrustedSignature(names));
    }
    Ok(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test vector from the signed-note spec.
    const SPEC_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    const SPEC_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    #[test]
    fn spec_example_verifies() {
        let v = Verifier::from_vkey(SPEC_VKEY).expect("vkey");
        assert_eq!(v.to_vkey(), SPEC_VKEY);
        let n = open(SPEC_NOTE.as_bytes(), &[v]).expect("open");
        assert_eq!(n.text, "This is an example message.\n");
        assert_eq!(n.verified_by, vec!["example.com/foo".to_string()]);
    }

    #[test]
    fn altered_text_fails_with_invalid_signature() {
        let v = Verifier::from_vkey(SPEC_VKEY).expect("vkey");
        let bad = SPEC_NOTE.replace("example message", "exemple message");
        assert!(matches!(open(bad.as_bytes(), &[v]), Err(NoteError::InvalidSignature { .. })));
    }

    #[test]
    fn unknown_key_is_ignored_and_then_no_trusted_signature() {
        let other = Signer::generate("example.com/other").expect("gen").verifier();
        assert!(matches!(open(SPEC_NOTE.as_bytes(), &[other]), Err(NoteError::NoTrustedSignature(_))));
    }

    #[test]
    fn private_key_round_trip_and_matching_verifier() {
        let s = Signer::generate("candor.example/log").expect("gen");
        let text = s.to_private_key();
        assert!(text.starts_with("PRIVATE+KEY+candor.example/log+"));
        let s2 = Signer::from_private_key(&text).expect("parse");
        assert_eq!(s2.verifier(), s.verifier());
        let signed = s2.sign("hello\n").expect("sign");
        let v = Verifier::from_vkey(&s.verifier().to_vkey()).expect("vkey");
        assert_eq!(open(signed.as_bytes(), &[v]).expect("open").text, "hello\n");
    }

    #[test]
    fn debug_never_shows_the_private_key() {
        let s = Signer::generate("a.example/k").expect("gen");
        let secret = s.to_private_key();
        // PRIVATE+KEY+name+id+base64, and the base64 may itself hold "+": take all of it.
        let b64 = secret.splitn(5, '+').nth(4).expect("key material");
        assert!(b64.len() >= 40, "{b64}");
        assert!(!format!("{s:?}").contains(b64));
    }

    #[test]
    fn malformed_notes_are_rejected() {
        let v = Verifier::from_vkey(SPEC_VKEY).expect("vkey");
        for bad in [
            "no blank line\n\u{2014} example.com/foo AAAA\n",
            "text\n\n",
            "text\n\nnot a signature line\n",
            "text\n\n\u{2014} example.com/foo AAAA",
            "text\n\n\u{2014} example.com/foo AAAA\n",
            "te\u{7}xt\n\n\u{2014} example.com/foo Uw2QOkn8\n",
            "text\n\n\u{2014} bad+name Uw2QOkn8srV1\n",
        ] {
            assert!(open(bad.as_bytes(), std::slice::from_ref(&v)).is_err(), "accepted {bad:?}");
        }
        assert!(open(&[0xff, b'\n', b'\n'], &[v]).is_err());
    }

    #[test]
    fn bad_key_strings_are_rejected() {
        for bad in [
            "",
            "example.com/foo",
            "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U",
            "example.com/foo+530d903a+BekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "exa mple+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        ] {
            assert!(Verifier::from_vkey(bad).is_err(), "accepted {bad:?}");
        }
        assert!(Signer::from_private_key("PRIVATE+KEY+x+00000000+AQ==").is_err());
    }
}
