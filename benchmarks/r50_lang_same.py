"""Round 50: chunks and BM25 terms of the eval corpora and of Latin/CJK/Cyrillic/Greek/Korean/Indic samples, old code
vs new, as digests (the eval texts are read only here, never copied into tests).
usage: PYTHONPATH=<a copy of the old ragtune> python benchmarks/r50_lang_same.py before.json; then without PYTHONPATH
after.json; compare: python benchmarks/r50_lang_same.py --diff before.json after.json"""
import glob, hashlib, json, random, sys

if sys.argv[1] == "--diff":
    a, b = (json.load(open(p)) for p in sys.argv[2:4])
    bad = sorted(k for k in a if a[k] != b.get(k))
    print(f"{len(a)} texts, {len(bad)} differ", *bad[:40], sep="\n")
    sys.exit(0)

from tokenizers import Tokenizer
from ragtune.appliance.ingest.chunker import chunk_text
from ragtune.appliance import lexical_terms as lt
print("using", lt.__file__, file=sys.stderr)
tk = Tokenizer.from_file(glob.glob("/root/.cache/ragtune/models/**/tokenizer.json", recursive=True)[0])
tk.no_padding(); tk.no_truncation()
an = lt.analyzer()

SAMPLES = {  # invented, one per script the change must leave alone
    "latin": "Urlaubsanträge müssen zwei Wochen vorher gestellt werden. Les congés sont accordés par le manager. "
             "Wniosek o urlop składa się z wyprzedzeniem. Ödeme süresi otuz gündür. naïve café Zürich façade",
    "cyrillic": "Заявление на отпуск подаётся за две недели. Ёжики живут в лесу. Пароль меняется каждые 90 дней.",
    "greek": "Η άδεια ζητείται δύο εβδομάδες νωρίτερα. ΚΩΔΙΚΟΣ πρόσβασης αλλάζει κάθε 90 ημέρες.",
    "zh": "长江公司休假制度。新员工每年享有十五天带薪年假。休假申请须提前两周提交给部门经理。密码每90天更换一次。",
    "ja": "新入社員は年間十五日の有給休暇を取得できます。休暇申請は二週間前までに提出してください。パスワードは90日ごと。",
    "ko": "신입 사원은 연간 15일의 유급 휴가를 받습니다. 휴가 신청은 2주 전에 제출해야 합니다. 부산의 사무실.",
    "hi": "नए कर्मचारियों को साल में पंद्रह दिन की छुट्टी मिलती है। छुट्टी का आवेदन दो सप्ताह पहले देना होता है।",
    "mixed": "The VPN password (密码) changes every 90 days; see Заявление 12 and the café menu. Emoji 😀 ok.",
}
texts = {}
for f in ["/work/evalsets/corpus-dev/corpus.jsonl", "/work/shared/eval/disflqa-dev/corpus.jsonl"]:
    for line in open(f, encoding="utf-8"):
        d = json.loads(line)
        for field in ("title", "text"):
            texts[f"{f}:{d['_id']}:{field}"] = d.get(field) or ""
rng = random.Random(50)
for name, s in SAMPLES.items():
    sents = [x for x in s.replace("。", "。\n").replace(". ", ".\n").split("\n") if x]
    texts[f"sample:{name}"] = s
    for k in range(25):  # longer texts of the same sentences, with paragraphs, so chunks are cut
        texts[f"sample:{name}:{k}"] = "".join(rng.choice(sents) + rng.choice([" ", " ", "\n", "\n\n"])
                                               for _ in range(rng.randrange(20, 120)))
out = {}
for key, t in texts.items():
    h = hashlib.sha256(); g = hashlib.sha256()
    for size, ov in ((200, 40), (64, 8)):
        for c in chunk_text(t, tk, chunk_tokens=size, overlap_tokens=ov):
            h.update(repr((c.ord, c.text, c.start_char, c.end_char, c.n_tokens)).encode())
    g.update(repr(an.analyze(lt.search_form(t))).encode())  # every BM25 term, in order
    g.update(repr(lt.query_terms(t[:300])).encode())
    out[key] = [h.hexdigest(), g.hexdigest()]
json.dump(out, open(sys.argv[1], "w"))
print(f"{len(out)} texts, {sum(not t.isascii() for t in texts.values())} not ASCII", file=sys.stderr)
