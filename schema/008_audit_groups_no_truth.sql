-- NNN_audit_groups_no_truth.sql — events without ground truth in the
-- per-group counts (docs/audit.md, "Events without truth").
--
-- lucidaudit (missing-truth=prediction-only, the default) now keeps a
-- prediction whose truth is unknown in its group: it counts for the
-- figures that read the predictions only (selection rate, demographic /
-- statistical parity, disparate impact, Aequitas' ppr and pprev) and not
-- for the truth-based ones.  Each "lucid-audit-group" of a window payload
-- therefore carries, beside n, tp, fp, tn, fn (the events WITH truth,
-- unchanged in meaning), the events without truth:
--
--   n_no_truth       their count
--   pp_no_truth      their weighted predicted positives
--   pn_no_truth      their weighted predicted negatives
--   too_small_truth  0 < n < min_group_size: left out of the truth-based
--                    figures (too_small now reads 0 < n + n_no_truth <
--                    min_group_size, the prediction-only figures' test)
--
-- so a group's selection rate is (tp + fp + pp_no_truth) / (tp + fp + tn +
-- fn + pp_no_truth + pn_no_truth).  Groups logged before this migration
-- never held an event without truth (lucidaudit left them out, or counted
-- them as negatives with missing-truth=negative): their three counts read
-- 0 (the column default, which is exact for them) and too_small_truth NULL
-- (it equalled too_small then).  The window trigger is recreated to fill
-- the new columns; nothing else changes.
--
-- SPDX-License-Identifier: LGPL-2.1-or-later

ALTER TABLE audit_groups ADD COLUMN n_no_truth INTEGER DEFAULT 0;
ALTER TABLE audit_groups ADD COLUMN pp_no_truth REAL DEFAULT 0;
ALTER TABLE audit_groups ADD COLUMN pn_no_truth REAL DEFAULT 0;
ALTER TABLE audit_groups ADD COLUMN too_small_truth INTEGER;

DROP TRIGGER audit_log_explode_window;
CREATE TRIGGER audit_log_explode_window AFTER INSERT ON audit_log
WHEN NEW.kind = 'audit-window' AND json_type(NEW.payload) = 'object'
BEGIN
  INSERT INTO audit_windows
  SELECT NEW.seq, NEW.created_at, NEW.run_id,
         json_extract(NEW.payload, '$.element'),
         json_extract(NEW.payload, '$.convention'),
         json_extract(NEW.payload, '$.class'),
         json_extract(NEW.payload, '$.window'),
         json_extract(NEW.payload, '$.unit'),
         json_extract(NEW.payload, '$.index'),
         json_extract(NEW.payload, '$.start'),
         json_extract(NEW.payload, '$.end'),
         json_extract(NEW.payload, '$.partial'),
         json_extract(NEW.payload, '$.n_events'),
         json_extract(NEW.payload, '$.n_late'),
         json_extract(NEW.payload, '$.n_no_truth'),
         json_extract(NEW.payload, '$.n_no_group'),
         json_extract(NEW.payload, '$.n_boot'),
         json_extract(NEW.payload, '$.level'),
         json_extract(NEW.payload, '$.min_group_size'),
         json_extract(NEW.payload, '$.pts'),
         json_extract(NEW.payload, '$.stream_time'),
         json_extract(NEW.payload, '$.running_time'),
         json_extract(NEW.payload, '$.stream_id'),
         json_extract(NEW.payload, '$.stream');
  INSERT INTO audit_groups (window_seq, grouping, group_key, n, tp, fp, tn,
                            fn, too_small, n_no_truth, pp_no_truth,
                            pn_no_truth, too_small_truth)
  SELECT NEW.seq,
         json_extract(g.value, '$.grouping'),
         json_extract(g.value, '$.group'),
         json_extract(g.value, '$.n'),
         json_extract(g.value, '$.tp'), json_extract(g.value, '$.fp'),
         json_extract(g.value, '$.tn'), json_extract(g.value, '$.fn'),
         json_extract(g.value, '$.too_small'),
         json_extract(g.value, '$.n_no_truth'),
         json_extract(g.value, '$.pp_no_truth'),
         json_extract(g.value, '$.pn_no_truth'),
         json_extract(g.value, '$.too_small_truth')
  FROM json_each(NEW.payload, '$.groups') AS g
  WHERE json_type(NEW.payload, '$.groups') = 'array';
  INSERT INTO audit_group_figures
  SELECT NEW.seq,
         json_extract(f.value, '$.grouping'),
         json_extract(f.value, '$.group'),
         json_extract(f.value, '$.metric'),
         json_extract(f.value, '$.value'),
         json_extract(f.value, '$.reason'),
         json_extract(f.value, '$.lower'),
         json_extract(f.value, '$.upper'),
         json_extract(f.value, '$.n_boot_valid')
  FROM json_each(NEW.payload, '$.figures') AS f
  WHERE json_type(NEW.payload, '$.figures') = 'array'
    AND json_type(f.value, '$.group') = 'text';
  INSERT INTO audit_between_figures
  SELECT NEW.seq,
         json_extract(f.value, '$.grouping'),
         json_extract(f.value, '$.metric'),
         json_extract(f.value, '$.value'),
         json_extract(f.value, '$.reason'),
         json_extract(f.value, '$.lower'),
         json_extract(f.value, '$.upper'),
         json_extract(f.value, '$.n_boot_valid')
  FROM json_each(NEW.payload, '$.figures') AS f
  WHERE json_type(NEW.payload, '$.figures') = 'array'
    AND json_type(f.value, '$.group') IS NULL;
END;
