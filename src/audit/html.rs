//! The audit page: one self-contained HTML document. Inline CSS (with a print stylesheet),
//! inline SVG charts, a small inline script for the table (sorting, filtering); a Content
//! Security Policy that fetches nothing and runs only that script (by its hash). Every text
//! that comes from a report is HTML-escaped, and none is ever put into the script or into a
//! class name.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{AuditReport, Class, Group, Tally, OTHER, STATUSES};

/// Bars in the organisation and authority charts; the rest are summed in one bar.
const TOP: usize = 15;
/// Months shown one by one; beyond, the chart is by year.
const MONTHS: usize = 60;

/// Words for the statuses, in [`STATUSES`] order (and one for any other status).
const STATUS_WORDS: [&str; 5] = ["Passed", "Failed", "Indeterminate", "Error", "Other"];

const STYLE: &str = r#"
:root{--c0:#2e7d32;--c1:#c62828;--c2:#e08a00;--c3:#5f6368;--c4:#9aa0a6;--ink:#1d2327;
--muted:#5f6b73;--line:#dde3e8;--bg:#f4f6f8;--head:#1f3a5f}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",Arial,sans-serif;
color:var(--ink);background:var(--bg)}
header{background:var(--head);color:#fff;padding:22px 32px}
header h1{margin:0;font-size:25px;font-weight:600;letter-spacing:.2px}
header p{margin:4px 0 0;color:#d6e0ec}
main{max-width:1120px;margin:0 auto;padding:8px 24px 40px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 24px;margin:18px 0}
h2{font-size:19px;margin:0 0 4px}
h3{font-size:15px;margin:20px 0 6px}
.lead{color:var(--muted);margin:0 0 14px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin:10px 0 14px}
.card{border:1px solid var(--line);border-left:6px solid var(--c);border-radius:6px;padding:8px 14px}
.card .label{font-weight:600}
.card .label small{display:block;color:var(--muted);font-weight:400;font-size:11px;letter-spacing:.3px}
.card .num{font-size:28px;font-weight:700;color:var(--c);font-variant-numeric:tabular-nums}
.card .pct{color:var(--muted)}
.s0{--c:var(--c0)}.s1{--c:var(--c1)}.s2{--c:var(--c2)}.s3{--c:var(--c3)}.s4{--c:var(--c4)}.sa{--c:var(--head)}
.f0{fill:var(--c0)}.f1{fill:var(--c1)}.f2{fill:var(--c2)}.f3{fill:var(--c3)}.f4{fill:var(--c4)}
svg{display:block;width:100%;height:auto}
svg text{font:12px system-ui,"Noto Sans","DejaVu Sans",Arial,sans-serif;fill:var(--ink)}
svg .axis{stroke:var(--line)}
svg text.dim{fill:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:16px;margin:4px 0 8px;color:var(--muted);font-size:13px}
.legend span::before{content:"";display:inline-block;width:11px;height:11px;border-radius:2px;
background:var(--c);margin-right:6px;vertical-align:-1px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;background:#f0f3f6}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.counts{width:100%}
td.sub{font-size:12px;overflow-wrap:anywhere}
#docs th:nth-child(2){width:34%}
.doc{overflow-wrap:anywhere;font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
.badge{display:inline-block;padding:0 7px;border-radius:10px;color:#fff;background:var(--c);font-size:11.5px;
font-weight:600;white-space:nowrap}
.grid2{display:grid;grid-template-columns:1.3fr 1fr;gap:8px 28px}
.class{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:8px 12px;break-inside:avoid}
.class .head{display:flex;justify-content:space-between;gap:12px;font-weight:600}
.class .key{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
.class .count{white-space:nowrap;color:var(--muted);font-weight:400}
.class ul{margin:4px 0 0;padding-left:20px}
.class li{margin:2px 0}
.class .detail{color:var(--muted)}
.none{color:var(--c0);font-weight:600}
.note{background:#fff8e1;border:1px solid #f3d98b;border-radius:6px;padding:8px 12px;margin:10px 0}
.controls{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:8px 0 10px}
.controls input,.controls select{font:inherit;padding:5px 8px;border:1px solid #b9c3cc;border-radius:5px}
.controls input{flex:1;min-width:240px}
th button{all:unset;cursor:pointer}
th button::after{content:" \2195";color:var(--muted);font-size:11px}
th[aria-sort=ascending] button::after{content:" \2191"}
th[aria-sort=descending] button::after{content:" \2193"}
.scroll{max-height:720px;overflow:auto;border:1px solid var(--line);border-radius:6px}
.scroll thead th{position:sticky;top:0}
dl.params{display:grid;grid-template-columns:max-content 1fr;gap:4px 20px;margin:0}
dl.params dt{color:var(--muted)}
dl.params dd{margin:0}
footer{color:var(--muted);text-align:center;font-size:12px;padding:0 0 24px}
@media (max-width:760px){.grid2{grid-template-columns:1fr}}
@media print{
@page{size:A4;margin:14mm}
body{background:#fff;font-size:11px}
header{background:#fff;color:var(--ink);border-bottom:2px solid var(--head);padding:0 0 8px}
header p{color:var(--muted)}
main{max-width:none;padding:0}
section{border:none;border-radius:0;padding:0;margin:14px 0;break-inside:auto}
h2{break-after:avoid;border-bottom:1px solid var(--line);padding-bottom:2px}
h3{break-after:avoid}
.chart,.card,tr{break-inside:avoid}
.controls,th button::after{display:none}
.scroll{max-height:none;overflow:visible;border:none}
.scroll thead th{position:static}
thead{display:table-header-group}
.grid2{grid-template-columns:1fr 1fr}
}
"#;

const SCRIPT: &str = r#"
(function () {
  var table = document.getElementById('docs');
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById('filter');
  var status = document.getElementById('status-filter');
  var shown = document.getElementById('shown');
  function apply() {
    var q = text.value.toLowerCase(), s = status.value, n = 0;
    rows.forEach(function (r) {
      var ok = (!s || r.cells[2].textContent === s) &&
        (!q || r.textContent.toLowerCase().indexOf(q) >= 0);
      r.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n.toLocaleString('en');
  }
  text.addEventListener('input', apply);
  status.addEventListener('change', apply);
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (h, i) {
    var b = h.querySelector('button');
    if (!b) return;
    b.addEventListener('click', function () {
      var dir = h.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      Array.prototype.forEach.call(heads, function (o) { o.removeAttribute('aria-sort'); });
      h.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
      var num = h.classList.contains('num');
      rows.sort(function (a, c) {
        var x = a.cells[i].textContent, y = c.cells[i].textContent;
        var d = num ? parseFloat(x.replace(/,/g, '')) - parseFloat(y.replace(/,/g, ''))
                    : x.localeCompare(y);
        return d * dir;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  apply();
})();
"#;

/// `text` HTML-escaped, for element content and quoted attribute values alike.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Controls other than tab and newline have no place on the page.
            c if c.is_control() && c != '\t' && c != '\n' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// `n` with thousands separators.
fn num(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 document", "2 documents".
fn documents(n: u64) -> String {
    if n == 1 {
        "1 document".into()
    } else {
        format!("{} documents", num(n))
    }
}

/// `part` of `whole` as a percentage.
fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".into();
    }
    let p = part as f64 * 100.0 / whole as f64;
    if p > 0.0 && p < 0.1 {
        "&lt; 0.1 %".into()
    } else {
        format!("{p:.1} %")
    }
}

/// The CSP source for an inline element's text.
fn csp_hash(text: &str) -> String {
    use base64ct::Encoding;
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    format!(
        "'sha256-{}'",
        base64ct::Base64::encode_string(digest.as_ref())
    )
}

/// Which status slot a status string is (the fifth for none of the four).
fn slot(status: &str) -> usize {
    STATUSES
        .iter()
        .position(|s| *s == status)
        .unwrap_or(STATUSES.len())
}

/// The page.
pub(super) fn render(a: &AuditReport) -> String {
    let mut o = String::with_capacity(64 * 1024 + a.rows.len() * 256);
    let title = format!("Signature audit: {} documents", num(a.documents));
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src {}; script-src {}; img-src data:\">\n\
         <meta name=\"generator\" content=\"sigaudit {}\">\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n",
        csp_hash(STYLE),
        csp_hash(SCRIPT),
        env!("CARGO_PKG_VERSION"),
        esc(&title)
    );
    header(&mut o, a);
    o.push_str("<main>\n");
    totals(&mut o, a);
    charts(&mut o, a);
    failures(&mut o, a);
    table(&mut o, a);
    run(&mut o, a);
    let _ = write!(
        o,
        "</main>\n<footer>Written by sigaudit {} from {}. Self-contained: nothing on this page \
         is fetched.</footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&a.files.join(", "))
    );
    o
}

fn header(o: &mut String, a: &AuditReport) {
    let policies: Vec<String> = a.policies.keys().map(|p| esc(p)).collect();
    let _ = write!(
        o,
        "<header>\n<h1>Signature audit report</h1>\n<p>{} documents, {} signatures",
        num(a.documents),
        num(a.signatures)
    );
    if !policies.is_empty() {
        let _ = write!(
            o,
            " · policy {}",
            policies
                .iter()
                .map(|p| format!("<b>{p}</b>"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(t) = a.summary.as_ref().and_then(|s| field(&s.json, TIME_KEYS)) {
        let _ = write!(o, " · validated at {}", esc(&t));
    }
    let _ = writeln!(
        o,
        " · sigaudit {}</p>\n</header>",
        env!("CARGO_PKG_VERSION")
    );
}

/// Keys a summary may give the validation time under.
const TIME_KEYS: &[&str] = &["validation_time", "at"];

/// The first of `keys` the summary has, as text.
fn field(json: &serde_json::Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match json.get(k)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(items) => Some(
            items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        v => Some(v.to_string()),
    })
}

fn totals(o: &mut String, a: &AuditReport) {
    let _ = write!(
        o,
        "<section id=\"totals\">\n<h2>Documents by status</h2>\n<p class=\"lead\">Each \
         document's verdict (ETSI EN 319 102-1): passed only when every signature passed and \
         nothing after them was forbidden.</p>\n<div class=\"cards\">\n\
         <div class=\"card sa\"><div class=\"label\">Documents<small>ALL</small></div>\
         <div class=\"num\" id=\"total-documents\">{}</div><div class=\"pct\">{} signatures\
         </div></div>\n",
        num(a.documents),
        num(a.signatures)
    );
    for (i, s) in STATUSES.iter().enumerate() {
        let n = a.by_status.get(*s).copied().unwrap_or(0);
        let _ = writeln!(
            o,
            "<div class=\"card s{i}\"><div class=\"label\">{}<small>{s}</small></div>\
             <div class=\"num\" id=\"total-{s}\">{}</div><div class=\"pct\">{}</div></div>",
            STATUS_WORDS[i],
            num(n),
            pct(n, a.documents)
        );
    }
    for (s, n) in a
        .by_status
        .iter()
        .filter(|(s, _)| slot(s) == STATUSES.len())
    {
        let _ = writeln!(
            o,
            "<div class=\"card s4\"><div class=\"label\">Other<small>{}</small></div>\
             <div class=\"num\">{}</div><div class=\"pct\">{}</div></div>",
            esc(s),
            num(*n),
            pct(*n, a.documents)
        );
    }
    o.push_str("</div>\n");
    // One bar of proportions.
    if a.documents > 0 {
        let mut counts = [0u64; 5];
        for (s, n) in &a.by_status {
            counts[slot(s)] += n;
        }
        o.push_str(
            "<svg viewBox=\"0 0 1000 18\" role=\"img\" aria-label=\"documents by status\" \
             preserveAspectRatio=\"none\">",
        );
        let mut x = 0.0;
        for (i, n) in counts.iter().enumerate() {
            let w = *n as f64 * 1000.0 / a.documents as f64;
            if w > 0.0 {
                let _ = write!(
                    o,
                    "<rect class=\"f{i}\" x=\"{x:.2}\" y=\"0\" width=\"{w:.2}\" height=\"18\">\
                     <title>{} {}</title></rect>",
                    STATUS_WORDS[i],
                    num(*n)
                );
            }
            x += w;
        }
        o.push_str("</svg>\n");
    }
    let _ = write!(
        o,
        "<div class=\"grid2\"><div>\n<h3>Signatures by verdict</h3>\n<table class=\"counts\">\
         <thead><tr><th>Indication</th><th>Sub-indication</th><th class=\"num\">Signatures</th>\
         <th class=\"num\">Share</th></tr></thead><tbody>\n"
    );
    let mut verdicts: Vec<(&String, &u64)> = a.signatures_by_verdict.iter().collect();
    verdicts.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
    for (k, n) in verdicts {
        let status = k.split('/').next().unwrap_or(k);
        let _ = writeln!(
            o,
            "<tr><td><span class=\"badge s{}\">{}</span></td><td class=\"sub\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td></tr>",
            slot(status),
            esc(status),
            esc(k.split_once('/').map_or("", |(_, sub)| sub)),
            num(*n),
            pct(*n, a.signatures)
        );
    }
    if a.signatures_by_verdict.is_empty() {
        o.push_str("<tr><td colspan=\"4\">No signatures.</td></tr>\n");
    }
    o.push_str("</tbody></table>\n</div><div>\n<h3>Failure classes at a glance</h3>\n");
    o.push_str(
        "<table class=\"counts\"><thead><tr><th>Class</th><th class=\"num\">Documents</th>\
         </tr></thead><tbody>\n",
    );
    let mut any = false;
    for g in GROUPS {
        let docs: u64 = a
            .classes
            .iter()
            .filter(|((cg, _), _)| *cg == g.group)
            .map(|(_, c)| c.documents)
            .sum();
        if docs > 0 {
            any = true;
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
                g.title,
                num(docs)
            );
        }
    }
    if !any {
        o.push_str("<tr><td colspan=\"2\" class=\"none\">None found.</td></tr>\n");
    }
    o.push_str(
        "</tbody></table>\n<p class=\"lead\">A document is counted once per class (per rule, \
         kind or sub-indication), so a document may appear under several.</p>\n</div></div>\n\
         </section>\n",
    );
}

/// The legend of the charts' colours.
fn legend(o: &mut String, with_other: bool) {
    o.push_str("<div class=\"legend\">");
    for (i, w) in STATUS_WORDS.iter().enumerate() {
        if i < 4 || with_other {
            let _ = write!(o, "<span class=\"s{i}\">{w}</span>");
        }
    }
    o.push_str("</div>\n");
}

fn charts(o: &mut String, a: &AuditReport) {
    o.push_str(
        "<section id=\"charts\">\n<h2>Verdicts by issuer, authority and month</h2>\n\
         <p class=\"lead\">Each document once, under its first identified signer: the \
         organisation in the signer certificate's subject (O, else CN), the certificate \
         authority that issued it (the issuer's CN), and the month it was signed (the \
         signature timestamp's time if valid, else the claimed signing time).</p>\n",
    );
    let other = [&a.organisations, &a.authorities, &a.months]
        .iter()
        .any(|t| t.map.values().any(|c| c[4] > 0));
    legend(o, other);
    o.push_str("<h3>By issuing organisation</h3>\n<div class=\"chart\">");
    hbars(o, &a.organisations, "organisations");
    o.push_str("</div>\n<h3>By certificate authority</h3>\n<div class=\"chart\">");
    hbars(o, &a.authorities, "certificate authorities");
    o.push_str("</div>\n<h3>By signing month</h3>\n<div class=\"chart\">");
    columns(o, &a.months);
    o.push_str("</div>\n</section>\n");
}

/// Horizontal stacked bars, largest first, the rest summed in one bar.
fn hbars(o: &mut String, t: &Tally, what: &str) {
    let mut items: Vec<(&str, [u64; 5])> = t.map.iter().map(|(k, c)| (k.as_str(), *c)).collect();
    if items.is_empty() {
        o.push_str("<p class=\"lead\">No documents.</p>");
        return;
    }
    let total = |c: &[u64; 5]| c.iter().sum::<u64>();
    items.sort_by(|x, y| {
        total(&y.1)
            .cmp(&total(&x.1))
            .then((x.0 == OTHER).cmp(&(y.0 == OTHER)))
            .then(x.0.cmp(y.0))
    });
    let mut rest = None;
    if items.len() > TOP {
        let mut sum = [0u64; 5];
        for (_, c) in &items[TOP..] {
            for (s, v) in sum.iter_mut().zip(c) {
                *s += v;
            }
        }
        rest = Some((
            format!("{} other {what}", num((items.len() - TOP) as u64)),
            sum,
        ));
        items.truncate(TOP);
    }
    let rows: Vec<(String, [u64; 5], bool)> = items
        .into_iter()
        .map(|(k, c)| (k.to_string(), c, false))
        .chain(rest.map(|(k, c)| (k, c, true)))
        .collect();
    let max = rows.iter().map(|r| total(&r.1)).max().unwrap_or(1).max(1);
    let (label_w, bar_w, row_h) = (330.0, 520.0, 24.0);
    let height = rows.len() as f64 * row_h + 6.0;
    let _ = write!(
        o,
        "<svg viewBox=\"0 0 1000 {height}\" role=\"img\" aria-label=\"documents by {what}\">"
    );
    for (r, (label, counts, summed)) in rows.iter().enumerate() {
        let y = r as f64 * row_h + 3.0;
        let shown = super::cut(label, 46);
        let class = if *summed { " class=\"dim\"" } else { "" };
        let _ = write!(
            o,
            "<g><title>{}: {} documents</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\"{class}>{}</text>",
            esc(label),
            num(total(counts)),
            label_w - 8.0,
            y + 15.0,
            esc(&shown)
        );
        let mut x = label_w;
        for (i, n) in counts.iter().enumerate() {
            let w = *n as f64 * bar_w / max as f64;
            if *n > 0 {
                let _ = write!(
                    o,
                    "<rect class=\"f{i}\" x=\"{x:.1}\" y=\"{y}\" width=\"{:.1}\" height=\"{}\">\
                     <title>{} {}</title></rect>",
                    w.max(0.8),
                    row_h - 6.0,
                    STATUS_WORDS[i],
                    num(*n)
                );
            }
            x += w;
        }
        let failed = total(counts) - counts[0];
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{}\">{}</text>",
            x + 6.0,
            y + 15.0,
            if failed > 0 {
                format!("{} · {} not passed", num(total(counts)), num(failed))
            } else {
                num(total(counts))
            }
        );
        o.push_str("</g>");
    }
    o.push_str("</svg>");
}

/// Vertical stacked columns in time order (by year when there are too many months).
fn columns(o: &mut String, t: &Tally) {
    let mut months: BTreeMap<String, [u64; 5]> =
        t.map.iter().map(|(k, c)| (k.clone(), *c)).collect();
    let ordered = |m: BTreeMap<String, [u64; 5]>| {
        let mut v: Vec<(String, [u64; 5])> = m.into_iter().collect();
        v.sort_by_key(|(k, _)| k.starts_with('('));
        v
    };
    if months.is_empty() {
        o.push_str("<p class=\"lead\">No documents.</p>");
        return;
    }
    let dated = months.keys().filter(|k| !k.starts_with('(')).count();
    if dated > MONTHS {
        let mut years: BTreeMap<String, [u64; 5]> = BTreeMap::new();
        for (k, c) in months {
            let key = if k.starts_with('(') {
                k
            } else {
                k[..4].to_string()
            };
            let slot = years.entry(key).or_default();
            for (s, v) in slot.iter_mut().zip(c) {
                *s += v;
            }
        }
        months = years;
        o.push_str("<p class=\"lead\">By year: the documents span more than 60 months.</p>");
    }
    let months = ordered(months);
    let total = |c: &[u64; 5]| c.iter().sum::<u64>();
    let max = months
        .iter()
        .map(|(_, c)| total(c))
        .max()
        .unwrap_or(1)
        .max(1);
    let n = months.len() as f64;
    let (left, plot_w, plot_h, top) = (60.0, 920.0, 200.0, 22.0);
    let step = plot_w / n;
    let bar = (step * 0.72).min(46.0);
    let label_room = if months.len() > 12 { 112.0 } else { 40.0 };
    let height = top + plot_h + label_room;
    let _ = write!(
        o,
        "<svg viewBox=\"0 0 1000 {height}\" role=\"img\" aria-label=\"documents by signing month\">\
         <line class=\"axis\" x1=\"{left}\" y1=\"{base}\" x2=\"{right}\" y2=\"{base}\"/>\
         <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\" class=\"dim\">{max_s}</text>\
         <line class=\"axis\" x1=\"{left}\" y1=\"{top}\" x2=\"{right}\" y2=\"{top}\"/>",
        base = top + plot_h,
        right = left + plot_w,
        tx = left - 6.0,
        ty = top + 4.0,
        max_s = num(max)
    );
    for (k, (label, counts)) in months.iter().enumerate() {
        let cx = left + step * (k as f64 + 0.5);
        let mut y = top + plot_h;
        let _ = write!(
            o,
            "<g><title>{}: {} documents, {} not passed</title>",
            esc(label),
            num(total(counts)),
            num(total(counts) - counts[0])
        );
        for (i, v) in counts.iter().enumerate() {
            if *v == 0 {
                continue;
            }
            let h = (*v as f64 * plot_h / max as f64).max(0.8);
            y -= h;
            let _ = write!(
                o,
                "<rect class=\"f{i}\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\"/>",
                cx - bar / 2.0
            );
        }
        if months.len() <= 24 {
            let _ = write!(
                o,
                "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"dim\">{}</text>",
                y - 4.0,
                num(total(counts))
            );
        }
        let ly = top + plot_h + 14.0;
        if months.len() > 12 {
            let _ = write!(
                o,
                "<text x=\"{cx:.1}\" y=\"{ly}\" text-anchor=\"end\" \
                 transform=\"rotate(-55 {cx:.1} {ly})\">{}</text>",
                esc(&super::cut(label, 18))
            );
        } else {
            let _ = write!(
                o,
                "<text x=\"{cx:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                ly + 2.0,
                esc(&super::cut(label, 18))
            );
        }
        o.push_str("</g>");
    }
    o.push_str("</svg>");
}

/// A failure class group's heading and explanation.
struct GroupText {
    group: Group,
    id: &'static str,
    title: &'static str,
    explain: &'static str,
    /// What its occurrences are.
    unit: &'static str,
}

const GROUPS: [GroupText; 7] = [
    GroupText {
        group: Group::Hash,
        id: "hash",
        title: "Hash failures",
        explain: "The bytes a signature covers changed after signing \
                  (TOTAL_FAILED/HASH_FAILURE): the document is not what was signed.",
        unit: "signatures",
    },
    GroupText {
        group: Group::Revoked,
        id: "revoked",
        title: "Revoked certificates",
        explain: "The signer's or a CA's certificate is revoked: before the proven signing \
                  time (REVOKED), or with no proof that the signature came first \
                  (REVOKED_NO_POE, REVOKED_CA_NO_POE).",
        unit: "signatures",
    },
    GroupText {
        group: Group::Attack,
        id: "attacks",
        title: "Changes after signing and attacks",
        explain: "What the analysis of incremental updates found, by kind: forbidden \
                  changes and the attack class they match, parser differentials, orphan \
                  signatures, decompression bombs.",
        unit: "findings",
    },
    GroupText {
        group: Group::PolicyFail,
        id: "policy-fail",
        title: "Policy violations (FAIL)",
        explain: "Rules of the validation policy at FAIL that documents broke, by rule.",
        unit: "findings",
    },
    GroupText {
        group: Group::PolicyWarn,
        id: "policy-warn",
        title: "Policy warnings (WARN)",
        explain: "Rules at WARN, counted apart: they are reported, they do not change a \
                  verdict.",
        unit: "findings",
    },
    GroupText {
        group: Group::Error,
        id: "errors",
        title: "Documents that could not be validated (ERROR)",
        explain: "Not a readable signed PDF, or no signed revision could be read, by the \
                  error's first words.",
        unit: "documents",
    },
    GroupText {
        group: Group::Other,
        id: "other",
        title: "Other signature failures",
        explain: "Signatures that did not pass for other reasons, by sub-indication.",
        unit: "signatures",
    },
];

fn failures(o: &mut String, a: &AuditReport) {
    o.push_str(
        "<section id=\"failures\">\n<h2>Failure classes</h2>\n<p class=\"lead\">What kept \
         documents from passing, by class, with the first documents of each.</p>\n",
    );
    let mut any = false;
    for g in GROUPS {
        let mut classes: Vec<(&String, &Class)> = a
            .classes
            .iter()
            .filter(|((cg, _), _)| *cg == g.group)
            .map(|((_, k), c)| (k, c))
            .collect();
        if classes.is_empty() {
            continue;
        }
        any = true;
        classes.sort_by(|x, y| y.1.documents.cmp(&x.1.documents).then(x.0.cmp(y.0)));
        let _ = write!(
            o,
            "<h3 id=\"class-{}\">{}</h3>\n<p class=\"lead\">{}</p>\n",
            g.id, g.title, g.explain
        );
        for (key, c) in classes {
            let _ = write!(
                o,
                "<div class=\"class\"><div class=\"head\"><span class=\"key\">{}</span>\
                 <span class=\"count\">{}",
                esc(key),
                documents(c.documents)
            );
            if c.occurrences != c.documents && g.unit != "documents" {
                let _ = write!(o, " · {} {}", num(c.occurrences), g.unit);
            }
            o.push_str("</span></div><ul>");
            for (name, detail) in &c.examples {
                let _ = write!(o, "<li><span class=\"doc\">{}</span>", esc(name));
                if !detail.is_empty() {
                    let _ = write!(o, " <span class=\"detail\">— {}</span>", esc(detail));
                }
                o.push_str("</li>");
            }
            if c.documents > c.examples.len() as u64 {
                let _ = write!(
                    o,
                    "<li class=\"detail\">and {} more</li>",
                    documents(c.documents - c.examples.len() as u64)
                );
            }
            o.push_str("</ul></div>\n");
        }
    }
    if !any {
        o.push_str("<p class=\"none\">No failures: every document passed.</p>\n");
    }
    o.push_str("</section>\n");
}

fn table(o: &mut String, a: &AuditReport) {
    let not_passed = a.rows.len() as u64 + a.rows_omitted;
    let _ = write!(
        o,
        "<section id=\"documents\">\n<h2>Documents that did not pass</h2>\n\
         <p class=\"lead\"><span id=\"not-passed\">{}</span> documents; click a column to \
         sort, type to filter.</p>\n",
        num(not_passed)
    );
    if a.rows_omitted > 0 {
        let _ = writeln!(
            o,
            "<p class=\"note\" id=\"rows-omitted\">The table shows the first {} of them; {} more \
             are not shown here. The JSONL report has every document.</p>",
            num(a.rows.len() as u64),
            num(a.rows_omitted)
        );
    }
    if a.rows.is_empty() {
        o.push_str("<p class=\"none\">None.</p>\n</section>\n");
        return;
    }
    o.push_str(
        "<div class=\"controls\"><input id=\"filter\" type=\"search\" placeholder=\"Filter by \
         name, status or reason\" aria-label=\"filter\"><select id=\"status-filter\" \
         aria-label=\"status\"><option value=\"\">All statuses</option>",
    );
    for s in &STATUSES[1..] {
        let _ = write!(o, "<option>{s}</option>");
    }
    o.push_str("</select><span><span id=\"shown\"></span> shown</span></div>\n");
    o.push_str(
        "<div class=\"scroll\"><table id=\"docs\"><thead><tr>\
         <th class=\"num\"><button type=\"button\">#</button></th>\
         <th><button type=\"button\">Document</button></th>\
         <th><button type=\"button\">Status</button></th>\
         <th><button type=\"button\">Reason</button></th>\
         <th class=\"num\"><button type=\"button\">Signatures</button></th>\
         <th class=\"num\"><button type=\"button\">Not passed</button></th>\
         </tr></thead><tbody>\n",
    );
    for (i, r) in a.rows.iter().enumerate() {
        let _ = writeln!(
            o,
            "<tr><td class=\"num\">{}</td><td class=\"doc\">{}</td><td><span class=\"badge \
             s{}\">{}</span></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             </tr>",
            i + 1,
            esc(&r.name),
            slot(&r.status),
            esc(&r.status),
            esc(&r.reason),
            r.signatures,
            r.not_passed
        );
    }
    o.push_str("</tbody></table></div>\n</section>\n");
}

fn run(o: &mut String, a: &AuditReport) {
    o.push_str("<section id=\"run\">\n<h2>The run</h2>\n<dl class=\"params\">\n");
    let mut dd = |k: &str, v: String| {
        let _ = writeln!(o, "<dt>{k}</dt><dd>{v}</dd>");
    };
    dd(
        "Reports read",
        a.files
            .iter()
            .map(|f| esc(f))
            .collect::<Vec<_>>()
            .join("<br>"),
    );
    let policies: Vec<String> = a
        .policies
        .iter()
        .map(|(p, n)| format!("{} ({} documents)", esc(p), num(*n)))
        .collect();
    dd(
        "Policy",
        if policies.is_empty() {
            "not given in the reports".into()
        } else {
            policies.join(", ")
        },
    );
    dd("Documents", num(a.documents));
    dd("Signatures", num(a.signatures));
    dd("Bytes verified", format!("{:.1} MB", a.bytes as f64 / 1e6));
    if a.unreadable_lines > 0 {
        dd(
            "Unreadable lines",
            format!(
                "{} (not report lines: a partial last line left by a killed run, or another \
                 file's lines)",
                num(a.unreadable_lines)
            ),
        );
    }
    dd(
        "This page",
        format!("sigaudit {}", env!("CARGO_PKG_VERSION")),
    );
    let Some(s) = &a.summary else {
        dd(
            "Summary",
            "not given (<code>sigaudit report … --summary FILE</code> adds the run's speed, \
             caches and memory)"
                .into(),
        );
        o.push_str("</dl>\n</section>\n");
        return;
    };
    let j = &s.json;
    dd("Summary file", esc(&s.file));
    for (label, keys) in [
        ("Validation time", TIME_KEYS),
        ("Trust anchors", &["trust", "trust_anchors"][..]),
        ("Verified by", &["version", "sigaudit_version", "tool"][..]),
    ] {
        if let Some(v) = field(j, keys) {
            dd(label, esc(&v));
        }
    }
    let f = |k: &str| j.get(k).and_then(serde_json::Value::as_f64);
    if let Some(d) = j.get("documents").and_then(serde_json::Value::as_u64) {
        let mut v = num(d);
        if let Some(sk) = j.get("skipped").and_then(serde_json::Value::as_u64) {
            if sk > 0 {
                let _ = write!(v, " ({} skipped as already reported)", num(sk));
            }
        }
        if d != a.documents {
            let _ = write!(
                v,
                " — <b>the reports read hold {}</b> (a resumed run, or other reports)",
                num(a.documents)
            );
        }
        dd("Documents in the run", v);
    }
    if let Some(sec) = f("seconds") {
        let mut v = format!("{sec:.1} s");
        for (k, unit) in [
            ("documents_per_second", "documents/s"),
            ("signatures_per_second", "signatures/s"),
            ("mb_per_second", "MB/s"),
        ] {
            if let Some(x) = f(k) {
                let _ = write!(v, " · {x:.0} {unit}");
            }
        }
        dd("Wall time", v);
    }
    if let Some(rates) = j
        .get("cache_hit_rates")
        .and_then(serde_json::Value::as_object)
    {
        let mut v: Vec<String> = rates
            .iter()
            .filter_map(|(k, r)| Some(format!("{} {:.1} %", esc(k), r.as_f64()? * 100.0)))
            .collect();
        v.sort();
        if !v.is_empty() {
            dd("Cache hit rates", v.join(" · "));
        }
    }
    if let Some(caches) = j.get("caches").and_then(serde_json::Value::as_object) {
        let evicted: Vec<String> = caches
            .iter()
            .filter_map(|(k, c)| {
                let e = c.get("evictions")?.as_u64()?;
                (e > 0).then(|| format!("{} {}", esc(k), num(e)))
            })
            .collect();
        if !evicted.is_empty() {
            dd("Cache evictions", evicted.join(" · "));
        }
    }
    if let Some(m) = j.get("memory") {
        let mib = |k: &str| {
            m.get(k)
                .and_then(serde_json::Value::as_f64)
                .map(|b| b / 1048576.0)
        };
        if let (Some(peak), Some(budget)) = (mib("peak"), mib("budget")) {
            dd(
                "Memory",
                format!("peak {peak:.0} of {budget:.0} MiB in buffers"),
            );
        }
    }
    o.push_str("</dl>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_markup_needs() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("a\u{0}b"), "a\u{fffd}b");
    }

    #[test]
    fn numbers() {
        assert_eq!(num(0), "0");
        assert_eq!(num(999), "999");
        assert_eq!(num(1000), "1,000");
        assert_eq!(num(1234567), "1,234,567");
    }
}
