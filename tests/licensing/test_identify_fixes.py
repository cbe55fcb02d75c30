"""Issue 19 item 5: exact matches beat the prior, the pre-check hides no licence, standard notices, modified
licences, licence names mentioned inside another licence's text."""

import json
import re
from pathlib import Path

import pytest

from transforms.core.records import Batch
from transforms.licensing.identify import (
    MODIFIED_PREFIX,
    MatchSettings,
    find_licenses,
    has_license_vocabulary,
    inserted_words,
    load_index,
)

ROOT = Path(__file__).resolve().parents[2]
SPDX = next(  # ../shared/data beside the checkout (or beside the worktrees' folder)
    (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if (p / "data/licenses/spdx_license_texts.jsonl").exists()),
    ROOT.parent / "shared",
) / "data/licenses/spdx_license_texts.jsonl"
ASF_HEADER = """/*
 * Licensed to the Apache Software Foundation (ASF) under one
 * or more contributor license agreements.  See the NOTICE file
 * distributed with this work for additional information
 * regarding copyright ownership.  The ASF licenses this file
 * to you under the Apache License, Version 2.0 (the
 * "License"); you may not use this file except in compliance
 * with the License.  You may obtain a copy of the License at
 *
 *   http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing,
 * software distributed under the License is distributed on an
 * "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY
 * KIND, either express or implied.  See the License for the
 * specific language governing permissions and limitations
 * under the License.
 */
package org.apache.foo;
"""
CLAUSE = ("The Software may not be used for commercial purposes, and it may not be sold, rented or sublicensed to any "
          "party for a fee without the prior written consent of the authors.")


@pytest.fixture(scope="module")
def texts():
    if not SPDX.exists():
        pytest.skip("SPDX licence texts not available")
    return {r["spdx_id"]: r["text"] for r in map(json.loads, SPDX.open(encoding="utf-8"))}


@pytest.fixture(scope="module")
def index():
    return load_index()


def text_findings(text, index, **kw):
    return [f for f in find_licenses(text, index, MatchSettings(**kw)) if f.kind == "license_text"]


def test_exact_match_beats_the_common_licence_prior(texts, index):
    assert [f.license for f in text_findings(texts["Pixar"], index)] == ["Pixar"]
    assert [f.license for f in text_findings(texts["Apache-2.0"], index)] == ["Apache-2.0"]


def test_every_spdx_text_passes_the_pre_check_and_short_licences_are_found(texts, index):
    assert [k for k, t in texts.items() if not has_license_vocabulary(t)] == []
    for spdx in ("Vim", "Unlicense", "FSFAP", "diffmark"):
        assert [f.license for f in text_findings(texts[spdx], index)] == [spdx]


@pytest.mark.parametrize("style", ["c", "hash"])
def test_asf_source_header_is_an_apache_notice(index, style):
    text = ASF_HEADER if style == "c" else re.sub(r"(?m)^ ?\*/?|/\*", "#", ASF_HEADER)
    assert [(f.license, f.kind) for f in find_licenses(text, index)] == [("Apache-2.0", "license_notice")]


def test_eclipse_and_boost_notices(index):
    found = find_licenses("This program and the accompanying materials are made\n * available under the terms of the "
                          "Eclipse Public License 2.0 which is available at https://www.eclipse.org/legal/epl-2.0/", index)
    assert [f.license for f in found] == ["EPL-2.0"]
    found = find_licenses("// Distributed under the Boost Software License, Version 1.0.\n// (See accompanying file)", index)
    assert [f.license for f in found] == ["BSL-1.0"]


def test_a_clause_added_inside_a_licence_makes_it_modified(texts, index):
    mit = re.sub(r"(The\s+above\s+copyright\s+notice)", CLAUSE + "\n\n\\1", texts["MIT"], count=1)
    found = text_findings(mit, index)
    assert [f.license for f in found] == [MODIFIED_PREFIX + "MIT"]
    assert found[0].evidence["base"] == "MIT" and found[0].evidence["inserted_words"] >= 20
    base = text_findings(mit, index, modified="base")
    assert [f.license for f in base] == ["MIT"] and base[0].evidence["modified"] is True
    apache = re.sub(r"(5\.\s+Submission\s+of\s+Contributions)", CLAUSE + "\n\n\\1", texts["Apache-2.0"], count=1)
    assert [f.license for f in text_findings(apache, index)] == [MODIFIED_PREFIX + "Apache-2.0"]


def test_readme_around_a_licence_and_dropped_words_are_not_modifications(texts, index):
    readme = "# Project\n\nA small library for parsing things quickly. Install it with pip.\n\n## License\n\n"
    assert [f.license for f in text_findings(readme + texts["MIT"] + "\n\n## Authors\n\nThe team.", index)] == ["MIT"]
    words = texts["BSD-3-Clause"].split()
    dropped = " ".join(w for k, w in enumerate(words) if k % 31 != 7)
    assert [f.license for f in text_findings(dropped, index)] == ["BSD-3-Clause"]


def test_inserted_words_counts_only_flanked_gaps():
    import numpy as np

    explained = np.ones(100, dtype=bool)
    explained[40:44] = False  # a dropped word: n - 1 = 4 shingles
    assert inserted_words(explained) == 0
    explained[60:80] = False  # 16 new words inside
    assert inserted_words(explained) == 16
    tail = np.ones(100, dtype=bool)
    tail[80:] = False  # README prose after the licence: not flanked on the right
    assert inserted_words(tail) == 0


@pytest.mark.parametrize("spdx", ["EUPL-1.1", "EUPL-1.2", "GFDL-1.3-only", "GFDL-1.2-only"])
def test_licence_names_inside_another_licence_are_not_findings(texts, index, spdx):
    found = find_licenses(texts[spdx], index)
    assert [f.kind for f in found] == ["license_text"]
    assert not any(f.kind == "creative_commons" for f in found)


def test_a_cc_mention_outside_the_licence_text_is_still_found(texts, index):
    text = texts["EUPL-1.2"] + "\n\nThe documentation of this project is licensed under CC BY-NC 4.0."
    found = find_licenses(text, index)
    assert "CC-BY-NC-4.0" in [f.license for f in found]


def test_stage_sends_modified_licences_to_review(texts):
    from transforms.licensing.stage import LicensingConfig, LicensingControl

    mit = re.sub(r"(The\s+above\s+copyright\s+notice)", CLAUSE + "\n\n\\1", texts["MIT"], count=1)
    batch = Batch.from_rows([{"id": "a", "text": mit, "source": "s", "source_uri": "f", "locator": "line=1", "license": "MIT",
                              "lang": None, "meta": {}, "content_sha256": "", "tags": [], "lineage": []}])
    sources = {"s": {"license": "MIT", "basis": "licence", "allowed_uses": []}}
    control = LicensingControl(LicensingConfig(), sources)
    control.setup()
    [decision] = control.decide(batch)
    assert decision.action == "reject" and decision.reason == "licence_review"
    assert decision.detail["found"] == MODIFIED_PREFIX + "MIT" and decision.detail["base"] == "MIT"
    tagged = LicensingControl(LicensingConfig(policies={"commercial_training": {"unknown": "tag"}}), sources)
    tagged.setup()
    [decision] = tagged.decide(batch)
    assert decision.action == "annotate" and "licence_review" in decision.tags


def test_a_copyright_statement_inside_a_paragraph_is_not_a_modification(texts, index):
    text = texts["BSD-3-Clause"].replace(
        "Redistribution and use", "Portions copyright 1998, 2001 The Regents of the University of California and the "
        "Foo Project contributors, all of whom agreed. Redistribution and use", 1)
    assert [f.license for f in text_findings(text, index)] == ["BSD-3-Clause"]
