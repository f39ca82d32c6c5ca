// SPDX-License-Identifier: GPL-2.0
/* Reason strings and errno mapping for enum vhd_error. */
#include "vhd_format.h"

static const char * const vhd_reasons[VHD_E_MAX] = {
	[VHD_OK]		= "success",
	[VHD_E_INVAL]		= "invalid argument",
	[VHD_E_NOMEM]		= "out of memory",
	[VHD_E_TRUNCATED]	= "file truncated: too small for its metadata",
	[VHD_E_COOKIE]		= "bad footer cookie (not a VHD image)",
	[VHD_E_CHECKSUM]	= "footer checksum mismatch",
	[VHD_E_VERSION]		= "unsupported footer version",
	[VHD_E_DISK_TYPE]	= "unsupported disk type",
	[VHD_E_SIZE_ALIGN]	= "virtual size not a multiple of 512",
	[VHD_E_TOO_BIG]		= "virtual size above 2040 GiB",
	[VHD_E_DATA_OFFSET]	= "footer data offset invalid",
	[VHD_E_FIXED_SHORT]	= "fixed image shorter than its virtual size",
	[VHD_E_GEOMETRY]	= "CHS geometry gives a zero size",
	[VHD_E_DYN_COOKIE]	= "bad dynamic header cookie",
	[VHD_E_DYN_CHECKSUM]	= "dynamic header checksum mismatch",
	[VHD_E_DYN_VERSION]	= "unsupported dynamic header version",
	[VHD_E_DYN_OFFSET]	= "dynamic header data offset not 0xFFFFFFFFFFFFFFFF",
	[VHD_E_BLOCK_SIZE]	= "block size not a power of two in 512 B..256 MiB",
	[VHD_E_BAT_ENTRIES]	= "absurd number of BAT entries",
	[VHD_E_BAT_SHORT]	= "BAT too short for the virtual size",
	[VHD_E_BAT_OFFSET]	= "BAT outside the file or over metadata",
	[VHD_E_BLOCK_EOF]	= "BAT entry points past the end of the file",
	[VHD_E_BLOCK_OVERLAP]	= "two data blocks overlap",
	[VHD_E_BLOCK_META]	= "a data block overlaps metadata",
	[VHD_E_LOCATOR]		= "parent locator out of bounds or malformed",
	[VHD_E_UTF16]		= "invalid UTF-16 in parent name or locator",
	[VHD_E_UTF8]		= "invalid UTF-8 in a name",
	[VHD_E_NAME_TOO_LONG]	= "name or path too long",
	[VHD_E_NO_PARENT]	= "parent not found",
	[VHD_E_PARENT_UUID]	= "parent unique id does not match the child's link",
	[VHD_E_CHAIN_LOOP]	= "differencing chain loops",
	[VHD_E_CHAIN_DEPTH]	= "differencing chain too deep",
	[VHD_E_NOT_DIFF]	= "not a differencing disk",
	[VHD_E_RANGE]		= "range outside the block",
	[VHD_E_FULL]		= "image full: block offset beyond 2^32 sectors",
	[VHD_E_FOOTER_COPY]	= "footer copy at offset 0 differs from the footer",
};

static const short vhd_errnos[VHD_E_MAX] = {
	[VHD_OK]		= 0,
	[VHD_E_INVAL]		= EINVAL,
	[VHD_E_NOMEM]		= ENOMEM,
	[VHD_E_TRUNCATED]	= EUCLEAN,
	[VHD_E_COOKIE]		= EINVAL,
	[VHD_E_CHECKSUM]	= EBADMSG,
	[VHD_E_VERSION]		= EOPNOTSUPP,
	[VHD_E_DISK_TYPE]	= EOPNOTSUPP,
	[VHD_E_SIZE_ALIGN]	= EUCLEAN,
	[VHD_E_TOO_BIG]		= EFBIG,
	[VHD_E_DATA_OFFSET]	= EUCLEAN,
	[VHD_E_FIXED_SHORT]	= EUCLEAN,
	[VHD_E_GEOMETRY]	= EUCLEAN,
	[VHD_E_DYN_COOKIE]	= EUCLEAN,
	[VHD_E_DYN_CHECKSUM]	= EBADMSG,
	[VHD_E_DYN_VERSION]	= EOPNOTSUPP,
	[VHD_E_DYN_OFFSET]	= EUCLEAN,
	[VHD_E_BLOCK_SIZE]	= EUCLEAN,
	[VHD_E_BAT_ENTRIES]	= EUCLEAN,
	[VHD_E_BAT_SHORT]	= EUCLEAN,
	[VHD_E_BAT_OFFSET]	= EUCLEAN,
	[VHD_E_BLOCK_EOF]	= EUCLEAN,
	[VHD_E_BLOCK_OVERLAP]	= EUCLEAN,
	[VHD_E_BLOCK_META]	= EUCLEAN,
	[VHD_E_LOCATOR]		= EUCLEAN,
	[VHD_E_UTF16]		= EILSEQ,
	[VHD_E_UTF8]		= EILSEQ,
	[VHD_E_NAME_TOO_LONG]	= ENAMETOOLONG,
	[VHD_E_NO_PARENT]	= ENOENT,
	[VHD_E_PARENT_UUID]	= ESTALE,
	[VHD_E_CHAIN_LOOP]	= ELOOP,
	[VHD_E_CHAIN_DEPTH]	= ELOOP,
	[VHD_E_NOT_DIFF]	= EINVAL,
	[VHD_E_RANGE]		= ERANGE,
	[VHD_E_FULL]		= ENOSPC,
	[VHD_E_FOOTER_COPY]	= EUCLEAN,
};

static unsigned int vhd_err_index(int err)
{
	unsigned int e = err < 0 ? (unsigned int)-err : (unsigned int)err;

	return e < VHD_E_MAX ? e : VHD_E_MAX;
}

const char *vhd_strerror(int err)
{
	unsigned int e = vhd_err_index(err);

	return e < VHD_E_MAX ? vhd_reasons[e] : "unknown error";
}

int vhd_errno(int err)
{
	unsigned int e = vhd_err_index(err);

	return e < VHD_E_MAX ? -(int)vhd_errnos[e] : -EINVAL;
}

const char *vhd_type_name(u32 disk_type)
{
	switch (disk_type) {
	case VHD_TYPE_FIXED:
		return "fixed";
	case VHD_TYPE_DYNAMIC:
		return "dynamic";
	case VHD_TYPE_DIFF:
		return "differencing";
	}
	return "unknown";
}
