/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include <bitlens/bitlens.h>

#include "cli-common.h"

/* bitlens-cli train --data DATASET[:SPLIT]... -o MODEL.tflite: trains a binarized person
 * detector and writes it in the Larq Compute Engine format. One line per epoch on stdout,
 * then a summary. */

static void
print_epoch (const BitlensTrainEpoch *epoch,
             gpointer                 user_data)
{
  if (epoch->from_checkpoint)
    {
      printf ("epoch %u/%u  from the checkpoint\n", epoch->epoch, epoch->n_epochs);
      fflush (stdout);
      return;
    }
  printf ("epoch %u/%u  lr %.6f  train loss %.4f accuracy %.4f", epoch->epoch, epoch->n_epochs,
          epoch->learning_rate, epoch->train_loss, epoch->train_accuracy);
  if (epoch->n_validation > 0)
    printf ("  validation loss %.4f accuracy %.4f (%u images)", epoch->validation_loss,
            epoch->validation_accuracy, epoch->n_validation);
  printf ("  %.1f s\n", epoch->seconds);
  fflush (stdout);
}

static gboolean
parse_low_light_label (const char *text,
                       int        *label)
{
  if (text == NULL || strcmp (text, "any") == 0)
    *label = -1;
  else if (strcmp (text, "person") == 0 || strcmp (text, "1") == 0)
    *label = 1;
  else if (strcmp (text, "no_person") == 0 || strcmp (text, "0") == 0)
    *label = 0;
  else
    return FALSE;
  return TRUE;
}

int
cli_train (int    argc,
           char **argv)
{
  BitlensTrainOptions options;
  g_auto(GStrv) data = NULL;
  g_auto(GStrv) unlabelled = NULL;
  g_autofree char *validation = NULL;
  g_autofree char *teacher = NULL;
  g_autofree char *arch = NULL;
  g_autofree char *drop = NULL;
  g_autofree char *checkpoint = NULL;
  g_autofree char *init_from = NULL;
  g_autofree char *output = NULL;
  g_autofree char *description = NULL;
  g_autofree char *low_light_label = NULL;
  gboolean gray = FALSE, no_balance = FALSE;
  int epochs, batch_size, views_per_epoch = 0, threads = 0;
  gint64 seed;
  double learning_rate, teacher_weight, feature_weight = 0.0, balance_luma = 0.0, low_light = 0.0, min_crop_area;
  double cutmix = 0.0, hint_weight = 0.0;
  g_autoptr(GOptionContext) context = g_option_context_new (_("- train a binarized person detector"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  BitlensTrainSummary summary;

  bitlens_train_options_init (&options);
  epochs = (int) options.epochs;
  batch_size = (int) options.batch_size;
  seed = (gint64) options.seed;
  learning_rate = options.learning_rate;
  teacher_weight = options.teacher_weight;
  min_crop_area = options.min_crop_area;

  {
    const GOptionEntry entries[] = {
      { "data", 0, 0, G_OPTION_ARG_STRING_ARRAY, &data,
        N_("Labelled training images: a dataset folder, optionally a split file and a sampling weight per image (repeatable)"),
        N_("DATASET[:SPLIT][@WEIGHT]") },
      { "unlabelled", 0, 0, G_OPTION_ARG_STRING_ARRAY, &unlabelled,
        N_("A folder of unlabelled images (PNG, JPEG, searched recursively) labelled by the teacher (repeatable)"),
        N_("FOLDER[@WEIGHT]") },
      { "validation", 0, 0, G_OPTION_ARG_STRING, &validation,
        N_("Evaluate on these images after every epoch, with the deployed arithmetic"), N_("DATASET[:SPLIT]") },
      { "teacher", 0, 0, G_OPTION_ARG_FILENAME, &teacher,
        N_("Distil from this model: its person score on each augmented view is the target"), N_("MODEL.tflite") },
      { "teacher-weight", 0, 0, G_OPTION_ARG_DOUBLE, &teacher_weight,
        N_("Share of the teacher's score in the target of labelled views (default 1)"), N_("W") },
      { "feature-weight", 0, 0, G_OPTION_ARG_DOUBLE, &feature_weight,
        N_("Also match the teacher's features (the input of its classifier) with a head that is not exported, with this loss weight (default 0: off)"),
        N_("W") },
      { "hint-weight", 0, 0, G_OPTION_ARG_DOUBLE, &hint_weight,
        N_("Also match the teacher's feature maps of the size of the last student layers (12x12 or smaller) through 1x1 adapters that are not exported, with this loss weight (default 0: off)"),
        N_("W") },
      { "arch", 0, 0, G_OPTION_ARG_STRING, &arch,
        N_("Convolutions, comma-separated: C[sS][kK] (C channels, stride S, kernel K), m = 2x2 max pool; the first is float (default 32s2,64,m,128,m,128,m,256)"),
        N_("ARCH") },
      { "gray", 0, 0, G_OPTION_ARG_NONE, &gray, N_("One gray input channel instead of RGB"), NULL },
      { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, N_("Epochs (default 30)"), N_("N") },
      { "batch-size", 0, 0, G_OPTION_ARG_INT, &batch_size, N_("Images per step (default 32)"), N_("N") },
      { "views-per-epoch", 0, 0, G_OPTION_ARG_INT, &views_per_epoch,
        N_("Augmented views per epoch (default: the number of training images)"), N_("N") },
      { "learning-rate", 0, 0, G_OPTION_ARG_DOUBLE, &learning_rate,
        N_("Adam's peak learning rate, after one epoch of warm-up, then cosine decay (default 0.002)"), N_("LR") },
      { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Random seed (default 1)"), N_("S") },
      { "drop", 0, 0, G_OPTION_ARG_STRING, &drop,
        N_("Leave out training images matching this expression, e.g. \"label == 0 && mean_luma < 80\""),
        N_("EXPRESSION") },
      { "no-balance", 0, 0, G_OPTION_ARG_NONE, &no_balance,
        N_("Sample images by their weights alone, without balancing the labels"), NULL },
      { "balance-luma", 0, 0, G_OPTION_ARG_DOUBLE, &balance_luma,
        N_("Balance the labels within the images darker than this mean luma and the others separately"),
        N_("LUMA") },
      { "low-light", 0, 0, G_OPTION_ARG_DOUBLE, &low_light,
        N_("Share of views turned into dim, noisy low-light pictures (default 0)"), N_("P") },
      { "low-light-label", 0, 0, G_OPTION_ARG_STRING, &low_light_label,
        N_("Dim only views of this label: person, no_person or any (default any)"), N_("LABEL") },
      { "cutmix", 0, 0, G_OPTION_ARG_DOUBLE, &cutmix,
        N_("Share of views with a box of another view pasted in (CutMix; default 0)"), N_("P") },
      { "min-crop-area", 0, 0, G_OPTION_ARG_DOUBLE, &min_crop_area,
        N_("Random crops keep at least this share of the image area (default 0.35)"), N_("A") },
      { "checkpoint", 0, 0, G_OPTION_ARG_FILENAME, &checkpoint,
        N_("Save a checkpoint after every epoch; resume from it when it exists"), N_("FILE") },
      { "init-from", 0, 0, G_OPTION_ARG_FILENAME, &init_from,
        N_("Start from the weights of another run's checkpoint (same architecture) and fine-tune them"),
        N_("FILE") },
      { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
        N_("Threads making views and teacher scores (default: one per processor; the result does not depend on it)"),
        N_("N") },
      { "description", 0, 0, G_OPTION_ARG_STRING, &description,
        N_("The model's description (default: architecture and training settings)"), N_("TEXT") },
      { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write the model here"), N_("MODEL.tflite") },
      { NULL }
    };

    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  }
  g_option_context_set_description (context,
    _("The network: a float 3x3 convolution on pixel / 255 with batch norm, then binary\n"
      "convolutions (sign of the input and of latent weights, straight-through gradients,\n"
      "one-padding, batch norm, optional 2x2 max pools), a global average pool and a float\n"
      "dense layer to two classes with softmax (index 1 = person). Adam, weight clipping to\n"
      "[-1, 1], augmentation by random crops, flips, brightness and contrast. The exported file\n"
      "uses CONV_2D, LceQuantize, LceBconv2d (batch norm folded into thresholds, or into\n"
      "post_activation_multiplier / bias for the last one), LceBMaxPool2d, AVERAGE_POOL_2D,\n"
      "FULLY_CONNECTED and SOFTMAX. The same options and seed give the same file, byte for\n"
      "byte. At the end the file is run by the Bitlens interpreter on the validation images\n"
      "and compared with the trainer's own evaluation pass.\n"
      "\n"
      "Exit status: 0 success, 1 data, model or training error, 2 usage error."));
  if (!cli_parse_options (context, &argc, &argv))
    return CLI_EXIT_USAGE;

  if (argc > 1)
    {
      g_printerr ("bitlens-cli: train: unexpected argument \"%s\"\nTry \"bitlens-cli train --help\".\n", argv[1]);
      return CLI_EXIT_USAGE;
    }
  if (data == NULL || data[0] == NULL)
    {
      g_printerr ("bitlens-cli: train: no --data given\nTry \"bitlens-cli train --help\".\n");
      return CLI_EXIT_USAGE;
    }
  if (output == NULL)
    {
      g_printerr ("bitlens-cli: train: no output given (-o MODEL.tflite)\nTry \"bitlens-cli train --help\".\n");
      return CLI_EXIT_USAGE;
    }
  if (epochs < 1 || batch_size < 2 || views_per_epoch < 0 || threads < 0 || seed < 0)
    {
      g_printerr ("bitlens-cli: train: --epochs must be positive, --batch-size at least 2, "
                  "--views-per-epoch, --threads and --seed not negative\n");
      return CLI_EXIT_USAGE;
    }
  if (!parse_low_light_label (low_light_label, &options.low_light_label))
    {
      g_printerr ("bitlens-cli: train: --low-light-label must be person, no_person or any\n");
      return CLI_EXIT_USAGE;
    }

  options.data = (const char * const *) data;
  options.unlabelled = (const char * const *) unlabelled;
  options.validation = validation;
  options.teacher = teacher;
  options.teacher_weight = teacher_weight;
  options.feature_weight = feature_weight;
  options.hint_weight = hint_weight;
  options.arch = arch;
  options.channels = gray ? 1 : 3;
  options.epochs = (guint) epochs;
  options.batch_size = (guint) batch_size;
  options.views_per_epoch = (guint) views_per_epoch;
  options.learning_rate = learning_rate;
  options.seed = (guint64) seed;
  options.drop = drop;
  options.balance_classes = !no_balance;
  options.balance_luma = balance_luma;
  options.low_light_probability = low_light;
  options.cutmix_probability = cutmix;
  options.min_crop_area = min_crop_area;
  options.checkpoint = checkpoint;
  options.init_from = init_from;
  options.n_threads = (guint) threads;
  options.description = description;

  bytes = bitlens_train (&options, NULL, print_epoch, NULL, &summary, &error);
  if (bytes == NULL)
    {
      cli_print_error (error);
      return error->domain == BITLENS_ERROR && error->code == BITLENS_ERROR_SPEC_INVALID
             ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
    }
  if (!g_file_set_contents (output, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error))
    {
      cli_print_error (error);
      return CLI_EXIT_FAILURE;
    }

  printf ("training images: %u person, %u no person, %u unlabelled (%u dropped)\n",
          summary.n_person, summary.n_no_person, summary.n_unlabelled, summary.n_dropped);
  printf ("model: %s, %" G_GSIZE_FORMAT " bytes, %u bytes of constants, %" G_GUINT64_FORMAT
          " binary MACs and %" G_GUINT64_FORMAT " float MACs per image\n",
          output, g_bytes_get_size (bytes), summary.n_parameter_bytes, summary.binary_macs,
          summary.float_macs);
  if (!isnan (summary.validation_accuracy))
    printf ("validation accuracy: %.4f\n", summary.validation_accuracy);
  printf ("interpreter check: %u of %u images give the same class as the trainer's pass, "
          "%u the same output bits (largest score difference %.3g)\n",
          summary.n_agreeing, summary.n_checked, summary.n_identical, summary.max_score_difference);
  printf ("time: %.1f s\n", summary.seconds);
  return CLI_EXIT_OK;
}
