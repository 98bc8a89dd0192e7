//! Tokens and direct objects (ISO 32000-1 §7.2, §7.3), parsed from any byte slice with spans.

use std::borrow::Cow;

use memchr::memchr2;

use super::error::PdfError;
use super::limits::MAX_NESTING;
use super::object::{Dictionary, Object, ObjectId, PdfString, Span, Value};

/// §7.2.2 Table 1: white-space characters.
pub(crate) fn is_white(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// §7.2.2 Table 2: delimiter characters.
pub(crate) fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// §7.2.2: a regular character is neither white space nor a delimiter.
pub(crate) fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delimiter(b)
}

/// A cursor over a byte slice. Offsets in spans are `base + position`, so a lexer over a
/// sub-slice can still report file offsets.
#[derive(Clone)]
pub(crate) struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at `pos` within `data`, whose first byte is at file offset `base`.
    pub(crate) fn new(data: &'a [u8], pos: usize, base: usize) -> Self {
        Lexer { data, pos, base }
    }

    /// Position within `data`.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Move to `pos` within `data`.
    pub(crate) fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.data.len());
    }

    /// Offset in the file (or decoded stream) of the current position.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Skip white space and comments (§7.2.3).
    pub(crate) fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                match memchr2(b'\r', b'\n', &self.data[self.pos..]) {
                    Some(i) => self.pos += i,
                    None => self.pos = self.data.len(),
                }
            } else {
                break;
            }
        }
    }

    /// If the next token is the keyword `kw` (followed by a non-regular byte), consume it.
    pub(crate) fn eat_keyword(&mut self, kw: &[u8]) -> bool {
        self.skip_ws();
        let rest = &self.data[self.pos..];
        if rest.starts_with(kw) && rest.get(kw.len()).is_none_or(|&b| !is_regular(b)) {
            self.pos += kw.len();
            true
        } else {
            false
        }
    }

    /// Read an unsigned decimal integer token, if one is next.
    pub(crate) fn read_uint(&mut self) -> Option<u64> {
        self.skip_ws();
        let start = self.pos;
        let mut v: u64 = 0;
        while let Some(b @ b'0'..=b'9') = self.peek() {
            v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
            self.pos += 1;
        }
        if self.pos == start || self.peek().is_some_and(is_regular) {
            self.pos = start;
            return None;
        }
        Some(v)
    }

    /// Read `n g obj` at the current position.
    pub(crate) fn read_object_header(&mut self) -> Option<ObjectId> {
        let save = self.pos;
        let ok = (|| {
            let num = u32::try_from(self.read_uint()?).ok()?;
            let gen = u16::try_from(self.read_uint()?).ok()?;
            self.eat_keyword(b"obj").then_some(ObjectId { num, gen })
        })();
        if ok.is_none() {
            self.pos = save;
        }
        ok
    }

    fn syntax(&self, expected: &'static str) -> PdfError {
        PdfError::Syntax {
            offset: self.offset(),
            expected,
        }
    }

    /// Parse one direct object (§7.3); `n g R` is read as a reference.
    pub(crate) fn parse_object(&mut self, depth: usize) -> Result<Object<'a>, PdfError> {
        if depth > MAX_NESTING {
            return Err(PdfError::NestingTooDeep {
                offset: self.offset(),
            });
        }
        self.skip_ws();
        let start = self.pos;
        let Some(b) = self.peek() else {
            return Err(PdfError::UnexpectedEof {
                offset: self.offset(),
            });
        };
        let value = match b {
            b'/' => {
                self.pos += 1;
                Value::Name(self.read_name())
            }
            b'(' => Value::String(self.read_literal()?),
            b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                Value::Dictionary(self.read_dict_body(depth, start)?)
            }
            b'<' => Value::String(self.read_hex()?),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        Some(_) => items.push(self.parse_object(depth + 1)?),
                        None => {
                            return Err(PdfError::UnexpectedEof {
                                offset: self.base + start,
                            })
                        }
                    }
                }
                Value::Array(items)
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.read_number_or_ref()?,
            _ => {
                let end = self.data[self.pos..]
                    .iter()
                    .position(|&c| !is_regular(c))
                    .map_or(self.data.len(), |i| self.pos + i);
                let word = &self.data[self.pos..end];
                let v = match word {
                    b"true" => Value::Bool(true),
                    b"false" => Value::Bool(false),
                    b"null" => Value::Null,
                    _ => return Err(self.syntax("an object")),
                };
                self.pos = end;
                v
            }
        };
        Ok(Object {
            span: Span::new(self.base + start, self.base + self.pos),
            value,
        })
    }

    /// The dictionary after `<<` (§7.3.7).
    fn read_dict_body(&mut self, depth: usize, start: usize) -> Result<Dictionary<'a>, PdfError> {
        let mut dict = Dictionary::default();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'>') if self.data.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    return Ok(dict);
                }
                Some(b'/') => {
                    self.pos += 1;
                    let key = self.read_name();
                    let value = self.parse_object(depth + 1)?;
                    dict.entries.push((key, value));
                }
                Some(_) => return Err(self.syntax("a name key or >>")),
                None => {
                    return Err(PdfError::UnexpectedEof {
                        offset: self.base + start,
                    })
                }
            }
        }
    }

    /// A name's characters after the slash, `#xx` decoded (§7.3.5).
    fn read_name(&mut self) -> Cow<'a, [u8]> {
        let start = self.pos;
        while self.peek().is_some_and(is_regular) {
            self.pos += 1;
        }
        let raw = &self.data[start..self.pos];
        if !raw.contains(&b'#') {
            return Cow::Borrowed(raw);
        }
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'#' && i + 3 <= raw.len() {
                let (h, l) = (raw[i + 1], raw[i + 2]);
                if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() {
                    let v = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                    out.push(v(h) << 4 | v(l));
                    i += 3;
                    continue;
                }
            }
            out.push(raw[i]);
            i += 1;
        }
        Cow::Owned(out)
    }

    /// A literal string: balanced parentheses, backslash escapes (§7.3.4.2).
    fn read_literal(&mut self) -> Result<PdfString<'a>, PdfError> {
        let start = self.pos;
        self.pos += 1;
        let mut depth = 1usize;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'\\' => self.pos += 1,
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(PdfString {
                            raw: Cow::Borrowed(&self.data[start + 1..self.pos - 1]),
                            hex: false,
                        });
                    }
                }
                _ => {}
            }
        }
        Err(PdfError::UnexpectedEof {
            offset: self.base + start,
        })
    }

    /// A hexadecimal string (§7.3.4.3).
    fn read_hex(&mut self) -> Result<PdfString<'a>, PdfError> {
        let start = self.pos;
        let Some(len) = memchr::memchr(b'>', &self.data[start..]) else {
            return Err(PdfError::UnexpectedEof {
                offset: self.base + start,
            });
        };
        let raw = &self.data[start + 1..start + len];
        if let Some(bad) = super::object::first_non_hex(raw) {
            self.pos = start + 1 + bad;
            return Err(self.syntax("a hexadecimal digit"));
        }
        self.pos = start + len + 1;
        Ok(PdfString {
            raw: Cow::Borrowed(raw),
            hex: true,
        })
    }

    /// A number (§7.3.3), or `n g R` when two unsigned integers are followed by `R`.
    fn read_number_or_ref(&mut self) -> Result<Value<'a>, PdfError> {
        let start = self.pos;
        let end = self.data[start..]
            .iter()
            .position(|&c| !is_regular(c))
            .map_or(self.data.len(), |i| start + i);
        let tok = &self.data[start..end];
        let text = std::str::from_utf8(tok).map_err(|_| self.syntax("a number"))?;
        if let Ok(i) = text.parse::<i64>() {
            self.pos = end;
            if i >= 0 && !text.starts_with('+') {
                let save = self.pos;
                if let Some(gen) = self.read_uint() {
                    if self.eat_keyword(b"R") {
                        if let (Ok(num), Ok(gen)) = (u32::try_from(i), u16::try_from(gen)) {
                            return Ok(Value::Reference(ObjectId { num, gen }));
                        }
                    }
                }
                self.pos = save;
            }
            return Ok(Value::Integer(i));
        }
        // Reals: PDF allows forms like "4." and "-.002"; also tolerate "--5" style junk
        // rejection by the parse below.
        match text.parse::<f64>() {
            Ok(r) if r.is_finite() => {
                self.pos = end;
                Ok(Value::Real(r))
            }
            _ => Err(self.syntax("a number")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &[u8]) -> Object<'_> {
        Lexer::new(src, 0, 0).parse_object(0).unwrap()
    }

    #[test]
    fn dictionary_with_refs_and_spans() {
        let src = b"<< /Type /Sig /Contents <00ff> /ByteRange [0 10 20 30] /P 3 0 R /N#20x -1.5 >>";
        let o = parse(src);
        let d = o.as_dict().unwrap();
        assert_eq!(d.name(b"Type"), Some(&b"Sig"[..]));
        let c = d.get(b"Contents").unwrap();
        assert_eq!(&src[c.span.start..c.span.end], b"<00ff>");
        assert_eq!(c.as_string().unwrap().decode(), vec![0, 255]);
        assert_eq!(
            d.get(b"P").unwrap().as_reference(),
            Some(ObjectId { num: 3, gen: 0 })
        );
        assert_eq!(d.get(b"N x").unwrap().value, Value::Real(-1.5));
        assert_eq!(o.span, Span::new(0, src.len()));
    }

    #[test]
    fn nesting_is_bounded() {
        let src = vec![b'['; MAX_NESTING + 10];
        let err = Lexer::new(&src, 0, 0).parse_object(0).unwrap_err();
        assert!(matches!(err, PdfError::NestingTooDeep { .. }));
    }

    #[test]
    fn unterminated_string_is_an_error() {
        let err = Lexer::new(b"(abc", 0, 100).parse_object(0).unwrap_err();
        assert_eq!(err, PdfError::UnexpectedEof { offset: 100 });
    }
}
