/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>

#include "bitlens-datatest-row.h"
#include "bitlens-plot.h"

/* What the data unit test table and the plots compute without a display: the cells of a
 * row (bounds, values, B - A, mistakes) and the round-number ticks of the axes. Expected
 * values are written out by hand. */

static BitlensDatatestRow *
row_new (BitlensMetric metric,
         double        min,
         double        max,
         double        value_a,
         gboolean      has_b,
         double        value_b)
{
  BitlensDatatest test = { .name = (char *) "dark", .line = 7, .where = (char *) "mean_luma < 80",
                           .metric = metric, .min = min, .max = max };
  BitlensDatatestResult result = { .test = &test, .has_b = has_b };

  result.a.value = value_a;
  result.a.confusion = (BitlensConfusion) { 3, 2, 10, 4 };
  result.a.message = (char *) "accuracy 0.6700 is below min 0.8000";
  result.b.value = value_b;
  result.b.confusion = (BitlensConfusion) { 5, 1, 11, 1 };
  result.b.passed = TRUE;
  return bitlens_datatest_row_new (&result, 4);
}

static void
assert_text (char       *text,
             const char *expected)
{
  g_assert_cmpstr (text, ==, expected);
  g_free (text);
}

static void
test_row_cells (void)
{
  g_autoptr(BitlensDatatestRow) both = row_new (BITLENS_METRIC_ACCURACY, 0.8, 0.95, 0.67, TRUE, 0.91);
  g_autoptr(BitlensDatatestRow) min_only = row_new (BITLENS_METRIC_RECALL, 0.5, NAN, 0.75, TRUE, 0.5);
  g_autoptr(BitlensDatatestRow) max_only = row_new (BITLENS_METRIC_FALSE_POSITIVE_RATE, NAN, 0.1, 0.125, TRUE, 0.125);
  g_autoptr(BitlensDatatestRow) count = row_new (BITLENS_METRIC_COUNT, 10, NAN, 46, TRUE, 40);
  g_autoptr(BitlensDatatestRow) alone = row_new (BITLENS_METRIC_PRECISION, NAN, NAN, NAN, FALSE, 0);

  /* The row is a copy of the test and the outcomes. */
  g_assert_cmpuint (bitlens_datatest_row_get_index (both), ==, 4);
  g_assert_cmpstr (bitlens_datatest_row_get_name (both), ==, "dark");
  g_assert_cmpstr (bitlens_datatest_row_get_where (both), ==, "mean_luma < 80");
  g_assert_cmpuint (bitlens_datatest_row_get_line (both), ==, 7);
  g_assert_cmpstr (bitlens_datatest_row_get_outcome (both, FALSE)->message, ==, "accuracy 0.6700 is below min 0.8000");
  g_assert_true (bitlens_datatest_row_get_outcome (both, FALSE)->message
                 != bitlens_datatest_row_get_outcome (min_only, FALSE)->message);

  assert_text (bitlens_datatest_row_format_bounds (both), "0.8000 – 0.9500");
  assert_text (bitlens_datatest_row_format_bounds (min_only), "≥ 0.5000");
  assert_text (bitlens_datatest_row_format_bounds (max_only), "≤ 0.1000");
  assert_text (bitlens_datatest_row_format_bounds (count), "≥ 10");
  assert_text (bitlens_datatest_row_format_bounds (alone), "—");

  assert_text (bitlens_datatest_row_format_value (both, FALSE), "0.6700");
  assert_text (bitlens_datatest_row_format_value (both, TRUE), "0.9100");
  assert_text (bitlens_datatest_row_format_value (count, FALSE), "46");
  assert_text (bitlens_datatest_row_format_value (alone, FALSE), "—");

  /* B - A with its sign: +, U+2212 for minus, ± for none, a dash when undefined. */
  assert_text (bitlens_datatest_row_format_difference (both), "+0.2400");
  assert_text (bitlens_datatest_row_format_difference (min_only), "−0.2500");
  assert_text (bitlens_datatest_row_format_difference (max_only), "±0.0000");
  assert_text (bitlens_datatest_row_format_difference (count), "−6");
  assert_text (bitlens_datatest_row_format_difference (alone), "—");

  /* Mistakes: false positives and false negatives. */
  g_assert_cmpuint (bitlens_datatest_row_get_n_mistakes (both, FALSE), ==, 2 + 4);
  g_assert_cmpuint (bitlens_datatest_row_get_n_mistakes (both, TRUE), ==, 1 + 1);
}

static void
assert_ticks (double        min,
              double        max,
              guint         target,
              const double *expected,
              guint         n_expected,
              int           expected_decimals)
{
  int decimals = -1;
  g_autoptr(GArray) ticks = bitlens_plot_nice_ticks (min, max, target, &decimals);

  g_assert_cmpint (decimals, ==, expected_decimals);
  g_assert_cmpuint (ticks->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpfloat_with_epsilon (g_array_index (ticks, double, i), expected[i], 1e-12);
}

static void
test_ticks (void)
{
  /* 1 / 5 = 0.2: steps of 0.2, one decimal. */
  assert_ticks (0, 1, 5, (double[]) { 0, 0.2, 0.4, 0.6, 0.8, 1 }, 6, 1);
  /* 1 / 10 = 0.1. */
  assert_ticks (0, 1, 10, (double[]) { 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1 }, 11, 1);
  /* 150 / 5 = 30 -> 50. */
  assert_ticks (0, 150, 5, (double[]) { 0, 50, 100, 150 }, 4, 0);
  /* 200 / 5 = 40 -> 50. */
  assert_ticks (0, 200, 5, (double[]) { 0, 50, 100, 150, 200 }, 5, 0);
  /* 12 / 5 = 2.4 -> 5; from the first multiple at or above min. */
  assert_ticks (3, 15, 5, (double[]) { 5, 10, 15 }, 3, 0);
  /* 0.06 / 3 = 0.02: two decimals. */
  assert_ticks (0, 0.06, 3, (double[]) { 0, 0.02, 0.04, 0.06 }, 4, 2);
  /* An empty range: the one value. */
  assert_ticks (4, 4, 5, (double[]) { 4 }, 1, 0);

  /* The top of a count axis, rounded up to a tick. */
  g_assert_cmpfloat (bitlens_plot_nice_ceiling (122, 5), ==, 150);
  g_assert_cmpfloat (bitlens_plot_nice_ceiling (150, 5), ==, 150);
  g_assert_cmpfloat (bitlens_plot_nice_ceiling (170, 5), ==, 200);
  g_assert_cmpfloat (bitlens_plot_nice_ceiling (7, 5), ==, 8);
  g_assert_cmpfloat (bitlens_plot_nice_ceiling (1, 5), ==, 1);
  g_assert_cmpfloat (bitlens_plot_nice_ceiling (0, 5), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/datatest-logic/row-cells", test_row_cells);
  g_test_add_func ("/datatest-logic/ticks", test_ticks);
  return g_test_run ();
}
