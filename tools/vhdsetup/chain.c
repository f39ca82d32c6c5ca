// SPDX-License-Identifier: GPL-2.0
/*
 * Parent chain resolution for vhdsetup, on top of the format library: the
 * kernel validates every layer again, but only userspace can find files by
 * name, so the links are checked here first for a clear message.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vhd_format.h"
#include "chain.h"
#include "msg.h"

/* A decoded layer: enough to find and check its parent. */
struct layer {
	struct vhd_footer f;
	struct vhd_dynhdr h;
	u64 file_size;
	dev_t dev;
	ino_t ino;
};

static int pread_full(int fd, void *buf, size_t len, u64 off)
{
	ssize_t n;
	size_t done = 0;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += n;
	}
	return 0;
}

/* Decode footer and, for sparse disks, the dynamic header. */
static int layer_read(int fd, struct layer *l)
{
	u8 buf[VHD_DYNHDR_SIZE];
	struct stat st;
	int ret;

	if (fstat(fd, &st))
		return -VHD_E_INVAL;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->file_size = st.st_size;
	if (l->file_size < VHD_FOOTER_SIZE)
		return -VHD_E_TRUNCATED;
	if (pread_full(fd, buf, VHD_FOOTER_SIZE,
		       l->file_size - VHD_FOOTER_SIZE))
		return -VHD_E_TRUNCATED;
	ret = vhd_footer_decode(&l->f, buf, VHD_FOOTER_SIZE, l->file_size,
				VHD_SIZE_AUTO);
	if (ret)
		return ret;
	if (!vhd_is_sparse(&l->f))
		return 0;
	if (pread_full(fd, buf, VHD_DYNHDR_SIZE, l->f.data_offset))
		return -VHD_E_TRUNCATED;
	return vhd_dynhdr_decode(&l->h, buf, &l->f, l->file_size);
}

static void slashes(char *p)
{
	for (; *p; p++)
		if (*p == '\\')
			*p = '/';
}

/* "file://localhost/a%20b" -> "/a b" */
static void url_to_path(char *p)
{
	char *r = p, *w = p;

	if (!strncmp(r, "file://", 7)) {
		r += 7;
		if (!strncmp(r, "localhost/", 10))
			r += 9;
	}
	while (*r) {
		if (r[0] == '%' && r[1] && r[2]) {
			char hex[3] = { r[1], r[2], 0 };
			char *end;
			long v = strtol(hex, &end, 16);

			if (!*end && v > 0) {
				*w++ = (char)v;
				r += 3;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

struct candidate {
	char path[PATH_MAX];
};

static void add_cand(struct candidate *cand, int *nr, int max,
		     const char *dir, const char *p)
{
	int i;

	if (!*p || *nr >= max)
		return;
	if (p[0] == '/' || !dir)
		snprintf(cand[*nr].path, sizeof(cand[0].path), "%s", p);
	else
		snprintf(cand[*nr].path, sizeof(cand[0].path), "%s/%s", dir, p);
	for (i = 0; i < *nr; i++)
		if (!strcmp(cand[i].path, cand[*nr].path))
			return;
	(*nr)++;
}

/* Locator payload of @code as a path, or -1. */
static int locator_path(int fd, const struct layer *l, u32 code, char *out,
			size_t outsz)
{
	const struct vhd_locator *loc;
	u8 *data;
	int i, ret;

	for (i = 0; i < (int)VHD_MAX_LOCATORS; i++) {
		loc = &l->h.loc[i];
		if (loc->code != code || !loc->data_length ||
		    loc->data_length > 4 * PATH_MAX)
			continue;
		data = malloc(loc->data_length);
		if (!data)
			return -1;
		ret = pread_full(fd, data, loc->data_length, loc->data_offset);
		if (!ret)
			ret = vhd_locator_decode(loc, data, out, outsz);
		free(data);
		if (!ret)
			return 0;
	}
	return -1;
}

/*
 * Candidate parent paths, in search order: relative locators from the
 * child's folder, absolute locators, then the parent name's last component
 * in the child's folder.
 */
static int candidates(int fd, const struct layer *l, const char *child,
		      struct candidate *cand, int max, char *name,
		      size_t namesz)
{
	char dirbuf[PATH_MAX], p[PATH_MAX], *dir, *base;
	int nr = 0;

	snprintf(dirbuf, sizeof(dirbuf), "%s", child);
	dir = dirname(dirbuf);

	if (vhd_parent_name_get(&l->h, name, namesz))
		name[0] = '\0';

	if (!locator_path(fd, l, VHD_PLAT_W2RU, p, sizeof(p))) {
		slashes(p);
		add_cand(cand, &nr, max, dir, p);
	}
	if (!locator_path(fd, l, VHD_PLAT_MACX, p, sizeof(p))) {
		url_to_path(p);
		if (p[0] != '/')
			add_cand(cand, &nr, max, dir, p);
	}
	if (!locator_path(fd, l, VHD_PLAT_W2KU, p, sizeof(p))) {
		/* Ours are POSIX paths; Windows ones lose their drive. */
		if (p[0] != '/' && p[1] == ':')
			memmove(p, p + 2, strlen(p + 2) + 1);
		slashes(p);
		add_cand(cand, &nr, max, NULL, p);
	}
	if (!locator_path(fd, l, VHD_PLAT_MACX, p, sizeof(p))) {
		url_to_path(p);
		if (p[0] == '/')
			add_cand(cand, &nr, max, NULL, p);
	}
	if (name[0]) {
		snprintf(p, sizeof(p), "%s", name);
		slashes(p);
		base = strrchr(p, '/');
		add_cand(cand, &nr, max, dir, base ? base + 1 : p);
	}
	return nr;
}

static int open_file(const char *path, bool *read_only)
{
	int fd;

	fd = open(path, (*read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0 && !*read_only && (errno == EROFS || errno == EACCES)) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			warnx_("%s: warning: file is write-protected, setting up read-only",
			       path);
			*read_only = true;
		}
	}
	return fd;
}

/* Find, open and check the parent of layer @i; 0 or -1 (reported). */
static int open_parent(struct vhd_chain *c, struct layer *layers, int i)
{
	struct candidate cand[8];
	char name[VHD_PARENT_NAME_SIZE * 2];
	const char *mismatch = NULL;
	struct layer *child = &layers[i], *par = &layers[i + 1];
	int nr, k, j, fd, ret;
	u32 warn = 0;

	nr = candidates(c->fds[i], child, c->paths[i], cand, 8, name,
			sizeof(name));
	for (k = 0; k < nr; k++) {
		fd = open(cand[k].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ret = layer_read(fd, par);
		if (ret) {
			warnx_("parent %s: %s", cand[k].path,
			       vhd_strerror(ret));
			close(fd);
			return -1;
		}
		ret = vhd_parent_check(&child->h, &par->f, &warn);
		if (ret) {
			mismatch = mismatch ? mismatch : strdup(cand[k].path);
			close(fd);
			continue;
		}
		for (j = 0; j <= i; j++) {
			if (layers[j].dev == par->dev &&
			    layers[j].ino == par->ino) {
				warnx_("%s: chain loop: %s is already in the chain",
				       c->paths[0], cand[k].path);
				close(fd);
				return -1;
			}
		}
		if (verbose && (warn & VHD_W_PARENT_TIME))
			warnx_("%s: parent timestamp mismatch (ignored)",
			       cand[k].path);
		c->fds[i + 1] = fd;
		c->paths[i + 1] = strdup(cand[k].path);
		c->nr++;
		free((void *)mismatch);
		return c->paths[i + 1] ? 0 : -1;
	}
	if (mismatch) {
		warnx_("%s: parent UUID mismatch: %s", c->paths[i], mismatch);
		free((void *)mismatch);
	} else {
		warnx_("%s: parent not found: %s", c->paths[i],
		       name[0] ? name : "(no name)");
	}
	return -1;
}

int vhd_chain_open(const char *file, bool *read_only, struct vhd_chain *c)
{
	struct layer *layers;
	int ret;

	memset(c, 0, sizeof(*c));
	layers = calloc(VHD_CHAIN_MAX, sizeof(*layers));
	if (!layers)
		return -1;
	c->fds[0] = open_file(file, read_only);
	if (c->fds[0] < 0) {
		warn_(errno, "%s", file);
		goto fail;
	}
	c->paths[0] = strdup(file);
	c->nr = 1;
	if (!c->paths[0])
		goto fail;
	ret = layer_read(c->fds[0], &layers[0]);
	if (ret) {
		/* Let the kernel refuse it with its errno; keep the reason. */
		c->top_error = vhd_strerror(ret);
		free(layers);
		return 0;
	}
	while (layers[c->nr - 1].f.disk_type == VHD_TYPE_DIFF) {
		if (c->nr == VHD_CHAIN_MAX) {
			warnx_("%s: chain deeper than %d images", file,
			       VHD_CHAIN_MAX);
			goto fail;
		}
		if (open_parent(c, layers, c->nr - 1))
			goto fail;
	}
	free(layers);
	return 0;
fail:
	free(layers);
	vhd_chain_close(c);
	return -1;
}

void vhd_chain_close(struct vhd_chain *c)
{
	int i;

	for (i = 0; i < c->nr; i++) {
		if (c->fds[i] >= 0)
			close(c->fds[i]);
		free(c->paths[i]);
	}
	c->nr = 0;
}
