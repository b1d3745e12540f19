//! `mailctl init`'s wizard. The prompts (`prompts`, the only I/O) are kept
//! apart from the answers and their checks (`answers`) and from the spec text
//! the answers become (`spec_text`), which are pure and unit-tested; the
//! interactive wizard and `init --non-interactive` share everything after the
//! questions, so the same answers give the same file.

pub mod answers;
pub mod prompts;
pub mod spec_text;

pub use answers::Answers;
