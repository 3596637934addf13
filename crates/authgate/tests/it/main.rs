//! Integration tests of the `authgate` library (one test binary, one module per concept).

mod authorize;
mod bearer;
mod memo;
mod providers;
mod reliability;
mod shared_issuer;
mod support;
