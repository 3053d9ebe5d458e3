/* lucidd — Lucid's media-analysis daemon (docs/daemon.md).
 *
 * Runs the pipelines of its pipelines directory and those submitted through
 * the control API, each in its own lucid-worker process, supervised
 * (lucidd-supervisor.c). Runs in the foreground (systemd Type=notify, or a
 * terminal); logs go to stderr, which journald records.
 *
 *   SIGTERM, SIGINT  EOS to every pipeline, wait (drain_timeout), exit 0
 *   SIGHUP           re-read the configuration and the pipeline files;
 *                    start/stop/restart only what changed
 *
 * Everything runs in the main thread's GMainLoop; the only other threads
 * are GLib's and libsoup's own.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucidd"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>

#include "lucid-build-config.h"
#include "lucidd-api.h"
#include "lucidd-config.h"
#include "lucidd-db.h"
#include "lucidd-notify.h"
#include "lucidd-supervisor.h"

typedef struct {
  char *config_path;
  LucidDaemonConfig *config;
  LucidDaemonDb *db;
  LucidSupervisor *sup;
  LucidApi *api;
  GMainLoop *loop;
  gboolean stopping;
  guint watchdog_source;
  guint extend_source;
  gint64 stop_deadline_us; /* monotonic: the drain's bound plus a margin */
} Daemon;

/* Reaping the workers and closing the database after the last worker was
 * killed: a margin on top of the drain's bound. */
#define STOP_MARGIN_S 5

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* Two files that name the same pipeline. Neither file's name order nor
 * anything else in the files says which one the user meant, so no
 * definition replaces a running one because its file sorts first: when
 * lucidd has a file pipeline of that name read from one of them, that file
 * keeps the name and the others are skipped; otherwise (at start, or both
 * files new) none of them is used. Either way an `error` event names the
 * files. Returns the definition to use, or NULL. */
static LucidPipelineDef *
resolve_name_clash (Daemon *d, GPtrArray *claims)
{
  const char *name = ((LucidPipelineDef *)g_ptr_array_index (claims, 0))->name;
  LucidPipeline *running = lucidd_supervisor_lookup (d->sup, name);
  const char *owner_file = NULL;
  LucidPipelineDef *keeper = NULL;
  g_autoptr (GString) files = g_string_new (NULL);
  g_autofree char *msg = NULL;

  if (running != NULL
      && lucidd_pipeline_get_source (running) == LUCIDD_SOURCE_FILE)
    owner_file = lucidd_pipeline_get_def (running)->file;
  for (guint i = 0; i < claims->len; i++) {
    LucidPipelineDef *def = g_ptr_array_index (claims, i);
    if (owner_file != NULL && keeper == NULL
        && g_strcmp0 (def->file, owner_file) == 0) {
      keeper = def;
      continue;
    }
    g_string_append_printf (files, "%s%s", files->len > 0 ? ", " : "",
                            def->file);
  }
  if (keeper != NULL)
    msg = g_strdup_printf ("%s: %s also name%s pipeline '%s', which runs "
                           "from %s: %s ignored (rename one of them)",
                           name, files->str, claims->len > 2 ? "" : "s", name,
                           keeper->file,
                           claims->len > 2 ? "they are" : "it is");
  else
    msg = g_strdup_printf ("%s: the files %s name the same pipeline '%s': "
                           "none of them is used until only one does",
                           name, files->str, name);
  g_warning ("%s", msg);
  lucidd_db_event (d->db, name, 0, "error", msg);
  return keeper;
}

/* Every *.pipeline of the directory, in name order; files that do not
 * parse are reported (FILE:LINE: problem) and skipped, and so are files
 * whose pipeline name another file uses too (resolve_name_clash()). */
static GPtrArray *
load_pipeline_files (Daemon *d)
{
  GPtrArray *defs = g_ptr_array_new_with_free_func (
      (GDestroyNotify)lucidd_pipeline_def_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) parsed = g_ptr_array_new_with_free_func (
      (GDestroyNotify)lucidd_pipeline_def_free);
  /* name -> GPtrArray of the definitions (borrowed) that claim it */
  g_autoptr (GHashTable) claims = g_hash_table_new_full (
      g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
  /* name -> the definition used after a clash (absent: none) */
  g_autoptr (GHashTable) resolved = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = g_dir_open (d->config->pipelines_dir, 0, &error);
  const char *entry;

  if (dir == NULL) {
    g_warning ("pipelines directory: %s", error->message);
    return defs;
  }
  while ((entry = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (entry, ".pipeline"))
      g_ptr_array_add (names, g_strdup (entry));
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_build_filename (
        d->config->pipelines_dir, g_ptr_array_index (names, i), NULL);
    g_autoptr (GError) perr = NULL;
    LucidPipelineDef *def
        = lucidd_pipeline_file_load (path, d->config->vars, &perr);
    GPtrArray *same;
    if (def == NULL) {
      g_warning ("%s (file skipped)", perr->message);
      lucidd_db_event (d->db, NULL, 0, "error", perr->message);
      continue;
    }
    g_ptr_array_add (parsed, def);
    same = g_hash_table_lookup (claims, def->name);
    if (same == NULL) {
      same = g_ptr_array_new ();
      g_hash_table_insert (claims, def->name, same);
    }
    g_ptr_array_add (same, def);
  }
  for (guint i = 0; i < parsed->len; i++) {
    LucidPipelineDef *def = g_ptr_array_index (parsed, i);
    GPtrArray *same = g_hash_table_lookup (claims, def->name);
    if (same->len > 1) {
      if (g_ptr_array_index (same, 0) == def) {
        LucidPipelineDef *keeper = resolve_name_clash (d, same);
        if (keeper != NULL)
          g_hash_table_insert (resolved, def->name, keeper);
      }
      if (g_hash_table_lookup (resolved, def->name) != def)
        continue;
    }
    g_ptr_array_add (defs, lucidd_pipeline_def_copy (def));
  }
  return defs;
}

static void
update_status (LucidSupervisor *sup, gpointer data)
{
  guint running, failed, total;
  g_autofree char *state = NULL;

  lucidd_supervisor_count (sup, &running, &failed, &total);
  state = g_strdup_printf ("STATUS=%u pipelines: %u running, %u failed", total,
                           running, failed);
  lucidd_notify (state);
}

static gboolean
watchdog_ping (gpointer data)
{
  lucidd_notify ("WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

static void
shutdown_done (gpointer data)
{
  Daemon *d = data;

  g_message ("every pipeline drained; exiting");
  g_main_loop_quit (d->loop);
}

/* Under systemd, a drain longer than the unit's TimeoutStopSec would end
 * in SIGKILL mid-drain, losing uncommitted rows. So while it drains, lucidd
 * tells systemd, once a second, how much longer it needs
 * (EXTEND_TIMEOUT_USEC, systemd >= 236): the time left until the drain's
 * bound (every worker is killed drain_timeout + 2 s after its EOS) plus
 * STOP_MARGIN_S. Past that bound nothing more is sent, so a lucidd that
 * hangs is still killed by systemd's own timeout. */
static gboolean
extend_stop_timeout (gpointer data)
{
  Daemon *d = data;
  gint64 left = d->stop_deadline_us - g_get_monotonic_time ();
  g_autofree char *msg = NULL;

  if (left <= 0) {
    d->extend_source = 0;
    return G_SOURCE_REMOVE;
  }
  msg = g_strdup_printf ("EXTEND_TIMEOUT_USEC=%" G_GINT64_FORMAT, left);
  lucidd_notify (msg);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_terminate (gpointer data)
{
  Daemon *d = data;

  if (d->stopping) {
    g_message ("already draining (at most %u s)", d->config->drain_timeout_s);
    return G_SOURCE_CONTINUE;
  }
  d->stopping = TRUE;
  g_message ("draining every pipeline (EOS, at most %u s)",
             d->config->drain_timeout_s);
  lucidd_notify ("STOPPING=1\nSTATUS=draining pipelines");
  if (g_getenv ("NOTIFY_SOCKET") != NULL) {
    d->stop_deadline_us
        = g_get_monotonic_time ()
          + (gint64)(d->config->drain_timeout_s + 2 + STOP_MARGIN_S)
                * G_USEC_PER_SEC;
    extend_stop_timeout (d);
    d->extend_source = g_timeout_add_seconds (1, extend_stop_timeout, d);
  }
  lucidd_db_event (d->db, NULL, 0, "shutdown", "signal received");
  lucidd_supervisor_shutdown (d->sup, G_CALLBACK (shutdown_done), d);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_reload (gpointer data)
{
  Daemon *d = data;
  g_autoptr (GError) error = NULL;
  LucidDaemonConfig *fresh;
  g_autoptr (GPtrArray) defs = NULL;

  if (d->stopping)
    return G_SOURCE_CONTINUE;
  lucidd_notify ("RELOADING=1");
  fresh = lucidd_config_load (d->config_path, &error);
  if (fresh == NULL) {
    g_warning ("reload: %s; keeping the running configuration", error->message);
    lucidd_db_event (d->db, NULL, 0, "error", error->message);
  } else {
    /* These need a restart: keep the running values. */
    if (g_strcmp0 (fresh->database, d->config->database) != 0
        || g_strcmp0 (fresh->socket_path, d->config->socket_path) != 0
        || fresh->tcp_port != d->config->tcp_port)
      g_warning ("reload: database, socket and tcp_port changes take effect "
                 "at the next start");
    g_free (fresh->database);
    fresh->database = g_strdup (d->config->database);
    g_free (fresh->socket_path);
    fresh->socket_path = g_strdup (d->config->socket_path);
    fresh->tcp_port = d->config->tcp_port;
    g_hash_table_insert (fresh->vars, g_strdup ("db"),
                         g_strdup (fresh->database));
    lucidd_supervisor_set_config (d->sup, fresh);
    lucidd_api_set_config (d->api, fresh);
    lucidd_config_free (d->config);
    d->config = fresh;
  }
  defs = load_pipeline_files (d);
  lucidd_db_event (d->db, NULL, 0, "reload", "SIGHUP");
  lucidd_supervisor_reload_files (d->sup, defs);
  g_message ("reloaded: %u pipeline files", defs->len);
  lucidd_notify ("READY=1");
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  Daemon d = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GPtrArray) api_defs = NULL;
  g_autoptr (GPtrArray) file_defs = NULL;
  gboolean version = FALSE;
  guint64 watchdog_usec;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &d.config_path,
      "Configuration file (default " LUCIDD_DEFAULT_CONFIG ")", "FILE" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL },
    { NULL },
  };

  ctx = g_option_context_new ("— Lucid's media-analysis daemon");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("lucidd: %s\n", error->message);
    return 2;
  }
  if (version) {
    g_print ("lucidd %s\n", LUCID_VERSION);
    return 0;
  }
  if (d.config_path == NULL)
    d.config_path = g_strdup (LUCIDD_DEFAULT_CONFIG);
  signal (SIGPIPE, SIG_IGN);

  d.config = lucidd_config_load (d.config_path, &error);
  if (d.config == NULL) {
    g_printerr ("lucidd: %s\n", error->message);
    return 1;
  }
  if (g_mkdir_with_parents (d.config->state_dir, 0750) != 0) {
    int err = errno;
    g_printerr ("lucidd: %s: %s\n", d.config->state_dir, g_strerror (err));
    return 1;
  }
  /* One lucidd per state directory, decided before the database is
   * touched: a second one would otherwise migrate it and mark the live
   * daemon's runs crashed before finding the socket taken. The lock is
   * held (fd kept open, close-on-exec) until exit. */
  {
    g_autofree char *lock_path
        = g_build_filename (d.config->state_dir, "lucidd.lock", NULL);
    int fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
      int err = errno;
      g_printerr ("lucidd: %s: %s\n", lock_path, g_strerror (err));
      lucidd_config_free (d.config);
      g_free (d.config_path);
      return 1;
    }
    if (flock (fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      if (err == EWOULDBLOCK)
        g_printerr ("lucidd: %s: another lucidd runs on this state directory; "
                    "exiting without touching its database or socket\n",
                    lock_path);
      else
        g_printerr ("lucidd: %s: %s\n", lock_path, g_strerror (err));
      close (fd);
      lucidd_config_free (d.config);
      g_free (d.config_path);
      return 1;
    }
  }
  d.db = lucidd_db_open (d.config->database, &error);
  if (d.db == NULL) {
    g_printerr ("lucidd: %s\n", error->message);
    return 1;
  }
  d.loop = g_main_loop_new (NULL, FALSE);
  d.sup = lucidd_supervisor_new (d.config, d.db);
  d.api = lucidd_api_new (d.config, d.sup, d.db, &error);
  if (d.api == NULL) {
    g_printerr ("lucidd: control socket: %s\n", error->message);
    return 1;
  }
  lucidd_supervisor_set_notify (d.sup, update_status, &d);

  g_unix_signal_add (SIGTERM, on_terminate, &d);
  g_unix_signal_add (SIGINT, on_terminate, &d);
  g_unix_signal_add (SIGHUP, on_reload, &d);

  lucidd_db_event (d.db, NULL, 0, "start", d.config->path);
  api_defs = lucidd_db_load_pipelines (d.db, &error);
  if (api_defs == NULL) {
    g_printerr ("lucidd: %s\n", error->message);
    return 1;
  }
  for (guint i = 0; i < api_defs->len; i++) {
    g_autoptr (GError) aerr = NULL;
    LucidPipelineDef *def = g_ptr_array_index (api_defs, i);
    if (lucidd_supervisor_add (d.sup, lucidd_pipeline_def_copy (def),
                               LUCIDD_SOURCE_API, &aerr)
        == NULL)
      g_warning ("%s", aerr->message);
  }
  file_defs = load_pipeline_files (&d);
  lucidd_supervisor_reload_files (d.sup, file_defs);

  g_message ("lucidd %s ready: socket %s, database %s, %u pipelines",
             LUCID_VERSION, d.config->socket_path, d.config->database,
             api_defs->len + file_defs->len);
  lucidd_notify ("READY=1");
  update_status (d.sup, &d);
  watchdog_usec = lucidd_notify_watchdog_usec ();
  if (watchdog_usec > 0)
    d.watchdog_source = g_timeout_add ((guint)MAX (1, watchdog_usec / 2000),
                                       watchdog_ping, NULL);

  g_main_loop_run (d.loop);

  g_clear_handle_id (&d.watchdog_source, g_source_remove);
  g_clear_handle_id (&d.extend_source, g_source_remove);
  lucidd_api_free (d.api);
  lucidd_supervisor_free (d.sup);
  lucidd_db_event (d.db, NULL, 0, "shutdown", "clean exit");
  lucidd_db_close (d.db);
  lucidd_config_free (d.config);
  g_main_loop_unref (d.loop);
  g_free (d.config_path);
  return 0;
}
