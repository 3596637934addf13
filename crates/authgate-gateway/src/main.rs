//! The `authgate` command: see `authgate --help`.

fn main() {}
