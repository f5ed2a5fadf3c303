/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-statistics-window.h"

#define N_MODELS 2

struct _BitlensStatisticsWindow
{
  AdwWindow             parent_instance;

  /* template children */
  AdwWindowTitle       *window_title;
  GtkRevealer          *progress_revealer;
  GtkLabel             *progress_label;
  GtkProgressBar       *progress_bar;
  GtkLabel             *histogram_label_a;
  GtkLabel             *histogram_label_b;
  GtkWidget            *histogram_box_b;
  BitlensHistogramPlot *histogram_plot_a;
  BitlensHistogramPlot *histogram_plot_b;
  BitlensCurvePlot     *curve_plot;
  GtkLabel             *curve_label;
  GtkDropDown          *attribute_dropdown;
  GtkStringList        *attribute_names;
  GtkLabel             *bias_label;
  GtkLabel             *bias_errors_label;
  BitlensBiasPlot      *bias_plot;

  /* owned */
  BitlensDataset       *dataset;
  BitlensModel         *models[N_MODELS];
  BitlensEvaluation    *evaluations[N_MODELS];
  BitlensBiasReport    *bias;
  GCancellable         *cancellable;
  GCancellable         *bias_cancellable;   /* the bias finder's run, replaced by a newer one */
  double                threshold;
  gboolean              busy;
  gboolean              disposed;   /* results that arrive later are dropped */
};

G_DEFINE_FINAL_TYPE (BitlensStatisticsWindow, bitlens_statistics_window, ADW_TYPE_WINDOW)

enum
{
  PROP_0,
  PROP_THRESHOLD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void evaluate_next (BitlensStatisticsWindow *self);

/* ---------------------------------------------------------------- progress */

static void
set_progress (BitlensStatisticsWindow *self,
              const char              *label,
              double                   fraction)
{
  gtk_revealer_set_reveal_child (self->progress_revealer, label != NULL);
  if (label == NULL)
    return;
  gtk_label_set_label (self->progress_label, label);
  if (fraction < 0)
    gtk_progress_bar_pulse (self->progress_bar);
  else
    gtk_progress_bar_set_fraction (self->progress_bar, fraction);
}

static void
show_failure (BitlensStatisticsWindow *self,
              const char              *context,
              const GError            *error)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", context, error->message);

  self->busy = FALSE;
  set_progress (self, NULL, 0);
  bitlens_histogram_plot_set_message (self->histogram_plot_a, text);
  bitlens_curve_plot_set_message (self->curve_plot, text);
  bitlens_bias_plot_set_message (self->bias_plot, text);
}

/* ---------------------------------------------------------------- bias finder */

static char *
describe_test (const BitlensBiasAttribute *attribute,
               const BitlensBiasTest      *test,
               gboolean                    errors)
{
  const char *below, *above;

  if (errors)
    {
      /* Translators: what a rule of the bias finder predicts about the model */
      below = test->below_predicts ? _("wrong") : _("right");
      above = test->below_predicts ? _("right") : _("wrong");
    }
  else
    {
      below = test->below_predicts ? _("person") : _("no person");
      above = test->below_predicts ? _("no person") : _("person");
    }
  /* Translators: a bias finder rule, e.g. "mean_luma ≤ 82.5 → person, above → no person:
   * accuracy 0.551 against 0.500 for the majority (lift +0.051, p 0.0115)" */
  return g_strdup_printf (_("%s ≤ %g → %s, above → %s: accuracy %.3f against %.3f for the majority (lift %+.3f, p %.4f)"),
                          attribute->name, test->threshold, below, above, test->best_accuracy,
                          test->baseline_accuracy, test->lift, test->p_value);
}

/* A label saying what the test found, red when it flagged the attribute. */
static void
set_test_label (GtkLabel *label,
                gboolean  flagged,
                char     *text)
{
  gtk_label_set_label (label, text);
  if (flagged)
    gtk_widget_add_css_class (GTK_WIDGET (label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (label), "error");
  g_free (text);
}

static void
show_attribute (BitlensStatisticsWindow    *self,
                const BitlensBiasAttribute *attribute)
{
  g_autofree char *label_rule = describe_test (attribute, &attribute->label, FALSE);
  guint n_rows = bitlens_bias_report_get_n_rows (self->bias);
  double person_rate = n_rows > 0 ? (double) bitlens_bias_report_get_n_person (self->bias) / n_rows : NAN;

  bitlens_bias_plot_set_attribute (self->bias_plot, attribute, person_rate);
  set_test_label (self->bias_label, attribute->label.flagged, attribute->label.flagged
                  /* Translators: the bias finder flagged an attribute; then its rule */
                  ? g_strdup_printf (_("Flagged: it predicts the label on its own. %s"), label_rule)
                  /* Translators: the bias finder did not flag an attribute; then its best rule */
                  : g_strdup_printf (_("Not flagged for the label. Best rule: %s"), label_rule));
  gtk_widget_set_visible (GTK_WIDGET (self->bias_errors_label), attribute->has_errors);
  if (attribute->has_errors)
    {
      g_autofree char *errors_rule = describe_test (attribute, &attribute->errors, TRUE);

      set_test_label (self->bias_errors_label, attribute->errors.flagged, attribute->errors.flagged
                      ? g_strdup_printf (_("Flagged: it predicts the model’s mistakes. %s"), errors_rule)
                      : g_strdup_printf (_("Not flagged for the mistakes. Best rule: %s"), errors_rule));
    }
}

static void
on_attribute_selected (GtkDropDown             *dropdown,
                       GParamSpec              *pspec,
                       BitlensStatisticsWindow *self)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  if (self->bias == NULL || selected >= bitlens_bias_report_get_n_attributes (self->bias))
    return;
  show_attribute (self, bitlens_bias_report_get_attribute (self->bias, selected));
}

static void
on_bias_analyzed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(BitlensStatisticsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  BitlensBiasReport *report = bitlens_bias_analyze_finish (result, &error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint first_flagged = G_MAXUINT;
  g_autofree char *shown_name = NULL;
  guint n;

  if (self->disposed)
    {
      g_clear_pointer (&report, bitlens_bias_report_free);
      return;
    }
  if (report == NULL)
    {
      if (!g_error_matches (error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED))
        show_failure (self, _("The bias finder failed"), error);
      return;
    }
  if (self->bias != NULL && gtk_drop_down_get_selected (self->attribute_dropdown) < bitlens_bias_report_get_n_attributes (self->bias))
    shown_name = g_strdup (bitlens_bias_report_get_attribute (self->bias, gtk_drop_down_get_selected (self->attribute_dropdown))->name);
  g_clear_pointer (&self->bias, bitlens_bias_report_free);
  self->bias = report;
  self->busy = FALSE;
  set_progress (self, NULL, 0);

  n = bitlens_bias_report_get_n_attributes (report);
  for (guint i = 0; i < n; i++)
    {
      const BitlensBiasAttribute *attribute = bitlens_bias_report_get_attribute (report, i);
      gboolean flagged = attribute->label.flagged || (attribute->has_errors && attribute->errors.flagged);

      /* Translators: an attribute in the list, marked as flagged by the bias finder */
      g_ptr_array_add (names, flagged ? g_strdup_printf (_("%s (flagged)"), attribute->name) : g_strdup (attribute->name));
      if (flagged && first_flagged == G_MAXUINT)
        first_flagged = i;
    }
  g_ptr_array_add (names, NULL);
  gtk_string_list_splice (self->attribute_names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->attribute_names)),
                          (const char * const *) names->pdata);
  gtk_widget_set_sensitive (GTK_WIDGET (self->attribute_dropdown), n > 0);
  if (n == 0)
    {
      bitlens_bias_plot_set_message (self->bias_plot, _("No attribute to analyse"));
      return;
    }
  /* The attribute shown before a re-analysis stays; else a flagged attribute first: that is
   * what to look at. */
  if (shown_name == NULL || !bitlens_statistics_window_select_attribute (self, shown_name))
    {
      if (gtk_drop_down_get_selected (self->attribute_dropdown) != (first_flagged != G_MAXUINT ? first_flagged : 0))
        gtk_drop_down_set_selected (self->attribute_dropdown, first_flagged != G_MAXUINT ? first_flagged : 0);
      else
        on_attribute_selected (self->attribute_dropdown, NULL, self);
    }
}

/* ---------------------------------------------------------------- evaluations */

/* The histograms, curves and summary at the threshold. */
static void
show_evaluations (BitlensStatisticsWindow *self)
{
  g_autoptr(GString) summary = g_string_new (NULL);
  BitlensHistogramPlot *histograms[N_MODELS] = { self->histogram_plot_a, self->histogram_plot_b };

  for (guint m = 0; m < N_MODELS; m++)
    {
      g_autoptr(GArray) bins = NULL;
      g_autoptr(GArray) curve = NULL;
      BitlensConfusion at_threshold;
      const char *name;

      if (self->evaluations[m] == NULL)
        continue;
      name = bitlens_model_get_name (self->models[m]);
      bins = bitlens_evaluation_compute_score_histogram (self->evaluations[m], NULL, BITLENS_STATISTICS_HISTOGRAM_BINS);
      bitlens_histogram_plot_set_bins (histograms[m], bins, self->threshold);
      curve = bitlens_evaluation_compute_curve (self->evaluations[m], NULL);
      bitlens_evaluation_count (self->evaluations[m], NULL, self->threshold, &at_threshold);
      bitlens_curve_plot_set_series (self->curve_plot, m, name, curve, self->threshold, &at_threshold);
      if (summary->len > 0)
        g_string_append_c (summary, '\n');
      /* Translators: model, average precision, ROC area, then precision and recall at the threshold */
      g_string_append_printf (summary, _("%s: AP %.3f, ROC AUC %.3f; at the threshold %.2f precision %.3f, recall %.3f"),
                              name, bitlens_curve_get_average_precision (curve), bitlens_curve_get_roc_auc (curve),
                              self->threshold, bitlens_confusion_get_metric (&at_threshold, BITLENS_METRIC_PRECISION),
                              bitlens_confusion_get_metric (&at_threshold, BITLENS_METRIC_RECALL));
    }
  gtk_label_set_label (self->curve_label, summary->str);
}

/* The bias finder on model A's errors at the threshold; a run still going is cancelled. */
static void
analyze_bias (BitlensStatisticsWindow *self)
{
  BitlensBiasOptions options;

  if (self->bias_cancellable != NULL)
    g_cancellable_cancel (self->bias_cancellable);
  g_clear_object (&self->bias_cancellable);
  self->bias_cancellable = g_cancellable_new ();
  self->busy = TRUE;
  set_progress (self, _("Looking for shortcuts in the dataset"), -1);
  if (self->bias == NULL)
    bitlens_bias_plot_set_message (self->bias_plot, _("Looking for shortcuts…"));
  bitlens_bias_options_init (&options);
  options.threshold = self->threshold;
  bitlens_bias_analyze_async (self->dataset, self->evaluations[0], &options, self->bias_cancellable,
                              on_bias_analyzed, g_object_ref (self));
}

static void
on_evaluation_progress (guint    done,
                        guint    total,
                        gpointer user_data)
{
  BitlensStatisticsWindow *self = user_data;

  if (self->disposed)
    return;
  gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? (double) done / total : 0);
}

static void
on_evaluated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(BitlensStatisticsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  BitlensEvaluation *evaluation = bitlens_evaluation_run_finish (result, &error);

  if (self->disposed)
    {
      g_clear_pointer (&evaluation, bitlens_evaluation_unref);
      return;
    }
  if (evaluation == NULL)
    {
      if (!g_error_matches (error, BITLENS_ERROR, BITLENS_ERROR_CANCELLED))
        show_failure (self, _("Could not evaluate the dataset"), error);
      return;
    }
  self->evaluations[self->evaluations[0] == NULL ? 0 : 1] = evaluation;
  evaluate_next (self);
}

/* TRUE once every model's evaluation is there. */
static gboolean
evaluations_done (BitlensStatisticsWindow *self)
{
  return self->evaluations[0] != NULL && (self->models[1] == NULL || self->evaluations[1] != NULL);
}

/* Model A, then model B, then the plots and the bias finder. */
static void
evaluate_next (BitlensStatisticsWindow *self)
{
  guint m = self->evaluations[0] == NULL ? 0 : 1;
  g_autofree char *label = NULL;
  BitlensEvaluationOptions options;

  if (evaluations_done (self))
    {
      show_evaluations (self);
      analyze_bias (self);
      return;
    }
  /* Translators: "Evaluating vww with person_detect.tflite" */
  label = g_strdup_printf (_("Evaluating %s with %s"), bitlens_dataset_get_name (self->dataset),
                           bitlens_model_get_name (self->models[m]));
  set_progress (self, label, 0);
  bitlens_evaluation_options_init (&options);
  options.threshold = self->threshold;
  bitlens_evaluation_run_async (self->dataset, self->models[m], &options, self->cancellable,
                                on_evaluation_progress, g_object_ref (self), g_object_unref,
                                on_evaluated, g_object_ref (self));
}

void
bitlens_statistics_window_set_threshold (BitlensStatisticsWindow *self,
                                         double                   threshold)
{
  g_return_if_fail (BITLENS_IS_STATISTICS_WINDOW (self));
  g_return_if_fail (threshold >= 0 && threshold <= 1);

  if (self->threshold == threshold)
    return;
  self->threshold = threshold;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THRESHOLD]);
  /* Evaluations still running pick the new threshold up when they end: the scores do not
   * depend on it. */
  if (self->disposed || !evaluations_done (self))
    return;
  show_evaluations (self);
  analyze_bias (self);
}

double
bitlens_statistics_window_get_threshold (BitlensStatisticsWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_STATISTICS_WINDOW (self), NAN);
  return self->threshold;
}

/* ---------------------------------------------------------------- life cycle */

static void
bitlens_statistics_window_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  BitlensStatisticsWindow *self = BITLENS_STATISTICS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_THRESHOLD:
      g_value_set_double (value, self->threshold);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bitlens_statistics_window_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  BitlensStatisticsWindow *self = BITLENS_STATISTICS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_THRESHOLD:
      bitlens_statistics_window_set_threshold (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
bitlens_statistics_window_close_request (GtkWindow *window)
{
  BitlensStatisticsWindow *self = BITLENS_STATISTICS_WINDOW (window);

  g_cancellable_cancel (self->cancellable);
  if (self->bias_cancellable != NULL)
    g_cancellable_cancel (self->bias_cancellable);
  return GTK_WINDOW_CLASS (bitlens_statistics_window_parent_class)->close_request (window);
}

static void
bitlens_statistics_window_dispose (GObject *object)
{
  BitlensStatisticsWindow *self = BITLENS_STATISTICS_WINDOW (object);

  self->disposed = TRUE;
  self->busy = FALSE;
  g_cancellable_cancel (self->cancellable);
  if (self->bias_cancellable != NULL)
    g_cancellable_cancel (self->bias_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), BITLENS_TYPE_STATISTICS_WINDOW);

  G_OBJECT_CLASS (bitlens_statistics_window_parent_class)->dispose (object);
}

static void
bitlens_statistics_window_finalize (GObject *object)
{
  BitlensStatisticsWindow *self = BITLENS_STATISTICS_WINDOW (object);

  g_clear_pointer (&self->dataset, bitlens_dataset_unref);
  for (guint m = 0; m < N_MODELS; m++)
    {
      g_clear_pointer (&self->models[m], bitlens_model_unref);
      g_clear_pointer (&self->evaluations[m], bitlens_evaluation_unref);
    }
  g_clear_pointer (&self->bias, bitlens_bias_report_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->bias_cancellable);

  G_OBJECT_CLASS (bitlens_statistics_window_parent_class)->finalize (object);
}

static void
bitlens_statistics_window_class_init (BitlensStatisticsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bitlens_statistics_window_dispose;
  object_class->finalize = bitlens_statistics_window_finalize;
  object_class->get_property = bitlens_statistics_window_get_property;
  object_class->set_property = bitlens_statistics_window_set_property;
  GTK_WINDOW_CLASS (klass)->close_request = bitlens_statistics_window_close_request;

  /* The decision threshold of the histograms, the precision-recall point and the errors the
   * bias finder analyses; the main window binds its own to it. */
  properties[PROP_THRESHOLD] =
    g_param_spec_double ("threshold", NULL, NULL, 0.0, 1.0, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BITLENS_TYPE_HISTOGRAM_PLOT);
  g_type_ensure (BITLENS_TYPE_CURVE_PLOT);
  g_type_ensure (BITLENS_TYPE_BIAS_PLOT);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/bitlens/Bitlens/ui/bitlens-statistics-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, histogram_label_a);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, histogram_label_b);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, histogram_box_b);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, histogram_plot_a);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, histogram_plot_b);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, curve_plot);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, curve_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, attribute_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, attribute_names);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, bias_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, bias_errors_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensStatisticsWindow, bias_plot);
  gtk_widget_class_bind_template_callback (widget_class, on_attribute_selected);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
bitlens_statistics_window_init (BitlensStatisticsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->threshold = 0.5;
}

BitlensStatisticsWindow *
bitlens_statistics_window_new (BitlensDataset *dataset,
                               BitlensModel   *model_a,
                               BitlensModel   *model_b,
                               double          threshold)
{
  BitlensStatisticsWindow *self;
  g_autofree char *subtitle = NULL;
  const char *evaluating = _("Evaluating…");

  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (model_a != NULL, NULL);

  self = g_object_new (BITLENS_TYPE_STATISTICS_WINDOW, NULL);
  self->dataset = bitlens_dataset_ref (dataset);
  self->models[0] = bitlens_model_ref (model_a);
  self->models[1] = model_b != NULL ? bitlens_model_ref (model_b) : NULL;
  self->threshold = threshold;
  self->busy = TRUE;

  if (model_b != NULL)
    /* Translators: window subtitle: dataset, model A and model B */
    subtitle = g_strdup_printf (_("%s · %s and %s"), bitlens_dataset_get_name (dataset),
                                bitlens_model_get_name (model_a), bitlens_model_get_name (model_b));
  else
    /* Translators: window subtitle: dataset and model */
    subtitle = g_strdup_printf (_("%s · %s"), bitlens_dataset_get_name (dataset), bitlens_model_get_name (model_a));
  adw_window_title_set_subtitle (self->window_title, subtitle);
  gtk_label_set_label (self->histogram_label_a, bitlens_model_get_name (model_a));
  gtk_widget_set_visible (self->histogram_box_b, model_b != NULL);
  if (model_b != NULL)
    gtk_label_set_label (self->histogram_label_b, bitlens_model_get_name (model_b));
  bitlens_histogram_plot_set_message (self->histogram_plot_a, evaluating);
  bitlens_histogram_plot_set_message (self->histogram_plot_b, evaluating);
  bitlens_curve_plot_set_message (self->curve_plot, evaluating);
  bitlens_bias_plot_set_message (self->bias_plot, evaluating);

  evaluate_next (self);
  return self;
}

gboolean
bitlens_statistics_window_is_busy (BitlensStatisticsWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_STATISTICS_WINDOW (self), FALSE);
  return self->busy;
}

BitlensEvaluation *
bitlens_statistics_window_get_evaluation (BitlensStatisticsWindow *self,
                                          guint                    index)
{
  g_return_val_if_fail (BITLENS_IS_STATISTICS_WINDOW (self), NULL);
  g_return_val_if_fail (index < N_MODELS, NULL);
  return self->evaluations[index];
}

BitlensHistogramPlot *
bitlens_statistics_window_get_histogram_plot (BitlensStatisticsWindow *self,
                                              guint                    index)
{
  g_return_val_if_fail (BITLENS_IS_STATISTICS_WINDOW (self), NULL);
  g_return_val_if_fail (index < N_MODELS, NULL);
  return index == 0 ? self->histogram_plot_a : self->histogram_plot_b;
}

BitlensCurvePlot *
bitlens_statistics_window_get_curve_plot (BitlensStatisticsWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_STATISTICS_WINDOW (self), NULL);
  return self->curve_plot;
}

BitlensBiasPlot *
bitlens_statistics_window_get_bias_plot (BitlensStatisticsWindow *self)
{
  g_return_val_if_fail (BITLENS_IS_STATISTICS_WINDOW (self), NULL);
  return self->bias_plot;
}

gboolean
bitlens_statistics_window_select_attribute (BitlensStatisticsWindow *self,
                                            const char              *name)
{
  g_return_val_if_fail (BITLENS_IS_STATISTICS_WINDOW (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (self->bias == NULL)
    return FALSE;
  for (guint i = 0; i < bitlens_bias_report_get_n_attributes (self->bias); i++)
    if (g_str_equal (bitlens_bias_report_get_attribute (self->bias, i)->name, name))
      {
        if (gtk_drop_down_get_selected (self->attribute_dropdown) == i)
          on_attribute_selected (self->attribute_dropdown, NULL, self);   /* a new report */
        else
          gtk_drop_down_set_selected (self->attribute_dropdown, i);
        return TRUE;
      }
  return FALSE;
}
