#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Golden outputs of the real all-MiniLM-L6-v2 for Lucid's optional real-model tests.

Needs the model directory installed by tools/install-models.sh (default
${LUCID_MODELS_DIR:-${XDG_CACHE_HOME:-~/.cache}/lucid/models}/all-MiniLM-L6-v2).
Writes, under tests/fixtures/goldens/:

  text-minilm.json + .safetensors    sentence-transformers embeddings
  tokenizer-minilm.json              tokenizer ids / type ids / offsets

"model_dir" in the JSON is "@MODELS@/all-MiniLM-L6-v2": tests replace @MODELS@
by $LUCID_MODELS_DIR (or its default) and skip when the model is absent.
Deterministic: running it twice gives byte-identical files.

Usage (from the repository root):
    tools/install-models.sh && .venv/bin/python tools/make_minilm_goldens.py
"""

import argparse
import hashlib
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402  (sets the offline/quiet environment)

import numpy as np  # noqa: E402
import sentence_transformers  # noqa: E402
import tokenizers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from transformers import BertModel  # noqa: E402

GENERATOR = "tools/make_minilm_goldens.py"
MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
LAST_HIDDEN_CASES = 4  # last_hidden only for the first 4 (short) cases: file size

LONG_PARAGRAPH = (
    "Lucid is a set of GStreamer elements that run transformer encoders over text, video "
    "and audio streams. Each element keeps the media flowing unchanged and attaches the "
    "tensors it computed as metadata, so downstream elements can fuse the modalities, audit "
    "the predictions for fairness across groups, explain them with attention rollout, "
    "occlusion or sampling methods, and finally write everything, together with the exact "
    "model and settings that produced it, into an SQLite database that people query with "
    "plain SQL. The same pipelines run unattended inside a small daemon that restarts them "
    "with back-off when they fail, reloads its configuration on a signal, reports its health "
    "to the service manager and exports metrics in the Prometheus text format. Sentence "
    "embeddings such as the ones checked by this very file are computed by a BERT-style "
    "encoder: the text is normalised, split into word pieces, mapped to ids, embedded with "
    "word, position and token-type tables, passed through six layers of self-attention and "
    "feed-forward blocks with residual connections and layer normalisation, mean-pooled over "
    "the real tokens and finally scaled to unit length. When the text is longer than the "
    "maximum sequence length of the model, in this case two hundred and fifty-six word "
    "pieces, everything after that point is simply cut off before the encoder runs, which "
    "is exactly what this paragraph is meant to test, because it goes on and on for much "
    "longer than that limit, repeating itself a little: the quick brown fox jumps over the "
    "lazy dog, the lazy dog sleeps in the sun, the sun sets behind the hills, the hills "
    "turn blue in the evening light, and the story of the fox and the dog ends here."
)

SENTENCES = [
    "This is an example sentence.",
    "Each sentence is converted.",
    "The cat sits on the mat.",
    "A man is playing a guitar.",
    "Le chat est assis sur le tapis, et il fait beau aujourd'hui.",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "¿Dónde está la biblioteca? ¡Vamos a la playa mañana!",
    "我喜欢在周末去公园散步。",
    "東京は日本の首都です。今日はいい天気ですね。",
    "مرحبا بالعالم، كيف حالك اليوم؟",
    "Привет, как дела? Москва — столица России.",
    "I love this! 😍🔥👍 Best day ever 🎉🎉",
    "!!!??? ... --- *** ### @@@ $$$ %%% ^^^ &&& ((( )))",
    "Visit https://www.example.com/path/to/page?query=1&lang=en#section or mail info@example.org",
    "The total was $1,234.56 on 2024-03-15 at 14:30, i.e. 3.5% more than 987,654.",
    LONG_PARAGRAPH,
    "A quick brown fox jumps over the lazy dog.",
    "A quick brown fox jumped over the lazy dog.",
    "",
    "안녕하세요, 만나서 반갑습니다.",
    "Ελληνικά: Καλημέρα σε όλους!",
    "שלום עולם",
    "naïve café résumé façade coöperate Zürich São Paulo",
    "ALL CAPS SENTENCE WITH SHOUTING",
    "tabs\tand\nnewlines\r\nmixed   spacing",
    "C++ and C# are programming languages; so is Python 3.11.",
    "def foo(x): return x ** 2  # a Python function",
    "SELECT * FROM users WHERE id = 42;",
    "Supercalifragilisticexpialidocious is a very long word.",
    "pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism",
    "I don't think that's what they'd've wanted, y'know?",
    "The stock market crashed, and investors panicked.",
    "Financial markets fell sharply as investors panicked.",
    "Hindi: नमस्ते दुनिया",
    "Thai: สวัสดีชาวโลก",
    "Mixed: English, français, Deutsch, 中文, 日本語, русский",
    "   ",
    "A",
    "control\u0001char\u0007s and zero\u200bwidth",  # NUL: C strings end there; the tokenizer goldens cover it
    # More inputs cut at max_seq_length (256), each reaching it another way:
    # CJK characters (one piece each after CJK padding), accented words split
    # into many pieces, and emoji / punctuation runs.
    "東京は日本の首都です。今日はいい天気ですね。我喜欢在周末去公园散步。" * 12,
    "Größenwahnsinnige Überraschungspartys für naïve Cafébesucher in Zürich, "
    "São Paulo und Kraków sind überaus außergewöhnlich! " * 14,
    "Wow!!! 😍🔥👍 ... (really?) — yes: #1, @home, $5 & 100% 🎉 " * 20,
]

PAIRS = [
    ("A quick brown fox jumps over the lazy dog.", "A quick brown fox jumped over the lazy dog."),
    ("How old are you?", "What is your age?"),
    ("", "empty first"),
]


def default_models_dir():
    root = os.environ.get("LUCID_MODELS_DIR")
    if not root:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(cache, "lucid", "models")
    return Path(root)


def sha256_file(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default=None,
                    help=f"default: $LUCID_MODELS_DIR/{MODEL_NAME}")
    ap.add_argument("--out", default=str(mf.REPO / "tests" / "fixtures" / "goldens"))
    args = ap.parse_args()
    model_dir = Path(args.model_dir) if args.model_dir else default_models_dir() / MODEL_NAME
    out = Path(args.out)
    if not (model_dir / "model.safetensors").exists():
        sys.exit(f"{model_dir}: no model.safetensors; run tools/install-models.sh first")
    digest = sha256_file(model_dir / "model.safetensors")
    if digest != MODEL_SHA256:
        sys.exit(f"{model_dir}/model.safetensors: sha256 {digest}, expected {MODEL_SHA256}")
    out.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    st = sentence_transformers.SentenceTransformer(str(model_dir), device="cpu")
    st.eval()
    max_len = st.max_seq_length
    assert max_len == 256, max_len
    base = BertModel.from_pretrained(str(model_dir), attn_implementation="eager",
                                     dtype=torch.float32).eval()
    activation = base.config.hidden_act

    # tokenizer.json of this model carries truncation 128 and padding Fixed(128):
    # the reference settings are overridden explicitly (as sentence-transformers does).
    tok_path = model_dir / "tokenizer.json"
    tok = Tokenizer.from_file(str(tok_path))
    assert tok.truncation is not None and tok.padding is not None  # documented trap
    tok.no_padding()
    tok.enable_truncation(max_len, strategy="longest_first", stride=0)

    tensors, cases = {}, []
    with torch.no_grad():
        for i, text in enumerate(SENTENCES):
            e = tok.encode(text)
            ids = list(e.ids)
            feats = st.preprocess([text]) if hasattr(st, "preprocess") else st.tokenize([text])
            st_ids = feats["input_ids"][0].tolist()
            assert st_ids == ids, f"case {i}: sentence-transformers ids {st_ids} != tokenizer.json ids {ids}"
            emb = st.encode(text, convert_to_numpy=True)
            emb = torch.from_numpy(np.asarray(emb, dtype=np.float32)).contiguous()
            assert abs(float(emb.norm()) - 1.0) < 1e-5
            tensors[f"case{i}.emb.st"] = emb
            x = torch.tensor([ids])
            h = base(input_ids=x, token_type_ids=torch.zeros_like(x),
                     attention_mask=torch.ones_like(x)).last_hidden_state[0]
            ref = torch.nn.functional.normalize(h.mean(dim=0), dim=0)
            assert torch.allclose(ref, emb, atol=1e-5), (i, float((ref - emb).abs().max()))
            if i < LAST_HIDDEN_CASES:
                tensors[f"case{i}.last_hidden"] = h.float().contiguous()
            cases.append({"text": text, "max_length": max_len, "ids": ids, "label": None,
                          "pll": None, "pll_n": None})

    truncated = [i for i, c in enumerate(cases) if len(c["ids"]) == max_len]
    assert len(truncated) >= 4, f"four inputs must be truncated at max_seq_length, got {truncated}"
    sims = {
        "near_duplicates": float(tensors["case16.emb.st"] @ tensors["case17.emb.st"]),
        "paraphrase_finance": float(tensors["case31.emb.st"] @ tensors["case32.emb.st"]),
        "unrelated": float(tensors["case3.emb.st"] @ tensors["case27.emb.st"]),
    }
    assert sims["near_duplicates"] > 0.9 and sims["near_duplicates"] > sims["unrelated"], sims

    header = {
        "generator": GENERATOR,
        "reference": {"transformers": transformers.__version__, "torch": torch.__version__,
                      "sentence-transformers": sentence_transformers.__version__,
                      "tokenizers": tokenizers.__version__},
        "model_dir": f"@MODELS@/{MODEL_NAME}",
        "model_sha256": MODEL_SHA256,
        "activation": activation,
        "tensors": "text-minilm.safetensors",
        "notes": (
            "@MODELS@ = $LUCID_MODELS_DIR (default $XDG_CACHE_HOME/lucid/models); install with "
            "tools/install-models.sh. ids from tokenizer.json with truncation at max_length "
            "(sentence_bert_config max_seq_length 256) and NO padding (the file itself says "
            "truncation 128 / padding Fixed 128: ignore those). emb.st = "
            "SentenceTransformer.encode (mean pooling + L2 normalisation), float32; "
            f"last_hidden [len,384] only for cases 0..{LAST_HIDDEN_CASES - 1}. "
            f"Cosine checks: {', '.join(f'{k} {v:.4f}' for k, v in sims.items())}."
        ),
    }
    save_file(tensors, str(out / "text-minilm.safetensors"), metadata={"generator": GENERATOR})
    mf.dump_golden_json(out / "text-minilm.json", header, cases)

    # tokenizer goldens: the sentences at the model's truncation (256), the
    # shared tokenizer strings at 256, pairs, and some cases without truncation.
    strings, source = mf.tokenizer_strings()
    no_trunc = [(s, 0) for s in SENTENCES[:8] + [LONG_PARAGRAPH]] + [(s, 0) for s in strings[:12]]
    tg = mf.tokenizer_golden(tok_path, SENTENCES + strings, PAIRS,
                             [(LONG_PARAGRAPH, None), (SENTENCES[16], SENTENCES[17]),
                              (LONG_PARAGRAPH, SENTENCES[3])],
                             f"@MODELS@/{MODEL_NAME}", default_max=max_len,
                             max_length_cases=no_trunc)
    mf.dump_golden_json(out / "tokenizer-minilm.json",
                        {k: v for k, v in tg.items() if k != "cases"}, tg["cases"])

    lens = [len(c["ids"]) for c in cases]
    print(f"minilm: {len(cases)} cases (truncated: {truncated}), lengths {lens}")
    print(f"  similarities: {sims}")
    print(f"tokenizer-minilm: {len(tg['cases'])} cases; strings from {source or 'built-in list'}")
    for f in ("text-minilm.json", "text-minilm.safetensors", "tokenizer-minilm.json"):
        print(f"  {f}: {(out / f).stat().st_size} bytes")


if __name__ == "__main__":
    sys.exit(main())
