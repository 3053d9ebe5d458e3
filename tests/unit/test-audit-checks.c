/* test-audit-checks.c — the checks that keep a mistyped or oversized audit
 * configuration from looking like a fair pipeline or aborting the process:
 * the window's memory cap and its error instead of an abort, the syntax of
 * groupings and AIF360 conditions, the names that match no group, and the
 * no-truth reason of truth-based between-group figures over groups that
 * have no truth at all.
 *
 * Expected byte counts are computed by hand from the formula of
 * lucid_audit_window_group_bytes() (buckets × (1 + n_boot) × 64 bytes).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include "lucid-audit-figures.h"
#include "lucid-audit-window.h"
#include "lucid-error.h"

static void
ignore_report (const LucidAuditWindowReport *r, gpointer data)
{
}

/* ---- memory ------------------------------------------------------------- */

static void
test_group_bytes (void)
{
  g_assert_cmpuint (sizeof (LucidFairnessCell), ==, 64);
  LucidAuditWindowConfig sliding = {.kind = LUCID_AUDIT_WINDOW_SLIDING,
    .size = 65536,.slide = 1,.n_boot = 100000
  };
  /* The combination that aborted in g_renew: 65537 buckets (the ring and
   * the running sum) × 100001 tables × 64 bytes per group. */
  g_assert_cmpuint (lucid_audit_window_group_bytes (&sliding, NULL), ==,
      G_GUINT64_CONSTANT (65537) * 100001 * 64);
  LucidAuditWindowConfig tumbling = {.kind = LUCID_AUDIT_WINDOW_TUMBLING,
    .size = 100,.n_boot = 200
  };
  g_assert_cmpuint (lucid_audit_window_group_bytes (&tumbling, NULL), ==,
      2 * 201 * 64);
  g_autoptr (GError) error = NULL;
  LucidAuditWindowConfig bad = {.kind = LUCID_AUDIT_WINDOW_SLIDING,
    .size = 10,.slide = 3
  };
  g_assert_cmpuint (lucid_audit_window_group_bytes (&bad, &error), ==, 0);
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
}

/* A cap that holds 5 groups: groups 1-5 are created (the tables grow 4 →
 * 5, not 8), the sixth is refused with an error naming the cap, and the
 * window goes on counting the groups it has. */
static void
test_max_bytes (void)
{
  LucidAuditWindowConfig c = {.kind = LUCID_AUDIT_WINDOW_SLIDING,
    .size = 4,.slide = 1,.n_boot = 9
  };
  gsize per_group = lucid_audit_window_group_bytes (&c, NULL);
  g_assert_cmpuint (per_group, ==, 5 * 10 * 64);
  g_autoptr (LucidAuditWindow) w = lucid_audit_window_new (&c, ignore_report,
      NULL, NULL, NULL);
  lucid_audit_window_set_max_bytes (w, 5 * per_group + per_group / 2);
  for (guint i = 0; i < 5; i++) {
    g_autofree char *key = g_strdup_printf ("g=%u", i);
    guint index = G_MAXUINT;
    g_autoptr (GError) error = NULL;
    g_assert_true (lucid_audit_window_try_ensure_group (w, key, &index,
            &error));
    g_assert_no_error (error);
    g_assert_cmpuint (index, ==, i);
  }
  g_assert_cmpuint (lucid_audit_window_state_bytes (w), ==, 5 * per_group);
  guint index = 77;
  g_autoptr (GError) error = NULL;
  g_assert_false (lucid_audit_window_try_ensure_group (w, "g=5", &index,
          &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "group 6 ('g=5') does not fit"));
  g_assert_nonnull (strstr (error->message, "3200 bytes"));
  g_assert_cmpuint (index, ==, 77);
  g_assert_cmpuint (lucid_audit_window_state_bytes (w), ==, 5 * per_group);
  /* An existing group is still found; the keyed update names the refusal. */
  g_assert_true (lucid_audit_window_try_ensure_group (w, "g=3", &index,
          NULL));
  g_assert_cmpuint (index, ==, 3);
  g_clear_error (&error);
  g_assert_false (lucid_audit_window_update (w, "g=9", 0, TRUE, TRUE, 1.0,
          &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_assert_true (lucid_audit_window_update (w, "g=0", 0, TRUE, TRUE, 1.0,
          NULL));
  /* ensure_group() without an error reports the refusal as G_MAXUINT. */
  g_assert_cmpuint (lucid_audit_window_ensure_group (w, "g=10"), ==,
      G_MAXUINT);
}

/* A cap below one group refuses the first. */
static void
test_max_bytes_below_one_group (void)
{
  LucidAuditWindowConfig c = {.kind = LUCID_AUDIT_WINDOW_CUMULATIVE,
    .size = 10,.slide = 10,.n_boot = 100
  };
  g_autoptr (LucidAuditWindow) w = lucid_audit_window_new (&c, ignore_report,
      NULL, NULL, NULL);
  lucid_audit_window_set_max_bytes (w, 100);
  guint index;
  g_autoptr (GError) error = NULL;
  g_assert_false (lucid_audit_window_try_ensure_group (w, "g=a", &index,
          &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (lucid_audit_window_state_bytes (w), ==, 0);
}

/* ---- syntax ------------------------------------------------------------- */

static void
test_config_check (void)
{
  const struct {
    const char *groupings, *privileged, *unprivileged, *reference, *expect;
  } cases[] = {
    {"gender", "gender=m", "gender=f", NULL, NULL},
    {"age;gender", "age=50+;gender=m", "gender=f,age=young", "gender=m",
        NULL},
    {"gender=f", NULL, NULL, NULL, "grouping 'gender=f': 'gender=f' is not "
          "an attribute name"},
    {" ; ", NULL, NULL, NULL, "grouping ' ; ' names no attribute"},
    {NULL, "gender", "gender=f", NULL, "privileged condition 'gender': "
          "expected attribute=value"},
    {NULL, "gender=m", "=f", NULL, "unprivileged condition '=f'"},
    {NULL, "gender=m;gender=f", "gender=f", NULL, "privileged condition "
          "'gender=m;gender=f'"},
    {NULL, NULL, NULL, "gender", "reference group condition 'gender'"},
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *groupings[] = { (char *) cases[i].groupings, NULL };
    char *privileged[] = { (char *) cases[i].privileged, NULL };
    char *unprivileged[] = { (char *) cases[i].unprivileged, NULL };
    LucidAuditFiguresConfig c = {.convention = LUCID_AUDIT_CONVENTION_AIF360,
      .groupings = cases[i].groupings ? groupings : NULL,
      .privileged = cases[i].privileged ? privileged : NULL,
      .unprivileged = cases[i].unprivileged ? unprivileged : NULL,
      .reference_group = (char *) cases[i].reference,
    };
    g_autoptr (GError) error = NULL;
    gboolean ok = lucid_audit_figures_config_check (&c, &error);
    if (!cases[i].expect) {
      g_assert_no_error (error);
      g_assert_true (ok);
    } else {
      g_assert_false (ok);
      g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
      if (!strstr (error->message, cases[i].expect))
        g_error ("case %u: '%s' lacks '%s'", i, error->message,
            cases[i].expect);
    }
  }
}

/* ---- names matching no group -------------------------------------------- */

typedef struct {
  const LucidAuditFiguresConfig *config;
  char *unmatched;
  LucidAuditFigures *figures;
} Closed;

static void
on_close (const LucidAuditWindowReport *r, gpointer data)
{
  Closed *closed = data;
  g_free (closed->unmatched);
  closed->unmatched = lucid_audit_figures_unmatched (r, closed->config);
  g_clear_pointer (&closed->figures, lucid_audit_figures_free);
  closed->figures = lucid_audit_figures_compute (r, closed->config, NULL);
  g_assert_nonnull (closed->figures);
}

/* Four events in groups gender=f/m × age=old/young, one tumbling window;
 * returns what unmatched() said (new, NULL when nothing). */
static char *
unmatched_for (LucidAuditConvention convention, const char *grouping,
    const char *privileged, const char *unprivileged)
{
  char *groupings[] = { (char *) grouping, NULL };
  char *priv[] = { (char *) privileged, NULL };
  char *unpriv[] = { (char *) unprivileged, NULL };
  LucidAuditFiguresConfig c = {.convention = convention,
    .groupings = grouping ? groupings : NULL,
    .privileged = privileged ? priv : NULL,
    .unprivileged = unprivileged ? unpriv : NULL,.level = 0.95,
  };
  Closed closed = { &c, NULL, NULL };
  LucidAuditWindowConfig wc = {.kind = LUCID_AUDIT_WINDOW_TUMBLING,
    .size = 4
  };
  g_autoptr (LucidAuditWindow) w = lucid_audit_window_new (&wc, on_close,
      &closed, NULL, NULL);
  const char *keys[] = { "age=old;gender=f", "age=young;gender=m",
    "age=old;gender=m", "age=young;gender=f"
  };
  for (guint i = 0; i < 4; i++)
    g_assert_true (lucid_audit_window_update (w, keys[i], 0, i % 2, i < 2,
            1.0, NULL));
  g_clear_pointer (&closed.figures, lucid_audit_figures_free);
  return closed.unmatched;
}

static void
test_unmatched (void)
{
  g_autofree char *none = unmatched_for (LUCID_AUDIT_CONVENTION_AIF360,
      "age;gender", "gender=m", "gender=f;age=old");
  g_assert_null (none);
  g_autofree char *grouping = unmatched_for (LUCID_AUDIT_CONVENTION_FAIRLEARN,
      "gendr", NULL, NULL);
  g_assert_nonnull (grouping);
  g_assert_nonnull (strstr (grouping, "grouping 'gendr': no group has "
          "attribute 'gendr'"));
  g_assert_nonnull (strstr (grouping, "age=old;gender=f"));
  g_autofree char *cond = unmatched_for (LUCID_AUDIT_CONVENTION_AIF360,
      NULL, "gendr=m", "gender=x");
  g_assert_nonnull (cond);
  g_assert_nonnull (strstr (cond, "privileged condition 'gendr=m' matches "
          "no group"));
  g_assert_nonnull (strstr (cond, "unprivileged condition 'gender=x' "
          "matches no group"));
  /* Conditions are AIF360's only: another convention ignores them. */
  g_autofree char *other = unmatched_for (LUCID_AUDIT_CONVENTION_FAIRLEARN,
      NULL, "gendr=m", NULL);
  g_assert_null (other);
}

/* ---- no truth ------------------------------------------------------------ */

/* Groups from a tag only, no truth at all: every truth-based between-group
 * figure is NaN with reason no-truth (they said empty-group), the
 * prediction-only ones are numbers. */
static void
test_no_truth_between_groups (void)
{
  for (int conv = LUCID_AUDIT_CONVENTION_FAIRLEARN;
      conv <= LUCID_AUDIT_CONVENTION_AIF360; conv++) {
    char *groupings[] = { "gender", NULL };
    char *priv[] = { "gender=m", NULL }, *unpriv[] = { "gender=f", NULL };
    LucidAuditFiguresConfig c = {.convention = conv,.groupings = groupings,
      .level = 0.95,.ge_alpha = 2.0,.privileged = priv,.unprivileged = unpriv,
    };
    Closed closed = { &c, NULL, NULL };
    LucidAuditWindowConfig wc = {.kind = LUCID_AUDIT_WINDOW_TUMBLING,
      .size = 6
    };
    g_autoptr (LucidAuditWindow) w = lucid_audit_window_new (&wc, on_close,
        &closed, NULL, NULL);
    for (guint i = 0; i < 6; i++)
      g_assert_true (lucid_audit_window_update_event (w, i % 2 ? "gender=m"
              : "gender=f", 0, LUCID_FAIRNESS_TRUTH_UNKNOWN, i % 3 == 0,
              1.0, NULL));
    g_assert_nonnull (closed.figures);
    guint n_between = 0, n_truth_based = 0;
    for (guint i = 0; i < closed.figures->figures->len; i++) {
      const LucidAuditFigure *f = closed.figures->figures->pdata[i];
      gboolean prediction_only = strstr (f->metric, "selection_rate")
          || strstr (f->metric, "demographic_parity")
          || strstr (f->metric, "statistical_parity")
          || strstr (f->metric, "disparate_impact");
      /* Per-group rates follow each library's zero-denominator table
       * (AIF360's ppv is 0 by convention); between-group figures are the
       * ones that said empty-group. */
      if (f->per_group)
        continue;
      n_between++;
      if (prediction_only) {
        g_assert_false (isnan (f->value));
        continue;
      }
      n_truth_based++;
      if (!isnan (f->value))
        g_error ("%s %s %s %s = %g, want NaN", lucid_audit_convention_name (conv), f->grouping, f->group, f->metric, f->value);
      if (f->reason != LUCID_FAIRNESS_NO_TRUTH)
        g_error ("%s %s %s: reason %s, want no-truth",
            lucid_audit_convention_name (conv), f->grouping, f->metric,
            lucid_fairness_reason_name (f->reason));
    }
    g_assert_cmpuint (n_between, >, 0);
    g_assert_cmpuint (n_truth_based, >=, 4);
    g_clear_pointer (&closed.figures, lucid_audit_figures_free);
    g_free (closed.unmatched);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/audit-checks/memory/group-bytes", test_group_bytes);
  g_test_add_func ("/audit-checks/memory/max-bytes", test_max_bytes);
  g_test_add_func ("/audit-checks/memory/below-one-group",
      test_max_bytes_below_one_group);
  g_test_add_func ("/audit-checks/syntax", test_config_check);
  g_test_add_func ("/audit-checks/unmatched", test_unmatched);
  g_test_add_func ("/audit-checks/no-truth-between-groups",
      test_no_truth_between_groups);
  return g_test_run ();
}
