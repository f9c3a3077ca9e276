/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "debug.h"

#include <string.h>
#include <unistd.h>

static const char *const classes[] = {
	"base", "bus", "config", "crypto", "engine", "ike", "kernel", "net", NULL,
};

static GMutex lock;
static guint enabled_mask; /* bit i: classes[i] */

const char *const *
bus_debug_available_classes(void)
{
	return classes;
}

static int
class_index(const char *name)
{
	for (int i = 0; classes[i] != NULL; i++) {
		if (strcmp(classes[i], name) == 0)
			return i;
	}
	return -1;
}

gboolean
bus_debug_is_class(const char *name)
{
	return class_index(name) >= 0;
}

void
bus_debug_set_enabled(const char *const *names)
{
	guint mask = 0;

	for (gsize i = 0; names != NULL && names[i] != NULL; i++) {
		int idx = class_index(names[i]);

		if (idx >= 0)
			mask |= 1u << idx;
	}
	g_mutex_lock(&lock);
	enabled_mask = mask;
	g_mutex_unlock(&lock);
}

gboolean
bus_debug_is_enabled(const char *name)
{
	int idx = class_index(name);
	guint mask;

	if (idx < 0)
		return FALSE;
	g_mutex_lock(&lock);
	mask = enabled_mask;
	g_mutex_unlock(&lock);
	return (mask & (1u << idx)) != 0;
}

static gboolean
domain_enabled(const char *domain)
{
	int idx;
	guint mask;

	if (domain == NULL || strncmp(domain, "ikebus", 6) != 0)
		return FALSE;
	if (domain[6] == '\0')
		idx = class_index("base");
	else if (domain[6] == '-')
		idx = class_index(domain + 7);
	else
		return FALSE;
	if (idx < 0)
		return FALSE;
	g_mutex_lock(&lock);
	mask = enabled_mask;
	g_mutex_unlock(&lock);
	return (mask & (1u << idx)) != 0;
}

static GLogWriterOutput
writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	const char *domain = NULL;

	if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) == 0)
		return g_log_writer_default(level, fields, n_fields, user_data);
	for (gsize i = 0; i < n_fields; i++) {
		if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
			domain = fields[i].value;
	}
	if (!domain_enabled(domain))
		return g_log_writer_default(level, fields, n_fields, user_data);
	if (g_log_writer_is_journald(STDERR_FILENO) &&
	    g_log_writer_journald(level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
		return G_LOG_WRITER_HANDLED;
	return g_log_writer_standard_streams(level, fields, n_fields, user_data);
}

void
bus_debug_install_writer(void)
{
	g_log_set_writer_func(writer, NULL, NULL);
}
