/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include <bitlens/bitlens-render.h>

#include "bitlens-saliency-panel.h"

typedef struct
{
  const char *id;          /* the value stored in GSettings */
  const char *label;       /* translatable, marked with N_ () */
} Choice;

/* Every method of the core, in the core's order; only the available ones are offered. */
static const Choice all_method_choices[] = {
  { "occlusion", N_("Occlusion") },
  { "gradient", N_("Gradient") },
  { "gradient-x-input", N_("Gradient × input") },
  { "integrated-gradients", N_("Integrated gradients") },
  { "smoothgrad", N_("SmoothGrad") },
  { "gradcam", N_("Grad-CAM") },
  { NULL, NULL }
};

/* What fills an occluded window or starts the integrated-gradients path. */
static const Choice baseline_choices[] = {
  { "blur", N_("Blurred copy") },
  { "gray", N_("Gray level") },
  { "black", N_("Black") },
  { NULL, NULL }
};

static const Choice colormap_choices[] = {
  { "auto", N_("Automatic") },
  { "viridis", N_("Viridis") },
  { "inferno", N_("Inferno") },
  { "cividis", N_("Cividis") },
  { "puor", N_("Purple to orange") },
  { "brbg", N_("Teal to brown") },
  { NULL, NULL }
};

static const Choice mode_choices[] = {
  { "blend", N_("Blend") },
  { "heat", N_("Heat map only") },
  { "mask", N_("Mask the image") },
  { NULL, NULL }
};

static const Choice sign_choices[] = {
  { "both", N_("Both, around zero") },
  { "positive", N_("For person") },
  { "negative", N_("Against person") },
  { "absolute", N_("Absolute value") },
  { NULL, NULL }
};

/* One drop-down backed by a list of choices and exposed as a string property. */
typedef struct
{
  AdwComboRow  *row;
  const Choice *choices;
  guint         prop_id;
} ChoiceRow;

enum {
  PROP_0,
  PROP_METHOD,
  PROP_BASELINE_KIND,
  PROP_COLORMAP,
  PROP_MODE,
  PROP_SIGN,
  N_PROPS
};

enum {
  CHOICE_METHOD,
  CHOICE_BASELINE,
  CHOICE_COLORMAP,
  CHOICE_MODE,
  CHOICE_SIGN,
  N_CHOICES
};

struct _BitlensSaliencyPanel
{
  GtkWidget      parent_instance;

  /* template children */
  GtkWidget     *box;
  AdwComboRow   *method_row;
  AdwComboRow   *baseline_kind_row;
  AdwComboRow   *colormap_row;
  AdwComboRow   *mode_row;
  AdwComboRow   *sign_row;
  GtkAdjustment *window_adjustment;
  GtkAdjustment *stride_adjustment;
  GtkAdjustment *baseline_adjustment;
  GtkAdjustment *blur_radius_adjustment;
  GtkAdjustment *opacity_adjustment;
  GtkAdjustment *clip_adjustment;
  GtkAdjustment *steps_adjustment;
  GtkAdjustment *samples_adjustment;
  GtkWidget     *window_row;
  GtkWidget     *stride_row;
  GtkWidget     *baseline_row;
  GtkWidget     *blur_radius_row;
  GtkWidget     *steps_row;
  GtkWidget     *samples_row;

  ChoiceRow      choice_rows[N_CHOICES];
  Choice        *method_choices;     /* the available methods, NULL-terminated */
};

G_DEFINE_FINAL_TYPE (BitlensSaliencyPanel, bitlens_saliency_panel, GTK_TYPE_WIDGET)

enum {
  PARAMETERS_CHANGED,
  DISPLAY_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const char *
choice_row_get_id (ChoiceRow *choice_row)
{
  guint selected = adw_combo_row_get_selected (choice_row->row);
  guint n = 0;

  while (choice_row->choices[n].id != NULL)
    n++;
  if (n == 0)
    return "";
  return choice_row->choices[selected < n ? selected : 0].id;
}

static void
choice_row_set_id (ChoiceRow  *choice_row,
                   const char *id)
{
  for (guint i = 0; choice_row->choices[i].id != NULL; i++)
    if (g_strcmp0 (choice_row->choices[i].id, id) == 0)
      {
        adw_combo_row_set_selected (choice_row->row, i);
        return;
      }
}

/* Shows the parameters the selected method reads; of the baseline's, the gray level counts
 * only for a gray baseline and the radius only for the blurred copy. */
static void
update_parameter_rows (BitlensSaliencyPanel *self)
{
  const char *method = choice_row_get_id (&self->choice_rows[CHOICE_METHOD]);
  const char *baseline = choice_row_get_id (&self->choice_rows[CHOICE_BASELINE]);
  gboolean occlusion = g_strcmp0 (method, "occlusion") == 0;
  gboolean has_baseline = occlusion || g_strcmp0 (method, "integrated-gradients") == 0;

  gtk_widget_set_visible (self->window_row, occlusion);
  gtk_widget_set_visible (self->stride_row, occlusion);
  gtk_widget_set_visible (GTK_WIDGET (self->baseline_kind_row), has_baseline);
  gtk_widget_set_visible (self->baseline_row, has_baseline);
  gtk_widget_set_visible (self->blur_radius_row, has_baseline);
  gtk_widget_set_sensitive (self->baseline_row, g_strcmp0 (baseline, "gray") == 0);
  gtk_widget_set_sensitive (self->blur_radius_row, g_strcmp0 (baseline, "blur") == 0);
  gtk_widget_set_visible (self->steps_row, g_strcmp0 (method, "integrated-gradients") == 0);
  gtk_widget_set_visible (self->samples_row, g_strcmp0 (method, "smoothgrad") == 0);
  /* Gradient maps say where their gradients come from (a binary network has none). */
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->method_row),
                               g_strcmp0 (method, "occlusion") == 0 || method[0] == '\0' ? ""
                               : _("Gradients of a float shadow of the model, with straight-through "
                                   "estimators for the quantize and sign steps"));
}

static void
on_choice_selected (AdwComboRow          *row,
                    GParamSpec           *pspec,
                    BitlensSaliencyPanel *self)
{
  for (guint i = 0; i < N_CHOICES; i++)
    if (self->choice_rows[i].row == row)
      {
        g_object_notify_by_pspec (G_OBJECT (self), properties[self->choice_rows[i].prop_id]);
        if (i == CHOICE_METHOD || i == CHOICE_BASELINE)
          {
            update_parameter_rows (self);
            g_signal_emit (self, signals[PARAMETERS_CHANGED], 0);
          }
        else
          g_signal_emit (self, signals[DISPLAY_CHANGED], 0);
      }
}

static void
on_parameter_value_changed (GtkAdjustment        *adjustment,
                            BitlensSaliencyPanel *self)
{
  g_signal_emit (self, signals[PARAMETERS_CHANGED], 0);
}

static void
on_display_value_changed (GtkAdjustment        *adjustment,
                          BitlensSaliencyPanel *self)
{
  g_signal_emit (self, signals[DISPLAY_CHANGED], 0);
}

static ChoiceRow *
choice_row_for_prop (BitlensSaliencyPanel *self,
                     guint                 prop_id)
{
  for (guint i = 0; i < N_CHOICES; i++)
    if (self->choice_rows[i].prop_id == prop_id)
      return &self->choice_rows[i];
  return NULL;
}

static void
bitlens_saliency_panel_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  BitlensSaliencyPanel *self = BITLENS_SALIENCY_PANEL (object);
  ChoiceRow *choice_row = choice_row_for_prop (self, prop_id);

  if (choice_row != NULL)
    g_value_set_string (value, choice_row_get_id (choice_row));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
bitlens_saliency_panel_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  BitlensSaliencyPanel *self = BITLENS_SALIENCY_PANEL (object);
  ChoiceRow *choice_row = choice_row_for_prop (self, prop_id);

  if (choice_row != NULL)
    choice_row_set_id (choice_row, g_value_get_string (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
bitlens_saliency_panel_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BITLENS_TYPE_SALIENCY_PANEL);

  G_OBJECT_CLASS (bitlens_saliency_panel_parent_class)->dispose (object);
}

static void
bitlens_saliency_panel_finalize (GObject *object)
{
  BitlensSaliencyPanel *self = BITLENS_SALIENCY_PANEL (object);

  g_clear_pointer (&self->method_choices, g_free);

  G_OBJECT_CLASS (bitlens_saliency_panel_parent_class)->finalize (object);
}

static void
bitlens_saliency_panel_class_init (BitlensSaliencyPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bitlens_saliency_panel_dispose;
  object_class->finalize = bitlens_saliency_panel_finalize;
  object_class->get_property = bitlens_saliency_panel_get_property;
  object_class->set_property = bitlens_saliency_panel_set_property;

  properties[PROP_METHOD] =
    g_param_spec_string ("method", NULL, NULL, "occlusion",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BASELINE_KIND] =
    g_param_spec_string ("baseline-kind", NULL, NULL, "blur",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COLORMAP] =
    g_param_spec_string ("colormap", NULL, NULL, "inferno",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODE] =
    g_param_spec_string ("mode", NULL, NULL, "blend",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIGN] =
    g_param_spec_string ("sign", NULL, NULL, "both",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The map must be computed again. */
  signals[PARAMETERS_CHANGED] =
    g_signal_new ("parameters-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* Only the picture of the map changes. */
  signals[DISPLAY_CHANGED] =
    g_signal_new ("display-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/bitlens/Bitlens/ui/bitlens-saliency-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, box);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, method_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, baseline_kind_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, colormap_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, mode_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, sign_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, window_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, stride_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, baseline_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, blur_radius_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, opacity_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, clip_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, steps_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, samples_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, window_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, stride_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, baseline_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, blur_radius_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, steps_row);
  gtk_widget_class_bind_template_child (widget_class, BitlensSaliencyPanel, samples_row);
  gtk_widget_class_bind_template_callback (widget_class, on_parameter_value_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_display_value_changed);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "bitlens-saliency-panel");
}

static void
choice_row_init (BitlensSaliencyPanel *self,
                 guint                 index,
                 AdwComboRow          *row,
                 const Choice         *choices,
                 guint                 prop_id)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);

  for (guint i = 0; choices[i].id != NULL; i++)
    gtk_string_list_append (model, _(choices[i].label));
  adw_combo_row_set_model (row, G_LIST_MODEL (model));
  self->choice_rows[index] = (ChoiceRow) { row, choices, prop_id };
  g_signal_connect (row, "notify::selected", G_CALLBACK (on_choice_selected), self);
}

static void
bitlens_saliency_panel_init (BitlensSaliencyPanel *self)
{
  guint n_methods = 0;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->method_choices = g_new0 (Choice, G_N_ELEMENTS (all_method_choices));
  for (guint i = 0; all_method_choices[i].id != NULL; i++)
    {
      BitlensSaliencyMethod method;

      if (bitlens_saliency_method_from_name (all_method_choices[i].id, &method)
          && bitlens_saliency_method_is_available (method))
        self->method_choices[n_methods++] = all_method_choices[i];
    }
  choice_row_init (self, CHOICE_METHOD, self->method_row, self->method_choices, PROP_METHOD);
  choice_row_init (self, CHOICE_BASELINE, self->baseline_kind_row, baseline_choices, PROP_BASELINE_KIND);
  choice_row_init (self, CHOICE_COLORMAP, self->colormap_row, colormap_choices, PROP_COLORMAP);
  choice_row_init (self, CHOICE_MODE, self->mode_row, mode_choices, PROP_MODE);
  choice_row_init (self, CHOICE_SIGN, self->sign_row, sign_choices, PROP_SIGN);
  update_parameter_rows (self);
}

void
bitlens_saliency_panel_bind_settings (BitlensSaliencyPanel *self,
                                      GSettings            *settings)
{
  g_return_if_fail (BITLENS_IS_SALIENCY_PANEL (self));
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_settings_bind (settings, "saliency-method", self, "method", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "occlusion-baseline-kind", self, "baseline-kind", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "colormap", self, "colormap", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "overlay-mode", self, "mode", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "saliency-sign", self, "sign", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "occlusion-window", self->window_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "occlusion-stride", self->stride_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "occlusion-baseline", self->baseline_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "occlusion-blur-radius", self->blur_radius_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "overlay-opacity", self->opacity_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "clip-percentile", self->clip_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "integrated-gradients-steps", self->steps_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "smoothgrad-samples", self->samples_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
}

const char *
bitlens_saliency_panel_get_method (BitlensSaliencyPanel *self)
{
  g_return_val_if_fail (BITLENS_IS_SALIENCY_PANEL (self), NULL);
  return choice_row_get_id (&self->choice_rows[CHOICE_METHOD]);
}

void
bitlens_saliency_panel_get_params (BitlensSaliencyPanel  *self,
                                   BitlensSaliencyParams *params)
{
  g_return_if_fail (BITLENS_IS_SALIENCY_PANEL (self));
  g_return_if_fail (params != NULL);

  bitlens_saliency_params_init (params);
  if (!bitlens_saliency_method_from_name (bitlens_saliency_panel_get_method (self), &params->method))
    params->method = BITLENS_SALIENCY_OCCLUSION;
  params->window = (int) gtk_adjustment_get_value (self->window_adjustment);
  params->stride = (int) gtk_adjustment_get_value (self->stride_adjustment);
  /* "blur", "gray" or "black": the kind, with the gray level and radius of the rows. */
  if (bitlens_baseline_parse (choice_row_get_id (&self->choice_rows[CHOICE_BASELINE]), &params->baseline, NULL)
      && params->baseline.kind == BITLENS_BASELINE_GRAY)
    params->baseline.gray_level = (int) gtk_adjustment_get_value (self->baseline_adjustment);
  params->baseline.blur_radius = (int) gtk_adjustment_get_value (self->blur_radius_adjustment);
  params->steps = (int) gtk_adjustment_get_value (self->steps_adjustment);
  params->samples = (int) gtk_adjustment_get_value (self->samples_adjustment);
}

void
bitlens_saliency_panel_get_render_options (BitlensSaliencyPanel *self,
                                           BitlensRenderOptions *options)
{
  g_return_if_fail (BITLENS_IS_SALIENCY_PANEL (self));
  g_return_if_fail (options != NULL);

  bitlens_render_options_init (options);
  bitlens_colormap_from_name (choice_row_get_id (&self->choice_rows[CHOICE_COLORMAP]), &options->colormap);
  bitlens_render_mode_from_name (choice_row_get_id (&self->choice_rows[CHOICE_MODE]), &options->mode);
  bitlens_render_sign_from_name (choice_row_get_id (&self->choice_rows[CHOICE_SIGN]), &options->sign);
  options->opacity = gtk_adjustment_get_value (self->opacity_adjustment);
  options->clip_percent = gtk_adjustment_get_value (self->clip_adjustment);
}
