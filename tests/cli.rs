//! The binary is thin: it parses arguments and maps the outcome to an exit code.

use std::process::Command;

#[test]
fn version_and_help_work_and_no_command_is_an_operational_error() {
    let bin = env!("CARGO_BIN_EXE_sigaudit");
    let v = Command::new(bin).arg("--version").output().unwrap();
    assert!(v.status.success());
    assert!(String::from_utf8_lossy(&v.stdout).contains(env!("CARGO_PKG_VERSION")));
    let h = Command::new(bin).arg("--help").output().unwrap();
    assert!(h.status.success());
    let none = Command::new(bin).output().unwrap();
    assert_eq!(none.status.code(), Some(2));
    let bad = Command::new(bin).arg("--no-such-flag").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
