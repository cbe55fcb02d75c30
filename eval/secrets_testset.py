"""Deterministic test set for the ``classified`` and ``credentials`` stages.

Classified: marked documents (government notices with header/footer markings, memos with banners and
portion marks, spaced-out and full-width stamps) and unmarked documents that use the same words in
prose (novels, recipes, law articles on 商业秘密, NDA templates, news about classified leaks, articles
explaining the marking rules). Credentials: documents carrying each credential type, and documents with
placeholders and prose about passwords. Every document is built from templates with seeded random
choices, so the same seed gives the same set.

    python eval/secrets_testset.py out.jsonl [--seed 7]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import string
from dataclasses import dataclass

FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in string.ascii_letters + string.digits}
FULLWIDTH[" "] = "\u3000"


def fullwidth(text: str) -> str:
    return "".join(FULLWIDTH.get(c, c) for c in text)


def spaced(text: str, space: str = " ") -> str:
    return space.join(text.replace(" ", "  " if space == " " else space * 2))


@dataclass
class Doc:
    text: str
    kind: str  # "classified" | "credential" | "clean"
    family: str  # template family, for per-family rates
    label: bool  # True when the stage under test must act on it


CITIES = ["北京市", "上海市", "杭州市", "成都市", "武汉市", "南京市", "西安市", "长沙市", "青岛市", "合肥市"]
DEPTS = ["人民政府", "发展和改革委员会", "财政局", "公安局", "生态环境局", "教育局", "卫生健康委员会", "应急管理局"]
TOPICS = [
    "加强安全生产工作", "做好汛期防灾减灾工作", "开展营商环境专项整治", "推进数字政府建设", "调整部分行政事业性收费标准",
    "加强重点项目资金监管", "做好重大活动安保工作", "开展网络安全检查", "加强疫情防控物资储备", "推进老旧小区改造",
]
CN_BODY = [
    "各区县人民政府，市政府各部门：",
    "为深入贯彻落实上级有关决策部署，进一步{topic}，经研究，现就有关事项通知如下。",
    "一、提高思想认识。各单位要充分认识此项工作的重要性和紧迫性，切实把思想和行动统一到决策部署上来。",
    "二、明确工作任务。各牵头部门要于{month}月底前制定具体实施方案，明确责任分工和时间节点，确保各项任务落到实处。",
    "三、加强督促检查。市政府督查室将适时对各地各部门落实情况进行检查，对工作不力的予以通报。",
    "四、严格资金管理。涉及的专项资金共计{money}万元，由市财政局统筹安排，专款专用。",
    "五、及时报送信息。各单位于每月{day}日前将工作进展情况报送市政府办公室。",
]
URGENCY = ["特急", "加急", "平急", ""]


def _cn_notice(rng: random.Random, header: list[str], footer: list[str]) -> str:
    city, dept, topic = rng.choice(CITIES), rng.choice(DEPTS), rng.choice(TOPICS)
    number = f"{city[:1]}政发〔{rng.randint(2015, 2025)}〕{rng.randint(1, 99)}号"
    body = [p.format(topic=topic, month=rng.randint(1, 12), money=rng.randint(50, 9000), day=rng.randint(1, 28))
            for p in rng.sample(CN_BODY[1:], k=rng.randint(3, 6))]
    lines = [*header, "", f"{city}{dept}文件", "", number, "", f"关于{topic}的通知", "", CN_BODY[0], *body, "",
             f"{city}{dept}", f"{rng.randint(2015, 2025)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日", "",
             f"抄送：市委办公厅，市人大常委会办公厅。", *footer]
    return "\n".join(lines)


def _cn_marking(rng: random.Random) -> tuple[str, str]:
    """A Chinese marking stamp and its variant name."""
    word = rng.choice(["绝密", "机密", "秘密"])
    period = rng.choice(["1年", "6个月", "5年", "10年", "长期", "20年", ""])
    variant = rng.choice(["star", "star", "spaced", "fullwidth", "bare", "label", "star_spaced"])
    if variant == "star":
        return f"{word}★{period}", variant
    if variant == "star_spaced":
        return f"{word} ★ {period}".strip(), variant
    if variant == "spaced":
        return spaced(word, rng.choice([" ", "\u3000"])), variant
    if variant == "fullwidth":
        return fullwidth(f"{word}★{period}"), variant
    if variant == "label":
        return f"密级：{word}", variant
    return word, variant


def classified_cn(rng: random.Random) -> Doc:
    stamp, variant = _cn_marking(rng)
    copy_no = f"{rng.randint(1, 999999):06d}"
    place = rng.choice(["header", "header", "footer", "both"])
    header, footer = [], []
    stamp_lines = [stamp] if variant != "label" else [stamp, f"保密期限：{rng.choice(['10年', '长期', '5年'])}"]
    urgency = rng.choice(URGENCY)
    if place in ("header", "both"):
        if variant == "star" and rng.random() < 0.4:
            header = [copy_no, f"{stamp}  {urgency}".rstrip()]
        else:
            header = [copy_no, *stamp_lines, *([urgency] if urgency else [])]
    if place in ("footer", "both"):
        footer = ["", *stamp_lines]
    return Doc(_cn_notice(rng, header, footer), "classified", f"cn_notice_{variant}_{place}", True)


def work_secret_cn(rng: random.Random) -> Doc:
    stamp = rng.choice(["工作秘密", "内部资料 注意保密", "内部资料，注意保密", "内部资料　请勿外传", "工 作 秘 密", "内部资料"])
    where = rng.choice(["header", "footer"])
    header = [stamp] if where == "header" else []
    footer = ["", stamp] if where == "footer" else []
    if rng.random() < 0.5:
        text = _cn_notice(rng, header, footer)
    else:
        topic = rng.choice(TOPICS)
        body = "\n".join(rng.sample(CN_BODY[1:], k=4)).format(topic=topic, month=3, money=120, day=5)
        text = "\n".join([*header, f"{rng.choice(CITIES)}{rng.choice(DEPTS)}工作简报", f"第{rng.randint(1, 40)}期", "", body, *footer])
    return Doc(text, "classified", f"cn_work_secret_{where}", True)


EN_SUBJECTS = [
    "Assessment of regional missile test preparations", "Status of liaison channel with partner service",
    "Force posture review for the northern sector", "Counterintelligence concerns regarding contractor access",
    "Cyber intrusion attributed to state actor", "Logistics shortfalls in forward operating bases",
]
EN_PARAS = [
    "Reporting from multiple sources indicates that preparations have accelerated over the past two weeks.",
    "The assessment relies on imagery collected between 3 and 17 March and on liaison reporting.",
    "We judge with moderate confidence that the activity is intended to signal resolve rather than to prepare an operation.",
    "Further collection is required to confirm the identity of the units involved.",
    "Recommend that this information not be shared with foreign partners until the source is protected.",
    "The working group will reconvene on 14 April to review new reporting.",
]
EN_BANNERS = [
    ("TOP SECRET//SI//NOFORN", "TS"), ("TOP SECRET//NOFORN", "TS"), ("SECRET//NOFORN", "S"), ("SECRET//REL TO USA, GBR, AUS", "S"),
    ("SECRET", "S"), ("CONFIDENTIAL", "C"), ("CONFIDENTIAL//REL TO USA, FVEY", "C"), ("TOP SECRET//SCI//ORCON", "TS"),
    ("RESTRICTED", "R"), ("TOP SECRET", "TS"),
]


def classified_en(rng: random.Random) -> Doc:
    banner, level = rng.choice(EN_BANNERS)
    form = rng.choice(["plain", "plain", "fullwidth", "spaced", "decorated", "footer_only", "portion_only", "label"])
    shown = {"fullwidth": fullwidth(banner), "spaced": spaced(banner.split("//")[0]),
             "decorated": f"***** {banner} *****"}.get(form, banner)
    pm = {"TS": "TS", "S": "S", "C": "C", "R": "C"}[level]
    paras = rng.sample(EN_PARAS, k=rng.randint(3, 5))
    portion = form == "portion_only" or rng.random() < 0.5
    body = [f"({pm}//NF) {p}" if portion and i % 2 == 0 else (f"(U) {p}" if portion else p) for i, p in enumerate(paras)]
    if form == "portion_only" and not any(b.startswith(f"({pm}//") for b in body):
        body[0] = f"({pm}//NF) {paras[0]}"
    lines = ["MEMORANDUM FOR THE RECORD", f"FROM: {rng.choice(['Director, Analysis Group', 'Chief of Station', 'J2 Staff'])}",
             f"SUBJECT: {'(U) ' if portion else ''}{rng.choice(EN_SUBJECTS)}", "", *body, ""]
    if rng.random() < 0.5:
        lines += [f"Classified By: {rng.choice(['J. Smith, Deputy Director', 'Chief, Analysis Division'])}",
                  "Derived From: Multiple Sources", f"Declassify On: {rng.randint(2040, 2060)}1231"]
    if form == "footer_only":
        lines = lines + ["", f"Page {rng.randint(1, 9)} of 10        {banner}"] if "//" in banner else [*lines, "", banner]
    elif form == "portion_only":
        pass
    elif form == "label":
        lines = [f"CLASSIFICATION: {banner.split('//')[0]}", *lines]
    else:
        lines = [shown, "", *lines, "", shown]
    return Doc("\n".join(lines), "classified", f"en_memo_{form}", True)


# --- negatives -----------------------------------------------------------------------------------

NOVEL_EN = [
    "She had kept the secret for eleven years, folded small like the letter in her coat pocket.",
    "\"Can you keep a secret?\" he whispered, and the children leaned closer to the fire.",
    "The secret garden lay behind a wall no one had climbed since the old gardener died.",
    "It was no secret in the village that the mill was failing.",
    "He told her in confidence, and she was confident he would never tell anyone else.",
    "Top secret, her brother had written on the shoebox, in crayon, underlined twice.",
    "The restricted section of the library smelled of dust and candle wax.",
]
RECIPE_EN = [
    "The secret to good bread is time: let the dough rise slowly in a cool kitchen overnight.",
    "My grandmother's secret ingredient was a spoonful of honey in the tomato sauce.",
    "Preheat the oven to 220°C and dust the loaf with flour before scoring it.",
    "For a crisp crust, put a tray of water on the lowest shelf for the first ten minutes.",
    "Store the starter in the fridge and feed it once a week.",
]
NDA_EN = [
    "MUTUAL NON-DISCLOSURE AGREEMENT",
    "1. Definition. \"Confidential Information\" is defined as any information disclosed by either party that is marked confidential or would reasonably be understood to be confidential.",
    "2. Obligations. The Receiving Party shall hold the Confidential Information in strict confidence and shall not disclose it to any third party.",
    "3. Exclusions. Confidential information does not include information that is or becomes publicly available through no fault of the Receiving Party.",
    "4. Term. The obligations of confidentiality survive for three (3) years after termination of this Agreement.",
    "5. CONFIDENTIALITY OF TERMS. The parties agree to keep the terms of this Agreement confidential.",
    "Trade secrets shall remain protected for as long as they qualify as trade secrets under applicable law.",
]
NEWS_EN = [
    "LEAKED DOCUMENTS RAISE QUESTIONS ABOUT INTELLIGENCE SHARING",
    "Several of the documents, marked \"TOP SECRET//SI//NOFORN\", appeared on a gaming chat server last month.",
    "Officials said the files, some stamped SECRET and others CONFIDENTIAL, had been photographed on a kitchen table.",
    "The Justice Department charged a 21-year-old airman with unauthorized retention of classified information.",
    "Experts noted that portion markings such as (S//NF) indicate that a paragraph may not be shared with foreign partners.",
    "The Pentagon said it was reviewing who had access to the restricted briefing materials.",
    "Top secret clearances are held by roughly 1.3 million people, according to a government report.",
]
LAW_EN = [
    "Executive Order 13526 prescribes a uniform system for classifying national security information.",
    "Information may be classified at one of three levels: Top Secret, Secret, and Confidential.",
    "Each classified document shall bear a banner line at the top and bottom of each page.",
    "Restricted Data under the Atomic Energy Act is handled under a separate regime.",
]
NOVEL_ZH = [
    "她心里藏着一个秘密，谁也不肯告诉，连最好的朋友也不例外。",
    "那年夏天，我们在河边发现了一个只属于我们的秘密基地。",
    "“这是我们之间的秘密。”外婆把那只旧木盒交到我手里。",
    "他把日记本锁进抽屉，仿佛那里面装着什么了不得的机密。",
    "小镇上的人都知道，老王家的秘密配方从不外传。",
]
LAW_ZH = [
    "商业秘密是指不为公众所知悉、具有商业价值并经权利人采取相应保密措施的技术信息、经营信息等商业信息。",
    "商业机密的法律保护主要依据《反不正当竞争法》第九条，经营者不得以盗窃、贿赂、欺诈等不正当手段获取权利人的商业秘密。",
    "根据《保守国家秘密法》，国家秘密的密级分为绝密、机密、秘密三级。",
    "机关、单位对所产生的国家秘密事项，应当按照国家秘密及其密级的具体范围的规定确定密级，同时确定保密期限和知悉范围。",
    "国家秘密的保密期限，除另有规定外，绝密级不超过三十年，机密级不超过二十年，秘密级不超过十年。",
    "侵犯商业秘密，给权利人造成重大损失的，处三年以下有期徒刑，并处或者单处罚金。",
    "工作秘密是指机关、单位在公务活动和内部管理中产生的，不属于国家秘密但泄露后会对工作造成不利影响的事项。",
]
NDA_ZH = [
    "保密协议",
    "甲方：__________    乙方：__________",
    "第一条 本协议所称商业秘密，是指甲方拥有的不为公众所知悉的技术信息和经营信息。",
    "第二条 乙方应对在合作过程中知悉的甲方商业秘密承担保密义务，未经甲方书面同意不得向任何第三方披露。",
    "第三条 保密期限：自本协议签订之日起至上述信息公开之日止。",
    "第四条 乙方违反本协议约定的，应向甲方支付违约金人民币__________元。",
    "保密期限：三年",
]
NEWS_ZH = [
    "某公司员工因泄露商业秘密被判处有期徒刑二年。",
    "据报道，该涉密人员违规将标有“机密★1年”字样的文件拍照并通过微信发送，造成严重后果。",
    "国家保密局通报了多起泄密案件，提醒各单位加强涉密载体管理。",
    "专家表示，内部资料不等于国家秘密，但同样需要妥善管理。",
    "公司内部培训将于下周举行，欢迎各部门报名参加。",
]
RECIPE_ZH = [
    "红烧肉好吃的秘密在于先炒糖色，再小火慢炖一个半小时。",
    "这道秘制酱汁的做法其实并不复杂，关键是火候。",
    "面团要充分醒发，这是做出松软馒头的秘诀。",
]
CORPORATE_EN = [
    "Quarterly business review", "Revenue grew 12% year over year, driven by the enterprise segment.",
    "Please treat these figures as confidential until the earnings call.",
    "Access to the staging environment is restricted to the release team.",
]


def negative(rng: random.Random) -> Doc:
    family, pool, k = rng.choice([
        ("novel_en", NOVEL_EN, 5), ("recipe_en", RECIPE_EN, 4), ("nda_en", NDA_EN, 6), ("news_leak_en", NEWS_EN, 5),
        ("law_en", LAW_EN, 3), ("novel_zh", NOVEL_ZH, 4), ("law_zh", LAW_ZH, 4), ("nda_zh", NDA_ZH, 6),
        ("news_zh", NEWS_ZH, 4), ("recipe_zh", RECIPE_ZH, 3), ("corporate_en", CORPORATE_EN, 4),
    ])
    paras = rng.sample(pool, k=min(k, len(pool)))
    if family == "nda_en":
        paras = [NDA_EN[0], *[p for p in paras if p != NDA_EN[0]]]
    if family == "nda_zh":
        paras = [NDA_ZH[0], *[p for p in paras if p != NDA_ZH[0]]]
    if family == "novel_en" and rng.random() < 0.3:
        paras = [rng.choice(["THE SECRET GARDEN", "CHAPTER III: SECRETS", "Chapter 7 - The Secret"]), *paras]
    if family == "novel_zh" and rng.random() < 0.3:
        paras = [f"第{rng.randint(1, 30)}章 秘密", *paras]
    if family == "recipe_en" and rng.random() < 0.3:
        paras = ["TOP SECRET RECIPE: GRANDMA'S SOURDOUGH", *paras]
    sep = "\n\n" if rng.random() < 0.5 else "\n"
    return Doc(sep.join(paras), "clean", family, False)


# --- credentials ------------------------------------------------------------------------------------

def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"


def _pem(rng: random.Random, kind: str) -> str:
    body = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(rng.randint(300, 900)))).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"


def credential(rng: random.Random) -> Doc:
    kind = rng.choice(["pem", "openssh", "aws", "gcp_json", "gcp_api", "azure", "alibaba", "github", "github_pat",
                       "slack", "jwt", "conn", "config", "config_zh", "yaml"])
    intro = rng.choice(["Here is the deployment config I use:", "Debug log from production:", "部署说明如下：",
                        "Can someone help? My script fails with this setup:"])
    if kind == "pem":
        secret = _pem(rng, rng.choice(["RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY"]))
    elif kind == "openssh":
        secret = _pem(rng, "OPENSSH PRIVATE KEY")
    elif kind == "aws":
        secret = (f"[default]\naws_access_key_id = AKIA{_rand(rng, string.ascii_uppercase + string.digits, 16)}\n"
                  f"aws_secret_access_key = {_rand(rng, B64, 40)}\nregion = us-east-1")
    elif kind == "gcp_json":
        key = _pem(rng, "PRIVATE KEY").replace("\n", "\\n")
        secret = json.dumps({"type": "service_account", "project_id": "demo-123", "private_key_id": _rand(rng, "0123456789abcdef", 40),
                             "private_key": key, "client_email": "svc@demo-123.iam.gserviceaccount.com"}, indent=2)
        secret = secret.replace("\\\\n", "\\n")
    elif kind == "gcp_api":
        secret = f"const MAPS_KEY = \"AIza{_rand(rng, ALNUM + '_-', 35)}\";"
    elif kind == "azure":
        secret = (f"DefaultEndpointsProtocol=https;AccountName=demostore;AccountKey={_rand(rng, B64, 86)}==;"
                  "EndpointSuffix=core.windows.net")
    elif kind == "alibaba":
        secret = f"AccessKeyId: LTAI{_rand(rng, ALNUM, 20)}\nAccessKeySecret: {_rand(rng, ALNUM, 30)}"
    elif kind == "github":
        secret = f"git clone https://{rng.choice(['ghp', 'gho'])}_{_rand(rng, ALNUM, 36)}@github.com/acme/app.git"
    elif kind == "github_pat":
        secret = f"export GITHUB_TOKEN=github_pat_{_rand(rng, ALNUM, 22)}_{_rand(rng, ALNUM, 59)}"
    elif kind == "slack":
        secret = f"SLACK_BOT_TOKEN=xoxb-{rng.randint(10**10, 10**11)}-{rng.randint(10**10, 10**11)}-{_rand(rng, ALNUM, 24)}"
    elif kind == "jwt":
        def seg(d):
            return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")
        secret = (f"Authorization: Bearer {seg({'alg': 'HS256', 'typ': 'JWT'})}."
                  f"{seg({'sub': str(rng.randint(1, 10**6)), 'exp': 1893456000})}.{_rand(rng, ALNUM + '_-', 43)}")
    elif kind == "conn":
        scheme = rng.choice(["postgresql", "mysql", "mongodb+srv", "redis", "amqp"])
        secret = f"DATABASE_URL={scheme}://app_user:{_rand(rng, ALNUM + '!#%^', 14)}@db-{rng.randint(1, 9)}.internal:5432/app"
    elif kind == "config":
        secret = f"[database]\nhost = 10.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}\nuser = admin\npassword = {_rand(rng, ALNUM + '@#$', 12)}"
    elif kind == "config_zh":
        secret = f"服务器地址：10.1.{rng.randint(0, 255)}.8\n用户名：root\n密码：{_rand(rng, ALNUM, 10)}"
    else:
        secret = f"spring:\n  datasource:\n    username: app\n    password: \"{_rand(rng, ALNUM + '!@', 16)}\""
    return Doc(f"{intro}\n\n{secret}\n\nThanks!", "credential", f"cred_{kind}", True)


PLACEHOLDER_DOCS = [
    "Set password=<your password> in the config file, then restart the service.",
    "DATABASE_URL=postgresql://user:password@localhost:5432/mydb",
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "password: ${DB_PASSWORD}\napi_key: {{ vault_api_key }}",
    "Password: at least 8 characters, one digit and one symbol.",
    "密码：请输入您的登录密码",
    "token = os.environ[\"GITHUB_TOKEN\"]\npassword = getpass.getpass()",
    "secret_key = \"changeme\"\npasswd: ********",
    "A good password is long: the key to security is length, not complexity.",
    "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
    "Use the format mysql://USER:PASS@HOST/DB and replace the values.",
    "client_secret: xxxxxxxxxxxx",
    "初始密码为身份证号后六位，请首次登录后修改。",
    "The JWT header starts with eyJ, which is base64 for '{\"'.",
]


def placeholder(rng: random.Random) -> Doc:
    return Doc(rng.choice(PLACEHOLDER_DOCS), "clean", "cred_placeholder", False)


def build(seed: int = 7, n_classified: int = 500, n_clean: int = 1000, n_credentials: int = 300, n_placeholders: int = 200) -> list[Doc]:
    rng = random.Random(seed)
    makers = [classified_cn, classified_cn, work_secret_cn, classified_en, classified_en]
    docs = [rng.choice(makers)(rng) for _ in range(n_classified)]
    docs += [negative(rng) for _ in range(n_clean)]
    docs += [credential(rng) for _ in range(n_credentials)]
    docs += [placeholder(rng) for _ in range(n_placeholders)]
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with open(args.out, "w", encoding="utf-8") as f:
        for doc in build(args.seed):
            f.write(json.dumps(doc.__dict__, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
