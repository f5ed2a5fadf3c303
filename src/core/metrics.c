/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include "bitlens/bitlens-evaluation.h"

/* Confusion matrices and the metrics computed from them. */

static const struct
{
  BitlensMetric  metric;
  const char    *name;
} metric_names[] = {
  { BITLENS_METRIC_ACCURACY, "accuracy" },
  { BITLENS_METRIC_PRECISION, "precision" },
  { BITLENS_METRIC_RECALL, "recall" },
  { BITLENS_METRIC_FALSE_POSITIVE_RATE, "false_positive_rate" },
  { BITLENS_METRIC_FALSE_NEGATIVE_RATE, "false_negative_rate" },
  { BITLENS_METRIC_COUNT, "count" },
};

guint
bitlens_confusion_get_total (const BitlensConfusion *confusion)
{
  g_return_val_if_fail (confusion != NULL, 0);
  return confusion->true_positives + confusion->false_positives +
         confusion->true_negatives + confusion->false_negatives;
}

static double
ratio (guint numerator,
       guint denominator)
{
  return denominator == 0 ? NAN : (double) numerator / (double) denominator;
}

double
bitlens_confusion_get_metric (const BitlensConfusion *confusion,
                              BitlensMetric           metric)
{
  guint tp, fp, tn, fn;

  g_return_val_if_fail (confusion != NULL, NAN);
  tp = confusion->true_positives;
  fp = confusion->false_positives;
  tn = confusion->true_negatives;
  fn = confusion->false_negatives;
  switch (metric)
    {
    case BITLENS_METRIC_ACCURACY: return ratio (tp + tn, tp + fp + tn + fn);
    case BITLENS_METRIC_PRECISION: return ratio (tp, tp + fp);
    case BITLENS_METRIC_RECALL: return ratio (tp, tp + fn);
    case BITLENS_METRIC_FALSE_POSITIVE_RATE: return ratio (fp, fp + tn);
    case BITLENS_METRIC_FALSE_NEGATIVE_RATE: return ratio (fn, fn + tp);
    case BITLENS_METRIC_COUNT: return tp + fp + tn + fn;
    default:
      g_return_val_if_reached (NAN);
    }
}

void
bitlens_confusion_add (BitlensConfusion *confusion,
                       int               label,
                       int               predicted)
{
  g_return_if_fail (confusion != NULL);
  if (label == 1)
    {
      if (predicted == 1)
        confusion->true_positives++;
      else
        confusion->false_negatives++;
    }
  else
    {
      if (predicted == 1)
        confusion->false_positives++;
      else
        confusion->true_negatives++;
    }
}

const char *
bitlens_metric_get_name (BitlensMetric metric)
{
  for (gsize i = 0; i < G_N_ELEMENTS (metric_names); i++)
    if (metric_names[i].metric == metric)
      return metric_names[i].name;
  g_return_val_if_reached (NULL);
}

gboolean
bitlens_metric_from_name (const char    *name,
                          BitlensMetric *metric)
{
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (metric != NULL, FALSE);

  for (gsize i = 0; i < G_N_ELEMENTS (metric_names); i++)
    if (strcmp (metric_names[i].name, name) == 0)
      {
        *metric = metric_names[i].metric;
        return TRUE;
      }
  if (strcmp (name, "fpr") == 0)
    {
      *metric = BITLENS_METRIC_FALSE_POSITIVE_RATE;
      return TRUE;
    }
  if (strcmp (name, "fnr") == 0)
    {
      *metric = BITLENS_METRIC_FALSE_NEGATIVE_RATE;
      return TRUE;
    }
  return FALSE;
}

const char *
bitlens_metric_list_names (void)
{
  return "accuracy, precision, recall, false_positive_rate, false_negative_rate, count";
}
