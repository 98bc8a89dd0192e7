//! The standard security handler (ISO 32000-1 §7.6.3) with the empty user password: enough to
//! read the strings (field names, `/M`, `/Reason`) and object streams of documents that are
//! "protected" by an owner password only, as many archived government PDFs are.
//!
//! Supported: `/V 1`, `/V 2` (RC4, `/R 2` and `/R 3`) and `/V 4` with crypt filters `/V2` (RC4)
//! or `/AESV2` (AES-128-CBC). AES-256 (`/V 5`) and other handlers are reported as unsupported.
//! The `/Contents` of a signature dictionary is never encrypted (§7.6.1), so signatures are
//! located and hashed either way.

use aes::Aes128;
use cbc::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
use md5::{Digest, Md5};

use super::object::{Dictionary, Object, ObjectId, Value};

/// §7.6.3.3, Algorithm 2, step a: the padding string.
const PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    None,
    Rc4,
    Aes128,
}

/// Decrypts strings and streams of one document.
#[derive(Clone, Debug)]
pub(crate) struct Decryptor {
    key: Vec<u8>,
    strings: Method,
    streams: Method,
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

impl Decryptor {
    /// Set up from the `/Encrypt` dictionary and the first `/ID` string; `Err` names what is
    /// not supported or why the empty user password does not open the document.
    pub(crate) fn new(enc: &Dictionary<'_>, id0: &[u8]) -> Result<Self, &'static str> {
        if enc.name(b"Filter") != Some(b"Standard") {
            return Err("not the standard security handler");
        }
        let int = |k: &[u8]| enc.get(k).and_then(Object::as_i64);
        let v = int(b"V").unwrap_or(0);
        let r = int(b"R").ok_or("no /R")?;
        let o = string_of(enc, b"O").ok_or("no /O")?;
        let u = string_of(enc, b"U").ok_or("no /U")?;
        let p = int(b"P").ok_or("no /P")? as i32;
        if o.len() < 32 || u.len() < 16 {
            return Err("/O or /U too short");
        }
        let (strings, streams, len_bits) = match v {
            1 => (Method::Rc4, Method::Rc4, 40),
            2 => (Method::Rc4, Method::Rc4, int(b"Length").unwrap_or(40)),
            4 => {
                let cf = enc.get(b"CF").and_then(Object::as_dict);
                let method = |name: Option<&[u8]>| -> Result<(Method, i64), &'static str> {
                    let Some(name) = name else {
                        return Ok((Method::None, 128));
                    };
                    if name == b"Identity" {
                        return Ok((Method::None, 128));
                    }
                    let f = cf
                        .and_then(|c| c.get(name))
                        .and_then(Object::as_dict)
                        .ok_or("crypt filter not in /CF")?;
                    match f.name(b"CFM") {
                        Some(b"V2") => Ok((
                            Method::Rc4,
                            f.get(b"Length").and_then(Object::as_i64).map_or(128, |l| {
                                if l <= 16 {
                                    l * 8
                                } else {
                                    l
                                }
                            }),
                        )),
                        Some(b"AESV2") => Ok((Method::Aes128, 128)),
                        Some(b"None") | None => Ok((Method::None, 128)),
                        Some(_) => Err("unsupported crypt filter method"),
                    }
                };
                let (s, sl) = method(enc.name(b"StrF"))?;
                let (t, _) = method(enc.name(b"StmF"))?;
                (s, t, sl)
            }
            _ => return Err("unsupported /V (AES-256 or a proprietary handler)"),
        };
        let n = if r == 2 {
            5
        } else {
            (len_bits / 8).clamp(5, 16) as usize
        };
        let encrypt_metadata = !matches!(
            enc.get(b"EncryptMetadata").map(|o| &o.value),
            Some(Value::Bool(false))
        );
        // Algorithm 2: the file key from the (empty) user password.
        let mut h = Md5::new();
        h.update(PAD);
        h.update(&o[..32]);
        h.update(p.to_le_bytes());
        h.update(id0);
        if r >= 4 && !encrypt_metadata {
            h.update([0xFF; 4]);
        }
        let mut key = h.finalize().to_vec();
        if r >= 3 {
            for _ in 0..50 {
                key = Md5::digest(&key[..n]).to_vec();
            }
        }
        key.truncate(n);
        // Algorithms 4 and 5: the empty password is the user password iff /U matches.
        let ok = if r == 2 {
            rc4(&key, &PAD) == u[..32.min(u.len())]
        } else {
            let mut h = Md5::new();
            h.update(PAD);
            h.update(id0);
            let mut x = rc4(&key, &h.finalize());
            for i in 1..=19u8 {
                let k: Vec<u8> = key.iter().map(|b| b ^ i).collect();
                x = rc4(&k, &x);
            }
            x[..16] == u[..16]
        };
        if !ok {
            return Err("the document has a user password");
        }
        Ok(Decryptor {
            key,
            strings,
            streams,
        })
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
            Method::Aes128 => {
                if data.len() < 32 || data.len() % 16 != 0 {
                    return None;
                }
                let key = self.object_key(id, true);
                let (iv, body) = data.split_at(16);
                cbc::Decryptor::<Aes128>::new_from_slices(&key, iv)
                    .ok()?
                    .decrypt_padded_vec_mut::<Pkcs7>(body)
                    .ok()
            }
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

#[cfg(test)]
mod tests {
    use super::rc4;

    #[test]
    fn rc4_known_answer() {
        // RFC 6229 style vector: key "Key", plaintext "Plaintext".
        assert_eq!(
            rc4(b"Key", b"Plaintext"),
            [0xBB, 0xF3, 0x16, 0xE8, 0xD9, 0x40, 0xAF, 0x0A, 0xD3]
        );
    }
}
