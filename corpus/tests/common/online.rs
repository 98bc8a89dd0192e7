//! Helpers of the online tests: a free loopback port, the `serve` subcommand as a child
//! process, a tiny HTTP/1.1 client, the CMS of a signature, the URLs of a certificate.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, CrlDistributionPoints};
use x509_cert::Certificate;

use sigaudit_corpus::cases::Profile;
use sigaudit_corpus::manifest::Document;
use sigaudit_corpus::{generate_with, Chain, Modes, Revocation};

/// A loopback port nobody listens on right now (bound, read and released: a test generates
/// a corpus for it, then serves on it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind port 0")
        .local_addr()
        .expect("local address")
        .port()
}

/// The modes of real government documents.
pub const LEAF_NONE: Modes = Modes {
    revocation: Revocation::Omitted,
    chain: Chain::Leaf,
};

/// Generates a `national` corpus of `docs` documents into `dir` with certificates' URLs under
/// `http://127.0.0.1:{port}/`, under `modes`.
pub fn corpus(dir: &Path, docs: usize, seed: u64, port: u16, modes: &Modes) -> Vec<Document> {
    let mut config = super::config(dir, docs, seed, Profile::National, "0");
    config.base_url = format!("http://127.0.0.1:{port}/");
    let mut lines = Vec::new();
    generate_with(&config, modes, |d| lines.push(d.clone())).expect("generation succeeds");
    lines
}

/// A running `sigaudit-corpus serve`, killed when dropped.
pub struct Server {
    /// The child process.
    pub child: Child,
    /// `127.0.0.1:PORT` as the server printed it.
    pub addr: String,
}

impl Server {
    /// Starts `serve dir --listen listen` with `extra` arguments and waits for its address.
    pub fn start(dir: &Path, listen: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sigaudit-corpus"))
            .arg("serve")
            .arg(dir)
            .args(["--listen", listen])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the server prints its address");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server { child, addr }
    }

    /// Waits up to `limit` for the server to exit; its exit status, if it did.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response as the tiny client read it.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body bytes received (all of them, until the server closed).
    pub body: Vec<u8>,
}

impl Reply {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request and reads the reply until the server closes the connection.
pub fn request(addr: &str, method: &str, path: &str, body: Option<(&str, &[u8])>) -> Reply {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some((ty, b)) = body {
        head.push_str(&format!(
            "Content-Type: {ty}\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body.map_or(&[][..], |(_, b)| b));
    stream.write_all(&out).expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the reply");
    parse_reply(&raw)
}

/// Parses an HTTP/1.1 response (head and whatever body followed).
pub fn parse_reply(raw: &[u8]) -> Reply {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = std::str::from_utf8(&raw[..end]).expect("UTF-8 head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(':').expect("header");
            (n.trim().to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    Reply {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    }
}

/// GET `path`.
pub fn get(addr: &str, path: &str) -> Reply {
    request(addr, "GET", path, None)
}

/// The DER CMS in the `/Contents` of the signature whose `/ByteRange` is `br`.
pub fn signature_der(doc: &[u8], br: [u64; 4]) -> Vec<u8> {
    let hex = &doc[br[1] as usize + 1..br[2] as usize - 1];
    let bytes: Vec<u8> = hex
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect();
    // The DER's own length (definite, X.690 8.1.3); the rest is the zero padding.
    let len = match bytes[1] {
        short @ 0..=0x7f => 2 + usize::from(short),
        long @ 0x81..=0x84 => {
            let n = usize::from(long & 0x7f);
            let value = bytes[2..2 + n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            2 + n + value
        }
        other => panic!("not a DER length: {other:#x}"),
    };
    bytes[..len].to_vec()
}

/// The SignedData of a DER ContentInfo.
pub fn signed_data(der: &[u8]) -> SignedData {
    let ci = ContentInfo::from_der(der).expect("ContentInfo");
    ci.content.decode_as::<SignedData>().expect("SignedData")
}

/// The certificates a SignedData carries.
pub fn certificates(sd: &SignedData) -> Vec<Certificate> {
    sd.certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The URLs a certificate names: (CRL distribution points, caIssuers, OCSP).
pub fn urls(cert: &Certificate) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut crls, mut issuers, mut ocsp) = (Vec::new(), Vec::new(), Vec::new());
    let uri = |g: &GeneralName| match g {
        GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
        _ => None,
    };
    for ext in cert.tbs_certificate.extensions.iter().flatten() {
        let value = ext.extn_value.as_bytes();
        if ext.extn_id == const_oid::db::rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS {
            for dp in CrlDistributionPoints::from_der(value).unwrap().0 {
                if let Some(DistributionPointName::FullName(names)) = dp.distribution_point {
                    crls.extend(names.iter().filter_map(uri));
                }
            }
        } else if ext.extn_id == const_oid::db::rfc5280::ID_PE_AUTHORITY_INFO_ACCESS {
            for ad in AuthorityInfoAccessSyntax::from_der(value).unwrap().0 {
                let list = match ad.access_method.to_string().as_str() {
                    "1.3.6.1.5.5.7.48.1" => &mut ocsp,
                    _ => &mut issuers,
                };
                list.extend(uri(&ad.access_location));
            }
        }
    }
    (crls, issuers, ocsp)
}

/// A PEM certificate file written into `dir`.
pub fn write_pem(dir: &Path, name: &str, cert: &Certificate) -> PathBuf {
    let path = dir.join(name);
    let pem = der::pem::encode_string(
        "CERTIFICATE",
        der::pem::LineEnding::LF,
        &cert.to_der().unwrap(),
    )
    .unwrap();
    std::fs::write(&path, pem).unwrap();
    path
}

/// Whether `openssl` runs; prints a visible SKIPPED line when it does not.
pub fn openssl(what: &str) -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED ({what}): openssl is not installed");
    }
    ok
}

/// Runs openssl with `args`; its stdout and stderr together.
pub fn run_openssl(args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Base64 (RFC 4648, 4, padded).
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Percent-encodes what base64 uses that a path segment must not hold (RFC 6960, A.1).
pub fn url_encode(s: &str) -> String {
    s.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}
