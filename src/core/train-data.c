/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-core"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bitlens/bitlens-dataset.h"
#include "bitlens/bitlens-error.h"
#include "bitlens/bitlens-expression.h"
#include "dataset-private.h"
#include "train-data.h"

static void
train_item_free (gpointer data)
{
  TrainItem *item = data;

  bitlens_image_free (item->image);
  g_free (item->path);
  g_free (item);
}

TrainSet *
train_set_new (void)
{
  TrainSet *set = g_new0 (TrainSet, 1);

  set->items = g_ptr_array_new_with_free_func (train_item_free);
  set->source_names = g_ptr_array_new_with_free_func (g_free);
  return set;
}

void
train_set_free (TrainSet *set)
{
  if (set == NULL)
    return;
  g_ptr_array_unref (set->items);
  g_ptr_array_unref (set->source_names);
  g_free (set);
}

gboolean
train_parse_data_spec (const char  *spec,
                       char       **path,
                       char       **split,
                       double      *weight,
                       GError     **error)
{
  g_autofree char *text = g_strdup (spec);
  char *at = strrchr (text, '@');
  char *colon;

  *weight = 1.0;
  *split = NULL;
  if (at != NULL)
    {
      char *end;
      double value = g_ascii_strtod (at + 1, &end);

      if (end == at + 1 || *end != '\0' || !(value > 0.0) || !isfinite (value))
        {
          g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID,
                       _("%s: the weight after '@' must be a positive number"), spec);
          return FALSE;
        }
      *weight = value;
      *at = '\0';
    }
  colon = strrchr (text, ':');
  if (colon != NULL && colon != text && colon[1] != '\0'
      && !g_file_test (text, G_FILE_TEST_IS_DIR))
    {
      *split = g_strdup (colon + 1);
      *colon = '\0';
    }
  if (text[0] == '\0')
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_SPEC_INVALID, _("%s: no folder named"), spec);
      g_clear_pointer (split, g_free);
      return FALSE;
    }
  *path = g_steal_pointer (&text);
  return TRUE;
}

static double
image_mean_luma (const BitlensImage *image)
{
  double sum = 0.0;
  gsize n = (gsize) image->width * image->height;

  for (gsize p = 0; p < n; p++)
    {
      const guint8 *rgb = image->pixels + 3 * p;
      sum += (299u * rgb[0] + 587u * rgb[1] + 114u * rgb[2]) / 1000.0;
    }
  return n > 0 ? sum / (double) n : 0.0;
}

static double
image_std_luma (const BitlensImage *image,
                double              mean)
{
  double squares = 0.0;
  gsize n = (gsize) image->width * image->height;

  for (gsize p = 0; p < n; p++)
    {
      const guint8 *rgb = image->pixels + 3 * p;
      double luma = (299u * rgb[0] + 587u * rgb[1] + 114u * rgb[2]) / 1000.0;
      squares += (luma - mean) * (luma - mean);
    }
  return n > 0 ? sqrt (squares / (double) n) : 0.0;
}

/* Brings the longest side down to TRAIN_MAX_SOURCE_SIDE (area averaging), keeping the
 * aspect ratio. */
static BitlensImage *
cap_image_size (BitlensImage *image)
{
  int longest = MAX (image->width, image->height);
  BitlensImage *capped;
  int width, height;

  if (longest <= TRAIN_MAX_SOURCE_SIDE)
    return image;
  width = MAX (1, (int) ((gint64) image->width * TRAIN_MAX_SOURCE_SIDE / longest));
  height = MAX (1, (int) ((gint64) image->height * TRAIN_MAX_SOURCE_SIDE / longest));
  capped = bitlens_image_resize (image, width, height);
  bitlens_image_free (image);
  return capped;
}

/* Loads an image file as an item; `measures` (when not NULL) receives the file's width,
 * height and luma standard deviation. */
static TrainItem *
load_item (const char    *path,
           int            label,
           guint          source,
           double         weight,
           double         measures[3],
           GError       **error)
{
  g_autoptr(BitlensImage) image = bitlens_image_load (path, error);
  TrainItem *item;

  if (image == NULL)
    return NULL;
  item = g_new0 (TrainItem, 1);
  item->label = label;
  item->mean_luma = image_mean_luma (image);
  item->weight = weight;
  item->source = source;
  item->path = g_strdup (path);
  if (measures != NULL)
    {
      measures[0] = image->width;
      measures[1] = image->height;
      measures[2] = image_std_luma (image, item->mean_luma);
    }
  item->image = cap_image_size (g_steal_pointer (&image));
  return item;
}

/* Sets the measured columns (width, height, mean_luma, std_luma) of one row. */
static void
fill_measured_columns (BitlensTable *table,
                       guint         row,
                       double        width,
                       double        height,
                       double        mean_luma,
                       double        std_luma)
{
  for (guint c = 0; c < bitlens_table_get_n_columns (table); c++)
    {
      const char *name = bitlens_table_get_column_name (table, c);

      if (!bitlens_table_column_is_measured (table, c))
        continue;
      if (strcmp (name, "width") == 0)
        bitlens_table_set_number (table, row, c, width);
      else if (strcmp (name, "height") == 0)
        bitlens_table_set_number (table, row, c, height);
      else if (strcmp (name, "mean_luma") == 0)
        bitlens_table_set_number (table, row, c, mean_luma);
      else if (strcmp (name, "std_luma") == 0)
        bitlens_table_set_number (table, row, c, std_luma);
    }
}

gboolean
train_set_add_labelled (TrainSet      *set,
                        const char    *spec,
                        const char    *drop,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autofree char *path = NULL;
  g_autofree char *split = NULL;
  g_autoptr(BitlensDataset) dataset = NULL;
  g_autoptr(BitlensTable) table = NULL;
  g_autoptr(BitlensExpression) expression = NULL;
  g_autoptr(GPtrArray) loaded = g_ptr_array_new_with_free_func (train_item_free);
  double weight;
  guint source = set->source_names->len;

  if (!train_parse_data_spec (spec, &path, &split, &weight, error))
    return FALSE;
  dataset = bitlens_dataset_load (path, error);
  if (dataset == NULL)
    return FALSE;
  if (split != NULL)
    {
      g_autofree char *split_path = bitlens_dataset_find_split_file (dataset, split, NULL, error);
      BitlensDataset *part;

      if (split_path == NULL)
        return FALSE;
      part = bitlens_dataset_new_split (dataset, split_path, error);
      if (part == NULL)
        return FALSE;
      bitlens_dataset_unref (dataset);
      dataset = part;
    }
  if (bitlens_dataset_get_n_items (dataset) == 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_DATASET_INVALID,
                   _("%s: no usable images"), spec);
      return FALSE;
    }
  table = bitlens_table_copy (bitlens_dataset_get_table (dataset));
  if (drop != NULL && drop[0] != '\0')
    {
      expression = bitlens_expression_new (drop, table, error);
      if (expression == NULL)
        {
          g_prefix_error (error, _("drop expression \"%s\" on %s: "), drop, spec);
          return FALSE;
        }
    }

  for (guint i = 0; i < bitlens_dataset_get_n_items (dataset); i++)
    {
      const BitlensDatasetItem *entry = bitlens_dataset_get_item (dataset, i);
      TrainItem *item;
      double measures[3];

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      item = load_item (entry->path, entry->label, source, weight, measures, error);
      if (item == NULL)
        {
          g_prefix_error (error, _("training data %s: "), spec);
          return FALSE;
        }
      fill_measured_columns (table, i, measures[0], measures[1], item->mean_luma, measures[2]);
      if (expression != NULL && bitlens_expression_matches (expression, table, i))
        {
          set->n_dropped++;
          train_item_free (item);
          continue;
        }
      g_ptr_array_add (loaded, item);
    }

  g_ptr_array_add (set->source_names, g_strdup (bitlens_dataset_get_name (dataset)));
  g_ptr_array_extend_and_steal (set->items, g_steal_pointer (&loaded));
  return TRUE;
}

static gboolean
is_image_name (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  return g_str_has_suffix (lower, ".png") || g_str_has_suffix (lower, ".jpg")
         || g_str_has_suffix (lower, ".jpeg");
}

static gboolean
list_images (const char  *folder,
             GPtrArray   *paths,
             int          depth,
             GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, error);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (depth < 8 && !list_images (path, paths, depth + 1, error))
            return FALSE;
        }
      else if (is_image_name (name))
        g_ptr_array_add (paths, g_steal_pointer (&path));
    }
  return TRUE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

gboolean
train_set_add_unlabelled (TrainSet      *set,
                          const char    *spec,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autofree char *path = NULL;
  g_autofree char *split = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) loaded = g_ptr_array_new_with_free_func (train_item_free);
  double weight;
  guint source = set->source_names->len;

  if (!train_parse_data_spec (spec, &path, &split, &weight, error))
    return FALSE;
  if (split != NULL)
    {
      /* A folder name holding ':' */
      g_autofree char *joined = g_strconcat (path, ":", split, NULL);
      g_free (path);
      path = g_steal_pointer (&joined);
    }
  if (!list_images (path, paths, 0, error))
    return FALSE;
  if (paths->len == 0)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_DATASET_INVALID,
                   _("%s: no PNG or JPEG images"), path);
      return FALSE;
    }
  g_ptr_array_sort (paths, compare_strings);
  for (guint i = 0; i < paths->len; i++)
    {
      TrainItem *item;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      item = load_item (g_ptr_array_index (paths, i), -1, source, weight, NULL, error);
      if (item == NULL)
        {
          g_prefix_error (error, _("unlabelled data %s: "), spec);
          return FALSE;
        }
      g_ptr_array_add (loaded, item);
    }
  g_ptr_array_add (set->source_names, g_path_get_basename (path));
  g_ptr_array_extend_and_steal (set->items, g_steal_pointer (&loaded));
  return TRUE;
}

guint
train_set_count_label (TrainSet *set,
                       int       label)
{
  guint count = 0;

  for (guint i = 0; i < set->items->len; i++)
    count += ((TrainItem *) g_ptr_array_index (set->items, i))->label == label;
  return count;
}

void
train_set_balance (TrainSet *set,
                   double    luma_threshold)
{
  /* [bucket][label] */
  double totals[2][2] = { { 0, 0 }, { 0, 0 } };

  for (guint i = 0; i < set->items->len; i++)
    {
      const TrainItem *item = g_ptr_array_index (set->items, i);
      int bucket = luma_threshold > 0.0 && item->mean_luma < luma_threshold;

      if (item->label >= 0)
        totals[bucket][item->label] += item->weight;
    }
  for (guint i = 0; i < set->items->len; i++)
    {
      TrainItem *item = g_ptr_array_index (set->items, i);
      int bucket = luma_threshold > 0.0 && item->mean_luma < luma_threshold;
      double both = totals[bucket][0] + totals[bucket][1];

      if (item->label < 0 || totals[bucket][0] == 0.0 || totals[bucket][1] == 0.0)
        continue;
      item->weight *= both / (2.0 * totals[bucket][item->label]);
    }
}

guint *
train_set_sample (TrainSet *set,
                  guint64   seed,
                  guint     epoch,
                  guint     n)
{
  g_autofree double *cumulative = g_new (double, set->items->len);
  guint *chosen = g_new (guint, n);
  double total = 0.0;
  TrainRng rng;

  g_assert (set->items->len > 0);
  for (guint i = 0; i < set->items->len; i++)
    {
      total += ((TrainItem *) g_ptr_array_index (set->items, i))->weight;
      cumulative[i] = total;
    }
  train_rng_init (&rng, seed, TRAIN_STREAM_SAMPLING, epoch);
  for (guint k = 0; k < n; k++)
    {
      double target = train_rng_uniform (&rng) * total;
      guint low = 0, high = set->items->len - 1;

      /* The first index whose cumulative weight exceeds the target. */
      while (low < high)
        {
          guint middle = low + (high - low) / 2;
          if (cumulative[middle] > target)
            high = middle;
          else
            low = middle + 1;
        }
      chosen[k] = low;
    }
  return chosen;
}

/* Augmentation */

void
train_augmentation_init (TrainAugmentation *augmentation)
{
  augmentation->min_area = 0.35;
  augmentation->max_aspect_change = 4.0 / 3.0;
  augmentation->flip_probability = 0.5;
  augmentation->brightness = 0.15;
  augmentation->contrast = 0.3;
  augmentation->gray_probability = 0.05;
  augmentation->low_light_probability = 0.0;
  augmentation->low_light_label = -1;
}

static guint8
clamp_pixel (double value)
{
  double rounded = floor (value + 0.5);

  if (!(rounded >= 0.0))
    return 0;
  if (rounded > 255.0)
    return 255;
  return (guint8) rounded;
}

static void
crop_and_stretch (const BitlensImage *source,
                  TrainRng           *rng,
                  const TrainAugmentation *augmentation,
                  BitlensImage       *view)
{
  double area = train_rng_range (rng, augmentation->min_area, 1.0);
  double log_change = log (augmentation->max_aspect_change);
  double change = exp (train_rng_range (rng, -log_change, log_change));
  int width = (int) floor (source->width * sqrt (area * change) + 0.5);
  int height = (int) floor (source->height * sqrt (area / change) + 0.5);
  g_autoptr(BitlensImage) crop = NULL;
  g_autoptr(BitlensImage) stretched = NULL;
  int x0, y0;

  width = CLAMP (width, 1, source->width);
  height = CLAMP (height, 1, source->height);
  x0 = (int) train_rng_below (rng, (guint64) (source->width - width + 1));
  y0 = (int) train_rng_below (rng, (guint64) (source->height - height + 1));
  crop = bitlens_image_new (width, height);
  for (int y = 0; y < height; y++)
    memcpy (crop->pixels + (gsize) y * width * 3,
            source->pixels + ((gsize) (y0 + y) * source->width + x0) * 3, (gsize) width * 3);
  stretched = bitlens_image_resize (crop, view->width, view->height);
  memcpy (view->pixels, stretched->pixels, (gsize) view->width * view->height * 3);
}

static void
flip_horizontally (BitlensImage *view)
{
  for (int y = 0; y < view->height; y++)
    {
      guint8 *row = view->pixels + (gsize) y * view->width * 3;

      for (int x = 0; x < view->width / 2; x++)
        for (int c = 0; c < 3; c++)
          {
            guint8 t = row[x * 3 + c];
            row[x * 3 + c] = row[(view->width - 1 - x) * 3 + c];
            row[(view->width - 1 - x) * 3 + c] = t;
          }
    }
}

void
train_make_view (const TrainItem         *item,
                 const TrainAugmentation *augmentation,
                 TrainRng                *rng,
                 BitlensImage            *view)
{
  gsize n = (gsize) view->width * view->height * 3;
  double contrast, brightness, mean = 0.0;
  gboolean gray, low_light;
  double dim = 1.0, noise = 0.0;

  crop_and_stretch (item->image, rng, augmentation, view);
  if (train_rng_uniform (rng) < augmentation->flip_probability)
    flip_horizontally (view);

  /* Every random draw happens whatever the options, so that one option does not shift the
   * others' random numbers. */
  contrast = 1.0 + train_rng_range (rng, -augmentation->contrast, augmentation->contrast);
  brightness = 255.0 * train_rng_range (rng, -augmentation->brightness, augmentation->brightness);
  gray = train_rng_uniform (rng) < augmentation->gray_probability;
  low_light = train_rng_uniform (rng) < augmentation->low_light_probability
              && (augmentation->low_light_label < 0 || augmentation->low_light_label == item->label);
  dim = train_rng_range (rng, 0.08, 0.35);
  noise = train_rng_range (rng, 1.0, 6.0);

  for (gsize i = 0; i < n; i++)
    mean += view->pixels[i];
  mean /= (double) n;

  for (gsize p = 0; p < n; p += 3)
    {
      double rgb[3];

      for (int c = 0; c < 3; c++)
        rgb[c] = (view->pixels[p + c] - mean) * contrast + mean + brightness;
      if (gray)
        {
          double luma = (299.0 * rgb[0] + 587.0 * rgb[1] + 114.0 * rgb[2]) / 1000.0;
          rgb[0] = rgb[1] = rgb[2] = luma;
        }
      if (low_light)
        {
          /* A dim exposure with sensor noise (a triangular distribution, the same on the
           * three channels plus a little per channel). */
          double shared = noise * (train_rng_uniform (rng) + train_rng_uniform (rng) - 1.0);
          for (int c = 0; c < 3; c++)
            rgb[c] = rgb[c] * dim + shared + 0.5 * noise * (train_rng_uniform (rng) - 0.5);
        }
      for (int c = 0; c < 3; c++)
        view->pixels[p + c] = clamp_pixel (rgb[c]);
    }
}

double
train_paste_box (BitlensImage       *view,
                 const BitlensImage *other,
                 TrainRng           *rng)
{
  double area = train_rng_range (rng, 0.1, 0.45);
  double aspect = exp (train_rng_range (rng, -log (2.0), log (2.0)));
  int width = (int) floor (view->width * sqrt (area * aspect) + 0.5);
  int height = (int) floor (view->height * sqrt (area / aspect) + 0.5);
  int x0, y0;

  g_assert (view->width == other->width && view->height == other->height);
  width = CLAMP (width, 1, view->width);
  height = CLAMP (height, 1, view->height);
  x0 = (int) train_rng_below (rng, (guint64) (view->width - width + 1));
  y0 = (int) train_rng_below (rng, (guint64) (view->height - height + 1));
  for (int y = y0; y < y0 + height; y++)
    memcpy (view->pixels + ((gsize) y * view->width + x0) * 3,
            other->pixels + ((gsize) y * other->width + x0) * 3, (gsize) width * 3);
  return (double) width * height / ((double) view->width * view->height);
}

void
train_image_to_input (const BitlensImage *image,
                      int                 size,
                      int                 channels,
                      float              *input)
{
  const int shape[4] = { 1, size, size, channels };
  BitlensTensor tensor = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean ok;

  tensor.name = (char *) "input";
  tensor.type = BITLENS_TYPE_FLOAT32;
  tensor.rank = 4;
  memcpy (tensor.shape, shape, sizeof shape);
  tensor.n_elements = (gsize) size * size * channels;
  tensor.n_bytes = tensor.n_elements * sizeof (float);
  ok = bitlens_image_to_input (image, &tensor, input, &error);
  g_assert_no_error (error);
  g_assert (ok);
}

/* Teacher */

#define TRAIN_MAX_TEACHER_FEATURES 4096

static int
find_producer (BitlensModel *model,
               int           tensor)
{
  for (int o = (int) bitlens_model_get_n_ops (model) - 1; o >= 0; o--)
    {
      const BitlensOp *op = bitlens_model_get_op (model, (guint) o);

      for (int k = 0; k < op->n_outputs; k++)
        if (op->outputs[k] == tensor)
          return o;
    }
  return -1;
}

/* The input of the op computing the logits, or -1. */
static int
find_feature_tensor (BitlensModel *model)
{
  int output = bitlens_model_get_output (model, 0);
  int producer = find_producer (model, output);
  const BitlensOp *op;
  const BitlensTensor *tensor;

  if (producer < 0)
    return -1;
  op = bitlens_model_get_op (model, (guint) producer);
  if (op->kind == BITLENS_OP_SOFTMAX || op->kind == BITLENS_OP_LOGISTIC)
    {
      producer = find_producer (model, op->inputs[0]);
      if (producer < 0)
        return -1;
      op = bitlens_model_get_op (model, (guint) producer);
    }
  if (op->n_inputs < 1 || op->inputs[0] < 0)
    return -1;
  tensor = bitlens_model_get_tensor (model, (guint) op->inputs[0]);
  if (tensor->data != NULL || tensor->n_elements == 0 || tensor->n_elements > TRAIN_MAX_TEACHER_FEATURES
      || (tensor->type != BITLENS_TYPE_FLOAT32 && tensor->type != BITLENS_TYPE_INT8))
    return -1;
  return op->inputs[0];
}

typedef struct
{
  TrainTeacher *teacher;
  guint         worker;
} TeacherTap;

static float *
capture_buffer (TrainTeacher *teacher,
                guint         worker,
                int           k)
{
  return teacher->buffers[worker * TRAIN_MAX_CAPTURES + k];
}

/* Copies the captured tensors, dequantized, when the op producing them has run. */
static void
teacher_tap (BitlensInterpreter *interpreter,
             guint               op_index,
             int                 tensor_index,
             const void         *data,
             gpointer            user_data)
{
  TeacherTap *tap = user_data;
  TrainTeacher *teacher = tap->teacher;

  for (int k = 0; k < teacher->n_captures; k++)
    {
      const BitlensTensor *tensor;
      float *out = capture_buffer (teacher, tap->worker, k);

      if (tensor_index != teacher->capture_tensors[k])
        continue;
      tensor = bitlens_model_get_tensor (teacher->model, (guint) tensor_index);
      if (tensor->type == BITLENS_TYPE_FLOAT32)
        memcpy (out, data, sizeof (float) * teacher->capture_sizes[k]);
      else
        {
          float scale = bitlens_tensor_scale (tensor);
          int zero_point = bitlens_tensor_zero_point (tensor);

          for (int i = 0; i < teacher->capture_sizes[k]; i++)
            out[i] = scale * (float) (((const gint8 *) data)[i] - zero_point);
        }
    }
}

TrainTeacher *
train_teacher_new (const char  *path,
                   guint        n_workers,
                   GError     **error)
{
  g_autoptr(BitlensModel) model = bitlens_model_new_from_file (path, error);
  const BitlensTensor *input;
  TrainTeacher *teacher;

  if (model == NULL)
    return NULL;
  if (bitlens_model_get_n_inputs (model) != 1)
    {
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("teacher %s: expected one input, it has %u"), path,
                   bitlens_model_get_n_inputs (model));
      return NULL;
    }
  input = bitlens_model_get_tensor (model, bitlens_model_get_input (model, 0));
  if (!bitlens_image_can_fill_input (input))
    {
      g_autofree char *shape = bitlens_tensor_format_shape (input);
      g_set_error (error, BITLENS_ERROR, BITLENS_ERROR_MODEL_UNSUPPORTED,
                   _("teacher %s: its input %s %s cannot take an image"), path,
                   bitlens_tensor_type_name (input->type), shape);
      return NULL;
    }
  teacher = g_new0 (TrainTeacher, 1);
  teacher->n_workers = n_workers;
  teacher->model = g_steal_pointer (&model);
  teacher->feature_tensor = find_feature_tensor (teacher->model);
  teacher->interpreters = g_new0 (BitlensInterpreter *, n_workers);
  teacher->buffers = g_new0 (float *, (gsize) n_workers * TRAIN_MAX_CAPTURES);
  teacher->taps = g_new0 (TeacherTap, n_workers);
  for (guint w = 0; w < n_workers; w++)
    {
      teacher->interpreters[w] = bitlens_interpreter_new (teacher->model, BITLENS_INTERPRETER_DEFAULT, error);
      if (teacher->interpreters[w] == NULL)
        {
          train_teacher_free (teacher);
          return NULL;
        }
      ((TeacherTap *) teacher->taps)[w] = (TeacherTap) { teacher, w };
      bitlens_interpreter_set_tap (teacher->interpreters[w], teacher_tap, &((TeacherTap *) teacher->taps)[w]);
    }
  return teacher;
}

void
train_teacher_free (TrainTeacher *teacher)
{
  if (teacher == NULL)
    return;
  for (guint w = 0; w < teacher->n_workers; w++)
    g_clear_pointer (&teacher->interpreters[w], bitlens_interpreter_free);
  for (guint i = 0; i < teacher->n_workers * TRAIN_MAX_CAPTURES; i++)
    g_free (teacher->buffers[i]);
  g_free (teacher->interpreters);
  g_free (teacher->buffers);
  g_free (teacher->taps);
  g_clear_pointer (&teacher->model, bitlens_model_unref);
  g_free (teacher);
}

int
train_teacher_find_map (TrainTeacher *teacher,
                        int           height,
                        int           width)
{
  for (int o = (int) bitlens_model_get_n_ops (teacher->model) - 1; o >= 0; o--)
    {
      const BitlensOp *op = bitlens_model_get_op (teacher->model, (guint) o);
      const BitlensTensor *tensor;

      if (op->n_outputs < 1 || op->outputs[0] < 0)
        continue;
      tensor = bitlens_model_get_tensor (teacher->model, (guint) op->outputs[0]);
      if (tensor->rank == 4 && tensor->shape[0] == 1 && tensor->shape[1] == height
          && tensor->shape[2] == width && tensor->data == NULL
          && (tensor->type == BITLENS_TYPE_INT8 || tensor->type == BITLENS_TYPE_FLOAT32))
        return op->outputs[0];
    }
  return -1;
}

int
train_teacher_capture (TrainTeacher *teacher,
                       int           tensor)
{
  int k = teacher->n_captures;

  g_assert (k < TRAIN_MAX_CAPTURES);
  g_assert (tensor >= 0 && (guint) tensor < bitlens_model_get_n_tensors (teacher->model));
  teacher->capture_tensors[k] = tensor;
  teacher->capture_sizes[k] = (int) bitlens_model_get_tensor (teacher->model, (guint) tensor)->n_elements;
  for (guint w = 0; w < teacher->n_workers; w++)
    teacher->buffers[w * TRAIN_MAX_CAPTURES + k] = g_new0 (float, teacher->capture_sizes[k]);
  teacher->n_captures++;
  return k;
}

double
train_teacher_score (TrainTeacher       *teacher,
                     guint               worker,
                     const BitlensImage *view,
                     float * const      *outputs)
{
  BitlensInterpreter *interpreter = teacher->interpreters[worker];
  const BitlensTensor *input = bitlens_model_get_tensor (teacher->model, bitlens_model_get_input (teacher->model, 0));
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = bitlens_image_to_input (view, input, bitlens_interpreter_get_input_data (interpreter, 0), &error);
  g_assert_no_error (error);
  g_assert (ok);
  bitlens_interpreter_invoke (interpreter);
  for (int k = 0; outputs != NULL && k < teacher->n_captures; k++)
    if (outputs[k] != NULL)
      memcpy (outputs[k], capture_buffer (teacher, worker, k), sizeof (float) * teacher->capture_sizes[k]);
  return bitlens_interpreter_get_person_score (interpreter);
}
