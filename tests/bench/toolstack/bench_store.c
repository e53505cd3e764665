// SPDX-License-Identifier: MIT
/*
 * Store benchmarks against a running mica-stored ($MICA_STORE_SOCKET):
 * read, write and transaction operations per second with 1 and 32
 * clients (one connection and thread each), and watch delivery latency.
 * Prints "metric value unit" lines.
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mica/error.h>
#include <mica/store.h>

#define SECONDS 0.5

enum op { OP_READ, OP_WRITE, OP_TX };

struct worker {
	pthread_t thread;
	enum op op;
	int index;
	long done;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct mica_store *s;
	char path[64], *value;
	double end;
	uint32_t tx;

	if (mica_store_open(NULL, &s, NULL))
		return NULL;
	snprintf(path, sizeof(path), "/bench/%d", w->index);
	mica_store_write(s, 0, path, "x", 1, NULL);
	end = now() + SECONDS;
	while (now() < end) {
		for (int i = 0; i < 64; i++) {
			if (w->op == OP_READ) {
				if (!mica_store_read(s, 0, path, &value, NULL,
						     NULL))
					free(value);
			} else if (w->op == OP_WRITE) {
				mica_store_write(s, 0, path, "y", 1, NULL);
			} else if (!mica_store_tx_start(s, &tx, NULL)) {
				mica_store_write(s, tx, path, "z", 1, NULL);
				mica_store_tx_commit(s, tx, NULL);
			}
			w->done++;
		}
	}
	mica_store_close(s);
	return NULL;
}

static void bench(enum op op, int clients)
{
	static const char *const names[] = { "read", "write", "transaction" };
	struct worker *w = calloc(clients, sizeof(*w));
	long total = 0;
	double start = now(), elapsed;

	for (int i = 0; i < clients; i++) {
		w[i].op = op;
		w[i].index = i;
		pthread_create(&w[i].thread, NULL, run, &w[i]);
	}
	for (int i = 0; i < clients; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].done;
	}
	elapsed = now() - start;
	printf("store_%s_%dclient%s %.0f ops/s\n", names[op], clients,
	       clients > 1 ? "s" : "", total / elapsed);
	free(w);
}

static void watch_latency(void)
{
	struct mica_store *writer, *watcher;
	struct mica_store_event *ev;
	double sum = 0, t;
	int n = 0;

	if (mica_store_open(NULL, &writer, NULL) ||
	    mica_store_open(NULL, &watcher, NULL) ||
	    mica_store_watch(watcher, "/bench/watched", "t", NULL))
		return;
	/* The watch fires once when set: drain that first. */
	for (;;) {
		struct pollfd p = { mica_store_event_fd(watcher), POLLIN, 0 };

		poll(&p, 1, 200);
		if (mica_store_next_event(watcher, &ev, NULL))
			break;
		mica_store_event_free(ev);
	}
	for (int i = 0; i < 200; i++) {
		t = now();
		mica_store_write(writer, 0, "/bench/watched", "v", 1, NULL);
		for (;;) {
			struct pollfd p = { mica_store_event_fd(watcher),
					    POLLIN, 0 };

			if (!mica_store_next_event(watcher, &ev, NULL)) {
				mica_store_event_free(ev);
				break;
			}
			poll(&p, 1, 100);
		}
		sum += now() - t;
		n++;
	}
	printf("store_watch_latency %.1f us\n", sum / n * 1e6);
	mica_store_close(writer);
	mica_store_close(watcher);
}

int main(void)
{
	for (enum op op = OP_READ; op <= OP_TX; op++) {
		bench(op, 1);
		bench(op, 32);
	}
	watch_latency();
	return 0;
}
