/* Giving memory back before a long sleep. A daemon's resident set after start-up holds the
 * deepest stack it ever used and every page of its text the kernel mapped around a fault
 * (fault-around maps up to 64 KiB at a time), though the idle loop needs a few pages of
 * either. memtrim_poll() drops the stack below the caller's frame (anonymous: those pages are
 * freed) and the mappings of the program's own file (the pages stay in the page cache,
 * shared), then sleeps in ppoll: between the drop and the sleep it runs only its own code, by
 * raw system calls, so one fault-around window comes back, not the whole text. */
#ifndef GATEBOX_MEMTRIM_H
#define GATEBOX_MEMTRIM_H

#include <poll.h>

/* poll(2), after trimming: its result, or -1 with errno */
int memtrim_poll(struct pollfd *pfd, nfds_t n, int timeout_ms);

#endif
