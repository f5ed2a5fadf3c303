/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <bitlens/bitlens-expression.h>

#include "dataset-private.h"
#include "test-util.h"

/* The slice language: parse trees (canonical strings), errors with their columns, binding
 * to columns, and evaluation against a brute-force filter written in the test. */

/* A small table: file, label, mean_luma (with an empty value), tags (text), mode (text). */
static BitlensTable *
make_table (void)
{
  BitlensTable *table = bitlens_table_new (6);
  char **file = g_strdupv ((char *[]) { "a", "b", "c", "d", "e", "f", NULL });
  char **label = g_strdupv ((char *[]) { "1", "0", "1", "0", "1", "0", NULL });
  char **luma = g_strdupv ((char *[]) { "50", "79.9", "80", "120", "", "200", NULL });
  char **tags = g_strdupv ((char *[]) { "dark indoor", "dark", "", "outdoor  coat", "indoor", "dark,coat", NULL });
  char **mode = g_strdupv ((char *[]) { "RGB", "L", " RGB ", "RGBA", "L", "RGB", NULL });

  bitlens_table_add_csv_column (table, "file", file);
  bitlens_table_add_csv_column (table, "label", label);
  bitlens_table_add_csv_column (table, "mean_luma", luma);
  bitlens_table_add_csv_column (table, "tags", tags);
  bitlens_table_add_csv_column (table, "mode", mode);
  bitlens_table_add_measured_column (table, "std_luma");
  return table;
}

/* Rows matching, as a string of row letters ("acd"). */
static char *
matching_rows (const char *text)
{
  g_autoptr(BitlensTable) table = make_table ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensExpression) expression = bitlens_expression_new (text, table, &error);
  GString *rows = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint row = 0; row < bitlens_table_get_n_rows (table); row++)
    if (bitlens_expression_matches (expression, table, row))
      g_string_append_c (rows, 'a' + row);
  return g_string_free (rows, FALSE);
}

static void
assert_rows (const char *text,
             const char *expected)
{
  g_autofree char *rows = matching_rows (text);

  if (g_strcmp0 (rows, expected) != 0)
    g_error ("%s: rows \"%s\", expected \"%s\"", text, rows, expected);
}

static void
assert_canonical (const char *text,
                  const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensExpression) expression = bitlens_expression_parse (text, &error);
  g_autofree char *canonical = NULL;

  g_assert_no_error (error);
  canonical = bitlens_expression_to_string (expression);
  g_assert_cmpstr (canonical, ==, expected);
  g_assert_cmpstr (bitlens_expression_get_text (expression), ==, text);
}

static void
test_precedence (void)
{
  assert_canonical ("a < 1", "(a < 1)");
  assert_canonical ("a<1&&b>=2||c!=3", "(((a < 1) && (b >= 2)) || (c != 3))");
  assert_canonical ("a == 1 || b == 2 && c == 3", "((a == 1) || ((b == 2) && (c == 3)))");
  assert_canonical ("(a == 1 || b == 2) && c == 3", "(((a == 1) || (b == 2)) && (c == 3))");
  assert_canonical ("!a == 1 && !!(b <= -2.5)", "(!(a == 1) && !!(b <= -2.5))");
  assert_canonical ("a == 1 && b == 2 && c == 3", "(((a == 1) && (b == 2)) && (c == 3))");
  /* A literal first is mirrored. */
  assert_canonical ("80 > mean_luma", "(mean_luma < 80)");
  assert_canonical ("0.5 <= x", "(x >= 0.5)");
  assert_canonical ("\"L\" == mode", "(mode == \"L\")");
  /* Strings, escapes, single quotes. */
  assert_canonical ("note == 'say \"hi\"'", "(note == \"say \\\"hi\\\"\")");
  assert_canonical ("note == \"a\\\\b\\'\"", "(note == \"a\\\\b'\")");
  assert_canonical ("has(tags, \"dark\")", "has(tags, \"dark\")");
  assert_canonical ("has ( tags , 'a b' )", "has(tags, \"a b\")");
  /* Numbers. */
  assert_canonical ("x == 1e3", "(x == 1000)");
  assert_canonical ("x == .5", "(x == 0.5)");
  assert_canonical ("x==-.5", "(x == -0.5)");
  assert_canonical ("x >= +2", "(x >= 2)");
  /* Names with dots and underscores, and a column called has. */
  assert_canonical ("meta.size_px > 3", "(meta.size_px > 3)");
  assert_canonical ("has == \"x\"", "(has == \"x\")");
  /* Comments. */
  assert_canonical ("label == 0   # no person", "(label == 0)");
  assert_canonical ("note == \"#1\" # first", "(note == \"#1\")");
}

static void
assert_parse_error (const char *text,
                    const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensExpression) expression = bitlens_expression_parse (text, &error);

  g_assert_null (expression);
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID);
  if (strcmp (error->message, expected) != 0)
    g_error ("%s: error \"%s\", expected \"%s\"", text, error->message, expected);
}

static void
test_syntax_errors (void)
{
  assert_parse_error ("", "the expression is empty");
  assert_parse_error ("   # just a comment", "the expression is empty");
  /*                   123456789012345678901234 */
  assert_parse_error ("(label == 0 && mean_luma < 80", "expected ')' to close the '(' at column 1, found the end at column 30");
  assert_parse_error ("label == 0 && (a < 1 || b > 2", "expected ')' to close the '(' at column 15, found the end at column 30");
  assert_parse_error ("label == 0)", "unmatched ')' at column 11");
  assert_parse_error ("label = 0", "'=' is not an operator: compare with '==' at column 7");
  assert_parse_error ("label == 0 & x < 1", "expected '&&' at column 12");
  assert_parse_error ("label == 0 | x < 1", "expected '||' at column 12");
  assert_parse_error ("label == 0 and x < 1", "expected '&&', '||' or the end, found 'and' at column 12");
  assert_parse_error ("label", "expected a comparison (== != < <= > >=) after 'label', found the end at column 6");
  assert_parse_error ("label 0", "expected a comparison (== != < <= > >=) after 'label', found '0' at column 7");
  assert_parse_error ("label ==", "expected a number or a quoted string, found the end at column 9");
  assert_parse_error ("label == x", "expected a number or a quoted string, found 'x' at column 10");
  assert_parse_error ("1 == 2", "expected a column name, found '2' at column 6");
  assert_parse_error ("1 2", "expected a comparison (== != < <= > >=), found '2' at column 3");
  assert_parse_error ("label == 1.2.3", "malformed number '1.2.3' at column 10");
  assert_parse_error ("label == 12px", "malformed number '12px' at column 10");
  assert_parse_error ("note == \"open", "the string opened here never closes at column 9");
  assert_parse_error ("label == 0 &&", "the expression ends too early: expected a comparison at column 14");
  assert_parse_error ("&& label == 0", "expected a comparison, has(), '!' or '(', found '&&' at column 1");
  assert_parse_error ("()", "expected a comparison, has(), '!' or '(', found ')' at column 2");
  assert_parse_error ("label == 0 @", "unexpected character '@' at column 12");
  /* Columns count characters, not bytes. */
  assert_parse_error ("note == \"é\" @", "unexpected character '@' at column 13");
  assert_parse_error ("a < 1 ∧ b", "unexpected character '∧' at column 7");
  assert_parse_error ("has(tags)", "expected ',' in has(COLUMN, \"word\"), found ')' at column 9");
  assert_parse_error ("has(\"dark\", tags)", "has() takes a column name first, found '\"dark\"' at column 5");
  assert_parse_error ("has(tags, dark)", "has() takes a quoted word second, found 'dark' at column 11");
  assert_parse_error ("has(tags, \"dark\"", "expected ')' to close has(), found the end at column 17");
  assert_parse_error ("!", "the expression ends too early: expected a comparison at column 2");
  assert_parse_error ("a < 1 || ()", "expected a comparison, has(), '!' or '(', found ')' at column 11");
}

static void
assert_bind_error (const char *text,
                   const char *expected)
{
  g_autoptr(BitlensTable) table = make_table ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BitlensExpression) expression = bitlens_expression_parse (text, &error);

  g_assert_no_error (error);
  g_assert_false (bitlens_expression_bind (expression, table, &error));
  g_assert_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID);
  if (strcmp (error->message, expected) != 0)
    g_error ("%s: error \"%s\", expected \"%s\"", text, error->message, expected);
}

static void
test_bind_errors (void)
{
  assert_bind_error ("label == 0 && mean_lumaa < 80",
                     "unknown column 'mean_lumaa' at column 15, did you mean 'mean_luma'? (columns: file, label, mean_luma, tags, mode, std_luma)");
  assert_bind_error ("brightness < 80",
                     "unknown column 'brightness' at column 1 (columns: file, label, mean_luma, tags, mode, std_luma)");
  assert_bind_error ("label == \"1\"",
                     "column 'label' (at column 1) holds numbers: compare it with a number, not the string \"1\"");
  assert_bind_error ("mode == 3", "column 'mode' (at column 1) holds text: compare it with a quoted string");
  assert_bind_error ("x < 1 || mode < \"L\"", "unknown column 'x' at column 1 (columns: file, label, mean_luma, tags, mode, std_luma)");
  assert_bind_error ("label < 1 || mode < \"L\"", "column 'mode' (at column 14) holds text: only == and != compare text");
  assert_bind_error ("has(mean_luma, \"x\")",
                     "has() looks for words in a text column, but 'mean_luma' (column 5) holds numbers");
}

static void
test_evaluate (void)
{
  /* rows: a b c d e f; label 1 0 1 0 1 0; luma 50 79.9 80 120 (empty) 200 */
  assert_rows ("label == 1", "ace");
  assert_rows ("label != 1", "bdf");
  assert_rows ("mean_luma < 80", "ab");
  assert_rows ("mean_luma <= 80", "abc");
  assert_rows ("mean_luma > 80", "df");
  assert_rows ("mean_luma >= 80", "cdf");
  assert_rows ("mean_luma == 80", "c");
  /* The empty value fails every comparison, != included, but ! negates the result. */
  assert_rows ("mean_luma != 80", "abdf");
  assert_rows ("!(mean_luma == 80)", "abdef");
  assert_rows ("label == 0 && mean_luma < 80", "b");
  assert_rows ("label == 0 || mean_luma < 80", "abdf");
  assert_rows ("!(label == 0 || mean_luma < 80)", "ce");
  assert_rows ("80 > mean_luma", "ab");
  /* Text compares without surrounding blanks. */
  assert_rows ("mode == \"RGB\"", "acf");
  assert_rows ("mode != \"RGB\"", "bde");
  assert_rows ("mode == \"rgb\"", "");
  /* Tags are whole space-separated words. */
  assert_rows ("has(tags, \"dark\")", "ab");
  assert_rows ("has(tags, \"coat\")", "d");
  assert_rows ("has(tags, \"dark,coat\")", "f");
  assert_rows ("has(tags, \"door\")", "");
  assert_rows ("has(tags, \"indoor\") || has(tags, \"outdoor\")", "ade");
  assert_rows ("has(tags, \"\")", "");
  /* A measured column not yet measured is empty. */
  assert_rows ("std_luma >= 0", "");
  assert_rows ("!(std_luma >= 0)", "abcdef");
}

/* Random expressions over the table compared with a direct evaluation written here from the
 * language's definition. */
typedef struct
{
  GString  *text;
  GRand    *rand;
} Generator;

static gboolean reference_eval (BitlensTable *table, guint row, const char **p);

static void
generate (Generator *gen,
          int        depth)
{
  int choice = depth <= 0 ? 0 : g_rand_int_range (gen->rand, 0, 4);

  switch (choice)
    {
    case 0:
      {
        static const char *ops[] = { "==", "!=", "<", "<=", ">", ">=" };
        static const double values[] = { 0, 1, 50, 79.9, 80, 120, 200 };
        if (g_rand_boolean (gen->rand))
          g_string_append_printf (gen->text, "label %s %g", ops[g_rand_int_range (gen->rand, 0, 6)],
                                  values[g_rand_int_range (gen->rand, 0, 2)]);
        else
          g_string_append_printf (gen->text, "mean_luma %s %g", ops[g_rand_int_range (gen->rand, 0, 6)],
                                  values[g_rand_int_range (gen->rand, 0, 7)]);
        break;
      }
    case 1:
      g_string_append (gen->text, "!");
      generate (gen, depth - 1);
      break;
    default:
      g_string_append (gen->text, "(");
      generate (gen, depth - 1);
      g_string_append (gen->text, choice == 2 ? " && " : " || ");
      generate (gen, depth - 1);
      g_string_append (gen->text, ")");
      break;
    }
}

/* A second, independent evaluator for the fully parenthesised form the generator writes:
 * every binary operation is in parentheses, so no precedence is needed. */
static gboolean
reference_eval (BitlensTable  *table,
                guint          row,
                const char   **p)
{
  if (**p == '!')
    {
      (*p)++;
      return !reference_eval (table, row, p);
    }
  if (**p == '(')
    {
      gboolean left, right, is_and;
      (*p)++;
      left = reference_eval (table, row, p);
      g_assert_true (**p == ' ');
      is_and = (*p)[1] == '&';
      *p += 4;
      right = reference_eval (table, row, p);
      g_assert_true (**p == ')');
      (*p)++;
      return is_and ? (left && right) : (left || right);
    }
  {
    char name[16], op[3];
    double literal, value;
    int consumed = 0;
    int column;

    g_assert_cmpint (sscanf (*p, "%15s %2s %lf%n", name, op, &literal, &consumed), ==, 3);
    *p += consumed;
    column = bitlens_table_find_column (table, name);
    value = bitlens_table_get_number (table, row, column);
    if (isnan (value))
      return FALSE;
    if (strcmp (op, "==") == 0) return value == literal;
    if (strcmp (op, "!=") == 0) return value != literal;
    if (strcmp (op, "<") == 0) return value < literal;
    if (strcmp (op, "<=") == 0) return value <= literal;
    if (strcmp (op, ">") == 0) return value > literal;
    return value >= literal;
  }
}

static void
test_random (void)
{
  g_autoptr(BitlensTable) table = make_table ();
  Generator gen = { NULL, g_rand_new_with_seed (7) };

  for (int i = 0; i < 500; i++)
    {
      g_autoptr(BitlensExpression) expression = NULL;
      g_autoptr(GError) error = NULL;

      gen.text = g_string_new (NULL);
      generate (&gen, 4);
      expression = bitlens_expression_new (gen.text->str, table, &error);
      g_assert_no_error (error);
      for (guint row = 0; row < bitlens_table_get_n_rows (table); row++)
        {
          const char *p = gen.text->str;
          gboolean expected = reference_eval (table, row, &p);
          g_assert_cmpint (*p, ==, '\0');
          if (bitlens_expression_matches (expression, table, row) != expected)
            g_error ("%s on row %u: expected %d", gen.text->str, row, expected);
        }
      g_string_free (gen.text, TRUE);
    }
  g_rand_free (gen.rand);
}

/* Garbage never crashes the parser: every prefix of a long expression, and random bytes. */
static void
test_robust (void)
{
  const char *text = "!(label == 0 && mean_luma < 80) || has(tags, \"dark\") && mode != 'L' # end";
  gsize length = strlen (text);
  GRand *rand = g_rand_new_with_seed (3);

  for (gsize n = 0; n <= length; n++)
    {
      g_autofree char *prefix = g_strndup (text, n);
      g_autoptr(GError) error = NULL;
      g_autoptr(BitlensExpression) expression = bitlens_expression_parse (prefix, &error);
      g_assert_true ((expression == NULL) != (error == NULL));
    }
  for (int i = 0; i < 2000; i++)
    {
      char buffer[24];
      g_autoptr(GError) error = NULL;
      g_autoptr(BitlensExpression) expression = NULL;
      const char alphabet[] = "()!&|=<>\"', #-.0123456789abhs\xc3\xa9";
      gsize n = g_rand_int_range (rand, 0, sizeof buffer);

      for (gsize k = 0; k < n; k++)
        buffer[k] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      buffer[n] = '\0';
      expression = bitlens_expression_parse (buffer, &error);
      g_assert_true ((expression == NULL) != (error == NULL));
    }
  g_rand_free (rand);
}

/* Deep nesting and very long expressions are refused before they can exhaust the stack. */
static void
test_limits (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GString) nots = g_string_new (NULL);
  g_autoptr(GString) ok = g_string_new (NULL);
  g_autoptr(GString) chain = g_string_new ("a == 1");

  for (int i = 0; i < 100; i++)
    g_string_append_c (ok, '(');
  g_string_append (ok, "a == 1");
  for (int i = 0; i < 100; i++)
    g_string_append_c (ok, ')');
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BitlensExpression) expression = bitlens_expression_parse (ok->str, &error);
    g_assert_no_error (error);
  }

  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '(');
  assert_parse_error (deep->str, "parentheses and '!' nest more than 100 deep at column 101");
  for (int i = 0; i < 100000; i++)
    g_string_append_c (nots, '!');
  g_string_append (nots, "a == 1");
  assert_parse_error (nots->str, "parentheses and '!' nest more than 100 deep at column 101");
  for (int i = 1; i < 1001; i++)
    g_string_append (chain, " && a == 1");
  /* 1001 comparisons; the last starts at 6 + 1000 * 10 - 6 + 1 */
  assert_parse_error (chain->str, "more than 1000 comparisons at column 10001");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/expression/precedence", test_precedence);
  g_test_add_func ("/expression/syntax-errors", test_syntax_errors);
  g_test_add_func ("/expression/bind-errors", test_bind_errors);
  g_test_add_func ("/expression/evaluate", test_evaluate);
  g_test_add_func ("/expression/random", test_random);
  g_test_add_func ("/expression/robust", test_robust);
  g_test_add_func ("/expression/limits", test_limits);
  return g_test_run ();
}
