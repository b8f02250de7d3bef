use std::sync::Arc;

use axum::http::HeaderMap;
use serde_json::json;
use smartseller_contracts::payments::{PaymentMethod, PaymentStatus};
use smartseller_kernel::money::{Currency, Money};
use smartseller_payments::gateways::paypal::crc32_message;
use smartseller_payments::gateways::{Gateway, GatewayConfig, GatewayError, WebhookError, build};
use smartseller_testkit::fake_payments::FakePaypal;
use smartseller_testkit::fake_payments::paypal::{CLIENT_ID, CLIENT_SECRET, WEBHOOK_ID};

use super::{WebhookReceiver, checkout, http, idr, now, reference};

/// Rp 16.000 per US dollar.
const RATE: i64 = 16_000;

fn config(fake: &FakePaypal, client_secret: &str, webhook_id: &str) -> GatewayConfig {
    GatewayConfig::Paypal {
        client_id: CLIENT_ID.to_owned(),
        client_secret: client_secret.to_owned(),
        webhook_id: webhook_id.to_owned(),
        base_url: Some(fake.base_url()),
        currency: None,
        idr_per_unit: RATE,
    }
}

fn gateway(fake: &FakePaypal) -> Arc<dyn Gateway> {
    build(
        &config(fake, CLIENT_SECRET, WEBHOOK_ID),
        PaymentMethod::Paypal,
        http(),
    )
    .unwrap()
}

#[tokio::test]
async fn create_converts_rupiah_to_dollars_and_answers_the_payer_action_link() {
    let fake = FakePaypal::start().await;
    let gateway = gateway(&fake);
    assert_eq!(gateway.method(), PaymentMethod::Paypal);
    let reference = reference();

    let created = gateway.create(&checkout(&reference)).await.unwrap();

    let order = fake.order_for(&reference).unwrap();
    let unit = &order.request["purchase_units"][0];
    assert_eq!(order.request["intent"], json!("CAPTURE"));
    assert_eq!(unit["reference_id"], json!("SO-20261125-0001"));
    assert_eq!(unit["custom_id"], json!(reference));
    // Rp 150.000 / 16.000 = 9.375 → 9.38, half up.
    assert_eq!(
        unit["amount"],
        json!({"currency_code": "USD", "value": "9.38"})
    );
    assert_eq!(
        order.request["payment_source"]["paypal"]["experience_context"]["return_url"],
        json!("https://toko.example.id/pay/finish")
    );
    assert_eq!(created.gateway_reference, order.id);
    assert_eq!(fake.order(&order.id), Some(order.clone()));
    assert_eq!(created.status, PaymentStatus::AwaitingPayment);
    assert_eq!(
        created.redirect_url,
        Some(format!(
            "{}/checkoutnow?token={}",
            fake.base_url(),
            order.id
        ))
    );
    assert_eq!(created.instructions.unwrap()["value"], json!("9.38"));
}

#[tokio::test]
async fn the_token_is_cached_and_the_request_id_replays_the_order() {
    let fake = FakePaypal::start().await;
    let gateway = gateway(&fake);
    let request = checkout(&reference());

    let first = gateway.create(&request).await.unwrap();
    let second = gateway.create(&request).await.unwrap();

    assert_eq!(first.gateway_reference, second.gateway_reference);
    assert_eq!(fake.token_requests(), 1);
}

#[tokio::test]
async fn a_revoked_token_is_renewed_once_and_the_call_succeeds() {
    let fake = FakePaypal::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let id = gateway
        .create(&checkout(&reference))
        .await
        .unwrap()
        .gateway_reference;
    fake.revoke_tokens();

    let status = gateway.status(&reference, &id).await.unwrap();

    assert_eq!(status.status, PaymentStatus::AwaitingPayment);
    assert_eq!(fake.token_requests(), 2);
}

#[tokio::test]
async fn an_approved_order_is_captured_and_then_paid() {
    let fake = FakePaypal::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let id = gateway
        .create(&checkout(&reference))
        .await
        .unwrap()
        .gateway_reference;

    let too_early = gateway.capture(&reference, &id, idr(150_000)).await;
    assert!(
        matches!(&too_early, Err(GatewayError::Declined(message)) if message.contains("not yet approved")),
        "{too_early:?}"
    );

    fake.approve(&reference);
    assert_eq!(
        gateway.status(&reference, &id).await.unwrap().status,
        PaymentStatus::AwaitingPayment
    );
    assert!(matches!(
        gateway.capture(&reference, &id, idr(100_000)).await,
        Err(GatewayError::Unsupported(_))
    ));

    let captured = gateway
        .capture(&reference, &id, idr(150_000))
        .await
        .unwrap();

    assert_eq!(captured.status, PaymentStatus::Paid);
    // USD 9.38 back at Rp 16.000: the conversion's rounding shows (Rp 150.080).
    assert_eq!(captured.captured, Some(idr(150_080)));
    assert_eq!(fake.order_for(&reference).unwrap().status, "COMPLETED");
    assert_eq!(
        gateway.status(&reference, &id).await.unwrap().status,
        PaymentStatus::Paid
    );
}

#[tokio::test]
async fn a_manual_capture_order_is_authorised_then_captured_in_part() {
    let fake = FakePaypal::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let mut request = checkout(&reference);
    request.manual_capture = true;
    let id = gateway.create(&request).await.unwrap().gateway_reference;
    assert_eq!(
        fake.order_for(&reference).unwrap().request["intent"],
        json!("AUTHORIZE")
    );
    fake.approve(&reference);

    // Rp 100.000 / 16.000 = USD 6.25.
    let captured = gateway
        .capture(&reference, &id, idr(100_000))
        .await
        .unwrap();

    assert_eq!(captured.status, PaymentStatus::Paid);
    assert_eq!(captured.captured, Some(idr(100_000)));
    let order = fake.order_for(&reference).unwrap();
    assert_eq!(order.capture.unwrap().amount_cents, 625);
    assert_eq!(order.authorization.unwrap().status, "PARTIALLY_CAPTURED");
}

#[tokio::test]
async fn a_partial_refund_goes_to_the_capture_in_dollars() {
    let fake = FakePaypal::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let id = gateway
        .create(&checkout(&reference))
        .await
        .unwrap()
        .gateway_reference;
    fake.approve(&reference);
    gateway
        .capture(&reference, &id, idr(150_000))
        .await
        .unwrap();

    let refund = gateway
        .refund(
            &reference,
            &id,
            idr(48_000),
            "one shirt returned",
            "refund-1",
        )
        .await
        .unwrap();
    let again = gateway
        .refund(
            &reference,
            &id,
            idr(48_000),
            "one shirt returned",
            "refund-1",
        )
        .await
        .unwrap();

    assert_eq!(refund, again, "PayPal-Request-Id replays the refund");
    assert_eq!(refund.status, "succeeded");
    let capture = fake.order_for(&reference).unwrap().capture.unwrap();
    assert_eq!(capture.refunds.len(), 1);
    assert_eq!(capture.refunds[0].1, 300);
    assert_eq!(capture.status, "PARTIALLY_REFUNDED");
    let status = gateway.status(&reference, &id).await.unwrap();
    assert_eq!(status.status, PaymentStatus::PartiallyRefunded);
    assert_eq!(status.refunded, Some(idr(48_000)));
}

#[tokio::test]
async fn cancel_asks_nothing_of_paypal() {
    let fake = FakePaypal::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let id = gateway
        .create(&checkout(&reference))
        .await
        .unwrap()
        .gateway_reference;
    let before = fake.requests();

    gateway.cancel(&reference, &id).await.unwrap();

    assert_eq!(fake.requests(), before);
}

#[tokio::test]
async fn failures_are_retried_and_wrong_credentials_are_unauthorized() {
    let fake = FakePaypal::start().await;
    fake.fail_next(2, 503);
    gateway(&fake)
        .create(&checkout(&reference()))
        .await
        .unwrap();
    // Token: two failures and a success; then the order.
    assert_eq!(fake.requests(), 4);

    let gateway = gateway(&fake);
    fake.fail_next(1, 429);
    let started = std::time::Instant::now();
    gateway.create(&checkout(&reference())).await.unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(fake.requests(), 7, "429, token, order");

    let wrong = build(
        &config(&fake, "not-the-secret", WEBHOOK_ID),
        PaymentMethod::Paypal,
        http(),
    )
    .unwrap();
    assert_eq!(
        wrong.create(&checkout(&reference())).await,
        Err(GatewayError::Unauthorized)
    );
}

#[test]
fn the_documented_crc_message() {
    let body = br#"{"id":"WH-TEST","event_type":"PAYMENT.CAPTURE.COMPLETED"}"#;
    assert_eq!(
        crc32_message("tid-1", "2024-05-01T03:00:00Z", "WH-ID", body),
        "tid-1|2024-05-01T03:00:00Z|WH-ID|3391999205"
    );
}

#[tokio::test]
async fn a_fake_issued_capture_event_verifies_with_the_raw_body_and_maps() {
    let fake = FakePaypal::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let id = gateway
        .create(&checkout(&reference))
        .await
        .unwrap()
        .gateway_reference;

    let notification = fake.settle(&reference);
    let verified = gateway
        .verify_webhook(&notification.header_map(), &notification.body, now())
        .await
        .unwrap()
        .unwrap();

    assert_eq!(verified.status, PaymentStatus::Paid);
    assert_eq!(verified.reference.as_deref(), Some(reference.as_str()));
    assert_eq!(verified.gateway_reference.as_deref(), Some(id.as_str()));
    assert_eq!(verified.amount, Some(Money::new(15_008_000, Currency::Idr)));
    assert_eq!(
        verified.event_id,
        notification.json()["id"].as_str().unwrap()
    );
    let sent = fake.verification_requests().pop().unwrap();
    let raw = String::from_utf8(notification.body.clone()).unwrap();
    assert!(
        sent.ends_with(&format!(r#""webhook_event":{raw}}}"#)),
        "{sent}"
    );
    assert!(sent.contains(&format!(r#""webhook_id":"{WEBHOOK_ID}""#)));
}

#[tokio::test]
async fn approval_events_name_the_order_and_wait_for_capture() {
    let fake = FakePaypal::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let id = gateway
        .create(&checkout(&reference))
        .await
        .unwrap()
        .gateway_reference;

    let approved = fake.approve(&reference);
    let verified = gateway
        .verify_webhook(&approved.header_map(), &approved.body, now())
        .await
        .unwrap()
        .unwrap();

    assert_eq!(verified.status, PaymentStatus::AwaitingPayment);
    assert_eq!(verified.gateway_reference.as_deref(), Some(id.as_str()));
    assert_eq!(verified.reference.as_deref(), Some(reference.as_str()));
}

#[tokio::test]
async fn tampered_foreign_or_unsigned_events_are_refused() {
    let fake = FakePaypal::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    gateway.create(&checkout(&reference)).await.unwrap();
    let notification = fake.settle(&reference);

    let raw = String::from_utf8(notification.body.clone()).unwrap();
    let tampered = notification
        .clone()
        .with_body(raw.replace("9.38", "938.00"));
    assert_eq!(
        gateway
            .verify_webhook(&tampered.header_map(), &tampered.body, now())
            .await,
        Err(WebhookError::BadSignature)
    );

    let other_webhook = build(
        &config(&fake, CLIENT_SECRET, "WH-SOMEONE-ELSE"),
        PaymentMethod::Paypal,
        http(),
    )
    .unwrap();
    assert_eq!(
        other_webhook
            .verify_webhook(&notification.header_map(), &notification.body, now())
            .await,
        Err(WebhookError::BadSignature)
    );

    let resigned = notification
        .clone()
        .with_header("PAYPAL-TRANSMISSION-SIG", "Zm9yZ2Vk");
    assert_eq!(
        gateway
            .verify_webhook(&resigned.header_map(), &resigned.body, now())
            .await,
        Err(WebhookError::BadSignature)
    );
    assert_eq!(
        gateway
            .verify_webhook(&HeaderMap::new(), &notification.body, now())
            .await,
        Err(WebhookError::BadSignature)
    );
}

#[tokio::test]
async fn deliveries_are_retried_until_the_endpoint_takes_them() {
    let fake = FakePaypal::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    gateway.create(&checkout(&reference)).await.unwrap();
    let receiver = WebhookReceiver::start(gateway.clone(), 5).await;

    let notification = fake.settle(&reference);
    assert_eq!(fake.deliver(&receiver.url, &notification).await, 200);

    assert_eq!(receiver.attempts(), 6);
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(receiver.received()[0].status, PaymentStatus::Paid);
}
