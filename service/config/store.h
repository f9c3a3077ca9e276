/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The persistent connection store: one keyfile per connection in a state
 * directory (ikebusd --state-dir, default /var/lib/ikebus/connections).
 *
 *   [connection]
 *   name=east-west
 *   [options]
 *   left-host='192.0.2.1'
 *   left-ike-port=uint32 500
 *
 * Option values are GVariant text (g_variant_print with types), so a stored
 * connection reads back exactly as AddConnection received it. Files are
 * written atomically (temporary file + rename, fsync) with mode 0600.
 *
 * Errors: G_IO_ERROR / G_FILE_ERROR for I/O, IKEBUS_CONFIG_ERROR for a bad
 * stored description. Thread: any; no state beyond the directory name.
 */
#pragma once

#include <glib.h>

#include "connection.h"

G_BEGIN_DECLS

typedef struct IkebusStore IkebusStore;

/* Owned. @dir is created (mode 0700) on the first save. */
IkebusStore *ikebus_store_new(const char *dir);
void ikebus_store_free(IkebusStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IkebusStore, ikebus_store_free)

const char *ikebus_store_get_dir(const IkebusStore *store);

/* Owned path of the file that holds connection @name. */
char *ikebus_store_path_for(const IkebusStore *store, const char *name);

/* Writes @conn (replacing a stored one of the same name). */
gboolean ikebus_store_save(IkebusStore *store, const IkebusConnection *conn, GError **error);

/* Removes the file of @name; a missing file is not an error. */
gboolean ikebus_store_remove(IkebusStore *store, const char *name, GError **error);

/*
 * Every stored connection, sorted by file name: an owned array of owned
 * IkebusConnection. A file that cannot be read or parsed is reported with
 * one g_warning naming the file and the problem, and skipped. A missing
 * directory is an empty store.
 */
GPtrArray *ikebus_store_load_all(IkebusStore *store);

/* Parses one stored keyfile (for tests and load_all). */
IkebusConnection *ikebus_store_parse(const char *data, gsize len, GError **error);

G_END_DECLS
