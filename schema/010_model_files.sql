-- 010_model_files.sql — a model's identity covers every file Lucid reads
-- from its directory, not only the weights.
--
-- Before this migration a models row was (dir, weights SHA-256) plus the
-- text of config.json when first seen: two runs of one directory that
-- differed only in preprocessor_config.json (resample, size, crop, mean and
-- std) or in the tokenizer files got the same row, so the same provenance.
-- Now lucidsink records the SHA-256 of each such file (`files`, a JSON
-- object file name -> hex SHA-256), one digest over them (`files_sha256`,
-- the SHA-256 of the `files` text), and the text of
-- preprocessor_config.json (`preprocessor`); a directory whose files change
-- gets a new row. Rows written before this migration keep files = NULL and
-- files_sha256 = '' (not recorded).
--
-- SQLite cannot change a table's UNIQUE constraint, so the table is
-- rebuilt (SQLite's documented 12-step procedure): the store runs its
-- migrations with foreign keys off and checks PRAGMA foreign_key_check
-- before committing. Views that read models are dropped first (RENAME
-- refuses to run while a view names a missing table) and created again,
-- with the new columns.
--
-- SPDX-License-Identifier: LGPL-2.1-or-later

DROP VIEW latest_results;
DROP VIEW results_with_provenance;
DROP VIEW embeddings_with_provenance;

CREATE TABLE models_new (
  id           INTEGER PRIMARY KEY,
  dir          TEXT NOT NULL,   -- as given by the user (model=DIR)
  sha256       TEXT NOT NULL,   -- hex SHA-256 of the weights
  family       TEXT,            -- config.json model_type, e.g. 'bert'
  config       TEXT             -- config.json text as read at first sight
               CHECK (config IS NULL OR json_valid(config)),
  first_seen   TEXT NOT NULL,
  files        TEXT             -- {"config.json": "<hex sha256>", ...}
               CHECK (files IS NULL OR json_valid(files)),
  files_sha256 TEXT NOT NULL DEFAULT '',  -- SHA-256 of the files text
  preprocessor TEXT             -- preprocessor_config.json text
               CHECK (preprocessor IS NULL OR json_valid(preprocessor)),
  UNIQUE (dir, sha256, files_sha256)
);
INSERT INTO models_new (id, dir, sha256, family, config, first_seen)
  SELECT id, dir, sha256, family, config, first_seen FROM models;
DROP TABLE models;
ALTER TABLE models_new RENAME TO models;
CREATE INDEX models_sha256 ON models (sha256);

-- As in 001, plus the model's files, their digest and its preprocessing.
CREATE VIEW results_with_provenance AS
SELECT
  r.id                AS result_id,
  r.run_id,
  r.element,
  r.kind,
  r.pts,
  r.duration,
  r.stream_time,
  r.running_time,
  r.pts / 1e9         AS pts_s,
  r.stream_time / 1e9 AS stream_time_s,
  r.label,
  r.score,
  r.score_null_reason,
  r.extras,
  r.created_at,
  s.id                AS stream_row_id,
  s.stream_id         AS stream,
  s.caps,
  s.sink_name,
  m.id                AS model_id,
  m.dir               AS model_dir,
  m.sha256            AS model_sha256,
  m.family            AS model_family,
  m.config            AS model_config,
  u.label             AS run_label,
  u.status            AS run_status,
  u.started_at        AS run_started_at,
  u.ended_at          AS run_ended_at,
  u.pipeline,
  u.properties,
  u.lucid_version,
  u.gst_version,
  u.host,
  m.files             AS model_files,
  m.files_sha256      AS model_files_sha256,
  m.preprocessor      AS model_preprocessor
FROM results r
JOIN runs u ON u.id = r.run_id
LEFT JOIN models m ON m.id = r.model_id
LEFT JOIN streams s ON s.id = r.stream_id;

CREATE VIEW latest_results AS
SELECT result_id, run_id, stream, sink_name, element, kind, pts, stream_time,
       label, score, score_null_reason, extras, model_dir, created_at
FROM (
  SELECT p.*, row_number() OVER (
           PARTITION BY p.stream_row_id, p.element, p.kind
           ORDER BY p.result_id DESC) AS rn
  FROM results_with_provenance p
)
WHERE rn = 1;

CREATE VIEW embeddings_with_provenance AS
SELECT e.result_id, e.dim, e.vector,
       r.run_id, r.element, r.kind, r.pts, r.stream_time, r.label, r.extras,
       s.stream_id AS stream,
       m.dir       AS model_dir,
       m.sha256    AS model_sha256,
       m.files_sha256 AS model_files_sha256
FROM embeddings e
JOIN results r ON r.id = e.result_id
LEFT JOIN streams s ON s.id = r.stream_id
LEFT JOIN models m ON m.id = r.model_id;
