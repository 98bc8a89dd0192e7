//! An update's bytes against its cross-reference section: the parser differential behind the
//! incremental saving attacks (objects no entry reaches, entries landing on other objects).

use super::{Change, ChangeClass, FindingKind};
use crate::pdf::objects::{scan_objects, Entry, Lexer, Resolver};
use crate::pdf::Revision;
use std::collections::BTreeMap;

use crate::cache::{FastMap as HashMap, FastSet as HashSet};

/// Revision `i`'s own cross-reference entries (its sections merged, newest winning), and
/// whether it is a scanned pseudo-revision, which has no table to compare with.
pub(super) fn revision_entries(r: &Resolver<'_>, i: usize) -> (HashMap<u32, Entry>, bool) {
    let mut entries: HashMap<u32, Entry> = HashMap::default();
    let mut scanned = false;
    for s in r.sections.iter().rev().filter(|s| s.revision == i) {
        scanned |= s.kind == crate::pdf::SectionKind::Scan;
        entries.extend(s.entries.iter().map(|(&n, &e)| (n, e)));
    }
    (entries, scanned)
}

/// The update's bytes (revision `i`) against its cross-reference `entries`; `before` is the
/// view as of revision `i - 1`.
pub(super) fn differential<'a>(
    r: &mut Resolver<'a>,
    revisions: &[Revision],
    i: usize,
    entries: &HashMap<u32, Entry>,
    before: &HashMap<u32, Entry>,
    changes: &mut Vec<Change>,
    settled: &mut HashSet<u32>,
) {
    let data = r.data;
    let start = revisions[i - 1].end.min(data.len());
    let end = revisions[i].end.clamp(start, data.len());
    let xref_offsets: HashSet<usize> = revisions[i].xref.iter().map(|x| x.0).collect();
    let mut nums: Vec<u32> = entries.keys().copied().collect();
    nums.sort_unstable();
    for num in nums {
        let Entry::InFile { offset, .. } = entries[&num] else {
            continue;
        };
        if before.get(&num) == Some(&entries[&num]) {
            settled.insert(num); // listed again, unchanged
            continue;
        }
        let forbid = |kind, detail: String| Change {
            object: Some(num),
            class: ChangeClass::Forbidden { kind },
            detail,
        };
        if offset >= data.len() {
            settled.insert(num);
            changes.push(forbid(
                FindingKind::XrefDifferential,
                format!(
                    "the entry for object {num} points past the end of the file (byte {offset})"
                ),
            ));
            continue;
        }
        let header = Lexer::new(data, offset, 0).read_object_header();
        match header {
            Some(h) if h.num == num => {}
            other => {
                settled.insert(num);
                changes.push(forbid(
                    FindingKind::XrefDifferential,
                    match other {
                        Some(h) => format!(
                            "the entry for object {num} points at object {}'s definition \
                             (byte {offset}): strict and lenient readers disagree",
                            h.num
                        ),
                        None => format!(
                            "the entry for object {num} points at byte {offset}, where no \
                             object starts"
                        ),
                    },
                ));
                continue;
            }
        }
        if offset < start {
            settled.insert(num);
            let was = revisions
                .iter()
                .position(|rv| offset < rv.end)
                .map_or(0, |p| p + 1);
            changes.push(forbid(
                FindingKind::ShadowHideAndReplace,
                format!(
                    "object {num} is redirected to a definition already in revision {was}'s \
                     bytes (byte {offset})"
                ),
            ));
        }
    }
    // Definitions in the update's bytes that no entry reaches.
    let reached: HashSet<usize> = entries
        .values()
        .filter_map(|e| match e {
            Entry::InFile { offset, .. } => Some(*offset),
            _ => None,
        })
        .collect();
    let mut unreached: BTreeMap<u32, usize> = BTreeMap::new();
    for (num, _gen, off) in scan_objects(&data[start..end]) {
        let at = start + off;
        if reached.contains(&at) || xref_offsets.contains(&at) {
            continue;
        }
        // The scan may land inside a stream's data: only a definition that is not inside
        // another object reached from this section counts.
        if inside_reached_object(data, &reached, at) {
            continue;
        }
        unreached.entry(num).or_insert(at);
    }
    let mut scans_left = MAX_REFERENCE_SCANS;
    for (num, at) in unreached {
        let live = entries.contains_key(&num) || before.contains_key(&num);
        if !shown_by_a_lenient_reader(data, num, at, live, &mut scans_left) {
            continue;
        }
        settled.insert(num);
        changes.push(Change {
            object: Some(num),
            class: ChangeClass::Forbidden {
                kind: FindingKind::UnreachableUpdate,
            },
            detail: format!(
                "object {num} is defined at byte {at} in this update but its cross-reference \
                 section does not reach it: a lenient reader would use it"
            ),
        });
    }
}

/// Whether an object defined at `at` that no cross-reference entry reaches changes what a
/// lenient reader (one that rebuilds the table by scanning, taking each object's last
/// definition) shows. Not a cross-reference stream: ISO 32000-1 locates one through
/// `startxref` and `/Prev` (§7.5.5, §7.5.8), never through an entry of its own, and writers
/// that leave their stream out of its own index leave nothing a reader could display. Of
/// other objects, only one whose number the document already uses (it would replace a live
/// object) or that something refers to (`num … R`) can be shown; a definition nothing
/// names is invisible to every reader.
pub(super) fn shown_by_a_lenient_reader(
    data: &[u8],
    num: u32,
    at: usize,
    live: bool,
    scans_left: &mut usize,
) -> bool {
    // The object's own dictionary: up to its `stream` or `endobj`, whichever comes first.
    let head = &data[at..data.len().min(at + 512)];
    let dict_end = [&b"stream"[..], b"endobj"]
        .iter()
        .filter_map(|k| memchr::memmem::find(head, k))
        .min()
        .unwrap_or(head.len());
    let is_xref_stream = memchr::memmem::find(&head[..dict_end], b"/XRef").is_some()
        && memchr::memmem::find(&head[..dict_end], b"/Type").is_some();
    if is_xref_stream {
        return false;
    }
    if live {
        return true;
    }
    // Each look for a reference reads the whole file: past the budget, an unreached object
    // is taken to be shown (flagged), never cleared unchecked.
    if *scans_left == 0 {
        return true;
    }
    *scans_left -= 1;
    referenced(data, num)
}

/// Unreached objects per update whose references are looked for in the whole file (each look
/// reads the file once). A benign writer leaves one or two such objects; an update with more
/// is flagged without looking.
pub(super) const MAX_REFERENCE_SCANS: usize = 16;

/// Whether `data` holds an indirect reference to object `num` (`num gen R`, §7.3.10).
pub(super) fn referenced(data: &[u8], num: u32) -> bool {
    let needle = format!("{num} ");
    memchr::memmem::find_iter(data, needle.as_bytes()).any(|p| {
        let boundary = p == 0 || !data[p - 1].is_ascii_digit();
        let rest = &data[p + needle.len()..data.len().min(p + needle.len() + 8)];
        let gen = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        boundary
            && gen > 0
            && rest.get(gen) == Some(&b' ')
            && rest.get(gen + 1) == Some(&b'R')
            && rest
                .get(gen + 2)
                .is_none_or(|&b| !crate::pdf::objects::is_regular(b))
    })
}

/// Whether `at` lies inside the `obj … endobj` of an object starting at one of `reached`.
pub(super) fn inside_reached_object(data: &[u8], reached: &HashSet<usize>, at: usize) -> bool {
    // The nearest reached definition before `at`, and whether its `endobj` comes after.
    let Some(&start) = reached.iter().filter(|&&o| o < at).max() else {
        return false;
    };
    memchr::memmem::find(&data[start..at], b"endobj").is_none()
}
