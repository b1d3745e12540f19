//! Postfix itself: running its programs (`tools`), reading its files
//! (`parse`, `expand`), what Postfix 3.7 knows (`catalogue`), and the lint
//! rules (`rules` lists them, `lint` applies them).

pub mod catalogue;
pub mod expand;
pub mod lint;
pub mod parse;
pub mod rules;
pub mod tools;
