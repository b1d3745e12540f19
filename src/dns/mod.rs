//! The DNS records a spec needs, and their zone/JSON/table forms. Pure: the
//! caller reads the DKIM keys and the certificate and passes them in
//! (`Inputs`), so the same spec and inputs always give the same records.
//!
//! `mailctl check-dns` compares the world with exactly these records, so
//! this module is the single source of what is expected.

pub mod records;
pub mod table;
pub mod tlsa;
pub mod txt;
pub mod zone;

use serde::Serialize;

pub use records::{Inputs, build, mta_sts_policy};

/// How much a record matters for mail to work and be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Requirement {
    Required,
    Recommended,
    Optional,
}

impl Requirement {
    pub fn name(self) -> &'static str {
        match self {
            Requirement::Required => "required",
            Requirement::Recommended => "recommended",
            Requirement::Optional => "optional",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum RecordType {
    A,
    #[allow(clippy::upper_case_acronyms)]
    AAAA,
    MX,
    TXT,
    SRV,
    CAA,
    TLSA,
    PTR,
}

impl RecordType {
    pub fn name(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::AAAA => "AAAA",
            RecordType::MX => "MX",
            RecordType::TXT => "TXT",
            RecordType::SRV => "SRV",
            RecordType::CAA => "CAA",
            RecordType::TLSA => "TLSA",
            RecordType::PTR => "PTR",
        }
    }
}

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// The zone the record belongs in: a hosted domain (or alias domain), or
    /// for the mail host's own records, the hosted domain it is under.
    pub domain: String,
    /// The owner name, fully qualified, without the trailing dot.
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: RecordType,
    pub ttl: u32,
    /// Presentation form. TXT values are the whole text, unquoted and
    /// unsplit; host names in values are absolute (trailing dot).
    pub value: String,
    /// Why the record is there.
    pub purpose: String,
    pub requirement: Requirement,
}

/// Something that cannot go into the spec's own zones: a PTR in the address
/// owner's reverse zone, an authorisation another domain must publish, a
/// key or certificate that does not exist yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advice {
    pub domain: String,
    pub message: String,
    /// The record someone else should publish, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<AdviceRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdviceRecord {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: RecordType,
    pub value: String,
}

/// Every record and every piece of advice for a spec.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecordSet {
    pub records: Vec<Record>,
    pub advice: Vec<Advice>,
}

impl RecordSet {
    /// Only what belongs to `domain`'s zone.
    #[must_use]
    pub fn only(mut self, domain: &str) -> Self {
        self.records.retain(|r| r.domain == domain);
        self.advice.retain(|a| a.domain == domain);
        self
    }

    /// The zones, in first-seen order.
    pub fn domains(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        for r in &self.records {
            if !seen.contains(&r.domain.as_str()) {
                seen.push(&r.domain);
            }
        }
        for a in &self.advice {
            if !seen.contains(&a.domain.as_str()) {
                seen.push(&a.domain);
            }
        }
        seen
    }
}
