/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include "kernels/cpu-features.h"
#include "kernels/lce-common.h"
#include "kernels/quantization-math.h"
#include "tflite-writer.h"
#include "train-deployed.h"

void
train_pack_signs (const float *values,
                  int          n,
                  guint32     *words)
{
  int n_words = bitlens_lce_packed_words (n);

  memset (words, 0, sizeof (guint32) * n_words);
  for (int i = 0; i < n; i++)
    if (values[i] < 0.0f)
      words[i / 32] |= (guint32) 1 << (i % 32);
}

gint32
train_fold_threshold (double scale,
                      double offset,
                      int    depth)
{
  double limit;

  g_assert (scale >= 0.0);
  if (scale == 0.0)
    return offset < 0.0 ? -1 : depth;
  /* y < 0  <=>  dot < -offset / scale  <=>  acc > (K + offset / scale) / 2; for an integer
   * acc, acc > r exactly when acc > floor (r). */
  limit = floor (((double) depth + offset / scale) / 2.0);
  if (!(limit >= -1.0))
    return -1;
  if (limit > depth)
    return depth;
  return (gint32) limit;
}

/* Folding */

static void
deployed_layer_geometry (TrainDeployedLayer *d,
                         const TrainNetwork *network,
                         int                 l)
{
  const TrainLayer *layer = &network->layers[l];
  const TrainConvGeometry *g = &layer->geometry;

  d->binary = layer->spec.binary;
  d->last = l == network->arch.n_layers - 1;
  d->residual = layer->spec.residual;
  d->float_output = train_arch_float_output (&network->arch, l);
  d->float_input = l > 0 && train_arch_float_output (&network->arch, l - 1);
  d->in_h = g->in_h;
  d->in_w = g->in_w;
  d->in_c = g->in_c;
  d->in_words = bitlens_lce_packed_words (g->in_c);
  d->out_h = g->out_h;
  d->out_w = g->out_w;
  d->out_c = g->out_c;
  d->out_words = bitlens_lce_packed_words (g->out_c);
  d->kernel = g->kernel;
  d->stride = g->stride;
  d->pad_top = g->pad_top;
  d->pad_left = g->pad_left;
  d->pool = layer->spec.pool;
  d->pooled_h = layer->out_h;
  d->pooled_w = layer->out_w;
}

/* The batch norm of channel c as y = scale * x + offset, in double. */
static void
batch_norm_affine (const TrainNetwork *network,
                   const TrainLayer   *layer,
                   int                 c,
                   double             *scale,
                   double             *offset)
{
  double gamma = network->params[layer->gamma + c];
  double beta = network->params[layer->beta + c];
  double mean = network->state[layer->running_mean + c];
  double variance = network->state[layer->running_variance + c];

  *scale = gamma / sqrt (variance + TRAIN_BATCH_NORM_EPSILON);
  *offset = beta - mean * *scale;
}

TrainDeployed *
train_deployed_new_from_network (const TrainNetwork *network)
{
  TrainDeployed *deployed = g_new0 (TrainDeployed, 1);

  deployed->input_size = network->arch.input_size;
  deployed->channels = network->arch.channels;
  deployed->n_layers = network->arch.n_layers;
  deployed->features = network->features;
  deployed->arch_text = train_arch_to_string (&network->arch);

  for (int l = 0; l < network->arch.n_layers; l++)
    {
      const TrainLayer *layer = &network->layers[l];
      TrainDeployedLayer *d = &deployed->layers[l];
      int patch = train_conv_patch_size (&layer->geometry);
      const float *weights = network->params + layer->weights;
      int taps = layer->geometry.kernel * layer->geometry.kernel;

      deployed_layer_geometry (d, network, l);
      if (!d->binary)
        {
          d->filter = g_new (float, (gsize) d->out_c * patch);
          d->bias = g_new (float, d->out_c);
          for (int c = 0; c < d->out_c; c++)
            {
              double scale, offset;

              batch_norm_affine (network, layer, c, &scale, &offset);
              for (int i = 0; i < patch; i++)
                d->filter[(gsize) c * patch + i] = (float) (weights[(gsize) c * patch + i] * scale);
              d->bias[c] = (float) offset;
            }
          continue;
        }

      d->packed_filter = g_new0 (guint32, (gsize) d->out_c * taps * d->in_words);
      if (d->float_output)
        {
          d->post_multiplier = g_new (float, d->out_c);
          d->post_bias = g_new (float, d->out_c);
        }
      else
        d->thresholds = g_new (gint32, d->out_c);
      for (int c = 0; c < d->out_c; c++)
        {
          double scale, offset;
          gboolean negate = FALSE;

          batch_norm_affine (network, layer, c, &scale, &offset);
          if (d->float_output)
            {
              d->post_multiplier[c] = (float) scale;
              d->post_bias[c] = (float) offset;
            }
          else
            {
              negate = scale < 0.0;
              d->thresholds[c] = train_fold_threshold (fabs (scale), offset, patch);
            }
          for (int t = 0; t < taps; t++)
            {
              const float *w = weights + (gsize) c * patch + (gsize) t * d->in_c;
              guint32 *words = d->packed_filter + ((gsize) c * taps + t) * d->in_words;

              for (int i = 0; i < d->in_c; i++)
                {
                  /* Larq's sign of the latent weight: -1 when w < 0. */
                  gboolean minus = w[i] < 0.0f;
                  if (minus != negate)
                    words[i / 32] |= (guint32) 1 << (i % 32);
                }
            }
        }
    }

  deployed->dense_weights = g_memdup2 (network->params + network->dense_weights,
                                       sizeof (float) * TRAIN_CLASSES * network->features);
  deployed->dense_bias = g_memdup2 (network->params + network->dense_bias, sizeof (float) * TRAIN_CLASSES);
  return deployed;
}

void
train_deployed_free (TrainDeployed *deployed)
{
  if (deployed == NULL)
    return;
  for (int l = 0; l < deployed->n_layers; l++)
    {
      TrainDeployedLayer *d = &deployed->layers[l];

      g_free (d->filter);
      g_free (d->bias);
      g_free (d->packed_filter);
      g_free (d->thresholds);
      g_free (d->post_multiplier);
      g_free (d->post_bias);
    }
  g_free (deployed->dense_weights);
  g_free (deployed->dense_bias);
  g_free (deployed->arch_text);
  g_free (deployed);
}

/* Inference with the deployed arithmetic */

/* CONV_2D float, TFLM reference loop order. */
static void
run_float_conv (const TrainDeployedLayer *d,
                const float              *input,
                float                    *output)
{
  for (int out_y = 0; out_y < d->out_h; out_y++)
    for (int out_x = 0; out_x < d->out_w; out_x++)
      {
        int origin_y = out_y * d->stride - d->pad_top;
        int origin_x = out_x * d->stride - d->pad_left;
        float *pixel = output + ((gsize) out_y * d->out_w + out_x) * d->out_c;

        for (int c = 0; c < d->out_c; c++)
          {
            float total = 0.0f;

            for (int fy = 0; fy < d->kernel; fy++)
              {
                int in_y = origin_y + fy;

                if (in_y < 0 || in_y >= d->in_h)
                  continue;
                for (int fx = 0; fx < d->kernel; fx++)
                  {
                    int in_x = origin_x + fx;
                    const float *x, *f;

                    if (in_x < 0 || in_x >= d->in_w)
                      continue;
                    x = input + ((gsize) in_y * d->in_w + in_x) * d->in_c;
                    f = d->filter + (((gsize) c * d->kernel + fy) * d->kernel + fx) * d->in_c;
                    for (int i = 0; i < d->in_c; i++)
                      total += x[i] * f[i];
                  }
              }
            /* Activation NONE: the clamp to [-FLT_MAX, FLT_MAX] changes no finite value. */
            pixel[c] = total + d->bias[c];
          }
      }
}

/* LceQuantize over pixels of `channels` floats. */
static void
run_quantize (const float *input,
              gsize        pixels,
              int          channels,
              guint32     *output)
{
  int words = bitlens_lce_packed_words (channels);

  for (gsize p = 0; p < pixels; p++)
    train_pack_signs (input + p * channels, channels, output + p * words);
}

/* Mismatches between a gathered input patch and a filter: the sum of popcount (x ^ f) over
 * n words. A portable SWAR version and one built for POPCNT, chosen at run time; both give
 * the same integer. */
static gint32
count_mismatches_generic (const guint32 *x,
                          const guint32 *f,
                          int            n)
{
  gint32 total = 0;

  for (int i = 0; i < n; i++)
    {
      guint32 v = x[i] ^ f[i];

      v = v - ((v >> 1) & 0x55555555u);
      v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
      v = (v + (v >> 4)) & 0x0f0f0f0fu;
      total += (gint32) ((v * 0x01010101u) >> 24);
    }
  return total;
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__ ((target ("popcnt")))
static gint32
count_mismatches_popcnt (const guint32 *x,
                         const guint32 *f,
                         int            n)
{
  gint32 total = 0;

  for (int i = 0; i < n; i++)
    total += __builtin_popcount (x[i] ^ f[i]);
  return total;
}
#endif

typedef gint32 (*CountMismatchesFunc) (const guint32 *x, const guint32 *f, int n);

static CountMismatchesFunc
choose_count_mismatches (void)
{
#if defined(__x86_64__) || defined(__i386__)
  /* Every AVX2 processor has POPCNT. */
  if (bitlens_cpu_has_avx2 ())
    return count_mismatches_popcnt;
#endif
  return count_mismatches_generic;
}

/* LceBconv2d, pad_values 1: outside taps read word 0 (all +1). The taps of an output pixel
 * are gathered first (filter order: filter_y, filter_x, word), then each channel's
 * accumulator is one pass over the patch. Writes packed bits or floats. */
static void
run_binary_conv (const TrainDeployedLayer *d,
                 const guint32            *input,
                 const float              *shortcut,
                 guint32                  *packed_output,
                 float                    *float_output)
{
  int depth = d->kernel * d->kernel * d->in_c;
  int patch_words = d->kernel * d->kernel * d->in_words;
  CountMismatchesFunc count_mismatches = choose_count_mismatches ();
  g_autofree guint32 *patch = g_new (guint32, patch_words);
  g_autofree float *multiplier = NULL;
  g_autofree float *bias = NULL;

  if (d->float_output)
    {
      /* The output transform as the kernel sets it up: in double, stored as float. */
      multiplier = g_new (float, d->out_c);
      bias = g_new (float, d->out_c);
      for (int c = 0; c < d->out_c; c++)
        {
          double m = d->post_multiplier[c];
          multiplier[c] = (float) -m;
          bias[c] = (float) ((double) d->post_bias[c] + (double) depth * m);
        }
    }

  for (int out_y = 0; out_y < d->out_h; out_y++)
    for (int out_x = 0; out_x < d->out_w; out_x++)
      {
        int origin_y = out_y * d->stride - d->pad_top;
        int origin_x = out_x * d->stride - d->pad_left;
        gsize pixel = (gsize) out_y * d->out_w + out_x;
        guint32 *p = patch;

        for (int fy = 0; fy < d->kernel; fy++)
          for (int fx = 0; fx < d->kernel; fx++, p += d->in_words)
            {
              int in_y = origin_y + fy, in_x = origin_x + fx;

              if (in_y >= 0 && in_y < d->in_h && in_x >= 0 && in_x < d->in_w)
                memcpy (p, input + ((gsize) in_y * d->in_w + in_x) * d->in_words,
                        sizeof (guint32) * d->in_words);
              else
                memset (p, 0, sizeof (guint32) * d->in_words);
            }
        if (!d->float_output)
          memset (packed_output + pixel * d->out_words, 0, sizeof (guint32) * d->out_words);
        for (int c = 0; c < d->out_c; c++)
          {
            gint32 acc = count_mismatches (patch, d->packed_filter + (gsize) c * patch_words, patch_words);

            if (d->float_output)
              {
                /* Activation NONE: the clamp of 2 * acc to [0, 2K] changes nothing. */
                float scaled = (float) (2 * acc) * multiplier[c];
                float y = scaled + bias[c];

                /* ADD (x, y) of a residual block: one float addition. */
                if (shortcut != NULL)
                  y = shortcut[pixel * d->out_c + c] + y;
                float_output[pixel * d->out_c + c] = y;
              }
            else if (acc > d->thresholds[c])
              packed_output[pixel * d->out_words + c / 32] |= (guint32) 1 << (c % 32);
          }
      }
}

/* LceBMaxPool2d 2x2 stride 2 VALID: AND of the words (max over +-1). */
static void
run_binary_max_pool (int            in_w,
                     int            out_h,
                     int            out_w,
                     int            words,
                     const guint32 *input,
                     guint32       *output)
{
  for (int y = 0; y < out_h; y++)
    for (int x = 0; x < out_w; x++)
      for (int w = 0; w < words; w++)
        {
          guint32 value = ~0u;

          for (int fy = 0; fy < 2; fy++)
            for (int fx = 0; fx < 2; fx++)
              value &= input[(((gsize) 2 * y + fy) * in_w + 2 * x + fx) * words + w];
          output[((gsize) y * out_w + x) * words + w] = value;
        }
}

/* MAX_POOL_2D float 2x2 stride 2 VALID. */
static void
run_float_max_pool (int          in_w,
                    int          out_h,
                    int          out_w,
                    int          channels,
                    const float *input,
                    float       *output)
{
  for (int y = 0; y < out_h; y++)
    for (int x = 0; x < out_w; x++)
      for (int c = 0; c < channels; c++)
        {
          float max = -G_MAXFLOAT;

          for (int fy = 0; fy < 2; fy++)
            for (int fx = 0; fx < 2; fx++)
              {
                float value = input[(((gsize) 2 * y + fy) * in_w + 2 * x + fx) * channels + c];
                if (max < value)
                  max = value;
              }
          output[((gsize) y * out_w + x) * channels + c] = max;
        }
}

void
train_deployed_run (const TrainDeployed *deployed,
                    const float         *input,
                    float                logits[2],
                    float                probabilities[2])
{
  const TrainDeployedLayer *last = &deployed->layers[deployed->n_layers - 1];
  g_autofree float *pooled = g_new (float, deployed->features);
  g_autofree guint32 *bits = NULL;     /* the current activation when signs */
  g_autofree float *floats = NULL;     /* the current activation when floats */
  float max, sum;

  for (int l = 0; l < deployed->n_layers; l++)
    {
      const TrainDeployedLayer *d = &deployed->layers[l];
      gsize pixels = (gsize) d->out_h * d->out_w;
      float *float_out = NULL;
      guint32 *bits_out = NULL;

      if (!d->binary)
        {
          float_out = g_new (float, pixels * d->out_c);
          run_float_conv (d, input, float_out);
          if (!d->float_output)
            {
              bits_out = g_new (guint32, pixels * d->out_words);
              run_quantize (float_out, pixels, d->out_c, bits_out);
              g_clear_pointer (&float_out, g_free);
            }
        }
      else
        {
          if (d->float_input)
            {
              g_free (bits);
              bits = g_new (guint32, (gsize) d->in_h * d->in_w * d->in_words);
              run_quantize (floats, (gsize) d->in_h * d->in_w, d->in_c, bits);
            }
          if (d->float_output)
            float_out = g_new (float, pixels * d->out_c);
          else
            bits_out = g_new (guint32, pixels * d->out_words);
          run_binary_conv (d, bits, d->residual ? floats : NULL, bits_out, float_out);
        }
      g_free (bits);
      g_free (floats);
      bits = bits_out;
      floats = float_out;

      if (d->pool && floats != NULL)
        {
          float *pooled_floats = g_new (float, (gsize) d->pooled_h * d->pooled_w * d->out_c);

          run_float_max_pool (d->out_w, d->pooled_h, d->pooled_w, d->out_c, floats, pooled_floats);
          g_free (floats);
          floats = pooled_floats;
        }
      else if (d->pool)
        {
          guint32 *pooled_bits = g_new (guint32, (gsize) d->pooled_h * d->pooled_w * d->out_words);

          run_binary_max_pool (d->out_w, d->pooled_h, d->pooled_w, d->out_words, bits, pooled_bits);
          g_free (bits);
          bits = pooled_bits;
        }
    }
  g_assert (floats != NULL);

  /* AVERAGE_POOL_2D float over the whole map: sum in window order, count in float. */
  for (int c = 0; c < deployed->features; c++)
    {
      float total = 0.0f, count = 0.0f;

      for (int y = 0; y < last->out_h; y++)
        for (int x = 0; x < last->out_w; x++)
          {
            total += floats[((gsize) y * last->out_w + x) * last->out_c + c];
            count += 1.0f;
          }
      pooled[c] = total / count;
    }

  /* FULLY_CONNECTED float. */
  for (int u = 0; u < TRAIN_CLASSES; u++)
    {
      float total = 0.0f;

      for (int i = 0; i < deployed->features; i++)
        total += pooled[i] * deployed->dense_weights[(gsize) u * deployed->features + i];
      logits[u] = total + deployed->dense_bias[u];
    }

  /* SOFTMAX float, beta 1. */
  max = -G_MAXFLOAT;
  for (int u = 0; u < TRAIN_CLASSES; u++)
    if (max < logits[u])
      max = logits[u];
  sum = 0.0f;
  for (int u = 0; u < TRAIN_CLASSES; u++)
    {
      probabilities[u] = expf ((logits[u] - max) * 1.0f);
      sum += probabilities[u];
    }
  for (int u = 0; u < TRAIN_CLASSES; u++)
    probabilities[u] = probabilities[u] / sum;
}

/* Export */

static int
add_activation (BitlensTfliteWriter *writer,
                const char          *name,
                BitlensTensorType    type,
                int                  h,
                int                  w,
                int                  c)
{
  const int shape[4] = { 1, h, w, c };

  return bitlens_tflite_writer_add_tensor (writer, name, &(BitlensTfliteTensorSpec) {
    .type = type, .rank = 4, .shape = shape });
}

static int
add_constant (BitlensTfliteWriter *writer,
              const char          *name,
              BitlensTensorType    type,
              int                  rank,
              const int           *shape,
              const void          *data,
              gsize                n_bytes)
{
  return bitlens_tflite_writer_add_tensor (writer, name, &(BitlensTfliteTensorSpec) {
    .type = type, .rank = rank, .shape = shape, .data = data, .n_bytes = n_bytes });
}

static int
add_max_pool (BitlensTfliteWriter      *writer,
              const TrainDeployedLayer *d,
              int                       l,
              int                       input,
              gboolean                  binary)
{
  g_autofree char *name = g_strdup_printf ("layer%d/max_pool", l);
  int output = binary ? add_activation (writer, name, BITLENS_TYPE_INT32, d->pooled_h, d->pooled_w, d->out_words)
                      : add_activation (writer, name, BITLENS_TYPE_FLOAT32, d->pooled_h, d->pooled_w, d->out_c);
  BitlensOpOptions options;

  bitlens_op_options_init (&options);
  options.padding = BITLENS_PADDING_VALID;
  options.filter_w = options.filter_h = 2;
  options.stride_w = options.stride_h = 2;
  options.activation = BITLENS_ACTIVATION_NONE;
  bitlens_tflite_writer_add_op (writer, binary ? BITLENS_OP_LCE_BMAXPOOL2D : BITLENS_OP_MAX_POOL_2D,
                                1, &input, 1, &output, &options);
  return output;
}

static int
add_quantize (BitlensTfliteWriter *writer,
              const char          *name,
              int                  input,
              int                  h,
              int                  w,
              int                  channels)
{
  int output = add_activation (writer, name, BITLENS_TYPE_INT32, h, w, bitlens_lce_packed_words (channels));

  bitlens_tflite_writer_add_op (writer, BITLENS_OP_LCE_QUANTIZE, 1, &input, 1, &output, NULL);
  return output;
}

GBytes *
train_deployed_export (const TrainDeployed *deployed,
                       const char          *description)
{
  g_autoptr(BitlensTfliteWriter) writer = bitlens_tflite_writer_new ();
  const TrainDeployedLayer *last = &deployed->layers[deployed->n_layers - 1];
  BitlensOpOptions options;
  int input, x = -1, pooled, logits, output;

  input = add_activation (writer, "input", BITLENS_TYPE_FLOAT32, deployed->input_size,
                          deployed->input_size, deployed->channels);

  /* x: the current activation, float when the layer before has float output, else signs. */
  for (int l = 0; l < deployed->n_layers; l++)
    {
      const TrainDeployedLayer *d = &deployed->layers[l];
      const int filter_shape[4] = { d->out_c, d->kernel, d->kernel, d->binary ? d->in_words : d->in_c };
      const int channel_shape[1] = { d->out_c };
      gsize taps = (gsize) d->out_c * d->kernel * d->kernel;
      g_autofree char *filter_name = g_strdup_printf ("layer%d/filter", l);

      bitlens_op_options_init (&options);
      options.padding = BITLENS_PADDING_SAME;
      options.stride_w = options.stride_h = d->stride;
      options.activation = BITLENS_ACTIVATION_NONE;

      if (!d->binary)
        {
          g_autofree char *bias_name = g_strdup_printf ("layer%d/bias", l);
          g_autofree char *conv_name = g_strdup_printf ("layer%d/conv", l);
          g_autofree char *sign_name = g_strdup_printf ("layer%d/sign", l);
          int filter = add_constant (writer, filter_name, BITLENS_TYPE_FLOAT32, 4, filter_shape,
                                     d->filter, sizeof (float) * taps * d->in_c);
          int bias = add_constant (writer, bias_name, BITLENS_TYPE_FLOAT32, 1, channel_shape,
                                   d->bias, sizeof (float) * d->out_c);
          int conv = add_activation (writer, conv_name, BITLENS_TYPE_FLOAT32, d->out_h, d->out_w, d->out_c);

          bitlens_tflite_writer_add_op (writer, BITLENS_OP_CONV_2D, 3, (int[]) { input, filter, bias },
                                        1, &conv, &options);
          x = d->float_output ? conv : add_quantize (writer, sign_name, conv, d->out_h, d->out_w, d->out_c);
        }
      else
        {
          g_autofree char *output_name = g_strdup_printf ("layer%d/bconv", l);
          int filter = add_constant (writer, filter_name, BITLENS_TYPE_INT32, 4, filter_shape,
                                     d->packed_filter, sizeof (guint32) * taps * d->in_words);
          int block_input = x;
          int inputs[5] = { x, filter, -1, -1, -1 };
          int y;

          if (d->float_input)
            {
              g_autofree char *sign_name = g_strdup_printf ("layer%d/sign", l);
              inputs[0] = add_quantize (writer, sign_name, x, d->in_h, d->in_w, d->in_c);
            }
          options.channels_in = d->in_c;
          options.pad_values = 1;
          if (d->float_output)
            {
              g_autofree char *multiplier_name = g_strdup_printf ("layer%d/post_activation_multiplier", l);
              g_autofree char *bias_name = g_strdup_printf ("layer%d/post_activation_bias", l);

              inputs[2] = add_constant (writer, multiplier_name, BITLENS_TYPE_FLOAT32, 1, channel_shape,
                                        d->post_multiplier, sizeof (float) * d->out_c);
              inputs[3] = add_constant (writer, bias_name, BITLENS_TYPE_FLOAT32, 1, channel_shape,
                                        d->post_bias, sizeof (float) * d->out_c);
              y = add_activation (writer, output_name, BITLENS_TYPE_FLOAT32, d->out_h, d->out_w, d->out_c);
            }
          else
            {
              g_autofree char *thresholds_name = g_strdup_printf ("layer%d/thresholds", l);

              inputs[4] = add_constant (writer, thresholds_name, BITLENS_TYPE_INT32, 1, channel_shape,
                                        d->thresholds, sizeof (gint32) * d->out_c);
              y = add_activation (writer, output_name, BITLENS_TYPE_INT32, d->out_h, d->out_w, d->out_words);
            }
          bitlens_tflite_writer_add_op (writer, BITLENS_OP_LCE_BCONV2D, 5, inputs, 1, &y, &options);
          if (d->residual)
            {
              g_autofree char *sum_name = g_strdup_printf ("layer%d/add", l);
              int sum = add_activation (writer, sum_name, BITLENS_TYPE_FLOAT32, d->out_h, d->out_w, d->out_c);

              bitlens_op_options_init (&options);
              options.activation = BITLENS_ACTIVATION_NONE;
              bitlens_tflite_writer_add_op (writer, BITLENS_OP_ADD, 2, (int[]) { block_input, y }, 1, &sum, &options);
              y = sum;
            }
          x = y;
        }
      if (d->pool)
        x = add_max_pool (writer, d, l, x, !d->float_output);
    }

  pooled = add_activation (writer, "global_average_pool", BITLENS_TYPE_FLOAT32, 1, 1, deployed->features);
  bitlens_op_options_init (&options);
  options.padding = BITLENS_PADDING_VALID;
  options.filter_h = last->out_h;
  options.filter_w = last->out_w;
  options.stride_h = options.stride_w = 1;
  options.activation = BITLENS_ACTIVATION_NONE;
  bitlens_tflite_writer_add_op (writer, BITLENS_OP_AVERAGE_POOL_2D, 1, &x, 1, &pooled, &options);

  {
    const int weights_shape[2] = { TRAIN_CLASSES, deployed->features };
    const int bias_shape[1] = { TRAIN_CLASSES };
    const int logits_shape[2] = { 1, TRAIN_CLASSES };
    int weights = add_constant (writer, "dense/weights", BITLENS_TYPE_FLOAT32, 2, weights_shape,
                                deployed->dense_weights, sizeof (float) * TRAIN_CLASSES * deployed->features);
    int bias = add_constant (writer, "dense/bias", BITLENS_TYPE_FLOAT32, 1, bias_shape,
                             deployed->dense_bias, sizeof (float) * TRAIN_CLASSES);

    logits = bitlens_tflite_writer_add_tensor (writer, "logits", &(BitlensTfliteTensorSpec) {
      .type = BITLENS_TYPE_FLOAT32, .rank = 2, .shape = logits_shape });
    bitlens_op_options_init (&options);
    options.activation = BITLENS_ACTIVATION_NONE;
    bitlens_tflite_writer_add_op (writer, BITLENS_OP_FULLY_CONNECTED, 3, (int[]) { pooled, weights, bias },
                                  1, &logits, &options);
    output = bitlens_tflite_writer_add_tensor (writer, "person_probability", &(BitlensTfliteTensorSpec) {
      .type = BITLENS_TYPE_FLOAT32, .rank = 2, .shape = logits_shape });
    bitlens_op_options_init (&options);
    options.beta = 1.0f;
    bitlens_tflite_writer_add_op (writer, BITLENS_OP_SOFTMAX, 1, &logits, 1, &output, &options);
  }

  bitlens_tflite_writer_set_io (writer, 1, &input, 1, &output);
  bitlens_tflite_writer_set_description (writer, description);
  return bitlens_tflite_writer_finish (writer);
}
