# The project's commands; each does its own set-up (tools/setup.sh) first.
.PHONY: setup run test unit lint bench soak

setup:
	bash tools/setup.sh

run:
	bash tools/run.sh

test:
	bash tools/test.sh

unit:
	.venv/bin/python -m pytest -p no:odoo -q unit_tests

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

bench:
	bash tools/bench.sh

soak:
	bash tools/soak.sh
