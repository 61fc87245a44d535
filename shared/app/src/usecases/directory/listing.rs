//! Every user of the org, a page at a time: an unfiltered `GET /Users`, or a `/.search`
//! without a filter. Directories (Okta's import, Entra ID's first cycle) page through the
//! whole org by `startIndex`, so a page must not cost the org.
//!
//! A page without a mark reads every member once, to count them (`totalResults`) and find
//! its place, and starts a listing. Each page leaves a mark for the page after it — the
//! member it ended with, the last member the listing counted, the counts — kept ten minutes,
//! so the next page reads its own members and no others. A listing therefore reads the org
//! once, not once a page, and its pages list what its total counts: members made during it
//! wait for the next listing, members deleted during it are left out. A page asked out of
//! order, after its mark expired, or whose mark is an older listing's (a newer one has read
//! the org since), reads the org again.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use roster_domain::Member;

use crate::app::App;
use crate::error::AppResult;
use crate::ports::{Query, SkCondition};
use crate::table;
use crate::tx::Tx;

use super::held::{self, Held};
use super::{listed, resources_of, ListRequest, UsersPage};

/// How long a page's mark for the next page is kept.
const MARK_KEPT: time::Duration = time::Duration::minutes(10);

/// Where the next page of a listing starts: after the member `after` (its sort key).
#[derive(Debug, Serialize, Deserialize)]
struct ListingMark {
    /// The listing it belongs to; only the latest listing's marks are used (`ListingHead`).
    listing: String,
    after: String,
    /// The last member the listing counted: members made since wait for the next listing,
    /// so its pages list what its total counts.
    last: String,
    /// The members the listing lists, and its total (with the creations a freeze holds),
    /// as the page that read the org counted them.
    members: usize,
    total: usize,
    #[serde(with = "time::serde::rfc3339")]
    until: OffsetDateTime,
}

/// The latest listing to read the org: a mark of any other is not used.
#[derive(Debug, Serialize, Deserialize)]
struct ListingHead {
    listing: String,
}

/// What a listing counted when its first page read the org.
struct Snapshot {
    listing: String,
    last: Option<String>,
    members: usize,
    total: usize,
    /// Read by this page: its head is written with the page's mark.
    new: bool,
}

/// One page of every user the org has (as what a freeze holds will leave them: deleted
/// ones gone, `active` as held), in id order, then the creations a freeze holds.
pub(super) async fn all_users_page(app: &App, org_id: &str, request: &ListRequest) -> AppResult<UsersPage> {
    let (start, count) = request.window();
    let holds = held::held_changes(app, org_id).await?;
    let creations = held::creations(&holds);
    let mark = match start {
        1 => None,
        _ => read_mark(app, org_id, start).await?,
    };
    let (page, snapshot) = match mark {
        Some(mark) => (
            members_between(app, org_id, &holds, &mark.after, &mark.last, count).await?,
            Snapshot {
                listing: mark.listing,
                last: Some(mark.last),
                members: mark.members,
                total: mark.total,
                new: false,
            },
        ),
        None => {
            let items = app
                .query_all(Query::table(
                    table::org_pk(org_id),
                    SkCondition::BeginsWith(table::MEMBER_PREFIX.into()),
                ))
                .await?;
            let all = listed_of(&items, &holds)?;
            let snapshot = Snapshot {
                listing: crate::secrets::new_id(app.now()),
                last: items.last().map(|item| item.sk.clone()),
                members: all.len(),
                total: all.len() + creations.len(),
                new: true,
            };
            (all.into_iter().skip(start - 1).take(count).collect(), snapshot)
        }
    };
    let ended_with = page.last().map(|(member, _): &(Member, Option<bool>)| table::member_sk(&member.id));
    let mut resources = resources_of(app, org_id, page).await?;
    let room = count - resources.len();
    let skipped_creations = (start - 1).saturating_sub(snapshot.members);
    for (id, user, received_at) in creations.iter().skip(skipped_creations).take(room) {
        resources.push(held::held_resource(app, id, user, *received_at).body);
    }
    let next = start + resources.len();
    let more = resources.len() == count && next <= snapshot.total;
    let after = ended_with.filter(|_| more);
    keep_marks(app, org_id, &snapshot, after.map(|after| (next, after))).await;
    Ok(UsersPage {
        resources,
        total: snapshot.total,
    })
}

/// Writes the listing's head when this page read the org (older listings' marks are then
/// not used), and the mark for the page at `next` when the page ended with a member. The
/// marks only save reads: when they cannot be written the page is still answered.
async fn keep_marks(app: &App, org_id: &str, snapshot: &Snapshot, next: Option<(usize, String)>) {
    let until = app.now() + MARK_KEPT;
    let mut tx = Tx::new();
    if snapshot.new {
        let head = ListingHead {
            listing: snapshot.listing.clone(),
        };
        tx.put_unchecked(table::encode(table::org_pk(org_id), table::LISTING_HEAD_SK.into(), 1, &head).expiring_at(until));
    }
    if let (Some((next, after)), Some(last)) = (next, &snapshot.last) {
        let mark = ListingMark {
            listing: snapshot.listing.clone(),
            after,
            last: last.clone(),
            members: snapshot.members,
            total: snapshot.total,
            until,
        };
        tx.put_unchecked(table::encode(table::org_pk(org_id), table::listing_mark_sk(next), 1, &mark).expiring_at(until));
    }
    if tx.is_empty() {
        return;
    }
    if let Err(error) = tx.commit(app).await {
        tracing::warn!(%error, "a listing's mark was not kept; its next page reads the org");
    }
}

/// The mark for the page at `start`, if it is the latest listing's and has not expired.
async fn read_mark(app: &App, org_id: &str, start: usize) -> AppResult<Option<ListingMark>> {
    let pk = table::org_pk(org_id);
    let items = app
        .store
        .batch_get(vec![
            (pk.clone(), table::listing_mark_sk(start)),
            (pk, table::LISTING_HEAD_SK.into()),
        ])
        .await?;
    let (Some(mark), Some(head)) = (
        items.iter().find(|item| item.sk != table::LISTING_HEAD_SK),
        items.iter().find(|item| item.sk == table::LISTING_HEAD_SK),
    ) else {
        return Ok(None);
    };
    let mark: ListingMark = table::decode(mark)?;
    let head: ListingHead = table::decode(head)?;
    Ok((mark.listing == head.listing && mark.until > app.now()).then_some(mark))
}

/// Up to `count` listed members after the member whose sort key is `after`, up to `last`.
async fn members_between(
    app: &App,
    org_id: &str,
    holds: &[Held],
    after: &str,
    last: &str,
    count: usize,
) -> AppResult<Vec<(Member, Option<bool>)>> {
    // From `after` itself (the bounds are inclusive), which is then left out.
    let query = Query::table(table::org_pk(org_id), SkCondition::Between(after.to_string(), last.to_string()));
    let mut found = Vec::with_capacity(count);
    let mut cursor = None;
    while found.len() < count {
        let page = app.store.query(query.clone().limit(count - found.len() + 1).after(cursor)).await?;
        let items: Vec<_> = page.items.into_iter().filter(|item| item.sk != after).collect();
        found.extend(listed_of(&items, holds)?);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
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
