//! The integration tests of `authgate-core`: one binary, one module per concern.

mod claims;
mod forge;
mod format;
mod keys;
mod pipeline;
mod policy;
