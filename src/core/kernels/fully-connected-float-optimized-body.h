/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The vector code of the float32 FULLY_CONNECTED twin, included by
 * fully-connected-float-optimized.c once per vector width (no include guard), with
 * these defined:
 *   VEC        the vector type (BitlensF32x4 or BitlensF32x8)
 *   VEC_LANES  its number of floats
 *   VEC_NAME   (name) -> the name of this width's copy of a function */

/* Units [u0, u0 + VEC_LANES * n_vectors) of one input row; n_vectors is a constant after
 * inlining. */
static inline __attribute__((always_inline)) void
VEC_NAME (fully_connected_float_tile) (const BitlensFullyConnectedParams *params,
                                       const float                       *x,
                                       const float                       *bias,
                                       float                             *out,
                                       int                                u0,
                                       const int                          n_vectors)
{
  const float *weights = params->packed_weights_float + u0;
  VEC acc[MAX_TILE];
  VEC low = BITLENS_VEC_SPLAT (VEC, params->act_min);
  VEC high = BITLENS_VEC_SPLAT (VEC, params->act_max);

#pragma GCC unroll 12
  for (int v = 0; v < n_vectors; v++)
    acc[v] = (VEC) { 0 };
  for (int d = 0; d < params->input_size; d++, weights += params->packed_units)
    {
      float value = x[d];

#pragma GCC unroll 12
      for (int v = 0; v < n_vectors; v++)
        acc[v] += value * BITLENS_VEC_LOAD (VEC, weights + v * VEC_LANES);
    }

#pragma GCC unroll 12
  for (int v = 0; v < n_vectors; v++)
    {
      int first = u0 + v * VEC_LANES;
      int n = MIN (params->units - first, VEC_LANES);
      VEC bias_values = { 0 };
      VEC result;

      /* With 4 lanes, the last vector of the packed units may hold padding only. */
      if (n <= 0)
        break;
      if (bias != NULL)
        bias_values = BITLENS_VEC_LOAD_PARTIAL (VEC, bias + first, n);
      result = BITLENS_VEC_CLAMP (acc[v] + bias_values, low, high);
      if (n == VEC_LANES)
        BITLENS_VEC_STORE (out + first, result);
      else
        BITLENS_VEC_STORE_PARTIAL (out + first, result, n);
    }
}

static inline __attribute__((always_inline)) void
VEC_NAME (fully_connected_float) (const BitlensKernelCall *call,
                                  const int                tile)
{
  const BitlensFullyConnectedParams *params = call->op->prepared;
  const float *input = call->inputs[0];
  const float *bias = params->has_bias ? call->inputs[2] : NULL;
  float *output = call->outputs[0];

  for (int b = 0; b < params->batches; b++)
    {
      const float *x = input + (gsize) b * params->input_size;
      float *out = output + (gsize) b * params->units;
      int u0 = 0;

      for (; u0 + tile * VEC_LANES <= params->packed_units; u0 += tile * VEC_LANES)
        VEC_NAME (fully_connected_float_tile) (params, x, bias, out, u0, tile);
      for (; u0 < params->packed_units; u0 += VEC_LANES)
        VEC_NAME (fully_connected_float_tile) (params, x, bias, out, u0, 1);
    }
}
