//! API operations in the taxonomy: a request names the capability its bill would; one mapping.

use usage::taxonomy::Taxonomy;

fn capability(t: &Taxonomy, method: &str, path: &str, target: Option<&str>) -> Option<String> {
    let header = |name: &str| if name.eq_ignore_ascii_case("x-amz-target") { target } else { None };
    t.operation_for_request(method, path, &header).map(|o| t.capabilities()[o.capability].id.clone())
}

#[test]
fn a_request_names_the_capability_its_bill_would() {
    let t = Taxonomy::builtin().expect("taxonomy");
    let aws = |op: &str| capability(&t, "POST", "/", Some(&format!("RekognitionService.{op}")));
    assert_eq!(aws("SearchFacesByImage").as_deref(), Some("face_identification"));
    assert_eq!(aws("IndexFaces").as_deref(), Some("face_identification"));
    assert_eq!(aws("CompareFaces").as_deref(), Some("face_verification"));
    assert_eq!(aws("DetectFaces").as_deref(), Some("face_detection_analysis"));
    assert_eq!(aws("DetectLabels").as_deref(), Some("image_video_analysis"));
    assert_eq!(aws("StartPersonTracking").as_deref(), Some("person_tracking"));
    assert_eq!(aws("NoSuchOperation"), None);
    let azure = |path: &str| capability(&t, "POST", path, None);
    assert_eq!(azure("/face/v1.0/identify").as_deref(), Some("face_identification"));
    assert_eq!(azure("/face/v1.0/verify").as_deref(), Some("face_verification"));
    assert_eq!(azure("/face/v1.0/detect?returnFaceId=true").as_deref(), Some("face_detection_analysis"));
    assert_eq!(capability(&t, "GET", "/face/v1.0/identify", None), None, "another method");
}

#[test]
fn every_operation_is_the_capability_the_billing_rules_give_its_line() {
    // The mapping is one: an operation's capability is what classifying its billed-as line
    // gives, so changing a billing rule changes the gateway's reading with it.
    let t = Taxonomy::builtin().expect("taxonomy");
    assert!(t.operations().len() >= 18);
    for o in t.operations() {
        let line = usage::taxonomy::Line {
            provider: &o.provider,
            service: if o.provider == "aws" { "Amazon Rekognition" } else { "Cognitive Services" },
            usage_type: "",
            operation: &o.name,
        };
        if o.provider == "aws" {
            let billed = t.classify(&line).map(|c| c.id.clone());
            assert_eq!(billed.as_deref(), Some(t.capabilities()[o.capability].id.as_str()), "{}", o.name);
        }
    }
}

#[test]
fn an_operation_no_billing_rule_decides_is_refused_naming_it() {
    let text = "[[capability]]\nid = \"x\"\nname = \"X\"\n[[rule]]\nprovider = \"aws\"\nservice = [\"S\"]\ncapability = \"x\"\n\
                [[operation]]\nprovider = \"aws\"\nservice = \"T\"\nname = \"Op\"\nheader = { name = \"X-Amz-Target\", value = \"T.Op\" }\n\
                billed_as = { service = \"T\" }\n";
    let e = Taxonomy::parse(text, "mine.toml").expect_err("unmapped").to_string();
    assert!(e.contains("mine.toml") && e.contains("operation 1") && e.contains("\"Op\""), "{e}");
    let text = text.replace("header = { name = \"X-Amz-Target\", value = \"T.Op\" }\n", "");
    let e = Taxonomy::parse(&text, "mine.toml").expect_err("no recognition").to_string();
    assert!(e.contains("header") && e.contains("method"), "{e}");
}
