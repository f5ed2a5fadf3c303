/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "train-network.h"
#include "train-parallel.h"
#include "train-rng.h"

/* Architecture text */

static gboolean
parse_layer_token (const char     *token,
                   TrainLayerSpec *spec,
                   GError        **error)
{
  const char *p = token;
  char *end;
  long value;

  value = strtol (p, &end, 10);
  if (end == p || value < 1 || value > 4096)
    goto bad;
  spec->out_c = (int) value;
  spec->stride = 1;
  spec->kernel = 3;
  spec->residual = FALSE;
  p = end;
  while (*p != '\0')
    {
      char key = *p++;

      if (key == 'r' && *p == '\0')
        {
          spec->residual = TRUE;
          break;
        }

      value = strtol (p, &end, 10);
      if (end == p)
        goto bad;
      p = end;
      if (key == 's' && value >= 1 && value <= 4)
        spec->stride = (int) value;
      else if (key == 'k' && value >= 1 && value <= 7 && value % 2 == 1)
        spec->kernel = (int) value;
      else
        goto bad;
    }
  return TRUE;

bad:
  g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
               _("architecture: cannot read \"%s\" (expected CHANNELS[sSTRIDE][kKERNEL][r] with 1 to 4096 "
                 "channels, stride 1 to 4, an odd kernel 1 to 7 and r for a residual block, or \"m\" "
                 "for a max pool)"),
               token);
  return FALSE;
}

gboolean
train_arch_parse (const char  *text,
                  int          input_size,
                  int          channels,
                  TrainArch   *arch,
                  GError     **error)
{
  g_auto(GStrv) tokens = NULL;
  int size = input_size;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (channels == 1 || channels == 3, FALSE);

  memset (arch, 0, sizeof *arch);
  arch->input_size = input_size;
  arch->channels = channels;
  tokens = g_strsplit (text, ",", -1);
  for (int i = 0; tokens[i] != NULL; i++)
    {
      const char *token = g_strstrip (tokens[i]);

      if (strcmp (token, "m") == 0)
        {
          TrainLayerSpec *last = arch->n_layers > 0 ? &arch->layers[arch->n_layers - 1] : NULL;

          if (last == NULL || last->pool)
            {
              g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                           _("architecture: \"m\" (token %d) must follow a convolution"), i + 1);
              return FALSE;
            }
          if (size < 2)
            {
              g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                           _("architecture: the max pool of token %d has a %dx%d input"),
                           i + 1, size, size);
              return FALSE;
            }
          last->pool = TRUE;
          size /= 2;
          continue;
        }
      if (arch->n_layers == TRAIN_MAX_LAYERS)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                       _("architecture: more than %d convolutions"), TRAIN_MAX_LAYERS);
          return FALSE;
        }
      if (!parse_layer_token (token, &arch->layers[arch->n_layers], error))
        return FALSE;
      arch->layers[arch->n_layers].binary = arch->n_layers > 0;
      if (arch->layers[arch->n_layers].residual
          && (arch->n_layers == 0 || arch->layers[arch->n_layers].stride != 1
              || arch->layers[arch->n_layers - 1].out_c != arch->layers[arch->n_layers].out_c))
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                       _("architecture: the residual block \"%s\" (token %d) needs stride 1 and as many "
                         "channels as the convolution before it"), token, i + 1);
          return FALSE;
        }
      size = (size + arch->layers[arch->n_layers].stride - 1) / arch->layers[arch->n_layers].stride;
      arch->n_layers++;
    }
  if (arch->n_layers < 2)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                   _("architecture \"%s\": needs a float convolution and at least one binary one"), text);
      return FALSE;
    }
  if (arch->layers[arch->n_layers - 1].pool)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                   _("architecture \"%s\": the last convolution feeds the global average pool and "
                     "cannot have a max pool"), text);
      return FALSE;
    }
  return TRUE;
}

char *
train_arch_to_string (const TrainArch *arch)
{
  GString *text = g_string_new (NULL);

  for (int l = 0; l < arch->n_layers; l++)
    {
      const TrainLayerSpec *spec = &arch->layers[l];

      if (l > 0)
        g_string_append_c (text, ',');
      g_string_append_printf (text, "%d", spec->out_c);
      if (spec->stride != 1)
        g_string_append_printf (text, "s%d", spec->stride);
      if (spec->kernel != 3)
        g_string_append_printf (text, "k%d", spec->kernel);
      if (spec->residual)
        g_string_append_c (text, 'r');
      if (spec->pool)
        g_string_append (text, ",m");
    }
  return g_string_free (text, FALSE);
}

gboolean
train_arch_float_output (const TrainArch *arch,
                         int              l)
{
  g_assert (l >= 0 && l < arch->n_layers);
  return l == arch->n_layers - 1 || arch->layers[l].residual || arch->layers[l + 1].residual;
}

/* The network */

static gsize
layer_input_size (const TrainLayer *layer)
{
  const TrainConvGeometry *g = &layer->geometry;
  return (gsize) g->in_h * g->in_w * g->in_c;
}

static gsize
layer_conv_size (const TrainLayer *layer)
{
  const TrainConvGeometry *g = &layer->geometry;
  return (gsize) g->out_h * g->out_w * g->out_c;
}

static gsize
layer_output_size (const TrainLayer *layer)
{
  return (gsize) layer->out_h * layer->out_w * layer->geometry.out_c;
}

TrainNetwork *
train_network_new (const TrainArch *arch,
                   int              batch_capacity,
                   guint            n_workers,
                   int              aux_outputs)
{
  TrainNetwork *network = g_new0 (TrainNetwork, 1);
  int h = arch->input_size, w = arch->input_size, c = arch->channels;
  gsize max_activation = 0, max_columns = 0, max_weights = 0;
  int n_chunks = (batch_capacity + TRAIN_CONV_CHUNK - 1) / TRAIN_CONV_CHUNK;

  network->arch = *arch;
  network->batch_capacity = batch_capacity;
  network->n_workers = MAX (1u, n_workers);

  for (int l = 0; l < arch->n_layers; l++)
    {
      TrainLayer *layer = &network->layers[l];
      const TrainLayerSpec *spec = &arch->layers[l];
      gsize conv_size, output_size, weights;

      layer->spec = *spec;
      train_conv_geometry_init (&layer->geometry, h, w, c, spec->out_c, spec->kernel, spec->stride);
      layer->out_h = spec->pool ? layer->geometry.out_h / 2 : layer->geometry.out_h;
      layer->out_w = spec->pool ? layer->geometry.out_w / 2 : layer->geometry.out_w;

      weights = (gsize) spec->out_c * train_conv_patch_size (&layer->geometry);
      layer->weights = network->n_params;
      layer->gamma = layer->weights + weights;
      layer->beta = layer->gamma + spec->out_c;
      network->n_params = layer->beta + spec->out_c;
      layer->running_mean = network->n_state;
      layer->running_variance = layer->running_mean + spec->out_c;
      network->n_state = layer->running_variance + spec->out_c;

      conv_size = layer_conv_size (layer);
      output_size = layer_output_size (layer);
      if (spec->binary)
        {
          layer->input_signs = g_new (float, layer_input_size (layer) * batch_capacity);
          layer->effective_weights = g_new (float, weights);
        }
      layer->conv = g_new (float, conv_size * batch_capacity);
      layer->normalized = g_new (float, conv_size * batch_capacity);
      if (spec->pool)
        {
          layer->output = g_new (float, output_size * batch_capacity);
          layer->argmax = g_new (guint32, output_size * batch_capacity);
        }
      else
        layer->output = layer->normalized;
      layer->batch_mean = g_new (float, spec->out_c);
      layer->batch_variance = g_new (float, spec->out_c);
      layer->batch_inv_std = g_new (float, spec->out_c);

      max_activation = MAX (max_activation, layer_input_size (layer));
      max_activation = MAX (max_activation, conv_size);
      max_columns = MAX (max_columns, (gsize) layer->geometry.out_h * layer->geometry.out_w
                                      * train_conv_patch_size (&layer->geometry));
      max_weights = MAX (max_weights, weights);
      h = layer->out_h;
      w = layer->out_w;
      c = spec->out_c;
    }
  network->features = c;
  network->dense_weights = network->n_params;
  network->dense_bias = network->dense_weights + (gsize) TRAIN_CLASSES * c;
  network->n_params = network->dense_bias + TRAIN_CLASSES;
  network->aux_outputs = aux_outputs;
  if (aux_outputs > 0)
    {
      network->aux_weights = network->n_params;
      network->aux_bias = network->aux_weights + (gsize) aux_outputs * c;
      network->n_params = network->aux_bias + aux_outputs;
      network->aux_output = g_new0 (float, (gsize) batch_capacity * aux_outputs);
      network->aux_targets = g_new0 (float, (gsize) batch_capacity * aux_outputs);
      network->aux_gradient = g_new0 (float, (gsize) batch_capacity * aux_outputs);
      network->aux_features_gradient = g_new0 (float, (gsize) batch_capacity * c);
    }

  network->params = g_new0 (float, network->n_params);
  network->gradients = g_new0 (float, network->n_params);
  network->state = g_new0 (float, network->n_state);
  network->input = g_new0 (float, (gsize) batch_capacity * arch->input_size * arch->input_size * arch->channels);
  network->pooled_features = g_new (float, (gsize) batch_capacity * c);
  network->features_gradient = g_new (float, (gsize) batch_capacity * c);
  network->logits = g_new (float, (gsize) batch_capacity * TRAIN_CLASSES);
  network->logits_gradient = g_new0 (float, (gsize) batch_capacity * TRAIN_CLASSES);
  network->columns = g_new (float *, network->n_workers);
  network->column_gradient = g_new (float *, network->n_workers);
  for (guint k = 0; k < network->n_workers; k++)
    {
      network->columns[k] = g_new (float, max_columns * TRAIN_CONV_CHUNK);
      network->column_gradient[k] = g_new (float, max_columns * TRAIN_CONV_CHUNK);
    }
  network->partial_gradients = g_new (float, max_weights * n_chunks);
  network->gradient_a = g_new (float, max_activation * batch_capacity);
  network->gradient_b = g_new (float, max_activation * batch_capacity);
  network->gradient_shortcut = g_new (float, max_activation * batch_capacity);
  return network;
}

void
train_network_free (TrainNetwork *network)
{
  if (network == NULL)
    return;
  for (int l = 0; l < network->arch.n_layers; l++)
    {
      TrainLayer *layer = &network->layers[l];

      g_free (layer->input_signs);
      g_free (layer->effective_weights);
      g_free (layer->conv);
      if (layer->output != layer->normalized)
        g_free (layer->output);
      g_free (layer->normalized);
      g_free (layer->argmax);
      g_free (layer->batch_mean);
      g_free (layer->batch_variance);
      g_free (layer->batch_inv_std);
    }
  for (int h = 0; h < network->n_hints; h++)
    {
      g_free (network->hints[h].prediction);
      g_free (network->hints[h].targets);
      g_free (network->hints[h].gradient);
      g_free (network->hints[h].output_gradient);
    }
  g_free (network->aux_output);
  g_free (network->aux_targets);
  g_free (network->aux_gradient);
  g_free (network->aux_features_gradient);
  g_free (network->statistics_sums);
  g_free (network->params);
  g_free (network->gradients);
  g_free (network->state);
  g_free (network->input);
  g_free (network->pooled_features);
  g_free (network->features_gradient);
  g_free (network->logits);
  g_free (network->logits_gradient);
  for (guint k = 0; k < network->n_workers; k++)
    {
      g_free (network->columns[k]);
      g_free (network->column_gradient[k]);
    }
  g_free (network->columns);
  g_free (network->column_gradient);
  g_free (network->partial_gradients);
  g_free (network->gradient_a);
  g_free (network->gradient_b);
  g_free (network->gradient_shortcut);
  g_free (network);
}

static gsize
layer_output_pixels (const TrainLayer *layer)
{
  return (gsize) layer->out_h * layer->out_w;
}

int
train_network_add_hint (TrainNetwork *network,
                        int           layer,
                        int           channels)
{
  TrainHint *hint = &network->hints[network->n_hints];
  int out_c = network->layers[layer].geometry.out_c;
  gsize rows = (gsize) network->batch_capacity * layer_output_pixels (&network->layers[layer]);

  g_assert (network->n_hints < TRAIN_MAX_HINTS);
  g_assert (layer >= 0 && layer < network->arch.n_layers && channels > 0);
  hint->layer = layer;
  hint->channels = channels;
  hint->weights = network->n_params;
  hint->bias = hint->weights + (gsize) channels * out_c;
  network->n_params = hint->bias + channels;
  network->params = g_renew (float, network->params, network->n_params);
  network->gradients = g_renew (float, network->gradients, network->n_params);
  memset (network->params + hint->weights, 0, sizeof (float) * (network->n_params - hint->weights));
  memset (network->gradients, 0, sizeof (float) * network->n_params);
  hint->prediction = g_new0 (float, rows * channels);
  hint->targets = g_new0 (float, rows * channels);
  hint->gradient = g_new0 (float, rows * channels);
  hint->output_gradient = g_new0 (float, rows * out_c);
  return network->n_hints++;
}

static void
glorot_uniform (float   *values,
                gsize    n,
                int      fan_in,
                int      fan_out,
                guint64  seed,
                guint64  block)
{
  TrainRng rng;
  double limit = sqrt (6.0 / (fan_in + fan_out));

  train_rng_init (&rng, seed, TRAIN_STREAM_INIT, block);
  for (gsize i = 0; i < n; i++)
    values[i] = (float) train_rng_range (&rng, -limit, limit);
}

void
train_network_init (TrainNetwork *network,
                    guint64       seed)
{
  memset (network->params, 0, sizeof (float) * network->n_params);
  for (int l = 0; l < network->arch.n_layers; l++)
    {
      TrainLayer *layer = &network->layers[l];
      int k2 = layer->geometry.kernel * layer->geometry.kernel;
      int out_c = layer->geometry.out_c;

      glorot_uniform (network->params + layer->weights,
                      (gsize) out_c * train_conv_patch_size (&layer->geometry),
                      k2 * layer->geometry.in_c, k2 * out_c, seed, (guint64) l);
      for (int c = 0; c < out_c; c++)
        {
          network->params[layer->gamma + c] = 1.0f;
          network->params[layer->beta + c] = 0.0f;
          network->state[layer->running_mean + c] = 0.0f;
          network->state[layer->running_variance + c] = 1.0f;
        }
    }
  glorot_uniform (network->params + network->dense_weights, (gsize) TRAIN_CLASSES * network->features,
                  network->features, TRAIN_CLASSES, seed, TRAIN_MAX_LAYERS);
  if (network->aux_outputs > 0)
    glorot_uniform (network->params + network->aux_weights, (gsize) network->aux_outputs * network->features,
                    network->features, network->aux_outputs, seed, TRAIN_MAX_LAYERS + 1);
  for (int h = 0; h < network->n_hints; h++)
    {
      const TrainHint *hint = &network->hints[h];
      int out_c = network->layers[hint->layer].geometry.out_c;

      glorot_uniform (network->params + hint->weights, (gsize) hint->channels * out_c, out_c,
                      hint->channels, seed, TRAIN_MAX_LAYERS + 2 + h);
    }
}

/* The hints' adapters on layer l's output. */
static void
hints_forward (TrainNetwork *network,
               int           l,
               int           batch)
{
  for (int h = 0; h < network->n_hints; h++)
    {
      const TrainHint *hint = &network->hints[h];
      const TrainLayer *layer = &network->layers[l];
      int rows = batch * (int) layer_output_pixels (layer);
      int out_c = layer->geometry.out_c;

      if (hint->layer != l)
        continue;
      train_gemm (FALSE, TRUE, rows, hint->channels, out_c, 1.0f, layer->output, out_c,
                  network->params + hint->weights, out_c, 0.0f, hint->prediction, hint->channels);
      for (int r = 0; r < rows; r++)
        for (int c = 0; c < hint->channels; c++)
          hint->prediction[(gsize) r * hint->channels + c] += network->params[hint->bias + c];
    }
}

/* Adds the hints' gradients into `output_gradient`, the gradient of layer l's output, and
 * the adapters' parameter gradients. */
static void
hints_backward (TrainNetwork *network,
                int           l,
                int           batch,
                float        *output_gradient)
{
  for (int h = 0; h < network->n_hints; h++)
    {
      const TrainHint *hint = &network->hints[h];
      const TrainLayer *layer = &network->layers[l];
      int rows = batch * (int) layer_output_pixels (layer);
      int out_c = layer->geometry.out_c;

      if (hint->layer != l)
        continue;
      train_gemm (TRUE, FALSE, hint->channels, out_c, rows, 1.0f, hint->gradient, hint->channels,
                  layer->output, out_c, 1.0f, network->gradients + hint->weights, out_c);
      for (int c = 0; c < hint->channels; c++)
        {
          double total = 0.0;

          for (int r = 0; r < rows; r++)
            total += hint->gradient[(gsize) r * hint->channels + c];
          network->gradients[hint->bias + c] += (float) total;
        }
      train_gemm (FALSE, FALSE, rows, out_c, hint->channels, 1.0f, hint->gradient, hint->channels,
                  network->params + hint->weights, out_c, 0.0f, hint->output_gradient, out_c);
      for (gsize i = 0; i < (gsize) rows * out_c; i++)
        output_gradient[i] += hint->output_gradient[i];
    }
}

double
train_network_hint_loss (TrainNetwork *network,
                         int           batch,
                         float         weight)
{
  double total = 0.0;

  for (int h = 0; h < network->n_hints; h++)
    {
      const TrainHint *hint = &network->hints[h];
      gsize per_image = layer_output_pixels (&network->layers[hint->layer]) * hint->channels;
      gsize n = per_image * batch;
      double scale = 2.0 * weight / (double) n;
      double sum = 0.0;

      for (gsize i = 0; i < n; i++)
        {
          double difference = (double) hint->prediction[i] - hint->targets[i];

          sum += difference * difference;
          hint->gradient[i] = (float) (scale * difference);
        }
      total += weight * sum / (double) per_image;
    }
  return total;
}

/* The convolution input and filter of a layer for the current batch: signs for binary
 * layers (computed here), the raw input and latent weights for the float one. */
static void
layer_prepare_conv (TrainNetwork  *network,
                    TrainLayer    *layer,
                    const float   *x,
                    int            batch,
                    const float  **conv_input,
                    const float  **filter,
                    float         *pad_value)
{
  if (layer->spec.binary)
    {
      gsize n_weights = (gsize) layer->geometry.out_c * train_conv_patch_size (&layer->geometry);

      train_sign_forward (layer_input_size (layer) * batch, x, layer->input_signs);
      train_sign_forward (n_weights, network->params + layer->weights, layer->effective_weights);
      *conv_input = layer->input_signs;
      *filter = layer->effective_weights;
      *pad_value = 1.0f;
    }
  else
    {
      *conv_input = x;
      *filter = network->params + layer->weights;
      *pad_value = 0.0f;
    }
}

/* A convolution of a batch, chunk by chunk on the workers. */
typedef struct
{
  TrainNetwork     *network;
  const TrainLayer *layer;
  int               batch;
  const float      *input;
  const float      *filter;
  float             pad_value;
  float            *output;
  const float      *output_gradient;
  float            *input_gradient;
} ConvJob;

static void
conv_forward_chunk (gpointer data,
                    guint    worker,
                    guint    chunk)
{
  ConvJob *job = data;
  const TrainConvGeometry *g = &job->layer->geometry;
  int first = (int) chunk * TRAIN_CONV_CHUNK;
  int count = MIN (TRAIN_CONV_CHUNK, job->batch - first);

  train_conv_forward (g, count, job->input + (gsize) first * layer_input_size (job->layer),
                      job->filter, job->pad_value, job->network->columns[worker],
                      job->output + (gsize) first * layer_conv_size (job->layer));
}

static void
conv_backward_chunk (gpointer data,
                     guint    worker,
                     guint    chunk)
{
  ConvJob *job = data;
  const TrainConvGeometry *g = &job->layer->geometry;
  int first = (int) chunk * TRAIN_CONV_CHUNK;
  int count = MIN (TRAIN_CONV_CHUNK, job->batch - first);
  gsize n_weights = (gsize) g->out_c * train_conv_patch_size (g);
  float *partial = job->network->partial_gradients + chunk * n_weights;
  gsize in_offset = (gsize) first * layer_input_size (job->layer);

  memset (partial, 0, sizeof (float) * n_weights);
  train_conv_backward (g, count, job->input + in_offset, job->filter, job->pad_value,
                       job->output_gradient + (gsize) first * layer_conv_size (job->layer),
                       job->network->columns[worker], job->network->column_gradient[worker], partial,
                       job->input_gradient != NULL ? job->input_gradient + in_offset : NULL);
}

static guint
count_chunks (int batch)
{
  return (guint) ((batch + TRAIN_CONV_CHUNK - 1) / TRAIN_CONV_CHUNK);
}

static void
network_conv_forward (TrainNetwork     *network,
                      const TrainLayer *layer,
                      int               batch,
                      const float      *input,
                      const float      *filter,
                      float             pad_value,
                      float            *output)
{
  ConvJob job = { network, layer, batch, input, filter, pad_value, output, NULL, NULL };

  train_parallel_for (network->n_workers, count_chunks (batch), conv_forward_chunk, &job);
}

/* Adds the filter gradient into filter_gradient: the chunks' sums in chunk order. */
static void
network_conv_backward (TrainNetwork     *network,
                       const TrainLayer *layer,
                       int               batch,
                       const float      *input,
                       const float      *filter,
                       float             pad_value,
                       const float      *output_gradient,
                       float            *filter_gradient,
                       float            *input_gradient)
{
  ConvJob job = { network, layer, batch, input, filter, pad_value, NULL, output_gradient, input_gradient };
  gsize n_weights = (gsize) layer->geometry.out_c * train_conv_patch_size (&layer->geometry);
  guint n_chunks = count_chunks (batch);

  train_parallel_for (network->n_workers, n_chunks, conv_backward_chunk, &job);
  for (guint chunk = 0; chunk < n_chunks; chunk++)
    {
      const float *partial = network->partial_gradients + chunk * n_weights;

      for (gsize i = 0; i < n_weights; i++)
        filter_gradient[i] += partial[i];
    }
}

/* Residual blocks: normalized += the block's input (same shape). */
static void
add_shortcut (TrainLayer  *layer,
              int          batch,
              const float *x)
{
  gsize n = layer_conv_size (layer) * batch;

  g_assert (layer_input_size (layer) == layer_conv_size (layer));
  for (gsize i = 0; i < n; i++)
    layer->normalized[i] += x[i];
}

static void
layer_pool (TrainLayer *layer,
            int         batch)
{
  if (layer->spec.pool)
    train_max_pool_forward (batch, layer->geometry.out_h, layer->geometry.out_w, layer->geometry.out_c,
                            2, layer->normalized, layer->output, layer->argmax);
}

static void
network_head_forward (TrainNetwork *network,
                      int           batch,
                      const float  *x)
{
  const TrainLayer *last = &network->layers[network->arch.n_layers - 1];

  train_global_pool_forward (batch, last->out_h * last->out_w, network->features, x,
                             network->pooled_features);
  train_dense_forward (batch, network->features, TRAIN_CLASSES, network->pooled_features,
                       network->params + network->dense_weights,
                       network->params + network->dense_bias, network->logits);
  if (network->aux_outputs > 0)
    train_dense_forward (batch, network->features, network->aux_outputs, network->pooled_features,
                         network->params + network->aux_weights,
                         network->params + network->aux_bias, network->aux_output);
}

double
train_network_aux_loss (TrainNetwork *network,
                        int           batch,
                        float         weight)
{
  gsize n = (gsize) batch * network->aux_outputs;
  double total = 0.0;
  double scale = 2.0 * weight / (double) n;

  g_assert (network->aux_outputs > 0);
  for (gsize i = 0; i < n; i++)
    {
      double difference = (double) network->aux_output[i] - network->aux_targets[i];

      total += difference * difference;
      network->aux_gradient[i] = (float) (scale * difference);
    }
  return weight * total / network->aux_outputs;
}

void
train_network_forward (TrainNetwork *network,
                       int           batch,
                       float         momentum)
{
  const float *x = network->input;

  g_assert (batch > 0 && batch <= network->batch_capacity);
  for (int l = 0; l < network->arch.n_layers; l++)
    {
      TrainLayer *layer = &network->layers[l];
      const float *conv_input, *filter;
      float pad_value;
      gsize rows = (gsize) batch * layer->geometry.out_h * layer->geometry.out_w;
      float *running_mean = network->state + layer->running_mean;
      float *running_variance = network->state + layer->running_variance;

      layer_prepare_conv (network, layer, x, batch, &conv_input, &filter, &pad_value);
      network_conv_forward (network, layer, batch, conv_input, filter, pad_value, layer->conv);
      /* xhat overwrites the convolution output in place. */
      train_batch_norm_forward (rows, layer->geometry.out_c, layer->conv,
                                network->params + layer->gamma, network->params + layer->beta,
                                layer->batch_mean, layer->batch_variance, layer->batch_inv_std,
                                layer->conv, layer->normalized);
      if (network->statistics_sums != NULL)
        for (int c = 0; c < layer->geometry.out_c; c++)
          {
            double unbiased = rows > 1 ? (double) layer->batch_variance[c] * rows / (rows - 1)
                                       : layer->batch_variance[c];
            network->statistics_sums[layer->running_mean + c] += layer->batch_mean[c];
            network->statistics_sums[layer->running_variance + c] += unbiased;
          }
      else if (momentum < 1.0f)
        for (int c = 0; c < layer->geometry.out_c; c++)
          {
            /* The running variance is unbiased, as TensorFlow's. */
            float unbiased = rows > 1 ? (float) ((double) layer->batch_variance[c] * rows / (rows - 1))
                                      : layer->batch_variance[c];
            running_mean[c] = momentum * running_mean[c] + (1.0f - momentum) * layer->batch_mean[c];
            running_variance[c] = momentum * running_variance[c] + (1.0f - momentum) * unbiased;
          }
      if (layer->spec.residual)
        add_shortcut (layer, batch, x);
      layer_pool (layer, batch);
      x = layer->output;
      hints_forward (network, l, batch);
    }
  if (network->statistics_sums != NULL)
    network->statistics_batches++;
  network_head_forward (network, batch, x);
}

void
train_network_statistics_begin (TrainNetwork *network)
{
  g_assert (network->statistics_sums == NULL);
  network->statistics_sums = g_new0 (double, network->n_state);
  network->statistics_batches = 0;
}

void
train_network_statistics_end (TrainNetwork *network)
{
  g_assert (network->statistics_sums != NULL);
  if (network->statistics_batches > 0)
    for (gsize i = 0; i < network->n_state; i++)
      network->state[i] = (float) (network->statistics_sums[i] / network->statistics_batches);
  g_clear_pointer (&network->statistics_sums, g_free);
}

void
train_network_infer (TrainNetwork *network,
                     int           batch)
{
  const float *x = network->input;

  g_assert (batch > 0 && batch <= network->batch_capacity);
  for (int l = 0; l < network->arch.n_layers; l++)
    {
      TrainLayer *layer = &network->layers[l];
      const float *conv_input, *filter;
      float pad_value;
      gsize rows = (gsize) batch * layer->geometry.out_h * layer->geometry.out_w;

      layer_prepare_conv (network, layer, x, batch, &conv_input, &filter, &pad_value);
      network_conv_forward (network, layer, batch, conv_input, filter, pad_value, layer->conv);
      train_batch_norm_infer (rows, layer->geometry.out_c, layer->conv,
                              network->params + layer->gamma, network->params + layer->beta,
                              network->state + layer->running_mean,
                              network->state + layer->running_variance, layer->normalized);
      if (layer->spec.residual)
        add_shortcut (layer, batch, x);
      layer_pool (layer, batch);
      x = layer->output;
    }
  network_head_forward (network, batch, x);
}

void
train_network_backward (TrainNetwork *network,
                        int           batch)
{
  const TrainLayer *last = &network->layers[network->arch.n_layers - 1];
  float *current = network->gradient_a;
  float *spare = network->gradient_b;

  memset (network->gradients, 0, sizeof (float) * network->n_params);
  train_dense_backward (batch, network->features, TRAIN_CLASSES, network->pooled_features,
                        network->params + network->dense_weights, network->logits_gradient,
                        network->gradients + network->dense_weights,
                        network->gradients + network->dense_bias, network->features_gradient);
  if (network->aux_outputs > 0)
    {
      gsize n = (gsize) batch * network->features;

      train_dense_backward (batch, network->features, network->aux_outputs, network->pooled_features,
                            network->params + network->aux_weights, network->aux_gradient,
                            network->gradients + network->aux_weights,
                            network->gradients + network->aux_bias, network->aux_features_gradient);
      for (gsize i = 0; i < n; i++)
        network->features_gradient[i] += network->aux_features_gradient[i];
    }
  train_global_pool_backward (batch, last->out_h * last->out_w, network->features,
                              network->features_gradient, current);

  for (int l = network->arch.n_layers - 1; l >= 0; l--)
    {
      TrainLayer *layer = &network->layers[l];
      gsize rows = (gsize) batch * layer->geometry.out_h * layer->geometry.out_w;
      const float *conv_input = layer->spec.binary ? layer->input_signs : network->input;
      const float *filter = layer->spec.binary ? layer->effective_weights : network->params + layer->weights;
      float *swap;

      hints_backward (network, l, batch, current);
      if (layer->spec.pool)
        {
          train_max_pool_backward (rows * layer->geometry.out_c, layer_output_size (layer) * batch,
                                   layer->argmax, current, spare);
          swap = current, current = spare, spare = swap;
        }
      /* current: gradient of the batch norm output (and of the shortcut of a residual
       * block); in place to the batch norm input's. */
      if (layer->spec.residual)
        memcpy (network->gradient_shortcut, current, sizeof (float) * rows * layer->geometry.out_c);
      train_batch_norm_backward (rows, layer->geometry.out_c, current, layer->conv,
                                 network->params + layer->gamma, layer->batch_inv_std,
                                 network->gradients + layer->gamma, network->gradients + layer->beta,
                                 current);
      network_conv_backward (network, layer, batch, conv_input, filter,
                             layer->spec.binary ? 1.0f : 0.0f, current,
                             network->gradients + layer->weights, l > 0 ? spare : NULL);
      if (layer->spec.binary)
        {
          /* Straight-through estimator of the weights' sign. */
          gsize n_weights = (gsize) layer->geometry.out_c * train_conv_patch_size (&layer->geometry);
          train_sign_backward (n_weights, network->params + layer->weights,
                               network->gradients + layer->weights, network->gradients + layer->weights);
        }
      if (l > 0)
        {
          /* Straight-through estimator of the input's sign: the input is the previous
           * layer's output. */
          train_sign_backward (layer_input_size (layer) * batch, network->layers[l - 1].output,
                               spare, spare);
          if (layer->spec.residual)
            for (gsize i = 0; i < rows * layer->geometry.out_c; i++)
              spare[i] += network->gradient_shortcut[i];
          swap = current, current = spare, spare = swap;
        }
    }
}

void
train_network_clip (TrainNetwork *network)
{
  for (int l = 0; l < network->arch.n_layers; l++)
    {
      const TrainLayer *layer = &network->layers[l];
      float *w = network->params + layer->weights;
      gsize n = (gsize) layer->geometry.out_c * train_conv_patch_size (&layer->geometry);

      if (!layer->spec.binary)
        continue;
      for (gsize i = 0; i < n; i++)
        w[i] = CLAMP (w[i], -1.0f, 1.0f);
    }
}

void
train_network_count_macs (const TrainNetwork *network,
                          guint64            *float_macs,
                          guint64            *binary_macs)
{
  *float_macs = (guint64) network->features * TRAIN_CLASSES;
  *binary_macs = 0;
  for (int l = 0; l < network->arch.n_layers; l++)
    {
      const TrainLayer *layer = &network->layers[l];
      guint64 macs = (guint64) layer_conv_size (layer) * train_conv_patch_size (&layer->geometry);

      if (layer->spec.binary)
        *binary_macs += macs;
      else
        *float_macs += macs;
    }
}

/* Adam */

TrainAdam *
train_adam_new (gsize n)
{
  TrainAdam *adam = g_new0 (TrainAdam, 1);

  adam->n = n;
  adam->m = g_new0 (float, n);
  adam->v = g_new0 (float, n);
  adam->beta1 = 0.9;
  adam->beta2 = 0.999;
  adam->epsilon = 1e-7;   /* Keras's default */
  return adam;
}

void
train_adam_free (TrainAdam *adam)
{
  if (adam == NULL)
    return;
  g_free (adam->m);
  g_free (adam->v);
  g_free (adam);
}

void
train_adam_step (TrainAdam   *adam,
                 float       *params,
                 const float *gradients,
                 double       learning_rate)
{
  float beta1 = (float) adam->beta1, beta2 = (float) adam->beta2;
  float step_size, epsilon;
  double correction1, correction2;

  adam->step++;
  correction1 = 1.0 - pow (adam->beta1, (double) adam->step);
  correction2 = 1.0 - pow (adam->beta2, (double) adam->step);
  /* lr * m_hat / (sqrt (v_hat) + eps) = step_size * m / (sqrt (v) + eps') */
  step_size = (float) (learning_rate * sqrt (correction2) / correction1);
  epsilon = (float) (adam->epsilon * sqrt (correction2));
  for (gsize i = 0; i < adam->n; i++)
    {
      float g = gradients[i];

      adam->m[i] = beta1 * adam->m[i] + (1.0f - beta1) * g;
      adam->v[i] = beta2 * adam->v[i] + (1.0f - beta2) * g * g;
      params[i] -= step_size * adam->m[i] / (sqrtf (adam->v[i]) + epsilon);
    }
}
