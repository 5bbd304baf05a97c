"""The one table `make bench` prints: every benchmark appends its figures with `record()` to one
JSON-lines file (BENCH_RESULTS, default var/bench/results.jsonl), and `python bench/table.py`
prints them as one Markdown table (figure, measured, ratio, target, met?).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

RESULTS = Path(os.environ.get("BENCH_RESULTS", "var/bench/results.jsonl"))


def record(figure: str, measured: str, ratio: str, target: str, met: bool | None) -> None:
    """Append one row (met: None when the figure has no target or was not measured)."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    row = {"figure": figure, "measured": measured, "ratio": ratio, "target": target, "met": met}
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"  -> {figure}: {measured}; {ratio} (target {target})", flush=True)


def main() -> None:
    if not RESULTS.exists():
        sys.exit(f"no results in {RESULTS}: run the benchmarks first (make bench)")
    rows = [json.loads(line) for line in RESULTS.read_text(encoding="utf-8").splitlines() if line]
    print("| figure | measured | ratio | target | met? |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        met = {True: "yes", False: "**no**", None: "n/a"}[row["met"]]
        print(f"| {row['figure']} | {row['measured']} | {row['ratio']} | {row['target']} | {met} |")


if __name__ == "__main__":
    main()
