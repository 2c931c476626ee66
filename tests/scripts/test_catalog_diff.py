#!/usr/bin/env python3
"""scripts/catalog_diff.py against the fixture SkyPilot directory (tests/data/skypilot):
each changed price old → new with its percentage, the counts line, and --write regenerating
the offerings files, which `tpuplan validate` accepts.

Usage: test_catalog_diff.py TPUPLAN_BINARY SOURCE_DIR
"""
import os
import subprocess
import sys
import tempfile


def main(binary, root):
    out_dir = tempfile.mkdtemp(prefix="tpuplan-diff-")
    run = subprocess.run([sys.executable, os.path.join(root, "scripts/catalog_diff.py"),
                          os.path.join(root, "tests/data/skypilot/v8"), "--bin", binary,
                          "--data", os.path.join(root, "tests/data/catalog"), "--as-of", "2026-11-30",
                          "--write", out_dir],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    for expected in ["~ v5e-8@us-central1",
                     "    on-demand  $8 → $10 (+25.0%)",
                     "    spot       $2 → $2.4 (+20.0%)",
                     "~ g2-standard-4@us-central1",
                     "    on-demand  $0.6 → $0.8 (+33.3%)"]:
        assert expected in lines, f"missing line {expected!r} in:\n{run.stdout}"
    assert lines[-1].startswith("5 offerings change, 0 keep their prices, 2 would be added"), lines[-1]
    written = sorted(os.listdir(out_dir))
    assert written == ["skypilot-aws.yaml", "skypilot-gcp.yaml"], written
    for name in written:
        check = subprocess.run([binary, "validate", os.path.join(out_dir, name), "--data",
                                os.path.join(root, "tests/data/catalog")], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    bad = subprocess.run([sys.executable, os.path.join(root, "scripts/catalog_diff.py"),
                          os.path.join(root, "tests/data/skypilot/broken"), "--bin", binary],
                         capture_output=True, text=True)
    assert bad.returncode == 2, (bad.returncode, bad.stderr)
    assert bad.stderr.startswith("tpuplan: error: "), bad.stderr
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
