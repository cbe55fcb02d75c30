"""Every anonymisation mode against the residual scan and the publish gate, in English and Chinese: no
replacement may itself read as an identifier, and no structured identifier stays verbatim."""

import random

import pytest

from transforms.pii import detectors as det
from transforms.pii import surrogates as gen
from transforms.pii.stage import CHECKSUM_SURROGATES, Anonymiser, decrypt_text

KEY = b"residual-test-key-0123456789"


def _corpus(n=120, seed=5):
    r = random.Random(seed)
    texts = []
    for i in range(n):
        cid = gen.cn_resident_id(r, "110105199003071239")
        card = gen.bank_card(r, "6222 0212 3456 7890 128")
        visa = gen.bank_card(r, "4111111111111111")
        mobile = gen.phone(r, "13800138000")
        us_phone = f"({r.randint(201, 989)}) {r.randint(200, 989)}-{r.randint(1000, 9999)}"
        iban = gen.iban(r, "DE89 3704 0044 0532 0130 00")
        ssn = gen.us_ssn(r, "123-45-6789")
        uscc = gen.uscc(r, "91110108MA01234567")
        mail = f"user{i}@example{r.randint(1, 99)}.com"
        ip = f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        bad_id = cid[:17] + ("0" if cid[17] != "0" else "1")
        texts += [
            f"姓名：王小明，身份证号{cid}，手机{mobile}，银行卡{card}，邮箱{mail}，信用代码{uscc}，登录IP {ip}，"
            f"住在鼓楼区龙江小区3栋502室。身份证号码为{bad_id}。",
            f"Contact John Smith at {us_phone} or {mail} ({mail.replace('@', ' [at] ').replace('.', ' [dot] ')}); "
            f"card {visa}, IBAN {iban}, SSN {ssn}, from {ip}. "
            f"Ship to PSC 1560, Box 3449, APO AP 96522.",
            f"张伟的电话是{mobile}，请拨打；年收入为{r.randint(100000, 999999)}.{r.randint(10, 99)}元。"
            f"QQ：{r.randint(10000, 9999999999)}，微信：zw_{r.randint(1000, 99999)}。",
        ]
    return texts


CORPUS = _corpus()
MODES = ("redact", "mask", "pseudonym", "encrypt", "surrogate")


def _modes(mode):
    if mode != "surrogate":
        return {e: mode for e in det.ENTITY_TYPES}
    # surrogates of checksum types are valid on purpose (the config refuses them with on_residual: reject)
    return {e: ("surrogate" if e not in CHECKSUM_SURROGATES else "pseudonym") for e in det.ENTITY_TYPES}


@pytest.mark.parametrize("mode", MODES)
def test_no_identifier_survives_or_is_created(mode):
    anonymiser = Anonymiser(_modes(mode), 4, KEY)
    detector = det.Detector()
    batch = detector.detect_batch(CORPUS)
    outs = []
    for text, spans in zip(CORPUS, batch):
        structured = [s for s in spans if s.type in det.STRUCTURED_TYPES]
        assert structured, text
        out, _ = anonymiser.apply(text, spans)
        for s in structured:
            assert text[s.start : s.end] not in out, (mode, text[s.start : s.end])
        outs.append(out)
    # the publish gate's re-scan of the whole text, replacements included
    assert det.count_structured_identifiers(outs) == [0] * len(outs), [
        (o, det.Detector(det.STRUCTURED_TYPES, ()).detect(o)) for o in outs if det.count_structured_identifiers([o])[0]
    ][:3]


def test_encrypt_round_trips():
    anonymiser = Anonymiser({e: "encrypt" for e in det.ENTITY_TYPES}, 4, KEY)
    text = CORPUS[0]
    out, _ = anonymiser.apply(text, det.Detector().detect(text))
    assert decrypt_text(out, KEY) == text


def test_pseudonym_and_cipher_tokens_have_no_digits():
    anonymiser = Anonymiser({e: "pseudonym" for e in det.ENTITY_TYPES}, 4, KEY)
    token = anonymiser.replacement(det.PHONE_NUMBER, "13800138000")
    assert token.startswith("<PHONE_NUMBER_") and not any(c.isdigit() for c in token)
    enc = Anonymiser({e: "encrypt" for e in det.ENTITY_TYPES}, 4, KEY).replacement(det.PHONE_NUMBER, "13800138000")
    assert not any(c.isdigit() for c in enc)
