use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue};
use serde_json::json;
use smartseller_contracts::payments::{PaymentMethod, PaymentStatus};
use smartseller_payments::gateways::{Gateway, GatewayConfig, GatewayError, WebhookError, build};
use smartseller_testkit::fake_payments::FakeXendit;
use smartseller_testkit::fake_payments::xendit::{CALLBACK_TOKEN, SECRET_KEY};

use super::{WebhookReceiver, checkout, http, idr, now, reference};

fn config(fake: &FakeXendit, secret_key: &str) -> GatewayConfig {
    GatewayConfig::Xendit {
        secret_key: secret_key.to_owned(),
        callback_token: CALLBACK_TOKEN.to_owned(),
        base_url: Some(fake.base_url()),
    }
}

fn gateway(fake: &FakeXendit) -> Arc<dyn Gateway> {
    build(&config(fake, SECRET_KEY), PaymentMethod::Xendit, http()).unwrap()
}

#[tokio::test]
async fn create_opens_an_invoice_in_rupiah_for_our_reference() {
    let fake = FakeXendit::start().await;
    let gateway = gateway(&fake);
    assert_eq!(gateway.method(), PaymentMethod::Xendit);
    let reference = reference();

    let created = gateway.create(&checkout(&reference)).await.unwrap();

    let invoice = fake.invoice_for(&reference).unwrap();
    let body = &invoice.request;
    assert_eq!(body["external_id"], json!(reference));
    assert_eq!(body["amount"], json!(150_000));
    assert_eq!(body["currency"], json!("IDR"));
    let duration = body["invoice_duration"].as_i64().unwrap();
    assert!((86_390..=86_400).contains(&duration), "{duration}");
    assert_eq!(body["customer"]["given_names"], json!("Budi"));
    assert_eq!(body["customer"]["mobile_number"], json!("081234567890"));
    assert_eq!(body["payer_email"], json!("budi@example.id"));
    assert_eq!(
        body["items"],
        json!([
            {"name": "Kaos polos M", "quantity": 2, "price": 60_000},
            {"name": "Ongkos kirim", "quantity": 1, "price": 30_000},
        ])
    );
    assert_eq!(
        body["success_redirect_url"],
        json!("https://toko.example.id/pay/finish")
    );
    assert_eq!(created.gateway_reference, invoice.id);
    assert_eq!(fake.invoice(&invoice.id), Some(invoice.clone()));
    assert_eq!(created.status, PaymentStatus::AwaitingPayment);
    assert_eq!(
        created.redirect_url,
        Some(format!("{}/web/invoices/{}", fake.base_url(), invoice.id))
    );
}

#[tokio::test]
async fn status_follows_payment_and_settlement() {
    let fake = FakeXendit::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let id = gateway
        .create(&checkout(&reference))
        .await
        .unwrap()
        .gateway_reference;

    assert_eq!(
        gateway.status(&reference, &id).await.unwrap().status,
        PaymentStatus::AwaitingPayment
    );
    fake.pay(&reference);
    let paid = gateway.status(&reference, &id).await.unwrap();
    assert_eq!(paid.status, PaymentStatus::Paid);
    assert_eq!(paid.captured, Some(idr(150_000)));
    fake.settle(&reference);
    assert_eq!(
        gateway.status(&reference, &id).await.unwrap().status,
        PaymentStatus::Paid
    );
}

#[tokio::test]
async fn cancel_expires_the_invoice() {
    let fake = FakeXendit::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let id = gateway
        .create(&checkout(&reference))
        .await
        .unwrap()
        .gateway_reference;

    gateway.cancel(&reference, &id).await.unwrap();

    assert_eq!(fake.invoice_for(&reference).unwrap().status, "EXPIRED");
    assert_eq!(
        gateway.status(&reference, &id).await.unwrap().status,
        PaymentStatus::Expired
    );
}

#[tokio::test]
async fn a_partial_refund_carries_its_idempotency_key() {
    let fake = FakeXendit::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let id = gateway
        .create(&checkout(&reference))
        .await
        .unwrap()
        .gateway_reference;
    fake.pay(&reference);

    let first = gateway
        .refund(&reference, &id, idr(25_000), "late delivery", "refund-x")
        .await
        .unwrap();
    let replayed = gateway
        .refund(&reference, &id, idr(25_000), "late delivery", "refund-x")
        .await
        .unwrap();

    assert_eq!(first, replayed);
    assert_eq!(first.status, "succeeded");
    assert_eq!(fake.invoice_for(&reference).unwrap().refunded, 25_000);
    assert!(matches!(
        gateway
            .refund(&reference, &id, idr(150_000), "too much", "refund-y")
            .await,
        Err(GatewayError::Declined(_))
    ));
}

#[tokio::test]
async fn capture_is_not_something_an_invoice_does() {
    let fake = FakeXendit::start().await;
    assert!(matches!(
        gateway(&fake).capture("p", "inv", idr(1)).await,
        Err(GatewayError::Unsupported(_))
    ));
}

#[tokio::test]
async fn failures_are_retried_and_a_wrong_key_is_unauthorized() {
    let fake = FakeXendit::start().await;
    let gateway = gateway(&fake);
    fake.fail_next(2, 500);
    gateway.create(&checkout(&reference())).await.unwrap();
    assert_eq!(fake.requests(), 3);

    fake.fail_next(1, 429);
    let started = Instant::now();
    gateway.create(&checkout(&reference())).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(fake.requests(), 5);

    let wrong = build(
        &config(&fake, "xnd_development_wrong"),
        PaymentMethod::Xendit,
        http(),
    )
    .unwrap();
    assert_eq!(
        wrong.create(&checkout(&reference())).await,
        Err(GatewayError::Unauthorized)
    );
    assert_eq!(fake.requests(), 6, "a 401 is not retried");
    assert_eq!(
        gateway.status("p", "no-such-invoice").await,
        Err(GatewayError::NotFound)
    );
}

#[tokio::test]
async fn callbacks_need_the_exact_token() {
    let fake = FakeXendit::start().await;
    let gateway = gateway(&fake);
    let body = br#"{"id":"inv_1","external_id":"p1","status":"PAID","amount":150000,"paid_amount":150000}"#;
    let with_token = |token: &str| {
        let mut headers = HeaderMap::new();
        headers.insert("x-callback-token", HeaderValue::from_str(token).unwrap());
        headers
    };

    let verified = gateway
        .verify_webhook(&with_token(CALLBACK_TOKEN), body, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.status, PaymentStatus::Paid);
    assert_eq!(verified.event_id, "inv_1:PAID");

    for wrong in [
        "",
        "fake-callback-verification-toke",
        "fake-callback-verification-tokenX",
    ] {
        assert_eq!(
            gateway
                .verify_webhook(&with_token(wrong), body, now())
                .await,
            Err(WebhookError::BadSignature),
            "{wrong:?}"
        );
    }
    assert_eq!(
        gateway.verify_webhook(&HeaderMap::new(), body, now()).await,
        Err(WebhookError::BadSignature)
    );
    assert!(matches!(
        gateway
            .verify_webhook(&with_token(CALLBACK_TOKEN), b"{not json", now())
            .await,
        Err(WebhookError::Malformed(_))
    ));
}

#[tokio::test]
async fn fake_issued_callbacks_are_accepted_and_mapped() {
    let fake = FakeXendit::start().await;
    let gateway = gateway(&fake);
    let reference = reference();
    let id = gateway
        .create(&checkout(&reference))
        .await
        .unwrap()
        .gateway_reference;
    let receiver = WebhookReceiver::start(gateway.clone(), 3).await;

    let paid = fake.pay(&reference);
    assert_eq!(fake.deliver(&receiver.url, &paid).await, 200);
    assert_eq!(receiver.attempts(), 4);
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].status, PaymentStatus::Paid);
    assert_eq!(received[0].reference.as_deref(), Some(reference.as_str()));
    assert_eq!(received[0].gateway_reference.as_deref(), Some(id.as_str()));
    assert_eq!(received[0].amount, Some(idr(150_000)));
    assert_eq!(received[0].event_id, format!("{id}:PAID"));

    let forged = paid.with_header("x-callback-token", "guessed");
    assert_eq!(fake.deliver(&receiver.url, &forged).await, 401);

    let other = super::reference();
    gateway.create(&checkout(&other)).await.unwrap();
    let expired = fake.expire(&other);
    let verified = gateway
        .verify_webhook(&expired.header_map(), &expired.body, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.status, PaymentStatus::Expired);
}

#[tokio::test]
async fn an_empty_configured_token_accepts_no_callback() {
    let fake = FakeXendit::start().await;
    let gateway = build(
        &GatewayConfig::Xendit {
            secret_key: SECRET_KEY.to_owned(),
            callback_token: String::new(),
            base_url: Some(fake.base_url()),
        },
        PaymentMethod::Xendit,
        http(),
    )
    .unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("x-callback-token", HeaderValue::from_static(""));
    assert_eq!(
        gateway
            .verify_webhook(&headers, br#"{"id":"i","status":"PAID","amount":1}"#, now())
            .await,
        Err(WebhookError::BadSignature)
    );
}
