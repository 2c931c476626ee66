#!/usr/bin/env python3
"""Runs the bad inputs of docs/reliability.md §Bad-input matrix against a tpuplan binary and
prints the table: case, command, exit code, wall and CPU time, peak RSS, first line of stderr.

    scripts/bad_input_matrix.py build/dev/apps/tpuplan/tpuplan > /tmp/matrix.md

Every input is written into a fresh temporary directory (the 100 MB config and the 9,000-level
profile included: about 130 MB), each command runs there with a 60 s limit. The security cases
that need a server (metrics origin, redirects, echoed keys, --insecure) are the CLI tests tagged
[safety] (tests/cli/test_cli_safety.cpp), run by ctest against loopback fake servers.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")
BENCH = ["bench", "--endpoint", "http://127.0.0.1:9", "--api", "openai-chat", "--model", "m"]


def write(d, name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)


def hf(name):
    with open(os.path.join(DATA, "hf", name)) as f:
        return json.load(f)


def make_inputs(d):
    write(d, "deep.json", '{"architectures": ["LlamaForCausalLM"], "x": ' + "[" * 100000 + "]" * 100000 + "}")
    llama = hf("llama-3.1-8b.json")
    llama["hidden_size"] = "HS"
    write(d, "big-number.json", json.dumps(llama).replace('"HS"', "1e400"))
    write(d, "buy-list-key.yaml", "version: 1\nmachines:\n  - id: x\n    [a, b]: 1\n")
    write(d, "dup-backends.yaml", "version: 1\nbackends:\n" +
          "".join("  - name: b\n    type: tpu\n    endpoint: http://127.0.0.1:9\n" for _ in range(20001)))
    write(d, "unknown-keys.yaml", "version: 1\n" + "".join("k%06d: 1\n" % i for i in range(200000)))
    with open(os.path.join(d, "huge.yaml"), "w") as f:
        f.write("version: 1\n")
        f.write(("# " + "x" * 97 + "\n") * (100 * 1024 * 1024 // 100))
    moe = hf("mixtral-8x7b.json")
    moe["num_hidden_layers"] = 2**31 - 1
    write(d, "moe-layers.json", json.dumps(moe))
    mla = hf("deepseek-v3.json")
    mla["qk_nope_head_dim"] = mla["qk_rope_head_dim"] = 2**31 - 200
    write(d, "mla-overflow.json", json.dumps(mla))
    with open(os.path.join(DATA, "profiles", "fake-h100-llama-3.1-8b.json")) as f:
        profile = json.load(f)
    many = dict(profile)
    many["levels"] = []
    for i in range(9000):
        level = json.loads(json.dumps(profile["levels"][0]))
        level["concurrency"] = i + 1
        many["levels"].append(level)
    write(d, "p9000.json", json.dumps(many))
    negative = json.loads(json.dumps(profile))
    for level in negative["levels"]:
        for k in ("request_rps", "output_tokens_per_s", "input_tokens_per_s", "total_tokens_per_s", "goodput_rps"):
            level["throughput"][k] = -abs(level["throughput"][k])
    write(d, "p-negative-throughput.json", json.dumps(negative))
    negative = json.loads(json.dumps(profile))
    for level in negative["levels"]:
        for k, v in level["latency_ms"]["tpot"].items():
            if k != "count" and isinstance(v, (int, float)):
                level["latency_ms"]["tpot"][k] = -abs(v)
    write(d, "p-negative-tpot.json", json.dumps(negative))
    with open(os.path.join(DATA, "profiles", "fake-h100-llama-3.1-8b.json")) as f:
        write(d, "p.json", f.read())
    with open(os.path.join(DATA, "config", "health.yaml")) as f:
        write(d, "health.yaml", f.read())
    backend = "version: 1\nbackends:\n  - name: a\n    type: tpu\n    endpoint: http://127.0.0.1:9\n"
    write(d, "timeout-nans.yaml", backend + "    timeout: nans\n")
    write(d, "timeout-huge.yaml", backend + "    timeout: 1e300h\n")
    write(d, "two-docs.yaml", "version: 1\nmax_price_age_days: 30\n---\nversion: 1\n")
    write(d, "c.yaml", "version: 1\nmax_price_age_days: 30\n")
    write(d, "deep.yaml", "version: 1\nx: " + "[" * 10000 + "]" * 10000 + "\n")
    write(d, "control.yaml", 'version: 1\nbackends:\n  - name: "ab\\e[31m\\u202e\\0cd"\n    type: gpu\n'
          "    endpoint: http://127.0.0.1:9\n")
    os.mkdir(os.path.join(d, "dir"))
    os.mkfifo(os.path.join(d, "fifo"))
    with open(os.path.join(d, "victim"), "w") as f:
        f.write("secret\n")
    os.symlink("victim", os.path.join(d, "link.json"))


CASES = [
    ("crash", "config.json nested 100k deep", ["models", "show", "deep.json"]),
    ("crash", "config.json nested 100k deep", ["validate", "deep.json"]),
    ("crash", "1e400 in a config.json", ["models", "show", "big-number.json"]),
    ("crash", "--buy sheet with a list as a key", ["breakeven", "--model", "8b", "--buy", "buy-list-key.yaml"]),
    ("hang", "20,001 backends of one name", ["--config", "dup-backends.yaml", "catalog"]),
    ("hang", "200k unknown keys (2 MB)", ["--config", "unknown-keys.yaml", "catalog"]),
    ("hang", "a 100 MB config", ["--config", "huge.yaml", "catalog"]),
    ("hang", "--config /dev/zero", ["--config", "/dev/zero", "catalog"]),
    ("hang", "--config FIFO", ["--config", "fifo", "catalog"]),
    ("hang", "MoE config.json, 2^31-1 layers", ["models", "show", "moe-layers.json"]),
    ("hang", "--calibrate on 9,000 levels", ["estimate", "--model", "llama-3.1-8b", "--calibrate", "p9000.json"]),
    ("hang", "bench --concurrency 3000000000", BENCH + ["--concurrency", "3000000000"]),
    ("wrong", "size --concurrency 2147483647", ["size", "--model", "70b", "--concurrency", "2147483647"]),
    ("wrong", "cost --rate 1e308", ["cost", "--model", "70b", "--rate", "1e308"]),
    ("wrong", "bench --concurrency 4294967297", BENCH + ["--concurrency", "4294967297"]),
    ("wrong", "bench --output-tokens 3000000000", BENCH + ["--output-tokens", "3000000000"]),
    ("wrong", "bench --chips 4294967304", BENCH + ["--accelerator", "h100", "--chips", "4294967304"]),
    ("wrong", "MLA head dims summing past 2^31", ["models", "show", "mla-overflow.json"]),
    ("wrong", "profile with negative throughput", ["cost", "--model", "llama-3.1-8b", "--measured",
                                                   "p-negative-throughput.json"]),
    ("wrong", "profile with negative TPOT", ["cost", "--model", "llama-3.1-8b", "--measured", "p-negative-tpot.json",
                                             "--tpot-ms", "50"]),
    ("wrong", "backend timeout: nans", ["--config", "timeout-nans.yaml", "health"]),
    ("wrong", "backend timeout: 1e300h", ["--config", "timeout-huge.yaml", "health"]),
    ("wrong", "health --timeout nan", ["--config", "health.yaml", "health", "--timeout", "nan"]),
    ("wrong", "a second YAML document", ["--config", "two-docs.yaml", "catalog"]),
    ("wrong", "validate c.yaml -o c.yaml", ["validate", "c.yaml", "-o", "c.yaml"]),
    ("wrong", "cost --measured p.json -o p.json", ["cost", "--model", "llama-3.1-8b", "--measured", "p.json",
                                                   "-o", "p.json"]),
    ("wrong", "bench --save /missing/dir/p.json", BENCH + ["--save", "/missing/dir/p.json"]),
    ("unclear", "-o DIR", ["catalog", "-o", "dir"]),
    ("unclear", "a directory as --config", ["--config", "dir", "catalog"]),
    ("unclear", "a directory as --measured", ["cost", "--model", "8b", "--measured", "dir"]),
    ("unclear", "YAML nested 10,000 deep", ["--config", "deep.yaml", "catalog"]),
    ("unclear", "--concurrency abc", ["size", "--model", "70b", "--concurrency", "abc"]),
    ("unclear", "ESC, U+202E and NUL in a name", ["--config", "control.yaml", "catalog"]),
    ("unclear", "the same in validate's table", ["validate", "control.yaml", "--wide"]),
    ("security", "-o onto a planted symlink", ["catalog", "-o", "link.json"]),
    ("security", "-o onto a device", ["catalog", "-o", "/dev/null"]),
    ("security", "--header 'X-Api-Key: k'", BENCH + ["--header", "X-Api-Key: k"]),
    ("security", "--header 'api-key: k'", BENCH + ["--header", "api-key: k"]),
]


def shown(text):
    return "".join(c if c.isprintable() and c not in "\u202e|" else ("\\|" if c == "|" else repr(c)[1:-1])
                   for c in text)


def run(binary, args, d):
    """Exit code (or 'killed at 60 s'), wall and CPU (user + sys) seconds, peak RSS in KB, stdout, stderr."""
    # /usr/bin/time reports the peak RSS of tpuplan alone (a child's ru_maxrss counts what it
    # inherited from this script before exec).
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss:
        start = time.monotonic()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M %U %S", "-o", rss.name, binary] + args, cwd=d, stdout=out,
                             stderr=err, stdin=subprocess.DEVNULL)
        killed = False
        while True:
            pid, status, _ = os.wait4(p.pid, os.WNOHANG)
            if pid == p.pid:
                break
            if time.monotonic() - start > 60 and not killed:
                p.kill()
                killed = True
            time.sleep(0.005)
        p.returncode = 0  # reaped by wait4
        wall = time.monotonic() - start
        code = "killed at 60 s" if killed else str(os.waitstatus_to_exitcode(status))
        out.seek(0)
        err.seek(0)
        figures = rss.read().split()[-3:] if not killed else ["0", "0", "0"]
        kb, cpu = int(figures[0]), float(figures[1]) + float(figures[2])
        return code, wall, cpu, kb, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")


def main():
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        make_inputs(d)
        print("| kind | input | command | exit | wall s | CPU s | MB | stderr (first line) / stdout |")
        print("|---|---|---|---:|---:|---:|---:|---|")
        for kind, what, args in CASES:
            code, wall, cpu, kb, out, err = run(binary, args, d)
            lines = err.splitlines()
            text = lines[0] if lines else "(stdout) " + " ".join(out.split())[:200]
            if len(lines) > 1:
                text += f" (+{len(lines) - 1} lines)"
            if kind == "unclear" and "validate" in args:
                text += " / stdout: " + next((l for l in out.splitlines() if "backend name" in l), "")
            mb = f"{kb / 1024:.0f}" if kb else "-"
            cmd = " ".join(a if " " not in a else f"'{a}'" for a in args)
            print(f"| {kind} | {what} | `tpuplan {shown(cmd)}` | {code} | {wall:.2f} | {cpu:.2f} | {mb} | {shown(text)} |")
        with open(os.path.join(d, "victim")) as f:
            print(f"\nAfter the run the symlink's target holds {f.read().strip()!r}.")


if __name__ == "__main__":
    main()
