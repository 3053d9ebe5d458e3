#!/usr/bin/env python3
"""Seed corpus for tests/fuzz/fuzz-audit-key.c: key files (valid and
broken) and checkpoint payloads (valid and broken), written to
tests/fuzz/corpus/audit-key/. Re-runnable; deterministic.
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import os
import sys

HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
ROOT = "ab" * 32
SIG = "cd" * 64


def seeds():
    return {
        "secret.key": ("# Lucid audit log signing key\n"
                       "ed25519-secret-key %s\n" % HEX).encode(),
        "public.key": ("ed25519-public-key %s\n" % HEX).encode(),
        "crlf.key": ("\r\n  ed25519-public-key\t%s  \r\n# end\r\n" % HEX.upper()).encode(),
        "bad-two-keys.key": ("ed25519-public-key %s\ned25519-secret-key %s\n"
                             % (HEX, HEX)).encode(),
        "bad-short.key": b"ed25519-public-key 0011\n",
        "bad-nul.key": b"ed25519-public-key \x00" + HEX.encode() + b"\n",
        "bad-tag.key": b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG\n",
        "empty.key": b"",
        "cp-unsigned.json": ('{"tree_size":41,"root":"%s","reason":"flush"}'
                             % ROOT).encode(),
        "cp-signed.json": ('{"tree_size":7,"root":"%s","reason":"run-end",'
                           '"public_key":"%s","signature":"%s"}'
                           % (ROOT, HEX, SIG)).encode(),
        "cp-bad-half-signed.json": ('{"tree_size":7,"root":"%s","reason":"x",'
                                    '"public_key":"%s"}' % (ROOT, HEX)).encode(),
        "cp-bad-size.json": ('{"tree_size":-1,"root":"%s","reason":"x"}'
                             % ROOT).encode(),
        "cp-bad-huge.json": ('{"tree_size":1e30,"root":"%s","reason":"x"}'
                             % ROOT).encode(),
        "cp-bad-root.json": b'{"tree_size":1,"root":"zz","reason":"x"}',
        "cp-bad-dup.json": ('{"tree_size":1,"tree_size":2,"root":"%s","reason":"x"}'
                            % ROOT).encode(),
        "cp-bad-array.json": b'[1, 2, 3]',
    }


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.normpath(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    out = os.path.join(root, "tests", "fuzz", "corpus", "audit-key")
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(seeds().items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("%s: %d seeds" % (out, len(seeds())))


if __name__ == "__main__":
    main()
