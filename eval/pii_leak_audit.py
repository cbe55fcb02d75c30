"""Leak audit: does labelled personal information reach anything a run writes, other than the detector's own misses?

Offline and slow (a dozen `steward run`s); never needed at run time. It writes labelled PII as a corpus in three
formats, with values also in the id, url and meta fields:

- ``en_jsonl`` (JSONL): presidio's synthetic English sentences (``../shared/data/pii/en_presidio_synth_v2.json``);
- ``zh_csv`` (CSV): the generated Chinese set of ``eval/pii_zh_generate.py``;
- ``ner_parquet`` (Parquet): held-out sentences of ``../shared/data/ner`` (EN and ZH), their person names as PERSON;

plus exact copies of some records (for dedup's rejects) and urls under ``/private/`` (for the licensing block list).
Each run gets its own TMPDIR and working directory and runs `steward run` in every de-identification mode (redact,
mask, pseudonym, surrogate for names and addresses, encrypt), with the pii stage after the other filtering stages
and first; then `steward trace`, `sample`, `review` and `versions` on the output. Two more runs: one whose gate fails
(pii limited to PERSON, so identifiers stay and ``no_residual_pii`` fails) and one killed with SIGKILL mid-way (then
the next run on the same output). Every file under the output, TMPDIR and cwd, and every command's stdout/stderr,
is searched for each gold value: verbatim, lower-cased, digits only (values with ≥ 7 digits), and JSON-escaped.
Parquet files are read row by row: a row with ``content_sha256`` is searched for its own record's values (so short
names count too); other files for all values of at least 6 characters (3 for Chinese).

A value is *covered* when the full detector (every type, both languages, the shipped taggers) finds it in its record
(in the text, or in the meta string it was put in). A covered value found anywhere is a leak around the detector; an
uncovered one in the published text or a reject's preview is the detector's own miss (recall, measured elsewhere).

    python eval/pii_leak_audit.py [--records 400] [--work /tmp/leak_audit] [--only redact-late,kill]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import ahocorasick_rs
import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))
import ner_corpora  # noqa: E402
import pii_zh_generate  # noqa: E402

from transforms.core.records import content_sha256  # noqa: E402
from transforms.pii import detectors as det  # noqa: E402

DATA = Path(os.environ.get("DATASTEWARD_DATA", "/work/shared/data"))
STEWARD = str(Path(sys.executable).with_name("steward"))
AUDIT_KEY = "leak-audit-key-0123456789abcdef"  # a test key for the keyed modes; not a secret
PRESIDIO_TYPES = {"CREDIT_CARD": det.BANK_CARD, "IBAN_CODE": det.IBAN, **{t: t for t in det.ENTITY_TYPES}}
_CJK = re.compile(r"[\u3400-\u9fff]")


# ------------------------------------------------------------------------------------------------ the corpus
def _gold_spans(text: str, spans: list[tuple[str, int, int]]) -> list[dict]:
    return [{"type": t, "value": text[s:e], "start": s, "end": e} for t, s, e in spans if text[s:e].strip()]


def gold_records(per_source: int, seed: int = 17) -> dict[str, list[dict]]:
    """Per source, records ``{text, gold: [{type, value, start, end}]}`` holding at least one gold value."""
    r = random.Random(seed)
    en = json.loads((DATA / "pii/en_presidio_synth_v2.json").read_text(encoding="utf-8"))
    en = [
        {"text": d["full_text"], "gold": _gold_spans(d["full_text"], [
            (PRESIDIO_TYPES[s["entity_type"]], s["start_position"], s["end_position"])
            for s in d["spans"] if s["entity_type"] in PRESIDIO_TYPES])}
        for d in en
    ]  # fmt: skip
    zh = [
        {"text": d["full_text"], "gold": _gold_spans(d["full_text"], [
            (s["entity_type"], s["start_position"], s["end_position"]) for s in d["spans"]])}
        for d in pii_zh_generate.generate(3 * per_source, seed=seed)
    ]  # fmt: skip
    ner = [
        {"text": d["text"], "gold": _gold_spans(d["text"], [(det.PERSON, s, e) for s, e in d["spans"]])}
        for d in ner_corpora.english() + ner_corpora.chinese() if d["split"] == "test" and d["spans"]
    ]  # fmt: skip
    pick = lambda rows: r.sample([x for x in rows if x["gold"]], per_source)  # noqa: E731
    return {"en_jsonl": pick(en), "zh_csv": pick(zh), "ner_parquet": pick(ner)}


# Lines ingest rejects (cut short, text not a string, no text): their values are in no published text, so none may
# appear anywhere
NEVER_PUBLISHED = [(det.PERSON, "Margarethe Vandersloot"), (det.EMAIL_ADDRESS, "mvandersloot@example.net"),
                   (det.PHONE_NUMBER, "415-555-0199"), (det.US_SSN, "536-90-4399")]  # fmt: skip
BAD_LINES = [
    '{"id": "bad-1", "text": "Call Margarethe Vandersloot at 415-555-0199 or mvandersloot@example.net", "url": ',
    '{"id": "bad-2-mvandersloot@example.net", "text": 4155550199, "title": "SSN 536-90-4399"}',
    '{"id": "bad-3", "body": "Margarethe Vandersloot, SSN 536-90-4399", "author": "Margarethe Vandersloot"}',
]


def _meta_value(rec: dict) -> dict:
    """The gold value a record also carries in its id, url and meta fields: a structured one where it has one."""
    structured = [g for g in rec["gold"] if g["type"] in det.STRUCTURED_TYPES]
    return (structured or rec["gold"])[0]


def write_corpus(records: dict[str, list[dict]], folder: Path) -> dict[str, list[dict]]:
    """Writes the three sources under ``folder`` and returns, per source, the rows in file order (copies included),
    each with its gold values; the meta value is added to the gold with ``place: meta``."""
    rows: dict[str, list[dict]] = {}
    for source, recs in records.items():
        out = []
        for k, rec in enumerate(recs):
            g = _meta_value(rec)
            v = g["value"]
            row = {
                "id": f"{source}-{k:05d}-{v}",
                "text": rec["text"],
                "url": f"https://people.example.org/{'private' if k % 10 == 3 else 'u'}/{v}",
                "title": f"Re: {v}",
                "author": v,
                "gold": rec["gold"] + [{"type": g["type"], "value": v, "place": "meta"}],
            }
            out.append(row)
            if k % 25 == 7:  # an exact copy: dedup rejects one of the two
                out.append({**row, "id": row["id"] + "-copy"})
        rows[source] = out
    (folder / "en").mkdir(parents=True, exist_ok=True)
    with (folder / "en/part-0.jsonl").open("w", encoding="utf-8") as f:
        for row in rows["en_jsonl"]:
            f.write(json.dumps({k: row[k] for k in ("id", "text", "url", "title", "author")}, ensure_ascii=False) + "\n")
        f.writelines(line + "\n" for line in BAD_LINES)
    (folder / "zh").mkdir(exist_ok=True)
    with (folder / "zh/part-0.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["编号", "正文", "链接", "标题", "作者"])
        w.writerows([row["id"], row["text"], row["url"], row["title"], row["author"]] for row in rows["zh_csv"])
    (folder / "ner").mkdir(exist_ok=True)
    columns = ("id", "text", "url", "title", "author")
    pq.write_table(pa.table({c: [row[c] for row in rows["ner_parquet"]] for c in columns}), folder / "ner/part-0.parquet")
    return rows


SOURCES_YAML = """
sources:
  - {{name: en_jsonl, paths: ["{corpus}/en/*.jsonl"], format: jsonl, text_field: text, id_field: id, url_field: url,
     meta_fields: [title, author], license: CC-BY-4.0, basis: licence, evidence: https://example.org/terms,
     owner: audit, allowed_uses: [commercial_training], lang: en}}
  - {{name: zh_csv, paths: ["{corpus}/zh/*.csv"], format: csv, text_field: 正文, id_field: 编号, url_field: 链接,
     meta_fields: [标题, 作者], license: CC-BY-4.0, basis: licence, evidence: https://example.org/terms,
     owner: audit, allowed_uses: [commercial_training], lang: zh}}
  - {{name: ner_parquet, paths: ["{corpus}/ner/*.parquet"], format: parquet, text_field: text, id_field: id,
     url_field: url, meta_fields: [title, author], license: CC-BY-4.0, basis: licence,
     evidence: https://example.org/terms, owner: audit, allowed_uses: [commercial_training]}}
"""
OTHER_STAGES = """
  - {stage: licensing, url_block: ["*/private/*"]}
  - {stage: language, unsupported: keep}
  - {stage: quality, min_chars: 20, rules: {gopher_word_count: {min_words: 12}}}
  - {stage: dedup}
  - {stage: classified}
  - {stage: credentials, action: redact}
  - {stage: harmful}
  - {stage: highrisk}
  - {stage: aigc, policy: tag}
"""
MODES = {
    "redact": "default_mode: redact",
    "mask": "default_mode: mask",
    "pseudonym": "default_mode: pseudonym",
    "surrogate": "default_mode: pseudonym, modes: {PERSON: surrogate, STREET_ADDRESS: surrogate}",
    "encrypt": "default_mode: encrypt",
}


def job_yaml(corpus: Path, out: Path, pii: str | None, pii_first: bool, suites: str = "") -> str:
    stages = OTHER_STAGES.strip("\n").split("\n")
    pii_line = f"  - {{stage: pii, {pii}}}" if pii else None
    if pii_line:
        stages = [pii_line, *stages] if pii_first else stages[:6] + [pii_line] + stages[6:]
    return (f"job: leak_audit\n{SOURCES_YAML.format(corpus=corpus)}stages:\n  - {{stage: ingest}}\n"
            + "\n".join(stages) + f"\ngate:\n  suites: [{suites or 'records, run_accounting, no_residual_pii'}]\n"
            f"output: {{dir: {out}, mode: overwrite}}\nlineage: {{transport: file}}\n")  # fmt: skip


# ------------------------------------------------------------------------------------------------ the search
def variants(value: str) -> dict[str, str]:
    """The forms a value is looked for in: verbatim, lower-case, digits only, JSON-escaped."""
    out = {"verbatim": value}
    if value.lower() != value:
        out["lower"] = value.lower()
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 7 and digits != value:
        out["digits"] = digits
    escaped = json.dumps(value)[1:-1]
    if escaped != value:
        out["json"] = escaped
    return out


def _long_enough(value: str) -> bool:
    return len(value) >= (3 if _CJK.search(value) else 6)


def _found_in(value: str, haystack: str, lowered: str) -> bool:
    for kind, form in variants(value).items():
        hay = lowered if kind == "lower" else haystack
        if form.isascii() and form[:1].isalnum() and form[-1:].isalnum():
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", hay):
                return True
        elif form in hay:
            return True
    return False


class Gold:
    """Every gold value with its record, type, place (text or meta) and whether the full detector covers it."""

    def __init__(self, rows: dict[str, list[dict]]):
        detector = det.Detector()
        self.by_sha: dict[str, list[dict]] = defaultdict(list)
        self.entries: list[dict] = []
        texts = [row["text"] for source in rows for row in rows[source]]
        found = detector.detect_batch(texts)
        i = 0
        for source in rows:
            for row in rows[source]:
                spans = found[i]
                i += 1
                for g in row["gold"]:
                    if g.get("place") == "meta":
                        meta_spans = detector.detect(row["title"])
                        at = row["title"].index(g["value"])
                        covered = any(s.start <= at and s.end >= at + len(g["value"]) for s in meta_spans)
                    else:
                        covered = any(s.start <= g["start"] and s.end >= g["end"] for s in spans)
                    entry = {"source": source, "record": i, "type": g["type"], "value": g["value"],
                             "place": g.get("place", "text"), "covered": covered}  # fmt: skip
                    self.entries.append(entry)
                    self.by_sha[content_sha256(row["text"])].append(entry)
        self.entries += [{"source": "bad lines", "type": t, "value": v, "place": "rejected line", "covered": True}
                         for t, v in NEVER_PUBLISHED]  # fmt: skip
        # a value is "covered" where the detector found it in one of its record's strings (text or meta), in every
        # record holding it: then it should be gone from everything the run writes
        in_record: dict[tuple[int, str], bool] = {}
        for e in self.entries:
            key = (e.get("record", -1), e["value"])
            in_record[key] = in_record.get(key, False) or e["covered"]
        self.values: dict[str, dict] = {}
        for e in self.entries:
            v = self.values.setdefault(e["value"], {"type": e["type"], "covered": True})
            v["covered"] &= in_record[(e.get("record", -1), e["value"])]
        searchable = {v for v in self.values if _long_enough(v)}
        self.forms: list[tuple[str, str]] = [(form, v) for v in sorted(searchable) for form in variants(v).values()]
        self.automaton = ahocorasick_rs.AhoCorasick([f for f, _ in self.forms])

    def anywhere(self, haystack: str) -> set[str]:
        """The searchable gold values in ``haystack`` (any form, lower-case forms in its lower-cased copy)."""
        found = {self.forms[k][1] for k, _, _ in self.automaton.find_matches_as_indexes(haystack, overlapping=True)}
        lowered = haystack.lower()
        if lowered != haystack:
            found |= {self.forms[k][1] for k, _, _ in self.automaton.find_matches_as_indexes(lowered, overlapping=True)}
        return {v for v in found if _found_in(v, haystack, lowered)}


def _decoded(path: Path) -> str:
    data = path.read_bytes()
    try:
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        elif path.suffix == ".zst":
            data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    except (OSError, zstandard.ZstdError):
        pass
    return data.decode("utf-8", "replace")


def _parquet_rows(path: Path) -> list[dict] | None:
    try:
        return pq.read_table(path).to_pylist()
    except (pa.ArrowInvalid, OSError):
        return None


def _place_of(relative: str, area: str) -> str:
    """The place a file belongs to in the table."""
    if area != "out":
        return area
    parts = relative.split("/")
    if "_staging" in parts:
        return "output: staging"
    if "_delta_log" in parts:
        return "output: Delta commit metadata"
    name = parts[-1]
    if name.endswith("openlineage.jsonl") or "lineage" in name:
        return "output: lineage events"
    if "manifest" in name:
        return "output: manifest"
    if name.endswith(".html") or "report" in name:
        return "output: report"
    return f"output: other ({parts[0]})"


def scan_tree(root: Path, area: str, gold: Gold, finds: dict) -> None:
    """Records in ``finds[place][value]`` every gold value found in the files under ``root``."""
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(root).as_posix()
        place = _place_of(relative, area)
        rows = _parquet_rows(path) if path.suffix == ".parquet" or "part-" in path.name else None
        if rows is not None:
            _scan_rows(rows, place, gold, finds, relative)
            continue
        for v in gold.anywhere(_decoded(path)):
            finds[place].setdefault(v, relative)


def _scan_rows(rows: list[dict], place: str, gold: Gold, finds: dict, relative: str) -> None:
    if place.startswith("output: other ("):
        table = place[len("output: other (") : -1]
        place = {"dataset": "published", "rejects": "rejects"}.get(table, place)
    for row in rows:
        own = gold.by_sha.get(row.get("content_sha256") or "", [])
        columns = {
            "text": row.get("text"), "meta": row.get("meta"), "preview": row.get("preview"),
            "other columns": json.dumps({k: v for k, v in row.items() if k not in ("text", "meta", "preview")},
                                        ensure_ascii=False, default=str),
        }  # fmt: skip
        for column, value in columns.items():
            if not value:
                continue
            value = str(value)
            lowered = value.lower()
            where = f"{place}: {column}"
            hits = {e["value"] for e in own if _found_in(e["value"], value, lowered)}
            hits |= gold.anywhere(value) - {e["value"] for e in own}  # another record's value, long enough to tell
            for v in hits:
                finds[where].setdefault(v, relative)


# ------------------------------------------------------------------------------------------------ the runs
def run_steward(args: list[str], cwd: Path, env: dict, log: Path, timeout: int = 1800) -> int:
    with (log.with_suffix(".out")).open("w") as out, (log.with_suffix(".err")).open("w") as err:
        return subprocess.run([STEWARD, *args], cwd=cwd, env=env, stdout=out, stderr=err, timeout=timeout).returncode


def _fresh(folder: Path) -> dict[str, Path]:
    shutil.rmtree(folder, ignore_errors=True)
    places = {name: folder / name for name in ("out", "tmp", "cwd", "logs")}
    for p in places.values():
        p.mkdir(parents=True)
    return places


def _env(tmp: Path) -> dict:
    return {**os.environ, "TMPDIR": str(tmp), "TMP": str(tmp), "TEMP": str(tmp), "DATASTEWARD_PII_KEY": AUDIT_KEY}


def _follow_up_commands(out: Path, cwd: Path, env: dict, logs: Path) -> None:
    """trace (published and rejected records), sample, review and versions on a published output."""
    run_steward(["versions", str(out)], cwd, env, logs / "cli_versions")
    data = pq.read_table(out / "dataset").column("id").to_pylist()[:4]
    rejects = pq.read_table(out / "rejects").column("id").to_pylist()[:4]
    for k, rid in enumerate(data + rejects):
        run_steward(["trace", str(out), rid], cwd, env, logs / f"cli_trace_{k}")
    version = json.loads(subprocess.run([STEWARD, "versions", str(out), "--json"], cwd=cwd, env=env,
                                        capture_output=True, text=True).stdout)  # fmt: skip
    latest = max(v["version"] for v in (version if isinstance(version, list) else version["versions"]))
    run_steward(["sample", str(out), "--version", str(latest), "--n", "50", "--out", str(cwd / "sample.csv")],
                cwd, env, logs / "cli_sample")  # fmt: skip
    with (cwd / "verdicts.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "verdict", "reason", "reviewer"])
        w.writerows([rid, "pass", "", "audit"] for rid in data)
    run_steward(["review", str(out), str(cwd / "verdicts.csv"), "--version", str(latest), "--allow-small-sample"],
                cwd, env, logs / "cli_review")  # fmt: skip


def _kill_once_staged(proc: subprocess.Popen, out: Path, limit: float = 120) -> None:
    """SIGKILL the run's process group as soon as its staging holds a data file (or after ``limit`` seconds)."""
    deadline = time.time() + limit
    while time.time() < deadline and proc.poll() is None:
        if any(p.suffix == ".parquet" for p in out.glob("_staging/*/**/*")):
            break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)


def audit_run(name: str, yaml: str, folder: Path, gold: Gold, kill: bool = False, reuse: dict | None = None) -> dict:
    places = reuse or _fresh(folder)
    job = folder / f"{name}.yaml"
    job.write_text(yaml, encoding="utf-8")
    env = _env(places["tmp"])
    started = time.time()
    log = places["logs"] / f"run_{name}"
    if not kill:
        rc = run_steward(["run", str(job), "--progress", "plain", "--progress-every", "2"], places["cwd"], env, log)
    else:
        with log.with_suffix(".out").open("w") as out, log.with_suffix(".err").open("w") as err:
            proc = subprocess.Popen([STEWARD, "run", str(job), "--progress", "plain"], cwd=places["cwd"], env=env,
                                    stdout=out, stderr=err, start_new_session=True)  # fmt: skip
            _kill_once_staged(proc, places["out"])
            rc = proc.wait()
    seconds = time.time() - started
    if rc == 0:
        _follow_up_commands(places["out"], places["cwd"], env, places["logs"])
    finds: dict[str, dict[str, str]] = defaultdict(dict)
    scan_tree(places["out"], "out", gold, finds)
    scan_tree(places["tmp"], "TMPDIR leftovers", gold, finds)
    scan_tree(places["cwd"], "cwd leftovers (incl. sample.csv)", gold, finds)
    for path in sorted(places["logs"].iterdir()):
        kind = "stdout" if path.suffix == ".out" else "stderr"
        command = "steward run" if path.name.startswith("run_") else "steward " + path.stem.split("_")[1]
        for v in gold.anywhere(path.read_text(encoding="utf-8", errors="replace")):
            finds[f"{command} {kind}"].setdefault(v, path.name)
    leftovers = {area: sorted(p.relative_to(places[area]).as_posix() for p in places[area].rglob("*") if p.is_file())
                 for area in ("tmp", "cwd")}  # fmt: skip
    staging = sorted(p.relative_to(places["out"]).as_posix() for p in places["out"].rglob("_staging/**/*") if p.is_file())
    return {"name": name, "rc": rc, "seconds": round(seconds, 1), "finds": finds, "leftovers": leftovers,
            "staging": staging[:20], "staging_files": len(staging), "places": places}  # fmt: skip


def summarise(result: dict, gold: Gold) -> dict:
    """Per place × type: values found, and those the detector covers (a leak around it)."""
    table: dict[str, dict[str, list[int]]] = {}
    for place, values in result["finds"].items():
        row = table.setdefault(place, {})
        for v in values:
            info = gold.values[v]
            cell = row.setdefault(info["type"], [0, 0])
            cell[0] += 1
            cell[1] += info["covered"]
    return table


def union_table(results: list[dict], gold: Gold) -> str:
    """Markdown: per place × type, the distinct gold values found in any run, and how many of them the detector
    covers (leaks around it); the first row gives the gold values per type."""
    found: dict[str, set[str]] = defaultdict(set)
    for r in results:
        for place, values in r["finds"].items():
            found[place] |= set(values)
    types = sorted({info["type"] for info in gold.values.values()})
    total = {t: [0, 0] for t in types}
    for v, info in gold.values.items():
        if info["type"] in total:
            total[info["type"]][0] += 1
            total[info["type"]][1] += info["covered"]
    lines = ["| place | " + " | ".join(types) + " |", "|---|" + "---:|" * len(types),
             "| gold values (distinct; covered by the detector) | " + " | ".join(f"{n} ({c})" for n, c in total.values()) + " |"]  # fmt: skip
    for place in sorted(found):
        cells = []
        for t in types:
            values = [v for v in found[place] if gold.values[v]["type"] == t]
            covered = sum(gold.values[v]["covered"] for v in values)
            cells.append(f"{len(values)} ({covered})" if values else "·")
        lines.append(f"| {place} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=400, help="records per source")
    parser.add_argument("--work", type=Path, default=Path("/tmp/leak_audit"))
    parser.add_argument("--only", default="", help="comma-separated run names")
    parser.add_argument("--json", type=Path, help="write every find here")
    parser.add_argument("--table-from", type=Path, help="only print the table of an earlier run's --json")
    args = parser.parse_args()
    corpus = args.work / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    rows = write_corpus(gold_records(args.records), corpus)
    gold = Gold(rows)
    covered = sum(e["covered"] for e in gold.entries)
    print(f"gold: {len(gold.entries)} values ({covered} covered by the detector) in "
          f"{sum(len(r) for r in rows.values())} records; {len(gold.values)} distinct", flush=True)  # fmt: skip
    runs = [(f"{mode}-{'first' if first else 'late'}", settings, first) for mode, settings in MODES.items()
            for first in (False, True)]  # fmt: skip
    runs.append(("gate-fail", "entities: [PERSON], on_residual: keep", False))  # identifiers stay: the gate fails
    runs.append(("kill", MODES["redact"], False))
    if args.table_from:
        print(union_table(json.loads(args.table_from.read_text(encoding="utf-8")), gold))
        return
    wanted = set(filter(None, args.only.split(",")))
    results = []
    for name, pii, pii_first in runs:
        if wanted and name not in wanted:
            continue
        folder = args.work / name
        yaml = job_yaml(corpus, folder / "out", pii, pii_first)
        if name == "kill":
            result = audit_run(name, yaml, folder, gold, kill=True)
            results.append(result)
            results.append(audit_run("kill-then-run", yaml, folder, gold, reuse=result["places"]))
        else:
            results.append(audit_run(name, yaml, folder, gold))
        for r in results[-2:] if name == "kill" else results[-1:]:
            print(f"\n## {r['name']}: exit {r['rc']}, {r['seconds']} s; staging files left: {r['staging_files']};"
                  f" TMPDIR files left: {len(r['leftovers']['tmp'])}; cwd files: {r['leftovers']['cwd'][:6]}")  # fmt: skip
            for place, row in sorted(summarise(r, gold).items()):
                cells = ", ".join(f"{t} {n}/{c}" for t, (n, c) in sorted(row.items()))
                print(f"  {place}: {cells}", flush=True)
    print("\n" + union_table(results, gold))
    if args.json:
        args.json.write_text(json.dumps([{k: v for k, v in r.items() if k != "places"} for r in results],
                                        ensure_ascii=False, indent=1, default=str))  # fmt: skip


if __name__ == "__main__":
    main()
