//! Transfer proofs: the buyer's receipt (a photo or a PDF) that the seller checks before
//! confirming a bank transfer. Stored in the file store, judged by content, not by name.

use bytes::Bytes;
use serde_json::json;
use smartseller_contracts::payments::PaymentMethod;
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::{Caller, Note, PaymentsCtx, PaymentsError, PaymentsResult, Source, Target, transition};
use crate::store::{self, proof};

/// What a proof may be: a photo of the receipt or a PDF from the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofType {
    Jpeg,
    Png,
    WebP,
    Pdf,
}

impl ProofType {
    /// By magic bytes: JPEG `FF D8 FF`, PNG's 8-byte signature, RIFF....WEBP, `%PDF-`.
    pub fn sniff(head: &[u8]) -> Option<ProofType> {
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ProofType::Jpeg)
        } else if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(ProofType::Png)
        } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            Some(ProofType::WebP)
        } else if head.starts_with(b"%PDF-") {
            Some(ProofType::Pdf)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ProofType::Jpeg => "image/jpeg",
            ProofType::Png => "image/png",
            ProofType::WebP => "image/webp",
            ProofType::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ProofType::Jpeg => "jpg",
            ProofType::Png => "png",
            ProofType::WebP => "webp",
            ProofType::Pdf => "pdf",
        }
    }
}

/// A stored proof, as the seller sees it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ProofView {
    pub id: Uuid,
    pub payment_id: Uuid,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: Option<Uuid>,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl From<proof::Model> for ProofView {
    fn from(p: proof::Model) -> Self {
        Self {
            id: p.id,
            payment_id: p.payment_id,
            content_type: p.content_type,
            size: p.size,
            uploaded_by: p.uploaded_by,
            at: p.at,
        }
    }
}

/// Why an upload is refused before it reaches storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofRefusal {
    Empty,
    TooLarge { max_bytes: u64 },
    UnsupportedType,
}

/// Checks a proof's size and type.
pub fn check_proof(bytes: &[u8], max_bytes: u64) -> Result<ProofType, ProofRefusal> {
    if bytes.is_empty() {
        return Err(ProofRefusal::Empty);
    }
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max_bytes {
        return Err(ProofRefusal::TooLarge { max_bytes });
    }
    ProofType::sniff(bytes).ok_or(ProofRefusal::UnsupportedType)
}

/// Stores a proof for an unpaid bank transfer and notes it in the payment's history.
pub async fn upload(
    ctx: &PaymentsCtx,
    caller: &Caller,
    payment_id: Uuid,
    file_type: ProofType,
    bytes: Bytes,
) -> PaymentsResult<ProofView> {
    let tenant = caller.tenant;
    let payment = store::payment(ctx.db.conn(), tenant, payment_id)
        .await?
        .ok_or(PaymentsError::NotFound("payment"))?;
    if payment.method() != PaymentMethod::BankTransfer {
        return Err(PaymentsError::Invalid(
            smartseller_kernel::validation::FieldErrors::single(
                "file",
                "wrong_method",
                "Proofs are for bank transfers.",
            ),
        ));
    }
    if !crate::domain::status::is_unsettled(payment.status()) {
        return Err(PaymentsError::WrongState(payment.status()));
    }
    let id = Uuid::now_v7();
    let key = format!(
        "payments/{}/{}/proofs/{}.{}",
        tenant,
        payment_id,
        id.simple(),
        file_type.extension()
    );
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    ctx.files
        .put(&key, bytes)
        .await
        .map_err(|e| PaymentsError::Storage(e.to_string()))?;
    let mut tx = ctx.db.begin_write().await?;
    let row = store::insert_proof(
        &*tx,
        proof::Model {
            id,
            tenant_id: tenant.as_uuid(),
            payment_id,
            file_key: key.clone(),
            content_type: file_type.content_type().to_owned(),
            size,
            uploaded_by: caller.id,
            at: clock::now(),
        },
    )
    .await?;
    let note = Note {
        source: Source::Api,
        caller: *caller,
        action: "proof_uploaded",
        detail: json!({ "proof_id": id, "content_type": file_type.content_type(), "size": size }),
    };
    // The history line goes through the guarded update (figures unchanged) so it is ordered
    // with every other change of the payment.
    let recorded = transition(&mut tx, tenant, payment_id, &note, |before| {
        let status = before.status();
        if !crate::domain::status::is_unsettled(status) {
            return Err(PaymentsError::WrongState(status));
        }
        Ok(Some(Target::status(before, status)))
    })
    .await;
    if let Err(error) = recorded {
        drop(tx);
        // The row was rolled back; the file must not linger.
        let _ = ctx.files.delete(&key).await;
        return Err(error);
    }
    tx.commit().await?;
    Ok(row.into())
}

pub async fn list(
    ctx: &PaymentsCtx,
    tenant: TenantId,
    payment_id: Uuid,
) -> PaymentsResult<Vec<ProofView>> {
    Ok(store::proofs(ctx.db.conn(), tenant, payment_id)
        .await?
        .into_iter()
        .map(ProofView::from)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proofs_are_judged_by_content_and_size() {
        assert_eq!(check_proof(b"%PDF-1.7 ...", 100), Ok(ProofType::Pdf));
        assert_eq!(
            check_proof(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0], 100),
            Ok(ProofType::Jpeg)
        );
        assert_eq!(
            check_proof(b"MZ\x90\x00", 100),
            Err(ProofRefusal::UnsupportedType)
        );
        assert_eq!(check_proof(b"", 100), Err(ProofRefusal::Empty));
        assert_eq!(
            check_proof(&[b'%'; 101], 100),
            Err(ProofRefusal::TooLarge { max_bytes: 100 })
        );
    }
}
