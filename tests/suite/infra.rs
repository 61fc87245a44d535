//! The deployment matches the code: one function folder and one template route per entry of
//! the route table, the workers, and the template's build metadata; the pages and the API on
//! one CloudFront origin, as roster-local serves them, with no CORS. (cfn-lint checks the
//! template itself in the test command.)

use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn template() -> String {
    std::fs::read_to_string(root().join("infra/template.yaml")).unwrap()
}

/// The lines of the template's resource `name` (trimmed; its own `name:` line excluded).
fn resource<'a>(template: &'a str, name: &str) -> Vec<&'a str> {
    let header = format!("  {name}:");
    let mut lines = template.lines().skip_while(|l| *l != header);
    assert!(lines.next().is_some(), "the template has no resource {name}");
    lines
        .take_while(|l| l.is_empty() || l.starts_with("   "))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The value of the first `key: value` line (or list item) from `from` on, and where it is.
fn value_after<'a>(lines: &[&'a str], from: usize, key: &str) -> (usize, &'a str) {
    let prefix = format!("{key}: ");
    lines[from..]
        .iter()
        .enumerate()
        .find_map(|(i, l)| {
            l.trim_start_matches("- ")
                .strip_prefix(&prefix)
                .map(|v| (from + i, v.split("  #").next().unwrap().trim()))
        })
        .unwrap_or_else(|| panic!("no {key} after line {from} of {lines:?}"))
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

#[test]
fn the_api_has_no_cors_and_nothing_allows_every_origin() {
    // The pages and the API share one origin (CloudFront), so the browser never calls the API
    // cross-origin: no CORS configuration on the HTTP API or anywhere else.
    let template = template();
    let lower = template.to_lowercase();
    for needle in ["cors", "alloworigin", "access-control-allow"] {
        assert!(!lower.contains(needle), "the template mentions {needle}");
    }
    let api = resource(&template, "HttpApi");
    assert_eq!(api[0], "Type: AWS::Serverless::HttpApi");
    assert!(!api.iter().any(|l| l.contains('*')), "{api:?}");
}

#[test]
fn the_console_bucket_is_private_and_only_the_distribution_reads_it() {
    let template = template();
    let bucket = resource(&template, "ConsoleBucket");
    assert_eq!(bucket[0], "Type: AWS::S3::Bucket");
    for setting in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
        assert!(bucket.contains(&format!("{setting}: true").as_str()), "{setting} in {bucket:?}");
    }
    assert!(bucket.contains(&"SSEAlgorithm: AES256"));
    assert!(!bucket
        .iter()
        .any(|l| l.starts_with("WebsiteConfiguration") || l.starts_with("AccessControl")));

    let policy = resource(&template, "ConsoleBucketPolicy");
    assert!(policy.contains(&"Bucket: !Ref ConsoleBucket"));
    // Each statement starts at its `- Sid:`; the only Allow is to this distribution (OAC).
    let starts: Vec<usize> = policy
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("- Sid: "))
        .map(|(i, _)| i)
        .collect();
    let statements: Vec<&[&str]> = starts
        .iter()
        .zip(starts.iter().skip(1).chain([&policy.len()]))
        .map(|(from, to)| &policy[*from..*to])
        .collect();
    let allows: Vec<&&[&str]> = statements.iter().filter(|s| s.contains(&"Effect: Allow")).collect();
    assert_eq!(allows.len(), 1, "{statements:?}");
    let allow = allows[0];
    assert!(allow.contains(&"Service: cloudfront.amazonaws.com"), "{allow:?}");
    assert!(allow.contains(&"Action: s3:GetObject"), "{allow:?}");
    assert!(
        allow.contains(&"AWS:SourceArn: !Sub 'arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}'"),
        "{allow:?}"
    );
    for statement in &statements {
        if statement.iter().any(|l| l.starts_with("Principal: '*'")) {
            assert!(statement.contains(&"Effect: Deny"), "{statement:?}");
        }
    }

    let oac = resource(&template, "ConsoleOriginAccessControl");
    assert!(
        oac.contains(&"SigningProtocol: sigv4") && oac.contains(&"SigningBehavior: always"),
        "{oac:?}"
    );
}

#[test]
fn the_api_paths_go_to_the_api_origin_and_every_other_path_to_the_pages() {
    const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
    const ALL_VIEWER_EXCEPT_HOST_HEADER: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
    let template = template();
    let distribution = resource(&template, "Distribution");
    assert_eq!(distribution[0], "Type: AWS::CloudFront::Distribution");

    let origin = |id: &str| {
        let at = distribution
            .iter()
            .position(|l| *l == format!("- Id: {id}"))
            .unwrap_or_else(|| panic!("no origin {id}"));
        value_after(&distribution, at, "DomainName").1
    };
    assert_eq!(origin("api"), "!Sub '${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}'");
    assert_eq!(origin("console"), "!GetAtt ConsoleBucket.RegionalDomainName");
    // Only CloudFront knows the origin-verify secret the API trusts the viewer-IP header by.
    let api_origin = distribution.iter().position(|l| *l == "- Id: api").unwrap();
    let (name_at, name) = value_after(&distribution, api_origin, "HeaderName");
    assert_eq!(name, roster_lambda::ORIGIN_VERIFY_HEADER);
    assert_eq!(value_after(&distribution, name_at, "HeaderValue").1, "!Ref OriginVerifySecret");
    let viewer = resource(&template, "ApiViewerFunction");
    assert!(
        viewer.contains(
            &format!(
                "request.headers['{}'] = {{ value: event.viewer.ip }};",
                roster_lambda::VIEWER_IP_HEADER
            )
            .as_str()
        ),
        "{viewer:?}"
    );
    let (at, oac) = value_after(&distribution, 0, "OriginAccessControlId");
    assert_eq!(oac, "!GetAtt ConsoleOriginAccessControl.Id");
    assert!(at > distribution.iter().position(|l| *l == "- Id: console").unwrap());

    // The paths roster-local leaves to the API (local/src/console.rs) go to the API, uncached,
    // with every method and every viewer header (Authorization included) but Host.
    let mut behaviours = Vec::new();
    for (at, line) in distribution.iter().enumerate() {
        if let Some(path) = line.strip_prefix("- PathPattern: ") {
            let target = value_after(&distribution, at, "TargetOriginId").1;
            let cache = value_after(&distribution, at, "CachePolicyId").1;
            let origin_request = value_after(&distribution, at, "OriginRequestPolicyId").1;
            let methods = value_after(&distribution, at, "AllowedMethods").1;
            assert_eq!(cache, CACHING_DISABLED, "{path}");
            assert_eq!(origin_request, ALL_VIEWER_EXCEPT_HOST_HEADER, "{path}");
            assert_eq!(methods, "[GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]", "{path}");
            // The viewer's IP for the per-client rate limits (roster-lambda's client_ip).
            let function = value_after(&distribution, at, "FunctionARN").1;
            assert_eq!(function, "!GetAtt ApiViewerFunction.FunctionARN", "{path}");
            behaviours.push((path, target));
        }
    }
    assert_eq!(behaviours, [("/v1/*", "api"), ("/.well-known/*", "api"), ("/scim/*", "api")]);

    // Everything else is the pages: the bucket, over HTTPS, every path outside /assets/
    // rewritten to the single-page app, with roster-local's security headers.
    let default = distribution.iter().position(|l| *l == "DefaultCacheBehavior:").unwrap();
    assert_eq!(value_after(&distribution, default, "TargetOriginId").1, "console");
    assert_eq!(value_after(&distribution, default, "ViewerProtocolPolicy").1, "redirect-to-https");
    assert_eq!(
        value_after(&distribution, default, "ResponseHeadersPolicyId").1,
        "!Ref ConsoleHeadersPolicy"
    );
    assert_eq!(value_after(&distribution, default, "EventType").1, "viewer-request");
    assert_eq!(
        value_after(&distribution, default, "FunctionARN").1,
        "!GetAtt ConsolePagesFunction.FunctionARN"
    );
    assert!(
        !distribution.iter().any(|l| l.starts_with("CustomErrorResponses")),
        "errors would mask the API's"
    );
    let pages = resource(&template, "ConsolePagesFunction");
    assert!(pages.contains(&"if (request.uri.indexOf('/assets/') !== 0) {"), "{pages:?}");
    assert!(pages.contains(&"request.uri = '/index.html';"), "{pages:?}");
}

#[test]
fn the_pages_get_the_security_headers_roster_local_sends() {
    let source = std::fs::read_to_string(root().join("local/src/console.rs")).unwrap();
    let opening = "const CONTENT_SECURITY_POLICY: &str = \"";
    let start = source.find(opening).expect("the CSP constant") + opening.len();
    let literal = &source[start..start + source[start..].find("\";").unwrap()];
    // A Rust string literal: `\` + newline + indentation continues the line.
    let mut csp = String::new();
    let mut rest = literal;
    while let Some(at) = rest.find("\\\n") {
        csp.push_str(&rest[..at]);
        rest = rest[at + 2..].trim_start();
    }
    csp.push_str(rest);
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );

    let template = template();
    let headers = resource(&template, "ConsoleHeadersPolicy");
    assert_eq!(headers[0], "Type: AWS::CloudFront::ResponseHeadersPolicy");
    assert!(
        headers.contains(&format!("ContentSecurityPolicy: \"{csp}\"").as_str()),
        "{headers:?}"
    );
    let hsts = headers.iter().position(|l| *l == "StrictTransportSecurity:").expect("HSTS");
    assert_eq!(value_after(&headers, hsts, "AccessControlMaxAgeSec").1, "63072000");
    assert!(headers.contains(&"ContentTypeOptions:"));
    assert_eq!(value_after(&headers, 0, "FrameOption").1, "DENY");
    assert_eq!(value_after(&headers, 0, "ReferrerPolicy").1, "no-referrer");
}

fn pascal(name: &str) -> String {
    name.split('-').map(|part| part[..1].to_uppercase() + &part[1..]).collect()
}

/// Every function as the template has it: (binary name, its resource's lines), with the
/// facts it was generated from.
fn functions() -> Vec<(&'static str, roster_app::functions::KeyUse, Vec<String>)> {
    let template = template();
    let routes = roster_http::ROUTES.iter().map(|r| (r.name, r.facts.keys));
    let workers = roster_app::functions::WORKERS.iter().map(|w| (w.name, w.keys));
    routes
        .chain(workers)
        .map(|(name, keys)| {
            let lines = resource(&template, &format!("{}Function", pascal(name)));
            (name, keys, lines.into_iter().map(str::to_string).collect())
        })
        .collect()
}

/// Least privilege for the token keys: the secret (the private signing key and the token
/// secret) is readable only by the functions that sign access tokens, derive invitation
/// links and temporary passwords, or prove invitation links, and only they are told where
/// it is; every other function checks tokens with the public key in its configuration.
#[test]
fn only_the_functions_that_sign_or_derive_read_the_keys_secret() {
    let mut holders = BTreeSet::new();
    for (name, keys, lines) in functions() {
        let reads_secret = lines.iter().any(|l| l.contains("secretsmanager:GetSecretValue"));
        let told = lines.iter().any(|l| l.starts_with("ROSTER_KEYS_SECRET_ID"));
        let needs = keys != roster_app::functions::KeyUse::PublicKey;
        assert_eq!((reads_secret, told), (needs, needs), "{name}: {lines:?}");
        if needs {
            holders.insert(name);
        }
    }
    // The review's list: a new holder is a decision, not a side effect of an edit.
    assert_eq!(
        holders,
        BTreeSet::from([
            // Prove an invitation link's secret before reading what it names.
            "get-invitation",
            "accept-invitation",
            "login",
            "refresh-session",
            "verify-sign-in-code",
            "collect-sso-session",
            // The confirmation link of a member's new email.
            "update-me",
            "create-org",
            "invite-member",
            "reinvite-member",
            "approve-member",
            "create-account",
            // A directory's new user is invited; so is one made active before it ever accepted.
            "scim-create-user",
            "scim-replace-user",
            "scim-patch-user",
            "scim-delete-user",
            "email-sender",
            "import-processor",
            // The directory's creations a freeze held are invited when it ends.
            "expiry-worker",
        ])
    );
    let globals = template();
    let globals = &globals[globals.find("Globals:").unwrap()..globals.find("Resources:").unwrap()];
    assert!(globals.contains("ROSTER_PUBLIC_KEY: !Ref PublicKey") && !globals.contains("ROSTER_KEYS_SECRET_ID"));
}

/// The sealing key (KMS) that keeps SSO client secrets: only the function that stores a
/// connection may encrypt with it, only the SSO callback may decrypt, and only they are told
/// which key it is.
#[test]
fn only_the_sso_functions_use_the_sealing_key() {
    use roster_app::functions::Sealing;
    let template = template();
    let mut users = BTreeSet::new();
    for route in roster_http::ROUTES {
        let lines = resource(&template, &format!("{}Function", pascal(route.name)));
        let has = |text: &str| lines.iter().any(|l| l.contains(text));
        assert_eq!(has("kms:Encrypt"), route.facts.sealing == Sealing::Seals, "{}", route.name);
        assert_eq!(has("kms:Decrypt"), route.facts.sealing == Sealing::Opens, "{}", route.name);
        assert_eq!(has("ROSTER_SEALING_KEY_ID"), route.facts.sealing != Sealing::None, "{}", route.name);
        if route.facts.sealing != Sealing::None {
            users.insert(route.name);
        }
    }
    for worker in roster_app::functions::WORKERS {
        let lines = resource(&template, &format!("{}Function", pascal(worker.name)));
        assert!(!lines.iter().any(|l| l.contains("kms:")), "{}", worker.name);
    }
    assert_eq!(users, BTreeSet::from(["put-sso", "finish-sso"]));
    assert!(template.contains("SealingKey:\n    Type: AWS::KMS::Key"));
}

/// The other grants follow the facts too: table writes only where the function writes,
/// no table at all where it uses none, a queue only where it sends to it, SES only for the
/// email sender.
#[test]
fn every_function_is_granted_only_what_its_facts_say() {
    let template = template();
    let queue_resource = |q: roster_app::ports::QueueName| format!("Resource: !GetAtt {}Queue.Arn", pascal(q.as_str()));
    let facts = roster_http::ROUTES.iter().map(|r| (r.name, r.facts.table, r.facts.sends)).chain(
        roster_app::functions::WORKERS
            .iter()
            .map(|w| (w.name, roster_app::functions::TableUse::Writes, w.sends)),
    );
    for (name, table, sends) in facts {
        let lines = resource(&template, &format!("{}Function", pascal(name)));
        let has = |text: &str| lines.iter().any(|l| l.contains(text));
        use roster_app::functions::TableUse;
        assert_eq!(has("dynamodb:GetItem"), table != TableUse::None, "{name}");
        assert_eq!(has("dynamodb:PutItem"), table == TableUse::Writes, "{name}");
        let sent: BTreeSet<String> = lines
            .windows(2)
            .filter(|w| w[0] == "Action: sqs:SendMessage")
            .map(|w| w[1].to_string())
            .collect();
        let expected: BTreeSet<String> = sends.iter().map(|q| queue_resource(*q)).collect();
        assert_eq!(sent, expected, "{name}");
        assert_eq!(has("ses:SendEmail"), name == "email-sender", "{name}");
    }
}

/// The grants the tests run every request and worker with refuse and record a use beyond a
/// function's facts, as its IAM policy would: a route whose facts lack a queue it sends on
/// (request-to-join before it had the email queue) fails whichever test runs that code.
#[tokio::test]
async fn a_use_beyond_a_functions_facts_is_refused_and_recorded() {
    use roster_app::functions::{KeyUse, TableUse};
    use roster_app::ports::QueueName;
    use roster_tests::grants::Grants;

    let t = roster_tests::TestApp::new();
    let narrow = Grants {
        function: "narrow",
        table: TableUse::Reads,
        sends: &[],
        consumes: None,
        mails: false,
        sealing: roster_app::functions::Sealing::None,
    };
    let app = t.app_granted(narrow, KeyUse::PublicKey);
    assert!(app.sealer.seal(b"secret", "org").await.is_err(), "no KMS key");
    assert!(app.queue.send(QueueName::Email, "{}").await.is_err());
    assert!(app.store.transact(Vec::new()).await.is_err());
    assert!(app.store.get("P", "S").await.is_ok(), "reads are granted");
    assert!(app.keys.derive_secret("invitation", "m1:1").await.is_err(), "the public key only");
    assert_eq!(
        t.violations.take(),
        [
            "narrow: seal a secret with the KMS key",
            "narrow: send to the email queue",
            "narrow: write on the table"
        ]
    );
}

/// Each index has in the template the key attributes the DynamoDB adapter writes, and
/// projects what the adapter expects of it: every attribute, or only the keys (then the
/// adapter reads the items from the table).
#[test]
fn the_templates_index_projections_are_the_adapters() {
    use roster_app::ports::IndexName;
    let template = template();
    let table = resource(&template, "Table");
    for index in IndexName::ALL {
        let at = table
            .iter()
            .position(|l| *l == format!("- IndexName: {}", index.as_str()))
            .unwrap_or_else(|| panic!("no index {}", index.as_str()));
        let (_, key_schema) = value_after(&table, at, "KeySchema");
        let (pk, sk) = roster_aws::dynamo_store::index_attributes(index);
        assert_eq!(
            key_schema,
            format!("[{{AttributeName: {pk}, KeyType: HASH}}, {{AttributeName: {sk}, KeyType: RANGE}}]"),
            "{}: the adapter's key attributes",
            index.as_str()
        );
        let (_, projection) = value_after(&table, at, "Projection");
        let expected = if roster_aws::dynamo_store::projects_keys_only(index) {
            "{ProjectionType: KEYS_ONLY}"
        } else {
            "{ProjectionType: ALL}"
        };
        assert_eq!(projection, expected, "{}", index.as_str());
    }
}
