// SPDX-License-Identifier: MIT
/* Running the toolstack's daemons from a test (proc_harness.h). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc_harness.h"

#define MAX_PROCS 16

static pid_t procs[MAX_PROCS];

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

pid_t proc_start(const char *env_var, const char *fallback, char *const argv[],
		 const char *stderr_path)
{
	const char *binary = getenv(env_var);
	pid_t pid = fork();
	int i, fd;

	if (pid == 0) {
		if (stderr_path) {
			fd = open(stderr_path, O_WRONLY | O_CREAT | O_APPEND,
				  0600);
			if (fd >= 0)
				dup2(fd, 2);
		}
		execv(binary ? binary : fallback, argv);
		_exit(127);
	}
	if (pid < 0)
		return 0;
	for (i = 0; i < MAX_PROCS; i++) {
		if (!procs[i]) {
			procs[i] = pid;
			break;
		}
	}
	return pid;
}

int proc_stop(pid_t pid, int sig)
{
	int i, status;

	for (i = 0; i < MAX_PROCS; i++)
		if (procs[i] == pid)
			procs[i] = 0;
	kill(pid, sig);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool proc_alive(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

void proc_cleanup(void)
{
	int i;

	for (i = 0; i < MAX_PROCS; i++)
		if (procs[i])
			proc_stop(procs[i], SIGKILL);
}

bool wait_for_socket(const char *path, int ms)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, waited;

	if (strlen(path) >= sizeof(addr.sun_path))
		return false;
	strcpy(addr.sun_path, path);
	for (waited = 0; waited <= ms; waited += 10) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 &&
		    !connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
			close(fd);
			return true;
		}
		if (fd >= 0)
			close(fd);
		sleep_ms(10);
	}
	return false;
}

pid_t start_store(const char *dir)
{
	static char sock[4200];
	pid_t pid;

	snprintf(sock, sizeof(sock), "%s/store.sock", dir);
	pid = proc_start("MICA_STORED", "mica-stored",
			 (char *const[]){ "mica-stored", "--no-state",
					  "--socket", sock, "--quiet", NULL },
			 NULL);
	setenv("MICA_STORE_SOCKET", sock, 1);
	if (pid && !wait_for_socket(sock, 5000)) {
		proc_stop(pid, SIGKILL);
		return 0;
	}
	return pid;
}

char *read_whole_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t size = 0, n;
	char chunk[4096];

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		char *bigger = realloc(buf, size + n + 1);

		if (!bigger) {
			free(buf);
			fclose(f);
			return NULL;
		}
		buf = bigger;
		memcpy(buf + size, chunk, n);
		size += n;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[size] = '\0';
	if (len)
		*len = size;
	return buf;
}
