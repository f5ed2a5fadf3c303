/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bitlens-app"

#include "config.h"

#include <glib/gi18n.h>

#include "bitlens-application.h"
#include "bitlens-preferences-window.h"
#include "bitlens-resources.h"
#include "bitlens-window.h"

struct _BitlensApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (BitlensApplication, bitlens_application, ADW_TYPE_APPLICATION)

static gboolean
color_scheme_get_mapping (GValue   *value,
                          GVariant *variant,
                          gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);

  if (g_strcmp0 (nick, "light") == 0)
    g_value_set_enum (value, ADW_COLOR_SCHEME_FORCE_LIGHT);
  else if (g_strcmp0 (nick, "dark") == 0)
    g_value_set_enum (value, ADW_COLOR_SCHEME_FORCE_DARK);
  else
    g_value_set_enum (value, ADW_COLOR_SCHEME_DEFAULT);
  return TRUE;
}

static BitlensWindow *
get_active_window (BitlensApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (BITLENS_IS_WINDOW (window))
    return BITLENS_WINDOW (window);
  return bitlens_window_new (self);
}

/* Files opened while the window shows images get a window of their own. */
static BitlensWindow *
get_window_for_files (BitlensApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (BITLENS_IS_WINDOW (window) && bitlens_window_is_empty (BITLENS_WINDOW (window)))
    return BITLENS_WINDOW (window);
  return bitlens_window_new (self);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  BitlensApplication *self = user_data;
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));

  /* Closing the windows saves their state; the application quits with the last one. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  BitlensApplication *self = user_data;
  static const char *developers[] = { "The Bitlens authors", NULL };
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  adw_show_about_window (parent,
                         "application-name", _("Bitlens"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "developer-name", _("The Bitlens authors"),
                         "developers", developers,
                         "comments", _("Inspect what triggers tiny person detectors: saliency maps, "
                                       "failure cases and model comparisons, computed with the "
                                       "arithmetic the device uses."),
                         "website", "https://bitlens.org/",
                         "issue-url", "https://bitlens.org/issues",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "copyright", "© 2026 The Bitlens authors",
                         /* Translators: put your names here, one per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  BitlensApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  BitlensPreferencesWindow *preferences = bitlens_preferences_window_new (self->settings);

  gtk_window_set_transient_for (GTK_WINDOW (preferences), parent);
  gtk_window_present (GTK_WINDOW (preferences));
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = quit_activated },
  { .name = "about", .activate = about_activated },
  { .name = "preferences", .activate = preferences_activated },
};

static void
bitlens_application_startup (GApplication *application)
{
  BitlensApplication *self = BITLENS_APPLICATION (application);
  g_autoptr(GAction) color_scheme_action = NULL;
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static gsize application_name_set = 0;

  G_APPLICATION_CLASS (bitlens_application_parent_class)->startup (application);

  /* Once per process: tests start several applications. */
  if (g_once_init_enter (&application_name_set))
    {
      g_set_application_name (_("Bitlens"));
      g_once_init_leave (&application_name_set, 1);
    }
  gtk_window_set_default_icon_name (APP_ID);

  self->settings = g_settings_new (APP_ID);
  g_settings_bind_with_mapping (self->settings, "color-scheme",
                                adw_style_manager_get_default (), "color-scheme",
                                G_SETTINGS_BIND_GET, color_scheme_get_mapping, NULL, NULL, NULL);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  color_scheme_action = g_settings_create_action (self->settings, "color-scheme");
  g_action_map_add_action (G_ACTION_MAP (self), color_scheme_action);

  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
}

static void
bitlens_application_activate (GApplication *application)
{
  BitlensApplication *self = BITLENS_APPLICATION (application);

  gtk_window_present (GTK_WINDOW (get_active_window (self)));
}

static void
bitlens_application_open (GApplication  *application,
                          GFile        **files,
                          int            n_files,
                          const char    *hint)
{
  BitlensApplication *self = BITLENS_APPLICATION (application);
  BitlensWindow *window = get_window_for_files (self);

  gtk_window_present (GTK_WINDOW (window));
  bitlens_window_open_files (window, files, (guint) n_files);
}

static int
bitlens_application_command_line (GApplication            *application,
                                  GApplicationCommandLine *command_line)
{
  BitlensApplication *self = BITLENS_APPLICATION (application);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(GStrv) arguments = NULL;
  const char *compare = NULL;
  const char *spec = NULL;
  BitlensWindow *window;

  if (g_variant_dict_lookup (options, G_OPTION_REMAINING, "^aay", &arguments) && arguments != NULL)
    for (guint i = 0; arguments[i] != NULL; i++)
      g_ptr_array_add (files, g_application_command_line_create_file_for_arg (command_line, arguments[i]));
  g_variant_dict_lookup (options, "compare", "^&ay", &compare);
  g_variant_dict_lookup (options, "spec", "^&ay", &spec);

  window = files->len > 0 || compare != NULL || spec != NULL ? get_window_for_files (self) : get_active_window (self);
  gtk_window_present (GTK_WINDOW (window));
  if (files->len > 0)
    bitlens_window_open_files (window, (GFile **) files->pdata, files->len);
  if (compare != NULL)
    {
      g_autoptr(GFile) model_b = g_application_command_line_create_file_for_arg (command_line, compare);
      bitlens_window_open_compare_model (window, model_b);
    }
  if (spec != NULL)
    {
      g_autoptr(GFile) spec_file = g_application_command_line_create_file_for_arg (command_line, spec);
      bitlens_window_open_spec (window, spec_file);
    }
  return 0;
}

static void
bitlens_application_finalize (GObject *object)
{
  BitlensApplication *self = BITLENS_APPLICATION (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (bitlens_application_parent_class)->finalize (object);
}

static void
bitlens_application_class_init (BitlensApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = bitlens_application_finalize;
  application_class->startup = bitlens_application_startup;
  application_class->activate = bitlens_application_activate;
  application_class->open = bitlens_application_open;
  application_class->command_line = bitlens_application_command_line;
}

static const GOptionEntry option_entries[] = {
  { "compare", 'c', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, NULL,
    N_("Compare with a second model"), N_("MODEL") },
  { "spec", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, NULL,
    N_("Run the data unit tests of a spec (a key file) on the model"), N_("SPEC") },
  { G_OPTION_REMAINING, 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME_ARRAY, NULL,
    NULL, N_("MODEL [IMAGE|FOLDER…]") },
  { NULL }
};

static void
bitlens_application_init (BitlensApplication *self)
{
  static gsize resources_registered = 0;

  if (g_once_init_enter (&resources_registered))
    {
      bitlens_register_resource ();
      g_once_init_leave (&resources_registered, 1);
    }

  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Open a person detector (.tflite) and images, image folders or labelled datasets."));
}

BitlensApplication *
bitlens_application_new (GApplicationFlags flags)
{
  return g_object_new (BITLENS_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", flags | G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_HANDLES_OPEN,
                       NULL);
}

GSettings *
bitlens_application_get_settings (BitlensApplication *self)
{
  g_return_val_if_fail (BITLENS_IS_APPLICATION (self), NULL);
  return self->settings;
}
