-- NNN_audit_derived_insert_guard.sql — the tables derived from the audit
-- log refuse a row that does not belong to the log entry being written
-- (docs/audit.md, "Audit figures in SQLite" and "Guarantees").
--
-- The derived tables (audit_windows, audit_groups, audit_group_figures,
-- audit_between_figures, audit_references, audit_verdicts, audit_alerts)
-- are filled only by the AFTER INSERT triggers on audit_log, inside the
-- writer's transaction, while the entry they come from is the newest row
-- of the log.  They already refused UPDATE and DELETE, but a plain INSERT
-- (say a demographic_parity_ratio row for an old window) went in and
-- showed up in the views while the log still verified.  The BEFORE INSERT
-- triggers below accept a row only when its seq / window_seq is the newest
-- audit_log seq and that entry has the right kind ('audit-window', or
-- 'audit-alert' for audit_alerts), and audit_windows / audit_alerts take
-- one row per entry.  What they cannot tell apart (SQLite has no way to
-- know a row comes from a trigger): a row added for the newest window
-- before the next log entry is written.  lucid-verify re-derives every
-- derived row from the signed payloads and names any row that differs
-- (the "derived tables" check), which also catches rows changed with
-- these triggers dropped.  Existing rows are untouched.
--
-- SPDX-License-Identifier: LGPL-2.1-or-later

CREATE TRIGGER audit_windows_insert_guard BEFORE INSERT ON audit_windows
WHEN NEW.seq IS NOT (SELECT max(seq) FROM audit_log)
  OR (SELECT kind FROM audit_log WHERE seq = NEW.seq) IS NOT 'audit-window'
  OR EXISTS (SELECT 1 FROM audit_windows WHERE seq = NEW.seq)
BEGIN SELECT RAISE (ABORT, 'audit_windows is derived from the audit log: rows are added only by its triggers, for the log entry being written'); END;
CREATE TRIGGER audit_groups_insert_guard BEFORE INSERT ON audit_groups
WHEN NEW.window_seq IS NOT (SELECT max(seq) FROM audit_log)
  OR (SELECT kind FROM audit_log WHERE seq = NEW.window_seq) IS NOT 'audit-window'
BEGIN SELECT RAISE (ABORT, 'audit_groups is derived from the audit log: rows are added only by its triggers, for the log entry being written'); END;
CREATE TRIGGER audit_group_figures_insert_guard BEFORE INSERT ON audit_group_figures
WHEN NEW.window_seq IS NOT (SELECT max(seq) FROM audit_log)
  OR (SELECT kind FROM audit_log WHERE seq = NEW.window_seq) IS NOT 'audit-window'
BEGIN SELECT RAISE (ABORT, 'audit_group_figures is derived from the audit log: rows are added only by its triggers, for the log entry being written'); END;
CREATE TRIGGER audit_between_figures_insert_guard BEFORE INSERT ON audit_between_figures
WHEN NEW.window_seq IS NOT (SELECT max(seq) FROM audit_log)
  OR (SELECT kind FROM audit_log WHERE seq = NEW.window_seq) IS NOT 'audit-window'
BEGIN SELECT RAISE (ABORT, 'audit_between_figures is derived from the audit log: rows are added only by its triggers, for the log entry being written'); END;
CREATE TRIGGER audit_references_insert_guard BEFORE INSERT ON audit_references
WHEN NEW.window_seq IS NOT (SELECT max(seq) FROM audit_log)
  OR (SELECT kind FROM audit_log WHERE seq = NEW.window_seq) IS NOT 'audit-window'
BEGIN SELECT RAISE (ABORT, 'audit_references is derived from the audit log: rows are added only by its triggers, for the log entry being written'); END;
CREATE TRIGGER audit_verdicts_insert_guard BEFORE INSERT ON audit_verdicts
WHEN NEW.window_seq IS NOT (SELECT max(seq) FROM audit_log)
  OR (SELECT kind FROM audit_log WHERE seq = NEW.window_seq) IS NOT 'audit-window'
BEGIN SELECT RAISE (ABORT, 'audit_verdicts is derived from the audit log: rows are added only by its triggers, for the log entry being written'); END;
CREATE TRIGGER audit_alerts_insert_guard BEFORE INSERT ON audit_alerts
WHEN NEW.seq IS NOT (SELECT max(seq) FROM audit_log)
  OR (SELECT kind FROM audit_log WHERE seq = NEW.seq) IS NOT 'audit-alert'
  OR EXISTS (SELECT 1 FROM audit_alerts WHERE seq = NEW.seq)
BEGIN SELECT RAISE (ABORT, 'audit_alerts is derived from the audit log: rows are added only by its triggers, for the log entry being written'); END;
