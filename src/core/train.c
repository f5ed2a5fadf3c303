/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-dataset.h"
#include "bitlens/bitlens-error.h"
#include "bitlens/bitlens-interpreter.h"
#include "bitlens/bitlens-train.h"
#include "train-checkpoint.h"
#include "train-data.h"
#include "train-deployed.h"
#include "train-network.h"
#include "train-parallel.h"

/* The training loop: sample views, make them (and the teacher's scores) in worker threads,
 * forward, backward, Adam, clip; after each epoch evaluate the deployed form and save a
 * checkpoint; at the end export and check the file against the interpreter. */

#define TRAIN_INPUT_SIZE 96
#define TRAIN_BATCH_NORM_MOMENTUM 0.9f
/* Batches of views whose batch-norm statistics replace the running ones after each epoch. */
#define TRAIN_STATISTICS_BATCHES 16
/* Images checked against the interpreter when there is no validation set. */
#define TRAIN_AGREEMENT_FALLBACK 200

void
bitlens_train_options_init (BitlensTrainOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->teacher_weight = 1.0;
  options->channels = 3;
  options->epochs = 30;
  options->batch_size = 32;
  options->learning_rate = 2e-3;
  options->seed = 1;
  options->balance_classes = TRUE;
  options->min_crop_area = 0.35;
  options->low_light_label = -1;
}

typedef struct
{
  const BitlensTrainOptions *options;
  TrainSet                  *set;
  TrainTeacher              *teacher;
  TrainAugmentation          augmentation;
  TrainNetwork              *network;
  TrainAdam                 *adam;
  guint                      n_workers;
  int                        input_floats;     /* per image */
  int                        feature_capture;  /* teacher capture of its features, or -1 */
  int                        hint_captures[TRAIN_MAX_HINTS];

  /* The current batch. */
  guint64                    view_stream;      /* TRAIN_STREAM_VIEW or _STATISTICS */
  gboolean                   skip_teacher;
  guint                      epoch;
  guint                      first_slot;
  const guint               *chosen;
  guint                      chosen_count;
  BitlensImage             **views;
  float                     *targets;

  /* Validation images, preprocessed as deployed. */
  guint                      n_validation;
  float                     *validation_inputs;
  int                       *validation_labels;
  float                     *validation_scores;
  const TrainDeployed       *deployed;
} Trainer;

static void
trainer_free (Trainer *trainer)
{
  train_set_free (trainer->set);
  train_teacher_free (trainer->teacher);
  train_network_free (trainer->network);
  train_adam_free (trainer->adam);
  if (trainer->views != NULL)
    for (guint i = 0; i < trainer->options->batch_size; i++)
      bitlens_image_free (trainer->views[i]);
  g_free (trainer->views);
  g_free (trainer->targets);
  g_free (trainer->validation_inputs);
  g_free (trainer->validation_labels);
  g_free (trainer->validation_scores);
  g_free (trainer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Trainer, trainer_free)

/* One view of the batch: image, student input, target. */
static void
prepare_view (gpointer data,
              guint    worker,
              guint    j)
{
  Trainer *trainer = data;
  const BitlensTrainOptions *options = trainer->options;
  const TrainItem *item = g_ptr_array_index (trainer->set->items, trainer->chosen[trainer->first_slot + j]);
  guint64 slot = trainer->first_slot + j;
  BitlensImage *view = trainer->views[j];
  TrainRng rng;
  double target;

  double label = MAX (item->label, 0);
  gboolean labelled = item->label >= 0;

  train_rng_init (&rng, options->seed, trainer->view_stream, ((guint64) trainer->epoch << 32) | slot);
  train_make_view (item, &trainer->augmentation, &rng, view);
  /* The draw happens whatever the probability, so that it does not shift other draws. */
  if (train_rng_uniform (&rng) < options->cutmix_probability && trainer->chosen_count > 1)
    {
      const TrainItem *partner = g_ptr_array_index (trainer->set->items,
                                                    trainer->chosen[train_rng_below (&rng, trainer->chosen_count)]);
      g_autoptr(BitlensImage) other = bitlens_image_new (view->width, view->height);
      double area;

      train_make_view (partner, &trainer->augmentation, &rng, other);
      area = train_paste_box (view, other, &rng);
      label = (1.0 - area) * label + area * MAX (partner->label, 0);
      labelled = labelled && partner->label >= 0;
    }
  train_image_to_input (view, TRAIN_INPUT_SIZE, options->channels,
                        trainer->network->input + (gsize) j * trainer->input_floats);
  if (trainer->teacher != NULL && !trainer->skip_teacher)
    {
      TrainNetwork *network = trainer->network;
      float *outputs[TRAIN_MAX_CAPTURES] = { NULL };
      double score;

      if (trainer->feature_capture >= 0)
        outputs[trainer->feature_capture] = network->aux_targets + (gsize) j * network->aux_outputs;
      for (int h = 0; h < network->n_hints; h++)
        outputs[trainer->hint_captures[h]] =
          network->hints[h].targets + (gsize) j * trainer->teacher->capture_sizes[trainer->hint_captures[h]];
      score = train_teacher_score (trainer->teacher, worker, view, outputs);

      target = !labelled ? score : options->teacher_weight * score + (1.0 - options->teacher_weight) * label;
    }
  else
    target = label;
  trainer->targets[j] = (float) target;
}

static void
validate_image (gpointer data,
                guint    worker,
                guint    i)
{
  Trainer *trainer = data;
  float logits[2], probabilities[2];

  train_deployed_run (trainer->deployed, trainer->validation_inputs + (gsize) i * trainer->input_floats,
                      logits, probabilities);
  trainer->validation_scores[i] = probabilities[1];
}

static double
learning_rate_at (const BitlensTrainOptions *options,
                  guint64                    step,
                  guint64                    total,
                  guint64                    warmup)
{
  double progress;

  if (step < warmup)
    return options->learning_rate * (double) (step + 1) / (double) warmup;
  progress = total > warmup ? (double) (step - warmup) / (double) (total - warmup) : 1.0;
  return options->learning_rate * 0.5 * (1.0 + cos (G_PI * progress));
}

/* Every option that changes the result, so that a checkpoint is only resumed by the run it
 * belongs to. Thread counts and paths of outputs are not part of it. */
static char *
options_fingerprint (const BitlensTrainOptions *options,
                     const char                *arch,
                     const char                *init_from_sha256)
{
  GString *text = g_string_new (NULL);
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (text, "arch=%s channels=%d epochs=%u batch=%u views=%u seed=%" G_GUINT64_FORMAT,
                          arch, options->channels, options->epochs, options->batch_size,
                          options->views_per_epoch, options->seed);
#define APPEND_DOUBLE(name, value) \
  g_string_append_printf (text, " %s=%s", name, g_ascii_dtostr (number, sizeof number, value))
  APPEND_DOUBLE ("lr", options->learning_rate);
  APPEND_DOUBLE ("teacher_weight", options->teacher_weight);
  APPEND_DOUBLE ("feature_weight", options->feature_weight);
  APPEND_DOUBLE ("hint_weight", options->hint_weight);
  APPEND_DOUBLE ("balance_luma", options->balance_luma);
  APPEND_DOUBLE ("min_crop_area", options->min_crop_area);
  APPEND_DOUBLE ("low_light", options->low_light_probability);
  APPEND_DOUBLE ("cutmix", options->cutmix_probability);
#undef APPEND_DOUBLE
  g_string_append_printf (text, " low_light_label=%d balance=%d", options->low_light_label,
                          options->balance_classes ? 1 : 0);
  for (int i = 0; options->data != NULL && options->data[i] != NULL; i++)
    g_string_append_printf (text, " data=%s", options->data[i]);
  for (int i = 0; options->unlabelled != NULL && options->unlabelled[i] != NULL; i++)
    g_string_append_printf (text, " unlabelled=%s", options->unlabelled[i]);
  if (options->teacher != NULL)
    g_string_append_printf (text, " teacher=%s", options->teacher);
  if (options->drop != NULL)
    g_string_append_printf (text, " drop=%s", options->drop);
  if (init_from_sha256 != NULL)
    g_string_append_printf (text, " init_from_sha256=%s", init_from_sha256);
  return g_string_free (text, FALSE);
}

static gboolean
check_options (const BitlensTrainOptions *options,
               GError                   **error)
{
  const char *problem = NULL;

  if (options->data == NULL || options->data[0] == NULL)
    problem = _("no training data");
  else if (options->channels != 1 && options->channels != 3)
    problem = _("channels must be 1 (gray) or 3 (RGB)");
  else if (options->epochs < 1)
    problem = _("epochs must be at least 1");
  else if (options->batch_size < 2 || options->batch_size > 4096)
    problem = _("the batch size must be 2 to 4096");
  else if (!(options->learning_rate > 0.0 && options->learning_rate < 1.0))
    problem = _("the learning rate must be in (0, 1)");
  else if (!(options->teacher_weight >= 0.0 && options->teacher_weight <= 1.0))
    problem = _("the teacher weight must be in [0, 1]");
  else if (!(options->min_crop_area > 0.0 && options->min_crop_area <= 1.0))
    problem = _("the minimum crop area must be in (0, 1]");
  else if (!(options->low_light_probability >= 0.0 && options->low_light_probability <= 1.0))
    problem = _("the low-light probability must be in [0, 1]");
  else if (!(options->cutmix_probability >= 0.0 && options->cutmix_probability <= 1.0))
    problem = _("the CutMix probability must be in [0, 1]");
  else if (options->low_light_label < -1 || options->low_light_label > 1)
    problem = _("the low-light label must be -1, 0 or 1");
  else if (options->unlabelled != NULL && options->unlabelled[0] != NULL && options->teacher == NULL)
    problem = _("unlabelled images need a teacher");
  else if (!(options->feature_weight >= 0.0) || (options->feature_weight > 0.0 && options->teacher == NULL))
    problem = _("feature distillation needs a teacher and a weight of 0 or more");
  else if (!(options->hint_weight >= 0.0) || (options->hint_weight > 0.0 && options->teacher == NULL))
    problem = _("hints need a teacher and a weight of 0 or more");
  if (problem != NULL)
    {
      g_set_error_literal (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID, problem);
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_validation (Trainer       *trainer,
                 const char    *spec,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree char *path = NULL;
  g_autofree char *split = NULL;
  g_autoptr(BitlensDataset) dataset = NULL;
  double weight;
  guint n;

  if (!train_parse_data_spec (spec, &path, &split, &weight, error))
    return FALSE;
  dataset = bitlens_dataset_load (path, error);
  if (dataset == NULL)
    return FALSE;
  if (split != NULL)
    {
      g_autofree char *split_path = bitlens_dataset_find_split_file (dataset, split, NULL, error);
      BitlensDataset *part;

      if (split_path == NULL)
        return FALSE;
      part = bitlens_dataset_new_split (dataset, split_path, error);
      if (part == NULL)
        return FALSE;
      bitlens_dataset_unref (dataset);
      dataset = part;
    }
  n = bitlens_dataset_get_n_items (dataset);
  trainer->validation_inputs = g_new (float, (gsize) n * trainer->input_floats);
  trainer->validation_labels = g_new (int, n);
  trainer->validation_scores = g_new (float, n);
  for (guint i = 0; i < n; i++)
    {
      const BitlensDatasetItem *item = bitlens_dataset_get_item (dataset, i);
      g_autoptr(BitlensImage) image = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      image = bitlens_image_load (item->path, error);
      if (image == NULL)
        {
          g_prefix_error (error, _("validation data %s: "), spec);
          return FALSE;
        }
      train_image_to_input (image, TRAIN_INPUT_SIZE, trainer->options->channels,
                            trainer->validation_inputs + (gsize) i * trainer->input_floats);
      trainer->validation_labels[i] = item->label;
    }
  trainer->n_validation = n;
  return TRUE;
}

/* Without a validation set, the agreement check runs on the first training images (the
 * whole image, preprocessed as deployed). */
static void
use_training_images_for_agreement (Trainer *trainer)
{
  guint n = MIN (trainer->set->items->len, TRAIN_AGREEMENT_FALLBACK);

  trainer->validation_inputs = g_new (float, (gsize) n * trainer->input_floats);
  trainer->validation_labels = g_new (int, n);
  trainer->validation_scores = g_new (float, n);
  for (guint i = 0; i < n; i++)
    {
      const TrainItem *item = g_ptr_array_index (trainer->set->items, i);

      train_image_to_input (item->image, TRAIN_INPUT_SIZE, trainer->options->channels,
                            trainer->validation_inputs + (gsize) i * trainer->input_floats);
      trainer->validation_labels[i] = item->label;
    }
  trainer->n_validation = n;
}

static void
evaluate_deployed (Trainer             *trainer,
                   const TrainDeployed *deployed,
                   double              *loss,
                   double              *accuracy)
{
  double total = 0.0;
  guint correct = 0, labelled = 0;

  trainer->deployed = deployed;
  train_parallel_for (trainer->n_workers, trainer->n_validation, validate_image, trainer);
  trainer->deployed = NULL;
  for (guint i = 0; i < trainer->n_validation; i++)
    {
      double score = trainer->validation_scores[i];
      int label = trainer->validation_labels[i];

      if (label < 0)
        continue;
      labelled++;
      total -= log (MAX (label == 1 ? score : 1.0 - score, 1e-7));
      correct += (score >= 0.5) == (label == 1);
    }
  *loss = labelled > 0 ? total / labelled : NAN;
  *accuracy = labelled > 0 ? (double) correct / labelled : NAN;
}

/* Runs the exported file through the Bitlens interpreter on the validation images and
 * compares with the trainer's deployed pass (validation_scores hold its last results). */
static gboolean
check_agreement (Trainer             *trainer,
                 GBytes              *model_bytes,
                 BitlensTrainSummary *summary,
                 GError             **error)
{
  g_autoptr(BitlensModel) model = bitlens_model_new_from_bytes (model_bytes, error);
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  BitlensModelCost cost;

  if (model == NULL)
    {
      g_prefix_error (error, _("the exported model does not load: "));
      return FALSE;
    }
  interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, error);
  if (interpreter == NULL)
    return FALSE;
  bitlens_model_get_cost (model, &cost);
  summary->n_parameter_bytes = (guint) cost.parameter_bytes;
  for (guint i = 0; i < trainer->n_validation; i++)
    {
      const float *output;
      float trainer_score = trainer->validation_scores[i];
      float interpreter_score;

      if (!bitlens_interpreter_set_input_bytes (interpreter,
                                                trainer->validation_inputs + (gsize) i * trainer->input_floats,
                                                sizeof (float) * trainer->input_floats, error))
        return FALSE;
      bitlens_interpreter_invoke (interpreter);
      output = bitlens_interpreter_get_output_data (interpreter, 0);
      interpreter_score = output[1];
      summary->n_checked++;
      summary->n_agreeing += (interpreter_score >= 0.5f) == (trainer_score >= 0.5f);
      summary->n_identical += memcmp (&interpreter_score, &trainer_score, sizeof (float)) == 0;
      summary->max_score_difference = MAX (summary->max_score_difference,
                                           fabs ((double) interpreter_score - trainer_score));
    }
  return TRUE;
}

static char *
default_description (const BitlensTrainOptions *options,
                     const char                *arch)
{
  return g_strdup_printf ("Bitlens person detector: binarized (Larq Compute Engine ops), %s %dx%d input "
                          "(float pixel / 255), architecture %s, trained by bitlens-cli train "
                          "(seed %" G_GUINT64_FORMAT ", %u epochs%s); output [1,2] softmax, index 1 = person",
                          options->channels == 1 ? "gray" : "RGB", TRAIN_INPUT_SIZE, TRAIN_INPUT_SIZE,
                          arch, options->seed, options->epochs,
                          options->teacher != NULL ? ", distilled from a teacher" : "");
}

/* Hints on the last student layers with distinct output sizes of at most 12x12 that the
 * teacher also has feature maps of. */
static gboolean
add_hints (Trainer  *trainer,
           GError  **error)
{
  TrainNetwork *network = trainer->network;
  int last_size = -1;

  for (int l = network->arch.n_layers - 1; l > 0 && network->n_hints < TRAIN_MAX_HINTS; l--)
    {
      const TrainLayer *layer = &network->layers[l];
      int tensor, k;

      if (layer->out_h > 12 || layer->out_h == last_size || layer->out_h != layer->out_w)
        continue;
      tensor = train_teacher_find_map (trainer->teacher, layer->out_h, layer->out_w);
      if (tensor < 0)
        continue;
      last_size = layer->out_h;
      k = train_teacher_capture (trainer->teacher, tensor);
      trainer->hint_captures[train_network_add_hint (network, l,
        bitlens_model_get_tensor (trainer->teacher->model, (guint) tensor)->shape[3])] = k;
    }
  if (network->n_hints == 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("hints: the teacher %s has no feature map of the size of a student layer's output "
                     "(12x12 or smaller)"), trainer->options->teacher);
      return FALSE;
    }
  return TRUE;
}

static gboolean
trainer_setup (Trainer       *trainer,
               GCancellable  *cancellable,
               GError       **error)
{
  const BitlensTrainOptions *options = trainer->options;

  trainer->set = train_set_new ();
  for (int i = 0; options->data[i] != NULL; i++)
    if (!train_set_add_labelled (trainer->set, options->data[i], options->drop, cancellable, error))
      return FALSE;
  for (int i = 0; options->unlabelled != NULL && options->unlabelled[i] != NULL; i++)
    if (!train_set_add_unlabelled (trainer->set, options->unlabelled[i], cancellable, error))
      return FALSE;
  if (trainer->set->items->len == 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_DATASET_INVALID,
                   _("no training images are left (the drop expression removed %u)"),
                   trainer->set->n_dropped);
      return FALSE;
    }
  if (options->balance_classes)
    train_set_balance (trainer->set, options->balance_luma);

  train_augmentation_init (&trainer->augmentation);
  trainer->augmentation.min_area = options->min_crop_area;
  trainer->augmentation.low_light_probability = options->low_light_probability;
  trainer->augmentation.low_light_label = options->low_light_label;

  trainer->n_workers = options->n_threads > 0 ? options->n_threads : MAX (1u, (guint) g_get_num_processors ());
  if (options->teacher != NULL)
    {
      trainer->teacher = train_teacher_new (options->teacher, trainer->n_workers, error);
      if (trainer->teacher == NULL)
        return FALSE;
    }

  if (options->validation != NULL)
    {
      if (!load_validation (trainer, options->validation, cancellable, error))
        return FALSE;
    }
  else
    use_training_images_for_agreement (trainer);

  trainer->views = g_new0 (BitlensImage *, options->batch_size);
  for (guint i = 0; i < options->batch_size; i++)
    trainer->views[i] = bitlens_image_new (TRAIN_INPUT_SIZE, TRAIN_INPUT_SIZE);
  trainer->targets = g_new0 (float, options->batch_size);
  return TRUE;
}

/* Precise batch-norm statistics for the epoch's network: training-mode forwards of views
 * of their own (no teacher needed), their batch statistics averaged. */
static void
estimate_statistics (Trainer *trainer,
                     guint    epoch)
{
  guint batch = trainer->options->batch_size;
  g_autofree guint *chosen = train_set_sample (trainer->set, trainer->options->seed,
                                               epoch | 0x80000000u, TRAIN_STATISTICS_BATCHES * batch);

  trainer->epoch = epoch;
  trainer->chosen = chosen;
  trainer->chosen_count = TRAIN_STATISTICS_BATCHES * batch;
  trainer->view_stream = TRAIN_STREAM_STATISTICS;
  trainer->skip_teacher = TRUE;
  train_network_statistics_begin (trainer->network);
  for (guint b = 0; b < TRAIN_STATISTICS_BATCHES; b++)
    {
      trainer->first_slot = b * batch;
      train_parallel_for (trainer->n_workers, batch, prepare_view, trainer);
      train_network_forward (trainer->network, (int) batch, 1.0f);
    }
  train_network_statistics_end (trainer->network);
  trainer->chosen = NULL;
  trainer->skip_teacher = FALSE;
  trainer->view_stream = TRAIN_STREAM_VIEW;
}

static gboolean
train_epoch (Trainer           *trainer,
             guint              epoch,
             guint              steps_per_epoch,
             guint64            total_steps,
             GCancellable      *cancellable,
             BitlensTrainEpoch *figures,
             GError           **error)
{
  const BitlensTrainOptions *options = trainer->options;
  TrainNetwork *network = trainer->network;
  guint batch = options->batch_size;
  g_autofree guint *chosen = train_set_sample (trainer->set, options->seed, epoch, steps_per_epoch * batch);
  g_autofree float *person = g_new (float, batch);
  double loss_total = 0.0;
  guint correct = 0;
  double learning_rate = 0.0;

  trainer->epoch = epoch;
  trainer->chosen = chosen;
  trainer->chosen_count = steps_per_epoch * batch;
  trainer->view_stream = TRAIN_STREAM_VIEW;
  trainer->skip_teacher = FALSE;
  for (guint step = 0; step < steps_per_epoch; step++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED, _("training was cancelled"));
          return FALSE;
        }
      trainer->first_slot = step * batch;
      train_parallel_for (trainer->n_workers, batch, prepare_view, trainer);
      train_network_forward (network, (int) batch, TRAIN_BATCH_NORM_MOMENTUM);
      loss_total += train_softmax_cross_entropy ((int) batch, network->logits, trainer->targets,
                                                 network->logits_gradient, person);
      if (network->aux_outputs > 0)
        train_network_aux_loss (network, (int) batch, (float) options->feature_weight);
      if (network->n_hints > 0)
        train_network_hint_loss (network, (int) batch, (float) options->hint_weight);
      for (guint j = 0; j < batch; j++)
        correct += (person[j] >= 0.5f) == (trainer->targets[j] >= 0.5f);
      train_network_backward (network, (int) batch);
      learning_rate = learning_rate_at (options, trainer->adam->step, total_steps, steps_per_epoch);
      train_adam_step (trainer->adam, network->params, network->gradients, learning_rate);
      train_network_clip (network);
    }
  trainer->chosen = NULL;
  estimate_statistics (trainer, epoch);
  figures->learning_rate = learning_rate;
  figures->train_loss = loss_total / ((double) steps_per_epoch * batch);
  figures->train_accuracy = (double) correct / ((double) steps_per_epoch * batch);
  return TRUE;
}

GBytes *
bitlens_train (const BitlensTrainOptions  *options,
               GCancellable               *cancellable,
               BitlensTrainProgressFunc    progress,
               gpointer                    progress_data,
               BitlensTrainSummary        *summary,
               GError                    **error)
{
  g_autoptr(Trainer) trainer = g_new0 (Trainer, 1);
  g_autofree char *arch_text = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *init_from_sha256 = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GBytes) bytes = NULL;
  BitlensTrainSummary local_summary;
  TrainArch arch;
  guint views, steps_per_epoch, first_epoch = 0;
  guint64 total_steps;
  gint64 start = g_get_monotonic_time ();
  TrainDeployed *deployed;
  double loss, accuracy;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (summary == NULL)
    summary = &local_summary;
  memset (summary, 0, sizeof *summary);
  summary->validation_accuracy = NAN;

  if (!check_options (options, error))
    return NULL;
  if (!train_arch_parse (options->arch != NULL ? options->arch : TRAIN_DEFAULT_ARCH,
                         TRAIN_INPUT_SIZE, options->channels, &arch, error))
    return NULL;
  arch_text = train_arch_to_string (&arch);
  if (options->init_from != NULL)
    {
      g_autoptr(GMappedFile) init = g_mapped_file_new (options->init_from, FALSE, error);

      if (init == NULL)
        {
          g_prefix_error (error, _("--init-from: "));
          return NULL;
        }
      /* The starting weights are part of what the run depends on, whatever the file's name. */
      init_from_sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                      (const guchar *) g_mapped_file_get_contents (init),
                                                      g_mapped_file_get_length (init));
    }
  fingerprint = options_fingerprint (options, arch_text, init_from_sha256);

  train_gemm_init ();
  trainer->options = options;
  trainer->input_floats = TRAIN_INPUT_SIZE * TRAIN_INPUT_SIZE * options->channels;
  if (!trainer_setup (trainer, cancellable, error))
    return NULL;
  summary->n_person = train_set_count_label (trainer->set, 1);
  summary->n_no_person = train_set_count_label (trainer->set, 0);
  summary->n_unlabelled = train_set_count_label (trainer->set, -1);
  summary->n_dropped = trainer->set->n_dropped;

  trainer->feature_capture = -1;
  if (options->feature_weight > 0.0)
    {
      if (trainer->teacher->feature_tensor < 0)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                       _("teacher %s: no feature tensor for feature distillation (the input of its "
                         "classifier must be an int8 or float activation of at most 4096 values)"),
                       options->teacher);
          return NULL;
        }
      trainer->feature_capture = train_teacher_capture (trainer->teacher, trainer->teacher->feature_tensor);
    }
  trainer->network = train_network_new (&arch, (int) options->batch_size, trainer->n_workers,
                                        trainer->feature_capture >= 0
                                        ? trainer->teacher->capture_sizes[trainer->feature_capture] : 0);
  if (options->hint_weight > 0.0 && !add_hints (trainer, error))
    return NULL;
  train_network_init (trainer->network, options->seed);
  if (options->init_from != NULL
      && !train_checkpoint_load (options->init_from, NULL, NULL, trainer->network, NULL, error))
    {
      g_prefix_error (error, _("--init-from: "));
      return NULL;
    }
  train_network_count_macs (trainer->network, &summary->float_macs, &summary->binary_macs);
  trainer->adam = train_adam_new (trainer->network->n_params);

  views = options->views_per_epoch > 0 ? options->views_per_epoch : trainer->set->items->len;
  steps_per_epoch = MAX (1u, (views + options->batch_size - 1) / options->batch_size);
  total_steps = (guint64) steps_per_epoch * options->epochs;

  if (options->checkpoint != NULL && g_file_test (options->checkpoint, G_FILE_TEST_EXISTS))
    {
      if (!train_checkpoint_load (options->checkpoint, fingerprint, &first_epoch, trainer->network,
                                  trainer->adam, error))
        return NULL;
      first_epoch = MIN (first_epoch, options->epochs);
      if (progress != NULL && first_epoch > 0)
        {
          BitlensTrainEpoch figures = { 0 };

          figures.epoch = first_epoch;
          figures.n_epochs = options->epochs;
          figures.from_checkpoint = TRUE;
          figures.train_loss = figures.train_accuracy = NAN;
          figures.learning_rate = learning_rate_at (options, trainer->adam->step, total_steps, steps_per_epoch);
          figures.validation_loss = figures.validation_accuracy = NAN;
          progress (&figures, progress_data);
        }
    }

  for (guint epoch = first_epoch; epoch < options->epochs; epoch++)
    {
      BitlensTrainEpoch figures = { 0 };
      gint64 epoch_start = g_get_monotonic_time ();

      figures.epoch = epoch + 1;
      figures.n_epochs = options->epochs;
      if (!train_epoch (trainer, epoch, steps_per_epoch, total_steps, cancellable, &figures, error))
        return NULL;
      figures.validation_loss = figures.validation_accuracy = NAN;
      if (options->validation != NULL)
        {
          deployed = train_deployed_new_from_network (trainer->network);
          evaluate_deployed (trainer, deployed, &figures.validation_loss, &figures.validation_accuracy);
          train_deployed_free (deployed);
          figures.n_validation = trainer->n_validation;
        }
      if (options->checkpoint != NULL
          && !train_checkpoint_save (options->checkpoint, fingerprint, epoch + 1, trainer->network,
                                     trainer->adam, error))
        return NULL;
      figures.seconds = (g_get_monotonic_time () - epoch_start) / 1e6;
      if (progress != NULL)
        progress (&figures, progress_data);
    }

  deployed = train_deployed_new_from_network (trainer->network);
  description = options->description != NULL ? g_strdup (options->description)
                                             : default_description (options, arch_text);
  bytes = train_deployed_export (deployed, description);
  evaluate_deployed (trainer, deployed, &loss, &accuracy);
  train_deployed_free (deployed);
  if (options->validation != NULL)
    summary->validation_accuracy = accuracy;
  if (!check_agreement (trainer, bytes, summary, error))
    return NULL;
  summary->seconds = (g_get_monotonic_time () - start) / 1e6;
  return g_steal_pointer (&bytes);
}

/* Asynchronous variant */

typedef struct
{
  BitlensTrainOptions  options;
  GStrv                data;
  GStrv                unlabelled;
  char                *strings[7];
  GMainContext        *context;
  BitlensTrainProgressFunc progress;
  gpointer             progress_data;
  GDestroyNotify       progress_data_free;
  BitlensTrainSummary  summary;
} TrainTaskData;

static void
train_task_data_free (gpointer data)
{
  TrainTaskData *task_data = data;

  g_strfreev (task_data->data);
  g_strfreev (task_data->unlabelled);
  for (gsize i = 0; i < G_N_ELEMENTS (task_data->strings); i++)
    g_free (task_data->strings[i]);
  if (task_data->progress_data_free != NULL)
    task_data->progress_data_free (task_data->progress_data);
  g_main_context_unref (task_data->context);
  g_free (task_data);
}

typedef struct
{
  TrainTaskData     *task_data;
  GTask             *task;
  BitlensTrainEpoch  figures;
} TrainProgressCall;

static gboolean
deliver_progress (gpointer data)
{
  TrainProgressCall *call = data;

  call->task_data->progress (&call->figures, call->task_data->progress_data);
  return G_SOURCE_REMOVE;
}

static void
train_progress_call_free (gpointer data)
{
  TrainProgressCall *call = data;

  g_object_unref (call->task);
  g_free (call);
}

static void
forward_progress (const BitlensTrainEpoch *figures,
                  gpointer                 user_data)
{
  GTask *task = user_data;
  TrainProgressCall *call = g_new0 (TrainProgressCall, 1);

  call->task_data = g_task_get_task_data (task);
  call->task = g_object_ref (task);
  call->figures = *figures;
  g_main_context_invoke_full (call->task_data->context, G_PRIORITY_DEFAULT, deliver_progress, call,
                              train_progress_call_free);
}

static void
train_thread (GTask        *task,
              gpointer      source_object,
              gpointer      data,
              GCancellable *cancellable)
{
  TrainTaskData *task_data = data;
  GError *error = NULL;
  GBytes *bytes;

  bytes = bitlens_train (&task_data->options, cancellable,
                         task_data->progress != NULL ? forward_progress : NULL, task,
                         &task_data->summary, &error);
  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

void
bitlens_train_async (const BitlensTrainOptions  *options,
                     GCancellable               *cancellable,
                     BitlensTrainProgressFunc    progress,
                     gpointer                    progress_data,
                     GDestroyNotify              progress_data_free,
                     GAsyncReadyCallback         callback,
                     gpointer                    user_data)
{
  g_autoptr(GTask) task = NULL;
  TrainTaskData *task_data;

  g_return_if_fail (options != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bitlens_train_async);
  task_data = g_new0 (TrainTaskData, 1);
  task_data->options = *options;
  task_data->data = g_strdupv ((char **) options->data);
  task_data->unlabelled = g_strdupv ((char **) options->unlabelled);
  task_data->options.data = (const char * const *) task_data->data;
  task_data->options.unlabelled = (const char * const *) task_data->unlabelled;
  task_data->options.validation = task_data->strings[0] = g_strdup (options->validation);
  task_data->options.teacher = task_data->strings[1] = g_strdup (options->teacher);
  task_data->options.arch = task_data->strings[2] = g_strdup (options->arch);
  task_data->options.drop = task_data->strings[3] = g_strdup (options->drop);
  task_data->options.checkpoint = task_data->strings[4] = g_strdup (options->checkpoint);
  task_data->options.description = task_data->strings[5] = g_strdup (options->description);
  task_data->options.init_from = task_data->strings[6] = g_strdup (options->init_from);
  task_data->context = g_main_context_ref_thread_default ();
  task_data->progress = progress;
  task_data->progress_data = progress_data;
  task_data->progress_data_free = progress_data_free;
  g_task_set_task_data (task, task_data, train_task_data_free);
  g_task_run_in_thread (task, train_thread);
}

GBytes *
bitlens_train_finish (GAsyncResult         *result,
                      BitlensTrainSummary  *summary,
                      GError              **error)
{
  GBytes *bytes;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  bytes = g_task_propagate_pointer (G_TASK (result), error);
  if (bytes != NULL && summary != NULL)
    *summary = ((TrainTaskData *) g_task_get_task_data (G_TASK (result)))->summary;
  return bytes;
}
