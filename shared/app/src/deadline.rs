//! `Deadline`: when the work of one invocation must have stopped. A Lambda invocation has
//! one (its context's deadline, less a margin to write a checkpoint); the local server sets
//! its own. Long work checks it between steps and hands the rest on in time.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// No deadline: run to the end.
    pub const NONE: Deadline = Deadline(None);

    /// Stop once `budget` from now has passed.
    pub fn after(budget: Duration) -> Deadline {
        Deadline(Some(Instant::now() + budget))
    }

    /// A Lambda invocation's deadline (milliseconds since the Unix epoch, from its context),
    /// less `margin` for the checkpoint and the hand-over.
    pub fn from_epoch_millis(deadline_ms: u64, margin: Duration) -> Deadline {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let left = Duration::from_millis(deadline_ms.saturating_sub(now_ms)).saturating_sub(margin);
        Deadline::after(left)
    }

    /// Whether the time is up: stop starting new steps.
    pub fn has_passed(&self) -> bool {
        self.0.is_some_and(|at| Instant::now() >= at)
    }
}
