//! Background jobs: durable work a request hands off (a CSV import, an export) and a client
//! follows by id. A job is a row in `jobs`; its files (the upload, an export's output, the full
//! error report) are rows in `job_files`. Workers claim queued jobs with a lease: a worker that
//! dies mid-job stops renewing it, and once it lapses another worker claims the job again and
//! runs it from the start. Job kinds are written so that a second run converges (imports upsert
//! by SKU), so a re-run after a crash is safe.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use smartseller_kernel::{TenantId, clock};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::db::Db;

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "jobs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tenant_id: Uuid,
        pub kind: String,
        pub status: String,
        pub dry_run: bool,
        /// The permission a caller needs to see this job: the one its kind needs.
        pub permission: String,
        pub created_by_kind: String,
        pub created_by: Option<Uuid>,
        pub total: i64,
        pub processed: i64,
        pub succeeded: i64,
        pub failed: i64,
        /// Every row error, counted; `errors` keeps only the first [`super::MAX_LISTED_ERRORS`].
        pub error_count: i64,
        pub errors: Json,
        pub summary: Option<Json>,
        pub attempts: i32,
        pub last_error: Option<String>,
        pub claimed_by: Option<String>,
        pub lease_until: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub started_at: Option<DateTimeUtc>,
        pub finished_at: Option<DateTimeUtc>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod file {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "job_files")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub job_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        pub tenant_id: Uuid,
        pub content_type: String,
        pub content: Vec<u8>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{Column, Entity, Model};

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";
pub const CANCELLED: &str = "cancelled";

/// The file a job was given.
pub const INPUT: &str = "input";
/// What an export produced.
pub const RESULT: &str = "result";
/// Every bad row, as CSV.
pub const ERRORS: &str = "errors";

/// How many row errors a job lists in its JSON; all of them are in its error report.
pub const MAX_LISTED_ERRORS: usize = 1_000;

/// One problem with one row of an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowError {
    /// The line in the file, counting the header as line 1, as a spreadsheet numbers it.
    pub row: u64,
    /// The column at fault; empty when the row as a whole is.
    pub column: String,
    /// Stable machine code, e.g. `bad_check_digit`.
    pub code: String,
    pub message: String,
}

/// A job to queue.
pub struct NewJob {
    pub tenant: TenantId,
    pub kind: &'static str,
    pub permission: &'static str,
    pub dry_run: bool,
    /// `user`, `api_key` or `system`, and its id.
    pub created_by: (&'static str, Option<Uuid>),
    /// The uploaded file and its content type, if the job has one.
    pub input: Option<(Vec<u8>, &'static str)>,
}

/// Queues a job and wakes this process's worker.
pub async fn enqueue(db: &Db, new: NewJob) -> Result<Model, DbErr> {
    let now = clock::now();
    let tx = db.begin_write().await?;
    let job = Model {
        id: Uuid::now_v7(),
        tenant_id: new.tenant.as_uuid(),
        kind: new.kind.to_owned(),
        status: QUEUED.to_owned(),
        dry_run: new.dry_run,
        permission: new.permission.to_owned(),
        created_by_kind: new.created_by.0.to_owned(),
        created_by: new.created_by.1,
        total: 0,
        processed: 0,
        succeeded: 0,
        failed: 0,
        error_count: 0,
        errors: serde_json::json!([]),
        summary: None,
        attempts: 0,
        last_error: None,
        claimed_by: None,
        lease_until: None,
        created_at: now,
        started_at: None,
        finished_at: None,
        updated_at: now,
    };
    let job = job.into_active_model().reset_all().insert(&*tx).await?;
    if let Some((content, content_type)) = new.input {
        put_file(&*tx, &job, INPUT, content_type, content).await?;
    }
    tx.commit().await?;
    db.job_queued().notify_one();
    Ok(job)
}

async fn put_file(
    conn: &impl ConnectionTrait,
    job: &Model,
    name: &str,
    content_type: &str,
    content: Vec<u8>,
) -> Result<(), DbErr> {
    file::ActiveModel {
        job_id: Set(job.id),
        name: Set(name.to_owned()),
        tenant_id: Set(job.tenant_id),
        content_type: Set(content_type.to_owned()),
        content: Set(content),
    }
    .insert(conn)
    .await
    .map(|_| ())
}

/// One of the store's jobs.
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id)
        .filter(Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

/// A file of one of the store's jobs.
pub async fn file_of(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    name: &str,
) -> Result<Option<file::Model>, DbErr> {
    file::Entity::find_by_id((id, name.to_owned()))
        .filter(file::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

/// What a job list may be narrowed to.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub kind: Option<String>,
    pub status: Option<String>,
    /// Only jobs needing one of these permissions: a caller sees the jobs it could read one by one.
    pub permissions: Vec<String>,
}

/// The store's jobs, newest first, starting before `before`.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &JobFilter,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let mut query = Entity::find()
        .filter(Column::TenantId.eq(tenant.as_uuid()))
        .filter(Column::Permission.is_in(filter.permissions.iter().cloned()))
        .order_by_desc(Column::Id)
        .limit(limit);
    if let Some(kind) = &filter.kind {
        query = query.filter(Column::Kind.eq(kind.as_str()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(Column::Status.eq(status.as_str()));
    }
    if let Some(before) = before {
        query = query.filter(Column::Id.lt(before));
    }
    query.all(conn).await
}

/// Why a job could not finish.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The job can never succeed as given (a file with the wrong columns): it fails at once.
    #[error("{0}")]
    Invalid(String),
    /// Another worker took the job over after this one's lease lapsed; this run stops quietly.
    #[error("the job's lease was lost to another worker")]
    LeaseLost,
    /// Anything else (the database went away): the job is tried again, up to the limit.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<DbErr> for JobError {
    fn from(error: DbErr) -> Self {
        JobError::Other(error.into())
    }
}

/// What a finished job leaves behind.
#[derive(Debug, Default)]
pub struct JobOutput {
    /// Counts the client can show (created, updated, unchanged, ...).
    pub summary: serde_json::Value,
    /// An export's file: content type and bytes.
    pub result: Option<(&'static str, Vec<u8>)>,
}

/// A kind of job, run by a worker. Registered by the domain that owns the kind, like consumers.
#[async_trait::async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// Stable name stored with each job, e.g. `catalog.products.import`.
    fn kind(&self) -> &'static str;
    /// Does the work. `input` is the uploaded file, if any. Report rows through `run` and call
    /// [`JobRun::checkpoint`] every batch: that writes progress and renews the lease.
    async fn run(&self, run: &mut JobRun, input: Option<Vec<u8>>) -> Result<JobOutput, JobError>;
}

/// The job kinds this process can run.
#[derive(Clone, Default)]
pub struct JobHandlers {
    handlers: HashMap<&'static str, Arc<dyn JobHandler>>,
}

impl JobHandlers {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, handler: Arc<dyn JobHandler>) {
        self.handlers.insert(handler.kind(), handler);
    }

    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self.handlers.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }

    pub fn is_empty(&self) -> bool {
        self.handlers.is_empty()
    }
}

/// How a worker paces itself.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// This worker's name in `claimed_by`.
    pub name: String,
    /// How long a claim lasts without a checkpoint before another worker may take the job.
    pub lease: Duration,
    /// How often an idle worker looks for jobs queued by other processes.
    pub poll: Duration,
    /// Runs before a job that keeps failing is given up.
    pub max_attempts: i32,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            name: format!("worker-{}", Uuid::now_v7().simple()),
            lease: Duration::from_secs(300),
            poll: Duration::from_secs(2),
            max_attempts: 3,
        }
    }
}

/// A job being run by this worker: its row, its counters, and the row errors so far.
pub struct JobRun {
    db: Db,
    pub job: Model,
    worker: String,
    lease: Duration,
    pub total: i64,
    pub processed: i64,
    pub succeeded: i64,
    pub failed: i64,
    errors: Vec<RowError>,
    error_count: i64,
    report: csv::Writer<Vec<u8>>,
    report_started: bool,
    header: Vec<String>,
}

impl JobRun {
    fn new(db: Db, job: Model, settings: &WorkerSettings) -> Self {
        Self {
            db,
            job,
            worker: settings.name.clone(),
            lease: settings.lease,
            total: 0,
            processed: 0,
            succeeded: 0,
            failed: 0,
            errors: Vec::new(),
            error_count: 0,
            report: csv::Writer::from_writer(Vec::new()),
            report_started: false,
            header: Vec::new(),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn tenant(&self) -> TenantId {
        TenantId(self.job.tenant_id)
    }

    pub fn dry_run(&self) -> bool {
        self.job.dry_run
    }

    /// The uploaded file's header, repeated in the error report after the error columns.
    pub fn set_header(&mut self, header: &[String]) {
        self.header = header.to_vec();
    }

    /// Records one bad row with all its problems, and the row as it was given.
    pub fn reject_row(&mut self, row: u64, problems: &[RowError], record: &[String]) {
        if !self.report_started {
            let mut header = vec![
                "row".to_owned(),
                "column".to_owned(),
                "code".to_owned(),
                "message".to_owned(),
            ];
            header.extend(self.header.iter().cloned());
            // Writing into a Vec cannot fail.
            let _ = self.report.write_record(&header);
            self.report_started = true;
        }
        for problem in problems {
            let mut line = vec![
                row.to_string(),
                problem.column.clone(),
                problem.code.clone(),
                problem.message.clone(),
            ];
            line.extend(record.iter().cloned());
            let _ = self.report.write_record(&line);
            if self.errors.len() < MAX_LISTED_ERRORS {
                self.errors.push(problem.clone());
            }
            self.error_count += 1;
        }
    }

    /// The row errors listed so far.
    pub fn errors(&self) -> &[RowError] {
        &self.errors
    }

    /// Writes progress and renews the lease. Fails with [`JobError::LeaseLost`] when another
    /// worker has taken the job over.
    pub async fn checkpoint(&mut self) -> Result<(), JobError> {
        let now = clock::now();
        let tx = self.db.begin_write().await?;
        let updated = Entity::update_many()
            .col_expr(Column::Total, Expr::value(self.total))
            .col_expr(Column::Processed, Expr::value(self.processed))
            .col_expr(Column::Succeeded, Expr::value(self.succeeded))
            .col_expr(Column::Failed, Expr::value(self.failed))
            .col_expr(Column::ErrorCount, Expr::value(self.error_count))
            .col_expr(Column::Errors, Expr::value(errors_json(&self.errors)))
            .col_expr(Column::LeaseUntil, Expr::value(lease_end(now, self.lease)))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::Id.eq(self.job.id))
            .filter(Column::Status.eq(RUNNING))
            .filter(Column::ClaimedBy.eq(self.worker.as_str()))
            .exec(&*tx)
            .await?;
        tx.commit().await?;
        if updated.rows_affected == 1 {
            Ok(())
        } else {
            Err(JobError::LeaseLost)
        }
    }
}

fn errors_json(errors: &[RowError]) -> serde_json::Value {
    serde_json::to_value(errors).unwrap_or_else(|_| serde_json::json!([]))
}

fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5))
}

/// Claims the oldest job of `kinds` that is queued or whose lease lapsed. On PostgreSQL other
/// workers skip the locked row (`FOR UPDATE SKIP LOCKED`); on SQLite the write transaction
/// (`BEGIN IMMEDIATE` behind the write gate) already makes this worker the only claimer.
pub async fn claim(
    db: &Db,
    kinds: &[&'static str],
    settings: &WorkerSettings,
) -> Result<Option<Model>, DbErr> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let now = clock::now();
    let tx = db.begin_write().await?;
    let mut query = Entity::find()
        .filter(Column::Kind.is_in(kinds.iter().copied()))
        .filter(
            Condition::any().add(Column::Status.eq(QUEUED)).add(
                Condition::all()
                    .add(Column::Status.eq(RUNNING))
                    .add(Column::LeaseUntil.lt(now)),
            ),
        )
        .order_by_asc(Column::Id)
        .limit(1);
    if tx.get_database_backend() == DbBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let Some(mut job) = query.one(&*tx).await? else {
        return Ok(None);
    };
    job.attempts += 1;
    if job.attempts > settings.max_attempts {
        // A job that kept killing its workers (or kept losing its database) stops here rather
        // than loop forever.
        Entity::update_many()
            .col_expr(Column::Status, Expr::value(FAILED))
            .col_expr(
                Column::LastError,
                Expr::value(format!(
                    "Gave up after {} attempts; the last one did not finish.",
                    settings.max_attempts
                )),
            )
            .col_expr(Column::ClaimedBy, Expr::value(Option::<String>::None))
            .col_expr(Column::FinishedAt, Expr::value(now))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::Id.eq(job.id))
            .exec(&*tx)
            .await?;
        tx.commit().await?;
        return Ok(None);
    }
    // A run starts from scratch: counters and errors of a crashed run are dropped with it.
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(RUNNING))
        .col_expr(Column::Attempts, Expr::value(job.attempts))
        .col_expr(Column::ClaimedBy, Expr::value(settings.name.as_str()))
        .col_expr(
            Column::LeaseUntil,
            Expr::value(lease_end(now, settings.lease)),
        )
        .col_expr(Column::StartedAt, Expr::value(now))
        .col_expr(Column::Total, Expr::value(0i64))
        .col_expr(Column::Processed, Expr::value(0i64))
        .col_expr(Column::Succeeded, Expr::value(0i64))
        .col_expr(Column::Failed, Expr::value(0i64))
        .col_expr(Column::ErrorCount, Expr::value(0i64))
        .col_expr(Column::Errors, Expr::value(serde_json::json!([])))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(job.id))
        .exec(&*tx)
        .await?;
    file::Entity::delete_many()
        .filter(file::Column::JobId.eq(job.id))
        .filter(file::Column::Name.ne(INPUT))
        .exec(&*tx)
        .await?;
    tx.commit().await?;
    job.status = RUNNING.to_owned();
    job.claimed_by = Some(settings.name.clone());
    Ok(Some(job))
}

/// Claims and runs one job; `false` when there was none.
pub async fn run_one(
    db: &Db,
    handlers: &JobHandlers,
    settings: &WorkerSettings,
) -> Result<bool, DbErr> {
    let Some(job) = claim(db, &handlers.kinds(), settings).await? else {
        return Ok(false);
    };
    let Some(handler) = handlers.handlers.get(job.kind.as_str()).cloned() else {
        return Ok(true);
    };
    let input = file_of(db.conn(), TenantId(job.tenant_id), job.id, INPUT)
        .await?
        .map(|f| f.content);
    let mut run = JobRun::new(db.clone(), job, settings);
    let started = std::time::Instant::now();
    let outcome = handler.run(&mut run, input).await;
    let kind = handler.kind();
    match outcome {
        Ok(output) => {
            finish(&mut run, SUCCEEDED, None, Some(output)).await?;
            metrics::counter!("smartseller_jobs_total", "kind" => kind, "status" => SUCCEEDED)
                .increment(1);
            tracing::info!(job_id = %run.job.id, kind, rows = run.processed, elapsed_ms = started.elapsed().as_millis() as u64, "job finished");
        }
        Err(JobError::LeaseLost) => {
            tracing::warn!(job_id = %run.job.id, kind, "job taken over by another worker");
        }
        Err(JobError::Invalid(message)) => {
            finish(&mut run, FAILED, Some(message), None).await?;
            metrics::counter!("smartseller_jobs_total", "kind" => kind, "status" => FAILED)
                .increment(1);
        }
        Err(JobError::Other(error)) => {
            let message = format!("{error:#}");
            tracing::warn!(job_id = %run.job.id, kind, error = %message, "job failed; it will be tried again");
            if run.job.attempts >= settings.max_attempts {
                finish(
                    &mut run,
                    FAILED,
                    Some("The job could not finish; try again later.".into()),
                    None,
                )
                .await?;
            } else {
                requeue(&run, &message).await?;
            }
        }
    }
    Ok(true)
}

async fn finish(
    run: &mut JobRun,
    status: &str,
    last_error: Option<String>,
    output: Option<JobOutput>,
) -> Result<(), DbErr> {
    let now = clock::now();
    let tx = run.db.begin_write().await?;
    let (summary, result) = match output {
        Some(output) => (Some(output.summary), output.result),
        None => (None, None),
    };
    let updated = Entity::update_many()
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::Total, Expr::value(run.total))
        .col_expr(Column::Processed, Expr::value(run.processed))
        .col_expr(Column::Succeeded, Expr::value(run.succeeded))
        .col_expr(Column::Failed, Expr::value(run.failed))
        .col_expr(Column::ErrorCount, Expr::value(run.error_count))
        .col_expr(Column::Errors, Expr::value(errors_json(&run.errors)))
        .col_expr(Column::Summary, Expr::value(summary))
        .col_expr(Column::LastError, Expr::value(last_error))
        .col_expr(Column::ClaimedBy, Expr::value(Option::<String>::None))
        .col_expr(
            Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::FinishedAt, Expr::value(now))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(run.job.id))
        .filter(Column::Status.eq(RUNNING))
        .filter(Column::ClaimedBy.eq(run.worker.as_str()))
        .exec(&*tx)
        .await?;
    if updated.rows_affected != 1 {
        // Another worker owns the job now; its run decides the outcome.
        return Ok(());
    }
    if let Some((content_type, content)) = result {
        put_file(&*tx, &run.job, RESULT, content_type, content).await?;
    }
    if run.report_started {
        // Writing into a Vec cannot fail; flushing moves csv's buffer into it.
        let _ = run.report.flush();
        let content = run.report.get_ref().clone();
        put_file(&*tx, &run.job, ERRORS, "text/csv", content).await?;
    }
    tx.commit().await
}

async fn requeue(run: &JobRun, message: &str) -> Result<(), DbErr> {
    let tx = run.db.begin_write().await?;
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(QUEUED))
        .col_expr(Column::LastError, Expr::value(message))
        .col_expr(Column::ClaimedBy, Expr::value(Option::<String>::None))
        .col_expr(Column::UpdatedAt, Expr::value(clock::now()))
        .filter(Column::Id.eq(run.job.id))
        .filter(Column::ClaimedBy.eq(run.worker.as_str()))
        .exec(&*tx)
        .await?;
    tx.commit().await
}

/// Runs jobs until `shutdown`: one at a time, waking when this process queues one and at least
/// every `poll` (for jobs queued elsewhere and lapsed leases). A job running at shutdown is
/// left to its lease, and picked up again by the next worker.
pub async fn run_worker(
    db: Db,
    handlers: JobHandlers,
    settings: WorkerSettings,
    shutdown: CancellationToken,
) {
    let queued = db.job_queued();
    loop {
        let ran = tokio::select! {
            _ = shutdown.cancelled() => return,
            ran = run_one(&db, &handlers, &settings) => ran,
        };
        match ran {
            Ok(true) => continue,
            Ok(false) => {}
            Err(error) => tracing::error!(%error, "job worker cannot reach the database"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = queued.notified() => {}
            _ = tokio::time::sleep(settings.poll) => {}
        }
    }
}
