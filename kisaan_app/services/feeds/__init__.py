"""Where mandi prices come from besides a CSV: the demo ticker (and, at kisaan_app/feeds_agmarknet.py for
now, the data.gov.in Agmarknet pull). Each writes through services.prices and tells dashboards on commit."""
