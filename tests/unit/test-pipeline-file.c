/* test-pipeline-file.c — lucidd's *.pipeline parser and lucidd.conf
 * reader: what they accept, and that every refusal names FILE:LINE and
 * the problem.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <string.h>

#include "lucid-error.h"
#include "lucidd-config.h"
#include "lucidd-pipeline-file.h"
#include "lucidd-request.h"

static GHashTable *
test_vars (void)
{
  GHashTable *vars = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (vars, "db", "/state/lucid.db");
  g_hash_table_insert (vars, "data", "/srv/data");
  return vars;
}

static LucidPipelineDef *
parse (const char *text, GError **error)
{
  g_autoptr (GHashTable) vars = test_vars ();

  return lucidd_pipeline_file_parse (
      text, strlen (text), "/etc/lucid/pipelines/cam-1.pipeline", vars, error);
}

static void
test_full_header (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidPipelineDef) def
      = parse ("# comment\nname = talk\nrestart = always\nenabled = false\n"
               "stall-timeout = 30\nrestart-limit = 0\ninput = src\n---\n"
               "filesrc name=src location=${data}/a.srt ! subparse !\n"
               "  # a comment inside\n  lucidsink location=${db}\n",
               &error);

  g_assert_no_error (error);
  g_assert_cmpstr (def->name, ==, "talk");
  g_assert_cmpint (def->restart, ==, LUCIDD_RESTART_ALWAYS);
  g_assert_false (def->enabled);
  g_assert_cmpint (def->stall_timeout_s, ==, 30);
  g_assert_cmpint (def->restart_limit, ==, 0);
  g_assert_cmpstr (def->input, ==, "src");
  g_assert_cmpstr (def->description, ==,
                   "filesrc name=src location=/srv/data/a.srt ! subparse ! "
                   "lucidsink location=/state/lucid.db");
}

static void
test_defaults (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidPipelineDef) def
      = parse ("---\r\nfakesrc ! fakesink\r\n", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (def->name, ==, "cam-1"); /* from the file name */
  g_assert_cmpint (def->restart, ==, LUCIDD_RESTART_ON_FAILURE);
  g_assert_true (def->enabled);
  g_assert_cmpint (def->stall_timeout_s, ==, -1);
  g_assert_cmpint (def->restart_limit, ==, -1); /* the daemon's */
  g_assert_null (def->input);
  g_assert_cmpstr (def->description, ==, "fakesrc ! fakesink");
}

static void
test_errors_name_file_and_line (void)
{
  static const struct {
    const char *text, *message;
  } cases[] = {
    { "restart = sometimes\n---\nx\n",
      "cam-1.pipeline:1: restart must be always, on-failure or never, not "
      "'sometimes'" },
    { "\n\ncolour = blue\n---\nx\n", "cam-1.pipeline:3: unknown key 'colour'" },
    { "name = a\nname = b\n---\nx\n", "cam-1.pipeline:2: 'name' given twice" },
    { "enabled = maybe\n---\nx\n", "cam-1.pipeline:1: enabled must be" },
    { "stall-timeout = -3\n---\nx\n", "cam-1.pipeline:1: stall-timeout must" },
    { "name = a\nrestart-limit = lots\n---\nx\n",
      "cam-1.pipeline:2: restart-limit must be a count of failed starts from 0 "
      "to 1000000, not 'lots'" },
    { "restart-limit = -1\n---\nx\n", "cam-1.pipeline:1: restart-limit must" },
    { "name = ../x\n---\nx\n", "cam-1.pipeline:1: invalid name '../x'" },
    { "just words\n---\nx\n", "cam-1.pipeline:1: expected 'key = value'" },
    { "---\nfilesrc location=${nope}\n",
      "cam-1.pipeline:2: unknown variable '${nope}'" },
    { "---\nfilesrc location=${data\n",
      "cam-1.pipeline:2: unterminated variable reference" },
    { "name = x\nfakesrc ! fakesink\n", "cam-1.pipeline:2: expected" },
    { "name = x\n", "cam-1.pipeline: no '---' line" },
    { "name = x\n---\n# only a comment\n",
      "cam-1.pipeline:2: no pipeline description after '---'" },
    { "---\nfilesrc location=/caf\xe9\n", "cam-1.pipeline:2: not valid UTF-8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (LucidPipelineDef) def = parse (cases[i].text, &error);
    g_assert_null (def);
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
    if (strstr (error->message, cases[i].message) == NULL)
      g_error ("case %u: '%s' does not contain '%s'", i, error->message,
               cases[i].message);
  }
}

static void
test_nul_byte_refused (void)
{
  g_autoptr (GHashTable) vars = test_vars ();
  g_autoptr (GError) error = NULL;
  static const char text[] = "---\nfakesrc \0! fakesink\n";
  LucidPipelineDef *def = lucidd_pipeline_file_parse (
      text, sizeof text - 1, "x.pipeline", vars, &error);

  g_assert_null (def);
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "NUL"));
}

static void
test_request_create (void)
{
  g_autoptr (GError) error = NULL;
  static const char ok[] = "{\"name\": \"a\", \"pipeline\": \"fakesrc ! "
                           "fakesink\", \"restart\": \"never\", \"start\": "
                           "false, \"stall_timeout\": 7, "
                           "\"restart_limit\": 2}";
  g_autoptr (LucidPipelineDef) def
      = lucidd_request_parse_create (ok, strlen (ok), &error);
  static const char *const bad[] = {
    "{\"name\": \"a\"}",
    "{\"name\": \"a\", \"pipeline\": \"x\", \"name\": \"b\"}",
    "{\"name\": \"a b\", \"pipeline\": \"x\"}",
    "{\"name\": \"a\", \"pipeline\": \"x\", \"colour\": 1}",
    "{\"name\": \"a\", \"pipeline\": \"x\", \"stall_timeout\": 1e30}",
    "{\"name\": \"a\", \"pipeline\": \"x\", \"restart_limit\": -1}",
    "{\"name\": \"a\", \"pipeline\": \"x\", \"restart_limit\": \"3\"}",
    "{\"name\": \"a\", \"pipeline\": \"x\", \"restart_limit\": 1e30}",
    "{\"name\": \"a\", \"pipeline\": \"\"}",
    "[]",
    "{",
  };

  g_assert_no_error (error);
  g_assert_cmpstr (def->name, ==, "a");
  g_assert_cmpint (def->restart, ==, LUCIDD_RESTART_NEVER);
  g_assert_false (def->enabled);
  g_assert_cmpint (def->stall_timeout_s, ==, 7);
  g_assert_cmpint (def->restart_limit, ==, 2);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) e = NULL;
    g_assert_null (lucidd_request_parse_create (bad[i], strlen (bad[i]), &e));
    g_assert_nonnull (e);
    g_assert_true (e->domain == LUCID_ERROR);
    g_assert_true (g_str_has_prefix (e->message, "request body"));
  }
}

static void
test_request_run (void)
{
  static const char ok[]
      = "{\"input\": \"/srv/a b!.srt\", \"lease_s\": 30, \"keep\": true}";
  static const char plain[] = "{\"input\": \"file:///srv/a.srt\"}";
  static const char *const bad[] = {
    "{\"input\": \"\"}",
    "{\"input\": \"/a\", \"lease_s\": -1}",
    "{\"input\": \"/a\", \"lease_s\": 86401}",
    "{\"input\": \"/a\", \"keep\": 1}",
    "{\"input\": \"/a\", \"lease\": 3}",
    /* relative: lucidd's working directory is not the client's */
    "{\"input\": \"talk.srt\"}",
    "{\"input\": \"../etc/passwd\"}",
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidRunRequest) r
      = lucidd_request_parse_run (ok, strlen (ok), &error);
  g_autoptr (LucidRunRequest) p = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (r->input, ==, "/srv/a b!.srt");
  g_assert_cmpuint (r->lease_s, ==, 30);
  g_assert_true (r->keep);
  p = lucidd_request_parse_run (plain, strlen (plain), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (p->lease_s, ==, 0); /* no lease unless asked */
  g_assert_false (p->keep);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) e = NULL;
    g_assert_null (lucidd_request_parse_run (bad[i], strlen (bad[i]), &e));
    g_assert_nonnull (e);
    g_assert_true (g_str_has_prefix (e->message, "request body"));
  }
}

static void
test_config (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lucidd-conf-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "lucidd.conf", NULL);
  g_autoptr (LucidDaemonConfig) c = NULL;
  g_autofree char *state = g_build_filename (dir, "state", NULL);
  g_autofree char *db = g_build_filename (dir, "state", "lucid.db", NULL);

  g_assert_no_error (error);
  g_assert_true (
      g_file_set_contents (path,
                           "[daemon]\nstate_dir = state\ndrain_timeout = 7\n"
                           "[api]\nallowed_elements = filesrc; fakesink\n"
                           "[vars]\nmodels_dir = /m\n",
                           -1, NULL));
  c = lucidd_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c->state_dir, ==, state); /* relative to the file */
  g_assert_cmpstr (c->database, ==, db);
  g_assert_cmpuint (c->drain_timeout_s, ==, 7);
  g_assert_cmpuint (c->restart_limit, ==, 5);
  g_assert_cmpstr (c->allowed_elements[1], ==, "fakesink");
  g_assert_cmpstr (c->allowed_paths[0], ==, state);
  g_assert_cmpstr (g_hash_table_lookup (c->vars, "models_dir"), ==, "/m");
  g_assert_cmpstr (g_hash_table_lookup (c->vars, "db"), ==, db);
  {
    /* a moved state directory keeps its socket there */
    g_autofree char *sock = g_build_filename (state, "lucidd.sock", NULL);
    g_assert_cmpstr (c->socket_path, ==, sock);
  }
  g_clear_pointer (&c, lucidd_config_free);

  /* The default socket is never in the (0750) state directory: under
   * systemd in $RUNTIME_DIRECTORY (its first entry), else /run/lucid. */
  g_unsetenv ("RUNTIME_DIRECTORY");
  c = lucidd_config_load (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c->socket_path, ==, "/run/lucid/lucidd.sock");
  g_assert_cmpuint (c->max_connections, ==, 64);
  g_assert_cmpuint (c->request_timeout_s, ==, 10);
  g_clear_pointer (&c, lucidd_config_free);
  g_setenv ("RUNTIME_DIRECTORY", "/run/lucid-x:/run/other", TRUE);
  c = lucidd_config_load (NULL, &error);
  g_assert_cmpstr (c->socket_path, ==, "/run/lucid-x/lucidd.sock");
  g_clear_pointer (&c, lucidd_config_free);
  g_unsetenv ("RUNTIME_DIRECTORY");

  g_assert_true (
      g_file_set_contents (path, "[daemon]\ndrain_timout = 7\n", -1, NULL));
  c = lucidd_config_load (path, &error);
  g_assert_null (c);
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "unknown key 'drain_timout'"));
  g_clear_error (&error);

  g_assert_true (
      g_file_set_contents (path, "[daemon]\ndrain_timeout = soon\n", -1, NULL));
  c = lucidd_config_load (path, &error);
  g_assert_null (c);
  g_assert_nonnull (strstr (error->message, "[daemon] drain_timeout"));
  g_clear_error (&error);

  g_assert_true (
      g_file_set_contents (path, "[daemon]\ntcp_port = 8765\n", -1, NULL));
  c = lucidd_config_load (path, &error);
  g_assert_null (c);
  g_assert_nonnull (strstr (error->message, "tcp_token_file"));
  g_clear_error (&error);

  g_unlink (path);
  g_rmdir (dir);
}

/* Every file Lucid ships in pipelines/ parses with the [vars] that
 * tools/demo.sh gives (data_dir, models_dir, vision_model), and its
 * expanded description holds no unexpanded '${'. */
static void
test_shipped_pipelines (void)
{
  g_autofree char *dir
      = g_build_filename (g_getenv ("LUCID_SOURCE_ROOT"), "pipelines", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GHashTable) vars = g_hash_table_new (g_str_hash, g_str_equal);
  const char *entry;
  guint n = 0;

  g_assert_nonnull (d);
  g_hash_table_insert (vars, "data_dir", "/src/tests/data");
  g_hash_table_insert (vars, "models_dir", "/models");
  g_hash_table_insert (vars, "vision_model", "/src/tests/fixtures/tiny-vit");
  while ((entry = g_dir_read_name (d)) != NULL) {
    g_autofree char *path = NULL;
    g_autoptr (GError) error = NULL;
    g_autoptr (LucidPipelineDef) def = NULL;
    if (!g_str_has_suffix (entry, ".pipeline"))
      continue;
    path = g_build_filename (dir, entry, NULL);
    def = lucidd_pipeline_file_load (path, vars, &error);
    g_assert_no_error (error);
    g_assert_nonnull (strstr (def->description, "lucidsink"));
    g_assert_null (strstr (def->description, "${"));
    n++;
  }
  /* talk-topics, talk-paced, talk-file, talk-audit, vision-testsrc */
  g_assert_cmpuint (n, >=, 5);
  /* the shipped example of a pipeline's own restart limit */
  {
    g_autofree char *path = g_build_filename (dir, "talk-paced.pipeline", NULL);
    g_autoptr (GError) error = NULL;
    g_autoptr (LucidPipelineDef) def
        = lucidd_pipeline_file_load (path, vars, &error);
    g_assert_no_error (error);
    g_assert_cmpint (def->restart_limit, ==, 3);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pipeline-file/full-header", test_full_header);
  g_test_add_func ("/pipeline-file/defaults", test_defaults);
  g_test_add_func ("/pipeline-file/errors-name-file-and-line",
                   test_errors_name_file_and_line);
  g_test_add_func ("/pipeline-file/nul-byte", test_nul_byte_refused);
  g_test_add_func ("/pipeline-file/shipped", test_shipped_pipelines);
  g_test_add_func ("/request/create", test_request_create);
  g_test_add_func ("/request/run", test_request_run);
  g_test_add_func ("/config/load", test_config);
  return g_test_run ();
}
