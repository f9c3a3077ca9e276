/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "autostart.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <glib/gi18n.h>

#define APPLET_ID "org.ikebus.Applet"

char *
applet_autostart_path(void)
{
	return g_build_filename(g_get_user_config_dir(), "autostart", APPLET_ID ".desktop", NULL);
}

gboolean
applet_autostart_get(void)
{
	g_autofree char *path = applet_autostart_path();
	g_autoptr(GKeyFile) kf = g_key_file_new();

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
		return FALSE;
	return !g_key_file_get_boolean(kf, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN,
				       NULL);
}

gboolean
applet_autostart_set(gboolean enabled, GError **error)
{
	g_autofree char *path = applet_autostart_path();
	g_autofree char *dir = g_path_get_dirname(path);
	g_autoptr(GKeyFile) kf = NULL;
	const char *group = G_KEY_FILE_DESKTOP_GROUP;

	if (!enabled) {
		if (g_unlink(path) != 0 && errno != ENOENT) {
			int saved = errno;

			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
				    _("Cannot remove %s: %s"), path, g_strerror(saved));
			return FALSE;
		}
		return TRUE;
	}
	if (g_mkdir_with_parents(dir, 0700) != 0) {
		int saved = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
			    _("Cannot create %s: %s"), dir, g_strerror(saved));
		return FALSE;
	}
	kf = g_key_file_new();
	g_key_file_set_string(kf, group, G_KEY_FILE_DESKTOP_KEY_TYPE, "Application");
	g_key_file_set_string(kf, group, G_KEY_FILE_DESKTOP_KEY_NAME, _("IPsec VPN"));
	g_key_file_set_string(kf, group, G_KEY_FILE_DESKTOP_KEY_COMMENT,
			      _("Keeps the IPsec VPN credential agent running"));
	g_key_file_set_string(kf, group, G_KEY_FILE_DESKTOP_KEY_EXEC, "ikebus-applet --background");
	g_key_file_set_string(kf, group, G_KEY_FILE_DESKTOP_KEY_ICON, APPLET_ID);
	g_key_file_set_boolean(kf, group, G_KEY_FILE_DESKTOP_KEY_NO_DISPLAY, TRUE);
	g_key_file_set_string(kf, group, "X-GNOME-Autostart-enabled", "true");
	return g_key_file_save_to_file(kf, path, error);
}
