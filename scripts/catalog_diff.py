#!/usr/bin/env python3
"""Prints what a SkyPilot catalog directory changes in tpuplan's prices, price by price.

Usage: python3 scripts/catalog_diff.py DIR [--bin path/to/tpuplan] [--all] [--write OUT] [tpuplan options…]

Runs `tpuplan catalog import DIR --format json` (any further options, such as --data or
--as-of, are passed on) and prints, like a cost diff, each on-demand and spot price of an
offering the data already has that the import changes (old → new, change in %), then the
offerings the import would add (all of them with --all, else their count). With
`--write OUT` it also regenerates the offerings files from the catalog, one per cloud, into
OUT (tpuplan's format, every price sourced as its catalog file and date; `tpuplan validate`
accepts them). The maintainer then carries each change into data/offerings/*.yaml with its
source and date (docs/data.md, "Refreshing the shipped data"): the shipped files keep their
curation (rows left out as anomalies, commitments from other sources), which a catalog
cannot know, so the script never writes into data/.
"""
import json
import subprocess
import sys


def money(v):
    return "-" if v is None else f"${v:,.5g}"


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.exit(__doc__.strip().splitlines()[2])
    directory, rest = argv[0], argv[1:]
    binary = "build/dev/apps/tpuplan/tpuplan"
    show_all = False
    passed = []
    i = 0
    while i < len(rest):
        if rest[i] == "--bin" and i + 1 < len(rest):
            binary = rest[i + 1]
            i += 2
            continue
        if rest[i] == "--all":
            show_all = True
        else:
            passed.append(rest[i])
        i += 1
    run = subprocess.run([binary, "catalog", "import", directory, "--format", "json", "-q"] + passed,
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.stderr.write(run.stderr)
        sys.exit(run.returncode)
    doc = json.loads(run.stdout)
    rows = doc["tables"]["imported"]["rows"]
    changed, same, added = [], 0, []
    for r in rows:
        if r["catalog_usd_per_hour_on_demand"] is None:
            added.append(r)
            continue
        lines = []
        for tier, new, old in (("on-demand", r["usd_per_hour_on_demand"], r["catalog_usd_per_hour_on_demand"]),
                               ("spot", r["usd_per_hour_spot"], r["catalog_usd_per_hour_spot"])):
            if new is None or old is None:
                if new != old:
                    lines.append(f"    {tier:<10} {money(old)} → {money(new)}")
                continue
            if abs(new - old) > 1e-9 * max(1.0, abs(old)):
                lines.append(f"    {tier:<10} {money(old)} → {money(new)} ({(new / old - 1) * 100:+.1f}%)")
        if lines:
            changed.append((r["id"], lines))
        else:
            same += 1
    for offering, lines in changed:
        print(f"~ {offering}")
        print("\n".join(lines))
    for r in added if show_all else []:
        print(f"+ {r['id']}  on-demand {money(r['usd_per_hour_on_demand'])}, spot {money(r['usd_per_hour_spot'])}")
    skipped = sum(s["rows"] for s in doc["tables"]["skipped"]["rows"])
    print(f"\n{len(changed)} offerings change, {same} keep their prices, {len(added)} would be added"
          f"{'' if show_all else ' (--all lists them)'}; {skipped} catalog rows skipped "
          f"(`tpuplan catalog import {directory}` says why)")


if __name__ == "__main__":
    main(sys.argv[1:])
