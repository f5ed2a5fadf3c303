/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <math.h>
#include <adwaita.h>
#include <glib/gi18n.h>

#include "bitlens-browser.h"
#include "bitlens-scoring-job.h"

struct _BitlensBrowser
{
  GtkWidget             parent_instance;

  /* template children */
  GtkWidget            *box;
  GtkDropDown          *filter_dropdown;
  GtkDropDown          *sort_dropdown;
  GtkListView          *list_view;
  GtkLabel             *summary_label;
  GtkRevealer          *slice_revealer;
  GtkLabel             *slice_label;
  GtkLabel             *slice_count_label;
  GtkToggleButton      *slice_whole_button;

  /* owned */
  GtkFilterListModel   *filter_model;
  GtkSortListModel     *sort_model;
  GtkSingleSelection   *selection;
  GtkCustomFilter      *filter;
  GtkCustomSorter      *sorter;

  /* the active slice: its failures (item -> rank from 1) and members (set), or NULL */
  char                 *slice_name;
  char                 *slice_description;
  GHashTable           *slice_failures;
  GHashTable           *slice_members;
  gboolean              slice_whole;

  BitlensBrowserFilter  filter_kind;
  BitlensBrowserSort    sort_kind;
  double                threshold;
  gboolean              comparing;
};

G_DEFINE_FINAL_TYPE (BitlensBrowser, bitlens_browser, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SELECTED_ITEM,
  PROP_SLICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
item_matches (gpointer item,
              gpointer user_data)
{
  BitlensBrowser *self = user_data;
  BitlensImageItem *image_item = item;
  BitlensOutcome outcome = bitlens_image_item_get_outcome (image_item, BITLENS_SLOT_A, self->threshold);
  BitlensOutcome outcome_b = bitlens_image_item_get_outcome (image_item, BITLENS_SLOT_B, self->threshold);

  if (self->slice_name != NULL
      && !g_hash_table_contains (self->slice_whole ? self->slice_members : self->slice_failures, item))
    return FALSE;

  switch (self->filter_kind)
    {
    case BITLENS_BROWSER_FILTER_FAILURES:
      return bitlens_outcome_is_failure (outcome)
             || (self->comparing && bitlens_outcome_is_failure (outcome_b));
    case BITLENS_BROWSER_FILTER_FALSE_POSITIVES:
      return outcome == BITLENS_OUTCOME_FALSE_POSITIVE;
    case BITLENS_BROWSER_FILTER_FALSE_NEGATIVES:
      return outcome == BITLENS_OUTCOME_FALSE_NEGATIVE;
    case BITLENS_BROWSER_FILTER_DISAGREEMENTS:
      return bitlens_image_item_models_disagree (image_item, self->threshold);
    case BITLENS_BROWSER_FILTER_ALL:
    default:
      return TRUE;
    }
}

static int
compare_doubles_descending (double a,
                            double b)
{
  /* Unknown values go last. */
  if (isnan (a) || isnan (b))
    return isnan (a) - isnan (b);
  return (a < b) - (a > b);
}

static int
compare_items (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  BitlensBrowser *self = user_data;
  BitlensImageItem *item_a = (BitlensImageItem *) a;
  BitlensImageItem *item_b = (BitlensImageItem *) b;
  int order = 0;

  switch (self->sort_kind)
    {
    case BITLENS_BROWSER_SORT_SCORE:
      order = compare_doubles_descending (bitlens_image_item_get_score (item_a, BITLENS_SLOT_A),
                                          bitlens_image_item_get_score (item_b, BITLENS_SLOT_A));
      break;
    case BITLENS_BROWSER_SORT_MISTAKE_CONFIDENCE:
      /* A slice's failures in the core's order, before the rest of the slice. */
      if (self->slice_name != NULL)
        {
          guint rank_a = GPOINTER_TO_UINT (g_hash_table_lookup (self->slice_failures, item_a));
          guint rank_b = GPOINTER_TO_UINT (g_hash_table_lookup (self->slice_failures, item_b));

          if (rank_a != 0 || rank_b != 0)
            {
              order = rank_a == 0 ? 1 : rank_b == 0 ? -1 : (rank_a > rank_b) - (rank_a < rank_b);
              break;
            }
        }
      order = compare_doubles_descending (bitlens_image_item_get_mistake_confidence (item_a, BITLENS_SLOT_A, self->threshold),
                                          bitlens_image_item_get_mistake_confidence (item_b, BITLENS_SLOT_A, self->threshold));
      break;
    case BITLENS_BROWSER_SORT_NAME:
    default:
      break;
    }
  /* By the name the row shows (person/ and no_person/ files mixed), then by path. */
  if (order == 0)
    order = g_utf8_collate (bitlens_image_item_get_name (item_a), bitlens_image_item_get_name (item_b));
  if (order == 0)
    order = g_utf8_collate (bitlens_image_item_get_path (item_a), bitlens_image_item_get_path (item_b));
  return order < 0 ? GTK_ORDERING_SMALLER : order > 0 ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

static void
update_summary (BitlensBrowser *self)
{
  GListModel *all = gtk_filter_list_model_get_model (self->filter_model);
  guint n_all = all != NULL ? g_list_model_get_n_items (all) : 0;
  guint n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));
  guint n_failures = 0, n_failures_b = 0, n_scored = 0;
  g_autofree char *images = NULL;
  g_autofree char *text = NULL;

  for (guint i = 0; i < n_all; i++)
    {
      g_autoptr(BitlensImageItem) item = g_list_model_get_item (all, i);

      if (bitlens_image_item_has_score (item, BITLENS_SLOT_A))
        n_scored++;
      if (bitlens_outcome_is_failure (bitlens_image_item_get_outcome (item, BITLENS_SLOT_A, self->threshold)))
        n_failures++;
      if (bitlens_outcome_is_failure (bitlens_image_item_get_outcome (item, BITLENS_SLOT_B, self->threshold)))
        n_failures_b++;
    }

  if (n_shown == n_all)
    images = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u image", "%u images", n_all), n_all);
  else
    /* Translators: "12 of 300 images" shown by the filter */
    images = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u image", "%u of %u images", n_all), n_shown, n_all);
  if (n_scored < n_all && n_scored > 0)
    /* Translators: "300 images, 120 scored" */
    text = g_strdup_printf (_("%s, %u scored"), images, n_scored);
  else if (self->comparing)
    /* Translators: "300 images, failures: A 41, B 37" */
    text = g_strdup_printf (_("%s, failures: A %u, B %u"), images, n_failures, n_failures_b);
  else
    /* Translators: "300 images, 41 failures" */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, %u failure", "%s, %u failures", n_failures), images, n_failures);
  gtk_label_set_label (self->summary_label, text);
}

static void
update_slice_bar (BitlensBrowser *self)
{
  g_autofree char *mistakes = NULL;
  g_autofree char *text = NULL;
  guint n_mistakes, n_images;

  gtk_revealer_set_reveal_child (self->slice_revealer, self->slice_name != NULL);
  if (self->slice_name == NULL)
    return;
  n_mistakes = g_hash_table_size (self->slice_failures);
  n_images = g_hash_table_size (self->slice_members);
  mistakes = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u mistake", "%u mistakes", n_mistakes), n_mistakes);
  /* Translators: "6 mistakes of 15 images" in a slice of a data unit test */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s of %u image", "%s of %u images", n_images),
                          mistakes, n_images);
  gtk_label_set_label (self->slice_label, self->slice_name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->slice_label), self->slice_description);
  gtk_label_set_label (self->slice_count_label, text);
  if (gtk_toggle_button_get_active (self->slice_whole_button) != self->slice_whole)
    gtk_toggle_button_set_active (self->slice_whole_button, self->slice_whole);
}

static void
on_slice_clear_clicked (GtkButton      *button,
                        BitlensBrowser *self)
{
  bitlens_browser_set_slice (self, NULL, NULL, NULL, NULL);
}

static void
on_slice_whole_toggled (GtkToggleButton *button,
                        BitlensBrowser  *self)
{
  bitlens_browser_set_slice_whole (self, gtk_toggle_button_get_active (button));
}

static void
row_update (GtkListItem *list_item)
{
  GtkWidget *box = gtk_list_item_get_child (list_item);
  BitlensImageItem *item = gtk_list_item_get_item (list_item);
  BitlensBrowser *self = g_object_get_data (G_OBJECT (box), "browser");
  GtkWidget *clamp = gtk_widget_get_first_child (box);
  GtkWidget *picture = adw_clamp_get_child (ADW_CLAMP (clamp));
  GtkWidget *text_box = gtk_widget_get_next_sibling (clamp);
  GtkWidget *name_label = gtk_widget_get_first_child (text_box);
  GtkWidget *detail_label = gtk_widget_get_next_sibling (name_label);
  GtkWidget *badge = gtk_widget_get_next_sibling (text_box);
  GtkWidget *badge_b = gtk_widget_get_next_sibling (badge);
  BitlensOutcome outcome_b = bitlens_image_item_get_outcome (item, BITLENS_SLOT_B, self->threshold);
  double score = bitlens_image_item_get_score (item, BITLENS_SLOT_A);
  int label = bitlens_image_item_get_label (item);
  BitlensOutcome outcome = bitlens_image_item_get_outcome (item, BITLENS_SLOT_A, self->threshold);
  const char *label_text = label == 1 ? _("person") : label == 0 ? _("no person") : _("unlabelled");
  g_autofree char *detail = NULL;
  g_autofree char *accessible = NULL;

  gtk_picture_set_paintable (GTK_PICTURE (picture), GDK_PAINTABLE (bitlens_image_item_get_thumbnail (item)));
  gtk_picture_set_alternative_text (GTK_PICTURE (picture), bitlens_image_item_get_name (item));
  gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  bitlens_image_item_get_name (item), -1);
  gtk_label_set_label (GTK_LABEL (name_label), bitlens_image_item_get_name (item));
  if (bitlens_image_item_get_error (item) != NULL)
    detail = g_strdup_printf ("%s · %s", label_text, _("unreadable"));
  else if (isnan (score))
    detail = g_strdup (label_text);
  else if (self->comparing && bitlens_image_item_has_score (item, BITLENS_SLOT_B))
    detail = g_strdup_printf ("%s · %.3f / %.3f", label_text, score,
                              bitlens_image_item_get_score (item, BITLENS_SLOT_B));
  else
    detail = g_strdup_printf ("%s · %.3f", label_text, score);
  gtk_label_set_label (GTK_LABEL (detail_label), detail);

  gtk_label_set_label (GTK_LABEL (badge), bitlens_outcome_get_short_label (outcome));
  gtk_widget_set_visible (badge, bitlens_outcome_is_failure (outcome));
  gtk_widget_set_tooltip_text (badge, bitlens_outcome_get_label (outcome));
  /* In compare mode the second model's mistakes get a badge of their own. */
  if (self->comparing && bitlens_outcome_is_failure (outcome_b))
    {
      g_autofree char *text = g_strdup_printf ("B %s", bitlens_outcome_get_short_label (outcome_b));
      g_autofree char *tooltip = g_strdup_printf (_("Second model: %s"), bitlens_outcome_get_label (outcome_b));

      gtk_label_set_label (GTK_LABEL (badge_b), text);
      gtk_widget_set_tooltip_text (badge_b, tooltip);
      gtk_widget_set_visible (badge_b, TRUE);
    }
  else
    gtk_widget_set_visible (badge_b, FALSE);

  if (self->comparing)
    /* Translators: accessible description of a row: name, label and scores, A's and B's outcome */
    accessible = g_strdup_printf (_("%s, %s, A: %s, B: %s"), bitlens_image_item_get_name (item), detail,
                                  bitlens_outcome_get_label (outcome), bitlens_outcome_get_label (outcome_b));
  else
    accessible = g_strdup_printf ("%s, %s, %s", bitlens_image_item_get_name (item), detail,
                                  bitlens_outcome_get_label (outcome));
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static void
on_row_item_notify (BitlensImageItem *item,
                    GParamSpec       *pspec,
                    GtkListItem      *list_item)
{
  row_update (list_item);
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           BitlensBrowser           *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *text_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name_label = gtk_label_new (NULL);
  GtkWidget *detail_label = gtk_label_new (NULL);
  GtkWidget *badge = gtk_label_new (NULL);
  GtkWidget *badge_b = gtk_label_new (NULL);

  gtk_widget_set_size_request (picture, 48, 48);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_widget_add_css_class (picture, "thumbnail");
  /* Every thumbnail in a 48-pixel column, whatever its aspect, so that the names line up. */
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 48);
  adw_clamp_set_tightening_threshold (ADW_CLAMP (clamp), 48);
  gtk_widget_set_size_request (clamp, 48, -1);
  adw_clamp_set_child (ADW_CLAMP (clamp), picture);
  gtk_widget_set_hexpand (text_box, TRUE);
  gtk_widget_set_valign (text_box, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (name_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (detail_label), 0);
  gtk_widget_add_css_class (detail_label, "dim-label");
  gtk_widget_add_css_class (detail_label, "caption");
  gtk_widget_add_css_class (detail_label, "numeric");
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "failure-badge");
  gtk_widget_set_valign (badge_b, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge_b, "failure-badge");
  gtk_widget_add_css_class (badge_b, "second-model");

  gtk_box_append (GTK_BOX (text_box), name_label);
  gtk_box_append (GTK_BOX (text_box), detail_label);
  gtk_box_append (GTK_BOX (box), clamp);
  gtk_box_append (GTK_BOX (box), text_box);
  gtk_box_append (GTK_BOX (box), badge);
  gtk_box_append (GTK_BOX (box), badge_b);
  g_object_set_data (G_OBJECT (box), "browser", self);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          BitlensBrowser           *self)
{
  BitlensImageItem *item = gtk_list_item_get_item (list_item);
  gulong handler = g_signal_connect (item, "notify", G_CALLBACK (on_row_item_notify), list_item);

  g_object_set_data (G_OBJECT (list_item), "notify-handler", GSIZE_TO_POINTER (handler));
  row_update (list_item);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            BitlensBrowser           *self)
{
  BitlensImageItem *item = gtk_list_item_get_item (list_item);
  gulong handler = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (list_item), "notify-handler"));

  if (item != NULL && handler != 0)
    g_signal_handler_disconnect (item, handler);
  g_object_set_data (G_OBJECT (list_item), "notify-handler", NULL);
}

static void
on_selected_item_changed (GtkSingleSelection *selection,
                          GParamSpec         *pspec,
                          BitlensBrowser     *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_ITEM]);
}

static void
on_filter_selected (GtkDropDown    *dropdown,
                    GParamSpec     *pspec,
                    BitlensBrowser *self)
{
  bitlens_browser_set_filter (self, gtk_drop_down_get_selected (dropdown));
}

static void
on_sort_selected (GtkDropDown    *dropdown,
                  GParamSpec     *pspec,
                  BitlensBrowser *self)
{
  bitlens_browser_set_sort (self, gtk_drop_down_get_selected (dropdown));
}

static void
on_items_changed (GListModel     *model,
                  guint           position,
                  guint           removed,
                  guint           added,
                  BitlensBrowser *self)
{
  update_summary (self);
}

static void
bitlens_browser_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  BitlensBrowser *self = BITLENS_BROWSER (object);

  switch (prop_id)
    {
    case PROP_SELECTED_ITEM:
      g_value_set_object (value, bitlens_browser_get_selected_item (self));
      break;
    case PROP_SLICE:
      g_value_set_string (value, self->slice_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bitlens_browser_dispose (GObject *object)
{
  BitlensBrowser *self = BITLENS_BROWSER (object);

  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), BITLENS_TYPE_BROWSER);
  if (self->filter_model != NULL)
    g_signal_handlers_disconnect_by_data (self->filter_model, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->filter);
  g_clear_object (&self->sorter);
  g_clear_pointer (&self->slice_name, g_free);
  g_clear_pointer (&self->slice_description, g_free);
  g_clear_pointer (&self->slice_failures, g_hash_table_unref);
  g_clear_pointer (&self->slice_members, g_hash_table_unref);

  G_OBJECT_CLASS (bitlens_browser_parent_class)->dispose (object);
}

static void
bitlens_browser_class_init (BitlensBrowserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bitlens_browser_dispose;
  object_class->get_property = bitlens_browser_get_property;

  properties[PROP_SELECTED_ITEM] =
    g_param_spec_object ("selected-item", NULL, NULL, BITLENS_TYPE_IMAGE_ITEM,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SLICE] =
    g_param_spec_string ("slice", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/bitlens/Bitlens/ui/bitlens-browser.ui");
  gtk_widget_class_bind_template_child (widget_class, BitlensBrowser, box);
  gtk_widget_class_bind_template_child (widget_class, BitlensBrowser, filter_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BitlensBrowser, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BitlensBrowser, list_view);
  gtk_widget_class_bind_template_child (widget_class, BitlensBrowser, summary_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensBrowser, slice_revealer);
  gtk_widget_class_bind_template_child (widget_class, BitlensBrowser, slice_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensBrowser, slice_count_label);
  gtk_widget_class_bind_template_child (widget_class, BitlensBrowser, slice_whole_button);
  gtk_widget_class_bind_template_callback (widget_class, on_slice_clear_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_slice_whole_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_sort_selected);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "bitlens-browser");
}

static void
bitlens_browser_init (BitlensBrowser *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  self->threshold = 0.5;
  gtk_widget_init_template (GTK_WIDGET (self));

  self->filter = gtk_custom_filter_new (item_matches, self, NULL);
  self->sorter = gtk_custom_sorter_new (compare_items, self, NULL);
  self->filter_model = gtk_filter_list_model_new (NULL, g_object_ref (GTK_FILTER (self->filter)));
  self->sort_model = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filter_model)),
                                              g_object_ref (GTK_SORTER (self->sorter)));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sort_model)));
  gtk_single_selection_set_autoselect (self->selection, TRUE);
  g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (on_selected_item_changed), self);
  g_signal_connect (self->filter_model, "items-changed", G_CALLBACK (on_items_changed), self);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), self);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  update_summary (self);
}

/* Items replaced (another dataset): the slice named the old ones. */
static void
on_slice_items_changed (GListModel     *model,
                        guint           position,
                        guint           removed,
                        guint           added,
                        BitlensBrowser *self)
{
  if (removed > 0 && self->slice_name != NULL)
    bitlens_browser_set_slice (self, NULL, NULL, NULL, NULL);
}

void
bitlens_browser_set_items (BitlensBrowser *self,
                           GListModel     *items)
{
  g_return_if_fail (BITLENS_IS_BROWSER (self));

  gtk_filter_list_model_set_model (self->filter_model, items);
  update_summary (self);
  /* A slice holds the items it was made of. */
  g_signal_connect_object (items, "items-changed", G_CALLBACK (on_slice_items_changed), self, 0);
}

GListModel *
bitlens_browser_get_shown_items (BitlensBrowser *self)
{
  g_return_val_if_fail (BITLENS_IS_BROWSER (self), NULL);
  return G_LIST_MODEL (self->sort_model);
}

BitlensImageItem *
bitlens_browser_get_selected_item (BitlensBrowser *self)
{
  g_return_val_if_fail (BITLENS_IS_BROWSER (self), NULL);
  return gtk_single_selection_get_selected_item (self->selection);
}

void
bitlens_browser_select_position (BitlensBrowser *self,
                                 guint           position)
{
  g_return_if_fail (BITLENS_IS_BROWSER (self));

  if (position >= g_list_model_get_n_items (G_LIST_MODEL (self->sort_model)))
    return;
  gtk_single_selection_set_selected (self->selection, position);
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
}

void
bitlens_browser_move_selection (BitlensBrowser *self,
                                int             delta)
{
  guint n, selected;
  gint64 target;

  g_return_if_fail (BITLENS_IS_BROWSER (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->sort_model));
  selected = gtk_single_selection_get_selected (self->selection);
  if (n == 0)
    return;
  target = selected == GTK_INVALID_LIST_POSITION ? 0 : (gint64) selected + delta;
  bitlens_browser_select_position (self, (guint) CLAMP (target, 0, (gint64) n - 1));
}

void
bitlens_browser_set_filter (BitlensBrowser       *self,
                            BitlensBrowserFilter  filter)
{
  g_return_if_fail (BITLENS_IS_BROWSER (self));

  if (gtk_drop_down_get_selected (self->filter_dropdown) != (guint) filter)
    gtk_drop_down_set_selected (self->filter_dropdown, filter);
  if (self->filter_kind == filter)
    return;
  self->filter_kind = filter;
  bitlens_browser_refresh (self);
}

BitlensBrowserFilter
bitlens_browser_get_filter (BitlensBrowser *self)
{
  g_return_val_if_fail (BITLENS_IS_BROWSER (self), BITLENS_BROWSER_FILTER_ALL);
  return self->filter_kind;
}

void
bitlens_browser_set_sort (BitlensBrowser     *self,
                          BitlensBrowserSort  sort)
{
  g_return_if_fail (BITLENS_IS_BROWSER (self));

  if (gtk_drop_down_get_selected (self->sort_dropdown) != (guint) sort)
    gtk_drop_down_set_selected (self->sort_dropdown, sort);
  if (self->sort_kind == sort)
    return;
  self->sort_kind = sort;
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
}

void
bitlens_browser_set_threshold (BitlensBrowser *self,
                               double          threshold)
{
  g_return_if_fail (BITLENS_IS_BROWSER (self));
  self->threshold = threshold;
  bitlens_browser_refresh (self);
}

void
bitlens_browser_set_comparing (BitlensBrowser *self,
                               gboolean        comparing)
{
  g_return_if_fail (BITLENS_IS_BROWSER (self));
  self->comparing = comparing;
  bitlens_browser_refresh (self);
}

void
bitlens_browser_refresh (BitlensBrowser *self)
{
  g_return_if_fail (BITLENS_IS_BROWSER (self));

  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
  update_summary (self);
}

static GHashTable *
rank_items (GPtrArray *items)
{
  GHashTable *ranks = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);

  for (guint i = 0; items != NULL && i < items->len; i++)
    if (!g_hash_table_contains (ranks, g_ptr_array_index (items, i)))
      g_hash_table_insert (ranks, g_object_ref (g_ptr_array_index (items, i)), GUINT_TO_POINTER (i + 1));
  return ranks;
}

void
bitlens_browser_set_slice (BitlensBrowser *self,
                           const char     *name,
                           const char     *description,
                           GPtrArray      *failures,
                           GPtrArray      *members)
{
  g_return_if_fail (BITLENS_IS_BROWSER (self));

  if (name == NULL && self->slice_name == NULL)
    return;
  g_clear_pointer (&self->slice_failures, g_hash_table_unref);
  g_clear_pointer (&self->slice_members, g_hash_table_unref);
  g_free (self->slice_name);
  g_free (self->slice_description);
  self->slice_name = g_strdup (name);
  self->slice_description = g_strdup (description);
  self->slice_whole = FALSE;
  if (name != NULL)
    {
      self->slice_failures = rank_items (failures);
      self->slice_members = rank_items (members);
      /* Failures are part of the slice even when the caller listed the members apart. */
      for (guint i = 0; failures != NULL && i < failures->len; i++)
        if (!g_hash_table_contains (self->slice_members, g_ptr_array_index (failures, i)))
          g_hash_table_insert (self->slice_members, g_object_ref (g_ptr_array_index (failures, i)), NULL);
    }
  update_slice_bar (self);
  bitlens_browser_refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SLICE]);
}

const char *
bitlens_browser_get_slice (BitlensBrowser *self)
{
  g_return_val_if_fail (BITLENS_IS_BROWSER (self), NULL);
  return self->slice_name;
}

void
bitlens_browser_set_slice_whole (BitlensBrowser *self,
                                 gboolean        whole)
{
  g_return_if_fail (BITLENS_IS_BROWSER (self));

  whole = !!whole;
  if (self->slice_name == NULL || self->slice_whole == whole)
    return;
  self->slice_whole = whole;
  update_slice_bar (self);
  bitlens_browser_refresh (self);
}
