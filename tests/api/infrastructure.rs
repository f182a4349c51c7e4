//! The AWS template agrees with the code: tables with schema/tables.json, each function's IAM
//! policy with the component's declared permissions (app_core::permissions, enforced at run
//! time), and the API routes with spin.toml and openapi.yaml.

use api_tests::repo_root;
use app_core::permissions::{Access, Table, CHAT, CHAT_SAGEMAKER, LOGIN, REGISTER, REGISTER_SES};
use serde_json::Value as Json;
use serde_yaml::Value;
use std::collections::BTreeSet;

fn template() -> Value {
    let text = std::fs::read_to_string(repo_root().join("infra/aws-sam/template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

fn resource<'a>(t: &'a Value, name: &str) -> &'a Value {
    &t["Resources"][name]
}

/// `!GetAtt X.Arn`, `!Ref X` or `!Sub "${X.Arn}/index/I"` → (X, Some(I)).
fn target(resource: &Value) -> (String, Option<String>) {
    let Value::Tagged(tagged) = resource else { panic!("unexpected resource form {resource:?}") };
    let text = tagged.value.as_str().unwrap();
    match tagged.tag.to_string().as_str() {
        "!GetAtt" => (text.trim_end_matches(".Arn").to_owned(), None),
        "!Ref" => (text.to_owned(), None),
        "!Sub" if text.contains(":identity/${") => {
            let name = text.split(":identity/${").nth(1).unwrap().trim_end_matches('}').to_owned();
            (name, None)
        }
        "!Sub" => {
            let name = text.trim_start_matches("${").split('.').next().unwrap().to_owned();
            (name, text.split("/index/").nth(1).map(str::to_owned))
        }
        other => panic!("unexpected tag {other}"),
    }
}

fn table_resource(table: Table) -> &'static str {
    match table {
        Table::Users => "UsersTable",
        Table::Sessions => "SessionsTable",
        Table::Throttle => "ThrottleTable",
        Table::Conversations => "ConversationsTable",
        Table::Tokens => "TokensTable",
    }
}

/// Every (resource, index, action) a function's policies allow.
fn granted(t: &Value, function: &str) -> BTreeSet<(String, Option<String>, String)> {
    let mut out = BTreeSet::new();
    for policy in resource(t, function)["Properties"]["Policies"].as_sequence().unwrap() {
        for statement in policy["Statement"].as_sequence().unwrap() {
            assert_eq!(statement["Effect"], "Allow");
            let (name, index) = target(&statement["Resource"]);
            for action in statement["Action"].as_sequence().unwrap() {
                out.insert((name.clone(), index.clone(), action.as_str().unwrap().to_owned()));
            }
        }
    }
    out
}

fn declared(permissions: &[Access]) -> BTreeSet<(String, Option<String>, String)> {
    permissions
        .iter()
        .map(|p| {
            (table_resource(p.table).to_owned(), p.index.map(str::to_owned), format!("dynamodb:{}", p.action))
        })
        .collect()
}

/// Every function of the template with the component its image runs (`Metadata: {Component}`).
fn functions(t: &Value) -> Vec<(String, String)> {
    let all: Vec<(String, String)> = t["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(name, r)| {
            let component = r["Metadata"]["Component"].as_str();
            let name = name.as_str().unwrap().to_owned();
            (name.clone(), component.unwrap_or_else(|| panic!("{name} has no Metadata.Component")).to_owned())
        })
        .collect();
    let components: BTreeSet<&str> = all.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(
        components,
        BTreeSet::from(["chat", "login", "register", "web"]),
        "one function per component at least"
    );
    all
}

#[test]
fn each_function_may_do_exactly_what_its_component_declares() {
    let t = template();
    // The web function has no policy at all (web_routes_agree_with_the_template).
    for (function, component) in functions(&t).into_iter().filter(|(_, c)| c != "web") {
        let expected = match component.as_str() {
            "register" => {
                let mut register = declared(REGISTER);
                for action in REGISTER_SES {
                    register.insert(("MailSenderIdentity".to_owned(), None, format!("ses:{action}")));
                }
                register
            }
            "login" => declared(LOGIN),
            "chat" => {
                let mut chat = declared(CHAT);
                for action in CHAT_SAGEMAKER {
                    chat.insert(("ChatEndpoint".to_owned(), None, format!("sagemaker:{action}")));
                }
                chat
            }
            other => panic!("unknown component {other}"),
        };
        assert_eq!(granted(&t, &function), expected, "{function} ({component})");
    }
}

/// Lambda Web Adapter settings (read by the adapter, not the component).
fn is_adapter_setting(name: &str) -> bool {
    name.starts_with("AWS_LWA_")
}

fn listed() -> BTreeSet<String> {
    app_core::settings::SETTINGS.iter().map(|s| s.to_string()).collect()
}

#[test]
fn spin_toml_sets_only_listed_settings() {
    let spin: toml::Table = std::fs::read_to_string(repo_root().join("spin.toml")).unwrap().parse().unwrap();
    for (name, component) in spin["component"].as_table().unwrap() {
        for key in component["environment"].as_table().unwrap().keys() {
            assert!(listed().contains(key), "spin.toml gives {name} {key}, which no component reads");
        }
    }
}

#[test]
fn the_lambda_entrypoint_forwards_every_listed_setting() {
    let script = std::fs::read_to_string(repo_root().join("infra/aws-sam/entrypoint.sh")).unwrap();
    let list = script.split("SETTINGS=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap();
    let names: Vec<String> = list.split_whitespace().map(str::to_owned).collect();
    let forwarded: BTreeSet<String> = names.iter().cloned().collect();
    assert_eq!(forwarded.len(), names.len(), "a setting is named twice in entrypoint.sh");
    assert_eq!(forwarded, listed(), "entrypoint.sh forwards other settings than app_core::settings");
}

#[test]
fn the_template_sets_only_listed_settings() {
    let t = template();
    let mut sections = vec![("Globals".to_owned(), &t["Globals"]["Function"]["Environment"]["Variables"])];
    for (function, _) in functions(&t) {
        sections.push((function.clone(), &resource(&t, &function)["Properties"]["Environment"]["Variables"]));
    }
    for (section, vars) in sections {
        for key in vars.as_mapping().into_iter().flat_map(|m| m.keys()) {
            let key = key.as_str().unwrap();
            assert!(
                listed().contains(key) || is_adapter_setting(key),
                "the template sets {key} in {section}, which no component reads"
            );
        }
    }
}

#[test]
fn the_readme_documents_every_setting() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let section = readme.split("\n## Configuration\n").nth(1).expect("a Configuration section");
    let mut documented = BTreeSet::new();
    for row in section.lines().skip_while(|l| !l.starts_with('|')).take_while(|l| l.starts_with('|')) {
        let first = row.split('|').nth(1).unwrap_or("");
        for name in first.split('`').skip(1).step_by(2) {
            if name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                && !name.is_empty()
            {
                documented.insert(name.to_owned());
            }
        }
    }
    assert_eq!(documented, listed(), "README's configuration table and app_core::settings differ");
}

#[test]
fn function_manifests_know_every_aws_host() {
    // Fails when spin.toml allows an https host that scripts/manifest.py cannot map to its setting.
    let out = std::process::Command::new("python3")
        .arg(repo_root().join("infra/aws-sam/function-manifest.py"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn tables_match_the_local_schema() {
    let t = template();
    let schema: Json =
        serde_json::from_str(&std::fs::read_to_string(repo_root().join("schema/tables.json")).unwrap())
            .unwrap();
    let yaml_to_json = |v: &Value| serde_json::to_value(v).unwrap();
    for table in schema.as_array().unwrap() {
        let name = table["TableName"].as_str().unwrap();
        let logical = format!("{}{}Table", name[..1].to_uppercase(), &name[1..]);
        let props = yaml_to_json(&resource(&t, &logical)["Properties"]);
        for key in [
            "KeySchema",
            "AttributeDefinitions",
            "BillingMode",
            "GlobalSecondaryIndexes",
            "TimeToLiveSpecification",
        ] {
            assert_eq!(props[key], table[key], "{logical}.{key} differs from schema/tables.json");
        }
        assert_eq!(
            props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], true,
            "{logical}"
        );
        assert_eq!(props["SSESpecification"]["SSEEnabled"], true, "{logical}");
    }
    let tables =
        t["Resources"].as_mapping().unwrap().values().filter(|r| r["Type"] == "AWS::DynamoDB::Table").count();
    assert_eq!(tables, schema.as_array().unwrap().len(), "the template has tables the code does not use");
}

#[test]
fn routes_agree_across_spin_toml_openapi_and_the_template() {
    // spin.toml: path patterns per component.
    let spin: toml::Table = std::fs::read_to_string(repo_root().join("spin.toml")).unwrap().parse().unwrap();
    let spin_routes: BTreeSet<(String, String)> = spin["trigger"]["http"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["route"].as_str() != Some("/...")) // the catch-all: JSON 404s
        .map(|r| {
            (
                r["route"].as_str().unwrap().replace("/...", "/{id}"),
                r["component"].as_str().unwrap().to_owned(),
            )
        })
        // The browser client's files are not the JSON API: checked in web_routes_* below.
        .filter(|(_, component)| component != "web")
        .collect();
    // openapi.yaml: (method, path).
    let openapi: Value =
        serde_yaml::from_str(&std::fs::read_to_string(repo_root().join("openapi.yaml")).unwrap()).unwrap();
    let mut documented = BTreeSet::new();
    for (path, ops) in openapi["paths"].as_mapping().unwrap() {
        for method in ops.as_mapping().unwrap().keys() {
            documented.insert((method.as_str().unwrap().to_uppercase(), path.as_str().unwrap().to_owned()));
        }
    }
    // template: (method, path) per function.
    let t = template();
    let mut deployed = BTreeSet::new();
    for (function, component) in functions(&t).into_iter().filter(|(_, c)| c != "web") {
        let events =
            resource(&t, &function)["Properties"]["Events"].as_mapping().cloned().unwrap_or_default();
        for event in events.values() {
            let method = event["Properties"]["Method"].as_str().unwrap().to_owned();
            let path = event["Properties"]["Path"].as_str().unwrap().to_owned();
            assert!(
                spin_routes.contains(&(path.clone(), component.clone())),
                "{method} {path} goes to {function} in AWS but not to {component} in spin.toml"
            );
            deployed.insert((method, path));
        }
    }
    assert_eq!(deployed, documented, "API Gateway routes differ from openapi.yaml");
    let spin_paths: BTreeSet<String> = spin_routes.into_iter().map(|(p, _)| p).collect();
    let doc_paths: BTreeSet<String> = documented.into_iter().map(|(_, p)| p).collect();
    assert_eq!(spin_paths, doc_paths, "spin.toml routes differ from openapi.yaml paths");
}

/// The web component's routes in spin.toml (`/` and one per file of web/).
fn web_routes() -> BTreeSet<String> {
    let spin: toml::Table = std::fs::read_to_string(repo_root().join("spin.toml")).unwrap().parse().unwrap();
    spin["trigger"]["http"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["component"].as_str() == Some("web"))
        .map(|r| r["route"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn web_routes_are_exactly_the_files_of_web_and_the_component_embeds_them() {
    let mut files: BTreeSet<String> = std::fs::read_dir(repo_root().join("web"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".js") || name.ends_with(".css") || name.ends_with(".html"))
        .map(|name| if name == "index.html" { "/".to_owned() } else { format!("/{name}") })
        .collect();
    assert_eq!(web_routes(), files, "spin.toml's web routes differ from the files of web/");
    let source = std::fs::read_to_string(repo_root().join("components/web/src/lib.rs")).unwrap();
    files.retain(|route| {
        let file = if route == "/" { "index.html" } else { &route[1..] };
        !source.contains(&format!("(\"{route}\", ")) || !source.contains(&format!("web/{file}\")"))
    });
    assert!(files.is_empty(), "components/web does not embed {files:?}");
    // No API route may be shadowed by a file route, and openapi.yaml documents none of them.
    let openapi = std::fs::read_to_string(repo_root().join("openapi.yaml")).unwrap();
    for route in web_routes().iter().filter(|r| *r != "/") {
        assert!(!openapi.contains(&format!("\n  {route}:")), "{route} is a web file and an API path");
    }
}

#[test]
fn web_routes_agree_with_the_template() {
    let t = template();
    let mut deployed = BTreeSet::new();
    for event in resource(&t, "WebFunction")["Properties"]["Events"].as_mapping().unwrap().values() {
        assert_eq!(event["Properties"]["Method"], "GET", "the web function serves GET only");
        deployed.insert(event["Properties"]["Path"].as_str().unwrap().to_owned());
    }
    assert_eq!(deployed, web_routes(), "WebFunction's routes differ from spin.toml's web routes");
    // The web function touches no table and calls nothing.
    assert!(resource(&t, "WebFunction")["Properties"]["Policies"].is_null());
}
