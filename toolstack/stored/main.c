// SPDX-License-Identifier: MIT
/*
 * mica-stored: the toolstack's key/value store daemon.  Runs in the
 * foreground until SIGTERM or SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <mica/error.h>

#include "guest.h"
#include "loop.h"
#include "socket.h"
#include "store.h"

#define DEFAULT_SOCKET "/run/mica/stored.sock"
#define DEFAULT_STATE_DIR "/var/lib/mica/store"

/* The smallest message limit that still fits any watch event. */
#define MESSAGE_SIZE_MIN 2048

struct options {
	struct store_config config;
	const char *socket_path;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mica-stored [options]\n"
		"  --socket PATH             listen here (default %s)\n"
		"  --state-dir DIR           keep state here (default %s)\n"
		"  --no-state                keep no state across restarts\n"
		"  --no-fsync                do not fsync after each commit\n"
		"  --compact-bytes N         snapshot when the journal passes N\n"
		"  --quota-nodes N           nodes a guest may own\n"
		"  --quota-watches N         watches a guest may hold\n"
		"  --quota-transactions N    transactions a guest may open\n"
		"  --quota-transaction-nodes N  nodes one transaction may touch\n"
		"  --quota-value-size N      bytes in one value\n"
		"  --quota-message-size N    bytes in one message (min %d)\n"
		"  --quiet                   no warnings\n"
		"  --help\n",
		DEFAULT_SOCKET, DEFAULT_STATE_DIR, MESSAGE_SIZE_MIN);
}

enum {
	OPT_SOCKET = 256,
	OPT_STATE_DIR,
	OPT_NO_STATE,
	OPT_NO_FSYNC,
	OPT_COMPACT_BYTES,
	OPT_QUOTA_NODES,
	OPT_QUOTA_WATCHES,
	OPT_QUOTA_TRANSACTIONS,
	OPT_QUOTA_TRANSACTION_NODES,
	OPT_QUOTA_VALUE_SIZE,
	OPT_QUOTA_MESSAGE_SIZE,
	OPT_QUIET,
	OPT_HELP,
};

static const struct option long_options[] = {
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "no-state", no_argument, NULL, OPT_NO_STATE },
	{ "no-fsync", no_argument, NULL, OPT_NO_FSYNC },
	{ "compact-bytes", required_argument, NULL, OPT_COMPACT_BYTES },
	{ "quota-nodes", required_argument, NULL, OPT_QUOTA_NODES },
	{ "quota-watches", required_argument, NULL, OPT_QUOTA_WATCHES },
	{ "quota-transactions", required_argument, NULL,
	  OPT_QUOTA_TRANSACTIONS },
	{ "quota-transaction-nodes", required_argument, NULL,
	  OPT_QUOTA_TRANSACTION_NODES },
	{ "quota-value-size", required_argument, NULL, OPT_QUOTA_VALUE_SIZE },
	{ "quota-message-size", required_argument, NULL,
	  OPT_QUOTA_MESSAGE_SIZE },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int parse_count(const char *text, const char *option, uint32_t min,
		       uint32_t *out)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || n < min ||
	    n > UINT32_MAX) {
		fprintf(stderr,
			"mica-stored: --%s: '%s' is not a number "
			"from %u to %u\n",
			option, text, min, UINT32_MAX);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *opts)
{
	struct quota *quota = &opts->config.quota;
	uint32_t compact;
	int opt, index;

	store_config_defaults(&opts->config);
	opts->config.state_dir = DEFAULT_STATE_DIR;
	opts->socket_path = DEFAULT_SOCKET;
	while ((opt = getopt_long(argc, argv, "", long_options, &index)) !=
	       -1) {
		const char *name = long_options[index].name;
		int ret = 0;

		switch (opt) {
		case OPT_SOCKET:
			opts->socket_path = optarg;
			break;
		case OPT_STATE_DIR:
			opts->config.state_dir = optarg;
			break;
		case OPT_NO_STATE:
			opts->config.state_dir = NULL;
			break;
		case OPT_NO_FSYNC:
			opts->config.fsync = false;
			break;
		case OPT_COMPACT_BYTES:
			ret = parse_count(optarg, name, 1, &compact);
			opts->config.compact_bytes = compact;
			break;
		case OPT_QUOTA_NODES:
			ret = parse_count(optarg, name, 0, &quota->nodes);
			break;
		case OPT_QUOTA_WATCHES:
			ret = parse_count(optarg, name, 0, &quota->watches);
			break;
		case OPT_QUOTA_TRANSACTIONS:
			ret = parse_count(optarg, name, 0,
					  &quota->transactions);
			break;
		case OPT_QUOTA_TRANSACTION_NODES:
			ret = parse_count(optarg, name, 1,
					  &quota->transaction_nodes);
			break;
		case OPT_QUOTA_VALUE_SIZE:
			ret = parse_count(optarg, name, 0, &quota->value_size);
			break;
		case OPT_QUOTA_MESSAGE_SIZE:
			ret = parse_count(optarg, name, MESSAGE_SIZE_MIN,
					  &quota->message_size);
			break;
		case OPT_QUIET:
			opts->config.quiet = true;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (ret)
			return ret;
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

struct signal_source {
	struct loop_source source;
	struct loop *loop;
};

static void signal_ready(struct loop_source *source, uint32_t events)
{
	struct signal_source *ss =
		container_of(source, struct signal_source, source);
	struct signalfd_siginfo info;

	(void)events;
	if (read(source->fd, &info, sizeof(info)) == sizeof(info))
		ss->loop->stop = true;
}

/* Turns SIGTERM and SIGINT into loop events; ignores SIGPIPE. */
static int signals_open(struct loop *loop, struct signal_source *ss)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	ss->source.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (ss->source.fd < 0)
		return -errno;
	ss->source.ready = signal_ready;
	ss->loop = loop;
	if (loop_add(loop, &ss->source, EPOLLIN)) {
		close(ss->source.fd);
		return -errno;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct socket_listener *listener;
	struct signal_source signals;
	struct mica_error err;
	struct options opts;
	struct store *store;
	struct loop loop;
	int ret;

	if (parse_options(argc, argv, &opts))
		return 2;
	ret = store_new(&opts.config, &store, &err);
	if (ret) {
		fprintf(stderr, "mica-stored: %s\n", err.message);
		return 1;
	}
	ret = loop_init(&loop, store);
	if (ret) {
		fprintf(stderr, "mica-stored: epoll: %s\n", strerror(-ret));
		goto err_free_store;
	}
	ret = signals_open(&loop, &signals);
	if (ret) {
		fprintf(stderr, "mica-stored: signals: %s\n", strerror(-ret));
		goto err_release_loop;
	}
	ret = socket_listen(&loop, opts.socket_path, &listener, &err);
	if (ret) {
		fprintf(stderr, "mica-stored: %s\n", err.message);
		goto err_close_signals;
	}
	/* Guests' rings, when running in dom0 on Mica. */
	ret = guests_open(&loop, store, &err);
	if (ret && ret != -ENOENT)
		fprintf(stderr, "mica-stored: no guest rings: %s\n",
			err.message);
	ret = loop_run(&loop);
	if (ret)
		fprintf(stderr, "mica-stored: epoll: %s\n", strerror(-ret));
	guests_close(store);
	socket_close(listener);
err_close_signals:
	close(signals.source.fd);
err_release_loop:
	store_free(store);
	loop_release(&loop);
	return ret ? 1 : 0;

err_free_store:
	store_free(store);
	return 1;
}
