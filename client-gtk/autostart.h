/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "Start at login": an XDG autostart entry in the user's config directory
 * ($XDG_CONFIG_HOME/autostart/org.ikebus.Applet.desktop) that starts the
 * applet in the background, where it keeps its credential agent registered.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE if the user's autostart entry exists and is not hidden. */
gboolean applet_autostart_get(void);
/* Writes or removes the entry. FALSE + a GIO/GFileError error on failure. */
gboolean applet_autostart_set(gboolean enabled, GError **error);
/* The entry's path; owned. */
char *applet_autostart_path(void);

G_END_DECLS
