/* lucidd-notify.h — systemd's notification protocol (sd_notify(3)),
 * implemented here rather than linking libsystemd: one datagram of
 * "KEY=VALUE\n" lines to the AF_UNIX socket in $NOTIFY_SOCKET ('@' = the
 * abstract namespace). Without $NOTIFY_SOCKET (a foreground run) every call
 * does nothing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sends @state (e.g. "READY=1\nSTATUS=3 running"); FALSE when there is no
 * notify socket or the send failed. */
gboolean lucidd_notify (const char *state);
/* The watchdog interval systemd asked for ($WATCHDOG_USEC, when
 * $WATCHDOG_PID is unset or ours), or 0. */
guint64 lucidd_notify_watchdog_usec (void);

G_END_DECLS
