"""Django's PostgreSQL backend, with a health check that costs no round trip while the server
has said nothing, and a cursor for statements prepared once per connection.

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


class PreparingCursor(base.ServerBindingCursor):
    """Django's server-binding cursor, with every statement prepared on the server at its first
    run on the connection (psycopg keeps them, per connection)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


# psycopg prepares nothing, not even what a cursor asks for, when the connection's threshold is
# None, Django's default. Django's own cursors bind on the client and never prepare whatever the
# threshold, so with this one only PreparingCursor's statements are prepared.
PREPARE_ONLY_WHEN_ASKED = 2**31 - 1


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if params.get("prepare_threshold") is None:
            params["prepare_threshold"] = PREPARE_ONLY_WHEN_ASKED
        return params

    def prepared_cursor(self):
        """A cursor for a few fixed statements run at every request of a busy public page (the
        verification's rate limit and attestation state): PostgreSQL then parses and plans
        each once per connection, which cost it more than running them (0.4 → 0.2 ms of the
        server's time a request). Their SQL must be written for server-side binding (Django's
        own cursors bind on the client, since not all the ORM's SQL can be prepared), and they
        are logged like any query."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(PreparingCursor(self.connection))

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
