// SPDX-License-Identifier: GPL-2.0
/*
 * New images. Layout (see Documentation/vhd-format.rst): footer copy at 0,
 * dynamic header at 512, BAT at 1536 with exactly ceil(size / block)
 * entries, parent locators (W2ku, W2ru, MacX) after it, blocks with 4 KiB-
 * aligned data, footer last. Creator "lvhd", CHS from the size.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "writer.h"

int vhd_relpath(const char *from_dir, const char *to, char *out, size_t outsz)
{
	size_t common = 0, i, o = 0;
	const char *rest;

	/* Longest common prefix ending at a component boundary. */
	for (i = 0; from_dir[i] && from_dir[i] == to[i]; i++)
		if (from_dir[i] == '/')
			common = i + 1;
	if (!from_dir[i] && to[i] == '/')
		common = i + 1;
	rest = from_dir + (common > i ? i : common);
	out[0] = '\0';
	while (*rest) {
		if (o + 3 >= outsz)
			return -VHD_E_NAME_TOO_LONG;
		memcpy(out + o, "../", 4);
		o += 3;
		rest = strchr(rest, '/');
		if (!rest)
			break;
		while (*rest == '/')
			rest++;
	}
	if (snprintf(out + o, outsz - o, "%s", to + common) >=
	    (int)(outsz - o))
		return -VHD_E_NAME_TOO_LONG;
	return 0;
}

static void vhd_to_backslashes(char *s)
{
	for (; *s; s++)
		if (*s == '/')
			*s = '\\';
}

/* Locator payloads for @parent seen from the new image at @path. */
static int vhd_writer_locators(struct vhd_writer *w, const char *path,
			       const struct vhd_image *parent, u8 **data)
{
	char child[PATH_MAX], par[PATH_MAX], rel[PATH_MAX], txt[PATH_MAX + 8];
	static const u32 codes[] = { VHD_PLAT_W2KU, VHD_PLAT_W2RU,
				     VHD_PLAT_MACX };
	char *slash;
	u32 i, len;
	int ret;

	if (!realpath(path, child) || !realpath(parent->path, par))
		return vhdio_sys(errno);
	slash = strrchr(child, '/');
	if (slash == child)
		slash[1] = '\0';
	else
		*slash = '\0';
	ret = vhd_relpath(child, par, rel, sizeof(rel));
	if (ret)
		return ret;

	/* Parent name: the absolute path, or its last part if too long. */
	ret = vhd_parent_name_set(&w->h, par);
	if (ret == -VHD_E_NAME_TOO_LONG)
		ret = vhd_parent_name_set(&w->h, strrchr(par, '/') + 1);
	if (ret)
		return ret;

	for (i = 0; i < 3; i++) {
		if (codes[i] == VHD_PLAT_W2KU) {
			snprintf(txt, sizeof(txt), "%s", par);
			vhd_to_backslashes(txt);
		} else if (codes[i] == VHD_PLAT_W2RU) {
			snprintf(txt, sizeof(txt), "./%s", rel);
			vhd_to_backslashes(txt);
		} else {
			snprintf(txt, sizeof(txt), "file://%s", par);
		}
		data[i] = malloc(VHD_MAX_LOCATOR_LEN);
		if (!data[i])
			return -VHD_E_NOMEM;
		ret = vhd_locator_encode(codes[i], txt, data[i],
					 VHD_MAX_LOCATOR_LEN, &len);
		if (ret)
			return ret;
		w->h.loc[i].code = codes[i];
		w->h.loc[i].data_length = len;
	}
	return 0;
}

static int vhd_writer_meta(struct vhd_writer *w)
{
	u8 buf[VHD_DYNHDR_SIZE];
	int ret;

	vhd_footer_encode(&w->f, buf);
	ret = vhdio_pwrite(w->fd, buf, VHD_FOOTER_SIZE, 0);
	if (ret)
		return ret;
	vhd_dynhdr_encode(&w->h, buf);
	return vhdio_pwrite(w->fd, buf, VHD_DYNHDR_SIZE, w->l.header_off);
}

int vhd_writer_start(struct vhd_writer *w, int fd, const char *path,
		     u32 type, u64 size, u32 block_size,
		     const struct vhd_image *parent)
{
	u8 *locdata[3] = { NULL, NULL, NULL };
	u32 nloc = 0, i;
	uuid_t uuid;
	int ret;

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	if (type == VHD_TYPE_DIFF) {
		if (!parent)
			return -VHD_E_NO_PARENT;
		if (!size)
			size = parent->footer.virtual_size;
		if (!block_size && vhd_is_sparse(&parent->footer))
			block_size = parent->hdr.block_size;
	}
	if (!block_size)
		block_size = VHD_DEFAULT_BLOCK_SIZE;
	uuid_generate(uuid);
	ret = vhd_footer_init(&w->f, type, size,
			      vhd_time_from_unix((u64)time(NULL)), uuid);
	if (ret || type == VHD_TYPE_FIXED)
		return ret;

	ret = vhd_dynhdr_init(&w->h, size, block_size, 0);
	if (ret)
		return ret;
	if (type == VHD_TYPE_DIFF) {
		memcpy(w->h.parent_uuid, parent->footer.uuid, 16);
		w->h.parent_timestamp = parent->footer.timestamp;
		ret = vhd_writer_locators(w, path, parent, locdata);
		if (ret)
			goto out;
		nloc = 3;
	}
	ret = vhd_create_layout(&w->h, nloc, &w->l);
	if (ret)
		goto out;
	w->data_end = w->l.data_end;
	w->bat = malloc(w->l.bat_bytes);
	w->bitmap = calloc(1, w->h.bitmap_size);
	ret = -VHD_E_NOMEM;
	if (!w->bat || !w->bitmap)
		goto out;
	memset(w->bat, 0xFF, w->l.bat_bytes);
	vhd_bitmap_set_range(w->bitmap, 0, w->h.block_sectors);

	ret = vhd_writer_meta(w);
	for (i = 0; !ret && i < nloc; i++) {
		u8 *pad = calloc(1, w->h.loc[i].space_bytes);

		if (!pad) {
			ret = -VHD_E_NOMEM;
			break;
		}
		memcpy(pad, locdata[i], w->h.loc[i].data_length);
		ret = vhdio_pwrite(fd, pad, w->h.loc[i].space_bytes,
				   w->h.loc[i].data_offset);
		free(pad);
	}
	if (!ret)
		ret = vhd_writer_finish(w);
out:
	for (i = 0; i < 3; i++)
		free(locdata[i]);
	return ret;
}

int vhd_writer_block(struct vhd_writer *w, u32 idx, const void *data)
{
	struct vhd_alloc_plan p;
	int ret;

	if (!vhd_is_sparse(&w->f) || idx >= w->h.max_table_entries)
		return -VHD_E_INVAL;
	if (vhd_bat_get(w->bat, idx) != VHD_BAT_UNUSED)
		return -VHD_E_INVAL;
	ret = vhd_alloc_plan(&w->h, w->data_end, &p);
	if (ret)
		return ret;
	ret = vhdio_pwrite(w->fd, w->bitmap, w->h.bitmap_size, p.bitmap_off);
	if (!ret)
		ret = vhdio_pwrite(w->fd, data, w->h.block_size, p.data_off);
	if (ret)
		return ret;
	/* Alignment gap, if any, stays a hole. */
	vhd_bat_set(w->bat, idx, p.bat_sector);
	w->data_end = p.new_end;
	return 0;
}

int vhd_writer_finish(struct vhd_writer *w)
{
	u8 buf[VHD_FOOTER_SIZE];
	u64 end;
	int ret;

	vhd_footer_encode(&w->f, buf);
	if (!vhd_is_sparse(&w->f)) {
		end = w->f.cur_size;
	} else {
		ret = vhdio_pwrite(w->fd, w->bat, w->l.bat_bytes, w->l.bat_off);
		if (ret)
			return ret;
		end = w->data_end;
	}
	ret = vhdio_pwrite(w->fd, buf, VHD_FOOTER_SIZE, end);
	if (ret)
		return ret;
	return vhdio_ftruncate(w->fd, end + VHD_FOOTER_SIZE);
}

void vhd_writer_free(struct vhd_writer *w)
{
	free(w->bat);
	free(w->bitmap);
	w->bat = NULL;
	w->bitmap = NULL;
}
