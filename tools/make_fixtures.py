#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generate Lucid's tiny text-model fixtures and their golden outputs.

Writes, under tests/fixtures/:

  tiny-bert/       tiny random BERT: base + pooler + masked-LM head +
                   3-label sequence-classification head in ONE model.safetensors
  tiny-bert-st/    sentence-transformers layout (Transformer, mean Pooling,
                   Normalize) around a second tiny BERT (hidden_act relu)
  tiny-bert-f16/   tiny-bert's weights stored as float16
  goldens/tokenizer-tiny.json
  goldens/text-<model>.json + text-<model>.safetensors

Everything is computed with the Hugging Face reference implementation
(tokenizers / transformers / sentence-transformers) in float32 on the CPU.
The script is deterministic: running it twice gives byte-identical files.

Usage (from the repository root):
    .venv/bin/python tools/make_fixtures.py [--out tests/fixtures]

Needs the packages pinned in tools/requirements.txt; never run by CI.
"""

import argparse
import json
import math
import os
import re
import shutil
import sys
import unicodedata
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import numpy as np  # noqa: E402
import safetensors  # noqa: E402
import sentence_transformers  # noqa: E402
import tokenizers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402
from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors  # noqa: E402
from tokenizers.models import WordPiece  # noqa: E402
from transformers import (  # noqa: E402
    AutoTokenizer,
    BertConfig,
    BertForMaskedLM,
    BertForSequenceClassification,
    BertModel,
)

transformers.utils.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()

GENERATOR = "tools/make_fixtures.py"
REPO = Path(__file__).resolve().parent.parent

HIDDEN = 32
LAYERS = 2
HEADS = 4
INTERMEDIATE = 64
MAX_POS = 64
MAX_INPUT_CHARS_PER_WORD = 20
PLACEHOLDER_MAX_LEN = int(1e30)  # 1000000000000000019884624838656, what transformers writes
ST_MAX_SEQ = 16
ID2LABEL = {"0": "negative", "1": "neutral", "2": "positive"}
ATTN_MAX_LEN = 32  # attention goldens only for sequences up to this length (size)

# Activation of the sentence-transformers model: "relu" (exact in any
# implementation, and far from gelu).  gelu_new (tanh approximation) was
# tried: it differs from exact gelu by only ~1.5-2x the fp32 tolerance on
# these weights, so a C side computing the wrong GELU would barely show.
ST_ACT = "relu"

SEED_TINY = 20240611
SEED_ST = 20240612

PLL_DEFINITION = (
    "Masked-LM pseudo-log-likelihood (Salazar et al. 2020): for each position t of "
    "the (truncated) sequence that is not a special token added by the post-processor "
    "([CLS]/[SEP]; [UNK] positions are scored), replace ids[t] by the [MASK] id, run "
    "BertForMaskedLM on the whole sequence (token_type_ids 0, no padding), take "
    "log_softmax(logits[t]) in float32 and add its entry at the original id; the sum "
    "is accumulated in float64. pll_n = number of positions scored; an empty text "
    "gives pll 0.0, pll_n 0."
)


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

def build_vocab():
    v = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    # ASCII punctuation, digits, letters.  '##x' and '##q' are deliberately
    # missing so that ordinary ASCII words like "box" become [UNK].
    v += list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    v += list("0123456789")
    v += ["##" + d for d in "0123456789"]
    v += list("abcdefghijklmnopqrstuvwxyz")
    v += ["##" + c for c in "abcdefghijklmnopqrstuvwyz" if c not in "xq"]
    v += ["2024", "100", "##00", "##000"]
    # common English words
    v += """the an of and to in is was it for on with as at by this that be are
    from or have not but had his her they we you he she my me one all there their
    what so up out if about who get which go when make can like time no just him know
    take people into year your good some could them see other than then now look only
    come its over think also back after use two how our work first well way even new
    want because any these give day most us very really do does did will would should
    hello world quick brown fox jumps lazy dog cat sat mat movie film great terrible
    love hate happy sad bad model test token text video audio stream red blue
    green fine thanks long word words sentence here more less""".split()
    # word pieces
    v += ["##es", "##ed", "##ing", "##ly", "##er", "##est", "##ion", "##tion",
          "##ment", "##ness", "##able", "##al", "##ful", "##less", "##ize", "##ic",
          "un", "re", "pre", "##ab", "##ra", "##ca", "##li", "##ous", "##ex"]
    # accented words, in the lower-cased, accent-stripped form BERT uncased sees
    v += ["cafe", "naive", "resume", "uber", "francais", "espanol", "senor", "deja",
          "vu", "creme", "brulee", "zurich", "munchen", "sao", "paulo", "etre", "noel",
          "fiance", "facade", "jalapeno", "au", "lait", "istanbul"]
    # CJK ideographs (each one is its own word after BERT's CJK splitting)
    v += list("中文日本语我你他是的人大小学生天气好东京北国字汉首都世界吗")
    # Japanese kana (not split like ideographs: they form words)
    v += ["こ", "##ん", "##に", "##ち", "##は", "は", "の", "で", "##す", "か", "##か"]
    # Korean: BERT's NFD decomposes Hangul syllables into conjoining jamo, so
    # the pieces are stored decomposed, as in real uncased BERT vocabularies.
    v += [unicodedata.normalize("NFD", s) for s in ["안", "한"]]
    v += ["##" + unicodedata.normalize("NFD", s) for s in ["녕", "국", "어", "하", "세", "요"]]
    # Greek and Cyrillic (accent-stripped)
    v += ["α", "##β", "##γ", "καλη", "##μερα", "κοσμε", "ελληνικα", "και"]
    v += ["привет", "мир", "мои", "дом", "и", "русскии", "п", "##р", "##и", "##в", "##ет"]
    # one emoji, to exercise 4-byte UTF-8 lookups
    v += ["😀"]
    assert len(v) == len(set(v)), sorted(t for t in v if v.count(t) > 1)
    return v


def make_tokenizer(vocab):
    tok = Tokenizer(WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]",
                              max_input_chars_per_word=MAX_INPUT_CHARS_PER_WORD))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                strip_accents=None, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    cls_id, sep_id = vocab.index("[CLS]"), vocab.index("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.add_special_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    return tok


def write_json(path, obj):
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_tokenizer_files(d, vocab, model_max_length):
    tok = make_tokenizer(vocab)
    tok.save(str(d / "tokenizer.json"), pretty=True)
    (d / "vocab.txt").write_text("".join(t + "\n" for t in vocab), encoding="utf-8")
    specials = {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                "cls_token": "[CLS]", "mask_token": "[MASK]"}
    write_json(d / "special_tokens_map.json", specials)
    cfg = {"do_lower_case": True, "tokenize_chinese_chars": True, "strip_accents": None,
           **specials, "tokenizer_class": "BertTokenizer", "model_max_length": model_max_length}
    write_json(d / "tokenizer_config.json", cfg)


# --------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------

def randomize(state, seed):
    """Deterministic, non-degenerate random values for every tensor in state."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for name in sorted(state):
        shape = state[name].shape

        def rn(std):
            return torch.randn(shape, generator=g, dtype=torch.float32) * std

        if "LayerNorm.weight" in name:
            t = 0.6 + 0.8 * torch.rand(shape, generator=g, dtype=torch.float32)
        elif "LayerNorm.bias" in name:
            t = rn(0.2)
        elif "embeddings" in name:
            t = rn(0.5)
        elif name.endswith("output.dense.weight") and "attention" not in name:
            t = rn(0.15)  # intermediate -> hidden
        elif name.startswith("classifier.") and name.endswith("weight"):
            t = rn(0.3)
        elif name.endswith("weight"):
            t = rn(0.2)
        else:  # biases, including cls.predictions.bias
            t = rn(0.1)
        out[name] = t.contiguous()
    return out


def bert_config(hidden_act, **extra):
    return BertConfig(
        vocab_size=extra.pop("vocab_size"),
        hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
        intermediate_size=INTERMEDIATE, max_position_embeddings=MAX_POS,
        type_vocab_size=2, hidden_act=hidden_act, layer_norm_eps=1e-12, pad_token_id=0,
        **extra,
    )


def check_loads(cls, d, expect, dtype=torch.float32):
    """from_pretrained must find every weight (nothing randomly initialised)."""
    model, info = cls.from_pretrained(str(d), output_loading_info=True,
                                      attn_implementation="eager", dtype=dtype)
    missing = sorted(info["missing_keys"])
    assert not missing, f"{cls.__name__} from {d}: missing (random) weights {missing}"
    assert not info["mismatched_keys"], info["mismatched_keys"]
    sd = model.state_dict()
    for k, v in expect.items():
        key = k
        if cls is BertModel and k.startswith("bert."):
            key = k[len("bert."):]
        if key in sd:
            assert torch.equal(sd[key].float(), v.float()), f"{cls.__name__}: {key} differs after load"
    model.eval()
    return model, sorted(info["unexpected_keys"])


# --------------------------------------------------------------------------
# Test strings
# --------------------------------------------------------------------------

_ESC = re.compile(r"\\\\|\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})")


def decode_escapes(line):
    """Decode \\uXXXX (surrogate pairs joined), \\UXXXXXXXX and \\\\ escapes."""
    def rep(m):
        if m.group(0) == "\\\\":
            return "\\"
        return chr(int(m.group(1) or m.group(2), 16))
    s = _ESC.sub(rep, line)
    # join UTF-16 surrogate pairs written as two \\u escapes
    s = s.encode("utf-16", "surrogatepass").decode("utf-16")
    return s


def tokenizer_strings():
    """Inputs for the tokenizer goldens: tests/fixtures/tokenizer-strings.txt if
    present (one string per line, escapes decoded), else the built-in list."""
    f = REPO / "tests" / "fixtures" / "tokenizer-strings.txt"
    if f.exists():
        raw = f.read_bytes().decode("utf-8")
        lines = raw.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return [decode_escapes(l.rstrip("\r")) for l in lines], f.relative_to(REPO).as_posix()
    return list(BUILTIN_STRINGS), None


BUILTIN_STRINGS = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "Café au lait, naïve résumé, jalapeño.",
    "ÜNÏCÖDÉ ÀÉÎÕÜ Façade déjà vu Crème Brûlée",
    "我是学生。你好吗？",
    "東京は日本の首都です",
    "こんにちは世界",
    "안녕하세요 한국어",
    "Καλημέρα κόσμε, Ελληνικά!",
    "Привет, мир! Мой дом.",
    "emoji 😀 test 👍🏽 and 🇫🇷 flag, hi😀",
    "tabs\tand\nnewlines\r\nhere",
    "NUL\u0000inside and \u0000 alone",
    "control\u0007chars\u001b[0m escape",
    "zero\u200bwidth\u200djoiner\ufeffbom",
    "soft\u00adhyphen",
    "nbsp\u00a0space and ideographic\u3000space",
    "supercalifragilisticexpialidocious",
    "pneumonoultramicroscopicsilicovolcanoconiosis is a long word",
    "twenty: abcdefghijklmnoprstu twentyone: abcdefghijklmnoprstuv",
    "!!!???...,,,;;;:::",
    "(parentheses) [brackets] {braces} <angle>",
    "$100.00 + 50% = €150 ± 5°C",
    "email@example.com and https://example.org/path?q=1&r=2",
    "don't can't won't it's",
    "   leading and trailing spaces   ",
    "",
    "   ",
    "ALL CAPS SHOUTING TEXT",
    "MiXeD CaSe WoRdS",
    "numbers 1234567890 and 3.14159 and 1,000,000",
    "hyphenated-words and under_scores",
    "xylophone boxes quiz",
    "Straße İstanbul",
    "ﬁnancial ﬂow",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ",
    "e\u0301 combining acute and cafe\u0301",
    "A" * 25,
    "[CLS] [SEP] [MASK] [PAD] [UNK] literal specials",
    "hello[MASK]world",
    "Ελληνικά και Русский и 中文 mixed with English",
    "\u0085next line\u2028line sep\u2029para sep",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math letters",
    "สวัสดี Thai with marks",
    "مَرْحَبًا بالعالم",
    "שלום עולם",
    "नमस्ते दुनिया",
    "a a a a a",
    "I really love this movie, it is great, but the ending was sad and terrible.",
    "unhappiness, rethinking, prebuilding, carefulness and thoughtlessly",
]

PAIRS = [
    ("How are you?", "I am fine, thanks."),
    ("Café", "中文"),
    ("", "only second"),
    ("only first", ""),
    ("Привет", "안녕하세요"),
]

LONG_A = "The quick brown fox jumps over the lazy dog and then the dog sat on the mat with the cat."
LONG_B = "I really love this movie because the film was great and very happy."
SHORT = "hello world"

TRUNCATION_CASES = [
    (LONG_A, None), (LONG_B, None),
    (LONG_A, LONG_B), (LONG_A, SHORT), (SHORT, LONG_B),
]


def tokenizer_golden(tok_path, strings, pairs, trunc_cases, model_dir, default_max=0,
                     max_length_cases=()):
    tok = Tokenizer.from_file(str(tok_path))
    tok.no_padding()
    cases = []

    def enc(text, pair, max_length):
        if max_length:
            tok.enable_truncation(max_length, strategy="longest_first", stride=0)
        else:
            tok.no_truncation()
        e = tok.encode(text, pair) if pair is not None else tok.encode(text)
        cases.append({"text": text, "pair": pair, "max_length": max_length,
                      "ids": list(e.ids), "type_ids": list(e.type_ids),
                      "offsets": [list(o) for o in e.offsets]})

    for s in strings:
        enc(s, None, default_max)
    for a, b in pairs:
        enc(a, b, default_max)
    for a, b in trunc_cases:
        for ml in (8, 12):
            enc(a, b, ml)
    for s, ml in max_length_cases:
        enc(s, None, ml)
    return {"generator": GENERATOR, "reference": f"tokenizers {tokenizers.__version__}",
            "model_dir": model_dir, "cases": cases}


def dump_golden_json(path, header, cases):
    """JSON with one case per line (diff-friendly), raw UTF-8 text."""
    parts = ["{"]
    for k, v in header.items():
        parts.append(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},")
    parts.append('  "cases": [')
    for i, c in enumerate(cases):
        sep = "," if i + 1 < len(cases) else ""
        parts.append("    " + json.dumps(c, ensure_ascii=False) + sep)
    parts.append("  ]")
    parts.append("}")
    text = "\n".join(parts) + "\n"
    json.loads(text)  # must be valid JSON
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------
# Text-model goldens
# --------------------------------------------------------------------------

TEXT_CASES = [
    "hello world",
    "The quick brown fox jumps over the lazy dog.",
    "Café au lait, naïve résumé!",
    "我是学生。你好",
    "Привет, мир!",
    "I really love this movie, it is great.",
    "",
    "!!! ??? ... ;;",
    # long: > 64 tokens, truncated for every model
    "The quick brown fox jumps over the lazy dog and then the dog sat on the mat "
    "with the cat because the cat was very happy and the dog was sad. After that "
    "the people come back to work and think about the movie, the film, the text "
    "and the video, which was great, then the model will make a new test.",
    "안녕 한국어 and Ελληνικά, καλημέρα",
    "emoji 😀 and symbols € ± °",
    "tabs\tand\nnewlines here",
    "xylophone boxes and a " + "verylongword" * 10,  # 120-char word -> [UNK]
    "The film was terrible and sad.",
    "good",
    "東京は日本の首都です",
]


def encode_for_model(tok_path, text, max_length):
    tok = Tokenizer.from_file(str(tok_path))
    tok.no_padding()
    tok.enable_truncation(max_length, strategy="longest_first", stride=0)
    e = tok.encode(text)
    return list(e.ids), list(e.special_tokens_mask)


@torch.no_grad()
def pseudo_log_likelihood(mlm, ids, special, mask_id):
    positions = [t for t, s in enumerate(special) if not s]
    if not positions:
        return 0.0, 0
    base = torch.tensor([ids], dtype=torch.long)
    batch = base.repeat(len(positions), 1)
    for row, t in enumerate(positions):
        batch[row, t] = mask_id
    logits = mlm(input_ids=batch, token_type_ids=torch.zeros_like(batch),
                 attention_mask=torch.ones_like(batch)).logits
    total = 0.0
    for row, t in enumerate(positions):
        lp = torch.log_softmax(logits[row, t].float(), dim=-1)
        total += float(lp[ids[t]].item())  # float32 value, float64 sum
    return total, len(positions)


@torch.no_grad()
def text_goldens(name, model_dir, tok_path, max_length, base, clsm=None, mlm=None,
                 st=None, mask_id=None, activation=None):
    tensors = {}
    cases = []
    for i, text in enumerate(TEXT_CASES):
        ids, special = encode_for_model(tok_path, text, max_length)
        x = torch.tensor([ids], dtype=torch.long)
        kw = dict(input_ids=x, token_type_ids=torch.zeros_like(x), attention_mask=torch.ones_like(x))
        out = base(**kw, output_attentions=True)
        h = out.last_hidden_state[0].float()
        tensors[f"case{i}.last_hidden"] = h.contiguous()
        if len(ids) <= ATTN_MAX_LEN:
            for l, a in enumerate(out.attentions):
                tensors[f"case{i}.attn{l}"] = a[0].float().contiguous()
        tensors[f"case{i}.emb.cls"] = h[0].clone()
        tensors[f"case{i}.emb.mean"] = h.mean(dim=0).contiguous()
        tensors[f"case{i}.emb.max"] = h.max(dim=0).values.contiguous()
        tensors[f"case{i}.emb.pooler"] = out.pooler_output[0].float().contiguous()
        label = None
        if clsm is not None:
            logits = clsm(**kw).logits[0].float()
            tensors[f"case{i}.logits"] = logits.contiguous()
            label = clsm.config.id2label[int(torch.argmax(logits))]
            # the classifier runs on the same base: its pooler must agree
            ref = clsm.bert(**kw).pooler_output[0]
            assert torch.allclose(ref, out.pooler_output[0], atol=1e-6)
        pll = pll_n = None
        if mlm is not None:
            pll, pll_n = pseudo_log_likelihood(mlm, ids, special, mask_id)
            # the MLM runs on the same base
            ref = mlm.bert(**kw).last_hidden_state[0]
            assert torch.allclose(ref, h, atol=1e-6)
        if st is not None:
            feats = st.preprocess([text]) if hasattr(st, "preprocess") else st.tokenize([text])
            st_ids = feats["input_ids"][0].tolist()
            assert st_ids == ids, f"sentence-transformers tokenises case {i} differently: {st_ids} vs {ids}"
            e = st.encode(text, convert_to_numpy=True, normalize_embeddings=False)
            e = torch.from_numpy(np.asarray(e, dtype=np.float32))
            tensors[f"case{i}.emb.st"] = e.contiguous()
            ref = torch.nn.functional.normalize(h.mean(dim=0), dim=0)
            assert torch.allclose(e, ref, atol=2e-6), (name, i, (e - ref).abs().max())
        cases.append({"text": text, "max_length": max_length, "ids": ids, "label": label,
                      "pll": pll, "pll_n": pll_n})
    header = {
        "generator": GENERATOR,
        "reference": {"transformers": transformers.__version__, "torch": torch.__version__,
                      "sentence-transformers": sentence_transformers.__version__,
                      "tokenizers": tokenizers.__version__},
        "model_dir": model_dir,
        "activation": activation,
        "tensors": f"text-{name}.safetensors",
        "pll_definition": PLL_DEFINITION if mlm is not None else None,
        "notes": (
            "ids from tokenizers.Tokenizer.from_file(tokenizer.json) with truncation at "
            "max_length (longest_first), no padding; token_type_ids all 0; every tensor "
            "float32. last_hidden [len,H] from BertModel; attn{l} [heads,len,len] "
            f"(eager attention, softmax probabilities) only for cases with len <= {ATTN_MAX_LEN}; "
            "emb.cls = last_hidden[0]; emb.mean / emb.max over all tokens incl. [CLS]/[SEP]; "
            "emb.pooler = tanh(W h[CLS] + b) (BertPooler); emb.st = SentenceTransformer.encode "
            "(L2-normalised); logits [num_labels] from BertForSequenceClassification, "
            "label = id2label[argmax]."
        ),
    }
    return header, cases, tensors


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------

def save_weights(path, state, dtype=torch.float32):
    save_file({k: v.to(dtype).contiguous() for k, v in sorted(state.items())}, str(path),
              metadata={"format": "pt"})


def make_tiny_bert(out, vocab):
    d = out / "tiny-bert"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    torch.manual_seed(SEED_TINY)
    cfg = bert_config("gelu", vocab_size=len(vocab), num_labels=3,
                      id2label={int(k): v for k, v in ID2LABEL.items()},
                      label2id={v: int(k) for k, v in ID2LABEL.items()})
    cfg.architectures = ["BertForMaskedLM", "BertForSequenceClassification"]
    # Build both heads over one base; the union of their parameters is the file.
    mlm = BertForMaskedLM(cfg)
    clsm = BertForSequenceClassification(cfg)
    union = {}
    for k, v in clsm.state_dict().items():
        union[k] = v
    for k, v in mlm.state_dict().items():
        union.setdefault(k, v)
    # What save_pretrained writes for the MLM: tied tensors are dropped.
    probe = out / ".probe-mlm"
    if probe.exists():
        shutil.rmtree(probe)
    mlm.save_pretrained(str(probe))
    with safetensors.safe_open(str(probe / "model.safetensors"), "pt") as f:
        mlm_saved = set(f.keys())
    shutil.rmtree(probe)
    omitted = sorted(k for k in mlm.state_dict() if k not in mlm_saved)
    assert omitted == ["cls.predictions.decoder.bias", "cls.predictions.decoder.weight"], omitted
    for k in omitted:
        union.pop(k)
    state = randomize(union, SEED_TINY)
    save_weights(d / "model.safetensors", state)
    # (model.save_pretrained above rewrote cfg.architectures: set it again)
    cfg.architectures = ["BertForMaskedLM", "BertForSequenceClassification"]
    cfg.save_pretrained(str(d))
    write_tokenizer_files(d, vocab, PLACEHOLDER_MAX_LEN)
    return d, cfg, state, omitted


def load_tiny(d, state):
    base, unexp_base = check_loads(BertModel, d, state)
    mlm, unexp_mlm = check_loads(BertForMaskedLM, d, state)
    clsm, unexp_cls = check_loads(BertForSequenceClassification, d, state)
    # tying: decoder weight == word embeddings, decoder bias == cls.predictions.bias
    assert torch.equal(mlm.cls.predictions.decoder.weight, mlm.bert.embeddings.word_embeddings.weight)
    assert torch.equal(mlm.cls.predictions.decoder.bias, mlm.cls.predictions.bias)
    assert torch.equal(mlm.cls.predictions.bias.float(), state["cls.predictions.bias"].float())
    for m in (base, mlm, clsm):
        for p in m.parameters():
            assert p.dtype == torch.float32, p.dtype
    return base, mlm, clsm, {"BertModel": unexp_base, "BertForMaskedLM": unexp_mlm,
                             "BertForSequenceClassification": unexp_cls}


def make_tiny_bert_f16(out, tiny_dir, state):
    d = out / "tiny-bert-f16"
    if d.exists():
        shutil.rmtree(d)
    shutil.copytree(tiny_dir, d)
    save_weights(d / "model.safetensors", state, torch.float16)
    cfg = BertConfig.from_pretrained(str(tiny_dir))
    cfg.dtype = torch.float16
    cfg.save_pretrained(str(d))
    written = json.loads((d / "config.json").read_text())
    assert written["dtype"] == "float16", written.get("dtype")
    assert written["architectures"] == ["BertForMaskedLM", "BertForSequenceClassification"]
    f16 = load_file(str(d / "model.safetensors"))
    assert all(v.dtype == torch.float16 for v in f16.values())
    upcast = {k: v.float() for k, v in f16.items()}
    return d, upcast


def make_tiny_bert_st(out, vocab):
    d = out / "tiny-bert-st"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    torch.manual_seed(SEED_ST)
    cfg = bert_config(ST_ACT, vocab_size=len(vocab))
    cfg.architectures = ["BertModel"]
    base = BertModel(cfg)
    state = randomize(base.state_dict(), SEED_ST)
    save_weights(d / "model.safetensors", state)  # no "bert." prefix, as ST saves
    cfg.save_pretrained(str(d))
    write_tokenizer_files(d, vocab, 512)
    write_json(d / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    (d / "1_Pooling").mkdir()
    write_json(d / "1_Pooling" / "config.json", {
        "word_embedding_dimension": HIDDEN,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    write_json(d / "sentence_bert_config.json", {"max_seq_length": ST_MAX_SEQ, "do_lower_case": False})
    write_json(d / "config_sentence_transformers.json", {
        "__version__": {"sentence_transformers": sentence_transformers.__version__,
                        "transformers": transformers.__version__,
                        "pytorch": torch.__version__},
        "prompts": {},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    return d, state


def check_activation_matters(d, state, max_length):
    """The ST model's activation (ST_ACT) must be distinguishable from exact gelu
    at the fp32 tolerance on every non-empty case: returns the smallest
    max|diff| / (1e-4 * max(1, max|ref|)) over the cases."""
    models = {}
    for act in (ST_ACT, "gelu"):
        cfg = BertConfig.from_pretrained(str(d))
        cfg.hidden_act = act
        m = BertModel(cfg).eval()
        m.load_state_dict(state, strict=True)
        models[act] = m
    worst = math.inf
    for text in TEXT_CASES:
        ids, _ = encode_for_model(d / "tokenizer.json", text, max_length)
        if len(ids) <= 2:
            continue
        x = torch.tensor([ids])
        with torch.no_grad():
            a = models[ST_ACT](input_ids=x, token_type_ids=torch.zeros_like(x)).last_hidden_state
            b = models["gelu"](input_ids=x, token_type_ids=torch.zeros_like(x)).last_hidden_state
        ratio = float((a - b).abs().max()) / (1e-4 * max(1.0, float(a.abs().max())))
        worst = min(worst, ratio)
    assert worst > 10, f"{ST_ACT} vs gelu: difference only {worst:.3g}x the fp32 tolerance"
    return worst


def check_layernorm_matters(state):
    for k, v in state.items():
        if "LayerNorm.weight" in k:
            assert float((v - 1).abs().max()) > 0.1, k
        if "LayerNorm.bias" in k:
            assert float(v.abs().max()) > 0.1, k


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "tests" / "fixtures"))
    args = ap.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    goldens = out / "goldens"
    goldens.mkdir(exist_ok=True)

    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    vocab = build_vocab()
    print(f"vocabulary: {len(vocab)} tokens")

    # 1. tiny-bert
    tiny_dir, cfg, state, omitted = make_tiny_bert(out, vocab)
    check_layernorm_matters(state)
    base, mlm, clsm, unexpected = load_tiny(tiny_dir, state)
    print(f"tiny-bert: {len(state)} tensors; save_pretrained omits {omitted}")
    for k, v in unexpected.items():
        print(f"  {k}.from_pretrained: no missing weights; unused in file: {len(v)} "
              f"({', '.join(sorted({'.'.join(x.split('.')[:2]) for x in v}))})")

    # 2. tiny-bert-st
    st_dir, st_state = make_tiny_bert_st(out, vocab)
    check_layernorm_matters(st_state)
    st_base, unexp = check_loads(BertModel, st_dir, st_state)
    assert not unexp, unexp
    st = sentence_transformers.SentenceTransformer(str(st_dir), device="cpu")
    st.eval()
    assert st.max_seq_length == ST_MAX_SEQ, st.max_seq_length
    assert len(st) == 3, st

    # 3. tiny-bert-f16
    f16_dir, upcast = make_tiny_bert_f16(out, tiny_dir, state)
    f16_base, f16_mlm, f16_cls, _ = load_tiny(f16_dir, upcast)

    # 4. tokenizer goldens
    strings, source = tokenizer_strings()
    print(f"tokenizer strings: {len(strings)} from {source or 'built-in list'}")
    tg = tokenizer_golden(tiny_dir / "tokenizer.json", strings, PAIRS, TRUNCATION_CASES, "tiny-bert")
    dump_golden_json(goldens / "tokenizer-tiny.json",
                     {k: v for k, v in tg.items() if k != "cases"}, tg["cases"])
    # transformers' AutoTokenizer rebuilds BertTokenizer from vocab + tokenizer_config
    # and resets max_input_chars_per_word to 100: count where it disagrees.
    at = AutoTokenizer.from_pretrained(str(tiny_dir))
    disagree = [c["text"] for c in tg["cases"] if c["pair"] is None and c["max_length"] == 0
                and at(c["text"])["input_ids"] != c["ids"]]
    print(f"  AutoTokenizer disagrees with tokenizer.json on {len(disagree)} strings "
          f"(max_input_chars_per_word reset to {at.backend_tokenizer.model.max_input_chars_per_word})")

    # 5. text goldens
    mask_id = vocab.index("[MASK]")
    jobs = [
        ("tiny-bert", tiny_dir, MAX_POS, dict(base=base, clsm=clsm, mlm=mlm, activation="gelu")),
        ("tiny-bert-st", st_dir, ST_MAX_SEQ, dict(base=st_base, st=st, activation=ST_ACT)),
        ("tiny-bert-f16", f16_dir, MAX_POS, dict(base=f16_base, clsm=f16_cls, mlm=f16_mlm, activation="gelu")),
    ]
    for name, d, max_len, kw in jobs:
        header, cases, tensors = text_goldens(name, name, d / "tokenizer.json", max_len,
                                              mask_id=mask_id, **kw)
        labels = {c["label"] for c in cases}
        if kw.get("clsm") is not None:
            assert len(labels) >= 2, f"{name}: degenerate classifier, labels {labels}"
        for c in cases:
            if c["pll"] is not None:
                assert math.isfinite(c["pll"])
        save_file(tensors, str(goldens / f"text-{name}.safetensors"), metadata={"generator": GENERATOR})
        dump_golden_json(goldens / f"text-{name}.json", header, cases)
        lens = [len(c["ids"]) for c in cases]
        print(f"{name}: {len(cases)} cases, lengths {lens}, labels {sorted(l for l in labels if l)}")

    ratio = check_activation_matters(st_dir, st_state, ST_MAX_SEQ)
    print(f"tiny-bert-st: {ST_ACT} vs gelu differ by >= {ratio:.3g}x the fp32 tolerance on every case")

    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"fixtures under {out}: {total} bytes")


if __name__ == "__main__":
    sys.exit(main())
