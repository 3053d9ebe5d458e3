#!/usr/bin/env python3
"""Writes the seed corpora of lucidd's fuzz targets:
tests/fuzz/corpus/pipeline-file/* (pipeline files) and
tests/fuzz/corpus/request/* (control API request bodies).

Usage: tools/make_daemon_fuzz_corpus.py [SOURCE_ROOT]

Valid inputs, and inputs that reach each refusal of the parsers; the
'fuzz' test suite replays them on every run. Re-runnable.
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import os
import sys

PIPELINE_SEEDS = {
    'full.pipeline': b'# a comment\nname = talk\nrestart = always\nenabled = false\n'
                     b'stall-timeout = 30\ninput = src\n---\nfilesrc name=src ! subparse !\n'
                     b'  # inside the body\n  lucidsink location=${db}\n',
    'minimal.pipeline': b'---\nfakesrc ! fakesink\n',
    'crlf.pipeline': b'restart = never\r\n---\r\nfakesrc ! fakesink\r\n',
    'no-separator.pipeline': b'name = x\nfakesrc ! fakesink\n',
    'empty-body.pipeline': b'name = x\n---\n# nothing\n',
    'unknown-key.pipeline': b'colour = blue\n---\nfakesrc ! fakesink\n',
    'dup-key.pipeline': b'name = a\nname = b\n---\nfakesrc ! fakesink\n',
    'bad-restart.pipeline': b'restart = sometimes\n---\nfakesrc ! fakesink\n',
    'bad-bool.pipeline': b'enabled = maybe\n---\nfakesrc ! fakesink\n',
    'bad-stall.pipeline': b'stall-timeout = -1\n---\nfakesrc ! fakesink\n',
    'bad-name.pipeline': b'name = ../etc\n---\nfakesrc ! fakesink\n',
    'unknown-var.pipeline': b'---\nfilesrc location=${nope} ! fakesink\n',
    'unterminated-var.pipeline': b'---\nfilesrc location=${data ! fakesink\n',
    'vars.pipeline': b'---\nfilesrc location=${data}/a${data}/b ! lucidsink location=${db}\n',
    'nul.pipeline': b'---\nfakesrc \x00! fakesink\n',
    'latin1.pipeline': b'---\nfilesrc location=/caf\xe9 ! fakesink\n',
    'no-equals.pipeline': b'just words\n---\nfakesrc ! fakesink\n',
}

REQUEST_SEEDS = {
    'create.json': b'{"name": "a", "pipeline": "fakesrc ! fakesink", "restart": "always", '
                   b'"start": false, "stall_timeout": 5}',
    'create-min.json': b'{"name":"a","pipeline":"fakesrc ! fakesink"}',
    'run.json': b'{"input": "/data/talk.srt"}',
    'run-uri.json': b'{"input": "file:///data/talk.srt"}',
    'dup-key.json': b'{"name":"a","name":"b","pipeline":"x"}',
    'unknown.json': b'{"name":"a","pipeline":"x","extra":1}',
    'bad-name.json': b'{"name":"../a","pipeline":"x"}',
    'bad-type.json': b'{"name":1,"pipeline":"x"}',
    'bad-restart.json': b'{"name":"a","pipeline":"x","restart":"sometimes"}',
    'big-stall.json': b'{"name":"a","pipeline":"x","stall_timeout":1e30}',
    'neg-stall.json': b'{"name":"a","pipeline":"x","stall_timeout":-1}',
    'array.json': b'[1, 2, 3]',
    'truncated.json': b'{"name": "a", ',
    'empty.json': b'',
    'empty-input.json': b'{"input": ""}',
    'query.json': b'{"sql": "SELECT count(*) FROM results"}',
    'query-empty.json': b'{"sql": ""}',
    'nested.json': b'{"name": {"a": [[[[1]]]]}, "pipeline": "x"}',
}


def write_all(directory, seeds):
    os.makedirs(directory, exist_ok=True)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(directory, name), 'wb') as f:
            f.write(data)
    print('%s: %d seeds' % (directory, len(seeds)))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.normpath(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
    corpus = os.path.join(root, 'tests', 'fuzz', 'corpus')
    write_all(os.path.join(corpus, 'pipeline-file'), PIPELINE_SEEDS)
    write_all(os.path.join(corpus, 'request'), REQUEST_SEEDS)


if __name__ == '__main__':
    main()
