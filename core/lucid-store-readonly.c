/* lucid-store-readonly.c — lucid_store_open_readonly(): a connection for
 * queries that an authorizer confines to reading (SELECT and the pragmas
 * that only read).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucid-store"

#include "lucid-store-private.h"

#include <errno.h>
#include <sys/stat.h>

#include "lucid-error.h"

/* Pragmas that only read, with or without an argument (a table or index
 * name, or a row limit). */
static const char *const read_pragmas_with_arg[] = {
  "table_info",      "table_xinfo",      "index_list",        "index_info",
  "index_xinfo",     "foreign_key_list", "foreign_key_check", "table_list",
  "integrity_check", "quick_check",
};

/* Pragmas that only read when given no value (with one, they write). */
static const char *const read_pragmas_no_arg[] = {
  "user_version", "schema_version", "application_id",  "data_version",
  "page_count",   "page_size",      "freelist_count",  "encoding",
  "journal_mode", "foreign_keys",   "compile_options", "function_list",
  "pragma_list",  "module_list",    "collation_list",  "database_list",
};

static gboolean
in_list (const char *name, const char *const *list, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (g_ascii_strcasecmp (name, list[i]) == 0)
      return TRUE;
  return FALSE;
}

static int
readonly_authorizer (void *data, int action, const char *arg1, const char *arg2,
                     const char *db_name, const char *trigger)
{
  switch (action) {
    case SQLITE_READ:
    case SQLITE_SELECT:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE: /* WITH RECURSIVE: still a SELECT */
      return SQLITE_OK;
    case SQLITE_PRAGMA:
      if (arg1 == NULL)
        return SQLITE_DENY;
      if (in_list (arg1, read_pragmas_with_arg,
                   G_N_ELEMENTS (read_pragmas_with_arg)))
        return SQLITE_OK;
      if (arg2 == NULL
          && in_list (arg1, read_pragmas_no_arg,
                      G_N_ELEMENTS (read_pragmas_no_arg)))
        return SQLITE_OK;
      return SQLITE_DENY;
    default: /* writes, DDL, ATTACH (and VACUUM INTO), ... */
      return SQLITE_DENY;
  }
}

sqlite3 *
lucid_store_open_readonly (const char *path, GError **error)
{
  struct stat st;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (stat (path, &st) != 0) {
    int err = errno;
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO, "%s: %s", path,
                 g_strerror (err));
    return NULL;
  }
  if (S_ISDIR (st.st_mode)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO,
                 "%s: is a directory, expected an SQLite database file", path);
    return NULL;
  }
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    lucid_store_set_db_error (error, LUCID_ERROR_IO, db, path,
                              "cannot open the database");
    goto fail;
  }
  sqlite3_extended_result_codes (db, 1);
  lucid_store_set_busy_handler (db, BUSY_TIMEOUT_MS);
  sqlite3_limit (db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_db_config (db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);

  /* Read the schema once, which proves the file is a database. */
  if (sqlite3_prepare_v2 (db, "SELECT count(*) FROM sqlite_schema", -1, &stmt,
                          NULL)
          != SQLITE_OK
      || sqlite3_step (stmt) != SQLITE_ROW) {
    lucid_store_set_db_error (error, LUCID_ERROR_DB, db, path,
                              "cannot read the database");
    goto fail;
  }
  sqlite3_finalize (stmt);
  sqlite3_set_authorizer (db, readonly_authorizer, NULL);
  return db;

fail:
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return NULL;
}
