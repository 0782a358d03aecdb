"""Twilio's webhooks on the console's own server: a thin Starlette adapter over smscore.twilio.webhooks.

`streamlit run console.py` finds the `st.App` in console.py and serves these routes beside the
console (Streamlit 1.53+), so there is no second server to start. This module only turns an
HTTP request into the pure steps (verify, then apply once) and their result into a response:
403 and nothing changed for a request that is not signed by Twilio for the configured public
URL, 200 otherwise (Twilio retries anything else, and a repeat is harmless by construction).
Headers other than the signature are not read: Twilio does not sign them, so a replay could
carry any I-Twilio-Idempotency-Token; smscore.twilio.webhooks tells events apart by what is signed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from smscore.notices import spend
from smscore.notices.watch import Wiring
from smscore.twilio import usage, webhooks
from smscore.twilio.credentials import AUTH_TOKEN
from ui.shell import watch as balance_watch
from ui.shell.connection import smtp_secrets

_LOG = logging.getLogger("smsconsole.webhooks")
_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _config() -> dict[str, str]:
    from ui.shell.setup import config  # noqa: PLC0415 - the environment overlaid with secrets

    return config()


def _unit(cfg: Mapping[str, str]):  # noqa: ANN202 - one unit of work on the console's file
    from ui.shell.setup import root  # noqa: PLC0415 - the same workspace the pages use

    return root(cfg).unit()


async def _verified(request: Request) -> tuple[dict[str, str], dict[str, str]] | None:
    """(params, config) when Twilio signed this request for the public URL; else None."""
    cfg = await run_in_threadpool(_config)
    try:
        base = webhooks.public_url(cfg)
    except webhooks.WebhookConfigError as exc:
        _LOG.warning("webhook refused: %s", exc)
        return None
    form = await request.form()
    params = {key: str(value) for key, value in form.items()}
    if base is None:
        _LOG.warning("webhook refused: %s is not set", webhooks.PUBLIC_URL)
        return None
    url = base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    signature = request.headers.get("X-Twilio-Signature")
    if not webhooks.verify(cfg.get(AUTH_TOKEN), url, params, signature):
        _LOG.warning("webhook refused: bad or missing signature for %s", request.url.path)
        return None
    return params, cfg


def _endpoint(
    apply: Callable[[dict[str, str], dict[str, str]], webhooks.Result], reply: Callable[[], Response]
):  # noqa: ANN202 - a Starlette endpoint
    async def endpoint(request: Request) -> Response:
        checked = await _verified(request)
        if checked is None:
            return PlainTextResponse("forbidden", status_code=403)
        params, cfg = checked
        result = await run_in_threadpool(apply, params, cfg)
        _LOG.info("webhook %s: %s %s", request.url.path, result.outcome, result.detail)
        return reply()

    return endpoint


def _status(params: dict[str, str], cfg: dict[str, str]) -> webhooks.Result:
    with _unit(cfg) as cur:
        return webhooks.handle_status(cur, params)


def _inbound(params: dict[str, str], cfg: dict[str, str]) -> webhooks.Result:
    with _unit(cfg) as cur:
        return webhooks.handle_inbound(cur, params, extra_stop=webhooks.extra_stop_words(cfg))


def _usage(params: dict[str, str], cfg: dict[str, str]) -> webhooks.Result:
    """A spend limit reached (a Twilio Usage Trigger): the notice is written now and sent by
    the balance watch, poked at once, so Twilio's request never waits on SMTP or a webhook."""
    wiring = Wiring.from_config(cfg, smtp_secrets(), None)
    with _unit(cfg) as cur:
        result = spend.handle_usage(cur, params, wiring)
    if result.outcome == webhooks.APPLIED:
        balance_watch.poke()
    return result


ROUTES = [
    Route(webhooks.STATUS_PATH, _endpoint(_status, lambda: Response(status_code=204)), methods=["POST"]),
    # An empty TwiML answer: the console never replies by SMS (Twilio answers STOP itself).
    Route(
        webhooks.INBOUND_PATH,
        _endpoint(_inbound, lambda: Response(_EMPTY_TWIML, media_type="text/xml")),
        methods=["POST"],
    ),
    Route(usage.USAGE_PATH, _endpoint(_usage, lambda: Response(status_code=204)), methods=["POST"]),
]
