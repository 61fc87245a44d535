//! The deployment matches the code: one function folder and one template route per entry of
//! the route table, the workers, and the template's build metadata. (cfn-lint checks the
//! template itself in the test command.)

use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn folders(dir: &str) -> BTreeSet<String> {
    std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn the_templates_routes_are_exactly_the_route_table() {
    let template = std::fs::read_to_string(root().join("infra/template.yaml")).unwrap();
    let lines: Vec<&str> = template.lines().map(str::trim).collect();
    let mut in_template = BTreeSet::new();
    for pair in lines.windows(2) {
        if let (Some(method), Some(path)) = (pair[0].strip_prefix("Method: "), pair[1].strip_prefix("Path: ")) {
            in_template.insert((method.to_string(), path.to_string()));
        }
    }
    let routed: BTreeSet<(String, String)> = roster_http::ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(in_template, routed);
    let binaries: BTreeSet<String> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("Binary: "))
        .map(str::to_string)
        .collect();
    let expected: BTreeSet<String> = roster_http::ROUTES
        .iter()
        .map(|r| r.name.to_string())
        .chain(folders("workers"))
        .collect();
    assert_eq!(binaries, expected, "every function built with cargo-lambda from its own binary");
    assert_eq!(
        lines.iter().filter(|l| **l == "BuildMethod: rust-cargolambda").count(),
        expected.len()
    );
}

#[test]
fn there_is_one_function_crate_per_endpoint() {
    let routes: BTreeSet<String> = roster_http::ROUTES.iter().map(|r| r.name.to_string()).collect();
    assert_eq!(folders("functions"), routes);
    let workers: BTreeSet<String> = [
        "delivery-repair",
        "email-sender",
        "expiry-scheduler",
        "expiry-worker",
        "import-processor",
    ]
    .map(String::from)
    .into();
    assert_eq!(folders("workers"), workers);
}
