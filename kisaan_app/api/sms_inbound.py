"""Twilio's inbound-SMS webhook: a farmer's text (PRICE ONION, भाव प्याज, ALERTS, HELP, STOP, START).

No session: the X-Twilio-Signature is the proof (403 and nothing recorded without a valid one). The answer to
Twilio is an empty TwiML <Response/>: the reply goes out as an ordinary SMS delivery (services/sms_commands),
so it is in the history, retried and status-tracked like every other send.
"""

from fastapi import APIRouter, Header, Request, Response
from starlette.concurrency import run_in_threadpool
from twilio.twiml.messaging_response import MessagingResponse

from kisaan_app.api.deps import SessionDep
from kisaan_app.services.sms_commands import inbound
from kisaan_app.settings import get_settings

router = APIRouter(prefix="/api/notifications/sms", tags=["notifications"])
INBOUND_PATH = "/api/notifications/sms/inbound"


def twilio_url(request: Request) -> str:
    """The URL Twilio signed: our public address, not the one a proxy forwarded to us."""
    url = get_settings().public_url.rstrip("/") + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


@router.post("/inbound", response_class=Response)
async def sms_inbound(request: Request, session: SessionDep, x_twilio_signature: str | None = Header(None)) -> Response:
    params = {k: str(v) for k, v in (await request.form(max_files=0, max_fields=100)).items()}
    await run_in_threadpool(inbound.receive, session, twilio_url(request), params, x_twilio_signature)
    return Response(str(MessagingResponse()), media_type="application/xml")
