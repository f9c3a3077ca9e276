/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "thread-sched.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

guint
ikebus_thread_set_batch_by_name(const char *name)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, NULL);
	const char *tid_text;
	guint changed = 0;

	g_return_val_if_fail(name != NULL, 0);
	if (dir == NULL)
		return 0;
	while ((tid_text = g_dir_read_name(dir)) != NULL) {
		g_autofree char *comm_path = g_build_filename("/proc/self/task", tid_text, "comm", NULL);
		g_autofree char *comm = NULL;
		struct sched_param param = { .sched_priority = 0 };
		guint64 tid;

		if (!g_ascii_string_to_unsigned(tid_text, 10, 1, G_MAXINT32, &tid, NULL) ||
		    !g_file_get_contents(comm_path, &comm, NULL, NULL))
			continue;
		g_strchomp(comm);
		if (!g_str_equal(comm, name))
			continue;
		/* Linux: with a thread id, this sets that one thread's policy */
		if (sched_setscheduler((pid_t) tid, SCHED_BATCH, &param) == 0)
			changed++;
		else
			g_debug("thread %s (%s): cannot set SCHED_BATCH: %s", tid_text, name,
			        g_strerror(errno));
	}
	return changed;
}
