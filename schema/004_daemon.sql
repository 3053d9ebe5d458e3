-- 004_daemon.sql — lucidd's own tables: pipelines submitted through the
-- control API (they survive daemon restarts), every worker run with its exit
-- status, and an event log (starts, restarts, errors, stalls, reloads).
--
-- Written only by lucidd's single connection; workers write results through
-- lucidsink, which labels its runs rows with the pipeline name
-- (runs.label), so daemon_runs and runs join on pipeline = label.
-- Conventions as in 001_initial.sql (*_at: ISO-8601 UTC text).
--
-- SPDX-License-Identifier: LGPL-2.1-or-later

-- Pipelines created through the control API. Pipelines from *.pipeline
-- files are not stored: the files are their source of truth.
CREATE TABLE daemon_pipelines (
  name          TEXT PRIMARY KEY,
  description   TEXT NOT NULL,   -- the gst-launch-1.0 string as submitted
  restart       TEXT NOT NULL CHECK (restart IN ('always', 'on-failure', 'never')),
  enabled       INTEGER NOT NULL CHECK (enabled IN (0, 1)), -- wanted running
  stall_timeout INTEGER,         -- seconds; NULL = the daemon's default
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);

-- One row per worker process lucidd started.
CREATE TABLE daemon_runs (
  id          INTEGER PRIMARY KEY,
  pipeline    TEXT NOT NULL,
  attempt     INTEGER NOT NULL,  -- 0 = first start, n = n-th restart in a row
  pid         INTEGER,
  started_at  TEXT NOT NULL,
  ended_at    TEXT,
  outcome     TEXT NOT NULL DEFAULT 'running'
              CHECK (outcome IN ('running', 'eos', 'stopped', 'error',
                                 'crashed', 'stalled', 'refused')),
  exit_status INTEGER,           -- exit code, NULL when killed by a signal
  exit_signal INTEGER,           -- signal number, NULL when it exited
  error       TEXT,              -- the last error message, if any
  buffers     INTEGER,           -- buffers that reached the sinks
  rows_sent   INTEGER            -- buffers that reached a lucidsink
);
CREATE INDEX daemon_runs_pipeline ON daemon_runs (pipeline, id);

-- What happened, in order: kind is 'start', 'exit', 'restart', 'backoff',
-- 'failed', 'stall', 'stop', 'create', 'delete', 'reload', 'error',
-- 'warning', 'message', 'shutdown'.
CREATE TABLE daemon_events (
  id       INTEGER PRIMARY KEY,
  at       TEXT NOT NULL,
  pipeline TEXT,
  run_id   INTEGER REFERENCES daemon_runs (id),
  kind     TEXT NOT NULL,
  message  TEXT
);
CREATE INDEX daemon_events_pipeline ON daemon_events (pipeline, id);
