//! PDF objects (ISO 32000-1 §7.3) with the byte span each one occupies in its source.
//!
//! Names and strings borrow from the source bytes where they can (`Cow::Borrowed`); objects
//! read out of a decoded object stream own their bytes. Strings keep their raw token and are
//! decoded on demand, so a 30 KB `/Contents` hex string is never copied unless asked for.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

/// A half-open byte interval `[start, end)` in the file (or, for objects inside an object
/// stream, in that stream's decoded data; see [`Origin`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// `[start, end)`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// Number of bytes covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An indirect object's identity: `n g R` (§7.3.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectId {
    /// Object number.
    pub num: u32,
    /// Generation number.
    pub gen: u16,
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} R", self.num, self.gen)
    }
}

/// A string object (§7.3.4): literal `( … )` or hexadecimal `< … >`.
#[derive(Clone, Debug, PartialEq)]
pub struct PdfString<'a> {
    /// The bytes between the delimiters, undecoded.
    pub raw: Cow<'a, [u8]>,
    /// True for a hexadecimal string.
    pub hex: bool,
}

impl PdfString<'_> {
    /// The string's bytes: escapes of a literal string resolved (§7.3.4.2), hex digits of a
    /// hexadecimal string paired (§7.3.4.3: white space ignored, a final odd digit is
    /// followed by an assumed 0).
    pub fn decode(&self) -> Vec<u8> {
        if self.hex {
            decode_hex(&self.raw)
        } else {
            decode_literal(&self.raw)
        }
    }

    /// The string as text (§7.9.2.2): UTF-16BE with a byte order mark, UTF-8 with a byte
    /// order mark (PDF 2.0), otherwise PDFDocEncoding.
    pub fn text(&self) -> String {
        decode_text(&self.decode())
    }
}

/// A dictionary (§7.3.7). Entries keep their file order and duplicates: a dictionary with the
/// same key twice is a finding for the caller, not something to resolve silently.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dictionary<'a> {
    /// Key (decoded name, without the slash) and value, in file order.
    pub entries: Vec<(Cow<'a, [u8]>, Object<'a>)>,
}

impl<'a> Dictionary<'a> {
    /// The first value stored under `key`.
    pub fn get(&self, key: &[u8]) -> Option<&Object<'a>> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v)
    }

    /// How many entries carry `key`.
    pub fn count(&self, key: &[u8]) -> usize {
        self.entries
            .iter()
            .filter(|(k, _)| k.as_ref() == key)
            .count()
    }

    /// The value under `key` if it is a name.
    pub fn name(&self, key: &[u8]) -> Option<&[u8]> {
        self.get(key).and_then(Object::as_name)
    }

    /// Copy every borrowed byte so the dictionary outlives its source.
    pub fn into_owned(self) -> Dictionary<'static> {
        Dictionary {
            entries: self
                .entries
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                .collect(),
        }
    }
}

/// A direct object and the bytes it was parsed from.
#[derive(Clone, Debug, PartialEq)]
pub struct Object<'a> {
    /// Where the object's token(s) sit in the source.
    pub span: Span,
    /// The value.
    pub value: Value<'a>,
}

/// The value of a direct object (§7.3).
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A real number.
    Real(f64),
    /// A name, `#xx` escapes decoded, without its slash.
    Name(Cow<'a, [u8]>),
    /// A string.
    String(PdfString<'a>),
    /// An array.
    Array(Vec<Object<'a>>),
    /// A dictionary.
    Dictionary(Dictionary<'a>),
    /// An indirect reference `n g R`.
    Reference(ObjectId),
}

impl<'a> Object<'a> {
    /// The integer value, if any.
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Integer(i) => Some(i),
            _ => None,
        }
    }

    /// The name value, if any.
    pub fn as_name(&self) -> Option<&[u8]> {
        match &self.value {
            Value::Name(n) => Some(n),
            _ => None,
        }
    }

    /// The string value, if any.
    pub fn as_string(&self) -> Option<&PdfString<'a>> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The array value, if any.
    pub fn as_array(&self) -> Option<&[Object<'a>]> {
        match &self.value {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The dictionary value, if any.
    pub fn as_dict(&self) -> Option<&Dictionary<'a>> {
        match &self.value {
            Value::Dictionary(d) => Some(d),
            _ => None,
        }
    }

    /// The reference, if this is one.
    pub fn as_reference(&self) -> Option<ObjectId> {
        match self.value {
            Value::Reference(id) => Some(id),
            _ => None,
        }
    }

    /// A short name for the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Integer(_) => "integer",
            Value::Real(_) => "real",
            Value::Name(_) => "name",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Dictionary(_) => "dictionary",
            Value::Reference(_) => "reference",
        }
    }

    /// Copy every borrowed byte so the object outlives its source.
    pub fn into_owned(self) -> Object<'static> {
        let value = match self.value {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Integer(i) => Value::Integer(i),
            Value::Real(r) => Value::Real(r),
            Value::Name(n) => Value::Name(Cow::Owned(n.into_owned())),
            Value::String(s) => Value::String(PdfString {
                raw: Cow::Owned(s.raw.into_owned()),
                hex: s.hex,
            }),
            Value::Array(a) => Value::Array(a.into_iter().map(Object::into_owned).collect()),
            Value::Dictionary(d) => Value::Dictionary(d.into_owned()),
            Value::Reference(id) => Value::Reference(id),
        };
        Object {
            span: self.span,
            value,
        }
    }
}

/// Where an indirect object was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "in")]
pub enum Origin {
    /// Directly in the file; spans are file offsets.
    File,
    /// Inside object stream `stream` (§7.5.7); spans are offsets in its decoded data.
    ObjectStream {
        /// The object stream's object number.
        stream: u32,
    },
}

/// Class of each byte in a hexadecimal string (§7.3.4.3): its value for a hex digit,
/// [`HEX_WHITE`] for white space (§7.2.3 Table 1, ignored), [`HEX_BAD`] for anything else.
pub(crate) const HEX_CLASS: [u8; 256] = {
    let mut t = [HEX_BAD; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    let white = [b'\0', b'\t', b'\n', b'\x0c', b'\r', b' '];
    let mut i = 0;
    while i < white.len() {
        t[white[i] as usize] = HEX_WHITE;
        i += 1;
    }
    t
};
/// [`HEX_CLASS`] of white space.
pub(crate) const HEX_WHITE: u8 = 0x10;
/// [`HEX_CLASS`] of a byte that may not appear in a hexadecimal string.
pub(crate) const HEX_BAD: u8 = 0xff;

fn hex_val(b: u8) -> Option<u8> {
    let v = HEX_CLASS[b as usize];
    (v < 16).then_some(v)
}

/// Decode the inside of a hexadecimal string; non-hex bytes (white space) are skipped.
pub(crate) fn decode_hex(raw: &[u8]) -> Vec<u8> {
    decode_hex_prefix(raw, usize::MAX)
}

/// The first `limit` bytes that the inside of a hexadecimal string decodes to (fewer if it is
/// shorter). Signature `/Contents` are reserved generously and zero-padded (§12.8.1); only
/// the CMS object at their start is ever needed, so its length is read from the first bytes
/// and the padding is never decoded.
pub(crate) fn decode_hex_prefix(raw: &[u8], limit: usize) -> Vec<u8> {
    let pairs = (raw.len() / 2).min(limit);
    let mut out = vec![0u8; pairs];
    // Fastest path: digits only, as signature /Contents are written (SIMD, checked first).
    if all_hex_digits(&raw[..2 * pairs]) {
        faster_hex::hex_decode_unchecked(&raw[..2 * pairs], &mut out);
        if pairs == limit {
            return out;
        }
        return decode_hex_slow(&raw[raw.len() & !1..], out, limit);
    }
    // Fast path: a table lookup per digit until the first white space.
    for (i, pair) in raw[..2 * pairs].chunks_exact(2).enumerate() {
        let (h, l) = (HEX_CLASS[pair[0] as usize], HEX_CLASS[pair[1] as usize]);
        if (h | l) > 15 {
            out.truncate(i);
            return decode_hex_slow(&raw[2 * i..], out, limit);
        }
        out[i] = h << 4 | l;
    }
    if pairs == limit {
        return out;
    }
    decode_hex_slow(&raw[raw.len() & !1..], out, limit)
}

fn decode_hex_slow(raw: &[u8], mut out: Vec<u8>, limit: usize) -> Vec<u8> {
    let mut hi: Option<u8> = None;
    for &b in raw {
        if out.len() >= limit {
            return out;
        }
        if let Some(v) = hex_val(b) {
            match hi.take() {
                Some(h) => out.push(h << 4 | v),
                None => hi = Some(v),
            }
        }
    }
    if let (Some(h), true) = (hi, out.len() < limit) {
        out.push(h << 4);
    }
    out
}

/// How many bytes a whole hexadecimal string decodes to (§7.3.4.3: white space ignored, an
/// odd final digit completed with 0). `raw` must hold only hex digits and white space, as
/// the lexer guarantees.
pub(crate) fn hex_decoded_len(raw: &[u8]) -> usize {
    // Every white-space byte sorts below '0' and every digit at or above it: one comparison
    // per byte, which the compiler vectorises.
    // Counted in byte lanes, 255 bytes at a time, so no lane can overflow.
    let white: usize = raw
        .chunks(255)
        .map(|c| usize::from(c.iter().fold(0u8, |n, &c| n + u8::from(c < b'0'))))
        .sum();
    (raw.len() - white).div_ceil(2)
}

/// White space inside a hexadecimal string (§7.2.3 Table 1), as a comparison the compiler
/// can vectorise (the table lookup cannot be).
fn is_hex_white(c: u8) -> bool {
    c == b' ' || c == 0 || c == b'\t' || c == b'\n' || c == 0x0c || c == b'\r'
}

/// Whether every byte of `raw` is a hexadecimal digit (either case). Signature `/Contents`
/// are most of a signed document's bytes and every one is checked here: 32 bytes a step with
/// AVX2 where the processor has it (a quarter of an instruction per byte, where
/// `faster_hex::hex_check`'s 16-byte SSE steps take six times more), else `faster_hex`.
pub(crate) fn all_hex_digits(raw: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor supports AVX2, the only feature the function enables.
        #[allow(unsafe_code)]
        return unsafe { all_hex_digits_avx2(raw) };
    }
    faster_hex::hex_check(raw)
}

/// [`all_hex_digits_portable`] compiled for AVX2 (the compiler vectorises its branch-free
/// 64-byte blocks).
///
/// # Safety
/// The processor must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(unsafe_code)]
unsafe fn all_hex_digits_avx2(raw: &[u8]) -> bool {
    all_hex_digits_portable(raw)
}

/// Every byte a hexadecimal digit, in branch-free blocks of 64 bytes.
#[inline(always)]
fn all_hex_digits_portable(raw: &[u8]) -> bool {
    let digit = |c: u8| (c.wrapping_sub(b'0') < 10) | ((c | 0x20).wrapping_sub(b'a') < 6);
    let mut chunks = raw.chunks_exact(64);
    for chunk in &mut chunks {
        if !chunk.iter().fold(true, |a, &c| a & digit(c)) {
            return false;
        }
    }
    chunks.remainder().iter().all(|&c| digit(c))
}

/// The offset of the first byte that may not appear in a hexadecimal string (§7.3.4.3), or
/// `None`. Signature `/Contents` make hex strings the bulk of a signed PDF's small objects,
/// so a string of digits only is checked in one SIMD pass; one with white space in blocks of
/// 64 bytes, branch-free (vectorised), and only a failing block byte by byte.
pub(crate) fn first_non_hex(raw: &[u8]) -> Option<usize> {
    // Digits only (no white space), the usual case: one SIMD pass.
    if all_hex_digits(raw) {
        return None;
    }
    let ok =
        |c: u8| c.wrapping_sub(b'0') < 10 || (c | 0x20).wrapping_sub(b'a') < 6 || is_hex_white(c);
    let mut chunks = raw.chunks_exact(64);
    let mut base = 0;
    for chunk in &mut chunks {
        if !chunk.iter().fold(true, |a, &c| a & ok(c)) {
            break;
        }
        base += 64;
    }
    raw[base..].iter().position(|&c| !ok(c)).map(|p| base + p)
}

/// Decode the inside of a literal string (§7.3.4.2, Table 3).
pub(crate) fn decode_literal(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        i += 1;
        match b {
            b'\\' if i < raw.len() => {
                let e = raw[i];
                i += 1;
                match e {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0c),
                    b'0'..=b'7' => {
                        let mut v = u32::from(e - b'0');
                        for _ in 0..2 {
                            match raw.get(i) {
                                Some(&d @ b'0'..=b'7') => {
                                    v = v * 8 + u32::from(d - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push(v as u8);
                    }
                    // A backslash before an end-of-line marker continues the line.
                    b'\r' => {
                        if raw.get(i) == Some(&b'\n') {
                            i += 1;
                        }
                    }
                    b'\n' => {}
                    other => out.push(other),
                }
            }
            // An unescaped end-of-line marker reads as a single line feed.
            b'\r' => {
                if raw.get(i) == Some(&b'\n') {
                    i += 1;
                }
                out.push(b'\n');
            }
            other => out.push(other),
        }
    }
    out
}

/// PDFDocEncoding (Annex D.2) code points 0x18–0x1F and 0x80–0x9F; elsewhere it equals
/// ISO Latin-1.
const PDFDOC_HIGH: [char; 32] = [
    '\u{2022}', '\u{2020}', '\u{2021}', '\u{2026}', '\u{2014}', '\u{2013}', '\u{0192}', '\u{2044}',
    '\u{2039}', '\u{203A}', '\u{2212}', '\u{2030}', '\u{201E}', '\u{201C}', '\u{201D}', '\u{2018}',
    '\u{2019}', '\u{201A}', '\u{2122}', '\u{FB01}', '\u{FB02}', '\u{0141}', '\u{0152}', '\u{0160}',
    '\u{0178}', '\u{017D}', '\u{0131}', '\u{0142}', '\u{0153}', '\u{0161}', '\u{017E}', '\u{FFFD}',
];
const PDFDOC_LOW: [char; 8] = [
    '\u{02D8}', '\u{02C7}', '\u{02C6}', '\u{02D9}', '\u{02DD}', '\u{02DB}', '\u{02DA}', '\u{02DC}',
];

/// Decode a text string (§7.9.2.2).
pub(crate) fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes
        .iter()
        .map(|&b| match b {
            0x18..=0x1F => PDFDOC_LOW[usize::from(b - 0x18)],
            0x80..=0x9F => PDFDOC_HIGH[usize::from(b - 0x80)],
            0xAD => '\u{FFFD}',
            _ => char::from(b),
        })
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn table_hex_decoding_equals_the_digit_by_digit_reading() {
        let alphabet = b"0123456789abcdefABCDEF \n\rg>";
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for len in 0..200 {
            for _ in 0..20 {
                let raw: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        alphabet[(x % alphabet.len() as u64) as usize]
                    })
                    .collect();
                let reference = decode_hex_slow(&raw, Vec::new(), usize::MAX);
                assert_eq!(
                    decode_hex(&raw),
                    reference,
                    "{:?}",
                    String::from_utf8_lossy(&raw)
                );
                // A prefix is the whole decoding cut short.
                let limit = (x % 120) as usize;
                let want = &reference[..reference.len().min(limit)];
                assert_eq!(decode_hex_prefix(&raw, limit), want);
                // The vectorised checks agree with the table.
                let bad = raw.iter().position(|&c| HEX_CLASS[c as usize] == HEX_BAD);
                assert_eq!(first_non_hex(&raw), bad);
                if bad.is_none() {
                    assert_eq!(hex_decoded_len(&raw), reference.len());
                }
            }
        }
    }
    use super::*;

    /// The AVX2 digit check, its portable form and `faster_hex` agree, whatever the length
    /// and wherever a single byte next to the digits' ranges (or white space, or a high byte)
    /// stands: every 64-byte block and the tail are checked.
    #[test]
    fn the_vectorised_digit_check_finds_any_non_digit_anywhere() {
        let digits = b"0123456789abcdefABCDEF";
        for len in 0..300usize {
            let mut raw: Vec<u8> = (0..len).map(|i| digits[(i * 7) % digits.len()]).collect();
            assert!(all_hex_digits(&raw), "{len} digits");
            assert!(all_hex_digits_portable(&raw));
            for bad in [
                b'/', b':', b'@', b'G', b'`', b'g', b' ', b'>', 0, 0x80, 0xff,
            ] {
                for at in [0, len / 2, len.saturating_sub(1)] {
                    if at >= len {
                        continue;
                    }
                    let keep = raw[at];
                    raw[at] = bad;
                    assert!(!all_hex_digits(&raw), "{bad:#x} at {at} of {len}");
                    assert!(!all_hex_digits_portable(&raw));
                    assert!(!faster_hex::hex_check(&raw));
                    raw[at] = keep;
                }
            }
        }
    }

    #[test]
    fn literal_escapes() {
        assert_eq!(decode_literal(br"a\(b\)\\\n\101\7x"), b"a(b)\\\nA\x07x");
        assert_eq!(decode_literal(b"a\\\r\nb\r\nc"), b"ab\nc");
    }

    #[test]
    fn hex_odd_digit_and_space() {
        assert_eq!(decode_hex(b"4 1 4"), b"A@");
        assert_eq!(decode_hex(b"901FA"), vec![0x90, 0x1f, 0xa0]);
    }

    #[test]
    fn text_utf16_and_pdfdoc() {
        assert_eq!(decode_text(&[0xFE, 0xFF, 0x00, 0x48, 0x1E, 0xA1]), "Hạ");
        assert_eq!(decode_text(b"caf\xe9 \x8dx\x8e \x93"), "café “x” ﬁ");
    }
}
