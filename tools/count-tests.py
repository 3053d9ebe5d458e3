#!/usr/bin/env python3
"""Prints 'PASSED FAILED SKIPPED' from a meson testlog.json (one JSON per line)."""
import json
import sys

passed = failed = skipped = 0
with open(sys.argv[1], encoding='utf-8') as f:
    for line in f:
        if not line.strip():
            continue
        result = json.loads(line).get('result', '')
        if result in ('OK', 'EXPECTEDFAIL'):
            passed += 1
        elif result == 'SKIP':
            skipped += 1
        else:
            failed += 1
print(passed, failed, skipped)
