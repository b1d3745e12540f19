//! Postfix itself: running its programs (`tools`).

pub mod tools;
