//! Every kind of config error: its position, key, suggestion and rendering.

use rivershare::config::{NODE_KEYS, Problem, TOP_KEYS};

use crate::invalid;

const NODE_A: &str = "[[nodes]]\nname = \"a\"\nrole = \"host\"\naddress = \"10.0.0.1\"\n";

fn at(inv: &rivershare::config::InvalidConfig) -> (Option<usize>, Option<usize>, Option<&str>) {
    (inv.line, inv.column, inv.key.as_deref())
}

#[test]
fn unknown_node_key_points_at_it_and_suggests_the_closest() {
    let text = format!(
        "{NODE_A}\n[[nodes]]\nname = \"b\"\nrole = \"runner\"\naddress = \"x\"\n\n[[nodes]]\nname = \"c\"\nrole = \"runner\"\n adress = \"10.0.0.3\"\n"
    );
    let (inv, shown) = invalid(&text);
    assert_eq!(at(&inv), (Some(14), Some(2), Some("nodes[2].adress")));
    assert_eq!(
        inv.problem,
        Problem::UnknownKey {
            suggestion: Some("address"),
            valid: NODE_KEYS,
            belongs_in: None,
        }
    );
    assert_eq!(
        shown,
        "/etc/rivershare.toml:14:2: nodes[2]: unknown key 'adress'; did you mean 'address'? \
         (valid: name, role, address, shared_dir, user, port, identity_files, transport)"
    );
}

#[test]
fn unknown_top_level_key_lists_the_top_level_keys() {
    let (inv, shown) = invalid(&format!(
        "concurrency = 4\nconect_timeout_secs = 3\n{NODE_A}"
    ));
    assert_eq!(at(&inv), (Some(2), Some(1), Some("conect_timeout_secs")));
    assert_eq!(
        inv.problem,
        Problem::UnknownKey {
            suggestion: Some("connect_timeout_secs"),
            valid: TOP_KEYS,
            belongs_in: None,
        }
    );
    assert!(
        shown.starts_with(
            "/etc/rivershare.toml:2:1: unknown key 'conect_timeout_secs'; did you mean 'connect_timeout_secs'? (valid: ssh_config, known_hosts,"
        ),
        "{shown}"
    );
}

#[test]
fn unknown_key_far_from_any_valid_key_gets_no_suggestion() {
    let (inv, shown) = invalid(&format!("{NODE_A}zzzz = 1\n"));
    assert_eq!(at(&inv), (Some(5), Some(1), Some("nodes[0].zzzz")));
    assert!(matches!(
        inv.problem,
        Problem::UnknownKey {
            suggestion: None,
            ..
        }
    ));
    assert!(!shown.contains("did you mean"), "{shown}");
}

#[test]
fn unknown_key_in_defaults() {
    let (inv, shown) = invalid(&format!("[defaults]\nusr = \"root\"\n{NODE_A}"));
    assert_eq!(at(&inv), (Some(2), Some(1), Some("defaults.usr")));
    assert_eq!(
        shown,
        "/etc/rivershare.toml:2:1: defaults: unknown key 'usr'; did you mean 'user'? \
         (valid: user, port, identity_files, shared_dir)"
    );
}

#[test]
fn name_and_role_are_not_valid_in_defaults() {
    let (inv, shown) = invalid(&format!("[defaults]\nrole = \"runner\"\n{NODE_A}"));
    assert_eq!(at(&inv), (Some(2), Some(1), Some("defaults.role")));
    assert_eq!(
        shown,
        "/etc/rivershare.toml:2:1: defaults: unknown key 'role'; it belongs in a [[nodes]] table \
         (it has no default) (valid: user, port, identity_files, shared_dir)"
    );
}

#[test]
fn keys_at_the_wrong_level_say_where_they_belong() {
    let (inv, shown) = invalid(&format!("shared_dir = \"/mnt/x\"\n{NODE_A}"));
    assert_eq!(at(&inv), (Some(1), Some(1), Some("shared_dir")));
    assert!(
        shown.contains(
            "unknown key 'shared_dir'; it belongs in [defaults] or a [[nodes]] table (valid: "
        ),
        "{shown}"
    );
    let (_, shown) = invalid(&format!("address = \"x\"\n{NODE_A}"));
    assert!(shown.contains("it belongs in a [[nodes]] table"), "{shown}");
    let (_, shown) = invalid(&format!("[defaults]\nconcurrency = 3\n{NODE_A}"));
    assert!(
        shown.contains("it belongs in the top level, before [defaults]"),
        "{shown}"
    );
    let (inv, shown) = invalid(&format!("{NODE_A}read_only = true\n"));
    assert_eq!(inv.key.as_deref(), Some("nodes[0].read_only"));
    assert!(
        shown.contains("it belongs in the top level, before any table"),
        "{shown}"
    );
}

#[test]
fn the_first_unknown_key_in_the_file_is_reported() {
    // The parsed table is sorted by key; the report must follow the file instead.
    let (inv, _) = invalid(&format!("{NODE_A}zeta = 1\nalpha = 2\n"));
    assert_eq!(inv.key.as_deref(), Some("nodes[0].zeta"));
}

#[test]
fn wrong_type_points_at_the_value() {
    let (inv, shown) = invalid(&format!("concurrency = \"64\"\n{NODE_A}"));
    assert_eq!(at(&inv), (Some(1), Some(15), Some("concurrency")));
    assert_eq!(
        inv.problem,
        Problem::WrongType {
            expected: "an integer",
            found: "string"
        }
    );
    assert_eq!(
        shown,
        "/etc/rivershare.toml:1:15: concurrency: expected an integer, found a string"
    );
}

#[test]
fn wrong_types_in_nodes_and_arrays() {
    let (inv, shown) =
        invalid("[[nodes]]\nname = \"a\"\nrole = \"host\"\naddress = \"x\"\nport = \"22\"\n");
    assert_eq!(at(&inv), (Some(5), Some(8), Some("nodes[0].port")));
    assert!(shown.ends_with("nodes[0].port: expected an integer, found a string"));

    let (inv, _) = invalid(&format!(
        "[defaults]\nidentity_files = [\"~/a\", 3]\n{NODE_A}"
    ));
    assert_eq!(
        at(&inv),
        (Some(2), Some(26), Some("defaults.identity_files[1]"))
    );

    let (inv, _) = invalid(&format!("[defaults]\nidentity_files = \"~/a\"\n{NODE_A}"));
    assert_eq!(
        inv.problem,
        Problem::WrongType {
            expected: "an array of strings",
            found: "string"
        }
    );

    let (inv, shown) = invalid(&format!("read_only = \"no\"\n{NODE_A}"));
    assert_eq!(at(&inv), (Some(1), Some(13), Some("read_only")));
    assert!(shown.ends_with("expected a boolean (true or false), found a string"));

    let (inv, _) = invalid(&format!("defaults = 3\n{NODE_A}"));
    assert_eq!(at(&inv), (Some(1), Some(12), Some("defaults")));

    let (inv, shown) = invalid("[nodes]\nname = \"a\"\n");
    assert_eq!(at(&inv), (Some(1), Some(1), Some("nodes")));
    assert!(shown.ends_with("nodes: expected an array of tables ([[nodes]]), found a table"));
}

#[test]
fn bad_enum_values_suggest_the_closest_choice() {
    let (inv, shown) = invalid("[[nodes]]\nname = \"a\"\nrole = \"runer\"\naddress = \"x\"\n");
    assert_eq!(at(&inv), (Some(3), Some(8), Some("nodes[0].role")));
    assert_eq!(
        shown,
        "/etc/rivershare.toml:3:8: nodes[0].role: invalid value 'runer'; expected one of: host, runner; did you mean 'runner'?"
    );

    let (inv, shown) = invalid(&format!("host_key_policy = \"accept_new\"\n{NODE_A}"));
    assert_eq!(at(&inv), (Some(1), Some(19), Some("host_key_policy")));
    assert!(shown.ends_with("did you mean 'accept-new'?"), "{shown}");

    let (inv, shown) = invalid(&format!("{NODE_A}transport = \"telnet\"\n"));
    assert_eq!(at(&inv), (Some(5), Some(13), Some("nodes[0].transport")));
    assert!(shown.contains("expected one of: ssh, local"), "{shown}");
    assert!(!shown.contains("did you mean"), "{shown}");
}

#[test]
fn missing_required_keys_point_at_the_node_header() {
    let text = format!("{NODE_A}\n[[nodes]]\nname = \"b\"\nrole = \"runner\"\n");
    let (inv, shown) = invalid(&text);
    assert_eq!(at(&inv), (Some(6), Some(1), Some("nodes[1]")));
    assert_eq!(inv.problem, Problem::MissingKey { missing: "address" });
    assert_eq!(
        shown,
        "/etc/rivershare.toml:6:1: nodes[1]: missing required key 'address' \
         (every node needs one unless transport = \"local\")"
    );

    let (inv, _) = invalid("[[nodes]]\nrole = \"host\"\naddress = \"x\"\n");
    assert_eq!(inv.problem, Problem::MissingKey { missing: "name" });
    assert_eq!(at(&inv), (Some(1), Some(1), Some("nodes[0]")));

    let (inv, _) = invalid("[[nodes]]\nname = \"a\"\naddress = \"x\"\n");
    assert_eq!(inv.problem, Problem::MissingKey { missing: "role" });
}

#[test]
fn inline_node_tables_report_their_own_position() {
    let text = "nodes = [\n  { name = \"a\", role = \"host\", address = \"x\" },\n  { name = \"b\", role = \"host\" },\n]\n";
    let (inv, _) = invalid(text);
    assert_eq!(at(&inv), (Some(3), Some(3), Some("nodes[1]")));
}

#[test]
fn duplicate_node_name_points_at_the_second_occurrence() {
    let text = format!(
        "{NODE_A}\n[[nodes]]\nname = \"b\"\nrole = \"runner\"\naddress = \"y\"\n\n[[nodes]]\nrole = \"runner\"\naddress = \"z\"\nname = \"a\"\n"
    );
    let (inv, shown) = invalid(&text);
    assert_eq!(at(&inv), (Some(14), Some(8), Some("nodes[2].name")));
    assert_eq!(
        inv.problem,
        Problem::DuplicateName {
            name: "a".into(),
            first_key: "nodes[0]".into(),
            first_line: 2
        }
    );
    assert_eq!(
        shown,
        "/etc/rivershare.toml:14:8: nodes[2].name: duplicate node name 'a' (already used by nodes[0] at line 2)"
    );
}

#[test]
fn bad_node_names() {
    for (name, needle) in [
        ("", "node name is empty"),
        ("a b", "contains ' '"),
        ("a/b", "contains '/'"),
        ("..", "must start with a letter or a digit"),
        ("-x", "must start with a letter or a digit"),
        ("ré", "contains 'é'"),
    ] {
        let (inv, shown) = invalid(&format!(
            "[[nodes]]\nname = {name:?}\nrole = \"host\"\naddress = \"x\"\n"
        ));
        assert_eq!(
            at(&inv),
            (Some(2), Some(8), Some("nodes[0].name")),
            "{name}"
        );
        assert!(shown.contains(needle), "{name}: {shown}");
    }
    let long = "n".repeat(129);
    let (_, shown) = invalid(&format!(
        "[[nodes]]\nname = \"{long}\"\nrole = \"host\"\naddress = \"x\"\n"
    ));
    assert!(shown.contains("longer than 128"), "{shown}");
}

#[test]
fn addresses_and_users_cannot_look_like_options() {
    let (inv, shown) =
        invalid("[[nodes]]\nname = \"a\"\nrole = \"host\"\naddress = \"-oProxyCommand=x\"\n");
    assert_eq!(at(&inv), (Some(4), Some(11), Some("nodes[0].address")));
    assert!(shown.contains("must not start with '-'"), "{shown}");
    let (inv, _) = invalid(&format!("[defaults]\nuser = \"a b\"\n{NODE_A}"));
    assert_eq!(inv.key.as_deref(), Some("defaults.user"));
    let (inv, _) = invalid("[[nodes]]\nname = \"a\"\nrole = \"host\"\naddress = \"\"\n");
    assert_eq!(inv.key.as_deref(), Some("nodes[0].address"));
}

#[test]
fn shared_dir_must_be_absolute() {
    let (inv, shown) = invalid(&format!("{NODE_A}shared_dir = \"mnt/share\"\n"));
    assert_eq!(at(&inv), (Some(5), Some(14), Some("nodes[0].shared_dir")));
    assert!(
        shown.ends_with("shared_dir must be an absolute path, got \"mnt/share\""),
        "{shown}"
    );
    let (inv, _) = invalid(&format!("[defaults]\nshared_dir = \"\"\n{NODE_A}"));
    assert_eq!(inv.key.as_deref(), Some("defaults.shared_dir"));
    let (inv, _) = invalid(&format!("[defaults]\nshared_dir = \"~/share\"\n{NODE_A}"));
    assert_eq!(inv.key.as_deref(), Some("defaults.shared_dir"));
}

#[test]
fn numbers_out_of_range() {
    for (line, key, col) in [
        ("concurrency = 0", "concurrency", 15),
        ("connect_timeout_secs = 0", "connect_timeout_secs", 24),
        ("command_timeout_secs = -5", "command_timeout_secs", 24),
        ("min_free_gib = -1", "min_free_gib", 16),
        ("min_free_gib = nan", "min_free_gib", 16),
        ("min_free_gib = inf", "min_free_gib", 16),
    ] {
        let (inv, _) = invalid(&format!("{line}\n{NODE_A}"));
        assert_eq!(at(&inv), (Some(1), Some(col), Some(key)), "{line}");
        assert!(
            matches!(inv.problem, Problem::InvalidValue { .. }),
            "{line}"
        );
    }
    let (inv, shown) = invalid(&format!("{NODE_A}port = 70000\n"));
    assert_eq!(at(&inv), (Some(5), Some(8), Some("nodes[0].port")));
    assert!(
        shown.ends_with("70000 is out of range; expected 1 to 65535"),
        "{shown}"
    );
    let (_, shown) = invalid(&format!("min_free_gib = \"20\"\n{NODE_A}"));
    assert!(
        shown.ends_with("min_free_gib: expected a number, found a string"),
        "{shown}"
    );
}

#[test]
fn tilde_user_paths_are_refused() {
    let (inv, shown) = invalid(&format!(
        "known_hosts = \"~bob/.ssh/known_hosts\"\n{NODE_A}"
    ));
    assert_eq!(at(&inv), (Some(1), Some(15), Some("known_hosts")));
    assert!(shown.contains("only '~/' is expanded"), "{shown}");
}

#[test]
fn tilde_without_home_is_an_error() {
    let err = rivershare::config::Config::from_toml_str_with_home(
        &format!("ssh_config = \"~/.ssh/config\"\n{NODE_A}"),
        std::path::Path::new("c.toml"),
        None,
    )
    .expect_err("no home");
    let shown = err.to_string();
    assert!(
        shown.starts_with("c.toml:1:14: ssh_config: '~/.ssh/config' starts with '~'"),
        "{shown}"
    );
}

#[test]
fn syntax_errors_carry_the_parser_position() {
    let (inv, shown) = invalid("concurrency = 4\nread_only = \n");
    assert_eq!(at(&inv), (Some(2), Some(13), Some("read_only")));
    assert!(matches!(inv.problem, Problem::Syntax { .. }));
    assert!(
        shown.starts_with("/etc/rivershare.toml:2:13: read_only: TOML syntax error: "),
        "{shown}"
    );

    let (inv, shown) = invalid(&format!("{NODE_A}name = \"b\"\n"));
    assert_eq!(at(&inv), (Some(5), Some(1), Some("nodes[0].name")));
    assert!(
        shown.ends_with("TOML syntax error: duplicate key 'name'"),
        "{shown}"
    );

    let (inv, _) = invalid("[[nodes]]\nname = \"unterminated\nrole = \"host\"\n");
    assert_eq!(inv.line, Some(2));
    assert_eq!(inv.key.as_deref(), Some("nodes[0].name"));

    // The key is named with its table, `[[nodes]]` counted from 0.
    let (inv, shown) = invalid(&format!(
        "{NODE_A}\n[[nodes]]\nname = \"b\"\nport = 22 22\n[defaults]\n"
    ));
    assert_eq!(inv.key.as_deref(), Some("nodes[1].port"), "{shown}");
    assert!(shown.contains(":8:"), "{shown}");
    let (inv, _) = invalid(&format!("[defaults]\nuser = 'a\n{NODE_A}"));
    assert_eq!(inv.key.as_deref(), Some("defaults.user"));
    // A line that assigns nothing names no key.
    let (inv, shown) = invalid("[[nodes]\nname = \"a\"\n");
    assert_eq!((inv.line, inv.key.as_deref()), (Some(1), None), "{shown}");
}

#[test]
fn columns_count_characters_not_bytes() {
    // "é" is two bytes; the column after it must still be 1-based characters.
    let (inv, _) = invalid("[[nodes]]\nname = \"é\" ; port = 1\n");
    assert_eq!(inv.line, Some(2));
    assert_eq!(inv.column, Some(12));
}

#[test]
fn no_nodes_at_all() {
    let (inv, shown) = invalid("concurrency = 3\n");
    assert_eq!(at(&inv), (None, None, None));
    assert_eq!(inv.problem, Problem::NoNodes);
    assert_eq!(
        shown,
        "/etc/rivershare.toml: no nodes defined; add at least one [[nodes]] table with name, role and address"
    );
    let (inv, shown) = invalid("nodes = []\n");
    assert_eq!(at(&inv), (Some(1), Some(9), Some("nodes")));
    assert!(
        shown.starts_with("/etc/rivershare.toml:1:9: nodes: no nodes defined"),
        "{shown}"
    );
}

#[test]
fn console_keys_refresh_secs_and_theme() {
    let (inv, shown) = invalid(&format!("refresh_secs = 0\n{NODE_A}"));
    assert_eq!(at(&inv), (Some(1), Some(16), Some("refresh_secs")));
    assert!(
        shown.ends_with("refresh_secs: 0 is out of range; expected 1 to 86400"),
        "{shown}"
    );
    let (_, shown) = invalid(&format!("refresh_secs = 2.5\n{NODE_A}"));
    assert!(
        shown.ends_with("refresh_secs: expected an integer, found a float"),
        "{shown}"
    );
    let (inv, shown) = invalid(&format!("theme = \"high_contrast\"\n{NODE_A}"));
    assert_eq!(at(&inv), (Some(1), Some(9), Some("theme")));
    assert!(
        shown.ends_with(
            "expected one of: dark, light, high-contrast; did you mean 'high-contrast'?"
        ),
        "{shown}"
    );
    let (inv, shown) = invalid(&format!("refesh_secs = 5\n{NODE_A}"));
    assert_eq!(at(&inv), (Some(1), Some(1), Some("refesh_secs")));
    assert!(shown.contains("did you mean 'refresh_secs'?"), "{shown}");
}

#[test]
fn ssh_paths_must_be_absolute_or_start_with_tilde() {
    let (inv, shown) = invalid(&format!("known_hosts = \"ssh/known_hosts\"\n{NODE_A}"));
    assert_eq!(at(&inv), (Some(1), Some(15), Some("known_hosts")));
    assert!(
        shown.ends_with(
            "known_hosts: must be an absolute path or start with '~/', got \"ssh/known_hosts\""
        ),
        "{shown}"
    );
    let (inv, _) = invalid(&format!("ssh_config = \"./config\"\n{NODE_A}"));
    assert_eq!(inv.key.as_deref(), Some("ssh_config"));
    let (inv, _) = invalid(&format!(
        "[defaults]\nidentity_files = [\"~/.ssh/a\", \"id_b\"]\n{NODE_A}"
    ));
    assert_eq!(inv.key.as_deref(), Some("defaults.identity_files[1]"));
    let (inv, _) = invalid(&format!("{NODE_A}identity_files = [\"keys/id\"]\n"));
    assert_eq!(inv.key.as_deref(), Some("nodes[0].identity_files[0]"));
    // `~/` and absolute paths still load.
    let c = crate::ok(&format!(
        "known_hosts = \"~/kh\"\nssh_config = \"/etc/ssh/c\"\n{NODE_A}"
    ));
    assert_eq!(c.ssh.known_hosts, std::path::Path::new("/home/op/kh"));
}
