"""`make bench`: every benchmark, one after another, each printing its own table.

Component benchmarks first (PII, dedup, reuse, content risk, content rules, annotations), then the
end-to-end governed run against HF datatrove at 100k documents. Results go to stdout; the
end-to-end benchmark also writes its tables under bench/_work/ (e2e-<N>.md; RESULTS.md is not
rewritten). Run on a quiet machine: the numbers are wall-clock throughput on the cores you have.
Not run here: quality_bench.py, kernel_sum.py, runners_bench.py (`make bench-runners`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = [
    ["pii_bench.py"],
    ["dedup_bench.py", "--docs", "100000"],
    ["reuse_bench.py", "--docs", "100000"],
    ["content_risk_bench.py"],
    ["content_rules_bench.py"],
    ["bench_annotations.py"],
    ["e2e_bench.py", "--docs", "100000"],
]


def main() -> int:
    failed = []
    for script, *args in RUNS:
        print(f"\n=== {script} {' '.join(args)}", flush=True)
        if subprocess.run([sys.executable, str(HERE / script), *args]).returncode:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
