//! Each gateway client against its fake in the test kit: the requests the fake sees, how answers
//! map, retries, auth failures, and webhook verification (documented vectors and fake-issued
//! deliveries).

mod midtrans;
mod paypal;
mod snap_bi;
mod stripe;
mod xendit;

use std::time::Duration;

use chrono::{DateTime, Utc};
use smartseller_contracts::payments::{PaymentCustomer, PaymentItem};
use smartseller_kernel::money::{Currency, Money};
use smartseller_payments::gateways::{CreatePayment, Gateway, VerifiedNotification, WebhookError};

fn idr(rupiah: i64) -> Money {
    Money::new(rupiah * 100, Currency::Idr)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client")
}

/// A fresh reference per test, so fakes that refuse reused ids never see one.
fn reference() -> String {
    format!("pay-{}", uuid::Uuid::now_v7().simple())
}

/// Rp 150.000: two shirts at Rp 60.000 and shipping Rp 30.000, payable for a day.
fn checkout(reference: &str) -> CreatePayment {
    CreatePayment {
        reference: reference.to_owned(),
        order_number: "SO-20261125-0001".to_owned(),
        amount: idr(150_000),
        items: vec![
            PaymentItem {
                sku: "KAOS-M".to_owned(),
                name: "Kaos polos M".to_owned(),
                unit_price: idr(60_000),
                quantity: 2,
            },
            PaymentItem {
                sku: "SHIPPING".to_owned(),
                name: "Ongkos kirim".to_owned(),
                unit_price: idr(30_000),
                quantity: 1,
            },
        ],
        customer: PaymentCustomer {
            name: "Budi".to_owned(),
            email: Some("budi@example.id".to_owned()),
            phone: Some("081234567890".to_owned()),
        },
        return_url: Some("https://toko.example.id/pay/finish".to_owned()),
        expires_at: Utc::now() + chrono::Duration::hours(24),
        idempotency_key: format!("checkout:{reference}"),
        bank: None,
        manual_capture: false,
    }
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A webhook endpoint on `127.0.0.1:0` that verifies deliveries with `gateway` as the app would:
/// 200 and recorded when verified, 401 on a bad signature, 400 when malformed. The first
/// `fail_first` deliveries answer 500, to exercise the providers' retries.
struct WebhookReceiver {
    url: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<VerifiedNotification>>>,
    attempts: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

impl WebhookReceiver {
    async fn start(gateway: std::sync::Arc<dyn Gateway>, fail_first: usize) -> WebhookReceiver {
        use axum::http::{HeaderMap, StatusCode};
        use std::sync::atomic::Ordering;
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let attempts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (store, counter) = (received.clone(), attempts.clone());
        let handler = move |headers: HeaderMap, body: axum::body::Bytes| {
            let (gateway, store, counter) = (gateway.clone(), store.clone(), counter.clone());
            async move {
                if counter.fetch_add(1, Ordering::SeqCst) < fail_first {
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                match gateway.verify_webhook(&headers, &body, Utc::now()).await {
                    Ok(Some(notification)) => {
                        store.lock().unwrap().push(notification);
                        StatusCode::OK
                    }
                    Ok(None) => StatusCode::OK,
                    Err(WebhookError::BadSignature) => StatusCode::UNAUTHORIZED,
                    Err(WebhookError::Malformed(_)) => StatusCode::BAD_REQUEST,
                }
            }
        };
        let router = axum::Router::new().route("/webhook", axum::routing::post(handler));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let url = format!("http://{}/webhook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        WebhookReceiver {
            url,
            received,
            attempts,
            _task: task,
        }
    }

    fn received(&self) -> Vec<VerifiedNotification> {
        self.received.lock().unwrap().clone()
    }

    fn attempts(&self) -> usize {
        self.attempts.load(std::sync::atomic::Ordering::SeqCst)
    }
}
