/* lucidd-notify.c — sd_notify without libsystemd (see the header).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucidd-notify.h"

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

gboolean
lucidd_notify (const char *state)
{
  const char *path = g_getenv ("NOTIFY_SOCKET");
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  gsize plen;
  socklen_t salen;
  int fd;
  ssize_t sent;

  if (path == NULL || (path[0] != '/' && path[0] != '@'))
    return FALSE;
  plen = strlen (path);
  if (plen >= sizeof sa.sun_path)
    return FALSE;
  memcpy (sa.sun_path, path, plen);
  if (path[0] == '@')
    sa.sun_path[0] = '\0';
  salen = offsetof (struct sockaddr_un, sun_path) + plen
          + (path[0] == '@' ? 0 : 1);
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;
  sent = sendto (fd, state, strlen (state), MSG_NOSIGNAL,
                 (struct sockaddr *)&sa, salen);
  close (fd);
  return sent == (ssize_t)strlen (state);
}

guint64
lucidd_notify_watchdog_usec (void)
{
  const char *usec = g_getenv ("WATCHDOG_USEC");
  const char *pid = g_getenv ("WATCHDOG_PID");
  guint64 v = 0, p = 0;

  if (usec == NULL
      || !g_ascii_string_to_unsigned (usec, 10, 1, G_MAXUINT64, &v, NULL))
    return 0;
  if (pid != NULL
      && (!g_ascii_string_to_unsigned (pid, 10, 1, G_MAXINT, &p, NULL)
          || p != (guint64)getpid ()))
    return 0;
  return v;
}
