/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "test-util.h"

/* Deletion and insertion curves recomputed from the documented rule with fresh
 * interpreters: pixel order (decreasing value, ties by index), floor(k N / steps)
 * pixels per step, the deletion baseline (by default the input box-blurred with radius 5,
 * or gray: int8 q = v - 128), the box-blurred insertion start, the trapezoid areas; the random control map; thread independence;
 * the async variant. */

#define PERSON_DETECT "models/tflm/person_detect.tflite"
#define PERSON_IMAGE "data/vww/person/000000000885.png"
#define SIZE 96

typedef struct
{
  BitlensModel *model;
  GBytes       *input;
} Fixture;

static gboolean
fixture_load (Fixture *fixture)
{
  g_autofree char *model_path = test_shared_path (PERSON_DETECT);
  g_autofree char *image_path = test_shared_path (PERSON_IMAGE);
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensImage) image = NULL;

  if (model_path == NULL || image_path == NULL)
    return FALSE;
  fixture->model = bitlens_model_new_from_file (model_path, &error);
  g_assert_no_error (error);
  image = bitlens_image_load (image_path, &error);
  g_assert_no_error (error);
  fixture->input = bitlens_saliency_input_from_image (fixture->model, image, &error);
  g_assert_no_error (error);
  return TRUE;
}

static void
fixture_clear (Fixture *fixture)
{
  g_clear_pointer (&fixture->model, bitlens_model_unref);
  g_clear_pointer (&fixture->input, g_bytes_unref);
}

static double
fresh_score (BitlensModel *model,
             const gint8  *bytes)
{
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  g_autoptr(GError) error = NULL;

  interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, &error);
  g_assert_no_error (error);
  bitlens_interpreter_set_input_bytes (interpreter, bytes, SIZE * SIZE, &error);
  g_assert_no_error (error);
  bitlens_interpreter_invoke (interpreter);
  return bitlens_interpreter_get_person_score (interpreter);
}

/* Insertion sort on (value descending, index ascending), NaN last. */
static void
naive_order (const float *values,
             int          n,
             int         *order)
{
  for (int i = 0; i < n; i++)
    {
      int j = i;
      order[i] = i;
      while (j > 0)
        {
          float a = values[order[j - 1]], b = values[order[j]];
          gboolean swap = (isnan (a) && !isnan (b)) || (!isnan (a) && !isnan (b) && b > a);
          if (!swap)
            break;
          int t = order[j - 1];
          order[j - 1] = order[j];
          order[j] = t;
          j--;
        }
    }
}

static void
box_blur (const gint8 *in,
          int          radius,
          gint8       *out)
{
  for (int y = 0; y < SIZE; y++)
    for (int x = 0; x < SIZE; x++)
      {
        long sum = 0, n = 0;
        for (int yy = MAX (0, y - radius); yy <= MIN (SIZE - 1, y + radius); yy++)
          for (int xx = MAX (0, x - radius); xx <= MIN (SIZE - 1, x + radius); xx++)
            {
              sum += in[yy * SIZE + xx];
              n++;
            }
        out[y * SIZE + x] = (gint8) floor ((double) (sum + n / 2) / (double) n);
      }
}

static double
trapezoid (const double *scores,
           int           steps)
{
  double sum = 0;
  for (int k = 0; k < steps; k++)
    sum += (scores[k] + scores[k + 1]) / 2.0;
  return sum / steps;
}

/* `gray` is the deletion baseline's gray level, or -1 for the default: the blurred copy. */
static void
check_against_definition (Fixture                  *fixture,
                          const BitlensSaliencyMap *map,
                          int                       steps,
                          int                       gray,
                          int                       threads)
{
  g_autoptr(BitlensFaithfulness) result = NULL;
  g_autoptr(GError) error = NULL;
  const gint8 *original = g_bytes_get_data (fixture->input, NULL);
  g_autofree int *order = g_new (int, SIZE * SIZE);
  g_autofree gint8 *start = g_new (gint8, SIZE * SIZE);
  g_autofree gint8 *deleted = g_new (gint8, SIZE * SIZE);
  g_autofree gint8 *image = g_new (gint8, SIZE * SIZE);
  g_autofree double *deletion = g_new (double, steps + 1);
  g_autofree double *insertion = g_new (double, steps + 1);
  BitlensFaithfulnessParams params;

  bitlens_faithfulness_params_init (&params);
  params.steps = steps;
  params.n_threads = threads;
  if (gray >= 0)
    {
      params.deletion_baseline.kind = BITLENS_BASELINE_GRAY;
      params.deletion_baseline.gray_level = gray;
      memset (deleted, gray - 128, SIZE * SIZE);
    }
  else
    box_blur (original, 5, deleted);
  params.insertion_start.blur_radius = 4;
  result = bitlens_faithfulness_compute (fixture->model, fixture->input, map, &params, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->steps, ==, steps);

  naive_order (map->values, SIZE * SIZE, order);
  box_blur (original, 4, start);
  for (int k = 0; k <= steps; k++)
    {
      int m = (int) ((gint64) k * SIZE * SIZE / steps);

      memcpy (image, original, SIZE * SIZE);
      for (int i = 0; i < m; i++)
        image[order[i]] = deleted[order[i]];
      deletion[k] = fresh_score (fixture->model, image);

      memcpy (image, start, SIZE * SIZE);
      for (int i = 0; i < m; i++)
        image[order[i]] = original[order[i]];
      insertion[k] = fresh_score (fixture->model, image);
    }
  g_assert_cmpmem (result->deletion, sizeof (double) * (steps + 1), deletion, sizeof (double) * (steps + 1));
  g_assert_cmpmem (result->insertion, sizeof (double) * (steps + 1), insertion, sizeof (double) * (steps + 1));
  g_assert_cmpfloat (result->deletion_area, ==, trapezoid (deletion, steps));
  g_assert_cmpfloat (result->insertion_area, ==, trapezoid (insertion, steps));
  /* The curves move: otherwise the comparison says little. */
  g_assert_cmpfloat (deletion[0], !=, deletion[steps]);
  g_assert_cmpfloat (insertion[0], !=, insertion[steps]);
}

static void
test_occlusion_map_curves (void)
{
  Fixture fixture = { 0 };
  g_autoptr(BitlensSaliencyMap) map = NULL;
  g_autoptr(GError) error = NULL;
  BitlensSaliencyParams params;

  if (!fixture_load (&fixture))
    return;
  bitlens_saliency_params_init (&params);
  params.window = 16;
  params.stride = 8;
  map = bitlens_saliency_compute (fixture.model, fixture.input, &params, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  /* Occlusion maps have many ties (pixels of the same windows): the index order counts. */
  check_against_definition (&fixture, map, 5, -1, 2);
  check_against_definition (&fixture, map, 7, 0, 1);
  check_against_definition (&fixture, map, 3, 128, 2);
  fixture_clear (&fixture);
}

static void
test_random_map (void)
{
  Fixture fixture = { 0 };
  g_autoptr(BitlensSaliencyMap) map = bitlens_saliency_map_new_random (SIZE, SIZE, 1);
  g_autoptr(BitlensSaliencyMap) again = bitlens_saliency_map_new_random (SIZE, SIZE, 1);
  g_autoptr(BitlensSaliencyMap) other = bitlens_saliency_map_new_random (SIZE, SIZE, 2);
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);

  /* GRand seeded with 1, one g_rand_double per pixel in row-major order. */
  for (int i = 0; i < SIZE * SIZE; i++)
    g_assert_cmpfloat (map->values[i], ==, (float) g_rand_double (rand));
  g_assert_cmpmem (map->values, sizeof (float) * SIZE * SIZE, again->values, sizeof (float) * SIZE * SIZE);
  g_assert_true (memcmp (map->values, other->values, sizeof (float) * SIZE * SIZE) != 0);

  if (!fixture_load (&fixture))
    return;
  check_against_definition (&fixture, map, 4, 128, 3);
  fixture_clear (&fixture);
}

typedef struct
{
  GMainLoop           *loop;
  BitlensFaithfulness *result;
  GError              *error;
  guint                reports;
} AsyncState;

static void
on_progress (guint done, guint total, gpointer data)
{
  AsyncState *state = data;

  g_assert_cmpuint (total, ==, 2 * (6 + 1));
  g_assert_cmpuint (done, <=, total);
  state->reports++;
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncState *state = data;

  state->result = bitlens_faithfulness_compute_finish (result, &state->error);
  g_main_loop_quit (state->loop);
}

static void
test_async_and_threads (void)
{
  Fixture fixture = { 0 };
  g_autoptr(BitlensSaliencyMap) map = bitlens_saliency_map_new_random (SIZE, SIZE, 9);
  g_autoptr(BitlensFaithfulness) one = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  AsyncState state = { .loop = loop };
  BitlensFaithfulnessParams params;

  if (!fixture_load (&fixture))
    return;
  bitlens_faithfulness_params_init (&params);
  params.steps = 6;
  params.n_threads = 1;
  one = bitlens_faithfulness_compute (fixture.model, fixture.input, map, &params, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  params.n_threads = 2;
  bitlens_faithfulness_compute_async (fixture.model, fixture.input, map, &params, on_progress, &state, NULL,
                                      NULL, on_done, &state);
  g_main_loop_run (loop);
  g_assert_no_error (state.error);
  g_assert_cmpmem (state.result->deletion, 7 * sizeof (double), one->deletion, 7 * sizeof (double));
  g_assert_cmpmem (state.result->insertion, 7 * sizeof (double), one->insertion, 7 * sizeof (double));
  g_assert_cmpfloat (state.result->deletion_area, ==, one->deletion_area);
  bitlens_faithfulness_free (state.result);

  /* Step 0 of deletion and the last step of insertion are the input itself. */
  {
    g_autoptr(BitlensInterpreter) interpreter = bitlens_interpreter_new (fixture.model, 0, &error);
    g_assert_no_error (error);
    bitlens_interpreter_set_input_bytes (interpreter, g_bytes_get_data (fixture.input, NULL), SIZE * SIZE, &error);
    bitlens_interpreter_invoke (interpreter);
    g_assert_cmpfloat (one->deletion[0], ==, bitlens_interpreter_get_person_score (interpreter));
    g_assert_cmpfloat (one->insertion[6], ==, bitlens_interpreter_get_person_score (interpreter));
  }
  fixture_clear (&fixture);
}

static void
test_errors (void)
{
  Fixture fixture = { 0 };
  g_autoptr(BitlensSaliencyMap) small = bitlens_saliency_map_new (48, 48);
  g_autoptr(BitlensSaliencyMap) map = bitlens_saliency_map_new (SIZE, SIZE);
  g_autoptr(GError) error = NULL;
  BitlensFaithfulnessParams params;
  BitlensFaithfulness *result;

  if (!fixture_load (&fixture))
    return;
  bitlens_faithfulness_params_init (&params);
  result = bitlens_faithfulness_compute (fixture.model, fixture.input, small, &params, NULL, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
  g_assert_nonnull (strstr (error->message, "the map is 48x48, the model's input 96x96"));
  g_clear_error (&error);

  params.steps = 0;
  result = bitlens_faithfulness_compute (fixture.model, fixture.input, map, &params, NULL, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID);
  fixture_clear (&fixture);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/saliency/faithfulness/occlusion-map", test_occlusion_map_curves);
  g_test_add_func ("/saliency/faithfulness/random-map", test_random_map);
  g_test_add_func ("/saliency/faithfulness/async-threads", test_async_and_threads);
  g_test_add_func ("/saliency/faithfulness/errors", test_errors);
  return g_test_run ();
}
