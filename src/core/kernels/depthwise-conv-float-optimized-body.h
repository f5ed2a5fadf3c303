/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The vector code of the float32 DEPTHWISE_CONV_2D twin, included by
 * depthwise-conv-float-optimized.c once per vector width (no include guard), with these
 * defined:
 *   VEC        the vector type (BitlensF32x4 or BitlensF32x8)
 *   VEC_MASK   the integer vector of the same lanes (BitlensI32x4 or BitlensI32x8)
 *   VEC_LANES  its number of floats
 *   VEC_NAME   (name) -> the name of this width's copy of a function
 * Each block of BLOCK output channels is VEC_PER_BLOCK vectors. */

#define VEC_PER_BLOCK (BLOCK / VEC_LANES)

/* Output pixels (b, out_y, out_x + p), p < n_pixels, of the current block, over the
 * filter rows [fy0, fy1) and columns [fx0, fx1), inside the input for all of them.
 * n_pixels, n_vectors and lanes are constants after inlining. */
static inline __attribute__((always_inline)) void
VEC_NAME (depthwise_float_pixels) (const DepthwiseFloatBlock *k,
                                   int                        b,
                                   int                        out_y,
                                   int                        out_x,
                                   int                        fy0,
                                   int                        fy1,
                                   int                        fx0,
                                   int                        fx1,
                                   const int                  n_pixels,
                                   const int                  n_vectors,
                                   const LaneInputs           lanes)
{
  const BitlensWindow *w = &k->params->window;
  int in_c = w->in_c;
  int in_y0 = out_y * w->stride_h - w->pad_top + w->dilation_h * fy0;
  int in_x0 = out_x * w->stride_w - w->pad_left + w->dilation_w * fx0;
  gsize x_row_step = (gsize) w->dilation_h * w->in_w * in_c;
  gsize x_tap_step = (gsize) w->dilation_w * in_c;
  gsize x_pixel_step = (gsize) w->stride_w * in_c;
  const float *x_origin = k->input + (((gsize) b * w->in_h + in_y0) * w->in_w + in_x0) * in_c;
  VEC acc[MAX_TILE][VEC_PER_BLOCK];
  VEC bias[VEC_PER_BLOCK];
  VEC_MASK second_lanes[VEC_PER_BLOCK];
  VEC low = BITLENS_VEC_SPLAT (VEC, k->params->act_min);
  VEC high = BITLENS_VEC_SPLAT (VEC, k->params->act_max);

#pragma GCC unroll 12
  for (int p = 0; p < n_pixels; p++)
#pragma GCC unroll 4
    for (int v = 0; v < n_vectors; v++)
      acc[p][v] = (VEC) { 0 };
#pragma GCC unroll 4
  for (int v = 0; v < n_vectors; v++)
    memcpy (&second_lanes[v], k->second_lanes + v * VEC_LANES, sizeof second_lanes[v]);

  for (int fy = fy0; fy < fy1; fy++)
    {
      const float *x_row = x_origin + (gsize) (fy - fy0) * x_row_step;
      const float *weights = k->weights + ((gsize) fy * w->filter_w + fx0) * BLOCK;

      for (int fx = fx0; fx < fx1; fx++, weights += BLOCK)
        {
          const float *x_tap = x_row + (gsize) (fx - fx0) * x_tap_step;
          VEC weight[VEC_PER_BLOCK];

#pragma GCC unroll 4
          for (int v = 0; v < n_vectors; v++)
            weight[v] = BITLENS_VEC_LOAD (VEC, weights + v * VEC_LANES);
#pragma GCC unroll 12
          for (int p = 0; p < n_pixels; p++)
            {
              const float *x = x_tap + p * x_pixel_step;

#pragma GCC unroll 4
              for (int v = 0; v < n_vectors; v++)
                {
                  if (lanes == LANES_CONTIGUOUS)
                    acc[p][v] += BITLENS_VEC_LOAD (VEC, x + k->c0 + v * VEC_LANES) * weight[v];
                  else if (lanes == LANES_BROADCAST)
                    acc[p][v] += weight[v] * x[k->first[v]];
                  else if (lanes == LANES_TWO_CHANNELS)
                    acc[p][v] += BITLENS_VEC_SELECT (second_lanes[v], BITLENS_VEC_SPLAT (VEC, x[k->second[v]]),
                                                       BITLENS_VEC_SPLAT (VEC, x[k->first[v]])) * weight[v];
                  else
                    {
                      /* Built in registers (a store of 8 floats then a vector load
                       * would stall store forwarding). */
                      const int *g = k->gather + v * VEC_LANES;
#if VEC_LANES == 8
                      VEC gathered = { x[g[0]], x[g[1]], x[g[2]], x[g[3]],
                                       x[g[4]], x[g[5]], x[g[6]], x[g[7]] };
#else
                      VEC gathered = { x[g[0]], x[g[1]], x[g[2]], x[g[3]] };
#endif

                      acc[p][v] += gathered * weight[v];
                    }
                }
            }
        }
    }

#pragma GCC unroll 4
  for (int v = 0; v < n_vectors; v++)
    bias[v] = BITLENS_VEC_LOAD (VEC, k->bias + v * VEC_LANES);
#pragma GCC unroll 12
  for (int p = 0; p < n_pixels; p++)
    {
      float *out = k->output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x + p) * w->out_c + k->c0;

#pragma GCC unroll 4
      for (int v = 0; v < n_vectors; v++)
        {
          VEC value = BITLENS_VEC_CLAMP (acc[p][v] + bias[v], low, high);
          int n = MIN (k->n - v * VEC_LANES, VEC_LANES);

          if (n == VEC_LANES)
            BITLENS_VEC_STORE (out + v * VEC_LANES, value);
          else if (n > 0)
            BITLENS_VEC_STORE_PARTIAL (out + v * VEC_LANES, value, n);
        }
    }
}

/* One output row of the current block: tiles where the whole filter width is inside the
 * input, single pixels elsewhere. */
static inline __attribute__((always_inline)) void
VEC_NAME (depthwise_float_row) (const DepthwiseFloatBlock *k,
                                const BitlensRegion       *region,
                                int                        b,
                                int                        out_y,
                                const int                  tile,
                                const int                  n_vectors,
                                const LaneInputs           lanes)
{
  const BitlensWindow *w = &k->params->window;
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
              VEC_NAME (depthwise_float_pixels) (k, b, out_y, out_x, fy0, fy1, 0, w->filter_w, tile, n_vectors, lanes);
              out_x += tile;
              continue;
            }
        }
      valid_taps (out_x * w->stride_w - w->pad_left, w->dilation_w, w->filter_w, w->in_w,
                  &first_fx0, &first_fx1);
      VEC_NAME (depthwise_float_pixels) (k, b, out_y, out_x, fy0, fy1, first_fx0, first_fx1, 1, n_vectors, lanes);
      out_x++;
    }
}

static inline __attribute__((always_inline)) void
VEC_NAME (depthwise_float_rows) (const DepthwiseFloatBlock *k,
                                 const BitlensRegion       *region,
                                 const int                  tile,
                                 const int                  n_vectors,
                                 const LaneInputs           lanes)
{
  for (int b = 0; b < k->params->window.batches; b++)
    for (int out_y = region->y0; out_y < region->y1; out_y++)
      VEC_NAME (depthwise_float_row) (k, region, b, out_y, tile, n_vectors, lanes);
}

static inline __attribute__((always_inline)) void
VEC_NAME (depthwise_float_region) (const BitlensKernelCall *call,
                                   const int                tile_2,
                                   const int                tile_1)
{
  const BitlensDepthwiseParams *params = call->op->prepared;
  const BitlensWindow *w = &params->window;
  const float *bias = params->has_bias ? call->inputs[2] : NULL;
  gsize n_taps = (gsize) w->filter_h * w->filter_w;
  DepthwiseFloatBlock k = { .params = params, .input = call->inputs[0], .output = call->outputs[0] };

  for (int block = 0; block < params->packed_float_blocks; block++)
    {
      int n_vectors;
      LaneInputs lanes;

      k.c0 = block * BLOCK;
      k.n = MIN (BLOCK, w->out_c - k.c0);
      k.weights = params->packed_filter_float + (gsize) block * n_taps * BLOCK;
      memset (k.bias, 0, sizeof k.bias);
      if (bias != NULL)
        memcpy (k.bias, bias + k.c0, sizeof (float) * k.n);
      n_vectors = k.n > BLOCK / 2 ? VEC_PER_BLOCK : VEC_PER_BLOCK / 2;
      lanes = block_lane_inputs (&k, n_vectors, VEC_LANES);

      /* Two channels need two more registers for the lane masks: smaller tiles. */
      if (n_vectors == VEC_PER_BLOCK)
        {
          if (lanes == LANES_CONTIGUOUS)
            VEC_NAME (depthwise_float_rows) (&k, &call->region, tile_2, VEC_PER_BLOCK, LANES_CONTIGUOUS);
          else if (lanes == LANES_BROADCAST)
            VEC_NAME (depthwise_float_rows) (&k, &call->region, tile_2, VEC_PER_BLOCK, LANES_BROADCAST);
          else if (lanes == LANES_TWO_CHANNELS)
            VEC_NAME (depthwise_float_rows) (&k, &call->region, MAX (tile_2 - 2, 1), VEC_PER_BLOCK, LANES_TWO_CHANNELS);
          else
            VEC_NAME (depthwise_float_rows) (&k, &call->region, tile_2, VEC_PER_BLOCK, LANES_GATHER);
        }
      else
        {
          if (lanes == LANES_CONTIGUOUS)
            VEC_NAME (depthwise_float_rows) (&k, &call->region, tile_1, VEC_PER_BLOCK / 2, LANES_CONTIGUOUS);
          else if (lanes == LANES_BROADCAST)
            VEC_NAME (depthwise_float_rows) (&k, &call->region, tile_1, VEC_PER_BLOCK / 2, LANES_BROADCAST);
          else if (lanes == LANES_TWO_CHANNELS)
            VEC_NAME (depthwise_float_rows) (&k, &call->region, MAX (tile_1 - 2, 1), VEC_PER_BLOCK / 2, LANES_TWO_CHANNELS);
          else
            VEC_NAME (depthwise_float_rows) (&k, &call->region, tile_1, VEC_PER_BLOCK / 2, LANES_GATHER);
        }
    }
}

#undef VEC_PER_BLOCK
