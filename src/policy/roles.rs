//! Who signs: a person or an organisation, read from the signer certificate.
//!
//! Vietnamese certificates name their holder in the subject's UID attribute (OID
//! 0.9.2342.19200300.100.1.1), with a prefix saying what the number is: a person's identity
//! card or passport (`CMND:`, `CCCD:`, `HC:`, `PID:`, `CMT:`), or an organisation's tax or
//! budget-unit code (`MST:`, `MNS:`). The real Government Portal certificate carries
//! `UID=MST:0102357802` and `UID=MNS:1032158`. VGCA certificates also name a policy under
//! 2.16.704.1.1.1 (the portal's and the gazette's carry 2.16.704.1.1.1.1.1); what each policy
//! identifier under that arc means was not found published, so it is reported as evidence and
//! never decides a role on its own.

use crate::pki::cert::Certificate;

/// Prefixes of a person's identifier.
const PERSONAL: [&str; 5] = ["CMND:", "CCCD:", "HC:", "PID:", "CMT:"];
/// Prefixes of an organisation's identifier.
const ORGANISATION: [&str; 2] = ["MST:", "MNS:"];
/// The arc of the Vietnamese government CA's certificate policies.
pub const VGCA_POLICY_ARC: &str = "2.16.704.1.1.1";

/// The signer's role, from the certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A person's certificate (a personal identifier in the subject).
    Personal,
    /// An organisation's certificate (an organisation identifier and no personal one).
    Organisation,
    /// The certificate does not say.
    Unknown,
}

impl Role {
    /// The role `cert` shows.
    pub fn of(cert: &Certificate) -> Role {
        Role::from_uids(&cert.subject_uids)
    }

    /// The role a subject's UID attributes show.
    pub fn from_uids(uids: &[String]) -> Role {
        let has = |prefixes: &[&str]| {
            uids.iter()
                .any(|u| prefixes.iter().any(|p| starts_with_ignore_case(u, p)))
        };
        if has(&PERSONAL) {
            Role::Personal
        } else if has(&ORGANISATION) {
            Role::Organisation
        } else {
            Role::Unknown
        }
    }

    /// The role's name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Personal => "personal",
            Role::Organisation => "organisation",
            Role::Unknown => "unknown",
        }
    }

    /// Why the role is what it is, in words.
    pub fn evidence(cert: &Certificate) -> String {
        let uids = if cert.subject_uids.is_empty() {
            "no subject UID".to_string()
        } else {
            format!("subject UID {}", cert.subject_uids.join(", "))
        };
        let vgca: Vec<&str> = cert
            .policies
            .iter()
            .filter(|p| p.starts_with(VGCA_POLICY_ARC))
            .map(String::as_str)
            .collect();
        if vgca.is_empty() {
            uids
        } else {
            format!("{uids}; VGCA certificate policy {}", vgca.join(", "))
        }
    }
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// The organisation an organisation certificate names, from its subject's UID attributes and
/// DN: its `MST:`/`MNS:` identifiers, sorted and joined, or the subject DN when it has none.
pub fn organisation_id(uids: &[String], subject: &str) -> String {
    let mut ids: Vec<&str> = uids
        .iter()
        .filter(|u| ORGANISATION.iter().any(|p| starts_with_ignore_case(u, p)))
        .map(String::as_str)
        .collect();
    if ids.is_empty() {
        return subject.to_string();
    }
    ids.sort_unstable();
    ids.join(",")
}
