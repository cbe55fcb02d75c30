"""Licensing: policy evaluation, notice detection, licence-text identification, the licensing stage."""

from __future__ import annotations

import json
from types import SimpleNamespace

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipelines.config import SourceConfig
from transforms.core.stage import RunContext, apply_control
from transforms.licensing.identify import (
    ALL_RIGHTS_RESERVED,
    creative_commons,
    find_licenses,
    has_license_vocabulary,
    load_index,
    reservations,
    spdx_tags,
    standard_notices,
)
from transforms.licensing.policy import FAIL, PASS, REVIEW, LicensePolicy, evaluate, expression_rank, families
from transforms.licensing.stage import LicensingConfig, LicensingControl, LicensingStage, url_verdict
from transforms.core.records import Batch, content_sha256

MIT = """MIT License

Copyright (c) <year> <copyright holders>

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
documentation files (the "Software"), to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to
permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of
the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""

BSD_2 = """Copyright (c) <year> <owner>

Redistribution and use in source and binary forms, with or without modification, are permitted provided that the
following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this list of conditions and the following
disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice, this list of conditions and the
following disclaimer in the documentation and/or other materials provided with the distribution.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES,
INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,
SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY,
WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""

BSD_3_CLAUSE = """
3. Neither the name of the copyright holder nor the names of its contributors may be used to endorse or promote
products derived from this software without specific prior written permission.
"""
BSD_3 = BSD_2.replace("\n\nTHIS SOFTWARE", BSD_3_CLAUSE + "\nTHIS SOFTWARE")

COMMERCIAL = LicensePolicy(
    "commercial_training",
    allow=["permissive", "public_domain", "weak_copyleft", "CC-BY-4.0"],
    deny=["*-NC-*", "*-ND-*", "reserved", "copyleft"],
    unknown="quarantine",
)


# --- expression evaluation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "expression, outcome",
    [
        ("MIT", PASS),
        ("MIT OR GPL-3.0-only", PASS),  # one passing branch is enough
        ("GPL-3.0-only OR CC-BY-NC-4.0", FAIL),
        ("MIT AND GPL-3.0-only", FAIL),  # AND needs every part
        ("MIT AND Apache-2.0", PASS),
        ("Apache-2.0 WITH LLVM-exception", PASS),
        ("GPL-2.0-only WITH Classpath-exception-2.0", FAIL),  # the exception does not lift the copyleft denial
        ("LicenseRef-Internal-Terms", REVIEW),
        ("MIT OR LicenseRef-Internal-Terms", PASS),
        ("MIT AND LicenseRef-Internal-Terms", REVIEW),
        ("NotALicence-9.9", REVIEW),
        ("CC-BY-NC-SA-4.0", FAIL),
        ("MIT ORR Apache-2.0", FAIL),
    ],
)
def test_expression_outcomes(expression, outcome):
    assert evaluate(expression, COMMERCIAL).outcome == outcome


def test_failing_branch_names_the_leaf_and_rule():
    verdict = evaluate("MIT AND CC-BY-NC-4.0", COMMERCIAL)
    assert verdict.failing_branch.startswith("CC-BY-NC-4.0")
    assert "*-NC-*" in verdict.failing_branch


def test_deprecated_ids_are_read_as_current_and_noted():
    verdict = evaluate("GPL-2.0", LicensePolicy("p", allow=["GPL-2.0-only"], deny=[], unknown="reject"))
    assert verdict.outcome == PASS
    assert verdict.deprecated == ["GPL-2.0 → GPL-2.0-only (deprecated id)"]
    plus = evaluate("GPL-2.0+", COMMERCIAL)
    assert plus.outcome == FAIL and "GPL-2.0-or-later" in plus.failing_branch
    legacy = evaluate("GPL-2.0-with-classpath-exception", COMMERCIAL)
    assert "GPL-2.0-only WITH Classpath-exception-2.0" in legacy.deprecated[0]


def test_exact_with_pair_can_be_allowed_and_exception_denied():
    # Naming the exact pair is more specific than denying the base licence's family.
    policy = LicensePolicy("p", allow=["GPL-2.0-only WITH Classpath-exception-2.0"], deny=["copyleft"], unknown="reject")
    assert evaluate("GPL-2.0-only WITH Classpath-exception-2.0", policy).outcome == PASS
    assert evaluate("GPL-2.0-only WITH GCC-exception-2.0", policy).outcome == FAIL
    policy = LicensePolicy("p", allow=[], deny=["GPL-2.0-only WITH *"], unknown="reject")
    assert evaluate("GPL-2.0-only WITH Classpath-exception-2.0", policy).outcome == FAIL
    policy = LicensePolicy("p", allow=[], deny=["LLVM-exception"], unknown="reject")
    assert evaluate("Apache-2.0 WITH LLVM-exception", policy).outcome == FAIL


def test_families_and_rank():
    assert "non_commercial" in families("CC-BY-NC-SA-4.0")
    assert "permissive" in families("MIT") and "copyleft" in families("GPL-3.0-only")
    assert families(ALL_RIGHTS_RESERVED) == {"reserved"}
    assert expression_rank("MIT OR GPL-3.0-only") == expression_rank("MIT")
    assert expression_rank("MIT AND GPL-3.0-only") == expression_rank("GPL-3.0-only")
    assert expression_rank("CC-BY-NC-4.0") > expression_rank("CC-BY-4.0")


def test_config_rejects_unknown_family_and_use():
    with pytest.raises(ValueError, match="not a licence family"):
        LicensingConfig(policies={"x": {"deny": ["noncommercial"]}}, intended_use="x")
    with pytest.raises(ValueError, match="intended_use"):
        LicensingConfig(intended_use="nope")


# --- notices -------------------------------------------------------------------------------


def test_spdx_tags():
    text = "// SPDX-License-Identifier: MIT OR Apache-2.0\n/* SPDX-License-Identifier: GPL-2.0-only */\n# SPDX-License-Identifier: MIT OR Apache-2.0"
    assert spdx_tags(text) == ["MIT OR Apache-2.0", "GPL-2.0-only"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("This work is licensed under a Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International License.", "CC-BY-NC-SA-4.0"),
        ("Photo: CC BY-ND 2.0", "CC-BY-ND-2.0"),
        ("Licence: CC-BY-4.0", "CC-BY-4.0"),
        ("released under Creative Commons Attribution-NoDerivatives 4.0", "CC-BY-ND-4.0"),
        ("Creative Commons Attribution-NonCommercial-NoDerivatives 3.0 Unported", "CC-BY-NC-ND-3.0"),
        ("Text is available under CC BY-SA 3.0", "CC-BY-SA-3.0"),
        ("本文采用知识共享 署名-非商业性使用 4.0 国际许可协议进行许可。", "CC-BY-NC-4.0"),
        ("本作品采用知识共享署名-相同方式共享 3.0 许可协议", "CC-BY-SA-3.0"),
        ("采用 知识共享 署名-非商业性使用-禁止演绎 4.0 许可", "CC-BY-NC-ND-4.0"),
        ("Dedicated to the public domain under CC0 1.0", "CC0-1.0"),
    ],
)
def test_creative_commons_variants(text, expected):
    assert expected in [cc for cc, _ in creative_commons(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('Licensed under the Apache License, Version 2.0 (the "License");\nyou may not use this file except in compliance', ["Apache-2.0"]),
        ("it under the terms of the GNU General Public License as published by\nthe Free Software Foundation, either version 3 "
         "of the License, or\n(at your option) any later version.", ["GPL-3.0-or-later"]),
        ("under the terms of the GNU General Public License version 2 as published by the Free Software Foundation.", ["GPL-2.0-only"]),
        ("under the terms of the GNU Lesser General Public License as published by the Free Software Foundation; "
         "either version 2.1 of the License, or (at your option) any later version.", ["LGPL-2.1-or-later"]),
        ("This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0.", ["MPL-2.0"]),
        ("This project is released under the MIT License.", ["MIT"]),
    ],
)  # fmt: skip
def test_standard_licence_notices(text, expected):
    assert standard_notices(text) == expected
    assert [f.kind for f in find_licenses(text, load_index())] == ["license_notice"]


def test_creative_commons_without_version_reads_4_0():
    assert creative_commons("Licensed CC BY-NC") == [("CC-BY-NC-4.0", False)]


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Copyright 2024 Example Media. All Rights Reserved.", "all_rights_reserved"),
        ("© 2023 某某网 版权所有", "copyright_owned"),
        ("本文版权归作者和本站所有，欢迎交流。", "copyright_owned"),
        ("保留所有权利。", "all_rights_reserved"),
        ("未经许可不得转载。", "no_reprint"),
        ("未经本站书面授权，不得转载或摘编。", "no_reprint"),
        ("原创文章，禁止转载", "no_reprint"),
    ],
)
def test_reservation_notices(text, kind):
    assert kind in reservations(text)
    findings = find_licenses(text, None)
    assert [f.license for f in findings] == [ALL_RIGHTS_RESERVED]


def test_prose_without_licence_vocabulary_skips_matchers():
    assert not has_license_vocabulary("The weather in Beijing is sunny today. 今天北京天气晴朗。")
    assert find_licenses("A plain paragraph about cooking rice.", load_index()) == []


def test_every_vocabulary_word_passes_the_pre_check_anywhere_in_a_text():
    from transforms.licensing.identify import _VOCABULARY

    for word in _VOCABULARY:
        for text in (word, word.upper(), f"前文 {word.title()} and more", f"é…{word}", f"x{word}y"):
            assert has_license_vocabulary(text), text
        assert not has_license_vocabulary(word[:-1] + " " + word[-1])  # cut in two: not the word


def test_bsd_notice_inside_a_licence_grant_is_not_a_reservation():
    text = BSD_3.replace("<year> <owner>", "2019 Foo Inc. All rights reserved.")
    licences = [f.license for f in find_licenses(text, load_index())]
    assert licences == ["BSD-3-Clause"]


# --- licence-text identification -------------------------------------------------------------


def _perturb(text: str) -> str:
    """Real-file noise: BOM, CRLF, a real copyright line, markdown heading, extra blank lines."""
    text = text.replace("<year> <copyright holders>", "2021 Jane Doe").replace("<year> <owner>", "2020-2024 ACME, Inc.")
    return "\ufeff## License\n\n" + text.replace("\n\n", "\n\n\n").replace("\n", "\r\n")


@pytest.mark.parametrize("text, expected", [(MIT, "MIT"), (BSD_2, "BSD-2-Clause"), (BSD_3, "BSD-3-Clause")])
def test_identifies_perturbed_licence_texts(text, expected):
    match = load_index().match(_perturb(text), 0.5, 0.6, 20)
    assert match is not None and match.license == expected


def test_identifies_licence_embedded_in_readme_and_truncated():
    index = load_index()
    readme = "# tool\n\nInstall with pip. Run `tool --help`.\n\n## License\n\n" + MIT + "\n## Thanks\n\nTo all contributors.\n"
    assert index.match(readme, 0.5, 0.6, 20).license == "MIT"
    assert index.match(BSD_3[: int(len(BSD_3) * 0.8)], 0.5, 0.6, 20).license in ("BSD-3-Clause", "BSD-2-Clause")


def test_textually_identical_licences_form_one_group():
    index = load_index()
    assert {"GPL-2.0-only", "GPL-2.0-or-later"} == set(next(g for g in index.groups if "GPL-2.0-only" in g))
    assert ["BSD-3-Clause"] == next(g for g in index.groups if "BSD-3-Clause" in g)


# --- the control ---------------------------------------------------------------------------


def _batch(rows: list[dict]) -> Batch:
    out = []
    for n, row in enumerate(rows):
        text = row.get("text", "plain text")
        out.append(
            {
                "id": f"r{n}",
                "text": text,
                "source": row["source"],
                "source_uri": f"file://{row['source']}.jsonl",
                "locator": str(n),
                "license": row["license"],
                "lang": "en",
                "meta": {"url": row["url"]} if "url" in row else {},
                "content_sha256": content_sha256(text),
                "tags": [],
                "lineage": [],
            }
        )
    return Batch.from_rows(out)


SOURCES = {
    "web": {"license": "CC-BY-4.0", "basis": "licence", "allowed_uses": []},
    "nc": {"license": "CC-BY-NC-4.0", "basis": "licence", "allowed_uses": []},
    "news": {"license": "LicenseRef-News-Contract", "basis": "contract", "allowed_uses": ["commercial_training"]},
    "research": {"license": "MIT", "basis": "licence", "allowed_uses": ["research_only"]},
}


def _control(**overrides) -> LicensingControl:
    settings = {
        "policies": {"commercial_training": {"deny": ["non_commercial", "no_derivatives", "*-NC-*", "reserved"]}},
        "url_block": ["*.blocked.example", "example.org/members/*"],
    }
    config = LicensingConfig(**(settings | overrides))
    control = LicensingControl(config, SOURCES)
    control.setup()
    return control


def test_control_decisions():
    batch = _batch(
        [
            {"source": "web", "license": "CC-BY-4.0"},
            {"source": "nc", "license": "CC-BY-NC-4.0"},
            {"source": "news", "license": "LicenseRef-News-Contract"},
            {"source": "research", "license": "MIT"},
            {"source": "web", "license": "CC-BY-4.0", "url": "https://www.blocked.example/a"},
            {"source": "web", "license": "CC-BY-4.0", "url": "https://example.org/members/1"},
            {"source": "web", "license": "CC-BY-4.0", "text": "Story text. 本文采用知识共享 署名-非商业性使用 4.0 国际许可协议。"},
            {"source": "web", "license": "CC-BY-4.0", "text": "Story. This article is licensed under CC BY 4.0."},
            {"source": "web", "license": "CC-BY-4.0", "text": "新闻正文。版权所有，未经许可不得转载。"},
        ]
    )
    result = apply_control(_control(), batch, "run-1")
    reasons = {r["id"]: r["reason"] for r in result.rejects}
    assert reasons == {
        "r1": "source_licence_denied",
        "r2": "licence_review",
        "r3": "source_use_not_allowed",
        "r4": "url_blocked",
        "r5": "url_blocked",
        "r6": "licence_conflict",
        "r8": "licence_conflict",
    }
    denied = json.loads(next(r for r in result.rejects if r["id"] == "r1")["detail"])
    assert denied["license"] == "CC-BY-NC-4.0" and denied["policy"] == "commercial_training"
    assert "*-NC-*" in denied["failing_branch"] or "non_commercial" in denied["failing_branch"]
    conflict = json.loads(next(r for r in result.rejects if r["id"] == "r6")["detail"])
    assert (conflict["declared"], conflict["found"], conflict["kind"]) == ("CC-BY-4.0", "CC-BY-NC-4.0", "creative_commons")
    assert all(r["category"] == "licensing" for r in result.rejects)
    assert result.kept.id == ["r0", "r7"]
    annotated = result.kept.lineage[1][-1]
    assert annotated["action"] == "annotate" and "CC-BY-4.0" in annotated["detail"]


def test_reservation_is_covered_by_a_contract_basis_and_unknown_can_be_tagged():
    control = _control(policies={"commercial_training": {"deny": ["reserved"], "unknown": "tag"}})
    batch = _batch([{"source": "news", "license": "LicenseRef-News-Contract", "text": "报道全文。版权所有 禁止转载"}])
    result = apply_control(control, batch, "run-1")
    assert not result.rejects
    assert "licence_review" in result.kept.tags[0]


def test_stricter_finding_allowed_by_policy_is_a_conflict_unless_disabled():
    text = "int main() {}\n// SPDX-License-Identifier: GPL-3.0-only\n"
    batch = _batch([{"source": "research", "license": "MIT", "text": text}])
    sources = {"research": {**SOURCES["research"], "allowed_uses": []}}
    strict = LicensingControl(LicensingConfig(), sources)
    assert apply_control(strict, batch, "r").rejects[0]["reason"] == "licence_conflict"
    lenient = LicensingControl(LicensingConfig(reject_stricter=False), sources)
    assert not apply_control(lenient, batch, "r").rejects


def test_licence_text_in_document_is_evidence():
    batch = _batch([{"source": "web", "license": "MIT", "text": "# Tool\n\n" + _perturb(MIT)}])
    result = apply_control(_control(), batch, "r")
    detail = json.loads(result.kept.lineage[0][-1]["detail"])
    assert detail["findings"][0]["kind"] == "license_text" and detail["findings"][0]["found"] == "MIT"


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://news.blocked.example/x", ("url_blocked", "*.blocked.example")),
        ("https://example.org/members/7", ("url_blocked", "example.org/members/*")),
        ("https://example.org/public/7", None),
        (None, None),
    ],
)
def test_url_lists(url, expected):
    assert url_verdict(url, [], ["*.blocked.example", "example.org/members/*"]) == expected


def test_url_allow_list():
    assert url_verdict("https://other.net/a", ["*.example.org"], []) == ("url_not_allowed", "")
    assert url_verdict("https://a.example.org/a", ["*.example.org"], []) is None


# --- the Beam stage -----------------------------------------------------------------------


def test_licensing_stage_in_a_pipeline(tmp_path):
    sources = [
        SourceConfig(name="web", paths=["x"], license="CC-BY-4.0", basis="licence", evidence="https://example.org/terms"),
        SourceConfig(name="nc", paths=["y"], license="CC-BY-NC-4.0", basis="licence", evidence="https://example.org/nc"),
    ]
    config = LicensingConfig()
    stage = config.create()
    assert isinstance(stage, LicensingStage)
    ctx = RunContext("run-1", tmp_path, tmp_path, tmp_path, SimpleNamespace(sources=sources))
    batch = _batch([{"source": "web", "license": "CC-BY-4.0"}, {"source": "nc", "license": "CC-BY-NC-4.0"}])
    with BeamTestPipeline(runner="FnApiRunner") as p:
        kept, rejects = stage.expand(p | beam.Create([batch]), ctx)
        assert_that(kept | beam.FlatMap(lambda b: b.id), equal_to(["r0"]), label="kept")
        assert_that(
            rejects | beam.FlatMap(lambda rows: [(r["id"], r["reason"]) for r in rows]),
            equal_to([("r1", "source_licence_denied")]),
            label="rejects",
        )
    counters = {"licensing:source:web:kept": 1, "licensing:source:nc:rejected:source_licence_denied": 1}
    report = stage.report(ctx, counters)
    assert report["sources"]["nc"]["verdict"] == FAIL
    assert report["sources"]["nc"]["rejected"] == {"source_licence_denied": 1}
    assert report["sources"]["web"]["evidence"] == "https://example.org/terms"
    assert report["sources"]["web"]["kept"] == 1 and report["sources"]["web"]["verdict"] == PASS


ISC = """ISC License

Copyright (c) 2003-2017 Nominum, Inc.

Permission to use, copy, modify, and distribute this software and its documentation for any purpose with or without
fee is hereby granted, provided that the above copyright notice and this permission notice appear in all copies.

THE SOFTWARE IS PROVIDED "AS IS" AND NOMINUM DISCLAIMS ALL WARRANTIES WITH REGARD TO THIS SOFTWARE INCLUDING ALL
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL NOMINUM BE LIABLE FOR ANY SPECIAL, DIRECT,
INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR IN CONNECTION WITH THE USE OR PERFORMANCE OF
THIS SOFTWARE.
"""


def test_holder_names_in_disclaimers_are_replaceable():
    # The holder stands where the ISC text says "ISC": the "appear in all copies" condition tells ISC from 0BSD.
    assert load_index().match(ISC, 0.5, 0.6, 20).license == "ISC"
    named = BSD_3.replace("<year> <owner>", "1998 The Regents").replace("COPYRIGHT HOLDER", "REGENTS")
    assert load_index().match(named.replace("the copyright holder", "the University"), 0.5, 0.6, 20).license == "BSD-3-Clause"


def test_bundle_reports_its_first_licence_first():
    bundle = "The project is MIT licensed.\n\n" + MIT + "\n\n---- Bundled: ----\n\n" + BSD_3
    found = [m.license for m in load_index().match_all(bundle, 0.5, 0.6, 20)]
    assert found == ["MIT", "BSD-3-Clause"]
    assert load_index().match(bundle, 0.5, 0.6, 20).license == "MIT"
