/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bitlens-dataset.h"

G_BEGIN_DECLS

/* A slice of a dataset, written as a small expression over the table's columns:
 *
 *   expression := or
 *   or         := and ( "||" and )*
 *   and        := unary ( "&&" unary )*
 *   unary      := "!" unary | primary
 *   primary    := "(" expression ")"
 *               | "has" "(" COLUMN "," STRING ")"
 *               | COLUMN OPERATOR literal | literal OPERATOR COLUMN
 *   OPERATOR   := "==" | "!=" | "<" | "<=" | ">" | ">="
 *   literal    := NUMBER | STRING
 *
 * COLUMN is a name of letters, digits, '_' and '.' not starting with a digit; NUMBER a
 * decimal number ("-3", "0.5", "1e3"); STRING is quoted with "..." or '...' where \" \' and
 * \\ escape. A number column compares with numbers (an empty value makes every comparison
 * false, "!=" included); a text column compares with strings by "==" and "!=" only.
 * has (COLUMN, "word") is true when the word is one of the space-separated words of a text
 * column. '#' outside a string starts a comment that runs to the end. Errors name the
 * 1-based character column: "expected ')' at column 23". */
typedef struct _BitlensExpression BitlensExpression;

/* Syntax only: column names are checked by bitlens_expression_bind. */
BitlensExpression *bitlens_expression_parse      (const char              *text,
                                                  GError                 **error);
/* Resolves the column names in `table` and checks their kinds: "unknown column 'x' at
 * column 3 (columns: file, label, ...)". Errors are BITLENS_ERROR_SPEC_INVALID. */
gboolean           bitlens_expression_bind       (BitlensExpression       *expression,
                                                  BitlensTable            *table,
                                                  GError                 **error);
/* parse + bind. */
BitlensExpression *bitlens_expression_new        (const char              *text,
                                                  BitlensTable            *table,
                                                  GError                 **error);
/* Whether row `row` of `table` is in the slice. The expression must be bound to `table` or
 * to a table with the same columns (a dataset's table and its evaluation's table). */
gboolean           bitlens_expression_matches    (const BitlensExpression *expression,
                                                  BitlensTable            *table,
                                                  guint                    row);
const char        *bitlens_expression_get_text   (const BitlensExpression *expression);
/* Fully parenthesised canonical form, for tests and debugging: "((a < 1) && !(b == \"x\"))". */
char              *bitlens_expression_to_string  (const BitlensExpression *expression);
void               bitlens_expression_free       (BitlensExpression       *expression);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BitlensExpression, bitlens_expression_free)

G_END_DECLS
