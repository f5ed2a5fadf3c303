/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "bitlens-dataset.h"
#include "bitlens-evaluation.h"
#include "bitlens-expression.h"
#include "bitlens-model.h"

G_BEGIN_DECLS

/* Data unit tests: named slices of a dataset with a metric and bounds, in a GLib key file:
 *
 *   [dataset]
 *   path=../shared/data/vww          (relative to the spec file)
 *   split=vww/test.txt               (optional; found by bitlens_dataset_find_split_file
 *                                     with the spec's folder as base)
 *   [model]
 *   path=models/v2.tflite            (optional; relative to the spec file)
 *   threshold=0.5                    (optional)
 *   [test dark_no_person]
 *   where=label == 0 && mean_luma < 80     (optional: every image)
 *   metric=accuracy                  (accuracy, precision, recall, false_positive_rate,
 *                                     false_negative_rate or count)
 *   min=0.80                         (min= and/or max=, inclusive)
 *
 * A value may end with a comment: " #" and the rest of the line are dropped (a '#' inside a
 * quoted string of `where` stays). Lines starting with '#' are comments too. Every error
 * says FILE:LINE: what is wrong, in BITLENS_ERROR_SPEC_INVALID. */
typedef struct _BitlensDatatestSpec BitlensDatatestSpec;   /* immutable once bound */

typedef struct
{
  char               *name;         /* from [test NAME] */
  guint               line;         /* of the [test NAME] header */
  char               *where;        /* NULL: every image */
  guint               where_line;
  BitlensExpression  *expression;   /* NULL when `where` is absent */
  BitlensMetric       metric;
  double              min;          /* NaN when absent */
  double              max;          /* NaN when absent */
} BitlensDatatest;

BitlensDatatestSpec   *bitlens_datatest_spec_load          (const char          *path,
                                                            GError             **error);
/* `path` names the spec in messages and is the base of relative paths. */
BitlensDatatestSpec   *bitlens_datatest_spec_new_from_data (const char          *data,
                                                            gsize                length,
                                                            const char          *path,
                                                            GError             **error);
BitlensDatatestSpec   *bitlens_datatest_spec_ref           (BitlensDatatestSpec *spec);
void                   bitlens_datatest_spec_unref         (BitlensDatatestSpec *spec);
const char            *bitlens_datatest_spec_get_path      (BitlensDatatestSpec *spec);
/* The spec's base name, used as the JUnit test suite name. */
const char            *bitlens_datatest_spec_get_name      (BitlensDatatestSpec *spec);
/* Resolved against the spec's folder. */
const char            *bitlens_datatest_spec_get_dataset_path (BitlensDatatestSpec *spec);
/* As written, or NULL. */
const char            *bitlens_datatest_spec_get_split     (BitlensDatatestSpec *spec);
/* Resolved against the spec's folder, or NULL. */
const char            *bitlens_datatest_spec_get_model_path (BitlensDatatestSpec *spec);
/* NaN when the spec sets none. */
double                 bitlens_datatest_spec_get_threshold (BitlensDatatestSpec *spec);
guint                  bitlens_datatest_spec_get_n_tests   (BitlensDatatestSpec *spec);
const BitlensDatatest *bitlens_datatest_spec_get_test      (BitlensDatatestSpec *spec,
                                                            guint                index);
/* Checks every `where` against the dataset's columns; errors name the spec's line:
 * "dark.spec:7: where: unknown column 'mean_lumaa' at column 17 (columns: ...)". */
gboolean               bitlens_datatest_spec_bind          (BitlensDatatestSpec *spec,
                                                            BitlensTable        *table,
                                                            GError             **error);
/* Loads the dataset (and split) the spec names; fails with the spec's line when it cannot. */
BitlensDataset        *bitlens_datatest_spec_load_dataset  (BitlensDatatestSpec *spec,
                                                            GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BitlensDatatestSpec, bitlens_datatest_spec_unref)

/* The outcome of one test for one model. */
typedef struct
{
  guint            n_images;     /* slice size: images with a score matching `where` */
  BitlensConfusion confusion;
  double           value;        /* NaN when undefined */
  gboolean         passed;
  char            *message;      /* why it failed ("accuracy 0.6700 is below min 0.8000"),
                                  * NULL when it passed */
} BitlensDatatestOutcome;

typedef struct
{
  const BitlensDatatest  *test;
  BitlensDatatestOutcome  a;
  gboolean                has_b;
  BitlensDatatestOutcome  b;       /* with a second model */
} BitlensDatatestResult;

/* Results of every test of a spec on one model (A) and optionally a second one (B) for
 * comparison. The verdict (passed, n_failed) is model A's. */
typedef struct _BitlensDatatestReport BitlensDatatestReport;

/* The evaluations must come from the spec's dataset (after bitlens_datatest_spec_bind with
 * its table); `evaluation_b` may be NULL. The report keeps references to all three. */
BitlensDatatestReport       *bitlens_datatest_report_new        (BitlensDatatestSpec   *spec,
                                                                 BitlensEvaluation     *evaluation_a,
                                                                 BitlensEvaluation     *evaluation_b);
void                         bitlens_datatest_report_free       (BitlensDatatestReport *report);
guint                        bitlens_datatest_report_get_n_results (BitlensDatatestReport *report);
const BitlensDatatestResult *bitlens_datatest_report_get_result (BitlensDatatestReport *report,
                                                                 guint                  index);
guint                        bitlens_datatest_report_get_n_failed (BitlensDatatestReport *report);
gboolean                     bitlens_datatest_report_passed     (BitlensDatatestReport *report);
BitlensEvaluation           *bitlens_datatest_report_get_evaluation (BitlensDatatestReport *report,
                                                                     gboolean               b);
/* A table, one row per test: name, slice size, metric, value, bounds, PASS/FAIL (and B's
 * value, verdict and B - A), then the failure messages and a summary line. */
char                        *bitlens_datatest_report_to_text    (BitlensDatatestReport *report);
char                        *bitlens_datatest_report_to_json    (BitlensDatatestReport *report);
/* JUnit XML (testsuites / testsuite / testcase with failure message and details) as the
 * Jenkins and Ant JUnit schemas describe it. */
char                        *bitlens_datatest_report_to_junit   (BitlensDatatestReport *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BitlensDatatestReport, bitlens_datatest_report_free)

/* Everything a spec asks, off the caller's thread: load the dataset (and split), bind,
 * evaluate model A (and B), and build the report. `model_a` NULL: the spec's [model] path.
 * `threshold` NaN: the spec's, else 0.5. Progress counts the images of both evaluations. */
typedef struct
{
  BitlensDatatestSpec *spec;
  BitlensModel        *model_a;       /* may be NULL */
  BitlensModel        *model_b;       /* may be NULL */
  double               threshold;
  guint                n_threads;
} BitlensDatatestRunOptions;

BitlensDatatestReport *bitlens_datatest_run        (const BitlensDatatestRunOptions *options,
                                                    GCancellable                    *cancellable,
                                                    BitlensProgressFunc              progress,
                                                    gpointer                         progress_data,
                                                    GError                         **error);
void                   bitlens_datatest_run_async  (const BitlensDatatestRunOptions *options,
                                                    GCancellable                    *cancellable,
                                                    BitlensProgressFunc              progress,
                                                    gpointer                         progress_data,
                                                    GDestroyNotify                   progress_data_free,
                                                    GAsyncReadyCallback              callback,
                                                    gpointer                         user_data);
BitlensDatatestReport *bitlens_datatest_run_finish (GAsyncResult                    *result,
                                                    GError                         **error);

G_END_DECLS
