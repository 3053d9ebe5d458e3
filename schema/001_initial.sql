-- 001_initial.sql — runs, models, streams, results, embeddings, and the views
-- the SQL cookbook (docs/store.md) uses.
--
-- Applied by core/lucid-store.c inside BEGIN IMMEDIATE, after which
-- PRAGMA user_version = 1. Never edit a migration that has shipped: add
-- schema/NNN_name.sql instead.
--
-- Units and conventions
--   *_at         ISO-8601 UTC text with microseconds, "2024-05-01T12:00:00.123456Z"
--                (SQLite's date functions read it: datetime(started_at)).
--   pts, duration, stream_time, running_time
--                nanoseconds (INTEGER), NULL when unknown (GST_CLOCK_TIME_NONE,
--                or a timestamp outside the segment).
--   JSON columns hold valid JSON (checked); NaN and infinities are null there.
--   A REAL that can be NaN (score) is stored as NULL, and its *_null_reason
--   column says why: 'nan' (the producer computed NaN) or 'absent' (the
--   producer gave no score). The reason is NULL exactly when the value is not.
--
-- SPDX-License-Identifier: LGPL-2.1-or-later

-- One row per lucidsink start (a pipeline run), with everything needed to
-- reproduce it.
CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  started_at    TEXT NOT NULL,
  ended_at      TEXT,
  status        TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'eos', 'stopped', 'error')),
  pipeline      TEXT,           -- the gst-launch-1.0 pipeline string
  properties    TEXT            -- JSON: every element's non-default settings
                CHECK (properties IS NULL OR json_valid(properties)),
  lucid_version TEXT NOT NULL,
  gst_version   TEXT,
  host          TEXT,
  label         TEXT            -- lucidsink run-label
);

-- One row per model directory and weights digest ever seen in this file.
CREATE TABLE models (
  id         INTEGER PRIMARY KEY,
  dir        TEXT NOT NULL,     -- as given by the user (model=DIR)
  sha256     TEXT NOT NULL,     -- hex SHA-256 of the weights
  family     TEXT,              -- config.json model_type, e.g. 'bert'
  config     TEXT               -- config.json text as read at first sight
             CHECK (config IS NULL OR json_valid(config)),
  first_seen TEXT NOT NULL,
  UNIQUE (dir, sha256)
);
CREATE INDEX models_sha256 ON models (sha256);

-- One row per GStreamer stream (STREAM_START) a sink saw in a run.
CREATE TABLE streams (
  id        INTEGER PRIMARY KEY,
  run_id    INTEGER NOT NULL REFERENCES runs (id),
  stream_id TEXT,               -- the STREAM_START stream-id, NULL if none
  caps      TEXT,               -- caps when the stream's first result arrived
  sink_name TEXT NOT NULL       -- the lucidsink element's name
);
CREATE INDEX streams_run ON streams (run_id);

-- One row per result structure ("lucid-result" meta, see plugins/lucidmeta.h).
-- results.stream_id refers to streams.id (not to the STREAM_START string).
CREATE TABLE results (
  id                INTEGER PRIMARY KEY,
  run_id            INTEGER NOT NULL REFERENCES runs (id),
  stream_id         INTEGER REFERENCES streams (id),
  model_id          INTEGER REFERENCES models (id),
  element           TEXT NOT NULL,  -- producing element's name
  kind              TEXT NOT NULL,  -- 'embedding' | 'labels' | 'pll' | ...
  pts               INTEGER,        -- ns
  duration          INTEGER,        -- ns
  stream_time       INTEGER,        -- ns, position in the media
  running_time      INTEGER,        -- ns, pipeline clock time of the buffer
  label             TEXT,
  score             REAL,
  score_null_reason TEXT CHECK (score_null_reason IN ('nan', 'absent')),
  extras            TEXT CHECK (extras IS NULL OR json_valid(extras)),
  created_at        TEXT NOT NULL,  -- when lucidsink received the row
  CHECK ((score IS NULL) = (score_null_reason IS NOT NULL))
);
CREATE INDEX results_run ON results (run_id);
CREATE INDEX results_stream_pts ON results (stream_id, pts);
CREATE INDEX results_model ON results (model_id);

-- The embedding vector of a result, when lucidsink store-embeddings=true.
-- vector: dim float32 values, little-endian, 4 * dim bytes.
CREATE TABLE embeddings (
  result_id INTEGER PRIMARY KEY REFERENCES results (id),
  dim       INTEGER NOT NULL CHECK (dim > 0),
  vector    BLOB NOT NULL CHECK (length(vector) = 4 * dim)
);

-- "Which model and settings produced this row?" in one SELECT.
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
  u.host
FROM results r
JOIN runs u ON u.id = r.run_id
LEFT JOIN models m ON m.id = r.model_id
LEFT JOIN streams s ON s.id = r.stream_id;

-- The newest row (last written) per stream, element and kind.
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

-- How often each top-1 label occurred, per run and producing element.
CREATE VIEW label_counts AS
SELECT run_id, element, kind, label,
       count(*)   AS n,
       avg(score) AS mean_score,
       min(pts)   AS first_pts,
       max(pts)   AS last_pts
FROM results
WHERE label IS NOT NULL
GROUP BY run_id, element, kind, label;

-- Embeddings with the row, stream and model they came from.
CREATE VIEW embeddings_with_provenance AS
SELECT e.result_id, e.dim, e.vector,
       r.run_id, r.element, r.kind, r.pts, r.stream_time, r.label, r.extras,
       s.stream_id AS stream,
       m.dir       AS model_dir,
       m.sha256    AS model_sha256
FROM embeddings e
JOIN results r ON r.id = e.result_id
LEFT JOIN streams s ON s.id = r.stream_id
LEFT JOIN models m ON m.id = r.model_id;

-- One line per run: what ran, how it ended, how much it wrote.
CREATE VIEW run_summary AS
SELECT u.id, u.label, u.status, u.started_at, u.ended_at, u.host,
       u.lucid_version, u.gst_version,
       (SELECT count(*) FROM streams s WHERE s.run_id = u.id) AS n_streams,
       (SELECT count(*) FROM results r WHERE r.run_id = u.id) AS n_results,
       u.pipeline
FROM runs u;
