//! The generator's manifests speak sigaudit's verdict vocabulary: every status, indication and
//! sub-indication in the bundled sample parses into the library's ETSI types.

use std::path::Path;

use sigaudit::{DocumentStatus, Indication, Modifications, SubIndication};

#[test]
fn sample_manifest_uses_etsi_names_sigaudit_knows() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sample/manifest.jsonl");
    let text = std::fs::read_to_string(&path).expect("bundled sample manifest");
    let mut signatures = 0;
    let mut statuses = std::collections::BTreeSet::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let status: DocumentStatus = serde_json::from_value(v["status"].clone()).unwrap();
        statuses.insert(status);
        for s in v["signatures"].as_array().unwrap() {
            let ind: Indication = serde_json::from_value(s["indication"].clone()).unwrap();
            let sub: Option<SubIndication> =
                serde_json::from_value(s["sub_indication"].clone()).unwrap();
            let _: Modifications = serde_json::from_value(s["modifications"].clone()).unwrap();
            if let Some(sub) = sub {
                assert_eq!(sub.indication(), ind, "{line}");
            } else {
                assert_eq!(ind, Indication::TotalPassed, "{line}");
            }
            signatures += 1;
        }
    }
    assert!(signatures > 100);
    assert_eq!(
        statuses.len(),
        4,
        "sample holds every document status: {statuses:?}"
    );
}
