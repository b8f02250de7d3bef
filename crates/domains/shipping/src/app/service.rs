//! Pricing and booking delivery: the [`Shipping`] contract the orders domain calls.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, Set};
use smartseller_contracts::shipping::{
    BookShipment, RateRequest, ShipmentEvent, ShipmentStatus, ShipmentView, Shipping,
    ShippingAddress, ShippingError, ShippingRate,
};
use smartseller_kernel::money::Money;
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::tracking::{self, Applied, Source, StatusReport};
use super::{
    AppError, AppResult, ShippingCtx, is_unique_violation, provider_failure, stored_address,
    stored_money, view,
};
use crate::domain::{self, Transition};
use crate::providers::{
    ParcelItem, ProviderBooking, ProviderConfig, ProviderRate, ProviderRateRequest,
    ShippingProvider,
};
use crate::store::{self, origin, provider_account, quote as quote_row_model, shipment};

/// The provider name of the seller's own flat-rate options.
pub const FLAT: &str = "flat";

/// Shipping as other domains see it, in-process.
#[derive(Clone)]
pub struct ShippingService {
    pub ctx: ShippingCtx,
}

impl ShippingService {
    pub fn new(ctx: ShippingCtx) -> Self {
        Self { ctx }
    }

    /// As the contract other domains hold.
    pub fn into_contract(self) -> Arc<dyn Shipping> {
        Arc::new(self)
    }
}

#[async_trait::async_trait]
impl Shipping for ShippingService {
    async fn quote(
        &self,
        tenant: TenantId,
        request: RateRequest,
    ) -> Result<Vec<ShippingRate>, ShippingError> {
        Ok(quote(&self.ctx, tenant, request).await?)
    }

    async fn rate(&self, tenant: TenantId, rate_id: Uuid) -> Result<ShippingRate, ShippingError> {
        Ok(rate(&self.ctx, tenant, rate_id).await?)
    }

    async fn book(
        &self,
        tenant: TenantId,
        request: BookShipment,
    ) -> Result<ShipmentView, ShippingError> {
        Ok(book(&self.ctx, tenant, request).await?)
    }

    async fn cancel(
        &self,
        tenant: TenantId,
        shipment_id: Uuid,
    ) -> Result<ShipmentView, ShippingError> {
        Ok(cancel(&self.ctx, tenant, shipment_id).await?)
    }

    async fn for_order(
        &self,
        tenant: TenantId,
        order_id: Uuid,
    ) -> Result<ShipmentView, ShippingError> {
        Ok(for_order(&self.ctx, tenant, order_id).await?)
    }
}

/// The provider client of a store's account, or why there is none.
pub(crate) fn client_for(
    ctx: &ShippingCtx,
    account: &provider_account::Model,
) -> Result<Arc<dyn ShippingProvider>, ShippingError> {
    let config: ProviderConfig = serde_json::from_value(account.config.clone()).map_err(|e| {
        tracing::error!(error = %e, provider = account.provider, "stored provider account unreadable");
        ShippingError::Unavailable(format!("the {} account cannot be read", account.provider))
    })?;
    ctx.providers.build(&config).map_err(provider_failure)
}

fn address_of(origin: &origin::Model, provider: &str) -> ShippingAddress {
    ShippingAddress {
        name: origin.contact_name.clone(),
        phone: origin.phone.clone(),
        email: None,
        address: origin.address.clone(),
        city: origin.city.clone(),
        province: None,
        postal_code: origin.postal_code.clone(),
        area_id: origin.area_ids[provider].as_str().map(str::to_owned),
    }
}

fn check_rate_request(request: &RateRequest) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if request.weight_grams <= 0 {
        errors.add(
            "weight_grams",
            "positive",
            "The parcel must weigh something.",
        );
    }
    if request.destination.postal_code.trim().is_empty() && request.destination.area_id.is_none() {
        errors.add(
            "destination.postal_code",
            "required",
            "Give the destination's postal code.",
        );
    }
    if request.goods_value.minor < 0 {
        errors.add(
            "goods_value",
            "negative",
            "The goods cannot be worth less than nothing.",
        );
    }
    errors.finish()
}

/// Prices delivery with every enabled provider at once (each within the provider timeout; one
/// that fails is logged and left out) and the store's active flat rates. Every answer is kept
/// as a quote for `quote_ttl`.
pub async fn quote(
    ctx: &ShippingCtx,
    tenant: TenantId,
    request: RateRequest,
) -> AppResult<Vec<ShippingRate>> {
    check_rate_request(&request)?;
    let now = clock::now();
    let expires_at = now
        + chrono::Duration::from_std(ctx.settings.quote_ttl)
            .unwrap_or_else(|_| chrono::Duration::minutes(30));
    let conn = ctx.db.conn();
    let origins = store::origins(conn, tenant).await?;
    let default_origin = origins.iter().find(|o| o.is_default).or(origins.first());
    let accounts: Vec<_> = store::provider_accounts(conn, tenant)
        .await?
        .into_iter()
        .filter(|a| a.enabled)
        .collect();

    let mut asked = tokio::task::JoinSet::new();
    match default_origin {
        Some(origin) => {
            for account in accounts {
                let client = match client_for(ctx, &account) {
                    Ok(client) => client,
                    Err(error) => {
                        tracing::warn!(%error, provider = account.provider, "provider skipped");
                        continue;
                    }
                };
                let provider_request = ProviderRateRequest {
                    origin: address_of(origin, &account.provider),
                    destination: request.destination.clone(),
                    weight_grams: request.weight_grams,
                    goods_value: request.goods_value,
                    couriers: request.couriers.clone(),
                    cash_on_delivery: request.cash_on_delivery,
                    items: vec![ParcelItem {
                        name: "Goods".into(),
                        sku: String::new(),
                        value: request.goods_value,
                        weight_grams: request.weight_grams,
                        quantity: 1,
                    }],
                };
                let timeout = ctx.settings.provider_timeout;
                asked.spawn(async move {
                    let answer =
                        tokio::time::timeout(timeout, client.quote(&provider_request)).await;
                    (account.provider, answer)
                });
            }
        }
        None if !accounts.is_empty() => {
            tracing::warn!(%tenant, "no shipping origin: couriers cannot be asked for rates");
        }
        None => {}
    }

    let mut answers: Vec<(String, ProviderRate)> = Vec::new();
    while let Some(joined) = asked.join_next().await {
        match joined {
            Ok((provider, Ok(Ok(rates)))) => {
                answers.extend(rates.into_iter().map(|r| (provider.clone(), r)));
            }
            Ok((provider, Ok(Err(error)))) => {
                tracing::warn!(%error, provider, "provider gave no rates; skipped");
            }
            Ok((provider, Err(_))) => {
                tracing::warn!(provider, "provider did not answer in time; skipped");
            }
            Err(error) => tracing::error!(%error, "rate request task failed"),
        }
    }
    for flat in store::flat_rates(conn, tenant, true).await? {
        answers.push((
            FLAT.to_owned(),
            ProviderRate {
                courier_code: flat.courier_code.clone(),
                courier_name: flat.name.clone(),
                service_code: flat.service_code.clone(),
                service_name: flat.name.clone(),
                price: stored_money(flat.price_minor, &flat.currency),
                etd: flat.etd.clone(),
                cash_on_delivery: flat.cod_allowed,
            },
        ));
    }
    let wanted = |rate: &ProviderRate| {
        (request.couriers.is_empty()
            || request
                .couriers
                .iter()
                .any(|c| c.eq_ignore_ascii_case(&rate.courier_code)))
            && (!request.cash_on_delivery || rate.cash_on_delivery)
    };
    let destination = serde_json::to_value(&request.destination).unwrap_or_default();
    let mut rates = Vec::new();
    let mut rows = Vec::new();
    for (provider, answer) in answers.into_iter().filter(|(_, r)| wanted(r)) {
        let rate = ShippingRate {
            rate_id: Uuid::now_v7(),
            provider,
            courier_code: answer.courier_code,
            courier_name: answer.courier_name,
            service_code: answer.service_code,
            service_name: answer.service_name,
            price: answer.price,
            etd: answer.etd,
            cash_on_delivery: answer.cash_on_delivery,
            expires_at,
        };
        rows.push(quote_row(
            tenant,
            &rate,
            &destination,
            request.weight_grams,
            now,
        ));
        rates.push(rate);
    }
    if !rows.is_empty() {
        let tx = ctx.db.begin_write().await?;
        store::insert_quotes(&*tx, rows).await?;
        tx.commit().await?;
    }
    rates.sort_by(|a, b| {
        a.price
            .minor
            .cmp(&b.price.minor)
            .then_with(|| a.courier_code.cmp(&b.courier_code))
    });
    Ok(rates)
}

fn quote_row(
    tenant: TenantId,
    rate: &ShippingRate,
    destination: &serde_json::Value,
    weight_grams: i64,
    now: DateTime<Utc>,
) -> quote_row_model::ActiveModel {
    quote_row_model::ActiveModel {
        id: Set(rate.rate_id),
        tenant_id: Set(tenant.as_uuid()),
        provider: Set(rate.provider.clone()),
        courier_code: Set(rate.courier_code.clone()),
        courier_name: Set(rate.courier_name.clone()),
        service_code: Set(rate.service_code.clone()),
        service_name: Set(rate.service_name.clone()),
        price_minor: Set(rate.price.minor),
        currency: Set(rate.price.currency.code().to_owned()),
        etd: Set(rate.etd.clone()),
        cash_on_delivery: Set(rate.cash_on_delivery),
        destination: Set(destination.clone()),
        weight_grams: Set(weight_grams),
        expires_at: Set(rate.expires_at),
        created_at: Set(now),
    }
}

fn rate_of(row: quote_row_model::Model) -> ShippingRate {
    ShippingRate {
        rate_id: row.id,
        price: stored_money(row.price_minor, &row.currency),
        provider: row.provider,
        courier_code: row.courier_code,
        courier_name: row.courier_name,
        service_code: row.service_code,
        service_name: row.service_name,
        etd: row.etd,
        cash_on_delivery: row.cash_on_delivery,
        expires_at: row.expires_at,
    }
}

/// A rate quoted to this store that has not expired.
pub async fn rate(ctx: &ShippingCtx, tenant: TenantId, rate_id: Uuid) -> AppResult<ShippingRate> {
    match store::quote(ctx.db.conn(), tenant, rate_id).await? {
        Some(row) if row.expires_at > clock::now() => Ok(rate_of(row)),
        _ => Err(ShippingError::RateExpired.into()),
    }
}

fn check_booking(request: &BookShipment) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if request.order_number.trim().is_empty() {
        errors.add("order_number", "required", "Give the order number.");
    }
    if request.lines.is_empty() {
        errors.add("lines", "required", "A parcel holds at least one line.");
    }
    for (i, line) in request.lines.iter().enumerate() {
        if line.quantity <= 0 {
            errors.add(
                &format!("lines[{i}].quantity"),
                "positive",
                "Quantities are at least 1.",
            );
        }
    }
    if request.weight_grams <= 0 {
        errors.add(
            "weight_grams",
            "positive",
            "The parcel must weigh something.",
        );
    }
    let receiver = &request.receiver;
    for (field, value) in [
        ("receiver.name", &receiver.name),
        ("receiver.phone", &receiver.phone),
        ("receiver.address", &receiver.address),
        ("receiver.postal_code", &receiver.postal_code),
    ] {
        if value.trim().is_empty() {
            errors.add(field, "required", "The courier needs this.");
        }
    }
    if let Some(cod) = request.cash_on_delivery
        && cod.minor <= 0
    {
        errors.add(
            "cash_on_delivery",
            "positive",
            "A COD amount is more than zero.",
        );
    }
    errors.finish()
}

/// The origin of the first line's warehouse that has one, else the store's default.
fn pick_origin<'a>(
    origins: &'a [origin::Model],
    request: &BookShipment,
) -> Option<&'a origin::Model> {
    request
        .lines
        .iter()
        .filter_map(|line| line.warehouse_id)
        .find_map(|warehouse| origins.iter().find(|o| o.warehouse_id == Some(warehouse)))
        .or_else(|| origins.iter().find(|o| o.is_default))
        .or(origins.first())
}

/// The parcel's lines as providers describe items: the goods' value and the weight shared out
/// over the units (largest remainder, so the shares add up), each item stating one unit's part.
fn parcel_items(request: &BookShipment) -> Vec<ParcelItem> {
    let units: Vec<u64> = request
        .lines
        .iter()
        .map(|line| line.quantity.max(1) as u64)
        .collect();
    let values = request
        .goods_value
        .allocate(&units)
        .unwrap_or_else(|_| vec![Money::zero(request.goods_value.currency); units.len()]);
    let total_units: i64 = units.iter().map(|&u| u as i64).sum::<i64>().max(1);
    request
        .lines
        .iter()
        .zip(values)
        .map(|(line, value)| {
            let quantity = line.quantity.max(1);
            ParcelItem {
                name: line.name.clone(),
                sku: line.sku.clone(),
                value: Money::new(value.minor / quantity, value.currency),
                weight_grams: (request.weight_grams / total_units).max(1),
                quantity: line.quantity,
            }
        })
        .collect()
}

/// Books the order's parcel at the quoted rate. Idempotent per order. The quote's courier and
/// price hold even if the quote has since expired: the buyer paid that price at checkout. The
/// provider is called before any transaction; if it refuses, nothing is stored.
pub async fn book(
    ctx: &ShippingCtx,
    tenant: TenantId,
    request: BookShipment,
) -> AppResult<ShipmentView> {
    let conn = ctx.db.conn();
    if let Some(existing) = store::shipment_for_order(conn, tenant, request.order_id, true).await? {
        return view(conn, &existing).await;
    }
    check_booking(&request)?;
    let quote = store::quote(conn, tenant, request.rate_id)
        .await?
        .ok_or(ShippingError::RateExpired)?;
    let origins = store::origins(conn, tenant).await?;
    let origin = pick_origin(&origins, &request)
        .ok_or_else(|| ShippingError::Invalid("set up a shipping origin before booking".into()))?;
    let sender = address_of(origin, &quote.provider);
    let quoted_price = stored_money(quote.price_minor, &quote.currency);
    let shipment_id = Uuid::now_v7();

    let (provider_reference, awb, status, price, client) = if quote.provider == FLAT {
        (
            None,
            Some(domain::own_tracking_number(shipment_id)),
            ShipmentStatus::AwbAssigned,
            quoted_price,
            None,
        )
    } else {
        let account = store::provider_account(conn, tenant, &quote.provider)
            .await?
            .filter(|a| a.enabled)
            .ok_or_else(|| {
                ShippingError::Unavailable(format!("the {} account is not enabled", quote.provider))
            })?;
        let client = client_for(ctx, &account)?;
        let booking = ProviderBooking {
            reference: shipment_id.simple().to_string(),
            order_number: request.order_number.clone(),
            origin: sender.clone(),
            destination: request.receiver.clone(),
            courier_code: quote.courier_code.clone(),
            service_code: quote.service_code.clone(),
            items: parcel_items(&request),
            weight_grams: request.weight_grams,
            goods_value: request.goods_value,
            cash_on_delivery: request.cash_on_delivery,
            note: request.note.clone(),
        };
        let booked = tokio::time::timeout(ctx.settings.provider_timeout, client.book(&booking))
            .await
            .map_err(|_| ShippingError::Unavailable("the courier did not answer in time".into()))?
            .map_err(provider_failure)?;
        (
            Some(booked.provider_reference),
            booked.awb,
            booked.status,
            booked.price.unwrap_or(quoted_price),
            Some(client),
        )
    };

    let now = clock::now();
    let row = shipment::ActiveModel {
        id: Set(shipment_id),
        tenant_id: Set(tenant.as_uuid()),
        order_id: Set(request.order_id),
        order_number: Set(request.order_number.clone()),
        provider: Set(quote.provider.clone()),
        courier_code: Set(quote.courier_code.clone()),
        courier_name: Set(quote.courier_name.clone()),
        service_code: Set(quote.service_code.clone()),
        service_name: Set(quote.service_name.clone()),
        awb: Set(awb.clone()),
        provider_reference: Set(provider_reference.clone()),
        status: Set(status.as_str().to_owned()),
        price_minor: Set(price.minor),
        currency: Set(price.currency.code().to_owned()),
        sender: Set(serde_json::to_value(&sender).unwrap_or_default()),
        receiver: Set(serde_json::to_value(&request.receiver).unwrap_or_default()),
        lines: Set(serde_json::to_value(&request.lines).unwrap_or_default()),
        weight_grams: Set(request.weight_grams),
        goods_value_minor: Set(request.goods_value.minor),
        cod_minor: Set(request.cash_on_delivery.map(|m| m.minor)),
        note: Set(request.note.clone()),
        last_polled_at: Set(None),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let mut tx = ctx.db.begin_write().await?;
    let stored = match row.insert(&*tx).await {
        Ok(stored) => stored,
        Err(error) if is_unique_violation(&error) => {
            // Another booking of this order won the race: answer its shipment, and give back
            // the parcel we booked for nothing.
            drop(tx);
            if let (Some(client), Some(reference)) = (client, provider_reference)
                && let Err(error) = client.cancel(&reference, "duplicate booking").await
            {
                tracing::warn!(%error, reference, "duplicate booking left with the courier");
            }
            let existing = store::shipment_for_order(conn, tenant, request.order_id, true)
                .await?
                .ok_or(AppError::NotFound("shipment"))?;
            return view(conn, &existing).await;
        }
        Err(error) => return Err(error.into()),
    };
    store::append_tracking(
        &*tx,
        tenant,
        shipment_id,
        status.as_str(),
        "booked",
        &format!("Booked with {} {}", quote.courier_name, quote.service_name),
        None,
        now,
        Source::Booking.as_str(),
    )
    .await?;
    tx.publish(
        tenant,
        &ShipmentEvent::Booked {
            shipment_id,
            order_id: request.order_id,
            provider: quote.provider.clone(),
            courier_code: quote.courier_code.clone(),
            awb,
        },
    )
    .await?;
    tx.commit().await?;
    view(conn, &stored).await
}

/// Cancels a shipment the courier has not collected yet, with the courier first.
pub async fn cancel(
    ctx: &ShippingCtx,
    tenant: TenantId,
    shipment_id: Uuid,
) -> AppResult<ShipmentView> {
    let conn = ctx.db.conn();
    let row = store::shipment(conn, tenant, shipment_id)
        .await?
        .ok_or(ShippingError::NotFound)?;
    let current = super::stored_status(&row.status);
    if domain::transition(current, ShipmentStatus::Cancelled) != Transition::Advance {
        return Err(ShippingError::WrongState(current).into());
    }
    if row.provider != FLAT
        && let Some(reference) = row.provider_reference.as_deref()
    {
        let account = store::provider_account(conn, tenant, &row.provider)
            .await?
            .ok_or_else(|| {
                ShippingError::Unavailable(format!("the {} account is gone", row.provider))
            })?;
        let client = client_for(ctx, &account)?;
        tokio::time::timeout(
            ctx.settings.provider_timeout,
            client.cancel(reference, "cancelled by the seller"),
        )
        .await
        .map_err(|_| ShippingError::Unavailable("the courier did not answer in time".into()))?
        .map_err(provider_failure)?;
    }
    let report = StatusReport {
        status: Some(ShipmentStatus::Cancelled),
        raw_status: "cancelled".into(),
        description: "Cancelled by the seller".into(),
        location: None,
        at: clock::now(),
        awb: None,
        source: Source::Manual,
    };
    match tracking::apply(ctx, tenant, shipment_id, report).await? {
        Applied::Changed { .. } => {}
        Applied::Unchanged { current } => return Err(ShippingError::WrongState(current).into()),
    }
    let row = store::shipment(conn, tenant, shipment_id)
        .await?
        .ok_or(ShippingError::NotFound)?;
    view(conn, &row).await
}

/// The order's shipment (its live one, else its latest cancelled one) with its tracking.
pub async fn for_order(
    ctx: &ShippingCtx,
    tenant: TenantId,
    order_id: Uuid,
) -> AppResult<ShipmentView> {
    let conn = ctx.db.conn();
    let row = store::shipment_for_order(conn, tenant, order_id, false)
        .await?
        .ok_or(ShippingError::NotFound)?;
    view(conn, &row).await
}

/// The receiver of a stored shipment.
pub fn receiver_of(row: &shipment::Model) -> ShippingAddress {
    stored_address(&row.receiver)
}

#[cfg(test)]
mod tests {
    use super::*;
    use smartseller_contracts::shipping::ShipmentLine;
    use smartseller_kernel::money::Currency;

    fn line(quantity: i64) -> ShipmentLine {
        ShipmentLine {
            variant_id: Uuid::now_v7(),
            sku: format!("SKU-{quantity}"),
            name: "Batik".into(),
            quantity,
            warehouse_id: None,
        }
    }

    #[test]
    fn the_goods_value_and_weight_are_shared_over_the_units() {
        let request = BookShipment {
            order_id: Uuid::now_v7(),
            order_number: "SO-1".into(),
            rate_id: Uuid::now_v7(),
            receiver: ShippingAddress::default(),
            lines: vec![line(2), line(1)],
            weight_grams: 1500,
            goods_value: Money::new(30_000_000, Currency::Idr),
            cash_on_delivery: None,
            note: None,
        };
        let items = parcel_items(&request);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].value, Money::new(10_000_000, Currency::Idr));
        assert_eq!(items[1].value, Money::new(10_000_000, Currency::Idr));
        assert!(items.iter().all(|i| i.weight_grams == 500));
        assert_eq!(items[0].quantity, 2);
    }
}
