//! The core's SigV4 signing against a server that checks signatures: moto server with
//! INITIAL_NO_AUTH_ACTION_COUNT (after that many unsigned set-up calls, every request must carry a
//! valid signature of an IAM key that moto issued).

use api_tests::Moto;
use app_core::aws::dynamodb::DynamoDb;
use app_core::aws::Credentials;
use serde_json::json;
use std::time::SystemTime;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// An unsigned IAM query-protocol call (one of the initial no-auth actions); returns the XML.
fn iam(endpoint: &str, form: &str) -> String {
    agent()
        .post(format!("{endpoint}/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=setup/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
        )
        .send(format!("{form}&Version=2010-05-08"))
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap()
}

fn xml_text<'a>(xml: &'a str, tag: &str) -> &'a str {
    let start =
        xml.find(&format!("<{tag}>")).unwrap_or_else(|| panic!("no <{tag}> in {xml}")) + tag.len() + 2;
    &xml[start..start + xml[start..].find('<').unwrap()]
}

fn send(request: http::Request<Vec<u8>>) -> (u16, String) {
    let mut builder = agent().post(request.uri().to_string());
    for (k, v) in request.headers() {
        builder = builder.header(k.as_str(), v.to_str().unwrap());
    }
    let mut response = builder.send(request.body()).unwrap();
    (response.status().as_u16(), response.body_mut().read_to_string().unwrap())
}

#[test]
fn moto_accepts_our_signature_and_rejects_a_tampered_request() {
    let moto = Moto::start(&[("INITIAL_NO_AUTH_ACTION_COUNT", "3")]);
    let endpoint = moto.endpoint.clone();

    iam(&endpoint, "Action=CreateUser&UserName=signer");
    let policy =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}"#;
    iam(
        &endpoint,
        &format!("Action=PutUserPolicy&UserName=signer&PolicyName=ddb&PolicyDocument={}", urlencode(policy)),
    );
    let key = iam(&endpoint, "Action=CreateAccessKey&UserName=signer");
    let dynamodb = DynamoDb {
        endpoint: endpoint.clone(),
        region: "us-east-1".into(),
        credentials: Credentials {
            access_key_id: xml_text(&key, "AccessKeyId").to_owned(),
            secret_access_key: xml_text(&key, "SecretAccessKey").to_owned(),
            session_token: None,
        },
    };

    let list = dynamodb.request("ListTables", &json!({}), SystemTime::now()).unwrap();
    let (status, body) = send(list);
    assert_eq!(status, 200, "signed request refused: {body}");
    assert!(body.contains("TableNames"), "{body}");

    // The same request with its body changed after signing.
    let mut tampered = dynamodb.request("ListTables", &json!({"Limit": 5}), SystemTime::now()).unwrap();
    *tampered.body_mut() = br#"{"Limit":6}"#.to_vec();
    let (status, body) = send(tampered);
    assert_eq!(status, 403, "tampered request accepted: {body}");
    assert!(body.contains("Signature"), "{body}");

    // A wrong secret is refused too.
    let mut wrong = dynamodb.clone();
    wrong.credentials.secret_access_key.push('x');
    let (status, _) = send(wrong.request("ListTables", &json!({}), SystemTime::now()).unwrap());
    assert_eq!(status, 403);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
