//! The queue port on SQLite: durable at-least-once queues with visibility timeouts and a
//! dead-letter state after a bounded number of receives, like SQS with a redrive policy.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use rusqlite::params;

use roster_app::ports::{Queue, QueueError, QueueName, ReceivedMessage};
use roster_app::secrets::new_id;

use crate::sqlite::{blocking, Database};

/// Deletes the message a receipt names.
const ACK: &str = "DELETE FROM queue_messages WHERE queue = ?1 AND receipt = ?2";

#[derive(Clone)]
pub struct SqliteQueue {
    db: Database,
    visibility_timeout: Duration,
    max_receives: u32,
}

fn unavailable(error: rusqlite::Error) -> QueueError {
    QueueError::Unavailable(error.to_string())
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

impl SqliteQueue {
    /// Queues on `db` with a 30-second visibility timeout and 5 receives before the DLQ.
    pub fn new(db: Database) -> Self {
        SqliteQueue {
            db,
            visibility_timeout: Duration::from_secs(30),
            max_receives: 5,
        }
    }

    pub fn with_redrive(mut self, visibility_timeout: Duration, max_receives: u32) -> Self {
        self.visibility_timeout = visibility_timeout;
        self.max_receives = max_receives;
        self
    }
}

/// The queue's calls (the `Queue` methods run them through `blocking`, as the store does).
impl SqliteQueue {
    fn send_batch_now(&self, queue: QueueName, bodies: &[String]) -> Result<(), QueueError> {
        let mut connection = self.db.lock();
        let tx = connection.transaction().map_err(unavailable)?;
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO queue_messages (id, queue, body, visible_at_ms) VALUES (?1, ?2, ?3, ?4)")
                .map_err(unavailable)?;
            let now = now_ms();
            for body in bodies {
                insert
                    .execute(params![new_id(time::OffsetDateTime::now_utc()), queue.as_str(), body, now])
                    .map_err(unavailable)?;
            }
        }
        tx.commit().map_err(unavailable)
    }

    fn receive_now(&self, queue: QueueName, max: usize) -> Result<Vec<ReceivedMessage>, QueueError> {
        let mut connection = self.db.lock();
        let tx = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(unavailable)?;
        let now = now_ms();
        let ready: Vec<(i64, String, String, u32)> = tx
            .prepare_cached("SELECT seq, id, body, receive_count FROM queue_messages WHERE queue = ?1 AND dead = 0 AND visible_at_ms <= ?2 ORDER BY seq LIMIT ?3")
            .and_then(|mut s| s.query_map(params![queue.as_str(), now, max as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect())
            .map_err(unavailable)?;
        let mut received = Vec::new();
        for (seq, id, body, count) in ready {
            if count >= self.max_receives {
                tx.prepare_cached("UPDATE queue_messages SET dead = 1, receipt = NULL WHERE seq = ?1")
                    .and_then(|mut s| s.execute(params![seq]))
                    .map_err(unavailable)?;
                tracing::warn!(queue = queue.as_str(), message_id = %id, receives = count, "message moved to the dead-letter queue");
                continue;
            }
            let receipt = new_id(time::OffsetDateTime::now_utc());
            tx.prepare_cached(
                "UPDATE queue_messages SET receive_count = receive_count + 1, receipt = ?1, visible_at_ms = ?2 WHERE seq = ?3",
            )
            .and_then(|mut s| s.execute(params![receipt, now + self.visibility_timeout.as_millis() as i64, seq]))
            .map_err(unavailable)?;
            received.push(ReceivedMessage {
                id,
                body,
                receipt,
                receive_count: count + 1,
            });
        }
        tx.commit().map_err(unavailable)?;
        Ok(received)
    }

    fn ack_now(&self, queue: QueueName, receipt: &str) -> Result<(), QueueError> {
        self.db
            .lock()
            .prepare_cached(ACK)
            .and_then(|mut s| s.execute(params![queue.as_str(), receipt]))
            .map_err(unavailable)?;
        Ok(())
    }

    fn ack_batch_now(&self, queue: QueueName, receipts: &[String]) -> Result<(), QueueError> {
        let mut db = self.db.lock();
        let tx = db.transaction().map_err(unavailable)?;
        {
            let mut delete = tx.prepare_cached(ACK).map_err(unavailable)?;
            for receipt in receipts {
                delete.execute(params![queue.as_str(), receipt]).map_err(unavailable)?;
            }
        }
        tx.commit().map_err(unavailable)
    }

    fn dead_letter_count_now(&self, queue: QueueName) -> Result<u64, QueueError> {
        self.db
            .lock()
            .query_row(
                "SELECT COUNT(*) FROM queue_messages WHERE queue = ?1 AND dead = 1",
                params![queue.as_str()],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(unavailable)
    }
}

#[async_trait]
impl Queue for SqliteQueue {
    async fn send(&self, queue: QueueName, body: &str) -> Result<(), QueueError> {
        self.send_batch(queue, &[body.to_string()]).await
    }

    async fn send_batch(&self, queue: QueueName, bodies: &[String]) -> Result<(), QueueError> {
        blocking(|| self.send_batch_now(queue, bodies))
    }

    async fn receive(&self, queue: QueueName, max: usize) -> Result<Vec<ReceivedMessage>, QueueError> {
        blocking(|| self.receive_now(queue, max))
    }

    async fn ack(&self, queue: QueueName, receipt: &str) -> Result<(), QueueError> {
        blocking(|| self.ack_now(queue, receipt))
    }

    async fn ack_batch(&self, queue: QueueName, receipts: &[String]) -> Result<(), QueueError> {
        blocking(|| self.ack_batch_now(queue, receipts))
    }

    async fn dead_letter_count(&self, queue: QueueName) -> Result<u64, QueueError> {
        blocking(|| self.dead_letter_count_now(queue))
    }
}
