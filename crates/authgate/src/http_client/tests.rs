//! HTTP client tests.
