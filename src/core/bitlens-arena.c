/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "bitlens-arena.h"

typedef struct
{
  int   tensor;
  int   first;     /* op index that writes it, -1 for model inputs */
  int   last;      /* last op index that reads it, n_ops for model outputs */
  gsize bytes;
  gsize offset;
} Lifetime;

static gsize
align_up (gsize n)
{
  return (n + BITLENS_ARENA_ALIGNMENT - 1) & ~(gsize) (BITLENS_ARENA_ALIGNMENT - 1);
}

static int
compare_by_size_then_index (gconstpointer a,
                            gconstpointer b)
{
  const Lifetime *x = a, *y = b;

  if (x->bytes != y->bytes)
    return x->bytes > y->bytes ? -1 : 1;
  return x->tensor - y->tensor;
}

static void
touch (Lifetime *lifetimes,
       int       tensor,
       int       op_index)
{
  Lifetime *lifetime = &lifetimes[tensor];

  lifetime->first = MIN (lifetime->first, op_index);
  lifetime->last = MAX (lifetime->last, op_index);
}

gsize
bitlens_arena_plan (const BitlensModel *model,
                    gboolean            preserve_all,
                    gsize              *offsets)
{
  guint n_tensors = bitlens_model_get_n_tensors (model);
  guint n_ops = bitlens_model_get_n_ops (model);
  g_autofree Lifetime *lifetimes = g_new (Lifetime, n_tensors);
  g_autoptr(GArray) live = g_array_new (FALSE, FALSE, sizeof (Lifetime));
  g_autoptr(GArray) placed = g_array_new (FALSE, FALSE, sizeof (Lifetime));
  gsize arena_bytes = 0;

  for (guint t = 0; t < n_tensors; t++)
    {
      lifetimes[t] = (Lifetime) { .tensor = t, .first = G_MAXINT, .last = G_MININT,
                                  .bytes = bitlens_model_get_tensor (model, t)->n_bytes };
      offsets[t] = G_MAXSIZE;
    }

  /* Model inputs live through the whole invoke, so invoking again reads the same input. */
  for (guint i = 0; i < bitlens_model_get_n_inputs (model); i++)
    {
      touch (lifetimes, bitlens_model_get_input (model, i), -1);
      touch (lifetimes, bitlens_model_get_input (model, i), n_ops);
    }
  for (guint i = 0; i < bitlens_model_get_n_outputs (model); i++)
    touch (lifetimes, bitlens_model_get_output (model, i), n_ops);
  for (guint o = 0; o < n_ops; o++)
    {
      const BitlensOp *op = bitlens_model_get_op (model, o);
      for (int k = 0; k < op->n_inputs; k++)
        if (op->inputs[k] >= 0)
          touch (lifetimes, op->inputs[k], o);
      for (int k = 0; k < op->n_outputs; k++)
        touch (lifetimes, op->outputs[k], o);
    }

  for (guint t = 0; t < n_tensors; t++)
    {
      const BitlensTensor *tensor = bitlens_model_get_tensor (model, t);
      if (tensor->data != NULL || lifetimes[t].first == G_MAXINT)
        continue;
      if (preserve_all)
        {
          lifetimes[t].first = -1;
          lifetimes[t].last = n_ops;
        }
      g_array_append_val (live, lifetimes[t]);
    }

  /* Greedy by size: each tensor goes at the lowest offset that does not overlap a placed
   * tensor whose lifetime overlaps its own. */
  g_array_sort (live, compare_by_size_then_index);
  for (guint i = 0; i < live->len; i++)
    {
      Lifetime *current = &g_array_index (live, Lifetime, i);
      gsize candidate = 0;
      gboolean moved = TRUE;

      while (moved)
        {
          moved = FALSE;
          for (guint j = 0; j < placed->len; j++)
            {
              const Lifetime *other = &g_array_index (placed, Lifetime, j);
              gboolean overlap_in_time = current->first <= other->last && other->first <= current->last;
              gboolean overlap_in_space = candidate < other->offset + align_up (other->bytes) &&
                                          other->offset < candidate + align_up (current->bytes);
              if (overlap_in_time && overlap_in_space)
                {
                  candidate = other->offset + align_up (other->bytes);
                  moved = TRUE;
                }
            }
        }
      current->offset = candidate;
      g_array_append_val (placed, *current);
      offsets[current->tensor] = candidate;
      arena_bytes = MAX (arena_bytes, candidate + align_up (current->bytes));
    }

  return arena_bytes;
}
