// SPDX-License-Identifier: MIT
/* Choosing the hypervisor back end, and names for its states. */
#include <stdlib.h>

#include <mica/hv.h>

#include "public/sched.h"

int mica_hv_open(struct mica_hv **out, struct mica_error *err)
{
	const char *sim = getenv("MICA_HV_SIM");

	if (sim && *sim)
		return mica_hv_open_sim(sim, 0, out, err);
	return mica_hv_open_privcmd(NULL, out, err);
}

const char *mica_hv_state_name(uint32_t flags)
{
	if (flags & MICA_DOMINFO_DYING)
		return "dying";
	if (flags & MICA_DOMINFO_SHUTDOWN)
		return "shutdown";
	if (flags & MICA_DOMINFO_PAUSED)
		return "paused";
	if (flags & MICA_DOMINFO_RUNNING)
		return "running";
	return "blocked";
}

void mica_hv_state_letters(uint32_t flags, char out[6])
{
	out[0] = flags & MICA_DOMINFO_RUNNING ? 'r' : '-';
	out[1] = flags & MICA_DOMINFO_BLOCKED ? 'b' : '-';
	out[2] = flags & MICA_DOMINFO_PAUSED ? 'p' : '-';
	out[3] = flags & MICA_DOMINFO_SHUTDOWN ? 's' : '-';
	out[4] = flags & MICA_DOMINFO_DYING ? 'd' : '-';
	out[5] = '\0';
}

const char *mica_hv_shutdown_name(uint32_t reason)
{
	static const char *const names[] = {
		[MICA_SHUTDOWN_poweroff] = "poweroff",
		[MICA_SHUTDOWN_reboot] = "reboot",
		[MICA_SHUTDOWN_suspend] = "suspend",
		[MICA_SHUTDOWN_crash] = "crash",
		[MICA_SHUTDOWN_watchdog] = "watchdog",
	};

	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] :
							   "unknown";
}
