/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "bitlens-dataset.h"
#include "bitlens-evaluation.h"

G_BEGIN_DECLS

/* The bias finder: how each image attribute relates to the label and, with a model, to the
 * model's errors.
 *
 * Attributes: every number column of the table but "label" (the measured mean_luma,
 * std_luma, width and height included) and, for text columns other than "file", each word
 * (space-separated tag) found in at least two rows and not in every row; a text column with
 * more distinct words than half its rows is free text and is left out.
 *
 * Bins: a number attribute is cut into equal-count bins at its quantiles (values equal to a
 * cut stay together, so there may be fewer bins than asked); a tag has two bins, without and
 * with the word.
 *
 * Shortcut test: the best single-threshold rule ("value <= t predicts person", or "no
 * person", or with/without a tag) is compared with the majority baseline. Its lift (best
 * accuracy - baseline accuracy) is tested against chance by shuffling the labels
 * (n_permutations times, a fixed seed: the result is deterministic); p_value is the share of
 * shuffles whose best rule is at least as good. An attribute is flagged when
 * lift >= min_lift AND p_value <= max_p_value (defaults 0.03 and 0.05). With a model the same
 * test runs with "the model got it wrong" in place of the label (error_*). */
typedef enum
{
  BITLENS_BIAS_NUMBER = 1,
  BITLENS_BIAS_TAG,
} BitlensBiasKind;

typedef struct
{
  double           lower;                 /* smallest value in the bin (tag: 0 without, 1 with) */
  double           upper;                 /* largest value in the bin */
  guint            count;
  guint            n_person;
  double           person_rate;
  /* With a model: the rows with a score. */
  guint            n_evaluated;
  BitlensConfusion confusion;
  double           accuracy;               /* NaN when undefined */
  double           false_positive_rate;
  double           false_negative_rate;
} BitlensBiasBin;

/* A test of "this attribute alone predicts TARGET" (the label, or the model's error). */
typedef struct
{
  guint    n;                  /* rows tested */
  guint    n_positive;         /* rows whose target is 1 (person, or an error) */
  double   baseline_accuracy;  /* predicting the majority target */
  double   best_accuracy;      /* of the best single-threshold rule */
  double   threshold;          /* the rule: value <= threshold predicts below_predicts */
  int      below_predicts;     /* 0 or 1 */
  double   lift;               /* best_accuracy - baseline_accuracy */
  double   p_value;
  double   mutual_information; /* bits, between the bin and the target */
  gboolean flagged;
} BitlensBiasTest;

typedef struct
{
  char            *name;         /* the column, or "COLUMN:WORD" for a tag */
  char            *column;
  char            *tag;          /* NULL for a number attribute */
  BitlensBiasKind  kind;
  guint            n_bins;
  BitlensBiasBin  *bins;
  BitlensBiasTest  label;        /* attribute vs label */
  gboolean         has_errors;   /* with a model */
  BitlensBiasTest  errors;       /* attribute vs "the model was wrong" */
} BitlensBiasAttribute;

typedef struct
{
  guint   n_bins;            /* default 5 */
  guint   n_permutations;    /* default 2000 */
  double  min_lift;          /* default 0.03 */
  double  max_p_value;       /* default 0.05 */
  guint32 seed;              /* default 1 */
  double  threshold;         /* the model's errors at this score threshold; NAN (default):
                              * the evaluation's own */
} BitlensBiasOptions;

void bitlens_bias_options_init (BitlensBiasOptions *options);

typedef struct _BitlensBiasReport BitlensBiasReport;

/* Analyses the dataset's table, or the evaluation's (measured columns filled, and errors when
 * it has a model) when `evaluation` is not NULL. Rows whose image did not load are left
 * out. Cancelling returns BITLENS_ERROR_CANCELLED. */
BitlensBiasReport          *bitlens_bias_analyze          (BitlensDataset           *dataset,
                                                           BitlensEvaluation        *evaluation,
                                                           const BitlensBiasOptions *options,
                                                           GCancellable             *cancellable,
                                                           GError                  **error);
void                        bitlens_bias_analyze_async    (BitlensDataset           *dataset,
                                                           BitlensEvaluation        *evaluation,
                                                           const BitlensBiasOptions *options,
                                                           GCancellable             *cancellable,
                                                           GAsyncReadyCallback       callback,
                                                           gpointer                  user_data);
BitlensBiasReport          *bitlens_bias_analyze_finish   (GAsyncResult             *result,
                                                           GError                  **error);
void                        bitlens_bias_report_free      (BitlensBiasReport        *report);
const BitlensBiasOptions   *bitlens_bias_report_get_options (BitlensBiasReport      *report);
guint                       bitlens_bias_report_get_n_rows (BitlensBiasReport       *report);
guint                       bitlens_bias_report_get_n_person (BitlensBiasReport     *report);
gboolean                    bitlens_bias_report_has_model (BitlensBiasReport        *report);
/* Attributes in table order (tags by descending frequency within their column). */
guint                       bitlens_bias_report_get_n_attributes (BitlensBiasReport *report);
const BitlensBiasAttribute *bitlens_bias_report_get_attribute (BitlensBiasReport    *report,
                                                               guint                 index);
/* Attributes that were not analysed and why ("width: one value (96)"). */
guint                       bitlens_bias_report_get_n_skipped (BitlensBiasReport    *report);
const char                 *bitlens_bias_report_get_skipped (BitlensBiasReport      *report,
                                                             guint                   index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BitlensBiasReport, bitlens_bias_report_free)

G_END_DECLS
