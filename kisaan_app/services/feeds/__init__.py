"""What the farmer dashboard is fed: mandi prices (prices = CSV import and queries, price_board = the latest
rows, trends and live ticks, agmarknet = the data.gov.in pull, demo_ticker = ticks for a local run without a key)
and IMD-style weather warnings (weather). Every writer goes through prices/price_board and tells open dashboards
after commit."""
