use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue};
use chrono::DateTime;
use smartseller_contracts::payments::{PaymentMethod, PaymentStatus};
use smartseller_kernel::money::{Currency, Money};
use smartseller_payments::gateways::{Gateway, GatewayConfig, GatewayError, WebhookError, build};
use smartseller_testkit::fake_payments::FakeStripe;
use smartseller_testkit::fake_payments::stripe::{SECRET_KEY, WEBHOOK_SECRET, signature_header};

use super::{WebhookReceiver, checkout, http, idr, now, reference};

fn config(fake: &FakeStripe, secret_key: &str, webhook_secret: &str) -> GatewayConfig {
    GatewayConfig::Stripe {
        secret_key: secret_key.to_owned(),
        webhook_secret: webhook_secret.to_owned(),
        base_url: Some(fake.base_url()),
        tolerance_seconds: None,
    }
}

fn gateway(fake: &FakeStripe) -> Arc<dyn Gateway> {
    build(
        &config(fake, SECRET_KEY, WEBHOOK_SECRET),
        PaymentMethod::Stripe,
        http(),
    )
    .unwrap()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[tokio::test]
async fn create_sends_idr_in_cents_form_encoded_with_our_reference() {
    let fake = FakeStripe::start().await;
    let gateway = gateway(&fake);
    assert_eq!(gateway.method(), PaymentMethod::Stripe);
    let reference = reference();

    let created = gateway.create(&checkout(&reference)).await.unwrap();

    let intent = fake.intent(&created.gateway_reference).unwrap();
    // Rp 150.000 → amount=15000000, currency=idr (IDR is not zero-decimal at Stripe).
    assert_eq!(intent.amount, 15_000_000);
    assert_eq!(intent.currency, "idr");
    assert_eq!(intent.capture_method, "automatic");
    assert_eq!(
        intent.metadata.get("payment_id").map(String::as_str),
        Some(reference.as_str())
    );
    assert_eq!(
        intent.metadata.get("order_number").map(String::as_str),
        Some("SO-20261125-0001")
    );
    assert_eq!(
        field(&intent.form, "automatic_payment_methods[enabled]"),
        Some("true")
    );
    assert_eq!(
        field(&intent.form, "receipt_email"),
        Some("budi@example.id")
    );
    assert_eq!(created.status, PaymentStatus::AwaitingPayment);
    assert_eq!(created.redirect_url, None);
    assert_eq!(
        created.instructions.unwrap()["client_secret"].as_str(),
        Some(intent.client_secret.as_str())
    );
}

#[tokio::test]
async fn a_retried_create_with_the_same_key_is_replayed_not_duplicated() {
    let fake = FakeStripe::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let request = checkout(&reference);

    let first = gateway.create(&request).await.unwrap();
    let second = gateway.create(&request).await.unwrap();
    assert_eq!(first.gateway_reference, second.gateway_reference);

    // Same key, other parameters: Stripe's idempotency error, surfaced as a refusal.
    let mut changed = request.clone();
    changed.amount = idr(1);
    let refused = gateway.create(&changed).await;
    assert!(
        matches!(&refused, Err(GatewayError::Declined(message)) if message.contains("same parameters")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn status_follows_the_intent_through_payment_and_refunds() {
    let fake = FakeStripe::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let created = gateway.create(&checkout(&reference)).await.unwrap();
    let id = created.gateway_reference;

    assert_eq!(
        gateway.status(&reference, &id).await.unwrap().status,
        PaymentStatus::AwaitingPayment
    );
    fake.settle(&reference);
    let paid = gateway.status(&reference, &id).await.unwrap();
    assert_eq!(paid.status, PaymentStatus::Paid);
    assert_eq!(paid.captured, Some(idr(150_000)));
    assert_eq!(paid.refunded, None);

    let refund = gateway
        .refund(&reference, &id, idr(40_000), "damaged item", "refund-a")
        .await
        .unwrap();
    assert!(refund.refund_reference.starts_with("re_"));
    assert_eq!(refund.status, "succeeded");
    assert_eq!(fake.intent(&id).unwrap().amount_refunded, 4_000_000);

    let partially = gateway.status(&reference, &id).await.unwrap();
    assert_eq!(partially.status, PaymentStatus::PartiallyRefunded);
    assert_eq!(partially.refunded, Some(idr(40_000)));

    gateway
        .refund(&reference, &id, idr(110_000), "the rest", "refund-b")
        .await
        .unwrap();
    assert_eq!(
        gateway.status(&reference, &id).await.unwrap().status,
        PaymentStatus::Refunded
    );
}

#[tokio::test]
async fn a_manual_capture_intent_is_captured_in_part() {
    let fake = FakeStripe::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let mut request = checkout(&reference);
    request.manual_capture = true;
    let created = gateway.create(&request).await.unwrap();
    let id = created.gateway_reference;
    assert_eq!(fake.intent(&id).unwrap().capture_method, "manual");

    fake.settle(&reference);
    assert_eq!(
        gateway.status(&reference, &id).await.unwrap().status,
        PaymentStatus::Authorized
    );

    let captured = gateway
        .capture(&reference, &id, idr(120_000))
        .await
        .unwrap();

    assert_eq!(captured.status, PaymentStatus::Paid);
    assert_eq!(captured.captured, Some(idr(120_000)));
    let intent = fake.intent(&id).unwrap();
    assert_eq!(
        (intent.status.as_str(), intent.amount_received),
        ("succeeded", 12_000_000)
    );
}

#[tokio::test]
async fn cancel_cancels_an_unpaid_intent_and_a_paid_one_refuses() {
    let fake = FakeStripe::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let created = gateway.create(&checkout(&reference)).await.unwrap();
    gateway
        .cancel(&reference, &created.gateway_reference)
        .await
        .unwrap();
    assert_eq!(
        fake.intent(&created.gateway_reference).unwrap().status,
        "canceled"
    );
    assert_eq!(
        gateway
            .status(&reference, &created.gateway_reference)
            .await
            .unwrap()
            .status,
        PaymentStatus::Cancelled
    );

    let paid_reference = super::reference();
    let paid = gateway.create(&checkout(&paid_reference)).await.unwrap();
    fake.settle(&paid_reference);
    assert!(matches!(
        gateway
            .cancel(&paid_reference, &paid.gateway_reference)
            .await,
        Err(GatewayError::Declined(_))
    ));
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_retried() {
    let fake = FakeStripe::start().await;
    let gateway = gateway(&fake);
    fake.fail_next(2, 502);
    gateway.create(&checkout(&reference())).await.unwrap();
    assert_eq!(fake.requests(), 3);

    fake.fail_next(1, 429);
    let started = Instant::now();
    gateway.create(&checkout(&reference())).await.unwrap();
    assert_eq!(fake.requests(), 5);
    assert!(started.elapsed() >= Duration::from_secs(1));

    fake.fail_next(3, 500);
    assert!(matches!(
        gateway.create(&checkout(&reference())).await,
        Err(GatewayError::Unavailable(_))
    ));
    assert_eq!(fake.requests(), 8);
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized_and_an_unknown_intent_not_found() {
    let fake = FakeStripe::start().await;
    let wrong = build(
        &config(&fake, "sk_test_wrong", WEBHOOK_SECRET),
        PaymentMethod::Stripe,
        http(),
    )
    .unwrap();
    assert_eq!(
        wrong.create(&checkout(&reference())).await,
        Err(GatewayError::Unauthorized)
    );
    assert_eq!(
        gateway(&fake).status("p", "pi_missing").await,
        Err(GatewayError::NotFound)
    );
}

fn signed(header: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("stripe-signature", HeaderValue::from_str(header).unwrap());
    headers
}

#[tokio::test]
async fn the_documented_signature_verifies_at_its_time_and_not_later() {
    let fake = FakeStripe::start().await;
    let gateway = build(
        &config(&fake, SECRET_KEY, "whsec_example_secret"),
        PaymentMethod::Stripe,
        http(),
    )
    .unwrap();
    let body = br#"{"id":"evt_test_1","object":"event","type":"payment_intent.succeeded"}"#;
    let headers =
        signed("t=1700000000,v1=391c3b20fecf4d97fe5fd9b9f6c3ddb17682e941b5623ea31f4f61809e1302f4");
    let at = |seconds| DateTime::from_timestamp(seconds, 0).unwrap();

    let verified = gateway
        .verify_webhook(&headers, body, at(1_700_000_000))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.event_id, "evt_test_1");
    assert_eq!(verified.status, PaymentStatus::Paid);

    assert_eq!(
        gateway
            .verify_webhook(&headers, body, at(1_700_000_301))
            .await,
        Err(WebhookError::BadSignature)
    );
    let tampered = br#"{"id":"evt_test_2","object":"event","type":"payment_intent.succeeded"}"#;
    assert_eq!(
        gateway
            .verify_webhook(&headers, tampered, at(1_700_000_000))
            .await,
        Err(WebhookError::BadSignature)
    );
    assert_eq!(
        gateway
            .verify_webhook(&HeaderMap::new(), body, at(1_700_000_000))
            .await,
        Err(WebhookError::BadSignature)
    );
}

#[tokio::test]
async fn fake_issued_events_are_accepted_and_mapped() {
    let fake = FakeStripe::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let created = gateway.create(&checkout(&reference)).await.unwrap();

    let succeeded = fake.settle(&reference);
    let verified = gateway
        .verify_webhook(&succeeded.header_map(), &succeeded.body, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.status, PaymentStatus::Paid);
    assert_eq!(verified.reference.as_deref(), Some(reference.as_str()));
    assert_eq!(
        verified.gateway_reference.as_deref(),
        Some(created.gateway_reference.as_str())
    );
    assert_eq!(verified.amount, Some(idr(150_000)));
    assert_eq!(verified.event_id, succeeded.json()["id"].as_str().unwrap());

    gateway
        .refund(
            &reference,
            &created.gateway_reference,
            idr(50_000),
            "r",
            "k1",
        )
        .await
        .unwrap();
    let refunded = fake.charge_refunded(&reference);
    let verified = gateway
        .verify_webhook(&refunded.header_map(), &refunded.body, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.status, PaymentStatus::PartiallyRefunded);
    assert_eq!(verified.amount, Some(Money::new(5_000_000, Currency::Idr)));
    assert_eq!(
        verified.gateway_reference.as_deref(),
        Some(created.gateway_reference.as_str())
    );
}

#[tokio::test]
async fn failed_payments_map_to_failed_and_stale_deliveries_are_refused() {
    let fake = FakeStripe::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    gateway.create(&checkout(&reference)).await.unwrap();

    let failed = fake.fail(&reference);
    let verified = gateway
        .verify_webhook(&failed.header_map(), &failed.body, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.status, PaymentStatus::Failed);

    let stale_time = now().timestamp() - 301;
    let stale = failed.clone().with_header(
        "Stripe-Signature",
        &signature_header(&failed.body, stale_time),
    );
    assert_eq!(
        gateway
            .verify_webhook(&stale.header_map(), &stale.body, now())
            .await,
        Err(WebhookError::BadSignature)
    );
}

#[tokio::test]
async fn deliveries_reach_the_endpoint_after_its_failures() {
    let fake = FakeStripe::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    gateway.create(&checkout(&reference)).await.unwrap();
    let receiver = WebhookReceiver::start(gateway.clone(), 2).await;

    let notification = fake.settle(&reference);
    assert_eq!(fake.deliver(&receiver.url, &notification).await, 200);
    assert_eq!(receiver.attempts(), 3);
    assert_eq!(receiver.received()[0].status, PaymentStatus::Paid);

    let forged = notification.with_header("Stripe-Signature", "t=1,v1=00");
    assert_eq!(fake.deliver(&receiver.url, &forged).await, 401);
}
