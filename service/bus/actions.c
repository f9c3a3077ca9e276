/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "actions.h"
#include "authz.h"

#include <string.h>

#define M BUS_IFACE_MANAGER
#define C BUS_IFACE_CONNECTION

static const BusMethodAction actions[] = {
	/* Manager: connections and keys */
	{ M, "AddConnection", BUS_ACTION_CONFIGURE },
	{ M, "AddConnections", BUS_ACTION_CONFIGURE }, /* one check for the whole batch */
	{ M, "DeleteConnection", BUS_ACTION_CONFIGURE },
	{ M, "GetConnection", NULL },
	{ M, "AddPublicKey", BUS_ACTION_CONFIGURE },
	/* Manager: daemon-wide settings */
	{ M, "Listen", BUS_ACTION_ADMIN },
	{ M, "Unlisten", BUS_ACTION_ADMIN },
	{ M, "SetDdosMode", BUS_ACTION_ADMIN },
	{ M, "SetGlobalRedirect", BUS_ACTION_ADMIN },
	{ M, "RedirectActivePeers", BUS_ACTION_ADMIN },
	{ M, "SetDebug", BUS_ACTION_ADMIN },
	{ M, "SetImpair", BUS_ACTION_ADMIN },
	{ M, "SetIkeSocketOptions", BUS_ACTION_ADMIN },
	{ M, "Reread", BUS_ACTION_CONFIGURE },
	{ M, "FetchCrls", BUS_ACTION_CONFIGURE },
	{ M, "PurgeOcsp", BUS_ACTION_CONFIGURE },
	{ M, "TriggerDdns", BUS_ACTION_CONFIGURE },
	/* Manager: lists, status, statistics */
	{ M, "List", BUS_ACTION_READ },
	{ M, "CheckPublicKeys", BUS_ACTION_READ },
	{ M, "GetStatus", BUS_ACTION_READ },
	{ M, "GetGlobalStatistics", BUS_ACTION_READ },
	{ M, "ClearStatistics", BUS_ACTION_ADMIN },
	/* Manager: SAs, users, peers */
	{ M, "DeleteState", BUS_ACTION_CONNECT },
	{ M, "DeleteUser", BUS_ACTION_ADMIN },
	{ M, "Crash", BUS_ACTION_ADMIN },
	{ M, "InitiateOpportunistic", BUS_ACTION_CONNECT },
	/* Manager: agents, shutdown */
	{ M, "RegisterAgent", BUS_ACTION_CONNECT },
	{ M, "UnregisterAgent", NULL },
	{ M, "Shutdown", BUS_ACTION_ADMIN },
	/* Connection */
	{ C, "Initiate", BUS_ACTION_CONNECT },
	{ C, "Down", BUS_ACTION_CONNECT },
	{ C, "Delete", BUS_ACTION_CONFIGURE },
	{ C, "Route", BUS_ACTION_CONNECT },
	{ C, "Unroute", BUS_ACTION_CONNECT },
	{ C, "RekeyIke", BUS_ACTION_CONNECT },
	{ C, "RekeyChild", BUS_ACTION_CONNECT },
	{ C, "DeleteIke", BUS_ACTION_CONNECT },
	{ C, "DeleteChild", BUS_ACTION_CONNECT },
	{ C, "DownIke", BUS_ACTION_CONNECT },
	{ C, "DownChild", BUS_ACTION_CONNECT },
	{ C, "RedirectTo", BUS_ACTION_ADMIN },
};

const BusMethodAction *
bus_actions_lookup(const char *interface, const char *method)
{
	for (gsize i = 0; i < G_N_ELEMENTS(actions); i++) {
		if (strcmp(actions[i].interface, interface) == 0 &&
		    strcmp(actions[i].method, method) == 0)
			return &actions[i];
	}
	return NULL;
}

const BusMethodAction *
bus_actions_get_all(gsize *n_entries)
{
	*n_entries = G_N_ELEMENTS(actions);
	return actions;
}
