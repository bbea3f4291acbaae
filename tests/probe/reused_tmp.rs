//! The probe in a resident shell's private folder (`RIVERSHARE_TMP`): the folder
//! is used and kept, and nothing a previous run left in it is taken for this
//! run's (the findmnt-answered flag, the real path of SHARED_DIR).

use super::*;

fn run_in(dir: &str, tmp: &Path) -> (ProbeFacts, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script::build(dir, STEP))
        .env("RIVERSHARE_TMP", tmp)
        .stdin(Stdio::null())
        .current_dir("/")
        .output()
        .expect("sh runs the probe");
    (
        parse::parse(&out.stdout, dir),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_reused_folder_is_kept_and_what_an_earlier_run_left_is_not_read() {
    let base = tempfile::tempdir().expect("tempdir");
    let resident = base.path().join("resident");
    std::fs::create_dir(&resident).expect("mkdir");
    let share = base.path().join("share");
    std::fs::create_dir(&share).expect("mkdir");
    let dir = share.to_str().expect("utf-8");

    let (healthy, raw) = run_in(dir, &resident);
    assert!(healthy.access.as_ref().is_some_and(|a| a.write), "{raw}");
    assert!(
        raw.contains("@@rivershare mountinfo skip findmnt-answered"),
        "{raw}"
    );
    assert!(
        resident.is_dir(),
        "the resident shell's folder outlives the run"
    );
    assert_eq!(
        std::fs::read_to_string(resident.join("j")).expect("j"),
        "1\n"
    );
    assert!(
        std::fs::read_to_string(resident.join("r"))
            .expect("r")
            .starts_with(dir),
        "the real path is left for the mount-unit lookup"
    );
    no_probe_leftovers(&share);

    // A path findmnt cannot answer for: the earlier run's flag and real path
    // must not stand for this run's.
    let missing = base.path().join("missing");
    let (gone, raw) = run_in(missing.to_str().expect("utf-8"), &resident);
    assert!(!gone.exists, "{raw}");
    assert!(
        raw.contains("@@rivershare mountinfo ok"),
        "the mount table is read when findmnt did not answer: {raw}"
    );
    assert_eq!(std::fs::read_to_string(resident.join("r")).expect("r"), "");
    assert!(resident.is_dir());
}
