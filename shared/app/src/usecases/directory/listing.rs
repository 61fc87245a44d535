//! Every user of the org, a page at a time: an unfiltered `GET /Users`, or a `/.search`
//! without a filter. Directories (Okta's import, Entra ID's first cycle) page through the
//! whole org by `startIndex`, so a page must not cost the org.
//!
//! A page without a mark reads every member once, to count them (`totalResults`) and find
//! its place. Each page leaves a mark for the page after it — the member it ended with and
//! the counts — kept a few minutes, so the next page reads its own members and no others.
//! A listing therefore reads the org once, not once a page. Members added during a listing
//! show on its later pages (ids grow with time) without changing its total; a page asked
//! out of order, or after its mark expired, reads the org again.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use roster_domain::Member;

use crate::app::App;
use crate::error::AppResult;
use crate::ports::{Query, SkCondition};
use crate::table;
use crate::tx::Tx;

use super::held::{self, Held};
use super::{listed, resources_of, ListRequest, UsersPage, DEFAULT_PAGE, MAX_PAGE};

/// How long a page's mark for the next page is kept.
const MARK_KEPT: time::Duration = time::Duration::minutes(10);

/// Where a listing's page starts: after the member `after` (its sort key).
#[derive(Debug, Serialize, Deserialize)]
struct ListingMark {
    after: String,
    /// The members the listing lists, and its total (with the creations a freeze holds),
    /// as the page that read the org counted them.
    members: usize,
    total: usize,
    #[serde(with = "time::serde::rfc3339")]
    until: OffsetDateTime,
}

/// One page of every user the org has (as what a freeze holds will leave them: deleted
/// ones gone, `active` as held), in id order, then the creations a freeze holds.
pub(super) async fn all_users_page(app: &App, org_id: &str, request: &ListRequest) -> AppResult<UsersPage> {
    let start = request.start_index.unwrap_or(1).max(1);
    let count = request.count.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE);
    let holds = held::held_changes(app, org_id).await?;
    let creations = held::creations(&holds);
    let mark = match start {
        1 => None,
        _ => read_mark(app, org_id, start).await?,
    };
    let (page, members, total) = match mark {
        Some(mark) => (
            members_after(app, org_id, &holds, &mark.after, count).await?,
            mark.members,
            mark.total,
        ),
        None => {
            let items = app
                .query_all(Query::table(
                    table::org_pk(org_id),
                    SkCondition::BeginsWith(table::MEMBER_PREFIX.into()),
                ))
                .await?;
            let all = listed_of(&items, &holds)?;
            let members = all.len();
            let page = all.into_iter().skip(start - 1).take(count).collect();
            (page, members, members + creations.len())
        }
    };
    let ended_with = page.last().map(|(member, _): &(Member, Option<bool>)| table::member_sk(&member.id));
    let mut resources = resources_of(app, org_id, page).await?;
    let room = count - resources.len();
    let skipped_creations = (start - 1).saturating_sub(members);
    for (id, user, received_at) in creations.iter().skip(skipped_creations).take(room) {
        resources.push(held::held_resource(app, id, user, *received_at).body);
    }
    let next = start + resources.len();
    if let Some(after) = ended_with.filter(|_| resources.len() == count && next <= total) {
        let mark = ListingMark {
            after,
            members,
            total,
            until: app.now() + MARK_KEPT,
        };
        let mut tx = Tx::new();
        tx.put_unchecked(
            table::encode(table::org_pk(org_id), table::listing_mark_sk(next), 1, &mark).expiring_at(mark.until + table::KEPT_AFTER_USE),
        );
        tx.commit(app).await?;
    }
    Ok(UsersPage { resources, total })
}

async fn read_mark(app: &App, org_id: &str, start: usize) -> AppResult<Option<ListingMark>> {
    let Some(item) = app.store.get(&table::org_pk(org_id), &table::listing_mark_sk(start)).await? else {
        return Ok(None);
    };
    let mark: ListingMark = table::decode(&item)?;
    Ok((mark.until > app.now()).then_some(mark))
}

/// Up to `count` listed members after the member whose sort key is `after`.
async fn members_after(app: &App, org_id: &str, holds: &[Held], after: &str, count: usize) -> AppResult<Vec<(Member, Option<bool>)>> {
    // From `after` itself (the bounds are inclusive), which is then left out.
    let query = Query::table(
        table::org_pk(org_id),
        SkCondition::Between(after.to_string(), format!("{}\u{10FFFF}", table::MEMBER_PREFIX)),
    )
    .limit(count + 1);
    let mut found = Vec::with_capacity(count);
    let mut cursor = None;
    loop {
        let page = app.store.query(query.clone().after(cursor)).await?;
        let items: Vec<_> = page.items.into_iter().filter(|item| item.sk != after).collect();
        found.extend(listed_of(&items, holds)?);
        match page.next_cursor {
            Some(next) if found.len() < count => cursor = Some(next),
            _ => break,
        }
    }
    found.truncate(count);
    Ok(found)
}

/// The members of these items a listing shows: not deleted by the directory, nor by a
/// change a freeze holds.
fn listed_of(items: &[crate::ports::Item], holds: &[Held]) -> AppResult<Vec<(Member, Option<bool>)>> {
    let members = items
        .iter()
        .map(table::decode_member)
        .collect::<AppResult<Vec<_>>>()?
        .into_iter()
        .filter(|m| !m.deleted_by_directory())
        .collect();
    Ok(listed(members, holds))
}
