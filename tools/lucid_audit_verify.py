#!/usr/bin/env python3
"""An independent verifier of Lucid's audit log, written from docs/audit.md
alone (no code shared with liblucid): the proof that the documented format
is enough for a third party, and a cross-check of lucid-verify in
tests/integration/audit-log.sh.

  lucid_audit_verify.py verify DB [--public-key FILE] [--expect-root HEX]
                                 [--min-signed-size N]
      prints a JSON report; exit 0 valid, 1 not valid, 2 bad arguments.
  lucid_audit_verify.py reseal DB [--sign-key FILE]
      TEST TOOL, an attacker's: renumbers seq 1..n and recomputes every
      leaf, chain and checkpoint as someone would who edited the file and
      knows the format: checkpoints whose size and root did not change keep
      their signature, the others are re-signed with FILE (or unsigned). The triggers
      must have been dropped first.

Needs only the Python standard library, plus `cryptography` (Debian
python3-cryptography) for Ed25519.
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import argparse
import hashlib
import json
import re
import sqlite3
import struct
import sys

TAGS = {"null": 0, "integer": 1, "real": 2, "text": 3, "blob": 4}
CONTEXT = b"lucid-audit-checkpoint-v1\x00"


def enc(storage_class, value):
    """One value: tag byte, 8-byte big-endian length, bytes."""
    tag = TAGS[storage_class]
    if storage_class == "null":
        body = b""
    elif storage_class == "integer":
        body = struct.pack(">q", value)
    elif storage_class == "real":
        body = struct.pack(">d", value)
    else:
        body = bytes(value)  # text_factory=bytes: TEXT as stored (UTF-8)
    return bytes([tag]) + struct.pack(">Q", len(body)) + body


def sha256(b):
    return hashlib.sha256(b).digest()


def mth(leaf_hashes):
    """RFC 6962 section 2.1 over leaf hashes (already 0x00-prefixed)."""
    n = len(leaf_hashes)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return leaf_hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return sha256(b"\x01" + mth(leaf_hashes[:k]) + mth(leaf_hashes[k:]))


HEX = re.compile(rb"\A[0-9a-fA-F]*\Z")


def unhex(text, n):
    """Exactly 2n hex digits (either case) -> n bytes, else None."""
    if isinstance(text, str):
        text = text.encode("utf-8", "replace")
    if not isinstance(text, bytes) or len(text) != 2 * n or not HEX.match(text):
        return None
    return bytes.fromhex(text.decode())


def read_key(path):
    """(kind, 32 bytes) from a key file (docs/audit.md, "Keys"): one line
    TAG HEX64 among blank and '#' lines; blanks are space, tab and CR.
    A secret key file gives its seed. Exit 2 (could not check) when bad."""
    found = None
    try:
        with open(path, "rb") as f:
            data = f.read(65537)
    except OSError as e:
        fail_usage("%s: cannot open the key file: %s" % (path, e.strerror))
    if len(data) > 65536:
        fail_usage("%s: too large for a key file" % path)
    for raw in data.split(b"\n"):
        line = raw.strip(b" \t\r")
        if not line or line.startswith(b"#"):
            continue
        parts = re.split(rb"[ \t\r]+", line)
        if (len(parts) != 2 or found is not None
                or parts[0] not in (b"ed25519-secret-key", b"ed25519-public-key")
                or unhex(parts[1], 32) is None):
            fail_usage("%s: malformed key file" % path)
        found = (parts[0].decode(), unhex(parts[1], 32))
    if found is None:
        fail_usage("%s: no key" % path)
    return found


def fail_usage(message):
    sys.stderr.write(message + "\n")
    sys.exit(2)


def ed25519():
    from cryptography.hazmat.primitives.asymmetric import ed25519 as e
    from cryptography.hazmat.primitives import serialization as s
    return e, s


def public_of_seed(seed):
    e, s = ed25519()
    pk = e.Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return pk.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)


def message(tree_size, root):
    return CONTEXT + struct.pack(">Q", tree_size) + root


def check_sig(pk, tree_size, root, sig):
    e, _ = ed25519()
    try:
        e.Ed25519PublicKey.from_public_bytes(pk).verify(sig, message(tree_size, root))
        return True
    except Exception:
        return False


def rows(con):
    """(seq, class, created_at, class, run_id, class, kind, class, payload,
    leaf, chain) per row; TEXT values as their stored bytes."""
    out = []
    for r in con.execute(
            "SELECT seq, typeof(created_at), created_at, typeof(run_id), run_id, "
            "typeof(kind), kind, typeof(payload), payload, leaf, chain "
            "FROM audit_log ORDER BY seq"):
        r = list(r)
        for i in (1, 3, 5, 7):
            r[i] = r[i].decode()
        out.append(tuple(r))
    return out


def leaf_of(seq, cls_c, c, cls_r, r, cls_k, k, cls_p, p):
    canonical = (enc("integer", seq) + enc(cls_c, c) + enc(cls_r, r)
                 + enc(cls_k, k) + enc(cls_p, p))
    return sha256(b"\x00" + canonical)


# Storage classes the writer gives each column (docs/audit.md, "Hashes and
# the canonical encoding"); run_id may also be NULL.
CLASSES = (("created_at", "text"), ("run_id", "integer"), ("kind", "text"),
           ("payload", "text"), ("leaf", "blob"), ("chain", "blob"))


def class_problem(row):
    for name, want in CLASSES:
        got = row["typeof_" + name]
        if got != want and not (name == "run_id" and got == "null"):
            return "%s is %s, expected %s" % (name, got, want)
    if len(row["leaf"]) != 32 or len(row["chain"]) != 32:
        return "leaf and chain must be 32 bytes each"
    return None


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def reject_constant(name):
    raise ValueError("%s is not JSON" % name)


def parse_checkpoint(payload):
    """The checkpoint payload as the docs define it (RFC 8259 JSON object, no
    duplicate keys; tree_size an integer >= 0; root 64 hex digits; reason a
    string; public_key (64 hex) and signature (128 hex) both or neither):
    (tree_size, root, signed, public_key, signature), or None if malformed."""
    try:
        text = payload.decode("utf-8")
        if text.startswith("\ufeff"):
            text = text[1:]
        if "\x00" in text:
            return None
        body = json.loads(text, object_pairs_hook=no_duplicates,
                          parse_constant=reject_constant)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    size = body.get("tree_size")
    if type(size) is not int or not 0 <= size < 2 ** 63:
        return None
    root = unhex(body.get("root"), 32)
    if root is None or not isinstance(body.get("reason"), str):
        return None
    if ("public_key" in body) != ("signature" in body):
        return None
    if "public_key" not in body:
        return size, root, False, None, None
    pk, sig = unhex(body["public_key"], 32), unhex(body["signature"], 64)
    if pk is None or sig is None:
        return None
    return size, root, True, pk, sig


def verify(args):
    trusted = None
    if args.public_key:
        kind, trusted = read_key(args.public_key)
        if kind == "ed25519-secret-key":  # only its public half is used
            trusted = public_of_seed(trusted)
    if args.expect_root is not None:
        expect = unhex(args.expect_root, 32)
        if expect is None:
            fail_usage("--expect-root: must be 64 hex digits")
    else:
        expect = None
    if args.min_signed_size is not None and (args.min_signed_size <= 0
                                             or trusted is None):
        fail_usage("--min-signed-size needs a positive N and --public-key")
    try:
        con = sqlite3.connect("file:%s?mode=ro" % args.db, uri=True)
        con.text_factory = bytes
        con.row_factory = sqlite3.Row
        cursor = con.execute(
            "SELECT seq, typeof(seq) AS typeof_seq, created_at, "
            "typeof(created_at) AS typeof_created_at, run_id, "
            "typeof(run_id) AS typeof_run_id, kind, typeof(kind) AS typeof_kind, "
            "payload, typeof(payload) AS typeof_payload, "
            "leaf, typeof(leaf) AS typeof_leaf, chain, typeof(chain) AS typeof_chain "
            "FROM audit_log ORDER BY seq")
    except sqlite3.Error as e:
        fail_usage("%s: cannot read the audit log: %s" % (args.db, e))
    leaves, prev, report = [], bytes(32), {"ok": True, "bad_seq": None,
                                          "problem": None, "expect_root_size": None,
                                          "signed_tree_size": None}

    if expect is not None and expect == mth([]):
        report["expect_root_size"] = 0  # every log extends the empty one

    def bad(seq, problem):
        report.update(ok=False, bad_seq=seq, problem=problem)

    for row in cursor:
        row = {k: (row[k].decode() if k.startswith("typeof_") else row[k])
               for k in row.keys()}
        seq = row["seq"]
        if row["typeof_seq"] != "integer":
            bad(len(leaves) + 1, "seq is %s" % row["typeof_seq"])
            break
        if seq != len(leaves) + 1:
            bad(seq, "seq")
            break
        problem = class_problem(row)
        if problem:
            bad(seq, problem)
            break
        mine = leaf_of(seq, row["typeof_created_at"], row["created_at"],
                       row["typeof_run_id"], row["run_id"], row["typeof_kind"],
                       row["kind"], row["typeof_payload"], row["payload"])
        if mine != row["leaf"]:
            bad(seq, "leaf")
            break
        if sha256(prev + mine) != row["chain"]:
            bad(seq, "chain")
            break
        if row["kind"] == b"checkpoint":
            cp = parse_checkpoint(row["payload"])
            if cp is None:
                bad(seq, "malformed checkpoint")
                break
            size, root, signed, pk, sig = cp
            if size != seq - 1 or root != mth(leaves):
                bad(seq, "checkpoint root")
                break
            if signed and not check_sig(pk, size, root, sig):
                bad(seq, "signature")
                break
            if trusted is not None and (not signed or pk != trusted):
                bad(seq, "not signed by the given key")
                break
            if signed:
                report["signed_tree_size"] = size
        prev = row["chain"]
        leaves.append(mine)
        if expect is not None and report["expect_root_size"] is None \
                and mth(leaves) == expect:
            report["expect_root_size"] = len(leaves)
    if report["ok"] and expect is not None and report["expect_root_size"] is None:
        bad(0, "expected root matches no prefix")
    # With a trusted key some checkpoint must be signed by it, and cover
    # --min-signed-size entries: deleting the checkpoints after a re-sealed
    # change leaves earlier signed ones that still verify (docs/audit.md).
    if report["ok"] and trusted is not None:
        if report["signed_tree_size"] is None:
            bad(0, "no checkpoint signed by the given key")
        elif args.min_signed_size and report["signed_tree_size"] < args.min_signed_size:
            bad(0, "signed tree size below --min-signed-size")
    report.update(entries=len(leaves), root=mth(leaves).hex(), head=prev.hex())
    print(json.dumps(report))
    return 0 if report["ok"] else 1


def reseal(args):
    con = sqlite3.connect(args.db)
    con.text_factory = bytes
    seed = None
    if args.sign_key:
        kind, seed = read_key(args.sign_key)
        if kind != "ed25519-secret-key":
            sys.exit("%s: not a secret key file" % args.sign_key)
    old = rows(con)
    con.execute("UPDATE audit_log SET seq = -seq")
    leaves, prev = [], bytes(32)
    for i, (seq, cc, c, cr, r, ck, k, cp, p, _, _) in enumerate(old):
        new_seq = i + 1
        if ck == "text" and k == b"checkpoint":
            body = json.loads(p.decode("utf-8"))
            unchanged = (body["tree_size"] == new_seq - 1
                         and body["root"] == mth(leaves).hex())
            if not unchanged:  # else its signature is still valid: keep it
                body["tree_size"] = new_seq - 1
                body["root"] = mth(leaves).hex()
                body.pop("public_key", None)
                body.pop("signature", None)
                if seed is not None:
                    e, _ = ed25519()
                    sig = e.Ed25519PrivateKey.from_private_bytes(seed).sign(
                        message(body["tree_size"], mth(leaves)))
                    body["public_key"] = public_of_seed(seed).hex()
                    body["signature"] = sig.hex()
                p = json.dumps(body, separators=(",", ":")).encode()
        leaf = leaf_of(new_seq, cc, c, cr, r, ck, k, cp, p)
        chain = sha256(prev + leaf)
        con.execute("UPDATE audit_log SET seq = ?, payload = CAST(? AS TEXT), "
                    "leaf = ?, chain = ? WHERE seq = ?",
                    (new_seq, p, leaf, chain, -seq))
        leaves.append(leaf)
        prev = chain
    con.commit()
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verify")
    v.add_argument("db")
    v.add_argument("--public-key")
    v.add_argument("--expect-root")
    v.add_argument("--min-signed-size", type=int)
    # lucid-verify's check of the tables derived from the log; this
    # verifier checks the log only, and accepts the options for symmetry.
    v.add_argument("--no-derived", action="store_true")
    v.add_argument("--derived", action="store_true")
    r = sub.add_parser("reseal")
    r.add_argument("db")
    r.add_argument("--sign-key")
    args = ap.parse_args()
    return verify(args) if args.cmd == "verify" else reseal(args)


if __name__ == "__main__":
    sys.exit(main())
