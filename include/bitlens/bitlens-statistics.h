/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "bitlens-evaluation.h"
#include "bitlens-expression.h"

G_BEGIN_DECLS

/* What the scores of an evaluation look like as a whole, for plots and reports: the
 * precision-recall (and ROC) curve over every threshold, and histograms of the scores per
 * class. Computed on the rows that have a score and match `where` (NULL: every row). */

/* One threshold of the curve: every row scoring at least `threshold` is predicted person. */
typedef struct
{
  double           threshold;
  BitlensConfusion confusion;
  double           precision;             /* TP / (TP + FP) */
  double           recall;                /* TP / (TP + FN); NaN without person rows */
  double           false_positive_rate;   /* FP / (FP + TN); NaN without no-person rows */
} BitlensCurvePoint;

/* One point per distinct score, highest score first (so recall and the false positive
 * rate never decrease along the array); the last point predicts every row person. A GArray
 * of BitlensCurvePoint, empty when no row has a score. */
GArray *bitlens_evaluation_compute_curve             (BitlensEvaluation       *evaluation,
                                                      const BitlensExpression *where);
/* Average precision: the sum over the points of (recall_k - recall_(k-1)) * precision_k
 * with recall_0 = 0, the step-wise area under the precision-recall curve without
 * interpolation (scikit-learn's average_precision_score). Equals the mean, over the person
 * rows, of the precision at the threshold of their own score. NaN without person rows. */
double  bitlens_curve_get_average_precision          (GArray                  *curve);
/* Area under the ROC curve (false positive rate, recall) by the trapezoid rule from (0, 0):
 * the probability that a random person row scores above a random no-person row, ties
 * counting one half. NaN unless both classes are present. */
double  bitlens_curve_get_roc_auc                    (GArray                  *curve);
/* CSV with a header: threshold,true_positives,false_positives,true_negatives,
 * false_negatives,precision,recall,false_positive_rate (numbers with %.9g, empty when
 * undefined). */
char   *bitlens_curve_format_csv                     (GArray                  *curve);

/* One bin of a score histogram. */
typedef struct
{
  double lower;         /* i / n_bins */
  double upper;         /* (i + 1) / n_bins */
  guint  n_person;      /* rows labelled person whose score falls in the bin */
  guint  n_no_person;   /* rows labelled no person */
} BitlensScoreBin;

/* n_bins (>= 1) equal-width bins over [0, 1]: bin i holds lower <= score < upper, the last
 * bin holds 1 as well (scores below 0 count in the first bin, above 1 in the last). A
 * GArray of BitlensScoreBin. */
GArray *bitlens_evaluation_compute_score_histogram  (BitlensEvaluation       *evaluation,
                                                      const BitlensExpression *where,
                                                      guint                    n_bins);
/* CSV with a header: lower,upper,person,no_person. */
char   *bitlens_score_histogram_format_csv          (GArray                  *bins);

G_END_DECLS
