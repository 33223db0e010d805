//! Group commit: one writer task takes whatever submissions are waiting (up to [`BATCH`]) and commits them in
//! one transaction, each in a savepoint of its own, so one fsync serves many citizens and one bad submission
//! cannot spoil the others. A submission is answered only after the commit.

use std::sync::Arc;

use hcp_store::crypto::DataKey;
use hcp_store::{Store, StoreError};
use tokio::sync::{mpsc, oneshot};

use super::{IntakeRequest, Outcome, process};
use crate::app::error::AppError;

/// Most submissions one transaction carries.
pub const BATCH: usize = 64;

struct Job {
    request: IntakeRequest,
    reply: oneshot::Sender<Result<Outcome, AppError>>,
}

/// Handle to the group-commit writer task.
#[derive(Clone)]
pub struct IntakeWriter {
    sender: Arc<tokio::sync::Mutex<Option<mpsc::Sender<Job>>>>,
    done: Arc<tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl IntakeWriter {
    pub fn start(store: Store, key: DataKey) -> IntakeWriter {
        let (sender, receiver) = mpsc::channel(BATCH * 16);
        let handle = tokio::spawn(run_writer(store, key, receiver));
        IntakeWriter {
            sender: Arc::new(tokio::sync::Mutex::new(Some(sender))),
            done: Arc::new(tokio::sync::Mutex::new(Some(handle))),
        }
    }

    /// Submits and waits for the commit.
    pub async fn submit(&self, request: IntakeRequest) -> Result<Outcome, AppError> {
        let sender = self.sender.lock().await.clone().ok_or_else(AppError::unavailable)?;
        let (reply, answer) = oneshot::channel();
        sender.send(Job { request, reply }).await.map_err(|_| AppError::unavailable())?;
        answer.await.map_err(|_| AppError::unavailable())?
    }

    /// Lets queued submissions finish, then stops the writer.
    pub async fn stop(&self) {
        self.sender.lock().await.take();
        if let Some(handle) = self.done.lock().await.take() {
            let _ = handle.await;
        }
    }
}

async fn run_writer(store: Store, key: DataKey, mut receiver: mpsc::Receiver<Job>) {
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let results = commit_batch(&store, &key, &batch).await;
        for (job, result) in batch.into_iter().zip(results) {
            let _ = job.reply.send(result);
        }
    }
}

async fn commit_batch(store: &Store, key: &DataKey, batch: &[Job]) -> Vec<Result<Outcome, AppError>> {
    use hcp_store::sqlx::Connection;
    let attempt = async {
        let mut tx = store.begin().await?;
        let mut results = Vec::with_capacity(batch.len());
        for job in batch {
            let mut savepoint = tx.begin().await?;
            let result = process(&mut savepoint, key, &job.request).await;
            if result.is_ok() {
                savepoint.commit().await?;
            } else {
                savepoint.rollback().await?;
            }
            results.push(result);
        }
        tx.commit().await?;
        Ok::<_, StoreError>(results)
    };
    match attempt.await {
        Ok(results) => results,
        Err(err) => {
            tracing::error!(error = %err, size = batch.len(), "intake batch failed");
            batch.iter().map(|_| Err(AppError::internal(format!("intake batch: {err}")))).collect()
        }
    }
}
