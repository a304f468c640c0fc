//! Handler tests: every route and every error case, through `app(...).oneshot(req)` with the
//! platforms' payloads from `tests/fixtures/`, and through `lambda_http` requests built from an
//! API Gateway HTTP API v2 event.

mod api;
mod common;
mod corpus;
mod lambda;
mod meta;
mod rules;
mod slack;
mod telegram;
mod x_typeform;
