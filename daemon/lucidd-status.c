/* lucidd-status.c — what the supervisor shows: a pipeline's status and
 * recent messages as JSON (docs/daemon.md, "status"), the Prometheus
 * metrics of every pipeline, and the counts for sd_notify STATUS=. Reads
 * the pipelines, changes nothing. Main thread only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucidd"

#include "lucidd-supervisor-private.h"

#include <string.h>

static const char *const source_names[] = { "file", "api", "run" };

const char *
lucidd_pipeline_source_to_string (LucidPipelineSource source)
{
  return source_names[source];
}

/* Rows of the finished runs plus those the current run sent to a lucidsink
 * (each committed within its commit-interval). -1: unknown. */
static gint64
rows_written_now (LucidPipeline *p)
{
  if (p->rows_written < 0)
    return -1;
  return p->rows_written + (p->proc != NULL ? p->rows : 0);
}

JsonNode *
lucidd_pipeline_status_json (LucidPipeline *p)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
#define STR(k, v)                                                              \
  do {                                                                         \
    json_builder_set_member_name (b, k);                                       \
    if ((v) != NULL)                                                           \
      json_builder_add_string_value (b, v);                                    \
    else                                                                       \
      json_builder_add_null_value (b);                                         \
  } while (0)
#define INT(k, v)                                                              \
  do {                                                                         \
    json_builder_set_member_name (b, k);                                       \
    json_builder_add_int_value (b, v);                                         \
  } while (0)
#define OPTINT(k, v)                                                           \
  do {                                                                         \
    json_builder_set_member_name (b, k);                                       \
    if ((v) >= 0)                                                              \
      json_builder_add_int_value (b, v);                                       \
    else                                                                       \
      json_builder_add_null_value (b);                                         \
  } while (0)
  STR ("name", p->def->name);
  STR ("source", source_names[p->source]);
  STR ("state", lucidd_pipeline_state_to_string (p->state));
  STR ("gst_state", p->proc ? p->gst_state : NULL);
  STR ("restart", lucidd_restart_policy_to_string (p->def->restart));
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, p->enabled);
  STR ("description", p->def->description);
  STR ("input", p->def->input);
  OPTINT ("pid", p->proc && p->pid > 0 ? p->pid : -1);
  INT ("restarts", p->restarts);
  INT ("restart_limit", lucidd_pipeline_restart_limit (p));
  INT ("attempt", p->attempt);
  INT ("buffers", p->buffers);
  INT ("rows_sent", p->rows);
  OPTINT ("rows_written", rows_written_now (p));
  json_builder_set_member_name (b, "fps");
  json_builder_add_double_value (b, p->fps);
  OPTINT ("latency_ns", p->latency);
  OPTINT ("position_ns", p->position);
  OPTINT ("duration_ns", p->duration);
  json_builder_set_member_name (b, "progress");
  if (p->state != LUCIDD_STATE_FINISHED && p->progress >= 0)
    json_builder_add_double_value (b, MIN (1.0, p->progress));
  else if (p->state == LUCIDD_STATE_FINISHED)
    json_builder_add_double_value (b, 1.0);
  else
    json_builder_add_null_value (b);
  INT ("alerts", (gint64)p->n_alerts);
  INT ("audit_windows", (gint64)p->n_audit_windows);
  STR ("last_error", p->last_error);
  STR ("last_outcome", p->last_outcome);
  OPTINT ("last_exit_status", p->last_exit_status);
  OPTINT ("last_exit_signal", p->last_exit_signal);
#undef STR
#undef INT
#undef OPTINT
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
lucidd_pipeline_messages_json (LucidPipeline *p)
{
  JsonArray *arr = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (GList *l = p->messages.head; l != NULL; l = l->next)
    json_array_add_element (arr, json_node_copy (l->data));
  json_node_take_array (node, arr);
  return node;
}

static void
escape_label (GString *out, const char *v)
{
  for (const char *c = v; *c; c++) {
    if (*c == '\\' || *c == '"')
      g_string_append_c (out, '\\');
    if (*c == '\n')
      g_string_append (out, "\\n");
    else
      g_string_append_c (out, *c);
  }
}

void
lucidd_supervisor_metrics (LucidSupervisor *sup, GString *out)
{
  static const struct {
    const char *name, *type, *help;
  } m[] = {
    { "lucid_pipeline_up", "gauge", "1 while the worker runs" },
    { "lucid_pipeline_buffers_total", "counter",
      "Buffers that reached the sinks in the current run" },
    { "lucid_pipeline_fps", "gauge", "Buffers per second at the sinks" },
    { "lucid_pipeline_latency_seconds", "gauge",
      "Pipeline latency (LATENCY query minimum)" },
    { "lucid_pipeline_rows_sent_total", "counter",
      "Buffers that reached a lucidsink in the current run" },
    { "lucid_pipeline_rows_written", "gauge",
      "Results rows committed for the pipeline (all runs)" },
    { "lucid_pipeline_restarts_total", "counter",
      "Restarts by the supervisor (daemon_runs with attempt > 0)" },
    { "lucid_pipeline_audit_alerts_total", "counter",
      "lucid-audit-alert messages since lucidd started" },
    { "lucid_pipeline_audit_windows_total", "counter",
      "lucid-audit window messages since lucidd started" },
  };
  GList *list = lucidd_supervisor_list (sup);

  for (guint i = 0; i < G_N_ELEMENTS (m); i++) {
    g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", m[i].name,
                            m[i].help, m[i].name, m[i].type);
    for (GList *l = list; l != NULL; l = l->next) {
      LucidPipeline *p = l->data;
      g_string_append_printf (out, "%s{pipeline=\"", m[i].name);
      escape_label (out, p->def->name);
      g_string_append (out, "\"} ");
      switch (i) {
        case 0:
          g_string_append (out, p->proc ? "1" : "0");
          break;
        case 1:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, p->buffers);
          break;
        case 2:
          g_string_append_printf (out, "%.3f", p->fps);
          break;
        case 3:
          g_string_append_printf (out, "%.9f",
                                  p->latency >= 0 ? p->latency / 1e9 : 0.0);
          break;
        case 4:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, p->rows);
          break;
        case 5:
          g_string_append_printf (out, "%" G_GINT64_FORMAT,
                                  MAX (0, rows_written_now (p)));
          break;
        case 6:
          g_string_append_printf (out, "%u", p->restarts);
          break;
        case 7:
          g_string_append_printf (out, "%" G_GUINT64_FORMAT, p->n_alerts);
          break;
        default:
          g_string_append_printf (out, "%" G_GUINT64_FORMAT,
                                  p->n_audit_windows);
          break;
      }
      g_string_append_c (out, '\n');
    }
  }
  g_string_append (out, "# HELP lucid_encoder_latency_seconds Time a buffer "
                        "spends inside a Lucid encoder\n"
                        "# TYPE lucid_encoder_latency_seconds histogram\n");
  for (GList *l = list; l != NULL; l = l->next) {
    LucidPipeline *p = l->data;
    g_autoptr (GList) names = g_list_sort (g_hash_table_get_keys (p->encoders),
                                           (GCompareFunc)strcmp);
    for (GList *e = names; e != NULL; e = e->next) {
      EncoderHistogram *h = g_hash_table_lookup (p->encoders, e->data);
      g_autoptr (GString) labels = g_string_new ("pipeline=\"");
      guint64 cumulative = 0;
      escape_label (labels, p->def->name);
      g_string_append (labels, "\",element=\"");
      escape_label (labels, e->data);
      g_string_append_c (labels, '"');
      for (guint k = 0; k < LUCID_LATENCY_N_BUCKETS; k++) {
        cumulative += h->base[k] + h->cur[k];
        if (k < G_N_ELEMENTS (lucid_latency_bounds))
          g_string_append_printf (out,
                                  "lucid_encoder_latency_seconds_bucket{%s,le="
                                  "\"%g\"} %" G_GUINT64_FORMAT "\n",
                                  labels->str, lucid_latency_bounds[k],
                                  cumulative);
        else
          g_string_append_printf (out,
                                  "lucid_encoder_latency_seconds_bucket{%s,le="
                                  "\"+Inf\"} %" G_GUINT64_FORMAT "\n",
                                  labels->str, cumulative);
      }
      g_string_append_printf (
          out,
          "lucid_encoder_latency_seconds_sum{%s} %.9f\n"
          "lucid_encoder_latency_seconds_count{%s} %" G_GUINT64_FORMAT "\n",
          labels->str, h->base_sum + h->cur_sum, labels->str,
          h->base_count + h->cur_count);
    }
  }
  g_list_free (list);
}

void
lucidd_supervisor_count (LucidSupervisor *sup, guint *running, guint *failed,
                         guint *total)
{
  GHashTableIter it;
  LucidPipeline *p;

  *running = *failed = 0;
  *total = g_hash_table_size (sup->pipelines);
  g_hash_table_iter_init (&it, sup->pipelines);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&p)) {
    if (p->state == LUCIDD_STATE_RUNNING)
      (*running)++;
    else if (p->state == LUCIDD_STATE_FAILED
             || p->state == LUCIDD_STATE_BACKOFF)
      (*failed)++;
  }
}
