// SPDX-License-Identifier: MIT
/*
 * mica-watchd: applies on_poweroff / on_reboot / on_crash when a guest
 * shuts itself down (docs/cli.md, "mica-watchd").
 *
 * The hypervisor reports a shutdown with MICA_VIRQ_DOM_EXC and the reason
 * in domctl get_info.  Until dom0 has an event-channel device the daemon
 * polls the domain list every --interval milliseconds instead; either way
 * the work per wake-up is one list call plus one action per newly shut
 * down domain.  The action itself is mica_domain_handle_shutdown(), whose
 * store claim makes sure that exactly one process (this daemon or a
 * `mica shutdown -f` racing with it) applies it.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/domain.h>
#include <mica/error.h>
#include <mica/hv.h>
#include <mica/store.h>

#include "public/sched.h"

#define LIST_BATCH 64
#define DEFAULT_INTERVAL_MS 100
#define RETRY_SCANS 50 /* after a failure, wait this many scans */

/* Per domain id: 0 not seen shut down; 1 settled; >1 scans to wait. */
static unsigned int state[MICA_DOMID_FIRST_RESERVED];
static struct mica_hv *hv;
static struct mica_store *store;
static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The store, reconnected after mica-stored restarted; NULL if down. */
static struct mica_store *get_store(void)
{
	static bool said;
	struct mica_error err;

	if (store)
		return store;
	if (mica_store_open(NULL, &store, &err)) {
		if (!said)
			fprintf(stderr,
				"mica-watchd: cannot reach the store: "
				"%s (will retry)\n",
				err.message);
		said = true;
		store = NULL;
		return NULL;
	}
	said = false;
	return store;
}

static void handle(const struct mica_domctl_domain_info *info)
{
	enum mica_shutdown_outcome outcome;
	struct mica_error err;
	struct mica_store *s = get_store();
	uint16_t domid = info->domid, new_domid = 0;
	char *name;

	if (!s)
		return;
	name = mica_domain_vm_read(s, domid, info->uuid, "name");
	if (mica_domain_handle_shutdown(hv, s, domid, &outcome, &new_domid,
					&err)) {
		fprintf(stderr, "mica-watchd: domain %u (%s): %s: %s\n", domid,
			name ? name : "-",
			mica_hv_shutdown_name(info->shutdown_reason),
			err.message);
		state[domid] = RETRY_SCANS;
		/* A dead store connection is reopened on the next try. */
		mica_store_close(store);
		store = NULL;
	} else {
		if (outcome == MICA_SHUTDOWN_RESTARTED)
			fprintf(stderr,
				"mica-watchd: domain %u (%s): %s: restarted "
				"as domain %u\n",
				domid, name ? name : "-",
				mica_hv_shutdown_name(info->shutdown_reason),
				new_domid);
		else
			fprintf(stderr, "mica-watchd: domain %u (%s): %s: %s\n",
				domid, name ? name : "-",
				mica_hv_shutdown_name(info->shutdown_reason),
				mica_shutdown_outcome_name(outcome));
		/* Someone else's claim is looked at again later: it is
		 * taken over if its process dies. */
		state[domid] = outcome == MICA_SHUTDOWN_HANDLED_ELSEWHERE ?
				       RETRY_SCANS :
				       1;
	}
	free(name);
}

static void scan(void)
{
	static bool shut[MICA_DOMID_FIRST_RESERVED];
	struct mica_domctl_domain_info buf[LIST_BATCH];
	uint16_t first = 1, next;
	uint32_t nr, k, id;

	memset(shut, 0, sizeof(shut));
	do {
		if (hv->ops->list(hv, first, buf, LIST_BATCH, &nr, &next))
			return;
		for (k = 0; k < nr; k++) {
			id = buf[k].domid;
			if (!id || id >= MICA_DOMID_FIRST_RESERVED ||
			    !(buf[k].flags & MICA_DOMINFO_SHUTDOWN) ||
			    (buf[k].flags & MICA_DOMINFO_DYING))
				continue;
			shut[id] = true;
			if (state[id] > 1)
				state[id]--;
			else if (!state[id])
				handle(&buf[k]);
		}
		first = next;
	} while (next != MICA_DOMID_INVALID);
	/* Domains gone or running again start afresh. */
	for (id = 1; id < MICA_DOMID_FIRST_RESERVED; id++)
		if (!shut[id])
			state[id] = 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mica-watchd [--interval MS]\n"
		"  --interval MS   how often to look for shut-down domains "
		"(default %d)\n",
		DEFAULT_INTERVAL_MS);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mica_error err;
	long interval = DEFAULT_INTERVAL_MS;
	char *end;
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'i':
			interval = strtol(optarg, &end, 10);
			if (*end || interval < 1 || interval > 60000) {
				fprintf(stderr,
					"mica-watchd: --interval: expected "
					"1..60000 milliseconds, found '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (mica_hv_open(&hv, &err)) {
		fprintf(stderr, "mica-watchd: %s\n", err.message);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	while (!stopping) {
		scan();
		poll(NULL, 0, (int)interval);
	}
	mica_store_close(store);
	mica_hv_close(hv);
	return 0;
}
