/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "bitlens-model-info.h"
#include "bitlens-preferences-window.h"
#include "bitlens-window-private.h"
#include "gui-util.h"
#include "test-util.h"

/* The real window under Xvfb: open a model and images, compute maps, compare two models,
 * browse a labelled dataset and export, checking the results against the core computed
 * directly. Skipped without a display or without ../shared. */

#define TIMEOUT_MS 120000

typedef struct
{
  BitlensApplication *application;
  BitlensWindow      *window;
  char               *temp_dir;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->temp_dir = g_dir_make_tmp ("bitlens-gui-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->application = gui_application_new ();
  fixture->window = bitlens_window_new (fixture->application);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1280, 800);
  gui_present (GTK_WINDOW (fixture->window));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  bitlens_window_cancel_jobs (fixture->window);
  gui_wait_until (gui_window_is_idle, fixture->window, TIMEOUT_MS);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  gui_spin (50);
  g_clear_object (&fixture->application);
  gui_remove_tree (fixture->temp_dir);
  g_free (fixture->temp_dir);
}

static gboolean
has_map_a (gpointer window)
{
  return gui_window_is_idle (window) && bitlens_window_has_map (window, BITLENS_SLOT_A);
}

static gboolean
has_maps_ab (gpointer window)
{
  return gui_window_is_idle (window) && bitlens_window_has_map (window, BITLENS_SLOT_A)
         && bitlens_window_has_map (window, BITLENS_SLOT_B);
}

/* The person score of an image computed with the core directly. */
static double
score_directly (const char *model_path,
                const char *image_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = bitlens_model_new_from_file (model_path, &error);
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  g_autoptr(BitlensImage) image = bitlens_image_load (image_path, &error);
  g_autofree void *input = NULL;
  const BitlensTensor *tensor;

  g_assert_no_error (error);
  interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, &error);
  g_assert_no_error (error);
  tensor = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));
  input = g_malloc (tensor->n_bytes);
  g_assert_true (bitlens_image_to_input (image, tensor, input, &error));
  g_assert_true (bitlens_interpreter_set_input_bytes (interpreter, input, tensor->n_bytes, &error));
  bitlens_interpreter_invoke (interpreter);
  return bitlens_interpreter_get_person_score (interpreter);
}

/* The map of the window's current parameters computed with the core directly. */
static BitlensSaliencyMap *
map_directly (BitlensWindow *window,
              const char    *model_path,
              const char    *image_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = bitlens_model_new_from_file (model_path, &error);
  g_autoptr(BitlensImage) image = bitlens_image_load (image_path, &error);
  g_autoptr(GBytes) input = NULL;
  BitlensSaliencyParams params;
  BitlensSaliencyMap *map;

  g_assert_no_error (error);
  bitlens_saliency_panel_get_params (window->saliency_panel, &params);
  input = bitlens_saliency_input_from_image (model, image, &error);
  g_assert_no_error (error);
  map = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return map;
}

static void
assert_maps_equal (const BitlensSaliencyMap *a,
                   const BitlensSaliencyMap *b)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_cmpmem (a->values, sizeof (float) * a->width * a->height,
                   b->values, sizeof (float) * b->width * b->height);
}

static void
test_start_page (Fixture       *fixture,
                 gconstpointer  data)
{
  BitlensWindow *window = fixture->window;
  g_autofree char *path = g_build_filename (fixture->temp_dir, "nothing.png", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->main_stack), ==, "start");
  g_assert_cmpuint (g_list_model_get_n_items (bitlens_window_get_items (window)), ==, 0);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->main_stack)));
  /* Nothing to export without a model and an image. */
  g_assert_null (window->maps[BITLENS_SLOT_A]);
  g_assert_false (bitlens_window_export_current (window, path, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* The bundled demo models (data/models): the newest is loaded at start, without becoming a
 * recent file; the start page's last demo row compares the newest (model A) with the one
 * before (model B). */
static void
test_demo_models (Fixture       *fixture,
                  gconstpointer  data)
{
  BitlensWindow *window = fixture->window;
  g_autoptr(GPtrArray) demos = bitlens_window_find_demo_models ();
  g_autofree char *newest = NULL;
  g_autofree char *previous = NULL;
  GtkWidget *compare_row = NULL;

  if (demos->len < 2)
    {
      g_test_skip ("fewer than two bundled demo models in data/models");
      return;
    }
  newest = g_path_get_basename (g_ptr_array_index (demos, 0));
  previous = g_path_get_basename (g_ptr_array_index (demos, 1));
  g_assert_cmpstr (newest, ==, "bitlens-person-v2.tflite");
  g_assert_cmpstr (previous, ==, "bitlens-person-v1.tflite");

  g_assert_nonnull (window->models[BITLENS_SLOT_A]);
  g_assert_cmpstr (bitlens_model_get_name (window->models[BITLENS_SLOT_A]), ==, newest);
  g_assert_true (window->model_a_is_default);
  g_assert_null (window->models[BITLENS_SLOT_B]);
  g_assert_false (window->comparing);

  /* The rows: one per model, then the comparison. */
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (window->demo_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    compare_row = row;
  g_assert_nonnull (compare_row);
  g_assert_true (ADW_IS_ACTION_ROW (compare_row));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (compare_row)), newest));
  g_signal_emit_by_name (compare_row, "activated");
  gui_spin (50);

  g_assert_true (window->comparing);
  g_assert_cmpstr (bitlens_model_get_name (window->models[BITLENS_SLOT_A]), ==, newest);
  g_assert_cmpstr (bitlens_model_get_name (window->models[BITLENS_SLOT_B]), ==, previous);
  /* Chosen by the user now: a spec's [model] no longer replaces it. */
  g_assert_false (window->model_a_is_default);
}

static void
test_bad_files (Fixture       *fixture,
                gconstpointer  data)
{
  BitlensWindow *window = fixture->window;
  g_autofree char *bad_model = g_build_filename (fixture->temp_dir, "garbage.tflite", NULL);
  g_autofree char *bad_image = g_build_filename (fixture->temp_dir, "garbage.png", NULL);
  g_autofree char *missing = g_build_filename (fixture->temp_dir, "missing.tflite", NULL);
  g_autoptr(GError) error = NULL;
  BitlensModel *model_before;

  g_assert_true (g_file_set_contents (bad_model, "this is not a flatbuffer", -1, &error));
  g_assert_true (g_file_set_contents (bad_image, "\x89PNG\r\n\x1a\n truncated", -1, &error));

  /* The window keeps the model it had (the bundled demo model, when there is one). */
  model_before = window->models[BITLENS_SLOT_A];
  gui_open_path (window, bad_model);
  g_assert_true (window->models[BITLENS_SLOT_A] == model_before);
  g_assert_nonnull (window->last_message);
  g_assert_nonnull (strstr (window->last_message, "garbage.tflite"));

  gui_open_path (window, missing);
  g_assert_nonnull (strstr (window->last_message, "missing.tflite"));

  /* A broken image: the window says so and keeps working. */
  g_clear_pointer (&window->last_message, g_free);
  gui_open_path (window, bad_image);
  gui_wait_until (gui_window_is_idle, window, TIMEOUT_MS);
  gui_spin (200);
  g_assert_nonnull (window->last_message);
  g_assert_nonnull (strstr (window->last_message, "garbage.png"));
  g_assert_nonnull (bitlens_image_item_get_error (bitlens_window_get_current_item (window)));
}

static void
test_single_image (Fixture       *fixture,
                   gconstpointer  data)
{
  BitlensWindow *window = fixture->window;
  g_autofree char *model_path = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *image_path = test_shared_path ("data/vww/person/000000000785.png");
  g_autoptr(BitlensSaliencyMap) expected = NULL;
  BitlensImageItem *item;
  double expected_score;
  double zoom;

  if (model_path == NULL || image_path == NULL)
    return;

  gui_open_path (window, model_path);
  g_assert_nonnull (window->models[BITLENS_SLOT_A]);
  gui_open_path (window, image_path);
  g_assert_true (gui_wait_until (has_map_a, window, TIMEOUT_MS));

  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->main_stack), ==, "workspace");
  item = bitlens_window_get_current_item (window);
  g_assert_nonnull (item);
  expected_score = score_directly (model_path, image_path);
  g_assert_cmpfloat (bitlens_image_item_get_score (item, BITLENS_SLOT_A), ==, expected_score);
  g_assert_cmpstr (bitlens_prediction_panel_get_outcome_text (window->prediction_panel, BITLENS_SLOT_A), ==,
                   expected_score >= 0.5 ? "Predicts: person" : "Predicts: no person");

  expected = map_directly (window, model_path, image_path);
  assert_maps_equal (window->maps[BITLENS_SLOT_A], expected);
  g_assert_nonnull (bitlens_image_view_get_overlay (window->image_view));

  /* Zoom goes through the action and stays within bounds. */
  zoom = bitlens_image_view_get_zoom (window->image_view);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-in", NULL));
  g_assert_cmpfloat (bitlens_image_view_get_zoom (window->image_view), >, zoom);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-fit", NULL));
  g_assert_cmpfloat (bitlens_image_view_get_zoom (window->image_view), ==, 1.0);

  /* Another method, chosen in the settings the panel is bound to, computes a new map (when
   * the core has that method). */
  {
    BitlensSaliencyMethod gradient = BITLENS_SALIENCY_GRADIENT;
    GSettings *settings = bitlens_application_get_settings (fixture->application);

    if (bitlens_saliency_method_is_available (gradient))
      {
        g_autoptr(BitlensSaliencyMap) expected_gradient = NULL;

        g_settings_set_string (settings, "saliency-method", "gradient");
        g_assert_cmpstr (bitlens_saliency_panel_get_method (window->saliency_panel), ==, "gradient");
        g_assert_true (gui_wait_until (has_map_a, window, TIMEOUT_MS));
        expected_gradient = map_directly (window, model_path, image_path);
        assert_maps_equal (window->maps[BITLENS_SLOT_A], expected_gradient);
        g_settings_reset (settings, "saliency-method");
        g_assert_true (gui_wait_until (has_map_a, window, TIMEOUT_MS));
        assert_maps_equal (window->maps[BITLENS_SLOT_A], expected);
      }
    else
      g_test_message ("the core has no gradient method yet: not switching methods");
  }

  /* The baseline kind, chosen in the settings, gives the map the core computes with that
   * baseline; the gray level row counts only for gray, the radius only for the blur. */
  {
    GSettings *settings = bitlens_application_get_settings (fixture->application);
    GtkWidget *panel = GTK_WIDGET (window->saliency_panel);
    GType panel_type = BITLENS_TYPE_SALIENCY_PANEL;
    GtkWidget *gray_row = GTK_WIDGET (gtk_widget_get_template_child (panel, panel_type, "baseline_row"));
    GtkWidget *radius_row = GTK_WIDGET (gtk_widget_get_template_child (panel, panel_type, "blur_radius_row"));
    static const struct { const char *kind; BitlensBaselineKind expected_kind; int gray_level; } cases[] = {
      { "gray", BITLENS_BASELINE_GRAY, 128 },
      { "black", BITLENS_BASELINE_BLACK, 0 },
    };
    BitlensSaliencyParams params;

    /* The default: the blurred copy, radius 5. */
    bitlens_saliency_panel_get_params (window->saliency_panel, &params);
    g_assert_cmpint (params.baseline.kind, ==, BITLENS_BASELINE_BLUR);
    g_assert_cmpint (params.baseline.blur_radius, ==, 5);
    g_assert_true (gtk_widget_get_sensitive (radius_row));
    g_assert_false (gtk_widget_get_sensitive (gray_row));

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(BitlensSaliencyMap) direct = NULL;
        g_autoptr(BitlensModel) model = bitlens_model_new_from_file (model_path, NULL);
        g_autoptr(BitlensImage) image = bitlens_image_load (image_path, NULL);
        g_autoptr(GBytes) input = bitlens_saliency_input_from_image (model, image, NULL);
        g_autoptr(GError) error = NULL;

        g_settings_set_string (settings, "occlusion-baseline-kind", cases[i].kind);
        g_assert_true (gui_wait_until (has_map_a, window, TIMEOUT_MS));
        g_assert_cmpint (gtk_widget_get_sensitive (gray_row), ==, cases[i].expected_kind == BITLENS_BASELINE_GRAY);
        g_assert_false (gtk_widget_get_sensitive (radius_row));

        /* The core, called with that baseline (not with the panel's parameters). */
        bitlens_saliency_params_init (&params);
        params.baseline.kind = cases[i].expected_kind;
        params.baseline.gray_level = cases[i].gray_level;
        direct = bitlens_saliency_compute (model, input, &params, NULL, NULL, NULL, &error);
        g_assert_no_error (error);
        assert_maps_equal (window->maps[BITLENS_SLOT_A], direct);
        g_assert_true (memcmp (direct->values, expected->values, sizeof (float) * 96 * 96) != 0);
      }

    /* A gray level other than 128 is passed on too. */
    g_settings_set_string (settings, "occlusion-baseline-kind", "gray");
    g_settings_set_int (settings, "occlusion-baseline", 40);
    g_assert_true (gui_wait_until (has_map_a, window, TIMEOUT_MS));
    bitlens_saliency_panel_get_params (window->saliency_panel, &params);
    g_assert_cmpint (params.baseline.kind, ==, BITLENS_BASELINE_GRAY);
    g_assert_cmpint (params.baseline.gray_level, ==, 40);
    {
      g_autoptr(BitlensSaliencyMap) gray_40 = map_directly (window, model_path, image_path);
      assert_maps_equal (window->maps[BITLENS_SLOT_A], gray_40);
    }

    /* Back to the blurred copy: the first map again (from the cache). */
    g_settings_reset (settings, "occlusion-baseline");
    g_settings_reset (settings, "occlusion-baseline-kind");
    g_assert_true (gui_wait_until (has_map_a, window, TIMEOUT_MS));
    assert_maps_equal (window->maps[BITLENS_SLOT_A], expected);
    g_assert_true (gtk_widget_get_sensitive (radius_row));
  }

  /* The map is cached per model and image: computing again with the same parameters is
   * immediate. */
  bitlens_window_compute_saliency (window, FALSE);
  g_assert_true (bitlens_window_has_map (window, BITLENS_SLOT_A));
  g_assert_false (bitlens_window_is_busy (window));
}

static void
test_compare_and_export (Fixture       *fixture,
                         gconstpointer  data)
{
  BitlensWindow *window = fixture->window;
  g_autofree char *model_a = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *model_b = test_shared_path ("models/mlperf_tiny/vww_96_int8.tflite");
  g_autofree char *image_path = test_shared_path ("data/vww/no_person/000000000724.png");
  g_autofree char *export_path = g_build_filename (fixture->temp_dir, "annotated.png", NULL);
  g_autoptr(BitlensSaliencyMap) expected_b = NULL;
  g_autoptr(BitlensImage) exported = NULL;
  g_autoptr(GError) error = NULL;
  BitlensImageItem *item;
  double zoom;

  if (model_a == NULL || model_b == NULL || image_path == NULL)
    return;

  gui_open_path (window, model_a);
  gui_open_path (window, image_path);
  g_assert_true (gui_wait_until (has_map_a, window, TIMEOUT_MS));
  g_assert_false (bitlens_window_get_comparing (window));

  {
    g_autoptr(GFile) file = g_file_new_for_path (model_b);
    bitlens_window_open_compare_model (window, file);
  }
  g_assert_nonnull (window->models[BITLENS_SLOT_B]);
  /* A second model switches compare mode on. */
  g_assert_true (bitlens_window_get_comparing (window));
  g_assert_true (gui_wait_until (has_maps_ab, window, TIMEOUT_MS));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->image_view_b)));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->image_view_diff)));

  item = bitlens_window_get_current_item (window);
  g_assert_cmpfloat (bitlens_image_item_get_score (item, BITLENS_SLOT_B), ==, score_directly (model_b, image_path));
  expected_b = map_directly (window, model_b, image_path);
  assert_maps_equal (window->maps[BITLENS_SLOT_B], expected_b);

  /* The difference view shows A minus B. */
  g_assert_nonnull (window->difference_map);
  for (int i = 0; i < window->difference_map->width * window->difference_map->height; i += 97)
    g_assert_cmpfloat (window->difference_map->values[i], ==,
                       window->maps[BITLENS_SLOT_A]->values[i] - window->maps[BITLENS_SLOT_B]->values[i]);
  g_assert_nonnull (bitlens_image_view_get_overlay (window->image_view_diff));

  /* Zoom, pan and hover are synchronized. */
  zoom = bitlens_image_view_get_zoom (window->image_view_b);
  bitlens_image_view_zoom_in (window->image_view);
  g_assert_cmpfloat (bitlens_image_view_get_zoom (window->image_view_b), >, zoom);
  g_assert_cmpfloat (bitlens_image_view_get_zoom (window->image_view_diff), ==,
                     bitlens_image_view_get_zoom (window->image_view));
  g_object_set (window->image_view_b, "hover-x", 0.25, "hover-y", 0.75, NULL);
  {
    double hover_x, hover_y;

    g_object_get (window->image_view, "hover-x", &hover_x, "hover-y", &hover_y, NULL);
    g_assert_cmpfloat (hover_x, ==, 0.25);
    g_assert_cmpfloat (hover_y, ==, 0.75);
    g_assert_nonnull (strstr (gtk_label_get_label (window->readout_label), "A−B"));
  }

  /* Export in compare mode: one PNG with A | B | A - B, the core's compare export of the
   * two maps the window shows. */
  g_assert_true (bitlens_window_export_current (window, export_path, &error));
  g_assert_no_error (error);
  exported = bitlens_image_load (export_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (exported->width, >=, 3 * (14 + 384 + 14 + 16));
  {
    g_autoptr(BitlensImage) image = bitlens_image_load (image_path, &error);
    g_autoptr(GBytes) expected_png = NULL;
    g_autofree char *contents = NULL;
    BitlensSaliencyParams params_a, params_b;
    BitlensRenderOptions render_a, render_b;
    BitlensExportInfo info_a, info_b;
    gsize length;

    g_assert_no_error (error);
    bitlens_window_fill_export_info (window, BITLENS_SLOT_A, item, &params_a, &render_a, &info_a);
    bitlens_window_fill_export_info (window, BITLENS_SLOT_B, item, &params_b, &render_b, &info_b);
    g_assert_cmpstr (info_a.model_name, ==, "person_detect.tflite");
    g_assert_cmpstr (info_b.model_name, ==, "vww_96_int8.tflite");
    expected_png = bitlens_export_compare_png_bytes (image, window->maps[BITLENS_SLOT_A], &info_a,
                                                     expected_b, &info_b, &error);
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (export_path, &contents, &length, &error));
    g_assert_cmpmem (contents, length, g_bytes_get_data (expected_png, NULL), g_bytes_get_size (expected_png));
  }

  /* Leaving compare mode hides B and the difference, and Export saves A's map alone. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.compare", NULL));
  g_assert_false (bitlens_window_get_comparing (window));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window->image_view_b)));
  g_assert_true (bitlens_window_export_current (window, export_path, &error));
  g_assert_no_error (error);
  g_clear_pointer (&exported, bitlens_image_free);
  exported = bitlens_image_load (export_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (exported->width, >=, 14 + 384 + 14 + 16);
  g_assert_cmpint (exported->width, <, 2 * (14 + 384 + 14 + 16));
}

/* A labelled dataset of three person and three no-person images from vww, in a temporary
 * folder (symbolic links, no copies). */
static char *
make_dataset (Fixture *fixture)
{
  static const char *files[] = {
    "person/000000000785.png", "person/000000000885.png", "person/000000001000.png",
    "no_person/000000000724.png", "no_person/000000002157.png", "no_person/000000003845.png",
  };
  g_autofree char *dataset = g_build_filename (fixture->temp_dir, "mini", NULL);
  g_autoptr(GString) csv = g_string_new ("file,label\n");
  g_autofree char *labels = g_build_filename (dataset, "labels.csv", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dataset, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *relative = g_build_filename ("data/vww", files[i], NULL);
      g_autofree char *source = test_shared_path (relative);
      g_autofree char *name = g_path_get_basename (files[i]);
      g_autofree char *link = g_build_filename (dataset, name, NULL);

      if (source == NULL)
        return NULL;
      g_assert_cmpint (symlink (source, link), ==, 0);
      g_string_append_printf (csv, "%s,%d\n", name, g_str_has_prefix (files[i], "person/") ? 1 : 0);
    }
  g_assert_true (g_file_set_contents (labels, csv->str, -1, &error));
  return g_steal_pointer (&dataset);
}

static gboolean
all_scored (gpointer window)
{
  GListModel *items = bitlens_window_get_items (window);
  guint n = g_list_model_get_n_items (items);

  if (n == 0 || !gui_window_is_idle (window))
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BitlensImageItem) item = g_list_model_get_item (items, i);
      if (!bitlens_image_item_has_score (item, BITLENS_SLOT_A))
        return FALSE;
    }
  return TRUE;
}

static guint
count_files (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static gboolean
export_folder_full (gpointer user_data)
{
  const char *folder = user_data;

  return count_files (folder) > 0;
}

/* Sorting by name follows the names the rows show: in a dataset with person/ and no_person/
 * folders, 000000000785.png (person/) comes before 000000002157.png (no_person/), although
 * its path sorts after. */
static void
test_sort_by_shown_name (Fixture       *fixture,
                         gconstpointer  data)
{
  static const char *files[] = { "person/000000000785.png", "no_person/000000002157.png",
                                 "no_person/000000000724.png" };
  static const char *expected[] = { "000000000724.png", "000000000785.png", "000000002157.png" };
  BitlensWindow *window = fixture->window;
  g_autofree char *model_path = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *dataset = g_build_filename (fixture->temp_dir, "folders", NULL);
  GListModel *shown;

  if (model_path == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *relative = g_build_filename ("data/vww", files[i], NULL);
      g_autofree char *source = test_shared_path (relative);
      g_autofree char *link = g_build_filename (dataset, files[i], NULL);
      g_autofree char *folder = g_path_get_dirname (link);

      if (source == NULL)
        return;
      g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
      g_assert_cmpint (symlink (source, link), ==, 0);
    }

  gui_open_path (window, model_path);
  gui_open_path (window, dataset);
  g_assert_true (gui_wait_until (all_scored, window, TIMEOUT_MS));
  bitlens_browser_set_sort (window->browser, BITLENS_BROWSER_SORT_NAME);
  shown = bitlens_browser_get_shown_items (window->browser);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(BitlensImageItem) item = g_list_model_get_item (shown, i);

      g_assert_cmpstr (bitlens_image_item_get_name (item), ==, expected[i]);
    }
}

static void
test_dataset_browser (Fixture       *fixture,
                      gconstpointer  data)
{
  BitlensWindow *window = fixture->window;
  g_autofree char *model_path = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *dataset = NULL;
  g_autofree char *export_folder = g_build_filename (fixture->temp_dir, "export", NULL);
  GListModel *items, *shown;
  guint n_failures = 0, n_false_positives = 0;
  double previous = G_MAXDOUBLE;

  if (model_path == NULL)
    return;
  dataset = make_dataset (fixture);
  if (dataset == NULL)
    return;

  gui_open_path (window, model_path);
  gui_open_path (window, dataset);
  g_assert_true (gui_wait_until (all_scored, window, TIMEOUT_MS));

  items = bitlens_window_get_items (window);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(BitlensImageItem) item = g_list_model_get_item (items, i);
      double score = score_directly (model_path, bitlens_image_item_get_path (item));
      int label = bitlens_image_item_get_label (item);

      /* Labels from labels.csv, scores from the core's evaluation. */
      g_assert_cmpint (label, ==, g_str_has_prefix (bitlens_image_item_get_name (item), "000000000724") ||
                                  g_str_has_prefix (bitlens_image_item_get_name (item), "000000002157") ||
                                  g_str_has_prefix (bitlens_image_item_get_name (item), "000000003845") ? 0 : 1);
      g_assert_cmpfloat (bitlens_image_item_get_score (item, BITLENS_SLOT_A), ==, score);
      if ((score >= 0.5) != (label == 1))
        n_failures++;
      if (score >= 0.5 && label == 0)
        n_false_positives++;
    }

  shown = bitlens_browser_get_shown_items (window->browser);
  bitlens_browser_set_filter (window->browser, BITLENS_BROWSER_FILTER_FAILURES);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, n_failures);
  bitlens_browser_set_filter (window->browser, BITLENS_BROWSER_FILTER_FALSE_POSITIVES);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, n_false_positives);

  /* Sorted by score, highest first. */
  bitlens_browser_set_filter (window->browser, BITLENS_BROWSER_FILTER_ALL);
  bitlens_browser_set_sort (window->browser, BITLENS_BROWSER_SORT_SCORE);
  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(BitlensImageItem) item = g_list_model_get_item (shown, i);
      double score = bitlens_image_item_get_score (item, BITLENS_SLOT_A);

      g_assert_cmpfloat (score, <=, previous);
      previous = score;
    }

  /* Keyboard navigation moves the selection and the shown image. */
  bitlens_browser_select_position (window->browser, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.next-image", NULL));
  {
    g_autoptr(BitlensImageItem) second = g_list_model_get_item (shown, 1);
    g_assert_true (bitlens_window_get_current_item (window) == second);
  }

  /* New scores re-sort the list without moving the selection off the shown image. */
  {
    BitlensImageItem *current = bitlens_window_get_current_item (window);

    bitlens_browser_refresh (window->browser);
    bitlens_browser_set_sort (window->browser, BITLENS_BROWSER_SORT_MISTAKE_CONFIDENCE);
    g_assert_true (bitlens_window_get_current_item (window) == current);
    g_assert_true (bitlens_browser_get_selected_item (window->browser) == current);
  }

  /* Batch export of the shown list, six images. */
  bitlens_browser_set_sort (window->browser, BITLENS_BROWSER_SORT_NAME);
  g_assert_cmpint (g_mkdir_with_parents (export_folder, 0755), ==, 0);
  gui_wait_until (gui_window_is_idle, window, TIMEOUT_MS);
  bitlens_window_export_shown_items (window, export_folder);
  g_assert_true (bitlens_window_is_busy (window));
  g_assert_true (gui_wait_until (gui_window_is_idle, window, TIMEOUT_MS));
  g_assert_true (export_folder_full (export_folder));
  g_assert_cmpuint (count_files (export_folder), ==, 6);
  {
    g_autofree char *first = g_build_filename (export_folder, "000000000724-saliency.png", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(BitlensImage) image = bitlens_image_load (first, &error);

    g_assert_no_error (error);
    g_assert_nonnull (image);
  }
}

/* The secondary windows open from their actions and show what they should. */
static void
test_secondary_windows (Fixture       *fixture,
                        gconstpointer  data)
{
  BitlensWindow *window = fixture->window;
  g_autofree char *model_path = test_shared_path ("models/tflm/person_detect.tflite");
  GtkWindow *dialog;
  GSettings *settings = bitlens_application_get_settings (fixture->application);
  BitlensRenderOptions options;

  if (model_path == NULL)
    return;
  gui_open_path (window, model_path);

  /* Model information: one row per layer, in a group titled "Layers". */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.model-info", NULL));
  gui_spin (100);
  dialog = gui_find_toplevel (BITLENS_TYPE_MODEL_INFO);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (gtk_window_get_title (dialog), ==, "Model Information");
  gtk_window_destroy (dialog);

  /* Keyboard shortcuts from ui/gtk/help-overlay.ui. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  gui_spin (100);
  dialog = gui_find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW);
  g_assert_nonnull (dialog);
  gtk_window_destroy (dialog);

  /* About. */
  g_action_group_activate_action (G_ACTION_GROUP (fixture->application), "about", NULL);
  gui_spin (100);
  dialog = gui_find_toplevel (ADW_TYPE_ABOUT_WINDOW);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (dialog)), ==, PACKAGE_VERSION);
  gtk_window_destroy (dialog);

  /* Preferences: a setting changed there reaches the saliency panel of the window. */
  g_action_group_activate_action (G_ACTION_GROUP (fixture->application), "preferences", NULL);
  gui_spin (100);
  dialog = gui_find_toplevel (BITLENS_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (dialog);
  g_settings_set_string (settings, "colormap", "cividis");
  g_settings_set_double (settings, "overlay-opacity", 0.25);
  bitlens_saliency_panel_get_render_options (window->saliency_panel, &options);
  g_assert_cmpint (options.colormap, ==, BITLENS_COLORMAP_CIVIDIS);
  g_assert_cmpfloat (options.opacity, ==, 0.25);
  gtk_window_destroy (dialog);
  g_settings_reset (settings, "colormap");
  g_settings_reset (settings, "overlay-opacity");

  /* The style follows the setting. */
  g_action_group_activate_action (G_ACTION_GROUP (fixture->application), "color-scheme",
                                  g_variant_new_string ("dark"));
  g_assert_cmpint (adw_style_manager_get_color_scheme (adw_style_manager_get_default ()), ==,
                   ADW_COLOR_SCHEME_FORCE_DARK);
  g_settings_reset (settings, "color-scheme");
  g_assert_cmpint (adw_style_manager_get_color_scheme (adw_style_manager_get_default ()), ==,
                   ADW_COLOR_SCHEME_DEFAULT);
}

/* Closing the window while a dataset is evaluated and a map computed: the late results are
 * dropped without touching the destroyed widgets. */
static void
test_close_while_busy (void)
{
  g_autofree char *model_path = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *dataset_path = test_shared_path ("data/vww");
  g_autoptr(BitlensApplication) application = NULL;
  BitlensWindow *window;

  if (model_path == NULL || dataset_path == NULL)
    return;

  application = gui_application_new ();
  window = bitlens_window_new (application);
  gui_present (GTK_WINDOW (window));
  gui_open_path (window, model_path);
  gui_open_path (window, dataset_path);
  g_assert_true (bitlens_window_is_busy (window));
  gui_spin (300);
  g_assert_true (bitlens_window_is_busy (window));
  gtk_window_destroy (GTK_WINDOW (window));
  /* Long enough for the cancelled workers to stop and their callbacks to run. */
  gui_spin (3000);
}

static GtkDropTarget *
find_drop_target (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);
    }
  return NULL;
}

static gboolean
has_items (gpointer window)
{
  return g_list_model_get_n_items (bitlens_window_get_items (window)) > 0 && gui_window_is_idle (window);
}

/* Files dropped on the window open like files on the command line; what was opened shows up
 * among the recent files of the next start page; an empty folder is refused with a message. */
static void
test_drop_and_recent (Fixture       *fixture,
                      gconstpointer  data)
{
  BitlensWindow *window = fixture->window;
  g_autofree char *model_path = test_shared_path ("models/tflm/person_detect.tflite");
  g_autofree char *image_path = test_shared_path ("data/vww/person/000000000885.png");
  g_autofree char *empty = g_build_filename (fixture->temp_dir, "empty", NULL);
  g_autoptr(GFile) model_file = NULL;
  g_autoptr(GFile) image_file = NULL;
  GdkFileList *list;
  GtkDropTarget *target;
  GValue value = G_VALUE_INIT;
  gboolean accepted = FALSE;
  BitlensWindow *second;
  guint n_recent = 0;

  if (model_path == NULL || image_path == NULL)
    return;

  model_file = g_file_new_for_path (model_path);
  image_file = g_file_new_for_path (image_path);
  list = gdk_file_list_new_from_list (g_slist_append (g_slist_append (NULL, model_file), image_file));
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, list);
  target = find_drop_target (GTK_WIDGET (window));
  g_assert_nonnull (target);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &accepted);
  g_value_unset (&value);
  g_assert_true (accepted);
  g_assert_nonnull (window->models[BITLENS_SLOT_A]);
  g_assert_true (gui_wait_until (has_items, window, TIMEOUT_MS));
  {
    g_autofree char *canonical = g_file_get_path (image_file);
    g_assert_cmpstr (bitlens_image_item_get_path (bitlens_window_get_current_item (window)), ==, canonical);
  }

  /* An empty folder: a message, and the image stays. */
  g_assert_cmpint (g_mkdir_with_parents (empty, 0755), ==, 0);
  g_clear_pointer (&window->last_message, g_free);
  gui_open_path (window, empty);
  g_assert_true (gui_wait_until (gui_window_is_idle, window, TIMEOUT_MS));
  g_assert_nonnull (window->last_message);
  g_assert_nonnull (strstr (window->last_message, "empty"));
  g_assert_cmpuint (g_list_model_get_n_items (bitlens_window_get_items (window)), ==, 1);

  /* The recent files of a new window's start page. */
  gui_spin (500);
  second = bitlens_window_new (fixture->application);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (second->recent_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GVariant *target_value = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (row));

      g_autofree char *canonical = g_file_get_path (model_file);

      if (target_value != NULL && g_str_equal (g_variant_get_string (target_value, NULL), canonical))
        n_recent++;
    }
  g_assert_cmpuint (n_recent, ==, 1);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (second->recent_group)));
  gtk_window_destroy (GTK_WINDOW (second));
}

static void
test_no_display (void)
{
  g_test_skip ("no display: run the GUI tests under xvfb-run (tools/test does)");
}

int
main (int   argc,
      char *argv[])
{
  if (g_getenv ("DISPLAY") == NULL || *g_getenv ("DISPLAY") == '\0')
    {
      g_test_init (&argc, &argv, NULL);
      g_test_add_func ("/gui/no-display", test_no_display);
      return g_test_run ();
    }

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/gui/start-page", Fixture, NULL, fixture_set_up, test_start_page, fixture_tear_down);
  g_test_add ("/gui/demo-models", Fixture, NULL, fixture_set_up, test_demo_models, fixture_tear_down);
  g_test_add ("/gui/bad-files", Fixture, NULL, fixture_set_up, test_bad_files, fixture_tear_down);
  g_test_add ("/gui/single-image", Fixture, NULL, fixture_set_up, test_single_image, fixture_tear_down);
  g_test_add ("/gui/compare-and-export", Fixture, NULL, fixture_set_up, test_compare_and_export, fixture_tear_down);
  g_test_add ("/gui/secondary-windows", Fixture, NULL, fixture_set_up, test_secondary_windows, fixture_tear_down);
  g_test_add ("/gui/drop-and-recent", Fixture, NULL, fixture_set_up, test_drop_and_recent, fixture_tear_down);
  g_test_add ("/gui/dataset-browser", Fixture, NULL, fixture_set_up, test_dataset_browser, fixture_tear_down);
  g_test_add ("/gui/sort-by-shown-name", Fixture, NULL, fixture_set_up, test_sort_by_shown_name, fixture_tear_down);
  g_test_add_func ("/gui/close-while-busy", test_close_while_busy);
  return g_test_run ();
}
