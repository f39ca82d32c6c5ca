// SPDX-License-Identifier: GPL-2.0
/*
 * The services a new guest is offered, in this order, and the lookup by
 * name for the command line. The echo class is offered on demand only.
 */
#include <string.h>

#include "hostd.h"

const struct hd_service *const hd_services[] = {
	&hd_svc_heartbeat,
	&hd_svc_shutdown,
	&hd_svc_timesync,
	&hd_svc_backup,
	&hd_svc_balloon,
	&hd_echo_service,
};

const unsigned int hd_nr_services = sizeof(hd_services) / sizeof(hd_services[0]);

const struct hd_service *hd_service_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < hd_nr_services; i++)
		if (!strcmp(hd_services[i]->name, name))
			return hd_services[i];
	return NULL;
}
