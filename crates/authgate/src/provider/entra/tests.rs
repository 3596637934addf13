//! Entra tests.
