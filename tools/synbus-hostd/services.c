// SPDX-License-Identifier: GPL-2.0
/*
 * The services a new guest is offered, in this order (the echo class is
 * offered on demand only). hd_service_find() is window.c's.
 */
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
