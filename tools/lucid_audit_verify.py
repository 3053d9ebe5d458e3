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


def read_key(path):
    """(kind, 32 bytes) from a key file (docs/audit.md, "Keys")."""
    found = None
    with open(path, "rb") as f:
        for raw in f.read().split(b"\n"):
            line = raw.strip(b" \t\r")
            if not line or line.startswith(b"#"):
                continue
            parts = line.split()
            if len(parts) != 2 or found is not None:
                sys.exit("%s: malformed key file" % path)
            found = (parts[0].decode(), bytes.fromhex(parts[1].decode()))
    if found is None or len(found[1]) != 32:
        sys.exit("%s: no key" % path)
    return found


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


def verify(args):
    con = sqlite3.connect("file:%s?mode=ro" % args.db, uri=True)
    con.text_factory = bytes
    trusted = None
    if args.public_key:
        kind, trusted = read_key(args.public_key)
        if kind != "ed25519-public-key":
            sys.exit("%s: not a public key file" % args.public_key)
    expect = bytes.fromhex(args.expect_root) if args.expect_root else None
    if args.min_signed_size is not None and (args.min_signed_size <= 0
                                             or trusted is None):
        sys.stderr.write("--min-signed-size needs a positive N and --public-key\n")
        return 2
    leaves, prev, report = [], bytes(32), {"ok": True, "bad_seq": None,
                                          "problem": None, "expect_root_size": None,
                                          "signed_tree_size": None}

    if expect is not None and expect == mth([]):
        report["expect_root_size"] = 0  # every log extends the empty one

    def bad(seq, problem):
        report.update(ok=False, bad_seq=seq, problem=problem)

    for (seq, cc, c, cr, r, ck, k, cp, p, leaf, chain) in rows(con):
        if seq != len(leaves) + 1:
            bad(seq, "seq")
            break
        mine = leaf_of(seq, cc, c, cr, r, ck, k, cp, p)
        if mine != leaf:
            bad(seq, "leaf")
            break
        if sha256(prev + mine) != chain:
            bad(seq, "chain")
            break
        if ck == "text" and k == b"checkpoint":
            body = json.loads(p.decode("utf-8"))
            if body["tree_size"] != seq - 1 or bytes.fromhex(body["root"]) != mth(leaves):
                bad(seq, "checkpoint root")
                break
            signed = "signature" in body
            if signed:
                pk = bytes.fromhex(body["public_key"])
                if not check_sig(pk, body["tree_size"], bytes.fromhex(body["root"]),
                                 bytes.fromhex(body["signature"])):
                    bad(seq, "signature")
                    break
            if trusted is not None and (not signed or pk != trusted):
                bad(seq, "not signed by the given key")
                break
            if signed:
                report["signed_tree_size"] = body["tree_size"]
        prev = chain
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
    r = sub.add_parser("reseal")
    r.add_argument("db")
    r.add_argument("--sign-key")
    args = ap.parse_args()
    return verify(args) if args.cmd == "verify" else reseal(args)


if __name__ == "__main__":
    sys.exit(main())
