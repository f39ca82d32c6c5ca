// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket (DIR/control.sock, 0600): a client sends command
 * lines; each gets its answer lines and then "ok" or "error: <message>".
 * One thread per client; a command runs with hd_lock held.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "window.h"

#define MAX_ARGS	64
#define MAX_LINE	4096

int hd_ctl_fd = -1;

static struct hd_vm *vm_arg(int argc, char **argv, int want, FILE *out)
{
	struct hd_vm *vm;

	if (argc != want) {
		fprintf(out, "expected %d argument%s\n", want - 1, want == 2 ? "" : "s");
		return NULL;
	}
	vm = hd_vm_find(argv[1]);
	if (!vm)
		fprintf(out, "no VM %s\n", argv[1]);
	return vm;
}

static const char *vm_state(const struct hd_vm *vm)
{
	if (vm->conn_fd < 0)
		return "down";
	return hd_vm_up(vm) ? "up" : "connected";
}

static int cmd_help(int argc, char **argv, FILE *out)
{
	const struct hd_cmd *const tabs[] = { hd_core_cmds, hd_ic_cmds, hd_balloon_cmds };
	const struct hd_cmd *c;
	unsigned int i;

	(void)argc;
	(void)argv;
	for (i = 0; i < 3; i++)
		for (c = tabs[i]; c->name; c++)
			fprintf(out, "%s%s%s\n", c->name, c->usage ? " " : "",
				c->usage ? c->usage : "");
	return 0;
}

static int cmd_list(int argc, char **argv, FILE *out)
{
	struct hd_vm *vm;

	(void)argv;
	if (argc != 1)
		return -EINVAL;
	for (vm = hd_vm_next(NULL); vm; vm = hd_vm_next(vm)) {
		uint32_t ggen = vm->hdr ? le32toh(READ_ONCE(vm->hdr->guest_gen)) : 0;
		int64_t ram = hd_vm_ram_allocated(vm);

		fprintf(out, "%s %s %#x %#x %u %llu ", vm->name, vm_state(vm),
			vm->host_gen, ggen, hd_vm_nr_chans(vm),
			(unsigned long long)vm->bad_messages);
		if (ram < 0)
			fprintf(out, "-\n");
		else
			fprintf(out, "%lld\n", (long long)ram);
	}
	return 0;
}

static int cmd_devices(int argc, char **argv, FILE *out)
{
	struct hd_vm *vm = vm_arg(argc, argv, 2, out);
	unsigned int i;

	if (!vm)
		return -EINVAL;
	for (i = 0; i < SYNBUS_IV_MAX_CHAN; i++) {
		struct hd_chan *c = vm->chans[i];

		if (c)
			fprintf(out, "%u %s %s %llu %llu\n", c->id, c->svc->name,
				hd_chan_state_name(c->state),
				(unsigned long long)c->packets_in,
				(unsigned long long)c->packets_out);
	}
	return 0;
}

static int cmd_stats(int argc, char **argv, FILE *out)
{
	struct hd_vm *vm = vm_arg(argc, argv, 2, out);

	if (!vm)
		return -EINVAL;
	fprintf(out, "doorbells_in %llu\ndoorbells_out %llu\nbad_messages %llu\n"
		"resets %llu\nhellos %llu\nconnects %llu\nrefused %llu\n"
		"hellos_limited %llu\n",
		(unsigned long long)vm->doorbells_in,
		(unsigned long long)vm->doorbells_out,
		(unsigned long long)vm->bad_messages,
		(unsigned long long)vm->resets, (unsigned long long)vm->hellos,
		(unsigned long long)vm->connects, (unsigned long long)vm->refused,
		(unsigned long long)vm->hellos_limited);
	return 0;
}

static int cmd_add(int argc, char **argv, FILE *out)
{
	if (argc < 3) {
		fprintf(out, "add NAME socket=PATH [ram=PATH mem=SIZE machine=q35|pc window=SIZE]\n");
		return -EINVAL;
	}
	return hd_vm_add(argv[1], argv + 2, argc - 2, NULL, 0, out);
}

static int cmd_remove(int argc, char **argv, FILE *out)
{
	struct hd_vm *vm = vm_arg(argc, argv, 2, out);

	if (!vm)
		return -EINVAL;
	return hd_vm_remove(vm);
}

static const struct hd_service *svc_arg(const char *name, FILE *out)
{
	const struct hd_service *svc = hd_service_find(name);

	if (!svc)
		fprintf(out, "no service %s\n", name);
	return svc;
}

static int cmd_offer(int argc, char **argv, FILE *out)
{
	struct hd_vm *vm = vm_arg(argc, argv, 3, out);
	const struct hd_service *svc;

	if (!vm)
		return -EINVAL;
	svc = svc_arg(argv[2], out);
	if (!svc)
		return -EINVAL;
	return hd_chan_offer(vm, svc);
}

static int cmd_rescind(int argc, char **argv, FILE *out)
{
	struct hd_vm *vm = vm_arg(argc, argv, 3, out);
	const struct hd_service *svc;
	struct hd_chan *c;

	if (!vm)
		return -EINVAL;
	svc = svc_arg(argv[2], out);
	if (!svc)
		return -EINVAL;
	c = hd_vm_chan(vm, svc);
	if (!c)
		return -ENOENT;
	return hd_chan_rescind(c);
}

static int cmd_stop(int argc, char **argv, FILE *out)
{
	(void)argc;
	(void)argv;
	(void)out;
	return 0;
}

const struct hd_cmd hd_core_cmds[] = {
	{ "help", NULL, cmd_help },
	{ "list", NULL, cmd_list },
	{ "devices", "VM", cmd_devices },
	{ "stats", "VM", cmd_stats },
	{ "add", "NAME socket=PATH [ram=PATH mem=SIZE machine=q35|pc window=SIZE]",
	  cmd_add },
	{ "remove", "NAME", cmd_remove },
	{ "offer", "VM SERVICE", cmd_offer },
	{ "rescind", "VM SERVICE", cmd_rescind },
	{ "stop", "(the daemon and its fd keeper)", cmd_stop },
	{ NULL, NULL, NULL }
};

static const struct hd_cmd *cmd_find(const char *name)
{
	const struct hd_cmd *const tabs[] = { hd_core_cmds, hd_ic_cmds, hd_balloon_cmds };
	const struct hd_cmd *c;
	unsigned int i;

	for (i = 0; i < 3; i++)
		for (c = tabs[i]; c->name; c++)
			if (!strcmp(c->name, name))
				return c;
	return NULL;
}

static bool write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

/* Run one command line; false when the client is gone. */
static bool run_line(int fd, char *line)
{
	char *argv[MAX_ARGS + 1], *tok, *save, *buf = NULL, tail[300];
	const struct hd_cmd *cmd;
	size_t len = 0;
	int argc = 0, ret;
	FILE *out;
	bool ok;

	for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < MAX_ARGS;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (!argc)
		return true;
	if (tok)
		return write_all(fd, "error: too many arguments\n", 26);
	cmd = cmd_find(argv[0]);
	if (!cmd) {
		snprintf(tail, sizeof(tail), "error: unknown command %.200s (try help)\n",
			 argv[0]);
		return write_all(fd, tail, strlen(tail));
	}
	out = open_memstream(&buf, &len);
	if (!out)
		return write_all(fd, "error: out of memory\n", 21);
	pthread_mutex_lock(&hd_lock);
	ret = cmd->fn(argc, argv, out);
	hd_reap();
	hd_wake();
	pthread_mutex_unlock(&hd_lock);
	fclose(out);
	if (ret)
		snprintf(tail, sizeof(tail), "error: %s\n", strerror(ret < 0 ? -ret : ret));
	else
		snprintf(tail, sizeof(tail), "ok\n");
	ok = (!len || write_all(fd, buf, len)) && write_all(fd, tail, strlen(tail));
	free(buf);
	if (!ret && cmd->fn == cmd_stop) {
		__atomic_store_n(&hd_stop_all, 1, __ATOMIC_SEQ_CST);
		hd_kick();
	}
	return ok;
}

static void *client(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *line = malloc(MAX_LINE);
	size_t have = 0;
	bool skip = false;
	ssize_t n;

	while (line) {
		char *nl = have ? memchr(line, '\n', have) : NULL;

		if (nl) {
			size_t used = nl - line + 1;

			*nl = 0;
			if (!skip && !run_line(fd, line))
				break;
			skip = false;
			memmove(line, line + used, have - used);
			have -= used;
			continue;
		}
		if (have == MAX_LINE - 1) {
			/* Drop the oversized line up to its end. */
			if (!skip)
				write_all(fd, "error: line too long\n", 21);
			skip = true;
			have = 0;
		}
		n = read(fd, line + have, MAX_LINE - 1 - have);
		if (n <= 0) {
			/* A last line without a newline still counts. */
			if (have && !skip) {
				line[have] = 0;
				run_line(fd, line);
			}
			break;
		}
		have += n;
	}
	free(line);
	close(fd);
	return NULL;
}

void hd_ctl_accept(int lfd)
{
	pthread_attr_t at;
	pthread_t t;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &at, client, (void *)(intptr_t)fd))
		close(fd);
	pthread_attr_destroy(&at);
}
