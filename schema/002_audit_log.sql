-- 002_audit_log.sql — the tamper-evident audit log (docs/audit.md, "The
-- audit log").
--
-- Append-only: the triggers below refuse UPDATE and DELETE. Rows are written
-- only by Lucid's store writer (core/lucid-store-logwriter.c), which assigns
-- seq (1, 2, 3, ... without gaps) and computes, inside its BEGIN IMMEDIATE
-- transaction,
--   leaf  = SHA-256(0x00 ‖ canonical(seq, created_at, run_id, kind, payload))
--   chain = SHA-256(chain of row seq-1 ‖ leaf)   (32 zero bytes before row 1)
-- Rows of kind 'checkpoint' hold, in payload, the RFC 6962 Merkle tree root
-- over the leaves of all rows before them, signed with Ed25519 when the
-- writer has a key. Verify with lucid-verify (or lucid_audit_log_verify()).
--
-- SPDX-License-Identifier: LGPL-2.1-or-later

CREATE TABLE audit_log (
  seq        INTEGER PRIMARY KEY,   -- 1, 2, 3, ... chain order
  created_at TEXT NOT NULL,         -- ISO-8601 UTC with microseconds
  run_id     INTEGER REFERENCES runs (id),
  kind       TEXT NOT NULL,         -- 'run-start', 'run-end', 'model',
                                    -- 'checkpoint', 'audit-window',
                                    -- 'audit-alert', ...
  payload    TEXT NOT NULL CHECK (json_valid(payload)),
  leaf       BLOB NOT NULL CHECK (length(leaf) = 32),
  chain      BLOB NOT NULL CHECK (length(chain) = 32)
);
CREATE INDEX audit_log_run ON audit_log (run_id);
CREATE INDEX audit_log_kind ON audit_log (kind, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE (ABORT, 'audit_log is append-only: rows cannot be updated');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE (ABORT, 'audit_log is append-only: rows cannot be deleted');
END;

-- Checkpoints, one row each, with their fields taken out of the payload.
CREATE VIEW audit_checkpoints AS
SELECT seq,
       created_at,
       json_extract(payload, '$.tree_size')  AS tree_size,
       json_extract(payload, '$.root')       AS root,
       json_extract(payload, '$.reason')     AS reason,
       json_extract(payload, '$.public_key') AS public_key,
       json_extract(payload, '$.signature') IS NOT NULL AS signed
FROM audit_log
WHERE kind = 'checkpoint';
