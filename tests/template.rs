//! template.yaml against the code it deploys: the table as `table.rs` defines it, every CONTRACT route
//! routed to ingest, and the function settings the stream and schedule depend on.

use sarafan_core::store::dynamodb::table::TABLE;
use serde_yaml::Value;
use std::collections::BTreeSet;

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/template.yaml");
    let text = std::fs::read_to_string(path).expect("template.yaml at the workspace root");
    serde_yaml::from_str(&text).expect("template.yaml is YAML")
}

fn resource<'a>(template: &'a Value, name: &str) -> &'a Value {
    &template["Resources"][name]
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, found {value:?}"))
}

/// `[{AttributeName, KeyType}]` as (name, type) pairs, in order.
fn key_schema(value: &Value) -> Vec<(String, String)> {
    value
        .as_sequence()
        .expect("a KeySchema list")
        .iter()
        .map(|k| (text(&k["AttributeName"]).to_string(), text(&k["KeyType"]).to_string()))
        .collect()
}

fn hash_range(partition: &str, sort: &str) -> Vec<(String, String)> {
    vec![(partition.into(), "HASH".into()), (sort.into(), "RANGE".into())]
}

#[test]
fn the_table_is_exactly_the_one_table_rs_defines() {
    let template = template();
    let table = resource(&template, "Table");
    assert_eq!(text(&table["Type"]), "AWS::DynamoDB::Table");
    let props = &table["Properties"];

    assert_eq!(text(&props["BillingMode"]), TABLE.billing_mode);
    assert_eq!(
        key_schema(&props["KeySchema"]),
        hash_range(TABLE.partition_key, TABLE.sort_key)
    );

    // Every key attribute once, all strings, and nothing else (CloudFormation rejects extras).
    let defined: Vec<(String, String)> = props["AttributeDefinitions"]
        .as_sequence()
        .expect("AttributeDefinitions")
        .iter()
        .map(|a| {
            (
                text(&a["AttributeName"]).to_string(),
                text(&a["AttributeType"]).to_string(),
            )
        })
        .collect();
    let defined_names: BTreeSet<&str> = defined.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(defined_names.len(), defined.len(), "an attribute is defined twice");
    assert_eq!(
        defined_names,
        TABLE.key_attributes().into_iter().collect::<BTreeSet<_>>()
    );
    assert!(defined.iter().all(|(_, t)| t == "S"), "{defined:?}");

    let indexes = props["GlobalSecondaryIndexes"].as_sequence().expect("GSIs");
    assert_eq!(indexes.len(), TABLE.indexes.len());
    for want in TABLE.indexes {
        let got = indexes
            .iter()
            .find(|i| i["IndexName"].as_str() == Some(want.name))
            .unwrap_or_else(|| panic!("index {} missing from template.yaml", want.name));
        assert_eq!(
            key_schema(&got["KeySchema"]),
            hash_range(want.partition_key, want.sort_key),
            "{}",
            want.name
        );
        let projection = if want.projection_all { "ALL" } else { "KEYS_ONLY" };
        assert_eq!(text(&got["Projection"]["ProjectionType"]), projection, "{}", want.name);
    }

    assert_eq!(
        text(&props["TimeToLiveSpecification"]["AttributeName"]),
        TABLE.ttl_attribute
    );
    assert_eq!(props["TimeToLiveSpecification"]["Enabled"].as_bool(), Some(true));
    assert_eq!(
        text(&props["StreamSpecification"]["StreamViewType"]),
        TABLE.stream_view_type
    );
    // Production safety the local create-table has no use for.
    assert_eq!(
        props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
        Some(true)
    );
    assert_eq!(props["SSESpecification"]["SSEEnabled"].as_bool(), Some(true));
}

/// (METHOD, path) of every route in docs/contract.md's table.
const CONTRACT_ROUTES: &[(&str, &str)] = &[
    ("POST", "/webhooks/slack/events"),
    ("POST", "/webhooks/slack/interactions"),
    ("POST", "/webhooks/telegram"),
    ("GET", "/webhooks/meta"),
    ("POST", "/webhooks/meta"),
    ("GET", "/webhooks/x"),
    ("POST", "/webhooks/x"),
    ("POST", "/webhooks/typeform"),
    ("POST", "/api/responses"),
    ("POST", "/api/mentions"),
    ("POST", "/api/purchases"),
    ("POST", "/api/surveys"),
    ("GET", "/r/{code}"),
    ("DELETE", "/api/customers/{id}"),
    ("GET", "/health"),
    ("GET", "/s/{token}"),
    ("POST", "/s/{token}"),
    ("GET", "/s/{token}/unsubscribe"),
    ("POST", "/s/{token}/unsubscribe"),
    ("GET", "/reports/{month}/{signature}"),
];

#[test]
fn every_contract_route_reaches_ingest_and_nothing_else_does() {
    let template = template();
    let ingest = resource(&template, "IngestFunction");
    assert_eq!(text(&ingest["Metadata"]["BuildProperties"]["Binary"]), "sarafan-ingest");
    let routed: BTreeSet<(String, String)> = ingest["Properties"]["Events"]
        .as_mapping()
        .expect("ingest's Events")
        .values()
        .filter(|e| e["Type"].as_str() == Some("HttpApi"))
        .map(|e| {
            let p = &e["Properties"];
            (text(&p["Method"]).to_uppercase(), text(&p["Path"]).to_string())
        })
        .collect();
    let contract: BTreeSet<(String, String)> = CONTRACT_ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(routed, contract);
}

#[test]
fn outreach_is_invoked_only_for_inserted_feed_events_and_reports_failed_items() {
    let template = template();
    let outreach = resource(&template, "OutreachFunction");
    assert_eq!(
        text(&outreach["Metadata"]["BuildProperties"]["Binary"]),
        "sarafan-outreach"
    );
    let feed = &outreach["Properties"]["Events"]["Feed"];
    assert_eq!(text(&feed["Type"]), "DynamoDB");
    let props = &feed["Properties"];
    assert_eq!(
        props["FunctionResponseTypes"].as_sequence().map(|v| v.len()),
        Some(1),
        "{props:?}"
    );
    assert_eq!(text(&props["FunctionResponseTypes"][0]), "ReportBatchItemFailures");
    assert_eq!(props["BisectBatchOnFunctionError"].as_bool(), Some(true));
    assert!(props["MaximumRetryAttempts"].as_u64().is_some_and(|n| n > 0));
    assert_eq!(text(&props["DestinationConfig"]["OnFailure"]["Type"]), "SQS");

    // The filter must let exactly what the store writes for a feed event through.
    let pattern: serde_json::Value =
        serde_json::from_str(text(&props["FilterCriteria"]["Filters"][0]["Pattern"])).expect("JSON pattern");
    assert_eq!(pattern["eventName"], serde_json::json!(["INSERT"]));
    assert_eq!(
        pattern["dynamodb"]["NewImage"][sarafan_core::store::dynamodb::table::TYPE]["S"],
        serde_json::json!(["event"])
    );
}

#[test]
fn parked_outreach_is_swept_every_minute_within_an_invocation_longer_than_that() {
    let template = template();
    let schedule = resource(&template, "OutreachSweepSchedule");
    assert_eq!(text(&schedule["Type"]), "AWS::Scheduler::Schedule");
    let props = &schedule["Properties"];
    assert_eq!(text(&props["ScheduleExpression"]), "rate(1 minute)");
    // The input the outreach Lambda reads as the sweep, not a stream batch.
    let input: serde_json::Value = serde_json::from_str(text(&props["Target"]["Input"])).expect("JSON input");
    let expected: serde_json::Value = serde_json::from_str(sarafan_outreach::SWEEP_INPUT).unwrap();
    assert_eq!(input, expected);
    assert!(matches!(
        sarafan_outreach::Invoked::from_payload(input),
        Ok(sarafan_outreach::Invoked::Sweep)
    ));
    // A sweep waits for what falls due before its invocation ends (less the margin): longer
    // than a minute plus the margin, and every due time lies inside some sweep.
    let timeout = resource(&template, "OutreachFunction")["Properties"]["Timeout"]
        .as_u64()
        .expect("a timeout");
    assert!(
        timeout >= 60 + sarafan_outreach::stream::MARGIN.as_secs(),
        "Timeout {timeout}"
    );
    let actions = role_actions(&template, "OutreachRole");
    // Every change reads its delivery key with BatchGetItem; claims and parked events are deleted.
    for needed in [
        "dynamodb:BatchGetItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
    ] {
        assert!(actions.iter().any(|a| a == needed), "{needed} missing: {actions:?}");
    }
}

#[test]
fn listening_runs_on_a_schedule_with_its_own_narrow_role() {
    let template = template();
    let function = resource(&template, "ListenFunction");
    assert_eq!(
        text(&function["Metadata"]["BuildProperties"]["Binary"]),
        "sarafan-listen"
    );
    let schedule = resource(&template, "ListenScheduleEvent");
    assert_eq!(text(&schedule["Type"]), "AWS::Scheduler::Schedule");
    let expression = &schedule["Properties"]["ScheduleExpression"];
    assert!(
        matches!(expression, Value::Tagged(t) if t.tag == "!Ref" && t.value.as_str() == Some("ListenSchedule")),
        "{expression:?}"
    );
    assert_eq!(
        text(&template["Parameters"]["ListenSchedule"]["Default"]),
        "rate(10 minutes)"
    );
    // It writes mentions and cursors and reads its secret: no Query, no Scan, no stream.
    let statements =
        resource(&template, "ListenRole")["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].clone();
    let actions: Vec<String> = statements
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|s| match &s["Action"] {
            Value::Sequence(list) => list.iter().map(|a| text(a).to_string()).collect::<Vec<_>>(),
            one => vec![text(one).to_string()],
        })
        .collect();
    assert!(actions.iter().any(|a| a == "dynamodb:UpdateItem"), "{actions:?}");
    for action in &actions {
        assert!(!action.contains('*'), "{action}");
        if let Some(table_action) = action.strip_prefix("dynamodb:") {
            assert!(
                !matches!(table_action, "Scan" | "Query" | "DeleteItem" | "DeleteTable")
                    && !table_action.contains("Stream"),
                "{action}"
            );
        }
    }
    let env = template["Globals"]["Function"]["Environment"]["Variables"]
        .as_mapping()
        .expect("global environment");
    for name in ["LISTEN_FEEDS", "HN_SEARCH_URL", "BLUESKY_HANDLE", "MASTODON_URL"] {
        assert!(env.contains_key(name), "{name}");
    }
}

#[test]
fn reports_run_monthly_at_eight_in_the_report_timezone() {
    let template = template();
    assert_eq!(
        text(&resource(&template, "ReportsFunction")["Metadata"]["BuildProperties"]["Binary"]),
        "sarafan-reports"
    );
    let schedule = resource(&template, "ReportSchedule");
    assert_eq!(text(&schedule["Type"]), "AWS::Scheduler::Schedule");
    let props = &schedule["Properties"];
    assert_eq!(text(&props["ScheduleExpression"]), "cron(0 8 1 * ? *)");
    let tz = &props["ScheduleExpressionTimezone"];
    assert!(
        matches!(tz, Value::Tagged(t) if t.tag == "!Ref" && t.value.as_str() == Some("ReportTimezone")),
        "{tz:?}"
    );
    // The handler reads `time` to pick the month; Scheduler fills the placeholder in.
    let input: serde_json::Value = serde_json::from_str(text(&props["Target"]["Input"])).expect("JSON input");
    assert_eq!(input["time"], "<aws.scheduler.scheduled-time>");
}

#[test]
fn no_parameter_carries_a_secret() {
    let template = template();
    let secret_names = [
        "SLACK_SIGNING_SECRET",
        "SLACK_BOT_TOKEN",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_SECRET",
        "META_APP_SECRET",
        "META_VERIFY_TOKEN",
        "WHATSAPP_TOKEN",
        "X_CONSUMER_SECRET",
        "TYPEFORM_SECRET",
        "SARAFAN_API_TOKEN",
        "REDDIT_CLIENT_SECRET",
        "BLUESKY_APP_PASSWORD",
        "MASTODON_TOKEN",
        "SARAFAN_LINK_SECRET",
    ];
    let env = template["Globals"]["Function"]["Environment"]["Variables"]
        .as_mapping()
        .expect("global environment");
    for name in secret_names {
        assert!(
            !env.contains_key(name),
            "{name} would sit in plain text in the functions' configuration"
        );
    }
    for (name, parameter) in template["Parameters"].as_mapping().expect("Parameters") {
        let name = name.as_str().unwrap_or_default().to_lowercase();
        // A counter bumped to re-read the secret, not a secret itself.
        if name == "secretsversion" {
            continue;
        }
        assert!(
            !["secret", "token", "password"].iter().any(|w| name.contains(w)),
            "parameter {name} looks like a secret; secrets belong in the Secrets Manager secret"
        );
        assert_ne!(parameter["NoEcho"].as_bool(), Some(true), "{name}");
    }
}

/// Every action a role's policy statements allow; a conditional statement (`!If [condition,
/// statement, !Ref AWS::NoValue]`) counts with its statement.
fn role_actions(template: &Value, role: &str) -> Vec<String> {
    let statements = &resource(template, role)["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    statements
        .as_sequence()
        .unwrap()
        .iter()
        .map(|s| match s {
            Value::Tagged(t) if t.tag == "!If" => t.value[1].clone(),
            s => s.clone(),
        })
        .flat_map(|s| match &s["Action"] {
            Value::Sequence(list) => list.iter().map(|a| text(a).to_string()).collect::<Vec<_>>(),
            one => vec![text(one).to_string()],
        })
        .collect()
}

/// The DynamoDB actions a role allows (`dynamodb:` prefix dropped).
fn table_actions(template: &Value, role: &str) -> Vec<String> {
    role_actions(template, role)
        .into_iter()
        .filter_map(|a| a.strip_prefix("dynamodb:").map(str::to_string))
        .collect()
}

/// Every DynamoDB operation the store's code calls at run time, as IAM names (`batch_get_item()`
/// -> `BatchGetItem`), read from shared/src/store/dynamodb (not its tests, nor table.rs, which
/// creates and checks the table at deploy time).
fn operations_the_store_calls() -> std::collections::BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shared/src/store/dynamodb");
    let mut operations = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name == "tests.rs" || name == "table.rs" {
            continue;
        }
        let code = std::fs::read_to_string(&path).unwrap();
        for op in [
            "get_item",
            "batch_get_item",
            "query",
            "scan",
            "put_item",
            "update_item",
            "delete_item",
            "batch_write_item",
            "transact_get_items",
        ] {
            if code.contains(&format!(".{op}()")) {
                let iam: String = op.split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect();
                operations.insert(iam);
            }
        }
    }
    operations
}

#[test]
fn each_role_allows_the_table_operations_its_function_performs() {
    // GIVEN the store's operations as its code calls them, and the four functions' roles
    let template = template();
    let called = operations_the_store_calls();
    // (a transaction needs the item actions of what it holds; a batch read, BatchGetItem)
    assert!(called.contains("BatchGetItem") && called.contains("Scan"), "{called:?}");
    // THEN ingest, which reaches every store method through its routes (erasure among them),
    // may perform every one ...
    let ingest = table_actions(&template, "IngestRole");
    for operation in &called {
        assert!(
            ingest.contains(operation),
            "IngestRole lacks dynamodb:{operation}: {ingest:?}"
        );
    }
    // ... and every function that writes a change (one BatchGetItem, then a transaction of
    // Put, Update and ConditionCheck items) may do that
    for role in ["IngestRole", "OutreachRole", "ReportsRole", "ListenRole"] {
        let actions = table_actions(&template, role);
        for needed in ["GetItem", "BatchGetItem", "PutItem", "UpdateItem", "ConditionCheckItem"] {
            assert!(
                actions.iter().any(|a| a == needed),
                "{role} lacks dynamodb:{needed}: {actions:?}"
            );
        }
    }
}

fn cargo() -> std::process::Command {
    std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// `cargo tree -i rusqlite` over what builds (`--edges normal,build`: no dev-dependencies), run
/// in `dir` with `args`: empty when nothing selected there links SQLite.
fn rusqlite_dependents(dir: &std::path::Path, args: &[&str]) -> String {
    let out = cargo()
        .current_dir(dir)
        .args(["tree", "--frozen", "--edges", "normal,build", "--invert", "rusqlite"])
        .args(args)
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("cargo tree prints UTF-8")
}

/// The workspace's packages by manifest directory: (package name, its bin targets).
fn packages_by_dir() -> std::collections::BTreeMap<std::path::PathBuf, (String, Vec<String>)> {
    let out = cargo()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["metadata", "--frozen", "--no-deps", "--format-version", "1"])
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let str_of = |v: &serde_json::Value| v.as_str().expect("a string").to_string();
    metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let dir = std::path::Path::new(&str_of(&p["manifest_path"]))
                .parent()
                .expect("a manifest's directory")
                .to_path_buf();
            let bins = p["targets"]
                .as_array()
                .expect("targets")
                .iter()
                .filter(|t| t["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "bin")))
                .map(|t| str_of(&t["name"]))
                .collect();
            (dir, (str_of(&p["name"]), bins))
        })
        .collect()
}

/// SAM's rust-cargolambda build runs `cargo lambda build --release --bin <Binary>` in the
/// function's CodeUri, so cargo selects the package whose manifest is there and unifies only its
/// features: each Lambda is built from its own package, and that selection leaves SQLite out.
#[test]
fn each_lambda_is_built_from_its_own_package_without_sqlite() {
    let template = template();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let packages = packages_by_dir();
    let mut built = BTreeSet::new();
    for (name, resource) in template["Resources"].as_mapping().expect("Resources") {
        if resource["Metadata"]["BuildMethod"].as_str() != Some("rust-cargolambda") {
            continue;
        }
        let name = text(name);
        let binary = text(&resource["Metadata"]["BuildProperties"]["Binary"]);
        let dir = root.join(text(&resource["Properties"]["CodeUri"]));
        let (package, bins) = packages
            .get(&dir)
            .unwrap_or_else(|| panic!("{name}: CodeUri {} is not a package's directory", dir.display()));
        assert_eq!(package, binary, "{name}: CodeUri is the package of its Binary");
        assert!(
            bins.iter().any(|b| b == binary),
            "{name}: {binary} is a bin of its package"
        );
        assert_eq!(rusqlite_dependents(&dir, &[]), "", "{name}: {binary} links SQLite");
        built.insert(binary.to_string());
    }
    assert_eq!(
        built,
        BTreeSet::from(
            [
                "sarafan-ingest",
                "sarafan-outreach",
                "sarafan-reports",
                "sarafan-listen"
            ]
            .map(String::from)
        )
    );
    // The check can fail: the CLI, which keeps SQLite, shows it.
    assert!(rusqlite_dependents(root, &["--package", "sarafan"]).contains("sarafan-core"));
}
