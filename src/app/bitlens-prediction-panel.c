/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-prediction-panel.h"

typedef struct
{
  GtkWidget *name;
  GtkWidget *bar;
  GtkWidget *value;
  GtkWidget *outcome;
} SlotRow;

struct _BitlensPredictionPanel
{
  GtkWidget         parent_instance;

  /* template children */
  GtkWidget        *box;
  GtkLabel         *truth_label;
  GtkWidget        *hint_label;
  SlotRow           rows[BITLENS_N_SLOTS];

  /* owned */
  BitlensImageItem *item;
  char             *model_names[BITLENS_N_SLOTS];
  gulong            notify_handler;
  double            threshold;
};

G_DEFINE_FINAL_TYPE (BitlensPredictionPanel, bitlens_prediction_panel, GTK_TYPE_WIDGET)

static const char *outcome_classes[] = { "success", "error", "dim-label", NULL };

static void
update_slot (BitlensPredictionPanel *self,
             BitlensSlot             slot)
{
  SlotRow *row = &self->rows[slot];
  gboolean visible = self->model_names[slot] != NULL;
  double score = self->item != NULL ? bitlens_image_item_get_score (self->item, slot) : NAN;
  const char *error = self->item != NULL ? bitlens_image_item_get_error (self->item) : NULL;
  g_autofree char *value = NULL;
  g_autofree char *accessible = NULL;
  BitlensOutcome outcome;
  const char *outcome_text;

  gtk_widget_set_visible (row->name, visible);
  gtk_widget_set_visible (row->bar, visible);
  gtk_widget_set_visible (row->value, visible);
  gtk_widget_set_visible (row->outcome, visible);
  if (!visible)
    return;

  gtk_label_set_label (GTK_LABEL (row->name), self->model_names[slot]);
  gtk_level_bar_set_value (GTK_LEVEL_BAR (row->bar), isnan (score) ? 0.0 : CLAMP (score, 0.0, 1.0));
  if (isnan (score))
    value = g_strdup (error != NULL ? _("error") : "…");
  else
    value = g_strdup_printf ("%.3f", score);
  gtk_label_set_label (GTK_LABEL (row->value), value);

  outcome = self->item != NULL
            ? bitlens_image_item_get_outcome (self->item, slot, self->threshold)
            : BITLENS_OUTCOME_UNKNOWN;
  for (guint i = 0; outcome_classes[i] != NULL; i++)
    gtk_widget_remove_css_class (row->outcome, outcome_classes[i]);
  if (error != NULL && isnan (score))
    {
      outcome_text = error;
      gtk_widget_add_css_class (row->outcome, "error");
    }
  else if (isnan (score))
    {
      outcome_text = self->item != NULL ? _("Computing…") : "";
      gtk_widget_add_css_class (row->outcome, "dim-label");
    }
  else if (outcome == BITLENS_OUTCOME_UNKNOWN)
    {
      outcome_text = score >= self->threshold ? _("Predicts: person") : _("Predicts: no person");
      gtk_widget_add_css_class (row->outcome, "dim-label");
    }
  else
    {
      outcome_text = bitlens_outcome_get_label (outcome);
      gtk_widget_add_css_class (row->outcome,
                                bitlens_outcome_is_failure (outcome) ? "error" : "success");
    }
  gtk_label_set_label (GTK_LABEL (row->outcome), outcome_text);

  accessible = g_strdup_printf (_("Person score of %s"), self->model_names[slot]);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static void
update (BitlensPredictionPanel *self)
{
  int label = self->item != NULL ? bitlens_image_item_get_label (self->item) : BITLENS_LABEL_UNKNOWN;
  const char *truth;

  for (guint slot = 0; slot < BITLENS_N_SLOTS; slot++)
    update_slot (self, slot);
  gtk_widget_set_visible (self->hint_label, self->model_names[BITLENS_SLOT_A] == NULL);

  if (self->item == NULL)
    truth = "";
  else if (label == 1)
    truth = _("Ground truth: person");
  else if (label == 0)
    truth = _("Ground truth: no person");
  else
    truth = _("Ground truth: unknown");
  gtk_label_set_label (self->truth_label, truth);
}

static void
on_item_notify (BitlensImageItem       *item,
                GParamSpec             *pspec,
                BitlensPredictionPanel *self)
{
  update (self);
}

static void
bitlens_prediction_panel_dispose (GObject *object)
{
  BitlensPredictionPanel *self = BITLENS_PREDICTION_PANEL (object);

  bitlens_prediction_panel_set_item (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), BITLENS_TYPE_PREDICTION_PANEL);

  G_OBJECT_CLASS (bitlens_prediction_panel_parent_class)->dispose (object);
}

static void
bitlens_prediction_panel_finalize (GObject *object)
{
  BitlensPredictionPanel *self = BITLENS_PREDICTION_PANEL (object);

  for (guint i = 0; i < BITLENS_N_SLOTS; i++)
    g_clear_pointer (&self->model_names[i], g_free);

  G_OBJECT_CLASS (bitlens_prediction_panel_parent_class)->finalize (object);
}

static void
bitlens_prediction_panel_class_init (BitlensPredictionPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bitlens_prediction_panel_dispose;
  object_class->finalize = bitlens_prediction_panel_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/bitlens/Bitlens/ui/bitlens-prediction-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, BitlensPredictionPanel, box);
  gtk_widget_class_bind_template_child (widget_class, BitlensPredictionPanel, truth_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensPredictionPanel, hint_label);
  gtk_widget_class_bind_template_child_full (widget_class, "name_a", FALSE, G_STRUCT_OFFSET (BitlensPredictionPanel, rows[0].name));
  gtk_widget_class_bind_template_child_full (widget_class, "bar_a", FALSE, G_STRUCT_OFFSET (BitlensPredictionPanel, rows[0].bar));
  gtk_widget_class_bind_template_child_full (widget_class, "value_a", FALSE, G_STRUCT_OFFSET (BitlensPredictionPanel, rows[0].value));
  gtk_widget_class_bind_template_child_full (widget_class, "outcome_a", FALSE, G_STRUCT_OFFSET (BitlensPredictionPanel, rows[0].outcome));
  gtk_widget_class_bind_template_child_full (widget_class, "name_b", FALSE, G_STRUCT_OFFSET (BitlensPredictionPanel, rows[1].name));
  gtk_widget_class_bind_template_child_full (widget_class, "bar_b", FALSE, G_STRUCT_OFFSET (BitlensPredictionPanel, rows[1].bar));
  gtk_widget_class_bind_template_child_full (widget_class, "value_b", FALSE, G_STRUCT_OFFSET (BitlensPredictionPanel, rows[1].value));
  gtk_widget_class_bind_template_child_full (widget_class, "outcome_b", FALSE, G_STRUCT_OFFSET (BitlensPredictionPanel, rows[1].outcome));
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "bitlens-prediction-panel");
}

static void
bitlens_prediction_panel_init (BitlensPredictionPanel *self)
{
  self->threshold = 0.5;
  gtk_widget_init_template (GTK_WIDGET (self));
  update (self);
}

void
bitlens_prediction_panel_set_item (BitlensPredictionPanel *self,
                                   BitlensImageItem       *item)
{
  g_return_if_fail (BITLENS_IS_PREDICTION_PANEL (self));

  if (self->item == item)
    return;
  if (self->item != NULL)
    g_clear_signal_handler (&self->notify_handler, self->item);
  g_set_object (&self->item, item);
  if (item != NULL)
    self->notify_handler = g_signal_connect (item, "notify", G_CALLBACK (on_item_notify), self);
  update (self);
}

BitlensImageItem *
bitlens_prediction_panel_get_item (BitlensPredictionPanel *self)
{
  g_return_val_if_fail (BITLENS_IS_PREDICTION_PANEL (self), NULL);
  return self->item;
}

void
bitlens_prediction_panel_set_model_name (BitlensPredictionPanel *self,
                                         BitlensSlot             slot,
                                         const char             *name)
{
  g_return_if_fail (BITLENS_IS_PREDICTION_PANEL (self));
  g_return_if_fail (slot < BITLENS_N_SLOTS);

  g_free (self->model_names[slot]);
  self->model_names[slot] = g_strdup (name);
  update (self);
}

void
bitlens_prediction_panel_set_threshold (BitlensPredictionPanel *self,
                                        double                  threshold)
{
  g_return_if_fail (BITLENS_IS_PREDICTION_PANEL (self));
  self->threshold = threshold;
  update (self);
}

const char *
bitlens_prediction_panel_get_outcome_text (BitlensPredictionPanel *self,
                                           BitlensSlot             slot)
{
  g_return_val_if_fail (BITLENS_IS_PREDICTION_PANEL (self), NULL);
  g_return_val_if_fail (slot < BITLENS_N_SLOTS, NULL);
  return gtk_label_get_label (GTK_LABEL (self->rows[slot].outcome));
}
