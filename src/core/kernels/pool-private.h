/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kernel-prepare-util.h"

G_BEGIN_DECLS

/* AVERAGE_POOL_2D and MAX_POOL_2D, shared by the reference kernels (pool.c) and the
 * float32 twins (pool-float-optimized.c). */
typedef struct
{
  BitlensTensorType type;
  BitlensWindow     window;
  gint32            act_min, act_max;      /* int8, in output units */
  float             act_min_f, act_max_f;  /* float32 */
} BitlensPoolParams;

/* The window of output pixel (out_y, out_x) clipped to the input: filter rows
 * [*fy0, *fy1) and columns [*fx0, *fx1), and the input position of filter tap (0, 0). */
static inline void
bitlens_pool_clip_window (const BitlensWindow *w,
                          int                  out_y,
                          int                  out_x,
                          int                 *in_y_origin,
                          int                 *in_x_origin,
                          int                 *fy0,
                          int                 *fy1,
                          int                 *fx0,
                          int                 *fx1)
{
  *in_y_origin = out_y * w->stride_h - w->pad_top;
  *in_x_origin = out_x * w->stride_w - w->pad_left;
  *fy0 = MAX (0, -*in_y_origin);
  *fy1 = MIN (w->filter_h, w->in_h - *in_y_origin);
  *fx0 = MAX (0, -*in_x_origin);
  *fx1 = MIN (w->filter_w, w->in_w - *in_x_origin);
}

void bitlens_average_pool_2d_eval_float_optimized (const BitlensKernelCall *call);
void bitlens_max_pool_2d_eval_float_optimized     (const BitlensKernelCall *call);

G_END_DECLS
