#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sigaudit::internals::fuzz_targets::report_lines(data));
