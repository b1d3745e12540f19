//! mailctl's integration tests: one binary, one module per area. They run
//! the real `mailctl` binary, and real Postfix (and, where an area needs it,
//! Knot DNS) on loopback; see `support` for the shared harness.

mod cert;
mod check_dns;
mod dns;
mod knot;
mod lint;
mod pebble;
mod postfix;
mod render;
mod support;
mod validate;
