"""Issue 13's byte budgets in Chromium at 360 px, cache cold: /login, the farmer's dashboard, and a repeat visit
(service worker and HTTP cache warm). The budgets and the measuring are bench/page_weight.py's (one place); this
counts bytes only, unthrottled — the bench prints the times under Fast 3G and Slow, which are not asserted."""

import pytest

from bench.page_weight import BYTE_BUDGET_KB, KB, UNTHROTTLED, measure, over_budget

pytestmark = pytest.mark.e2e


def test_pages_stay_within_their_byte_budgets(browser, live_server):
    visits = measure(browser, live_server, UNTHROTTLED)
    report = {
        f"{v.page} {v.kind}": f"{v.total / KB:.0f} KB ({dict(v.bytes_by_type)}, {v.requests} requests)" for v in visits
    }
    assert [v for v in visits if over_budget(v)] == [], (report, BYTE_BUDGET_KB)
    # The page's strings travel in its script: the state a page load brings over the socket stays small.
    assert all(v.bytes_by_type["socket"] < 20 * KB for v in visits), report
