# The project's commands; each does its own set-up (tools/setup.sh) first.
.PHONY: setup run test unit lint bench soak kill-resume upgrade-check

setup:
	bash tools/setup.sh

run:
	bash tools/run.sh

test:
	bash tools/test.sh

unit:
	.venv/bin/python -m pytest -p no:odoo -q unit_tests

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . \
		&& .venv/bin/pylint --rcfile=.pylintrc website_preorder \
		&& .venv/bin/python tools/addon_readme.py --check

bench:
	bash tools/bench.sh

soak:
	bash tools/soak.sh

kill-resume:
	bash tools/kill_resume.sh

upgrade-check:
	bash tools/upgrade_check.sh
