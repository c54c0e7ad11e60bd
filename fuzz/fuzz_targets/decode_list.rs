//! Fuzzes the production-test list decoder: any input must decode or fail with an error,
//! never panic, and whatever decodes must re-encode to the wire shape and read back equal.
#![no_main]

use hopae::production_tests::{ProductionTestReport};
use hopae::{ProductionTestItem};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(items) = serde_json::from_slice::<Vec<ProductionTestItem>>(data) {
        let wire = serde_json::to_vec(&items).expect("a decoded list re-encodes");
        let back: Vec<ProductionTestItem> =
            serde_json::from_slice(&wire).expect("a re-encoded list decodes");
        assert_eq!(back, items);
    }
    if let Ok(report) = serde_json::from_slice::<ProductionTestReport>(data) {
        let wire = serde_json::to_vec(&report).expect("a decoded report re-encodes");
        let back: ProductionTestReport =
            serde_json::from_slice(&wire).expect("a re-encoded report decodes");
        assert_eq!(back, report);
    }
});
