/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "lce-test-helpers.h"

/* LceQuantize, LceDequantize and LceBMaxPool2d: hand-worked values, random cases against
 * implementations written here from SEMANTICS.md section 3, regions, prepare rejections. */

/* A one-op model: input tensor @in (shape, type, quantization), output @out. */
static BitlensModel *
one_op_model (BitlensOpKind           kind,
              BitlensTensorType       in_type,
              int                     in_rank,
              const int              *in_shape,
              float                   in_scale,
              int                     in_zero_point,
              BitlensTensorType       out_type,
              int                     out_rank,
              const int              *out_shape,
              float                   out_scale,
              int                     out_zero_point,
              const BitlensOpOptions *options,
              GError                **error)
{
  g_autoptr(BitlensModel) model = test_model_new ();
  int input = test_model_add_activation (model, "input", in_type, in_rank, in_shape, in_scale, in_zero_point);
  int output = test_model_add_activation (model, "output", out_type, out_rank, out_shape, out_scale, out_zero_point);

  test_model_add_op (model, kind, 1, &input, 1, &output, options);
  if (!test_model_finish (model, 1, &input, 1, &output, error))
    return NULL;
  return g_steal_pointer (&model);
}

/* ---- hand-worked values ---- */

static void
test_quantize_hand_worked (void)
{
  g_autoptr(GError) error = NULL;
  /* 35 channels: two words. Negative at 0, 2, 33; zeros of both signs and NaN are +1. */
  float values[35] = { 0 };
  int in_shape[2] = { 1, 35 }, out_shape[2] = { 1, 2 };
  g_autoptr(BitlensModel) model = NULL;
  g_autofree guint32 *out = NULL;

  values[0] = -1.0f;
  values[1] = -0.0f;
  values[2] = -1e-30f;
  values[3] = NAN;
  values[4] = 2.0f;
  values[31] = 0.0f;
  values[33] = -INFINITY;
  values[34] = INFINITY;
  model = one_op_model (BITLENS_OP_LCE_QUANTIZE, BITLENS_TYPE_FLOAT32, 2, in_shape, 0, 0,
                        BITLENS_TYPE_INT32, 2, out_shape, 0, 0, NULL, &error);
  g_assert_no_error (error);
  out = (guint32 *) lce_test_run (model, 0, values, sizeof values);
  g_assert_cmphex (out[0], ==, 0x5);
  g_assert_cmphex (out[1], ==, 0x2);

  /* int8 with zero point 3: q < 3 is -1. */
  {
    gint8 q[5] = { 2, 3, 4, -128, 127 };
    int shape5[2] = { 1, 5 }, shape1[2] = { 1, 1 };
    g_autoptr(BitlensModel) int8_model =
      one_op_model (BITLENS_OP_LCE_QUANTIZE, BITLENS_TYPE_INT8, 2, shape5, 0.1f, 3,
                    BITLENS_TYPE_INT32, 2, shape1, 0, 0, NULL, &error);
    g_autofree guint32 *words = NULL;

    g_assert_no_error (error);
    words = (guint32 *) lce_test_run (int8_model, 0, q, sizeof q);
    g_assert_cmphex (words[0], ==, 0x9);     /* bits 0 and 3 */
  }

  /* bool: false is -1. */
  {
    guint8 b[4] = { 0, 1, 1, 0 };
    int shape4[4] = { 1, 1, 1, 4 }, shape1[4] = { 1, 1, 1, 1 };
    g_autoptr(BitlensModel) bool_model =
      one_op_model (BITLENS_OP_LCE_QUANTIZE, BITLENS_TYPE_BOOL, 4, shape4, 0, 0,
                    BITLENS_TYPE_INT32, 4, shape1, 0, 0, NULL, &error);
    g_autofree guint32 *words = NULL;

    g_assert_no_error (error);
    words = (guint32 *) lce_test_run (bool_model, 0, b, sizeof b);
    g_assert_cmphex (words[0], ==, 0x9);
  }
}

static void
test_dequantize_hand_worked (void)
{
  g_autoptr(GError) error = NULL;
  /* Two pixels of 3 channels; the set padding bits of the words must not matter. */
  guint32 words[2] = { 0x5 | 0xF0000000u, 0x2 };
  int in_shape[2] = { 2, 1 }, out_shape[2] = { 2, 3 };

  {
    g_autoptr(BitlensModel) model =
      one_op_model (BITLENS_OP_LCE_DEQUANTIZE, BITLENS_TYPE_INT32, 2, in_shape, 0, 0,
                    BITLENS_TYPE_FLOAT32, 2, out_shape, 0, 0, NULL, &error);
    g_autofree float *out = NULL;
    float expected[6] = { -1, 1, -1, 1, -1, 1 };

    g_assert_no_error (error);
    out = (float *) lce_test_run (model, 0, words, sizeof words);
    g_assert_cmpmem (out, sizeof expected, expected, sizeof expected);
  }

  /* int8, scale 0.25, zp -1: offset round (4) = 4; bit 0 -> 3, bit 1 -> -5. */
  {
    g_autoptr(BitlensModel) model =
      one_op_model (BITLENS_OP_LCE_DEQUANTIZE, BITLENS_TYPE_INT32, 2, in_shape, 0, 0,
                    BITLENS_TYPE_INT8, 2, out_shape, 0.25f, -1, NULL, &error);
    g_autofree gint8 *out = NULL;
    gint8 expected[6] = { -5, 3, -5, 3, -5, 3 };

    g_assert_no_error (error);
    out = (gint8 *) lce_test_run (model, 0, words, sizeof words);
    g_assert_cmpmem (out, sizeof expected, expected, sizeof expected);
  }

  /* int8, scale 0.4: 1 / 0.4f rounds (float) to 2.5, and 2.5 rounds away from zero to 3.
   * zp 125: bit 0 -> min (127, 128) = 127, bit 1 -> 122. */
  {
    g_autoptr(BitlensModel) model =
      one_op_model (BITLENS_OP_LCE_DEQUANTIZE, BITLENS_TYPE_INT32, 2, in_shape, 0, 0,
                    BITLENS_TYPE_INT8, 2, out_shape, 0.4f, 125, NULL, &error);
    g_autofree gint8 *out = NULL;
    gint8 expected[6] = { 122, 127, 122, 127, 122, 127 };

    g_assert_no_error (error);
    g_assert_cmpfloat (1.0f / 0.4f, ==, 2.5f);
    out = (gint8 *) lce_test_run (model, 0, words, sizeof words);
    g_assert_cmpmem (out, sizeof expected, expected, sizeof expected);
  }

  /* int8, scale 1/200, zp 0: offset 200 saturates both ways. */
  {
    g_autoptr(BitlensModel) model =
      one_op_model (BITLENS_OP_LCE_DEQUANTIZE, BITLENS_TYPE_INT32, 2, in_shape, 0, 0,
                    BITLENS_TYPE_INT8, 2, out_shape, 1.0f / 200.0f, 0, NULL, &error);
    g_autofree gint8 *out = NULL;
    gint8 expected[6] = { -128, 127, -128, 127, -128, 127 };

    g_assert_no_error (error);
    out = (gint8 *) lce_test_run (model, 0, words, sizeof words);
    g_assert_cmpmem (out, sizeof expected, expected, sizeof expected);
  }

  /* bool: bit 0 (+1) is true. */
  {
    g_autoptr(BitlensModel) model =
      one_op_model (BITLENS_OP_LCE_DEQUANTIZE, BITLENS_TYPE_INT32, 2, in_shape, 0, 0,
                    BITLENS_TYPE_BOOL, 2, out_shape, 0, 0, NULL, &error);
    g_autofree guint8 *out = NULL;
    guint8 expected[6] = { 0, 1, 0, 1, 0, 1 };

    g_assert_no_error (error);
    out = lce_test_run (model, 0, words, sizeof words);
    g_assert_cmpmem (out, sizeof expected, expected, sizeof expected);
  }
}

static void
test_bmaxpool_hand_worked (void)
{
  g_autoptr(GError) error = NULL;
  /* 3x3 input, one word a pixel:
   *   0x7 0x3 0x1
   *   0x6 0x2 0xF
   *   0x4 0x5 0xC
   * 2x2 filter, stride 2, SAME: output 2x2, padding after only. Windows:
   * (0,0) {7,3,6,2} -> 2; (0,1) {1,F} -> 1; (1,0) {4,5} -> 4; (1,1) {C} -> C. */
  guint32 words[9] = { 0x7, 0x3, 0x1, 0x6, 0x2, 0xF, 0x4, 0x5, 0xC };
  int in_shape[4] = { 1, 3, 3, 1 }, out_shape[4] = { 1, 2, 2, 1 };
  BitlensOpOptions options;

  bitlens_op_options_init (&options);
  options.filter_w = options.filter_h = 2;
  options.stride_w = options.stride_h = 2;
  options.padding = BITLENS_PADDING_SAME;
  {
    g_autoptr(BitlensModel) model =
      one_op_model (BITLENS_OP_LCE_BMAXPOOL2D, BITLENS_TYPE_INT32, 4, in_shape, 0, 0,
                    BITLENS_TYPE_INT32, 4, out_shape, 0, 0, &options, &error);
    g_autofree guint32 *out = NULL;
    guint32 expected[4] = { 0x2, 0x1, 0x4, 0xC };

    g_assert_no_error (error);
    out = (guint32 *) lce_test_run (model, 0, words, sizeof words);
    g_assert_cmpmem (out, sizeof expected, expected, sizeof expected);
  }

  /* 3x3 filter, stride 1, SAME: padding 1 each side, output 3x3; centre sees all nine
   * words: 7&3&1&6&2&F&4&5&C = 0; corner (0,0) {7,3,6,2} = 2; (2,2) {2,F,5,C} = 0;
   * (0,2) {3,1,2,F} = 0; (1,2) {3,1,2,F,5,C} = 0; (2,0) {6,2,4,5} = 0. */
  options.filter_w = options.filter_h = 3;
  options.stride_w = options.stride_h = 1;
  {
    int same_shape[4] = { 1, 3, 3, 1 };
    g_autoptr(BitlensModel) model =
      one_op_model (BITLENS_OP_LCE_BMAXPOOL2D, BITLENS_TYPE_INT32, 4, in_shape, 0, 0,
                    BITLENS_TYPE_INT32, 4, same_shape, 0, 0, &options, &error);
    g_autofree guint32 *out = NULL;

    g_assert_no_error (error);
    out = (guint32 *) lce_test_run (model, 0, words, sizeof words);
    g_assert_cmphex (out[0], ==, 0x2);
    g_assert_cmphex (out[2], ==, 0x0);
    g_assert_cmphex (out[4], ==, 0x0);
    g_assert_cmphex (out[6], ==, 0x0);
    g_assert_cmphex (out[8], ==, 0x0);
    /* (0,1) {7,3,1,6,2,F} = 0; (1,0) {7,3,6,2,4,5} = 0; (2,1) {6,2,F,4,5,C} = 0. */
    g_assert_cmphex (out[1], ==, 0x0);
  }

  /* VALID 2x2 stride 1: output 2x2: {7,3,6,2} = 2, {3,1,2,F} = 0, {6,2,4,5} = 0,
   * {2,F,5,C} = 0. */
  options.filter_w = options.filter_h = 2;
  options.padding = BITLENS_PADDING_VALID;
  {
    g_autoptr(BitlensModel) model =
      one_op_model (BITLENS_OP_LCE_BMAXPOOL2D, BITLENS_TYPE_INT32, 4, in_shape, 0, 0,
                    BITLENS_TYPE_INT32, 4, out_shape, 0, 0, &options, &error);
    g_autofree guint32 *out = NULL;
    guint32 expected[4] = { 0x2, 0x0, 0x0, 0x0 };

    g_assert_no_error (error);
    out = (guint32 *) lce_test_run (model, 0, words, sizeof words);
    g_assert_cmpmem (out, sizeof expected, expected, sizeof expected);
  }
}

/* ---- random cases against independent implementations ---- */

typedef struct
{
  int rank;
  int shape[4];      /* unpacked; the last axis is the channels */
} RandomShape;

static void
random_shape (GRand       *rand,
              RandomShape *s)
{
  s->rank = g_rand_int_range (rand, 1, 5);
  for (int i = 0; i < s->rank - 1; i++)
    s->shape[i] = g_rand_int_range (rand, 1, 6);
  s->shape[s->rank - 1] = g_rand_int_range (rand, 1, 101);
}

static gsize
shape_rows (const RandomShape *s)
{
  gsize rows = 1;

  for (int i = 0; i < s->rank - 1; i++)
    rows *= s->shape[i];
  return rows;
}

static void
test_quantize_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (5150);
  const BitlensTensorType types[3] = { BITLENS_TYPE_FLOAT32, BITLENS_TYPE_INT8, BITLENS_TYPE_BOOL };

  for (int i = 0; i < 300; i++)
    {
      BitlensTensorType type = types[i % 3];
      RandomShape s;
      int packed_shape[4];
      gsize rows, n;
      int channels, zero_point = g_rand_int_range (rand, -128, 128);
      g_autoptr(GError) error = NULL;
      g_autoptr(BitlensModel) model = NULL;
      g_autofree guint8 *input = NULL;
      g_autofree gint8 *signs = NULL;
      g_autofree guint32 *expected = NULL;
      g_autofree guint8 *out = NULL;

      random_shape (rand, &s);
      rows = shape_rows (&s);
      channels = s.shape[s.rank - 1];
      n = rows * channels;
      memcpy (packed_shape, s.shape, sizeof packed_shape);
      packed_shape[s.rank - 1] = lce_test_words (channels);

      input = g_malloc (n * bitlens_tensor_type_size (type));
      signs = g_new (gint8, n);
      for (gsize e = 0; e < n; e++)
        switch (type)
          {
          case BITLENS_TYPE_FLOAT32:
            {
              const float specials[6] = { 0.0f, -0.0f, NAN, -1e-40f, 1e-40f, -INFINITY };
              float v = g_rand_int_range (rand, 0, 4) == 0 ? specials[g_rand_int_range (rand, 0, 6)]
                                                            : (float) g_rand_double_range (rand, -3, 3);
              ((float *) input)[e] = v;
              signs[e] = v < 0.0f ? -1 : 1;
            }
            break;
          case BITLENS_TYPE_INT8:
            {
              gint8 q = (gint8) g_rand_int_range (rand, -128, 128);
              ((gint8 *) input)[e] = q;
              signs[e] = q < zero_point ? -1 : 1;
            }
            break;
          default:
            {
              guint8 b = g_rand_boolean (rand);
              input[e] = b;
              signs[e] = b ? 1 : -1;
            }
            break;
          }
      model = one_op_model (BITLENS_OP_LCE_QUANTIZE, type, s.rank, s.shape, 0.5f, zero_point,
                            BITLENS_TYPE_INT32, s.rank, packed_shape, 0, 0, NULL, &error);
      g_assert_no_error (error);
      expected = lce_test_pack_signs (signs, rows, channels);
      out = lce_test_run (model, 0, input, n * bitlens_tensor_type_size (type));
      g_assert_cmpmem (out, rows * lce_test_words (channels) * 4, expected, rows * lce_test_words (channels) * 4);
    }
}

static void
test_dequantize_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (6160);
  const BitlensTensorType types[3] = { BITLENS_TYPE_FLOAT32, BITLENS_TYPE_INT8, BITLENS_TYPE_BOOL };

  for (int i = 0; i < 300; i++)
    {
      BitlensTensorType type = types[i % 3];
      RandomShape s;
      int packed_shape[4];
      gsize rows, n;
      int channels, words, zero_point = g_rand_int_range (rand, -128, 128);
      float scale = (float) g_rand_double_range (rand, 0.003, 2.0);
      g_autoptr(GError) error = NULL;
      g_autoptr(BitlensModel) model = NULL;
      g_autofree guint32 *input = NULL;
      g_autofree guint8 *expected = NULL;
      g_autofree guint8 *out = NULL;
      gsize out_bytes;
      double offset = round ((double) (1.0f / scale));

      random_shape (rand, &s);
      rows = shape_rows (&s);
      channels = s.shape[s.rank - 1];
      words = lce_test_words (channels);
      n = rows * channels;
      memcpy (packed_shape, s.shape, sizeof packed_shape);
      packed_shape[s.rank - 1] = words;

      input = g_new (guint32, rows * words);
      for (gsize w = 0; w < rows * words; w++)
        input[w] = g_rand_int (rand);
      out_bytes = n * bitlens_tensor_type_size (type);
      expected = g_malloc (out_bytes);
      for (gsize r = 0; r < rows; r++)
        for (int c = 0; c < channels; c++)
          {
            gboolean minus = (input[r * words + c / 32] >> (c % 32)) & 1;
            gsize e = r * channels + c;

            if (type == BITLENS_TYPE_FLOAT32)
              ((float *) expected)[e] = minus ? -1.0f : 1.0f;
            else if (type == BITLENS_TYPE_INT8)
              ((gint8 *) expected)[e] = (gint8) (minus ? MAX (-128.0, zero_point - offset)
                                                       : MIN (127.0, zero_point + offset));
            else
              expected[e] = !minus;
          }
      model = one_op_model (BITLENS_OP_LCE_DEQUANTIZE, BITLENS_TYPE_INT32, s.rank, packed_shape, 0, 0,
                            type, s.rank, s.shape, scale, zero_point, NULL, &error);
      g_assert_no_error (error);
      out = lce_test_run (model, 0, input, rows * words * 4);
      g_assert_cmpmem (out, out_bytes, expected, out_bytes);
    }
}

typedef struct
{
  int            batches, height, width, channels;
  int            filter_height, filter_width, stride_height, stride_width;
  BitlensPadding padding;
  int            out_height, out_width, pad_top, pad_left;
} PoolCase;

static void
pool_case_random (GRand    *rand,
                  PoolCase *p)
{
  int effective_h, effective_w;

  p->batches = g_rand_int_range (rand, 1, 3);
  p->height = g_rand_int_range (rand, 1, 10);
  p->width = g_rand_int_range (rand, 1, 10);
  p->channels = g_rand_int_range (rand, 1, 100);
  p->filter_height = g_rand_int_range (rand, 1, 4);
  p->filter_width = g_rand_int_range (rand, 1, 4);
  p->stride_height = g_rand_int_range (rand, 1, 4);
  p->stride_width = g_rand_int_range (rand, 1, 4);
  p->padding = g_rand_boolean (rand) ? BITLENS_PADDING_SAME : BITLENS_PADDING_VALID;
  if (p->padding == BITLENS_PADDING_VALID)
    {
      p->height = MAX (p->height, p->filter_height);
      p->width = MAX (p->width, p->filter_width);
    }
  if (p->padding == BITLENS_PADDING_SAME)
    {
      p->out_height = (p->height + p->stride_height - 1) / p->stride_height;
      p->out_width = (p->width + p->stride_width - 1) / p->stride_width;
    }
  else
    {
      p->out_height = (p->height - p->filter_height + p->stride_height) / p->stride_height;
      p->out_width = (p->width - p->filter_width + p->stride_width) / p->stride_width;
    }
  effective_h = MAX (0, (p->out_height - 1) * p->stride_height + p->filter_height - p->height);
  effective_w = MAX (0, (p->out_width - 1) * p->stride_width + p->filter_width - p->width);
  p->pad_top = effective_h / 2;
  p->pad_left = effective_w / 2;
}

static BitlensModel *
pool_case_build (const PoolCase *p)
{
  g_autoptr(GError) error = NULL;
  BitlensOpOptions options;
  int words = lce_test_words (p->channels);
  int in_shape[4] = { p->batches, p->height, p->width, words };
  int out_shape[4] = { p->batches, p->out_height, p->out_width, words };
  BitlensModel *model;

  bitlens_op_options_init (&options);
  options.filter_h = p->filter_height;
  options.filter_w = p->filter_width;
  options.stride_h = p->stride_height;
  options.stride_w = p->stride_width;
  options.padding = p->padding;
  model = one_op_model (BITLENS_OP_LCE_BMAXPOOL2D, BITLENS_TYPE_INT32, 4, in_shape, 0, 0,
                        BITLENS_TYPE_INT32, 4, out_shape, 0, 0, &options, &error);
  g_assert_no_error (error);
  return model;
}

/* The max of +-1 values over the window clipped to the input, then packed. */
static guint32 *
pool_case_expected (const PoolCase *p,
                    const gint8    *signs)
{
  gsize out_pixels = (gsize) p->batches * p->out_height * p->out_width;
  g_autofree gint8 *out_signs = g_new (gint8, out_pixels * p->channels);

  for (int b = 0; b < p->batches; b++)
    for (int oy = 0; oy < p->out_height; oy++)
      for (int ox = 0; ox < p->out_width; ox++)
        for (int c = 0; c < p->channels; c++)
          {
            int best = -2;

            for (int ky = 0; ky < p->filter_height; ky++)
              for (int kx = 0; kx < p->filter_width; kx++)
                {
                  int iy = oy * p->stride_height - p->pad_top + ky;
                  int ix = ox * p->stride_width - p->pad_left + kx;

                  if (iy >= 0 && iy < p->height && ix >= 0 && ix < p->width)
                    best = MAX (best, signs[(((gsize) b * p->height + iy) * p->width + ix) * p->channels + c]);
                }
            g_assert_cmpint (best, !=, -2);
            out_signs[(((gsize) b * p->out_height + oy) * p->out_width + ox) * p->channels + c] = (gint8) best;
          }
  return lce_test_pack_signs (out_signs, out_pixels, p->channels);
}

static void
test_bmaxpool_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7170);

  for (int i = 0; i < 300; i++)
    {
      PoolCase p;
      g_autoptr(BitlensModel) model = NULL;
      g_autofree gint8 *signs = NULL;
      g_autofree guint32 *input = NULL;
      g_autofree guint32 *expected = NULL;
      g_autofree guint8 *out = NULL;
      gsize in_pixels, out_bytes;

      pool_case_random (rand, &p);
      model = pool_case_build (&p);
      in_pixels = (gsize) p.batches * p.height * p.width;
      /* Mostly -1, so that windows with all -1 occur often. */
      signs = g_new (gint8, in_pixels * p.channels);
      for (gsize e = 0; e < in_pixels * p.channels; e++)
        signs[e] = g_rand_int_range (rand, 0, 5) == 0 ? 1 : -1;
      input = lce_test_pack_signs (signs, in_pixels, p.channels);
      expected = pool_case_expected (&p, signs);
      out = lce_test_run (model, 0, input, in_pixels * lce_test_words (p.channels) * 4);
      out_bytes = (gsize) p.batches * p.out_height * p.out_width * lce_test_words (p.channels) * 4;
      g_assert_cmpmem (out, out_bytes, expected, out_bytes);
    }
}

/* ---- regions ---- */

static void
check_regions (GRand        *rand,
               BitlensModel *model,
               const void   *input,
               gsize         n_bytes)
{
  const BitlensTensor *output = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0));
  int height = output->rank == 4 ? output->shape[1] : 1;
  int width = output->rank == 4 ? output->shape[2] : 1;
  int row_cuts[5], column_cuts[5];
  int n_rows = lce_test_random_cuts (rand, height, row_cuts);
  int n_columns = lce_test_random_cuts (rand, width, column_cuts);
  g_autofree guint8 *whole = lce_test_run (model, 0, input, n_bytes);
  g_autofree guint8 *parts = lce_test_run_regions (model, 0, input, n_bytes, row_cuts, n_rows,
                                                   column_cuts, n_columns, NULL);

  g_assert_cmpmem (parts, output->n_bytes, whole, output->n_bytes);

  /* A single region writes only its own pixels. */
  if (output->rank == 4)
    {
      BitlensRegion only;
      gsize per_pixel = output->n_bytes / ((gsize) output->shape[0] * height * width);
      g_autofree guint8 *single = NULL;

      only.y0 = g_rand_int_range (rand, 0, height + 1);
      only.y1 = g_rand_int_range (rand, only.y0, height + 1);
      only.x0 = g_rand_int_range (rand, 0, width + 1);
      only.x1 = g_rand_int_range (rand, only.x0, width + 1);
      single = lce_test_run_regions (model, 0, input, n_bytes, NULL, 0, NULL, 0, &only);
      for (int b = 0; b < output->shape[0]; b++)
        for (int y = 0; y < height; y++)
          for (int x = 0; x < width; x++)
            {
              gsize offset = (((gsize) b * height + y) * width + x) * per_pixel;

              if (y >= only.y0 && y < only.y1 && x >= only.x0 && x < only.x1)
                g_assert_cmpmem (single + offset, per_pixel, whole + offset, per_pixel);
              else
                for (gsize k = 0; k < per_pixel; k++)
                  g_assert_cmpuint (single[offset + k], ==, 0xA5);
            }
    }
}

static void
test_regions (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (8180);

  for (int i = 0; i < 60; i++)
    {
      /* LceBMaxPool2d. */
      {
        PoolCase p;
        g_autoptr(BitlensModel) model = NULL;
        g_autofree guint32 *input = NULL;
        gsize n_words;

        pool_case_random (rand, &p);
        model = pool_case_build (&p);
        n_words = (gsize) p.batches * p.height * p.width * lce_test_words (p.channels);
        input = g_new (guint32, n_words);
        for (gsize w = 0; w < n_words; w++)
          input[w] = g_rand_int (rand) | g_rand_int (rand);
        check_regions (rand, model, input, n_words * 4);
      }

      /* LceQuantize (float) and LceDequantize (int8) on rank-4 tensors. */
      {
        int channels = g_rand_int_range (rand, 1, 80);
        int shape[4] = { g_rand_int_range (rand, 1, 3), g_rand_int_range (rand, 1, 8),
                         g_rand_int_range (rand, 1, 8), channels };
        int packed[4] = { shape[0], shape[1], shape[2], lce_test_words (channels) };
        gsize n = (gsize) shape[0] * shape[1] * shape[2] * channels;
        gsize n_words = (gsize) shape[0] * shape[1] * shape[2] * packed[3];
        g_autofree float *values = g_new (float, n);
        g_autofree guint32 *words = g_new (guint32, n_words);
        g_autoptr(GError) error = NULL;
        g_autoptr(BitlensModel) quantize = NULL;
        g_autoptr(BitlensModel) dequantize = NULL;

        for (gsize e = 0; e < n; e++)
          values[e] = (float) g_rand_double_range (rand, -1, 1);
        for (gsize w = 0; w < n_words; w++)
          words[w] = g_rand_int (rand);
        quantize = one_op_model (BITLENS_OP_LCE_QUANTIZE, BITLENS_TYPE_FLOAT32, 4, shape, 0, 0,
                                 BITLENS_TYPE_INT32, 4, packed, 0, 0, NULL, &error);
        g_assert_no_error (error);
        dequantize = one_op_model (BITLENS_OP_LCE_DEQUANTIZE, BITLENS_TYPE_INT32, 4, packed, 0, 0,
                                   BITLENS_TYPE_INT8, 4, shape, 0.1f, 2, NULL, &error);
        g_assert_no_error (error);
        check_regions (rand, quantize, values, n * 4);
        check_regions (rand, dequantize, words, n_words * 4);
      }
    }
}

/* ---- prepare rejections ---- */

static void
expect_rejection (BitlensOpKind           kind,
                  BitlensTensorType       in_type,
                  int                     in_rank,
                  const int              *in_shape,
                  BitlensTensorType       out_type,
                  int                     out_rank,
                  const int              *out_shape,
                  float                   out_scale,
                  const BitlensOpOptions *options,
                  const char             *expected_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensModel) model = one_op_model (kind, in_type, in_rank, in_shape, 0.5f, 0,
                                                out_type, out_rank, out_shape, out_scale, 0,
                                                options, &error);

  g_assert_null (model);
  g_assert_nonnull (error);
  g_assert_true (error->domain == BITLENS_ERROR);
  if (strstr (error->message, expected_text) == NULL)
    g_error ("message \"%s\" does not mention \"%s\"", error->message, expected_text);
  g_test_message ("rejected: %s", error->message);
}

static void
test_prepare_rejections (void)
{
  int unpacked[4] = { 1, 2, 2, 40 };
  int packed[4] = { 1, 2, 2, 2 };
  int packed_wrong[4] = { 1, 2, 2, 1 };
  int packed_other_rows[4] = { 1, 3, 2, 2 };
  BitlensOpOptions options;

  /* LceQuantize */
  expect_rejection (BITLENS_OP_LCE_QUANTIZE, BITLENS_TYPE_FLOAT32, 4, unpacked,
                    BITLENS_TYPE_INT32, 4, packed_wrong, 0, NULL, "expected 2");
  expect_rejection (BITLENS_OP_LCE_QUANTIZE, BITLENS_TYPE_FLOAT32, 4, unpacked,
                    BITLENS_TYPE_INT32, 4, packed_other_rows, 0, NULL, "dimension 1 is 3");
  expect_rejection (BITLENS_OP_LCE_QUANTIZE, BITLENS_TYPE_INT32, 4, unpacked,
                    BITLENS_TYPE_INT32, 4, packed, 0, NULL, "float32, int8 or bool");
  expect_rejection (BITLENS_OP_LCE_QUANTIZE, BITLENS_TYPE_FLOAT32, 4, unpacked,
                    BITLENS_TYPE_INT8, 4, packed, 0.5f, NULL, "expected int32");
  expect_rejection (BITLENS_OP_LCE_QUANTIZE, BITLENS_TYPE_FLOAT32, 4, unpacked,
                    BITLENS_TYPE_INT32, 3, packed, 0, NULL, "rank 4");
  expect_rejection (BITLENS_OP_LCE_QUANTIZE, BITLENS_TYPE_FLOAT32, 0, unpacked,
                    BITLENS_TYPE_INT32, 0, packed, 0, NULL, "scalar");

  /* LceDequantize */
  expect_rejection (BITLENS_OP_LCE_DEQUANTIZE, BITLENS_TYPE_INT32, 4, packed_wrong,
                    BITLENS_TYPE_FLOAT32, 4, unpacked, 0, NULL, "expected 2");
  expect_rejection (BITLENS_OP_LCE_DEQUANTIZE, BITLENS_TYPE_FLOAT32, 4, packed,
                    BITLENS_TYPE_FLOAT32, 4, unpacked, 0, NULL, "expected int32");
  expect_rejection (BITLENS_OP_LCE_DEQUANTIZE, BITLENS_TYPE_INT32, 4, packed,
                    BITLENS_TYPE_INT16, 4, unpacked, 0.5f, NULL, "float32, int8 or bool");
  expect_rejection (BITLENS_OP_LCE_DEQUANTIZE, BITLENS_TYPE_INT32, 4, packed,
                    BITLENS_TYPE_INT8, 4, unpacked, -1.0f, NULL, "scale");

  /* LceBMaxPool2d */
  bitlens_op_options_init (&options);
  options.filter_w = 0;
  options.filter_h = 2;
  expect_rejection (BITLENS_OP_LCE_BMAXPOOL2D, BITLENS_TYPE_INT32, 4, packed,
                    BITLENS_TYPE_INT32, 4, packed, 0, &options, "must be positive");
  options.filter_w = 2;
  options.padding = BITLENS_PADDING_VALID;
  expect_rejection (BITLENS_OP_LCE_BMAXPOOL2D, BITLENS_TYPE_INT32, 4, packed,
                    BITLENS_TYPE_INT32, 4, packed, 0, &options, "dimension 1 is 2, expected 1");
  options.filter_w = options.filter_h = 3;
  expect_rejection (BITLENS_OP_LCE_BMAXPOOL2D, BITLENS_TYPE_INT32, 4, packed,
                    BITLENS_TYPE_INT32, 4, packed, 0, &options, "empty");
  options.filter_w = options.filter_h = 1;
  options.padding = BITLENS_PADDING_SAME;
  expect_rejection (BITLENS_OP_LCE_BMAXPOOL2D, BITLENS_TYPE_FLOAT32, 4, packed,
                    BITLENS_TYPE_INT32, 4, packed, 0, &options, "expected int32");
  expect_rejection (BITLENS_OP_LCE_BMAXPOOL2D, BITLENS_TYPE_INT32, 4, packed,
                    BITLENS_TYPE_INT32, 4, packed_wrong, 0, &options, "dimension 3 is 1, expected 2");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lce-ops/quantize/hand-worked", test_quantize_hand_worked);
  g_test_add_func ("/lce-ops/dequantize/hand-worked", test_dequantize_hand_worked);
  g_test_add_func ("/lce-ops/bmaxpool/hand-worked", test_bmaxpool_hand_worked);
  g_test_add_func ("/lce-ops/quantize/random", test_quantize_random);
  g_test_add_func ("/lce-ops/dequantize/random", test_dequantize_random);
  g_test_add_func ("/lce-ops/bmaxpool/random", test_bmaxpool_random);
  g_test_add_func ("/lce-ops/regions", test_regions);
  g_test_add_func ("/lce-ops/prepare-rejections", test_prepare_rejections);
  return g_test_run ();
}
