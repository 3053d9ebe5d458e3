-- NNN_daemon_restart_limit.sql — a restart limit per API pipeline.
--
-- lucidd gives up on a pipeline after a number of failed starts in a row
-- ([daemon] restart_limit). A pipeline file can set its own with the
-- 'restart-limit' header key; a pipeline submitted through the control API
-- sets it with the "restart_limit" member of its create request, and this
-- column keeps it across daemon restarts. NULL = the daemon's default.
-- Existing rows keep NULL, i.e. the behaviour they had.
--
-- daemon_events.kind (free text) gains 'reclaim': lucidd deleted a
-- `lucidctl run` instance nobody asked about any more (docs/daemon.md).
--
-- SPDX-License-Identifier: LGPL-2.1-or-later

ALTER TABLE daemon_pipelines ADD COLUMN restart_limit INTEGER
  CHECK (restart_limit IS NULL OR restart_limit >= 0);
