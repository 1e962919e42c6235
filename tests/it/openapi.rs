//! The OpenAPI export: valid OpenAPI 3.1, and saying exactly what the catalogue says.
//! Expected values are read from the catalogue and the schema files here, never listed by hand.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use kona_conformance::contract::Contract;
use kona_conformance::openapi::{self, OpenApiError, SOURCE_KEYWORD};
use serde_json::{Value, json};

const OAS_SCHEMA: &str = include_str!("../data/openapi-3.1/schema.json");
const USER_ID_MAX: &str = "9999999999999999999";

fn contract() -> &'static Contract {
    Contract::shared().expect("the embedded contract loads")
}

fn document() -> Value {
    openapi::export(contract()).expect("the contract exports")
}

/// Follow a local `$ref` (`#/components/...`) inside the document.
fn deref<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => document
            .pointer(reference.strip_prefix('#').expect("a local reference"))
            .unwrap_or_else(|| panic!("{reference} resolves")),
        None => value,
    }
}

/// The schema file a `{"$ref": "#/components/schemas/X"}` comes from.
fn source_of(document: &Value, reference: &Value) -> String {
    deref(document, reference)[SOURCE_KEYWORD]
        .as_str()
        .expect("every component names its source file")
        .to_owned()
}

fn operation<'a>(document: &'a Value, path: &str, method: &str) -> &'a Value {
    &document["paths"][path][method.to_ascii_lowercase()]
}

#[test]
fn document_validates_against_the_official_openapi_31_schema() {
    let schema: Value = serde_json::from_str(OAS_SCHEMA).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .expect("the OpenAPI 3.1 schema compiles");
    let document = document();
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(document["openapi"], openapi::OPENAPI_VERSION);
}

/// The OAS schema accepts any object as a Schema Object, so check those against JSON Schema
/// 2020-12 (the base of OpenAPI 3.1's dialect) separately.
#[test]
fn component_schemas_are_valid_json_schema_2020_12() {
    let document = document();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    assert!(!schemas.is_empty());
    for (name, schema) in schemas {
        if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
            panic!("component {name}: {e}");
        }
    }
}

/// Every example is an instance of its media type's schema, with `$ref`s resolved inside the
/// exported document: this also proves the rewritten references point somewhere real.
#[test]
fn examples_match_their_media_type_schemas() {
    let document = document();
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                let media = &response["content"]["application/json"];
                // `components` rides along as an unknown keyword so `#/components/...` resolves.
                let schema = json!({
                    "allOf": [media["schema"]],
                    "components": {"schemas": document["components"]["schemas"]},
                });
                let validator = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .build(&schema)
                    .unwrap_or_else(|e| panic!("{method} {path} {status}: {e}"));
                for (name, example) in media["examples"].as_object().unwrap() {
                    let errors: Vec<String> = validator
                        .iter_errors(&example["value"])
                        .map(|e| e.to_string())
                        .collect();
                    assert!(
                        errors.is_empty(),
                        "{method} {path} {status} example {name}: {errors:?}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 0);
}

#[test]
fn operations_say_what_the_catalogue_says() {
    let contract = contract();
    let catalogue = &contract.catalogue;
    let envelope = &catalogue.envelope;
    let document = document();

    let exported: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (path.clone(), method.clone()))
        })
        .collect();
    let expected: BTreeSet<(String, String)> = catalogue
        .endpoints
        .iter()
        .map(|e| (e.path.clone(), e.method.to_ascii_lowercase()))
        .collect();
    assert_eq!(exported, expected);

    let headers_schema = contract
        .schema_document(&catalogue.headers.request)
        .unwrap();
    let header_names: Vec<&str> = headers_schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();

    for endpoint in &catalogue.endpoints {
        let op = operation(&document, &endpoint.path, &endpoint.method);
        let id = &endpoint.id;
        assert_eq!(op["operationId"], endpoint.id.as_str());
        assert_eq!(op["summary"], endpoint.name.as_str());

        // Every (status, code) the endpoint may answer, read from the examples.
        let mut examples: BTreeMap<(u16, String), Vec<&Value>> = BTreeMap::new();
        for (status, response) in op["responses"].as_object().unwrap() {
            let status: u16 = status.parse().unwrap();
            for example in response["content"]["application/json"]["examples"]
                .as_object()
                .unwrap()
                .values()
            {
                let code = example["value"][&envelope.result_object][&envelope.code_field]
                    .as_str()
                    .unwrap()
                    .to_owned();
                examples.entry((status, code)).or_default().push(example);
            }
        }
        let exported_codes: BTreeSet<(u16, String)> = examples.keys().cloned().collect();
        let known: BTreeSet<(u16, String)> = catalogue.known_codes(id).into_iter().collect();
        assert_eq!(exported_codes, known, "{id}: status and codes");

        for row in &endpoint.responses {
            let candidates = &examples[&(row.status, row.code.clone())];
            let example = candidates
                .iter()
                .find(|e| e["x-kona-strength"] == "documented")
                .unwrap_or_else(|| panic!("{id} {}: a documented example", row.code));
            assert_eq!(example["x-kona-requirement"], row.requirement.as_str());
            let message = example["value"][&envelope.result_object][&envelope.message_field]
                .as_str()
                .unwrap();
            match row.message.split_once("{field}") {
                None => assert_eq!(message, row.message, "{id} {}", row.code),
                Some((before, after)) => {
                    let field = message
                        .strip_prefix(before)
                        .and_then(|m| m.strip_suffix(after))
                        .unwrap_or_else(|| panic!("{id} {}: {message}", row.code));
                    assert!(
                        endpoint.required_fields.iter().any(|f| f == field)
                            || header_names.contains(&field),
                        "{id} {}: {field} is a real field",
                        row.code
                    );
                }
            }
        }
        for convention in &catalogue.conventions {
            let applies = (convention.endpoint == "*" || convention.endpoint == *id)
                && catalogue.convention(id, &convention.key) == Some(convention)
                && !endpoint.responses.iter().any(|r| r.key == convention.key);
            if applies {
                let example = op["responses"][convention.status.to_string()]["content"]
                    ["application/json"]["examples"][&convention.key]
                    .clone();
                assert_eq!(
                    example["x-kona-strength"], "convention",
                    "{id} {}",
                    convention.key
                );
                assert_eq!(
                    example["value"][&envelope.result_object][&envelope.code_field],
                    convention.code.as_str()
                );
                assert_eq!(
                    example["x-kona-compatible-codes"],
                    json!(convention.compatible_codes)
                );
            }
        }

        let requirements: Vec<&str> = catalogue
            .requirements
            .iter()
            .filter(|r| r.endpoint == "*" || r.endpoint == *id)
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(op["x-kona-requirements"], json!(requirements), "{id}");

        assert_eq!(
            op["x-kona-encryption"],
            json!({"request": endpoint.encryption.request, "response": endpoint.encryption.response})
        );
        assert_eq!(
            op["responses"]["200"]["x-kona-requirement"],
            endpoint.response_requirement.as_str()
        );
        let request = &op["requestBody"]["content"]["application/json"]["schema"];
        let success = &op["responses"]["200"]["content"]["application/json"]["schema"];
        for (schema, file, encrypted) in [
            (
                request,
                &endpoint.request_schema,
                endpoint.encryption.request,
            ),
            (
                success,
                &endpoint.response_schema,
                endpoint.encryption.response,
            ),
        ] {
            if encrypted {
                assert_eq!(source_of(&document, &schema["oneOf"][0]), *file);
                assert_eq!(
                    source_of(&document, &schema["oneOf"][1]),
                    envelope.encrypted_schema
                );
            } else {
                assert_eq!(source_of(&document, schema), *file);
            }
        }
        for (status, response) in op["responses"].as_object().unwrap() {
            if status != "200" {
                let schema = &response["content"]["application/json"]["schema"];
                assert_eq!(
                    source_of(&document, schema),
                    envelope.schema,
                    "{id} {status}"
                );
            }
        }
    }
}

#[test]
fn headers_come_from_the_header_schemas() {
    let contract = contract();
    let catalogue = &contract.catalogue;
    let document = document();

    let request = contract
        .schema_document(&catalogue.headers.request)
        .unwrap();
    let required: Vec<&Value> = request["required"].as_array().unwrap().iter().collect();
    for endpoint in &catalogue.endpoints {
        let op = operation(&document, &endpoint.path, &endpoint.method);
        let parameters: Vec<&Value> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| deref(&document, p))
            .collect();
        let properties = request["properties"].as_object().unwrap();
        assert_eq!(parameters.len(), properties.len());
        for (parameter, (name, property)) in parameters.iter().zip(properties) {
            assert_eq!(parameter["name"], name.as_str());
            assert_eq!(parameter["in"], "header");
            assert_eq!(
                parameter["required"],
                required.contains(&&Value::String(name.clone()))
            );
            assert_eq!(parameter["description"], property["description"]);
            for keyword in ["type", "minLength", "maxLength", "pattern", "format"] {
                assert_eq!(parameter["schema"].get(keyword), property.get(keyword));
            }
        }
    }

    let response = contract
        .schema_document(&catalogue.headers.response)
        .unwrap();
    let names: BTreeSet<&String> = response["properties"].as_object().unwrap().keys().collect();
    for (path, item) in document["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            for (status, r) in op["responses"].as_object().unwrap() {
                let headers: BTreeSet<&String> = r["headers"].as_object().unwrap().keys().collect();
                assert_eq!(headers, names, "{path} {status}");
                for header in r["headers"].as_object().unwrap().values() {
                    let header = deref(&document, header);
                    assert!(header["schema"].is_object());
                }
            }
        }
    }
}

#[test]
fn top_level_facts_come_from_the_contract() {
    let contract = contract();
    let catalogue = &contract.catalogue;
    let document = document();
    assert_eq!(document["info"]["title"], catalogue.title.as_str());
    assert_eq!(document["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(document["info"]["x-contract-hash"], contract.hash());
    let servers: Vec<&str> = document["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["url"].as_str().unwrap())
        .collect();
    assert_eq!(servers[0], catalogue.vendor_sandbox_base_url);
    assert!(
        servers[1..]
            .iter()
            .any(|url| url.starts_with("http://127.0.0.1:") && url.ends_with(&catalogue.base_path))
    );
    let errata: Vec<&str> = document["x-kona-errata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = contract
        .errata
        .errata
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(errata, expected);
}

/// Each component is its schema file, `$id`/`$schema` aside, with `$ref`s now naming the
/// component of the file they pointed to.
#[test]
fn components_are_the_schema_files() {
    let contract = contract();
    let document = document();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let by_source: BTreeMap<String, String> = schemas
        .iter()
        .map(|(name, s)| (s[SOURCE_KEYWORD].as_str().unwrap().to_owned(), name.clone()))
        .collect();
    for (name, component) in schemas {
        let source = component[SOURCE_KEYWORD].as_str().unwrap();
        let mut expected = contract.schema_document(source).unwrap();
        let map = expected.as_object_mut().unwrap();
        map.shift_remove("$id");
        map.shift_remove("$schema");
        rewrite_refs(&mut expected, source, &by_source);
        let mut actual = component.clone();
        actual.as_object_mut().unwrap().shift_remove(SOURCE_KEYWORD);
        assert_eq!(actual, expected, "component {name} ({source})");
    }
    // The catalogue's schemas all made it in.
    let catalogue = &contract.catalogue;
    for file in [
        &catalogue.envelope.schema,
        &catalogue.envelope.encrypted_schema,
        &catalogue.headers.request,
        &catalogue.headers.response,
    ]
    .into_iter()
    .chain(
        catalogue
            .endpoints
            .iter()
            .flat_map(|e| [&e.request_schema, &e.response_schema]),
    ) {
        assert!(by_source.contains_key(file), "{file} is a component");
    }
}

fn rewrite_refs(value: &mut Value, file: &str, by_source: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match (key.as_str(), child) {
                    ("$ref", Value::String(reference)) => {
                        let (target, fragment) =
                            reference.split_once('#').unwrap_or((reference, ""));
                        let target = if target.is_empty() {
                            file.to_owned()
                        } else {
                            let mut parts: Vec<&str> = file.split('/').collect();
                            parts.pop();
                            for segment in target.split('/') {
                                match segment {
                                    ".." => {
                                        parts.pop();
                                    }
                                    "." => {}
                                    s => parts.push(s),
                                }
                            }
                            parts.join("/")
                        };
                        *reference =
                            format!("#/components/schemas/{}{fragment}", by_source[&target]);
                    }
                    (_, child) => rewrite_refs(child, file, by_source),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite_refs(item, file, by_source);
            }
        }
        _ => {}
    }
}

#[test]
fn user_id_maximum_is_written_exactly() {
    let document = document();
    let text = openapi::to_pretty_string(&document);
    let written = format!("\"maximum\": {USER_ID_MAX}");
    // As many exact maxima as the schema files the components came from hold.
    let in_sources: usize = document["components"]["schemas"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| {
            let source = contract()
                .schema_document(c[SOURCE_KEYWORD].as_str().unwrap())
                .unwrap();
            serde_json::to_string_pretty(&source)
                .unwrap()
                .matches(&written)
                .count()
        })
        .sum();
    assert!(in_sources > 0, "the schemas bound userId by {USER_ID_MAX}");
    assert_eq!(text.matches(&written).count(), in_sources);
    // What a trip through f64 would have written instead.
    for rounded in ["10000000000000000000", "1e19", "1e+19", "1.0e19", "1.0e+19"] {
        assert!(
            !text.contains(&format!(": {rounded}")),
            "{rounded} as a number in the output"
        );
    }
}

#[test]
fn a_missing_schema_file_is_named() {
    let contract = contract();
    let missing = contract.catalogue.headers.request.clone();
    let error = openapi::export_with(contract, &|file| {
        (file != missing)
            .then(|| contract.schema_document(file))
            .flatten()
    })
    .unwrap_err();
    assert!(matches!(error, OpenApiError::MissingSchema { .. }));
    assert!(error.to_string().contains(&missing), "{error}");
}

#[test]
fn a_reference_outside_the_contract_is_named() {
    let contract = contract();
    let broken = contract.catalogue.endpoints[0].response_schema.clone();
    let error = openapi::export_with(contract, &|file| {
        let mut document = contract.schema_document(file)?;
        if file == broken {
            document["$defs"] = json!({"x": {"$ref": "https://example.com/elsewhere.json"}});
        }
        Some(document)
    })
    .unwrap_err();
    let message = error.to_string();
    assert!(message.contains(&broken), "{message}");
    assert!(
        message.contains("https://example.com/elsewhere.json"),
        "{message}"
    );
}

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kona-conformance"))
}

#[test]
fn cli_writes_the_document_to_a_file_or_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openapi.json");
    let out = cli()
        .arg("openapi")
        .arg("--output")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.contains(&format!("\"maximum\": {USER_ID_MAX}")));
    let parsed: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(parsed, document());

    let out = cli().arg("openapi").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), written);
}

#[test]
fn cli_reports_an_unwritable_output_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("openapi.json");
    let out = cli()
        .arg("openapi")
        .arg("--output")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(i32::from(kona_conformance::cli::exit::USAGE))
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
}

/// The catalogue's `foundThrough` links are OpenAPI links on the success response: card/info
/// names the member deduction/info takes.
#[test]
fn found_through_links_are_openapi_links() {
    let document = document();
    let card = operation(&document, "/api/v1/user/card/info", "post");
    let link = &card["responses"]["200"]["links"]["deduction-info-userId"];
    assert_eq!(link["operationId"], "deduction-info", "{card:#}");
    assert_eq!(link["requestBody"]["userId"], "{$response.body#/userId}");
    let ids: Vec<&str> = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|p| p["post"]["operationId"].as_str())
        .collect();
    assert!(ids.contains(&"deduction-info"), "{ids:?}");
    // Only the asked endpoint's success carries links.
    let deduction = operation(&document, "/api/v1/user/deduction/info", "post");
    assert!(deduction["responses"]["200"].get("links").is_none());
    assert!(card["responses"]["400"].get("links").is_none());
}
