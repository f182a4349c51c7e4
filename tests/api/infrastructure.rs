//! The AWS template agrees with the code: tables with schema/tables.json, each function's IAM
//! policy with the component's declared permissions (app_core::permissions, enforced at run
//! time), and the API routes with spin.toml and openapi.yaml.

use api_tests::repo_root;
use app_core::permissions::{
    Access, Table, CHAT, CHAT_SAGEMAKER, LOGIN, LOGIN_SECRETS, REGISTER, REGISTER_SES,
};
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
        "!Sub" if text.contains(":secret:${") => {
            let name = text.split(":secret:${").nth(1).unwrap().split('}').next().unwrap().to_owned();
            (name, None)
        }
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
            "login" => {
                let mut login = declared(LOGIN);
                for action in LOGIN_SECRETS {
                    login.insert((
                        "TokenSigningKeySecret".to_owned(),
                        None,
                        format!("secretsmanager:{action}"),
                    ));
                }
                login
            }
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
    // The /.well-known documents reach login through its catch-all (spin.toml says why).
    let catch_all_is_login = spin["trigger"]["http"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["route"].as_str() == Some("/...") && r["component"].as_str() == Some("login"));
    assert!(catch_all_is_login, "the /.well-known documents need login's catch-all");
    let mut spin_routes = spin_routes;
    for path in ["/.well-known/jwks.json", "/.well-known/openid-configuration"] {
        spin_routes.insert((path.to_owned(), "login".to_owned()));
    }
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

fn sub_text(v: &Value) -> String {
    match v {
        Value::Tagged(t) => format!("{} {}", t.tag, t.value.as_str().unwrap_or_default()),
        other => other.as_str().unwrap_or_default().to_owned(),
    }
}

/// Only login holds the private key (in AWS and in spin.toml); everyone gets the public keys; the
/// gateway's JWT authorizer guards exactly the authenticated routes and trusts the issuer the
/// components sign and check.
#[test]
fn only_login_gets_the_private_key_and_the_authorizer_guards_the_authenticated_routes() {
    let t = template();
    let globals = &t["Globals"]["Function"]["Environment"]["Variables"];
    assert!(globals.get("TOKEN_SIGNING_KEY").is_none(), "the private key must not be global");
    assert!(globals.get("TOKEN_PUBLIC_KEYS").is_some());
    for function in ["RegisterFunction", "ChatFunction", "ChatStreamFunction", "WebFunction"] {
        let env = &resource(&t, function)["Properties"]["Environment"]["Variables"];
        assert!(env.get("TOKEN_SIGNING_KEY").is_none(), "{function} must not get the private key");
    }
    // Login gets the secret's name and reads the key itself: never the key, not even by a dynamic
    // reference (CloudFormation would resolve it into the function's configuration).
    let login = &resource(&t, "LoginFunction")["Properties"]["Environment"]["Variables"];
    assert!(login.get("TOKEN_SIGNING_KEY").is_none(), "login reads its key from Secrets Manager");
    assert_eq!(sub_text(&login["TOKEN_SIGNING_KEY_SECRET"]), "!Ref TokenSigningKeySecret");
    let text = std::fs::read_to_string(repo_root().join("infra/aws-sam/template.yaml")).unwrap();
    assert!(!text.contains("{{resolve:secretsmanager"), "no dynamic reference to a secret");
    for function in ["RegisterFunction", "ChatFunction", "ChatStreamFunction", "WebFunction"] {
        let env = &resource(&t, function)["Properties"]["Environment"]["Variables"];
        assert!(env.get("TOKEN_SIGNING_KEY_SECRET").is_none(), "{function} must not know the secret");
    }
    // The issuer: one expression for the components and the authorizer.
    let authorizer = &resource(&t, "Api")["Properties"]["Auth"]["Authorizers"]["AccessToken"];
    assert_eq!(sub_text(&authorizer["JwtConfiguration"]["issuer"]), sub_text(&globals["TOKEN_ISSUER"]));
    assert!(sub_text(&globals["TOKEN_ISSUER"]).contains("https://"));
    assert_eq!(authorizer["JwtConfiguration"]["audience"][0], globals["TOKEN_AUDIENCE"]);
    // Guarded: every route that needs a bearer token in openapi.yaml; nothing else.
    let openapi: Value =
        serde_yaml::from_str(&std::fs::read_to_string(repo_root().join("openapi.yaml")).unwrap()).unwrap();
    let mut needs_token = BTreeSet::new();
    for (path, ops) in openapi["paths"].as_mapping().unwrap() {
        for (method, op) in ops.as_mapping().unwrap() {
            if op.get("security").and_then(|s| s.as_sequence()).is_some_and(|s| !s.is_empty()) {
                needs_token
                    .insert((method.as_str().unwrap().to_uppercase(), path.as_str().unwrap().to_owned()));
            }
        }
    }
    let mut guarded = BTreeSet::new();
    for function in ["RegisterFunction", "LoginFunction", "ChatFunction"] {
        for event in resource(&t, function)["Properties"]["Events"].as_mapping().unwrap().values() {
            let p = &event["Properties"];
            if p.get("Auth").is_some() {
                assert_eq!(p["Auth"]["Authorizer"], "AccessToken");
                guarded.insert((
                    p["Method"].as_str().unwrap().to_owned(),
                    p["Path"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    assert!(!guarded.is_empty());
    assert_eq!(guarded, needs_token, "the authorizer must guard exactly the bearer-token routes");
    // spin.toml: the development pair, private half for login only.
    let spin: toml::Table = std::fs::read_to_string(repo_root().join("spin.toml")).unwrap().parse().unwrap();
    for (name, component) in spin["component"].as_table().unwrap() {
        let env = component["environment"].as_table().unwrap();
        if name == "web" {
            // The browser client's files: no configuration, no keys of any kind.
            assert!(env.is_empty(), "web takes no settings");
            continue;
        }
        assert_eq!(env["TOKEN_PUBLIC_KEYS"].as_str(), Some(app_core::config::LOCAL_PUBLIC_KEYS), "{name}");
        let private = env.get("TOKEN_SIGNING_KEY").and_then(|v| v.as_str());
        if name == "login" {
            assert_eq!(private, Some(app_core::config::LOCAL_SIGNING_KEY));
        } else {
            assert_eq!(private, None, "{name} must not get the private key");
        }
    }
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
