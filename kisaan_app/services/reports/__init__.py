"""Reports (issue 15): one module per report, each one service function returning typed rows, scoped by role.

farmer.farmer_report   — My farm (a farmer's own)
fpo.fpo_report         — an FPO's members, sales, funnel, prices, reconciliation, reach, crop health
market.market_report   — mandi trends, volatility, seasonal comparison and our spread, per crop and district
platform.platform_report — GMV, payment success, refunds, delivery and error rates against targets
exports                — the FPO report as CSV (UTF-8 BOM) or XLSX
"""
