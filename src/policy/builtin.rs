//! The built-in policies and the files they bring, compiled into the binary: `etsi`
//! (`policies/etsi.toml`) and the Vietnamese government pack (`policies/vn/`: its two
//! policies and the VGCA and national root certificates with their sub-CAs; fingerprints in
//! `policies/vn/FINGERPRINTS.sha256`).

/// A built-in policy: its name, its TOML, and the folder its relative paths name.
pub(super) struct Builtin {
    pub(super) name: &'static str,
    pub(super) toml: &'static str,
    pub(super) folder: &'static str,
}

/// The built-in policies.
pub(super) const POLICIES: [Builtin; 3] = [
    Builtin {
        name: "etsi",
        toml: include_str!("../../policies/etsi.toml"),
        folder: "",
    },
    Builtin {
        name: "vn-gov-published",
        toml: include_str!("../../policies/vn/vn-gov-published.toml"),
        folder: "vn/",
    },
    Builtin {
        name: "vn-gov-issued",
        toml: include_str!("../../policies/vn/vn-gov-issued.toml"),
        folder: "vn/",
    },
];

/// The files the built-in policies name, by path under `policies/`.
pub(super) const FILES: &[(&str, &[u8])] = &[
    (
        "vn/certs/roots/co-quan-chung-thuc-so-chuyen-dung-chinh-phu-rootca.pem",
        include_bytes!(
            "../../policies/vn/certs/roots/co-quan-chung-thuc-so-chuyen-dung-chinh-phu-rootca.pem"
        ),
    ),
    (
        "vn/certs/roots/mic-national-root-ca.pem",
        include_bytes!("../../policies/vn/certs/roots/mic-national-root-ca.pem"),
    ),
    (
        "vn/certs/roots/rootca-chuyen-dung-chinh-phu-g2.pem",
        include_bytes!("../../policies/vn/certs/roots/rootca-chuyen-dung-chinh-phu-g2.pem"),
    ),
    (
        "vn/certs/roots/vietnam-national-root-ca.pem",
        include_bytes!("../../policies/vn/certs/roots/vietnam-national-root-ca.pem"),
    ),
    (
        "vn/certs/intermediates/bkavca.pem",
        include_bytes!("../../policies/vn/certs/intermediates/bkavca.pem"),
    ),
    (
        "vn/certs/intermediates/ca-phuc-vu-cac-co-quan-dang-g2.pem",
        include_bytes!("../../policies/vn/certs/intermediates/ca-phuc-vu-cac-co-quan-dang-g2.pem"),
    ),
    (
        "vn/certs/intermediates/ca-phuc-vu-cac-co-quan-nha-nuoc-g2.pem",
        include_bytes!(
            "../../policies/vn/certs/intermediates/ca-phuc-vu-cac-co-quan-nha-nuoc-g2.pem"
        ),
    ),
    (
        "vn/certs/intermediates/ca2.pem",
        include_bytes!("../../policies/vn/certs/intermediates/ca2.pem"),
    ),
    (
        "vn/certs/intermediates/co-quan-chung-thuc-so-bo-cong-an.pem",
        include_bytes!(
            "../../policies/vn/certs/intermediates/co-quan-chung-thuc-so-bo-cong-an.pem"
        ),
    ),
    (
        "vn/certs/intermediates/co-quan-chung-thuc-so-bo-ngoai-giao.pem",
        include_bytes!(
            "../../policies/vn/certs/intermediates/co-quan-chung-thuc-so-bo-ngoai-giao.pem"
        ),
    ),
    (
        "vn/certs/intermediates/co-quan-chung-thuc-so-bo-tai-chinh.pem",
        include_bytes!(
            "../../policies/vn/certs/intermediates/co-quan-chung-thuc-so-bo-tai-chinh.pem"
        ),
    ),
    (
        "vn/certs/intermediates/co-quan-chung-thuc-so-chinh-phu.pem",
        include_bytes!("../../policies/vn/certs/intermediates/co-quan-chung-thuc-so-chinh-phu.pem"),
    ),
    (
        "vn/certs/intermediates/co-quan-chung-thuc-so-dang-cong-san.pem",
        include_bytes!(
            "../../policies/vn/certs/intermediates/co-quan-chung-thuc-so-dang-cong-san.pem"
        ),
    ),
    (
        "vn/certs/intermediates/fpt-certification-authority.pem",
        include_bytes!("../../policies/vn/certs/intermediates/fpt-certification-authority.pem"),
    ),
    (
        "vn/certs/intermediates/may-chu-cap-dau-thoi-gian-01.pem",
        include_bytes!("../../policies/vn/certs/intermediates/may-chu-cap-dau-thoi-gian-01.pem"),
    ),
    (
        "vn/certs/intermediates/may-chu-cap-dau-thoi-gian-02-095e2364.pem",
        include_bytes!(
            "../../policies/vn/certs/intermediates/may-chu-cap-dau-thoi-gian-02-095e2364.pem"
        ),
    ),
    (
        "vn/certs/intermediates/may-chu-cap-dau-thoi-gian-02-eae46d68.pem",
        include_bytes!(
            "../../policies/vn/certs/intermediates/may-chu-cap-dau-thoi-gian-02-eae46d68.pem"
        ),
    ),
    (
        "vn/certs/intermediates/may-chu-cap-dau-thoi-gian-02.pem",
        include_bytes!("../../policies/vn/certs/intermediates/may-chu-cap-dau-thoi-gian-02.pem"),
    ),
    (
        "vn/certs/intermediates/may-chu-cap-dau-thoi-gian-hl01.pem",
        include_bytes!("../../policies/vn/certs/intermediates/may-chu-cap-dau-thoi-gian-hl01.pem"),
    ),
    (
        "vn/certs/intermediates/may-chu-cap-dau-thoi-gian.pem",
        include_bytes!("../../policies/vn/certs/intermediates/may-chu-cap-dau-thoi-gian.pem"),
    ),
    (
        "vn/certs/intermediates/newtel-ca.pem",
        include_bytes!("../../policies/vn/certs/intermediates/newtel-ca.pem"),
    ),
    (
        "vn/certs/intermediates/safe-ca.pem",
        include_bytes!("../../policies/vn/certs/intermediates/safe-ca.pem"),
    ),
    (
        "vn/certs/intermediates/smartsign.pem",
        include_bytes!("../../policies/vn/certs/intermediates/smartsign.pem"),
    ),
    (
        "vn/certs/intermediates/viettel-ca.pem",
        include_bytes!("../../policies/vn/certs/intermediates/viettel-ca.pem"),
    ),
    (
        "vn/certs/intermediates/vnpt-ca-sha2.pem",
        include_bytes!("../../policies/vn/certs/intermediates/vnpt-ca-sha2.pem"),
    ),
    (
        "vn/certs/intermediates/vnpt-certification-authority.pem",
        include_bytes!("../../policies/vn/certs/intermediates/vnpt-certification-authority.pem"),
    ),
];
