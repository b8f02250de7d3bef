//! Identity: tenants (a seller's store), people and their sessions, roles and permissions, staff
//! invitations, API keys, sign-in with OpenID Connect, and the audit log. The seed's auth-service.
//!
//! What the app wires in: [`router`], [`IdentityMigrator`], [`consumers`], and
//! [`app::api_keys::ApiKeys`] for the web layer's authentication.

pub mod api;
pub mod app;
pub mod consumers;
pub mod domain;
mod migrations;
mod store;

pub use api::router;
pub use app::{IdentityCtx, IdentitySettings};
pub use migrations::IdentityMigrator;

/// Identity's reactions to events.
pub fn consumers(
    ctx: &IdentityCtx,
) -> Vec<std::sync::Arc<dyn smartseller_platform::consumer::EventHandler>> {
    vec![std::sync::Arc::new(consumers::WelcomeMail {
        mailer: ctx.mailer.clone(),
    })]
}
