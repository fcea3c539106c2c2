//! C2SP tlog-cosignature (the text in `../shared/specs/tlog-cosignature.md`): a witness's
//! statement that a checkpoint is consistent with everything it cosigned before, written as
//! one more signature line on the checkpoint.
//!
//! Ed25519 cosignatures (`cosignature/v1`, key type 0x04) are made and verified here: the
//! signature covers `cosignature/v1\ntime <T>\n` followed by the checkpoint's body, and the
//! line carries the key id, the 8-byte big-endian timestamp and the 64-byte signature.
//! ML-DSA-44 cosignatures (key type 0x06) are recognised by their key and reported as not
//! verifiable here: no audited, released Rust implementation of ML-DSA exists yet (RustCrypto's
//! `ml-dsa` is a pre-release that says it was never audited), and a verifier that cannot check
//! a signature must say so rather than count it.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};

use crate::error::NoteError;
use crate::note::{is_valid_key_name, key_id, parse, split_key};

/// Key type byte of Ed25519 cosigners (`cosignature/v1`).
pub const ALG_COSIGNATURE_ED25519: u8 = 0x04;
/// Key type byte of ML-DSA-44 cosigners (`subtree/v1`).
pub const ALG_COSIGNATURE_ML_DSA_44: u8 = 0x06;
/// Length of an ML-DSA-44 public key.
const ML_DSA_44_PUBLIC_KEY: usize = 1312;
/// Length of an ML-DSA-44 signature.
const ML_DSA_44_SIGNATURE: usize = 2420;
/// Timestamps are at most 2^63 - 1.
const MAX_TIMESTAMP: u64 = i64::MAX as u64;

const PRIVATE_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// The message an Ed25519 cosigner signs for a checkpoint body (its text up to and including
/// the last newline before the signatures) at `timestamp`.
pub fn message(body: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{body}")
}

/// A witness's Ed25519 cosigning key.
pub struct Cosigner {
    name: String,
    id: u32,
    key: SigningKey,
}

impl Cosigner {
    /// Generates a new key pair with the operating system's random number generator.
    pub fn generate(name: &str) -> Result<Cosigner, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::MalformedKey(format!("invalid key name {name:?}")));
        }
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| NoteError::MalformedKey(format!("no randomness available: {e}")))?;
        Ok(Cosigner::from_seed(name, seed))
    }

    fn from_seed(name: &str, seed: [u8; 32]) -> Cosigner {
        let key = SigningKey::from_bytes(&seed);
        let id = key_id(name, ALG_COSIGNATURE_ED25519, key.verifying_key().as_bytes());
        Cosigner { name: name.to_string(), id, key }
    }

    /// Parses `PRIVATE+KEY+name+hexid+base64(0x04 || seed)`.
    pub fn from_private_key(text: &str) -> Result<Cosigner, NoteError> {
        let bad = |why: &str| NoteError::MalformedKey(format!("cosigner private key: {why}"));
        let rest =
            text.trim_end().strip_prefix(PRIVATE_KEY_PREFIX).ok_or_else(|| bad("missing PRIVATE+KEY+ prefix"))?;
        let (name, id, key) = split_key(rest).ok_or_else(|| bad("expected name+keyid+key"))?;
        let key = BASE64.decode(key).map_err(|_| bad("key is not base64"))?;
        let (alg, seed) = key.split_first().ok_or_else(|| bad("empty key"))?;
        if *alg != ALG_COSIGNATURE_ED25519 {
            return Err(bad(&format!("key type 0x{alg:02x}, not an Ed25519 cosigner (0x04)")));
        }
        let seed: [u8; 32] = seed.try_into().map_err(|_| bad("Ed25519 seed must be 32 bytes"))?;
        let cosigner = Cosigner::from_seed(name, seed);
        if cosigner.id != id {
            return Err(bad("key ID does not match name and key"));
        }
        Ok(cosigner)
    }

    /// The private key string. It is secret: store it with mode 0600 and never log it.
    pub fn to_private_key(&self) -> String {
        let mut material = vec![ALG_COSIGNATURE_ED25519];
        material.extend_from_slice(self.key.as_bytes());
        format!("{PRIVATE_KEY_PREFIX}{}+{:08x}+{}", self.name, self.id, BASE64.encode(material))
    }

    /// The cosigner's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The matching verifier.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            id: self.id,
            key: CosignerKey::Ed25519(self.key.verifying_key()),
        }
    }

    /// The cosignature line (`— name base64(keyid || timestamp || signature)\n`) for a
    /// checkpoint body at `timestamp` (seconds since the epoch, at most 2^63 - 1).
    pub fn cosign(&self, body: &str, timestamp: u64) -> Result<String, NoteError> {
        if timestamp > MAX_TIMESTAMP {
            return Err(NoteError::Malformed(format!("timestamp {timestamp} exceeds 2^63 - 1")));
        }
        let sig = self.key.sign(message(body, timestamp).as_bytes());
        let mut blob = Vec::with_capacity(76);
        blob.extend_from_slice(&self.id.to_be_bytes());
        blob.extend_from_slice(&timestamp.to_be_bytes());
        blob.extend_from_slice(&sig.to_bytes());
        Ok(format!("\u{2014} {} {}\n", self.name, BASE64.encode(blob)))
    }
}

impl fmt::Debug for Cosigner {
    // Never print key material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cosigner({}+{:08x})", self.name, self.id)
    }
}

/// A cosigner's public key.
#[derive(Clone, PartialEq, Eq)]
enum CosignerKey {
    Ed25519(VerifyingKey),
    /// Recognised, not verifiable here (see the module's documentation).
    MlDsa44,
}

/// A witness's public key, as a trust policy names it.
#[derive(Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    id: u32,
    key: CosignerKey,
}

impl CosignatureVerifier {
    /// Parses a verifier key `name+hexid+base64(type || public key)`, type 0x04 (Ed25519,
    /// 32 bytes) or 0x06 (ML-DSA-44, 1312 bytes).
    pub fn from_vkey(text: &str) -> Result<CosignatureVerifier, NoteError> {
        let bad = |why: &str| NoteError::MalformedKey(format!("cosigner key: {why}"));
        let (name, id, key) = split_key(text.trim()).ok_or_else(|| bad("expected name+keyid+key"))?;
        let raw = BASE64.decode(key).map_err(|_| bad("key is not base64"))?;
        let (&alg, public) = raw.split_first().ok_or_else(|| bad("empty key"))?;
        let key = match alg {
            ALG_COSIGNATURE_ED25519 => {
                let public: [u8; 32] = public.try_into().map_err(|_| bad("an Ed25519 key is 32 bytes"))?;
                CosignerKey::Ed25519(VerifyingKey::from_bytes(&public).map_err(|_| bad("not a valid Ed25519 point"))?)
            }
            ALG_COSIGNATURE_ML_DSA_44 if public.len() == ML_DSA_44_PUBLIC_KEY => CosignerKey::MlDsa44,
            ALG_COSIGNATURE_ML_DSA_44 => return Err(bad("an ML-DSA-44 key is 1312 bytes")),
            0x01 => return Err(bad("key type 0x01 is a log's signing key, not a cosigner's (0x04)")),
            other => return Err(bad(&format!("unsupported key type 0x{other:02x}"))),
        };
        if key_id(name, alg, public) != id {
            return Err(bad("key ID does not match name and key"));
        }
        Ok(CosignatureVerifier { name: name.to_string(), id, key })
    }

    /// The cosigner's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID its lines carry.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The verifier key string (Ed25519 keys; an ML-DSA-44 key is not kept, so it has none).
    pub fn to_vkey(&self) -> Option<String> {
        match &self.key {
            CosignerKey::Ed25519(k) => {
                let mut material = vec![ALG_COSIGNATURE_ED25519];
                material.extend_from_slice(k.as_bytes());
                Some(format!("{}+{:08x}+{}", self.name, self.id, BASE64.encode(material)))
            }
            CosignerKey::MlDsa44 => None,
        }
    }
}

impl fmt::Debug for CosignatureVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CosignatureVerifier({}+{:08x})", self.name, self.id)
    }
}

/// What a checkpoint's lines say for one cosigner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cosigned {
    /// A valid cosignature, made at this time (seconds since the epoch).
    Verified {
        /// When the witness cosigned.
        timestamp: u64,
    },
    /// An ML-DSA-44 cosignature is present; it cannot be checked here, so it does not count.
    NotVerifiableHere,
    /// No line from this cosigner.
    Absent,
}

/// Checks a signed checkpoint's cosignatures against `cosigners`: for each, verified (and
/// when), present but not verifiable here, or absent. Lines from keys not listed are ignored.
/// A listed key's line with a bad signature, or a timestamp after `now` (seconds since the
/// epoch), is an error: a witness's key does not sign what it did not cosign.
pub fn check_cosignatures(
    signed: &[u8],
    cosigners: &[CosignatureVerifier],
    now: u64,
) -> Result<Vec<(String, Cosigned)>, NoteError> {
    let (body, lines) = parse(signed)?;
    let mut out = Vec::with_capacity(cosigners.len());
    for c in cosigners {
        let mine: Vec<_> = lines.iter().filter(|l| l.name == c.name && l.id == c.id).collect();
        let verdict = match (mine.as_slice(), &c.key) {
            ([], _) => Cosigned::Absent,
            ([_, _, ..], _) => return Err(NoteError::Malformed(format!("duplicate cosignature by {}", c.name))),
            ([line], CosignerKey::MlDsa44) => {
                if line.signature.len() != 8 + ML_DSA_44_SIGNATURE {
                    return Err(NoteError::Malformed(format!("{}: not an ML-DSA-44 cosignature", c.name)));
                }
                Cosigned::NotVerifiableHere
            }
            ([line], CosignerKey::Ed25519(key)) => {
                let invalid = || NoteError::InvalidSignature { name: c.name.clone(), id: c.id };
                let (time, sig) = line.signature.split_at_checked(8).ok_or_else(invalid)?;
                let timestamp = u64::from_be_bytes(time.try_into().map_err(|_| invalid())?);
                let sig: [u8; 64] = sig.try_into().map_err(|_| invalid())?;
                let ok = timestamp <= MAX_TIMESTAMP
                    && key
                        .verify_strict(message(body, timestamp).as_bytes(), &ed25519_dalek::Signature::from_bytes(&sig))
                        .is_ok();
                if !ok {
                    return Err(invalid());
                }
                if timestamp > now {
                    return Err(NoteError::FutureCosignature { name: c.name.clone(), timestamp, now });
                }
                Cosigned::Verified { timestamp }
            }
        };
        out.push((c.name.clone(), verdict));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::Signer;

    const BODY: &str = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    /// The spec's example: its message and the layout of its cosignature line.
    #[test]
    fn the_spec_example_message_and_line() {
        assert_eq!(
            message(BODY, 1679315147),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
        let blob = BASE64
            .decode("jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==")
            .expect("base64");
        assert_eq!(blob.len(), 4 + 8 + 64);
        assert_eq!(u64::from_be_bytes(blob[4..12].try_into().expect("8 bytes")), 1679315147, "the spec's time line");
    }

    fn signed_checkpoint(witnesses: &[(&Cosigner, u64)]) -> (Signer, String) {
        let log = Signer::generate("example.com/log").expect("log key");
        let mut note = log.sign(BODY).expect("sign");
        for (w, t) in witnesses {
            note.push_str(&w.cosign(BODY, *t).expect("cosign"));
        }
        (log, note)
    }

    #[test]
    fn cosignatures_verify_by_key_and_unknown_ones_are_ignored() {
        let (a, b, stranger) = (
            Cosigner::generate("witness.example/a").expect("a"),
            Cosigner::generate("witness.example/b").expect("b"),
            Cosigner::generate("witness.example/c").expect("c"),
        );
        let (log, note) = signed_checkpoint(&[(&a, 1_700_000_000), (&stranger, 1_700_000_001)]);
        let verdicts =
            check_cosignatures(note.as_bytes(), &[a.verifier(), b.verifier()], 1_800_000_000).expect("check");
        assert_eq!(
            verdicts,
            [
                ("witness.example/a".to_string(), Cosigned::Verified { timestamp: 1_700_000_000 }),
                ("witness.example/b".to_string(), Cosigned::Absent)
            ]
        );
        // The log's own signature still opens with the log's key.
        crate::note::open(note.as_bytes(), &[log.verifier()]).expect("the log's signature");
        // Keys round-trip.
        let again = Cosigner::from_private_key(&a.to_private_key()).expect("private key");
        assert_eq!(again.verifier(), a.verifier());
        let vkey = a.verifier().to_vkey().expect("vkey");
        assert_eq!(CosignatureVerifier::from_vkey(&vkey).expect("parse"), a.verifier());
        assert!(CosignatureVerifier::from_vkey(&log.verifier().to_vkey()).is_err(), "a log key is no cosigner key");
    }

    #[test]
    fn a_bad_signature_a_changed_checkpoint_or_a_future_time_fails() {
        let a = Cosigner::generate("witness.example/a").expect("a");
        let (_, note) = signed_checkpoint(&[(&a, 1_700_000_000)]);
        let changed = note.replace("20852163", "20852164");
        assert!(matches!(
            check_cosignatures(changed.as_bytes(), &[a.verifier()], 1_800_000_000),
            Err(NoteError::InvalidSignature { .. })
        ));
        // The timestamp is signed: moving it breaks the signature.
        let line = a.cosign(BODY, 1_700_000_000).expect("cosign");
        let b64 = line.trim_end().rsplit(' ').next().expect("blob");
        let mut blob = BASE64.decode(b64).expect("base64");
        blob[11] ^= 1;
        let moved = note.replace(b64, &BASE64.encode(&blob));
        assert!(matches!(
            check_cosignatures(moved.as_bytes(), &[a.verifier()], 1_800_000_000),
            Err(NoteError::InvalidSignature { .. })
        ));
        assert!(matches!(
            check_cosignatures(note.as_bytes(), &[a.verifier()], 1_600_000_000),
            Err(NoteError::FutureCosignature { timestamp: 1_700_000_000, .. })
        ));
    }

    #[test]
    fn ml_dsa_44_lines_are_recognised_and_not_counted() {
        let name = "witness.example/pq";
        let public = vec![7u8; ML_DSA_44_PUBLIC_KEY];
        let id = key_id(name, ALG_COSIGNATURE_ML_DSA_44, &public);
        let mut material = vec![ALG_COSIGNATURE_ML_DSA_44];
        material.extend_from_slice(&public);
        let v = CosignatureVerifier::from_vkey(&format!("{name}+{id:08x}+{}", BASE64.encode(material))).expect("vkey");
        let mut blob = id.to_be_bytes().to_vec();
        blob.extend_from_slice(&0u64.to_be_bytes());
        blob.extend_from_slice(&[1u8; ML_DSA_44_SIGNATURE]);
        let (_, mut note) = signed_checkpoint(&[]);
        note.push_str(&format!("\u{2014} {name} {}\n", BASE64.encode(blob)));
        let verdicts = check_cosignatures(note.as_bytes(), &[v], 1_800_000_000).expect("check");
        assert_eq!(verdicts, [(name.to_string(), Cosigned::NotVerifiableHere)]);
    }
}
