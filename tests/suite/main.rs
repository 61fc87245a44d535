//! Roster's behaviour tests, one binary: SPEC rules, bulk onboarding, sign-in, roles,
//! bad input, concurrency, properties, adapter conformance, the OpenAPI document and the
//! black-box run of the built `roster-local` binary.

/// Runs each named `async fn(TestApp)` once per backend: on the embedded adapters; on them
/// with indexes that lag an hour behind the table (every write decision must rest on
/// consistent reads of the table, never on an index); and on the AWS adapters (DynamoDB,
/// SQS, SES v2) against the moto server the test command started.
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(roster_tests::TestApp::new()).await
                }
            )*
        }
        mod stale_index {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(roster_tests::TestApp::with_stale_indexes(std::time::Duration::from_secs(3600))).await
                }
            )*
        }
        mod moto {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(roster_tests::TestApp::on_moto().await).await
                }
            )*
        }
    };
}

mod aws;
mod bad_input;
mod blackbox;
mod bulk;
mod capacity;
mod codes;
mod concurrency;
mod conformance;
mod dates;
mod departments;
mod emails;
mod faults;
mod ids;
mod infra;
mod lambda;
mod openapi;
mod properties;
mod roles;
mod rules;
mod scim;
mod search;
mod security;
mod signin;
mod sso;
mod workers;
