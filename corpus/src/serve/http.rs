//! The little HTTP/1.1 the server speaks (RFC 9112): one request per connection, read whole
//! (request line, headers, a `Content-Length` body), one response with `Connection: close`.

use std::io::{Read, Write};
use std::net::TcpStream;

use anyhow::{bail, Context as _, Result};

/// Longest request head accepted (request line and headers).
const MAX_HEAD: usize = 16 * 1024;
/// Longest request body accepted (an OCSP request is a few hundred bytes).
const MAX_BODY: usize = 64 * 1024;

/// A request as read.
#[derive(Debug)]
pub struct Request {
    /// `GET`, `HEAD`, `POST`, …
    pub method: String,
    /// The request target's path, as sent (origin form; an absolute form is cut to its path).
    pub path: String,
    /// The `Content-Type` header, lower-cased, without parameters.
    pub content_type: Option<String>,
    /// The body (`Content-Length` bytes).
    pub body: Vec<u8>,
}

/// Reads one request from `stream`.
pub fn read_request(stream: &mut TcpStream) -> Result<Request> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            bail!("request head over {MAX_HEAD} bytes");
        }
        let n = stream.read(&mut chunk).context("reading the request")?;
        if n == 0 {
            bail!("connection closed before the request's end");
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).context("request head is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let mut parts = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        bail!("bad request line");
    };
    if !version.starts_with("HTTP/1.") {
        bail!("unsupported version {version}");
    }
    let mut length = 0usize;
    let mut content_type = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            bail!("bad header line");
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse().context("bad Content-Length")?,
            "content-type" => {
                let media = value.split(';').next().unwrap_or_default();
                content_type = Some(media.trim().to_ascii_lowercase());
            }
            _ => {}
        }
    }
    if length > MAX_BODY {
        bail!("request body over {MAX_BODY} bytes");
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream
            .read(&mut chunk)
            .context("reading the request body")?;
        if n == 0 {
            bail!("connection closed inside the request body");
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Ok(Request {
        method: method.to_string(),
        path: origin_path(target).to_string(),
        content_type,
        body,
    })
}

/// The path of a request target: `/a/b?q` → `/a/b`, `http://host/a` → `/a`.
fn origin_path(target: &str) -> &str {
    let path = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    path.split(['?', '#']).next().unwrap_or("/")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A response to send.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body (sent unless the request was `HEAD`).
    pub body: Vec<u8>,
}

impl Response {
    /// A plain-text response.
    pub fn text(status: u16, text: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{text}\n").into_bytes(),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        415 => "Unsupported Media Type",
        500 => "Internal Server Error",
        _ => "Unknown",
    }
}

/// Writes `response`: its headers with `Content-Length: declared` (normally the body's
/// length), then `send` bytes of the body. Returns the body bytes written.
pub fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    declared: usize,
    send: usize,
) -> Result<usize> {
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {declared}\r\nConnection: close\r\nServer: sigaudit-corpus\r\n\r\n",
        response.status,
        reason(response.status),
        response.content_type
    );
    let send = send.min(response.body.len());
    let mut out = head.into_bytes();
    out.extend_from_slice(&response.body[..send]);
    stream.write_all(&out)?;
    stream.flush()?;
    Ok(send)
}

/// Decodes `%XX` escapes (RFC 3986, 2.1); `None` on a bad escape.
pub fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Decodes base64 (RFC 4648, 4; the URL-safe alphabet of section 5 too), padding optional,
/// whitespace ignored; `None` on any other byte.
pub fn base64_decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b'\r' | b'\n' | b' ' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_cut_to_their_path() {
        assert_eq!(origin_path("/crls/root.crl?x=1"), "/crls/root.crl");
        assert_eq!(origin_path("http://127.0.0.1:8/a/b"), "/a/b");
        assert_eq!(origin_path("http://127.0.0.1:8"), "/");
    }

    #[test]
    fn base64_and_percent_escapes_decode() {
        assert_eq!(base64_decode(b"TWFu").unwrap(), b"Man");
        assert_eq!(base64_decode(b"TWE=").unwrap(), b"Ma");
        assert_eq!(base64_decode(b"TQ").unwrap(), b"M");
        assert_eq!(base64_decode(b"+/8=").unwrap(), [0xfb, 0xff]);
        assert_eq!(base64_decode(b"-_8").unwrap(), [0xfb, 0xff]);
        assert!(base64_decode(b"a*b").is_none());
        assert_eq!(percent_decode("a%2Bb%2f%3D").unwrap(), b"a+b/=");
        assert!(percent_decode("a%2").is_none());
    }
}
