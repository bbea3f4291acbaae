"""benches/sweep.sh's summary: medians and ratios (Markdown) from its raw TSV files.

    python3 benches/report.py raw.tsv warm.tsv mem.tsv HAVE_REPEAT LAT_MS [scale.tsv]
A size is "N" (N nodes) or "N+lat" (the same N nodes through the delay proxy).
Round 0 is the warm-up and is left out; failed runs are counted, never timed.
"""

import csv
import statistics
import sys

raw_path, warm_path, mem_path, have_repeat, lat_ms = sys.argv[1:6]
scale_path = sys.argv[6] if len(sys.argv) > 6 else None


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


TOOLS = ["rivershare", "rivershare-fresh", "pdsh", "pdsh-curve25519", "clush", "floor", "floor-rvsprobe", "verify"]
LABEL = {
    "rivershare": "rivershare `check --only mounts --json` (cold)",
    "rivershare-fresh": "rivershare cold, and no `ssh -G` cache (its first run on a machine)",
    "pdsh": "pdsh -R ssh (plain)",
    "pdsh-curve25519": "pdsh -R ssh, `-oKexAlgorithms=curve25519-sha256` (tuned)",
    "clush": "clush",
    "floor": "floor (bare russh fan-out, benches/floor.rs)",
    "floor-rvsprobe": "floor running rivershare's own probe script (profile row)",
    "warm": "rivershare `check --repeat 5` (whole process)",
    "verify": "rivershare `check --only verify --json` (mounts, then verification)",
}

raw = [r for r in rows(raw_path) if int(r["round"]) >= 1]
sizes = sorted({r["size"] for r in raw}, key=lambda s: ("+" in s, int(s.split("+")[0])))


def title(n):
    if n.endswith("+lat"):
        return f"{n[:-4]} nodes, +{lat_ms} ms each way (delay proxy)"
    return f"{n} nodes"


out = []
med = {}
for n in sizes:
    out.append(f"\n### {title(n)}\n")
    out.append("| command | median ms | min–max ms | runs ok | rivershare ÷ this |")
    out.append("|---|---:|---:|---:|---:|")
    for tool in TOOLS + (["warm"] if have_repeat == "1" else []):
        rs = [r for r in raw if r["size"] == n and r["tool"] == tool]
        ms = [int(r["ms"]) / 1000 for r in rs if r["ok"] == "1"]
        if not ms:
            out.append(f"| {LABEL[tool]} | – | – | 0/{len(rs)} | – |")
            continue
        m = statistics.median(ms)
        med[(n, tool)] = m
        ratio = ""
        if (n, "rivershare") in med and tool not in ("rivershare", "rivershare-fresh", "warm", "verify"):
            ratio = f"{med[(n, 'rivershare')] / m:.2f}×"
        out.append(
            f"| {LABEL[tool]} | {m:.0f} | {min(ms):.0f}–{max(ms):.0f} | {len(ms)}/{len(rs)} | {ratio} |"
        )

warm_note = []
if have_repeat == "1":
    warm = rows(warm_path)
    out.append("\n### Warm re-sweep (`check --only mounts --repeat 5 --json`, its `sweeps` key)\n")
    out.append("| nodes | cold sweep (1st) median ms | warm sweeps (2nd–5th) median ms | warm ÷ cold | connections opened by warm sweeps |")
    out.append("|---:|---:|---:|---:|---:|")
    for n in sizes:
        w = [r for r in warm if r["size"] == n and int(r["round"]) >= 1]
        cold = [int(r["ms"]) for r in w if r["warm"] == "0"]
        hot = [int(r["ms"]) for r in w if r["warm"] == "1"]
        conns = sum(int(r["connections"]) for r in w if r["warm"] == "1")
        if cold and hot:
            c, h = statistics.median(cold), statistics.median(hot)
            med[(n, "warm-sweep")] = h
            med[(n, "cold-sweep")] = c
            out.append(f"| {title(n)} | {c:.0f} | {h:.0f} | {h / c:.2f}× | {conns} |")
        else:
            out.append(f"| {title(n)} | – | – | – | – |")
else:
    warm_note.append(
        "Warm re-sweep: SKIPPED, this rivershare has no `check --repeat` (see `check --help`)."
    )

mem = rows(mem_path)
out.append("\n### Memory (`/usr/bin/time -v`, `check --only mounts --json`)\n")
out.append("| configured nodes | of which reachable | peak RSS MB (median of 3) | max MB | wall ms (median) |")
out.append("|---:|---:|---:|---:|---:|")
for n in sorted({int(r["nodes"]) for r in mem}):
    rs = [r for r in mem if int(r["nodes"]) == n and r["max_rss_kb"]]
    if not rs:
        continue
    kb = [int(r["max_rss_kb"]) for r in rs]
    med[(n, "rss")] = statistics.median(kb) / 1024
    out.append(
        f"| {n} | {rs[0]['reachable']} | {statistics.median(kb) / 1024:.1f} | {max(kb) / 1024:.1f} | "
        f"{statistics.median(int(r['ms']) for r in rs):.0f} |"
    )

scale = rows(scale_path) if scale_path else []
if scale:
    out.append("\n### Warm and cold against the number of nodes (`check --only mounts --repeat 6`, 3 runs each)\n")
    out.append("| nodes | cold sweep (1st) ms, per run | warm sweeps (3rd–6th) median ms, per run | warm ÷ cold |")
    out.append("|---:|---:|---:|---:|")
    for size in sorted({int(r["size"]) for r in scale}):
        colds, warms, ratios = [], [], []
        for run in sorted({r["run"] for r in scale if int(r["size"]) == size}):
            s = {int(r["sweep"]): int(r["ms"]) for r in scale if int(r["size"]) == size and r["run"] == run}
            hot = [ms for i, ms in s.items() if i >= 3]
            if 1 in s and hot:
                colds.append(s[1])
                warms.append(statistics.median(hot))
                ratios.append(warms[-1] / s[1])
        if ratios:
            out.append(
                f"| {size} | {min(colds)}–{max(colds)} | {min(warms):g}–{max(warms):g} | "
                f"{min(ratios):.2f}–{max(ratios):.2f}× |"
            )

# The goals, at the largest size of the run (the issue states them for 32 nodes).
n = max((s for s in sizes if "+" not in s), key=int)
out.append(f"\n### Goals (issue 9), {n} nodes\n")
out.append("| goal | measured | met |")
out.append("|---|---:|:---:|")


def goal(name, key, limit, fmt="{:.2f}×", spread=""):
    if key is None:
        out.append(f"| {name} | not measured | – |")
    else:
        out.append(f"| {name} | {fmt.format(key)}{spread} | {'yes' if key <= limit else 'NO'} |")


def ratio(a, b):
    return med[a] / med[b] if a in med and b in med else None


def by_round(size, a, b):
    """rivershare's `a` against `b` round by round (the tools alternate within a
    round): the spread, and its median, of ratios the goal's ratio of medians hides."""
    ms = {}
    for r in raw:
        if r["size"] == size and r["tool"] in (a, b) and r["ok"] == "1":
            ms.setdefault(r["round"], {})[r["tool"]] = int(r["ms"])
    rs = sorted(v[a] / v[b] for v in ms.values() if a in v and b in v)
    if len(rs) < 2:
        return ""
    return f" (by round {rs[0]:.2f}–{rs[-1]:.2f}×, median {statistics.median(rs):.2f}×)"


goal("cold ≤ 0.4× plain pdsh", ratio((n, "rivershare"), (n, "pdsh")), 0.4,
     spread=by_round(n, "rivershare", "pdsh"))
goal("cold ≤ 0.8× tuned pdsh", ratio((n, "rivershare"), (n, "pdsh-curve25519")), 0.8,
     spread=by_round(n, "rivershare", "pdsh-curve25519"))
goal("cold ≤ 1.3× the floor", ratio((n, "rivershare"), (n, "floor")), 1.3,
     spread=by_round(n, "rivershare", "floor"))
goal("warm ≤ 0.3× cold (sweep durations of one `--repeat` run)", ratio((n, "warm-sweep"), (n, "cold-sweep")), 0.3)
lat = f"{n}+lat"
if lat in sizes:
    goal(f"warm < 400 ms at {n} nodes, +{lat_ms} ms each way", med.get((lat, "warm-sweep")), 400, "{:.0f} ms")
    # Verification beyond the mount phase, in round trips: what the added latency
    # added to (verify - mounts), divided by one round trip (2 x LAT_MS). The
    # scripts' own time is in both sizes and cancels out.
    keys = [(lat, "verify"), (lat, "rivershare"), (n, "verify"), (n, "rivershare")]
    if all(k in med for k in keys):
        extra = (med[keys[0]] - med[keys[1]]) - (med[keys[2]] - med[keys[3]])
        trips = extra / (2 * float(lat_ms))
        out.append(f"| verify beyond mounts: {med[keys[2]] - med[keys[3]]:.0f} ms without added latency, "
                   f"{med[keys[0]] - med[keys[1]]:.0f} ms with it | {trips:.1f} round trips | "
                   f"{'yes' if trips <= 2.5 else 'NO'} (goal: ≤ 2 + the visibility delay) |")
rss = [v for (k, what), v in med.items() if what == "rss" and isinstance(k, int) and k >= 200]
goal("peak RSS < 50 MB at 200 nodes", max(rss) if rss else None, 50, "{:.1f} MB")
print("\n".join(out + ([""] + warm_note if warm_note else [])))
