/* lucid-worker-policy.h — what an API-submitted pipeline may contain: an
 * element allowlist and allowed path prefixes / URI schemes for the
 * path-valued properties (location, uri, model, *-file, ...).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct {
  GPtrArray *elements; /* factory names or glob patterns of them */
  GPtrArray *paths;    /* absolute, canonical prefixes */
  GPtrArray *schemes;  /* URI schemes besides file */
} LucidWorkerPolicy;

void lucid_worker_policy_init (LucidWorkerPolicy *policy);
void lucid_worker_policy_clear (LucidWorkerPolicy *policy);

/* Checks one element (not its children): its factory and its path-valued
 * properties. The message names the element and the reason. */
gboolean lucid_worker_policy_check_element (const LucidWorkerPolicy *policy,
                                            GstElement *element,
                                            GError **error);
/* Checks one path or URI value of @element's property @prop. */
gboolean lucid_worker_policy_check_value (const LucidWorkerPolicy *policy,
                                          GstElement *element, const char *prop,
                                          const char *value, GError **error);
/* Checks @bin and every element inside it, recursively. */
gboolean lucid_worker_policy_check_tree (const LucidWorkerPolicy *policy,
                                         GstElement *bin, GError **error);

G_END_DECLS
