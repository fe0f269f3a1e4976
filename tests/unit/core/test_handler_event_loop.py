"""The Lambda handler also answers when it is called from inside a running event loop (an embedding host, or a
test process that drives Playwright's sync API): Mangum cannot nest `run_until_complete`."""

import asyncio
import threading

from tests.helpers.apigw import http_event, invoke


def test_handler_called_inside_a_running_event_loop_answers(aws_env):
    from billing_read.app import handler

    async def call_from_inside_the_loop():
        return invoke(handler, http_event("GET", "/billing/plans", sub=aws_env.user_sub))

    result = {}

    def host_thread():
        # a thread of its own, so the test worker's main thread (which may host Playwright's loop) is untouched
        loop = asyncio.new_event_loop()
        try:
            result["response"] = loop.run_until_complete(call_from_inside_the_loop())
        finally:
            loop.close()

    thread = threading.Thread(target=host_thread)
    thread.start()
    thread.join(60)
    # The request was served (the plans route answers for a user with no customer), not "loop already running"
    assert result["response"]["statusCode"] == 200, result
