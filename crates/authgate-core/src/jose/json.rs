//! Strict JSON objects: RFC 8259 only, no duplicate member names (after unescaping), bounded
//! depth and size.
