/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include <bitlens/bitlens-render.h>
#include <bitlens/bitlens-saliency.h>

#include "bitlens-batch-export.h"
#include "bitlens-image-item.h"
#include "bitlens-model-info.h"
#include "test-util.h"

/* The app's logic that needs no display: outcomes of a prediction against the label, the
 * confidence of a mistake, disagreements between two models, export file names, the batch
 * export (one model and compare mode) and the short figures of the model information.
 * Expected values are worked out by hand or made by the core's export functions directly. */

static BitlensImageItem *
item_new (const char *path,
          int         label)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return bitlens_image_item_new (file, label);
}

static void
test_outcomes (void)
{
  g_autoptr(BitlensImageItem) person = item_new ("/data/person/a.png", 1);
  g_autoptr(BitlensImageItem) nobody = item_new ("/data/no_person/b.png", 0);
  g_autoptr(BitlensImageItem) unknown = item_new ("/data/c.png", BITLENS_LABEL_UNKNOWN);

  /* No score yet: unknown, not a failure, no mistake. */
  g_assert_cmpint (bitlens_image_item_get_outcome (person, BITLENS_SLOT_A, 0.5), ==, BITLENS_OUTCOME_UNKNOWN);
  g_assert_false (bitlens_image_item_has_score (person, BITLENS_SLOT_A));
  g_assert_cmpfloat (bitlens_image_item_get_mistake_confidence (person, BITLENS_SLOT_A, 0.5), ==, 0.0);

  /* The threshold belongs to "person": 0.5 at threshold 0.5 is a positive. */
  bitlens_image_item_set_score (person, BITLENS_SLOT_A, 0.5);
  g_assert_cmpint (bitlens_image_item_get_outcome (person, BITLENS_SLOT_A, 0.5), ==, BITLENS_OUTCOME_TRUE_POSITIVE);
  bitlens_image_item_set_score (person, BITLENS_SLOT_A, 0.125);
  g_assert_cmpint (bitlens_image_item_get_outcome (person, BITLENS_SLOT_A, 0.5), ==, BITLENS_OUTCOME_FALSE_NEGATIVE);
  /* A false negative at 0.125 is a mistake made with confidence 1 - 0.125. */
  g_assert_cmpfloat (bitlens_image_item_get_mistake_confidence (person, BITLENS_SLOT_A, 0.5), ==, 0.875);
  g_assert_true (bitlens_outcome_is_failure (bitlens_image_item_get_outcome (person, BITLENS_SLOT_A, 0.5)));
  /* A lower threshold turns it into a true positive. */
  g_assert_cmpint (bitlens_image_item_get_outcome (person, BITLENS_SLOT_A, 0.1), ==, BITLENS_OUTCOME_TRUE_POSITIVE);

  bitlens_image_item_set_score (nobody, BITLENS_SLOT_A, 0.75);
  g_assert_cmpint (bitlens_image_item_get_outcome (nobody, BITLENS_SLOT_A, 0.5), ==, BITLENS_OUTCOME_FALSE_POSITIVE);
  g_assert_cmpfloat (bitlens_image_item_get_mistake_confidence (nobody, BITLENS_SLOT_A, 0.5), ==, 0.75);
  g_assert_cmpstr (bitlens_outcome_get_short_label (BITLENS_OUTCOME_FALSE_POSITIVE), ==, "FP");
  bitlens_image_item_set_score (nobody, BITLENS_SLOT_A, 0.25);
  g_assert_cmpint (bitlens_image_item_get_outcome (nobody, BITLENS_SLOT_A, 0.5), ==, BITLENS_OUTCOME_TRUE_NEGATIVE);
  g_assert_cmpfloat (bitlens_image_item_get_mistake_confidence (nobody, BITLENS_SLOT_A, 0.5), ==, 0.0);

  /* Without a label a score is no outcome. */
  bitlens_image_item_set_score (unknown, BITLENS_SLOT_A, 0.99);
  g_assert_cmpint (bitlens_image_item_get_outcome (unknown, BITLENS_SLOT_A, 0.5), ==, BITLENS_OUTCOME_UNKNOWN);

  /* Clearing a slot forgets its score. */
  bitlens_image_item_clear_scores (unknown, BITLENS_SLOT_A);
  g_assert_true (isnan (bitlens_image_item_get_score (unknown, BITLENS_SLOT_A)));
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_notify_on_change_only (void)
{
  g_autoptr(BitlensImageItem) item = item_new ("/data/a.png", 1);
  guint count = 0;

  g_signal_connect (item, "notify::score-a", G_CALLBACK (count_notify), &count);
  bitlens_image_item_set_score (item, BITLENS_SLOT_A, 0.25);
  bitlens_image_item_set_score (item, BITLENS_SLOT_A, 0.25);
  bitlens_image_item_set_score (item, BITLENS_SLOT_B, 0.5);
  g_assert_cmpuint (count, ==, 1);
  bitlens_image_item_clear_scores (item, BITLENS_SLOT_A);
  bitlens_image_item_clear_scores (item, BITLENS_SLOT_A);
  g_assert_cmpuint (count, ==, 2);
}

static void
test_disagreements (void)
{
  g_autoptr(BitlensImageItem) item = item_new ("/data/a.png", 0);

  bitlens_image_item_set_score (item, BITLENS_SLOT_A, 0.9);
  /* B not scored yet: no disagreement. */
  g_assert_false (bitlens_image_item_models_disagree (item, 0.5));
  bitlens_image_item_set_score (item, BITLENS_SLOT_B, 0.6);
  g_assert_false (bitlens_image_item_models_disagree (item, 0.5));
  bitlens_image_item_set_score (item, BITLENS_SLOT_B, 0.4);
  g_assert_true (bitlens_image_item_models_disagree (item, 0.5));
  /* At threshold 0.3 both say "person". */
  g_assert_false (bitlens_image_item_models_disagree (item, 0.3));
}

static void
test_export_file_names (void)
{
  g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *first = bitlens_batch_export_file_name ("/data/person/x.png", used);
  g_autofree char *second = bitlens_batch_export_file_name ("/data/no_person/x.jpg", used);
  g_autofree char *third = bitlens_batch_export_file_name ("/data/other/x.png", used);
  g_autofree char *dotless = bitlens_batch_export_file_name ("/data/README", used);
  g_autofree char *hidden = bitlens_batch_export_file_name ("/data/.hidden", used);

  g_assert_cmpstr (first, ==, "x-saliency.png");
  g_assert_cmpstr (second, ==, "x-2-saliency.png");
  g_assert_cmpstr (third, ==, "x-3-saliency.png");
  g_assert_cmpstr (dotless, ==, "README-saliency.png");
  g_assert_cmpstr (hidden, ==, ".hidden-saliency.png");
}

typedef struct
{
  gboolean done;
  guint    n_written;
  guint    n_failed;
  char    *first_failure;
} BatchResult;

static void
on_batch_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  BatchResult *batch = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (bitlens_batch_export_finish (result, &batch->n_written, &batch->n_failed,
                                              &batch->first_failure, &error));
  g_assert_no_error (error);
  batch->done = TRUE;
}

static void
run_batch_export (BitlensModel                *model,
                  BitlensModel                *model_b,
                  GPtrArray                   *paths,
                  GArray                      *labels,
                  const BitlensSaliencyParams *params,
                  const BitlensRenderOptions  *render,
                  const char                  *folder,
                  BatchResult                 *result)
{
  bitlens_batch_export_async (model, model_b, paths, labels, params, render, folder, NULL, NULL, NULL, NULL,
                              on_batch_done, result);
  while (!result->done)
    g_main_context_iteration (NULL, TRUE);
}

/* The map of `model` for the image, as the core computes it directly. */
static BitlensSaliencyMap *
direct_map (BitlensModel                *model,
            const BitlensImage          *image,
            const BitlensSaliencyParams *params)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) input = bitlens_saliency_input_from_image (model, image, &error);
  BitlensSaliencyMap *map;

  g_assert_no_error (error);
  map = bitlens_saliency_compute (model, input, params, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return map;
}

static void
assert_file_equals_bytes (const char *path,
                          GBytes     *expected)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
}

/* The batch export writes, for every image, what the single export writes; in compare mode,
 * the A | B | A - B image of both models (which is wider than one model's). An image that
 * cannot be read is counted and named, and the others are still written. */
static void
test_batch_export (void)
{
  g_autofree char *model_a_path = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *model_b_path = test_shared_path ("models/mlperf_tiny/vww_96_int8.tflite");
  g_autofree char *image_path = test_shared_path ("data/vww/person/000000000785.png");
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model_a = NULL;
  g_autoptr(BitlensModel) model_b = NULL;
  g_autoptr(BitlensImage) image = NULL;
  g_autoptr(BitlensSaliencyMap) map_a = NULL;
  g_autoptr(BitlensSaliencyMap) map_b = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) labels = g_array_new (FALSE, FALSE, sizeof (int));
  g_autofree char *single_folder = NULL;
  g_autofree char *compare_folder = NULL;
  g_autofree char *single_path = NULL;
  g_autofree char *compare_path = NULL;
  g_autoptr(GBytes) single_expected = NULL;
  g_autoptr(GBytes) compare_expected = NULL;
  BitlensSaliencyParams params;
  BitlensRenderOptions render;
  BitlensExportInfo info_a, info_b;
  BatchResult single = { 0 }, compare = { 0 };
  int person = 1;

  if (model_a_path == NULL || model_b_path == NULL || image_path == NULL)
    return;
  model_a = bitlens_model_new_from_file (model_a_path, &error);
  g_assert_no_error (error);
  model_b = bitlens_model_new_from_file (model_b_path, &error);
  g_assert_no_error (error);
  image = bitlens_image_load (image_path, &error);
  g_assert_no_error (error);

  bitlens_saliency_params_init (&params);
  params.method = BITLENS_SALIENCY_GRADIENT;
  bitlens_render_options_init (&render);
  g_ptr_array_add (paths, g_strdup (image_path));
  g_ptr_array_add (paths, g_strdup ("/nonexistent/missing.png"));
  g_array_append_val (labels, person);
  g_array_append_val (labels, person);

  single_folder = g_dir_make_tmp ("bitlens-batch-XXXXXX", &error);
  g_assert_no_error (error);
  compare_folder = g_dir_make_tmp ("bitlens-batch-XXXXXX", &error);
  g_assert_no_error (error);
  run_batch_export (model_a, NULL, paths, labels, &params, &render, single_folder, &single);
  run_batch_export (model_a, model_b, paths, labels, &params, &render, compare_folder, &compare);

  g_assert_cmpuint (single.n_written, ==, 1);
  g_assert_cmpuint (single.n_failed, ==, 1);
  g_assert_nonnull (strstr (single.first_failure, "missing.png"));
  g_assert_cmpuint (compare.n_written, ==, 1);
  g_assert_cmpuint (compare.n_failed, ==, 1);

  map_a = direct_map (model_a, image, &params);
  map_b = direct_map (model_b, image, &params);
  info_a = (BitlensExportInfo) {
    .model_name = bitlens_model_get_name (model_a), .input_name = "000000000785.png",
    .params = &params, .ground_truth = 1, .render = &render,
  };
  info_b = info_a;
  info_b.model_name = bitlens_model_get_name (model_b);
  single_expected = bitlens_export_annotated_png_bytes (image, map_a, &info_a, &error);
  g_assert_no_error (error);
  compare_expected = bitlens_export_compare_png_bytes (image, map_a, &info_a, map_b, &info_b, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (compare_expected), >, g_bytes_get_size (single_expected));

  single_path = g_build_filename (single_folder, "000000000785-saliency.png", NULL);
  compare_path = g_build_filename (compare_folder, "000000000785-saliency.png", NULL);
  assert_file_equals_bytes (single_path, single_expected);
  assert_file_equals_bytes (compare_path, compare_expected);

  g_unlink (single_path);
  g_unlink (compare_path);
  g_rmdir (single_folder);
  g_rmdir (compare_folder);
  g_free (single.first_failure);
  g_free (compare.first_failure);
}

static void
test_format_count (void)
{
  g_autofree char *small = bitlens_format_count (9999);
  g_autofree char *thousands = bitlens_format_count (12345);
  g_autofree char *millions = bitlens_format_count (7489664);
  g_autofree char *billions = bitlens_format_count (2500000000u);

  g_assert_cmpstr (small, ==, "9999");
  g_assert_cmpstr (thousands, ==, "12.3 k");
  g_assert_cmpstr (millions, ==, "7.49 M");
  g_assert_cmpstr (billions, ==, "2.50 G");
}

/* Every choice the settings schema allows names something the core knows. */
static void
test_schema_choices (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  static const char *keys[] = { "colormap", "overlay-mode", "saliency-sign", "saliency-method",
                                "occlusion-baseline-kind" };

  g_assert_nonnull (source);
  schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  g_assert_nonnull (schema);
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      g_autoptr(GSettingsSchemaKey) key = g_settings_schema_get_key (schema, keys[k]);
      g_autoptr(GVariant) range = g_settings_schema_key_get_range (key);
      g_autoptr(GVariant) choices = NULL;
      const char *type;
      GVariantIter iter;
      const char *choice;
      guint n = 0;

      g_variant_get (range, "(&sv)", &type, &choices);
      g_assert_cmpstr (type, ==, "enum");
      g_variant_iter_init (&iter, choices);
      while (g_variant_iter_next (&iter, "&s", &choice))
        {
          BitlensColormap colormap;
          BitlensRenderMode mode;
          BitlensRenderSign sign;
          BitlensSaliencyMethod method;
          BitlensBaseline baseline;
          gboolean known;

          if (k == 0)
            known = bitlens_colormap_from_name (choice, &colormap);
          else if (k == 1)
            known = bitlens_render_mode_from_name (choice, &mode);
          else if (k == 2)
            known = bitlens_render_sign_from_name (choice, &sign);
          else if (k == 3)
            known = bitlens_saliency_method_from_name (choice, &method);
          else
            known = bitlens_baseline_parse (choice, &baseline, NULL);
          if (!known)
            g_error ("settings key %s allows \"%s\", which the core does not know", keys[k], choice);
          n++;
        }
      g_assert_cmpuint (n, >, 1);
    }

  /* The settings' defaults of the baseline are the core's. */
  {
    g_autoptr(GSettingsSchemaKey) kind_key = g_settings_schema_get_key (schema, "occlusion-baseline-kind");
    g_autoptr(GSettingsSchemaKey) level_key = g_settings_schema_get_key (schema, "occlusion-baseline");
    g_autoptr(GSettingsSchemaKey) radius_key = g_settings_schema_get_key (schema, "occlusion-blur-radius");
    g_autoptr(GVariant) kind = g_settings_schema_key_get_default_value (kind_key);
    g_autoptr(GVariant) level = g_settings_schema_key_get_default_value (level_key);
    g_autoptr(GVariant) radius = g_settings_schema_key_get_default_value (radius_key);
    BitlensSaliencyParams params;
    BitlensBaseline baseline;

    bitlens_saliency_params_init (&params);
    g_assert_true (bitlens_baseline_parse (g_variant_get_string (kind, NULL), &baseline, NULL));
    g_assert_cmpint (baseline.kind, ==, params.baseline.kind);
    g_assert_cmpint (baseline.kind, ==, BITLENS_BASELINE_BLUR);
    g_assert_cmpint (g_variant_get_int32 (level), ==, BITLENS_BASELINE_DEFAULT_GRAY);
    g_assert_cmpint (g_variant_get_int32 (radius), ==, params.baseline.blur_radius);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/outcomes", test_outcomes);
  g_test_add_func ("/app/notify-on-change-only", test_notify_on_change_only);
  g_test_add_func ("/app/disagreements", test_disagreements);
  g_test_add_func ("/app/export-file-names", test_export_file_names);
  g_test_add_func ("/app/batch-export", test_batch_export);
  g_test_add_func ("/app/format-count", test_format_count);
  g_test_add_func ("/app/schema-choices", test_schema_choices);
  return g_test_run ();
}
