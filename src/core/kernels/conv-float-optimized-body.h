/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The vector code of the float32 CONV_2D twin, included by conv-float-optimized.c once per
 * vector width (no include guard), with these defined:
 *   VEC        the vector type (BitlensF32x4 or BitlensF32x8)
 *   VEC_LANES  its number of floats
 *   VEC_NAME   (name) -> the name of this width's copy of a function
 * Each block of BLOCK output channels is VEC_PER_BLOCK vectors. */

#define VEC_PER_BLOCK (BLOCK / VEC_LANES)

/* Output pixels (b, out_y, out_x + p), p < n_pixels, channels [c0, c0 + n) (n <= 8 when
 * n_vectors is half a block), over the filter rows [fy0, fy1) and columns [fx0, fx1), which must be
 * inside the input for every one of the pixels (out_x may run past the row's end for
 * pointwise convolutions, see below). n_pixels and n_vectors are constants after
 * inlining. */
static inline __attribute__((always_inline)) void
VEC_NAME (conv_float_pixels) (const ConvFloatCall *c,
                              int                  b,
                              int                  out_y,
                              int                  out_x,
                              int                  fy0,
                              int                  fy1,
                              int                  fx0,
                              int                  fx1,
                              const int            n_pixels,
                              const int            n_vectors)
{
  const BitlensWindow *w = &c->params->window;
  int in_c = w->in_c;
  int in_y0 = out_y * w->stride_h - w->pad_top + w->dilation_h * fy0;
  int in_x0 = out_x * w->stride_w - w->pad_left + w->dilation_w * fx0;
  gsize x_row_step = (gsize) w->dilation_h * w->in_w * in_c;
  gsize x_pixel_step = (gsize) w->stride_w * in_c;
  gsize x_run_step = (gsize) w->dilation_w * in_c;
  gsize w_row_step = (gsize) w->filter_w * in_c * BLOCK;
  int n_runs = w->dilation_w == 1 ? 1 : fx1 - fx0;
  int run_length = w->dilation_w == 1 ? (fx1 - fx0) * in_c : in_c;
  const float *x_origin = c->input + (((gsize) b * w->in_h + in_y0) * w->in_w + in_x0) * in_c;
  const float *w_origin = c->block_weights + ((gsize) fy0 * w->filter_w + fx0) * in_c * BLOCK;
  VEC acc[MAX_TILE][VEC_PER_BLOCK];
  VEC bias[VEC_PER_BLOCK];
  VEC low = BITLENS_VEC_SPLAT (VEC, c->params->act_min);
  VEC high = BITLENS_VEC_SPLAT (VEC, c->params->act_max);

#pragma GCC unroll 12
  for (int p = 0; p < n_pixels; p++)
#pragma GCC unroll 4
    for (int v = 0; v < n_vectors; v++)
      acc[p][v] = (VEC) { 0 };

  for (int row = 0; row < fy1 - fy0; row++)
    {
      const float *weights = w_origin + row * w_row_step;

      for (int run = 0; run < n_runs; run++)
        {
          const float *x = x_origin + row * x_row_step + run * x_run_step;

          for (int i = 0; i < run_length; i++, weights += BLOCK)
            {
              VEC weight[VEC_PER_BLOCK];

#pragma GCC unroll 4
              for (int v = 0; v < n_vectors; v++)
                weight[v] = BITLENS_VEC_LOAD (VEC, weights + v * VEC_LANES);
#pragma GCC unroll 12
              for (int p = 0; p < n_pixels; p++)
                {
                  float value = x[p * x_pixel_step + i];

#pragma GCC unroll 4
                  for (int v = 0; v < n_vectors; v++)
                    acc[p][v] += weight[v] * value;
                }
            }
        }
    }

#pragma GCC unroll 4
  for (int v = 0; v < n_vectors; v++)
    bias[v] = BITLENS_VEC_LOAD (VEC, c->bias + v * VEC_LANES);
#pragma GCC unroll 12
  for (int p = 0; p < n_pixels; p++)
    {
      float *out = c->output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x + p) * w->out_c + c->c0;

#pragma GCC unroll 4
      for (int v = 0; v < n_vectors; v++)
        {
          VEC value = BITLENS_VEC_CLAMP (acc[p][v] + bias[v], low, high);
          int n = MIN (c->n - v * VEC_LANES, VEC_LANES);

          if (n == VEC_LANES)
            BITLENS_VEC_STORE (out + v * VEC_LANES, value);
          else if (n > 0)
            BITLENS_VEC_STORE_PARTIAL (out + v * VEC_LANES, value, n);
        }
    }
}

/* One output row of the current block: tiles of @tile pixels where the whole filter
 * width is inside the input, single pixels elsewhere. */
static inline __attribute__((always_inline)) void
VEC_NAME (conv_float_row) (const ConvFloatCall *c,
                           const BitlensRegion *region,
                           int                  b,
                           int                  out_y,
                           const int            tile,
                           const int            n_vectors)
{
  const BitlensWindow *w = &c->params->window;
  int fy0, fy1;
  int out_x = region->x0;

  valid_taps (out_y * w->stride_h - w->pad_top, w->dilation_h, w->filter_h, w->in_h, &fy0, &fy1);
  while (out_x < region->x1)
    {
      int first_fx0, first_fx1, last_fx0, last_fx1;

      if (out_x + tile <= region->x1)
        {
          valid_taps (out_x * w->stride_w - w->pad_left, w->dilation_w, w->filter_w, w->in_w,
                      &first_fx0, &first_fx1);
          valid_taps ((out_x + tile - 1) * w->stride_w - w->pad_left, w->dilation_w, w->filter_w,
                      w->in_w, &last_fx0, &last_fx1);
          /* The pixels in between lie between these two, so inside too. */
          if (first_fx0 == 0 && first_fx1 == w->filter_w && last_fx0 == 0 && last_fx1 == w->filter_w)
            {
              VEC_NAME (conv_float_pixels) (c, b, out_y, out_x, fy0, fy1, 0, w->filter_w, tile, n_vectors);
              out_x += tile;
              continue;
            }
        }
      valid_taps (out_x * w->stride_w - w->pad_left, w->dilation_w, w->filter_w, w->in_w,
                  &first_fx0, &first_fx1);
      VEC_NAME (conv_float_pixels) (c, b, out_y, out_x, fy0, fy1, first_fx0, first_fx1, 1, n_vectors);
      out_x++;
    }
}

/* A pointwise convolution (1x1, stride 1, no padding) over whole rows: output pixel i of
 * the rows [y0, y1) reads input pixel i of the same rows, so the rows are one long row
 * and tiles run across row ends. */
static inline __attribute__((always_inline)) void
VEC_NAME (conv_float_pointwise_rows) (const ConvFloatCall *c,
                                      const BitlensRegion *region,
                                      int                  b,
                                      const int            tile,
                                      const int            n_vectors)
{
  int n_pixels = (region->y1 - region->y0) * c->params->window.out_w;
  int i = 0;

  for (; i + tile <= n_pixels; i += tile)
    VEC_NAME (conv_float_pixels) (c, b, region->y0, i, 0, 1, 0, 1, tile, n_vectors);
  for (; i < n_pixels; i++)
    VEC_NAME (conv_float_pixels) (c, b, region->y0, i, 0, 1, 0, 1, 1, n_vectors);
}

static inline __attribute__((always_inline)) void
VEC_NAME (conv_float_region) (const BitlensKernelCall *call,
                              const int                tile_2,
                              const int                tile_1)
{
  const BitlensConvParams *params = call->op->prepared;
  const BitlensWindow *w = &params->window;
  const float *bias = params->has_bias ? call->inputs[2] : NULL;
  gsize depth = (gsize) w->filter_h * w->filter_w * w->in_c;
  gboolean pointwise = is_pointwise_over_whole_rows (w, &call->region);
  ConvFloatCall c = { .params = params, .input = call->inputs[0], .output = call->outputs[0] };

  for (int block = 0; block < params->packed_float_blocks; block++)
    {
      c.c0 = block * BLOCK;
      c.n = MIN (BLOCK, w->out_c - c.c0);
      c.block_weights = params->packed_filter_float + (gsize) block * depth * BLOCK;
      memset (c.bias, 0, sizeof c.bias);
      if (bias != NULL)
        memcpy (c.bias, bias + c.c0, sizeof (float) * c.n);

      for (int b = 0; b < w->batches; b++)
        if (pointwise)
          {
            if (c.n > BLOCK / 2)
              VEC_NAME (conv_float_pointwise_rows) (&c, &call->region, b, tile_2, VEC_PER_BLOCK);
            else
              VEC_NAME (conv_float_pointwise_rows) (&c, &call->region, b, tile_1, VEC_PER_BLOCK / 2);
          }
        else
          for (int out_y = call->region.y0; out_y < call->region.y1; out_y++)
            {
              if (c.n > BLOCK / 2)
                VEC_NAME (conv_float_row) (&c, &call->region, b, out_y, tile_2, VEC_PER_BLOCK);
              else
                VEC_NAME (conv_float_row) (&c, &call->region, b, out_y, tile_1, VEC_PER_BLOCK / 2);
            }
    }
}

#undef VEC_PER_BLOCK
