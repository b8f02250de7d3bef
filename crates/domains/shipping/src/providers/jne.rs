//! JNE direct (`integrations/shipping.md` §5). JNE publishes no documentation: everything here
//! follows community client code and is **unconfirmed**; expect differences per contract.
//! Every call is a form-encoded POST carrying `username` and `api_key`.

use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::Value;
use smartseller_contracts::shipping::{ShipmentStatus, ShippingAddress, TrackingEntry};

use super::courier_words::status_from_words;
use super::units::{chargeable_kilograms, idr_from_json, parse_courier_time, whole_rupiah};
use super::{
    ProviderBooking, ProviderError, ProviderRate, ProviderRateRequest, ProviderShipment,
    ProviderTracking, ShippingProvider, WebhookError, WebhookUpdate, http,
};

/// Tariff and tracking host in the newer community sources; sources disagree (`:10101`,
/// `:10206`), so contracts set their own `base_url`.
pub const PRODUCTION_BASE_URL: &str = "https://apiv2.jne.co.id:10205";

/// JNE address lines hold about thirty characters each, three lines per party.
const ADDRESS_LINE_CHARS: usize = 30;
const GOODS_DESCRIPTION_CHARS: usize = 60;

#[derive(Clone)]
pub struct JneClient {
    username: String,
    api_key: String,
    branch: String,
    customer: String,
    origin_code: String,
    base_url: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for JneClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JneClient")
            .field("username", &self.username)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// What a JNE account needs besides the HTTP client.
#[derive(Debug, Clone)]
pub struct JneAccount {
    pub username: String,
    pub api_key: String,
    pub branch: String,
    pub customer: String,
    pub origin_code: String,
}

impl JneClient {
    pub fn new(account: JneAccount, base_url: Option<String>, http: reqwest::Client) -> Self {
        Self {
            username: account.username,
            api_key: account.api_key,
            branch: account.branch,
            customer: account.customer,
            origin_code: account.origin_code,
            base_url: http::trim_base(base_url.as_deref().unwrap_or(PRODUCTION_BASE_URL)),
            http,
        }
    }

    fn post(&self, path: &str, mut form: Vec<(&'static str, String)>) -> reqwest::RequestBuilder {
        form.push(("username", self.username.clone()));
        form.push(("api_key", self.api_key.clone()));
        self.http
            .post(format!("{}{path}", self.base_url))
            .form(&form)
    }
}

fn destination_code(address: &ShippingAddress) -> Result<String, ProviderError> {
    address
        .area_id
        .clone()
        .filter(|code| !code.is_empty())
        .ok_or_else(|| {
            ProviderError::Rejected(
                "JNE needs the destination's JNE tariff code (e.g. BDO10000) in area_id".to_owned(),
            )
        })
}

/// `text` cut into JNE's three address lines.
fn address_lines(text: &str) -> [String; 3] {
    let chars: Vec<char> = text.chars().collect();
    let mut lines = chars.chunks(ADDRESS_LINE_CHARS).map(|c| c.iter().collect());
    [
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
    ]
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

#[derive(Deserialize)]
struct TariffAnswer {
    #[serde(default)]
    price: Vec<TariffRow>,
}

#[derive(Deserialize)]
struct TariffRow {
    service_code: String,
    #[serde(default)]
    service_display: Option<String>,
    price: Value,
    #[serde(default)]
    etd_from: Option<String>,
    #[serde(default)]
    etd_thru: Option<String>,
}

#[derive(Deserialize)]
struct CnoteAnswer {
    #[serde(default)]
    detail: Vec<CnoteDetail>,
}

#[derive(Deserialize)]
struct CnoteDetail {
    #[serde(default)]
    status: String,
    #[serde(default)]
    cnote_no: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct TraceAnswer {
    #[serde(default)]
    cnote: Option<TraceCnote>,
    #[serde(default)]
    history: Vec<TraceHistory>,
}

#[derive(Deserialize)]
struct TraceCnote {
    #[serde(default)]
    cnote_no: Option<String>,
    #[serde(default)]
    pod_status: Option<String>,
}

#[derive(Deserialize)]
struct TraceHistory {
    date: String,
    desc: String,
}

fn etd(from: Option<String>, thru: Option<String>) -> Option<String> {
    match (
        from.filter(|f| !f.is_empty()),
        thru.filter(|t| !t.is_empty()),
    ) {
        (Some(from), Some(thru)) if from != thru => Some(format!("{from}-{thru} days")),
        (Some(days), _) | (None, Some(days)) if days == "1" => Some("1 day".to_owned()),
        (Some(days), _) | (None, Some(days)) => Some(format!("{days} days")),
        (None, None) => None,
    }
}

#[async_trait::async_trait]
impl ShippingProvider for JneClient {
    fn code(&self) -> &'static str {
        "jne"
    }

    async fn quote(
        &self,
        request: &ProviderRateRequest,
    ) -> Result<Vec<ProviderRate>, ProviderError> {
        if !request.couriers.is_empty() && !request.couriers.iter().any(|c| c == "jne") {
            return Ok(Vec::new());
        }
        let form = vec![
            ("from", self.origin_code.clone()),
            ("thru", destination_code(&request.destination)?),
            (
                "weight",
                chargeable_kilograms(request.weight_grams).to_string(),
            ),
        ];
        let answer: TariffAnswer =
            http::send_json(self.post("/tracing/api/pricedev", form)).await?;
        answer
            .price
            .into_iter()
            .map(|row| {
                Ok(ProviderRate {
                    courier_code: "jne".to_owned(),
                    courier_name: "JNE".to_owned(),
                    price: idr_from_json(&row.price)?,
                    service_name: row
                        .service_display
                        .unwrap_or_else(|| row.service_code.clone()),
                    service_code: row.service_code,
                    etd: etd(row.etd_from, row.etd_thru),
                    // COD depends on the contract, not on the tariff answer.
                    cash_on_delivery: false,
                })
            })
            .collect()
    }

    async fn book(&self, booking: &ProviderBooking) -> Result<ProviderShipment, ProviderError> {
        let origin = &booking.origin;
        let destination = &booking.destination;
        let [shipper_1, shipper_2, shipper_3] = address_lines(&origin.address);
        let [receiver_1, receiver_2, receiver_3] = address_lines(&destination.address);
        let quantity: i64 = booking.items.iter().map(|i| i.quantity.max(0)).sum();
        let description = booking
            .items
            .iter()
            .map(|item| item.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let (cod_flag, cod_amount) = match booking.cash_on_delivery {
            Some(amount) => ("YES", whole_rupiah(amount)?),
            None => ("N", 0),
        };
        let region = |address: &ShippingAddress| {
            address
                .province
                .clone()
                .unwrap_or_else(|| address.city.clone())
        };
        let form = vec![
            ("OLSHOP_BRANCH", self.branch.clone()),
            ("OLSHOP_CUST", self.customer.clone()),
            ("OLSHOP_ORDERID", booking.reference.clone()),
            ("OLSHOP_SHIPPER_NAME", origin.name.clone()),
            ("OLSHOP_SHIPPER_ADDR1", shipper_1),
            ("OLSHOP_SHIPPER_ADDR2", shipper_2),
            ("OLSHOP_SHIPPER_ADDR3", shipper_3),
            ("OLSHOP_SHIPPER_CITY", origin.city.clone()),
            ("OLSHOP_SHIPPER_REGION", region(origin)),
            ("OLSHOP_SHIPPER_ZIP", origin.postal_code.clone()),
            ("OLSHOP_SHIPPER_PHONE", origin.phone.clone()),
            ("OLSHOP_RECEIVER_NAME", destination.name.clone()),
            ("OLSHOP_RECEIVER_ADDR1", receiver_1),
            ("OLSHOP_RECEIVER_ADDR2", receiver_2),
            ("OLSHOP_RECEIVER_ADDR3", receiver_3),
            ("OLSHOP_RECEIVER_CITY", destination.city.clone()),
            ("OLSHOP_RECEIVER_REGION", region(destination)),
            ("OLSHOP_RECEIVER_ZIP", destination.postal_code.clone()),
            ("OLSHOP_RECEIVER_PHONE", destination.phone.clone()),
            ("OLSHOP_QTY", quantity.max(1).to_string()),
            (
                "OLSHOP_WEIGHT",
                chargeable_kilograms(booking.weight_grams).to_string(),
            ),
            (
                "OLSHOP_GOODSDESC",
                truncate(
                    if description.is_empty() {
                        "Parcel"
                    } else {
                        &description
                    },
                    GOODS_DESCRIPTION_CHARS,
                ),
            ),
            (
                "OLSHOP_GOODSVALUE",
                whole_rupiah(booking.goods_value)?.to_string(),
            ),
            // 1 = document, 2 = package.
            ("OLSHOP_GOODSTYPE", "2".to_owned()),
            ("OLSHOP_INST", booking.note.clone().unwrap_or_default()),
            ("OLSHOP_INS_FLAG", "N".to_owned()),
            ("OLSHOP_ORIG", self.origin_code.clone()),
            ("OLSHOP_DEST", destination_code(destination)?),
            ("OLSHOP_SERVICE", booking.service_code.to_uppercase()),
            ("OLSHOP_COD_FLAG", cod_flag.to_owned()),
            ("OLSHOP_COD_AMOUNT", cod_amount.to_string()),
        ];
        let answer: CnoteAnswer =
            http::send_json(self.post("/tracing/api/generatecnote", form)).await?;
        let detail = answer
            .detail
            .into_iter()
            .next()
            .ok_or_else(|| ProviderError::Unavailable("JNE answered no detail".to_owned()))?;
        if !detail.status.eq_ignore_ascii_case("sukses") {
            return Err(ProviderError::Rejected(
                detail.reason.unwrap_or(detail.status),
            ));
        }
        let cnote = detail
            .cnote_no
            .filter(|cnote| !cnote.is_empty())
            .ok_or_else(|| ProviderError::Unavailable("JNE issued no cnote_no".to_owned()))?;
        Ok(ProviderShipment {
            provider_reference: cnote.clone(),
            awb: Some(cnote),
            status: ShipmentStatus::AwbAssigned,
            price: None,
        })
    }

    async fn cancel(&self, _reference: &str, _reason: &str) -> Result<(), ProviderError> {
        Err(ProviderError::Unsupported(
            "jne offers no cancellation call; cancel with the JNE branch",
        ))
    }

    async fn track(
        &self,
        awb: &str,
        _courier_code: &str,
        _provider_reference: Option<&str>,
    ) -> Result<ProviderTracking, ProviderError> {
        let segment: String = awb.chars().filter(char::is_ascii_alphanumeric).collect();
        if segment.is_empty() {
            return Err(ProviderError::NotFound);
        }
        let answer: TraceAnswer = http::send_json(
            self.post(&format!("/tracing/api/list/v1/cnote/{segment}"), Vec::new()),
        )
        .await?;
        let mut entries: Vec<TrackingEntry> = answer
            .history
            .into_iter()
            .filter_map(|step| {
                Some(TrackingEntry {
                    status: status_from_words(&step.desc),
                    at: parse_courier_time(&step.date)?,
                    description: step.desc,
                    location: None,
                })
            })
            .collect();
        entries.sort_by_key(|entry| entry.at);
        let cnote = answer.cnote;
        let status = cnote
            .as_ref()
            .and_then(|c| c.pod_status.as_deref())
            .filter(|s| !s.is_empty())
            .map(status_from_words)
            .or_else(|| entries.last().map(|entry| entry.status))
            .unwrap_or(ShipmentStatus::AwbAssigned);
        Ok(ProviderTracking {
            awb: cnote
                .and_then(|c| c.cnote_no)
                .unwrap_or_else(|| awb.to_owned()),
            status,
            entries,
        })
    }

    fn parse_webhook(
        &self,
        _headers: &HeaderMap,
        _raw_body: &[u8],
    ) -> Result<Option<WebhookUpdate>, WebhookError> {
        Err(WebhookError::Malformed(
            "jne sends no status pushes".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_into_three_jne_lines() {
        let [one, two, three] =
            address_lines("Jl. Merdeka No. 10, RT 01 RW 02, Kelurahan Gambir, Jakarta Pusat");
        assert_eq!(one.chars().count(), 30);
        assert_eq!(
            format!("{one}{two}{three}"),
            "Jl. Merdeka No. 10, RT 01 RW 02, Kelurahan Gambir, Jakarta Pusat"
        );
        assert_eq!(address_lines("short")[1], "");
    }

    #[test]
    fn estimates_read_as_days() {
        assert_eq!(
            etd(Some("2".into()), Some("3".into())),
            Some("2-3 days".into())
        );
        assert_eq!(
            etd(Some("1".into()), Some("1".into())),
            Some("1 day".into())
        );
        assert_eq!(etd(None, Some("4".into())), Some("4 days".into()));
        assert_eq!(etd(None, None), None);
    }
}
