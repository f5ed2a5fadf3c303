/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "bitlens-dataset.h"
#include "bitlens-expression.h"
#include "bitlens-interpreter.h"
#include "bitlens-model.h"

G_BEGIN_DECLS

/* Counts of a binary confusion matrix, "positive" = person. */
typedef struct
{
  guint true_positives;    /* label 1, predicted 1 */
  guint false_positives;   /* label 0, predicted 1 */
  guint true_negatives;    /* label 0, predicted 0 */
  guint false_negatives;   /* label 1, predicted 0 */
} BitlensConfusion;

typedef enum
{
  BITLENS_METRIC_ACCURACY = 1,          /* (TP + TN) / all */
  BITLENS_METRIC_PRECISION,             /* TP / (TP + FP) */
  BITLENS_METRIC_RECALL,                /* TP / (TP + FN) */
  BITLENS_METRIC_FALSE_POSITIVE_RATE,   /* FP / (FP + TN) */
  BITLENS_METRIC_FALSE_NEGATIVE_RATE,   /* FN / (FN + TP) */
  BITLENS_METRIC_COUNT,                 /* all */
} BitlensMetric;

guint        bitlens_confusion_get_total  (const BitlensConfusion *confusion);
/* NaN when the denominator is 0 (COUNT is always defined). */
double       bitlens_confusion_get_metric (const BitlensConfusion *confusion,
                                           BitlensMetric           metric);
void         bitlens_confusion_add        (BitlensConfusion       *confusion,
                                           int                     label,
                                           int                     predicted);
/* "accuracy", "precision", "recall", "false_positive_rate", "false_negative_rate", "count". */
const char  *bitlens_metric_get_name      (BitlensMetric           metric);
/* Also accepts "fpr" and "fnr"; FALSE for unknown names. */
gboolean     bitlens_metric_from_name     (const char             *name,
                                           BitlensMetric          *metric);
/* "accuracy, precision, ..." for messages. */
const char  *bitlens_metric_list_names    (void);

typedef struct
{
  double                  threshold;          /* predicted person when score >= threshold */
  guint                   n_threads;          /* 0: one per processor */
  BitlensInterpreterFlags interpreter_flags;
} BitlensEvaluationOptions;

/* threshold 0.5, n_threads 0, default interpreter flags. */
void bitlens_evaluation_options_init (BitlensEvaluationOptions *options);

/* The result for one dataset item. */
typedef struct
{
  gboolean loaded;       /* FALSE when the image could not be read (see the problems) */
  double   score;        /* person score; NaN without a model or when not loaded */
  int      width;        /* of the image file, 0 when not loaded */
  int      height;
  /* Mean and population standard deviation of the pixels' ITU-R 601 luma, 0..255, in
   * Pillow's "L" fixed point: (19595 R + 38470 G + 7471 B + 32768) >> 16 (so they match
   * the values of labels.csv files made with Pillow, such as vww's). NaN when not loaded. */
  double   mean_luma;
  double   std_luma;
} BitlensPrediction;

/* Reports `done` of `total` images. From bitlens_evaluation_run it is called from the worker
 * threads, one call at a time, with `done` increasing; from bitlens_evaluation_run_async it
 * is called in the thread-default main context of the caller. */
typedef void (*BitlensProgressFunc) (guint    done,
                                     guint    total,
                                     gpointer user_data);

/* Runs a model over every item of a dataset: loads the image (bitlens_image_load), measures
 * it, writes the input (bitlens_image_to_input), invokes and reads the person score. Several
 * threads, one interpreter each, share the model; each item's result depends on that item
 * alone, so results are identical whatever the thread count. `model` may be NULL: then only
 * the images are measured (for the bias finder). Unreadable images are recorded as problems
 * and left out of every count. Cancelling returns BITLENS_ERROR_CANCELLED. */
typedef struct _BitlensEvaluation BitlensEvaluation;

GType               bitlens_evaluation_get_type       (void) G_GNUC_CONST;
BitlensEvaluation  *bitlens_evaluation_run            (BitlensDataset                 *dataset,
                                                       BitlensModel                   *model,
                                                       const BitlensEvaluationOptions *options,
                                                       GCancellable                   *cancellable,
                                                       BitlensProgressFunc             progress,
                                                       gpointer                        progress_data,
                                                       GError                        **error);
/* `progress_data_free` is called on progress_data once no more progress calls can come. */
void                bitlens_evaluation_run_async      (BitlensDataset                 *dataset,
                                                       BitlensModel                   *model,
                                                       const BitlensEvaluationOptions *options,
                                                       GCancellable                   *cancellable,
                                                       BitlensProgressFunc             progress,
                                                       gpointer                        progress_data,
                                                       GDestroyNotify                  progress_data_free,
                                                       GAsyncReadyCallback             callback,
                                                       gpointer                        user_data);
BitlensEvaluation  *bitlens_evaluation_run_finish     (GAsyncResult                   *result,
                                                       GError                        **error);

BitlensEvaluation  *bitlens_evaluation_ref            (BitlensEvaluation *evaluation);
void                bitlens_evaluation_unref          (BitlensEvaluation *evaluation);
BitlensDataset     *bitlens_evaluation_get_dataset    (BitlensEvaluation *evaluation);
/* NULL for a measurement-only evaluation. */
BitlensModel       *bitlens_evaluation_get_model      (BitlensEvaluation *evaluation);
double              bitlens_evaluation_get_threshold  (BitlensEvaluation *evaluation);
guint               bitlens_evaluation_get_n_threads  (BitlensEvaluation *evaluation);
/* Wall-clock seconds the run took. */
double              bitlens_evaluation_get_seconds    (BitlensEvaluation *evaluation);
/* One row per dataset item, in the dataset's order. */
guint               bitlens_evaluation_get_n_rows     (BitlensEvaluation *evaluation);
const BitlensPrediction *bitlens_evaluation_get_prediction (BitlensEvaluation *evaluation,
                                                            guint              row);
/* 1, 0, or -1 when the row has no score. */
int                 bitlens_evaluation_get_predicted  (BitlensEvaluation *evaluation,
                                                       guint              row,
                                                       double             threshold);
/* The dataset's table with the measured columns filled. */
BitlensTable       *bitlens_evaluation_get_table      (BitlensEvaluation *evaluation);
/* The dataset's problems followed by the images that could not be read. */
guint               bitlens_evaluation_get_n_problems (BitlensEvaluation *evaluation);
const BitlensDatasetProblem *bitlens_evaluation_get_problem (BitlensEvaluation *evaluation,
                                                             guint              index);

/* Rows whose image loaded and that match `where` (NULL: all), ascending. The expression
 * must be bound to the dataset's or the evaluation's table. */
GArray             *bitlens_evaluation_select         (BitlensEvaluation       *evaluation,
                                                       const BitlensExpression *where);
/* Confusion matrix of the rows that have a score and match `where` (NULL: all). */
void                bitlens_evaluation_count          (BitlensEvaluation       *evaluation,
                                                       const BitlensExpression *where,
                                                       double                   threshold,
                                                       BitlensConfusion        *confusion);

typedef enum
{
  BITLENS_FAILURE_FALSE_POSITIVE = 1 << 0,
  BITLENS_FAILURE_FALSE_NEGATIVE = 1 << 1,
  BITLENS_FAILURE_ALL = BITLENS_FAILURE_FALSE_POSITIVE | BITLENS_FAILURE_FALSE_NEGATIVE,
} BitlensFailureKind;

/* How sure the model was of a wrong answer: the score for a false positive, 1 - score for a
 * false negative. */
double              bitlens_evaluation_get_mistake_confidence (BitlensEvaluation *evaluation,
                                                               guint              row);
/* Rows (guint) of the mistakes of the given kinds that match `where` (NULL: all), most
 * confident mistake first: false positives by descending score, false negatives by
 * ascending score, both kinds merged by bitlens_evaluation_get_mistake_confidence; ties keep
 * the dataset's order. */
GArray             *bitlens_evaluation_list_failures  (BitlensEvaluation       *evaluation,
                                                       const BitlensExpression *where,
                                                       BitlensFailureKind       kinds,
                                                       double                   threshold);

/* CSV with a header: file,label,score,predicted,correct (one line per row with a score; the
 * score printed with %.9g, which writes int8 scores exactly and float32 scores so that
 * they read back to the same float). */
char               *bitlens_evaluation_format_predictions_csv (BitlensEvaluation *evaluation,
                                                               double             threshold);
gboolean            bitlens_evaluation_write_predictions_csv  (BitlensEvaluation *evaluation,
                                                               double             threshold,
                                                               const char        *path,
                                                               GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BitlensEvaluation, bitlens_evaluation_unref)

G_END_DECLS
