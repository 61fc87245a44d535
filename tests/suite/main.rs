//! Roster's behaviour tests, one binary: SPEC rules, bulk onboarding, sign-in, roles,
//! bad input, concurrency, properties, adapter conformance, the OpenAPI document and the
//! black-box run of the built `roster-local` binary.

mod bad_input;
mod blackbox;
mod bulk;
mod concurrency;
mod conformance;
mod openapi;
mod properties;
mod roles;
mod rules;
mod signin;
mod workers;
