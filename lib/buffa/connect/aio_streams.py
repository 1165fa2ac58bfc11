# The asyncio client's stream objects (see streams.py for the protocol and
# the blocking client's), loaded on the first streaming call of an aio.Client.
from buffa.connect import streams
from buffa.connect.errors import ConnectError, Code


class _Stream(streams.StreamBase):
    """A stream of the asyncio client: it takes the client's lock when it
    starts and gives it back at its end, on failure or on close()."""

    def __init__(self, client, args):
        self._client = client
        self._args = args
        self._x = None
        self._locked = False
        self.headers = None
        self.trailers = None

    async def _open(self):
        c = self._client
        await c._turn.take()
        self._locked = True
        args = self._args
        self._args = None
        try:
            streams.start(c._x, *args)
        except BaseException:
            self._release()
            raise
        streams.StreamBase.__init__(self, c)

    def _release(self):
        if self._locked:
            self._locked = False
            self._client._turn.give()

    async def _step(self):
        x = self._live()
        if x is None:
            raise ConnectError(Code.FAILED_PRECONDITION, "the call has ended")
        try:
            return await self._client._run(x)
        except BaseException:
            self._failed()
            raise

    async def aclose(self):
        self.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()
        return False


class ServerStream(_Stream):
    """The response messages of a server-streaming call: `async for` them;
    then .headers and .trailers are set, and an error the server ended the
    stream with is raised as ConnectError."""

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self._args is not None:
            await self._open()
        if self._live() is None:
            raise StopAsyncIteration
        m = self._message_or_end(await self._step())
        if m is None:
            raise StopAsyncIteration
        return m


class ClientStream(_Stream):
    """A client-streaming call: await send(message) as often as needed, then
    await close_and_receive() for the response message."""

    _reply_msg = None

    async def send(self, message):
        streams.send_message(self._sending(message), message)
        await self._step()

    async def close_and_receive(self):
        x = self._live()
        if x is None:
            raise ConnectError(Code.FAILED_PRECONDITION, "the call has ended")
        streams.close_send(x)
        while self._collect(await self._step()):
            pass
        return self._reply()
