//! Reading KohakuRiver's Python config without executing it.

use rivershare::facts::Role;
use rivershare::kohakuriver::{
    Lookup, PyValue, TarballDir, default_tarball_dir, parse_assignments, shared_dir_from,
    tarball_dir_from,
};

fn s(v: &str) -> PyValue {
    PyValue::Str(v.to_string())
}
fn unknown(v: &str) -> PyValue {
    PyValue::Unknown(v.to_string())
}

/// Shaped like the host_config.py KohakuRiver's `init config` writes.
const HOST_CONFIG: &str = r#""""
KohakuRiver Host configuration.

SHARED_DIR = "/not/this/one"   (inside the module docstring)
"""
import os
from kohakuriver.utils.config import *

# Network
HOST_BIND_IP: str = "0.0.0.0"
HOST_PORT: int = 8000
HOST_SSH_PROXY_PORT: int = 8002

# Paths
SHARED_DIR: str = "/mnt/cluster-share"  # must be the same on every node
CONTAINER_DIR = ''
DB_FILE: str = "/var/lib/kohakuriver/kohakuriver.db"

if os.environ.get("DEV"):
    SHARED_DIR = "/tmp/dev-share"

def helper():
    SHARED_DIR = "/nope"
"#;

#[test]
fn both_spellings_and_indented_lines_ignored() {
    let a = parse_assignments(HOST_CONFIG);
    assert_eq!(a.get("SHARED_DIR"), Some(&s("/mnt/cluster-share")));
    assert_eq!(a.get("HOST_BIND_IP"), Some(&s("0.0.0.0")));
    assert_eq!(a.get("CONTAINER_DIR"), Some(&s("")));
    assert_eq!(
        a.get("DB_FILE"),
        Some(&s("/var/lib/kohakuriver/kohakuriver.db"))
    );
    assert_eq!(a.get("HOST_PORT"), Some(&unknown("8000")));
    assert_eq!(
        shared_dir_from(HOST_CONFIG),
        Lookup::Found("/mnt/cluster-share".into())
    );
}

#[test]
fn quotes_and_escapes() {
    let a = parse_assignments(concat!(
        "A = 'single'\n",
        "B = \"it's\"\n",
        "C = 'say \\\"hi\\\" \\'x\\''\n",
        "D = \"back\\\\slash\\nnl\\ttab\"\n",
        "E = r\"C:\\raw\\n\"\n",
        "F = u'unicode'\n",
        "G = \"\\x41\\u00e9\\101\"\n",
        "H = \"keep \\d as is\"\n",
        "I = \"\"\n",
        "J = \"a # not a comment\"  # a comment\n",
        "K = 'semi;colon'; L = \"second\"\n",
        "M = \"/path with spaces/and'quote\"\n",
    ));
    assert_eq!(a.get("A"), Some(&s("single")));
    assert_eq!(a.get("B"), Some(&s("it's")));
    assert_eq!(a.get("C"), Some(&s("say \"hi\" 'x'")));
    assert_eq!(a.get("D"), Some(&s("back\\slash\nnl\ttab")));
    assert_eq!(a.get("E"), Some(&s("C:\\raw\\n")));
    assert_eq!(a.get("F"), Some(&s("unicode")));
    assert_eq!(a.get("G"), Some(&s("AéA")));
    assert_eq!(a.get("H"), Some(&s("keep \\d as is")));
    assert_eq!(a.get("I"), Some(&s("")));
    assert_eq!(a.get("J"), Some(&s("a # not a comment")));
    assert_eq!(a.get("K"), Some(&s("semi;colon")));
    assert_eq!(a.get("L"), Some(&s("second")));
    assert_eq!(a.get("M"), Some(&s("/path with spaces/and'quote")));
}

#[test]
fn anything_but_a_plain_literal_is_unknown() {
    let a = parse_assignments(concat!(
        "F = f\"/mnt/{NAME}\"\n",
        "B = b'/bytes'\n",
        "T = \"\"\"/triple\"\"\"\n",
        "C = \"/a\" + \"/b\"\n",
        "I = \"/a\" \"/b\"\n",
        "N = OTHER\n",
        "E = os.environ.get(\"SHARED\", \"/mnt/x\")\n",
        "P = (\"/paren\")\n",
        "X = \"/a\".strip()\n",
        "U = \"unterminated\n",
        "Z = \"\\N{BULLET}\"\n",
    ));
    assert_eq!(a.get("F"), Some(&unknown("f\"/mnt/{NAME}\"")));
    assert_eq!(a.get("B"), Some(&unknown("b'/bytes'")));
    assert_eq!(a.get("T"), Some(&unknown("\"\"\"/triple\"\"\"")));
    assert_eq!(a.get("C"), Some(&unknown("\"/a\" + \"/b\"")));
    assert_eq!(a.get("I"), Some(&unknown("\"/a\" \"/b\"")));
    assert_eq!(a.get("N"), Some(&unknown("OTHER")));
    assert_eq!(
        a.get("E"),
        Some(&unknown("os.environ.get(\"SHARED\", \"/mnt/x\")"))
    );
    assert_eq!(a.get("P"), Some(&unknown("(\"/paren\")")));
    assert_eq!(a.get("X"), Some(&unknown("\"/a\".strip()")));
    assert!(matches!(a.get("U"), Some(PyValue::Unknown(_))));
    assert!(matches!(a.get("Z"), Some(PyValue::Unknown(_))));
    assert_eq!(
        shared_dir_from("SHARED_DIR = os.path.join(BASE, 'share')\n"),
        Lookup::Unknown("os.path.join(BASE, 'share')".into())
    );
}

#[test]
fn later_assignment_wins_and_augmented_assignment_makes_it_unknown() {
    let a = parse_assignments("X = '/one'\nX: str = '/two'\nY = '/y'\nY += '/sub'\n");
    assert_eq!(a.get("X"), Some(&s("/two")));
    assert_eq!(a.get("Y"), Some(&unknown("Y += '/sub'")));
    let a = parse_assignments("X = f'{A}'\nX = '/plain'\n");
    assert_eq!(a.get("X"), Some(&s("/plain")));
}

#[test]
fn chained_and_annotated_forms() {
    let a =
        parse_assignments("A = B = '/both'\nC: typing.Optional[str] = '/c'\nD: str\nE == '/x'\n");
    assert_eq!(a.get("A"), Some(&s("/both")));
    assert_eq!(a.get("B"), Some(&s("/both")));
    assert_eq!(a.get("C"), Some(&s("/c")));
    assert_eq!(a.get("D"), None, "a bare annotation assigns nothing");
    assert_eq!(a.get("E"), None, "a comparison is not an assignment");
}

#[test]
fn multi_line_constructs_do_not_leak_assignments() {
    let text = concat!(
        "LIST = [\n",
        "SHARED_DIR = 'inside brackets',\n",
        "]\n",
        "DOC = '''\n",
        "SHARED_DIR = 'inside a string'\n",
        "'''\n",
        "LONG = \\\n",
        "    '/continued'\n",
        "class Settings:\n",
        "    SHARED_DIR = '/class-attr'\n",
        "if True: SHARED_DIR = '/one-line-if'\n",
    );
    let a = parse_assignments(text);
    assert_eq!(a.get("SHARED_DIR"), None, "{a:?}");
    assert_eq!(a.get("LONG"), Some(&s("/continued")));
    assert!(matches!(a.get("LIST"), Some(PyValue::Unknown(_))));
    assert!(matches!(a.get("DOC"), Some(PyValue::Unknown(_))));
}

#[test]
fn crlf_bom_and_tabs() {
    let a = parse_assignments("\u{feff}SHARED_DIR = '/win'\r\n\tOTHER = '/tab-indented'\r\n");
    assert_eq!(a.get("SHARED_DIR"), Some(&s("/win")));
    assert_eq!(a.get("OTHER"), None);
}

#[test]
fn absent_shared_dir() {
    assert_eq!(shared_dir_from("HOST_PORT = 8000\n"), Lookup::Absent);
    assert_eq!(shared_dir_from(""), Lookup::Absent);
}

#[test]
fn tarball_dirs() {
    let share = "/mnt/cluster-share";
    assert_eq!(
        tarball_dir_from("CONTAINER_DIR = ''\n", Role::Host, share),
        TarballDir::Default("/mnt/cluster-share/kohakuriver-containers".into())
    );
    assert_eq!(
        tarball_dir_from("", Role::Runner, share),
        TarballDir::Default("/mnt/cluster-share/kohakuriver-containers".into())
    );
    assert_eq!(
        tarball_dir_from("CONTAINER_DIR = '/fast/tars'\n", Role::Host, share),
        TarballDir::Configured("/fast/tars".into())
    );
    // Each role reads only its own variable.
    assert_eq!(
        tarball_dir_from("CONTAINER_DIR = '/fast/tars'\n", Role::Runner, share),
        TarballDir::Default("/mnt/cluster-share/kohakuriver-containers".into())
    );
    assert_eq!(
        tarball_dir_from("CONTAINER_TAR_DIR = '/r/tars'\n", Role::Runner, share),
        TarballDir::Configured("/r/tars".into())
    );
    assert_eq!(
        tarball_dir_from(
            "CONTAINER_TAR_DIR = f'{SHARED_DIR}/t'\n",
            Role::Runner,
            share
        ),
        TarballDir::Unknown("f'{SHARED_DIR}/t'".into())
    );
    assert_eq!(default_tarball_dir("/s/"), "/s/kohakuriver-containers");
    assert_eq!(default_tarball_dir("/s"), "/s/kohakuriver-containers");
}
