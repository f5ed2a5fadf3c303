/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "bitlens-interpreter-private.h"
#include "kernels/quantization-math.h"
#include "saliency-private.h"

/* Incremental occlusion (the idea of Krypton, Nakandala et al. 2019): an occluded input
 * differs from the original only inside the window, so each op needs to be re-run only
 * over the part of its output that the changed part of its inputs can reach (the
 * growing projective field); everything else keeps the activations of one clean run.
 *
 * Invariant: at the start of every window, every tensor of a worker's interpreter equals
 * the clean run's. During a window each tensor has a "dirty" rectangle outside which it
 * still equals the clean run. For each op in order, the dirty rectangles of its inputs
 * are mapped through the op's dependency geometry to an output rectangle; the op is run
 * over it (ops whose kernels are not spatial run whole); then the recomputed rectangle
 * is compared with the clean activations and the output's dirty rectangle shrinks to the
 * bounding box of what really changed (often nothing, behind binarization or
 * saturation, and then propagation stops). After the score is read, the dirty
 * rectangles are copied back from the clean run. Every element that is recomputed is
 * computed by the same kernel from the same input values as in a full run, so scores
 * are bit-identical to the naive method. */

struct _SaliencyIncremental
{
  BitlensModel        *model;
  SaliencyInput        input;
  const guint8        *baseline;        /* borrowed whole baseline tensor */
  int                  target;
  BitlensInterpreter  *clean;
  double               clean_score;
  /* Per op: the dependency of each input slot (offsets into `dependencies`). */
  guint               *first_dependency;
  SaliencyDependency  *dependencies;
  gboolean            *spatial;
  SaliencyPointwiseDelta **deltas;      /* per op, NULL where it does not apply */
};

struct _SaliencyIncrementalWorker
{
  SaliencyIncremental *incremental;
  BitlensInterpreter  *interpreter;
  BitlensRegion       *dirty;           /* per tensor */
  GArray              *dirty_tensors;   /* int: tensors whose dirty rectangle is set */
  SaliencyDeltaScratch *delta_scratch;
  BitlensOcclusionOpCost *costs;        /* borrowed, NULL unless profiling */
};

/* A tensor seen as [batches, height, width, pixel]: rank-4 tensors by their shape, any
 * other tensor as one pixel holding everything. */
typedef struct
{
  int   batches;
  int   height;
  int   width;
  gsize pixel_bytes;
} TensorGeometry;

static void
tensor_geometry (const BitlensTensor *tensor,
                 TensorGeometry      *geometry)
{
  if (tensor->rank == 4 && tensor->n_elements > 0)
    {
      geometry->batches = tensor->shape[0];
      geometry->height = tensor->shape[1];
      geometry->width = tensor->shape[2];
      geometry->pixel_bytes = (gsize) tensor->shape[3] * bitlens_tensor_type_size (tensor->type);
    }
  else
    {
      geometry->batches = 1;
      geometry->height = 1;
      geometry->width = 1;
      geometry->pixel_bytes = tensor->n_bytes;
    }
}

static BitlensRegion
geometry_full (const TensorGeometry *geometry)
{
  return (BitlensRegion) { 0, geometry->height, 0, geometry->width };
}

/* floor (a / b) for b > 0 */
static int
floor_div (int a,
           int b)
{
  int q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int
ceil_div (int a,
          int b)
{
  return -floor_div (-a, b);
}

static gboolean
tensor_is_spatial (const BitlensTensor *tensor)
{
  return tensor != NULL && tensor->rank == 4;
}

static void
dependency_window (const BitlensTensor *in,
                   const BitlensTensor *out,
                   int                  kernel_h,
                   int                  kernel_w,
                   const BitlensOpOptions *options,
                   gboolean             use_dilation,
                   SaliencyDependency  *dependency)
{
  int out_size;

  dependency->kind = SALIENCY_DEPENDENCY_WINDOW;
  dependency->kernel_h = MAX (kernel_h, 1);
  dependency->kernel_w = MAX (kernel_w, 1);
  dependency->stride_h = MAX (options->stride_h, 1);
  dependency->stride_w = MAX (options->stride_w, 1);
  dependency->dilation_h = use_dilation ? MAX (options->dilation_h, 1) : 1;
  dependency->dilation_w = use_dilation ? MAX (options->dilation_w, 1) : 1;
  if (!bitlens_compute_padding (options->padding, in->shape[1], dependency->kernel_h, dependency->stride_h,
                                dependency->dilation_h, &out_size, &dependency->pad_top) ||
      !bitlens_compute_padding (options->padding, in->shape[2], dependency->kernel_w, dependency->stride_w,
                                dependency->dilation_w, &out_size, &dependency->pad_left))
    dependency->kind = SALIENCY_DEPENDENCY_FULL;
}

/* The leading pads of a PAD op along H and W, from its constant paddings [rank, 2]. */
static gboolean
read_leading_pads (const BitlensTensor *paddings,
                   int                 *pad_top,
                   int                 *pad_left)
{
  gint64 values[8];

  if (paddings == NULL || paddings->data == NULL || paddings->n_elements != 8)
    return FALSE;
  for (int i = 0; i < 8; i++)
    {
      if (paddings->type == BITLENS_TYPE_INT32)
        {
          gint32 v;
          memcpy (&v, paddings->data + 4 * i, 4);
          values[i] = v;
        }
      else if (paddings->type == BITLENS_TYPE_INT64)
        memcpy (&values[i], paddings->data + 8 * i, 8);
      else
        return FALSE;
    }
  if (values[2] < 0 || values[2] > G_MAXINT / 2 || values[4] < 0 || values[4] > G_MAXINT / 2)
    return FALSE;
  *pad_top = (int) values[2];
  *pad_left = (int) values[4];
  return TRUE;
}

void
saliency_dependency_init (const BitlensModel *model,
                          guint               op_index,
                          int                 slot,
                          SaliencyDependency *dependency)
{
  const BitlensOp *op = bitlens_model_get_op (model, op_index);
  const BitlensTensor *in = bitlens_op_input (model, op, slot);
  const BitlensTensor *out = bitlens_op_output (model, op, 0);
  const BitlensTensor *filter;
  int axis;

  memset (dependency, 0, sizeof *dependency);
  dependency->kind = SALIENCY_DEPENDENCY_FULL;
  if (!tensor_is_spatial (in) || !tensor_is_spatial (out))
    return;
  dependency->in_h = in->shape[1];
  dependency->in_w = in->shape[2];
  dependency->out_h = out->shape[1];
  dependency->out_w = out->shape[2];

  switch (op->kind)
    {
    case BITLENS_OP_CONV_2D:
    case BITLENS_OP_DEPTHWISE_CONV_2D:
    case BITLENS_OP_LCE_BCONV2D:
      /* Filters are [O, Kh, Kw, I] (depthwise [1, Kh, Kw, C]); only the activation
       * input moves the window, other inputs reach everything. */
      filter = bitlens_op_input (model, op, 1);
      if (slot == 0 && filter != NULL && filter->rank == 4)
        dependency_window (in, out, filter->shape[1], filter->shape[2], &op->options, TRUE, dependency);
      break;

    case BITLENS_OP_AVERAGE_POOL_2D:
    case BITLENS_OP_MAX_POOL_2D:
    case BITLENS_OP_LCE_BMAXPOOL2D:
      if (slot == 0)
        dependency_window (in, out, op->options.filter_h, op->options.filter_w, &op->options, FALSE, dependency);
      break;

    case BITLENS_OP_PAD:
      if (slot == 0 && read_leading_pads (bitlens_op_input (model, op, 1), &dependency->pad_top, &dependency->pad_left))
        dependency->kind = SALIENCY_DEPENDENCY_SHIFT;
      break;

    case BITLENS_OP_CONCATENATION:
      axis = op->options.axis < 0 ? op->options.axis + 4 : op->options.axis;
      if (axis == 3)
        dependency->kind = SALIENCY_DEPENDENCY_POINTWISE;
      break;

    case BITLENS_OP_ADD:
    case BITLENS_OP_MUL:
    case BITLENS_OP_QUANTIZE:
    case BITLENS_OP_DEQUANTIZE:
    case BITLENS_OP_LOGISTIC:
    case BITLENS_OP_SOFTMAX:          /* along the channel axis of a rank-4 tensor */
    case BITLENS_OP_LCE_QUANTIZE:
    case BITLENS_OP_LCE_DEQUANTIZE:
      dependency->kind = SALIENCY_DEPENDENCY_POINTWISE;
      break;

    case BITLENS_OP_FULLY_CONNECTED:
    case BITLENS_OP_RESHAPE:
    case BITLENS_OP_MEAN:
    case BITLENS_OP_N_KINDS:
    default:
      break;
    }
}

void
saliency_dependency_map (const SaliencyDependency *dependency,
                         const BitlensRegion      *in,
                         BitlensRegion            *out)
{
  const SaliencyDependency *d = dependency;

  if (saliency_rect_is_empty (in))
    {
      *out = (BitlensRegion) { 0, 0, 0, 0 };
      return;
    }
  switch (d->kind)
    {
    case SALIENCY_DEPENDENCY_WINDOW:
      /* Output y reads input rows y*s - pad + j*d, j in [0, k): it can see [a, b) when
       * its first tap is below b and its last tap at or after a. */
      out->y0 = ceil_div (in->y0 + d->pad_top - (d->kernel_h - 1) * d->dilation_h, d->stride_h);
      out->y1 = floor_div (in->y1 - 1 + d->pad_top, d->stride_h) + 1;
      out->x0 = ceil_div (in->x0 + d->pad_left - (d->kernel_w - 1) * d->dilation_w, d->stride_w);
      out->x1 = floor_div (in->x1 - 1 + d->pad_left, d->stride_w) + 1;
      break;

    case SALIENCY_DEPENDENCY_SHIFT:
      out->y0 = in->y0 + d->pad_top;
      out->y1 = in->y1 + d->pad_top;
      out->x0 = in->x0 + d->pad_left;
      out->x1 = in->x1 + d->pad_left;
      break;

    case SALIENCY_DEPENDENCY_POINTWISE:
      /* A broadcast axis (input extent 1 against a larger output) reaches all of it. */
      *out = *in;
      if (d->in_h != d->out_h)
        {
          out->y0 = 0;
          out->y1 = d->out_h;
        }
      if (d->in_w != d->out_w)
        {
          out->x0 = 0;
          out->x1 = d->out_w;
        }
      break;

    case SALIENCY_DEPENDENCY_FULL:
    default:
      *out = (BitlensRegion) { 0, G_MAXINT, 0, G_MAXINT };
      break;
    }

  /* FULL leaves the clipping to the caller, who knows the output's geometry. */
  if (d->kind != SALIENCY_DEPENDENCY_FULL)
    {
      out->y0 = MAX (out->y0, 0);
      out->x0 = MAX (out->x0, 0);
      out->y1 = MIN (out->y1, d->out_h);
      out->x1 = MIN (out->x1, d->out_w);
    }
}

static void
copy_tensor_rect (const TensorGeometry *geometry,
                  guint8               *dst,
                  const guint8         *src,
                  const BitlensRegion  *rect)
{
  gsize row_bytes = (gsize) (rect->x1 - rect->x0) * geometry->pixel_bytes;

  for (int b = 0; b < geometry->batches; b++)
    for (int y = rect->y0; y < rect->y1; y++)
      {
        gsize offset = (((gsize) b * geometry->height + y) * geometry->width + rect->x0) * geometry->pixel_bytes;
        memcpy (dst + offset, src + offset, row_bytes);
      }
}

/* Bounding box of the pixels of `rect` where `current` differs from `clean`. */
static void
changed_bounds (const TensorGeometry *geometry,
                const guint8         *current,
                const guint8         *clean,
                const BitlensRegion  *rect,
                BitlensRegion        *changed)
{
  gsize pixel = geometry->pixel_bytes;
  gsize row_bytes = (gsize) (rect->x1 - rect->x0) * pixel;

  *changed = (BitlensRegion) { 0, 0, 0, 0 };
  for (int b = 0; b < geometry->batches; b++)
    for (int y = rect->y0; y < rect->y1; y++)
      {
        gsize row = (((gsize) b * geometry->height + y) * geometry->width) * pixel;
        int first, last;
        BitlensRegion row_rect;

        if (memcmp (current + row + rect->x0 * pixel, clean + row + rect->x0 * pixel, row_bytes) == 0)
          continue;
        first = rect->x0;
        while (memcmp (current + row + first * pixel, clean + row + first * pixel, pixel) == 0)
          first++;
        last = rect->x1 - 1;
        while (memcmp (current + row + last * pixel, clean + row + last * pixel, pixel) == 0)
          last--;
        row_rect = (BitlensRegion) { y, y + 1, first, last + 1 };
        saliency_rect_union (changed, &row_rect);
      }
}

SaliencyIncremental *
saliency_incremental_new (BitlensModel         *model,
                          const SaliencyInput  *input,
                          const guint8         *original,
                          const guint8         *baseline,
                          int                   target,
                          GError              **error)
{
  SaliencyIncremental *self;
  guint n_ops = bitlens_model_get_n_ops (model);
  guint n_dependencies = 0;

  self = g_new0 (SaliencyIncremental, 1);
  self->model = bitlens_model_ref (model);
  self->input = *input;
  self->baseline = baseline;
  self->target = target;

  self->clean = bitlens_interpreter_new (model, BITLENS_INTERPRETER_PRESERVE_ALL, error);
  if (self->clean == NULL)
    {
      saliency_incremental_free (self);
      return NULL;
    }
  memcpy (bitlens_interpreter_get_input_data (self->clean, 0), original, input->tensor->n_bytes);
  bitlens_interpreter_invoke (self->clean);
  self->clean_score = saliency_score (self->clean, target);

  self->first_dependency = g_new0 (guint, n_ops + 1);
  self->spatial = g_new0 (gboolean, MAX (n_ops, 1));
  self->deltas = g_new0 (SaliencyPointwiseDelta *, MAX (n_ops, 1));
  for (guint o = 0; o < n_ops; o++)
    {
      self->first_dependency[o] = n_dependencies;
      n_dependencies += (guint) bitlens_model_get_op (model, o)->n_inputs;
    }
  self->first_dependency[n_ops] = n_dependencies;
  self->dependencies = g_new0 (SaliencyDependency, MAX (n_dependencies, 1));
  for (guint o = 0; o < n_ops; o++)
    {
      const BitlensOp *op = bitlens_model_get_op (model, o);
      const BitlensKernel *kernel = bitlens_kernel_lookup (op->kind);

      self->spatial[o] = kernel != NULL && kernel->spatial;
      if (op->n_inputs > 0 && op->inputs[0] >= 0)
        self->deltas[o] = saliency_pointwise_delta_new (model, o, bitlens_interpreter_get_tensor_data (self->clean,
                                                                                                        op->inputs[0]));
      for (int k = 0; k < op->n_inputs; k++)
        saliency_dependency_init (model, o, k, &self->dependencies[self->first_dependency[o] + k]);
    }
  return self;
}

void
saliency_incremental_free (SaliencyIncremental *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->clean, bitlens_interpreter_free);
  g_free (self->first_dependency);
  g_free (self->dependencies);
  g_free (self->spatial);
  if (self->deltas != NULL)
    for (guint o = 0; o < bitlens_model_get_n_ops (self->model); o++)
      saliency_pointwise_delta_free (self->deltas[o]);
  g_free (self->deltas);
  bitlens_model_unref (self->model);
  g_free (self);
}

double
saliency_incremental_get_clean_score (SaliencyIncremental *self)
{
  return self->clean_score;
}

SaliencyIncrementalWorker *
saliency_incremental_worker_new (SaliencyIncremental  *incremental,
                                 GError              **error)
{
  BitlensModel *model = incremental->model;
  guint n_tensors = bitlens_model_get_n_tensors (model);
  SaliencyIncrementalWorker *self;

  self = g_new0 (SaliencyIncrementalWorker, 1);
  self->incremental = incremental;
  self->interpreter = bitlens_interpreter_new (model, BITLENS_INTERPRETER_PRESERVE_ALL, error);
  if (self->interpreter == NULL)
    {
      g_free (self);
      return NULL;
    }
  self->dirty = g_new0 (BitlensRegion, MAX (n_tensors, 1));
  self->dirty_tensors = g_array_new (FALSE, FALSE, sizeof (int));
  self->delta_scratch = saliency_delta_scratch_new ();

  /* Start from the clean activations. */
  for (guint t = 0; t < n_tensors; t++)
    {
      const BitlensTensor *tensor = bitlens_model_get_tensor (model, t);
      void *dst = bitlens_interpreter_get_tensor_data (self->interpreter, (int) t);
      const void *src = bitlens_interpreter_get_tensor_data (incremental->clean, (int) t);

      if (tensor->data == NULL && dst != NULL && src != NULL)
        memcpy (dst, src, tensor->n_bytes);
    }
  return self;
}

void
saliency_incremental_worker_free (SaliencyIncrementalWorker *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->interpreter, bitlens_interpreter_free);
  g_free (self->dirty);
  g_array_unref (self->dirty_tensors);
  saliency_delta_scratch_free (self->delta_scratch);
  g_free (self);
}

static void
mark_dirty (SaliencyIncrementalWorker *self,
            int                        tensor,
            const BitlensRegion       *rect)
{
  if (saliency_rect_is_empty (rect))
    return;
  self->dirty[tensor] = *rect;
  g_array_append_val (self->dirty_tensors, tensor);
}

/* A pointwise convolution by delta updates when its input is the only dirty one (the
 * filter and bias are constants) and sparse enough; adds the output elements computed
 * to `elements`. */
static gboolean
run_delta (SaliencyIncrementalWorker *self,
           guint                      o,
           const BitlensRegion       *reach,
           guint64                   *elements)
{
  BitlensModel *model = self->incremental->model;
  const BitlensOp *op = bitlens_model_get_op (model, o);
  guint64 n_pixels = 0;

  for (int k = 1; k < op->n_inputs; k++)
    if (op->inputs[k] >= 0 && !saliency_rect_is_empty (&self->dirty[op->inputs[k]]))
      return FALSE;
  if (!saliency_pointwise_delta_run (self->incremental->deltas[o], self->delta_scratch,
                                     bitlens_interpreter_get_tensor_data (self->interpreter, op->inputs[0]),
                                     bitlens_interpreter_get_tensor_data (self->interpreter, op->outputs[0]),
                                     reach, &n_pixels))
    return FALSE;
  *elements += n_pixels * (guint64) bitlens_op_output (model, op, 0)->shape[3];
  return TRUE;
}

/* Runs op `o` if a dirty input reaches its output, and sets its outputs' dirty
 * rectangles to what changed. */
static void
propagate_op (SaliencyIncrementalWorker *self,
              guint                      o)
{
  SaliencyIncremental *incremental = self->incremental;
  BitlensModel *model = incremental->model;
  const BitlensOp *op = bitlens_model_get_op (model, o);
  const BitlensTensor *output = bitlens_op_output (model, op, 0);
  TensorGeometry output_geometry;
  BitlensRegion reach = { 0, 0, 0, 0 };
  BitlensRegion full;
  gboolean reached = FALSE;
  guint64 elements = 0;
  gint64 start = 0;

  for (int k = 0; k < op->n_inputs; k++)
    {
      int t = op->inputs[k];
      BitlensRegion mapped;

      if (t < 0 || saliency_rect_is_empty (&self->dirty[t]))
        continue;
      saliency_dependency_map (&incremental->dependencies[incremental->first_dependency[o] + k],
                               &self->dirty[t], &mapped);
      reached = TRUE;
      saliency_rect_union (&reach, &mapped);
    }
  if (!reached)
    return;

  tensor_geometry (output, &output_geometry);
  full = geometry_full (&output_geometry);
  reach.y0 = MAX (reach.y0, 0);
  reach.x0 = MAX (reach.x0, 0);
  reach.y1 = MIN (reach.y1, full.y1);
  reach.x1 = MIN (reach.x1, full.x1);
  if (saliency_rect_is_empty (&reach))
    return;

  if (self->costs != NULL)
    start = saliency_monotonic_ns ();
  if (incremental->deltas[o] != NULL && run_delta (self, o, &reach, &elements))
    ;
  else if (incremental->spatial[o] && output->rank == 4)
    {
      bitlens_interpreter_run_op (self->interpreter, o, &reach);
      elements = (guint64) (reach.y1 - reach.y0) * (reach.x1 - reach.x0) * output->shape[0] * output->shape[3];
    }
  else
    {
      bitlens_interpreter_run_op (self->interpreter, o, NULL);
      elements = output->n_elements;
    }

  /* Values outside `reach` were recomputed from unchanged inputs (non-spatial kernels)
   * or not touched: only `reach` can differ from the clean run. */
  for (int j = 0; j < op->n_outputs; j++)
    {
      int t = op->outputs[j];
      const BitlensTensor *tensor = bitlens_model_get_tensor (model, t);
      TensorGeometry geometry;
      BitlensRegion compare, changed;

      tensor_geometry (tensor, &geometry);
      compare = (geometry.height == output_geometry.height && geometry.width == output_geometry.width) ?
                reach : geometry_full (&geometry);
      changed_bounds (&geometry, bitlens_interpreter_get_tensor_data (self->interpreter, t),
                      bitlens_interpreter_get_tensor_data (incremental->clean, t), &compare, &changed);
      g_assert (saliency_rect_is_empty (&self->dirty[t]));
      mark_dirty (self, t, &changed);
    }
  if (self->costs != NULL)
    {
      /* The comparison with the clean run is part of the op's cost. */
      self->costs[o].nanoseconds += saliency_monotonic_ns () - start;
      self->costs[o].runs++;
      self->costs[o].elements += elements;
    }
}

double
saliency_incremental_worker_score (SaliencyIncrementalWorker *self,
                                   const BitlensRegion       *rect)
{
  SaliencyIncremental *incremental = self->incremental;
  BitlensModel *model = incremental->model;
  int input_tensor = bitlens_model_get_input (model, 0);
  guint8 *input = bitlens_interpreter_get_input_data (self->interpreter, 0);
  BitlensRegion changed;
  TensorGeometry input_geometry;
  double score;

  /* Occlude, and keep only the pixels that really change as the input's dirty part. */
  saliency_input_copy_rect (&incremental->input, input, incremental->baseline, rect);
  tensor_geometry (incremental->input.tensor, &input_geometry);
  changed_bounds (&input_geometry, input, bitlens_interpreter_get_input_data (incremental->clean, 0),
                  rect, &changed);
  mark_dirty (self, input_tensor, &changed);

  for (guint o = 0; o < bitlens_model_get_n_ops (model); o++)
    propagate_op (self, o);

  score = saliency_score (self->interpreter, incremental->target);

  /* Back to the clean state. */
  for (guint i = 0; i < self->dirty_tensors->len; i++)
    {
      int t = g_array_index (self->dirty_tensors, int, i);
      TensorGeometry geometry;

      tensor_geometry (bitlens_model_get_tensor (model, t), &geometry);
      copy_tensor_rect (&geometry, bitlens_interpreter_get_tensor_data (self->interpreter, t),
                        bitlens_interpreter_get_tensor_data (incremental->clean, t), &self->dirty[t]);
      self->dirty[t] = (BitlensRegion) { 0, 0, 0, 0 };
    }
  g_array_set_size (self->dirty_tensors, 0);
  return score;
}

void
saliency_incremental_worker_set_costs (SaliencyIncrementalWorker *self,
                                       BitlensOcclusionOpCost    *costs)
{
  self->costs = costs;
}
