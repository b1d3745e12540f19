//! mailctl's integration tests: one binary, one module per area. They run
//! the real `mailctl` binary, and real Postfix (and, where an area needs it,
//! Knot DNS) on loopback; see `support` for the shared harness.

// A failing test prints what it saw (a server log, a temp dir it kept).
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cert;
mod check_dns;
mod dns;
mod dovecot;
mod generated;
mod init;
mod knot;
mod lint;
mod mailflow;
mod pebble;
mod postfix;
mod render;
mod support;
mod validate;
