//! Background jobs: claimed once, run with progress and row errors, and picked up again when the
//! worker that claimed them died (its lease lapsed).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use smartseller_kernel::TenantId;
use smartseller_platform::jobs::{
    self, JobError, JobHandler, JobHandlers, JobOutput, JobRun, NewJob, RowError, WorkerSettings,
};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;
use uuid::Uuid;

use crate::support::database;

engine_tests!(
    a_job_runs_once_with_its_progress_and_row_errors,
    a_job_whose_worker_died_is_picked_up_again_after_its_lease,
    a_job_that_keeps_failing_is_given_up,
);

/// Counts the lines of its input; a line saying `bad` is a row error.
struct LineCounter {
    runs: AtomicUsize,
    fail_first: usize,
}

#[async_trait::async_trait]
impl JobHandler for LineCounter {
    fn kind(&self) -> &'static str {
        "test.lines"
    }

    async fn run(&self, run: &mut JobRun, input: Option<Vec<u8>>) -> Result<JobOutput, JobError> {
        let attempt = self.runs.fetch_add(1, Ordering::SeqCst);
        if attempt < self.fail_first {
            return Err(JobError::Other(anyhow::anyhow!("the disk is on fire")));
        }
        let text = String::from_utf8(input.unwrap_or_default()).unwrap_or_default();
        run.set_header(&["line".to_owned()]);
        let lines: Vec<&str> = text.lines().collect();
        run.total = lines.len() as i64;
        for (i, line) in lines.iter().enumerate() {
            let row = i as u64 + 2;
            if *line == "bad" {
                let problem = RowError {
                    row,
                    column: "line".into(),
                    code: "bad".into(),
                    message: "This line is bad.".into(),
                };
                run.reject_row(row, &[problem], &[(*line).to_owned()]);
                run.failed += 1;
            } else {
                run.succeeded += 1;
            }
            run.processed += 1;
            run.checkpoint().await?;
        }
        Ok(JobOutput {
            summary: serde_json::json!({ "lines": lines.len() }),
            result: Some(("text/plain", text.into_bytes())),
        })
    }
}

fn handlers(handler: Arc<LineCounter>) -> JobHandlers {
    let mut handlers = JobHandlers::new();
    handlers.add(handler);
    handlers
}

fn new_job(tenant: TenantId, input: &str) -> NewJob {
    NewJob {
        tenant,
        kind: "test.lines",
        permission: "products:write",
        dry_run: false,
        created_by: ("system", None),
        input: Some((input.as_bytes().to_vec(), "text/plain")),
    }
}

fn settings(name: &str, lease: Duration) -> WorkerSettings {
    WorkerSettings {
        name: name.to_owned(),
        lease,
        poll: Duration::from_millis(20),
        max_attempts: 3,
    }
}

async fn a_job_runs_once_with_its_progress_and_row_errors(engine: Engine) {
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let tenant = TenantId(Uuid::now_v7());
    let job = jobs::enqueue(&db, new_job(tenant, "a\nbad\nc"))
        .await
        .unwrap();
    assert_eq!(job.status, jobs::QUEUED);
    let counter = Arc::new(LineCounter {
        runs: AtomicUsize::new(0),
        fail_first: 0,
    });
    let handlers = handlers(counter.clone());
    let worker = settings("w1", Duration::from_secs(60));
    assert!(jobs::run_one(&db, &handlers, &worker).await.unwrap());
    assert!(
        !jobs::run_one(&db, &handlers, &worker).await.unwrap(),
        "nothing left to claim"
    );
    let done = jobs::find(db.conn(), tenant, job.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.status, jobs::SUCCEEDED);
    assert_eq!(
        (done.total, done.processed, done.succeeded, done.failed),
        (3, 3, 2, 1)
    );
    assert_eq!(done.error_count, 1);
    assert_eq!(done.errors[0]["row"], 3);
    assert_eq!(counter.runs.load(Ordering::SeqCst), 1);
    let report = jobs::file_of(db.conn(), tenant, job.id, jobs::ERRORS)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        String::from_utf8(report.content).unwrap(),
        "row,column,code,message,line\n3,line,bad,This line is bad.,bad\n"
    );
    let result = jobs::file_of(db.conn(), tenant, job.id, jobs::RESULT)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.content, b"a\nbad\nc");
    // Another store never sees it.
    assert!(
        jobs::find(db.conn(), TenantId(Uuid::now_v7()), job.id)
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_job_whose_worker_died_is_picked_up_again_after_its_lease(engine: Engine) {
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let tenant = TenantId(Uuid::now_v7());
    let job = jobs::enqueue(&db, new_job(tenant, "a\nb")).await.unwrap();
    // The first worker claims the job and dies without a word: it never checkpoints again.
    let dead = settings("dead", Duration::from_millis(300));
    let claimed = jobs::claim(&db, &["test.lines"], &dead)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, job.id);
    let counter = Arc::new(LineCounter {
        runs: AtomicUsize::new(0),
        fail_first: 0,
    });
    let handlers = handlers(counter.clone());
    let survivor = settings("survivor", Duration::from_secs(60));
    // While the lease holds, the job is not anyone else's.
    assert!(!jobs::run_one(&db, &handlers, &survivor).await.unwrap());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(jobs::run_one(&db, &handlers, &survivor).await.unwrap());
    let done = jobs::find(db.conn(), tenant, job.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.status, jobs::SUCCEEDED);
    assert_eq!(done.attempts, 2);
    assert_eq!(done.succeeded, 2);
    assert_eq!(counter.runs.load(Ordering::SeqCst), 1);
}

async fn a_job_that_keeps_failing_is_given_up(engine: Engine) {
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let tenant = TenantId(Uuid::now_v7());
    let job = jobs::enqueue(&db, new_job(tenant, "a")).await.unwrap();
    let counter = Arc::new(LineCounter {
        runs: AtomicUsize::new(0),
        fail_first: 10,
    });
    let handlers = handlers(counter.clone());
    let worker = settings("w", Duration::from_secs(60));
    for _ in 0..3 {
        assert!(jobs::run_one(&db, &handlers, &worker).await.unwrap());
    }
    let failed = jobs::find(db.conn(), tenant, job.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.status, jobs::FAILED);
    assert_eq!(failed.attempts, 3);
    assert_eq!(counter.runs.load(Ordering::SeqCst), 3);
}
