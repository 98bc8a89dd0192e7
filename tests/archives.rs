//! Every member of an archive, exactly once, whatever the archive holds: empty, one-byte and
//! truncated members at the start, middle and end; GNU and PAX long names; members whose size
//! runs past the archive's end; damaged headers; mapped and read (`--no-mmap`) at one and two
//! workers. Archives are written by GNU tar and Python's zipfile (independent writers), and
//! each test counts the report's lines against the archive's own member list as those tools
//! give it.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use sigaudit::engine::{self, Options};
use sigaudit::internals::input::Access;
use sigaudit::JsonLines;

/// The bundled sample corpus.
fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sample")
}

/// The sample manifest's status per document file name.
fn sample_statuses() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(sample().join("manifest.jsonl")).unwrap();
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let name = v["name"].as_str().unwrap().rsplit('/').next().unwrap();
            (name.to_string(), v["status"].as_str().unwrap().to_string())
        })
        .collect()
}

/// Runs the engine in-process over `inputs`; returns the parsed lines.
fn run(inputs: &[String], jobs: usize, access: Access) -> Vec<serde_json::Value> {
    let verifier = common::verifier(&sample().join("pki"), true);
    let options = Options {
        jobs,
        access,
        ..Options::default()
    };
    let mut out: Vec<u8> = Vec::new();
    engine::run(inputs, &verifier, &options, &mut JsonLines::new(&mut out)).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every (jobs, access) combination the engine must agree on.
const MODES: [(usize, Access); 4] = [
    (1, Access::Map),
    (2, Access::Map),
    (1, Access::Read),
    (2, Access::Read),
];

/// The lines by name; fails on a name reported twice.
fn by_name(lines: &[serde_json::Value]) -> BTreeMap<String, serde_json::Value> {
    let mut out = BTreeMap::new();
    for l in lines {
        let name = l["name"].as_str().unwrap().to_string();
        assert!(
            out.insert(name.clone(), l.clone()).is_none(),
            "{name} twice"
        );
    }
    out
}

/// What a member of the test archives holds.
#[derive(Clone)]
enum Member {
    /// A sample document (file name).
    Doc(String),
    Empty,
    OneByte,
    /// The first half of a sample document.
    Truncated(String),
}

impl Member {
    fn bytes(&self) -> Vec<u8> {
        let doc = |n: &str| std::fs::read(sample().join("docs").join(n)).unwrap();
        match self {
            Member::Doc(n) => doc(n),
            Member::Empty => vec![],
            Member::OneByte => b"%".to_vec(),
            Member::Truncated(n) => {
                let d = doc(n);
                d[..d.len() / 2].to_vec()
            }
        }
    }
}

/// Empty, one-byte and truncated members at the start, the middle and the end, around the
/// sample's documents; names long enough (over 100 bytes, with directories and Vietnamese
/// letters) to need GNU or PAX long-name records. Returns (member name, content) in order.
fn members() -> Vec<(String, Member)> {
    let docs: Vec<String> = sample_statuses().keys().cloned().collect();
    let odd = |tag: &str| {
        vec![
            (format!("{tag}/empty.pdf"), Member::Empty),
            (format!("{tag}/one-byte.pdf"), Member::OneByte),
            (
                format!("{tag}/truncated.pdf"),
                Member::Truncated(docs[3].clone()),
            ),
        ]
    };
    let long_dir = "Văn bản đến/Sở Tài chính tỉnh Quảng Ninh/Quyết định về việc phê duyệt \
                    kế hoạch năm 2026 của Ủy ban nhân dân";
    let mut out = odd("start");
    let half = docs.len() / 2;
    for d in &docs[..half] {
        out.push((format!("docs/{d}"), Member::Doc(d.clone())));
    }
    out.extend(odd(long_dir));
    for d in &docs[half..] {
        out.push((format!("{long_dir}/{d}"), Member::Doc(d.clone())));
    }
    out.extend(odd("end"));
    out
}

/// Writes `members` as files under `root` (for GNU tar and zipfile to pick up).
fn write_tree(root: &Path, members: &[(String, Member)]) {
    for (name, m) in members {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, m.bytes()).unwrap();
    }
}

/// A tar of `members`, in order, written by GNU tar in `format` (gnu, pax, ustar).
fn gnu_tar(dir: &Path, format: &str, members: &[(String, Member)]) -> PathBuf {
    let tree = dir.join("tree");
    if !tree.exists() {
        write_tree(&tree, members);
    }
    let list = dir.join("list");
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    std::fs::write(&list, names.join("\n") + "\n").unwrap();
    let out = dir.join(format!("{format}.tar"));
    let status = Command::new("tar")
        .arg(format!("--format={format}"))
        .arg("-cf")
        .arg(&out)
        .arg("-C")
        .arg(&tree)
        .arg("--no-recursion")
        .arg("-T")
        .arg(&list)
        .status()
        .expect("GNU tar runs");
    assert!(status.success(), "tar --format={format}");
    out
}

/// The regular-file members GNU tar lists (`tar tf` names directories with a trailing /).
fn tar_list(archive: &Path) -> Vec<String> {
    let out = Command::new("tar").arg("tf").arg(archive).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.ends_with('/'))
        .map(str::to_string)
        .collect()
}

/// What a correct run reports of a member: its status, its size, and for a member that is
/// not a document, words its reason must hold.
#[derive(Clone, Debug)]
struct Want {
    status: String,
    bytes: u64,
    reason: Option<&'static str>,
}

/// The status `bytes` get verified on their own, outside any archive.
fn alone(bytes: &[u8]) -> String {
    common::verifier(&sample().join("pki"), true)
        .verify("alone.pdf", bytes)
        .status
        .to_string()
}

/// The documents a correct run must report for `members`.
fn expected(members: &[(String, Member)]) -> BTreeMap<String, Want> {
    let statuses = sample_statuses();
    members
        .iter()
        .map(|(name, m)| {
            let (status, reason) = match m {
                Member::Doc(d) => (statuses[d].clone(), None),
                Member::Empty => ("ERROR".to_string(), Some("empty")),
                Member::OneByte => ("ERROR".to_string(), Some("not a PDF")),
                // A document cut in half keeps the signatures of its intact revisions and is
                // changed after signing (what follows the last whole revision): the verdict
                // the same bytes get on their own.
                Member::Truncated(_) => (alone(&m.bytes()), None),
            };
            let bytes = m.bytes().len() as u64;
            (
                name.clone(),
                Want {
                    status,
                    bytes,
                    reason,
                },
            )
        })
        .collect()
}

/// Every member once, with its status, its size (a member read at the wrong offset or length
/// would differ) and its reason.
fn assert_lines(lines: &[serde_json::Value], want: &BTreeMap<String, Want>, what: &str) {
    let got = by_name(lines);
    let names: BTreeSet<&String> = got.keys().collect();
    let want_names: BTreeSet<&String> = want.keys().collect();
    assert_eq!(names, want_names, "{what}: members reported");
    for (name, w) in want {
        let line = &got[name];
        assert_eq!(line["status"], w.status.as_str(), "{what}: {name}");
        if line["error"]
            .as_str()
            .is_some_and(|e| e.contains("truncated: the"))
        {
            continue; // cut short in the archive: no bytes to count
        }
        assert_eq!(line["bytes"], w.bytes, "{what}: {name} size");
        if let Some(reason) = w.reason {
            let error = line["error"].as_str().unwrap_or_default();
            assert!(error.contains(reason), "{what}: {name}: {error:?}");
        }
    }
}

#[test]
fn tar_members_of_every_shape_are_each_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let members = members();
    let want = expected(&members);
    for format in ["gnu", "pax"] {
        let tar = gnu_tar(dir.path(), format, &members);
        let listed: BTreeSet<String> = tar_list(&tar).into_iter().collect();
        assert_eq!(listed, want.keys().cloned().collect(), "tar tf of {format}");
        for (jobs, access) in MODES {
            let lines = run(&[tar.display().to_string()], jobs, access);
            assert_lines(&lines, &want, &format!("{format} jobs {jobs} {access:?}"));
        }
    }
}

/// The issue's reproduction: an archive written by GNU tar with one empty member among 300
/// (at position 105). A worker reading the empty member used to move the file offset the
/// enumerator reads headers from, and every member after the next header was lost.
#[test]
fn an_empty_tar_member_does_not_lose_the_members_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let docs: Vec<String> = sample_statuses().keys().cloned().collect();
    let members: Vec<(String, Member)> = (0..300)
        .map(|i| {
            let m = if i == 105 {
                Member::Empty
            } else {
                Member::Doc(docs[i % docs.len()].clone())
            };
            (format!("m{i:03}.pdf"), m)
        })
        .collect();
    let tar = gnu_tar(dir.path(), "gnu", &members);
    assert_eq!(tar_list(&tar).len(), 300);
    let want = expected(&members);
    for (jobs, access) in MODES {
        let lines = run(&[tar.display().to_string()], jobs, access);
        assert_lines(&lines, &want, &format!("jobs {jobs} {access:?}"));
    }
}

/// A member whose size field runs past the archive's end (the archive cut short inside it):
/// every member before it is reported, and it is reported as truncated.
#[test]
fn a_tar_member_running_past_the_end_is_reported_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let members = members();
    let tar = gnu_tar(dir.path(), "gnu", &members);
    let bytes = std::fs::read(&tar).unwrap();
    // Cut inside the last (non-empty) document's data, 1000 bytes after its header: GNU tar
    // writes its long name in a record of its own, the name's data block, then the header.
    let (last_doc, _) = members
        .iter()
        .rev()
        .find(|(_, m)| matches!(m, Member::Doc(_)) && m.bytes().len() > 2000)
        .unwrap();
    let base = last_doc.rsplit('/').next().unwrap();
    let name_block = memchr::memmem::rfind(&bytes, base.as_bytes()).unwrap() / 512;
    let cut = (name_block + 1) * 512 + 512 + 1000;
    let short = dir.path().join("short.tar");
    std::fs::write(&short, &bytes[..cut]).unwrap();
    let all = expected(&members);
    let cut_short = Want {
        status: "ERROR".into(),
        bytes: 0,
        reason: Some("truncated"),
    };
    let want: BTreeMap<String, Want> = members
        .iter()
        .take_while(|(n, _)| n != last_doc)
        .map(|(n, _)| (n.clone(), all[n].clone()))
        .chain([(last_doc.clone(), cut_short)])
        .collect();
    for (jobs, access) in MODES {
        let lines = run(&[short.display().to_string()], jobs, access);
        assert_lines(&lines, &want, &format!("jobs {jobs} {access:?}"));
        let got = by_name(&lines);
        let error = got[last_doc.as_str()]["error"].as_str().unwrap();
        assert!(error.contains("truncated"), "{error}");
    }
}

/// A damaged header in the middle: the members after it are found again at the next valid
/// header (as GNU tar does), and the damage gets a line of its own.
#[test]
fn a_damaged_tar_header_skips_to_the_next_member() {
    let dir = tempfile::tempdir().unwrap();
    let members = members();
    let tar = gnu_tar(dir.path(), "ustar", &short_names(&members));
    let mut bytes = std::fs::read(&tar).unwrap();
    let victim = &short_names(&members)[10].0;
    let header = memchr::memmem::find(&bytes, victim.as_bytes()).unwrap();
    assert_eq!(header % 512, 0, "a ustar header starts with its name");
    bytes[header + 148] = b'9'; // not an octal digit: the checksum no longer reads
    let damaged = dir.path().join("damaged.tar");
    std::fs::write(&damaged, &bytes).unwrap();
    let mut want = expected(&short_names(&members));
    want.remove(victim);
    let damage_line = format!("{}#{header}", damaged.display());
    for (jobs, access) in MODES {
        let lines = run(&[damaged.display().to_string()], jobs, access);
        let got = by_name(&lines);
        let error = got[&damage_line]["error"].as_str().unwrap();
        assert!(error.contains("damaged tar archive"), "{error}");
        let rest: Vec<serde_json::Value> = lines
            .into_iter()
            .filter(|l| l["name"] != damage_line.as_str())
            .collect();
        assert_lines(&rest, &want, &format!("jobs {jobs} {access:?}"));
    }
}

/// The members with names that fit a ustar header.
fn short_names(members: &[(String, Member)]) -> Vec<(String, Member)> {
    members
        .iter()
        .enumerate()
        .map(|(i, (_, m))| (format!("m{i:02}.pdf"), m.clone()))
        .collect()
}

/// A zip written by Python's zipfile: every other member deflated, the others stored.
fn python_zip(dir: &Path, members: &[(String, Member)]) -> PathBuf {
    let tree = dir.join("ziptree");
    write_tree(&tree, members);
    let out = dir.join("archive.zip");
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    let script = r#"
import sys, zipfile
tree, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(out, "w") as z:
    for i, n in enumerate(names):
        method = zipfile.ZIP_DEFLATED if i % 2 else zipfile.ZIP_STORED
        z.write(tree + "/" + n, n, compress_type=method)
"#;
    let status = Command::new("python3")
        .args(["-c", script])
        .arg(&tree)
        .arg(&out)
        .args(&names)
        .status()
        .expect("python3 runs");
    assert!(status.success());
    out
}

/// The names Python's zipfile lists.
fn zip_list(archive: &Path) -> Vec<String> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
        ])
        .arg(archive)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn zip_members_of_every_shape_are_each_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let members = members();
    let zip = python_zip(dir.path(), &members);
    let want = expected(&members);
    let listed: BTreeSet<String> = zip_list(&zip).into_iter().collect();
    assert_eq!(listed, want.keys().cloned().collect(), "zipfile's namelist");
    for (jobs, access) in MODES {
        let lines = run(&[zip.display().to_string()], jobs, access);
        assert_lines(&lines, &want, &format!("zip jobs {jobs} {access:?}"));
    }
}

/// A central-directory entry whose compressed size runs past the archive's end: it is
/// reported as truncated, and every other entry as usual.
#[test]
fn a_zip_entry_running_past_the_end_is_reported_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let members = members();
    let zip = python_zip(dir.path(), &members);
    let mut bytes = std::fs::read(&zip).unwrap();
    // The victim's central-directory record: signature PK\1\2, compressed size at +20.
    let victim = members
        .iter()
        .find(|(_, m)| matches!(m, Member::Doc(_)))
        .map(|(n, _)| n.clone())
        .unwrap();
    let cd_sig = b"PK\x01\x02";
    let record = memchr::memmem::find_iter(&bytes, cd_sig)
        .find(|&p| {
            let name_len = u16::from_le_bytes([bytes[p + 28], bytes[p + 29]]) as usize;
            bytes[p + 46..p + 46 + name_len] == *victim.as_bytes()
        })
        .unwrap();
    bytes[record + 20..record + 24].copy_from_slice(&0x7fff_0000u32.to_le_bytes());
    let lying = dir.path().join("lying.zip");
    std::fs::write(&lying, &bytes).unwrap();
    let mut want = expected(&members);
    want.insert(
        victim.clone(),
        Want {
            status: "ERROR".into(),
            bytes: 0,
            reason: Some("truncated"),
        },
    );
    for (jobs, access) in MODES {
        let lines = run(&[lying.display().to_string()], jobs, access);
        assert_lines(&lines, &want, &format!("jobs {jobs} {access:?}"));
        let got = by_name(&lines);
        let error = got[&victim]["error"].as_str().unwrap();
        assert!(error.contains("truncated"), "{error}");
    }
}
