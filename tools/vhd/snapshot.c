// SPDX-License-Identifier: GPL-2.0
/*
 * vhd set-uuid (a new unique id, children relinked), snapshot (a new
 * differencing child) and discard-snapshot (delete a child nothing
 * depends on).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "vhd.h"
#include "writer.h"

int cmd_set_uuid(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "uuid", required_argument, NULL, 'u' },
		{ "relink", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct vhd_image *img = NULL, **kids = NULL;
	bool relink = false, given = false;
	char s[37];
	uuid_t nu;
	int c, i, n = 0, ret = 1;

	while ((c = getopt_long(argc, argv, "u:rh", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			if (uuid_parse(optarg, nu)) {
				warnx_("invalid UUID '%s'", optarg);
				return 1;
			}
			given = true;
			break;
		case 'r':
			relink = true;
			break;
		case 'h':
			printf("vhd set-uuid [--uuid UUID] IMAGE [--relink CHILD...]\n");
			return 0;
		default:
			return 1;
		}
	}
	if (optind >= argc || (!relink && optind + 1 != argc)) {
		warnx_("set-uuid: need IMAGE (and CHILD... after --relink)");
		return 1;
	}
	if (!given)
		uuid_generate(nu);
	if (ed_open(&img, argv[optind], VHDIO_RDWR | VHDIO_NO_CHAIN))
		return 1;
	n = argc - optind - 1;
	kids = calloc((size_t)n + 1, sizeof(*kids));
	if (!kids)
		goto out;
	/* Every check before any write: a bad CHILD changes nothing. */
	for (i = 0; i < n; i++) {
		const char *k = argv[optind + 1 + i];

		if (ed_open(&kids[i], k, VHDIO_RDWR | VHDIO_NO_CHAIN))
			goto out;
		if (kids[i]->footer.disk_type != VHD_TYPE_DIFF) {
			warnx_("%s: %s image: not a child of %s", k,
			       vhd_type_name(kids[i]->footer.disk_type),
			       argv[optind]);
			goto out;
		}
		if (memcmp(kids[i]->hdr.parent_uuid, img->footer.uuid, 16) &&
		    memcmp(kids[i]->hdr.parent_uuid, nu, 16)) {
			vhdio_uuid_str(kids[i]->hdr.parent_uuid, s);
			warnx_("%s: not a child of %s (its parent UUID is %s)",
			       k, argv[optind], s);
			goto out;
		}
	}
	vhdio_uuid_str(nu, s);
	printf("%s: new unique id %s\n", argv[optind], s);
	fflush(stdout);
	/* Children first: a re-run with --uuid finds them already linked. */
	for (i = 0; i < n; i++) {
		if (!memcmp(kids[i]->hdr.parent_uuid, nu, 16))
			continue;
		memcpy(kids[i]->hdr.parent_uuid, nu, 16);
		kids[i]->hdr.parent_timestamp = img->footer.timestamp;
		if ((c = ed_header(kids[i]))) {
			warnx_("%s: cannot relink: %s", argv[optind + 1 + i],
			       vhdio_strerror(c));
			goto out;
		}
	}
	memcpy(img->footer.uuid, nu, 16);
	c = ed_footers(img);
	if (c) {
		warnx_("%s: cannot write the footer: %s", argv[optind],
		       vhdio_strerror(c));
		goto out;
	}
	ret = 0;
out:
	for (i = 0; kids && i < n; i++)
		vhd_image_close(kids[i]);
	free(kids);
	vhd_image_close(img);
	return ret;
}

int cmd_snapshot(int argc, char **argv)
{
	struct vhd_image *parent;
	struct vhd_writer w;
	int fd, ret;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		printf("vhd snapshot IMAGE SNAP\n");
		return 0;
	}
	if (argc != 3) {
		warnx_("snapshot: need IMAGE and SNAP");
		return 1;
	}
	if (ed_open(&parent, argv[1], 0))
		return 1;
	fd = open(argv[2], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		warnx_("%s: %s", argv[2], strerror(errno));
		vhd_image_close(parent);
		return 1;
	}
	ret = vhd_writer_start(&w, fd, argv[2], VHD_TYPE_DIFF, 0, 0, parent);
	if (!ret)
		ret = vhdio_fsync(fd);
	vhd_writer_free(&w);
	vhd_image_close(parent);
	close(fd);
	if (ret) {
		warnx_("%s: %s", argv[2], vhdio_strerror(ret));
		unlink(argv[2]);
		return 1;
	}
	return 0;
}

/* A differencing image in SNAP's folder whose parent is SNAP. */
static int find_dependent(const struct vhd_image *snap, char *out,
			  size_t outsz)
{
	char dir[PATH_MAX], cand[PATH_MAX + 256], ppath[PATH_MAX];
	const char *slash = strrchr(snap->path, '/');
	struct vhd_image *k;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int found = 0;

	snprintf(dir, sizeof(dir), "%.*s", slash ?
		 (int)(slash - snap->path) : 1, slash ? snap->path : ".");
	d = opendir(dir);
	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		if (snprintf(cand, sizeof(cand), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(cand))
			continue;
		if (stat(cand, &st) || !S_ISREG(st.st_mode) ||
		    (st.st_dev == snap->dev && st.st_ino == snap->ino))
			continue;
		if (vhd_image_open(&k, cand, VHDIO_NO_CHAIN, VHD_SIZE_AUTO,
				   NULL))
			continue;
		if (k->footer.disk_type == VHD_TYPE_DIFF &&
		    !memcmp(k->hdr.parent_uuid, snap->footer.uuid, 16) &&
		    !vhd_parent_find(k, ppath, sizeof(ppath)) &&
		    !stat(ppath, &st) && st.st_dev == snap->dev &&
		    st.st_ino == snap->ino) {
			found = snprintf(out, outsz, "%s", cand) > 0;
		}
		vhd_image_close(k);
	}
	closedir(d);
	return found;
}

int cmd_discard_snapshot(int argc, char **argv)
{
	struct vhd_image *snap;
	char other[PATH_MAX];
	int ret = 1;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		printf("vhd discard-snapshot SNAP\n");
		return 0;
	}
	if (argc != 2) {
		warnx_("discard-snapshot: need SNAP");
		return 1;
	}
	if (ed_open(&snap, argv[1], VHDIO_NO_CHAIN))
		return 1;
	if (snap->footer.disk_type != VHD_TYPE_DIFF)
		warnx_("%s: %s image, not a snapshot: not deleted", argv[1],
		       vhd_type_name(snap->footer.disk_type));
	else if (ed_attached(argv[1], other, sizeof(other)))
		warnx_("%s: attached as %s: not deleted", argv[1], other);
	else if (find_dependent(snap, other, sizeof(other)))
		warnx_("%s: %s depends on it: not deleted", argv[1], other);
	else if (unlink(argv[1]))
		warnx_("%s: %s", argv[1], strerror(errno));
	else
		ret = 0;
	vhd_image_close(snap);
	return ret;
}
