use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::DateTime;
use serde_json::{Value, json};
use smartseller_contracts::payments::{PaymentItem, PaymentMethod, PaymentStatus};
use smartseller_kernel::money::{Currency, Money};
use smartseller_payments::gateways::midtrans::verify_notification;
use smartseller_payments::gateways::{Gateway, GatewayConfig, GatewayError, WebhookError, build};
use smartseller_testkit::fake_payments::FakeMidtrans;
use smartseller_testkit::fake_payments::midtrans::SERVER_KEY;

use super::{WebhookReceiver, checkout, http, idr, now, reference};

fn config(fake: &FakeMidtrans, server_key: &str) -> GatewayConfig {
    GatewayConfig::Midtrans {
        server_key: server_key.to_owned(),
        snap_base_url: Some(fake.base_url()),
        core_base_url: Some(fake.base_url()),
    }
}

fn snap(fake: &FakeMidtrans) -> Arc<dyn Gateway> {
    build(&config(fake, SERVER_KEY), PaymentMethod::Midtrans, http()).unwrap()
}

fn virtual_account(fake: &FakeMidtrans) -> Arc<dyn Gateway> {
    build(
        &config(fake, SERVER_KEY),
        PaymentMethod::VirtualAccount,
        http(),
    )
    .unwrap()
}

#[tokio::test]
async fn snap_create_sends_whole_rupiah_items_that_sum_and_answers_the_token() {
    let fake = FakeMidtrans::start().await;
    let gateway = snap(&fake);
    assert_eq!(gateway.method(), PaymentMethod::Midtrans);
    let reference = reference();

    let created = gateway.create(&checkout(&reference)).await.unwrap();

    let seen = fake
        .transaction(&reference)
        .expect("the fake holds the transaction");
    let body = &seen.request;
    assert_eq!(body["transaction_details"]["order_id"], json!(reference));
    assert_eq!(body["transaction_details"]["gross_amount"], json!(150_000));
    assert_eq!(
        body["item_details"],
        json!([
            {"id": "KAOS-M", "name": "Kaos polos M", "price": 60_000, "quantity": 2},
            {"id": "SHIPPING", "name": "Ongkos kirim", "price": 30_000, "quantity": 1},
        ])
    );
    assert_eq!(body["customer_details"]["first_name"], json!("Budi"));
    assert_eq!(body["customer_details"]["email"], json!("budi@example.id"));
    assert_eq!(body["expiry"]["unit"], json!("minute"));
    let minutes = body["expiry"]["duration"].as_i64().unwrap();
    assert!((1_439..=1_440).contains(&minutes), "{minutes}");
    assert!(
        body["expiry"]["start_time"]
            .as_str()
            .unwrap()
            .ends_with("+0700")
    );
    assert_eq!(
        body["callbacks"]["finish"],
        json!("https://toko.example.id/pay/finish")
    );

    assert_eq!(Some(created.gateway_reference.clone()), seen.snap_token);
    assert_eq!(created.status, PaymentStatus::AwaitingPayment);
    assert_eq!(
        created.redirect_url,
        Some(format!(
            "{}/snap/v4/redirection/{}",
            fake.base_url(),
            created.gateway_reference
        ))
    );
}

#[tokio::test]
async fn items_with_fractions_of_a_rupiah_get_an_adjustment_line_midtrans_accepts() {
    let fake = FakeMidtrans::start().await;
    let reference = reference();
    let mut request = checkout(&reference);
    request.amount = idr(10_000);
    request.items = vec![PaymentItem {
        sku: "THIRD".to_owned(),
        name: "A third of ten thousand".to_owned(),
        unit_price: Money::new(333_333, Currency::Idr),
        quantity: 3,
    }];

    snap(&fake).create(&request).await.unwrap();

    let items = fake.transaction(&reference).unwrap().request["item_details"].clone();
    assert_eq!(
        items,
        json!([
            {"id": "THIRD", "name": "A third of ten thousand", "price": 3_333, "quantity": 3},
            {"id": "adjustment", "name": "Adjustment", "price": 1, "quantity": 1},
        ])
    );
}

#[tokio::test]
async fn a_reused_order_id_is_declined_without_retrying() {
    let fake = FakeMidtrans::start().await;
    let gateway = snap(&fake);
    let reference = reference();
    gateway.create(&checkout(&reference)).await.unwrap();
    let before = fake.requests();

    let again = gateway.create(&checkout(&reference)).await;

    assert_eq!(
        again,
        Err(GatewayError::Declined(
            "transaction_details.order_id sudah digunakan".to_owned()
        ))
    );
    assert_eq!(fake.requests(), before + 1, "a 4xx is never retried");
}

#[tokio::test]
async fn snap_status_waits_for_the_buyer_then_follows_the_settlement() {
    let fake = FakeMidtrans::start().await;
    let gateway = snap(&fake);
    let reference = reference();
    let created = gateway.create(&checkout(&reference)).await.unwrap();

    let before = gateway
        .status(&reference, &created.gateway_reference)
        .await
        .unwrap();
    assert_eq!(before.status, PaymentStatus::AwaitingPayment);
    assert_eq!(before.captured, None);

    fake.settle(&reference);
    let after = gateway
        .status(&reference, &created.gateway_reference)
        .await
        .unwrap();
    assert_eq!(after.status, PaymentStatus::Paid);
    assert_eq!(after.captured, Some(idr(150_000)));
    assert_eq!(after.raw["transaction_status"], json!("settlement"));
}

#[tokio::test]
async fn cancelling_a_pending_payment_falls_back_to_expire() {
    let fake = FakeMidtrans::start().await;
    let gateway = snap(&fake);
    let reference = reference();
    let created = gateway.create(&checkout(&reference)).await.unwrap();
    fake.pick_bank_transfer(&reference);

    gateway
        .cancel(&reference, &created.gateway_reference)
        .await
        .unwrap();

    let transaction = fake.transaction(&reference).unwrap();
    assert_eq!(transaction.transaction_status.as_deref(), Some("expire"));
    let status = gateway
        .status(&reference, &created.gateway_reference)
        .await
        .unwrap();
    assert_eq!(status.status, PaymentStatus::Expired);
}

#[tokio::test]
async fn cancelling_a_card_authorisation_cancels_it() {
    let fake = FakeMidtrans::start().await;
    let gateway = snap(&fake);
    let reference = reference();
    let created = gateway.create(&checkout(&reference)).await.unwrap();
    fake.authorize_card(&reference);

    gateway
        .cancel(&reference, &created.gateway_reference)
        .await
        .unwrap();

    assert_eq!(
        fake.transaction(&reference)
            .unwrap()
            .transaction_status
            .as_deref(),
        Some("cancel")
    );
}

#[tokio::test]
async fn a_partial_refund_is_sent_in_rupiah_with_its_key_and_replays_safely() {
    let fake = FakeMidtrans::start().await;
    let gateway = snap(&fake);
    let reference = reference();
    let created = gateway.create(&checkout(&reference)).await.unwrap();
    fake.settle(&reference);

    let refund = gateway
        .refund(
            &reference,
            &created.gateway_reference,
            idr(50_000),
            "one shirt returned",
            "refund-1",
        )
        .await
        .unwrap();
    assert_eq!(refund.refund_reference, "refund-1");
    assert_eq!(refund.status, "succeeded");
    // The same key again (a retried return) refunds nothing more.
    gateway
        .refund(
            &reference,
            &created.gateway_reference,
            idr(50_000),
            "one shirt returned",
            "refund-1",
        )
        .await
        .unwrap();

    let transaction = fake.transaction(&reference).unwrap();
    assert_eq!(transaction.refunded, 50_000);
    let status = gateway
        .status(&reference, &created.gateway_reference)
        .await
        .unwrap();
    assert_eq!(status.status, PaymentStatus::PartiallyRefunded);
    assert_eq!(status.refunded, Some(idr(50_000)));

    let too_much = gateway
        .refund(
            &reference,
            &created.gateway_reference,
            idr(150_000),
            "all",
            "refund-2",
        )
        .await;
    assert!(
        matches!(too_much, Err(GatewayError::Declined(_))),
        "{too_much:?}"
    );
}

#[tokio::test]
async fn a_card_authorisation_is_captured() {
    let fake = FakeMidtrans::start().await;
    let gateway = snap(&fake);
    let reference = reference();
    let created = gateway.create(&checkout(&reference)).await.unwrap();
    fake.authorize_card(&reference);
    assert_eq!(
        gateway
            .status(&reference, &created.gateway_reference)
            .await
            .unwrap()
            .status,
        PaymentStatus::Authorized
    );

    let captured = gateway
        .capture(&reference, &created.gateway_reference, idr(150_000))
        .await
        .unwrap();

    assert_eq!(captured.status, PaymentStatus::Paid);
    assert_eq!(captured.captured, Some(idr(150_000)));
    assert_eq!(
        fake.transaction(&reference)
            .unwrap()
            .transaction_status
            .as_deref(),
        Some("capture")
    );
}

#[tokio::test]
async fn a_virtual_account_is_charged_at_the_chosen_bank() {
    let fake = FakeMidtrans::start().await;
    let gateway = virtual_account(&fake);
    assert_eq!(gateway.method(), PaymentMethod::VirtualAccount);
    let reference = reference();
    let mut request = checkout(&reference);
    request.bank = Some("bni".to_owned());

    let created = gateway.create(&request).await.unwrap();

    let transaction = fake.transaction(&reference).unwrap();
    assert_eq!(transaction.request["payment_type"], json!("bank_transfer"));
    assert_eq!(transaction.request["bank_transfer"]["bank"], json!("bni"));
    assert_eq!(
        transaction.request["custom_expiry"]["unit"],
        json!("minute")
    );
    assert_eq!(created.gateway_reference, transaction.transaction_id);
    assert_eq!(created.status, PaymentStatus::AwaitingPayment);
    let instructions = created.instructions.unwrap();
    assert_eq!(instructions["bank"], json!("bni"));
    assert_eq!(
        instructions["va_number"].as_str(),
        transaction.va_number.as_deref()
    );
    assert_eq!(
        instructions["expires_at"],
        json!(request.expires_at.to_rfc3339())
    );

    fake.settle(&reference);
    let status = gateway
        .status(&reference, &created.gateway_reference)
        .await
        .unwrap();
    assert_eq!(status.status, PaymentStatus::Paid);
}

#[tokio::test]
async fn permata_uses_its_own_payment_type_and_unknown_banks_are_refused() {
    let fake = FakeMidtrans::start().await;
    let gateway = virtual_account(&fake);
    let reference = reference();
    let mut request = checkout(&reference);
    request.bank = Some("permata".to_owned());
    let created = gateway.create(&request).await.unwrap();
    assert_eq!(
        fake.transaction(&reference).unwrap().request["payment_type"],
        json!("permata")
    );
    assert!(created.instructions.unwrap()["va_number"].is_string());

    request.reference = super::reference();
    request.bank = Some("mandiri".to_owned());
    assert!(matches!(
        gateway.create(&request).await,
        Err(GatewayError::Unsupported(_))
    ));
    request.bank = None;
    assert!(matches!(
        gateway.create(&request).await,
        Err(GatewayError::Unsupported(_))
    ));
}

#[tokio::test]
async fn an_unknown_virtual_account_is_not_found() {
    let fake = FakeMidtrans::start().await;
    assert_eq!(
        virtual_account(&fake).status("nobody", "nothing").await,
        Err(GatewayError::NotFound)
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let fake = FakeMidtrans::start().await;
    let reference = reference();
    fake.fail_next(2, 500);

    let created = snap(&fake).create(&checkout(&reference)).await.unwrap();

    assert!(!created.gateway_reference.is_empty());
    assert_eq!(fake.requests(), 3);
    assert!(fake.transaction(&reference).is_some());
}

#[tokio::test]
async fn a_gateway_that_stays_down_is_unavailable_after_three_attempts() {
    let fake = FakeMidtrans::start().await;
    fake.fail_next(5, 503);

    let outcome = snap(&fake).create(&checkout(&reference())).await;

    assert!(
        matches!(outcome, Err(GatewayError::Unavailable(_))),
        "{outcome:?}"
    );
    assert_eq!(fake.requests(), 3);
}

#[tokio::test]
async fn rate_limits_are_retried_after_the_retry_after_pause() {
    let fake = FakeMidtrans::start().await;
    fake.fail_next(1, 429);
    let started = Instant::now();

    snap(&fake).create(&checkout(&reference())).await.unwrap();

    assert_eq!(fake.requests(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was respected"
    );
}

#[tokio::test]
async fn a_wrong_server_key_is_unauthorized() {
    let fake = FakeMidtrans::start().await;
    let gateway = build(
        &config(&fake, "SB-Mid-server-WRONG"),
        PaymentMethod::Midtrans,
        http(),
    )
    .unwrap();

    assert_eq!(
        gateway.create(&checkout(&reference())).await,
        Err(GatewayError::Unauthorized)
    );
    assert_eq!(fake.requests(), 1);
}

/// The documented worked example: ORDER-101, 200, 10000.00 with SB-Mid-server-EXAMPLEKEY.
fn documented_notification() -> Value {
    json!({
        "transaction_time": "2024-05-01 10:00:00",
        "transaction_status": "settlement",
        "transaction_id": "9aed5972-5b6a-401e-894b-a32c91ed1a3a",
        "status_message": "midtrans payment notification",
        "status_code": "200",
        "signature_key": "24a47290629ceef087af34377b048743cf5dd0ba2caf0542e6103e8287d75a68454667c5c982d19d70eee63e9fb3fdd8b4e807aac82ebde9ff156e7db8ea24c0",
        "payment_type": "bank_transfer",
        "order_id": "ORDER-101",
        "merchant_id": "G000000000",
        "gross_amount": "10000.00",
        "fraud_status": "accept",
        "currency": "IDR",
        "settlement_time": "2024-05-01 10:05:00"
    })
}

#[test]
fn the_documented_notification_verifies_and_maps() {
    let body = serde_json::to_vec(&documented_notification()).unwrap();
    let notification = verify_notification("SB-Mid-server-EXAMPLEKEY", &body)
        .unwrap()
        .unwrap();
    assert_eq!(notification.status, PaymentStatus::Paid);
    assert_eq!(notification.reference.as_deref(), Some("ORDER-101"));
    assert_eq!(notification.amount, Some(idr(10_000)));
    assert_eq!(
        notification.event_id,
        "9aed5972-5b6a-401e-894b-a32c91ed1a3a:settlement:200"
    );
    assert_eq!(
        notification.occurred_at,
        Some(
            DateTime::parse_from_rfc3339("2024-05-01T10:05:00+07:00")
                .unwrap()
                .with_timezone(&chrono::Utc)
        )
    );
}

#[test]
fn tampered_or_foreign_notifications_are_refused() {
    let mut tampered = documented_notification();
    tampered["gross_amount"] = json!("1000000.00");
    let body = serde_json::to_vec(&tampered).unwrap();
    assert_eq!(
        verify_notification("SB-Mid-server-EXAMPLEKEY", &body),
        Err(WebhookError::BadSignature)
    );

    let body = serde_json::to_vec(&documented_notification()).unwrap();
    assert_eq!(
        verify_notification("SB-Mid-server-OTHERKEY", &body),
        Err(WebhookError::BadSignature)
    );

    let mut unsigned = documented_notification();
    unsigned.as_object_mut().unwrap().remove("signature_key");
    assert_eq!(
        verify_notification(
            "SB-Mid-server-EXAMPLEKEY",
            &serde_json::to_vec(&unsigned).unwrap()
        ),
        Err(WebhookError::BadSignature)
    );
    assert_eq!(
        verify_notification("SB-Mid-server-EXAMPLEKEY", b"not json"),
        Err(WebhookError::BadSignature)
    );
}

#[tokio::test]
async fn a_notification_the_fake_issues_is_accepted_and_mapped() {
    let fake = FakeMidtrans::start().await;
    let gateway = snap(&fake);
    let reference = reference();
    gateway.create(&checkout(&reference)).await.unwrap();

    let notification = fake.settle(&reference);
    let verified = gateway
        .verify_webhook(&notification.header_map(), &notification.body, now())
        .await
        .unwrap()
        .unwrap();

    let transaction = fake.transaction(&reference).unwrap();
    assert_eq!(verified.status, PaymentStatus::Paid);
    assert_eq!(verified.reference.as_deref(), Some(reference.as_str()));
    assert_eq!(
        verified.gateway_reference.as_deref(),
        Some(transaction.transaction_id.as_str())
    );
    assert_eq!(verified.amount, Some(idr(150_000)));
    assert_eq!(
        verified.event_id,
        format!("{}:settlement:200", transaction.transaction_id)
    );

    let expired = fake.expire(&reference);
    let verified = gateway
        .verify_webhook(&expired.header_map(), &expired.body, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.status, PaymentStatus::Expired);
    assert_ne!(
        verified.event_id,
        format!("{}:settlement:200", transaction.transaction_id)
    );
}

#[tokio::test]
async fn deliveries_are_retried_by_midtrans_policy_and_forgeries_refused() {
    let fake = FakeMidtrans::start().await;
    let gateway = snap(&fake);
    let reference = reference();
    gateway.create(&checkout(&reference)).await.unwrap();
    let receiver = WebhookReceiver::start(gateway.clone(), 1).await;

    // Our endpoint answers 500 once; Midtrans retries a 500 once.
    let notification = fake.settle(&reference);
    assert_eq!(fake.deliver(&receiver.url, &notification).await, 200);
    assert_eq!(receiver.attempts(), 2);
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(receiver.received()[0].status, PaymentStatus::Paid);

    let forged = notification.clone().with_body(
        String::from_utf8(notification.body.clone())
            .unwrap()
            .replace("150000.00", "1.00"),
    );
    assert_eq!(fake.deliver(&receiver.url, &forged).await, 401);
    assert_eq!(receiver.received().len(), 1);
}
