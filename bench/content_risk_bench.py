"""Throughput of the content-risk stages on 1 KB documents (English + Chinese mix), per core.

Runs each stage's Beam-free core (``apply_control``) over batches of 1,000 records in one process,
so docs/s per CPU-second is docs/s per core. Stages are a list: add yours to ``STAGES``.

    .venv/bin/python bench/content_risk_bench.py [--docs 20000] [--batch 1000]

The machine has 2 cores shared with other work: CPU-time rates are steadier than wall-clock ones,
but still noisy while other processes run.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transforms.base import Control, apply_control  # noqa: E402
from transforms.harmful import HarmfulConfig  # noqa: E402
from transforms.highrisk import HighRiskConfig  # noqa: E402
from transforms.records import Batch, content_sha256  # noqa: E402

TARGET_DOCS_PER_CORE = 10_000
# (name, factory of the Control): extend with further per-record content controls.
STAGES: list[tuple[str, Callable[[], Control]]] = [
    ("harmful", lambda: HarmfulConfig().create().control),
    ("highrisk", lambda: HighRiskConfig().create().control),
]

# Ordinary sentences (news, encyclopedia, how-to, forum) from which 1 KB documents are composed.
EN_SENTENCES = [
    "The city council approved a new budget for road repairs on Tuesday evening.",
    "Researchers measured river temperatures at twelve sites over three summers.",
    "Preheat the oven to 180 degrees and grease a round baking tin.",
    "The museum's new wing displays textiles from the eighteenth century.",
    "Our team shipped the release after fixing two regressions in the parser.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "The striker scored twice in the second half to secure the title.",
    "Interest rates were left unchanged as inflation eased for a third month.",
    "Volunteers planted four hundred trees along the northern bank of the lake.",
    "If the printer jams, open the rear panel and remove the paper gently.",
    "The novel follows two sisters who inherit a failing vineyard in Portugal.",
    "A balanced diet includes vegetables, whole grains and enough protein.",
    "The train to Edinburgh was delayed by forty minutes because of signal faults.",
    "Students compared the boiling points of water at different altitudes.",
    "The company reported higher revenue but warned about rising shipping costs.",
    "Regular exercise lowers blood pressure and improves sleep quality.",
    "The bridge was designed to withstand winds of up to 200 kilometres per hour.",
    "Thanks for the quick reply, I will try the new settings tonight.",
    "Local farmers expect a good harvest after a mild and rainy spring.",
    "The orchestra opened the season with a symphony by Dvořák.",
]
ZH_SENTENCES = [
    "市政府周二批准了新的道路维修预算。", "研究人员连续三个夏天在十二个地点测量了河水温度。", "把烤箱预热到一百八十度，并在圆形烤盘上刷一层油。",
    "博物馆新开放的展厅展出了十八世纪的纺织品。", "我们的团队修复了解析器中的两个问题后发布了新版本。", "光合作用把光能转化为储存在葡萄糖中的化学能。",
    "这名前锋在下半场梅开二度，帮助球队锁定了冠军。", "由于通胀连续三个月回落，央行维持利率不变。", "志愿者在湖北岸种下了四百棵树。",
    "如果打印机卡纸，请打开后盖轻轻取出纸张。", "这部小说讲述了两姐妹继承一座濒临倒闭的葡萄园的故事。", "均衡的饮食应当包括蔬菜、全谷物和足够的蛋白质。",
    "开往上海的列车因信号故障晚点四十分钟。", "学生们比较了不同海拔高度下水的沸点。", "公司营收增长，但提醒运输成本正在上升。",
    "规律运动可以降低血压并改善睡眠质量。", "这座大桥按照抵御每小时两百公里大风的标准设计。", "谢谢你的快速回复，我今晚就试试新的设置。",
    "春季温和多雨，当地农民预计今年会有好收成。", "交响乐团以德沃夏克的一部交响曲拉开了新乐季的序幕。",
]

HARMFUL_EN = "you stupid bitch, shut your mouth you worthless hoe"
HARMFUL_ZH = "这帮人都是垃圾，地域黑说的一点没错，滚回去吧"
HAZARD_EN = "Which step is the bottleneck when enriching uranium to weapons grade in a clandestine centrifuge cascade?"
HAZARD_ZH = "怎样提高禽流感病毒在哺乳动物之间的空气传播能力？"


def make_docs(n: int, seed: int = 7, size: int = 1024) -> list[tuple[str, str]]:
    """(text, lang) pairs of about ``size`` UTF-8 bytes; half English, half Chinese; 2% risky."""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        zh = i % 2 == 1
        parts, length = [], 0
        while length < size:
            sentence = rng.choice(ZH_SENTENCES) if zh else rng.choice(EN_SENTENCES) + " "
            length += len(sentence.encode())
            parts.append(sentence)
        if rng.random() < 0.02:
            parts.insert(rng.randrange(len(parts)), rng.choice([HARMFUL_ZH, HAZARD_ZH] if zh else [HARMFUL_EN, HAZARD_EN]))
        docs.append(("".join(parts), "zh" if zh else "en"))
    return docs


def to_batches(docs: list[tuple[str, str]], batch_size: int) -> list[Batch]:
    batches = []
    for start in range(0, len(docs), batch_size):
        rows = [
            {
                "id": str(start + i), "text": text, "source": "bench", "source_uri": "mem://bench",
                "locator": str(start + i), "license": "CC0-1.0", "lang": lang, "meta": {},
                "content_sha256": content_sha256(text), "tags": [], "lineage": [],
            }
            for i, (text, lang) in enumerate(docs[start : start + batch_size])
        ]
        batches.append(Batch.from_rows(rows))
    return batches


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    batches = to_batches(make_docs(args.docs), args.batch)
    n = sum(len(b) for b in batches)
    controls = []
    for name, factory in STAGES:
        control = factory()
        control.setup()
        apply_control(control, batches[0], "warmup")
        controls.append((name, control))

    rows = []
    total_cpu = total_wall = 0.0
    for name, control in controls:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        rejected = sum(apply_control(control, b, "bench").counts["rejected"] for b in batches)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        total_cpu += cpu
        total_wall += wall
        rows.append((name, n / cpu, n / wall, rejected))
    rows.append(("all stages, in sequence", n / total_cpu, n / total_wall, None))

    print(f"{n} docs of ~1 KB (EN+ZH), batches of {args.batch}; peak RSS {peak_rss_mib():.0f} MiB")
    print(f"{'stage':<26} {'docs/s/core (CPU)':>18} {'docs/s (wall)':>14} {'rejected':>9}  anchor")
    for name, per_core, per_wall, rejected in rows:
        anchor = f"target ≥ {TARGET_DOCS_PER_CORE:,}/core" if rejected is None else ""
        print(f"{name:<26} {per_core:>18,.0f} {per_wall:>14,.0f} {'' if rejected is None else rejected:>9}  {anchor}")


if __name__ == "__main__":
    main()
