//! The command-line trials of `rivershare check`: a bad config, `$RIVERSHARE_CONFIG`, and
//! the human (non-JSON) output, on the real test cluster.

use libtest_mimic::Failed;

use crate::e2e::HEALTHY_IN_FSTAB;
use crate::support::mentions;
use crate::{CheckRun, EXPECTED, cluster, ensure, run_check};

pub(crate) fn bad_config_trial() -> Result<(), Failed> {
    let c = cluster()?;
    let good = std::fs::read_to_string(c.path("rivershare.toml"))?;
    // The misspelled key goes on line 3; everything else is the valid generated config.
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(2, "conect_timeout_secs = 3");
    let bad = c.path("rivershare.bad.toml");
    std::fs::write(&bad, lines.join("\n") + "\n")?;
    let bad_s = bad.display().to_string();
    for json in [false, true] {
        let mut args = vec!["check", "--config", bad_s.as_str()];
        if json {
            args.push("--json");
        }
        let run = run_check(&args)?;
        let err = &run.out.stderr;
        let what = || format!("bad config (json={json}): {}", run.out.describe());
        ensure(run.out.code == Some(3), || {
            format!("exit code should be 3; {}", what())
        })?;
        ensure(err.contains("conect_timeout_secs"), || {
            format!("stderr should name the key; {}", what())
        })?;
        ensure(err.contains("connect_timeout_secs"), || {
            format!("stderr should name the closest valid key; {}", what())
        })?;
        ensure(err.contains("rivershare.bad.toml"), || {
            format!("stderr should name the file; {}", what())
        })?;
        ensure(err.contains(":3") || err.contains("line 3"), || {
            format!("stderr should name line 3; {}", what())
        })?;
        ensure(!run.out.stdout.contains("\"reachable\""), || {
            format!("no node should be probed; {}", what())
        })?;
    }
    Ok(())
}

/// No --config: `$RIVERSHARE_CONFIG` is used, and rivershare says which config it used.
pub(crate) fn env_config_trial() -> Result<(), Failed> {
    let c = cluster()?;
    let config = c.write_config("env", HEALTHY_IN_FSTAB, &c.path("known_hosts"), "strict");
    let config = config.display().to_string();
    let out = c.rivershare_env(&["check"], &[("RIVERSHARE_CONFIG", &config)])?;
    ensure(out.code == Some(0), || {
        format!("exit code should be 0: {}", out.describe())
    })?;
    ensure(
        out.stdout.contains(&config) || out.stderr.contains(&config),
        || format!("rivershare should say it used {config}: {}", out.describe()),
    )
}

pub(crate) fn human_trial() -> Result<(), Failed> {
    let c = cluster()?;
    let config = c.path("rivershare.toml").display().to_string();
    let run: CheckRun = run_check(&["check", "--config", &config])?;
    let out = &run.out.stdout;
    ensure(run.out.code == Some(2), || {
        format!("exit code should be 2: {}", run.out.describe())
    })?;
    ensure(!out.contains('\u{1b}'), || {
        "NO_COLOR is set and stdout is no TTY: no escape codes".into()
    })?;
    for e in EXPECTED {
        ensure(mentions(out, e.node), || {
            format!("human output never names {}:\n{out}", e.node)
        })?;
        for code in e.required {
            ensure(out.contains(code), || {
                format!("human output lacks finding {code}:\n{out}")
            })?;
        }
    }
    // runner-01 and runner-03 have identical results: clush -b style folds them into one line.
    ensure(
        out.lines()
            .any(|l| mentions(l, "runner-01") && mentions(l, "runner-03")),
        || format!("identical nodes runner-01 and runner-03 are not folded into one line:\n{out}"),
    )?;
    let all = format!("{out}{}", run.out.stderr);
    ensure(all.contains(&config), || {
        format!("rivershare should say it used {config}")
    })?;
    eprintln!("human check output ({} lines):\n{out}", out.lines().count());
    Ok(())
}
