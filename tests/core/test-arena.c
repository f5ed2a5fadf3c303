/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include "bitlens-arena.h"
#include "test-model-builder.h"

/* Random DAGs of ops over int8 activations of random sizes: two tensors that some op
 * needs at the same time never share a byte, and every tensor is aligned. */

typedef struct
{
  int first, last;
} Span;

static void
check_plan (BitlensModel *model,
            gboolean      preserve_all)
{
  guint n = bitlens_model_get_n_tensors (model);
  guint n_ops = bitlens_model_get_n_ops (model);
  g_autofree gsize *offsets = g_new (gsize, n);
  g_autofree Span *spans = g_new (Span, n);
  gsize arena = bitlens_arena_plan (model, preserve_all, offsets);
  gsize total = 0;

  for (guint t = 0; t < n; t++)
    spans[t] = (Span) { G_MAXINT, G_MININT };
  for (guint i = 0; i < bitlens_model_get_n_inputs (model); i++)
    spans[bitlens_model_get_input (model, i)] = (Span) { -1, n_ops };
  for (guint i = 0; i < bitlens_model_get_n_outputs (model); i++)
    spans[bitlens_model_get_output (model, i)].last = n_ops;
  for (guint o = 0; o < n_ops; o++)
    {
      const BitlensOp *op = bitlens_model_get_op (model, o);
      for (int k = 0; k < op->n_inputs; k++)
        {
          Span *s = &spans[op->inputs[k]];
          s->first = MIN (s->first, (int) o);
          s->last = MAX (s->last, (int) o);
        }
      Span *s = &spans[op->outputs[0]];
      s->first = MIN (s->first, (int) o);
      s->last = MAX (s->last, (int) o);
    }

  for (guint t = 0; t < n; t++)
    {
      const BitlensTensor *tensor = bitlens_model_get_tensor (model, t);
      g_assert_cmpuint (offsets[t], !=, G_MAXSIZE);
      g_assert_cmpuint (offsets[t] % BITLENS_ARENA_ALIGNMENT, ==, 0);
      g_assert_cmpuint (offsets[t] + tensor->n_bytes, <=, arena);
      total += tensor->n_bytes;
    }

  for (guint a = 0; a < n; a++)
    for (guint b = a + 1; b < n; b++)
      {
        gboolean together = preserve_all ||
                            (spans[a].first <= spans[b].last && spans[b].first <= spans[a].last);
        gboolean share = offsets[a] < offsets[b] + bitlens_model_get_tensor (model, b)->n_bytes &&
                         offsets[b] < offsets[a] + bitlens_model_get_tensor (model, a)->n_bytes;
        if (together)
          g_assert_false (share);
      }

  if (preserve_all)
    g_assert_cmpuint (arena, >=, total);
}

static void
test_random_graphs (void)
{
  GRand *rand = g_rand_new_with_seed (7);

  for (int round = 0; round < 200; round++)
    {
      g_autoptr(BitlensModel) model = test_model_new ();
      int n_tensors = g_rand_int_range (rand, 2, 24);
      int input, output;

      for (int t = 0; t < n_tensors; t++)
        {
          int shape[1] = { g_rand_int_range (rand, 1, 5000) };
          test_model_add_activation (model, "t", BITLENS_TYPE_INT8, 1, shape, 1.0f, 0);
        }
      /* Tensor t + 1 is made by an op from one or two earlier tensors. */
      for (int t = 1; t < n_tensors; t++)
        {
          int inputs[2] = { g_rand_int_range (rand, 0, t), g_rand_int_range (rand, 0, t) };
          test_model_add_op (model, BITLENS_OP_ADD, 2, inputs, 1, &t, NULL);
        }
      input = 0;
      output = n_tensors - 1;
      model->n_inputs = 1;
      model->inputs = g_memdup2 (&input, sizeof input);
      model->n_outputs = 1;
      model->outputs = g_memdup2 (&output, sizeof output);

      check_plan (model, FALSE);
      check_plan (model, TRUE);
    }
  g_rand_free (rand);
}

static void
test_chain_reuses_memory (void)
{
  g_autoptr(BitlensModel) model = test_model_new ();
  const int shape[1] = { 1000 };
  int input = 0, output = 9;
  g_autofree gsize *offsets = g_new (gsize, 10);

  for (int t = 0; t < 10; t++)
    test_model_add_activation (model, "t", BITLENS_TYPE_INT8, 1, shape, 1.0f, 0);
  for (int t = 1; t < 10; t++)
    {
      int previous = t - 1;
      test_model_add_op (model, BITLENS_OP_RESHAPE, 1, &previous, 1, &t, NULL);
    }
  model->n_inputs = 1;
  model->inputs = g_memdup2 (&input, sizeof input);
  model->n_outputs = 1;
  model->outputs = g_memdup2 (&output, sizeof output);

  /* A chain needs two live buffers at a time, plus the input kept to the end:
   * 3 x 1008 aligned bytes. */
  g_assert_cmpuint (bitlens_arena_plan (model, FALSE, offsets), ==, 3 * 1008);
  g_assert_cmpuint (bitlens_arena_plan (model, TRUE, offsets), ==, 10 * 1008);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arena/random-graphs", test_random_graphs);
  g_test_add_func ("/arena/chain-reuses-memory", test_chain_reuses_memory);
  return g_test_run ();
}
