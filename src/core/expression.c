/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "bitlens/bitlens-expression.h"

/* The slice language of bitlens-expression.h: a tokenizer and a recursive-descent parser
 * building a small tree, then a binding step that resolves column names. */

typedef enum
{
  TOKEN_END,
  TOKEN_LPAREN,
  TOKEN_RPAREN,
  TOKEN_COMMA,
  TOKEN_AND,
  TOKEN_OR,
  TOKEN_NOT,
  TOKEN_OPERATOR,
  TOKEN_IDENT,
  TOKEN_NUMBER,
  TOKEN_STRING,
} TokenKind;

typedef enum
{
  OP_EQ,
  OP_NE,
  OP_LT,
  OP_LE,
  OP_GT,
  OP_GE,
} Operator;

static const char * const operator_names[] = { "==", "!=", "<", "<=", ">", ">=" };

typedef struct
{
  TokenKind  kind;
  gsize      offset;    /* byte offset in the text */
  gsize      length;    /* bytes of source text */
  Operator   op;
  double     number;
  char      *text;      /* identifier or decoded string */
} Token;

typedef enum
{
  NODE_AND,
  NODE_OR,
  NODE_NOT,
  NODE_COMPARE,
  NODE_HAS,
} NodeKind;

typedef struct _Node Node;
struct _Node
{
  NodeKind  kind;
  Node     *left;        /* AND, OR, NOT */
  Node     *right;       /* AND, OR */
  /* COMPARE and HAS */
  char     *column_name;
  gsize     column_offset;
  int       column;      /* resolved by bind, -1 before */
  Operator  op;
  gboolean  is_string;
  double    number;
  char     *string;      /* COMPARE with a string, or HAS's word */
};

struct _BitlensExpression
{
  char     *text;
  Node     *root;
  gboolean  bound;
};

typedef struct
{
  const char  *text;
  gsize        length;
  gsize        pos;
  Token        token;     /* current token */
  GError     **error;
  guint        depth;     /* nesting of '(' and '!' */
  guint        n_terms;   /* comparisons and has() so far */
} Parser;

/* Bounds that keep the recursive parser, evaluator and printer within a small stack. */
#define MAX_DEPTH 100
#define MAX_TERMS 1000

/* 1-based character column of a byte offset. */
static guint
column_of (const char *text,
           gsize       offset)
{
  return (guint) g_utf8_pointer_to_offset (text, text + offset) + 1;
}

static void
set_error (Parser     *parser,
           gsize       offset,
           const char *format,
           ...) G_GNUC_PRINTF (3, 4);

static void
set_error (Parser     *parser,
           gsize       offset,
           const char *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (parser->error == NULL || *parser->error != NULL)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (parser->error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
               _("%s at column %u"), message, column_of (parser->text, offset));
}

static void
node_free (Node *node)
{
  if (node == NULL)
    return;
  node_free (node->left);
  node_free (node->right);
  g_free (node->column_name);
  g_free (node->string);
  g_free (node);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Node, node_free)

static gboolean
is_ident_start (char c)
{
  return g_ascii_isalpha (c) || c == '_';
}

static gboolean
is_ident_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.';
}

/* A short description of the current token for messages. */
static char *
describe_token (const Parser *parser)
{
  const Token *token = &parser->token;

  if (token->kind == TOKEN_END)
    return g_strdup (_("the end"));
  return g_strdup_printf ("'%.*s'", (int) token->length, parser->text + token->offset);
}

static gboolean
read_string (Parser *parser,
             Token  *token)
{
  char quote = parser->text[parser->pos];
  GString *decoded = g_string_new (NULL);
  gsize start = parser->pos;

  parser->pos++;
  for (;;)
    {
      char c;

      if (parser->pos >= parser->length)
        {
          g_string_free (decoded, TRUE);
          set_error (parser, start, _("the string opened here never closes"));
          return FALSE;
        }
      c = parser->text[parser->pos];
      if (c == quote)
        {
          parser->pos++;
          break;
        }
      if (c == '\\' && parser->pos + 1 < parser->length)
        {
          char next = parser->text[parser->pos + 1];
          if (next == '"' || next == '\'' || next == '\\')
            {
              g_string_append_c (decoded, next);
              parser->pos += 2;
              continue;
            }
        }
      g_string_append_c (decoded, c);
      parser->pos++;
    }
  token->kind = TOKEN_STRING;
  token->text = g_string_free (decoded, FALSE);
  return TRUE;
}

static gboolean
read_number (Parser *parser,
             Token  *token)
{
  gsize start = parser->pos;
  gsize end = start;
  g_autofree char *copy = NULL;
  char *parsed_end = NULL;

  if (parser->text[end] == '-' || parser->text[end] == '+')
    end++;
  while (end < parser->length && (g_ascii_isalnum (parser->text[end]) || parser->text[end] == '.' || parser->text[end] == '_' ||
                                  ((parser->text[end] == '-' || parser->text[end] == '+') &&
                                   (parser->text[end - 1] == 'e' || parser->text[end - 1] == 'E'))))
    end++;
  copy = g_strndup (parser->text + start, end - start);
  for (const char *p = copy; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && strchr ("+-.eE", *p) == NULL)
      {
        set_error (parser, start, _("malformed number '%s'"), copy);
        return FALSE;
      }
  token->number = g_ascii_strtod (copy, &parsed_end);
  if (parsed_end == copy || *parsed_end != '\0' || !isfinite (token->number))
    {
      set_error (parser, start, _("malformed number '%s'"), copy);
      return FALSE;
    }
  token->kind = TOKEN_NUMBER;
  parser->pos = end;
  return TRUE;
}

/* Reads the next token into parser->token. */
static gboolean
next_token (Parser *parser)
{
  Token *token = &parser->token;
  const char *text = parser->text;
  char c, next;

  g_clear_pointer (&token->text, g_free);
  while (parser->pos < parser->length && g_ascii_isspace (text[parser->pos]))
    parser->pos++;
  token->offset = parser->pos;
  if (parser->pos >= parser->length || text[parser->pos] == '#')
    {
      parser->pos = parser->length;
      token->kind = TOKEN_END;
      token->length = 0;
      return TRUE;
    }

  c = text[parser->pos];
  next = parser->pos + 1 < parser->length ? text[parser->pos + 1] : '\0';
  switch (c)
    {
    case '(': token->kind = TOKEN_LPAREN; parser->pos++; break;
    case ')': token->kind = TOKEN_RPAREN; parser->pos++; break;
    case ',': token->kind = TOKEN_COMMA; parser->pos++; break;
    case '&':
      if (next != '&')
        {
          set_error (parser, parser->pos, _("expected '&&'"));
          return FALSE;
        }
      token->kind = TOKEN_AND;
      parser->pos += 2;
      break;
    case '|':
      if (next != '|')
        {
          set_error (parser, parser->pos, _("expected '||'"));
          return FALSE;
        }
      token->kind = TOKEN_OR;
      parser->pos += 2;
      break;
    case '!':
      if (next == '=')
        {
          token->kind = TOKEN_OPERATOR;
          token->op = OP_NE;
          parser->pos += 2;
        }
      else
        {
          token->kind = TOKEN_NOT;
          parser->pos++;
        }
      break;
    case '=':
      if (next != '=')
        {
          set_error (parser, parser->pos, _("'=' is not an operator: compare with '=='"));
          return FALSE;
        }
      token->kind = TOKEN_OPERATOR;
      token->op = OP_EQ;
      parser->pos += 2;
      break;
    case '<':
    case '>':
      token->kind = TOKEN_OPERATOR;
      if (next == '=')
        {
          token->op = c == '<' ? OP_LE : OP_GE;
          parser->pos += 2;
        }
      else
        {
          token->op = c == '<' ? OP_LT : OP_GT;
          parser->pos++;
        }
      break;
    case '"':
    case '\'':
      if (!read_string (parser, token))
        return FALSE;
      break;
    default:
      if (g_ascii_isdigit (c) || ((c == '-' || c == '+' || c == '.') && (g_ascii_isdigit (next) || next == '.')))
        {
          if (!read_number (parser, token))
            return FALSE;
        }
      else if (is_ident_start (c))
        {
          gsize start = parser->pos;
          while (parser->pos < parser->length && is_ident_char (text[parser->pos]))
            parser->pos++;
          token->kind = TOKEN_IDENT;
          token->text = g_strndup (text + start, parser->pos - start);
        }
      else
        {
          gunichar u = g_utf8_get_char_validated (text + parser->pos, parser->length - parser->pos);
          char buffer[8] = { 0 };

          if (u == (gunichar) -1 || u == (gunichar) -2)
            set_error (parser, parser->pos, _("invalid UTF-8"));
          else
            {
              g_unichar_to_utf8 (u, buffer);
              set_error (parser, parser->pos, _("unexpected character '%s'"), buffer);
            }
          return FALSE;
        }
      break;
    }
  token->length = parser->pos - token->offset;
  return TRUE;
}

static Node *parse_or (Parser *parser);

static Node *
node_new (NodeKind kind)
{
  Node *node = g_new0 (Node, 1);
  node->kind = kind;
  node->column = -1;
  return node;
}

static Operator
mirror_operator (Operator op)
{
  switch (op)
    {
    case OP_LT: return OP_GT;
    case OP_LE: return OP_GE;
    case OP_GT: return OP_LT;
    case OP_GE: return OP_LE;
    case OP_EQ:
    case OP_NE:
    default:
      return op;
    }
}

static gboolean
take_literal (Parser *parser,
              Node   *node)
{
  Token *token = &parser->token;

  if (token->kind == TOKEN_NUMBER)
    node->number = token->number;
  else if (token->kind == TOKEN_STRING)
    {
      node->is_string = TRUE;
      node->string = g_steal_pointer (&token->text);
    }
  else
    {
      g_autofree char *found = describe_token (parser);
      set_error (parser, token->offset, _("expected a number or a quoted string, found %s"), found);
      return FALSE;
    }
  return next_token (parser);
}

/* has ( COLUMN , STRING ) -- the current token is "has". */
static Node *
parse_has (Parser *parser)
{
  g_autoptr(Node) node = node_new (NODE_HAS);
  Token *token = &parser->token;

  if (!next_token (parser))
    return NULL;
  if (token->kind != TOKEN_LPAREN)
    {
      g_autofree char *found = describe_token (parser);
      set_error (parser, token->offset, _("expected '(' after has, found %s"), found);
      return NULL;
    }
  if (!next_token (parser))
    return NULL;
  if (token->kind != TOKEN_IDENT)
    {
      g_autofree char *found = describe_token (parser);
      set_error (parser, token->offset, _("has() takes a column name first, found %s"), found);
      return NULL;
    }
  node->column_name = g_steal_pointer (&token->text);
  node->column_offset = token->offset;
  if (!next_token (parser))
    return NULL;
  if (token->kind != TOKEN_COMMA)
    {
      g_autofree char *found = describe_token (parser);
      set_error (parser, token->offset, _("expected ',' in has(COLUMN, \"word\"), found %s"), found);
      return NULL;
    }
  if (!next_token (parser))
    return NULL;
  if (token->kind != TOKEN_STRING)
    {
      g_autofree char *found = describe_token (parser);
      set_error (parser, token->offset, _("has() takes a quoted word second, found %s"), found);
      return NULL;
    }
  node->is_string = TRUE;
  node->string = g_steal_pointer (&token->text);
  if (!next_token (parser))
    return NULL;
  if (token->kind != TOKEN_RPAREN)
    {
      g_autofree char *found = describe_token (parser);
      set_error (parser, token->offset, _("expected ')' to close has(), found %s"), found);
      return NULL;
    }
  if (!next_token (parser))
    return NULL;
  return g_steal_pointer (&node);
}

/* COLUMN OP literal | literal OP COLUMN */
static Node *
parse_comparison (Parser *parser)
{
  g_autoptr(Node) node = node_new (NODE_COMPARE);
  Token *token = &parser->token;

  if (token->kind == TOKEN_IDENT)
    {
      g_autofree char *name = g_steal_pointer (&token->text);

      node->column_name = g_strdup (name);
      node->column_offset = token->offset;
      if (!next_token (parser))
        return NULL;
      if (token->kind != TOKEN_OPERATOR)
        {
          g_autofree char *found = describe_token (parser);
          set_error (parser, token->offset, _("expected a comparison (== != < <= > >=) after '%s', found %s"),
                     name, found);
          return NULL;
        }
      node->op = token->op;
      if (!next_token (parser) || !take_literal (parser, node))
        return NULL;
      return g_steal_pointer (&node);
    }

  /* A literal first: "80 > mean_luma". */
  if (!take_literal (parser, node))
    return NULL;
  if (token->kind != TOKEN_OPERATOR)
    {
      g_autofree char *found = describe_token (parser);
      set_error (parser, token->offset, _("expected a comparison (== != < <= > >=), found %s"), found);
      return NULL;
    }
  node->op = mirror_operator (token->op);
  if (!next_token (parser))
    return NULL;
  if (token->kind != TOKEN_IDENT)
    {
      g_autofree char *found = describe_token (parser);
      set_error (parser, token->offset, _("expected a column name, found %s"), found);
      return NULL;
    }
  node->column_name = g_steal_pointer (&token->text);
  node->column_offset = token->offset;
  if (!next_token (parser))
    return NULL;
  return g_steal_pointer (&node);
}

static Node *
parse_primary (Parser *parser)
{
  Token *token = &parser->token;

  switch (token->kind)
    {
    case TOKEN_LPAREN:
      {
        g_autoptr(Node) inner = NULL;
        gsize open_offset = token->offset;

        if (++parser->depth > MAX_DEPTH)
          {
            set_error (parser, token->offset, _("parentheses and '!' nest more than %d deep"), MAX_DEPTH);
            return NULL;
          }
        if (!next_token (parser))
          return NULL;
        inner = parse_or (parser);
        if (inner == NULL)
          return NULL;
        parser->depth--;
        if (token->kind != TOKEN_RPAREN)
          {
            g_autofree char *found = describe_token (parser);
            set_error (parser, token->offset, _("expected ')' to close the '(' at column %u, found %s"),
                       column_of (parser->text, open_offset), found);
            return NULL;
          }
        if (!next_token (parser))
          return NULL;
        return g_steal_pointer (&inner);
      }
    case TOKEN_IDENT:
    case TOKEN_NUMBER:
    case TOKEN_STRING:
      if (++parser->n_terms > MAX_TERMS)
        {
          set_error (parser, token->offset, _("more than %d comparisons"), MAX_TERMS);
          return NULL;
        }
      if (token->kind != TOKEN_IDENT)
        return parse_comparison (parser);
      if (strcmp (token->text, "has") == 0)
        {
          /* "has" is a function only when "(" follows; otherwise a column named has. */
          gsize look = parser->pos;
          while (look < parser->length && g_ascii_isspace (parser->text[look]))
            look++;
          if (look < parser->length && parser->text[look] == '(')
            return parse_has (parser);
        }
      return parse_comparison (parser);
    case TOKEN_END:
      set_error (parser, token->offset, _("the expression ends too early: expected a comparison"));
      return NULL;
    case TOKEN_RPAREN:
    case TOKEN_COMMA:
    case TOKEN_AND:
    case TOKEN_OR:
    case TOKEN_NOT:
    case TOKEN_OPERATOR:
    default:
      {
        g_autofree char *found = describe_token (parser);
        set_error (parser, token->offset, _("expected a comparison, has(), '!' or '(', found %s"), found);
        return NULL;
      }
    }
}

static Node *
parse_unary (Parser *parser)
{
  if (parser->token.kind == TOKEN_NOT)
    {
      g_autoptr(Node) node = node_new (NODE_NOT);

      if (++parser->depth > MAX_DEPTH)
        {
          set_error (parser, parser->token.offset, _("parentheses and '!' nest more than %d deep"), MAX_DEPTH);
          return NULL;
        }
      if (!next_token (parser))
        return NULL;
      node->left = parse_unary (parser);
      if (node->left == NULL)
        return NULL;
      parser->depth--;
      return g_steal_pointer (&node);
    }
  return parse_primary (parser);
}

static Node *
parse_binary (Parser    *parser,
              TokenKind  operator_token,
              NodeKind   kind,
              Node    *(*parse_operand) (Parser *))
{
  g_autoptr(Node) left = parse_operand (parser);

  if (left == NULL)
    return NULL;
  while (parser->token.kind == operator_token)
    {
      Node *node;
      Node *right;

      if (!next_token (parser))
        return NULL;
      right = parse_operand (parser);
      if (right == NULL)
        return NULL;
      node = node_new (kind);
      node->left = g_steal_pointer (&left);
      node->right = right;
      left = node;
    }
  return g_steal_pointer (&left);
}

static Node *
parse_and (Parser *parser)
{
  return parse_binary (parser, TOKEN_AND, NODE_AND, parse_unary);
}

static Node *
parse_or (Parser *parser)
{
  return parse_binary (parser, TOKEN_OR, NODE_OR, parse_and);
}

BitlensExpression *
bitlens_expression_parse (const char  *text,
                          GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  Parser parser = { 0 };
  BitlensExpression *expression;
  Node *root;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID, _("the expression is not valid UTF-8"));
      return NULL;
    }

  parser.text = text;
  parser.length = strlen (text);
  parser.error = &local_error;
  if (!next_token (&parser))
    goto fail;
  if (parser.token.kind == TOKEN_END)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID, _("the expression is empty"));
      return NULL;
    }
  root = parse_or (&parser);
  if (root == NULL)
    goto fail;
  if (parser.token.kind != TOKEN_END)
    {
      g_autofree char *found = describe_token (&parser);

      if (parser.token.kind == TOKEN_RPAREN)
        set_error (&parser, parser.token.offset, _("unmatched ')'"));
      else
        set_error (&parser, parser.token.offset, _("expected '&&', '||' or the end, found %s"), found);
      node_free (root);
      goto fail;
    }

  expression = g_new0 (BitlensExpression, 1);
  expression->text = g_strdup (text);
  expression->root = root;
  g_clear_pointer (&parser.token.text, g_free);
  return expression;

fail:
  g_clear_pointer (&parser.token.text, g_free);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* Binding */

static guint
edit_distance (const char *a,
               const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *row = g_new (guint, lb + 1);

  for (gsize j = 0; j <= lb; j++)
    row[j] = j;
  for (gsize i = 1; i <= la; i++)
    {
      guint diagonal = row[0];
      row[0] = i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint above = row[j];
          guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
          row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1), diagonal + cost);
          diagonal = above;
        }
    }
  return row[lb];
}

static gboolean
bind_node (Node          *node,
           const char    *text,
           BitlensTable  *table,
           GError       **error)
{
  int column;
  BitlensColumnKind kind;
  guint at;

  switch (node->kind)
    {
    case NODE_AND:
    case NODE_OR:
      return bind_node (node->left, text, table, error) && bind_node (node->right, text, table, error);
    case NODE_NOT:
      return bind_node (node->left, text, table, error);
    case NODE_COMPARE:
    case NODE_HAS:
    default:
      break;
    }

  at = column_of (text, node->column_offset);
  column = bitlens_table_find_column (table, node->column_name);
  if (column < 0)
    {
      g_autofree char *columns = bitlens_table_list_columns (table);
      const char *closest = NULL;
      guint best = 3;

      for (guint c = 0; c < bitlens_table_get_n_columns (table); c++)
        {
          const char *name = bitlens_table_get_column_name (table, c);
          guint distance = edit_distance (node->column_name, name);
          if (distance < best)
            {
              best = distance;
              closest = name;
            }
        }
      if (closest != NULL)
        g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                     _("unknown column '%s' at column %u, did you mean '%s'? (columns: %s)"),
                     node->column_name, at, closest, columns);
      else
        g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                     _("unknown column '%s' at column %u (columns: %s)"), node->column_name, at, columns);
      return FALSE;
    }

  kind = bitlens_table_get_column_kind (table, column);
  if (node->kind == NODE_HAS)
    {
      if (kind != BITLENS_COLUMN_TEXT)
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                       _("has() looks for words in a text column, but '%s' (column %u) holds numbers"),
                       node->column_name, at);
          return FALSE;
        }
    }
  else if (kind == BITLENS_COLUMN_NUMBER && node->is_string)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                   _("column '%s' (at column %u) holds numbers: compare it with a number, not the string \"%s\""),
                   node->column_name, at, node->string);
      return FALSE;
    }
  else if (kind == BITLENS_COLUMN_TEXT && !node->is_string)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                   _("column '%s' (at column %u) holds text: compare it with a quoted string"),
                   node->column_name, at);
      return FALSE;
    }
  else if (kind == BITLENS_COLUMN_TEXT && node->op != OP_EQ && node->op != OP_NE)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                   _("column '%s' (at column %u) holds text: only == and != compare text"),
                   node->column_name, at);
      return FALSE;
    }
  node->column = column;
  return TRUE;
}

gboolean
bitlens_expression_bind (BitlensExpression  *expression,
                         BitlensTable       *table,
                         GError            **error)
{
  g_return_val_if_fail (expression != NULL, FALSE);
  g_return_val_if_fail (table != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  expression->bound = bind_node (expression->root, expression->text, table, error);
  return expression->bound;
}

BitlensExpression *
bitlens_expression_new (const char    *text,
                        BitlensTable  *table,
                        GError       **error)
{
  g_autoptr(BitlensExpression) expression = bitlens_expression_parse (text, error);

  if (expression == NULL || !bitlens_expression_bind (expression, table, error))
    return NULL;
  return g_steal_pointer (&expression);
}

/* Evaluation */

/* `text` equals `word` once leading and trailing blanks are ignored. */
static gboolean
trimmed_equal (const char *text,
               const char *word)
{
  gsize length;

  while (g_ascii_isspace (*text))
    text++;
  length = strlen (text);
  while (length > 0 && g_ascii_isspace (text[length - 1]))
    length--;
  return length == strlen (word) && strncmp (text, word, length) == 0;
}

static gboolean
has_word (const char *text,
          const char *word)
{
  gsize word_length = strlen (word);
  const char *p = text;

  if (word_length == 0)
    return FALSE;
  while (*p != '\0')
    {
      const char *start;

      while (g_ascii_isspace (*p))
        p++;
      start = p;
      while (*p != '\0' && !g_ascii_isspace (*p))
        p++;
      if ((gsize) (p - start) == word_length && strncmp (start, word, word_length) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
compare_numbers (double   value,
                 Operator op,
                 double   literal)
{
  if (isnan (value))
    return FALSE;
  switch (op)
    {
    case OP_EQ: return value == literal;
    case OP_NE: return value != literal;
    case OP_LT: return value < literal;
    case OP_LE: return value <= literal;
    case OP_GT: return value > literal;
    case OP_GE: return value >= literal;
    default: g_assert_not_reached ();
    }
}

static gboolean
evaluate (const Node   *node,
          BitlensTable *table,
          guint         row)
{
  switch (node->kind)
    {
    case NODE_AND:
      return evaluate (node->left, table, row) && evaluate (node->right, table, row);
    case NODE_OR:
      return evaluate (node->left, table, row) || evaluate (node->right, table, row);
    case NODE_NOT:
      return !evaluate (node->left, table, row);
    case NODE_HAS:
      return has_word (bitlens_table_get_text (table, row, node->column), node->string);
    case NODE_COMPARE:
      if (node->is_string)
        {
          gboolean equal = trimmed_equal (bitlens_table_get_text (table, row, node->column), node->string);
          return node->op == OP_EQ ? equal : !equal;
        }
      return compare_numbers (bitlens_table_get_number (table, row, node->column), node->op, node->number);
    default:
      g_assert_not_reached ();
    }
}

gboolean
bitlens_expression_matches (const BitlensExpression *expression,
                            BitlensTable            *table,
                            guint                    row)
{
  g_return_val_if_fail (expression != NULL, FALSE);
  g_return_val_if_fail (expression->bound, FALSE);
  g_return_val_if_fail (table != NULL, FALSE);
  g_return_val_if_fail (row < bitlens_table_get_n_rows (table), FALSE);
  return evaluate (expression->root, table, row);
}

const char *
bitlens_expression_get_text (const BitlensExpression *expression)
{
  g_return_val_if_fail (expression != NULL, NULL);
  return expression->text;
}

static void
append_quoted (GString    *out,
               const char *string)
{
  g_string_append_c (out, '"');
  for (const char *p = string; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
append_node (GString    *out,
             const Node *node)
{
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  switch (node->kind)
    {
    case NODE_AND:
    case NODE_OR:
      g_string_append_c (out, '(');
      append_node (out, node->left);
      g_string_append (out, node->kind == NODE_AND ? " && " : " || ");
      append_node (out, node->right);
      g_string_append_c (out, ')');
      break;
    case NODE_NOT:
      g_string_append_c (out, '!');
      append_node (out, node->left);
      break;
    case NODE_HAS:
      g_string_append_printf (out, "has(%s, ", node->column_name);
      append_quoted (out, node->string);
      g_string_append_c (out, ')');
      break;
    case NODE_COMPARE:
      g_string_append_printf (out, "(%s %s ", node->column_name, operator_names[node->op]);
      if (node->is_string)
        append_quoted (out, node->string);
      else
        g_string_append (out, g_ascii_formatd (number, sizeof number, "%.15g", node->number));
      g_string_append_c (out, ')');
      break;
    default:
      g_assert_not_reached ();
    }
}

char *
bitlens_expression_to_string (const BitlensExpression *expression)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (expression != NULL, NULL);
  append_node (out, expression->root);
  return g_string_free (out, FALSE);
}

void
bitlens_expression_free (BitlensExpression *expression)
{
  if (expression == NULL)
    return;
  node_free (expression->root);
  g_free (expression->text);
  g_free (expression);
}
