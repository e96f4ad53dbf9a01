"""Django's PostgreSQL backend, with a health check that costs no round trip while the server
has said nothing.

With CONN_HEALTH_CHECKS, Django tests a kept connection before each request uses it by sending
`SELECT 1`: one round trip more on every page, the second of two on the public verification.
Between requests no query is in flight, so the server has no reason to send anything; when it
ends the session (a restart, pg_terminate_backend, an idle timeout) it sends its farewell and
closes the socket, which then reads as ready. So a socket with nothing to read, on a connection
psycopg holds as open, idle and outside any transaction, is kept without asking; anything else
gets Django's own check. The cases the check caught before are caught still: a silent network
cut would have left `SELECT 1` waiting just as long as the request's own first query.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self._server_said_nothing()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _server_said_nothing(self):
        connection = self.connection
        if connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return False
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            return not poller.poll(0)
        except (OSError, ValueError):
            return False
