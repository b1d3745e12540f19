//! `mailctl check-dns`: the records `mailctl dns` says a spec needs,
//! compared with what DNS publishes.
//!
//! - `resolver`: the seam every question goes through (hickory, or zone data
//!   in memory), with the single-flight cache and the bound on queries in flight
//! - `direct`: the `--nameserver` servers asked over one UDP socket
//! - `spf`: RFC 7208 parser, `check_host()` evaluator and lookup counting
//! - `tags`: DKIM and DMARC tag lists
//! - `checks`: expected vs observed, per domain, into findings
//! - `report`: the JSON, `JUnit` and GitHub forms of the findings
//! - `locate`: where in the spec each expectation comes from

pub mod checks;
pub mod direct;
pub mod locate;
pub mod report;
pub mod resolver;
pub mod spf;
#[cfg(test)]
mod spf_suite;
pub mod tags;

pub use checks::{Finding, Plan, Status, Summary};

/// Why a check-dns run could not start (a failed lookup is a finding, not
/// an error).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("cannot set up DNS resolution")]
    Resolver {
        #[source]
        source: resolver::LookupError,
    },
    #[error("cannot start the async runtime")]
    Runtime {
        #[source]
        source: std::io::Error,
    },
}
