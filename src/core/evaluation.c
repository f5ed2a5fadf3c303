/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "bitlens/bitlens-evaluation.h"
#include "bitlens/bitlens-image.h"
#include "async-progress.h"
#include "dataset-private.h"

struct _BitlensEvaluation
{
  gatomicrefcount    ref_count;
  BitlensDataset    *dataset;
  BitlensModel      *model;          /* NULL: measurement only */
  double             threshold;
  guint              n_threads;
  double             seconds;
  guint              n_rows;
  BitlensPrediction *predictions;
  BitlensTable      *table;
  GPtrArray         *problems;       /* BitlensDatasetProblem */
};

G_DEFINE_BOXED_TYPE (BitlensEvaluation, bitlens_evaluation, bitlens_evaluation_ref, bitlens_evaluation_unref)

void
bitlens_evaluation_options_init (BitlensEvaluationOptions *options)
{
  g_return_if_fail (options != NULL);
  options->threshold = 0.5;
  options->n_threads = 0;
  options->interpreter_flags = BITLENS_INTERPRETER_DEFAULT;
}

/* Image measurements: the ITU-R 601 luma of each pixel in the fixed point Pillow's "L"
 * conversion uses, y = (19595 R + 38470 G + 7471 B + 32768) >> 16 (0..255), then the mean
 * and the population standard deviation of y over the image. Labelled datasets made in
 * Python carry exactly these values (vww's labels.csv, rounded to 0.1). The sums are exact
 * integers. */
static guint
pixel_luma (const guint8 *rgb)
{
  return (19595u * rgb[0] + 38470u * rgb[1] + 7471u * rgb[2] + 32768u) >> 16;
}

static void
measure_image (const BitlensImage *image,
               BitlensPrediction  *prediction)
{
  gsize n_pixels = (gsize) image->width * image->height;
  guint64 sum = 0, squares = 0;
  double mean, variance;

  prediction->width = image->width;
  prediction->height = image->height;
  if (n_pixels == 0)
    {
      prediction->mean_luma = NAN;
      prediction->std_luma = NAN;
      return;
    }
  for (gsize p = 0; p < n_pixels; p++)
    {
      guint64 luma = pixel_luma (image->pixels + p * 3);
      sum += luma;
      squares += luma * luma;
    }
  mean = (double) sum / (double) n_pixels;
  variance = (double) squares / (double) n_pixels - mean * mean;
  prediction->mean_luma = mean;
  prediction->std_luma = sqrt (MAX (variance, 0.0));
}

/* The shared state of one run. Workers take items from `next_item` and write only their
 * own slots of `predictions` and `errors`, so the result does not depend on which thread
 * ran which item. */
typedef struct
{
  BitlensDataset          *dataset;
  BitlensModel            *model;
  BitlensInterpreterFlags  interpreter_flags;
  GCancellable            *cancellable;
  guint                    n_items;
  BitlensPrediction       *predictions;
  char                   **errors;          /* per item: why the image could not be used */
  gint                     next_item;       /* atomic */
  gint                     stop;            /* atomic: a fatal error happened */

  GMutex                   mutex;           /* guards done, progress calls and fatal */
  guint                    done;
  BitlensProgressFunc      progress;
  gpointer                 progress_data;
  GError                  *fatal;
} RunState;

static void
run_state_fail (RunState *state,
                GError   *error)
{
  g_mutex_lock (&state->mutex);
  if (state->fatal == NULL)
    state->fatal = error;
  else
    g_error_free (error);
  g_mutex_unlock (&state->mutex);
  g_atomic_int_set (&state->stop, 1);
}

static void
run_state_item_done (RunState *state)
{
  g_mutex_lock (&state->mutex);
  state->done++;
  if (state->progress != NULL)
    state->progress (state->done, state->n_items, state->progress_data);
  g_mutex_unlock (&state->mutex);
}

/* Returns FALSE on a fatal (model-level) error. */
static gboolean
process_item (RunState            *state,
              BitlensInterpreter  *interpreter,
              guint                index)
{
  const BitlensDatasetItem *item = bitlens_dataset_get_item (state->dataset, index);
  BitlensPrediction *prediction = &state->predictions[index];
  g_autoptr(BitlensImage) image = NULL;
  g_autoptr(GError) error = NULL;

  prediction->score = NAN;
  prediction->mean_luma = NAN;
  prediction->std_luma = NAN;

  image = bitlens_image_load (item->path, &error);
  if (image == NULL)
    {
      state->errors[index] = g_strdup_printf (_("cannot read %s: %s"), item->file, error->message);
      return TRUE;
    }
  prediction->loaded = TRUE;
  measure_image (image, prediction);

  if (interpreter != NULL)
    {
      BitlensModel *model = bitlens_interpreter_get_model (interpreter);
      const BitlensTensor *input = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));

      if (!bitlens_image_to_input (image, input, bitlens_interpreter_get_input_data (interpreter, 0), &error))
        {
          g_prefix_error (&error, _("cannot evaluate %s on %s: "), bitlens_model_get_name (model), item->file);
          run_state_fail (state, g_steal_pointer (&error));
          return FALSE;
        }
      bitlens_interpreter_invoke (interpreter);
      prediction->score = bitlens_interpreter_get_person_score (interpreter);
    }
  return TRUE;
}

static gpointer
run_worker (gpointer data)
{
  RunState *state = data;
  g_autoptr(BitlensInterpreter) interpreter = NULL;

  if (state->model != NULL)
    {
      GError *error = NULL;

      interpreter = bitlens_interpreter_new (state->model, state->interpreter_flags, &error);
      if (interpreter == NULL)
        {
          run_state_fail (state, error);
          return NULL;
        }
    }

  for (;;)
    {
      guint index;

      if (g_atomic_int_get (&state->stop) || g_cancellable_is_cancelled (state->cancellable))
        break;
      index = (guint) g_atomic_int_add (&state->next_item, 1);
      if (index >= state->n_items)
        break;
      if (!process_item (state, interpreter, index))
        break;
      run_state_item_done (state);
    }
  return NULL;
}

static gboolean
check_model (BitlensModel  *model,
             GError       **error)
{
  if (bitlens_model_get_n_inputs (model) == 0 || bitlens_model_get_n_outputs (model) == 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("%s: a person detector needs an input and an output"), bitlens_model_get_name (model));
      return FALSE;
    }
  return TRUE;
}

/* Fills the measured columns of the evaluation's table. */
static void
fill_measured_columns (BitlensEvaluation *self)
{
  BitlensTable *table = self->table;

  for (guint c = 0; c < bitlens_table_get_n_columns (table); c++)
    {
      const char *name = bitlens_table_get_column_name (table, c);

      if (!bitlens_table_column_is_measured (table, c))
        continue;
      for (guint row = 0; row < self->n_rows; row++)
        {
          const BitlensPrediction *prediction = &self->predictions[row];
          double value = NAN;

          if (prediction->loaded)
            {
              if (strcmp (name, "width") == 0)
                value = prediction->width;
              else if (strcmp (name, "height") == 0)
                value = prediction->height;
              else if (strcmp (name, "mean_luma") == 0)
                value = prediction->mean_luma;
              else if (strcmp (name, "std_luma") == 0)
                value = prediction->std_luma;
            }
          bitlens_table_set_number (table, row, c, value);
        }
    }
}

static void
collect_problems (BitlensEvaluation *self,
                  char             **errors)
{
  BitlensDataset *dataset = self->dataset;
  const char *labels_path = bitlens_dataset_get_labels_path (dataset);

  for (guint i = 0; i < bitlens_dataset_get_n_problems (dataset); i++)
    g_ptr_array_add (self->problems, bitlens_dataset_problem_copy (bitlens_dataset_get_problem (dataset, i)));
  for (guint row = 0; row < self->n_rows; row++)
    {
      const BitlensDatasetItem *item = bitlens_dataset_get_item (dataset, row);

      if (errors[row] == NULL)
        continue;
      if (labels_path != NULL)
        g_ptr_array_add (self->problems, bitlens_dataset_problem_new (labels_path, item->line, item->file, errors[row]));
      else
        g_ptr_array_add (self->problems, bitlens_dataset_problem_new (item->path, 0, item->file, errors[row]));
    }
}

BitlensEvaluation *
bitlens_evaluation_run (BitlensDataset                 *dataset,
                        BitlensModel                   *model,
                        const BitlensEvaluationOptions *options,
                        GCancellable                   *cancellable,
                        BitlensProgressFunc             progress,
                        gpointer                        progress_data,
                        GError                        **error)
{
  g_autoptr(BitlensEvaluation) self = NULL;
  BitlensEvaluationOptions defaults;
  RunState state = { 0 };
  g_autoptr(GPtrArray) threads = NULL;
  gint64 start = g_get_monotonic_time ();
  guint n_threads;

  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      bitlens_evaluation_options_init (&defaults);
      options = &defaults;
    }
  if (model != NULL && !check_model (model, error))
    return NULL;

  self = g_new0 (BitlensEvaluation, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->dataset = bitlens_dataset_ref (dataset);
  self->model = model != NULL ? bitlens_model_ref (model) : NULL;
  self->threshold = options->threshold;
  self->n_rows = bitlens_dataset_get_n_items (dataset);
  self->predictions = g_new0 (BitlensPrediction, MAX (self->n_rows, 1));
  self->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) bitlens_dataset_problem_free);

  n_threads = options->n_threads > 0 ? options->n_threads : (guint) g_get_num_processors ();
  n_threads = CLAMP (n_threads, 1, MAX (self->n_rows, 1));
  self->n_threads = n_threads;

  state.dataset = dataset;
  state.model = model;
  state.interpreter_flags = options->interpreter_flags;
  state.cancellable = cancellable;
  state.n_items = self->n_rows;
  state.predictions = self->predictions;
  state.errors = g_new0 (char *, self->n_rows + 1);
  state.progress = progress;
  state.progress_data = progress_data;
  g_mutex_init (&state.mutex);

  /* The calling thread works too. */
  threads = g_ptr_array_new ();
  for (guint t = 1; t < n_threads; t++)
    g_ptr_array_add (threads, g_thread_new ("bitlens-eval", run_worker, &state));
  run_worker (&state);
  for (guint t = 0; t < threads->len; t++)
    g_thread_join (g_ptr_array_index (threads, t));
  g_mutex_clear (&state.mutex);

  if (state.fatal != NULL)
    {
      g_propagate_error (error, state.fatal);
      g_strfreev (state.errors);
      return NULL;
    }
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error_literal (error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED, _("cancelled"));
      g_strfreev (state.errors);
      return NULL;
    }

  self->table = bitlens_table_copy (bitlens_dataset_get_table (dataset));
  fill_measured_columns (self);
  collect_problems (self, state.errors);
  g_strfreev (state.errors);
  self->seconds = (g_get_monotonic_time () - start) / 1e6;
  return g_steal_pointer (&self);
}

typedef struct
{
  BitlensDataset           *dataset;
  BitlensModel             *model;
  BitlensEvaluationOptions  options;
  BitlensProgressFunc       progress;
  gpointer                  progress_data;
} RunTaskData;

static void
run_task_data_free (gpointer data)
{
  RunTaskData *task_data = data;

  bitlens_dataset_unref (task_data->dataset);
  g_clear_pointer (&task_data->model, bitlens_model_unref);
  g_free (task_data);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      data,
            GCancellable *cancellable)
{
  RunTaskData *task_data = data;
  GError *error = NULL;
  BitlensEvaluation *evaluation;

  evaluation = bitlens_evaluation_run (task_data->dataset, task_data->model, &task_data->options, cancellable,
                                       task_data->progress, task_data->progress_data, &error);
  if (evaluation == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, evaluation, (GDestroyNotify) bitlens_evaluation_unref);
}

void
bitlens_evaluation_run_async (BitlensDataset                 *dataset,
                              BitlensModel                   *model,
                              const BitlensEvaluationOptions *options,
                              GCancellable                   *cancellable,
                              BitlensProgressFunc             progress,
                              gpointer                        progress_data,
                              GDestroyNotify                  progress_data_free,
                              GAsyncReadyCallback             callback,
                              gpointer                        user_data)
{
  g_autoptr(GTask) task = NULL;
  RunTaskData *task_data;

  g_return_if_fail (dataset != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bitlens_evaluation_run_async);
  /* Keep the run's own BITLENS_ERROR_CANCELLED rather than GTask's G_IO_ERROR_CANCELLED. */
  g_task_set_check_cancellable (task, FALSE);
  task_data = g_new0 (RunTaskData, 1);
  task_data->dataset = bitlens_dataset_ref (dataset);
  task_data->model = model != NULL ? bitlens_model_ref (model) : NULL;
  if (options != NULL)
    task_data->options = *options;
  else
    bitlens_evaluation_options_init (&task_data->options);
  bitlens_async_progress_attach (task, progress, progress_data, progress_data_free,
                                 &task_data->progress, &task_data->progress_data);
  g_task_set_task_data (task, task_data, run_task_data_free);
  g_task_run_in_thread (task, run_thread);
}

BitlensEvaluation *
bitlens_evaluation_run_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bitlens_evaluation_run_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Accessors */

BitlensEvaluation *
bitlens_evaluation_ref (BitlensEvaluation *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
bitlens_evaluation_unref (BitlensEvaluation *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  bitlens_dataset_unref (self->dataset);
  g_clear_pointer (&self->model, bitlens_model_unref);
  g_free (self->predictions);
  g_clear_pointer (&self->table, bitlens_table_unref);
  g_ptr_array_unref (self->problems);
  g_free (self);
}

BitlensDataset *
bitlens_evaluation_get_dataset (BitlensEvaluation *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->dataset;
}

BitlensModel *
bitlens_evaluation_get_model (BitlensEvaluation *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->model;
}

double
bitlens_evaluation_get_threshold (BitlensEvaluation *self)
{
  g_return_val_if_fail (self != NULL, NAN);
  return self->threshold;
}

guint
bitlens_evaluation_get_n_threads (BitlensEvaluation *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_threads;
}

double
bitlens_evaluation_get_seconds (BitlensEvaluation *self)
{
  g_return_val_if_fail (self != NULL, NAN);
  return self->seconds;
}

guint
bitlens_evaluation_get_n_rows (BitlensEvaluation *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_rows;
}

const BitlensPrediction *
bitlens_evaluation_get_prediction (BitlensEvaluation *self,
                                   guint              row)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (row < self->n_rows, NULL);
  return &self->predictions[row];
}

int
bitlens_evaluation_get_predicted (BitlensEvaluation *self,
                                  guint              row,
                                  double             threshold)
{
  double score;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (row < self->n_rows, -1);
  score = self->predictions[row].score;
  if (isnan (score))
    return -1;
  return score >= threshold ? 1 : 0;
}

BitlensTable *
bitlens_evaluation_get_table (BitlensEvaluation *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->table;
}

guint
bitlens_evaluation_get_n_problems (BitlensEvaluation *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->problems->len;
}

const BitlensDatasetProblem *
bitlens_evaluation_get_problem (BitlensEvaluation *self,
                                guint              index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->problems->len, NULL);
  return g_ptr_array_index (self->problems, index);
}

/* Slices, counts and failures */

static gboolean
row_matches (BitlensEvaluation       *self,
             const BitlensExpression *where,
             guint                    row)
{
  return where == NULL || bitlens_expression_matches (where, self->table, row);
}

GArray *
bitlens_evaluation_select (BitlensEvaluation       *self,
                           const BitlensExpression *where)
{
  GArray *rows;

  g_return_val_if_fail (self != NULL, NULL);
  rows = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint row = 0; row < self->n_rows; row++)
    if (self->predictions[row].loaded && row_matches (self, where, row))
      g_array_append_val (rows, row);
  return rows;
}

void
bitlens_evaluation_count (BitlensEvaluation       *self,
                          const BitlensExpression *where,
                          double                   threshold,
                          BitlensConfusion        *confusion)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (confusion != NULL);

  memset (confusion, 0, sizeof *confusion);
  for (guint row = 0; row < self->n_rows; row++)
    {
      int predicted = bitlens_evaluation_get_predicted (self, row, threshold);

      if (predicted < 0 || !row_matches (self, where, row))
        continue;
      bitlens_confusion_add (confusion, bitlens_dataset_get_item (self->dataset, row)->label, predicted);
    }
}

double
bitlens_evaluation_get_mistake_confidence (BitlensEvaluation *self,
                                           guint              row)
{
  double score;

  g_return_val_if_fail (self != NULL, NAN);
  g_return_val_if_fail (row < self->n_rows, NAN);
  score = self->predictions[row].score;
  return bitlens_dataset_get_item (self->dataset, row)->label == 1 ? 1.0 - score : score;
}

typedef struct
{
  guint  row;
  double confidence;
} Failure;

static gint
compare_failures (gconstpointer a,
                  gconstpointer b)
{
  const Failure *fa = a, *fb = b;

  if (fa->confidence != fb->confidence)
    return fa->confidence > fb->confidence ? -1 : 1;
  return fa->row < fb->row ? -1 : fa->row > fb->row;
}

GArray *
bitlens_evaluation_list_failures (BitlensEvaluation       *self,
                                  const BitlensExpression *where,
                                  BitlensFailureKind       kinds,
                                  double                   threshold)
{
  g_autoptr(GArray) failures = NULL;
  GArray *rows;

  g_return_val_if_fail (self != NULL, NULL);

  failures = g_array_new (FALSE, FALSE, sizeof (Failure));
  for (guint row = 0; row < self->n_rows; row++)
    {
      int predicted = bitlens_evaluation_get_predicted (self, row, threshold);
      int label = bitlens_dataset_get_item (self->dataset, row)->label;
      Failure failure;

      if (predicted < 0 || predicted == label || !row_matches (self, where, row))
        continue;
      if (predicted == 1 && !(kinds & BITLENS_FAILURE_FALSE_POSITIVE))
        continue;
      if (predicted == 0 && !(kinds & BITLENS_FAILURE_FALSE_NEGATIVE))
        continue;
      failure.row = row;
      failure.confidence = bitlens_evaluation_get_mistake_confidence (self, row);
      g_array_append_val (failures, failure);
    }
  g_array_sort (failures, compare_failures);

  rows = g_array_sized_new (FALSE, FALSE, sizeof (guint), failures->len);
  for (guint i = 0; i < failures->len; i++)
    g_array_append_val (rows, g_array_index (failures, Failure, i).row);
  return rows;
}

/* Predictions CSV */

char *
bitlens_evaluation_format_predictions_csv (BitlensEvaluation *self,
                                           double             threshold)
{
  GString *out;
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_new ("file,label,score,predicted,correct\n");
  for (guint row = 0; row < self->n_rows; row++)
    {
      const BitlensDatasetItem *item = bitlens_dataset_get_item (self->dataset, row);
      int predicted = bitlens_evaluation_get_predicted (self, row, threshold);

      if (predicted < 0)
        continue;
      bitlens_csv_append_field (out, item->file);
      g_string_append_printf (out, ",%d,%s,%d,%d\n", item->label,
                              g_ascii_formatd (number, sizeof number, "%.9g", self->predictions[row].score),
                              predicted, predicted == item->label);
    }
  return g_string_free (out, FALSE);
}

gboolean
bitlens_evaluation_write_predictions_csv (BitlensEvaluation  *self,
                                          double              threshold,
                                          const char         *path,
                                          GError            **error)
{
  g_autofree char *csv = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  csv = bitlens_evaluation_format_predictions_csv (self, threshold);
  if (!g_file_set_contents (path, csv, -1, &local_error))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO, "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
}
