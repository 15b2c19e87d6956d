"""A bare Reflex app that does what the farmer dashboard's live prices do, with nothing of the product around it.

A dashboard's on_load fills a list of price rows; POST /tick publishes a tick (on Redis pub/sub when REDIS_URL
is set, so every worker hears it, as the product's bus does); each worker applies it to the tabs it holds,
one `app.modify_state` per tab: the row of that market changes and `last_event_ms` says when the tick was
published, as the product's delta does. bench/fanout.py measures it beside the product in the same run.
"""

import asyncio
import json
import os
import time

import reflex as rx
from fastapi import FastAPI, Request

CHANNEL = "bare-bench:ticks"
MARKETS = ["Lasalgaon", "Pimpalgaon", "Nashik", "Manmad", "Yeola", "Satana", "Kalwan", "Chandwad"]
tabs: set[str] = set()  # the tokens this worker holds
ticks: asyncio.Queue = asyncio.Queue()


def _row(market: str, modal: int) -> dict[str, str]:
    return {"key": f"Onion|{market}|Red", "market": market, "commodity": "Onion", "modal": str(modal)}


class BareDashboard(rx.State):
    prices: list[dict[str, str]] = []
    last_event_ms: int = 0
    loaded: bool = False

    @rx.event
    def load(self):
        tabs.add(self.router.session.client_token)
        self.prices = [_row(m, 2400) for m in MARKETS]
        self.loaded = True


api = FastAPI()


@api.post("/tick")
async def tick(request: Request):
    body = await request.json()
    message = json.dumps({"modal": body["modal_price"], "market": body["market"], "ms": int(time.time() * 1000)})
    if url := os.environ.get("REDIS_URL"):
        import redis.asyncio as aioredis

        async with aioredis.Redis.from_url(url) as client:
            await client.publish(CHANNEL, message)
    else:
        ticks.put_nowait(message)
    return {"ok": True}


app = rx.App(api_transformer=api)
app.add_page(lambda: rx.text("bare"), route="/", on_load=BareDashboard.load)


async def _apply(message: str) -> None:
    data = json.loads(message)
    for token in list(tabs):
        async with app.modify_state(rx.BaseStateToken(ident=token, cls=BareDashboard)) as root:
            state = await root.get_state(BareDashboard)
            row = _row(data["market"], data["modal"])
            state.prices = [row if r["key"] == row["key"] else r for r in state.prices]
            state.last_event_ms = data["ms"]


@app.register_lifespan_task
async def deliver_ticks():
    if url := os.environ.get("REDIS_URL"):
        import redis.asyncio as aioredis

        async with aioredis.Redis.from_url(url) as client, client.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(CHANNEL)
            async for message in pubsub.listen():
                await _apply(message["data"])
    while True:
        await _apply(await ticks.get())
