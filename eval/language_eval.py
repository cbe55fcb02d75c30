"""Language identification accuracy on real text: documents ≥ 200 characters, tweets, short texts, mixed Chinese-English.

Sets, all real text (nothing generated), built at run time:

* ``docs`` — documents of at least 200 characters: 3,000 sampled each from the IMDB reviews (en) and
  PRC statutes (zh) of ``../shared/data/bench/real-100k``, plus paragraphs of ≥ 200 characters from
  the translated Debian manual pages installed on this machine (``/usr/share/man/<lang>``: cs da de
  es fr hu id it ja ko nl pl pt ro ru sr sv tr uk), keeping only paragraphs that do not occur in the
  English page (untranslated paragraphs) and, for non-Latin scripts, are written mostly in that script;
* ``tweets`` — the 17,000 English tweets of real-100k (Davidson et al.), and the English tweets of
  the WNUT-17 and Broad Twitter corpora (``../shared/data/ner/en``);
* ``short`` — Chinese comments (COLD), Weibo posts and news sentences (CLUENER, People's Daily), GUM
  sentences, and translated messages of 40–200 characters from the gettext catalogues installed on
  this machine (``/usr/share/locale/<lang>``), per language;
* ``mixed`` — real Chinese sentences with at least 3 Latin letters (CLUENER, Weibo, COLD), labelled zh.

The gold label is the language of the collection, so a collection's own mislabelled items (English
paragraphs left in a translated manual page, an Indonesian tweet in an English corpus) count as errors.

    .venv/bin/python eval/language_eval.py [--per-set 3000] [--seed 7]

Prints accuracy per set and per language with the default ``LanguageConfig`` (21 languages,
unsupported: tag), the share flagged unsupported, and detection of languages outside the 21
(gettext messages of fi el vi he ar th bg et lt lv ca eu gl sk), plus throughput (documents per CPU second).
"""

from __future__ import annotations

import argparse
import gettext
import glob
import json
import os
import random
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import orjson
import zstandard

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transforms.language.stage import LanguageConfig, LanguageControl  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
MAN = {"cs": "cs", "da": "da", "de": "de", "es": "es", "fr": "fr", "hu": "hu", "id": "id", "it": "it", "ja": "ja", "ko": "ko",
       "nl": "nl", "pl": "pl", "pt": "pt", "pt_BR": "pt", "ro": "ro", "ru": "ru", "sv": "sv", "tr": "tr", "uk": "uk", "sr": "sr"}
OTHER = {"fi": "fi", "el": "el", "vi": "vi", "he": "he", "ar": "ar", "th": "th", "bg": "bg", "et": "et", "lt": "lt", "lv": "lv",
         "ca": "ca", "eu": "eu", "gl": "gl", "sk": "sk"}
SCRIPT = {"ru": "[\u0400-\u04ff]", "uk": "[\u0400-\u04ff]", "sr": "[\u0400-\u04ff]", "ja": "[\u3040-\u30ff\u4e00-\u9fff]",
          "ko": "[\uac00-\ud7af]"}


def real_100k() -> dict[str, list[str]]:
    by_src: dict[str, list[str]] = defaultdict(list)
    for path in sorted(glob.glob(str(DATA / "bench" / "real-100k" / "*.jsonl.zst"))):
        with open(path, "rb") as f:
            for line in zstandard.ZstdDecompressor().stream_reader(f).read().splitlines():
                d = orjson.loads(line)
                by_src[d["src"]].append(d["text"])
    return by_src


def conll(path: Path, sep: str | None = None) -> list[list[str]]:
    sents, cur = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if cur:
                sents.append(cur)
            cur = []
            continue
        cur.append(line.split(sep)[0] if sep else line.split()[0])
    if cur:
        sents.append(cur)
    return sents


def detok(tokens: list[str]) -> str:
    return re.sub(r" ([.,!?;:')])", r"\1", " ".join(tokens))


def man_paragraphs(path: str) -> list[str]:
    env = dict(os.environ, MANWIDTH="100000", LANG="C.UTF-8")
    try:
        out = subprocess.run(["man", "-l", "-E", "UTF-8", path], capture_output=True, env=env, timeout=20).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return []
    out = "\n".join(line for line in re.sub(".\x08", "", out).splitlines() if line[:1] in (" ", ""))  # no headings
    return [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", out)]


def script_ok(text: str, lang: str) -> bool:
    if lang not in SCRIPT:
        return True
    letters = len(re.findall(r"[^\W\d_]", text))
    return bool(letters) and len(re.findall(SCRIPT[lang], text)) / letters > 0.5


def gettext_messages(locale: str, rng: random.Random, n: int) -> list[str]:
    rows = []
    for mo in glob.glob(f"/usr/share/locale/{locale}/LC_MESSAGES/*.mo"):
        try:
            catalog = gettext.GNUTranslations(open(mo, "rb"))._catalog  # noqa: SIM115
        except Exception:
            continue
        rows += [v for k, v in catalog.items()
                 if isinstance(k, str) and k and v != k and 40 <= len(v) <= 200 and "%" not in v and "\n" not in v]
    rng.shuffle(rows)
    return rows[:n]


def build(per_set: int, seed: int) -> dict[str, list[tuple[str, str, str]]]:
    rng = random.Random(seed)
    real = real_100k()
    sets: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # set -> (collection, lang, text)
    for src, lang in (("imdb", "en"), ("laws", "zh")):
        sets["docs"] += [(src, lang, t) for t in rng.sample(real[src], per_set) if len(t) >= 200]
    for d, lang in MAN.items():
        rows = []
        for path in glob.glob(f"/usr/share/man/{d}/man*/*"):
            english = path.replace(f"/usr/share/man/{d}/", "/usr/share/man/")
            seen = set(man_paragraphs(english)) if os.path.exists(english) else set()
            rows += [p[:2000] for p in man_paragraphs(path) if len(p) >= 200 and p not in seen and "\ufffd" not in p and script_ok(p, lang)]
        rng.shuffle(rows)
        sets["docs"] += [(f"man:{d}", lang, p) for p in rows[:300]]
    sets["tweets"] += [("davidson", "en", t) for t in real["tweets"]]
    for name in ("wnut17_train", "btc_a", "btc_b", "btc_f"):
        sets["tweets"] += [(name, "en", detok(t)) for t in rng.sample(conll(DATA / "ner" / "en" / f"{name}.conll", "\t"), 600)]
    sets["short"] += [("cold", "zh", t) for t in rng.sample(real["cold"], per_set)]
    cluener = [json.loads(line)["text"] for line in (DATA / "ner" / "zh" / "cluener_train.jsonl").read_text().splitlines()]
    weibo = ["".join(c[0] for c in s) for s in conll(DATA / "ner" / "zh" / "weibo_ner_2nd_train.conll")]
    daily = ["".join(s) for s in conll(DATA / "ner" / "zh" / "peoples_daily_test.bio")]
    gum = [detok(t) for t in conll(DATA / "ner" / "en" / "gum_train.conll", "\t")]
    for name, lang, rows in (("cluener", "zh", cluener), ("weibo", "zh", weibo), ("peoples_daily", "zh", daily), ("gum", "en", gum)):
        sets["short"] += [(name, lang, t) for t in rng.sample(rows, min(600, len(rows)))]
    for d, lang in MAN.items():
        if d != "pt_BR":
            sets["short"] += [(f"gettext:{d}", lang, t) for t in gettext_messages(d, rng, 300)]
    mixed = [t for t in cluener + weibo + real["cold"] if len(re.findall(r"[A-Za-z]", t)) >= 3 and len(re.findall(r"[\u4e00-\u9fff]", t)) >= 5]
    sets["mixed"] += [("mixed", "zh", t) for t in rng.sample(mixed, min(1500, len(mixed)))]
    for d, lang in OTHER.items():
        sets["unsupported"] += [(f"gettext:{d}", lang, t) for t in gettext_messages(d, rng, 200)]
    return sets


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-set", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    sets = build(args.per_set, args.seed)
    control = LanguageControl(LanguageConfig())
    control.setup()
    print(f"load average {os.getloadavg()[0]:.1f}; default LanguageConfig: {len(LanguageConfig().languages)} languages")
    print("| set | texts | accuracy | flagged unsupported | docs/s per core |\n|---|---:|---:|---:|---:|")
    per_lang: dict[str, dict[str, list[int]]] = {}
    for name, rows in sets.items():
        texts = [t for _, _, t in rows]
        t0 = time.process_time()
        langs, decisions = [], []
        for i in range(0, len(texts), 1000):
            lg, dc = control.identify(texts[i : i + 1000], [None] * len(texts[i : i + 1000]))
            langs += lg
            decisions += dc
        rate = len(texts) / max(time.process_time() - t0, 1e-9)
        flagged = sum(bool(d.detail.get("unsupported")) for d in decisions)
        if name == "unsupported":
            right = sum(d.detail.get("unsupported", False) and lang == gold for d, lang, (_, gold, _) in zip(decisions, langs, rows))
            caught = flagged
            print(f"| {name} (14 other languages) | {len(rows):,} | language right {right / len(rows):.3f} | {caught / len(rows):.3f} | {rate:,.0f} |")
            continue
        right = [lang == gold for lang, (_, gold, _) in zip(langs, rows)]
        print(f"| {name} | {len(rows):,} | {sum(right) / len(rows):.4f} | {flagged / len(rows):.4f} | {rate:,.0f} |")
        table = per_lang.setdefault(name, {})
        for ok, (coll, gold, _) in zip(right, rows):
            key = gold if name in ("docs", "short") else coll
            table.setdefault(key, [0, 0])
            table[key][0] += ok
            table[key][1] += 1
    for name, table in per_lang.items():
        print(f"\n{name}: " + ", ".join(f"{k} {a / n:.3f} ({n})" for k, (a, n) in sorted(table.items())))
    docs = sets["docs"]
    tweets = [r for r in sets["tweets"] if r[0] == "davidson"]
    summary = {"docs_ge_200_chars": len(docs), "davidson_tweets": len(tweets)}
    print("\n" + json.dumps(summary))


if __name__ == "__main__":
    main()
