//! Cross-reference and object streams decoded (§7.4.4 FlateDecode with PNG predictors,
//! §7.5.7 object streams, §7.5.8 cross-reference streams), within the decode budgets.

use std::rc::Rc;

use memchr::memmem;

use super::{Entry, Indirect, Resolver};
use crate::pdf::error::PdfError;
use crate::pdf::lexer::Lexer;
use crate::pdf::limits::{MAX_DECODED_STREAM, MAX_DECODED_TOTAL};
use crate::pdf::object::{Dictionary, Object, ObjectId, Value};

/// A decoded object stream: its data, the offset of its first object, and its index.
pub(super) struct ObjStm {
    pub(super) data: Vec<u8>,
    pub(super) first: usize,
    pub(super) index: Vec<(u32, usize)>,
}

impl<'a> Resolver<'a> {
    /// Decode a cross-reference or object stream: FlateDecode (§7.4.4) with an optional PNG
    /// predictor (§7.4.4.4), within the decode budgets.
    pub(super) fn decode_stream(
        &mut self,
        ind: &Indirect<'a>,
        dict: &Dictionary<'a>,
    ) -> Result<Vec<u8>, PdfError> {
        let id = ind.id;
        let raw_span = ind.stream.ok_or(PdfError::BadStream {
            id,
            reason: "no stream data",
        })?;
        let mut raw = std::borrow::Cow::Borrowed(&self.data[raw_span.start..raw_span.end]);
        if dict.name(b"Type") != Some(b"XRef") {
            if let Some(c) = &self.crypt {
                raw = std::borrow::Cow::Owned(c.stream(id, &raw).ok_or(PdfError::BadStream {
                    id,
                    reason: "cannot decrypt",
                })?);
            }
        }
        let raw = raw.as_ref();
        let filters: Vec<&[u8]> = match dict.get(b"Filter").map(|o| &o.value) {
            None | Some(Value::Null) => vec![],
            Some(Value::Name(n)) => vec![n.as_ref()],
            Some(Value::Array(a)) => a.iter().filter_map(Object::as_name).collect(),
            Some(_) => {
                return Err(PdfError::BadStream {
                    id,
                    reason: "/Filter is not a name or array",
                })
            }
        };
        let budget = MAX_DECODED_STREAM
            .min(MAX_DECODED_TOTAL.saturating_sub(self.decoded_total))
            .min(usize::try_from(self.memory.remaining()).unwrap_or(usize::MAX));
        let mut out = match filters.as_slice() {
            [] => raw.to_vec(),
            [f] if *f == b"FlateDecode" || *f == b"Fl" => {
                crate::pdf::inflate(raw, budget).map_err(|()| PdfError::Inflate { id })?
            }
            other => {
                return Err(PdfError::UnsupportedFilter {
                    id,
                    filter: other
                        .iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect::<Vec<_>>()
                        .join(" "),
                })
            }
        };
        self.memory.check_bomb(
            || format!("object {}", id.num),
            raw.len() as u64,
            out.len() as u64,
        );
        if out.len() > budget || !self.memory.charge(out.len() as u64) {
            if out.len() as u64 > self.memory.remaining() {
                self.memory.refuse();
            }
            return Err(PdfError::DecodeBudget { id, limit: budget });
        }
        self.decoded_total += out.len();
        let parms = dict.get(b"DecodeParms").and_then(|o| match &o.value {
            Value::Dictionary(d) => Some(d),
            Value::Array(a) => a.first().and_then(Object::as_dict),
            _ => None,
        });
        if let Some(p) = parms {
            let get = |k: &[u8], d: i64| p.get(k).and_then(Object::as_i64).unwrap_or(d);
            let predictor = get(b"Predictor", 1);
            if predictor >= 10 {
                let colors = get(b"Colors", 1).clamp(1, 4) as usize;
                let bpc = get(b"BitsPerComponent", 8).clamp(1, 16) as usize;
                let columns = get(b"Columns", 1).clamp(1, 1 << 20) as usize;
                out = png_unpredict(&out, colors * bpc * columns / 8, (colors * bpc).div_ceil(8))
                    .ok_or(PdfError::BadStream {
                    id,
                    reason: "bad PNG predictor data",
                })?;
            } else if predictor != 1 {
                return Err(PdfError::BadStream {
                    id,
                    reason: "unsupported predictor",
                });
            }
        }
        Ok(out)
    }

    pub(super) fn objstm(
        &mut self,
        num: u32,
        rev: usize,
        depth: usize,
    ) -> Result<Rc<ObjStm>, PdfError> {
        let id = ObjectId { num, gen: 0 };
        let bad = |reason| PdfError::BadStream { id, reason };
        let offset = match self.entry(num, rev) {
            Some(Entry::InFile { offset, .. }) => offset,
            _ => return Err(bad("object stream is not an uncompressed object")),
        };
        if let Some(s) = self.objstms.get(&(num, offset)) {
            return Ok(s.clone());
        }
        let ind = self.parse_at(offset, id, depth)?;
        let dict = ind.object.as_dict().ok_or(bad("not a stream"))?.clone();
        // §7.6.1: object streams of an encrypted file are encrypted (cross-reference streams
        // are not); without a usable security handler they cannot be read.
        if self.encrypted && self.crypt.is_none() {
            return Err(PdfError::EncryptedObjectStream {
                id,
                reason: self.crypt_error.clone().unwrap_or_default(),
            });
        }
        if dict.name(b"Type") != Some(b"ObjStm") {
            return Err(bad("not /Type /ObjStm"));
        }
        let n = dict
            .get(b"N")
            .and_then(Object::as_i64)
            .ok_or(bad("no /N"))?;
        let first = dict
            .get(b"First")
            .and_then(Object::as_i64)
            .and_then(|f| usize::try_from(f).ok())
            .ok_or(bad("no /First"))?;
        let data = self.decode_stream(&ind, &dict)?;
        if n < 0 || first > data.len() || n as usize > data.len() / 2 {
            return Err(bad("/N or /First inconsistent with the data"));
        }
        let mut lx = Lexer::new(&data[..first], 0, 0);
        let mut index = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let (Some(o), Some(p)) = (lx.read_uint(), lx.read_uint()) else {
                return Err(bad("bad object stream header"));
            };
            let (Ok(o), Ok(p)) = (u32::try_from(o), usize::try_from(p)) else {
                return Err(bad("bad object stream header"));
            };
            index.push((o, p));
        }
        let s = Rc::new(ObjStm { data, first, index });
        self.objstms.insert((num, offset), s.clone());
        Ok(s)
    }

    /// Objects of the final revision's object streams whose text holds `needle`, with their
    /// stream: what a scan of the raw file cannot see (§7.5.7: the streams are compressed).
    /// Each object stream is decoded once (and cached), within the decode budgets; one that
    /// does not decode is skipped.
    pub(crate) fn compressed_objects_with(&mut self, needle: &[u8]) -> Vec<(u32, u32)> {
        let last = self.revision_count().saturating_sub(1);
        let mut streams: Vec<u32> = self
            .merged
            .iter()
            .flat_map(|m| m.values())
            .filter_map(|e| match e {
                Entry::Compressed { stream, .. } => Some(*stream),
                _ => None,
            })
            .collect();
        streams.sort_unstable();
        streams.dedup();
        let mut out = Vec::new();
        for stream in streams {
            let Ok(os) = self.objstm(stream, last, 0) else {
                continue;
            };
            let body = os.data.get(os.first..).unwrap_or_default();
            for p in memmem::find_iter(body, needle) {
                // The object whose definition starts at or before the match.
                let owner = os
                    .index
                    .iter()
                    .filter(|&&(_, off)| off <= p)
                    .max_by_key(|&&(_, off)| off);
                if let Some(&(num, _)) = owner {
                    out.push((num, stream));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Undo PNG prediction (§7.4.4.4): each row starts with its filter type byte.
fn png_unpredict(data: &[u8], row_len: usize, bpp: usize) -> Option<Vec<u8>> {
    if row_len == 0 {
        return None;
    }
    let stride = row_len + 1;
    let mut out = Vec::with_capacity(data.len() / stride * row_len);
    let mut prev = vec![0u8; row_len];
    for chunk in data.chunks(stride) {
        if chunk.len() < stride {
            break;
        }
        let (ft, row) = (chunk[0], &chunk[1..]);
        let mut cur = vec![0u8; row_len];
        for i in 0..row_len {
            let a = if i >= bpp { cur[i - bpp] } else { 0 };
            let b = prev[i];
            let c = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = match ft {
                0 => row[i],
                1 => row[i].wrapping_add(a),
                2 => row[i].wrapping_add(b),
                3 => row[i].wrapping_add(((u16::from(a) + u16::from(b)) / 2) as u8),
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    let pred = if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    };
                    row[i].wrapping_add(pred)
                }
                _ => return None,
            };
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    Some(out)
}
