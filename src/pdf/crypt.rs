//! The standard security handler (ISO 32000-1 §7.6.3, ISO 32000-2 §7.6.4) with the empty
//! password: enough to read the strings (field names, `/M`, `/Reason`) and object streams of
//! documents that are "protected" by an owner password only, as many archived government PDFs
//! and every Adobe Sign output are.
//!
//! Supported: `/V 1`, `/V 2` (RC4, `/R 2` and `/R 3`), `/V 4` with crypt filters `/V2` (RC4)
//! or `/AESV2` (AES-128-CBC), and `/V 5` with `/AESV3` (AES-256-CBC): `/R 6` (ISO 32000-2,
//! Algorithm 2.B's iterated SHA-256/384/512 hash) and the deprecated `/R 5` (Adobe extension
//! level 3, one SHA-256). Other handlers (the public-key `/Adobe.PubSec`, proprietary ones) and
//! documents with a user password are refused with a [`CryptError`]: their names and strings
//! stay encrypted. The `/Contents` of a signature dictionary is never encrypted (§7.6.1), so
//! signatures are located and hashed either way.

use aes::{Aes128, Aes256};
use cbc::cipher::block_padding::{NoPadding, Pkcs7};
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use md5::{Digest, Md5};
use std::fmt;

use super::object::{Dictionary, Object, ObjectId, Value};

/// §7.6.3.3, Algorithm 2, step a: the padding string.
const PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

/// Why a document's strings and streams cannot be decrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CryptError {
    /// `/Filter` names another security handler: the public-key `/Adobe.PubSec` (§7.6.5) or a
    /// proprietary one.
    Handler(String),
    /// A required entry of `/Encrypt` is missing or has the wrong type.
    Missing(&'static str),
    /// A string of `/Encrypt` is shorter than its algorithm reads.
    TooShort {
        /// The entry.
        key: &'static str,
        /// Its length.
        len: usize,
        /// What the algorithm reads.
        need: usize,
    },
    /// A `/V` and `/R` pair this handler does not implement.
    Version {
        /// `/V`.
        v: i64,
        /// `/R`.
        r: i64,
    },
    /// A crypt filter that `/CF` lacks or whose `/CFM` is not None, V2, AESV2 or AESV3.
    CryptFilter(String),
    /// The empty password is neither the user password nor the owner password.
    Password,
}

impl fmt::Display for CryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CryptError::Handler(h) if h == "Adobe.PubSec" => write!(
                f,
                "public-key security handler /Adobe.PubSec: only a recipient's private key \
                 opens the document"
            ),
            CryptError::Handler(h) => write!(f, "security handler /{h} is not implemented"),
            CryptError::Missing(k) => write!(f, "/Encrypt has no usable {k}"),
            CryptError::TooShort { key, len, need } => {
                write!(f, "/Encrypt {key} is {len} bytes, fewer than {need}")
            }
            CryptError::Version { v, r } => write!(
                f,
                "standard security handler /V {v} /R {r} is not implemented"
            ),
            CryptError::CryptFilter(name) => write!(f, "unsupported crypt filter {name}"),
            CryptError::Password => write!(
                f,
                "the document has a user password (the empty password is neither the user \
                 nor the owner password)"
            ),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    None,
    Rc4,
    Aes128,
    /// `/AESV3`: the file key itself, no per-object key (ISO 32000-2 §7.6.3.2).
    Aes256,
}

/// Decrypts strings and streams of one document.
#[derive(Clone, Debug)]
pub(crate) struct Decryptor {
    key: Vec<u8>,
    strings: Method,
    streams: Method,
    /// For AES-256: how `/Perms` contradicts `/P` or `/EncryptMetadata`, if it does.
    perms_mismatch: Option<&'static str>,
}

/// RC4 (the PDF key length varies from 5 to 16 bytes, so a fixed-key-size cipher type does
/// not fit; the algorithm is ten lines).
fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut s: [u8; 256] = std::array::from_fn(|i| i as u8);
    let mut j: u8 = 0;
    for i in 0..256 {
        j = j.wrapping_add(s[i]).wrapping_add(key[i % key.len()]);
        s.swap(i, usize::from(j));
    }
    let (mut i, mut j) = (0u8, 0u8);
    data.iter()
        .map(|&b| {
            i = i.wrapping_add(1);
            j = j.wrapping_add(s[usize::from(i)]);
            s.swap(usize::from(i), usize::from(j));
            b ^ s[usize::from(s[usize::from(i)].wrapping_add(s[usize::from(j)]))]
        })
        .collect()
}

fn string_of(d: &Dictionary<'_>, key: &[u8]) -> Option<Vec<u8>> {
    d.get(key).and_then(Object::as_string).map(|s| s.decode())
}

/// String `key` (`/U`, `/O`…) of `/Encrypt`, at least `need` bytes long.
fn entry(d: &Dictionary<'_>, key: &'static str, need: usize) -> Result<Vec<u8>, CryptError> {
    let name = key.strip_prefix('/').unwrap_or(key);
    let s = string_of(d, name.as_bytes()).ok_or(CryptError::Missing(key))?;
    if s.len() < need {
        return Err(CryptError::TooShort {
            key,
            len: s.len(),
            need,
        });
    }
    Ok(s)
}

fn int(d: &Dictionary<'_>, key: &[u8]) -> Option<i64> {
    d.get(key).and_then(Object::as_i64)
}

/// `/EncryptMetadata` (§7.6.3.2 Table 21; default true).
fn encrypt_metadata(enc: &Dictionary<'_>) -> bool {
    !matches!(
        enc.get(b"EncryptMetadata").map(|o| &o.value),
        Some(Value::Bool(false))
    )
}

/// The method and key length in bits of crypt filter `name` (§7.6.6 Table 25, ISO 32000-2
/// §7.6.6): `/Identity`, an absent name or `/CFM /None` leave data as it is.
fn crypt_filter(enc: &Dictionary<'_>, name: Option<&[u8]>) -> Result<(Method, i64), CryptError> {
    let Some(name) = name.filter(|n| *n != b"Identity") else {
        return Ok((Method::None, 128));
    };
    let f = enc
        .get(b"CF")
        .and_then(Object::as_dict)
        .and_then(|c| c.get(name))
        .and_then(Object::as_dict)
        .ok_or_else(|| CryptError::CryptFilter(String::from_utf8_lossy(name).into_owned()))?;
    match f.name(b"CFM") {
        // /Length is in bytes (§7.6.6 Table 25), though some writers give bits.
        Some(b"V2") => Ok((
            Method::Rc4,
            int(f, b"Length").map_or(128, |l| if l <= 16 { l * 8 } else { l }),
        )),
        Some(b"AESV2") => Ok((Method::Aes128, 128)),
        Some(b"AESV3") => Ok((Method::Aes256, 256)),
        Some(b"None") | None => Ok((Method::None, 128)),
        Some(other) => Err(CryptError::CryptFilter(
            String::from_utf8_lossy(other).into_owned(),
        )),
    }
}

impl Decryptor {
    /// Set up from the `/Encrypt` dictionary and the first `/ID` string; `Err` names what is
    /// not supported or why the empty password does not open the document.
    pub(crate) fn new(enc: &Dictionary<'_>, id0: &[u8]) -> Result<Self, CryptError> {
        match enc.name(b"Filter") {
            Some(b"Standard") => {}
            Some(other) => {
                return Err(CryptError::Handler(
                    String::from_utf8_lossy(other).into_owned(),
                ))
            }
            None => return Err(CryptError::Missing("/Filter")),
        }
        let v = int(enc, b"V").unwrap_or(0);
        let r = int(enc, b"R").ok_or(CryptError::Missing("/R"))?;
        match (v, r) {
            (1 | 2 | 4, _) => Self::legacy(enc, id0, v, r),
            (5, 5 | 6) => Self::aes256(enc, r),
            _ => Err(CryptError::Version { v, r }),
        }
    }

    /// `/V` 1, 2 and 4 (ISO 32000-1 §7.6.3.3): RC4 and AES-128 with MD5-derived keys.
    fn legacy(enc: &Dictionary<'_>, id0: &[u8], v: i64, r: i64) -> Result<Self, CryptError> {
        let o = entry(enc, "/O", 32)?;
        let u = entry(enc, "/U", 16)?;
        let p = int(enc, b"P").ok_or(CryptError::Missing("/P"))? as i32;
        let (strings, streams, len_bits) = match v {
            1 => (Method::Rc4, Method::Rc4, 40),
            2 => (Method::Rc4, Method::Rc4, int(enc, b"Length").unwrap_or(40)),
            _ => {
                let (s, sl) = crypt_filter(enc, enc.name(b"StrF"))?;
                let (t, _) = crypt_filter(enc, enc.name(b"StmF"))?;
                (s, t, sl)
            }
        };
        if strings == Method::Aes256 || streams == Method::Aes256 {
            return Err(CryptError::CryptFilter("AESV3 below /V 5".into()));
        }
        let n = if r == 2 {
            5
        } else {
            (len_bits / 8).clamp(5, 16) as usize
        };
        let key = legacy_key(&o, p, id0, r, encrypt_metadata(enc), n);
        if !legacy_user_ok(&key, &u, id0, r) {
            return Err(CryptError::Password);
        }
        Ok(Decryptor {
            key,
            strings,
            streams,
            perms_mismatch: None,
        })
    }

    /// `/V 5` (ISO 32000-2 §7.6.4.3.3 Algorithm 2.A with the empty password): the file key
    /// from `/OE` when the empty password is the owner password, else from `/UE` when it is
    /// the user password; then `/Perms` checked against `/P` (Algorithm 13).
    fn aes256(enc: &Dictionary<'_>, r: i64) -> Result<Self, CryptError> {
        // Longer strings (some writers pad them) are read to their 48th byte.
        let u = &entry(enc, "/U", 48)?[..48];
        let o = &entry(enc, "/O", 48)?[..48];
        let p = int(enc, b"P").ok_or(CryptError::Missing("/P"))?;
        let (strings, _) = crypt_filter(enc, enc.name(b"StrF"))?;
        let (streams, _) = crypt_filter(enc, enc.name(b"StmF"))?;
        let revision = if r == 5 { Hash::R5 } else { Hash::R6 };
        let key = if revision.hash(b"", &o[32..40], u) == o[..32] {
            let oe = entry(enc, "/OE", 32)?;
            let k = revision.hash(b"", &o[40..48], u);
            aes256_no_iv(&k, &oe[..32])
        } else if revision.hash(b"", &u[32..40], &[]) == u[..32] {
            let ue = entry(enc, "/UE", 32)?;
            let k = revision.hash(b"", &u[40..48], &[]);
            aes256_no_iv(&k, &ue[..32])
        } else {
            return Err(CryptError::Password);
        };
        let perms_mismatch = match string_of(enc, b"Perms") {
            Some(perms) => check_perms(&key, &perms, p, encrypt_metadata(enc)),
            None => Some("/Perms is missing"),
        };
        Ok(Decryptor {
            key,
            strings,
            streams,
            perms_mismatch,
        })
    }

    /// How `/Perms` contradicts `/P` or `/EncryptMetadata` (AES-256 only), if it does.
    pub(crate) fn perms_mismatch(&self) -> Option<&'static str> {
        self.perms_mismatch
    }

    /// Algorithm 1: the key of object `id`.
    fn object_key(&self, id: ObjectId, aes: bool) -> Vec<u8> {
        let mut h = Md5::new();
        h.update(&self.key);
        h.update(&id.num.to_le_bytes()[..3]);
        h.update(id.gen.to_le_bytes());
        if aes {
            h.update(b"sAlT");
        }
        let mut k = h.finalize().to_vec();
        k.truncate((self.key.len() + 5).min(16));
        k
    }

    fn apply(&self, method: Method, id: ObjectId, data: &[u8]) -> Option<Vec<u8>> {
        match method {
            Method::None => Some(data.to_vec()),
            Method::Rc4 => Some(rc4(&self.object_key(id, false), data)),
            Method::Aes128 => aes_cbc::<Aes128>(&self.object_key(id, true), data),
            Method::Aes256 => aes_cbc::<Aes256>(&self.key, data),
        }
    }

    /// Decrypt a string of object `id`; `None` if the ciphertext is malformed.
    pub(crate) fn string(&self, id: ObjectId, data: &[u8]) -> Option<Vec<u8>> {
        self.apply(self.strings, id, data)
    }

    /// Decrypt the data of stream `id`.
    pub(crate) fn stream(&self, id: ObjectId, data: &[u8]) -> Option<Vec<u8>> {
        self.apply(self.streams, id, data)
    }
}

/// ISO 32000-1 §7.6.3.3 Algorithm 2: the file key from the (empty) user password.
fn legacy_key(o: &[u8], p: i32, id0: &[u8], r: i64, metadata: bool, n: usize) -> Vec<u8> {
    let mut h = Md5::new();
    h.update(PAD);
    h.update(&o[..32]);
    h.update(p.to_le_bytes());
    h.update(id0);
    if r >= 4 && !metadata {
        h.update([0xFF; 4]);
    }
    let mut key = h.finalize().to_vec();
    if r >= 3 {
        for _ in 0..50 {
            key = Md5::digest(&key[..n]).to_vec();
        }
    }
    key.truncate(n);
    key
}

/// ISO 32000-1 §7.6.3.4 Algorithms 4 and 5: whether the empty password is the user password.
fn legacy_user_ok(key: &[u8], u: &[u8], id0: &[u8], r: i64) -> bool {
    if r == 2 {
        return rc4(key, &PAD) == u[..32.min(u.len())];
    }
    let mut h = Md5::new();
    h.update(PAD);
    h.update(id0);
    let mut x = rc4(key, &h.finalize());
    for i in 1..=19u8 {
        let k: Vec<u8> = key.iter().map(|b| b ^ i).collect();
        x = rc4(&k, &x);
    }
    x[..16] == u[..16]
}

/// AES-CBC with the IV in the first 16 bytes and PKCS#7 padding (§7.6.3.2 for AESV2, ISO
/// 32000-2 §7.6.3.2 for AESV3); `None` when the data is not whole blocks after an IV.
fn aes_cbc<C>(key: &[u8], data: &[u8]) -> Option<Vec<u8>>
where
    cbc::Decryptor<C>: KeyIvInit + BlockDecryptMut,
    C: cbc::cipher::BlockCipher + cbc::cipher::BlockDecryptMut,
{
    if data.len() < 32 || data.len() % 16 != 0 {
        return None;
    }
    let (iv, body) = data.split_at(16);
    cbc::Decryptor::<C>::new_from_slices(key, iv)
        .ok()?
        .decrypt_padded_vec_mut::<Pkcs7>(body)
        .ok()
}

/// AES-256 in CBC mode with a zero IV and no padding (ISO 32000-2 Algorithm 2.A steps (d)
/// and (e) for `/OE` and `/UE`; on one block, Algorithm 13's ECB decryption of `/Perms`).
/// `data` is 32 or 16 bytes and `key` 32: the lengths are the callers'.
fn aes256_no_iv(key: &[u8], data: &[u8]) -> Vec<u8> {
    cbc::Decryptor::<Aes256>::new_from_slices(key, &[0; 16])
        .expect("a 32-byte key and a 16-byte IV")
        .decrypt_padded_vec_mut::<NoPadding>(data)
        .expect("whole blocks")
}

/// ISO 32000-2 §7.6.4.4 Algorithm 13: `/Perms` decrypted with the file key must read `adb` at
/// bytes 9–11, `/P` (little-endian) at bytes 0–3 and `T` or `F` for `/EncryptMetadata` at
/// byte 8. A mismatch is reported, not fatal.
fn check_perms(key: &[u8], perms: &[u8], p: i64, metadata: bool) -> Option<&'static str> {
    let Some(block) = perms.get(..16) else {
        return Some("/Perms is shorter than 16 bytes");
    };
    let plain = aes256_no_iv(key, block);
    if &plain[9..12] != b"adb" {
        return Some("/Perms does not decrypt with the file key (no 'adb' marker)");
    }
    if plain[..4] != (p as u32).to_le_bytes() {
        return Some("/Perms does not match /P: the permissions were altered");
    }
    if plain[8] != if metadata { b'T' } else { b'F' } {
        return Some("/Perms does not match /EncryptMetadata");
    }
    None
}

/// The password hash of a `/V 5` handler.
#[derive(Clone, Copy, Debug)]
enum Hash {
    /// Adobe extension level 3 (deprecated by ISO 32000-2): SHA-256 of the input.
    R5,
    /// ISO 32000-2 §7.6.4.3.4 Algorithm 2.B.
    R6,
}

impl Hash {
    /// The 32-byte hash of `password`, an 8-byte `salt` and `udata` (the 48-byte `/U` when
    /// checking the owner password, else empty).
    fn hash(self, password: &[u8], salt: &[u8], udata: &[u8]) -> Vec<u8> {
        let input = [password, salt, udata].concat();
        match self {
            Hash::R5 => sha(0, &input),
            Hash::R6 => algorithm_2b(password, &input, udata),
        }
    }
}

/// SHA-256, SHA-384 or SHA-512 (`which` 0, 1, 2).
fn sha(which: u8, data: &[u8]) -> Vec<u8> {
    let alg = match which {
        0 => &ring::digest::SHA256,
        1 => &ring::digest::SHA384,
        _ => &ring::digest::SHA512,
    };
    ring::digest::digest(alg, data).as_ref().to_vec()
}

/// ISO 32000-2 §7.6.4.3.4 Algorithm 2.B: K = SHA-256(`input`); then rounds of K1 = 64 ×
/// (password ‖ K ‖ udata), E = AES-128-CBC(key K[0..16], IV K[16..32], K1), and K = SHA-256,
/// -384 or -512 of E as the first 16 bytes of E are 0, 1 or 2 modulo 3. At least 64 rounds
/// (numbers 0 to 63); then, from round number 64 on, stop once the last byte of the latest E
/// is at most the round number − 32 (as qpdf and pyHanko read step (e); so at most 287
/// rounds). The first 32 bytes of K are the hash.
fn algorithm_2b(password: &[u8], input: &[u8], udata: &[u8]) -> Vec<u8> {
    let mut k = sha(0, input);
    let mut round: usize = 0;
    loop {
        let k1 = [password, &k, udata].concat().repeat(64);
        let e = cbc::Encryptor::<Aes128>::new_from_slices(&k[..16], &k[16..32])
            .expect("a 16-byte key and IV")
            .encrypt_padded_vec_mut::<NoPadding>(&k1);
        // 256 ≡ 1 (mod 3): a big-endian number is its byte sum modulo 3.
        let m = e[..16].iter().map(|&b| u32::from(b)).sum::<u32>() % 3;
        k = sha(m as u8, &e);
        // Rounds done so far: the spec's "round number" when step (e) looks at E.
        round += 1;
        let last = usize::from(*e.last().expect("K1 is never empty"));
        if round >= 64 && last <= round - 32 {
            break;
        }
    }
    k.truncate(32);
    k
}

#[cfg(test)]
mod tests {
    use super::super::lexer::Lexer;
    use super::{aes256_no_iv, check_perms, rc4, CryptError, Decryptor, Hash, Method, ObjectId};

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// `/Encrypt` entries and the file key qpdf 11.3 wrote and reported
    /// (`qpdf --show-encryption-key`) for `qpdf --encrypt USER owner-secret 256 [--force-R5]`:
    /// an implementation we did not write is the oracle.
    #[derive(Debug)]
    struct Vector {
        hash: Hash,
        user: &'static [u8],
        key: &'static str,
        u: &'static str,
        ue: &'static str,
        o: &'static str,
        oe: &'static str,
        perms: &'static str,
    }

    const QPDF: [Vector; 3] = [
        Vector {
            hash: Hash::R6,
            user: b"user-secret",
            key: "652fed0b994334317c330711aba23087477b3fb0649d6142f84fdf04212a7ac4",
            u: "ef50caea21d7bc3fdd4d2fef1f9ecd3b4d9a55bd3ae7d848e4c88fe4b96d5a3d\
                7dc2616f14946e42019fe221d66afacc",
            ue: "b4092f068e190cb3c272f30cb33b04534cd60dd3b228f5ff46ab16ec8a622790",
            o: "0781c70df9491f4829e136584facfa1fb1e0d61fe8ed57a3fe818d3952835638\
                3786fc4ceb1860874c67551b249d7efe",
            oe: "74f09931a9a833a70c91b9b1958d17ca5b451b4528818695da70f1077b428ac9",
            perms: "94e56335aa274cb53db24840a89a32a8",
        },
        Vector {
            hash: Hash::R5,
            user: b"user-secret",
            key: "29a0d96385e36b3ca9c106762ad8684c7fa235a0253da267899f6070149e48e0",
            u: "cc789be0e4aa69e146cb22b4286e82b8b8f5f005abfa791d6cde6d4196c573ed\
                faf5b5d9ac0b2f74a7efc3b1f89394ea",
            ue: "5dd40c0fdce286a8e4329d70ae49ae18cb5341a10e3eb2f4e8a9309631ddc656",
            o: "6927ae0798d7e034cfce4f04f6582ddd0beaf02a42eeece98010a32b3b169979\
                3ac190ca7f6b8cc1717de80b334e78ea",
            oe: "28bee151b5e675accfd33a3aff28d4144c882da7602dedd7c887bdae5b68d73f",
            perms: "d2e9097fe413c57d9361b57ad11580d4",
        },
        Vector {
            hash: Hash::R6,
            user: b"",
            key: "c78763f13611fc222de4d6776f346c2974cfd1ea201559091f0c7c3ac42b87b1",
            u: "f24e65730da742955ef1061920e05a3c7787078d2c3a4753bc3ab88e88ef7ba6\
                03ac083a3c3e778bb03c70884a0d8eea",
            ue: "c965e67848dd2f985be6a80495211d1c95afe6a726f0207e9de93ee303c5241d",
            o: "c940fed23585af092896dc00fbe0207b71009b08e4ddf31002cb9fc3b622006e\
                6c3522a64203a415a667bcc677ed6572",
            oe: "43d44262f95a840209481a9b510d7632dd4ec9b85d97c7f90c6db0110001cbe8",
            perms: "3328b0fe6e2efde24931427d1567362a",
        },
    ];

    fn unspaced(s: &str) -> Vec<u8> {
        unhex(&s.split_whitespace().collect::<String>())
    }

    #[test]
    fn user_and_owner_passwords_give_qpdfs_file_key() {
        for v in &QPDF {
            let (u, o) = (unspaced(v.u), unspaced(v.o));
            let key = unhex(v.key);
            // Algorithm 2.A: the user password's hash with the validation salt is /U's first
            // 32 bytes; with the key salt it decrypts /UE to the file key.
            assert_eq!(v.hash.hash(v.user, &u[32..40], &[]), u[..32], "{v:?}");
            let k = v.hash.hash(v.user, &u[40..48], &[]);
            assert_eq!(aes256_no_iv(&k, &unhex(v.ue)), key);
            // The owner password hashes with /U as udata.
            assert_eq!(v.hash.hash(b"owner-secret", &o[32..40], &u), o[..32]);
            let k = v.hash.hash(b"owner-secret", &o[40..48], &u);
            assert_eq!(aes256_no_iv(&k, &unhex(v.oe)), key);
            // A wrong password does not validate.
            assert_ne!(v.hash.hash(b"wrong", &u[32..40], &[]), u[..32]);
            // Algorithm 13: /Perms holds /P -4 and EncryptMetadata true.
            assert_eq!(check_perms(&key, &unhex(v.perms), -4, true), None);
            assert!(check_perms(&key, &unhex(v.perms), -3904, true).is_some());
            assert!(check_perms(&key, &unhex(v.perms), -4, false).is_some());
            assert!(check_perms(&key[..], &[0; 8], -4, true).is_some());
        }
    }

    /// The `/Encrypt` dictionary of the empty-user-password vector, with `edit` applied to
    /// its text, set up as a decryptor.
    fn open(edit: impl Fn(String) -> String) -> Result<Decryptor, CryptError> {
        let v = &QPDF[2];
        let text = edit(format!(
            "<< /Filter /Standard /V 5 /R 6 /P -4 /U <{}> /UE <{}> /O <{}> /OE <{}> \
             /Perms <{}> /CF << /StdCF << /CFM /AESV3 /Length 32 >> >> /StmF /StdCF \
             /StrF /StdCF >>",
            v.u.split_whitespace().collect::<String>(),
            v.ue,
            v.o.split_whitespace().collect::<String>(),
            v.oe,
            v.perms
        ));
        let obj = Lexer::new(text.as_bytes(), 0, 0).parse_object(0).unwrap();
        Decryptor::new(obj.as_dict().unwrap(), b"any /ID: V5 does not use it")
    }

    #[test]
    fn encrypt_dictionary_opens_or_says_why_not() {
        let d = open(|t| t).unwrap();
        assert_eq!(d.key, unhex(QPDF[2].key));
        assert_eq!((d.strings, d.streams), (Method::Aes256, Method::Aes256));
        assert_eq!(d.perms_mismatch(), None);
        // /P altered after encryption: reported, the document still opens.
        let d = open(|t| t.replace("/P -4", "/P -3904")).unwrap();
        assert!(d.perms_mismatch().unwrap().contains("/P"));
        let d = open(|t| t.replace("/Perms", "/Perm")).unwrap();
        assert_eq!(d.perms_mismatch(), Some("/Perms is missing"));
        // Hostile or unsupported dictionaries: typed errors, never a panic.
        // One byte fewer than the algorithm reads.
        let short = |k: &'static str| {
            move |t: String| {
                let start = t.find(&format!("/{k} <")).unwrap() + k.len() + 3;
                format!("{}{}", &t[..start], &t[start + 2..])
            }
        };
        for (k, need) in [("U", 48), ("O", 48), ("UE", 32), ("OE", 32)] {
            let got = open(short(k));
            // A short /OE is never read: the empty password is the user password here.
            if k == "OE" {
                assert!(got.is_ok());
                continue;
            }
            assert!(
                matches!(got, Err(CryptError::TooShort { len, need: n, .. }) if len == need - 1 && n == need),
                "{k}: {got:?}"
            );
        }
        assert!(open(|t| t.replace("/Perms <", "/Perms <00"))
            .unwrap()
            .perms_mismatch()
            .is_some());
        assert!(open(|t| t.replace("/Perms <", "/Perms <0")).is_ok());
        assert_eq!(
            open(|t| t.replace("/R 6", "/R 7")).unwrap_err(),
            CryptError::Version { v: 5, r: 7 }
        );
        assert_eq!(
            open(|t| t.replace("/Standard", "/Adobe.PubSec")).unwrap_err(),
            CryptError::Handler("Adobe.PubSec".into())
        );
        assert_eq!(
            open(|t| t.replace("/UE", "/XE")).unwrap_err(),
            CryptError::Missing("/UE")
        );
        assert_eq!(
            open(|t| t.replace("/AESV3", "/AESV4")).unwrap_err(),
            CryptError::CryptFilter("AESV4".into())
        );
        // Another password: /U no longer matches the empty one.
        assert_eq!(
            open(|t| t.replace("/U <f2", "/U <f3")).unwrap_err(),
            CryptError::Password
        );
        // Strings: IV and whole blocks, else `None`.
        let d = open(|t| t).unwrap();
        let id = ObjectId { num: 1, gen: 0 };
        assert_eq!(d.string(id, &[0; 31]), None);
        assert_eq!(d.string(id, &[0; 40]), None);
        assert_eq!(d.string(id, &[]), None);
    }

    #[test]
    fn rc4_known_answer() {
        // RFC 6229 style vector: key "Key", plaintext "Plaintext".
        assert_eq!(
            rc4(b"Key", b"Plaintext"),
            [0xBB, 0xF3, 0x16, 0xE8, 0xD9, 0x40, 0xAF, 0x0A, 0xD3]
        );
    }
}
