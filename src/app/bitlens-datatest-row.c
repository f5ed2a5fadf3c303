/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-datatest-row.h"

struct _BitlensDatatestRow
{
  GObject                 parent_instance;

  guint                   index;
  char                   *name;
  char                   *where;
  guint                   line;
  BitlensMetric           metric;
  double                  min;
  double                  max;
  gboolean                has_b;
  BitlensDatatestOutcome  outcomes[2];
};

G_DEFINE_FINAL_TYPE (BitlensDatatestRow, bitlens_datatest_row, G_TYPE_OBJECT)

static void
bitlens_datatest_row_finalize (GObject *object)
{
  BitlensDatatestRow *self = BITLENS_DATATEST_ROW (object);

  g_free (self->name);
  g_free (self->where);
  g_free (self->outcomes[0].message);
  g_free (self->outcomes[1].message);

  G_OBJECT_CLASS (bitlens_datatest_row_parent_class)->finalize (object);
}

static void
bitlens_datatest_row_class_init (BitlensDatatestRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bitlens_datatest_row_finalize;
}

static void
bitlens_datatest_row_init (BitlensDatatestRow *self)
{
}

static void
copy_outcome (BitlensDatatestOutcome       *copy,
              const BitlensDatatestOutcome *outcome)
{
  *copy = *outcome;
  copy->message = g_strdup (outcome->message);
}

BitlensDatatestRow *
bitlens_datatest_row_new (const BitlensDatatestResult *result,
                          guint                        index)
{
  BitlensDatatestRow *self;

  g_return_val_if_fail (result != NULL, NULL);

  self = g_object_new (BITLENS_TYPE_DATATEST_ROW, NULL);
  self->index = index;
  self->name = g_strdup (result->test->name);
  self->where = g_strdup (result->test->where);
  self->line = result->test->line;
  self->metric = result->test->metric;
  self->min = result->test->min;
  self->max = result->test->max;
  self->has_b = result->has_b;
  copy_outcome (&self->outcomes[0], &result->a);
  if (result->has_b)
    copy_outcome (&self->outcomes[1], &result->b);
  return self;
}

guint
bitlens_datatest_row_get_index (BitlensDatatestRow *self)
{
  g_return_val_if_fail (BITLENS_IS_DATATEST_ROW (self), 0);
  return self->index;
}

const char *
bitlens_datatest_row_get_name (BitlensDatatestRow *self)
{
  g_return_val_if_fail (BITLENS_IS_DATATEST_ROW (self), NULL);
  return self->name;
}

const char *
bitlens_datatest_row_get_where (BitlensDatatestRow *self)
{
  g_return_val_if_fail (BITLENS_IS_DATATEST_ROW (self), NULL);
  return self->where;
}

guint
bitlens_datatest_row_get_line (BitlensDatatestRow *self)
{
  g_return_val_if_fail (BITLENS_IS_DATATEST_ROW (self), 0);
  return self->line;
}

BitlensMetric
bitlens_datatest_row_get_metric (BitlensDatatestRow *self)
{
  g_return_val_if_fail (BITLENS_IS_DATATEST_ROW (self), BITLENS_METRIC_ACCURACY);
  return self->metric;
}

double
bitlens_datatest_row_get_min (BitlensDatatestRow *self)
{
  g_return_val_if_fail (BITLENS_IS_DATATEST_ROW (self), NAN);
  return self->min;
}

double
bitlens_datatest_row_get_max (BitlensDatatestRow *self)
{
  g_return_val_if_fail (BITLENS_IS_DATATEST_ROW (self), NAN);
  return self->max;
}

gboolean
bitlens_datatest_row_has_b (BitlensDatatestRow *self)
{
  g_return_val_if_fail (BITLENS_IS_DATATEST_ROW (self), FALSE);
  return self->has_b;
}

const BitlensDatatestOutcome *
bitlens_datatest_row_get_outcome (BitlensDatatestRow *self,
                                  gboolean            b)
{
  g_return_val_if_fail (BITLENS_IS_DATATEST_ROW (self), NULL);
  g_return_val_if_fail (!b || self->has_b, NULL);
  return &self->outcomes[b ? 1 : 0];
}

/* A metric's value: a count as an integer, a rate with four decimals (as bitlens-cli
 * test prints them). */
static char *
format_number (BitlensMetric metric,
               double        value)
{
  if (isnan (value))
    return g_strdup ("—");
  if (metric == BITLENS_METRIC_COUNT)
    return g_strdup_printf ("%.0f", value);
  return g_strdup_printf ("%.4f", value);
}

char *
bitlens_datatest_row_format_bounds (BitlensDatatestRow *self)
{
  g_autofree char *min = NULL;
  g_autofree char *max = NULL;

  g_return_val_if_fail (BITLENS_IS_DATATEST_ROW (self), NULL);

  min = format_number (self->metric, self->min);
  max = format_number (self->metric, self->max);
  if (!isnan (self->min) && !isnan (self->max))
    return g_strdup_printf ("%s – %s", min, max);
  if (!isnan (self->min))
    return g_strdup_printf ("≥ %s", min);
  if (!isnan (self->max))
    return g_strdup_printf ("≤ %s", max);
  return g_strdup ("—");
}

char *
bitlens_datatest_row_format_value (BitlensDatatestRow *self,
                                   gboolean            b)
{
  g_return_val_if_fail (BITLENS_IS_DATATEST_ROW (self), NULL);
  g_return_val_if_fail (!b || self->has_b, NULL);
  return format_number (self->metric, self->outcomes[b ? 1 : 0].value);
}

char *
bitlens_datatest_row_format_difference (BitlensDatatestRow *self)
{
  double difference;
  g_autofree char *magnitude = NULL;

  g_return_val_if_fail (BITLENS_IS_DATATEST_ROW (self), NULL);

  if (!self->has_b)
    return g_strdup ("—");
  difference = self->outcomes[1].value - self->outcomes[0].value;
  if (isnan (difference))
    return g_strdup ("—");
  magnitude = format_number (self->metric, fabs (difference));
  if (difference == 0)
    return g_strdup_printf ("±%s", magnitude);
  /* U+2212 MINUS SIGN lines up with the plus sign. */
  return g_strdup_printf ("%s%s", difference > 0 ? "+" : "−", magnitude);
}

guint
bitlens_datatest_row_get_n_mistakes (BitlensDatatestRow *self,
                                     gboolean            b)
{
  const BitlensDatatestOutcome *outcome;

  g_return_val_if_fail (BITLENS_IS_DATATEST_ROW (self), 0);
  g_return_val_if_fail (!b || self->has_b, 0);
  outcome = &self->outcomes[b ? 1 : 0];
  return outcome->confusion.false_positives + outcome->confusion.false_negatives;
}
