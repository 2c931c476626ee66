#!/usr/bin/env python3
"""Regenerates the per-command column reference of docs/json.md from the binary itself.

Usage: python3 scripts/json_doc.py [path/to/tpuplan] > /tmp/columns.md
Runs each command with --format json on the fixture data (tests/data/) and prints, per
command and table, the columns with their description. docs/json.md holds the output below
its hand-written introduction; tests/cli/test_cli_json_doc.cpp checks it stays complete.
"""
import json
import subprocess
import sys

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/dev/apps/tpuplan/tpuplan"
FIX = ["--data", "tests/data/catalog"]
COMMANDS = [
    ("cost", ["cost", "--model", "70b", "--rate", "2"] + FIX),
    ("size", ["size", "--model", "8b"] + FIX),
    ("estimate", ["estimate", "--model", "8b", "--accelerator", "h100", "--chips", "1"] + FIX),
    ("breakeven", ["breakeven", "--hours", "8", "--api-usd-per-million-tokens", "1", "--buy",
                   "tests/data/breakeven/buy.yaml", "--data", "tests/data/breakeven"]),
    ("plan", ["plan", "--model", "8b", "--load-curve",
              "1,1,1,1,1,1,2,3,4,5,6,6,6,6,6,5,5,4,4,3,2,2,1,1", "--ttft-ms", "1000"] + FIX),
    ("catalog", ["catalog"] + FIX),
    ("catalog show (offering)", ["catalog", "show", "v5e-8"] + FIX),
    ("catalog show (accelerator)", ["catalog", "show", "h100"] + FIX),
    ("catalog import", ["catalog", "import", "tests/data/skypilot/v8", "--as-of", "2026-11-30"] + FIX),
    ("models", ["models"] + FIX),
    ("models show", ["models", "show", "8b"] + FIX),
    ("validate", ["validate", "tests/data/catalog"]),
    ("version", ["version"] + FIX),
    ("estimate --calibrate", ["estimate", "--calibrate", "tests/data/profiles/fake-h100-llama-3.1-8b.json"] + FIX),
    ("health", ["health", "--config", "tests/data/config/health.yaml"]),
]
# Exit codes a command may end with and still print its document (health: 1 = a backend is down).
OK_EXIT = {"health": (0, 1)}


def shown(arg):
    """The example line names fixture files by their base name and hides data directories."""
    return arg.rsplit("/", 1)[-1] if arg.startswith("tests/") and arg.endswith((".json", ".yaml")) else arg


def tables_of(doc):
    if "tables" in doc:
        return [(name, t["columns"]) for name, t in doc["tables"].items()]
    return [(doc.get("table", "rows"), doc["columns"])]


def main():
    for title, args in COMMANDS:
        run = subprocess.run([BIN] + args + ["--format", "json"], capture_output=True, text=True)
        if run.returncode not in OK_EXIT.get(title, (0,)):
            sys.exit(f"{title}: exit {run.returncode}: {run.stderr.strip()}")
        doc = json.loads(run.stdout)
        print(f"### `tpuplan {title}` — schema `{doc['schema']}`\n")
        example = [shown(a) for a in args if a != "--data" and not (a.startswith("tests/") and shown(a) == a)]
        print("Example: `tpuplan " + " ".join(example) + " --format json`\n")
        for name, columns in tables_of(doc):
            print(f"Table `{name}`:\n")
            print("| key | header | meaning |")
            print("|---|---|---|")
            for c in columns:
                desc = (c.get("description") or "").replace("|", "\\|")
                print(f"| `{c['key']}` | {c['title'].replace('|', chr(92) + '|')} | {desc} |")
            print()


main()
