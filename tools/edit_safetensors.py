#!/usr/bin/env python3
"""Rewrites a .safetensors file with one tensor dropped or cut short, for
the bad-input tests (tests/integration/bad-input.sh).

Usage:
  tools/edit_safetensors.py FILE drop NAME
  tools/edit_safetensors.py FILE truncate-rows NAME ROWS

The result is a valid safetensors file (the format's rules: 8-byte
little-endian header length, JSON header, data offsets relative to the
data buffer, contiguous, header padded with spaces to 8 bytes), so the
loader's own checks pass and only the model's tensor checks can refuse it.
Python standard library only.
"""
import json
import struct
import sys


def main():
    if len(sys.argv) < 4 or sys.argv[2] not in ('drop', 'truncate-rows'):
        sys.exit(__doc__)
    path, op, name = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    if name not in header:
        sys.exit('%s: no tensor %s' % (path, name))

    out_header, chunks, offset = {}, [], 0
    if '__metadata__' in header:
        out_header['__metadata__'] = header['__metadata__']
    tensors = sorted((k for k in header if k != '__metadata__'),
                     key=lambda k: header[k]['data_offsets'][0])
    for key in tensors:
        entry = dict(header[key])
        begin, end = entry['data_offsets']
        blob = data[begin:end]
        if key == name and op == 'drop':
            continue
        if key == name:
            rows = int(sys.argv[4])
            shape = list(entry['shape'])
            row_bytes = len(blob) // shape[0]
            shape[0] = rows
            entry['shape'] = shape
            blob = blob[:rows * row_bytes]
        entry['data_offsets'] = [offset, offset + len(blob)]
        offset += len(blob)
        out_header[key] = entry
        chunks.append(blob)
    text = json.dumps(out_header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))


if __name__ == '__main__':
    main()
