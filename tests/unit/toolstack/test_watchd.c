// SPDX-License-Identifier: MIT
/*
 * on_poweroff / on_reboot / on_crash: simulated guests shut themselves
 * down (mica_hv_sim_guest_shutdown) and a running mica-watchd applies the
 * configured action; also the claim that keeps `mica shutdown -f` and the
 * daemon from both acting, and records a hostile guest cannot redirect.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mica/domain.h>
#include <mica/error.h>
#include <mica/hv.h>
#include <mica/store.h>

#include "harness.h"
#include "proc_harness.h"
#include "public/sched.h"

#define WAIT_MS 5000

struct env {
	const char *dir;
	struct mica_hv *hv;
	struct mica_store *store;
	pid_t stored, watchd;
	char log[4200];
};

static struct env current; /* closed after each test, even a failed one */

static bool env_setup(struct env *e, bool with_watchd)
{
	char sim[4200];
	struct mica_error err;

	e->dir = test_tmpdir();
	snprintf(sim, sizeof(sim), "%s/sim", e->dir);
	setenv("MICA_HV_SIM", sim, 1);
	setenv("MICA_HV_SIM_PAGES", "16384", 1);
	if (mica_hv_open_sim(sim, 0, &e->hv, &err)) {
		printf("sim: %s\n", err.message);
		return false;
	}
	e->stored = start_store(e->dir);
	if (!e->stored || mica_store_open(NULL, &e->store, &err))
		return false;
	snprintf(e->log, sizeof(e->log), "%s/watchd.log", e->dir);
	if (with_watchd)
		e->watchd =
			proc_start("MICA_WATCHD", "mica-watchd",
				   (char *const[]){ "mica-watchd", "--interval",
						    "10", NULL },
				   e->log);
	return !with_watchd || e->watchd;
}

static bool env_open(struct env *e, bool with_watchd)
{
	bool ok;

	memset(&current, 0, sizeof(current));
	ok = env_setup(&current, with_watchd);
	*e = current;
	return ok;
}

static void cleanup(void)
{
	mica_store_close(current.store);
	mica_hv_close(current.hv);
	memset(&current, 0, sizeof(current));
	proc_cleanup();
}

/* Writes a configuration with @extra lines; returns its path. */
static const char *config(struct env *e, const char *name, const char *extra)
{
	static char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.cfg", e->dir, name);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fprintf(f, "name = \"%s\"\nkernel = \"%s\"\nmemory = 16\n%s\n", name,
		test_golden_path("cli/kernel.elf"), extra);
	fclose(f);
	return path;
}

static int create(struct env *e, const char *name, const char *extra,
		  uint16_t *domid)
{
	struct mica_error err;
	const char *path = config(e, name, extra);
	int ret = path ? mica_domain_create(e->hv, e->store, path, false, false,
					    domid, &err) :
			 -EIO;

	if (ret && path)
		printf("create %s: %s\n", name, err.message);
	return ret;
}

/* The domain id the name index gives for @name, or -1. */
static int lookup(struct env *e, const char *name)
{
	char path[128], *v;
	int id;

	snprintf(path, sizeof(path), "/mica/name/%s", name);
	if (mica_store_read(e->store, MICA_STORE_NO_TX, path, &v, NULL, NULL))
		return -1;
	id = atoi(v);
	free(v);
	return id;
}

static bool exists(struct env *e, uint16_t domid)
{
	struct mica_domctl_domain_info info;

	return !e->hv->ops->get_info(e->hv, domid, &info);
}

/* Waits until @domid is gone. */
static bool wait_gone(struct env *e, uint16_t domid)
{
	int t;

	for (t = 0; t < WAIT_MS && exists(e, domid); t += 10)
		sleep_ms(10);
	return !exists(e, domid);
}

/* Waits until the name @name points at a domain other than @old. */
static int wait_renamed(struct env *e, const char *name, uint16_t old)
{
	int t, id = -1;

	for (t = 0; t < WAIT_MS; t += 10) {
		id = lookup(e, name);
		if (id > 0 && id != old)
			return id;
		sleep_ms(10);
	}
	return id;
}

static bool log_has(struct env *e, const char *text)
{
	char *log = read_whole_file(e->log, NULL);
	bool found = log && strstr(log, text);

	free(log);
	return found;
}

/* Waits until the daemon's log has @text. */
static void wait_log(struct env *e, const char *text)
{
	for (int t = 0; t < WAIT_MS && !log_has(e, text); t += 10)
		sleep_ms(10);
}

static void test_poweroff_destroys(void)
{
	struct env e;
	uint16_t d;

	CHECK(env_open(&e, true));
	CHECK_INT(create(&e, "off", "", &d), 0);
	CHECK_INT(mica_hv_sim_guest_shutdown(e.hv, d, MICA_SHUTDOWN_poweroff),
		  0);
	CHECK_MSG(wait_gone(&e, d), "domain %u still there", d);
	/* The records go just after the domain; the line after them. */
	wait_log(&e, "domain 1 (off): poweroff: destroyed");
	CHECK_INT(lookup(&e, "off"), -1);
	CHECK(log_has(&e, "domain 1 (off): poweroff: destroyed"));
	CHECK(proc_alive(e.watchd));
}

static void test_reboot_restarts_with_same_uuid(void)
{
	struct mica_domctl_domain_info info;
	struct env e;
	char *uuid_before, *uuid_after;
	uint16_t d;
	int n, t;

	CHECK(env_open(&e, true));
	CHECK_INT(create(&e, "web",
			 "uuid = \"11111111-2222-4333-8444-"
			 "555555555555\"",
			 &d),
		  0);
	uuid_before = mica_domain_vm_read(
		e.store, d, (e.hv->ops->get_info(e.hv, d, &info), info.uuid),
		"config");
	CHECK(uuid_before);
	free(uuid_before);
	CHECK_INT(mica_hv_sim_guest_shutdown(e.hv, d, MICA_SHUTDOWN_reboot), 0);
	n = wait_renamed(&e, "web", d);
	CHECK_MSG(n > 0 && n != d, "name points at %d", n);
	CHECK(!exists(&e, d));
	/* Running again (not paused, not shut down), same UUID; the name
	 * appears just before the unpause. */
	for (t = 0; t < WAIT_MS; t += 10) {
		CHECK_INT(e.hv->ops->get_info(e.hv, (uint16_t)n, &info), 0);
		if (!(info.flags & MICA_DOMINFO_PAUSED))
			break;
		sleep_ms(10);
	}
	CHECK(!(info.flags & (MICA_DOMINFO_PAUSED | MICA_DOMINFO_SHUTDOWN)));
	uuid_after =
		mica_domain_vm_read(e.store, (uint16_t)n, info.uuid, "name");
	CHECK_STR(uuid_after, "web");
	free(uuid_after);
	CHECK_INT(info.uuid[0], 0x11);
	CHECK_INT(info.uuid[15], 0x55);
	/* And again: a second reboot of the new domain restarts it too. */
	CHECK_INT(mica_hv_sim_guest_shutdown(e.hv, (uint16_t)n,
					     MICA_SHUTDOWN_reboot),
		  0);
	CHECK(wait_renamed(&e, "web", (uint16_t)n) > n);
}

static void test_crash_preserved_then_destroyed(void)
{
	struct mica_domctl_domain_info info;
	struct mica_error err;
	struct env e;
	char *v = NULL;
	uint16_t d;

	CHECK(env_open(&e, true));
	CHECK_INT(create(&e, "keep", "on_crash = \"preserve\"", &d), 0);
	CHECK_INT(mica_hv_sim_guest_shutdown(e.hv, d, MICA_SHUTDOWN_crash), 0);
	wait_log(&e, "crash: preserved");
	CHECK(log_has(&e, "domain 1 (keep): crash: preserved"));
	sleep_ms(100); /* many scans: nothing more happens */
	CHECK_INT(e.hv->ops->get_info(e.hv, d, &info), 0);
	CHECK(info.flags & MICA_DOMINFO_SHUTDOWN);
	CHECK_INT(info.shutdown_reason, MICA_SHUTDOWN_crash);
	CHECK_INT(lookup(&e, "keep"), d);
	CHECK_INT(mica_store_read(e.store, MICA_STORE_NO_TX, "/mica/claim/1",
				  &v, NULL, NULL),
		  0);
	CHECK_STR(v, "done");
	free(v);
	/* `mica destroy` clears everything, the claim included. */
	CHECK_INT(mica_domain_destroy(e.hv, e.store, d, &err), 0);
	CHECK_INT(mica_store_read(e.store, MICA_STORE_NO_TX, "/mica/claim/1",
				  &v, NULL, NULL),
		  -ENOENT);
	CHECK_INT(lookup(&e, "keep"), -1);
}

static void test_watchdog_uses_on_crash_and_suspend_is_left(void)
{
	struct env e;
	uint16_t d, s;

	CHECK(env_open(&e, true));
	CHECK_INT(create(&e, "dog", "on_crash = \"restart\"", &d), 0);
	CHECK_INT(create(&e, "sleepy", "", &s), 0);
	CHECK_INT(mica_hv_sim_guest_shutdown(e.hv, s, MICA_SHUTDOWN_suspend),
		  0);
	CHECK_INT(mica_hv_sim_guest_shutdown(e.hv, d, MICA_SHUTDOWN_watchdog),
		  0);
	CHECK(wait_renamed(&e, "dog", d) > s);
	/*
	 * The suspended one waits for whoever saves it.  A scan that sees
	 * both shut down handles them in domain id order: "dog" (1) is
	 * restarted, which the rename above shows, before "sleepy" (2) is
	 * looked at, so its line may come a little later (this check once
	 * failed on a loaded machine when it did not wait).
	 */
	wait_log(&e, "(sleepy): suspend: left suspended");
	CHECK(exists(&e, s));
	CHECK_INT(lookup(&e, "sleepy"), s);
	CHECK(log_has(&e, "(sleepy): suspend: left suspended"));
}

static void test_restart_failure_is_reported(void)
{
	char kernel[4200], cfg[4200], *k;
	struct mica_error err;
	struct env e;
	uint16_t d, other;
	size_t len;
	FILE *f;

	CHECK(env_open(&e, true));
	/* A kernel that disappears after creation. */
	snprintf(kernel, sizeof(kernel), "%s/k.elf", e.dir);
	k = read_whole_file(test_golden_path("cli/kernel.elf"), &len);
	CHECK(k);
	f = fopen(kernel, "w");
	CHECK(f);
	fwrite(k, 1, len, f);
	fclose(f);
	free(k);
	snprintf(cfg, sizeof(cfg), "%s/gone.cfg", e.dir);
	f = fopen(cfg, "w");
	CHECK(f);
	fprintf(f, "name = \"gone\"\nkernel = \"k.elf\"\nmemory = 16\n");
	fclose(f);
	CHECK_INT(mica_domain_create(e.hv, e.store, cfg, false, false, &d,
				     &err),
		  0);
	CHECK_INT(create(&e, "bystander", "", &other), 0);
	unlink(kernel);
	CHECK_INT(mica_hv_sim_guest_shutdown(e.hv, d, MICA_SHUTDOWN_reboot), 0);
	CHECK(wait_gone(&e, d));
	wait_log(&e, "restart failed");
	CHECK(log_has(&e, "domain 1 (gone): reboot: restart failed, "
			  "destroyed"));
	CHECK(log_has(&e, "k.elf"));
	CHECK_INT(lookup(&e, "gone"), -1);
	/* The daemon carries on for the others. */
	CHECK(proc_alive(e.watchd));
	CHECK_INT(mica_hv_sim_guest_shutdown(e.hv, other,
					     MICA_SHUTDOWN_poweroff),
		  0);
	CHECK(wait_gone(&e, other));
}

/* A guest may write anything under its own /local/domain/N: renaming
 * itself after another domain must not make its destruction remove that
 * domain's name or records. */
static void test_hostile_guest_records_are_not_trusted(void)
{
	struct env e;
	uint16_t victim, bad;
	char path[128];

	CHECK(env_open(&e, true));
	CHECK_INT(create(&e, "victim", "", &victim), 0);
	CHECK_INT(create(&e, "bad", "", &bad), 0);
	snprintf(path, sizeof(path), "/local/domain/%u/name", bad);
	CHECK_INT(mica_store_write(e.store, MICA_STORE_NO_TX, path, "victim", 6,
				   NULL),
		  0);
	snprintf(path, sizeof(path), "/local/domain/%u/vm", bad);
	CHECK_INT(mica_store_write(e.store, MICA_STORE_NO_TX, path,
				   "/vm/00000000-0000-0000-0000-000000000000",
				   40, NULL),
		  0);
	CHECK_INT(mica_hv_sim_guest_shutdown(e.hv, bad, MICA_SHUTDOWN_reboot),
		  0);
	/* Restarted from dom0's copy of its configuration, as "bad". */
	CHECK(wait_renamed(&e, "bad", bad) > bad);
	CHECK_INT(lookup(&e, "victim"), victim);
	CHECK(exists(&e, victim));
}

/* `mica reboot -f` and the daemon race: exactly one restart. */
static void test_one_claim_wins(void)
{
	enum mica_shutdown_outcome outcome;
	struct mica_domctl_domain_info buf[8];
	struct mica_error err;
	struct env e;
	uint16_t d, n = 0, next;
	uint32_t nr;
	int round, ret;

	CHECK(env_open(&e, true));
	CHECK_INT(create(&e, "race", "", &d), 0);
	for (round = 0; round < 5; round++) {
		CHECK_INT(e.hv->ops->shutdown(e.hv, d, MICA_SHUTDOWN_reboot),
			  0);
		ret = mica_domain_handle_shutdown(e.hv, e.store, d, &outcome,
						  &n, &err);
		/* Either we restarted it, or the daemon was first. */
		CHECK_MSG(!ret || err.code == ESRCH, "%s", err.message);
		d = (uint16_t)wait_renamed(&e, "race", d);
		CHECK(d > 0);
		sleep_ms(30);
	}
	CHECK_INT(e.hv->ops->list(e.hv, 1, buf, 8, &nr, &next), 0);
	CHECK_INT(nr, 1);
	CHECK_INT(buf[0].domid, d);
}

/* A claim left by a process that died is taken over. */
static void test_dead_claim_taken_over(void)
{
	enum mica_shutdown_outcome outcome;
	struct mica_error err;
	struct env e;
	char path[64], pid[16];
	uint16_t d, n;
	pid_t dead = fork();

	if (!dead)
		_exit(0);
	waitpid(dead, NULL, 0);
	CHECK(env_open(&e, false));
	CHECK_INT(create(&e, "orphan", "", &d), 0);
	snprintf(path, sizeof(path), "/mica/claim/%u", d);
	snprintf(pid, sizeof(pid), "%d", (int)dead);
	CHECK_INT(mica_store_write(e.store, MICA_STORE_NO_TX, path, pid,
				   strlen(pid), NULL),
		  0);
	CHECK_INT(e.hv->ops->shutdown(e.hv, d, MICA_SHUTDOWN_poweroff), 0);
	CHECK_INT(mica_domain_handle_shutdown(e.hv, e.store, d, &outcome, &n,
					      &err),
		  0);
	CHECK_INT(outcome, MICA_SHUTDOWN_DESTROYED);
	CHECK(!exists(&e, d));
	/* A live claimer (this process's parent stands in) is respected. */
	CHECK_INT(create(&e, "held", "", &d), 0);
	snprintf(path, sizeof(path), "/mica/claim/%u", d);
	snprintf(pid, sizeof(pid), "%d", (int)getppid());
	CHECK_INT(mica_store_write(e.store, MICA_STORE_NO_TX, path, pid,
				   strlen(pid), NULL),
		  0);
	CHECK_INT(e.hv->ops->shutdown(e.hv, d, MICA_SHUTDOWN_poweroff), 0);
	CHECK_INT(mica_domain_handle_shutdown(e.hv, e.store, d, &outcome, &n,
					      &err),
		  0);
	CHECK_INT(outcome, MICA_SHUTDOWN_HANDLED_ELSEWHERE);
	CHECK(exists(&e, d));
	/* Not shut down: refused. */
	CHECK_INT(create(&e, "up", "", &n), 0);
	CHECK_INT(mica_domain_handle_shutdown(e.hv, e.store, n, &outcome, &d,
					      &err),
		  -EINVAL);
	CHECK(strstr(err.message, "not shut down"));
}

/* Two domains may not share a UUID: the second would overwrite the
 * first's /vm records. */
static void test_duplicate_uuid_refused(void)
{
	struct mica_error err;
	struct env e;
	uint16_t a, b;
	const char *path;

	CHECK(env_open(&e, false));
	CHECK_INT(create(&e, "one",
			 "uuid = \"11111111-2222-4333-8444-"
			 "555555555555\"",
			 &a),
		  0);
	path = config(&e, "two",
		      "uuid = \"11111111-2222-4333-8444-555555555555\"");
	CHECK(path);
	CHECK_INT(mica_domain_create(e.hv, e.store, path, false, false, &b,
				     &err),
		  -EEXIST);
	CHECK_STR(err.message,
		  "domain 'two': a domain with UUID "
		  "11111111-2222-4333-8444-555555555555 exists (domain 1)");
	CHECK_INT(lookup(&e, "two"), -1);
	CHECK_INT(lookup(&e, "one"), a);
	CHECK(!exists(&e, 2));
}

/* Files that are not what they should be: clear errors, nothing left. */
static void test_create_refuses_bad_files(void)
{
	char big[4200], cfg[4200];
	struct mica_error err;
	struct env e;
	uint16_t d;
	FILE *f;

	CHECK(env_open(&e, false));
	/* A directory as the configuration file. */
	CHECK_INT(mica_domain_create(e.hv, e.store, e.dir, false, false, &d,
				     &err),
		  -EISDIR);
	CHECK(strstr(err.message, "Is a directory"));
	/* A directory as the kernel. */
	snprintf(cfg, sizeof(cfg), "%s/dir.cfg", e.dir);
	f = fopen(cfg, "w");
	CHECK(f);
	fprintf(f, "name = \"d\"\nkernel = \"%s\"\n", e.dir);
	fclose(f);
	CHECK_INT(mica_domain_create(e.hv, e.store, cfg, false, false, &d,
				     &err),
		  -EINVAL);
	CHECK_MSG(strstr(err.message, "domain 'd': ") &&
			  strstr(err.message, ": not a regular file"),
		  "%s", err.message);
	/* A ramdisk larger than the domain's memory is not even read. */
	snprintf(big, sizeof(big), "%s/big.img", e.dir);
	f = fopen(big, "w");
	CHECK(f);
	CHECK(!ftruncate(fileno(f), 64 << 20));
	fclose(f);
	CHECK(config(&e, "huge", "ramdisk = \"big.img\""));
	CHECK_INT(create(&e, "huge", "ramdisk = \"big.img\"", &d), -EFBIG);
	CHECK_INT(lookup(&e, "huge"), -1);
	CHECK(!exists(&e, 1));
}

static void test_bad_arguments(void)
{
	char log[4200];
	pid_t pid;

	snprintf(log, sizeof(log), "%s/log", test_tmpdir());
	pid = proc_start(
		"MICA_WATCHD", "mica-watchd",
		(char *const[]){ "mica-watchd", "--interval", "0", NULL }, log);
	CHECK(pid);
	CHECK_INT(proc_stop(pid, 0), 2);
	pid = proc_start("MICA_WATCHD", "mica-watchd",
			 (char *const[]){ "mica-watchd", "extra", NULL }, log);
	CHECK(pid);
	CHECK_INT(proc_stop(pid, 0), 2);
}

int main(void)
{
	RUN(test_poweroff_destroys);
	cleanup();
	RUN(test_reboot_restarts_with_same_uuid);
	cleanup();
	RUN(test_crash_preserved_then_destroyed);
	cleanup();
	RUN(test_watchdog_uses_on_crash_and_suspend_is_left);
	cleanup();
	RUN(test_restart_failure_is_reported);
	cleanup();
	RUN(test_hostile_guest_records_are_not_trusted);
	cleanup();
	RUN(test_one_claim_wins);
	cleanup();
	RUN(test_dead_claim_taken_over);
	cleanup();
	RUN(test_duplicate_uuid_refused);
	cleanup();
	RUN(test_create_refuses_bad_files);
	cleanup();
	RUN(test_bad_arguments);
	cleanup();
	return test_exit_code();
}
