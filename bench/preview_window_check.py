"""Whether the rejects' previews (transforms/core/preview.py) would change with another redaction window.

    .venv/bin/python bench/preview_window_check.py record bench/_work/real-100000.yaml bench/_work/preview-inputs.pkl
    .venv/bin/python bench/preview_window_check.py compare bench/_work/preview-inputs.pkl --window 400

``record`` runs ``steward run CONFIG --direct_num_workers=1`` in this process and saves every batch of texts
(and metas) the run asked previews for (as the rejecting stage saw them, earlier stages' edits included);
``compare`` computes each batch's previews with the shipped window and with ``--window`` and prints how many
differ (with the first few, redacted both ways) and the CPU seconds of each. A smaller window ships only if
no preview of a whole real-100k run differs.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transforms.core import preview, stage  # noqa: E402


def record(config: str, out: str) -> None:
    batches = []
    shipped = stage.redacted_previews

    def recording(texts, categories, metas):
        batches.append((list(texts), list(categories), list(metas)))
        return shipped(texts, categories, metas)

    stage.redacted_previews = recording  # apply_control's own reference
    from pipelines.cli import main as steward

    sys.argv = ["steward", "run", config, "--direct_num_workers=1"]
    try:
        steward()
    except SystemExit as done:
        if done.code:
            raise
    finally:
        stage.redacted_previews = shipped
        Path(out).write_bytes(pickle.dumps(batches))
    print(f"{sum(len(batch[0]) for batch in batches):,} texts in {len(batches):,} batches → {out}")


def previews_with(batches, window: int) -> tuple[list, float]:
    shipped, preview.WINDOW_CHARS = preview.WINDOW_CHARS, window
    try:
        started = time.process_time()
        out = [preview.redacted_previews(*batch) for batch in batches]
        return out, time.process_time() - started
    finally:
        preview.WINDOW_CHARS = shipped


def compare(inputs: str, window: int) -> int:
    batches = pickle.loads(Path(inputs).read_bytes())
    preview.redacted_previews(*batches[0])  # detectors and models loaded outside the timing
    today, today_s = previews_with(batches, preview.WINDOW_CHARS)
    other, other_s = previews_with(batches, window)
    pairs = [(a, b) for batch_a, batch_b in zip(today, other) for a, b in zip(batch_a, batch_b)]
    differ = [(a, b) for a, b in pairs if a != b]
    print(f"{len(pairs):,} previews ({sum(a is not None for a, _ in pairs):,} with text): window {preview.WINDOW_CHARS} "
          f"{today_s:.2f} CPU s, window {window} {other_s:.2f} CPU s; {len(differ)} differ")
    for a, b in differ[:5]:  # previews are redacted: no raw identifier is printed
        print(f"  {preview.WINDOW_CHARS}: {a!r}\n  {window}: {b!r}")
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record")
    rec.add_argument("config")
    rec.add_argument("out")
    cmp_ = commands.add_parser("compare")
    cmp_.add_argument("inputs")
    cmp_.add_argument("--window", type=int, required=True)
    args = parser.parse_args()
    if args.command == "record":
        record(args.config, args.out)
        return 0
    return compare(args.inputs, args.window)


if __name__ == "__main__":
    sys.exit(main())
