//! Reactions to `user.events`.

use std::sync::Arc;

use smartseller_contracts::identity::UserEvent;
use smartseller_kernel::event::EventEnvelope;
use smartseller_platform::consumer::EventHandler;
use smartseller_platform::db::WriteTx;
use smartseller_platform::mail::{Email, Mailer};

/// Welcomes a new store owner by email. The message id is the event id, so a redelivered event
/// sends the same message again, which the mailer de-duplicates.
pub struct WelcomeMail {
    pub mailer: Arc<dyn Mailer>,
}

#[async_trait::async_trait]
impl EventHandler for WelcomeMail {
    fn name(&self) -> &'static str {
        "identity.welcome_mail"
    }

    fn subjects(&self) -> &'static [&'static str] {
        &[smartseller_contracts::identity::SUBJECT]
    }

    async fn handle(&self, _tx: &mut WriteTx, event: &EventEnvelope) -> anyhow::Result<()> {
        if event.event_type != "user.registered" {
            return Ok(());
        }
        let UserEvent::Registered {
            email,
            full_name,
            store_name,
            ..
        } = serde_json::from_value(event.payload.clone())?
        else {
            return Ok(());
        };
        self.mailer
            .send(&Email {
                id: event.id,
                to: email,
                subject: format!("Welcome to SmartSeller, {full_name}"),
                text: format!(
                    "Hello {full_name},\n\nYour store {store_name} is ready. Add your products, connect your marketplaces and invite your team.\n\nSmartSeller\n"
                ),
            })
            .await
    }
}
