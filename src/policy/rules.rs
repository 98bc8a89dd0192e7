//! The rules a validation policy grades: one identifier each, stable in files and reports.
//!
//! ETSI EN 319 102-1 V1.3.1, clause 5.1.3: a validation process is run against "a set of
//! validation constraints" (the signature validation policy); clause 5.2.8 (signature
//! acceptance validation) checks the signature against the constraints it sets beyond
//! cryptography and paths. Each rule here is such a constraint, graded in the manner of EU DSS's
//! `constraint.xml` (FAIL, WARN, INFORM, IGNORE).

use std::fmt;

/// A rule of a validation policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// `trust.anchor`: the signer's certificate path ends at one of the policy's own anchors
    /// (parameters `anchors`, `certificates`: files or directories, relative to the policy
    /// file). Circular 15/2025/TT-BKHCN (as reported by the Ministry of Science and
    /// Technology, 2025-08-15): verification software checks "a trust path" to the national
    /// root (NEAC) or a foreign trust list Vietnam recognises; the government's specialised CA
    /// (VGCA, Decree 68/2024/NĐ-CP) has its own roots. FAIL: INDETERMINATE/
    /// CHAIN_CONSTRAINTS_FAILURE.
    TrustAnchor,
    /// `algorithms.digest`: the signature's digest is not SHA-1, unless the signature is proven
    /// to exist before `sha1_until` (ETSI TS 119 312; SOG-IS retired SHA-1 for signatures).
    /// FAIL: INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE(_NO_POE).
    AlgorithmsDigest,
    /// `algorithms.key-size`: the signer's key is at least `rsa_min_bits` (RSA) or
    /// `ec_min_bits` (ECDSA) unless proven to exist before `until` (NIST SP 800-131A; Circular
    /// 15/2025/TT-BKHCN: RSA 2048, ECDSA 256, as reported). FAIL: as `algorithms.digest`.
    AlgorithmsKeySize,
    /// `algorithms.sha1-legacy`: SHA-1 still present where it was accepted — a signature digest
    /// proven before the cut-off, a signature timestamp's message imprint, a CA certificate's
    /// signature in the path. Reported with the date; never more than a warning in the shipped
    /// policies.
    AlgorithmsSha1Legacy,
    /// `revocation.available`: the signer certificate's revocation status is determined (a
    /// current CRL or OCSP response; ETSI EN 319 102-1, 5.2.6). FAIL: INDETERMINATE/TRY_LATER.
    RevocationAvailable,
    /// `timestamp.present`: the signature carries a valid signature timestamp, so its signing
    /// time is trusted (ETSI EN 319 142-1 PAdES B-T).
    TimestampPresent,
    /// `time.local-signing-time`: the signingTime attribute reads as local time labelled UTC —
    /// `offset_hours` ahead of the signature timestamp, within `tolerance_minutes` (Vietnamese
    /// signing software writes UTC+7 wall time with a `Z`). The claimed time is never trusted.
    TimeLocalSigningTime,
    /// `attributes.required`: the SignerInfo carries the signed attributes named in `names`
    /// (`content-type`, `message-digest`, `signing-time`, `signing-certificate`: either
    /// signingCertificate or signingCertificateV2) (ETSI EN 319 122-1, 5.2).
    AttributesRequired,
    /// `role.known`: the signer certificate says whether it is a person's or an
    /// organisation's (subject UID `CMND:`, `CCCD:`, `HC:`, `PID:` … or `MST:`, `MNS:`).
    RoleKnown,
    /// `issued.signature-count`: an issued document carries at least `min` signatures — the
    /// competent person's, the organisation's, and the organisation's on the document number,
    /// day, month and year (Circular 01/2019/TT-BNV, as summarised by the project's issue; the
    /// text was not available to confirm the clause).
    IssuedSignatureCount,
    /// `issued.personal-and-organisation`: at least one personal and one organisation
    /// signature (Decree 30/2020/NĐ-CP, Art. 8 and 13, as summarised; text not confirmed
    /// here).
    IssuedPersonalAndOrganisation,
    /// `issued.organisation-after-personal`: no organisation signature before the first
    /// personal one (Decree 30/2020/NĐ-CP, Art. 32(2)(d), as summarised; text not confirmed
    /// here). Not raised when there is no personal signature at all (that is
    /// `issued.personal-and-organisation`).
    IssuedOrganisationAfterPersonal,
    /// `issued.seal-by-organisation`: a personal certificate signs once; signing again, it
    /// stands where the organisation's seal belongs (the seal is the organisation's
    /// certificate, Decree 30/2020/NĐ-CP, Appendix I, as summarised).
    IssuedSealByOrganisation,
    /// `issued.last-organisation-covers`: the last organisation signature covers the whole
    /// file apart from DSS and document-timestamp updates.
    IssuedLastOrganisationCovers,
    /// `dossier.appendix-organisation` (with `--dossier`): every appendix filed beside the main
    /// document carries an organisation signature of the main document's organisation
    /// (Decree 30/2020/NĐ-CP, Appendix I, as summarised; text not confirmed here).
    DossierAppendixOrganisation,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 15] = [
        Rule::TrustAnchor,
        Rule::AlgorithmsDigest,
        Rule::AlgorithmsKeySize,
        Rule::AlgorithmsSha1Legacy,
        Rule::RevocationAvailable,
        Rule::TimestampPresent,
        Rule::TimeLocalSigningTime,
        Rule::AttributesRequired,
        Rule::RoleKnown,
        Rule::IssuedSignatureCount,
        Rule::IssuedPersonalAndOrganisation,
        Rule::IssuedOrganisationAfterPersonal,
        Rule::IssuedSealByOrganisation,
        Rule::IssuedLastOrganisationCovers,
        Rule::DossierAppendixOrganisation,
    ];

    /// The rule's identifier in policy files and reports.
    pub fn id(self) -> &'static str {
        match self {
            Rule::TrustAnchor => "trust.anchor",
            Rule::AlgorithmsDigest => "algorithms.digest",
            Rule::AlgorithmsKeySize => "algorithms.key-size",
            Rule::AlgorithmsSha1Legacy => "algorithms.sha1-legacy",
            Rule::RevocationAvailable => "revocation.available",
            Rule::TimestampPresent => "timestamp.present",
            Rule::TimeLocalSigningTime => "time.local-signing-time",
            Rule::AttributesRequired => "attributes.required",
            Rule::RoleKnown => "role.known",
            Rule::IssuedSignatureCount => "issued.signature-count",
            Rule::IssuedPersonalAndOrganisation => "issued.personal-and-organisation",
            Rule::IssuedOrganisationAfterPersonal => "issued.organisation-after-personal",
            Rule::IssuedSealByOrganisation => "issued.seal-by-organisation",
            Rule::IssuedLastOrganisationCovers => "issued.last-organisation-covers",
            Rule::DossierAppendixOrganisation => "dossier.appendix-organisation",
        }
    }

    /// The rule named `id`.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == id)
    }

    /// The parameters the rule takes besides `level`.
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            Rule::TrustAnchor => &["anchors", "certificates"],
            Rule::AlgorithmsDigest => &["sha1_until"],
            Rule::AlgorithmsKeySize => &["rsa_min_bits", "ec_min_bits", "until"],
            Rule::TimeLocalSigningTime => &["offset_hours", "tolerance_minutes"],
            Rule::AttributesRequired => &["names"],
            Rule::IssuedSignatureCount => &["min"],
            _ => &[],
        }
    }

    /// Whether the rule judges a whole document (or dossier) rather than one signature.
    pub fn is_document_rule(self) -> bool {
        matches!(
            self,
            Rule::IssuedSignatureCount
                | Rule::IssuedPersonalAndOrganisation
                | Rule::IssuedOrganisationAfterPersonal
                | Rule::IssuedSealByOrganisation
                | Rule::IssuedLastOrganisationCovers
                | Rule::DossierAppendixOrganisation
        )
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// How much a broken rule weighs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// Not checked.
    Ignore,
    /// Reported for information.
    Inform,
    /// Reported as a warning; the indication stands.
    Warn,
    /// The signature (or document) fails: ETSI EN 319 102-1, 5.1.3, with the sub-indication
    /// the rule names, INDETERMINATE/SIG_CONSTRAINTS_FAILURE where none fits better.
    Fail,
}

impl Level {
    /// The level named `s` (`FAIL`, `WARN`, `INFORM`, `IGNORE`).
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "FAIL" => Level::Fail,
            "WARN" => Level::Warn,
            "INFORM" => Level::Inform,
            "IGNORE" => Level::Ignore,
            _ => return None,
        })
    }

    /// The level's name as files and reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Fail => "FAIL",
            Level::Warn => "WARN",
            Level::Inform => "INFORM",
            Level::Ignore => "IGNORE",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
