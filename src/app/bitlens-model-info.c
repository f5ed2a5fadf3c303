/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <glib/gi18n.h>

#include "bitlens-model-info.h"

struct _BitlensModelInfo
{
  AdwWindow           parent_instance;

  /* template children */
  AdwWindowTitle     *window_title;
  AdwPreferencesPage *page;

  /* owned */
  BitlensModel       *model;
};

G_DEFINE_FINAL_TYPE (BitlensModelInfo, bitlens_model_info, ADW_TYPE_WINDOW)

char *
bitlens_format_count (guint64 count)
{
  if (count >= 1000000000)
    return g_strdup_printf ("%.2f G", count / 1e9);
  if (count >= 1000000)
    return g_strdup_printf ("%.2f M", count / 1e6);
  if (count >= 10000)
    return g_strdup_printf ("%.1f k", count / 1e3);
  return g_strdup_printf ("%" G_GUINT64_FORMAT, count);
}

static AdwPreferencesGroup *
add_group (BitlensModelInfo *self,
           const char       *title)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());

  adw_preferences_group_set_title (group, title);
  adw_preferences_page_add (self->page, group);
  return group;
}

static void
add_row (AdwPreferencesGroup *group,
         const char          *title,
         const char          *value)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new (value);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  /* One line each: long tensor descriptions end in "…" and show whole in the tooltip. */
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 44);
  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_widget_set_tooltip_text (label, value);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "numeric");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  adw_preferences_group_add (group, row);
}

static char *
describe_tensor (const BitlensTensor *tensor)
{
  g_autofree char *shape = bitlens_tensor_format_shape (tensor);

  if (tensor->n_scales == 1)
    return g_strdup_printf ("%s %s  scale %g  zero point %d", bitlens_tensor_type_name (tensor->type),
                            shape, bitlens_tensor_scale (tensor), bitlens_tensor_zero_point (tensor));
  if (tensor->n_scales > 1)
    return g_strdup_printf (_("%s %s  %d channel scales"), bitlens_tensor_type_name (tensor->type),
                            shape, tensor->n_scales);
  return g_strdup_printf ("%s %s", bitlens_tensor_type_name (tensor->type), shape);
}

static void
add_tensor_rows (AdwPreferencesGroup *group,
                 BitlensModel        *model,
                 guint                n,
                 int                (*get_index) (const BitlensModel *, guint))
{
  for (guint i = 0; i < n; i++)
    {
      int index = get_index (model, i);
      const BitlensTensor *tensor = bitlens_model_get_tensor (model, (guint) index);
      g_autofree char *value = describe_tensor (tensor);

      add_row (group, tensor->name != NULL && *tensor->name ? tensor->name : _("(unnamed)"), value);
    }
}

static void
fill (BitlensModelInfo *self)
{
  BitlensModel *model = self->model;
  BitlensModelCost cost;
  AdwPreferencesGroup *group;
  g_autofree char *parameters = NULL;
  g_autofree char *parameter_bytes = NULL;
  g_autofree char *macs = NULL;
  g_autofree char *binary_ops = NULL;
  g_autofree char *n_ops = NULL;
  g_autofree char *n_tensors = NULL;
  guint binary_layers = 0;

  bitlens_model_get_cost (model, &cost);
  for (guint i = 0; i < bitlens_model_get_n_ops (model); i++)
    if (bitlens_model_get_op (model, i)->kind == BITLENS_OP_LCE_BCONV2D)
      binary_layers++;

  adw_window_title_set_title (self->window_title, bitlens_model_get_name (model));
  adw_window_title_set_subtitle (self->window_title,
                                 binary_layers > 0 ? _("Binarized network (Larq Compute Engine)")
                                                   : _("TensorFlow Lite model"));

  group = add_group (self, _("Cost"));
  parameters = bitlens_format_count (cost.parameters);
  parameter_bytes = g_format_size (cost.parameter_bytes);
  macs = bitlens_format_count (cost.macs);
  binary_ops = bitlens_format_count (cost.binary_ops);
  n_ops = g_strdup_printf ("%u", bitlens_model_get_n_ops (model));
  n_tensors = g_strdup_printf ("%u", bitlens_model_get_n_tensors (model));
  add_row (group, _("Parameters"), parameters);
  add_row (group, _("Parameter memory"), parameter_bytes);
  add_row (group, _("Multiply-accumulates per inference"), macs);
  add_row (group, _("Binary operations per inference"), binary_ops);
  add_row (group, _("Layers"), n_ops);
  add_row (group, _("Tensors"), n_tensors);
  if (bitlens_model_get_description (model) != NULL && *bitlens_model_get_description (model))
    add_row (group, _("Description"), bitlens_model_get_description (model));

  group = add_group (self, _("Inputs"));
  add_tensor_rows (group, model, bitlens_model_get_n_inputs (model), bitlens_model_get_input);
  group = add_group (self, _("Outputs"));
  add_tensor_rows (group, model, bitlens_model_get_n_outputs (model), bitlens_model_get_output);

  group = add_group (self, _("Layers"));
  for (guint i = 0; i < bitlens_model_get_n_ops (model); i++)
    {
      const BitlensOp *op = bitlens_model_get_op (model, i);
      g_autofree char *title = g_strdup_printf ("%u  %s", i, bitlens_op_kind_name (op->kind));
      g_autofree char *value = NULL;

      if (op->n_outputs > 0 && op->outputs[0] >= 0)
        value = describe_tensor (bitlens_model_get_tensor (model, (guint) op->outputs[0]));
      add_row (group, title, value != NULL ? value : "");
    }
}

static void
bitlens_model_info_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BITLENS_TYPE_MODEL_INFO);

  G_OBJECT_CLASS (bitlens_model_info_parent_class)->dispose (object);
}

static void
bitlens_model_info_finalize (GObject *object)
{
  BitlensModelInfo *self = BITLENS_MODEL_INFO (object);

  g_clear_pointer (&self->model, bitlens_model_unref);

  G_OBJECT_CLASS (bitlens_model_info_parent_class)->finalize (object);
}

static void
bitlens_model_info_class_init (BitlensModelInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bitlens_model_info_dispose;
  object_class->finalize = bitlens_model_info_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/bitlens/Bitlens/ui/bitlens-model-info.ui");
  gtk_widget_class_bind_template_child (widget_class, BitlensModelInfo, window_title);
  gtk_widget_class_bind_template_child (widget_class, BitlensModelInfo, page);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
bitlens_model_info_init (BitlensModelInfo *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

BitlensModelInfo *
bitlens_model_info_new (BitlensModel *model)
{
  BitlensModelInfo *self;

  g_return_val_if_fail (model != NULL, NULL);

  self = g_object_new (BITLENS_TYPE_MODEL_INFO, NULL);
  self->model = bitlens_model_ref (model);
  fill (self);
  return self;
}
