/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "dataset-private.h"
#include "test-util.h"

/* The CSV reader against records written out by hand from RFC 4180's rules. */

typedef struct
{
  GPtrArray *records;
  GPtrArray *problems;
} Parsed;

static void
parsed_clear (Parsed *parsed)
{
  g_clear_pointer (&parsed->records, g_ptr_array_unref);
  g_clear_pointer (&parsed->problems, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Parsed, parsed_clear)

static void
parse (Parsed     *parsed,
       const char *text,
       gssize      length)
{
  parsed->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) bitlens_dataset_problem_free);
  parsed->records = bitlens_csv_parse (text, length < 0 ? strlen (text) : (gsize) length, "t.csv", parsed->problems);
}

static BitlensCsvRecord *
record_at (Parsed *parsed,
           guint   index)
{
  g_assert_cmpuint (index, <, parsed->records->len);
  return g_ptr_array_index (parsed->records, index);
}

static void
assert_record (Parsed      *parsed,
               guint        index,
               guint        line,
               const char  *const *fields)
{
  BitlensCsvRecord *record = record_at (parsed, index);

  g_assert_cmpuint (record->line, ==, line);
  g_assert_cmpuint (record->n_fields, ==, g_strv_length ((char **) fields));
  for (guint i = 0; fields[i] != NULL; i++)
    g_assert_cmpstr (record->fields[i], ==, fields[i]);
  g_assert_null (record->fields[record->n_fields]);
}

static const char *
problem_string (Parsed *parsed,
                guint   index)
{
  static char *last = NULL;

  g_assert_cmpuint (index, <, parsed->problems->len);
  g_free (last);
  last = bitlens_dataset_problem_to_string (g_ptr_array_index (parsed->problems, index));
  return last;
}

static void
test_plain (void)
{
  g_auto(Parsed) parsed = { 0 };

  parse (&parsed, "file,label\na.png,1\nb.png,0", -1);
  g_assert_cmpuint (parsed.records->len, ==, 3);
  g_assert_cmpuint (parsed.problems->len, ==, 0);
  assert_record (&parsed, 0, 1, (const char *[]) { "file", "label", NULL });
  assert_record (&parsed, 1, 2, (const char *[]) { "a.png", "1", NULL });
  assert_record (&parsed, 2, 3, (const char *[]) { "b.png", "0", NULL });
}

static void
test_quoted (void)
{
  g_auto(Parsed) parsed = { 0 };

  /* Commas, doubled quotes, an empty quoted field and an empty plain field. */
  parse (&parsed,
         "a,\"b, c\",\"say \"\"hi\"\"\"\n"
         "\"\",x,\n"
         "\"\"\"\",\",\",\"a\"\"\"\n", -1);
  g_assert_cmpuint (parsed.problems->len, ==, 0);
  g_assert_cmpuint (parsed.records->len, ==, 3);
  assert_record (&parsed, 0, 1, (const char *[]) { "a", "b, c", "say \"hi\"", NULL });
  assert_record (&parsed, 1, 2, (const char *[]) { "", "x", "", NULL });
  assert_record (&parsed, 2, 3, (const char *[]) { "\"", ",", "a\"", NULL });
}

static void
test_line_breaks (void)
{
  g_auto(Parsed) parsed = { 0 };

  /* CRLF, a lone CR, blank lines, a quoted field spanning two lines, a BOM. */
  parse (&parsed,
         "\xEF\xBB\xBF" "h1,h2\r\n"
         "\r\n"
         "a,\"two\nlines\"\r\n"
         "b,c\r"
         "d,e\n"
         "\n", -1);
  g_assert_cmpuint (parsed.problems->len, ==, 0);
  g_assert_cmpuint (parsed.records->len, ==, 4);
  assert_record (&parsed, 0, 1, (const char *[]) { "h1", "h2", NULL });
  assert_record (&parsed, 1, 3, (const char *[]) { "a", "two\nlines", NULL });
  assert_record (&parsed, 2, 5, (const char *[]) { "b", "c", NULL });
  assert_record (&parsed, 3, 6, (const char *[]) { "d", "e", NULL });
}

static void
test_text_after_quote (void)
{
  g_auto(Parsed) parsed = { 0 };

  parse (&parsed, "a,b\n\"x\"y,1\nc,d\n", -1);
  g_assert_cmpuint (parsed.records->len, ==, 2);
  assert_record (&parsed, 0, 1, (const char *[]) { "a", "b", NULL });
  assert_record (&parsed, 1, 3, (const char *[]) { "c", "d", NULL });
  g_assert_cmpuint (parsed.problems->len, ==, 1);
  g_assert_cmpstr (problem_string (&parsed, 0), ==,
                   "t.csv:2: field 1: unexpected 'y' after the closing quote (a quote inside a quoted field is written \"\")");
}

static void
test_unterminated (void)
{
  g_auto(Parsed) parsed = { 0 };

  /* The quote on line 2 never closes: the record is dropped and reading resumes on line 3. */
  parse (&parsed, "a,b\nx,\"oops\nc,d\ne,f\n", -1);
  g_assert_cmpuint (parsed.problems->len, ==, 1);
  g_assert_cmpstr (problem_string (&parsed, 0), ==, "t.csv:2: field 2: the quoted field never closes");
  g_assert_cmpuint (parsed.records->len, ==, 3);
  assert_record (&parsed, 1, 3, (const char *[]) { "c", "d", NULL });
  assert_record (&parsed, 2, 4, (const char *[]) { "e", "f", NULL });
}

static void
test_invalid_utf8 (void)
{
  g_auto(Parsed) parsed = { 0 };

  parse (&parsed, "a,b\nx,\xff\xfe\nc,d", -1);
  g_assert_cmpuint (parsed.records->len, ==, 2);
  g_assert_cmpuint (parsed.problems->len, ==, 1);
  g_assert_cmpstr (problem_string (&parsed, 0), ==, "t.csv:2: field 2 is not valid UTF-8");

  /* A NUL byte inside a field is invalid too. */
  parsed_clear (&parsed);
  parse (&parsed, "a,b\nx\0y,1\n", 10);
  g_assert_cmpuint (parsed.records->len, ==, 1);
  g_assert_cmpuint (parsed.problems->len, ==, 1);
}

static void
test_empty (void)
{
  g_auto(Parsed) parsed = { 0 };

  parse (&parsed, "", 0);
  g_assert_cmpuint (parsed.records->len, ==, 0);
  parsed_clear (&parsed);
  parse (&parsed, "\n\n\r\n", -1);
  g_assert_cmpuint (parsed.records->len, ==, 0);
  g_assert_cmpuint (parsed.problems->len, ==, 0);
  /* A quote at the very end. */
  parsed_clear (&parsed);
  parse (&parsed, "\"", -1);
  g_assert_cmpuint (parsed.records->len, ==, 0);
  g_assert_cmpuint (parsed.problems->len, ==, 1);
}

static void
test_write_field (void)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_auto(Parsed) parsed = { 0 };
  const char *fields[] = { "plain", "a,b", "say \"x\"", "two\nlines", "", NULL };

  for (guint i = 0; fields[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      bitlens_csv_append_field (out, fields[i]);
    }
  g_assert_cmpstr (out->str, ==, "plain,\"a,b\",\"say \"\"x\"\"\",\"two\nlines\",");
  /* It reads back to the same fields. */
  parse (&parsed, out->str, -1);
  assert_record (&parsed, 0, 1, fields);
}

static void
test_numbers (void)
{
  double value = 0;

  g_assert_true (bitlens_parse_finite_number ("80", &value));
  g_assert_cmpfloat (value, ==, 80.0);
  g_assert_true (bitlens_parse_finite_number (" -1.5e2 ", &value));
  g_assert_cmpfloat (value, ==, -150.0);
  g_assert_true (bitlens_parse_finite_number ("99.1", &value));
  g_assert_cmpfloat (value, ==, 99.1);
  g_assert_false (bitlens_parse_finite_number ("", &value));
  g_assert_false (bitlens_parse_finite_number ("nan", &value));
  g_assert_false (bitlens_parse_finite_number ("inf", &value));
  g_assert_false (bitlens_parse_finite_number ("0x10", &value));
  g_assert_false (bitlens_parse_finite_number ("1.2.3", &value));
  g_assert_false (bitlens_parse_finite_number ("12px", &value));
  g_assert_false (bitlens_parse_finite_number ("1e999", &value));
}

/* Every field of photos/labels.csv, which quotes fields holding commas and parentheses,
 * compared with a split done here by a much simpler rule that holds for that file: the
 * fields after "label" are a quoted package, width, height, mode and a quoted note. */
static void
test_photos_csv (void)
{
  g_autofree char *path = test_shared_path ("data/photos/labels.csv");
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(Parsed) parsed = { 0 };
  gsize length;

  if (path == NULL)
    return;
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  parse (&parsed, contents, length);
  g_assert_cmpuint (parsed.problems->len, ==, 0);
  lines = g_strsplit (contents, "\n", -1);
  g_assert_cmpuint (parsed.records->len, ==, 51);
  for (guint i = 1; i < parsed.records->len; i++)
    {
      BitlensCsvRecord *record = record_at (&parsed, i);
      g_auto(GStrv) quoted = g_strsplit (lines[i], "\"", -1);
      g_auto(GStrv) head = NULL;
      g_auto(GStrv) middle = NULL;

      /* file,label,"package",width,height,mode,"note" */
      g_assert_cmpuint (g_strv_length (quoted), ==, 5);
      head = g_strsplit (quoted[0], ",", -1);
      middle = g_strsplit (quoted[2], ",", -1);
      g_assert_cmpuint (record->n_fields, ==, 7);
      g_assert_cmpstr (record->fields[0], ==, head[0]);
      g_assert_cmpstr (record->fields[1], ==, head[1]);
      g_assert_cmpstr (record->fields[2], ==, quoted[1]);
      g_assert_cmpstr (record->fields[3], ==, middle[1]);
      g_assert_cmpstr (record->fields[4], ==, middle[2]);
      g_assert_cmpstr (record->fields[5], ==, middle[3]);
      g_assert_cmpstr (record->fields[6], ==, quoted[3]);
      g_assert_cmpuint (record->line, ==, i + 1);
    }
  g_assert_cmpstr (record_at (&parsed, 4)->fields[2], ==, "opencv-doc 4.6.0+dfsg-12 (examples/data)");
}

/* Random bytes never crash the reader, and every record it returns is well formed. */
static void
test_garbage (void)
{
  GRand *rand = g_rand_new_with_seed (11);
  const char alphabet[] = "a,\"\n\r \xc3\xa9\xff";

  for (int round = 0; round < 3000; round++)
    {
      g_auto(Parsed) parsed = { 0 };
      char buffer[64];
      gsize n = g_rand_int_range (rand, 0, sizeof buffer);

      for (gsize k = 0; k < n; k++)
        buffer[k] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      parse (&parsed, buffer, n);
      for (guint r = 0; r < parsed.records->len; r++)
        {
          BitlensCsvRecord *record = record_at (&parsed, r);
          g_assert_cmpuint (record->line, >=, 1);
          g_assert_cmpuint (g_strv_length (record->fields), ==, record->n_fields);
          for (guint f = 0; f < record->n_fields; f++)
            g_assert_true (g_utf8_validate (record->fields[f], -1, NULL));
        }
    }
  g_rand_free (rand);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/csv/plain", test_plain);
  g_test_add_func ("/csv/quoted", test_quoted);
  g_test_add_func ("/csv/line-breaks", test_line_breaks);
  g_test_add_func ("/csv/text-after-quote", test_text_after_quote);
  g_test_add_func ("/csv/unterminated", test_unterminated);
  g_test_add_func ("/csv/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/csv/empty", test_empty);
  g_test_add_func ("/csv/write-field", test_write_field);
  g_test_add_func ("/csv/numbers", test_numbers);
  g_test_add_func ("/csv/photos", test_photos_csv);
  g_test_add_func ("/csv/garbage", test_garbage);
  return g_test_run ();
}
