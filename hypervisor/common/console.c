/* SPDX-License-Identifier: MIT */
/* printk, the log ring and console selection. */
#include <mica/cmdline.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/spinlock.h>
#include <mica/time.h>

#define LOG_RING_SIZE (64 * 1024) /* power of two */

extern struct console_driver *const __start_mica_consoles[];
extern struct console_driver *const __stop_mica_consoles[];

static char log_ring[LOG_RING_SIZE];
static uint64_t log_head; /* free-running count of bytes written */
static spinlock_t console_lock = SPINLOCK_INIT;
static bool console_crashing;
static bool console_ready;

static unsigned int log_level_max = LOG_INFO;
static char console_names[64] = "com1";
param_string("console", console_names);

static int parse_loglvl(const char *v)
{
	static const char *const names[] = { "err", "warn", "info", "debug" };

	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(v, names[i])) {
			log_level_max = i;
			return 0;
		}
	}
	return -EINVAL;
}
param_custom("loglvl", parse_loglvl);

static bool name_in_list(const char *name, const char *list)
{
	size_t n = strlen(name);

	while (*list) {
		const char *comma = strchr(list, ',');
		size_t len = comma ? (size_t)(comma - list) : strlen(list);

		if (len == n && !strncmp(list, name, n))
			return true;
		if (!comma)
			break;
		list = comma + 1;
	}
	return false;
}

void console_init(void)
{
	for (struct console_driver *const *d = __start_mica_consoles;
	     d < __stop_mica_consoles; d++) {
		(*d)->enabled = name_in_list((*d)->name, console_names);
		if ((*d)->enabled && (*d)->init)
			(*d)->init();
	}
	console_ready = true;
}

/* Before console_init (and before the command line is read) use com1. */
static void console_write(const char *s, size_t len)
{
	for (struct console_driver *const *d = __start_mica_consoles;
	     d < __stop_mica_consoles; d++) {
		bool on = console_ready ? (*d)->enabled :
					  !strcmp((*d)->name, "com1");

		if (on)
			(*d)->write(s, len);
	}
}

size_t console_read_input(char *buf, size_t len)
{
	size_t n = 0;

	if (!console_ready)
		return 0;
	for (struct console_driver *const *d = __start_mica_consoles;
	     d < __stop_mica_consoles && n < len; d++)
		if ((*d)->enabled && (*d)->read)
			n += (*d)->read(buf + n, len - n);
	return n;
}

static void log_append(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		log_ring[(log_head + i) & (LOG_RING_SIZE - 1)] = s[i];
	log_head += len;
}

void vprintk_level(enum log_level level, const char *fmt, va_list ap)
{
	static bool at_line_start = true;
	char msg[512], stamp[32];
	unsigned long flags = 0;
	bool locked = false;
	int len, slen = 0;

	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (len >= (int)sizeof(msg))
		len = sizeof(msg) - 1;

	if (!READ_ONCE(console_crashing)) {
		flags = spin_lock_irqsave(&console_lock);
		locked = true;
	}
	if (at_line_start) {
		uint64_t ns = system_time_ns();

		slen = snprintf(stamp, sizeof(stamp), "[%5u.%06u] ",
				(unsigned int)(ns / 1000000000ULL),
				(unsigned int)(ns % 1000000000ULL / 1000));
		log_append(stamp, (size_t)slen);
	}
	log_append(msg, (size_t)len);
	if (level <= log_level_max || console_crashing) {
		if (at_line_start)
			console_write(stamp, (size_t)slen);
		console_write(msg, (size_t)len);
	}
	at_line_start = len > 0 && msg[len - 1] == '\n';
	if (locked)
		spin_unlock_irqrestore(&console_lock, flags);
}

void printk_level(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk_level(level, fmt, ap);
	va_end(ap);
}

void console_force_unlock(void)
{
	WRITE_ONCE(console_crashing, true);
}

size_t console_log_read(uint64_t *pos, char *buf, size_t len)
{
	unsigned long flags = spin_lock_irqsave(&console_lock);
	uint64_t oldest = log_head > LOG_RING_SIZE ? log_head - LOG_RING_SIZE :
						     0;
	size_t n = 0;

	if (*pos < oldest)
		*pos = oldest;
	while (n < len && *pos < log_head) {
		buf[n++] = log_ring[*pos & (LOG_RING_SIZE - 1)];
		(*pos)++;
	}
	spin_unlock_irqrestore(&console_lock, flags);
	return n;
}
