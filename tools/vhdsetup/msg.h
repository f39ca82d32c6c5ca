/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages (progmsg.h: warnx_, warn_) and small helpers shared by every
 * vhdsetup source file.
 */
#ifndef VHDSETUP_MSG_H
#define VHDSETUP_MSG_H

#include <stdbool.h>

#include "progmsg.h"

#define ARRAY_SIZE(x)		(sizeof(x) / sizeof((x)[0]))

extern bool verbose;

#endif
