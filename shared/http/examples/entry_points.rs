//! Prints every function's facts as JSON — the routes (`ROUTES`) and the workers
//! (`roster_app::functions::WORKERS`) — for `scripts/gen_entry_points.py`, which writes the
//! functions' crates and the SAM template from them.

fn main() {
    let facts = serde_json::json!({
        "routes": roster_http::ROUTES,
        "workers": roster_app::functions::WORKERS,
    });
    println!("{}", serde_json::to_string_pretty(&facts).expect("facts serialize"));
}
