//! Requests recognised as the service will read them: encoded, padded or doubled spellings of
//! a governed operation are that operation; ambiguous ones are refused.

use gate::ask::{normalise_path, recognise};

use crate::headers;

fn op(method: &str, uri: &str, pairs: &[(&str, &str)]) -> Result<Option<String>, gate::Error> {
    let taxonomy = usage::taxonomy::Taxonomy::builtin().expect("taxonomy");
    let h = headers(pairs);
    let values = |name: &str| -> Vec<&str> {
        h.get(&name.to_ascii_lowercase()).map(|v| v.iter().map(String::as_str).collect()).unwrap_or_default()
    };
    Ok(recognise(&taxonomy, method, uri, &values)?.map(|(capability, _, _)| capability))
}

#[test]
fn paths_are_read_as_a_server_reads_them() {
    for (uri, path) in [
        ("/face/v1.0/identify", "/face/v1.0/identify"),
        ("/face/v1.0/%69dentify?x=1", "/face/v1.0/identify"),
        ("//face//v1.0/identify", "/face/v1.0/identify"),
        ("https://example.invalid/face/v1.0/identify", "/face/v1.0/identify"),
        ("HTTP://example.invalid/face/v1.0/identify?next=/x", "/face/v1.0/identify"),
        // A `://` in the query is no authority (it once turned the path into `/`).
        ("/face/v1.0/identify?next=http://x/", "/face/v1.0/identify"),
    ] {
        assert_eq!(normalise_path(uri).expect(uri), path, "{uri}");
    }
    // What services read differently is refused, not guessed.
    for bad in [
        "/face%2fv1.0/identify",
        "/face/%zz",
        "/face/%c3",
        "/face/%00",
        "/face/v1.0;v=1/identify",
        "/x#/../face/v1.0/identify",
        "/face/v1.0/detect/../identify",
        "/face/v1.0/identify/%2e%2e/",
        "/face/./v1.0/identify",
        "\\face\\v1.0\\identify",
        "face/v1.0/identify",
    ] {
        assert!(normalise_path(bad).is_err(), "{bad}");
    }
}

#[test]
fn operations_are_recognised_by_header_or_by_method_and_path() {
    let target = |op: &str| format!("RekognitionService.{op}");
    assert_eq!(
        op("POST", "/", &[("X-Amz-Target", &target("SearchFacesByImage"))]).expect("ok").as_deref(),
        Some("face_identification")
    );
    assert_eq!(
        op("POST", "/", &[("x-amz-target", &target("DetectFaces"))]).expect("ok").as_deref(),
        Some("face_detection_analysis")
    );
    assert_eq!(op("POST", "/", &[("X-Amz-Target", "DynamoDB_20120810.GetItem")]).expect("ok"), None);
    // The value in any case: a service reading it without case must not get past.
    assert_eq!(
        op("POST", "/", &[("X-Amz-Target", "rekognitionservice.searchfacesbyimage")]).expect("ok").as_deref(),
        Some("face_identification")
    );
    // Every API version of Azure Face, and enrolling faces into what identification searches.
    for (method, uri) in [
        ("POST", "/face/v1.2/identify"),
        ("POST", "/face/v1.1-preview.1/identify"),
        ("PUT", "/face/v1.0/persongroups/g"),
        ("POST", "/face/v1.0/persongroups/g/persons/p/persistedfaces"),
        ("POST", "/face/v1.0/largefacelists/l/persistedfaces"),
    ] {
        assert_eq!(op(method, uri, &[]).expect("ok").as_deref(), Some("face_identification"), "{method} {uri}");
    }
    // Live-video and stored-video face search, read back or started.
    for target in ["CreateStreamProcessor", "StartStreamProcessor", "GetFaceSearch", "AssociateFaces", "CreateUser"] {
        assert_eq!(
            op("POST", "/", &[("X-Amz-Target", &format!("RekognitionService.{target}"))]).expect("ok").as_deref(),
            Some("face_identification"),
            "{target}"
        );
    }
    // The most specific path names the request: a person group called `verify-team` is not the
    // verify API, a face list called `detect2` not detection; liveness with verify is verification.
    for (method, uri, capability) in [
        ("POST", "/face/v1.0/persongroups/verify-team/persons", "face_identification"),
        ("POST", "/face/v1.0/largefacelists/detect2/persistedfaces", "face_identification"),
        ("POST", "/face/v1.2/detectLivenessWithVerify/singleModal/sessions", "face_verification"),
        ("POST", "/face/v1.0/group", "face_identification"),
        ("POST", "/face/v1.0/snapshots/s1/apply", "face_identification"),
        ("POST", "/face/v1.0/detect", "face_detection_analysis"),
    ] {
        assert_eq!(op(method, uri, &[]).expect("ok").as_deref(), Some(capability), "{method} {uri}");
    }
    // A harmless Rekognition header on an Azure identify path: two operations, refused.
    assert!(op("POST", "/face/v1.0/identify", &[("X-Amz-Target", &target("DetectFaces"))]).is_err());
    // Two different targets: the gate and the service could each read another one.
    let twice = [("X-Amz-Target", target("DetectFaces")), ("X-Amz-Target", target("SearchFacesByImage"))];
    let twice: Vec<(&str, &str)> = twice.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert!(op("POST", "/", &twice).is_err());
    assert!(op("GET", &format!("/{}", "a".repeat(9000)), &[]).is_err());
}
