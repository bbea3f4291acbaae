//! URL normalisation and the node-list parser; the plan, the rendering, the
//! example and file writing are in `render`.

mod render;

use super::*;

pub(super) fn url(input: &str) -> HostUrl {
    HostUrl::parse(input).unwrap_or_else(|e| panic!("{input:?} should parse: {e}"))
}

#[test]
fn host_urls_are_read_leniently() {
    let cases = [
        ("http://10.0.0.1", "10.0.0.1", 8000, ""),
        ("http://10.0.0.1:8000", "10.0.0.1", 8000, ""),
        ("10.0.0.1:8000", "10.0.0.1", 8000, ""),
        ("10.0.0.1", "10.0.0.1", 8000, ""),
        ("  kohaku-host.lan:9000/  ", "kohaku-host.lan", 9000, ""),
        ("HTTP://host:8000/api", "host", 8000, ""),
        ("http://host:8000/api/", "host", 8000, ""),
        ("http://host/api/nodes", "host", 8000, ""),
        ("http://host:", "host", 8000, ""),
        ("http://gw/kohaku/api/", "gw", 8000, "/kohaku"),
        ("http://[fe80::1]:8001/", "fe80::1", 8001, ""),
        ("[::1]", "::1", 8000, ""),
        ("fe80::2", "fe80::2", 8000, ""),
    ];
    for (input, host, port, prefix) in cases {
        let parsed = url(input);
        assert_eq!(
            (parsed.host.as_str(), parsed.port, parsed.prefix.as_str()),
            (host, port, prefix),
            "{input:?}"
        );
    }
    assert_eq!(url("host:8000/").nodes_url(), "http://host:8000/api/nodes");
    assert_eq!(url("[::1]:8000").nodes_url(), "http://[::1]:8000/api/nodes");
    assert_eq!(
        url("http://gw/kohaku/api").nodes_url(),
        "http://gw:8000/kohaku/api/nodes"
    );
}

#[test]
fn bad_host_urls_say_why() {
    let cases = [
        ("", "empty"),
        ("http://", "no host"),
        ("http://host:0", "port"),
        ("http://host:99999", "port"),
        ("http://host:http", "port"),
        ("ftp://host", "scheme"),
        ("http://user:pw@host", "--token"),
        ("http://host/api?x=1", "query"),
        ("http://ho st", "contains"),
        ("-oProxyCommand=x", "'-'"),
        ("http://[::1", "not closed"),
        ("http://host/a b", "contains"),
    ];
    for (input, needle) in cases {
        match HostUrl::parse(input) {
            Err(e @ DiscoverError::InvalidUrl { .. }) => {
                assert!(e.to_string().contains(needle), "{input:?}: {e}");
            }
            other => panic!("{input:?} should be refused, got {other:?}"),
        }
    }
}

#[test]
fn https_is_refused_with_the_plain_http_url() {
    let err = HostUrl::parse("https://10.0.0.1:8443/api").expect_err("https is refused");
    let text = err.to_string();
    assert!(matches!(err, DiscoverError::Https { .. }), "{err:?}");
    assert!(text.contains("plain http on port 8000"), "{text}");
    assert!(text.contains("http://10.0.0.1:8000"), "{text}");
}

#[test]
fn runner_url_hosts() {
    assert_eq!(
        url_host("http://10.0.0.11:8001").as_deref(),
        Some("10.0.0.11")
    );
    assert_eq!(
        url_host("http://[fd00::5]:8001").as_deref(),
        Some("fd00::5")
    );
    assert_eq!(url_host("gpu-1:8001").as_deref(), Some("gpu-1"));
    assert_eq!(url_host("http://:8001"), None);
    assert_eq!(url_host(""), None);
}

/// The document the Host of a small cluster answers with: every field KohakuRiver
/// sends, plus one it may add later.
const DOC: &str = r#"[
  {"hostname": "gpu-1", "url": "http://10.0.0.11:8001", "total_cores": 32,
   "cores_in_use": 4, "available_cores": 28, "status": "online",
   "last_heartbeat": "2026-11-26T10:41:07.123456", "numa_topology": {},
   "gpu_info": [{"gpu_id": 0}], "vm_capable": false, "vfio_gpus": [],
   "runner_version": "0.4.0", "future_field": {"x": 1}},
  {"hostname": "gpu-2", "url": "http://10.0.0.12:8001", "status": "offline",
   "last_heartbeat": "2026-11-25T08:00:00"},
  {"hostname": "lonely", "url": "http://127.0.0.1:8001", "status": "online",
   "last_heartbeat": null},
  {"hostname": "kohaku-host", "url": "http://10.0.0.1:8001", "status": "online"},
  {"hostname": "gpu 3!", "url": "http://10.0.0.13:8001", "status": "online"},
  {"hostname": "gpu-3-", "url": "http://10.0.0.14:8001", "status": "online"},
  {"hostname": "gpu-3-", "url": "http://10.0.0.15:8001", "status": "online"},
  {"hostname": "twin", "url": "http://10.0.0.11:8001", "status": "online"},
  {"hostname": "nourl"}
]"#;

pub(super) fn nodes() -> Vec<ApiNode> {
    parse_nodes("http://10.0.0.1:8000/api/nodes", DOC.as_bytes()).expect("DOC parses")
}

#[test]
fn the_node_list_is_parsed_with_extra_and_missing_fields() {
    let nodes = nodes();
    assert_eq!(nodes.len(), 9);
    assert_eq!(
        nodes[0],
        ApiNode {
            hostname: "gpu-1".into(),
            url: Some("http://10.0.0.11:8001".into()),
            status: Some("online".into()),
            last_heartbeat: Some("2026-11-26T10:41:07.123456".into()),
        }
    );
    assert!(nodes[0].is_online());
    assert!(!nodes[1].is_online());
    assert_eq!(nodes[2].last_heartbeat, None);
    assert_eq!(
        nodes[8],
        ApiNode {
            hostname: "nourl".into(),
            url: None,
            status: None,
            last_heartbeat: None
        }
    );
    assert_eq!(parse_nodes("u", b"[]").expect("empty list"), vec![]);
}

#[test]
fn documents_that_are_not_node_lists_are_refused() {
    let cases: [(&[u8], &str); 6] = [
        (b"<html>Not Found</html>", "did not answer with JSON"),
        (b"", "did not answer with JSON"),
        (
            br#"{"detail": "x", "nodes": []}"#,
            "object with keys [detail, nodes]",
        ),
        (b"42", "got a number"),
        (
            br#"[{"url": "http://1.2.3.4:8001"}]"#,
            "item 0 has no \"hostname\"",
        ),
        (br#"[{"hostname": 7}]"#, "\"hostname\" is a number"),
    ];
    for (body, needle) in cases {
        let err = parse_nodes("http://h:8000/api/nodes", body).expect_err("refused");
        let text = err.to_string();
        assert!(text.contains(needle), "{text}");
        assert!(text.contains("http://h:8000/api/nodes"), "{text}");
    }
    let html = parse_nodes("u", b"<html>\n<body>hello</body>").expect_err("not json");
    assert!(
        html.to_string()
            .contains("body starts: \"<html> <body>hello</body>\""),
        "{html}"
    );
}
