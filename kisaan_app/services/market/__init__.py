"""The marketplace: listings, bids and their offer threads, orders. Quantities are in the listing's unit;
money is integer paise per unit. Every change is written first and announced on the bus after commit."""
