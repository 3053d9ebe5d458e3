#!/usr/bin/env bash
# Mistakes that used to look like a fair pipeline, or abort the process,
# through real gst-launch-1.0 -m pipelines: the tiny fixture model scores
# talk.srt's 12 cues (labels negative/neutral/positive) and lucidaudit
# audits them with the annotations tests/data/talk-audit-missing-truth.csv.
# - positive-label=positve: a warning naming the labels the results carry;
# - truth values that never equal the positive label: a warning at start;
# - groupings=gendr, privileged=gendr=m: a warning naming the groups;
# - privileged=gender (no '='), groupings=gender=f: an error at start;
# - window=sliding window-size=65536 window-slide=1 n-boot=100000 (legal
#   properties, 420 GB per group): a clear error at start, gst-launch's exit status 255,
#   not a GLib abort (without max-memory it died in g_renew).
# SPDX-License-Identifier: LGPL-2.1-or-later
. "$(dirname "$0")/lib.sh"
model="$LUCID_FIXTURES_DIR/tiny-bert"
srt="$DATA/talk.srt"
ann="$DATA/talk-audit-missing-truth.csv"

# run NAME LUCIDAUDIT-PROPERTIES...: the pipeline's output in $TMP/NAME.log,
# its exit status in $TMP/NAME.rc.
run() {
  local name=$1
  shift
  set +e
  timeout 120 gst-launch-1.0 -m filesrc location="$srt" ! subparse ! \
    lucidtextenc model="$model" ! \
    lucidaudit annotations="$ann" window=tumbling window-size=6 n-boot=0 "$@" ! \
    fakesink > "$TMP/$name.log" 2>&1
  echo $? > "$TMP/$name.rc"
  set -e
}
# warnings NAME TEXT: how many WARNING lines of NAME's run hold TEXT.
warnings() { grep -c -F -- "$2" <(grep '^WARNING: from element' "$TMP/$1.log") || true; }
errors() { grep -c -F -- "$2" <(grep '^ERROR: from element' "$TMP/$1.log") || true; }

run good positive-label=positive groupings=gender convention=aif360 privileged=gender=m unprivileged=gender=f
expect_eq "a right configuration: exit status" "$(cat "$TMP/good.rc")" 0
expect_eq "a right configuration: no warning" "$(grep -c '^WARNING' "$TMP/good.log" || true)" 0
expect_eq "a right configuration: two windows" "$(grep -c 'lucid-audit, element' "$TMP/good.log" || true)" 2

run label positive-label=positve
expect_eq "positive-label typo: exit status" "$(cat "$TMP/label.rc")" 0
expect_eq "positive-label typo: one warning naming the labels" \
  "$(warnings label "positive-label 'positve' is none of the labels of the audited results (labels seen: negative, neutral, positive)")" 1
expect_eq "positive-label typo: the truth values are named too" \
  "$(warnings label "equals positive-label 'positve' (truth values: positive, negative)")" 1

sed 's/,positive,/,pos,/; s/,negative,/,neg,/' "$ann" > "$TMP/pos.csv"
run truth positive-label=positive annotations="$TMP/pos.csv"
expect_eq "truth never positive: only a warning (exit status)" "$(cat "$TMP/truth.rc")" 0
expect_eq "truth never positive: one warning at start" \
  "$(warnings truth "no ground truth in annotations file '$TMP/pos.csv' equals positive-label 'positive' (truth values: pos, neg)")" 1

run grouping positive-label=positive groupings=gendr
expect_eq "groupings typo: exit status" "$(cat "$TMP/grouping.rc")" 0
expect_eq "groupings typo: one warning naming the groups" \
  "$(warnings grouping "grouping 'gendr': no group has attribute 'gendr' (groups so far: age=old;gender=f")" 1

run cond positive-label=positive convention=aif360 privileged=gendr=m unprivileged=gender=f
expect_eq "condition typo: only a warning (exit status)" "$(cat "$TMP/cond.rc")" 0
expect_eq "condition typo: one warning" \
  "$(warnings cond "privileged condition 'gendr=m' matches no group")" 1

run syntax positive-label=positive convention=aif360 privileged=gender unprivileged=gender=f
expect_eq "condition without '=': refused (exit status)" "$(cat "$TMP/syntax.rc")" 255
expect_eq "condition without '=': the error names it" \
  "$(errors syntax "privileged condition 'gender': expected attribute=value pairs joined by ';'")" 1

run gsyntax positive-label=positive groupings=gender=f
expect_eq "grouping attribute=value: refused (exit status)" "$(cat "$TMP/gsyntax.rc")" 255
expect_eq "grouping attribute=value: refused" "$(errors gsyntax "grouping 'gender=f': 'gender=f' is not an attribute name")" 1

run huge positive-label=positive window=sliding window-size=65536 window-slide=1 n-boot=100000
expect_eq "huge window: exit status 255, gst-launch's error (an abort is 133 or 134)" "$(cat "$TMP/huge.rc")" 255
expect_eq "huge window: the error says what it needs" \
  "$(errors huge "window=sliding window-size=65536 window-slide=1 n-boot=100000 needs 419440994368 bytes per group (65537 buckets x (1 + n-boot) replicate tables x 64 bytes), above max-memory=1073741824")" 1
expect_eq "huge window: no GLib error" "$(grep -c 'GLib-ERROR\|failed to allocate' "$TMP/huge.log" || true)" 0
finish
