//! Where a document's report goes: its name under the report directory, kept inside it.

use std::path::{Component, Path, PathBuf};

/// The report file for the document named `name` (a path as given, or an archive member
/// `ARCHIVE#MEMBER`) under `dir`: the name's normal components (`..`, roots and prefixes
/// dropped, `#` starting a member's folder), plus `.xml`. Whatever the name, the path stays
/// under `dir`.
///
/// ```
/// use std::path::Path;
/// use sigaudit::etsi_xml::report_path;
///
/// let dir = Path::new("out");
/// assert_eq!(report_path(dir, "docs/a.pdf"), Path::new("out/docs/a.pdf.xml"));
/// assert_eq!(report_path(dir, "/abs/../x.pdf"), Path::new("out/abs/x.pdf.xml"));
/// assert_eq!(report_path(dir, "in.tar#f/b.pdf"), Path::new("out/in.tar/f/b.pdf.xml"));
/// ```
pub fn report_path(dir: &Path, name: &str) -> PathBuf {
    let mut out = dir.to_path_buf();
    let mut any = false;
    for part in name.split('#') {
        for c in Path::new(part).components() {
            if let Component::Normal(n) = c {
                out.push(n);
                any = true;
            }
        }
    }
    if !any {
        out.push("document");
    }
    let mut file = out.into_os_string();
    file.push(".xml");
    PathBuf::from(file)
}
