"""thuocdo-sim: a realistic Phú Bình district of kiosks, for demos and benchmarks.

:mod:`.generator` is the pure model (seeded, no I/O); :mod:`.senders` delivers
responses through intake's API or straight to Kafka; :mod:`.cli` is the command.
"""
