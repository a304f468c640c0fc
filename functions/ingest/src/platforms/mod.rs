//! One module per platform: its payload shapes (as its documentation gives them), how they
//! normalise into [`crate::inbound::Inbound`] items, and its axum handlers.

pub mod flex;
pub mod meta;
pub mod slack;
pub mod telegram;
pub mod typeform;
pub mod x;
