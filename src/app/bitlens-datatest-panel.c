/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "bitlens-datatest-panel.h"
#include "bitlens-datatest-row.h"

typedef enum
{
  COLUMN_NAME,
  COLUMN_SLICE,
  COLUMN_METRIC,
  COLUMN_BOUNDS,
  COLUMN_VALUE_A,
  COLUMN_VALUE_B,
  COLUMN_DIFFERENCE,
  COLUMN_MISTAKES,
  N_COLUMNS
} ColumnKind;

struct _BitlensDatatestPanel
{
  GtkWidget            parent_instance;

  /* template children */
  GtkWidget           *box;
  GtkLabel            *summary_label;
  GtkLabel            *hint_label;
  GtkWidget           *error_window;
  GtkLabel            *error_label;
  GtkScrolledWindow   *scrolled_window;
  GtkColumnView       *column_view;

  /* borrowed: owned by the column view */
  GtkColumnViewColumn *columns[N_COLUMNS];

  /* owned */
  GListStore          *rows;
  GtkSingleSelection  *selection;
  char                *error;
};

G_DEFINE_FINAL_TYPE (BitlensDatatestPanel, bitlens_datatest_panel, GTK_TYPE_WIDGET)

enum {
  TEST_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---------------------------------------------------------------- cells */

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  user_data)
{
  ColumnKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "column-kind"));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), kind == COLUMN_NAME || kind == COLUMN_METRIC ? 0 : 1);
  if (kind == COLUMN_NAME)
    {
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_hexpand (label, TRUE);
    }
  else
    gtk_widget_add_css_class (label, "numeric");
  gtk_box_append (GTK_BOX (box), label);
  if (kind == COLUMN_VALUE_A || kind == COLUMN_VALUE_B)
    {
      GtkWidget *badge = gtk_label_new (NULL);

      gtk_widget_set_hexpand (label, TRUE);
      gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (badge, "datatest-badge");
      gtk_box_append (GTK_BOX (box), badge);
    }
  gtk_list_item_set_child (list_item, box);
}

static void
set_badge (GtkWidget *badge,
           gboolean   passed)
{
  /* Translators: the verdict of a data unit test, in a small badge */
  gtk_label_set_label (GTK_LABEL (badge), passed ? _("pass") : _("FAIL"));
  gtk_widget_remove_css_class (badge, passed ? "fail" : "pass");
  gtk_widget_add_css_class (badge, passed ? "pass" : "fail");
}

static char *
describe_test (BitlensDatatestRow *row)
{
  const char *where = bitlens_datatest_row_get_where (row);

  if (where == NULL)
    /* Translators: tooltip of a data unit test without where= */
    return g_strdup_printf (_("Line %u: every image"), bitlens_datatest_row_get_line (row));
  /* Translators: tooltip of a data unit test: its line in the spec and its slice */
  return g_strdup_printf (_("Line %u: where %s"), bitlens_datatest_row_get_line (row), where);
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  ColumnKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "column-kind"));
  BitlensDatatestRow *row = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *label = gtk_widget_get_first_child (box);
  GtkWidget *badge = gtk_widget_get_next_sibling (label);
  gboolean b = kind == COLUMN_VALUE_B;
  g_autofree char *text = NULL;
  g_autofree char *tooltip = NULL;

  gtk_widget_remove_css_class (label, "success");
  gtk_widget_remove_css_class (label, "error");
  switch (kind)
    {
    case COLUMN_NAME:
      text = g_strdup (bitlens_datatest_row_get_name (row));
      tooltip = describe_test (row);
      break;
    case COLUMN_SLICE:
      text = g_strdup_printf ("%u", bitlens_datatest_row_get_outcome (row, FALSE)->n_images);
      break;
    case COLUMN_METRIC:
      text = g_strdup (bitlens_metric_get_name (bitlens_datatest_row_get_metric (row)));
      break;
    case COLUMN_BOUNDS:
      text = bitlens_datatest_row_format_bounds (row);
      break;
    case COLUMN_VALUE_A:
    case COLUMN_VALUE_B:
      if (b && !bitlens_datatest_row_has_b (row))
        {
          text = g_strdup ("");
          gtk_widget_set_visible (badge, FALSE);
          break;
        }
      {
        const BitlensDatatestOutcome *outcome = bitlens_datatest_row_get_outcome (row, b);

        text = bitlens_datatest_row_format_value (row, b);
        tooltip = g_strdup (outcome->passed ? _("Within the bounds") : outcome->message);
        set_badge (badge, outcome->passed);
        gtk_widget_set_visible (badge, TRUE);
      }
      break;
    case COLUMN_DIFFERENCE:
      text = bitlens_datatest_row_format_difference (row);
      if (bitlens_datatest_row_has_b (row))
        {
          gboolean passed_a = bitlens_datatest_row_get_outcome (row, FALSE)->passed;
          gboolean passed_b = bitlens_datatest_row_get_outcome (row, TRUE)->passed;

          /* The colour says whether B fixes or breaks the test. */
          if (passed_b && !passed_a)
            gtk_widget_add_css_class (label, "success");
          else if (passed_a && !passed_b)
            gtk_widget_add_css_class (label, "error");
        }
      break;
    case COLUMN_MISTAKES:
      if (bitlens_datatest_row_has_b (row))
        text = g_strdup_printf ("%u / %u", bitlens_datatest_row_get_n_mistakes (row, FALSE),
                                bitlens_datatest_row_get_n_mistakes (row, TRUE));
      else
        text = g_strdup_printf ("%u", bitlens_datatest_row_get_n_mistakes (row, FALSE));
      /* Translators: tooltip of the mistakes column of the data unit tests */
      tooltip = g_strdup (_("False positives and false negatives in the slice; click to list them"));
      break;
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
  gtk_label_set_label (GTK_LABEL (label), text);
  gtk_widget_set_tooltip_text (box, tooltip);
}

static void
add_column (BitlensDatatestPanel *self,
            ColumnKind            kind,
            const char           *title)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_object_set_data (G_OBJECT (factory), "column-kind", GINT_TO_POINTER (kind));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), self);
  column = gtk_column_view_column_new (title, g_object_ref (factory));
  gtk_column_view_column_set_expand (column, kind == COLUMN_NAME);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_append_column (self->column_view, column);
  self->columns[kind] = column;
  g_object_unref (column);
}

/* ---------------------------------------------------------------- life cycle */

static void
on_column_view_activate (GtkColumnView        *column_view,
                         guint                 position,
                         BitlensDatatestPanel *self)
{
  g_autoptr(BitlensDatatestRow) row = g_list_model_get_item (G_LIST_MODEL (self->rows), position);

  if (row != NULL)
    g_signal_emit (self, signals[TEST_ACTIVATED], 0, bitlens_datatest_row_get_index (row));
}

static void
bitlens_datatest_panel_dispose (GObject *object)
{
  BitlensDatatestPanel *self = BITLENS_DATATEST_PANEL (object);

  if (self->column_view != NULL)
    gtk_column_view_set_model (self->column_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), BITLENS_TYPE_DATATEST_PANEL);
  g_clear_object (&self->selection);
  g_clear_object (&self->rows);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (bitlens_datatest_panel_parent_class)->dispose (object);
}

static void
bitlens_datatest_panel_class_init (BitlensDatatestPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bitlens_datatest_panel_dispose;

  /* ::test-activated (guint index): the test at that index of the report was clicked. */
  signals[TEST_ACTIVATED] =
    g_signal_new ("test-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/bitlens/Bitlens/ui/bitlens-datatest-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, BitlensDatatestPanel, box);
  gtk_widget_class_bind_template_child (widget_class, BitlensDatatestPanel, summary_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensDatatestPanel, hint_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensDatatestPanel, error_window);
  gtk_widget_class_bind_template_child (widget_class, BitlensDatatestPanel, error_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensDatatestPanel, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, BitlensDatatestPanel, column_view);
  gtk_widget_class_bind_template_callback (widget_class, on_column_view_activate);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "bitlens-datatest-panel");
}

static void
bitlens_datatest_panel_init (BitlensDatatestPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_list_store_new (BITLENS_TYPE_DATATEST_ROW);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->rows)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  /* Translators: column of the data unit tests: the test's name */
  add_column (self, COLUMN_NAME, _("Test"));
  /* Translators: column of the data unit tests: how many images the slice holds */
  add_column (self, COLUMN_SLICE, _("Images"));
  add_column (self, COLUMN_METRIC, _("Metric"));
  /* Translators: column of the data unit tests: min and max of the metric */
  add_column (self, COLUMN_BOUNDS, _("Bounds"));
  /* Translators: column of the data unit tests: the first model's value */
  add_column (self, COLUMN_VALUE_A, _("A"));
  /* Translators: column of the data unit tests: the second model's value */
  add_column (self, COLUMN_VALUE_B, _("B"));
  /* Translators: column of the data unit tests: the second model's value minus the first's */
  add_column (self, COLUMN_DIFFERENCE, _("B − A"));
  /* Translators: column of the data unit tests: false positives and negatives in the slice */
  add_column (self, COLUMN_MISTAKES, _("Mistakes"));
  gtk_column_view_column_set_visible (self->columns[COLUMN_VALUE_B], FALSE);
  gtk_column_view_column_set_visible (self->columns[COLUMN_DIFFERENCE], FALSE);
}

/* ---------------------------------------------------------------- public */

void
bitlens_datatest_panel_set_report (BitlensDatatestPanel  *self,
                                   BitlensDatatestReport *report,
                                   const char            *spec_name,
                                   const char            *model_a,
                                   const char            *model_b)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *verdict = NULL;
  g_autofree char *summary = NULL;
  BitlensEvaluation *evaluation;
  BitlensDataset *dataset;
  guint n_results, n_failed_b = 0;
  gboolean has_b;

  g_return_if_fail (BITLENS_IS_DATATEST_PANEL (self));
  g_return_if_fail (report != NULL);

  n_results = bitlens_datatest_report_get_n_results (report);
  has_b = bitlens_datatest_report_get_evaluation (report, TRUE) != NULL;
  for (guint i = 0; i < n_results; i++)
    {
      const BitlensDatatestResult *result = bitlens_datatest_report_get_result (report, i);

      g_ptr_array_add (rows, bitlens_datatest_row_new (result, i));
      if (result->has_b && !result->b.passed)
        n_failed_b++;
    }
  g_list_store_splice (self->rows, 0, g_list_model_get_n_items (G_LIST_MODEL (self->rows)),
                       rows->pdata, rows->len);
  gtk_column_view_column_set_visible (self->columns[COLUMN_VALUE_B], has_b);
  gtk_column_view_column_set_visible (self->columns[COLUMN_DIFFERENCE], has_b);

  evaluation = bitlens_datatest_report_get_evaluation (report, FALSE);
  dataset = bitlens_evaluation_get_dataset (evaluation);
  if (has_b)
    /* Translators: "person_detect 2 of 3 passed, vww_96_int8 3 of 3" */
    verdict = g_strdup_printf (_("A %s: %u of %u passed · B %s: %u of %u"),
                               model_a, n_results - bitlens_datatest_report_get_n_failed (report), n_results,
                               model_b, n_results - n_failed_b, n_results);
  else
    /* Translators: "person_detect: 2 of 3 passed" */
    verdict = g_strdup_printf (_("%s: %u of %u passed"), model_a,
                               n_results - bitlens_datatest_report_get_n_failed (report), n_results);
  /* Translators: spec name, dataset name, decision threshold, verdict */
  summary = g_strdup_printf (_("%s · %s · threshold %g · %s"), spec_name,
                             bitlens_dataset_get_name (dataset), bitlens_evaluation_get_threshold (evaluation),
                             verdict);
  gtk_label_set_label (self->summary_label, summary);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->summary_label), summary);
  /* Shown only with rows to click; it holds its place to keep the buttons at the end. */
  gtk_widget_set_opacity (GTK_WIDGET (self->hint_label), n_results > 0 ? 1 : 0);
  bitlens_datatest_panel_set_error (self, NULL);
}

void
bitlens_datatest_panel_set_running (BitlensDatatestPanel *self,
                                    const char           *name)
{
  g_autofree char *text = NULL;

  g_return_if_fail (BITLENS_IS_DATATEST_PANEL (self));

  /* Translators: a spec's tests are running */
  text = g_strdup_printf (_("Running %s…"), name);
  gtk_label_set_label (self->summary_label, text);
}

void
bitlens_datatest_panel_set_cancelled (BitlensDatatestPanel *self,
                                      const char           *name)
{
  g_autofree char *text = NULL;

  g_return_if_fail (BITLENS_IS_DATATEST_PANEL (self));

  /* Translators: the run of a spec's tests was cancelled; the button runs them again */
  text = g_strdup_printf (_("%s: cancelled; ↻ runs the tests again"), name);
  gtk_label_set_label (self->summary_label, text);
}

void
bitlens_datatest_panel_set_error (BitlensDatatestPanel *self,
                                  const char           *message)
{
  g_return_if_fail (BITLENS_IS_DATATEST_PANEL (self));

  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (self->error_window, message != NULL);
  if (message != NULL)
    gtk_label_set_label (self->summary_label, _("The tests could not run"));
}

const char *
bitlens_datatest_panel_get_error (BitlensDatatestPanel *self)
{
  g_return_val_if_fail (BITLENS_IS_DATATEST_PANEL (self), NULL);
  return self->error;
}

void
bitlens_datatest_panel_clear (BitlensDatatestPanel *self)
{
  g_return_if_fail (BITLENS_IS_DATATEST_PANEL (self));

  g_list_store_remove_all (self->rows);
  gtk_label_set_label (self->summary_label, "");
  gtk_widget_set_opacity (GTK_WIDGET (self->hint_label), 0);
  bitlens_datatest_panel_set_error (self, NULL);
}

GListModel *
bitlens_datatest_panel_get_rows (BitlensDatatestPanel *self)
{
  g_return_val_if_fail (BITLENS_IS_DATATEST_PANEL (self), NULL);
  return G_LIST_MODEL (self->rows);
}

const char *
bitlens_datatest_panel_get_summary (BitlensDatatestPanel *self)
{
  g_return_val_if_fail (BITLENS_IS_DATATEST_PANEL (self), NULL);
  return gtk_label_get_label (self->summary_label);
}

void
bitlens_datatest_panel_activate_row (BitlensDatatestPanel *self,
                                     guint                 position)
{
  g_return_if_fail (BITLENS_IS_DATATEST_PANEL (self));

  gtk_single_selection_set_selected (self->selection, position);
  g_signal_emit_by_name (self->column_view, "activate", position);
}
