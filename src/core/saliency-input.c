/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "bitlens-interpreter-private.h"
#include "saliency-private.h"

/* The input tensor as an image: validation, baselines, targets and scores. */

gboolean
saliency_input_init (BitlensModel   *model,
                     SaliencyInput  *input,
                     GError        **error)
{
  const BitlensTensor *tensor;
  g_autofree char *shape = NULL;

  if (bitlens_model_get_n_inputs (model) == 0 || bitlens_model_get_n_outputs (model) == 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("saliency needs a model with an input and an output"));
      return FALSE;
    }
  tensor = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));
  shape = bitlens_tensor_format_shape (tensor);
  if (tensor->type != BITLENS_TYPE_INT8 && tensor->type != BITLENS_TYPE_UINT8 &&
      tensor->type != BITLENS_TYPE_FLOAT32)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("saliency needs an int8, uint8 or float32 image input; input 0 is %s %s"),
                   bitlens_tensor_type_name (tensor->type), shape);
      return FALSE;
    }
  if (tensor->rank != 4 || tensor->shape[0] != 1 || tensor->shape[1] <= 0 ||
      tensor->shape[2] <= 0 || (tensor->shape[3] != 1 && tensor->shape[3] != 3))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("saliency needs an image input [1,H,W,1] or [1,H,W,3]; input 0 is %s"), shape);
      return FALSE;
    }
  input->tensor = tensor;
  input->height = tensor->shape[1];
  input->width = tensor->shape[2];
  input->channels = tensor->shape[3];
  input->pixel_bytes = (gsize) input->channels * bitlens_tensor_type_size (tensor->type);
  return TRUE;
}

gboolean
saliency_input_check_bytes (const SaliencyInput  *input,
                            GBytes               *bytes,
                            GError              **error)
{
  if (g_bytes_get_size (bytes) != input->tensor->n_bytes)
    {
      g_autofree char *shape = bitlens_tensor_format_shape (input->tensor);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("input has %zu bytes, the model's input %s %s takes %zu"),
                   g_bytes_get_size (bytes), bitlens_tensor_type_name (input->tensor->type), shape,
                   input->tensor->n_bytes);
      return FALSE;
    }
  return TRUE;
}

/* floor ((sum + n / 2) / n): the mean rounded half up, also for negative sums. */
static gint64
rounded_mean (gint64 sum,
              gint64 n)
{
  gint64 numerator = sum + n / 2;
  gint64 quotient = numerator / n;

  if (numerator % n != 0 && numerator < 0)
    quotient--;
  return quotient;
}

static double
element_get (const SaliencyInput *input,
             const guint8        *data,
             gsize                index)
{
  switch (input->tensor->type)
    {
    case BITLENS_TYPE_INT8: return ((const gint8 *) data)[index];
    case BITLENS_TYPE_UINT8: return data[index];
    case BITLENS_TYPE_FLOAT32: return ((const float *) data)[index];
    default: g_assert_not_reached ();
    }
}

/* Box blur of the tensor: each element is the mean of the same channel over the
 * (2r+1) x (2r+1) square around it clipped to the image. Integer tensors: the sum in
 * integers, rounded_mean (). float32: the sum in double in row-major order over the
 * square, divided by the count in double, rounded to float.
 *
 * The sums are computed as sliding sums, a row pass then a column pass, in int64. For
 * integers that is the same sum. A float tensor takes that way when every value is a
 * multiple of 2^-k and every square's sum stays below 2^53 * 2^-k: the values scaled by
 * 2^k are then integers, and every partial sum of the row-major order is exact in double,
 * so both give the same sum. Otherwise (tiny or huge values) the squares are summed in
 * row-major order, as defined. */

/* The scale 2^k that makes every value of the float tensor an integer, when the sums of
 * up to `window` of those integers stay below 2^53; 0 when there is none. */
static double
float_integer_scale (const float *values,
                     gsize        n,
                     gint64       window)
{
  int top = G_MININT, bits = G_MININT;

  for (gsize i = 0; i < n; i++)
    {
      int exponent;

      if (!isfinite (values[i]))
        return 0;
      if (values[i] == 0.0f)
        continue;
      /* |v| < 2^exponent, and v * 2^(24 - exponent) is an integer (24-bit significand). */
      frexp (values[i], &exponent);
      top = MAX (top, exponent);
      bits = MAX (bits, 24 - exponent);
    }
  if (top == G_MININT)
    return 1.0;
  /* A square's sum is below window * 2^(top + bits). */
  if (bits > 1000 || top + bits + g_bit_storage ((gulong) window) >= 53)
    return 0;
  return ldexp (1.0, bits);
}

/* out[i * stride] = the sum of in[j * stride] over j in [i - radius, i + radius] clipped
 * to [0, n), as a running sum. */
static void
sliding_sums (const gint64 *in,
              gint64       *out,
              int           n,
              gsize         stride,
              int           radius)
{
  gint64 sum = 0;

  for (int i = 0; i < MIN (radius, n); i++)
    sum += in[(gsize) i * stride];
  for (int i = 0; i < n; i++)
    {
      if (i + radius < n)
        sum += in[(gsize) (i + radius) * stride];
      if (i - radius - 1 >= 0)
        sum -= in[(gsize) (i - radius - 1) * stride];
      out[(gsize) i * stride] = sum;
    }
}

/* The squares' sums of the integer values (already scaled), row pass then column pass. */
static void
box_sums (const gint64 *values,
          int           height,
          int           width,
          int           channels,
          int           radius,
          gint64       *sums)
{
  g_autofree gint64 *rows = g_new (gint64, (gsize) height * width * channels);
  gsize row_stride = (gsize) width * channels;

  for (int y = 0; y < height; y++)
    for (int c = 0; c < channels; c++)
      sliding_sums (values + y * row_stride + c, rows + y * row_stride + c, width, channels, radius);
  for (gsize column = 0; column < row_stride; column++)
    sliding_sums (rows + column, sums + column, height, row_stride, radius);
}

/* The defining computation: each square summed in row-major order. */
static void
blur_float_direct (const SaliencyInput *input,
                   const float         *original,
                   int                  radius,
                   float               *blurred)
{
  int height = input->height, width = input->width, channels = input->channels;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        int y0 = MAX (y - radius, 0), y1 = MIN (y + radius + 1, height);
        int x0 = MAX (x - radius, 0), x1 = MIN (x + radius + 1, width);

        for (int c = 0; c < channels; c++)
          {
            double sum = 0;

            for (int yy = y0; yy < y1; yy++)
              for (int xx = x0; xx < x1; xx++)
                sum += original[((gsize) yy * width + xx) * channels + c];
            blurred[((gsize) y * width + x) * channels + c] = (float) (sum / (double) ((y1 - y0) * (x1 - x0)));
          }
      }
}

static void
blur_tensor (const SaliencyInput *input,
             const guint8        *original,
             int                  radius,
             guint8              *blurred)
{
  int height = input->height, width = input->width, channels = input->channels;
  gsize n = (gsize) height * width * channels;
  gint64 window;
  g_autofree gint64 *values = NULL;
  g_autofree gint64 *sums = NULL;
  double scale = 1.0;

  /* A square wider than the image is the whole image; clamped, y + radius cannot overflow. */
  radius = MIN (radius, MAX (height, width));
  window = (gint64) MIN (2 * (gint64) radius + 1, height) * MIN (2 * (gint64) radius + 1, width);

  if (input->tensor->type == BITLENS_TYPE_FLOAT32)
    {
      scale = float_integer_scale ((const float *) original, n, window);
      if (scale == 0)
        {
          blur_float_direct (input, (const float *) original, radius, (float *) blurred);
          return;
        }
    }
  values = g_new (gint64, n);
  sums = g_new (gint64, n);
  for (gsize i = 0; i < n; i++)
    switch (input->tensor->type)
      {
      case BITLENS_TYPE_INT8: values[i] = ((const gint8 *) original)[i]; break;
      case BITLENS_TYPE_UINT8: values[i] = original[i]; break;
      case BITLENS_TYPE_FLOAT32: values[i] = (gint64) ((double) ((const float *) original)[i] * scale); break;
      default: g_assert_not_reached ();
      }
  box_sums (values, height, width, channels, radius, sums);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        gint64 count = (gint64) (MIN (y + radius + 1, height) - MAX (y - radius, 0)) *
                       (MIN (x + radius + 1, width) - MAX (x - radius, 0));

        for (int c = 0; c < channels; c++)
          {
            gsize i = ((gsize) y * width + x) * channels + c;

            switch (input->tensor->type)
              {
              case BITLENS_TYPE_INT8: ((gint8 *) blurred)[i] = (gint8) rounded_mean (sums[i], count); break;
              case BITLENS_TYPE_UINT8: blurred[i] = (guint8) rounded_mean (sums[i], count); break;
              case BITLENS_TYPE_FLOAT32:
                ((float *) blurred)[i] = (float) (((double) sums[i] / scale) / (double) count);
                break;
              default: g_assert_not_reached ();
              }
          }
      }
}

guint8 *
saliency_baseline_new (const SaliencyInput   *input,
                       const guint8          *original,
                       const BitlensBaseline *baseline,
                       GError               **error)
{
  gsize n_bytes = input->tensor->n_bytes;
  g_autofree guint8 *values = g_malloc (MAX (n_bytes, 1));
  g_autoptr(BitlensImage) gray = NULL;
  int level;

  switch (baseline->kind)
    {
    case BITLENS_BASELINE_BLUR:
      if (baseline->blur_radius < 0)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                       _("blur radius %d is negative"), baseline->blur_radius);
          return NULL;
        }
      blur_tensor (input, original, baseline->blur_radius, values);
      return g_steal_pointer (&values);

    case BITLENS_BASELINE_BLACK:
    case BITLENS_BASELINE_GRAY:
      level = baseline->kind == BITLENS_BASELINE_BLACK ? 0 : baseline->gray_level;
      if (level < 0 || level > 255)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                       _("gray level %d is outside 0..255"), level);
          return NULL;
        }
      /* The preprocessing itself maps the gray pixel to tensor values, so that an
       * occluded input is exactly the preprocessed occluded image. */
      gray = bitlens_image_new (input->width, input->height);
      memset (gray->pixels, level, (gsize) input->width * input->height * 3);
      if (!bitlens_image_to_input (gray, input->tensor, values, error))
        return NULL;
      return g_steal_pointer (&values);

    default:
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID, _("unknown baseline kind %d"),
                   baseline->kind);
      return NULL;
    }
}

void
saliency_input_copy_rect (const SaliencyInput *input,
                          guint8              *dst,
                          const guint8        *src,
                          const BitlensRegion *rect)
{
  gsize row_bytes = (gsize) (rect->x1 - rect->x0) * input->pixel_bytes;

  if (saliency_rect_is_empty (rect))
    return;
  for (int y = rect->y0; y < rect->y1; y++)
    {
      gsize offset = ((gsize) y * input->width + rect->x0) * input->pixel_bytes;
      memcpy (dst + offset, src + offset, row_bytes);
    }
}

gboolean
saliency_resolve_target (BitlensModel  *model,
                         int            target,
                         int           *resolved,
                         GError       **error)
{
  const BitlensTensor *output = bitlens_model_get_tensor (model, bitlens_model_get_output (model, 0));
  gint64 index = target < 0 ? (gint64) bitlens_model_get_person_index (model) : target;

  if (index >= (gint64) output->n_elements)
    {
      g_autofree char *shape = bitlens_tensor_format_shape (output);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_INPUT_INVALID,
                   _("target %" PRId64 " is outside output 0 %s"), index, shape);
      return FALSE;
    }
  *resolved = (int) index;
  return TRUE;
}

double
saliency_score (BitlensInterpreter *interpreter,
                int                 target)
{
  return bitlens_interpreter_get_score (interpreter, (gsize) target);
}

GBytes *
bitlens_saliency_input_from_image (BitlensModel        *model,
                                   const BitlensImage  *image,
                                   GError             **error)
{
  SaliencyInput input;
  g_autofree guint8 *bytes = NULL;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (image != NULL, NULL);

  if (!saliency_input_init (model, &input, error))
    return NULL;
  bytes = g_malloc (MAX (input.tensor->n_bytes, 1));
  if (!bitlens_image_to_input (image, input.tensor, bytes, error))
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&bytes), input.tensor->n_bytes);
}

static guint8
element_to_pixel (const SaliencyInput *input,
                  const guint8        *data,
                  gsize                index)
{
  double v = element_get (input, data, index);

  switch (input->tensor->type)
    {
    case BITLENS_TYPE_INT8: return (guint8) (v + 128);
    case BITLENS_TYPE_UINT8: return (guint8) v;
    case BITLENS_TYPE_FLOAT32:
      v = isfinite (v) ? round (v * 255.0) : 0;
      return (guint8) CLAMP (v, 0, 255);
    default: g_assert_not_reached ();
    }
}

BitlensImage *
bitlens_saliency_input_to_image (BitlensModel  *model,
                                 GBytes        *input_bytes,
                                 GError       **error)
{
  SaliencyInput input;
  BitlensImage *image;
  const guint8 *data;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (input_bytes != NULL, NULL);

  if (!saliency_input_init (model, &input, error) ||
      !saliency_input_check_bytes (&input, input_bytes, error))
    return NULL;
  data = g_bytes_get_data (input_bytes, NULL);
  image = bitlens_image_new (input.width, input.height);
  for (gsize p = 0; p < (gsize) input.width * input.height; p++)
    for (int c = 0; c < 3; c++)
      {
        int channel = input.channels == 3 ? c : 0;
        image->pixels[p * 3 + c] = element_to_pixel (&input, data, p * input.channels + channel);
      }
  return image;
}
