//! `roster-local`: the whole of Roster in one process on the embedded adapters.
//!
//! `roster-local keys rotate` rotates the token signing keys in the data directory (see
//! the README's "Rotating the signing keys"); `roster-local keys rotate --stdin` reads the
//! key material (a keys secret's value) on standard input and writes it rotated to
//! standard output; `roster-local keys public --stdin` writes its public keys, the value
//! of the stack's `PublicKey` parameter. `roster-local table upgrade` (before a deploy) and
//! `roster-local table upgrade --finish` (after it) bring the DynamoDB table the environment
//! names (`ROSTER_TABLE_NAME`, with AWS's usual settings) to the layout this version writes
//! (README, "Upgrading a stack"); an embedded database is upgraded when the server opens it.
//! It exits with 3 when an email has two accounts in an org (listed on standard error).

use std::io::Read;

use roster_app::{KeyMaterial, SigningKeys};

/// mimalloc instead of glibc's allocator: a request allocates and frees many small strings
/// (each stored item's text, each field decoded, each answer written) from two worker
/// threads and the blocking ones, where glibc's arenas measured a sixth of a member list's
/// time under load (BENCHMARKS.md, "Load").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs a `keys …` command.
fn keys_command(args: &[String], data_dir: &std::path::Path) -> Result<(), String> {
    let stdin_material = || -> Result<KeyMaterial, String> {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| e.to_string())?;
        KeyMaterial::from_json(&text).map_err(|e| e.to_string())
    };
    let public_keys = |material: &KeyMaterial| -> Result<String, String> {
        Ok(SigningKeys::new(material, "", "").map_err(|e| e.to_string())?.public_key_text())
    };
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["rotate"] => {
            let rotated = roster_embedded::key_files::rotate_key_material(data_dir).map_err(|e| e.to_string())?;
            eprintln!(
                "roster-local: signing keys rotated in {}: the next start signs with the next key; tokens signed before keep working until they expire",
                data_dir.display()
            );
            println!("{}", public_keys(&rotated)?);
            Ok(())
        }
        ["rotate", "--stdin"] => {
            println!("{}", stdin_material()?.rotated().map_err(|e| e.to_string())?.to_json());
            Ok(())
        }
        ["public", "--stdin"] => {
            println!("{}", public_keys(&stdin_material()?)?);
            Ok(())
        }
        _ => Err("usage: roster-local keys rotate [--stdin] | roster-local keys public --stdin".into()),
    }
}

/// Runs a `table …` command.
async fn table_command(args: &[String]) -> Result<(), String> {
    let finish = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["upgrade"] => false,
        ["upgrade", "--finish"] => true,
        _ => return Err("usage: roster-local table upgrade [--finish]".into()),
    };
    let table = std::env::var("ROSTER_TABLE_NAME")
        .ok()
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| "ROSTER_TABLE_NAME names no table".to_string())?;
    let sdk = roster_aws::config::sdk_config().await;
    let client = roster_aws::dynamo_client::Client::new(&sdk);
    let upgraded = roster_aws::layout::upgrade(&client, &table, finish).await?;
    println!(
        "roster-local: table {table}: {} members read, {} directory entries written, {} email index keys removed, {} email guards deleted, {} invitation lookups written, {} members given their name index keys, {} search entries deleted",
        upgraded.members,
        upgraded.directory_entries_written,
        upgraded.email_index_keys_removed,
        upgraded.email_guards_deleted,
        upgraded.invitation_lookups_written,
        upgraded.name_keys_written,
        upgraded.search_entries_deleted
    );
    if upgraded.conflicts.is_empty() {
        return Ok(());
    }
    for (org_id, email, member_id) in &upgraded.conflicts {
        eprintln!("roster-local: org {org_id}: {email} has two accounts; member {member_id} is not the one its directory entry names");
    }
    eprintln!(
        "roster-local: {} members share their email with another account in their org: remove the extra accounts, then run this again right away{}",
        upgraded.conflicts.len(),
        if finish { " (nothing was removed)" } else { "" }
    );
    std::process::exit(3);
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Reads only its own settings: the server's need not be there.
    if args.first().map(String::as_str) == Some("table") {
        if let Err(error) = table_command(&args[1..]).await {
            eprintln!("roster-local: {error}");
            std::process::exit(2);
        }
        return;
    }
    let config = match roster_local::LocalConfig::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("roster-local: {error}");
            std::process::exit(2);
        }
    };
    if args.first().map(String::as_str) == Some("keys") {
        if let Err(error) = keys_command(&args[1..], &config.data_dir) {
            eprintln!("roster-local: {error}");
            std::process::exit(2);
        }
        return;
    }
    if let Err(error) = roster_local::run(config).await {
        eprintln!("roster-local: {error}");
        std::process::exit(1);
    }
}
