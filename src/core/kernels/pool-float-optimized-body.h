/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The vector code of the float32 AVERAGE_POOL_2D and MAX_POOL_2D twins, included by
 * pool-float-optimized.c once per vector width (no include guard), with
 * these defined:
 *   VEC        the vector type (BitlensF32x4 or BitlensF32x8)
 *   VEC_LANES  its number of floats
 *   VEC_NAME   (name) -> the name of this width's copy of a function */

static inline __attribute__((always_inline)) void
VEC_NAME (pool_float_pixel) (const BitlensPoolParams *params,
                             const float             *input,
                             float                   *output,
                             int                      b,
                             int                      out_y,
                             int                      out_x,
                             const PoolKind           kind)
{
  const BitlensWindow *w = &params->window;
  int in_y_origin, in_x_origin, fy0, fy1, fx0, fx1;
  float *out = output + (((gsize) b * w->out_h + out_y) * w->out_w + out_x) * w->in_c;
  const float *origin;
  float count = 0.0f;
  int c = 0;

  bitlens_pool_clip_window (w, out_y, out_x, &in_y_origin, &in_x_origin, &fy0, &fy1, &fx0, &fx1);
  origin = input + (((gsize) b * w->in_h + in_y_origin) * w->in_w + in_x_origin) * w->in_c;
  for (int fy = fy0; fy < fy1; fy++)
    for (int fx = fx0; fx < fx1; fx++)
      count += 1.0f;

  for (; c + VEC_LANES <= w->in_c; c += VEC_LANES)
    {
      VEC acc = BITLENS_VEC_SPLAT (VEC, kind == POOL_MAX ? -FLT_MAX : 0.0f);

      for (int fy = fy0; fy < fy1; fy++)
        for (int fx = fx0; fx < fx1; fx++)
          {
            VEC value = BITLENS_VEC_LOAD (VEC, origin + ((gsize) fy * w->in_w + fx) * w->in_c + c);

            if (kind == POOL_MAX)
              acc = BITLENS_VEC_SELECT (acc < value, value, acc);
            else
              acc += value;
          }
      if (kind == POOL_AVERAGE)
        acc = acc / count;
      BITLENS_VEC_STORE (out + c, BITLENS_VEC_CLAMP (acc, BITLENS_VEC_SPLAT (VEC, params->act_min_f),
                                                         BITLENS_VEC_SPLAT (VEC, params->act_max_f)));
    }
  for (; c < w->in_c; c++)
    {
      float acc = kind == POOL_MAX ? -FLT_MAX : 0.0f;

      for (int fy = fy0; fy < fy1; fy++)
        for (int fx = fx0; fx < fx1; fx++)
          {
            float value = origin[((gsize) fy * w->in_w + fx) * w->in_c + c];

            if (kind == POOL_MAX)
              acc = acc < value ? value : acc;
            else
              acc += value;
          }
      if (kind == POOL_AVERAGE)
        acc = acc / count;
      out[c] = bitlens_clamp_float (acc, params->act_min_f, params->act_max_f);
    }
}

static inline __attribute__((always_inline)) void
VEC_NAME (pool_float_region) (const BitlensKernelCall *call,
                              const PoolKind           kind)
{
  const BitlensPoolParams *params = call->op->prepared;
  const BitlensRegion *region = &call->region;

  for (int b = 0; b < params->window.batches; b++)
    for (int out_y = region->y0; out_y < region->y1; out_y++)
      for (int out_x = region->x0; out_x < region->x1; out_x++)
        VEC_NAME (pool_float_pixel) (params, call->inputs[0], call->outputs[0], b, out_y, out_x, kind);
}
