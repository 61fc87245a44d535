//! The AWS adapters against moto's server mode: the conformance suite, SES sending, and
//! configuration. (The behaviour tests run on these adapters too: see `on_every_backend!`.)

use std::sync::Arc;
use std::time::Duration;

use roster_app::ports::{MailError, Mailer, OutgoingEmail};
use roster_app::{KeyMaterial, SigningKeys};
use roster_tests::conformance::{queue_conformance, store_conformance};
use roster_tests::{create_secret, moto_endpoint, moto_resources, test_key_material};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_store_conforms() {
    let (sdk, config) = moto_resources().await;
    let store = roster_aws::DynamoStore::new(roster_aws::dynamo_client::Client::new(&sdk), &config.table_name);
    store_conformance(Arc::new(store), "dynamo").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_queue_conforms_and_redrives_to_the_dlq() {
    let (sdk, config) = moto_resources().await;
    let names = roster_aws::AwsConfig { ..config.clone() };
    // Queues of their own with a 1-second visibility timeout and 3 receives before the DLQ.
    let mut own = names;
    for (queue, suffix) in [
        (&mut own.email_queue, "email"),
        (&mut own.email_dlq, "email-dlq"),
        (&mut own.import_queue, "import"),
        (&mut own.import_dlq, "import-dlq"),
        (&mut own.expiry_queue, "expiry"),
        (&mut own.expiry_dlq, "expiry-dlq"),
    ] {
        *queue = roster_aws::config::QueueRef::Name(format!("{}-slow-{suffix}", config.table_name));
    }
    roster_aws::resources::create_queues_with(&sdk, &own, 1, 3).await.unwrap();
    let urls = roster_aws::config::resolve_queue_urls(&aws_sdk_sqs::Client::new(&sdk), &own)
        .await
        .unwrap();
    let queue = roster_aws::SqsQueue::new(aws_sdk_sqs::Client::new(&sdk), urls, 0);
    queue_conformance(Arc::new(queue), Duration::from_millis(1100), 3).await;
}

fn email(from: &str, to: &str) -> OutgoingEmail {
    OutgoingEmail {
        id: "x-invitation-1".into(),
        from: from.into(),
        to: to.into(),
        subject: "Your invitation".into(),
        text_body: "Accept:\nhttp://roster.test/invite/abc\n".into(),
        html_body: "<a href=\"http://roster.test/invite/abc\">Accept</a>\n".into(),
    }
}

#[tokio::test]
async fn ses_sends_from_a_verified_identity_and_refuses_others() {
    let (sdk, config) = moto_resources().await;
    let mailer = roster_aws::SesMailer::new(roster_aws::ses_client::Client::new(&sdk), config.configuration_set.clone());
    let to = format!("{}@example.test", roster_tests::unique_name("to"));
    let id = mailer.send(&email(&config.mail_from, &to)).await.unwrap();
    assert!(!id.is_empty());
    let sent: serde_json::Value = reqwest::get(format!("{}/moto-api/data.json", moto_endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Sent as the MIME message the outbox writes too: a text and an HTML part.
    let message = sent["ses"]["RawMessage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["destinations"][0] == to.as_str())
        .expect("the email reached SES")
        .clone();
    let raw = message["raw_data"].as_str().unwrap();
    assert!(raw.contains("Subject: Your invitation\r\n"), "{raw}");
    assert!(raw.contains("Content-Type: multipart/alternative;"), "{raw}");
    assert!(raw.contains("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nAccept:\r\nhttp://roster.test/invite/abc\r\n"), "{raw}");
    assert!(
        raw.contains(
            "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<a href=\"http://roster.test/invite/abc\">"
        ),
        "{raw}"
    );
    let refused = mailer.send(&email("someone@unverified.test", &to)).await;
    assert!(matches!(refused, Err(MailError::Rejected(_))), "{refused:?}");
}

#[test]
fn configuration_comes_from_the_environment_and_missing_settings_are_named() {
    // Only this test touches these variables.
    std::env::remove_var("ROSTER_MAIL_FROM");
    assert_eq!(
        roster_aws::AwsConfig::from_env().unwrap_err().to_string(),
        "ROSTER_MAIL_FROM must be set"
    );
}

#[tokio::test]
async fn token_keys_are_read_from_the_named_secret() {
    let (sdk, mut config) = moto_resources().await;
    let material = KeyMaterial::generate();
    config.keys_secret_id = Some(create_secret(&sdk, &material.to_json()).await);
    let app = roster_aws::build_app(&config, None, None, 0, None).await.unwrap();
    let expected = SigningKeys::new(&material, &config.public_url, "roster-api").unwrap();
    assert_eq!(app.keys.jwks(), expected.jwks());
    assert_ne!(
        app.keys.jwks(),
        SigningKeys::new(&test_key_material(), &config.public_url, "roster-api")
            .unwrap()
            .jwks()
    );

    let error =
        |config: roster_aws::AwsConfig| async move { roster_aws::build_app(&config, None, None, 0, None).await.err().unwrap().to_string() };
    let missing = roster_aws::AwsConfig {
        keys_secret_id: Some("no-such-secret".into()),
        ..config.clone()
    };
    assert!(error(missing)
        .await
        .starts_with("ROSTER_KEYS_SECRET_ID is not valid: no-such-secret: "));
    let not_keys = roster_aws::AwsConfig {
        keys_secret_id: Some(create_secret(&sdk, r#"{"signing_key_pkcs8": "not base64!"}"#).await),
        ..config.clone()
    };
    assert!(
        error(not_keys).await.ends_with("'signing_key_pkcs8' is missing or not base64url"),
        "names the bad field"
    );
    let unnamed = roster_aws::AwsConfig {
        keys_secret_id: None,
        ..config.clone()
    };
    assert_eq!(error(unnamed).await, "ROSTER_KEYS_SECRET_ID or ROSTER_PUBLIC_KEY must be set");
    // A function without the secret holds the public key only: it checks tokens and
    // publishes the key set, and signing or deriving a secret is refused.
    let full = SigningKeys::new(&test_key_material(), &config.public_url, "roster-api").unwrap();
    let public_only = roster_aws::AwsConfig {
        keys_secret_id: None,
        public_key: Some(full.public_key_text()),
        ..config
    };
    let verifier = roster_aws::build_app(&public_only, None, None, 0, None).await.unwrap();
    assert_eq!(verifier.keys.jwks(), full.jwks());
    let claims = claims_of(&full);
    assert_eq!(verifier.keys.verify(&full.sign(&claims).await.unwrap(), 1).unwrap(), claims);
    assert_eq!(verifier.keys.sign(&claims).await, Err(roster_app::signing_keys::KeyError::NotHeld));
    assert!(verifier.keys.derive_secret("invitation", "m1:1").await.is_err());
}

/// An access token's claims as `keys` would issue them, for member m1 of org o1.
fn claims_of(keys: &SigningKeys) -> roster_app::AccessClaims {
    roster_app::AccessClaims {
        iss: keys.issuer().into(),
        aud: keys.audience().into(),
        sub: "m1".into(),
        org: "o1".into(),
        iat: 0,
        exp: i64::MAX,
        pwd_change: false,
        cv: 0,
    }
}

/// As on Lambda, a function that signs is given the public key and the secret: it starts
/// without reading the secret (so a missing one does not stop it, and it checks tokens),
/// reads it in the background, and signs with it.
#[tokio::test]
async fn a_function_given_the_public_key_reads_the_secret_after_start() {
    let (sdk, mut config) = moto_resources().await;
    let material = KeyMaterial::generate();
    let full = SigningKeys::new(&material, &config.public_url, "roster-api").unwrap();
    config.public_key = Some(full.public_key_text());
    let claims = claims_of(&full);

    /// A Lambda that signs tokens (as `roster_lambda` derives it from `login`'s facts).
    struct SigningLambda;
    impl roster_aws::Adapters for SigningLambda {
        const KEYS_SECRET: bool = true;
        const SIGNS_TOKENS: bool = true;
        const KEYS_IN_BACKGROUND: bool = true;
    }
    let build =
        |config: roster_aws::AwsConfig| async move { roster_aws::build_app_with::<SigningLambda>(&config, None, None, 0, None).await };

    let missing = roster_aws::AwsConfig {
        keys_secret_id: Some("no-such-secret".into()),
        ..config.clone()
    };
    let app = build(missing.clone()).await.unwrap();
    assert_eq!(app.keys.verify(&full.sign(&claims).await.unwrap(), 1).unwrap(), claims);
    let error = app.keys.sign(&claims).await.unwrap_err();
    assert!(
        matches!(&error, roster_app::KeyError::InvalidMaterial(m) if m.contains("no-such-secret")),
        "{error}"
    );
    // roster-local (every adapter) given the same reads the secret at start, and stops.
    assert!(roster_aws::build_app(&missing, None, None, 0, None).await.is_err());

    config.keys_secret_id = Some(create_secret(&sdk, &material.to_json()).await);
    let app = build(config.clone()).await.unwrap();
    let token = app.keys.sign(&claims).await.unwrap();
    assert_eq!(full.verify(&token, 1).unwrap(), claims);
    assert_eq!(
        app.keys.derive_secret("invitation", "m1:1").await,
        full.derive_secret("invitation", "m1:1").await
    );
}

/// `roster-local table upgrade` (roster_aws::layout): a table at layout 2 — members in the
/// email index (GSI2), each with its email guard, one from before the account directory —
/// gets every member's directory entry before the deploy, and loses its guards and GSI2
/// keys after it (`--finish`), and (layout 4) a pending invitation made without a lookup gets
/// the one a link that is the secret alone needs; run again, it changes nothing. An email
/// with two accounts in an org is reported, and then nothing is removed. Layout 7: before the
/// deploy every member gets its name index keys, after it (`--finish`) again those the
/// version before rewrote meanwhile, and every search entry goes.
#[tokio::test]
async fn a_table_at_layout_2_is_upgraded_before_and_after_the_deploy() {
    use roster_app::ports::{Condition, Item, Store, Write};
    use roster_app::table;
    use roster_app::usecases::membership::{new_member, NewAccount};
    use roster_aws::layout::{upgrade, Upgraded};
    use roster_domain::{Email, Kind, MembershipStatus, Role};

    let (sdk, config) = moto_resources().await;
    let client = roster_aws::dynamo_client::Client::new(&sdk);
    let store = roster_aws::DynamoStore::new(client.clone(), &config.table_name);
    let org_id = roster_app::secrets::new_id(time::OffsetDateTime::now_utc());
    let member = |email: &str| {
        let account = NewAccount {
            email: Email::parse(email).unwrap(),
            role: Role::Member,
            kind: Kind::Shell,
            status: MembershipStatus::Licensed,
            department_id: None,
            first_name: "Ann".into(),
            last_name: "Lee".into(),
            phone: String::new(),
            position: None,
        };
        new_member(&org_id, account, time::OffsetDateTime::now_utc())
    };
    let (old, new) = (member("old@layout.test"), member("new@layout.test"));
    // Invited by this version while the version before still sent emails: no lookup item,
    // and its email may carry the secret alone.
    let invited = roster_domain::Member {
        status: MembershipStatus::Invited,
        invitation: Some(roster_domain::PendingInvitation {
            token_hash: roster_app::secrets::sha256_hex("the secret alone"),
            expires_at: time::OffsetDateTime::now_utc() + time::Duration::days(7),
            version: 1,
            needs_approval: false,
            invited_by: None,
        }),
        ..member("invited@layout.test")
    };
    let put = |item: Item| Write::Put {
        item,
        condition: Condition::NotExists,
    };
    let guard = |m: &roster_domain::Member| {
        put(table::encode(
            table::org_pk(&org_id),
            format!("EMAIL#{}", m.email),
            1,
            &roster_app::records::MemberPointer { member_id: m.id.clone() },
        ))
    };
    store
        .transact(vec![
            put(table::member_item(&old)),
            guard(&old),
            put(table::member_item(&new)),
            guard(&new),
            put(table::directory_entry(&new)),
            put(table::member_item(&invited)),
            put(table::directory_entry(&invited)),
        ])
        .await
        .unwrap();
    // Each member's search entries as versions before layout 7 wrote them: its names' and
    // its email's (before layout 5).
    let search_partition = |tab: roster_domain::Tab| format!("{}{}{}", table::org_pk(&org_id), table::SEARCH_PARTITION_MARK, tab.as_str());
    let mut search_entries = Vec::new();
    for m in [&old, &new, &invited] {
        for term in ["ann lee", "lee ann", m.email.as_str()] {
            let sk = format!("{term}\u{1}{}", m.id);
            search_entries.push(put(Item::new(search_partition(m.status.tab()), sk, 1, serde_json::Value::Null)));
        }
    }
    // And one of a member since removed.
    search_entries.push(put(Item::new(
        search_partition(roster_domain::Tab::Licensed),
        format!("gone member\u{1}{}", roster_app::secrets::new_id(time::OffsetDateTime::now_utc())),
        1,
        serde_json::Value::Null,
    )));
    store.transact(search_entries).await.unwrap();
    let stored_search_entries = || {
        let store = store.clone();
        let org_id = org_id.clone();
        async move {
            let mut found = std::collections::BTreeSet::new();
            for tab in [roster_domain::Tab::Licensed, roster_domain::Tab::Unlicensed] {
                let partition = format!("{}{}{}", table::org_pk(&org_id), table::SEARCH_PARTITION_MARK, tab.as_str());
                let query = roster_app::ports::Query::table(partition.clone(), roster_app::ports::SkCondition::Any);
                let page = store.query(query).await.unwrap();
                found.extend(page.items.into_iter().map(|e| (partition.clone(), e.sk)));
            }
            found
        }
    };
    assert_eq!(stored_search_entries().await.len(), 10);
    let attribute = |v: &str| roster_aws::dynamo_client::types::AttributeValue::S(v.to_string());
    let member_key = |m: &roster_domain::Member| {
        client
            .update_item()
            .table_name(&config.table_name)
            .key("PK", attribute(&table::org_pk(&org_id)))
            .key("SK", attribute(&table::member_sk(&m.id)))
    };
    // Written by the version before layout 7: no name keys.
    for m in [&old, &new, &invited] {
        member_key(m).update_expression("REMOVE GSI4SK, GSI5SK").send().await.unwrap();
    }
    for m in [&old, &new] {
        member_key(m)
            .update_expression("SET GSI2PK = :p, GSI2SK = :s")
            .expression_attribute_values(":p", attribute(&format!("EMAIL#{}", m.email)))
            .expression_attribute_values(":s", attribute(&table::org_pk(&org_id)))
            .send()
            .await
            .unwrap();
    }

    let before_deploy = upgrade(&client, &config.table_name, false).await.unwrap();
    assert_eq!(
        before_deploy,
        Upgraded {
            members: 3,
            directory_entries_written: 1,
            name_keys_written: 3,
            ..Upgraded::default()
        }
    );
    let guards = |store: &roster_aws::DynamoStore| {
        let store = store.clone();
        let (org_id, emails) = (org_id.clone(), [old.email.clone(), new.email.clone()]);
        async move {
            let mut found = 0;
            for email in emails {
                found += store
                    .get(&table::org_pk(&org_id), &format!("EMAIL#{email}"))
                    .await
                    .unwrap()
                    .is_some() as usize;
            }
            found
        }
    };
    assert_eq!(guards(&store).await, 2, "the version before still reads its guards");
    let raw_member = |m: &roster_domain::Member| {
        let request = client
            .get_item()
            .table_name(&config.table_name)
            .key("PK", attribute(&table::org_pk(&org_id)))
            .key("SK", attribute(&table::member_sk(&m.id)));
        async move { request.send().await.unwrap().item.unwrap() }
    };
    for m in [&old, &new] {
        assert!(raw_member(m).await.contains_key("GSI2PK"), "and its email index");
    }

    // An email with two accounts (as a deploy before the entries were written could leave).
    let twin = roster_domain::Member {
        id: roster_app::secrets::new_id(time::OffsetDateTime::now_utc()),
        ..old.clone()
    };
    store.transact(vec![put(table::member_item(&twin))]).await.unwrap();
    let refused = upgrade(&client, &config.table_name, true).await.unwrap();
    assert_eq!(refused.conflicts, [(org_id.clone(), old.email.to_string(), twin.id.clone())]);
    assert_eq!(
        (refused.email_index_keys_removed, refused.email_guards_deleted),
        (0, 0),
        "nothing removed"
    );
    assert_eq!(guards(&store).await, 2, "the guards are there");
    for m in [&old, &new] {
        assert!(raw_member(m).await.contains_key("GSI2PK"), "and the email index keys");
    }
    store
        .transact(vec![Write::Delete {
            pk: table::org_pk(&org_id),
            sk: table::member_sk(&twin.id),
            condition: Condition::None,
        }])
        .await
        .unwrap();

    // The version before, still serving, rewrites a member whole: without its name keys.
    member_key(&old).update_expression("REMOVE GSI4SK, GSI5SK").send().await.unwrap();
    let finished = upgrade(&client, &config.table_name, true).await.unwrap();
    assert_eq!(
        finished,
        Upgraded {
            members: 3,
            directory_entries_written: 0,
            email_index_keys_removed: 2,
            email_guards_deleted: 2,
            invitation_lookups_written: 1,
            name_keys_written: 1,
            search_entries_deleted: 10,
            conflicts: Vec::new(),
        }
    );
    assert!(stored_search_entries().await.is_empty(), "every search entry is gone");
    for (index, term) in [
        (roster_app::ports::IndexName::Gsi4, "ann lee"),
        (roster_app::ports::IndexName::Gsi5, "lee ann"),
    ] {
        let mut found: Vec<_> = Vec::new();
        for tab in [roster_domain::Tab::Licensed, roster_domain::Tab::Unlicensed] {
            let query = roster_app::ports::Query::index(
                index,
                table::tab_partition(&org_id, tab),
                roster_app::ports::SkCondition::BeginsWith(term.into()),
            );
            found.extend(store.query(query).await.unwrap().items.into_iter().map(|item| item.sk));
        }
        found.sort();
        let mut expected: Vec<_> = [&old, &new, &invited].iter().map(|m| table::member_sk(&m.id)).collect();
        expected.sort();
        assert_eq!(found, expected, "{}: every member by its names", index.as_str());
    }
    let lookup = store
        .get(
            &table::invitation_pk(&invited.invitation.as_ref().unwrap().token_hash),
            table::INVITE_SK,
        )
        .await
        .unwrap()
        .expect("the invitation's lookup");
    let lookup: roster_app::records::InvitationLookup = table::decode(&lookup).unwrap();
    assert_eq!((lookup.member_id.as_str(), lookup.revoked), (invited.id.as_str(), false));
    assert_eq!(guards(&store).await, 0);
    for m in [&old, &new] {
        let entry = store
            .get(&table::directory_pk(&m.email), &table::directory_sk(&org_id))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{} has its directory entry", m.email));
        let entry: roster_app::records::DirectoryEntry = table::decode(&entry).unwrap();
        assert_eq!(entry.member_id, m.id);
        let raw = raw_member(m).await;
        assert!(!raw.contains_key("GSI2PK") && !raw.contains_key("GSI2SK"), "{raw:?}");
        assert_eq!(
            raw["version"],
            roster_aws::dynamo_client::types::AttributeValue::N("1".into()),
            "the member is as it was"
        );
    }
    let again = upgrade(&client, &config.table_name, true).await.unwrap();
    assert_eq!(
        again,
        Upgraded {
            members: 3,
            ..Upgraded::default()
        }
    );
}
