/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "test-util.h"
#include "train-data.h"
#include "train-deployed.h"
#include "train-network.h"
#include "train-rng.h"

/* Batch-norm folding, the exported .tflite against the Bitlens interpreter and against
 * the Larq semantics computed here from the network's own parameters (not from the
 * deployed form), and whole training runs on real images: determinism, thread-count
 * independence, checkpoint resume, the asynchronous API. */

static void
fill_uniform (float   *values,
              gsize    n,
              double   low,
              double   high,
              guint64  key)
{
  TrainRng rng;

  train_rng_init (&rng, 777, 5, key);
  for (gsize i = 0; i < n; i++)
    values[i] = (float) train_rng_range (&rng, low, high);
}

/* Thresholds */

static void
test_threshold_hand_worked (void)
{
  /* K = 9, y = dot + offset, dot = 9 - 2 acc; bit 1 when y < 0. */
  g_assert_cmpint (train_fold_threshold (1.0, 0.0, 9), ==, 4);    /* dot < 0: acc >= 5 */
  g_assert_cmpint (train_fold_threshold (1.0, 1.0, 9), ==, 5);    /* dot < -1: acc >= 6 */
  g_assert_cmpint (train_fold_threshold (1.0, -1.0, 9), ==, 4);   /* dot < 1: acc >= 5 (acc 4: y = 0, +1) */
  g_assert_cmpint (train_fold_threshold (0.5, -1.5, 9), ==, 3);   /* dot < 3: acc >= 4 */
  g_assert_cmpint (train_fold_threshold (0.0, -1.0, 9), ==, -1);  /* always -1 */
  g_assert_cmpint (train_fold_threshold (0.0, 0.0, 9), ==, 9);    /* y = 0: never -1 */
  g_assert_cmpint (train_fold_threshold (1.0, 100.0, 9), ==, 9);
  g_assert_cmpint (train_fold_threshold (1.0, -100.0, 9), ==, -1);
}

/* For random batch norms (negative scales included) and every accumulator, the folded
 * comparison gives the sign of the batch norm output. A negative scale negates the filter,
 * which turns acc into K - acc. */
static void
test_threshold_equivalence (void)
{
  TrainRng rng;

  train_rng_init (&rng, 3, 3, 3);
  for (int trial = 0; trial < 2000; trial++)
    {
      int depth = 1 + (int) train_rng_below (&rng, 600);
      double scale = train_rng_range (&rng, -2.0, 2.0);
      double offset = train_rng_range (&rng, -depth, depth) * fabs (scale);
      gboolean negate = scale < 0.0;
      gint32 threshold;

      if (trial % 7 == 0)
        offset = floor (offset);   /* boundaries on integers */
      threshold = train_fold_threshold (fabs (scale), offset, depth);
      for (int acc = 0; acc <= depth; acc++)
        {
          int dot = depth - 2 * acc;
          gboolean expected = scale * dot + offset < 0.0;
          int folded_acc = negate ? depth - acc : acc;

          if ((folded_acc > threshold) != expected)
            g_error ("depth %d scale %g offset %.17g acc %d: folded %d, expected %d", depth, scale,
                     offset, acc, folded_acc > threshold, expected);
        }
    }
}

/* A network with random parameters and random running statistics that put the batch-norm
 * thresholds inside the range of the accumulators. */
static TrainNetwork *
random_network (const char *arch_text,
                int         size,
                int         channels,
                guint64     seed)
{
  TrainArch arch;
  g_autoptr(GError) error = NULL;
  TrainNetwork *network;
  TrainRng rng;

  g_assert_true (train_arch_parse (arch_text, size, channels, &arch, &error));
  g_assert_no_error (error);
  network = train_network_new (&arch, 2, 1, 0);
  train_network_init (network, seed);
  train_rng_init (&rng, seed, 1000, 0);
  for (int l = 0; l < arch.n_layers; l++)
    {
      const TrainLayer *layer = &network->layers[l];
      double depth = train_conv_patch_size (&layer->geometry);

      for (int c = 0; c < layer->geometry.out_c; c++)
        {
          network->params[layer->gamma + c] = (float) train_rng_range (&rng, -1.5, 1.5);
          network->params[layer->beta + c] = (float) train_rng_range (&rng, -1.0, 1.0);
          if (layer->spec.binary)
            {
              network->state[layer->running_mean + c] = (float) train_rng_range (&rng, -depth / 3, depth / 3);
              network->state[layer->running_variance + c] = (float) train_rng_range (&rng, depth / 4, depth);
            }
          else
            {
              network->state[layer->running_mean + c] = (float) train_rng_range (&rng, -0.3, 0.3);
              network->state[layer->running_variance + c] = (float) train_rng_range (&rng, 0.01, 0.3);
            }
        }
    }
  fill_uniform (network->params + network->dense_weights, 2 * (gsize) network->features, -1, 1, seed);
  return network;
}

/* The batch norm of a layer channel as y = scale * x + offset, in double, from the
 * network's parameters. */
static void
layer_affine (const TrainNetwork *network,
              const TrainLayer   *layer,
              int                 c,
              double             *scale,
              double             *offset)
{
  double gamma = network->params[layer->gamma + c];
  double variance = network->state[layer->running_variance + c];

  *scale = gamma / sqrt (variance + 1e-3);
  *offset = network->params[layer->beta + c] - network->state[layer->running_mean + c] * *scale;
}

static gboolean
packed_bit (const guint32 *words,
            int            words_per_pixel,
            gsize          pixel,
            int            c)
{
  return (words[pixel * words_per_pixel + c / 32] >> (c % 32)) & 1;
}

static gboolean
contains_bytes (const guint8 *data,
                gsize         size,
                const char   *needle,
                gsize         length)
{
  for (gsize i = 0; i + length <= size; i++)
    if (memcmp (data + i, needle, length) == 0)
      return TRUE;
  return FALSE;
}

static int
find_op (BitlensModel  *model,
         BitlensOpKind  kind,
         int            nth)
{
  for (guint i = 0; i < bitlens_model_get_n_ops (model); i++)
    if (bitlens_model_get_op (model, i)->kind == kind && nth-- == 0)
      return (int) i;
  g_assert_not_reached ();
}

static void
check_structure (BitlensModel *model,
                 GBytes       *bytes,
                 const TrainNetwork *network)
{
  const BitlensOpKind expected[] = {
    BITLENS_OP_CONV_2D, BITLENS_OP_LCE_QUANTIZE,
    BITLENS_OP_LCE_BCONV2D, BITLENS_OP_LCE_BMAXPOOL2D,
    BITLENS_OP_LCE_BCONV2D, BITLENS_OP_LCE_BMAXPOOL2D,
    BITLENS_OP_LCE_BCONV2D,
    BITLENS_OP_AVERAGE_POOL_2D, BITLENS_OP_FULLY_CONNECTED, BITLENS_OP_SOFTMAX,
  };
  const char *keys[] = { "channels_in", "dilation_height_factor", "dilation_width_factor",
                         "fused_activation_function", "pad_values", "padding", "stride_height",
                         "stride_width", "filter_height", "filter_width" };
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  BitlensModelCost cost;

  g_assert_cmpuint (bitlens_model_get_n_ops (model), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpint (bitlens_model_get_op (model, i)->kind, ==, expected[i]);

  for (int b = 0; b < 3; b++)
    {
      const BitlensOp *op = bitlens_model_get_op (model, find_op (model, BITLENS_OP_LCE_BCONV2D, b));
      const TrainLayer *layer = &network->layers[b + 1];
      const BitlensTensor *filter = bitlens_model_get_tensor (model, op->inputs[1]);
      const BitlensTensor *output = bitlens_model_get_tensor (model, op->outputs[0]);
      gboolean last = b == 2;

      g_assert_cmpint (op->n_inputs, ==, 5);
      g_assert_cmpint (op->options.channels_in, ==, layer->geometry.in_c);
      g_assert_cmpint (op->options.pad_values, ==, 1);
      g_assert_cmpint (op->options.padding, ==, BITLENS_PADDING_SAME);
      g_assert_cmpint (op->options.stride_w, ==, 1);
      g_assert_cmpint (op->options.dilation_h, ==, 1);
      g_assert_cmpint (op->options.activation, ==, BITLENS_ACTIVATION_NONE);
      g_assert_cmpint (filter->type, ==, BITLENS_TYPE_INT32);
      g_assert_cmpint (filter->shape[0], ==, layer->geometry.out_c);
      g_assert_cmpint (filter->shape[1], ==, 3);
      g_assert_cmpint (filter->shape[2], ==, 3);
      g_assert_cmpint (filter->shape[3], ==, (layer->geometry.in_c + 31) / 32);
      g_assert_nonnull (filter->data);
      if (last)
        {
          g_assert_cmpint (op->inputs[2], >=, 0);
          g_assert_cmpint (op->inputs[3], >=, 0);
          g_assert_cmpint (op->inputs[4], ==, -1);
          g_assert_cmpint (output->type, ==, BITLENS_TYPE_FLOAT32);
        }
      else
        {
          g_assert_cmpint (op->inputs[2], ==, -1);
          g_assert_cmpint (op->inputs[3], ==, -1);
          g_assert_cmpint (op->inputs[4], >=, 0);
          g_assert_cmpint (bitlens_model_get_tensor (model, op->inputs[4])->type, ==, BITLENS_TYPE_INT32);
          g_assert_cmpint (output->type, ==, BITLENS_TYPE_INT32);
        }
    }
  /* FlexBuffers keys are stored as strings in the file. */
  for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
    g_assert_true (contains_bytes (data, size, keys[k], strlen (keys[k]) + 1));
  g_assert_true (contains_bytes (data, size, "LceBconv2d", 11));
  g_assert_true (contains_bytes (data, size, "LceQuantize", 12));
  g_assert_true (contains_bytes (data, size, "LceBMaxPool2d", 14));

  bitlens_model_get_cost (model, &cost);
  g_assert_cmpuint (cost.binary_ops, >, cost.macs);
  g_assert_cmpuint (bitlens_model_get_person_index (model), ==, 1);
  g_assert_true (bitlens_model_output_is_probability (model));
}

/* The interpreter's intermediate tensors against the Larq semantics computed here: the
 * signs of the first layer, then each binary convolution as a +-1 dot product with
 * one-padding followed by the batch norm (in double) and its sign, and the last layer's
 * float output. */
static void
check_semantics (BitlensModel       *model,
                 BitlensInterpreter *interpreter,
                 const TrainNetwork *network,
                 const float        *input)
{
  const TrainLayer *stem = &network->layers[0];
  const TrainConvGeometry *g = &stem->geometry;
  const guint32 *signs = bitlens_interpreter_get_tensor_data (interpreter,
    bitlens_model_get_op (model, find_op (model, BITLENS_OP_LCE_QUANTIZE, 0))->outputs[0]);
  int stem_words = (g->out_c + 31) / 32;
  guint stem_ambiguous = 0;

  /* First layer: the sign of the batch norm of a float convolution, up to rounding. */
  for (int oy = 0; oy < g->out_h; oy++)
    for (int ox = 0; ox < g->out_w; ox++)
      for (int c = 0; c < g->out_c; c++)
        {
          double total = 0.0, scale, offset, y;

          for (int fy = 0; fy < 3; fy++)
            for (int fx = 0; fx < 3; fx++)
              for (int i = 0; i < g->in_c; i++)
                {
                  int iy = oy * g->stride - g->pad_top + fy, ix = ox * g->stride - g->pad_left + fx;
                  if (iy < 0 || iy >= g->in_h || ix < 0 || ix >= g->in_w)
                    continue;
                  total += (double) input[((gsize) iy * g->in_w + ix) * g->in_c + i]
                           * network->params[stem->weights + (((gsize) c * 3 + fy) * 3 + fx) * g->in_c + i];
                }
          layer_affine (network, stem, c, &scale, &offset);
          y = scale * total + offset;
          if ((y < 0) != packed_bit (signs, stem_words, (gsize) oy * g->out_w + ox, c))
            {
              g_assert_cmpfloat (fabs (y), <, 1e-4);
              stem_ambiguous++;
            }
        }
  g_assert_cmpuint (stem_ambiguous, <, 5);

  for (int b = 0; b < 3; b++)
    {
      const TrainLayer *layer = &network->layers[b + 1];
      const TrainConvGeometry *lg = &layer->geometry;
      const BitlensOp *op = bitlens_model_get_op (model, find_op (model, BITLENS_OP_LCE_BCONV2D, b));
      const guint32 *in = bitlens_interpreter_get_tensor_data (interpreter, op->inputs[0]);
      const void *out = bitlens_interpreter_get_tensor_data (interpreter, op->outputs[0]);
      int in_words = (lg->in_c + 31) / 32, out_words = (lg->out_c + 31) / 32;
      gboolean last = b == 2;

      for (int oy = 0; oy < lg->out_h; oy++)
        for (int ox = 0; ox < lg->out_w; ox++)
          for (int c = 0; c < lg->out_c; c++)
            {
              int dot = 0;
              double scale, offset, y;
              gsize pixel = (gsize) oy * lg->out_w + ox;

              for (int fy = 0; fy < 3; fy++)
                for (int fx = 0; fx < 3; fx++)
                  for (int i = 0; i < lg->in_c; i++)
                    {
                      int iy = oy - lg->pad_top + fy, ix = ox - lg->pad_left + fx;
                      gboolean inside = iy >= 0 && iy < lg->in_h && ix >= 0 && ix < lg->in_w;
                      int x = inside && packed_bit (in, in_words, (gsize) iy * lg->in_w + ix, i) ? -1 : 1;
                      float w = network->params[layer->weights + (((gsize) c * 3 + fy) * 3 + fx) * lg->in_c + i];
                      dot += x * (w < 0.0f ? -1 : 1);
                    }
              layer_affine (network, layer, c, &scale, &offset);
              y = scale * dot + offset;
              if (last)
                {
                  float got = ((const float *) out)[pixel * lg->out_c + c];
                  g_assert_cmpfloat_with_epsilon (got, y, 1e-4 * (1.0 + fabs (y)));
                }
              else
                g_assert_cmpint (packed_bit (out, out_words, pixel, c), ==, y < 0.0);
            }
    }
}

static void
test_export_matches_semantics_and_interpreter (void)
{
  g_autofree char *image_path = test_shared_path ("data/vww/person/000000000785.png");
  TrainNetwork *network = random_network ("8s2,40,m,33,m,20", 48, 3, 5);
  TrainDeployed *deployed = train_deployed_new_from_network (network);
  g_autoptr(GBytes) bytes = train_deployed_export (deployed, "test model");
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = bitlens_model_new_from_bytes (bytes, &error);
  const int floats = 48 * 48 * 3;
  g_autofree float *input = g_new (float, floats);

  g_assert_no_error (error);
  g_assert_cmpstr (bitlens_model_get_description (model), ==, "test model");
  check_structure (model, bytes, network);

  /* Export is a function of the parameters. */
  {
    TrainDeployed *second = train_deployed_new_from_network (network);
    again = train_deployed_export (second, "test model");
    train_deployed_free (second);
    g_assert_true (g_bytes_equal (bytes, again));
  }

  for (int flags = 0; flags < 2; flags++)
    {
      g_autoptr(BitlensInterpreter) interpreter =
        bitlens_interpreter_new (model, BITLENS_INTERPRETER_PRESERVE_ALL
                                        | (flags ? BITLENS_INTERPRETER_FORCE_REFERENCE : 0), &error);
      g_assert_no_error (error);

      for (int trial = 0; trial < 4; trial++)
        {
          float logits[2], probabilities[2];
          const float *output;

          if (trial == 0 && image_path != NULL)
            {
              g_autoptr(BitlensImage) image = bitlens_image_load (image_path, &error);
              g_assert_no_error (error);
              train_image_to_input (image, 48, 3, input);
            }
          else
            fill_uniform (input, floats, 0, 1, 100 + trial);
          g_assert_true (bitlens_interpreter_set_input_bytes (interpreter, input, sizeof (float) * floats, &error));
          bitlens_interpreter_invoke (interpreter);
          check_semantics (model, interpreter, network, input);

          /* The trainer's deployed pass gives the same output bits. */
          train_deployed_run (deployed, input, logits, probabilities);
          output = bitlens_interpreter_get_output_data (interpreter, 0);
          g_assert_cmpmem (output, sizeof probabilities, probabilities, sizeof probabilities);
          g_assert_cmpfloat_with_epsilon (probabilities[0] + probabilities[1], 1.0, 1e-6);
        }
    }
  train_deployed_free (deployed);
  train_network_free (network);
}

/* Residual blocks: LceQuantize of the float input, LceBconv2d with float output, ADD, float
 * MAX_POOL_2D; the interpreter gives the deployed pass's bits, and the residual sums match
 * the network's float inference. */
static void
test_export_residual (void)
{
  TrainNetwork *network = random_network ("8s2,32,32r,m,40,40r", 32, 3, 21);
  TrainDeployed *deployed = train_deployed_new_from_network (network);
  g_autoptr(GBytes) bytes = train_deployed_export (deployed, "residual");
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = bitlens_model_new_from_bytes (bytes, &error);
  g_autoptr(BitlensInterpreter) interpreter = NULL;
  const BitlensOpKind expected[] = {
    BITLENS_OP_CONV_2D, BITLENS_OP_LCE_QUANTIZE,
    BITLENS_OP_LCE_BCONV2D,
    BITLENS_OP_LCE_QUANTIZE, BITLENS_OP_LCE_BCONV2D, BITLENS_OP_ADD, BITLENS_OP_MAX_POOL_2D,
    BITLENS_OP_LCE_QUANTIZE, BITLENS_OP_LCE_BCONV2D,
    BITLENS_OP_LCE_QUANTIZE, BITLENS_OP_LCE_BCONV2D, BITLENS_OP_ADD,
    BITLENS_OP_AVERAGE_POOL_2D, BITLENS_OP_FULLY_CONNECTED, BITLENS_OP_SOFTMAX,
  };
  const int floats = 32 * 32 * 3;
  guint close = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (bitlens_model_get_n_ops (model), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpint (bitlens_model_get_op (model, i)->kind, ==, expected[i]);
  /* Float-output convolutions have multiplier and bias, no thresholds. */
  for (int b = 0; b < 4; b++)
    {
      const BitlensOp *op = bitlens_model_get_op (model, find_op (model, BITLENS_OP_LCE_BCONV2D, b));
      g_assert_cmpint (op->inputs[2], >=, 0);
      g_assert_cmpint (op->inputs[4], ==, -1);
    }
  /* The ADD takes the block's float input, not its signs. */
  {
    const BitlensOp *add = bitlens_model_get_op (model, find_op (model, BITLENS_OP_ADD, 0));
    const BitlensOp *bconv = bitlens_model_get_op (model, find_op (model, BITLENS_OP_LCE_BCONV2D, 0));
    g_assert_cmpint (add->inputs[0], ==, bconv->outputs[0]);
  }

  interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_DEFAULT, &error);
  g_assert_no_error (error);
  for (int trial = 0; trial < 12; trial++)
    {
      float logits[2], probabilities[2];

      fill_uniform (network->input, floats, 0, 1, 300 + trial);
      g_assert_true (bitlens_interpreter_set_input_bytes (interpreter, network->input, sizeof (float) * floats, &error));
      bitlens_interpreter_invoke (interpreter);
      train_deployed_run (deployed, network->input, logits, probabilities);
      g_assert_cmpmem (bitlens_interpreter_get_output_data (interpreter, 0), sizeof probabilities,
                       probabilities, sizeof probabilities);
      train_network_infer (network, 1);
      close += fabsf (logits[0] - network->logits[0]) < 1e-3f && fabsf (logits[1] - network->logits[1]) < 1e-3f;
    }
  g_assert_cmpuint (close, >=, 9);
  train_deployed_free (deployed);
  train_network_free (network);
}

/* The folded float model and the unfolded float network (batch norm with running
 * statistics) agree on the logits up to rounding, except where a sign near zero flips. */
static void
test_fold_matches_network_inference (void)
{
  TrainNetwork *network = random_network ("8s2,32,m,32", 24, 1, 9);
  TrainDeployed *deployed = train_deployed_new_from_network (network);
  const int floats = 24 * 24;
  guint close = 0;

  for (int trial = 0; trial < 20; trial++)
    {
      float logits[2], probabilities[2];

      fill_uniform (network->input, floats, 0, 1, 200 + trial);
      train_network_infer (network, 1);
      train_deployed_run (deployed, network->input, logits, probabilities);
      close += fabsf (logits[0] - network->logits[0]) < 1e-3f && fabsf (logits[1] - network->logits[1]) < 1e-3f;
    }
  /* Sign flips at exact ties are rare: most images agree to 1e-3. */
  g_assert_cmpuint (close, >=, 16);
  train_deployed_free (deployed);
  train_network_free (network);
}

/* Data */

static void
test_data_spec (void)
{
  g_autofree char *path = NULL, *split = NULL;
  g_autoptr(GError) error = NULL;
  double weight;

  g_assert_true (train_parse_data_spec ("/nonexistent/vww:test.txt@2.5", &path, &split, &weight, &error));
  g_assert_cmpstr (path, ==, "/nonexistent/vww");
  g_assert_cmpstr (split, ==, "test.txt");
  g_assert_cmpfloat (weight, ==, 2.5);
  g_clear_pointer (&path, g_free);
  g_clear_pointer (&split, g_free);

  g_assert_true (train_parse_data_spec ("photos", &path, &split, &weight, &error));
  g_assert_cmpstr (path, ==, "photos");
  g_assert_null (split);
  g_assert_cmpfloat (weight, ==, 1.0);
  g_clear_pointer (&path, g_free);

  g_assert_false (train_parse_data_spec ("photos@0", &path, &split, &weight, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID);
  g_clear_error (&error);
  g_assert_false (train_parse_data_spec ("photos@x", &path, &split, &weight, &error));
  g_clear_error (&error);
}

static TrainItem *
synthetic_item (int label, double luma, double weight)
{
  TrainItem *item = g_new0 (TrainItem, 1);

  item->image = bitlens_image_new (40, 30);
  for (gsize i = 0; i < 40 * 30 * 3; i++)
    item->image->pixels[i] = (guint8) ((i * 37) % 251);
  item->label = label;
  item->mean_luma = luma;
  item->weight = weight;
  item->path = g_strdup ("synthetic");
  return item;
}

static void
test_balance_and_sampling (void)
{
  TrainSet *set = train_set_new ();
  double dark[2] = { 0, 0 }, bright[2] = { 0, 0 };
  g_autofree guint *a = NULL, *b = NULL, *c = NULL;
  guint counts[6] = { 0 };

  /* dark: 1 no person, 3 persons; bright: 2 no person, 1 person; one unlabelled. */
  g_ptr_array_add (set->items, synthetic_item (0, 50, 1));
  g_ptr_array_add (set->items, synthetic_item (1, 50, 1));
  g_ptr_array_add (set->items, synthetic_item (1, 60, 1));
  g_ptr_array_add (set->items, synthetic_item (1, 70, 1));
  g_ptr_array_add (set->items, synthetic_item (0, 150, 1));
  g_ptr_array_add (set->items, synthetic_item (0, 160, 1));
  g_ptr_array_add (set->items, synthetic_item (1, 170, 2));
  g_ptr_array_add (set->items, synthetic_item (-1, 10, 1));
  train_set_balance (set, 80);
  for (guint i = 0; i < 7; i++)
    {
      const TrainItem *item = g_ptr_array_index (set->items, i);
      (item->mean_luma < 80 ? dark : bright)[item->label] += item->weight;
    }
  /* Each bucket keeps its total, split evenly between the labels. */
  g_assert_cmpfloat_with_epsilon (dark[0], 2.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (dark[1], 2.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (bright[0], 2.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (bright[1], 2.0, 1e-12);
  g_assert_cmpfloat (((TrainItem *) g_ptr_array_index (set->items, 7))->weight, ==, 1.0);

  a = train_set_sample (set, 4, 2, 9000);
  b = train_set_sample (set, 4, 2, 9000);
  c = train_set_sample (set, 4, 3, 9000);
  g_assert_cmpmem (a, 9000 * sizeof (guint), b, 9000 * sizeof (guint));
  g_assert_true (memcmp (a, c, 9000 * sizeof (guint)) != 0);
  for (guint k = 0; k < 9000; k++)
    if (a[k] < 6)
      counts[a[k]]++;
  /* Item 0 weighs 2 of 9, item 1 2/3 of 9: within a few standard deviations. */
  g_assert_cmpuint (counts[0], >, 1800);
  g_assert_cmpuint (counts[0], <, 2200);
  g_assert_cmpuint (counts[1], >, 550);
  g_assert_cmpuint (counts[1], <, 790);
  train_set_free (set);
}

static void
test_view (void)
{
  TrainItem *item = synthetic_item (1, 100, 1);
  TrainAugmentation plain, augmented;
  g_autoptr(BitlensImage) view = bitlens_image_new (24, 24);
  g_autoptr(BitlensImage) again = bitlens_image_new (24, 24);
  g_autoptr(BitlensImage) stretched = bitlens_image_resize (item->image, 24, 24);
  TrainRng rng;

  /* Without augmentation a view is the stretched image. */
  train_augmentation_init (&plain);
  plain.min_area = 1.0;
  plain.max_aspect_change = 1.0;
  plain.flip_probability = 0.0;
  plain.brightness = plain.contrast = plain.gray_probability = 0.0;
  train_rng_init (&rng, 1, TRAIN_STREAM_VIEW, 0);
  train_make_view (item, &plain, &rng, view);
  g_assert_cmpmem (view->pixels, 24 * 24 * 3, stretched->pixels, 24 * 24 * 3);

  /* Always flipped: the mirror image. */
  plain.flip_probability = 1.0;
  train_rng_init (&rng, 1, TRAIN_STREAM_VIEW, 0);
  train_make_view (item, &plain, &rng, view);
  for (int y = 0; y < 24; y++)
    for (int x = 0; x < 24; x++)
      g_assert_cmpmem (view->pixels + (y * 24 + x) * 3, 3, stretched->pixels + (y * 24 + 23 - x) * 3, 3);

  /* A key gives one view. */
  train_augmentation_init (&augmented);
  augmented.low_light_probability = 0.5;
  train_rng_init (&rng, 9, TRAIN_STREAM_VIEW, 17);
  train_make_view (item, &augmented, &rng, view);
  train_rng_init (&rng, 9, TRAIN_STREAM_VIEW, 17);
  train_make_view (item, &augmented, &rng, again);
  g_assert_cmpmem (view->pixels, 24 * 24 * 3, again->pixels, 24 * 24 * 3);

  /* Low light only for the chosen label, and it darkens. */
  augmented.low_light_probability = 1.0;
  augmented.low_light_label = 0;
  augmented.brightness = augmented.contrast = 0.0;
  train_rng_init (&rng, 9, TRAIN_STREAM_VIEW, 18);
  train_make_view (item, &augmented, &rng, view);
  augmented.low_light_label = 1;
  train_rng_init (&rng, 9, TRAIN_STREAM_VIEW, 18);
  train_make_view (item, &augmented, &rng, again);
  {
    double sum_plain = 0, sum_dark = 0;
    for (gsize i = 0; i < 24 * 24 * 3; i++)
      {
        sum_plain += view->pixels[i];
        sum_dark += again->pixels[i];
      }
    g_assert_cmpfloat (sum_dark, <, 0.5 * sum_plain);
  }
  bitlens_image_free (item->image);
  g_free (item->path);
  g_free (item);
}

/* Whole runs on real images */

typedef struct
{
  char *dir;
  char *split;
  char *vww;
  char *teacher;
} RunFixture;

static void
run_fixture_clear (RunFixture *f)
{
  if (f->dir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (f->dir, name, NULL);
          g_remove (path);
        }
      g_rmdir (f->dir);
    }
  g_free (f->dir);
  g_free (f->split);
  g_free (f->vww);
  g_free (f->teacher);
}

/* 24 person and 24 no-person images of vww/train.txt in a split file of a temporary
 * folder. FALSE (skipped) without the shared data. */
static gboolean
run_fixture_init (RunFixture *f)
{
  g_autofree char *train_list = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GString *split = g_string_new (NULL);
  int person = 0, no_person = 0;
  g_autoptr(GError) error = NULL;

  memset (f, 0, sizeof *f);
  f->vww = test_shared_path ("data/vww");
  f->teacher = test_shared_path ("models/mlperf_tiny/vww_96_int8.tflite");
  if (f->vww == NULL || f->teacher == NULL)
    {
      g_string_free (split, TRUE);
      return FALSE;
    }
  train_list = g_build_filename (f->vww, "train.txt", NULL);
  g_assert_true (g_file_get_contents (train_list, &contents, NULL, &error));
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "person/") && person < 24)
        person++;
      else if (g_str_has_prefix (lines[i], "no_person/") && no_person < 24)
        no_person++;
      else
        continue;
      g_string_append_printf (split, "%s\n", lines[i]);
    }
  f->dir = g_dir_make_tmp ("bitlens-train-XXXXXX", &error);
  g_assert_no_error (error);
  f->split = g_build_filename (f->dir, "small.txt", NULL);
  g_assert_true (g_file_set_contents (f->split, split->str, -1, &error));
  g_string_free (split, TRUE);
  return TRUE;
}

static void
small_options (BitlensTrainOptions *options,
               const RunFixture    *f,
               char                *data_spec,
               char                *validation_spec,
               const char         **data)
{
  bitlens_train_options_init (options);
  g_snprintf (data_spec, 1024, "%s:%s", f->vww, f->split);
  g_snprintf (validation_spec, 1024, "%s:%s", f->vww, f->split);
  data[0] = data_spec;
  data[1] = NULL;
  options->data = data;
  options->validation = validation_spec;
  options->arch = "8s2,32,m,32";
  options->epochs = 2;
  options->batch_size = 8;
  options->views_per_epoch = 24;
  options->seed = 42;
}

static GBytes *
train_or_fail (const BitlensTrainOptions *options,
               BitlensTrainSummary       *summary)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = bitlens_train (options, NULL, NULL, NULL, summary, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return bytes;
}

static void
test_training_is_deterministic (void)
{
  RunFixture f;
  BitlensTrainOptions options;
  char data_spec[1024], validation_spec[1024];
  const char *data[2];
  BitlensTrainSummary summary;
  g_autoptr(GBytes) first = NULL, second = NULL, three_threads = NULL, other_seed = NULL;
  g_autoptr(GBytes) distilled = NULL, distilled_again = NULL;
  g_autoptr(BitlensModel) model = NULL;
  g_autoptr(GError) error = NULL;

  if (!run_fixture_init (&f))
    return;
  small_options (&options, &f, data_spec, validation_spec, data);
  options.n_threads = 1;
  first = train_or_fail (&options, &summary);
  second = train_or_fail (&options, NULL);
  g_assert_true (g_bytes_equal (first, second));

  /* The exported file gives the trainer's own outputs, bit for bit, on all 48 images. */
  g_assert_cmpuint (summary.n_checked, ==, 48);
  g_assert_cmpuint (summary.n_agreeing, ==, 48);
  g_assert_cmpuint (summary.n_identical, ==, 48);
  g_assert_cmpfloat (summary.max_score_difference, ==, 0.0);
  g_assert_cmpuint (summary.n_person, ==, 24);
  g_assert_cmpuint (summary.n_no_person, ==, 24);
  g_assert_cmpuint (summary.binary_macs, >, summary.float_macs);

  options.n_threads = 3;
  three_threads = train_or_fail (&options, NULL);
  g_assert_true (g_bytes_equal (first, three_threads));

  options.seed = 43;
  other_seed = train_or_fail (&options, NULL);
  g_assert_false (g_bytes_equal (first, other_seed));

  /* With a teacher (scores, features and hints), dropping images, low light, CutMix, luma
   * balancing and a residual block: still reproducible, and the drop expression removed the
   * dark no-person images. */
  options.seed = 42;
  options.teacher = f.teacher;
  options.teacher_weight = 0.75;
  options.drop = "label == 0 && mean_luma < 100";
  options.balance_luma = 90;
  options.low_light_probability = 0.3;
  options.low_light_label = 1;
  options.cutmix_probability = 0.5;
  options.feature_weight = 0.5;
  options.hint_weight = 0.5;
  options.arch = "8s2,m,16,m,32,m,32r";
  options.n_threads = 2;
  distilled = train_or_fail (&options, &summary);
  g_assert_cmpuint (summary.n_dropped, >, 0);
  g_assert_cmpuint (summary.n_no_person, ==, 24 - summary.n_dropped);
  options.n_threads = 1;
  distilled_again = train_or_fail (&options, NULL);
  g_assert_true (g_bytes_equal (distilled, distilled_again));
  g_assert_false (g_bytes_equal (first, distilled));

  model = bitlens_model_new_from_bytes (distilled, &error);
  g_assert_no_error (error);
  g_assert_true (strstr (bitlens_model_get_description (model), "distilled") != NULL);
  /* The adapters of the hints and the feature head are not exported: the ops are those of
   * the architecture alone. */
  g_assert_cmpuint (bitlens_model_get_n_ops (model), ==, 13);
  run_fixture_clear (&f);
}

static void
cancel_after_first_epoch (const BitlensTrainEpoch *epoch,
                          gpointer                 user_data)
{
  if (epoch->epoch == 1)
    g_cancellable_cancel (user_data);
}

static void
record_epochs (const BitlensTrainEpoch *epoch,
               gpointer                 user_data)
{
  g_array_append_val (user_data, *epoch);
}

static void
test_checkpoint_resume (void)
{
  RunFixture f;
  BitlensTrainOptions options;
  char data_spec[1024], validation_spec[1024];
  const char *data[2];
  g_autoptr(GBytes) uninterrupted = NULL, resumed = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) epochs = g_array_new (FALSE, FALSE, sizeof (BitlensTrainEpoch));
  g_autofree char *checkpoint = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (!run_fixture_init (&f))
    return;
  small_options (&options, &f, data_spec, validation_spec, data);
  options.epochs = 3;
  uninterrupted = train_or_fail (&options, NULL);

  checkpoint = g_build_filename (f.dir, "run.checkpoint", NULL);
  options.checkpoint = checkpoint;
  g_assert_null (bitlens_train (&options, cancellable, cancel_after_first_epoch, cancellable, NULL, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_true (g_file_test (checkpoint, G_FILE_TEST_EXISTS));

  resumed = bitlens_train (&options, NULL, record_epochs, epochs, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (uninterrupted, resumed));
  g_assert_cmpuint (epochs->len, ==, 3);
  g_assert_true (g_array_index (epochs, BitlensTrainEpoch, 0).from_checkpoint);
  g_assert_cmpuint (g_array_index (epochs, BitlensTrainEpoch, 0).epoch, ==, 1);
  g_assert_false (g_array_index (epochs, BitlensTrainEpoch, 1).from_checkpoint);
  g_assert_cmpuint (g_array_index (epochs, BitlensTrainEpoch, 2).epoch, ==, 3);
  g_assert_cmpuint (g_array_index (epochs, BitlensTrainEpoch, 2).n_validation, ==, 48);

  /* Another seed does not resume this checkpoint. */
  options.seed = 7;
  g_assert_null (bitlens_train (&options, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID);
  g_assert_true (strstr (error->message, "other options") != NULL);
  g_clear_error (&error);

  /* A damaged checkpoint is an error, not a crash. */
  options.seed = 42;
  g_assert_true (g_file_get_contents (checkpoint, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (checkpoint, contents, length - 5, NULL));
  g_assert_null (bitlens_train (&options, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_IO);
  g_assert_true (strstr (error->message, "truncated") != NULL);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (checkpoint, "not a checkpoint", -1, NULL));
  g_assert_null (bitlens_train (&options, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_IO);
  g_clear_error (&error);
  run_fixture_clear (&f);
}

/* --init-from: a run that starts from another run's checkpoint and barely moves (a learning
 * rate of 1e-30 changes no float32 weight) exports that run's model, byte for byte (the
 * batch-norm statistics are estimated afresh from the same views); without it, the same
 * settings give an untrained model. A missing file and a checkpoint of another architecture
 * are errors that name the option. */
static void
test_init_from (void)
{
  RunFixture f;
  BitlensTrainOptions options;
  char data_spec[1024], validation_spec[1024];
  const char *data[2];
  g_autoptr(GBytes) trained = NULL, continued = NULL, untrained = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *checkpoint = NULL;
  g_autofree char *missing = NULL;

  if (!run_fixture_init (&f))
    return;
  small_options (&options, &f, data_spec, validation_spec, data);
  options.epochs = 1;
  options.description = "init-from test";
  checkpoint = g_build_filename (f.dir, "trained.checkpoint", NULL);
  options.checkpoint = checkpoint;
  trained = train_or_fail (&options, NULL);

  options.checkpoint = NULL;
  options.learning_rate = 1e-30;
  untrained = train_or_fail (&options, NULL);
  g_assert_false (g_bytes_equal (trained, untrained));
  options.init_from = checkpoint;
  continued = train_or_fail (&options, NULL);
  g_assert_true (g_bytes_equal (trained, continued));

  missing = g_build_filename (f.dir, "missing.checkpoint", NULL);
  options.init_from = missing;
  g_assert_null (bitlens_train (&options, NULL, NULL, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, "--init-from: "));
  g_clear_error (&error);

  options.init_from = checkpoint;
  options.arch = "8s2,16,m,32";
  g_assert_null (bitlens_train (&options, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_IO);
  g_assert_true (strstr (error->message, "network sizes do not match") != NULL);
  run_fixture_clear (&f);
}

typedef struct
{
  GMainLoop    *loop;
  GBytes       *bytes;
  guint         n_progress;
  GThread      *main_thread;
  BitlensTrainSummary summary;
} AsyncState;

static void
async_progress (const BitlensTrainEpoch *epoch,
                gpointer                 user_data)
{
  AsyncState *state = user_data;

  g_assert_true (g_thread_self () == state->main_thread);
  state->n_progress++;
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncState *state = user_data;
  g_autoptr(GError) error = NULL;

  state->bytes = bitlens_train_finish (result, &state->summary, &error);
  g_assert_no_error (error);
  g_main_loop_quit (state->loop);
}

static void
test_async (void)
{
  RunFixture f;
  BitlensTrainOptions options;
  char data_spec[1024], validation_spec[1024];
  const char *data[2];
  g_autoptr(GBytes) sync = NULL;
  AsyncState state = { 0 };

  if (!run_fixture_init (&f))
    return;
  small_options (&options, &f, data_spec, validation_spec, data);
  sync = train_or_fail (&options, NULL);

  state.loop = g_main_loop_new (NULL, FALSE);
  state.main_thread = g_thread_self ();
  bitlens_train_async (&options, NULL, async_progress, &state, NULL, async_done, &state);
  /* The options were copied: changing them now changes nothing. */
  options.seed = 1000;
  g_main_loop_run (state.loop);
  g_assert_nonnull (state.bytes);
  g_assert_true (g_bytes_equal (sync, state.bytes));
  g_assert_cmpuint (state.n_progress, ==, 2);
  g_assert_cmpuint (state.summary.n_identical, ==, 48);
  g_bytes_unref (state.bytes);
  g_main_loop_unref (state.loop);
  run_fixture_clear (&f);
}

static void
test_bad_options (void)
{
  BitlensTrainOptions options;
  const char *data[] = { "/nonexistent-folder", NULL };
  const char *unlabelled[] = { "/tmp", NULL };
  g_autoptr(GError) error = NULL;

  bitlens_train_options_init (&options);
  g_assert_null (bitlens_train (&options, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID);
  g_clear_error (&error);

  options.data = data;
  options.arch = "32,m";
  g_assert_null (bitlens_train (&options, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID);
  g_clear_error (&error);

  options.arch = NULL;
  options.unlabelled = unlabelled;
  g_assert_null (bitlens_train (&options, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID);
  g_assert_true (strstr (error->message, "teacher") != NULL);
  g_clear_error (&error);

  options.unlabelled = NULL;
  g_assert_null (bitlens_train (&options, NULL, NULL, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  train_gemm_init ();
  g_test_add_func ("/train-export/threshold-hand-worked", test_threshold_hand_worked);
  g_test_add_func ("/train-export/threshold-equivalence", test_threshold_equivalence);
  g_test_add_func ("/train-export/export-matches-semantics-and-interpreter", test_export_matches_semantics_and_interpreter);
  g_test_add_func ("/train-export/fold-matches-network-inference", test_fold_matches_network_inference);
  g_test_add_func ("/train-export/export-residual", test_export_residual);
  g_test_add_func ("/train-export/data-spec", test_data_spec);
  g_test_add_func ("/train-export/balance-and-sampling", test_balance_and_sampling);
  g_test_add_func ("/train-export/view", test_view);
  g_test_add_func ("/train-export/bad-options", test_bad_options);
  g_test_add_func ("/train-export/training-is-deterministic", test_training_is_deterministic);
  g_test_add_func ("/train-export/checkpoint-resume", test_checkpoint_resume);
  g_test_add_func ("/train-export/init-from", test_init_from);
  g_test_add_func ("/train-export/async", test_async);
  return g_test_run ();
}
