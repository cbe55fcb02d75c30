"""Deterministic Chinese (and mixed Chinese/English) PII evaluation set with labelled spans.

Templates mix labelled and unlabelled identifiers, full-width digits, separators, valid values and
decoys with invalid checksums/dates (which must NOT be found). Output: JSON list in the presidio
format, ``{full_text, spans: [{entity_type, entity_value, start_position, end_position}]}``.

    python eval/pii_zh_generate.py eval/pii_zh_synth.json --n 1500
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from transforms.pii import detectors as det  # noqa: E402
from transforms.pii import validators

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰志红建国文辉鹏飞晨宇浩然子涵欣怡梓轩思远雨萱俊博"
PLACES = [("浙江省", "杭州市", "西湖区"), ("广东省", "深圳市", "南山区"), ("江苏省", "苏州市", "姑苏区"),
          ("北京市", "", "朝阳区"), ("上海市", "", "徐汇区"), ("四川省", "成都市", "锦江区"), ("湖南省", "长沙市", "岳麓区"),
          ("河南省", "郑州市", "金水区"), ("", "武汉市", "江汉区"), ("", "", "海淀区")]  # fmt: skip
ROADS = ["人民路", "中山北路", "建国路", "文三路", "解放大道", "长安街", "南京西路", "科技园路", "学院路", "和平里"]
AREAS = ["110105", "310104", "440305", "330106", "510107", "420111", "320506", "430104", "410105", "370202"]
PLATE_PROV = "京沪粤浙苏川鄂湘豫鲁"
FILLER = ["请尽快处理。", "谢谢配合！", "如有疑问请回复。", "已核实无误。", "详见附件。", "The form was submitted online.", ""]


def fw(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in s)


def digits(r, n):
    return "".join(r.choice(string.digits) for _ in range(n))


def cn_id(r, valid=True):
    first17 = r.choice(AREAS) + f"{r.randint(1950, 2010)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}" + digits(r, 3)
    check = validators.cn_id_check_char(first17)
    if not valid:
        check = r.choice([c for c in "0123456789X" if c != check])
    return first17 + check


def card(r, valid=True):
    prefix = r.choice(["622202", "622848", "621700", "4", "5", "625", "6"])
    length = r.choice([16, 19]) if prefix.startswith("62") else 16
    payload = prefix + digits(r, length - len(prefix) - 1)
    check = validators.luhn_check_digit(payload)
    if not valid:
        check = str((int(check) + r.randint(1, 9)) % 10)
    return payload + check


def uscc(r, valid=True):
    first17 = r.choice("9151") + r.choice("123") + r.choice(AREAS) + "".join(r.choice(validators.USCC_CHARS) for _ in range(9))
    check = validators.uscc_check_char(first17)
    if not valid:
        check = r.choice([c for c in validators.USCC_CHARS if c != check])
    return first17 + check


def mobile(r):
    number = "1" + r.choice("3578") + digits(r, 9)
    style = r.randrange(5)
    if style == 1:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style == 2:
        return f"+86 {number[:3]} {number[3:7]} {number[7:]}"
    if style == 3:
        return fw(number)
    return number


def landline(r):
    area = r.choice(["010", "021", "0571", "0755", "028"])
    sub = str(r.randint(2, 8)) + digits(r, 7 if len(area) == 3 else r.choice([6, 7]))
    return r.choice([f"{area}-{sub}", f"({area}){sub}", f"{area} {sub}"])


def iban(r):
    bank = "".join(r.choice(string.ascii_uppercase) for _ in range(4))
    bban = bank + digits(r, 14)
    check = 98 - validators.iban_mod97("GB00" + bban)
    return f"GB{check:02d}{bban}"


def name(r):
    return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice([1, 2])))


def address(r):
    prov, city, dist = r.choice(PLACES)
    tail = r.choice(["", f"{r.randint(1, 30)}栋{r.randint(101, 2505)}室", f"{r.randint(1, 9)}单元{r.randint(101, 1802)}室", "A座"])
    return f"{prov}{city}{dist}{r.choice(ROADS)}{r.randint(1, 999)}号{tail}"


def plate(r):
    return r.choice(PLATE_PROV) + r.choice("ABCDEFGHJK") + "".join(r.choice("0123456789ABCDEFGHJK") for _ in range(4)) + r.choice(string.digits)


def ip(r):
    return f"{r.randint(11, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"


# (template, {slot: (entity or None for decoy, generator)})
def build(r):
    slots = {
        "ID": (det.CN_RESIDENT_ID, lambda: cn_id(r)),
        "IDFW": (det.CN_RESIDENT_ID, lambda: fw(cn_id(r))),
        "BADID": (None, lambda: cn_id(r, valid=False)),
        "CARD": (det.BANK_CARD, lambda: card(r)),
        "BADCARD": (None, lambda: card(r, valid=False)),
        "USCC": (det.CN_USCC, lambda: uscc(r)),
        "BADUSCC": (None, lambda: uscc(r, valid=False)),
        "MOBILE": (det.PHONE_NUMBER, lambda: mobile(r)),
        "LANDLINE": (det.PHONE_NUMBER, lambda: landline(r)),
        "EMAIL": (det.EMAIL_ADDRESS, lambda: r.choice(["zhang", "li.na", "wang_wei", "chen88", "liuyang"]) + str(r.randint(1, 999)) + "@" + r.choice(["qq.com", "163.com", "example.cn", "sina.com.cn", "corp.com"])),
        "IBAN": (det.IBAN, lambda: iban(r)),
        "IP": (det.IP_ADDRESS, lambda: ip(r)),
        "PASSPORT": (det.PASSPORT, lambda: r.choice("EG") + digits(r, 8)),
        "PERMIT": (det.CN_TRAVEL_PERMIT, lambda: "C" + digits(r, 8)),
        "PLATE": (det.CN_LICENSE_PLATE, lambda: plate(r)),
        "NAME": (det.PERSON, lambda: name(r)),
        "ADDR": (det.STREET_ADDRESS, lambda: address(r)),
        "ORDER": (None, lambda: "2023" + digits(r, 10)),
        "AMOUNT": (None, lambda: f"{r.randint(1, 99999)}.{r.randint(0, 99):02d}"),
    }
    templates = [
        "身份证号{ID}请核对。",
        "客户{NAME}的身份证号码为{ID}，手机{MOBILE}。",
        "姓名：{NAME}\n身份证：{IDFW}\n住址：{ADDR}",
        "联系人：{NAME}，电话：{LANDLINE}，邮箱{EMAIL}",
        "请将款项转入银行卡{CARD}，户名{NAME}。",
        "订单号{ORDER}，金额{AMOUNT}元，已发货。",
        "编号{BADID}的档案已归档，卡号{BADCARD}无效。",
        "公司统一社会信用代码：{USCC}，地址：{ADDR}。",
        "错误代码{BADUSCC}，请重新提交。",
        "我住在{ADDR}，有事打我手机{MOBILE}。",
        "{NAME}先生的护照号码{PASSPORT}已过期。",
        "港澳通行证{PERMIT}，持证人{NAME}女士。",
        "车牌{PLATE}的车辆在{ADDR}违停。",
        "服务器{IP}的日志显示，用户邮箱{EMAIL}登录失败。",
        "Please wire to IBAN {IBAN}, 联系人{NAME}。",
        "Contact {NAME} at {MOBILE} or {EMAIL} for details.",
        "收货人：{NAME} 收货地址：{ADDR} 电话{MOBILE}",
        "本季度营收增长{AMOUNT}万元，同比上升。",
        "快递单号{ORDER}，请注意查收。",
        "患者{NAME}，入院登记号{ORDER}，联系电话{LANDLINE}。",
    ]
    return slots, templates


def generate(n: int, seed: int = 20240501) -> list[dict]:
    r = random.Random(seed)
    slots, templates = build(r)
    out = []
    for _ in range(n):
        template = r.choice(templates)
        text, spans, pos = "", [], 0
        for literal, field, *_ in string.Formatter().parse(template):
            text += literal
            if field is None:
                continue
            entity, make = slots[field]
            value = make()
            if entity:
                spans.append({"entity_type": entity, "entity_value": value, "start_position": len(text),
                              "end_position": len(text) + len(value)})  # fmt: skip
            text += value
        filler = r.choice(FILLER)
        if r.random() < 0.5:
            text += filler
        else:
            text = filler + text
            for s in spans:
                s["start_position"] += len(filler)
                s["end_position"] += len(filler)
        out.append({"full_text": text, "spans": spans})
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=20240501)
    args = parser.parse_args()
    data = generate(args.n, args.seed)
    Path(args.out).write_text(json.dumps(data, ensure_ascii=False, indent=0))
    print(f"wrote {len(data)} samples to {args.out}")


if __name__ == "__main__":
    main()
