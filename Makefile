# The front door. Each target calls a script that does the work.
.PHONY: up down test lint bench setup

up:
	@bash scripts/up

down:
	@bash scripts/down

test:
	@bash scripts/test $(PYTEST_ARGS)

lint:
	@bash scripts/lint

bench:
	@bash scripts/bench

setup:
	@bash scripts/setup
