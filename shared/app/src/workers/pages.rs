//! `Pages`: the pages of several index queries read in turn, a page at a time, until they
//! end or a deadline passes — what every sweep and release walks, in one place.

use crate::app::App;
use crate::deadline::Deadline;
use crate::error::AppResult;
use crate::ports::{Item, Query};

/// What the next read gave.
pub enum Next {
    /// The next page's items.
    Page(Vec<Item>),
    /// Every page of every query was read.
    Done,
    /// The deadline passed before the next page: the caller hands the rest on.
    OutOfTime,
}

pub struct Pages {
    queries: std::vec::IntoIter<Query>,
    /// The query being read and where its next page starts.
    current: Option<(Query, Option<String>)>,
    deadline: Deadline,
}

impl Pages {
    pub fn new(queries: Vec<Query>, deadline: Deadline) -> Pages {
        Pages {
            queries: queries.into_iter(),
            current: None,
            deadline,
        }
    }

    /// A sweep's next page: `None` once every page is read, or (`handed_on` set in
    /// `report`) when the deadline came first.
    pub async fn next_for(&mut self, app: &App, report: &mut crate::workers::sweeps::SweepReport) -> AppResult<Option<Vec<Item>>> {
        Ok(match self.next(app).await? {
            Next::Page(items) => Some(items),
            Next::Done => None,
            Next::OutOfTime => {
                report.handed_on = true;
                None
            }
        })
    }

    /// Reads the next page (checking the deadline first).
    pub async fn next(&mut self, app: &App) -> AppResult<Next> {
        loop {
            let Some((query, cursor)) = self.current.take().or_else(|| self.queries.next().map(|q| (q, None))) else {
                return Ok(Next::Done);
            };
            if self.deadline.has_passed() {
                return Ok(Next::OutOfTime);
            }
            let page = app.store.query(query.clone().after(cursor)).await?;
            if let Some(next) = page.next_cursor {
                self.current = Some((query, Some(next)));
            }
            if !page.items.is_empty() || self.current.is_some() {
                return Ok(Next::Page(page.items));
            }
        }
    }
}
