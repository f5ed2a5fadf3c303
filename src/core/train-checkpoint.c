/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-error.h"
#include "train-checkpoint.h"

#define CHECKPOINT_MAGIC "BLTRAIN1"
#define CHECKPOINT_GROUP "checkpoint"
#define CHECKPOINT_MAX_HEADER (1u << 20)

static void
append_floats (GByteArray  *bytes,
               const float *values,
               gsize        n)
{
  for (gsize i = 0; i < n; i++)
    {
      guint32 bits;

      memcpy (&bits, &values[i], 4);
      bits = GUINT32_TO_LE (bits);
      g_byte_array_append (bytes, (const guint8 *) &bits, 4);
    }
}

static void
read_floats (const guint8 *data,
             float        *values,
             gsize         n)
{
  for (gsize i = 0; i < n; i++)
    {
      guint32 bits;

      memcpy (&bits, data + 4 * i, 4);
      bits = GUINT32_FROM_LE (bits);
      memcpy (&values[i], &bits, 4);
    }
}

gboolean
train_checkpoint_save (const char         *path,
                       const char         *fingerprint,
                       guint               epochs_done,
                       const TrainNetwork *network,
                       const TrainAdam    *adam,
                       GError            **error)
{
  g_autoptr(GKeyFile) header = g_key_file_new ();
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autofree char *text = NULL;
  gsize text_length;
  guint32 length;

  g_key_file_set_string (header, CHECKPOINT_GROUP, "fingerprint", fingerprint);
  g_key_file_set_uint64 (header, CHECKPOINT_GROUP, "epochs_done", epochs_done);
  g_key_file_set_uint64 (header, CHECKPOINT_GROUP, "adam_step", adam->step);
  g_key_file_set_uint64 (header, CHECKPOINT_GROUP, "n_params", network->n_params);
  g_key_file_set_uint64 (header, CHECKPOINT_GROUP, "n_state", network->n_state);
  text = g_key_file_to_data (header, &text_length, NULL);

  g_byte_array_append (bytes, (const guint8 *) CHECKPOINT_MAGIC, 8);
  length = GUINT32_TO_LE ((guint32) text_length);
  g_byte_array_append (bytes, (const guint8 *) &length, 4);
  g_byte_array_append (bytes, (const guint8 *) text, text_length);
  append_floats (bytes, network->params, network->n_params);
  append_floats (bytes, adam->m, adam->n);
  append_floats (bytes, adam->v, adam->n);
  append_floats (bytes, network->state, network->n_state);

  if (!g_file_set_contents (path, (const char *) bytes->data, bytes->len, error))
    {
      g_prefix_error (error, _("cannot write the checkpoint: "));
      return FALSE;
    }
  return TRUE;
}

static gboolean
checkpoint_fail (GError    **error,
                 const char *path,
                 const char *message)
{
  g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_IO, _("checkpoint %s: %s"), path, message);
  return FALSE;
}

gboolean
train_checkpoint_load (const char   *path,
                       const char   *fingerprint,
                       guint        *epochs_done,
                       TrainNetwork *network,
                       TrainAdam    *adam,
                       GError      **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GKeyFile) header = g_key_file_new ();
  g_autofree char *stored_fingerprint = NULL;
  gsize length, expected;
  guint32 header_length;
  guint64 epochs, step, n_params, n_state;
  const guint8 *data;
  g_autoptr(GError) key_error = NULL;

  if (!g_file_get_contents (path, &contents, &length, error))
    return FALSE;
  if (length < 12 || memcmp (contents, CHECKPOINT_MAGIC, 8) != 0)
    return checkpoint_fail (error, path, _("not a Bitlens training checkpoint"));
  memcpy (&header_length, contents + 8, 4);
  header_length = GUINT32_FROM_LE (header_length);
  if (header_length > CHECKPOINT_MAX_HEADER || header_length > length - 12)
    return checkpoint_fail (error, path, _("the header is truncated"));
  if (!g_key_file_load_from_data (header, contents + 12, header_length, G_KEY_FILE_NONE, &key_error))
    return checkpoint_fail (error, path, key_error->message);

  stored_fingerprint = g_key_file_get_string (header, CHECKPOINT_GROUP, "fingerprint", &key_error);
  if (stored_fingerprint == NULL)
    return checkpoint_fail (error, path, key_error->message);
  epochs = g_key_file_get_uint64 (header, CHECKPOINT_GROUP, "epochs_done", &key_error);
  if (key_error == NULL)
    step = g_key_file_get_uint64 (header, CHECKPOINT_GROUP, "adam_step", &key_error);
  if (key_error == NULL)
    n_params = g_key_file_get_uint64 (header, CHECKPOINT_GROUP, "n_params", &key_error);
  if (key_error == NULL)
    n_state = g_key_file_get_uint64 (header, CHECKPOINT_GROUP, "n_state", &key_error);
  if (key_error != NULL)
    return checkpoint_fail (error, path, key_error->message);

  if (fingerprint != NULL && strcmp (stored_fingerprint, fingerprint) != 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                   _("checkpoint %s was written by a run with other options (%s); this run has %s"),
                   path, stored_fingerprint, fingerprint);
      return FALSE;
    }
  if (n_params != network->n_params || n_state != network->n_state || epochs > G_MAXUINT)
    return checkpoint_fail (error, path, _("the network sizes do not match"));
  expected = 12 + (gsize) header_length + 4 * (3 * network->n_params + network->n_state);
  if (length != expected)
    return checkpoint_fail (error, path, _("the file is truncated or too long"));

  data = (const guint8 *) contents + 12 + header_length;
  read_floats (data, network->params, network->n_params);
  data += 4 * network->n_params;
  if (adam != NULL)
    {
      read_floats (data, adam->m, adam->n);
      read_floats (data + 4 * adam->n, adam->v, adam->n);
      adam->step = step;
    }
  data += 8 * network->n_params;
  read_floats (data, network->state, network->n_state);
  if (epochs_done != NULL)
    *epochs_done = (guint) epochs;
  return TRUE;
}
