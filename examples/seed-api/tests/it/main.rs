//! Integration tests of the seed API: the dev IdP and the API on loopback, real tokens.

mod demo;
mod login;
mod routes;
