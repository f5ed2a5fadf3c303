/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include "bitlens/bitlens-tensor.h"

gsize
bitlens_tensor_type_size (BitlensTensorType type)
{
  switch (type)
    {
    case BITLENS_TYPE_FLOAT32: return 4;
    case BITLENS_TYPE_INT32: return 4;
    case BITLENS_TYPE_UINT8: return 1;
    case BITLENS_TYPE_INT64: return 8;
    case BITLENS_TYPE_BOOL: return 1;
    case BITLENS_TYPE_INT16: return 2;
    case BITLENS_TYPE_INT8: return 1;
    default: return 0;
    }
}

const char *
bitlens_tensor_type_name (BitlensTensorType type)
{
  switch (type)
    {
    case BITLENS_TYPE_FLOAT32: return "float32";
    case BITLENS_TYPE_INT32: return "int32";
    case BITLENS_TYPE_UINT8: return "uint8";
    case BITLENS_TYPE_INT64: return "int64";
    case BITLENS_TYPE_BOOL: return "bool";
    case BITLENS_TYPE_INT16: return "int16";
    case BITLENS_TYPE_INT8: return "int8";
    default: return "unknown";
    }
}

gboolean
bitlens_tensor_type_is_known (int type)
{
  return bitlens_tensor_type_size ((BitlensTensorType) type) != 0;
}

float
bitlens_tensor_scale (const BitlensTensor *tensor)
{
  g_return_val_if_fail (tensor != NULL, 1.0f);
  return tensor->n_scales > 0 ? tensor->scales[0] : 1.0f;
}

int
bitlens_tensor_zero_point (const BitlensTensor *tensor)
{
  g_return_val_if_fail (tensor != NULL, 0);
  return tensor->n_scales > 0 ? (int) tensor->zero_points[0] : 0;
}

char *
bitlens_tensor_format_shape (const BitlensTensor *tensor)
{
  GString *text = g_string_new ("[");

  for (int i = 0; i < tensor->rank; i++)
    g_string_append_printf (text, "%s%d", i ? "," : "", tensor->shape[i]);
  g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}
