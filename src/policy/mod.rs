//! Validation policies as data: which rules apply, at which level, with which parameters and
//! trust anchors (ETSI EN 319 102-1 V1.3.1, 5.1.3: the validation is run "against a set of
//! validation constraints"; ETSI TS 119 172-1 calls such a set a signature validation policy).
//!
//! A policy is a TOML file of rules, each at FAIL, WARN, INFORM or IGNORE, in the manner of EU
//! DSS's `constraint.xml` and Estonia's SiVa policies. Built in: `etsi` (the default: ETSI EN
//! 319 102-1 with the cryptographic constraints of ETSI TS 119 312) and the Vietnamese
//! government pack, `vn-gov-published` and `vn-gov-issued` (shipped with their trust anchors
//! and sub-CAs). A file may `extends` a built-in or another file and change what it names.
//!
//! ```
//! use sigaudit::{Level, Policy, Rule};
//!
//! let text = r#"
//!     name = "strict"
//!     extends = "etsi"
//!     [rules."timestamp.present"]
//!     level = "FAIL"
//! "#;
//! let policy = Policy::from_toml(text, None).unwrap();
//! assert_eq!(policy.level(Rule::TimestampPresent), Level::Fail);
//! assert_eq!(policy.level(Rule::RevocationAvailable), Level::Fail); // from etsi
//!
//! let vn = Policy::builtin("vn-gov-published").unwrap();
//! assert_eq!(vn.level(Rule::RevocationAvailable), Level::Warn);
//! assert_eq!(vn.anchors().len(), 4); // the VGCA G1, G2 and the two national roots
//! ```

mod builtin;
mod load;
mod roles;
mod rules;

use std::collections::BTreeMap;

pub use load::PolicyError;
pub use roles::{organisation_id, Role};
pub use rules::{Level, Rule};

/// A validation policy: a level per rule, the rules' parameters, the policy's own trust
/// material.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The policy's name, as reports carry it.
    pub name: String,
    /// What the policy is for.
    pub description: String,
    levels: BTreeMap<Rule, Level>,
    /// The rules' parameters.
    pub params: Parameters,
    /// Trust anchors the policy brings (`trust.anchor`'s `anchors`), as read (PEM or DER).
    anchors: Vec<Vec<u8>>,
    /// Intermediate certificates the policy brings (`trust.anchor`'s `certificates`).
    certificates: Vec<Vec<u8>>,
}

/// The rules' parameters (times in seconds since the epoch).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Parameters {
    /// `algorithms.digest`: SHA-1 is acceptable for signatures proven to exist before this
    /// instant.
    pub sha1_until: i64,
    /// `algorithms.key-size`: smaller keys are acceptable for signatures proven to exist
    /// before this instant.
    pub key_size_until: i64,
    /// `algorithms.key-size`: the smallest RSA modulus, bits.
    pub rsa_min_bits: u32,
    /// `algorithms.key-size`: the smallest elliptic-curve order, bits (0: any).
    pub ec_min_bits: u32,
    /// `time.local-signing-time`: how far ahead of the timestamp a local time labelled UTC
    /// reads, hours.
    pub local_offset_hours: i64,
    /// `time.local-signing-time`: give or take, minutes.
    pub local_tolerance_minutes: i64,
    /// `attributes.required`: the signed attributes a signature must carry.
    pub required_attributes: Vec<String>,
    /// `issued.signature-count`: the fewest signatures of an issued document.
    pub min_signatures: u32,
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters {
            sha1_until: 1_451_606_400,     // 2016-01-01T00:00:00Z
            key_size_until: 1_388_534_400, // 2014-01-01T00:00:00Z
            rsa_min_bits: 2048,
            ec_min_bits: 0,
            local_offset_hours: 7,
            local_tolerance_minutes: 30,
            required_attributes: Vec::new(),
            min_signatures: 6,
        }
    }
}

impl Default for Policy {
    /// The built-in `etsi` policy.
    fn default() -> Self {
        Policy::builtin("etsi").expect("the etsi policy is built in")
    }
}

impl Policy {
    /// The policy's name and a SHA-256 of everything it decides with (levels, parameters,
    /// trust material), for a run's record: two runs under policies of one name but other
    /// rules are told apart.
    pub fn fingerprint(&self) -> String {
        let all = ring::digest::digest(&ring::digest::SHA256, format!("{self:?}").as_bytes());
        format!("{} sha256:{}", self.name, crate::asn1::hex(all.as_ref()))
    }

    /// The names of the built-in policies.
    pub const BUILTIN: [&'static str; 3] = ["etsi", "vn-gov-published", "vn-gov-issued"];

    /// A built-in policy by name.
    pub fn builtin(name: &str) -> Option<Policy> {
        load::builtin(name)
    }

    /// A policy from TOML text; `dir` is where its relative paths (`extends`, `anchors`,
    /// `certificates`) are resolved (none: only built-ins may be named).
    pub fn from_toml(text: &str, dir: Option<&std::path::Path>) -> Result<Policy, PolicyError> {
        load::from_toml(text, dir, 0)
    }

    /// A built-in policy's name, or a policy file's path.
    pub fn named(name_or_file: &str) -> Result<Policy, PolicyError> {
        if let Some(p) = Policy::builtin(name_or_file) {
            return Ok(p);
        }
        load::from_file(std::path::Path::new(name_or_file), 0)
    }

    /// A policy file.
    pub fn from_file(path: &std::path::Path) -> Result<Policy, PolicyError> {
        load::from_file(path, 0)
    }

    /// The level of `rule` (IGNORE unless the policy names it).
    pub fn level(&self, rule: Rule) -> Level {
        self.levels.get(&rule).copied().unwrap_or(Level::Ignore)
    }

    /// Sets the level of `rule`.
    pub fn set_level(&mut self, rule: Rule, level: Level) {
        self.levels.insert(rule, level);
    }

    /// The policy with `rule` at `level`.
    ///
    /// ```
    /// use sigaudit::{Level, Policy, Rule};
    ///
    /// // Signer certificates without revocation data accepted, and reported.
    /// let lenient = Policy::default().with(Rule::RevocationAvailable, Level::Inform);
    /// assert_eq!(lenient.level(Rule::RevocationAvailable), Level::Inform);
    /// ```
    pub fn with(mut self, rule: Rule, level: Level) -> Policy {
        self.set_level(rule, level);
        self
    }

    /// Whether `rule` is checked at all.
    pub fn checks(&self, rule: Rule) -> bool {
        self.level(rule) != Level::Ignore
    }

    /// The trust anchors the policy brings (PEM or DER, as shipped or read).
    pub fn anchors(&self) -> &[Vec<u8>] {
        &self.anchors
    }

    /// The intermediate certificates the policy brings.
    pub fn certificates(&self) -> &[Vec<u8>] {
        &self.certificates
    }

    /// The policy resolved, as TOML (`sigaudit policy show`): every rule with its level and
    /// parameters, the anchors by SHA-256 fingerprint and subject.
    pub fn to_toml(&self) -> String {
        load::show(self)
    }
}

/// One rule a signature or document broke, at the level the policy gives it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// Its level in the policy.
    pub level: Level,
    /// The signature's field name, or none for a document rule.
    pub signature: Option<String>,
    /// What was found.
    pub detail: String,
}
