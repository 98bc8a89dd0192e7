//! Fixed instants of the test PKI and corpora, and their textual forms.
//!
//! Nothing here reads the clock: every corpus is a function of its seed and arguments.

use std::time::Duration;

/// Seconds since the Unix epoch.
pub type Unix = u64;

/// 00:00:00 UTC on the given civil date.
pub const fn date(y: i64, m: u32, d: u32) -> Unix {
    // Howard Hinnant's days-from-civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    ((era * 146_097 + doe - 719_468) * 86_400) as Unix
}

/// The instant at which every corpus' verdicts hold (inside the validity of every positive
/// certificate and CRL).
pub const VALIDATION_TIME: Unix = date(2026, 7, 1);
/// Earliest signing time of a generated signature.
pub const SIGNING_FROM: Unix = date(2025, 1, 1);
/// Latest signing time of a generated signature (before the CRLs' thisUpdate).
pub const SIGNING_UNTIL: Unix = date(2026, 5, 31);

fn civil(t: Unix) -> der::DateTime {
    der::DateTime::from_unix_duration(Duration::from_secs(t)).expect("instant within 1970..9999")
}

/// `(year, month, day, hour, minute, second)` of an instant.
fn fields(t: Unix) -> (u16, u8, u8, u8, u8, u8) {
    let d = civil(t);
    (
        d.year(),
        d.month(),
        d.day(),
        d.hour(),
        d.minutes(),
        d.seconds(),
    )
}

/// RFC 3339, e.g. `2026-07-01T00:00:00Z`.
pub fn rfc3339(t: Unix) -> String {
    let (y, mo, d, h, mi, s) = fields(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// A PDF date string (ISO 32000-1, 7.9.4 "Dates"), `D:YYYYMMDDHHmmSS+07'00'`, in Vietnam's
/// time zone (UTC+7), as Vietnamese signing software writes it.
pub fn pdf_date(t: Unix) -> String {
    let (y, mo, d, h, mi, s) = fields(t + 7 * 3600);
    format!("D:{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}+07'00'")
}

/// An X.509 / CMS `Time` (RFC 5280, 4.1.2.5: UTCTime through 2049, GeneralizedTime after).
pub fn x509_time(t: Unix) -> x509_cert::time::Time {
    let d = Duration::from_secs(t);
    if t < date(2050, 1, 1) {
        x509_cert::time::Time::UtcTime(der::asn1::UtcTime::from_unix_duration(d).expect("UTCTime"))
    } else {
        x509_cert::time::Time::GeneralTime(
            der::asn1::GeneralizedTime::from_unix_duration(d).expect("GeneralizedTime"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(date(1970, 1, 1), 0);
        assert_eq!(date(2000, 3, 1), 951_868_800);
        assert_eq!(rfc3339(VALIDATION_TIME), "2026-07-01T00:00:00Z");
        assert_eq!(
            pdf_date(date(2025, 12, 31) + 20 * 3600),
            "D:20260101030000+07'00'"
        );
    }
}
