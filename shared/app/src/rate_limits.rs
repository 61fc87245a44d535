//! Counters in fixed time windows, for the rate limits. Each window is one item. Attempts
//! (sign-ins, join requests, join-code guesses, email changes) take a slot atomically
//! (`take`: the store checks the limit and counts in one step, so a burst of concurrent
//! attempts never passes it); free-plan invitations are counted in the invitation's own
//! transaction (`add`, version-checked). A kind of counter uses one of the two.

use time::OffsetDateTime;

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::ports::{Item, Query, SkCondition};
use crate::records::RateWindow;
use crate::table;
use crate::tx::Tx;

/// One subject counted in windows of `window_seconds` (e.g. failed logins of an email).
#[derive(Debug, Clone)]
pub struct RateCounter {
    pub pk: String,
    pub window_seconds: i64,
}

impl RateCounter {
    pub fn new(kind: &str, subject: &str, window_seconds: i64) -> Self {
        RateCounter {
            pk: table::rate_pk(kind, subject),
            window_seconds,
        }
    }

    /// A counter per client address: an IPv6 address counts by its /64 (one host or
    /// network can hold every address of its /64), an IPv4 address by itself.
    pub fn per_client(kind: &str, ip: &str, window_seconds: i64) -> Self {
        RateCounter::new(kind, &client_subject(ip), window_seconds)
    }

    pub fn window_start(&self, now: OffsetDateTime) -> i64 {
        let t = now.unix_timestamp();
        t - t.rem_euclid(self.window_seconds)
    }

    /// Seconds until the current window ends.
    pub fn retry_after(&self, now: OffsetDateTime) -> u64 {
        (self.window_start(now) + self.window_seconds - now.unix_timestamp()).max(1) as u64
    }

    /// The current window's item as read (absent: count 0).
    pub async fn current(&self, app: &App) -> AppResult<Option<Item>> {
        Ok(app
            .store
            .get(&self.pk, &table::rate_window_sk(self.window_start(app.now())))
            .await?)
    }

    /// When the store may delete the window starting at `start`: a day after it ends.
    fn window_expiry(&self, start: i64) -> i64 {
        start + self.window_seconds + table::KEPT_AFTER_USE.whole_seconds()
    }

    /// Counts one attempt in the current window, or refuses it (429, with when to retry)
    /// once `limit` are counted, in one atomic step of the store: concurrent attempts
    /// never pass the limit, and none is lost.
    pub async fn take(&self, app: &App, limit: u64) -> AppResult<TakenSlot<'_>> {
        let now = app.now();
        let window_start = self.window_start(now);
        let counted = app
            .store
            .add_to_counter(
                &self.pk,
                &table::rate_window_sk(window_start),
                1,
                Some(limit),
                self.window_expiry(window_start),
            )
            .await?;
        match counted {
            Some(_) => Ok(TakenSlot {
                counter: self,
                window_start,
            }),
            None => Err(AppError::RateLimited {
                retry_after_seconds: self.retry_after(now),
            }),
        }
    }

    /// The sum over the `windows` most recent windows, the current one included.
    pub async fn recent_sum(&self, app: &App, windows: i64) -> AppResult<u64> {
        let current = self.window_start(app.now());
        let oldest = current - (windows - 1) * self.window_seconds;
        let query = Query::table(
            self.pk.clone(),
            SkCondition::Between(table::rate_window_sk(oldest), table::rate_window_sk(current)),
        );
        let page = app.store.query(query).await?;
        page.items
            .iter()
            .map(|item| table::decode::<RateWindow>(item).map(|w| w.count))
            .sum()
    }

    /// Adds `by` to the current window as part of `tx` (conditioned on what was read).
    pub fn add(&self, tx: &mut Tx, now: OffsetDateTime, current: Option<&Item>, by: u64) -> AppResult<()> {
        let start = self.window_start(now);
        match current {
            Some(item) => {
                let count = table::decode::<RateWindow>(item)?.count + by;
                tx.put_next(self.window_item(start, item.version, count));
            }
            None => tx.put_new(self.window_item(start, 1, by)),
        }
        Ok(())
    }

    /// The window starting at `start` holding `count`, as an item at `version`. A window is
    /// read only while it lasts: the store may delete it a day after it ends.
    pub(crate) fn window_item(&self, start: i64, version: u64, count: u64) -> Item {
        let mut item = table::encode(self.pk.clone(), table::rate_window_sk(start), version, &RateWindow { count });
        item.expires_at = Some(self.window_expiry(start));
        item
    }
}

/// An attempt counted by `RateCounter::take`.
#[must_use = "an attempt that turns out not to count gives its slot back"]
pub struct TakenSlot<'a> {
    counter: &'a RateCounter,
    window_start: i64,
}

impl TakenSlot<'_> {
    /// Gives the slot back: the attempt turned out not to count (a right password, a
    /// join code that exists). A store error is logged, not answered: the attempt itself
    /// went through, and a slot not given back only counts one attempt too many until its
    /// window ends.
    pub async fn give_back(self, app: &App) {
        let counter = self.counter;
        let given = app
            .store
            .add_to_counter(
                &counter.pk,
                &table::rate_window_sk(self.window_start),
                -1,
                None,
                counter.window_expiry(self.window_start),
            )
            .await;
        if let Err(error) = given {
            tracing::warn!(%error, "a rate-limit slot was not given back; it lapses with its window");
        }
    }

    /// Keeps the slot: the attempt counts.
    pub fn keep(self) {}
}

/// Takes a slot in each counter (each with its limit), or in none: when one refuses, the
/// slots already taken are given back and the refusal is answered.
pub async fn take_all<'a>(app: &App, limits: &[(&'a RateCounter, u64)]) -> AppResult<Vec<TakenSlot<'a>>> {
    let mut slots = Vec::new();
    for (counter, limit) in limits {
        match counter.take(app, *limit).await {
            Ok(slot) => slots.push(slot),
            Err(refused) => {
                give_back_all(app, slots).await;
                return Err(refused);
            }
        }
    }
    Ok(slots)
}

/// Gives every slot back.
pub async fn give_back_all(app: &App, slots: Vec<TakenSlot<'_>>) {
    for slot in slots {
        slot.give_back(app).await;
    }
}

/// Free plans invite at most `AppConfig::free_import_daily_limit` people a day per admin and
/// per client IP, imported rows and single invitations counted together, in hourly windows
/// summed over the last 24 hours.
pub const FREE_INVITATION_WINDOW_SECONDS: i64 = 3600;
pub const FREE_INVITATION_WINDOWS_PER_DAY: i64 = 24;

/// The counters one free-plan invitation by `actor_id` from `ip` counts in.
pub fn free_invitation_counters(actor_id: &str, ip: Option<&str>) -> Vec<RateCounter> {
    let mut counters = vec![RateCounter::new("import_admin", actor_id, FREE_INVITATION_WINDOW_SECONDS)];
    counters.extend(ip.map(|ip| RateCounter::per_client("import_ip", ip, FREE_INVITATION_WINDOW_SECONDS)));
    counters
}

/// Counts one free-plan invitation in `tx` (version-checked against what was read), or
/// refuses it (429) when a counter has reached the day's limit.
pub async fn count_free_invitation(app: &App, counters: &[RateCounter], tx: &mut Tx) -> AppResult<()> {
    let now = app.now();
    for counter in counters {
        if counter.recent_sum(app, FREE_INVITATION_WINDOWS_PER_DAY).await? >= app.config.free_import_daily_limit {
            return Err(AppError::RateLimited {
                retry_after_seconds: counter.retry_after(now),
            });
        }
        counter.add(tx, now, counter.current(app).await?.as_ref(), 1)?;
    }
    Ok(())
}

/// What a client address counts as: an IPv6 address's /64 prefix, or the address itself.
pub fn client_subject(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
        },
        _ => ip.to_string(),
    }
}

#[cfg(test)]
mod client_tests {
    use super::client_subject;

    #[test]
    fn an_ipv6_client_counts_by_its_64() {
        assert_eq!(client_subject("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(client_subject("2001:db8:1:2:ffff:1:2:3"), "2001:db8:1:2::/64");
        assert_eq!(client_subject("198.51.100.7"), "198.51.100.7");
        assert_eq!(client_subject("::ffff:198.51.100.7"), "198.51.100.7");
        assert_eq!(client_subject("not an ip"), "not an ip");
    }
}
