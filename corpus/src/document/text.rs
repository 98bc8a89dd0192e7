//! Page text and the small PDF syntax helpers the document modules share.

use std::fmt::Write as _;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::pdf::literal;

const WORDS: [&str; 40] = [
    "quyet", "dinh", "ve", "viec", "phe", "duyet", "ke", "hoach", "ngan", "sach", "nha", "nuoc",
    "cac", "co", "quan", "don", "vi", "thuc", "hien", "theo", "quy", "dinh", "phap", "luat",
    "trien", "khai", "bao", "cao", "tinh", "hinh", "dau", "tu", "cong", "trinh", "so", "lieu",
    "thong", "ke", "nam", "2025",
];

/// A page's content stream: its header lines, a blank line, then `lines` lines of random words.
pub(super) fn page_text(rng: &mut ChaCha8Rng, header: &[String], lines: usize) -> Vec<u8> {
    let mut s = String::from("BT\n/F1 11 Tf\n14 TL\n56 790 Td\n");
    for h in header {
        writeln!(s, "{} Tj T*", literal(h)).expect("String");
    }
    s.push_str("T*\n");
    for _ in 0..lines {
        let mut line = String::new();
        while line.len() < 78 {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(WORDS[rng.gen_range(0..WORDS.len())]);
        }
        writeln!(s, "{} Tj T*", literal(&line)).expect("String");
    }
    s.push_str("ET\n");
    s.into_bytes()
}

/// One line of text at `y` on the page text's left margin.
pub(super) fn amount_line(y: i64, text: &str) -> String {
    format!("BT\n/F1 11 Tf\n56 {y} Td\n{} Tj\nET\n", literal(text))
}

/// `N 0 R` for each object, space-separated.
pub(super) fn refs(ids: &[u32]) -> String {
    ids.iter()
        .map(|id| format!("{id} 0 R"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lower-case hexadecimal, as a `/Contents` string holds a CMS.
pub(super) fn hex(der: &[u8]) -> String {
    der.iter().map(|b| format!("{b:02x}")).collect()
}
