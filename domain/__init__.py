"""The fairgig domain: gigs, accounts, money and the fairness rules. Pure: no I/O, no clock reads."""
