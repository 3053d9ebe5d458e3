/* lucid-error.h — the one error domain of liblucid.
 *
 * Every core function that can fail on input returns FALSE/NULL and sets a
 * GError in LUCID_ERROR whose message names the file and the problem, e.g.
 * "models/x/model.safetensors: tensor 'a' overlaps tensor 'b'". Plugins copy
 * the message into GST_ELEMENT_ERROR unchanged.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LUCID_ERROR (lucid_error_quark ())
GQuark lucid_error_quark (void);

typedef enum {
  LUCID_ERROR_IO,               /* open/read/mmap/write failed */
  LUCID_ERROR_FORMAT,           /* file exists but its content is malformed */
  LUCID_ERROR_MISSING,          /* a required file, key or tensor is absent */
  LUCID_ERROR_SHAPE,            /* a tensor has the wrong shape or dtype */
  LUCID_ERROR_UNSUPPORTED,      /* well-formed but not something Lucid runs */
  LUCID_ERROR_INVALID_ARGUMENT, /* caller passed something unusable */
  LUCID_ERROR_DB,               /* SQLite refused */
  LUCID_ERROR_SCHEMA_TOO_NEW,   /* database written by a newer Lucid */
  LUCID_ERROR_TAMPERED,         /* the audit log failed verification */
} LucidError;

G_END_DECLS
