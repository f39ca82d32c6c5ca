// SPDX-License-Identifier: GPL-2.0
/*
 * vhdsetup's view of a parent chain: tools/lib opens and checks it, this
 * file turns the outcome into fds for VHD_ATTACH or into one clear message.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhdio.h"
#include "chain.h"
#include "msg.h"

static bool is_errno(int ret, int err)
{
	return ret == vhdio_sys(err);
}

/*
 * The layer whose parent could not be used: the last one of the partial
 * chain, except for a loop, where the offending parent is linked already.
 */
static struct vhd_image *failed_child(struct vhd_image *top, int ret)
{
	struct vhd_image *it, *prev = NULL;

	for (it = top; it->parent; it = it->parent)
		prev = it;
	return ret == -VHD_E_CHAIN_LOOP && prev ? prev : it;
}

static void report_chain_error(struct vhd_image *top, const char *where,
			       int ret)
{
	struct vhd_image *child = failed_child(top, ret);
	char name[VHD_PARENT_NAME_SIZE * 2];

	if (vhd_parent_name_get(&child->hdr, name, sizeof(name)) || !name[0])
		snprintf(name, sizeof(name), "(no name)");
	switch (-ret) {
	case VHD_E_NO_PARENT:
		warnx_("%s: parent not found: %s", child->path, name);
		break;
	case VHD_E_PARENT_UUID:
		warnx_("%s: parent UUID mismatch: %s", child->path,
		       where && strcmp(where, child->path) ? where : name);
		break;
	case VHD_E_CHAIN_LOOP:
		warnx_("%s: differencing chain loops back to %s", child->path,
		       where ? where : name);
		break;
	case VHD_E_CHAIN_DEPTH:
		warnx_("%s: chain deeper than %d images", top->path,
		       VHD_CHAIN_MAX);
		break;
	default:
		warnx_("parent %s of %s: %s", where ? where : name,
		       child->path, vhdio_strerror(ret));
		break;
	}
}

/* Top image unusable for the library: open it anyway for the kernel. */
static int open_undecodable(const char *file, bool read_only,
			    struct vhd_chain *c, int ret)
{
	c->own_fd = open(file, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (c->own_fd < 0) {
		warn_(errno, "%s", file);
		return -1;
	}
	c->top_error = vhdio_strerror(ret);
	c->fds[0] = c->own_fd;
	c->paths[0] = file;
	c->nr = 1;
	return 0;
}

int vhd_chain_open(const char *file, bool *read_only, struct vhd_chain *c)
{
	struct vhd_image *img, *it;
	const char *where;
	int ret, flags;

	memset(c, 0, sizeof(*c));
	c->own_fd = -1;
	flags = VHDIO_KEEP_PARTIAL | (*read_only ? 0 : VHDIO_RDWR);
	ret = vhd_image_open(&img, file, flags, VHD_SIZE_AUTO, &where);
	if (!img && !*read_only &&
	    (is_errno(ret, EROFS) || is_errno(ret, EACCES))) {
		warnx_("%s: warning: file is write-protected, setting up read-only",
		       file);
		*read_only = true;
		flags &= ~VHDIO_RDWR;
		ret = vhd_image_open(&img, file, flags, VHD_SIZE_AUTO, &where);
	}
	if (!img) {
		if (ret <= vhdio_sys(0)) {
			warnx_("%s: %s", file, vhdio_strerror(ret));
			return -1;
		}
		return open_undecodable(file, *read_only, c, ret);
	}
	if (ret) {
		report_chain_error(img, where, ret);
		vhd_image_close(img);
		return -1;
	}
	c->img = img;
	for (it = img; it; it = it->parent) {
		if (c->nr == VHD_CHAIN_MAX) {
			warnx_("%s: chain deeper than %d images", file,
			       VHD_CHAIN_MAX);
			vhd_chain_close(c);
			return -1;
		}
		if (verbose && (it->warn & VHD_W_PARENT_TIME))
			warnx_("%s: parent timestamp mismatch (ignored)",
			       it->path);
		c->fds[c->nr] = it->fd;
		c->paths[c->nr] = it->path;
		c->nr++;
	}
	return 0;
}

void vhd_chain_close(struct vhd_chain *c)
{
	vhd_image_close(c->img);
	if (c->own_fd >= 0)
		close(c->own_fd);
	memset(c, 0, sizeof(*c));
	c->own_fd = -1;
}
