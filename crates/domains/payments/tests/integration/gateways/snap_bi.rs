use smartseller_payments::gateways::snap_bi::symmetric_signature;

const BODY: &str = r#"{"partnerServiceId":"   12345","customerNo":"0001","virtualAccountNo":"   123450001","trxId":"INV-1","totalAmount":{"value":"10000.00","currency":"IDR"}}"#;

#[test]
fn the_documented_create_va_signature() {
    assert_eq!(
        symmetric_signature(
            "client_secret_example",
            "POST",
            "/v1.0/transfer-va/create-va",
            "ACCESS_TOKEN_EXAMPLE",
            BODY.as_bytes(),
            "2024-01-11T08:57:55+07:00",
        ),
        "Kn8lpX2FK/dtMlCO04PnY6qx7XaLzEs/84UppWA91ZNDqpQkvk5pvoIMk33eBmm9aEkGgQXtK3idEfZqzxVgow=="
    );
}

#[test]
fn any_signed_part_changing_changes_the_signature() {
    let sign = |secret: &str, path: &str, token: &str, body: &str, timestamp: &str| {
        symmetric_signature(secret, "POST", path, token, body.as_bytes(), timestamp)
    };
    let original = sign(
        "client_secret_example",
        "/v1.0/transfer-va/create-va",
        "ACCESS_TOKEN_EXAMPLE",
        BODY,
        "2024-01-11T08:57:55+07:00",
    );
    let variants = [
        sign(
            "other_secret",
            "/v1.0/transfer-va/create-va",
            "ACCESS_TOKEN_EXAMPLE",
            BODY,
            "2024-01-11T08:57:55+07:00",
        ),
        sign(
            "client_secret_example",
            "/v1.0/transfer-va/update-va",
            "ACCESS_TOKEN_EXAMPLE",
            BODY,
            "2024-01-11T08:57:55+07:00",
        ),
        sign(
            "client_secret_example",
            "/v1.0/transfer-va/create-va",
            "OTHER_TOKEN",
            BODY,
            "2024-01-11T08:57:55+07:00",
        ),
        sign(
            "client_secret_example",
            "/v1.0/transfer-va/create-va",
            "ACCESS_TOKEN_EXAMPLE",
            &BODY.replace("10000.00", "10001.00"),
            "2024-01-11T08:57:55+07:00",
        ),
        sign(
            "client_secret_example",
            "/v1.0/transfer-va/create-va",
            "ACCESS_TOKEN_EXAMPLE",
            BODY,
            "2024-01-11T08:57:56+07:00",
        ),
    ];
    for variant in variants {
        assert_ne!(variant, original);
    }
}
